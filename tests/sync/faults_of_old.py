"""The requests Vitrine's connectors sent before issue 11, put back into the connectors one at a
time (each function below patches the real connector or its mapping so that it builds the old
request again). `tests/sync/test_faults_reintroduced.py` runs a short workload with each and
shows the strict sandbox refuses it. Nothing here is used outside tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from connectors.apple import connector as apple_connector
from connectors.apple import mapping as apple_mapping
from connectors.facebook import mapping as facebook_mapping
from connectors.google import connector as google_connector
from schemas import Establishment, Status
from schemas.establishment import DAYS

Patch = Callable[[pytest.MonkeyPatch], None]


# ---------------------------------------------------------------- Apple

def _apple_payload(transform: Callable[[dict[str, Any], Establishment], None]) -> Patch:
    """The mapping renders as today, then `transform` turns the payload into the old shape."""
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        original = apple_mapping.render

        def render(record: Establishment, today: dt.date | None = None):  # type: ignore[no-untyped-def]
            rendering = original(record, today)
            transform(rendering.payload, record)
            return rendering
        monkeypatch.setattr(apple_mapping, "render", render)
    return patch


def _special_hours_by_day(payload: dict[str, Any], _: Establishment) -> None:
    for entry in payload.get("specialHours", []):
        if "times" in entry:
            day = DAYS[dt.date.fromisoformat(entry["startDate"]).weekday()].upper()
            entry["hoursByDay"] = [{"day": day, "times": entry.pop("times")}]


def _stripped_coordinates(payload: dict[str, Any], _: Establishment) -> None:
    coordinates = payload.get("displayPoint", {}).get("coordinates", {})
    for key, value in coordinates.items():
        coordinates[key] = f"{float(value):.7f}".rstrip("0").rstrip(".")


def _opening_soon_as_temporarily_closed(payload: dict[str, Any], record: Establishment) -> None:
    if record.status == Status.opening_soon:
        date = {"reopenDate": record.opening_date.isoformat()} if record.opening_date else {}
        payload["locationStatus"] = {"status": "TEMPORARILY_CLOSED", **date}


def _temporarily_closed_without_reopen_date(payload: dict[str, Any], record: Establishment) -> None:
    if payload["locationStatus"]["status"] == "TEMPORARILY_CLOSED" and record.reopen_date is None:
        payload["locationStatus"].pop("reopenDate", None)


def _closed_without_closed_date(payload: dict[str, Any], _: Establishment) -> None:
    payload["locationStatus"].pop("closedDate", None)


def _landline(payload: dict[str, Any], _: Establishment) -> None:
    for phone in payload.get("phoneNumbers", []):
        if phone["type"] == "VOICE":
            phone["type"] = "LANDLINE"


def apple_form_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token asked with a form body and scope `business_connect`."""
    original = apple_connector.request

    async def request(client, method, url, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/oauth2/token") and "json" in kwargs:
            kwargs["data"] = {**kwargs.pop("json"), "scope": "business_connect"}
        return await original(client, method, url, **kwargs)
    monkeypatch.setattr(apple_connector, "request", request)


def apple_lookup_by_partners_location_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every create looked its location up first, with `?partnersLocationId=`."""
    original_push = apple_connector.AppleConnector._push_location

    async def find(self, partner_id: str, details: dict[str, Any]):  # type: ignore[no-untyped-def]
        response = await self._api("GET", self._locations_url(), params={"partnersLocationId": partner_id, "limit": 100})
        if not response.is_success:
            raise apple_connector.classify(response, not_found=self._org_not_found())
        return None

    async def push_location(self, rendering, ctx):  # type: ignore[no-untyped-def]
        return await original_push(self, rendering, dataclasses.replace(ctx, may_exist=True))
    monkeypatch.setattr(apple_connector.AppleConnector, "_find", find)
    monkeypatch.setattr(apple_connector.AppleConnector, "_push_location", push_location)


APPLE: dict[str, Patch] = {
    "form-encoded token, scope business_connect": apple_form_token,
    "?partnersLocationId= lookup": apple_lookup_by_partners_location_id,
    "specialHours[].hoursByDay[].times[]": _apple_payload(_special_hours_by_day),
    "coordinates with trailing zeros stripped": _apple_payload(_stripped_coordinates),
    "opening_soon as TEMPORARILY_CLOSED (+reopenDate)": _apple_payload(_opening_soon_as_temporarily_closed),
    "TEMPORARILY_CLOSED without reopenDate": _apple_payload(_temporarily_closed_without_reopen_date),
    "CLOSED without closedDate": _apple_payload(_closed_without_closed_date),
    "phone type LANDLINE": _apple_payload(_landline),
}


# ---------------------------------------------------------------- Facebook

def _facebook_create(change: Callable[[dict[str, Any], dict[str, Any]], None]) -> Patch:
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        original = facebook_mapping.create_params

        def create_params(payload: dict[str, Any], store_code: str) -> dict[str, Any]:
            params = original(payload, store_code)
            change(params, payload)
            return params
        monkeypatch.setattr(facebook_mapping, "create_params", create_params)
    return patch


def _store_number(params: dict[str, Any], _: dict[str, Any]) -> None:
    params["store_number"] = params.pop("store_code")


def _update_param(name: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """The update's name (and value) on the create, in place of the create's own name."""
    def change(params: dict[str, Any], payload: dict[str, Any]) -> None:
        params.pop(facebook_mapping.CREATE_NAMES.get(name, name), None)
        params[name] = payload[name]
    return change


FACEBOOK: dict[str, Patch] = {
    "store_number string on create": _facebook_create(_store_number),
    **{f"{name} on create": _facebook_create(_update_param(name))
       for name in ("is_always_open", "is_permanently_closed", "category_list", "emails")},
}


# ---------------------------------------------------------------- Google

def google_latlng_in_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    original = google_connector.update_mask

    def update_mask(payload: dict[str, Any], changed: list[str], previous: dict[str, Any] | None) -> list[str]:
        return [*original(payload, changed, previous), *(["latlng"] if "latlng" in changed else [])]
    monkeypatch.setattr(google_connector, "update_mask", update_mask)


def google_phone_without_additional(monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone update with no additional number sent `phoneNumbers` without `additionalPhones`."""
    original = google_connector.request

    async def request(client, method, url, **kwargs):  # type: ignore[no-untyped-def]
        phones = (kwargs.get("json") or {}).get("phoneNumbers") if method == "PATCH" else None
        if phones is not None and phones.get("additionalPhones") == []:
            kwargs["json"] = {**kwargs["json"], "phoneNumbers": {"primaryPhone": phones["primaryPhone"]}}
        return await original(client, method, url, **kwargs)
    monkeypatch.setattr(google_connector, "request", request)


GOOGLE: dict[str, Patch] = {
    "latlng in the update mask": google_latlng_in_mask,
    "phone update without additionalPhones": google_phone_without_additional,
}
