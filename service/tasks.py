"""Every domain's jobs and crons, composed once for both executors (arq worker, in-process runner).

A new domain with jobs adds its `tasks.TASKS` here, and nothing else changes."""

from __future__ import annotations

from service.campaigns import tasks as campaigns
from service.jobs import Tasks, compose
from service.notifications import tasks as notifications
from service.sources import tasks as sources
from service.sync import tasks as sync
from service.webhooks import tasks as webhooks

DOMAINS: tuple[Tasks, ...] = (sync.TASKS, campaigns.TASKS, sources.TASKS, webhooks.TASKS, notifications.TASKS)


def all_tasks() -> Tasks:
    return compose(DOMAINS)
