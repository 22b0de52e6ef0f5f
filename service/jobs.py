"""Jobs as each domain declares them, and the one place work is deferred through.

A domain's `tasks.py` exposes `TASKS = Tasks(jobs=(Job(fn), …), crons=(Cron(fn, every), …))`.
A job function takes the worker context (`ctx["deps"]`, `ctx["dispatcher"]`, `ctx["settings"]`)
and its arguments; a cron takes the context alone. `service/tasks.py` composes the domains'
declarations, and both executors read that composition: the arq worker (`service/worker.py`)
and the in-process runner of the embedded mode (`service/sync/runner.py`). So a new domain
(sources, webhooks, e-mail) plugs in by declaring its jobs, without touching `sync/`.

This module sits below every domain: it imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.settings import Settings

log = logging.getLogger("vitrine.jobs")
Ctx = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """An arq job (`name` is the function's name). `max_tries`: arq's tries before giving up."""

    function: Callable[..., Awaitable[Any]]
    max_tries: int = 3

    @property
    def name(self) -> str:
        return self.function.__name__


@dataclass(frozen=True)
class Cron:
    """A periodic function run `every(settings)` seconds by one worker at a time, and at start-up."""

    function: Callable[[Ctx], Awaitable[Any]]
    every: Callable[[Settings], float]

    @property
    def name(self) -> str:
        return self.function.__name__


@dataclass(frozen=True)
class Tasks:
    jobs: tuple[Job, ...] = ()
    crons: tuple[Cron, ...] = ()


def compose(parts: Sequence[Tasks]) -> Tasks:
    """One declaration from the domains' ones; a job or cron name declared twice is an error."""
    jobs = tuple(j for part in parts for j in part.jobs)
    crons = tuple(c for part in parts for c in part.crons)
    names = [j.name for j in jobs] + [c.name for c in crons]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"job names declared twice: {', '.join(twice)}")
    return Tasks(jobs, crons)


class Dispatcher(Protocol):
    async def enqueue(self, jobs: Sequence[tuple[int, str]], organisation_id: int | None) -> None:
        """Schedule a sync push for each (establishment_id, platform) of the organisation (the
        executors serve organisations in turn; None: served as work no organisation owns)."""

    async def defer(self, job: str, args: tuple[Any, ...], *, job_id: str, when: datetime) -> None:
        """Run the declared job `job(ctx, *args)` at `when`; one job per `job_id` at a time."""


_current: Dispatcher | None = None


def install(dispatcher: Dispatcher | None) -> None:
    global _current
    _current = dispatcher


def current() -> Dispatcher | None:
    return _current


async def defer(job: str, *args: Any, job_id: str, when: datetime) -> None:
    """Defer a declared job. With no dispatcher in this process (a one-off CLI command), the job
    is left to the cron that sweeps its domain's due work: the database is the truth."""
    if _current is None:
        log.debug("jobs.defer.skipped job=%s id=%s (no dispatcher: the domain's sweep will run it)", job, job_id)
        return
    await _current.defer(job, args, job_id=job_id, when=when)
