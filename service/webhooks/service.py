"""Webhooks: endpoints per organisation, one delivery per event and endpoint, sent by jobs.

Events come from the outbox (`service/events.py`): `fan_out` turns each into a pending
delivery for every enabled endpoint that wants its kind; `deliver_due` sends those that are
due, signed per Standard Webhooks (`signing`), at least once: a failure is retried with
exponential backoff (`webhook_backoff_base` doubling, capped at `webhook_backoff_max`) up to
`webhook_max_attempts`; an endpoint failing for `webhook_disable_after_hours` is disabled and a
`webhook.disabled` notice goes to the organisation's e-mail recipients. A delivery keeps one
log entry per attempt (at, status code, duration, error); `redeliver` queues it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.integrations import DeliveryPublic, WebhookCreate, WebhookPublic
from service import metrics
from service import events
from service.db import unit_of_work
from service.establishments import repository as est_repo
from service.errors import ApiError, NotFound
from service.models import Event, WebhookDelivery, WebhookEndpoint, utcnow
from service.platforms.credentials import decrypt, encrypt
from service.settings import Settings
from service.sources.fetch import SourceError, check_url
from service.webhooks import repository as repo
from service.webhooks import signing

log = logging.getLogger("vitrine.webhooks")
SEND_CONCURRENCY = 10


def _check_url(url: str, settings: Settings) -> None:
    try:
        check_url(url, "webhook", settings)  # https, or loopback http when the setting allows it
    except SourceError as exc:
        raise ApiError(422, "invalid_webhook", exc.message.replace("source", "webhook"), field="url") from None


async def create(session: AsyncSession, org_id: int, body: WebhookCreate, settings: Settings) -> WebhookPublic:
    _check_url(body.url, settings)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(organisation_id=org_id, url=body.url, events=list(dict.fromkeys(body.events)),
                               secret=encrypt({"secret": secret}, settings))
    session.add(endpoint)
    await session.flush()
    return to_public(endpoint, secret)


def to_public(endpoint: WebhookEndpoint, secret: str | None = None) -> WebhookPublic:
    return WebhookPublic(id=endpoint.id, url=endpoint.url, events=endpoint.events, enabled=endpoint.enabled,  # type: ignore[arg-type]
                         disabled_reason=endpoint.disabled_reason, failing_since=endpoint.failing_since,
                         created_at=endpoint.created_at, secret=secret)


async def get(session: AsyncSession, org_id: int, endpoint_id: int) -> WebhookEndpoint:
    found = await repo.endpoint(session, org_id, endpoint_id)
    if found is None:
        raise NotFound("webhook", str(endpoint_id))
    return found


async def endpoints(session: AsyncSession, org_id: int) -> list[WebhookEndpoint]:
    return await repo.endpoints(session, org_id)


async def rotate(session: AsyncSession, org_id: int, endpoint_id: int, settings: Settings) -> WebhookPublic:
    """A new secret; the old one still signs (both signatures sent) for the grace period."""
    endpoint = await get(session, org_id, endpoint_id)
    secret = signing.new_secret()
    endpoint.previous_secret, endpoint.secret = endpoint.secret, encrypt({"secret": secret}, settings)
    endpoint.previous_expires_at = utcnow() + timedelta(hours=settings.webhook_secret_grace_hours)
    session.add(endpoint)
    return to_public(endpoint, secret)


async def enable(session: AsyncSession, org_id: int, endpoint_id: int) -> WebhookPublic:
    endpoint = await get(session, org_id, endpoint_id)
    endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
    session.add(endpoint)
    return to_public(endpoint)


async def remove(session: AsyncSession, org_id: int, endpoint_id: int) -> None:
    await session.delete(await get(session, org_id, endpoint_id))


async def deliveries(session: AsyncSession, org_id: int, endpoint_id: int, limit: int = 50) -> list[DeliveryPublic]:
    await get(session, org_id, endpoint_id)
    return [DeliveryPublic.model_validate(d, from_attributes=True)
            for d in await repo.deliveries(session, endpoint_id, limit)]


async def redeliver(session: AsyncSession, org_id: int, delivery_id: int) -> DeliveryPublic:
    delivery = await repo.delivery(session, delivery_id)
    if delivery is None or await repo.endpoint(session, org_id, delivery.endpoint_id) is None:
        raise NotFound("delivery", str(delivery_id))
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    session.add(delivery)
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


async def send_test(session: AsyncSession, org_id: int, endpoint_id: int) -> DeliveryPublic:
    """A `webhook.test` event for this endpoint only (never fanned out to the others)."""
    endpoint = await get(session, org_id, endpoint_id)
    now = utcnow()
    event = Event(id=events.new_id(), organisation_id=org_id, kind="webhook.test",
                  payload={"message": "a test from Vitrine"}, created_at=now, dispatched_at=now)
    session.add(event)
    await session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, kind=event.kind,  # type: ignore[arg-type]
                               next_attempt_at=now)
    session.add(delivery)
    await session.flush()
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


async def fan_out(session: AsyncSession, found: list[Event]) -> None:
    """Events consumer: a pending delivery per enabled endpoint that wants the event's kind."""
    by_org: dict[int, list[WebhookEndpoint]] = {}
    now = utcnow()
    for event in found:
        if event.kind not in events.KINDS:
            continue
        if event.organisation_id not in by_org:
            by_org[event.organisation_id] = await repo.endpoints(session, event.organisation_id, enabled_only=True)
        for endpoint in by_org[event.organisation_id]:
            if event.kind in endpoint.events:
                session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, kind=event.kind,  # type: ignore[arg-type]
                                            next_attempt_at=now))


