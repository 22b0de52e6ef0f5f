"""Foursquare Places suggested edits, served at ``/foursquare`` (``{base}`` = ``https://places-api.foursquare.com``).

Rules read from ``contracts/foursquare/places-feedback.2025-06-17.json`` (the relevant part of the
Places API reference, version 2025-06-17, transcribed with its source named): every value is a
query parameter (a JSON body is refused), ``X-Places-Api-Version: 2025-06-17`` is required, the
parameters and their patterns are the contract's (unknown ones are refused: ``country``,
``fsq_category_ids``, ``address_extended``, ``closed`` are not parameters), ``hours`` is
``day,HHMM,HHMM;…`` (Monday = 1, ``+HHMM`` past midnight), ``description`` ≤ 300 characters on
an edit, clearing is ``unset_fields`` (an empty value is refused), a closure is ``POST
/places/{id}/suggest/remove?reason=CLOSED``.

* ``POST /places/{fsq_place_id}/suggest/edit``, ``/places/suggest/place``,
  ``/places/{fsq_place_id}/suggest/remove`` -> ``201 {"suggested_edit_id", "status": "PENDING"}``
  (UNVERIFIED shape); ``dry_run=true`` validates only (``200 {"dry_run": true}``). The same
  request (path and parameters) filed again by the same key answers the first suggestion
  (sandbox choice): ``count_create("suggestion", …)``, new places ``count_create("place", …)``.
* ``GET /places/suggest/status?suggested_edit_ids=a,b`` -> ``{"results": [{suggested_edit_id,
  status: PENDING|ACCEPTED|REJECTED, fsq_place_id, reason?}]}`` (UNVERIFIED shape); PENDING for
  ``review_seconds``, then ACCEPTED (applied), unless rejected through the admin route.
* ``GET /places/{fsq_place_id}`` shows a place's fields. Quota ``quota`` per key (50/s): 429.

Admin: ``POST /_sandbox/foursquare/places {fields}`` (a place Foursquare already has);
``POST /_sandbox/foursquare/suggestions/{id}/reject {"reason"}``; ``GET /_sandbox/foursquare/locations``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

CONTRACT = json.loads((Path(__file__).parent / "contracts" / "foursquare" / "places-feedback.2025-06-17.json")
                      .read_text(encoding="utf-8"))
API_VERSION = "2025-06-17"
HOURS = re.compile(CONTRACT["common"]["hours"]["pattern"])


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


def validate(path: str, params: dict[str, str]) -> list[dict[str, str]]:
    """Every reason the query parameters break the contract's rules for `path` (its template)."""
    spec = CONTRACT["paths"][path]["post"]["parameters"]
    errors = []
    for key, value in params.items():
        rule = spec.get(key)
        if rule is None:
            errors.append({"field": key, "message": f"{key} is not a parameter of POST {path}"})
            continue
        rule = CONTRACT["common"]["hours"] if "$ref" in rule else rule
        kind = rule.get("type", "string")
        if value == "":
            errors.append({"field": key, "message": "an empty value is not a value: clear a field with unset_fields"})
        elif kind == "number":
            try:
                number = float(value)
            except ValueError:
                errors.append({"field": key, "message": "must be a number"})
                continue
            if not rule.get("minimum", -math.inf) <= number <= rule.get("maximum", math.inf):
                errors.append({"field": key, "message": f"must be between {rule['minimum']} and {rule['maximum']}"})
        elif kind == "boolean" and value not in ("true", "false"):
            errors.append({"field": key, "message": "must be true or false"})
        elif kind == "csv":
            items = rule["items"]
            for item in value.split(","):
                if ("pattern" in items and not re.fullmatch(items["pattern"], item)) or item not in items.get("enum", [item]):
                    errors.append({"field": key, "message": f"{item!r} is not a valid item"})
        elif "pattern" in rule and not re.match(rule["pattern"], value):
            errors.append({"field": key, "message": f"does not match {rule['pattern']}"})
        elif "enum" in rule and value not in rule["enum"]:
            errors.append({"field": key, "message": f"must be one of {', '.join(rule['enum'])}"})
        elif "maxLength" in rule and len(value) > rule["maxLength"]:
            errors.append({"field": key, "message": f"is longer than {rule['maxLength']} characters"})
    errors += [{"field": key, "message": "is required"} for key, rule in spec.items()
               if rule.get("required") and key not in params]
    return errors


