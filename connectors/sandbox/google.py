"""Google Business Profile: Business Information API v1 and the Verifications API's VoiceOfMerchantState.

Served at ``/google/v1`` (mybusinessbusinessinformation.googleapis.com/v1) and
``/google/verifications/v1`` (mybusinessverifications.googleapis.com/v1).

Emulation choices:

* Review: an accepted PATCH is pending for ``review_delay_seconds`` (``metadata.hasPendingEdits``,
  ``pendingMask`` of getGoogleUpdated), then goes live. GET and list return the live (published)
  values, never the pending ones; the PATCH response shows the location with the edit applied.
  Edits stay pending while the location lacks voice of merchant. A PATCH that changes nothing
  creates no pending edit. Creates are live at once.
* A PATCH on a field Google updated clears that field from ``diffMask`` (the merchant's value wins).
* proto3 JSON: false booleans, zeros, empty strings and empty lists are left out of responses
  (``hasPendingEdits`` absent = false, midnight ``openTime`` = ``{}``, ``{}`` for an empty list)
  unless ``emit_default_values``.
* Quotas: every call with one token counts against that token's per-minute project quota (one
  per API); PATCHes that are not validateOnly count against the location's edit quota, even when
  rejected afterwards. 429 RESOURCE_EXHAUSTED never carries Retry-After.
* A 502 fault answers Google's front-end HTML error page, not JSON (as Google's front end does).
* UNVERIFIED: the wording of messages and ErrorInfo reasons, pageSize outside 1..100 rejected
  (rather than clamped), sub-paths of phoneNumbers/categories in updateMask rejected, the per-location
  edit quota's message, ``readMask=*`` accepted, filter limited to ``path="value"`` joined by AND.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from . import google_rules as rules
from .core import MISSING, Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, get_path, json_response, set_path
from .discovery import DiscoverySchema, find_discovery_document, load_discovery, snake, strip_nulls

VOICE_STATES = {"hasVoiceOfMerchant", "verify", "waitForVoiceOfMerchant", "complyWithGuidelines", "resolveOwnershipConflict"}
AUTH_HELP = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."


class GoogleConfig(PlatformConfig):
    tokens: list[str] = Field(default_factory=lambda: ["sandbox-google-token"])
    project_quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=300, window_seconds=60))
    location_edit_quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=10, window_seconds=60))
    review_delay_seconds: float = Field(20.0, ge=0)
    emit_default_values: bool = False
    approved_client: bool = Field(False, description="play a client Google approved to update latlng")
    discovery_path: str | None = Field(None, description="read once, when the app is created")


@dataclass
class Edit:
    values: dict[str, Any]  # mask path -> value (MISSING = clear)
    due: float


@dataclass
class GLocation:
    id: str
    account: str
    live: dict[str, Any]
    request_id: str | None
    pending: list[Edit] = field(default_factory=list)
    google_updated: list[str] = field(default_factory=list)
    voice: dict[str, Any] = field(default_factory=lambda: {"state": "hasVoiceOfMerchant"})
    access_revoked: bool = False

    def latest(self) -> dict[str, Any]:
        data = copy.deepcopy(self.live)
        for edit in self.pending:
            for path, value in edit.values.items():
                set_path(data, path, copy.deepcopy(value))
        return data


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "", "false", "0", "False"):
        return False
    if value in ("true", "1", "True"):
        return True
    raise rules.invalid([{"field": name, "description": f"Invalid value for boolean parameter {name}: {value!r}."}])


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


class GoogleEmulator(Emulator):
    name = "google"
    prefix = "/google"
    credentials_field = "tokens"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        self.discovery: DiscoverySchema = load_discovery(str(find_discovery_document(self.config.discovery_path)))
        r = self.router
        r.add_api_route("/v1/accounts/{account_id}/locations", self.create, methods=["POST"])
        r.add_api_route("/v1/accounts/{account_id}/locations", self.list, methods=["GET"])
        r.add_api_route("/v1/locations/{location_id}:getGoogleUpdated", self.get_google_updated, methods=["GET"])
        r.add_api_route("/v1/locations/{location_id}", self.get, methods=["GET"])
        r.add_api_route("/v1/locations/{location_id}", self.patch, methods=["PATCH"])
        r.add_api_route("/verifications/v1/locations/{location_id}/VoiceOfMerchantState", self.voice_of_merchant, methods=["GET"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
        a = self.admin
        a.add_api_route("/locations/{location_id}/google-updated", self.admin_google_updated, methods=["POST"])
        a.add_api_route("/locations/{location_id}/voice-of-merchant", self.admin_voice, methods=["POST"])
        a.add_api_route("/locations/{location_id}/access", self.admin_access, methods=["POST"])

    def reset(self) -> None:
        self.locations: dict[str, GLocation] = {}
        self.request_ids: dict[tuple[str, str], str] = {}
        self.project_window = SlidingWindow()
        self.edit_window = SlidingWindow()
        self.next_id = 1
        self.revoked: set[str] = set()

    # ------------------------------------------------------------ shared steps

    def authorize(self, request: Request, api: str = "businessinformation") -> str:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else request.query_params.get("access_token")
        www = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
        if not token:
            raise rules.google_error("UNAUTHENTICATED", f"Request is missing required authentication credential. {AUTH_HELP}", [self._info("CREDENTIALS_MISSING")], www)
        if token not in self.config.tokens or token in self.revoked:
            raise rules.google_error("UNAUTHENTICATED", f"Request had invalid authentication credentials. {AUTH_HELP}", [self._info("ACCESS_TOKEN_EXPIRED")], www)
        if not self.project_window.hit(f"{api}:{token}", self.now(), self.config.project_quota):
            raise self.throttled(self._quota_response(api))
        return token

    def _info(self, reason: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com", "metadata": metadata or {}}

    def _quota_response(self, api: str = "businessinformation") -> Response:
        service = f"mybusiness{api}.googleapis.com"
        quota = self.config.project_quota
        message = (f"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '{service}' "
                   f"for consumer 'project_number:100000000001'.")
        info = self._info("RATE_LIMIT_EXCEEDED", {"service": service, "quota_metric": f"{service}/default_requests",
                                                  "quota_limit": "DefaultRequestsPerMinutePerProject", "quota_limit_value": str(quota.count),
                                                  "consumer": "projects/100000000001"})
        return rules.google_error("RESOURCE_EXHAUSTED", message, [info]).response

    def throttle_response(self, request: Request) -> Response:
        return self._quota_response("verifications" if "/verifications/" in request.url.path else "businessinformation")

    def server_error_response(self, request: Request, status: int) -> Response:
        if status == 502:
            return HTMLResponse("<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 502 (Server Error)!!1</title>"
                                "<p><b>502.</b> <ins>That's an error.</ins><p>The server encountered a temporary error and could "
                                "not complete your request.<p>Please try again in 30 seconds. <ins>That's all we know.</ins></html>", 502)
        status_name = {500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}.get(status, "UNKNOWN")
        message = {500: "Internal error encountered.", 503: "The service is currently unavailable.", 504: "Deadline expired before operation could complete."}
        return json_response({"error": {"code": status, "message": message.get(status, "Unknown error."), "status": status_name}}, status)

    def location(self, location_id: str) -> GLocation:
        loc = self.locations.get(location_id)
        if loc is None:
            raise rules.google_error("NOT_FOUND", "Requested entity was not found.")
        if loc.access_revoked:
            raise rules.google_error("PERMISSION_DENIED", "The caller does not have permission")
        self.settle(loc)
        return loc

    def settle(self, loc: GLocation) -> None:
        if loc.voice["state"] != "hasVoiceOfMerchant":
            return
        now = self.now()
        while loc.pending and loc.pending[0].due <= now:
            for path, value in loc.pending.pop(0).values.items():
                set_path(loc.live, path, value)

    def body(self, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise rules.invalid([{"field": "", "description": f"Invalid JSON payload received. {exc}"}], f"Invalid JSON payload received. {exc}") from None
        if not isinstance(data, dict):
            raise rules.invalid([{"field": "", "description": "Invalid JSON payload received. Expected an object."}])
        data = strip_nulls(data)
        violations = self.discovery.violations(data)
        if violations:
            raise rules.invalid(violations)
        return self.normalize(data)

    def normalize(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop output-only fields (Google ignores them in input) and fill category display names."""
        data = {k: v for k, v in data.items() if k not in rules.OUTPUT_ONLY}
        if isinstance(data.get("openInfo"), dict):
            data["openInfo"].pop("canReopen", None)
        categories = data.get("categories") or {}
        for category in [categories.get("primaryCategory") or {}, *categories.get("additionalCategories", [])]:
            for key in ("serviceTypes", "moreHoursTypes"):
                category.pop(key, None)
            if isinstance(category.get("name"), str):
                category["displayName"] = rules.category_display_name(category["name"])
        return data

    def mask(self, request: Request, param: str, *, required: bool = True, for_update: bool = False) -> list[str]:
        snake_name = snake(param)
        paths = rules.parse_mask(request.query_params.get(param))
        if required and not paths:
            raise rules.invalid([{"field": snake_name, "description": f"{snake_name} is required."}])
        violations = rules.mask_violations(self.discovery, paths, snake_name, for_update=for_update)
        if violations:
            raise rules.invalid(violations)
        return paths

    def render(self, loc: GLocation, data: dict[str, Any]) -> dict[str, Any]:
        digest = hashlib.sha256(loc.id.encode()).digest()
        cid = int.from_bytes(digest[:8], "big") >> 1
        metadata = {
            "mapsUri": f"https://maps.google.com/maps?cid={cid}",
            "placeId": "ChIJ" + base64.urlsafe_b64encode(digest[8:26]).decode()[:23],
            "newReviewUri": f"https://search.google.com/local/writereview?placeid={loc.id}",
            "canDelete": True,
            "hasPendingEdits": bool(loc.pending),
            "hasGoogleUpdated": bool(loc.google_updated),
            "hasVoiceOfMerchant": loc.voice["state"] == "hasVoiceOfMerchant",
        }
        out = {"name": f"locations/{loc.id}", **copy.deepcopy(data), "metadata": metadata}
        return out if self.config.emit_default_values else rules.drop_defaults(out)

    # ------------------------------------------------------------ API

    async def create(self, request: Request, account_id: str) -> Response:
        raw = await request.body()  # the only await: the rest runs without yielding to other requests
        self.authorize(request)
        params = request.query_params
        request_id, validate_only = params.get("requestId"), _flag(params.get("validateOnly"), "validate_only")
        if request_id is not None and len(request_id) > 50:
            raise rules.invalid([{"field": "request_id", "description": "request_id must be at most 50 characters."}])
        body = self.body(raw)
        existing = self.request_ids.get((account_id, request_id)) if request_id else None
        if existing is not None and not validate_only:
            loc = self.locations[existing]
            self.settle(loc)
            self.count_create("requestId", request_id, created=False)
            self.count_create("storeCode", loc.live.get("storeCode"), created=False)
            return json_response(self.render(loc, loc.live))
        violations = rules.check_location(body, None, creating=True)
        if violations:
            raise rules.invalid(violations)
        location_id = str(10**18 + self.next_id)
        if validate_only:
            return json_response(rules.drop_defaults(body) if not self.config.emit_default_values else body)
        self.next_id += 1
        loc = GLocation(id=location_id, account=account_id, live=body, request_id=request_id)
        self.locations[location_id] = loc
        if request_id:
            self.request_ids[(account_id, request_id)] = location_id
        self.count_create("requestId", request_id, created=True)
        self.count_create("storeCode", body.get("storeCode"), created=True)
        return json_response(self.render(loc, loc.live))

    async def patch(self, request: Request, location_id: str) -> Response:
        raw = await request.body()
        self.authorize(request)
        loc = self.location(location_id)
        validate_only = _flag(request.query_params.get("validateOnly"), "validate_only")
        if not validate_only and not self.edit_window.hit(location_id, self.now(), self.config.location_edit_quota):
            quota = self.config.location_edit_quota
            raise self.throttled(rules.google_error(
                "RESOURCE_EXHAUSTED", f"Quota exceeded: at most {quota.count} edits per {quota.window_seconds:g} seconds on locations/{location_id}.",
                [self._info("RATE_LIMIT_EXCEEDED", {"quota_limit": "EditsPerMinutePerLocation", "quota_limit_value": str(quota.count)})]).response)
        paths = self.mask(request, "updateMask", for_update=True)
        body = self.body(raw)
        violations = rules.update_violations(self.discovery, paths, body, approved=self.config.approved_client)
        if violations:
            raise rules.invalid(violations)
        latest = loc.latest()
        candidate = copy.deepcopy(latest)
        for path in paths:
            set_path(candidate, path, copy.deepcopy(get_path(body, path)))
        violations = rules.check_location(candidate, {p.split(".")[0] for p in paths}, creating=False)
        if violations:
            raise rules.invalid(violations)
        if validate_only:
            return json_response(self.render(loc, candidate))
        changed = {p: copy.deepcopy(get_path(body, p)) for p in paths if get_path(candidate, p) != get_path(latest, p)}
        tops = {p.split(".")[0] for p in paths}
        loc.google_updated = [p for p in loc.google_updated if p.split(".")[0] not in tops]
        if changed:
            loc.pending.append(Edit(values=changed, due=self.now() + self.config.review_delay_seconds))
            self.settle(loc)
        return json_response(self.render(loc, candidate))

    async def get(self, request: Request, location_id: str) -> Response:
        self.authorize(request)
        loc = self.location(location_id)
        return json_response(rules.select(self.render(loc, loc.live), self.mask(request, "readMask")))

    async def get_google_updated(self, request: Request, location_id: str) -> Response:
        self.authorize(request)
        loc = self.location(location_id)
        paths = self.mask(request, "readMask")
        pending = list(dict.fromkeys(p for edit in loc.pending for p in edit.values))
        body = {"location": rules.select(self.render(loc, loc.live), paths),
                "diffMask": ",".join(loc.google_updated), "pendingMask": ",".join(pending)}
        return json_response(body if self.config.emit_default_values else rules.drop_defaults(body))

    async def list(self, request: Request, account_id: str) -> Response:
        self.authorize(request)
        params = request.query_params
        paths = self.mask(request, "readMask")
        try:
            size = int(params.get("pageSize") or 10)
            offset = int(base64.urlsafe_b64decode(params["pageToken"] + "==").decode().split(":")[1]) if params.get("pageToken") else 0
        except (ValueError, IndexError):
            raise rules.invalid([{"field": "page_token", "description": "Invalid page token or page size."}]) from None
        if not 1 <= size <= 100:
            raise rules.invalid([{"field": "page_size", "description": "page_size must be between 1 and 100."}])
        matches = [loc for loc in self.locations.values() if account_id in ("-", loc.account) and not loc.access_revoked]
        for loc in matches:
            self.settle(loc)
        matches = [loc for loc in matches if rules.matches_filter(loc.live, params.get("filter"))]
        matches = rules.order_by(matches, params.get("orderBy"), lambda loc: loc.live)
        page = matches[offset:offset + size]
        body: dict[str, Any] = {"locations": [rules.select(self.render(loc, loc.live), paths) for loc in page], "totalSize": len(matches)}
        if offset + size < len(matches):
            body["nextPageToken"] = _token(offset + size)
        return json_response(body if self.config.emit_default_values else rules.drop_defaults(body))

    async def voice_of_merchant(self, request: Request, location_id: str) -> Response:
        self.authorize(request, api="verifications")
        voice = self.location(location_id).voice
        state = voice["state"]
        if state == "hasVoiceOfMerchant":
            body: dict[str, Any] = {"hasVoiceOfMerchant": True, "hasBusinessAuthority": True}
        else:
            detail = {"verify": {"hasPendingVerification": voice.get("hasPendingVerification", False)},
                      "complyWithGuidelines": {"recommendationReason": voice.get("recommendationReason", "BUSINESS_LOCATION_SUSPENDED")}}
            body = {"hasVoiceOfMerchant": False, state: detail.get(state, {})}
        return json_response(body if self.config.emit_default_values else rules.drop_defaults(body))

    async def unknown(self, request: Request, path: str) -> Response:
        raise rules.google_error("NOT_FOUND", f"Method not found: {request.method} /{path}.")

    # ------------------------------------------------------------ admin

    def _admin_location(self, location_id: str) -> GLocation:
        loc = self.locations.get(location_id.removeprefix("locations/"))
        if loc is None:
            raise PlatformError(json_response({"detail": f"no google location {location_id}"}, 404))
        self.settle(loc)
        return loc

    async def admin_google_updated(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"field": "websiteUri", "value": ...}`` (omit value to remove the field)."""
        loc = self._admin_location(location_id)
        path = rules.camel(str(body.get("field", "")))
        if self.discovery.resolve("Location", path) is None or path.split(".")[0] in rules.OUTPUT_ONLY:
            return json_response({"detail": f"not a writable Location field: {path!r}"}, 400)
        set_path(loc.live, path, body.get("value", MISSING))
        if path not in loc.google_updated:
            loc.google_updated.append(path)
        return json_response(self.render(loc, loc.live))

    async def admin_voice(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"state": "verify", "hasPendingVerification": false}``; states: see VOICE_STATES."""
        loc = self._admin_location(location_id)
        if body.get("state") not in VOICE_STATES:
            return json_response({"detail": f"state must be one of {sorted(VOICE_STATES)}"}, 400)
        loc.voice = dict(body)
        self.settle(loc)
        return json_response({"name": f"locations/{loc.id}", "voiceOfMerchant": loc.voice})

    async def admin_access(self, location_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"revoked": true}``: calls on the location answer 403 PERMISSION_DENIED."""
        loc = self._admin_location(location_id)
        loc.access_revoked = bool(body.get("revoked", True))
        return json_response({"name": f"locations/{loc.id}", "accessRevoked": loc.access_revoked})

    def dump(self) -> Any:
        out = []
        for loc in self.locations.values():
            self.settle(loc)
            out.append({"name": f"locations/{loc.id}", "account": f"accounts/{loc.account}", "requestId": loc.request_id,
                        "live": loc.live, "pending": [{"mask": ",".join(e.values), "due": e.due} for e in loc.pending],
                        "googleUpdated": loc.google_updated, "voiceOfMerchant": loc.voice, "accessRevoked": loc.access_revoked})
        return out

