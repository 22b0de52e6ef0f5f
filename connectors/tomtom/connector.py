"""TomTom Map Feedback API (Orbis; enterprise access, not on Freemium or pay-as-you-grow).

Source: TomTom's Map Feedback API documentation, https://docs.tomtom.com/map-feedback-api/
documentation/service/ (create-feedback, get-feedback-status-by-feedback-id,
get-feedback-by-reference-id).

Confirmed by those pages:
* `POST {base}/maps/orbis/feedback?key=<api key>&apiVersion=1` with a JSON body `{geometry: WKT
  "POINT(lon lat)", kind, data: base64 of a JSON document, severity: integer > 0 (lower is more
  severe), labels? (≤ 20), referenceId? (unique per customer)}`.
* `GET {base}/maps/orbis/feedback/feedback-id/{id}/status` -> `{feedbackStatusInformation:
  {feedbackId, referenceId, status: ISSUE_STATUS_…, statusReason, createdAt, updatedAt}}`;
  `GET …/feedback/reference-id/{referenceId}` -> `{feedback: {feedbackId, …}}`; errors
  `{errorText, detailedError: {code, message}, httpStatusCode}`.

Not public (item 5 of issue 16): `kind` names "a schema defined and agreed upon with the TomTom
team", and `data` must follow it. Vitrine sends nothing until the connection option
`feedback_kind` names that agreed schema; `data` is then Vitrine's place document (`mapping`:
name, address, position, phone, url, openingHours in OSM syntax, status), which the agreement
must accept as is. Only `ISSUE_STATUS_NEW` and `ISSUE_STATUS_IN_PROGRESS` appear in the pages
we read: any other status naming a resolution (RESOLVED, FIXED, DONE, COMPLETED, CLOSED, APPLIED)
is taken as live, one naming a refusal (REJECTED, DECLINED, INVALID, WONT_FIX, DUPLICATE) as
failed, anything else as still under review (UNVERIFIED). The create answer's shape is not
shown either: the id is read from `feedbackId` (top level or under `feedback`).

* Idempotency: `referenceId` is derived from the establishment's request id and the last
  feedback (`common.reference`); a create that TomTom answers 409 (the referenceId exists,
  UNVERIFIED status code) is recovered with `GET …/reference-id/{referenceId}`.
* Quota: none documented: a cautious default of 1 request/second. Delay: map releases, weeks.
"""

from __future__ import annotations

import base64
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
from connectors.http import json_or_none, request, retry_after_seconds
from connectors.tomtom import mapping
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "TomTom Orbis feedback"
FEEDBACK = "/maps/orbis/feedback"
API_VERSION = "1"
NO_KIND = ("TomTom's feedback kind is a schema agreed with TomTom per customer: set the connection option "
           "feedback_kind to the agreed schema name before Vitrine sends anything")