class FoursquareEmulator(Emulator):
    name = "foursquare"
    prefix = "/foursquare"
    credentials_field = "service_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r = self.router
        r.add_api_route("/places/suggest/place", self.suggest_place, methods=["POST"])
        r.add_api_route("/places/suggest/status", self.status, methods=["GET"])
        r.add_api_route("/places/{fsq_id}/suggest/edit", self.suggest_edit, methods=["POST"])
        r.add_api_route("/places/{fsq_id}/suggest/remove", self.suggest_remove, methods=["POST"])
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
        if request.headers.get("x-places-api-version") != API_VERSION:
            raise fsq_error(400, f"The X-Places-Api-Version header is required ({API_VERSION}).")
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(fsq_error(429, "Rate limit exceeded", {"Retry-After": str(wait)}).response)
        return key

    def settle(self, s: Suggestion) -> str:
        if s.reason is not None:
            return "REJECTED"
        if self.now() < s.submitted_at + self.config.review_seconds:
            return "PENDING"
        if not s.applied:
            s.applied = True
            if s.kind == "place":
                s.fsq_id = self._next()
                self.places[s.fsq_id] = Place(s.fsq_id, dict(s.fields))
            elif s.fsq_id in self.places:
                place = self.places[s.fsq_id].fields
                if s.kind == "remove":
                    place["closed"] = s.fields.get("reason")
                for key in s.fields.get("unset_fields", "").split(","):
                    place.pop(key, None)
                categories = [c for c in place.get("categories", "").split(",") if c]
                categories = [c for c in categories if c not in s.fields.get("remove_fsq_category_ids", "").split(",")]
                categories += [c for c in s.fields.get("add_fsq_category_ids", "").split(",") if c and c not in categories]
                if primary := s.fields.get("primary_fsq_category_id"):
                    categories = [primary] + [c for c in categories if c != primary]
                place.update({k: v for k, v in s.fields.items() if k not in (
                    "unset_fields", "add_fsq_category_ids", "remove_fsq_category_ids", "primary_fsq_category_id", "reason")})
                if categories:
                    place["categories"] = ",".join(categories)
        return "ACCEPTED"

    def render(self, s: Suggestion) -> dict[str, Any]:
        out: dict[str, Any] = {"suggested_edit_id": s.id, "status": self.settle(s)}
        if s.fsq_id:
            out["fsq_place_id"] = s.fsq_id
        if s.reason is not None:
            out["reason"] = s.reason
        return out

    async def _suggest(self, request: Request, kind: str, fsq_id: str | None, template: str) -> Response:
        raw = await request.body()  # the only await
        key = self.authorize(request)
        if raw.strip():
            raise fsq_error(400, "The Places feedback endpoints take query parameters only, not a request body.")
        if fsq_id is not None and fsq_id not in self.places:
            raise fsq_error(404, "Place not found")
        params = dict(request.query_params)
        if errors := validate(template, params):
            raise fsq_error(400, "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
        if params.pop("dry_run", "false") == "true":
            return json_response({"dry_run": True})
        if not params and kind != "remove":
            raise fsq_error(400, "Nothing to suggest: give at least one value.")
        signature = (key, kind, fsq_id, tuple(sorted(params.items())))
        if signature in self.by_key:
            self.count_create("suggestion", str(hash(signature)), created=False)
            if kind == "place":
                self.count_create("place", params.get("name"), created=False)
            return json_response(self.render(self.suggestions[self.by_key[signature]]), 200)
        s = Suggestion(id=self._next(), kind=kind, fields=params, key=key, submitted_at=self.now(), fsq_id=fsq_id)
        self.suggestions[s.id] = s
        self.by_key[signature] = s.id
        self.count_create("suggestion", str(hash(signature)), created=True)
        if kind == "place":
            self.count_create("place", params.get("name"), created=True)
        return json_response(self.render(s), 201)

    async def suggest_place(self, request: Request) -> Response:
        return await self._suggest(request, "place", None, "/places/suggest/place")

    async def suggest_edit(self, request: Request, fsq_id: str) -> Response:
        return await self._suggest(request, "edit", fsq_id, "/places/{fsq_place_id}/suggest/edit")

    async def suggest_remove(self, request: Request, fsq_id: str) -> Response:
        return await self._suggest(request, "remove", fsq_id, "/places/{fsq_place_id}/suggest/remove")

    async def status(self, request: Request) -> Response:
        key = self.authorize(request)
        ids = [i for i in request.query_params.get("suggested_edit_ids", "").split(",") if i]
        if not ids:
            raise fsq_error(400, "suggested_edit_ids is required")
        found = [self.suggestions.get(i) for i in ids]
        if any(s is None or s.key != key for s in found):
            raise fsq_error(404, "Suggestion not found")
        return json_response({"results": [self.render(s) for s in found if s is not None]})

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
        s.applied = True
        return json_response(self.render(s))

    def dump(self) -> Any:
        return {"places": [{"fsq_id": p.fsq_id, **p.fields} for p in self.places.values()],
                "suggestions": [{**self.render(s), "fields": s.fields} for s in self.suggestions.values()]}
