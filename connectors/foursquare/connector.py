"""Foursquare Places suggested edits (the partner SFTP TSV feed is a separate connector).

Request shapes are designed from platforms.md's one line ("suggested edits through the Places
feedback API (Bearer service key, `dry_run` option). 50 QPS") and are UNVERIFIED:

* `POST {base}/places/{fsq_id}/suggest/edit` with the fields to change (a removed field is
  sent as null), `POST {base}/places/suggest/place` with every field for a place Foursquare
  does not have, both answering `{"suggestion_id", "status"}`; `GET
  {base}/places/suggest/status/{id}` -> `{status: pending|accepted|rejected, fsq_id, reason}`.
  Headers: `Authorization: Bearer <service key>`, `X-Places-Api-Version: 2025-06-17`.
* The remote id is the latest suggestion id (`read_back` only gets the remote id). The place
  itself is `record.platform_ids["foursquare"]` (its fsq_id) when known, else the fsq_id the
  accepted new-place suggestion reports. While a new-place suggestion is still pending, an
  edit cannot be sent (there is no place to edit, and a second new-place suggestion would
  duplicate it): the push is retried a day later (RetryableError).
* Idempotency: an `Idempotency-Key` header derived from the request id, the suggestion it
  follows and the body (`common.reference`); a retried push gets the first answer back
  (UNVERIFIED; the sandbox implements it).
* `dry_run` option: the suggestion is validated with `?dry_run=true` and nothing is filed;
  the push then ends in ActionRequired ("dry run: valid, not sent") so no status claims more.
* read_back: accepted -> `live` (with the place's URL), pending -> `awaiting_review`, rejected
  -> `failed` with Foursquare's reason. The place's content is not read back.
* Categories: `fsq_category_ids` (`categories.py` says which ids and why not the legacy 5-digit
  codes; the field name and its limit of 3 are UNVERIFIED).
* Typical delay 7 days (UNVERIFIED). Quota 50 requests/s (platforms.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from connectors.base import (
    ActionRequired,
    Channel,
    ConnectorError,
    FieldError,
    PlatformInfo,
    PushContext,
    PushResult,
    Quota,
    ReadBack,
    Rejected,
    Rendering,
    RetryableError,
)
from connectors.common.reference import client_reference
from connectors.foursquare import mapping
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "Foursquare"
API_VERSION = "2025-06-17"  # UNVERIFIED
PENDING_PLACE_RETRY = 86_400.0


def _body(response: httpx.Response) -> dict[str, Any]:
    body = json_or_none(response)
    return body if isinstance(body, dict) else {}


def classify(response: httpx.Response) -> ConnectorError:
    status = response.status_code
    body = _body(response)
    summary = str(body.get("message") or f"HTTP {status}")
    if status in (400, 422):
        fields = [FieldError(e.get("field") if isinstance(e.get("field"), str) else None, str(e.get("message") or "invalid"))
                  for e in body.get("errors") or [] if isinstance(e, dict)]
        return Rejected(f"{NAME} refused the suggestion: {summary}", fields, http_status=status)
    if status == 401:
        return ActionRequired(f"{NAME} rejected the service key: {summary}", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} denies this service key suggested edits: {summary}", http_status=status)
    if status == 404:
        return ActionRequired(f"{NAME} does not know this place: check its fsq_id ({summary})", http_status=status)
    if status == 429:
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response), http_status=status)
    return Rejected(f"{NAME} refused the request: {summary}", http_status=status)


class FoursquareConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="foursquare",
        name=NAME,
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "email",
                                "categories", "description", "hours.regular"}),
        quota=Quota(50, 1),
        location_quota=None,
        typical_delay=timedelta(days=7),
        verifiable=True,
        default_base_url="https://places-api.foursquare.com",
        credentials=("service_key",),
        options=("dry_run",),
        option_types={"dry_run": "bool"},
        notes=("Suggested edits, reviewed by Foursquare: live = suggestion accepted (content not read back). "
               "Needs the place's fsq_id (platform_ids.foursquare) for edits, else suggests a new place. Endpoint "
               "paths, bodies, status values and the 7-day delay are UNVERIFIED. Categories: Foursquare category "
               "ids (fsq_category_ids, at most 3; a key with none is sent as its parent's, and the status says "
               "so). Not sent: photos, special hours, additional phones, temporary closures."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._key = credentials.get("service_key") or ""
        self._dry_run = str(options.get("dry_run", "")).lower() in ("1", "true", "yes", "on")

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        payload = rendering.payload
        follows = ctx.remote_id if ctx.previous is not None else None  # our last suggestion
        fsq_id = record.platform_ids.get("foursquare")
        if not fsq_id and follows:
            status = await self._status(follows)
            fsq_id = status.get("fsq_id")
            if not fsq_id and status.get("type") == "place" and status.get("status") == "pending":
                raise RetryableError(f"{NAME} is still reviewing the new place suggested ({follows}): the edit waits "
                                     "until the place exists", retry_after=PENDING_PLACE_RETRY)
        if fsq_id:
            keys = list(ctx.changed) if follows else list(payload)
            body = {key: payload.get(key) for key in keys}
            path, kind = f"/places/{quote(fsq_id, safe='')}/suggest/edit", "edit"
        else:
            if "latitude" not in payload:
                raise ActionRequired(f"{NAME} cannot place a new venue without coordinates: "
                                     "add the establishment's coordinates (geo)")
            body, path, kind = dict(payload), "/places/suggest/place", "place"
        reference = client_reference(ctx.request_id, ctx.remote_id, [path, body])
        response = await self._call("POST", path, json=body, headers={"Idempotency-Key": reference},
                                    params={"dry_run": "true"} if self._dry_run else None)
        if not response.is_success:
            raise classify(response)
        if self._dry_run:
            raise ActionRequired(f"dry run: {NAME} found the suggested {kind} valid; nothing was sent (turn the "
                                 "dry_run option off to publish)", http_status=response.status_code)
        suggestion = str(_body(response).get("suggestion_id") or "")
        if not suggestion:
            raise RetryableError(f"{NAME} accepted the suggestion but returned no suggestion_id",
                                 http_status=response.status_code)
        log.info("foursquare.suggestion.submitted", extra={"store_code": ctx.store_code, "kind": kind})
        return PushResult(remote_id=suggestion, state="awaiting_review", http_status=response.status_code,
                          remote_version=suggestion, created=ctx.remote_id is None,
                          detail={"suggestion_id": suggestion, "kind": kind, "fsq_id": fsq_id,
                                  "sent": sorted(body), "duplicate": response.status_code == 200})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        status = await self._status(remote_id)
        state, fsq_id = status.get("status"), status.get("fsq_id")
        url = f"https://foursquare.com/v/{fsq_id}" if fsq_id else None
        if state == "accepted":
            return ReadBack(state="live", live_url=url, remote_version=remote_id,
                            message=f"{NAME} accepted suggestion {remote_id}")
        if state == "rejected":
            reason = status.get("reason") or "no reason given"
            return ReadBack(state="failed", live_url=url, remote_version=remote_id,
                            message=f"{NAME} rejected suggestion {remote_id}: {reason}")
        return ReadBack(state="awaiting_review", pending=list(pushed), live_url=url, remote_version=remote_id,
                        message=f"{NAME} suggestion {remote_id} is {state or 'in an unknown state'}")

    async def _status(self, suggestion: str) -> dict[str, Any]:
        response = await self._call("GET", f"/places/suggest/status/{quote(suggestion, safe='')}")
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows suggestion {suggestion}: push the establishment again",
                                 http_status=404)
        if not response.is_success:
            raise classify(response)
        return _body(response)

    async def _call(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                    **kwargs: Any) -> httpx.Response:
        if not self._key:
            raise ActionRequired(f"{NAME} connection incomplete: the service_key credential is missing")
        return await request(self.client, method, self.base_url + path, headers={
            "Accept": "application/json", "X-Places-Api-Version": API_VERSION, **(headers or {}),
            "Authorization": f"Bearer {self._key}"}, **kwargs)
