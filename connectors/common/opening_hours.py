"""Canonical weekly hours -> runs of days, for the text hour formats (HERE's, OSM's).

A run is a stretch of consecutive weekdays (Monday to Sunday, no wrap-around) open with the
same intervals; closed days belong to no run. Intervals keep the canonical conventions:
`24:00` ends a day, and an interval whose close is before its open runs past midnight (it
stays on the day it opens).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.establishment import Interval, RegularHours

DAY_ABBR: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@dataclass(frozen=True)
class DayRun:
    first: int  # 0 = Monday
    last: int
    intervals: tuple[tuple[str, str], ...]

    def days(self, sep: str = "-") -> str:
        """'Mo', 'Mo-Fr' (a two-day run is written 'Sa-Su' too)."""
        if self.first == self.last:
            return DAY_ABBR[self.first]
        return f"{DAY_ABBR[self.first]}{sep}{DAY_ABBR[self.last]}"

    def times(self, sep: str = ",") -> str:
        """'08:00-12:00,14:00-19:00'."""
        return sep.join(f"{start}-{end}" for start, end in self.intervals)


def _key(intervals: list[Interval]) -> tuple[tuple[str, str], ...]:
    return tuple((i.open, i.close) for i in sorted(intervals, key=lambda i: i.span()))


def day_runs(regular: RegularHours) -> list[DayRun]:
    runs: list[DayRun] = []
    for index, (_day, intervals) in enumerate(regular.days()):
        if not intervals:
            continue
        key = _key(intervals)
        if runs and runs[-1].last == index - 1 and runs[-1].intervals == key:
            runs[-1] = DayRun(runs[-1].first, index, key)
        else:
            runs.append(DayRun(index, index, key))
    return runs


def osm_text(regular: RegularHours) -> str | None:
    """OpenStreetMap `opening_hours` syntax, 'Mo-Fr 09:00-18:00; Sa 10:00-13:00'; None when never open.
    Days left out are closed (OSM's default). No public holidays: the record has no such rule."""
    if regular.is_always_open():
        return "24/7"
    runs = day_runs(regular)
    return "; ".join(f"{run.days()} {run.times()}" for run in runs) or None
