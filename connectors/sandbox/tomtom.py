"""TomTom Map Feedback API (Orbis), served at ``/tomtom`` (``{base}`` = ``https://api.tomtom.com``).

Source: https://docs.tomtom.com/map-feedback-api/documentation/service/ (create-feedback,
get-feedback-status-by-feedback-id, get-feedback-by-reference-id).

* Auth: ``key`` query parameter (``api_keys``, default ``sandbox-tomtom-key``); ``apiVersion``
  is required. A bad key answers 403 ``{detailedError: {code: Forbidden, message}}``.
* ``POST /maps/orbis/feedback`` JSON ``{geometry: "POINT(lon lat)", kind, data, severity,
  labels?, referenceId?}``: ``geometry`` WKT in lon-lat order, ``kind`` one of the schemas agreed
  with this customer (``kinds``; TomTom's list is per contract), ``data`` base64 of a JSON
  document, ``severity`` an integer > 0, at most 20 ``labels``. -> ``201 {"feedbackId"}``
  (answer shape UNVERIFIED). A ``referenceId`` already used by the key answers 409 (UNVERIFIED:
  the pages say it "is unique in the context of the customer"): ``count_create("reference", …)``.
* ``GET /maps/orbis/feedback/feedback-id/{id}/status`` -> ``{feedbackStatusInformation:
  {feedbackId, referenceId, status, statusReason, createdAt, updatedAt}}``: ISSUE_STATUS_NEW for
  ``received_seconds``, ISSUE_STATUS_IN_PROGRESS until ``release_seconds``, then
  ISSUE_STATUS_RESOLVED; ISSUE_STATUS_REJECTED through the admin route (those two names are the
  sandbox's: only NEW and IN_PROGRESS appear in the pages). ``GET …/reference-id/{ref}`` ->
  ``{feedback: {feedbackId, referenceId, geometry, kind, data, severity, labels, status, …}}``.
* Errors ``{errorText, detailedError: {code, message, details?: [{target, message}]},
  httpStatusCode}``; quota ``quota`` per key (5 req/s, none documented): 429.

Admin: ``POST /_sandbox/tomtom/feedback/{id}/reject {"reason"}``; ``GET /_sandbox/tomtom/locations``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

POINT = re.compile(r"^POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)$")
BODY_KEYS = {"geometry", "kind", "data", "severity", "labels", "referenceId"}


class TomTomConfig(PlatformConfig):
    api_keys: list[str] = Field(default_factory=lambda: ["sandbox-tomtom-key"])
    kinds: list[str] = Field(default_factory=lambda: ["vitrine_place_v1"],
                             description="the kind schemas agreed with this customer")
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=5, window_seconds=1))
    received_seconds: float = Field(10.0, ge=0, description="time a feedback stays ISSUE_STATUS_NEW")
    review_seconds: float = Field(30.0, ge=0, description="(kept for configs)")
    release_seconds: float = Field(60.0, ge=0, description="time from submission to ISSUE_STATUS_RESOLVED")


@dataclass
class Feedback:
    id: str
    key: str
    body: dict[str, Any]
    created: float
    reason: str | None = None


def tt_error(status: int, code: str, message: str, details: list[dict[str, str]] | None = None,
             headers: dict[str, str] | None = None) -> PlatformError:
    detailed: dict[str, Any] = {"code": code, "message": message}
    if details:
        detailed["details"] = details
    return PlatformError(json_response({"errorText": message, "detailedError": detailed, "httpStatusCode": status},
                                       status, headers))


def validate(body: Any, kinds: list[str]) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"target": "(body)", "message": "must be a JSON object"}]
    errors = [{"target": k, "message": "unknown field"} for k in sorted(body.keys() - BODY_KEYS)]
    for key in ("geometry", "kind", "data", "severity"):
        if key not in body:
            errors.append({"target": key, "message": "is required"})
    match = POINT.match(str(body.get("geometry", "")))
    if "geometry" in body and not (match and abs(float(match[1])) <= 180 and abs(float(match[2])) <= 90):
        errors.append({"target": "geometry", "message": "must be WKT in lon-lat order, e.g. POINT(-3.693252 40.399412)"})
    if "kind" in body and body["kind"] not in kinds:
        errors.append({"target": "kind", "message": "is not a schema agreed with TomTom for this customer"})
    if "data" in body:
        try:
            document = json.loads(base64.b64decode(str(body["data"]), validate=True))
            if not isinstance(document, dict):
                raise ValueError
        except (binascii.Error, ValueError):
            errors.append({"target": "data", "message": "must be a base64-encoded JSON document"})
    severity = body.get("severity")
    if "severity" in body and (not isinstance(severity, int) or isinstance(severity, bool) or severity < 1):
        errors.append({"target": "severity", "message": "must be an integer greater than 0"})
    labels = body.get("labels")
    if labels is not None and not (isinstance(labels, list) and len(labels) <= 20 and all(isinstance(x, str) for x in labels)):
        errors.append({"target": "labels", "message": "at most 20 strings"})
    if body.get("referenceId") is not None and not isinstance(body["referenceId"], str):
        errors.append({"target": "referenceId", "message": "must be a string"})
    return errors


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None).isoformat()


class TomTomEmulator(Emulator):
    name = "tomtom"
    prefix = "/tomtom"
    credentials_field = "api_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r = self.router
        r.add_api_route("/maps/orbis/feedback", self.create, methods=["POST"])
        r.add_api_route("/maps/orbis/feedback/feedback-id/{feedback_id}/status", self.status, methods=["GET"])
        r.add_api_route("/maps/orbis/feedback/reference-id/{reference_id}", self.by_reference, methods=["GET"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/feedback/{feedback_id}/reject", self.admin_reject, methods=["POST"])

    def reset(self) -> None:
        self.feedback: dict[str, Feedback] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def throttle_response(self, request: Request) -> Response:
        return tt_error(429, "TOO_MANY_REQUESTS", "Too many requests", headers={"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return tt_error(status, "INTERNAL_SERVER_ERROR", "An unexpected error has occurred. Please try again later.").response

    def authorize(self, request: Request) -> str:
        key = request.query_params.get("key", "")
        if not key or key not in self.config.api_keys or key in self.revoked:
            raise tt_error(403, "Forbidden", "You are not allowed to access this endpoint")
        if not request.query_params.get("apiVersion"):
            raise tt_error(400, "BAD_REQUEST", "apiVersion is required", [{"target": "apiVersion", "message": "is required"}])
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(tt_error(429, "TOO_MANY_REQUESTS", "Too many requests",
                                          headers={"Retry-After": str(wait)}).response)
        return key

    def state(self, item: Feedback) -> str:
        if item.reason is not None:
            return "ISSUE_STATUS_REJECTED"
        elapsed = self.now() - item.created
        if elapsed < self.config.received_seconds:
            return "ISSUE_STATUS_NEW"
        return "ISSUE_STATUS_IN_PROGRESS" if elapsed < self.config.release_seconds else "ISSUE_STATUS_RESOLVED"

    def info(self, item: Feedback) -> dict[str, Any]:
        return {"feedbackId": item.id, "referenceId": item.body.get("referenceId"), "status": self.state(item),
                "statusReason": item.reason or "", "createdAt": _iso(item.created), "updatedAt": _iso(self.now())}

    async def create(self, request: Request) -> Response:
        raw = await request.body()  # the only await
        key = self.authorize(request)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise tt_error(400, "BAD_REQUEST", "The body is not valid JSON") from None
        if errors := validate(body, self.config.kinds):
            raise tt_error(400, "BAD_REQUEST", "; ".join(f"{e['target']}: {e['message']}" for e in errors), errors)
        reference = body.get("referenceId")
        if reference and any(f.key == key and f.body.get("referenceId") == reference for f in self.feedback.values()):
            self.count_create("reference", reference, created=False)
            raise tt_error(409, "CONFLICT", f"Feedback with reference id={reference} already exists")
        self.serial += 1
        item = Feedback(id=f"00000000-0000-4000-8000-{self.serial:012d}", key=key, body=copy.deepcopy(body),
                        created=self.now())
        self.feedback[item.id] = item
        self.count_create("reference", reference, created=True)
        return json_response({"feedbackId": item.id}, 201)

    def _find(self, key: str, feedback_id: str) -> Feedback:
        item = self.feedback.get(feedback_id)
        if item is None or item.key != key:
            raise tt_error(404, "NOT_FOUND", f"Feedback with feedback id={feedback_id} not found")
        return item

    async def status(self, request: Request, feedback_id: str) -> Response:
        item = self._find(self.authorize(request), feedback_id)
        return json_response({"feedbackStatusInformation": self.info(item)})

    async def by_reference(self, request: Request, reference_id: str) -> Response:
        key = self.authorize(request)
        item = next((f for f in self.feedback.values() if f.key == key and f.body.get("referenceId") == reference_id), None)
        if item is None:
            raise tt_error(404, "NOT_FOUND", f"Feedback with reference id={reference_id} not found")
        return json_response({"feedback": {**copy.deepcopy(item.body), **self.info(item)}})

    async def unknown(self, request: Request, path: str) -> Response:
        raise tt_error(404, "NOT_FOUND", f"No resource at /{path}")

    async def admin_reject(self, feedback_id: str, body: dict[str, Any]) -> Response:
        item = self.feedback.get(feedback_id)
        if item is None:
            return json_response({"detail": f"no tomtom feedback {feedback_id}"}, 404)
        item.reason = str(body.get("reason") or "The reported change could not be verified.")
        return json_response(self.info(item))

    def dump(self) -> Any:
        return [{**self.info(f), "kind": f.body["kind"], "geometry": f.body["geometry"],
                 "document": json.loads(base64.b64decode(f.body["data"]))} for f in self.feedback.values()]
