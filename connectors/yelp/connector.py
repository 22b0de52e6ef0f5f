"""Yelp: partner Data Ingestion API (contract required), HTTP Basic, asynchronous jobs.

UNVERIFIED beyond platforms.md (paths, Basic auth, `{businesses: [...]}` -> job id, per-field
status with `detail_level=2`): the answer shapes below are our reading, shared with the sandbox
emulator (`connectors/sandbox/yelp.py`).

* Push: `POST {base}/v1/ingest/create` `{businesses: [{partner_business_id, matching_criteria,
  update}]}` -> `{job_id}`. `matching_criteria` is always whole; `update` carries only the
  changed update fields (`ctx.changed`; all of them on the first push); a field the record no
  longer has is sent as `null` (clear it, UNVERIFIED). Nothing changed in the update fields: no call.
  Re-sending is harmless: Yelp keys the business by `partner_business_id`, so creates are
  idempotent by construction.
* remote_id = `"<partner_business_id>/<job_id>"`. Yelp identifies the business by our store
  code, but `read_back` only receives the remote id and the last job is the one thing it can
  poll, so the job id rides along (store codes contain no `/`); it is also the remote_version.
* Read back: `GET {base}/v1/ingest/status/{job_id}?detail_level=2` -> `{job_id, status:
  PROCESSING|COMPLETED|FAILED, businesses: [{partner_business_id, yelp_business_id?, status,
  fields: {name: APPLIED|PENDING|REJECTED, …}, errors: [{field, code, description}]}]}`.
  A field PENDING (or the job PROCESSING) -> awaiting_review; all APPLIED -> live; REJECTED
  fields -> live with those keys mismatched and Yelp's reasons in the message; the business
  refused as a whole (no field applied) -> failed. It confirms what Yelp applied; the Yelp page
  itself is not read, so a later Yelp-side edit is not seen.
* Errors `{error: {code, description, errors?: [{field, description}]}}`: 400 -> Rejected
  (per field), 401/403 -> ActionRequired, 429 -> RetryableError(throttled, Retry-After), 5xx ->
  RetryableError. The password never reaches a message or log.
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
from connectors.http import json_or_none, request, retry_after_seconds
from connectors.yelp import mapping
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "Yelp"
JOB_UNKNOWN = "Yelp does not know the last ingestion job of this business any more: push it again"


def split_remote_id(remote_id: str) -> tuple[str, str | None]:
    """'CLI-1/job_42' -> ('CLI-1', 'job_42'); a bare partner id has no job to poll."""
    partner_id, _, job_id = remote_id.partition("/")
    return partner_id, job_id or None


def _error(body: Any) -> dict[str, Any]:
    return body["error"] if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}


def classify(response: httpx.Response, *, not_found: str = "Yelp ingestion API not found at this base URL") -> ConnectorError:
    status = response.status_code
    error = _error(json_or_none(response))
    summary = ": ".join(str(error[k]) for k in ("code", "description") if error.get(k)) or f"HTTP {status}"
    if status == 429:
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status == 401:
        return ActionRequired(f"{NAME} rejected the partner credentials: {summary}", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} denies this partner access: {summary}", http_status=status)
    if status == 404:
        return ActionRequired(f"{not_found} ({summary})", http_status=status)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response), http_status=status)
    items = error.get("errors") if isinstance(error.get("errors"), list) else []
    fields = [FieldError(_field(e.get("field")), str(e.get("description") or e.get("code") or e))
              for e in items if isinstance(e, dict)]
    return Rejected(f"{NAME} refused the business: {summary}", fields, http_status=status)


def _field(path: Any) -> str | None:
    """'businesses[0].update.url' -> 'url'; 'businesses[0].matching_criteria.phone' -> 'matching_criteria.phone'."""
    if not isinstance(path, str) or not path:
        return None
    tail = path.split(".", 1)[1] if path.startswith("businesses[") and "." in path else path
    return tail.removeprefix("update.")


class YelpConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="yelp",
        name="Yelp",
        channel=Channel.api,
        requires=frozenset({"categories"}),  # Yelp's ingestion requires a non-empty categories list
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "categories",
                                "hours.regular", "hours.special"}),
        quota=Quota(10, 1),  # UNVERIFIED: the contract sets it; conservative
        location_quota=None,
        typical_delay=timedelta(days=7),  # UNVERIFIED: manual review
        verifiable=True,
        default_base_url="https://partner-api.yelp.com",
        credentials=("username", "password"),
        options=(),
        notes=("Partner Data Ingestion API (contract required); answer shapes UNVERIFIED. Partial updates: only changed "
               "fields are sent. Changes go through Yelp's manual review; read-back polls the last ingestion job's "
               "per-field status (APPLIED/PENDING/REJECTED), not the Yelp page. Not published: e-mail, description, "
               "photos, additional phones; temporary closure and opening-soon are sent as closed. Category aliases "
               "UNVERIFIED."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._auth = (credentials.get("username") or "", credentials.get("password") or "")

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        payload = rendering.payload
        partner_id = str(payload["partner_business_id"])
        first = not ctx.remote_id or ctx.previous is None
        keys = mapping.UPDATE_FIELDS if first else [k for k in mapping.UPDATE_FIELDS if k in ctx.changed]
        update = {k: payload.get(k) for k in keys if k in payload or not first}
        if not update:
            return PushResult(remote_id=ctx.remote_id or partner_id, state="awaiting_review",
                              remote_version=ctx.remote_version, detail={"no_changes": True})
        business = {"partner_business_id": partner_id, "matching_criteria": payload["matching_criteria"], "update": update}
        response = await self._send("POST", "/v1/ingest/create", json={"businesses": [business]})
        if not response.is_success:
            raise classify(response)
        body = json_or_none(response)
        job_id = body.get("job_id") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise RetryableError(f"{NAME} accepted the ingestion but returned no job_id", http_status=response.status_code)
        log.info("yelp.ingest.submitted", extra={"store_code": partner_id, "job_id": job_id, "fields": len(update)})
        return PushResult(remote_id=f"{partner_id}/{job_id}", state="awaiting_review", http_status=response.status_code,
                          remote_version=job_id, created=ctx.remote_id is None,
                          detail={"job_id": job_id, "fields": sorted(update)})

    # ------------------------------------------------------------ read back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        partner_id, job_id = split_remote_id(remote_id)
        if job_id is None:
            return ReadBack(state="awaiting_review", message=f"{NAME}: no ingestion job to poll for {partner_id}")
        response = await self._send("GET", f"/v1/ingest/status/{quote(job_id, safe='')}", params={"detail_level": 2})
        if response.status_code == 404:
            return ReadBack(state="action_required", message=JOB_UNKNOWN, http_status=404)
        if not response.is_success:
            raise classify(response)
        body = json_or_none(response)
        body = body if isinstance(body, dict) else {}
        items = body.get("businesses") if isinstance(body.get("businesses"), list) else []
        item = next((b for b in items if isinstance(b, dict) and b.get("partner_business_id") == partner_id), {})
        yelp_id = item.get("yelp_business_id")
        common: dict[str, Any] = {"http_status": response.status_code, "remote_version": job_id,
                                  "live_url": f"https://www.yelp.com/biz/{quote(yelp_id, safe='')}" if yelp_id else None}
        statuses = item.get("fields") if isinstance(item.get("fields"), dict) else {}
        reasons = _reasons(item)
        keys = [k for k in pushed if k in statuses]
        pending = [k for k in keys if statuses[k] == "PENDING"]
        rejected = [k for k in keys if statuses[k] == "REJECTED"]
        applied = [k for k in keys if statuses[k] == "APPLIED"]
        if body.get("status") == "FAILED" or (not applied and not pending and (rejected or reasons)):
            return ReadBack(state="failed", message=f"{NAME} refused the business: {reasons or body.get('status')}", **common)
        if body.get("status") == "PROCESSING" or pending or not item:
            return ReadBack(state="awaiting_review", pending=pending or keys, mismatched=rejected,
                            message=f"{NAME}: job {body.get('status') or 'unknown'}", **common)
        message = f"{NAME} rejected {', '.join(rejected)}: {reasons}" if rejected else None
        return ReadBack(state="live", mismatched=rejected, message=message, **common)

    # ------------------------------------------------------------ HTTP

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not all(self._auth):
            raise ActionRequired(f"{NAME} connection incomplete: username and password are required")
        return await request(self.client, method, f"{self.base_url}{path}", auth=httpx.BasicAuth(*self._auth),
                             headers={"Accept": "application/json"}, **kwargs)


def _reasons(item: dict[str, Any]) -> str:
    errors = item.get("errors") if isinstance(item.get("errors"), list) else []
    parts = [f"{e.get('field')}: {e.get('description') or e.get('code')}" if e.get("field") else str(e.get("description") or e.get("code"))
             for e in errors if isinstance(e, dict)]
    return "; ".join(p for p in parts if p)
