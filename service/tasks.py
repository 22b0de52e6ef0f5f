"""Every domain's jobs and crons, composed once for both executors (arq worker, in-process runner).

A new domain with jobs adds its `tasks.TASKS` here, and nothing else changes."""

from __future__ import annotations

from service.campaigns import tasks as campaigns
from service.jobs import Tasks, compose
from service.sync import tasks as sync

DOMAINS: tuple[Tasks, ...] = (sync.TASKS, campaigns.TASKS)


def all_tasks() -> Tasks:
    return compose(DOMAINS)