async def body_of(session: AsyncSession, event: Event) -> bytes:
    """The JSON body: `{"type", "timestamp", "data"}` as the spec recommends; a listing event's
    data names the site (store code, name). Deterministic, so every retry sends the same bytes."""
    data = dict(event.payload)
    if event.kind == "listing.status_changed" and "establishment_id" in data:
        found = await est_repo.code_and_name(session, data["establishment_id"])
        if found is not None:
            data["store_code"], data["name"] = found
    body = {"type": event.kind, "timestamp": event.created_at.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _secrets(endpoint: WebhookEndpoint, settings: Settings) -> list[str]:
    out = [decrypt(endpoint.secret, settings)["secret"]]
    if endpoint.previous_secret and endpoint.previous_expires_at and endpoint.previous_expires_at > utcnow():
        out.append(decrypt(endpoint.previous_secret, settings)["secret"])
    return out


async def deliver_due(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                      client: httpx.AsyncClient | None = None) -> int:
    """Send the due deliveries (claimed first, so two workers never send one twice at once)."""
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        claimed = []
        for delivery, endpoint, event in await repo.due(session, now):
            delivery.next_attempt_at = now + timedelta(seconds=settings.webhook_timeout_seconds * 3)
            session.add(delivery)
            claimed.append((delivery.id, endpoint.url, _secrets(endpoint, settings), event.id,
                            await body_of(session, event)))
    own = client is None
    client = client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    room = asyncio.Semaphore(SEND_CONCURRENCY)  # one slow endpoint does not hold the others back

    async def send(item: tuple[int, str, list[str], str, bytes]) -> None:
        async with room:
            await _send(sessionmaker, settings, client, *item)  # type: ignore[arg-type]

    try:
        await asyncio.gather(*(send(item) for item in claimed))
    finally:
        if own:
            await client.aclose()
    return len(claimed)


async def _send(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, client: httpx.AsyncClient,
                delivery_id: int, url: str, secrets_: list[str], msg_id: str, body: bytes) -> None:
    started, code, error = time.monotonic(), None, None
    try:
        response = await client.post(url, content=body, headers=signing.headers(secrets_, msg_id, int(time.time()), body),
                                     timeout=settings.webhook_timeout_seconds)
        code = response.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" or type(exc).__name__
    duration = int((time.monotonic() - started) * 1000)
    async with unit_of_work(sessionmaker) as session:
        delivery = await repo.delivery(session, delivery_id)
        endpoint = None if delivery is None else await session.get(WebhookEndpoint, delivery.endpoint_id)
        if delivery is None or endpoint is None:
            return
        if _record(delivery, endpoint, code, duration, error, settings):
            await events.record(session, endpoint.organisation_id, "webhook.disabled",
                                {"endpoint_id": endpoint.id, "url": endpoint.url, "reason": endpoint.disabled_reason})
        session.add(delivery)
        session.add(endpoint)
    log.info("webhook.delivery.%s endpoint=%s code=%s ms=%s", "ok" if error is None else "failed",
             delivery.endpoint_id, code, duration)
    metrics.WEBHOOK_DELIVERIES.labels("delivered" if error is None else "failed").inc()


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, code: int | None, duration: int,
            error: str | None, settings: Settings) -> bool:
    """Log the attempt and plan the next; True when this failure disabled the endpoint."""
    now = utcnow()
    delivery.attempts += 1
    delivery.response_code, delivery.duration_ms, delivery.last_error = code, duration, error
    delivery.log = [*delivery.log, {"at": now.isoformat(), "status_code": code, "duration_ms": duration,
                                    "error": error}][-50:]
    if error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.failing_since = None
        return False
    endpoint.failing_since = endpoint.failing_since or now
    if delivery.attempts >= settings.webhook_max_attempts:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delay = min(settings.webhook_backoff_max, settings.webhook_backoff_base * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    if endpoint.enabled and now - endpoint.failing_since >= timedelta(hours=settings.webhook_disable_after_hours):
        endpoint.enabled = False
        endpoint.disabled_reason = (f"disabled on {now:%Y-%m-%d %H:%M} UTC after failing since "
                                    f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC (last: {error})")
        return True
    return False
