"""Foursquare Places suggested edits, served at ``/foursquare`` (``{base}`` = ``https://places-api.foursquare.com``).

Default credential: service key ``sandbox-foursquare-key`` as ``Authorization: Bearer``.

* ``POST /places/{fsq_id}/suggest/edit`` (fields to change; null clears) and ``POST
  /places/suggest/place`` (a new place: ``name``, ``latitude``, ``longitude`` required) answer
  ``201 {"suggestion_id", "status": "pending"}``; with ``?dry_run=true`` they validate only:
  ``200 {"dry_run": true, "valid": true}``. An ``Idempotency-Key`` seen before answers ``200``
  with the first suggestion: ``count_create("idempotency_key", key, created)`` (new places only
  count as creates: ``count_create("place", key, …)``).
* ``GET /places/suggest/status/{id}`` -> ``{suggestion_id, type: edit|place, status, fsq_id,
  reason}``: ``pending`` for ``review_seconds``, then ``accepted`` (an edit is applied to the
  place; a new place gets its fsq_id), unless rejected through the admin route.
* ``GET /places/{fsq_id}`` shows a place's fields.
* Quota: ``quota`` per key (50 req/s): 429 ``{"message"}`` with ``Retry-After``. Errors are
  ``{"message"}``; validation adds ``errors: [{field, message}]``.

Admin: ``POST /_sandbox/foursquare/places {fields}`` creates a place (returns its fsq_id);
``POST /_sandbox/foursquare/suggestions/{id}/reject {"reason"}``; ``GET
/_sandbox/foursquare/locations``; ``POST /_sandbox/foursquare/tokens/revoke {"token": key}``.

Categories: ``fsq_category_ids``, a list of 1 to 3 distinct 24-hex category ids (whether an id
is in Foursquare's taxonomy is not checked: the sandbox has no copy of it).

UNVERIFIED: everything but Bearer auth, ``dry_run``, the hours shape and 50 QPS (platforms.md):
paths, bodies, status values, error shapes, the idempotency header, the category field and its
limit.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response, phone_ok

FIELDS = {"name", "address", "address_extended", "locality", "region", "postcode", "country", "latitude", "longitude",
          "tel", "website", "email", "fsq_category_ids", "hours", "description", "closed"}
MAX_CATEGORIES = 3  # UNVERIFIED
DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_CATEGORY_ID = re.compile(r"^[0-9a-f]{24}$")


class FoursquareConfig(PlatformConfig):
    service_keys: list[str] = Field(default_factory=lambda: ["sandbox-foursquare-key"])
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=50, window_seconds=1))
    review_seconds: float = Field(30.0, ge=0, description="time a suggestion stays pending before it is accepted")


@dataclass
class Suggestion:
    id: str
    kind: str  # edit | place
    fields: dict[str, Any]
    key: str
    submitted_at: float
    fsq_id: str | None = None
    reason: str | None = None  # rejected
    applied: bool = False


@dataclass
class Place:
    fsq_id: str
    fields: dict[str, Any] = field(default_factory=dict)


def fsq_error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> PlatformError:
    return PlatformError(json_response({"message": message, **extra}, status, headers))


def validate(body: dict[str, Any], new_place: bool) -> list[dict[str, str]]:
    errors = [{"field": k, "message": "unknown field"} for k in body if k not in FIELDS]
    for key in ("name", "latitude", "longitude") if new_place else ():
        if body.get(key) in (None, ""):
            errors.append({"field": key, "message": "is required for a new place"})
    for key in ("name", "address", "address_extended", "locality", "region", "postcode", "tel", "website", "email",
                "description"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors.append({"field": key, "message": "must be a string"})
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = body.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or abs(value) > bound):
            errors.append({"field": key, "message": f"must be a number between -{bound} and {bound}"})
    if isinstance(body.get("tel"), str) and not phone_ok(body["tel"]):
        errors.append({"field": "tel", "message": "is not a phone number"})
    if isinstance(body.get("website"), str) and not re.match(r"^https?://[^\s/]+\.\S+$", body["website"]):
        errors.append({"field": "website", "message": "is not an http(s) URL"})
    if isinstance(body.get("email"), str) and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", body["email"]):
        errors.append({"field": "email", "message": "is not an e-mail address"})
    if body.get("country") is not None and not (isinstance(body["country"], str) and re.fullmatch(r"[A-Z]{2}", body["country"])):
        errors.append({"field": "country", "message": "must be an ISO 3166-1 alpha-2 code"})
    if body.get("closed") is not None and not isinstance(body["closed"], bool):
        errors.append({"field": "closed", "message": "must be a boolean"})
    categories = body.get("fsq_category_ids")
    if categories is not None and not (isinstance(categories, list) and 1 <= len(categories) <= MAX_CATEGORIES
                                       and all(isinstance(c, str) and _CATEGORY_ID.match(c) for c in categories)
                                       and len(set(categories)) == len(categories)):
        errors.append({"field": "fsq_category_ids",
                       "message": f"must be a list of 1 to {MAX_CATEGORIES} distinct category ids (24 hex digits)"})
    hours = body.get("hours")
    if hours is not None and not (isinstance(hours, dict) and all(
            day in DAYS and isinstance(ivs, list) and ivs and all(
                isinstance(iv, list) and len(iv) == 2 and all(isinstance(t, str) and _TIME.match(t) for t in iv)
                and iv[0] != "24:00" for iv in ivs) for day, ivs in hours.items())):
        errors.append({"field": "hours", "message": 'must look like {"Mon": [["09:00", "18:00"]]}'})
    return errors


class FoursquareEmulator(Emulator):
    name = "foursquare"
    prefix = "/foursquare"
    credentials_field = "service_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r = self.router
        r.add_api_route("/places/suggest/place", self.suggest_place, methods=["POST"])
        r.add_api_route("/places/suggest/status/{suggestion_id}", self.status, methods=["GET"])
        r.add_api_route("/places/{fsq_id}/suggest/edit", self.suggest_edit, methods=["POST"])
        r.add_api_route("/places/{fsq_id}", self.get_place, methods=["GET"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/places", self.admin_place, methods=["POST"])
        self.admin.add_api_route("/suggestions/{suggestion_id}/reject", self.admin_reject, methods=["POST"])

    def reset(self) -> None:
        self.places: dict[str, Place] = {}
        self.suggestions: dict[str, Suggestion] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.serial = 0

    def _next(self) -> str:
        self.serial += 1
        return f"{self.serial:024x}"

    def throttle_response(self, request: Request) -> Response:
        return fsq_error(429, "Rate limit exceeded", {"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return json_response({"message": "Internal error"}, status)

    def authorize(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key or key not in self.config.service_keys or key in self.revoked:
            raise fsq_error(401, "Invalid request token.")
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(fsq_error(429, "Rate limit exceeded", {"Retry-After": str(wait)}).response)
        return key

    def settle(self, s: Suggestion) -> str:
        if s.reason is not None:
            return "rejected"
        if self.now() < s.submitted_at + self.config.review_seconds:
            return "pending"
        if not s.applied:
            s.applied = True
            if s.kind == "place":
                s.fsq_id = self._next()
                self.places[s.fsq_id] = Place(s.fsq_id, {k: v for k, v in s.fields.items() if v is not None})
            elif s.fsq_id in self.places:
                place = self.places[s.fsq_id].fields
                for k, v in s.fields.items():
                    place.pop(k, None) if v is None else place.__setitem__(k, v)
        return "accepted"

    def render(self, s: Suggestion) -> dict[str, Any]:
        out: dict[str, Any] = {"suggestion_id": s.id, "type": s.kind, "status": self.settle(s)}
        if s.fsq_id:
            out["fsq_id"] = s.fsq_id
        if s.reason is not None:
            out["reason"] = s.reason
        return out

    async def _suggest(self, request: Request, kind: str, fsq_id: str | None) -> Response:
        raw = await request.body()  # the only await
        key = self.authorize(request)
        if fsq_id is not None and fsq_id not in self.places:
            raise fsq_error(404, "Place not found")
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise fsq_error(400, "Invalid JSON body") from None
        if not isinstance(body, dict) or not body:
            raise fsq_error(400, "Invalid request", errors=[{"field": None, "message": "a non-empty JSON object"}])
        if errors := validate(body, new_place=kind == "place"):
            raise fsq_error(400, "Invalid request", errors=errors)
        if request.query_params.get("dry_run", "").lower() == "true":
            return json_response({"dry_run": True, "valid": True})
        idem = request.headers.get("idempotency-key")
        if idem and (key, idem) in self.by_key:
            self.count_create("idempotency_key", idem, created=False)
            if kind == "place":
                self.count_create("place", idem, created=False)
            return json_response(self.render(self.suggestions[self.by_key[(key, idem)]]), 200)
        s = Suggestion(id=self._next(), kind=kind, fields=body, key=key, submitted_at=self.now(), fsq_id=fsq_id)
        self.suggestions[s.id] = s
        if idem:
            self.by_key[(key, idem)] = s.id
        self.count_create("idempotency_key", idem, created=True)
        if kind == "place":
            self.count_create("place", idem, created=True)
        return json_response(self.render(s), 201)

    async def suggest_place(self, request: Request) -> Response:
        return await self._suggest(request, "place", None)

    async def suggest_edit(self, request: Request, fsq_id: str) -> Response:
        return await self._suggest(request, "edit", fsq_id)

    async def status(self, request: Request, suggestion_id: str) -> Response:
        key = self.authorize(request)
        s = self.suggestions.get(suggestion_id)
        if s is None or s.key != key:
            raise fsq_error(404, "Suggestion not found")
        return json_response(self.render(s))

    async def get_place(self, request: Request, fsq_id: str) -> Response:
        self.authorize(request)
        for s in self.suggestions.values():
            self.settle(s)
        place = self.places.get(fsq_id)
        if place is None:
            raise fsq_error(404, "Place not found")
        return json_response({"fsq_id": fsq_id, **copy.deepcopy(place.fields)})

    async def unknown(self, request: Request, path: str) -> Response:
        raise fsq_error(404, f"No resource at /{path}")

    async def admin_place(self, body: dict[str, Any]) -> Response:
        """Body: the place's fields. Answers ``{"fsq_id", ...fields}``."""
        place = Place(self._next(), dict(body))
        self.places[place.fsq_id] = place
        return json_response({"fsq_id": place.fsq_id, **place.fields}, 201)

    async def admin_reject(self, suggestion_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"reason": "..."}`` (optional)."""
        s = self.suggestions.get(suggestion_id)
        if s is None:
            return json_response({"detail": f"no foursquare suggestion {suggestion_id}"}, 404)
        s.reason = str(body.get("reason") or "The suggestion could not be verified.")
        return json_response(self.render(s))

    def dump(self) -> Any:
        return {"places": [{"fsq_id": p.fsq_id, **p.fields} for p in self.places.values()],
                "suggestions": [{**self.render(s), "fields": s.fields} for s in self.suggestions.values()]}
