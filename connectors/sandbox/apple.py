"""Apple Business Connect, served at ``/apple/api/v1``.

* ``POST /oauth2/token``: a JSON body (client_credentials, scope ``business``) as Apple's
  "Request Service Account Token" documents it (a form body or another scope gets 400) ->
  ``{access_token, token_type, expires_in}``; tokens die after ``token_ttl_seconds``.
* Bodies and queries are checked against ``contracts/apple/`` (see ``apple_rules``), written
  from Apple's pages: ``GET …/locations`` takes only ``ql`` over Apple's listed filter fields.
* Locations belong to an org. A create or a PUT (re)starts review: ``state`` is SUBMITTED for
  ``submitted_seconds``, PROCESSING for ``processing_seconds``, then PUBLISHED; ``placeCardUrl``
  appears once a version has been published and stays. REJECTED (with ``feedback``) only via admin.
* ``etag`` (body field, bare) and ``ETag`` header (quoted) change on every content change
  (create, PUT, third-party edit), not on state transitions. ``If-Match`` is accepted quoted or bare.
* Quota: ``quota`` per client (15 req/s by default), 429 with ``Retry-After`` in whole seconds.

UNVERIFIED: the list's ``after`` cursor and ``pagination`` shape (Apple shows ``data`` and ``total``); 409 (rather than
400) for RESOURCE_HAS_NO_NEW_CHANGES; the error codes UNAUTHORIZED, FORBIDDEN, NOT_FOUND,
PRECONDITION_REQUIRED, PRECONDITION_FAILED, RATE_LIMIT_EXCEEDED, INTERNAL_SERVER_ERROR,
SERVICE_UNAVAILABLE, BAD_GATEWAY and the validation codes; the ``feedback`` shape of a rejected
location; the ``placeCardUrl`` format; the etag format; the token endpoint's error bodies (RFC 6749).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .apple_rules import INVALID, contract, error, matches, parse_ql, validate_details, validate_token_request
from .core import MISSING, Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response, set_path

SERVER_ERRORS = {500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}


class AppleConfig(PlatformConfig):
    clients: dict[str, str] = Field(default_factory=lambda: {"sandbox-apple-client": "sandbox-apple-secret"})
    token_ttl_seconds: float = Field(3600.0, gt=0)
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=15, window_seconds=1))
    submitted_seconds: float = Field(5.0, ge=0, description="time a new version stays SUBMITTED")
    processing_seconds: float = Field(10.0, ge=0, description="then time it stays PROCESSING before PUBLISHED")


@dataclass
class ALocation:
    id: str
    org_id: str
    details: dict[str, Any]
    etag: str
    created: float
    updated: float
    submitted_at: float
    published_once: bool = False
    feedback: list[dict[str, Any]] | None = None
    access_revoked: bool = False


def apple_error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **context: Any) -> PlatformError:
    item: dict[str, Any] = {"code": code, "message": message}
    if context:
        item["context"] = context
    return PlatformError(json_response([item], status, headers))


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AppleEmulator(Emulator):
    name = "apple"
    prefix = "/apple"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r, base = self.router, "/api/v1"
        r.add_api_route(base + "/oauth2/token", self.token, methods=["POST"])
        r.add_api_route(base + "/orgs/{org_id}/locations", self.create, methods=["POST"])
        r.add_api_route(base + "/orgs/{org_id}/locations", self.list, methods=["GET"])
        r.add_api_route(base + "/orgs/{org_id}/locations/{location_id}", self.get, methods=["GET"])
        r.add_api_route(base + "/orgs/{org_id}/locations/{location_id}", self.put, methods=["PUT"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        a = self.admin
        a.add_api_route("/locations/{location_id}/reject", self.admin_reject, methods=["POST"])
        a.add_api_route("/locations/{location_id}/edit", self.admin_edit, methods=["POST"])
        a.add_api_route("/locations/{location_id}/access", self.admin_access, methods=["POST"])

    def reset(self) -> None:
        self.locations: dict[str, ALocation] = {}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.revoked_clients: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def _next(self, kind: str) -> str:
        self.serial += 1
        return hashlib.sha256(f"{kind}:{self.serial}".encode()).hexdigest()

    # ------------------------------------------------------------ shared steps

    def throttle_response(self, request: Request) -> Response:
        return apple_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests.", {"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return apple_error(status, SERVER_ERRORS.get(status, "INTERNAL_SERVER_ERROR"), "The server could not handle the request.").response

    def rate(self, client_id: str) -> None:
        quota = self.config.quota
        if not self.window.hit(client_id, self.now(), quota):
            wait = max(1, math.ceil(self.window.retry_after(client_id, self.now(), quota)))
            raise self.throttled(apple_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests.", {"Retry-After": str(wait)}).response)

    def authorize(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        client_id, expires = self.tokens.get(token, ("", 0.0))
        www = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if not token:
            raise apple_error(401, "UNAUTHORIZED", "Missing bearer token.", www)
        if not client_id or client_id in self.revoked_clients or client_id not in self.config.clients:
            raise apple_error(401, "UNAUTHORIZED", "Invalid access token.", www)
        if self.now() >= expires:
            raise apple_error(401, "UNAUTHORIZED", "The access token has expired.", www)
        self.rate(client_id)
        return client_id

    def location(self, org_id: str, location_id: str) -> ALocation:
        loc = self.locations.get(location_id)
        if loc is None or loc.org_id != org_id:
            raise apple_error(404, "NOT_FOUND", f"Location {location_id} not found.")
        if loc.access_revoked:
            raise apple_error(403, "FORBIDDEN", "The client is not allowed to access this location.")
        self.settle(loc)
        return loc

    def settle(self, loc: ALocation) -> None:
        if loc.feedback is None and self.now() >= loc.submitted_at + self.config.submitted_seconds + self.config.processing_seconds:
            loc.published_once = True

    def state(self, loc: ALocation) -> str:
        if loc.feedback is not None:
            return "REJECTED"
        elapsed = self.now() - loc.submitted_at
        if elapsed < self.config.submitted_seconds:
            return "SUBMITTED"
        if elapsed < self.config.submitted_seconds + self.config.processing_seconds:
            return "PROCESSING"
        return "PUBLISHED"

    def render(self, loc: ALocation) -> dict[str, Any]:
        self.settle(loc)
        out: dict[str, Any] = {"id": loc.id, "etag": loc.etag, "state": self.state(loc), "locationDetails": copy.deepcopy(loc.details),
                               "createdDate": _iso(loc.created), "updatedDate": _iso(loc.updated)}
        if loc.published_once:
            out["placeCardUrl"] = f"https://maps.apple.com/place?auid={int(loc.id) % 10**16}"
        if loc.feedback is not None:
            out["feedback"] = loc.feedback
        return out

    def respond(self, loc: ALocation, status: int = 200) -> Response:
        return json_response(self.render(loc), status, {"ETag": f'"{loc.etag}"'})

    def details(self, request: Request, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise apple_error(400, "VALIDATION__INVALID_JSON", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise apple_error(400, "VALIDATION__INVALID_JSON", "The request body must be an object {\"locationDetails\": {...}}.")
        errors = [{"code": "VALIDATION__UNKNOWN_FIELD", "message": f"Unknown field {k}.", "context": {"field": k}}
                  for k in body if k not in ("locationDetails", "id")]
        errors += validate_details(body.get("locationDetails"))  # dates: the system's (the clock drives review and quotas)
        if errors:
            self.refuse(request, errors)
            raise PlatformError(json_response(errors, 400))
        return body["locationDetails"]

    def _duplicate(self, org_id: str, partner_id: str, but: str | None = None) -> ALocation | None:
        return next((loc for loc in self.locations.values()
                     if loc.org_id == org_id and loc.id != but and loc.details.get("partnersLocationId") == partner_id), None)

    # ------------------------------------------------------------ API

    async def token(self, request: Request) -> Response:
        parsed = validate_token_request(request.headers.get("content-type", ""), await request.body())
        if isinstance(parsed, list):
            self.refuse(request, parsed)
            return json_response(parsed, 400)
        client_id = str(parsed["client_id"])
        self.rate(client_id)
        if self.config.clients.get(client_id) != parsed["client_secret"] or client_id in self.revoked_clients:
            return json_response({"error": "invalid_client"}, 401)
        token = "apple-sandbox-" + self._next("token")[:40]
        self.tokens[token] = (client_id, self.now() + self.config.token_ttl_seconds)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": int(self.config.token_ttl_seconds)})

    async def create(self, request: Request, org_id: str) -> Response:
        raw = await request.body()  # the only await: the rest runs without yielding to other requests
        self.authorize(request)
        details = self.details(request, raw)
        partner_id = details["partnersLocationId"]
        existing = self._duplicate(org_id, partner_id)
        if existing is not None:
            self.count_create("partnersLocationId", partner_id, created=False)
            raise apple_error(409, "LOCATION_ALREADY_EXISTS", f"A location with partnersLocationId {partner_id} already exists.",
                              field="locationDetails.partnersLocationId", locationId=existing.id)
        now = self.now()
        location_id = str(int(self._next("location")[:15], 16))
        loc = ALocation(id=location_id, org_id=org_id, details=details, etag=self._next("etag")[:32], created=now, updated=now, submitted_at=now)
        self.locations[location_id] = loc
        self.count_create("partnersLocationId", partner_id, created=True)
        return self.respond(loc, 201)

    async def list(self, request: Request, org_id: str) -> Response:
        self.authorize(request)
        params = request.query_params
        allowed = contract("locations_query.json")["query_parameters"]
        errors = [error(INVALID, key, f"{key} is not a query parameter of this resource (filters go in ql).")
                  for key in params if key not in allowed]
        clauses = parse_ql(params["ql"]) if params.get("ql") else []
        if isinstance(clauses, dict):
            errors.append(clauses)
        if errors:
            self.refuse(request, errors)
            raise PlatformError(json_response(errors, 400))
        assert isinstance(clauses, list)
        matches_ = [loc for loc in self.locations.values() if loc.org_id == org_id and not loc.access_revoked
                    and matches(self.render(loc), clauses)]
        try:
            limit = max(1, min(int(params.get("limit", 20)), 100))
            start = int(params.get("after") or 0)
        except ValueError:
            raise apple_error(400, INVALID, "Invalid limit or cursor.") from None
        page = matches_[start:start + limit]
        pagination: dict[str, Any] = {"cursors": {}}
        if start + limit < len(matches_):
            pagination["cursors"]["after"] = str(start + limit)
            pagination["next"] = str(request.url.replace_query_params(**{**dict(params), "after": str(start + limit)}))
        return json_response({"data": [self.render(loc) for loc in page], "total": len(matches_), "pagination": pagination})

    async def get(self, request: Request, org_id: str, location_id: str) -> Response:
        self.authorize(request)
        return self.respond(self.location(org_id, location_id))

    async def put(self, request: Request, org_id: str, location_id: str) -> Response:
        raw = await request.body()  # the only await: the etag check and the write cannot interleave
        self.authorize(request)
        loc = self.location(org_id, location_id)
        if_match = request.headers.get("if-match")
        if not if_match:
            raise apple_error(428, "PRECONDITION_REQUIRED", "The If-Match header is required.")
        if if_match.strip().removeprefix("W/").strip('"') != loc.etag:
            raise apple_error(412, "PRECONDITION_FAILED", "The etag does not match the current version of the location.")
        details = self.details(request, raw)
        partner_id = details["partnersLocationId"]
        other = self._duplicate(org_id, partner_id, but=loc.id)
        if other is not None:
            raise apple_error(409, "LOCATION_ALREADY_EXISTS", f"A location with partnersLocationId {partner_id} already exists.",
                              field="locationDetails.partnersLocationId", locationId=other.id)
        if details == loc.details:
            raise apple_error(409, "RESOURCE_HAS_NO_NEW_CHANGES", "The request does not change the location.")
        now = self.now()
        loc.details, loc.etag, loc.updated, loc.submitted_at, loc.feedback = details, self._next("etag")[:32], now, now, None
        return self.respond(loc)

    async def unknown(self, request: Request, path: str) -> Response:
        raise apple_error(404, "NOT_FOUND", f"No resource at /{path}.")

    # ------------------------------------------------------------ admin

    def _admin_location(self, location_id: str) -> ALocation:
        loc = self.locations.get(location_id)
        if loc is None:
            raise PlatformError(json_response({"detail": f"no apple location {location_id}"}, 404))
        self.settle(loc)
        return loc

    async def admin_reject(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"feedback": [{"code": "...", "message": "...", "field": "..."}]}`` (optional)."""
        loc = self._admin_location(location_id)
        loc.feedback = body.get("feedback") or [{"code": "REJECTED", "message": "The location did not pass validation."}]
        return self.respond(loc)

    async def admin_edit(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"field": "displayNames", "value": [...]}`` (dotted path in locationDetails; null removes)."""
        loc = self._admin_location(location_id)
        if not body.get("field"):
            return json_response({"detail": "field is required"}, 400)
        value = body.get("value")
        set_path(loc.details, str(body["field"]), MISSING if value is None else value)
        loc.etag, loc.updated = self._next("etag")[:32], self.now()
        return self.respond(loc)

    async def admin_access(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"revoked": true}``: calls on the location answer 403."""
        loc = self._admin_location(location_id)
        loc.access_revoked = bool(body.get("revoked", True))
        return json_response({"id": loc.id, "accessRevoked": loc.access_revoked})

    def revoke_token(self, token: str) -> bool:
        """An access token (that token dies) or a client_id (its credentials and tokens die)."""
        if token in self.config.clients and token not in self.revoked_clients:
            self.revoked_clients.add(token)
            return True
        if token in self.tokens:
            del self.tokens[token]
            return True
        return False

    def dump(self) -> Any:
        return [{**self.render(loc), "orgId": loc.org_id, "accessRevoked": loc.access_revoked} for loc in self.locations.values()]
