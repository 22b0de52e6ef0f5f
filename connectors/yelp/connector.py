"""Yelp: partner Data Ingestion API (contract required), HTTP Basic, asynchronous jobs.

Sources: https://docs.developer.yelp.com/docs/data-ingestion-api (Basic auth, JSON, 2,500
requests per 30 minutes per endpoint), .../reference/create_business_update_v1 (create body),
.../reference/get_business_update_status_v1 (job status: `business_results[].update_results`
with COMPLETED / APPLIED per field). The sandbox validates against a schema citing them.

* Push: `POST {base}/v1/ingest/create` `{businesses: [{partner_business_id, matching_criteria,
  options?, update}]}` -> `{job_id}`. `matching_criteria` is always whole (its `state` is
  required: without an ISO 3166-2 code the push is `Rejected` before any call); `update` carries
  only the changed update fields (all on the first push); a field the record no longer has is
  sent as `""` (Yelp: an empty string deletes the value). Categories: Yelp refuses to change
  those of a business that has some, so they are sent only on the first push and only with the
  connection option `create_if_missing=true` (then `options.create_if_missing` asks Yelp to
  create the business when it has none); otherwise Yelp's own categories stay (reported).
* remote_id = `"<partner_business_id>/<job_id>"` (store codes contain no `/`); the job id is
  also the remote_version.
* Read back: `GET {base}/v1/ingest/status/{job_id}?detail_level=2` -> `{status, business_results:
  [{partner_business_id, yelp_business_id, status, update_results: {field: {status,
  requested_value}}}]}`. A field COMPLETED or APPLIED is done; PROCESSING (or any waiting
  status) -> awaiting_review; any other status (FAILED…) -> that field mismatched, with its
  `error.message`; every field refused -> failed. It confirms what Yelp applied; the Yelp page
  is not read.
* Errors `{error: {code?, message}}`: 400 -> Rejected (the message), 401/403 -> ActionRequired,
  429 -> RetryableError(throttled, Retry-After), 5xx -> RetryableError. The password never
  reaches a message or log.
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
    message = error.get("message") or error.get("description")  # Yelp documents `message`
    summary = ": ".join(str(v) for v in (error.get("code"), message) if v) or f"HTTP {status}"
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
    fields = [FieldError(_field(part.split(":", 1)[0].strip()), part.split(":", 1)[1].strip())
              for part in str(message or "").split("; ") if part.startswith("businesses[") and ":" in part]
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
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "categories",
                                "hours.regular"}),
        quota=Quota(2500, 1800),  # documented: 2,500 requests per 30 minutes per endpoint
        location_quota=None,
        typical_delay=timedelta(days=7),  # UNVERIFIED: manual review
        verifiable=True,
        default_base_url="https://partner-api.yelp.com",
        credentials=("username", "password"),
        options=("create_if_missing",),
        notes=("Partner Data Ingestion API (contract required), built from Yelp's public reference "
               "(docs.developer.yelp.com). Quota: 2,500 requests per 30 minutes per endpoint (documented). Partial "
               "updates: only changed fields are sent. Read-back polls the last job's per-field status "
               "(COMPLETED/APPLIED), not the Yelp page. state = ISO 3166-2 code (required). Categories only when "
               "creating (option create_if_missing): Yelp refuses category changes on a business that has some. Not "
               "published: special dates (item shape not in the public reference), e-mail, description, photos, "
               "additional phones. Category aliases UNVERIFIED."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._auth = (credentials.get("username") or "", credentials.get("password") or "")
        flag = options.get("create_if_missing")
        self._create = flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "1", "yes", "on"))

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        payload = rendering.payload
        partner_id = str(payload["partner_business_id"])
        if "state" not in payload["matching_criteria"]:
            raise Rejected(f"{NAME} refused the business before sending: {mapping.MISSING_STATE}",
                           [FieldError("address.region", mapping.MISSING_STATE)])
        first = not ctx.remote_id or ctx.previous is None
        keys = [k for k in mapping.UPDATE_FIELDS if first or k in ctx.changed]
        if "categories" in keys and not (first and self._create):
            keys.remove("categories")  # Yelp: categories cannot be changed on a business that has some
        update = {k: payload.get(k, "") for k in keys if k in payload or not first}
        if not update:
            return PushResult(remote_id=ctx.remote_id or partner_id, state="awaiting_review",
                              remote_version=ctx.remote_version, detail={"no_changes": True})
        business: dict[str, Any] = {"partner_business_id": partner_id, "matching_criteria": payload["matching_criteria"],
                                    "update": update}
        if first and self._create:
            business["options"] = {"create_if_missing": True}
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
        items = body.get("business_results") if isinstance(body.get("business_results"), list) else []
        item = next((b for b in items if isinstance(b, dict) and b.get("partner_business_id") == partner_id),
                    items[0] if len(items) == 1 and isinstance(items[0], dict) else {})
        yelp_id = item.get("yelp_business_id")
        common: dict[str, Any] = {"http_status": response.status_code, "remote_version": job_id,
                                  "live_url": f"https://www.yelp.com/biz/{quote(yelp_id, safe='')}" if yelp_id else None}
        results = item.get("update_results") if isinstance(item.get("update_results"), dict) else {}
        statuses = {k: str(v.get("status") or "").upper() for k, v in results.items() if isinstance(v, dict)}
        done = [k for k, v in statuses.items() if v in DONE]
        waiting = [k for k, v in statuses.items() if v in WAITING or not v]
        refused = [k for k in statuses if k not in done and k not in waiting]
        reasons = "; ".join(f"{k}: {_message(results[k]) or statuses[k]}" for k in refused)
        if statuses and not done and not waiting:
            return ReadBack(state="failed", message=f"{NAME} refused the business: {reasons}", **common)
        if waiting or not item or str(body.get("status") or "").upper() in WAITING:
            return ReadBack(state="awaiting_review", pending=[k for k in pushed if k in waiting] or waiting,
                            mismatched=refused, message=f"{NAME}: job {body.get('status') or 'unknown'}", **common)
        message = f"{NAME} refused {', '.join(refused)}: {reasons}" if refused else None
        return ReadBack(state="live", mismatched=refused, message=message, **common)

    # ------------------------------------------------------------ HTTP

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not all(self._auth):
            raise ActionRequired(f"{NAME} connection incomplete: username and password are required")
        return await request(self.client, method, f"{self.base_url}{path}", auth=httpx.BasicAuth(*self._auth),
                             headers={"Accept": "application/json"}, **kwargs)


DONE = {"COMPLETED", "APPLIED"}  # COMPLETED: processed; APPLIED: live (detail_level=2)
WAITING = {"PROCESSING", "PENDING", "QUEUED", "IN_PROGRESS", "SUBMITTED"}


def _message(result: dict[str, Any]) -> str:
    error = result.get("error")
    return str(error.get("message") or "") if isinstance(error, dict) else str(error or "")
