"""TomTom Orbis feedback reports, served at ``/tomtom`` (``{base}`` = ``https://api.tomtom.com``).

Default credential: API key ``sandbox-tomtom-key`` in the ``key`` query parameter.

* ``POST /places/feedback/1/reports`` ``{reference, reportType: NEW_PLACE|UPDATE_PLACE,
  placeId?, position {lat, lon}, place {…}}`` -> ``201 {"reportId", "status": "RECEIVED"}``;
  a ``reference`` seen before answers ``200`` with the first report:
  ``count_create("reference", reference, created)``.
* ``GET /places/feedback/1/reports/{id}``: RECEIVED for ``received_seconds``, IN_REVIEW until
  ``review_seconds``, ACCEPTED (with the ``mapRelease`` it waits for) until
  ``release_seconds``, then APPLIED; REJECTED (with ``reason``) through the admin route.
* Quota: ``quota`` per key (5 req/s): 429. Errors ``{errorText, detailedError {code, message,
  details [{code, target, message}]}, httpStatusCode}``; a bad key is 403.

Admin: ``POST /_sandbox/tomtom/reports/{id}/reject {"reason"}``; ``GET /_sandbox/tomtom/locations``;
``POST /_sandbox/tomtom/tokens/revoke {"token": key}``.

UNVERIFIED: all of it beyond platforms.md's "feedback API, report status, next map release".
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response, phone_ok

PLACE_FIELDS = {"name", "address", "phone", "url", "openingHours", "status"}
STATUSES = {"OPEN", "TEMPORARILY_CLOSED", "PERMANENTLY_CLOSED"}


class TomTomConfig(PlatformConfig):
    api_keys: list[str] = Field(default_factory=lambda: ["sandbox-tomtom-key"])
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=5, window_seconds=1))
    received_seconds: float = Field(10.0, ge=0, description="time a report stays RECEIVED")
    review_seconds: float = Field(30.0, ge=0, description="time from submission to ACCEPTED")
    release_seconds: float = Field(60.0, ge=0, description="time from submission to APPLIED (the next map release)")


@dataclass
class Report:
    id: str
    reference: str | None
    body: dict[str, Any]
    key: str
    submitted_at: float
    reason: str | None = None


def tt_error(status: int, code: str, message: str, details: list[dict[str, str]] | None = None,
             headers: dict[str, str] | None = None) -> PlatformError:
    detailed: dict[str, Any] = {"code": code, "message": message}
    if details:
        detailed["details"] = details
    return PlatformError(json_response({"errorText": message, "detailedError": detailed, "httpStatusCode": status},
                                       status, headers))


def validate(body: Any) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"code": "InvalidBody", "target": "", "message": "a JSON object"}]
    errors = []
    def bad(target: str, message: str) -> None:
        errors.append({"code": "InvalidField", "target": target, "message": message})
    if body.get("reportType") not in ("NEW_PLACE", "UPDATE_PLACE"):
        bad("reportType", "NEW_PLACE or UPDATE_PLACE")
    pos = body.get("position")
    if not (isinstance(pos, dict) and all(isinstance(pos.get(k), int | float) for k in ("lat", "lon"))
            and abs(pos["lat"]) <= 90 and abs(pos["lon"]) <= 180):
        bad("position", "{lat, lon} within range")
    place = body.get("place")
    if not isinstance(place, dict) or not place:
        bad("place", "a non-empty object")
        return errors
    for key in place.keys() - PLACE_FIELDS:
        bad(f"place.{key}", "unknown field")
    if body.get("reportType") == "NEW_PLACE" and not place.get("name"):
        bad("place.name", "a new place needs a name")
    if place.get("phone") is not None and not phone_ok(place["phone"]):
        bad("place.phone", "not a phone number")
    if place.get("url") is not None and not (isinstance(place["url"], str) and re.match(r"^https?://[^\s/]+\.\S+$", place["url"])):
        bad("place.url", "not an http(s) URL")
    if place.get("status") is not None and place["status"] not in STATUSES:
        bad("place.status", "one of " + ", ".join(sorted(STATUSES)))
    address = place.get("address")
    if address is not None and not (isinstance(address, dict) and isinstance(address.get("municipality"), str)
                                    and re.fullmatch(r"[A-Z]{2}", str(address.get("countryCode", "")))):
        bad("place.address", "needs municipality and a two-letter countryCode")
    return errors


class TomTomEmulator(Emulator):
    name = "tomtom"
    prefix = "/tomtom"
    credentials_field = "api_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        self.router.add_api_route("/places/feedback/1/reports", self.submit, methods=["POST"])
        self.router.add_api_route("/places/feedback/1/reports/{report_id}", self.get, methods=["GET"])
        self.router.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/reports/{report_id}/reject", self.admin_reject, methods=["POST"])

    def reset(self) -> None:
        self.reports: dict[str, Report] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def throttle_response(self, request: Request) -> Response:
        return tt_error(429, "TooManyRequests", "Too many requests", headers={"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return tt_error(status, "InternalError", "The service could not handle the request").response

    def authorize(self, request: Request) -> str:
        key = request.query_params.get("key", "")
        if not key or key not in self.config.api_keys or key in self.revoked:
            raise tt_error(403, "Forbidden", "You are not allowed to access this endpoint")
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(tt_error(429, "TooManyRequests", "Too many requests", headers={"Retry-After": str(wait)}).response)
        return key

    def release(self, report: Report) -> str:
        return f"{int(report.submitted_at // 86400 + 1)}-release"

    def render(self, report: Report) -> dict[str, Any]:
        elapsed, cfg = self.now() - report.submitted_at, self.config
        if report.reason is not None:
            status = "REJECTED"
        elif elapsed < cfg.received_seconds:
            status = "RECEIVED"
        elif elapsed < cfg.review_seconds:
            status = "IN_REVIEW"
        elif elapsed < cfg.release_seconds:
            status = "ACCEPTED"
        else:
            status = "APPLIED"
        out: dict[str, Any] = {"reportId": report.id, "status": status, "report": copy.deepcopy(report.body)}
        if status in ("ACCEPTED", "APPLIED"):
            out["mapRelease"] = self.release(report)
        if report.reason is not None:
            out["reason"] = report.reason
        return out

    async def submit(self, request: Request) -> Response:
        raw = await request.body()  # the only await
        key = self.authorize(request)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise tt_error(400, "BadRequest", "The body is not valid JSON") from None
        if errors := validate(body):
            raise tt_error(400, "BadRequest", "Invalid report", errors)
        reference = str(body["reference"]) if body.get("reference") else None
        existing = next((r for r in self.reports.values() if reference and r.reference == reference and r.key == key), None)
        self.count_create("reference", reference, created=existing is None)
        if existing is not None:
            return json_response(self.render(existing), 200)
        self.serial += 1
        report = Report(f"rep-{self.serial:08d}", reference, body, key, self.now())
        self.reports[report.id] = report
        return json_response(self.render(report), 201)

    async def get(self, request: Request, report_id: str) -> Response:
        key = self.authorize(request)
        report = self.reports.get(report_id)
        if report is None or report.key != key:
            raise tt_error(404, "NotFound", f"Report {report_id} not found")
        return json_response(self.render(report))

    async def unknown(self, request: Request, path: str) -> Response:
        raise tt_error(404, "NotFound", f"No resource at /{path}")

    async def admin_reject(self, report_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"reason": "..."}`` (optional)."""
        report = self.reports.get(report_id)
        if report is None:
            return json_response({"detail": f"no tomtom report {report_id}"}, 404)
        report.reason = str(body.get("reason") or "The reported change could not be confirmed.")
        return json_response(self.render(report))

    def dump(self) -> Any:
        return [{**self.render(r), "reference": r.reference} for r in self.reports.values()]
