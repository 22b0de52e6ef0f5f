"""Date, time and opening-hours cells: closures, special hours, free-text and per-day hours.
Parsers raise `CellError`; hours texts are parsed once per distinct text (memo dicts)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.utils.datetime import from_excel

from service.imports.hours_text import HoursParseError, format_osm, parse_day_text, parse_hours_text
from service.imports.values import CellError, display, line, text

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")
_CONNECTORS = re.compile(r"^(?:\s|-|–|—|→|>|du|au|le|from|to|until|jusqu'au|jusqu’au|et|and)*$", re.I)


def _make_date(match: re.Match[str]) -> date:
    if match.group(1):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        day, month, year = int(match.group(4)), int(match.group(5)), int(match.group(6))
        year += 2000 if year < 100 else 0
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{match.group(0)!r} is not a date (day/month/year)") from None


def a_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return from_excel(value).date()  # a date cell whose format was lost
    raw = line(value)
    match = _DATE.fullmatch(raw)
    if not match:
        raise CellError(f"{raw!r} is not a date: write it day/month/year, e.g. 25/12/2026")
    return _make_date(match)


def date_range(part: str) -> tuple[date, date]:
    """'25/12/2026', 'du 01/08/2026 au 15/08/2026', '2026-08-01 - 2026-08-15'."""
    matches = list(_DATE.finditer(part))
    rest = _DATE.sub(" ", part)
    if not matches or len(matches) > 2 or not _CONNECTORS.match(rest):
        raise CellError(f"could not read {part.strip()!r} as a date or a date range (e.g. 25/12/2026 or "
                        "du 01/08/2026 au 15/08/2026)")
    start = _make_date(matches[0])
    end = _make_date(matches[-1])
    if end < start:
        raise CellError(f"{part.strip()!r}: the range ends before it starts")
    return start, end


def closures(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, datetime | date):
        day = a_date(value).isoformat()
        return [{"start_date": day, "end_date": day, "closed": True}]
    out = []
    for part in re.split(r"[;,\n]", text(value)):
        if part.strip():
            start, end = date_range(part)
            out.append({"start_date": start.isoformat(), "end_date": end.isoformat(), "closed": True})
    return out


CLOSED_MARKS = frozenset({"x", "-"})  # Google's bulk sheet writes `x` for a closed day or date
# Google's bulk sheet separates special dates with commas ('2026-12-25: x, 2026-12-31: 09:00-12:00'),
# and an interval list uses commas too ('8h-12h, 14h-18h'): a comma splits only before a date.
_SPECIAL_SPLIT = re.compile(r"[;\n]|,(?=\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}))")
_SPECIAL = re.compile(r"^(?P<dates>[\d/.\-\s]+?(?:\s*(?:au|to|-|–)\s*[\d/.\-]+)?)\s*(?::|=|\s)\s*(?P<hours>.+)$")


def special_hours(value: Any, day_cache: dict[str, Any]) -> list[dict[str, Any]]:
    """'24/12/2026: 09:00-12:00; 31/12/2026: fermé' (one date or range, then that day's hours), and
    Google's '2026-12-25: x, 2026-12-31: 09:00-12:00' (a date written twice: its intervals add up)."""
    out: list[dict[str, Any]] = []
    for part in _SPECIAL_SPLIT.split(text(value)):
        if not part.strip():
            continue
        match = _SPECIAL.match(part.strip())
        if not match:
            raise CellError(f"could not read {part.strip()!r}: write 'date: hours', e.g. 24/12/2026: 9h-12h")
        start, end = date_range(match.group("dates"))
        intervals = day_hours(match.group("hours"), day_cache)
        period: dict[str, Any] = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        same = next((p for p in out if p["start_date"] == period["start_date"] and p["end_date"] == period["end_date"]
                     and "intervals" in p), None)
        if same is not None and intervals:
            same["intervals"] = same["intervals"] + intervals
            continue
        out.append({**period, "closed": True} if not intervals else {**period, "intervals": intervals})
    return out


def _cached(cache: dict[str, Any], key: str, parse: Any) -> Any:
    found = cache.get(key)
    if found is None:
        try:
            found = parse(key)
        except HoursParseError as exc:
            found = CellError(str(exc))
        cache[key] = found
    if isinstance(found, CellError):
        raise found
    return found


def week_hours(value: Any, cache: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    if not isinstance(value, str):
        raise CellError(f"{display(value)!r} is not opening hours: write them as text, e.g. 'Lun-Ven 8h-18h'")
    return _cached(cache, value.strip(), parse_hours_text)


def day_hours(value: Any, cache: dict[str, Any]) -> list[dict[str, str]]:
    if isinstance(value, time | datetime | timedelta) or (isinstance(value, float) and 0 < value < 1):
        raise CellError(f"a single time ({clock(value)}) in a day column: write the day's hours, "
                        "e.g. 08:30-19:00")
    if not isinstance(value, str):
        raise CellError(f"{display(value)!r} is not opening hours: write e.g. 8h30-12h, 14h-18h")
    if value.strip().lower() in CLOSED_MARKS:
        return []
    return _cached(cache, value.strip(), parse_day_text)


_CLOCK = re.compile(r"^(\d{1,2})\s*(?:[h:.]\s*(\d{2})?)?$", re.I)


def clock(value: Any) -> str:
    """A time cell ('08:30' typed in Excel becomes a time, or a fraction of a day) -> 'HH:MM'."""
    if isinstance(value, datetime):
        value = value.time()
    if isinstance(value, timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, float) and 0 <= value <= 1:
        minutes = round(value * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, int) and 0 <= value <= 24:
        return f"{value:02d}:00"
    match = _CLOCK.match(line(value))
    if not match or int(match.group(1)) > 24:
        raise CellError(f"{display(value)!r} is not a time (e.g. 08:30)")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def render_week(week: dict[str, list[dict[str, str]]]) -> str:
    return format_osm(week)


def render_day(intervals: list[dict[str, str]]) -> str:
    return ",".join(f"{i['open']}-{i['close']}" for i in intervals) or "closed"


def render_period(period: dict[str, Any]) -> str:
    days = period["start_date"] if period["start_date"] == period["end_date"] else \
        f"{period['start_date']} to {period['end_date']}"
    return f"{days} {'closed' if period.get('closed') else render_day(period['intervals'])}"
