"""E-mail notifications: grouped immediate e-mails for what needs a person, a weekly digest.

`collect` (an events consumer) keeps what needs a person: a listing that became
`action_required` or `failed`, a source that failed, a webhook endpoint disabled. `flush`
sends them grouped: once an organisation's oldest unsent item has waited
`notify_batch_seconds`, each of its recipients gets ONE e-mail listing them all (a revoked
credential failing 120 listings is one e-mail, not 120). `send_digests` sends each digest
recipient the week: what changed, what is live, what waits on them.

Recipients belong to the organisation now; a recipient with `user_id` is where per-user
recipients plug in once user accounts exist (their digest then filters to their sites).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.integrations import RecipientCreate
from service.db import unit_of_work
from service.establishments import repository as est_repo
from service.errors import ApiError, NotFound
from service.models import Event, Notification, NotificationRecipient, utcnow
from service.notifications import mail
from service.notifications import repository as repo
from service.settings import Settings

log = logging.getLogger("vitrine.notifications")
NEEDS_A_PERSON = frozenset({"action_required", "failed"})


async def add_recipient(session: AsyncSession, org_id: int, body: RecipientCreate) -> NotificationRecipient:
    if await repo.recipient(session, org_id, str(body.email)) is not None:
        raise ApiError(409, "conflict", f"{body.email} is already a recipient")
    recipient = NotificationRecipient(organisation_id=org_id, email=str(body.email), language=body.language,
                                      immediate=body.immediate, digest=body.digest)
    session.add(recipient)
    await session.flush()
    return recipient


async def remove_recipient(session: AsyncSession, org_id: int, email: str) -> None:
    found = await repo.recipient(session, org_id, email)
    if found is None:
        raise NotFound("recipient", email)
    await session.delete(found)


async def recipients(session: AsyncSession, org_id: int) -> list[NotificationRecipient]:
    return await repo.recipients(session, org_id)


async def collect(session: AsyncSession, found: list[Event]) -> None:
    """Events consumer: keep what a person must see for the next grouped e-mail."""
    for event in found:
        wanted = (event.kind == "listing.status_changed" and event.payload.get("status") in NEEDS_A_PERSON) \
            or event.kind in ("source.failed", "webhook.disabled")
        if wanted:
            payload = dict(event.payload)
            if event.kind == "listing.status_changed":
                named = await est_repo.code_and_name(session, payload["establishment_id"])
                if named is not None:
                    payload["store_code"], payload["name"] = named
            session.add(Notification(organisation_id=event.organisation_id, kind=event.kind, payload=payload,
                                     created_at=event.created_at))


async def flush(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Send the grouped e-mails that are due; returns how many e-mails went out."""
    if not settings.smtp_host:
        return 0
    sent = 0
    async with unit_of_work(sessionmaker) as session:
        orgs = await repo.unsent_orgs(session, utcnow() - timedelta(seconds=settings.notify_batch_seconds))
    for org_id in orgs:
        async with unit_of_work(sessionmaker) as session:
            items = await repo.unsent(session, org_id)
            people = [r for r in await repo.recipients(session, org_id) if r.immediate]
            messages = []
            for person in people:
                lines = [mail.line(person.language, n.kind, n.payload) for n in _latest(items)]
                messages.append(mail.immediate(settings, person.email, person.language, lines))
            await mail.send(settings, messages)  # a failure rolls back: the items stay unsent
            now = utcnow()
            for item in items:
                item.sent_at = now
                session.add(item)
            sent += len(messages)
            log.info("notifications.immediate.sent org=%s items=%s emails=%s", org_id, len(items), len(messages))
    return sent


async def send_digests(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                       now: datetime | None = None) -> int:
    """The weekly digest to every digest recipient of every organisation."""
    if not settings.smtp_host:
        return 0
    now = now or utcnow()
    sent = 0
    async with unit_of_work(sessionmaker) as session:
        orgs = await repo.organisations_with_digest(session)
    for org_id in orgs:
        async with unit_of_work(sessionmaker) as session:
            messages = [await digest(session, settings, org_id, r, now - timedelta(days=7))
                        for r in await repo.recipients(session, org_id) if r.digest]
        await mail.send(settings, messages)
        sent += len(messages)
    return sent


async def digest(session: AsyncSession, settings: Settings, org_id: int, person: NotificationRecipient,
                 since: datetime) -> mail.EmailMessage:
    org = await repo.org_name(session, org_id)
    changed = _changed_lines(person.language, await repo.changed_since(session, org_id, since))
    live = await repo.live_counts(session, org_id)
    waiting = [mail.line(person.language, "listing.status_changed",
                         {"store_code": code, "name": name, "platform": platform, "status": status, "reason": reason})
               for code, name, platform, status, reason in await repo.waiting(session, org_id)]
    return mail.digest(settings, person.email, person.language, org, changed, live, waiting)


def _latest(items: list[Notification]) -> list[Notification]:
    """One item per listing (a site that failed twice in the window is listed once, as it
    stands last), per source, per endpoint; in the order they first came."""
    kept: dict[tuple, Notification] = {}
    for item in items:
        p = item.payload
        key = (item.kind, p.get("establishment_id"), p.get("platform"), p.get("source"), p.get("endpoint_id")) \
            if item.kind != "source.failed" else (item.kind, item.id)
        kept[key] = item
    return sorted(kept.values(), key=lambda n: n.id or 0)


def _changed_lines(language: str, revisions: list[tuple[str, str, str, list[dict]]]) -> list[str]:
    """One line per site: the fields changed over the week, or that it is new."""
    sites: dict[str, tuple[str, set[str], bool]] = {}
    for code, name, action, changes in revisions:
        _, fields, created = sites.get(code, (name, set(), False))
        fields |= {str(c.get("field", "?")) for c in changes}
        sites[code] = (name, fields, created or action == "create")
    return [mail.site_changed(language, name, code, fields, created) for code, (name, fields, created) in sites.items()]
