"""Strings the database can hold and a person can read.

Every free-form text of the record, and every text query parameter, is one of these types:
bounded in size, without NUL or other control characters (PostgreSQL refuses NUL in text;
a tab or a line break is allowed only where text may have lines, the description and photo
captions), and, for names, labels and address parts, with
at least one visible character (a name made only of zero-width or other invisible characters
would be published as a blank). Each check raises an error with its own code
(`control_character`, `no_visible_character`) that the API reports with the field's path.
Lone UTF-16 surrogates (JSON can carry `"\\ud800"`; no UTF-8 encoding, so no database, can
hold one) are refused by pydantic itself for every `str` (`string_unicode`); `printable` keeps
them out of error messages that quote the input.

Character classes are Unicode general categories (https://www.unicode.org/reports/tr44/#General_Category_Values):
Cc control, Cs surrogate, Cf format (zero-width space, joiners, bidi marks), Z* separators.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

_LINE_BREAKS = "\t\n\r"
_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_INVISIBLE = ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me")  # combining marks alone show nothing either


def _check(value: str, *, lines: bool) -> str:
    found = _BAD.search(value)
    while found:
        char = found.group()
        if not (lines and char in _LINE_BREAKS):
            raise PydanticCustomError(
                "control_character", "contains the control character U+{cp}, which cannot be stored{hint}",
                {"cp": f"{ord(char):04X}", "hint": "" if lines else " (one line of text: no tabs or line breaks)"})
        found = _BAD.search(value, found.end())
    return value


def single_line(value: str) -> str:
    """No control character at all (tabs and line breaks included)."""
    return _check(value, lines=False)


def multi_line(value: str) -> str:
    """Tabs and line breaks allowed; no other control character."""
    return _check(value, lines=True)


def visible_line(value: str) -> str:
    """A single line with at least one character that shows."""
    single_line(value)
    if value and all(unicodedata.category(c) in _INVISIBLE for c in value):
        raise PydanticCustomError("no_visible_character", "has no visible character")
    return value


def printable(value: str) -> str:
    """`value` with lone surrogates written as `\\udXXX`, so an error message that quotes the
    input can always be encoded as UTF-8 JSON."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(visible_line)]
AddressLine = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(visible_line)]
Locality = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(visible_line)]
Region = Annotated[str, Field(max_length=100), AfterValidator(visible_line)]
PostalCode = Annotated[str, Field(max_length=16), AfterValidator(visible_line)]
Label = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(visible_line)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(multi_line)]
Caption = Annotated[str, Field(max_length=300), AfterValidator(multi_line)]

# A platform's id for the site (`locations/123…`, a Facebook page id, an OSM `node/42`): short
# single-line tokens, keyed by platform key; 50 entries is more than there are platforms.
PlatformKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PlatformId = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(visible_line)]
PlatformIds = Annotated[dict[PlatformKey, PlatformId], Field(max_length=50)]

# Free settings text (a URL, a schedule, a JSON path, a header): one line, no control character.
Setting = Annotated[str, Field(max_length=1000), AfterValidator(single_line)]
StoreCodeText = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")]

# Query parameters: the same checks, so a NUL in `?q=` is a 422 naming `q`, never a database error.
QueryText = Annotated[str, Field(max_length=200), AfterValidator(single_line)]


def like_pattern(text: str) -> str:
    """`%text%` for `LIKE … ESCAPE '\\'`, the text's own `%`, `_` and `\\` matching themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
