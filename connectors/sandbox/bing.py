"""Bing Places for Business partner API, served at ``/bing/trustedPartnerApi/v1`` (``{sandbox}/bing``).

Everything here is UNVERIFIED (Bing documents it in a partner PDF only) and mirrors the reading
in ``connectors/bing/connector.py``:

* ``POST /trustedPartnerApi/v1/{CreateBusinesses|UpdateBusinesses|GetBusinesses|GetBusinessStatusInfo}``
  with ``{TrackingId, Identity?, Businesses|StoreIds}``; auth header ``X-Api-Key`` (default key
  ``sandbox-bing-key``, ``BingConfig.api_keys``); up to 1000 businesses or store ids per call.
* Answers: 200 ``{TrackingId, OperationStatus, ErrorMessage, Results: [{StoreId, Status:
  Success|AlreadyExists|NotFound|ValidationFailed, Errors: [{Field, Message}]}]}`` for writes,
  ``{…, Businesses}`` and ``{…, BusinessStatusInfos: [{StoreId, Status, StatusReason, LastUpdated,
  BingMapsUrl}]}`` for reads. Request-level errors ``{TrackingId, ErrorCode, ErrorMessage}``:
  400 InvalidRequest, 401 Unauthorized, 404 NotFound, 429 ThrottlingLimitExceeded (+ Retry-After),
  5xx InternalServerError/ServiceUnavailable.
* Full records: an update replaces the business. Every create/update (re)starts review:
  ``InReview`` for ``review_seconds`` (default 30 s; the real delay is ~3 weeks), then
  ``Published`` (``BingMapsUrl`` appears then). An update identical to the record is a Success
  that does not restart review.
* Batches: each business of a Create/UpdateBusinesses call is validated and answered on its
  own (``OperationStatus`` PartialSuccess when some fail), in the order given; more than 1000
  businesses or store ids in one call is a 400 InvalidRequest for the whole call.
* Quota: ``quota`` per API key, 10 requests / 5 s by default (a call counts once, whatever its size).
* Admin: ``POST /_sandbox/bing/businesses/{store_id}/reject {"reason"}`` (-> Rejected until the
  next update), ``POST /_sandbox/bing/businesses/{store_id}/edit {"field", "value"}`` (a Bing-side
  edit of the live record; null removes the field), ``GET /_sandbox/bing/calls`` (the accepted
  calls, newest 10,000: ``{Operation, TrackingId, Items}``, to count calls and batch sizes).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from .bing_rules import validate_business
from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

MAX_BATCH = 1000
MAX_CALLS_KEPT = 10_000  # the newest accepted calls listed by GET /_sandbox/bing/calls
SERVER_ERRORS = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


class BingConfig(PlatformConfig):
    api_keys: list[str] = Field(default_factory=lambda: ["sandbox-bing-key"])
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=10, window_seconds=5))
    review_seconds: float = Field(30.0, ge=0, description="time a new version stays InReview before Published")


@dataclass
class BBusiness:
    business: dict[str, Any]
    created: float
    updated: float
    submitted_at: float
    published_once: bool = False
    rejection: str | None = None


def bing_error(status: int, code: str, message: str, tracking_id: Any = None,
               headers: dict[str, str] | None = None) -> PlatformError:
    return PlatformError(json_response({"TrackingId": tracking_id, "ErrorCode": code, "ErrorMessage": message}, status, headers))


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class BingEmulator(Emulator):
    name = "bing"
    prefix = "/bing"
    credentials_field = "api_keys"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        base = "/trustedPartnerApi/v1"
        for operation in ("CreateBusinesses", "UpdateBusinesses", "GetBusinesses", "GetBusinessStatusInfo"):
            self.router.add_api_route(f"{base}/{operation}", getattr(self, operation), methods=["POST"])
        self.router.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.admin.add_api_route("/businesses/{store_id}/reject", self.admin_reject, methods=["POST"])
        self.admin.add_api_route("/businesses/{store_id}/edit", self.admin_edit, methods=["POST"])
        self.admin.add_api_route("/calls", self.admin_calls, methods=["GET"])

    def reset(self) -> None:
        self.businesses: dict[str, BBusiness] = {}
        self.revoked: set[str] = set()
        self.window = SlidingWindow()
        self.calls: deque[dict[str, Any]] = deque(maxlen=MAX_CALLS_KEPT)  # accepted calls: operation, TrackingId, items

    # ------------------------------------------------------------ shared steps

    def throttle_response(self, request: Request) -> Response:
        return bing_error(429, "ThrottlingLimitExceeded", "Too many requests.", headers={"Retry-After": "1"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return bing_error(status, SERVER_ERRORS.get(status, "InternalServerError"), "The server could not handle the request.").response

    async def body(self, request: Request) -> dict[str, Any]:
        """Authorise, count against the quota, parse: the only await is reading the body."""
        raw = await request.body()
        key = request.headers.get("x-api-key", "")
        if not key or key not in self.config.api_keys or key in self.revoked:
            raise bing_error(401, "Unauthorized", "Missing or invalid partner API key.")
        if not self.window.hit(key, self.now(), self.config.quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), self.config.quota)))
            raise self.throttled(bing_error(429, "ThrottlingLimitExceeded", "Too many requests.",
                                            headers={"Retry-After": str(wait)}).response)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise bing_error(400, "InvalidRequest", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise bing_error(400, "InvalidRequest", "The request body must be a JSON object.")
        if not isinstance(body.get("TrackingId"), str) or not body["TrackingId"]:
            raise bing_error(400, "InvalidRequest", "TrackingId is required.")
        return body

    def _list(self, body: dict[str, Any], key: str) -> list[Any]:
        items = body.get(key)
        if not isinstance(items, list) or not items:
            raise bing_error(400, "InvalidRequest", f"{key} must be a non-empty list.", body.get("TrackingId"))
        if len(items) > MAX_BATCH:
            raise bing_error(400, "InvalidRequest", f"At most {MAX_BATCH} items per call.", body.get("TrackingId"))
        return items

    def _accepted(self, operation: str, body: dict[str, Any], key: str) -> list[Any]:
        items = self._list(body, key)
        self.calls.append({"Operation": operation, "TrackingId": body["TrackingId"], "Items": len(items)})
        return items

    def state(self, item: BBusiness) -> str:
        if item.rejection is not None:
            return "Rejected"
        if self.now() >= item.submitted_at + self.config.review_seconds:
            item.published_once = True
            return "Published"
        return "InReview"

    @staticmethod
    def maps_url(store_id: str) -> str:
        return f"https://www.bing.com/maps?ss=ypid.sandbox-{quote(store_id, safe='')}"

    def _envelope(self, body: dict[str, Any], results: list[dict[str, Any]]) -> Response:
        ok = sum(1 for r in results if r["Status"] == "Success")
        status = "Success" if ok == len(results) else "Failure" if ok == 0 else "PartialSuccess"
        return json_response({"TrackingId": body["TrackingId"], "OperationStatus": status, "ErrorMessage": None,
                              "Results": results})

    def _write(self, business: Any, create: bool) -> dict[str, Any]:
        store_id = business.get("StoreId") if isinstance(business, dict) else None
        errors = validate_business(business)
        if errors:
            return {"StoreId": store_id, "Status": "ValidationFailed", "Errors": errors}
        existing = self.businesses.get(store_id)
        now = self.now()
        if create:
            self.count_create("StoreId", store_id, created=existing is None)
            if existing is not None:
                return {"StoreId": store_id, "Status": "AlreadyExists",
                        "Errors": [{"Field": "StoreId", "Message": f"A business with StoreId {store_id} already exists."}]}
            self.businesses[store_id] = BBusiness(copy.deepcopy(business), now, now, now)
        elif existing is None:
            return {"StoreId": store_id, "Status": "NotFound",
                    "Errors": [{"Field": "StoreId", "Message": f"No business with StoreId {store_id}."}]}
        elif business != existing.business or existing.rejection is not None:
            self.state(existing)
            existing.business, existing.updated, existing.submitted_at, existing.rejection = copy.deepcopy(business), now, now, None
        return {"StoreId": store_id, "Status": "Success", "Errors": []}

    # ------------------------------------------------------------ API

    async def CreateBusinesses(self, request: Request) -> Response:  # noqa: N802 - Bing's operation names
        body = await self.body(request)
        return self._envelope(body, [self._write(b, create=True) for b in self._accepted("CreateBusinesses", body, "Businesses")])

    async def UpdateBusinesses(self, request: Request) -> Response:  # noqa: N802
        body = await self.body(request)
        return self._envelope(body, [self._write(b, create=False) for b in self._accepted("UpdateBusinesses", body, "Businesses")])

    async def GetBusinesses(self, request: Request) -> Response:  # noqa: N802
        body = await self.body(request)
        ids = self._accepted("GetBusinesses", body, "StoreIds")
        found = [copy.deepcopy(self.businesses[i].business) for i in ids if isinstance(i, str) and i in self.businesses]
        return json_response({"TrackingId": body["TrackingId"], "OperationStatus": "Success", "ErrorMessage": None,
                              "Businesses": found})

    async def GetBusinessStatusInfo(self, request: Request) -> Response:  # noqa: N802
        body = await self.body(request)
        ids = self._accepted("GetBusinessStatusInfo", body, "StoreIds")
        infos = [self.status_info(i) for i in ids if isinstance(i, str) and i in self.businesses]
        return json_response({"TrackingId": body["TrackingId"], "OperationStatus": "Success", "ErrorMessage": None,
                              "BusinessStatusInfos": infos})

    def status_info(self, store_id: str) -> dict[str, Any]:
        item = self.businesses[store_id]
        state = self.state(item)
        return {"StoreId": store_id, "Status": state, "StatusReason": item.rejection, "LastUpdated": _iso(item.updated),
                "BingMapsUrl": self.maps_url(store_id) if item.published_once else None}

    async def unknown(self, request: Request, path: str) -> Response:
        raise bing_error(404, "NotFound", f"No operation at /{path}.")

    # ------------------------------------------------------------ admin

    def _admin_business(self, store_id: str) -> BBusiness:
        item = self.businesses.get(store_id)
        if item is None:
            raise PlatformError(json_response({"detail": f"no bing business {store_id}"}, 404))
        return item

    async def admin_reject(self, store_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"reason": "..."}`` (optional): the business is Rejected until its next update."""
        item = self._admin_business(store_id)
        item.rejection = str(body.get("reason") or "The business could not be verified.")
        return json_response(self.status_info(store_id))

    async def admin_edit(self, store_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"field": "PhoneNumber", "value": "+33..."}``: a Bing-side edit (null removes the field)."""
        item = self._admin_business(store_id)
        if not body.get("field"):
            return json_response({"detail": "field is required"}, 400)
        if body.get("value") is None:
            item.business.pop(str(body["field"]), None)
        else:
            item.business[str(body["field"])] = body["value"]
        item.updated = self.now()
        return json_response(item.business)

    async def admin_calls(self) -> Response:
        return json_response(list(self.calls))

    def dump(self) -> Any:
        return [{**self.status_info(store_id), "Business": copy.deepcopy(item.business)}
                for store_id, item in self.businesses.items()]
