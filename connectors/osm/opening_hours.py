"""Canonical hours -> the OSM `opening_hours` tag (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification).

Kept to the plain, widely parsed subset of the specification:

* Regular hours: one rule per distinct set of intervals, its days as a weekday selector
  (`Mo-Fr`, `Mo,We,Fr`, `Mo-We,Sa`), times as `HH:MM-HH:MM` joined by `,`:
  `Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00`. Days in no rule are closed (the
  specification's default), so closed days are not written.
* Open round the clock every day: `24/7`. `24:00` closes a day as is (`08:00-24:00`); an
  overnight interval keeps its wrapped form (`Fr 22:00-02:00`), which the specification reads as
  running into the next day.
* Special hours: date rules after the regular ones (a later rule replaces the earlier ones for
  the days it selects): `2026 Dec 25 off`, `2026 Dec 24-26 off`, `2026 Dec 30-2027 Jan 02 off`,
  `2026 Dec 24 09:00-12:00`.
* No `PH off`: the canonical record does not say what happens on public holidays (a hospital
  is open), and the tag must not invent it; holidays the group knows are special hours.
* Status: `off` (closed until further notice) is written by the mapping for a temporarily closed
  establishment, not here.
"""

from __future__ import annotations

from datetime import date

from schemas.establishment import DAYS, Hours, Interval, SpecialHours

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ALWAYS_OPEN = "24/7"
CLOSED = "off"


def times(intervals: list[Interval]) -> str:
    return ",".join(f"{i.open}-{i.close}" for i in intervals)


def weekdays(indexes: list[int]) -> str:
    """[0, 1, 2, 4] -> 'Mo-We,Fr': runs of three or more days become ranges, pairs stay listed."""
    parts: list[str] = []
    run: list[int] = []
    for index in sorted(indexes) + [99]:
        if run and index == run[-1] + 1:
            run.append(index)
            continue
        if run:
            if len(run) >= 3:
                parts.append(f"{OSM_DAYS[run[0]]}-{OSM_DAYS[run[-1]]}")
            else:
                parts.extend(OSM_DAYS[d] for d in run)
        run = [index]
    return ",".join(parts)


def regular_rules(hours: Hours) -> list[str]:
    if hours.regular.is_always_open():
        return [ALWAYS_OPEN]
    groups: dict[str, list[int]] = {}
    for index, day in enumerate(DAYS):
        intervals = getattr(hours.regular, day)
        if intervals:
            groups.setdefault(times(intervals), []).append(index)
    return [f"{weekdays(days)} {spec}" for spec, days in sorted(groups.items(), key=lambda item: item[1][0])]


def date_selector(start: date, end: date | None) -> str:
    text = f"{start.year} {MONTHS[start.month - 1]} {start.day:02d}"
    if end is None or end == start:
        return text
    if (end.year, end.month) == (start.year, start.month):
        return f"{text}-{end.day:02d}"
    return f"{text}-{end.year} {MONTHS[end.month - 1]} {end.day:02d}"


def special_rule(period: SpecialHours) -> str:
    return f"{date_selector(period.start_date, period.end_date)} {CLOSED if period.closed else times(period.intervals)}"


def format_hours(hours: Hours, *, special: bool = True) -> str | None:
    """The `opening_hours` value, or None when the record gives no hours at all."""
    rules = regular_rules(hours)
    if special:
        rules += [special_rule(period) for period in hours.special]
    return "; ".join(rules) or None