LIVE = ("RESOLVED", "FIXED", "DONE", "COMPLETED", "CLOSED", "APPLIED")
REFUSED = ("REJECTED", "DECLINED", "INVALID", "WONT_FIX", "WONTFIX", "DUPLICATE")
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
        fields = [FieldError(str(d["target"]) if d.get("target") else None,
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
        options=("feedback_kind", "severity"),
        notes=("Map Feedback API (Orbis, enterprise access). Confirmed from TomTom's pages: POST /maps/orbis/feedback "
               "with WKT geometry, kind, base64 JSON data, severity; status ISSUE_STATUS_* by feedback id. NOT public: "
               "the kind schema (agreed with TomTom): nothing is sent until the option feedback_kind names it; data is "
               "Vitrine's place document. Resolution status names beyond NEW/IN_PROGRESS, the create answer's shape "
               "and the 6-week delay are UNVERIFIED. Quota: none documented, a cautious 1 req/s. Needs coordinates. "
               "Not sent: categories, description, e-mail, photos, special hours, additional phones."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._key = credentials.get("api_key") or ""
        self._kind = str(options.get("feedback_kind") or "").strip()
        try:
            self._severity = max(1, int(options.get("severity") or 3))
        except (TypeError, ValueError):
            self._severity = 3

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    def feedback(self, record: Establishment, payload: dict[str, Any], ctx: PushContext) -> dict[str, Any]:
        """The documented create body; `data` is Vitrine's place document under the agreed kind."""
        if not self._kind:
            raise ActionRequired(NO_KIND)
        if "position" not in payload:
            raise ActionRequired(f"{NAME} locates feedback by its position: add the establishment's coordinates (geo)")
        follows = ctx.remote_id if ctx.previous is not None else None
        keys = list(ctx.changed) if follows else list(payload)
        document: dict[str, Any] = {"operation": "UPDATE" if record.platform_ids.get("tomtom") or follows else "ADD",
                                    "place": {k: payload.get(k) for k in keys if k != "position"},
                                    "storeCode": record.store_code}
        if place_id := record.platform_ids.get("tomtom"):
            document["placeId"] = place_id
        position = payload["position"]
        data = base64.b64encode(json.dumps(document, ensure_ascii=False, sort_keys=True).encode()).decode()
        body = {"geometry": f"POINT({position['lon']} {position['lat']})", "kind": self._kind, "data": data,
                "severity": self._severity, "labels": ["vitrine"]}
        return {**body, "referenceId": client_reference(ctx.request_id, ctx.remote_id, body)}

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        body = self.feedback(record, rendering.payload, ctx)
        response = await self._call("POST", FEEDBACK, json=body)
        duplicate = response.status_code == 409
        if duplicate:  # the referenceId exists: this create was filed before
            response = await self._call("GET", f"{FEEDBACK}/reference-id/{quote(body['referenceId'], safe='')}")
        if not response.is_success:
            raise classify(response)
        data = _body(response)
        inner = data.get("feedback") if isinstance(data.get("feedback"), dict) else data
        feedback_id = str(inner.get("feedbackId") or "")
        if not feedback_id:
            raise RetryableError(f"{NAME} accepted the feedback but returned no feedbackId", http_status=response.status_code)
        log.info("tomtom.feedback.submitted", extra={"store_code": ctx.store_code, "feedback_id": feedback_id})
        return PushResult(remote_id=feedback_id, state="awaiting_review", http_status=response.status_code,
                          remote_version=feedback_id, created=ctx.remote_id is None,
                          detail={"feedback_id": feedback_id, "kind": self._kind, "reference": body["referenceId"],
                                  "duplicate": duplicate})

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        response = await self._call("GET", f"{FEEDBACK}/feedback-id/{quote(remote_id, safe='')}/status")
        if response.status_code == 404:
            raise ActionRequired(f"{NAME} no longer knows feedback {remote_id}: push the establishment again", http_status=404)
        if not response.is_success:
            raise classify(response)
        info = _body(response).get("feedbackStatusInformation")
        info = info if isinstance(info, dict) else {}
        status = str(info.get("status") or "")
        word = status.removeprefix("ISSUE_STATUS_")
        reason = str(info.get("statusReason") or "")
        common = {"remote_version": remote_id, "http_status": response.status_code}
        if word in LIVE:
            return ReadBack(state="live", message=f"{NAME} feedback {remote_id} {status}" + (f": {reason}" if reason else ""),
                            **common)
        if word in REFUSED:
            return ReadBack(state="failed", message=f"{NAME} refused feedback {remote_id} ({status}): "
                            + (reason or "no reason given"), **common)
        return ReadBack(state="awaiting_review", pending=[k for k in pushed if k != "position"],
                        message=f"{NAME} feedback {remote_id} is {status or 'in an unknown state'}", **common)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._key:
            raise ActionRequired(f"{NAME} connection incomplete: the api_key credential is missing")
        return await request(self.client, method, self.base_url + path, params={"key": self._key, "apiVersion": API_VERSION},
                             headers={"Accept": "application/json"}, **kwargs)
