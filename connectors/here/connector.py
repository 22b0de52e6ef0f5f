"""HERE Map Feedback API: every push files a feedback job; HERE's reviewers apply it or not.

Source: HERE's Map Feedback API developer guide (https://docs.here.com/map-feedback/docs/:
http-request-headers, example-place-feedback, example-track-feedback, key-concepts-submit-feedback,
and the properties table); the sandbox emulator is written from the same pages.

* Auth: the headers `Auth-Service-Id: here_app`, `Auth-Identifier: apikey`, `Auth-Secret: <api
  key>` (never a query parameter, which would put the key in every proxy log). `appId` (the
  `app_id` credential, the HERE app the key belongs to) is a required property of every report.
* Submit: `POST {base}/feedback/` (`Content-Type: application/vnd.here.layerObjectList+json`) with a
  plain array of one layer object `{type: "Point", coordinates: [lon, lat], properties: {v: "2.7",
  appId, error, …}}`. A first push (no remote id) files error 30 (add POI) with every property;
  later pushes send only the changed properties (`ctx.changed`), under the one error code they
  make (31 name, 32 address, 33 phone, 34 other or a mix: `mapping.error_code`; the meanings of
  30-34 are platforms.md's, UNVERIFIED). A property that disappeared is sent as "" (HERE
  documents no way to clear one). Free text (closures, address complements) goes in `details`.
* The answer is the array of the filed layer objects; the job id is the first one's (negative)
  `id`. The remote id is the latest job id (also `remote_version`).
* Status: `GET {base}/feedback/{id}` -> an array of layer objects whose `properties.jobStatus` is
  OPEN|INPROGRESS|CLOSED|REOPENED and `jobSolution` NONE|FIXED|WONTFIX (`jobSolutionDetails`):
  CLOSED+FIXED is `live`, CLOSED otherwise `failed`, anything else `awaiting_review`.
* Quota: none documented: a cautious default of 1 request/second. Typical delay: HERE review,
  14 days (UNVERIFIED). Error bodies (`{error, error_description}`, `{title, cause, errors[]}`)
  are UNVERIFIED.
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
            field = field.rsplit("properties.", 1)[-1] if isinstance(field, str) else None
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
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "email",
                                "hours.regular"}),
        quota=Quota(1, 1),
        location_quota=None,
        typical_delay=timedelta(days=14),
        verifiable=True,
        default_base_url="https://maphub.api.here.com",
        credentials=("api_key", "app_id"),
        options=(),
        notes=("Feedback, not a listing, per HERE's Map Feedback developer guide: Auth-Service-Id/Auth-Identifier/"
               "Auth-Secret headers, a plain array of layer objects with appId, free text in details; every push "
               "files a job (error 30 add POI, then 31-34 with only the changed properties) that HERE's reviewers "
               "apply or not; live = job CLOSED+FIXED. Needs coordinates. Quota: none documented, a cautious "
               "1 req/s. Error-code meanings (30-34), the openinghours syntax and the 14-day delay are UNVERIFIED. "
               "Not sent: categories, description, photos, special hours, additional phones."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._api_key = credentials.get("api_key") or ""
        self._app_id = credentials.get("app_id") or ""

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    def feature(self, payload: dict[str, Any], ctx: PushContext) -> dict[str, Any]:
        """The one layer object a push sends."""
        if "geometry" not in payload:
            raise ActionRequired(f"{NAME} locates feedback by its point: add the establishment's coordinates (geo)")
        create = ctx.remote_id is None
        keys = list(payload) if ctx.previous is None else list(ctx.changed)
        properties: dict[str, Any] = {"v": VERSION, "appId": self._app_id,
                                      "error": mapping.error_code(keys, create=create)}
        for key in keys:
            if key != "geometry":
                properties[key] = payload[key] if key in payload else (
                    mapping.REOPENED_COMMENT if key == "details" else "")
        return {"type": "Point", "coordinates": payload["geometry"]["coordinates"], "properties": properties}

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        feature = self.feature(rendering.payload, ctx)
        response = await self._call("POST", "/feedback/", content=json.dumps([feature], ensure_ascii=False).encode(),
                                    headers={"Content-Type": f"{CONTENT_TYPE}; charset=UTF-8", "Accept": CONTENT_TYPE})
        if not response.is_success:
            raise classify(response)
        job = _first(response)
        job_id = job.get("id")
        if job_id is None or isinstance(job_id, bool):
            raise RetryableError(f"{NAME} accepted the feedback but returned no id", http_status=response.status_code)
        job_id = str(job_id)
        log.info("here.feedback.submitted", extra={"store_code": ctx.store_code, "feedback_id": job_id,
                                                    "error_code": feature["properties"]["error"]})
        return PushResult(remote_id=job_id, state="awaiting_review", http_status=response.status_code,
                          remote_version=job_id, created=ctx.remote_id is None,
                          detail={"feedback_id": job_id, "error": feature["properties"]["error"], "guid": job.get("guid")})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        response = await self._call("GET", f"/feedback/{quote(remote_id, safe='-')}")
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows feedback job {remote_id}: push the establishment again",
                                 http_status=404)
        if not response.is_success:
            raise classify(response)
        data = _first(response).get("properties") or {}
        data = data if isinstance(data, dict) else {}
        status, solution = str(data.get("jobStatus") or ""), str(data.get("jobSolution") or "NONE")
        comment = data.get("jobSolutionDetails")
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
        if not self._api_key or not self._app_id:
            raise ActionRequired(f"{NAME} connection incomplete: the api_key and app_id credentials are required")
        headers = {"Accept": "application/json", "Auth-Service-Id": "here_app", "Auth-Identifier": "apikey",
                   "Auth-Secret": self._api_key, **kwargs.pop("headers", {})}
        return await request(self.client, method, self.base_url + path, headers=headers, **kwargs)


def _first(response: httpx.Response) -> dict[str, Any]:
    """The first layer object of HERE's array answer."""
    body = json_or_none(response)
    item = body[0] if isinstance(body, list) and body else {}
    return item if isinstance(item, dict) else {}
