"""A source's schedule: `every 30m`, `every 6h`, `every 1d`, or a cron expression (croniter)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from croniter import croniter

_EVERY = re.compile(r"^every\s+(\d+)\s*(m|min|minutes?|h|hours?|d|days?)$", re.I)
_UNIT = {"m": 60, "h": 3600, "d": 86400}


def check(schedule: str) -> str:
    """The schedule, stripped; raises ValueError saying what is accepted."""
    text = " ".join(schedule.split())
    every = _EVERY.match(text)
    if every:
        if int(every.group(1)) < 1:
            raise ValueError("an interval is at least 1 minute")
        return text
    if croniter.is_valid(text):
        return text
    raise ValueError(f"schedule {schedule!r}: write 'every 30m', 'every 6h', 'every 1d' or a cron expression "
                     "such as '0 6 * * 1-5'")


def next_run(schedule: str, after: datetime) -> datetime:
    every = _EVERY.match(schedule)
    if every:
        return after + timedelta(seconds=int(every.group(1)) * _UNIT[every.group(2)[0].lower()])
    return croniter(schedule, after).get_next(datetime)
