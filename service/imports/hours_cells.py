"""The hours columns of one sheet -> a row's `hours`: a whole week in one cell (`Horaires
d'ouverture`: "Du lundi au vendredi de 8h à 12h…"), a column per day, opening and closing time
columns per day, closures and special hours. Each cell's text is parsed by `when` (memoised per
sheet: a sheet's sites share a few dozen schedules) and logged `from → to` on the row.

Part of `cleaning.RowCleaner`, which builds one per sheet and calls `clean` per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemas.establishment import DAYS
from service.imports import values as v
from service.imports import when
from service.imports.headers import Column

if TYPE_CHECKING:
    from service.imports.cleaning import CleanRow


class HoursCells:
    def __init__(self, fields: set[str], path_columns: dict[str, Column]):
        """`fields`: the sheet's column fields; `path_columns`: the column of each record path."""
        self.path_columns = path_columns
        self.days = [d for d in DAYS if fields & {f"hours.{d}", f"hours.{d}.open", f"hours.{d}.close"}]
        self.week_cache: dict[str, Any] = {}
        self.day_cache: dict[str, Any] = {}
        self.rendered: dict[str, str] = {}

    def clean(self, r: CleanRow) -> None:
        """Set `r.candidate["hours"]` from the row's hours cells, logging and failing per cell."""
        week = self._week(r)
        days: dict[str, list[dict[str, str]]] = {}
        for day in self.days:
            path = f"hours.regular.{day}"
            for col, raw in r.raw.get(f"hours.{day}", ()):
                try:
                    intervals = when.day_hours(raw, self.day_cache)
                except v.CellError as exc:
                    r.fail(col, path, str(exc))
                    continue
                r.log(col, path, raw, when.render_day(intervals))
                days.setdefault(day, []).extend(intervals)
            pair = self._open_close(r, day)
            if pair:
                days.setdefault(day, []).append(pair)
        if days and len(days) < len(self.days) and week is None:
            for day in self.days:  # a day column left empty is not a closed day
                if day not in days and (col := self.path_columns.get(f"hours.regular.{day}")) is not None:
                    r.note(col, f"hours.regular.{day}", None, None, "empty cell: no hours given for that day "
                           "(a stored day is kept; a new site shows it closed); write x for closed")
        hours: dict[str, Any] = {}
        if week is not None or days:
            regular = dict(week) if week else {day: [] for day in DAYS}
            regular.update(days)
            hours["regular"] = regular
        special: list[dict[str, Any]] = []
        for target, parse in (("hours.closures", when.closures), ("hours.special", when.special_hours)):
            for col, raw in r.raw.get(target, ()):
                try:
                    periods = parse(raw) if target == "hours.closures" else parse(raw, self.day_cache)
                except v.CellError as exc:
                    r.fail(col, "hours.special", str(exc))
                    continue
                r.log(col, "hours.special", raw, None, shown="; ".join(when.render_period(p) for p in periods))
                special.extend(periods)
        if special:
            hours["special"] = special
        if hours:
            r.candidate["hours"] = hours

    def _week(self, r: CleanRow) -> dict[str, list[dict[str, str]]] | None:
        items = r.raw.get("hours")
        if not items:
            return None
        col, raw = items[0]
        try:
            week = when.week_hours(raw, self.week_cache)
        except v.CellError as exc:
            r.fail(col, "hours.regular", str(exc))
            return None
        shown = self.rendered.get(raw)
        if shown is None:
            shown = self.rendered[raw] = when.render_week(week)
        r.log(col, "hours.regular", raw, None, shown=shown)
        return week

    def _open_close(self, r: CleanRow, day: str) -> dict[str, str] | None:
        ends = {}
        for end in ("open", "close"):
            items = r.raw.get(f"hours.{day}.{end}")
            if items:
                col, raw = items[0]
                try:
                    ends[end] = (col, when.clock(raw))
                except v.CellError as exc:
                    r.fail(col, f"hours.regular.{day}", str(exc))
                    return None
                r.log(col, f"hours.regular.{day}", raw, ends[end][1])
        if len(ends) == 1:
            col, _ = next(iter(ends.values()))
            r.fail(col, f"hours.regular.{day}", f"{day}: an opening time needs a closing time (and the other way round)")
            return None
        return {"open": ends["open"][1], "close": ends["close"][1]} if ends else None
