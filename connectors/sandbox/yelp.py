"""Yelp Data Ingestion API, served at ``/yelp/v1/ingest`` (``{sandbox}/yelp``).

Shapes beyond platforms.md are UNVERIFIED and mirror ``connectors/yelp/connector.py``:

* HTTP Basic auth (default ``sandbox-yelp`` / ``sandbox-yelp-secret``, ``YelpConfig.users``).
* ``POST /v1/ingest/create`` ``{businesses: [{partner_business_id, matching_criteria{name,
  address1, city, country, postal_code?, phone?, …}, update{field: value|null}}]}`` (1..1000)
  -> 200 ``{job_id}``. The whole request is validated first: any error -> 400 ``{error: {code:
  INVALID_REQUEST, description, errors: [{field: "businesses[0].update.url", description}]}}``.
  A business is keyed by ``partner_business_id`` (``count_create``: created = first time seen);
  a null update value clears the field.
* ``GET /v1/ingest/status/{job_id}?detail_level=2`` -> ``{job_id, status, created_at, businesses:
  [{partner_business_id, yelp_business_id, status, fields: {field: PENDING|APPLIED|REJECTED},
  errors}]}``. The job is PROCESSING for ``processing_seconds``, then COMPLETED; each field stays
  PENDING (manual review) until ``review_seconds`` after the job, then APPLIED (its value goes
  live) unless rejected. ``detail_level`` < 2 leaves ``fields`` out. Unknown job: 404 NOT_FOUND.
* Errors: 401 UNAUTHORIZED, 429 TOO_MANY_REQUESTS (+ Retry-After; ``quota`` per user, 10/1 s by
  default, UNVERIFIED), 5xx INTERNAL_ERROR / SERVICE_UNAVAILABLE.
* Admin: ``POST /_sandbox/yelp/jobs/{job_id}/reject {"partner_business_id"?, "field"?, "reason"?}``
  (one field, or every pending field when none is given), ``POST
  /_sandbox/yelp/businesses/{partner_business_id}/edit {"field", "value"}`` (a Yelp-side edit of
  the live business: not visible in job statuses, as on Yelp).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response, phone_ok

MAX_BATCH = 1000
SERVER_ERRORS = {500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}
CRITERIA = {"name", "address1", "address2", "city", "state", "postal_code", "country", "phone", "latitude", "longitude"}
CRITERIA_REQUIRED = ("name", "address1", "city", "country")
UPDATE = {"name", "address1", "address2", "city", "state", "postal_code", "country", "latitude", "longitude", "phone",
          "url", "categories", "hours", "special_hours", "is_closed"}
NOT_CLEARABLE = {"name", "address1", "city", "country", "is_closed"}
_HHMM = re.compile(r"^([01][0-9]|2[0-3])[0-5][0-9]$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$", re.IGNORECASE)


class YelpConfig(PlatformConfig):
    users: dict[str, str] = Field(default_factory=lambda: {"sandbox-yelp": "sandbox-yelp-secret"})
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=10, window_seconds=1))
    processing_seconds: float = Field(2.0, ge=0, description="time a job stays PROCESSING")
    review_seconds: float = Field(30.0, ge=0, description="time after the job at which pending fields are APPLIED")


@dataclass
class YBusiness:
    partner_business_id: str
    yelp_business_id: str
    live: dict[str, Any] = field(default_factory=dict)


@dataclass
class YJob:
    job_id: str
    created: float
    updates: dict[str, dict[str, Any]]  # partner id -> update fields
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # partner id -> field -> reason
    applied: set[str] = field(default_factory=set)  # partner ids whose applied values went live


def yelp_error(status: int, code: str, description: str, headers: dict[str, str] | None = None,
               errors: list[dict[str, str]] | None = None) -> PlatformError:
    body: dict[str, Any] = {"code": code, "description": description}
    if errors:
        body["errors"] = errors
    return PlatformError(json_response({"error": body}, status, headers))


def validate_ingest(body: Any) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []

    def fail(path: str, description: str) -> None:
        errors.append({"field": path, "description": description})

    items = body.get("businesses") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        fail("businesses", f"businesses must be a list of 1 to {MAX_BATCH} businesses.")
        return errors
    for i, item in enumerate(items):
        p = f"businesses[{i}]"
        if not isinstance(item, dict):
            fail(p, "must be an object.")
            continue
        if not isinstance(item.get("partner_business_id"), str) or not item["partner_business_id"]:
            fail(f"{p}.partner_business_id", "partner_business_id is required.")
        criteria = item.get("matching_criteria")
        if not isinstance(criteria, dict):
            fail(f"{p}.matching_criteria", "matching_criteria is required.")
        else:
            for key in CRITERIA_REQUIRED:
                if not criteria.get(key):
                    fail(f"{p}.matching_criteria.{key}", f"{key} is required.")
            for key, value in criteria.items():
                if key not in CRITERIA:
                    fail(f"{p}.matching_criteria.{key}", f"Unknown field {key}.")
                else:
                    _check(fail, f"{p}.matching_criteria.{key}", key, value)
        update = item.get("update")
        if not isinstance(update, dict) or not update:
            fail(f"{p}.update", "update must be a non-empty object.")
            continue
        for key, value in update.items():
            path = f"{p}.update.{key}"
            if key not in UPDATE:
                fail(path, f"Unknown field {key}.")
            elif value is None:
                if key in NOT_CLEARABLE:
                    fail(path, f"{key} cannot be cleared.")
            else:
                _check(fail, path, key, value)
    return errors


def _check(fail: Any, path: str, key: str, value: Any) -> None:
    if key in ("latitude", "longitude"):
        limit = 90 if key == "latitude" else 180
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit:
            fail(path, f"{key} must be a number within ±{limit}.")
    elif key == "is_closed":
        if not isinstance(value, bool):
            fail(path, "is_closed must be a boolean.")
    elif key == "categories":
        if not isinstance(value, list) or not value or not all(isinstance(c, str) and re.fullmatch(r"[a-z0-9_]+", c) for c in value):
            fail(path, "categories must be a non-empty list of category aliases.")
    elif key == "hours":
        for j, item in enumerate(value if isinstance(value, list) else [None]):
            if not (isinstance(item, dict) and item.get("day") in range(7) and not isinstance(item.get("day"), bool)
                    and _hours_ok(item)):
                fail(f"{path}[{j}]", "hours items are {day: 0-6, start: HHMM, end: HHMM, is_overnight: bool}.")
    elif key == "special_hours":
        for j, item in enumerate(value if isinstance(value, list) else [None]):
            ok = isinstance(item, dict) and isinstance(item.get("is_closed"), bool)
            if ok:
                try:
                    dt.date.fromisoformat(str(item.get("date")))
                except ValueError:
                    ok = False
            if ok and not item["is_closed"]:
                ok = _hours_ok(item)
            if not ok:
                fail(f"{path}[{j}]", "special_hours items are {date: YYYY-MM-DD, is_closed, start?, end?, is_overnight?}.")
    elif not isinstance(value, str) or not value.strip():
        fail(path, f"{key} must be a non-empty string.")
    elif key == "phone" and not phone_ok(value):
        fail(path, "phone is not a valid phone number.")
    elif key == "url" and not _URL.match(value):
        fail(path, "url must be an http or https URL.")
    elif key == "country" and not re.fullmatch(r"[A-Z]{2}", value):
        fail(path, "country must be an ISO 3166-1 alpha-2 code.")
    elif key == "name" and len(value) > 200:
        fail(path, "name must be at most 200 characters.")


def _hours_ok(item: dict[str, Any]) -> bool:
    return (all(isinstance(item.get(k), str) and _HHMM.match(item[k]) for k in ("start", "end"))
            and isinstance(item.get("is_overnight"), bool))


class YelpEmulator(Emulator):
    name = "yelp"
    prefix = "/yelp"
    credentials_field = "users"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        self.router.add_api_route("/v1/ingest/create", self.create, methods=["POST"])
        self.router.add_api_route("/v1/ingest/status/{job_id}", self.status, methods=["GET"])
        self.router.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/jobs/{job_id}/reject", self.admin_reject, methods=["POST"])
        self.admin.add_api_route("/businesses/{partner_business_id}/edit", self.admin_edit, methods=["POST"])

    def reset(self) -> None:
        self.businesses: dict[str, YBusiness] = {}
        self.jobs: dict[str, YJob] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def _next(self, kind: str) -> str:
        self.serial += 1
        return hashlib.sha256(f"{kind}:{self.serial}".encode()).hexdigest()

    def throttle_response(self, request: Request) -> Response:
        return yelp_error(429, "TOO_MANY_REQUESTS", "Too many requests.", {"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return yelp_error(status, SERVER_ERRORS.get(status, "INTERNAL_ERROR"), "The server could not handle the request.").response

    def authorize(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        user = password = ""
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                pass
        if not user or self.config.users.get(user) != password or user in self.revoked:
            raise yelp_error(401, "UNAUTHORIZED", "Invalid or missing credentials.", {"WWW-Authenticate": 'Basic realm="yelp"'})
        if not self.window.hit(user, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(user, self.now(), self.config.quota)))
            raise self.throttled(yelp_error(429, "TOO_MANY_REQUESTS", "Too many requests.", {"Retry-After": str(wait)}).response)

    # ------------------------------------------------------------ API

    async def create(self, request: Request) -> Response:
        raw = await request.body()  # the only await
        self.authorize(request)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise yelp_error(400, "INVALID_REQUEST", "The request body is not valid JSON.") from None
        errors = validate_ingest(body)
        if errors:
            raise yelp_error(400, "INVALID_REQUEST", "The request did not validate.", errors=errors)
        job = YJob(job_id="job_" + self._next("job")[:24], created=self.now(), updates={})
        for item in body["businesses"]:
            partner_id = item["partner_business_id"]
            known = partner_id in self.businesses
            self.count_create("partner_business_id", partner_id, created=not known)
            if not known:
                self.businesses[partner_id] = YBusiness(partner_id, "sandbox-" + self._next("biz")[:22])
            job.updates[partner_id] = {**job.updates.get(partner_id, {}), **copy.deepcopy(item["update"])}
        self.jobs[job.job_id] = job
        return json_response({"job_id": job.job_id})

    async def status(self, request: Request, job_id: str) -> Response:
        self.authorize(request)
        job = self.jobs.get(job_id)
        if job is None:
            raise yelp_error(404, "NOT_FOUND", f"No job {job_id}.")
        detail = request.query_params.get("detail_level", "1")
        return json_response(self.render(job, detailed=detail == "2"))

    def settle_all(self) -> None:
        """Past review, in job order: apply every non-rejected field to the live business, once."""
        for job in self.jobs.values():
            self.settle(job)

    def settle(self, job: YJob) -> None:
        if self.now() < job.created + self.config.review_seconds:
            return
        for partner_id, update in job.updates.items():
            if partner_id in job.applied:
                continue
            job.applied.add(partner_id)
            live = self.businesses[partner_id].live
            for key, value in update.items():
                if key not in job.rejected.get(partner_id, {}):
                    if value is None:
                        live.pop(key, None)
                    else:
                        live[key] = copy.deepcopy(value)

    def render(self, job: YJob, detailed: bool = True) -> dict[str, Any]:
        self.settle_all()
        reviewed = self.now() >= job.created + self.config.review_seconds
        items = []
        for partner_id, update in job.updates.items():
            rejected = job.rejected.get(partner_id, {})
            fields = {k: "REJECTED" if k in rejected else "APPLIED" if reviewed else "PENDING" for k in update}
            item: dict[str, Any] = {"partner_business_id": partner_id,
                                    "yelp_business_id": self.businesses[partner_id].yelp_business_id,
                                    "status": "COMPLETED" if reviewed or rejected else "PENDING",
                                    "errors": [{"field": k, "code": "REJECTED", "description": v} for k, v in rejected.items()]}
            if detailed:
                item["fields"] = fields
            items.append(item)
        processing = self.now() < job.created + self.config.processing_seconds
        return {"job_id": job.job_id, "status": "PROCESSING" if processing else "COMPLETED",
                "created_at": dt.datetime.fromtimestamp(job.created, dt.timezone.utc).isoformat().replace("+00:00", "Z"),
                "businesses": items}

    async def unknown(self, request: Request, path: str) -> Response:
        raise yelp_error(404, "NOT_FOUND", f"No resource at /{path}.")

    # ------------------------------------------------------------ admin

    async def admin_reject(self, job_id: str, body: dict[str, Any]) -> Response:
        """Reject one field (``field``) or every field still pending of a job's business."""
        job = self.jobs.get(job_id)
        if job is None:
            return json_response({"detail": f"no yelp job {job_id}"}, 404)
        self.settle_all()
        partner_id = body.get("partner_business_id") or next(iter(job.updates))
        if partner_id not in job.updates:
            return json_response({"detail": f"job {job_id} has no business {partner_id}"}, 404)
        fields = [body["field"]] if body.get("field") else list(job.updates[partner_id])
        reason = str(body.get("reason") or "The change did not pass moderation.")
        job.rejected.setdefault(partner_id, {}).update({f: reason for f in fields if f in job.updates[partner_id]})
        return json_response(self.render(job))

    async def admin_edit(self, partner_business_id: str, body: dict[str, Any]) -> Response:
        """A Yelp-side edit of the live business (``value`` null removes the field)."""
        business = self.businesses.get(partner_business_id)
        if business is None:
            return json_response({"detail": f"no yelp business {partner_business_id}"}, 404)
        if not body.get("field"):
            return json_response({"detail": "field is required"}, 400)
        if body.get("value") is None:
            business.live.pop(str(body["field"]), None)
        else:
            business.live[str(body["field"])] = body["value"]
        return json_response(business.live)

    def dump(self) -> Any:
        self.settle_all()
        return [{"partner_business_id": b.partner_business_id, "yelp_business_id": b.yelp_business_id,
                 "live": copy.deepcopy(b.live)} for b in self.businesses.values()]
