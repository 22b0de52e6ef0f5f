"""Street lines: split a house number off the start of a street line."""

from __future__ import annotations

import re

_NUMBER = r"\d+(?:\s*(?:bis|ter|quater)\b|[a-z]\b)?"
_STREET = re.compile(rf"^({_NUMBER}(?:\s*[-/]\s*{_NUMBER})?)\s*,?\s+(\S.*)$", re.IGNORECASE)


def split_street(line: str) -> tuple[str, str] | None:
    """'12 bis rue Oberkampf' -> ('12 bis', 'rue Oberkampf'); None when it does not start with a number."""
    match = _STREET.match(line.strip())
    return (match.group(1), match.group(2)) if match else None
