"""HERE Map Feedback, served at ``/here`` (``POST /here/feedback/``, ``GET /here/feedback/{id}``).

Default credential: API key ``sandbox-here-key`` in the ``apiKey`` query parameter.

* ``POST /feedback/`` takes ``application/vnd.here.layerObjectList+json`` (415 otherwise), a
  GeoJSON FeatureCollection of Point features with ``properties{v: "2.7", error: 30..34, …}``;
  each feature becomes a feedback job: ``201 {"feedbackId", "feedbackIds"}``. A feature whose
  GeoJSON ``id`` matches an earlier job's answers ``200`` with that job (no new job):
  ``count_create("reference", id, created)``.
* A job is OPEN for ``open_seconds``, INPROGRESS until ``review_seconds`` after its
  submission, then CLOSED with jobSolution FIXED, unless the admin route rejected it
  (CLOSED + WONTFIX + ``comment``).
* Quota: ``quota`` per API key (5 req/s by default): 429 with ``Retry-After``.
* Errors: auth and throttling ``{error, error_description}``; validation 400
  ``{title, status, code, cause, action, errors: [{field, message}]}``; 5xx ``{title, status, cause}``.

Admin: ``POST /_sandbox/here/feedback/{id}/reject {"comment"}``; ``GET /_sandbox/here/locations``
lists the jobs; ``POST /_sandbox/here/tokens/revoke {"token": key}`` revokes an API key.

UNVERIFIED (platforms.md gives the request, not the answers): every response and error
shape, the ``comments`` property, the meaning of codes 30..34, the deduplication by feature
id, the hours syntax beyond its one example, the state timings.
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

CONTENT_TYPE = "application/vnd.here.layerObjectList+json"
PROPERTIES = {"v", "error", "name", "roadname", "number", "zipcode", "city", "isocc", "phone", "URL",
              "openinghours", "comments"}
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_DAYS = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_RULE = rf"{_DAYS}; (?:{_TIME})-(?:{_TIME})(?:, (?:{_TIME})-(?:{_TIME}))*"
HOURS = re.compile(rf"^{_RULE}(?: \| {_RULE})*$")


class HereConfig(PlatformConfig):
    api_keys: list[str] = Field(default_factory=lambda: ["sandbox-here-key"])
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=5, window_seconds=1))
    open_seconds: float = Field(10.0, ge=0, description="time a new job stays OPEN")
    review_seconds: float = Field(30.0, ge=0, description="time from submission to CLOSED (FIXED unless rejected)")


@dataclass
class Job:
    id: str
    reference: str | None
    feature: dict[str, Any]
    api_key: str
    submitted_at: float
    rejected: str | None = None  # WONTFIX comment


def here_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> PlatformError:
    return PlatformError(json_response({"error": error, "error_description": description}, status, headers))


def validation_error(errors: list[dict[str, str]], cause: str = "Invalid feedback") -> PlatformError:
    return PlatformError(json_response({"title": "Bad Request", "status": 400, "code": "E613400", "cause": cause,
                                        "action": "Correct the request and submit it again.", "errors": errors}, 400))


def validate_feature(i: int, feature: Any) -> list[dict[str, str]]:
    where = f"features[{i}]"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [{"field": where, "message": "must be a GeoJSON Feature"}]
    errors = []
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not (isinstance(geometry, dict) and geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
            and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
        errors.append({"field": f"{where}.geometry", "message": "must be a Point [longitude, latitude]"})
    props = feature.get("properties")
    if not isinstance(props, dict):
        return [*errors, {"field": f"{where}.properties", "message": "is required"}]
    for key in props.keys() - PROPERTIES:
        errors.append({"field": f"properties.{key}", "message": "unknown property"})
    if props.get("v") != "2.7":
        errors.append({"field": "properties.v", "message": "must be \"2.7\""})
    error = props.get("error")
    if not isinstance(error, int) or isinstance(error, bool) or not 30 <= error <= 34:
        errors.append({"field": "properties.error", "message": "must be an error code from 30 to 34"})
    if error == 30 and not props.get("name"):
        errors.append({"field": "properties.name", "message": "a new POI needs a name"})
    for key in PROPERTIES - {"v", "error"}:
        value = props.get(key)
        if key in props and not isinstance(value, str):
            errors.append({"field": f"properties.{key}", "message": "must be a string"})
        elif isinstance(value, str) and len(value) > 255:
            errors.append({"field": f"properties.{key}", "message": "is longer than 255 characters"})
    if isinstance(props.get("isocc"), str) and props["isocc"] and not re.fullmatch(r"[A-Z]{3}", props["isocc"]):
        errors.append({"field": "properties.isocc", "message": "must be an ISO 3166-1 alpha-3 code"})
    if isinstance(props.get("phone"), str) and props["phone"] and not phone_ok(props["phone"]):
        errors.append({"field": "properties.phone", "message": "is not a phone number"})
    if isinstance(props.get("URL"), str) and props["URL"] and not re.match(r"^https?://[^\s/]+\.[^\s]+$", props["URL"]):
        errors.append({"field": "properties.URL", "message": "is not an http(s) URL"})
    if isinstance(props.get("openinghours"), str) and props["openinghours"] and not HOURS.match(props["openinghours"]):
        errors.append({"field": "properties.openinghours",
                       "message": "must read like 'Mo-Fr; 09:00-18:00 | Sa; 10:00-13:00'"})
    return errors


class HereEmulator(Emulator):
    name = "here"
    prefix = "/here"
    credentials_field = "api_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        self.router.add_api_route("/feedback/", self.submit, methods=["POST"])
        self.router.add_api_route("/feedback", self.submit, methods=["POST"], include_in_schema=False)
        self.router.add_api_route("/feedback/{feedback_id}", self.get, methods=["GET"])
        self.router.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/feedback/{feedback_id}/reject", self.admin_reject, methods=["POST"])

    def reset(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def throttle_response(self, request: Request) -> Response:
        return here_error(429, "Too Many Requests", "Rate limit for this service has been reached", {"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return json_response({"title": "Service error", "status": status, "cause": "The service could not handle the request."}, status)

    def authorize(self, request: Request) -> str:
        key = request.query_params.get("apiKey", "")
        if not key:
            raise here_error(401, "Unauthorized", "No credentials found. Provide an apiKey.")
        if key not in self.config.api_keys or key in self.revoked:
            raise here_error(401, "Unauthorized", "apiKey invalid. apiKey not found.")
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(here_error(429, "Too Many Requests", "Rate limit for this service has been reached",
                                            {"Retry-After": str(wait)}).response)
        return key

    def status(self, job: Job) -> tuple[str, str]:
        if job.rejected is not None:
            return "CLOSED", "WONTFIX"
        elapsed = self.now() - job.submitted_at
        if elapsed < self.config.open_seconds:
            return "OPEN", "NONE"
        if elapsed < self.config.review_seconds:
            return "INPROGRESS", "NONE"
        return "CLOSED", "FIXED"

    def render(self, job: Job) -> dict[str, Any]:
        status, solution = self.status(job)
        out: dict[str, Any] = {"feedbackId": job.id, "jobStatus": status, "jobSolution": solution,
                               "feature": copy.deepcopy(job.feature)}
        if job.rejected is not None:
            out["comment"] = job.rejected
        return out

    async def submit(self, request: Request) -> Response:
        raw = await request.body()  # the only await
        key = self.authorize(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != CONTENT_TYPE:
            raise PlatformError(json_response({"title": "Unsupported Media Type", "status": 415,
                                               "cause": f"Content-Type must be {CONTENT_TYPE}"}, 415))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise validation_error([], "The body is not valid JSON") from None
        features = body.get("features") if isinstance(body, dict) and body.get("type") == "FeatureCollection" else None
        if not isinstance(features, list) or not features:
            raise validation_error([{"field": "features", "message": "a FeatureCollection with at least one feature"}])
        errors = [e for i, f in enumerate(features) for e in validate_feature(i, f)]
        if errors:
            raise validation_error(errors)
        ids, created = [], False
        for feature in features:
            reference = str(feature["id"]) if feature.get("id") is not None else None
            job = next((j for j in self.jobs.values() if reference and j.reference == reference and j.api_key == key), None)
            self.count_create("reference", reference, created=job is None)
            if job is None:
                self.serial += 1
                job = Job(id=f"{10_000_000 + self.serial}", reference=reference, feature=feature, api_key=key,
                          submitted_at=self.now())
                self.jobs[job.id] = job
                created = True
            ids.append(job.id)
        return json_response({"feedbackId": ids[0], "feedbackIds": ids}, 201 if created else 200)

    async def get(self, request: Request, feedback_id: str) -> Response:
        key = self.authorize(request)
        job = self.jobs.get(feedback_id)
        if job is None or job.api_key != key:
            raise PlatformError(json_response({"title": "Not Found", "status": 404,
                                               "cause": f"Feedback {feedback_id} not found"}, 404))
        return json_response(self.render(job))

    async def unknown(self, request: Request, path: str) -> Response:
        raise PlatformError(json_response({"title": "Not Found", "status": 404, "cause": f"No resource at /{path}"}, 404))

    async def admin_reject(self, feedback_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"comment": "..."}`` (optional): the job closes as WONTFIX."""
        job = self.jobs.get(feedback_id)
        if job is None:
            return json_response({"detail": f"no here feedback {feedback_id}"}, 404)
        job.rejected = str(body.get("comment") or "The reported change could not be verified.")
        return json_response(self.render(job))

    def dump(self) -> Any:
        return [{**self.render(job), "reference": job.reference} for job in self.jobs.values()]
