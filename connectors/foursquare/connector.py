"""Foursquare Places suggested edits (the partner SFTP TSV feed is a separate connector).

Source: the Places API reference, version 2025-06-17 (feedback endpoints open to every Places
user since May 2024); the parameters used are transcribed, with their pages, in
`connectors/sandbox/contracts/foursquare/places-feedback.2025-06-17.json`, which the sandbox
validates against.

* Every value is a query parameter (no request body). Headers: `Authorization: Bearer <service
  key>`, `X-Places-Api-Version: 2025-06-17`.
* A place Foursquare has (`record.platform_ids["foursquare"]`, else the fsq_place_id an accepted
  new-place suggestion reports): `POST {base}/places/{id}/suggest/edit` with the changed
  parameters (all on the first push); a value the record no longer has goes in `unset_fields`;
  categories as `add_fsq_category_ids` / `remove_fsq_category_ids` / `primary_fsq_category_id`
  against the last pushed list. A permanent closure is `POST {base}/places/{id}/suggest/remove?
  reason=CLOSED`. A place it does not have: `POST {base}/places/suggest/place` (name and
  coordinates required; `categories`). While that new-place suggestion is pending an edit
  waits (RetryableError, a day).
* Status: `GET {base}/places/suggest/status?suggested_edit_ids=<id>`: ACCEPTED -> `live`,
  REJECTED -> `failed` with the reason, otherwise `awaiting_review`. The answer shapes (the id
  key `suggested_edit_id`, the `results` list) are not in what we could read: the connector reads
  them tolerantly (UNVERIFIED).
* `dry_run` option: `?dry_run=true` validates only; the push ends in ActionRequired.
* Quota 50 requests/s (platforms.md). Typical delay 7 days (UNVERIFIED).
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
from connectors.foursquare import mapping
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "Foursquare"
API_VERSION = "2025-06-17"
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
        notes=("Suggested edits per the Places API reference (2025-06-17): query parameters only, unset_fields to "
               "clear, add/remove/primary category ids, closures via suggest/remove?reason=CLOSED, hours "
               "day,HHMM,HHMM (Monday=1, +HHMM past midnight), description <= 300. Live = suggestion ACCEPTED "
               "(content not read back). Needs the place's fsq_id (platform_ids.foursquare) for edits, else "
               "suggests a new place. Answer shapes and the 7-day delay UNVERIFIED. Not sent: photos, special "
               "hours, additional phones, address complements, temporary closures."),
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
            fsq_id = status.get("fsq_place_id") or status.get("fsq_id")
            if not fsq_id and _state(status) == "PENDING":
                raise RetryableError(f"{NAME} is still reviewing the new place suggested ({follows}): the edit waits "
                                     "until the place exists", retry_after=PENDING_PLACE_RETRY)
        if fsq_id and payload.get("closed") and (not follows or "closed" in ctx.changed):
            path, kind, params = f"/places/{quote(fsq_id, safe='')}/suggest/remove", "remove", {"reason": "CLOSED"}
        elif fsq_id:
            keys = list(ctx.changed) if follows else list(payload)
            params = edit_params(payload, ctx.previous if follows else None, keys)
            if not params:
                return PushResult(remote_id=ctx.remote_id or "", state="awaiting_review", remote_version=ctx.remote_version,
                                  detail={"no_changes": True})
            path, kind = f"/places/{quote(fsq_id, safe='')}/suggest/edit", "edit"
        else:
            if "latitude" not in payload:
                raise ActionRequired(f"{NAME} cannot place a new venue without coordinates: "
                                     "add the establishment's coordinates (geo)")
            params = {k: _text(v) for k, v in payload.items() if k != "closed"}
            path, kind = "/places/suggest/place", "place"
        if self._dry_run:
            params["dry_run"] = "true"
        response = await self._call("POST", path, params=params)
        if not response.is_success:
            raise classify(response)
        if self._dry_run:
            raise ActionRequired(f"dry run: {NAME} found the suggested {kind} valid; nothing was sent (turn the "
                                 "dry_run option off to publish)", http_status=response.status_code)
        body = _body(response)
        suggestion = str(body.get("suggested_edit_id") or body.get("id") or body.get("suggestion_id") or "")
        if not suggestion:
            raise RetryableError(f"{NAME} accepted the suggestion but returned no id", http_status=response.status_code)
        log.info("foursquare.suggestion.submitted", extra={"store_code": ctx.store_code, "kind": kind})
        return PushResult(remote_id=suggestion, state="awaiting_review", http_status=response.status_code,
                          remote_version=suggestion, created=ctx.remote_id is None,
                          detail={"suggestion_id": suggestion, "kind": kind, "fsq_id": fsq_id,
                                  "sent": sorted(params), "duplicate": response.status_code == 200})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        status = await self._status(remote_id)
        state, fsq_id = _state(status), status.get("fsq_place_id") or status.get("fsq_id")
        url = f"https://foursquare.com/v/{fsq_id}" if fsq_id else None
        if state == "ACCEPTED":
            return ReadBack(state="live", live_url=url, remote_version=remote_id,
                            message=f"{NAME} accepted suggestion {remote_id}")
        if state == "REJECTED":
            reason = status.get("reason") or "no reason given"
            return ReadBack(state="failed", live_url=url, remote_version=remote_id,
                            message=f"{NAME} rejected suggestion {remote_id}: {reason}")
        return ReadBack(state="awaiting_review", pending=list(pushed), live_url=url, remote_version=remote_id,
                        message=f"{NAME} suggestion {remote_id} is {state or 'in an unknown state'}")

    async def _status(self, suggestion: str) -> dict[str, Any]:
        response = await self._call("GET", "/places/suggest/status", params={"suggested_edit_ids": suggestion})
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows suggestion {suggestion}: push the establishment again",
                                 http_status=404)
        if not response.is_success:
            raise classify(response)
        body = json_or_none(response)
        items = body if isinstance(body, list) else next(
            (v for v in body.values() if isinstance(v, list)), [body]) if isinstance(body, dict) else []
        return next((i for i in items if isinstance(i, dict)
                     and str(i.get("suggested_edit_id") or i.get("id") or suggestion) == suggestion), {})

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._key:
            raise ActionRequired(f"{NAME} connection incomplete: the service_key credential is missing")
        return await request(self.client, method, self.base_url + path, headers={
            "Accept": "application/json", "X-Places-Api-Version": API_VERSION,
            "Authorization": f"Bearer {self._key}"}, **kwargs)


def _state(status: dict[str, Any]) -> str:
    return str(status.get("status") or "").upper()


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def edit_params(payload: dict[str, Any], previous: dict[str, Any] | None, keys: list[str]) -> dict[str, str]:
    """The edit's query parameters for the changed `keys`: values, `unset_fields`, category changes."""
    params: dict[str, str] = {}
    unset = []
    for key in keys:
        if key == "closed":
            continue  # a closure is a remove; reopening has no parameter
        if key == "categories":
            new, old = list(payload.get("categories") or []), list((previous or {}).get("categories") or [])
            if added := [c for c in new if c not in old]:
                params["add_fsq_category_ids"] = ",".join(added)
            if removed := [c for c in old if c not in new]:
                params["remove_fsq_category_ids"] = ",".join(removed)
            if new and (not old or new[0] != old[0]):
                params["primary_fsq_category_id"] = new[0]
        elif key in payload:
            params[key] = _text(payload[key])
        else:
            unset.append(key)
    if unset:
        params["unset_fields"] = ",".join(sorted(unset))
    return params
