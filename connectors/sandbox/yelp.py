"""Yelp Data Ingestion API, served at ``/yelp/v1/ingest`` (``{sandbox}/yelp``), from Yelp's reference.

Sources: https://docs.developer.yelp.com/docs/data-ingestion-api (overview: Basic auth, JSON,
times HH:MM[:SS], 2,500 requests per 30 minutes per endpoint), .../reference/create_business_update_v1
(the create body), .../reference/get_business_update_status_v1 (the job status). The create body
is validated against ``contracts/yelp/ingest_create.schema.json`` (``yelp_rules``), which cites them.

* HTTP Basic auth (default ``sandbox-yelp`` / ``sandbox-yelp-secret``, ``YelpConfig.users``).
* ``POST /v1/ingest/create`` ``{businesses: [{partner_business_id, matching_criteria{name, city,
  state, country, address1?, postal_code?, phone?, …}, options?{create_if_missing,
  use_matching_criteria_for_update}, update{…}}]}`` -> 200 ``{job_id}``; any schema error -> 400
  ``{error: {code: INVALID_REQUEST, message}}`` (``message`` is Yelp's documented field; the code
  name is the sandbox's).
* A business not yet known to the sandbox is, without ``create_if_missing``, an existing Yelp
  business (it has a category, ``existing_categories``); with it, a new one without categories.
  Changing the categories of a business that has some fails for that field (Yelp: categories
  cannot be changed on a business that already has them).
* ``GET /v1/ingest/status/{job_id}[?detail_level=2]`` -> ``{job_id, status, created_at,
  completed_at, business_results: [{partner_business_id, yelp_business_id, status,
  update_results: {field: {status, requested_value, error?: {message}}}}]}``. Fields are
  PROCESSING for ``review_seconds``, then COMPLETED, or APPLIED with ``detail_level=2`` (live on
  Yelp); a refused field is FAILED with ``error.message`` (FAILED is the sandbox's name for it:
  UNVERIFIED). The job is PROCESSING until every field has settled, then COMPLETED.
* Errors: 401 UNAUTHORIZED, 404 NOT_FOUND, 429 (+ Retry-After; ``quota`` per user and endpoint,
  2,500 per 30 minutes as documented), 5xx; always ``{error: {code, message}}``.
* Admin: ``POST /_sandbox/yelp/jobs/{job_id}/reject {"partner_business_id"?, "field"?, "reason"?}``,
  ``POST /_sandbox/yelp/businesses/{partner_business_id}/edit {"field", "value"}``.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response
from .yelp_rules import ingest_errors

SERVER_ERRORS = {500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}


class YelpConfig(PlatformConfig):
    users: dict[str, str] = Field(default_factory=lambda: {"sandbox-yelp": "sandbox-yelp-secret"})
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=2500, window_seconds=1800),
                               description="per user and endpoint (documented: 2,500 requests per 30 minutes)")
    processing_seconds: float = Field(2.0, ge=0, description="(kept for configs; fields settle at review_seconds)")
    review_seconds: float = Field(30.0, ge=0, description="time after the job at which fields are COMPLETED/APPLIED")
    existing_categories: list[str] = Field(default_factory=lambda: ["health"],
                                           description="categories of a business Yelp already has")


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
    yelp_ids: dict[str, str] = field(default_factory=dict)
    applied: set[str] = field(default_factory=set)  # partner ids whose applied values went live


def yelp_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> PlatformError:
    return PlatformError(json_response({"error": {"code": code, "message": message}}, status, headers))


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

    def authorize(self, request: Request, endpoint: str) -> None:
        header = request.headers.get("authorization", "")
        user = password = ""
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                pass
        if not user or self.config.users.get(user) != password or user in self.revoked:
            raise yelp_error(401, "UNAUTHORIZED", "Invalid or missing credentials.", {"WWW-Authenticate": 'Basic realm="yelp"'})
        key = f"{user} {endpoint}"  # the documented quota is per endpoint
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(yelp_error(429, "TOO_MANY_REQUESTS", "Too many requests.", {"Retry-After": str(wait)}).response)

    # ------------------------------------------------------------ API

    async def create(self, request: Request) -> Response:
        raw = await request.body()  # the only await
        self.authorize(request, "create")
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise yelp_error(400, "INVALID_REQUEST", "The request body is not valid JSON.") from None
        if errors := ingest_errors(body):
            raise yelp_error(400, "INVALID_REQUEST", "; ".join(errors))
        job = YJob(job_id="job_" + self._next("job")[:24], created=self.now(), updates={})
        for item in body["businesses"]:
            partner_id = item.get("partner_business_id") or item["matching_criteria"]["name"]
            known = partner_id in self.businesses
            self.count_create("partner_business_id", partner_id, created=not known)
            if not known:
                business = YBusiness(partner_id, "sandbox-" + self._next("biz")[:22])
                if not (item.get("options") or {}).get("create_if_missing"):
                    business.live["categories"] = list(self.config.existing_categories)  # Yelp already had it
                self.businesses[partner_id] = business
            update = copy.deepcopy(item["update"])
            if "categories" in update and self.businesses[partner_id].live.get("categories"):
                job.rejected.setdefault(partner_id, {})["categories"] = (
                    "Categories cannot be changed on a business that already has categories.")
            job.updates[partner_id] = {**job.updates.get(partner_id, {}), **update}
            job.yelp_ids[partner_id] = self.businesses[partner_id].yelp_business_id
        self.jobs[job.job_id] = job
        return json_response({"job_id": job.job_id})

    async def status(self, request: Request, job_id: str) -> Response:
        self.authorize(request, "status")
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
                    if value in (None, ""):  # Yelp: an empty string deletes the value
                        live.pop(key, None)
                    else:
                        live[key] = copy.deepcopy(value)

    def render(self, job: YJob, detailed: bool = True) -> dict[str, Any]:
        self.settle_all()
        reviewed = self.now() >= job.created + self.config.review_seconds
        done = "APPLIED" if detailed else "COMPLETED"
        results = []
        for partner_id, update in job.updates.items():
            rejected = job.rejected.get(partner_id, {})
            fields: dict[str, Any] = {}
            for key, value in update.items():
                if key in rejected:
                    fields[key] = {"status": "FAILED", "requested_value": _requested(value),
                                   "error": {"message": rejected[key]}}
                else:
                    fields[key] = {"status": done if reviewed else "PROCESSING", "requested_value": _requested(value)}
            statuses = {f["status"] for f in fields.values()}
            results.append({"partner_business_id": partner_id, "yelp_business_id": job.yelp_ids.get(partner_id),
                            "status": "PROCESSING" if "PROCESSING" in statuses else done if statuses - {"FAILED"} else "FAILED",
                            "update_results": fields})
        settled = reviewed or not any(job.updates.values())
        stamp = dt.datetime.fromtimestamp(job.created, dt.timezone.utc)
        return {"job_id": job.job_id, "status": "COMPLETED" if settled else "PROCESSING",
                "created_at": stamp.isoformat(),
                "completed_at": (stamp + dt.timedelta(seconds=self.config.review_seconds)).isoformat() if settled else None,
                "business_results": results}

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


def _requested(value: Any) -> str:
    """Yelp's status pages echo the requested value as a string."""
    return value if isinstance(value, str) else json.dumps(value)
