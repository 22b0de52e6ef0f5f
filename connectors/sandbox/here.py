"""HERE Map Feedback, served at ``/here`` (``POST /here/feedback/``, ``GET /here/feedback/{ids}``).

Sources: HERE's Map Feedback API developer guide, https://docs.here.com/map-feedback/docs/
(http-request-headers, example-place-feedback, example-track-feedback, key-concepts-submit-feedback)
and .../dev_guide/topics/resource-type-properties.html (the properties table).

* Auth: the headers ``Auth-Service-Id: here_app``, ``Auth-Identifier: apikey``, ``Auth-Secret:
  <api key>`` (``api_keys``, default ``sandbox-here-key``); anything else (an ``apiKey`` query
  parameter included) answers 401.
* ``POST /feedback/`` takes ``application/vnd.here.layerObjectList+json`` (415 otherwise): a plain
  JSON array of layer objects ``{type: "Point", coordinates: [lon, lat(, alt)], properties: {v:
  "2.7", appId, error, details?, name?, roadname?, number?, zipcode?, city?, isocc?, phone?,
  email?, URL?, referenceIds?, …}}``. ``v``, ``appId`` and ``error`` are required; unknown
  properties are refused; ``phone`` follows the guide's international pattern (``+1 111 2 333``:
  ``+``, the country code, groups of digits separated by spaces). It answers the array of the
  created layer objects, each with a negative ``id``, a ``guid``, ``layerId``, ``createdTS``,
  ``lastUpdateTS``. A layer object identical to one already filed with the same key answers that
  job again (sandbox choice, UNVERIFIED: HERE's reviewers merge duplicates).
* ``GET /feedback/{id}[;{id}…]`` -> the array of those layer objects, ``properties.jobStatus``
  OPEN | INPROGRESS | CLOSED | REOPENED and ``jobSolution`` NONE | FIXED | WONTFIX (with
  ``jobSolutionDetails`` when WONTFIX). A job is OPEN for ``open_seconds``, INPROGRESS until
  ``review_seconds``, then CLOSED + FIXED unless the admin rejected it.
* Quota: ``quota`` per API key (5 req/s by default, none documented): 429 with ``Retry-After``.
* Errors (shapes UNVERIFIED): auth ``{error, error_description}``; validation 400 ``{title,
  status, cause, errors: [{field, message}]}``.

Admin: ``POST /_sandbox/here/feedback/{id}/reject {"comment"}``; ``GET /_sandbox/here/locations``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

CONTENT_TYPE = "application/vnd.here.layerObjectList+json"
# The properties of the guide's table and examples; `openinghours` is platforms.md's (UNVERIFIED).
PROPERTIES = {"v", "appId", "error", "importance", "premod", "accountId", "useremail", "details", "isocc", "languageCode",
              "zoomLevel", "pageURL", "referenceIds", "currentValues", "domain", "name", "type", "roadname", "number",
              "zipcode", "city", "phone", "email", "URL", "openinghours"}
PHONE = re.compile(r"^\+[1-9][0-9]{0,2}( [0-9]{1,6})+$")
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
    id: int
    reference: str
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
    where = f"[{i}]"
    if not isinstance(feature, dict) or feature.get("type") != "Point":
        return [{"field": where, "message": "must be a layer object of type Point (the body is a plain array of them)"}]
    errors = []
    coords = feature.get("coordinates")
    if not (isinstance(coords, list) and len(coords) in (2, 3)
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
            and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
        errors.append({"field": f"{where}.coordinates", "message": "must be [longitude, latitude(, altitude)]"})
    props = feature.get("properties")
    if not isinstance(props, dict):
        return [*errors, {"field": f"{where}.properties", "message": "is required"}]
    for key in sorted(props.keys() - PROPERTIES):
        errors.append({"field": f"{where}.properties.{key}", "message": "unknown property"})
    if props.get("v") != "2.7":
        errors.append({"field": f"{where}.properties.v", "message": "must be \"2.7\""})
    if not isinstance(props.get("appId"), str) or not props["appId"]:
        errors.append({"field": f"{where}.properties.appId", "message": "is required"})
    error = props.get("error")
    if not isinstance(error, int) or isinstance(error, bool):
        errors.append({"field": f"{where}.properties.error", "message": "is required: an error report type code"})
    for key in PROPERTIES - {"v", "error", "importance", "premod", "zoomLevel", "referenceIds", "currentValues", "domain"}:
        value = props.get(key)
        if key in props and not isinstance(value, str):
            errors.append({"field": f"{where}.properties.{key}", "message": "must be a string"})
        elif isinstance(value, str) and len(value) > 255 and key != "details":
            errors.append({"field": f"{where}.properties.{key}", "message": "is longer than 255 characters"})
    if isinstance(props.get("isocc"), str) and props["isocc"] and not re.fullmatch(r"[A-Z]{3}", props["isocc"]):
        errors.append({"field": f"{where}.properties.isocc", "message": "must be an ISO 3166-1 alpha-3 code"})
    if isinstance(props.get("phone"), str) and props["phone"] and not PHONE.match(props["phone"]):
        errors.append({"field": f"{where}.properties.phone",
                       "message": "must be international with spaces, like '+1 111 2 333'"})
    if isinstance(props.get("openinghours"), str) and props["openinghours"] and not HOURS.match(props["openinghours"]):
        errors.append({"field": f"{where}.properties.openinghours",
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
        self.router.add_api_route("/feedback/{feedback_ids}", self.get, methods=["GET"])
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
        headers = request.headers
        key = headers.get("auth-secret", "")
        if headers.get("auth-service-id") != "here_app" or headers.get("auth-identifier") != "apikey" or not key:
            raise here_error(401, "Unauthorized", "Authenticate with the headers Auth-Service-Id: here_app, "
                                                  "Auth-Identifier: apikey and Auth-Secret: <your API key>.")
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
        out = copy.deepcopy(job.feature)
        out.update({"layerId": "grp|wiki|WIKI_MAP_FEEDBACK", "id": job.id, "guid": job.reference,
                    "createdTS": int(job.submitted_at * 1000), "lastUpdateTS": int(self.now() * 1000)})
        out["properties"].update({"jobStatus": status, "jobSolution": solution})
        if job.rejected is not None:
            out["properties"]["jobSolutionDetails"] = job.rejected
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
        if not isinstance(body, list) or not body:
            raise validation_error([{"field": "(body)", "message": "a plain JSON array of layer objects is required"}])
        errors = [e for i, f in enumerate(body) for e in validate_feature(i, f)]
        if errors:
            raise validation_error(errors)
        out = []
        for feature in body:
            reference = hashlib.sha1(json.dumps([key, feature], sort_keys=True).encode()).hexdigest()
            job = next((j for j in self.jobs.values() if j.reference == reference), None)
            self.count_create("reference", reference, created=job is None)
            if job is None:
                self.serial += 1
                job = Job(id=-(19_000 + self.serial), reference=reference, feature=copy.deepcopy(feature), api_key=key,
                          submitted_at=self.now())
                self.jobs[str(job.id)] = job
            out.append(self.render(job))
        return json_response(out)

    async def get(self, request: Request, feedback_ids: str) -> Response:
        key = self.authorize(request)
        jobs = [self.jobs.get(i.strip()) for i in feedback_ids.split(";")]
        if not jobs or any(job is None or job.api_key != key for job in jobs):
            raise PlatformError(json_response({"title": "Not Found", "status": 404,
                                               "cause": f"Feedback {feedback_ids} not found"}, 404))
        return json_response([self.render(job) for job in jobs if job is not None])

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
