"""TomTom Orbis feedback reports (enterprise): a report per push, applied at a later map release.

Everything beyond "feedback API, report status, next map release (weeks)" (platforms.md) is
a design, UNVERIFIED, kept in this module and `mapping.py`:

* `POST {base}/places/feedback/1/reports?key=…` with `{"reference", "reportType":
  NEW_PLACE|UPDATE_PLACE, "placeId"?, "position", "place": {fields}}` -> `201 {"reportId",
  "status"}`; `GET {base}/places/feedback/1/reports/{id}?key=…` -> `{"status": RECEIVED|
  IN_REVIEW|ACCEPTED|APPLIED|REJECTED, "mapRelease"?, "reason"?}`. The first push sends every
  field (NEW_PLACE, or UPDATE_PLACE when `platform_ids["tomtom"]` names the place), later ones
  only the changed fields (a removed one as null). `position` always goes along (it locates
  the place): a record without coordinates is refused before any call.
* The remote id is the latest report id (`read_back` only gets the remote id).
* Idempotency: `reference`, derived from the request id, the report it follows and the body
  (`common.reference`): a retried push answers with the first report (the sandbox does so).
* read_back: APPLIED -> `live`; ACCEPTED -> `awaiting_review` (it waits for the map release
  named in the message); RECEIVED/IN_REVIEW -> `awaiting_review`; REJECTED -> `failed`. Never
  `live` before the report is applied.
* Auth: API key (`api_key` credential) in TomTom's `key` query parameter (its convention for
  API keys); messages never carry URLs with their query; keep the httpx logger at WARNING.
* Quota: none documented: 1 request/second. Typical delay: 6 weeks (next map release).
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
from connectors.http import json_or_none, request, retry_after_seconds
from connectors.tomtom import mapping
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "TomTom Orbis feedback"
REPORTS = "/places/feedback/1/reports"
REVIEWING = ("RECEIVED", "IN_REVIEW", "ACCEPTED")


def _body(response: httpx.Response) -> dict[str, Any]:
    body = json_or_none(response)
    return body if isinstance(body, dict) else {}


def classify(response: httpx.Response) -> ConnectorError:
    status = response.status_code
    body = _body(response)
    detailed = body.get("detailedError") if isinstance(body.get("detailedError"), dict) else {}
    summary = str(body.get("errorText") or detailed.get("message") or f"HTTP {status}")
    if status in (400, 422):
        fields = [FieldError(str(d["target"]).removeprefix("place.") if d.get("target") else None,
                             str(d.get("message") or d.get("code") or "invalid"))
                  for d in detailed.get("details") or [] if isinstance(d, dict)]
        return Rejected(f"{NAME} refused the report: {summary}", fields, http_status=status)
    if status in (401, 403):
        return ActionRequired(f"{NAME} rejected the API key: {summary}", http_status=status)
    if status == 429:
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response), http_status=status)
    return Rejected(f"{NAME} refused the request: {summary}", http_status=status)


class TomTomConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="tomtom",
        name="TomTom",
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "hours.regular"}),
        quota=Quota(1, 1),
        location_quota=None,
        typical_delay=timedelta(weeks=6),
        verifiable=True,
        default_base_url="https://api.tomtom.com",
        credentials=("api_key",),
        options=(),
        notes=("Orbis feedback reports (enterprise access): live only once TomTom reports the change applied in a "
               "map release (weeks). Request and status shapes, the 6-week delay and the 1 req/s quota are "
               "UNVERIFIED designs. Needs coordinates. Not sent: categories, description, e-mail, photos, special "
               "hours, additional phones."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._key = credentials.get("api_key") or ""

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    def report(self, record: Establishment, payload: dict[str, Any], ctx: PushContext) -> dict[str, Any]:
        if "position" not in payload:
            raise ActionRequired(f"{NAME} locates a report by its position: add the establishment's coordinates (geo)")
        place_id = record.platform_ids.get("tomtom")
        follows = ctx.remote_id if ctx.previous is not None else None
        keys = list(ctx.changed) if follows else list(payload)
        report: dict[str, Any] = {"reportType": "UPDATE_PLACE" if place_id or follows else "NEW_PLACE",
                                  "position": payload["position"],
                                  "place": {k: payload.get(k) for k in keys if k != "position"}}
        if place_id:
            report["placeId"] = place_id
        return {"reference": client_reference(ctx.request_id, ctx.remote_id, report), **report}

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        report = self.report(record, rendering.payload, ctx)
        response = await self._call("POST", REPORTS, json=report)
        if not response.is_success:
            raise classify(response)
        report_id = str(_body(response).get("reportId") or "")
        if not report_id:
            raise RetryableError(f"{NAME} accepted the report but returned no reportId", http_status=response.status_code)
        log.info("tomtom.report.submitted", extra={"store_code": ctx.store_code, "report_id": report_id})
        return PushResult(remote_id=report_id, state="awaiting_review", http_status=response.status_code,
                          remote_version=report_id, created=ctx.remote_id is None,
                          detail={"report_id": report_id, "type": report["reportType"], "reference": report["reference"],
                                  "duplicate": response.status_code == 200})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        response = await self._call("GET", f"{REPORTS}/{quote(remote_id, safe='')}")
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows report {remote_id}: push the establishment again", http_status=404)
        if not response.is_success:
            raise classify(response)
        body = _body(response)
        status, release = str(body.get("status") or ""), body.get("mapRelease")
        common = {"remote_version": remote_id, "http_status": response.status_code}
        if status == "APPLIED":
            return ReadBack(state="live", message=f"{NAME} report {remote_id} applied"
                            + (f" in map release {release}" if release else ""), **common)
        if status == "REJECTED":
            return ReadBack(state="failed", message=f"{NAME} rejected report {remote_id}: "
                            + str(body.get("reason") or "no reason given"), **common)
        waiting = f", waiting for map release {release}" if status == "ACCEPTED" and release else ""
        return ReadBack(state="awaiting_review", pending=[k for k in pushed if k != "position"],
                        message=f"{NAME} report {remote_id} is {status or 'in an unknown state'}{waiting}", **common)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._key:
            raise ActionRequired(f"{NAME} connection incomplete: the api_key credential is missing")
        return await request(self.client, method, self.base_url + path, params={"key": self._key},
                             headers={"Accept": "application/json"}, **kwargs)
