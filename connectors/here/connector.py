"""HERE Map Feedback API: every push files a feedback job; HERE's reviewers apply it or not.

* Submit: `POST {base}/feedback/?apiKey=…` (`Content-Type: application/vnd.here.layerObjectList+json`)
  with a GeoJSON FeatureCollection of one point feature, `properties{v: "2.7", error, …}`.
  A first push (no remote id) files error 30 (add POI) with every property; later pushes send
  only the changed properties (`ctx.changed`), under the one error code they make (31 name, 32
  address, 33 phone, 34 other or a mix: `mapping.error_code`). A property that disappeared is
  sent as "" (UNVERIFIED: HERE documents no way to clear one). The point is always sent.
* The remote id is the latest feedback job id (also `remote_version`): `read_back` receives
  only the remote id, and a feedback job, not a listing, is what HERE lets us follow. Each
  push replaces it with the new job's id.
* Idempotency: the feature carries a GeoJSON `id`, a client reference derived from the
  establishment's request id, the job it follows and the exact body (`common.reference`).
  A retried push sends the same reference; HERE is expected to answer with the job it already
  has (UNVERIFIED: HERE documents no such deduplication; the sandbox implements it). At worst
  HERE receives the same report twice, which its reviewers merge.
* Status: `GET {base}/feedback/{id}` -> `jobStatus` OPEN|INPROGRESS|CLOSED|REOPENED and
  `jobSolution` NONE|FIXED|WONTFIX: CLOSED+FIXED is `live`, CLOSED otherwise `failed` (with
  HERE's comment), anything else `awaiting_review`. HERE's reviewed map is not read back: a
  fixed job is the only confirmation it gives.
* Auth: an API key (`api_key` credential) in the `apiKey` query parameter, the only way HERE
  takes an API key. A bearer token would keep it out of URLs, but HERE's OAuth tokens last 24
  hours and need HERE's OAuth 1.0 signed token request: not worth a stored credential that
  dies daily. Messages never carry URLs with their query (http.py strips them); the httpx
  logger prints full URLs at INFO and must stay at WARNING in production.
* Quota: none documented ("not found"): 1 request/second, deliberately conservative.
  Typical delay: HERE review, 14 days (UNVERIFIED).
UNVERIFIED besides: the response shapes (`feedbackId`), the error bodies (HERE's usual
`{error, error_description}` for auth, `{title, status, cause, errors[]}` for validation).
"""

from __future__ import annotations

import json
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
from connectors.here import mapping
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "HERE Map Feedback"
CONTENT_TYPE = "application/vnd.here.layerObjectList+json"
VERSION = "2.7"
OPEN_STATES = ("OPEN", "INPROGRESS", "REOPENED")


def _body(response: httpx.Response) -> dict[str, Any]:
    body = json_or_none(response)
    return body if isinstance(body, dict) else {}


def _summary(response: httpx.Response) -> str:
    body = _body(response)
    parts = [body.get(k) for k in ("title", "error", "cause", "error_description", "message")]
    text = ": ".join(str(p) for p in parts if isinstance(p, str) and p)
    return text or f"HTTP {response.status_code}"


def _field_errors(response: httpx.Response) -> list[FieldError]:
    out = []
    for item in _body(response).get("errors") or []:
        if isinstance(item, dict):
            field = item.get("field")
            field = field.removeprefix("features[0].").removeprefix("properties.") if isinstance(field, str) else None
            out.append(FieldError(field, str(item.get("message") or item.get("code") or "invalid")))
    return out


def classify(response: httpx.Response) -> ConnectorError:
    status = response.status_code
    summary = _summary(response)
    if status in (400, 415, 422):
        return Rejected(f"{NAME} refused the feedback: {summary}", _field_errors(response), http_status=status)
    if status == 401:
        return ActionRequired(f"{NAME} rejected the API key: {summary}", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} denies this API key the feedback service: {summary}", http_status=status)
    if status == 429:
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status)
    return Rejected(f"{NAME} refused the request: {summary}", http_status=status)


class HereConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="here",
        name=NAME,
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "hours.regular"}),
        quota=Quota(1, 1),
        location_quota=None,
        typical_delay=timedelta(days=14),
        verifiable=True,
        default_base_url="https://maphub.api.here.com",
        credentials=("api_key",),
        options=(),
        notes=("Feedback, not a listing: every push files a feedback job (error 30 add POI, then 31-34 with only "
               "the changed properties) that HERE's reviewers apply or not; live = job CLOSED+FIXED. Needs "
               "coordinates. No quota documented: 1 req/s. Error-code meanings, hours syntax details, `comments` "
               "for closures and the 14-day delay are UNVERIFIED. Not sent: categories, description, e-mail, "
               "photos, special hours, additional phones."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._api_key = credentials.get("api_key") or ""

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    def feature(self, payload: dict[str, Any], ctx: PushContext) -> dict[str, Any]:
        """The one feature a push sends (its `id` is the client reference)."""
        if "geometry" not in payload:
            raise ActionRequired(f"{NAME} locates feedback by its point: add the establishment's coordinates (geo)")
        create = ctx.remote_id is None
        keys = list(payload) if ctx.previous is None else list(ctx.changed)
        properties: dict[str, Any] = {"v": VERSION, "error": mapping.error_code(keys, create=create)}
        for key in keys:
            if key != "geometry":
                properties[key] = payload[key] if key in payload else (
                    mapping.REOPENED_COMMENT if key == "comments" else "")
        feature = {"type": "Feature", "geometry": payload["geometry"], "properties": properties}
        return {"id": client_reference(ctx.request_id, ctx.remote_id, feature), **feature}

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        feature = self.feature(rendering.payload, ctx)
        body = {"type": "FeatureCollection", "features": [feature]}
        response = await self._call("POST", "/feedback/", content=json.dumps(body, ensure_ascii=False).encode(),
                                    headers={"Content-Type": CONTENT_TYPE})
        if not response.is_success:
            raise classify(response)
        data = _body(response)
        job_id = data.get("feedbackId") or next(iter(data.get("feedbackIds") or []), None)
        if not job_id:
            raise RetryableError(f"{NAME} accepted the feedback but returned no feedbackId",
                                 http_status=response.status_code)
        job_id = str(job_id)
        log.info("here.feedback.submitted", extra={"store_code": ctx.store_code, "feedback_id": job_id,
                                                    "error_code": feature["properties"]["error"]})
        return PushResult(remote_id=job_id, state="awaiting_review", http_status=response.status_code,
                          remote_version=job_id, created=ctx.remote_id is None,
                          detail={"feedback_id": job_id, "error": feature["properties"]["error"],
                                  "reference": feature["id"], "duplicate": response.status_code == 200})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        response = await self._call("GET", f"/feedback/{quote(remote_id, safe='')}")
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows feedback job {remote_id}: push the establishment again",
                                 http_status=404)
        if not response.is_success:
            raise classify(response)
        data = _body(response)
        status, solution = str(data.get("jobStatus") or ""), str(data.get("jobSolution") or "NONE")
        comment = next((str(data[k]) for k in ("comment", "message", "reason") if data.get(k)), None)
        common = {"remote_version": remote_id, "http_status": response.status_code}
        if status == "CLOSED" and solution == "FIXED":
            return ReadBack(state="live", message=f"{NAME} job {remote_id} closed as fixed", **common)
        if status == "CLOSED":
            reason = f"{NAME} closed job {remote_id} without applying it ({solution})" + (f": {comment}" if comment else "")
            return ReadBack(state="failed", message=reason, **common)
        keys = [k for k in pushed if k != "geometry"]
        return ReadBack(state="awaiting_review", pending=keys,
                        message=f"{NAME} job {remote_id} is {status or 'in an unknown state'}", **common)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._api_key:
            raise ActionRequired(f"{NAME} connection incomplete: the api_key credential is missing")
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        return await request(self.client, method, self.base_url + path, params={"apiKey": self._api_key},
                             headers=headers, **kwargs)
