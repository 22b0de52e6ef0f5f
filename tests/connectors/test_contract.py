"""Contract suite: every platform in the registry, on the same canonical records."""

import inspect
import json
from datetime import timedelta

import pytest

from connectors.base import FIELDS, Channel
from connectors.registry import CONNECTORS
from schemas import Establishment
from tests.establishments.factories import record

DAY = [{"open": "08:00", "close": "12:00"}, {"open": "14:00", "close": "19:00"}]
RECORDS = {
    "full": record(),
    "minimal": {"store_code": "MIN-1", "name": "Cabinet", "categories": {"primary": "dentist"},
                "address": {"lines": ["1 place du Marché"], "locality": "Lille"}},
    "split_and_overnight": record(hours={"regular": {"monday": DAY, "friday": [{"open": "22:00", "close": "02:00"}],
                                                     "saturday": [{"open": "09:00", "close": "24:00"}]}}),
    "always_open": record(hours={"regular": {d: [{"open": "00:00", "close": "24:00"}] for d in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}}),
    "closures": record(status="closed_temporarily", reopen_date="2027-01-15", hours={
        "regular": {"monday": DAY}, "special": [
            {"start_date": "2026-12-25", "closed": True},
            {"start_date": "2026-12-31", "end_date": "2027-01-02", "intervals": [{"open": "09:00", "close": "12:00"}]}]}),
    "permanently_closed": record(status="closed_permanently"),
    "opening_soon": record(status="opening_soon", opening_date="2027-03-01"),
    "long_and_non_ascii": record(name="Centre hospitalier intercommunal Élisabeth-Ørsted de Saint-Étienne-du-Rouvray "
                                      "— pôle mère-enfant, maternité & néonatologie «Les Hêtres»",
                                 description="Soins de suite et de réadaptation. " * 40,
                                 phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                                 photos=[{"url": "https://cdn.example.fr/facade.jpg", "kind": "cover"}]),
    "abroad": record(address={"lines": ["Hauptstraße 16"], "postal_code": "10115", "locality": "Berlin",
                              "country": "DE"}, phones={"primary": "+49301234567"}),
}


@pytest.fixture(params=sorted(CONNECTORS), ids=str)
def platform(request):
    return request.param


def test_registry_has_twenty_platforms_with_honest_info():
    assert len(CONNECTORS) >= 20
    for key, cls in CONNECTORS.items():
        info = cls.info
        assert info.key == key and info.name and info.channel in Channel
        assert set(info.capabilities) <= set(FIELDS), key
        assert info.typical_delay > timedelta(0), key
        assert (info.follows in CONNECTORS) if info.channel == Channel.derived else info.follows is None, key
        for quota in (info.quota, info.location_quota):
            assert quota is None or (quota.requests > 0 and quota.per_seconds > 0), key


def test_each_channel_has_its_interface(platform):
    cls = CONNECTORS[platform]
    if cls.info.channel == Channel.api:
        assert inspect.iscoroutinefunction(cls.push) and inspect.iscoroutinefunction(cls.read_back)
    elif cls.info.channel == Channel.feed:
        assert inspect.iscoroutinefunction(cls.deliver) and not cls.info.verifiable
    else:
        assert not cls.info.verifiable


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_renders_are_pure_serialisable_and_name_what_they_drop(platform, name):
    connector = CONNECTORS[platform](None, CONNECTORS[platform].info.default_base_url, {}, {})  # type: ignore[arg-type]
    est = Establishment.model_validate(RECORDS[name])
    first, second = connector.render(est), connector.render(est)
    assert first.payload == second.payload and first.unsupported == second.unsupported  # deterministic
    json.dumps(first.payload)  # a payload is plain JSON data
    assert all(isinstance(why, str) and why for why in first.unsupported.values())
    if CONNECTORS[platform].info.channel in (Channel.api, Channel.feed):
        assert first.payload, f"{platform} rendered nothing for {name}"


def test_fields_outside_the_capabilities_are_reported_not_dropped(platform):
    """A record carrying every field: what the platform cannot take shows up in `unsupported`."""
    cls = CONNECTORS[platform]
    if cls.info.channel == Channel.derived:
        pytest.skip("derived platforms take nothing themselves")
    full = Establishment.model_validate({**RECORDS["long_and_non_ascii"],
                                         "hours": RECORDS["closures"]["hours"], "email": "contact@example.fr"})
    rendering = cls(None, cls.info.default_base_url, {}, {}).render(full)  # type: ignore[arg-type]
    reported = " ".join(rendering.unsupported)
    for field in set(FIELDS) - set(cls.info.capabilities):
        root = field.split(".")[0]
        assert field in reported or root in reported, f"{platform} drops {field} silently"
