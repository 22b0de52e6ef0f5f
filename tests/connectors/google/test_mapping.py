from datetime import date

import pytest

from connectors.google.connector import GoogleConnector
from connectors.google.mapping import FIELDS, LATLNG_REASON, MISSING, render, same, time_of_day
from schemas import Status
from schemas.establishment import Photo
from tests.connectors.google.contract import assert_valid_location, schema, violations
from tests.connectors.google.records import ALL_DAY, full, record

ADDRESS = {"regionCode": "FR", "languageCode": "fr", "postalCode": "75011", "locality": "Paris",
           "addressLines": ["12 rue Oberkampf"]}


def test_full_record_exact_payload():
    rendering = render(full())
    assert rendering.payload == {
        "storeCode": "CLI-075-001",
        "title": "Clinique du Parc",
        "storefrontAddress": {"regionCode": "FR", "languageCode": "fr", "postalCode": "75011",
                              "administrativeArea": "Île-de-France", "locality": "Paris",
                              "addressLines": ["12 rue Oberkampf", "Bâtiment B"]},
        "latlng": {"latitude": 48.8656, "longitude": 2.3781},
        "phoneNumbers": {"primaryPhone": "+33123456789", "additionalPhones": ["+33612345678"]},
        "websiteUri": "https://www.clinique-du-parc.fr/",
        "categories": {"primaryCategory": {"name": "categories/gcid:private_hospital"},
                       "additionalCategories": [{"name": "categories/gcid:emergency_room"},
                                                {"name": "categories/gcid:medical_diagnostic_imaging_center"}]},
        "profile": {"description": "Clinique pluridisciplinaire au cœur du 11e arrondissement."},
        "regularHours": {"periods": [
            {"openDay": "MONDAY", "openTime": {"hours": 8}, "closeDay": "MONDAY", "closeTime": {"hours": 12}},
            {"openDay": "MONDAY", "openTime": {"hours": 14}, "closeDay": "MONDAY", "closeTime": {"hours": 19, "minutes": 30}},
            {"openDay": "TUESDAY", "openTime": {"hours": 8}, "closeDay": "TUESDAY", "closeTime": {"hours": 19, "minutes": 30}},
        ]},
        "specialHours": {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]},
        "openInfo": {"status": "OPEN"},
    }
    assert rendering.unsupported == {
        "email": "Google Business Profile has no e-mail field",
        "photos": "Google photo upload not implemented yet (v4 media API, outside the Location)",
        "geo.update": LATLNG_REASON,
    }
    assert list(rendering.payload) == list(FIELDS)


def test_minimal_record_leaves_absent_fields_out():
    rendering = render(record())
    assert rendering.payload == {
        "storeCode": "CLI-075-001", "title": "Clinique du Parc", "storefrontAddress": ADDRESS,
        "categories": {"primaryCategory": {"name": "categories/gcid:private_hospital"}},
        "openInfo": {"status": "OPEN"},
    }
    assert rendering.unsupported == {}


def hours(**regular):
    return render(record(hours={"regular": regular})).payload.get("regularHours")


def test_split_days_and_closed_days():
    assert hours(monday=[{"open": "08:30", "close": "12:00"}, {"open": "13:30", "close": "18:00"}],
                 saturday=[{"open": "09:00", "close": "12:15"}]) == {"periods": [
        {"openDay": "MONDAY", "openTime": {"hours": 8, "minutes": 30}, "closeDay": "MONDAY", "closeTime": {"hours": 12}},
        {"openDay": "MONDAY", "openTime": {"hours": 13, "minutes": 30}, "closeDay": "MONDAY", "closeTime": {"hours": 18}},
        {"openDay": "SATURDAY", "openTime": {"hours": 9}, "closeDay": "SATURDAY", "closeTime": {"hours": 12, "minutes": 15}},
    ]}


def test_overnight_closes_the_next_day_and_sunday_wraps_to_monday():
    assert hours(friday=[{"open": "22:00", "close": "02:30"}], sunday=[{"open": "20:00", "close": "06:00"}]) == {"periods": [
        {"openDay": "FRIDAY", "openTime": {"hours": 22}, "closeDay": "SATURDAY", "closeTime": {"hours": 2, "minutes": 30}},
        {"openDay": "SUNDAY", "openTime": {"hours": 20}, "closeDay": "MONDAY", "closeTime": {"hours": 6}},
    ]}


def test_midnight_close_is_24_00_the_same_day():
    expected = {"periods": [{"openDay": "WEDNESDAY", "openTime": {"hours": 18}, "closeDay": "WEDNESDAY", "closeTime": {"hours": 24}}]}
    assert hours(wednesday=[{"open": "18:00", "close": "24:00"}]) == expected
    assert hours(wednesday=[{"open": "18:00", "close": "00:00"}]) == expected


def test_open_all_week_round_the_clock():
    periods = hours(**{day: ALL_DAY for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")})
    assert periods == {"periods": [{"openDay": d, "openTime": {}, "closeDay": d, "closeTime": {"hours": 24}}
                                   for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")]}


def test_a_week_without_any_interval_sends_no_regular_hours():
    assert hours() is None


def test_special_hours_closed_range_and_open_intervals():
    payload = render(record(hours={
        "regular": {"monday": [{"open": "08:00", "close": "18:00"}]},
        "special": [
            {"start_date": "2026-08-10", "end_date": "2026-08-12", "closed": True},
            {"start_date": "2026-12-24", "end_date": "2026-12-25",
             "intervals": [{"open": "08:00", "close": "12:00"}, {"open": "20:00", "close": "01:00"}]},
            {"start_date": "2026-12-31", "intervals": [{"open": "18:00", "close": "24:00"}]},
        ]})).payload
    assert payload["specialHours"] == {"specialHourPeriods": [
        {"startDate": {"year": 2026, "month": 8, "day": 10}, "closed": True},
        {"startDate": {"year": 2026, "month": 8, "day": 11}, "closed": True},
        {"startDate": {"year": 2026, "month": 8, "day": 12}, "closed": True},
        {"startDate": {"year": 2026, "month": 12, "day": 24}, "openTime": {"hours": 8}, "closeTime": {"hours": 12}},
        {"startDate": {"year": 2026, "month": 12, "day": 24}, "openTime": {"hours": 20},
         "endDate": {"year": 2026, "month": 12, "day": 25}, "closeTime": {"hours": 1}},
        {"startDate": {"year": 2026, "month": 12, "day": 25}, "openTime": {"hours": 8}, "closeTime": {"hours": 12}},
        {"startDate": {"year": 2026, "month": 12, "day": 25}, "openTime": {"hours": 20},
         "endDate": {"year": 2026, "month": 12, "day": 26}, "closeTime": {"hours": 1}},
        {"startDate": {"year": 2026, "month": 12, "day": 31}, "openTime": {"hours": 18}, "closeTime": {"hours": 24}},
    ]}
    assert_valid_location(payload)


def test_special_hours_without_regular_hours_are_not_sent():
    rendering = render(record(hours={"special": [{"start_date": "2026-12-25", "closed": True}]}))
    assert "specialHours" not in rendering.payload and "regularHours" not in rendering.payload
    assert rendering.unsupported == {"hours.special": "Google refuses special hours on a listing without regular hours"}


@pytest.mark.parametrize(("fields", "open_info", "unsupported"), [
    ({"status": "open"}, {"status": "OPEN"}, {}),
    ({"status": "closed_temporarily"}, {"status": "CLOSED_TEMPORARILY"}, {}),
    ({"status": "closed_temporarily", "reopen_date": "2026-09-01"}, {"status": "CLOSED_TEMPORARILY"},
     {"reopen_date": "Google has no reopening date: the listing stays temporarily closed until changed"}),
    ({"status": "closed_permanently"}, {"status": "CLOSED_PERMANENTLY"}, {}),
    ({"status": "opening_soon", "opening_date": "2026-10-05"},
     {"status": "OPEN", "openingDate": {"year": 2026, "month": 10, "day": 5}}, {}),
    ({"status": "opening_soon"}, {"status": "OPEN"},
     {"status": "opening_soon without opening_date: Google shows the listing as open; give an opening date (at most a year ahead)"}),
])
def test_every_status(fields, open_info, unsupported):
    rendering = render(record(**fields))
    assert rendering.payload["openInfo"] == open_info
    assert rendering.unsupported == unsupported


def test_statuses_are_all_covered():
    assert {s.value for s in Status} == {"open", "closed_temporarily", "closed_permanently", "opening_soon"}


def test_long_name_and_non_ascii_are_sent_untouched():
    name = "Centre de Santé Français Straße " + "é" * 160
    rendering = render(record(name=name, description="Soins à domicile, reçus en français — Grüße.",
                              address={"lines": ["Große Straße 5"], "postal_code": "10115", "locality": "Berlin", "country": "DE"}))
    assert rendering.payload["title"] == name and len(name) == 192
    assert rendering.payload["profile"] == {"description": "Soins à domicile, reçus en français — Grüße."}
    assert rendering.payload["storefrontAddress"] == {"regionCode": "DE", "languageCode": "de", "postalCode": "10115",
                                                      "locality": "Berlin", "addressLines": ["Große Straße 5"]}


def test_address_language_only_where_the_country_has_one():
    rendering = render(record(address={"lines": ["Rue Neuve 1"], "postal_code": "1000", "locality": "Bruxelles", "country": "BE"},
                              phones={}))
    assert "languageCode" not in rendering.payload["storefrontAddress"]


def test_additional_phones_beyond_two_are_reported():
    rendering = render(record(phones={"primary": "+33123456789",
                                      "additional": ["+33123456780", "+33123456781", "+33123456782", "+33612345678"]}))
    assert rendering.payload["phoneNumbers"] == {"primaryPhone": "+33123456789",
                                                 "additionalPhones": ["+33123456780", "+33123456781"]}
    assert rendering.unsupported == {"phones.additional": "Google takes 2 additional phones: +33123456782, +33612345678 not sent"}


def test_first_additional_phone_stands_in_for_a_missing_primary():
    rendering = render(record(phones={"additional": ["01 23 45 67 80", "+33612345678"]}))
    assert rendering.payload["phoneNumbers"] == {"primaryPhone": "+33123456780", "additionalPhones": ["+33612345678"]}


def test_category_fallback_and_collapse_are_reported():
    rendering = render(record(categories={"primary": "health_center", "additional": ["medical_center", "nurse", "dentist"]}))
    assert rendering.payload["categories"] == {"primaryCategory": {"name": "categories/gcid:medical_center"},
                                               "additionalCategories": [{"name": "categories/gcid:dentist"}]}
    assert rendering.unsupported["categories"] == (
        "no exact Google category: health_center sent as medical_center (categories/gcid:medical_center); "
        "medical_center not sent: same Google category as another one (categories/gcid:medical_center); "
        "nurse sent as medical_center (categories/gcid:medical_center); "
        "nurse not sent: same Google category as another one (categories/gcid:medical_center)")


def test_description_longer_than_750_is_not_truncated_but_left_out():
    assert render(record(description="x" * 750)).payload["profile"] == {"description": "x" * 750}
    rendering = render(record(description="y" * 751))
    assert "profile" not in rendering.payload
    assert rendering.unsupported == {"description": "longer than Google's 750 characters (751): not sent, shorten it"}


RECORDS = {
    "full": full(),
    "minimal": record(),
    "round_the_clock": record(hours={"regular": {d: ALL_DAY for d in ("monday", "tuesday", "wednesday", "thursday",
                                                                       "friday", "saturday", "sunday")}}),
    "overnight": record(hours={"regular": {"friday": [{"open": "22:00", "close": "02:00"}],
                                           "sunday": [{"open": "00:00", "close": "06:00"}, {"open": "21:00", "close": "24:00"}]},
                               "special": [{"start_date": "2026-01-01", "intervals": [{"open": "23:00", "close": "03:00"}]}]}),
    "opening_soon": record(status="opening_soon", opening_date="2026-10-05"),
    "closed": record(status="closed_permanently", phones={"additional": ["+33123456789", "+33123456780", "+33123456781"]}),
    "abroad": record(name="Praxis Müller & Söhne", categories={"primary": "office", "additional": ["parking"]},
                     address={"lines": ["Große Straße 5", "Hinterhaus", "3. OG", "Zimmer 12", "Klingel Müller"],
                              "postal_code": "10115", "locality": "Berlin", "region": "Berlin", "country": "DE"}),
}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_payload_is_a_valid_location(name):
    payload = render(RECORDS[name]).payload
    assert_valid_location(payload)
    for key in payload:
        assert key in FIELDS and schema().resolve("Location", key) is not None, key


def test_the_validator_catches_bad_bodies():
    assert violations({"title": "x", "openInfo": {"status": "OPENED"}})
    assert violations({"title": "x", "websiteUrl": "https://a.fr/"})
    assert violations({"regularHours": {"periods": [{"openDay": "MONDAY", "openTime": {"hours": "8"}}]}})
    assert violations({"name": "locations/1"})
    assert violations({"categories": {"primaryCategory": {"name": "categories/gcid:x", "displayName": "X"}}})


def test_capabilities_are_exactly_what_render_sends():
    from connectors.common.photos import attach
    from connectors.google.photos import CATEGORY

    record = full().model_copy(update={"photos": [Photo(url="https://example.org/a.png", kind="cover")]})
    rendering = attach(render(record), record, CATEGORY)  # what GoogleConnector.render does
    by_capability = {
        "name": "title", "status": "openInfo", "address": "storefrontAddress", "geo": "latlng",
        "phones.primary": "phoneNumbers", "phones.additional": "phoneNumbers", "website": "websiteUri",
        "categories": "categories", "description": "profile", "hours.regular": "regularHours",
        "hours.special": "specialHours", "photos": "photos",
    }
    assert GoogleConnector.info.capabilities == frozenset(by_capability)
    assert {by_capability[c] for c in by_capability} == set(rendering.payload) - {"storeCode"}
    assert not GoogleConnector.info.capabilities & set(rendering.unsupported)


# ---------------------------------------------------------------- same()

def test_time_of_day_leaves_zeros_out():
    assert [time_of_day(m) for m in (0, 30, 480, 1170, 1440)] == [{}, {"minutes": 30}, {"hours": 8},
                                                                   {"hours": 19, "minutes": 30}, {"hours": 24}]


def test_same_accepts_equivalent_forms():
    pushed = render(full()).payload
    assert same("regularHours", {"periods": [{"openDay": "MONDAY", "openTime": {"hours": 8}, "closeDay": "MONDAY",
                                              "closeTime": {"hours": 24}}]},
                {"periods": [{"openDay": "MONDAY", "openTime": {"hours": 8, "minutes": 0}, "closeDay": "TUESDAY",
                              "closeTime": {}}]})
    reordered = {"periods": list(reversed(pushed["regularHours"]["periods"]))}
    assert same("regularHours", pushed["regularHours"], reordered)
    assert same("phoneNumbers", {"primaryPhone": "+33123456789", "additionalPhones": ["+33612345678", "+33123456780"]},
                {"primaryPhone": "01 23 45 67 89", "additionalPhones": ["+33 1 23 45 67 80", "06 12 34 56 78"]}, region="FR")
    assert same("categories", pushed["categories"], {
        "primaryCategory": {"name": "categories/gcid:private_hospital", "displayName": "Private hospital"},
        "additionalCategories": [{"name": "categories/gcid:medical_diagnostic_imaging_center", "displayName": "x"},
                                 {"name": "categories/gcid:emergency_room"}]})
    assert same("websiteUri", "https://www.clinique-du-parc.fr/", "https://WWW.Clinique-du-parc.fr")
    assert same("storefrontAddress", pushed["storefrontAddress"], {**pushed["storefrontAddress"], "sublocality": "11e",
                                                                   "languageCode": "fr-FR"})
    assert same("openInfo", {"status": "OPEN"}, {"status": "OPEN", "canReopen": True})
    assert same("latlng", pushed["latlng"], MISSING)
    assert same("latlng", pushed["latlng"], {"latitude": 48.865600001, "longitude": 2.3781})
    assert same("specialHours", {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]},
                {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True,
                                         "endDate": {"year": 2026, "month": 12, "day": 25}}]})


def test_same_sees_real_differences():
    pushed = render(full()).payload
    assert not same("title", "Clinique du Parc", "Clinique du Parc - Urgences")
    assert not same("phoneNumbers", pushed["phoneNumbers"], {"primaryPhone": "+33123456789"}, region="FR")
    assert not same("regularHours", pushed["regularHours"], {"periods": pushed["regularHours"]["periods"][:2]})
    assert not same("websiteUri", "https://www.clinique-du-parc.fr/", MISSING)
    assert not same("storefrontAddress", pushed["storefrontAddress"], {**pushed["storefrontAddress"], "postalCode": "75012"})
    assert not same("openInfo", {"status": "OPEN"}, {"status": "CLOSED_TEMPORARILY"})


def test_special_hours_already_past_are_ignored():
    pushed = {"specialHourPeriods": [{"startDate": {"year": 2025, "month": 12, "day": 25}, "closed": True},
                                     {"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]}
    live = {"specialHourPeriods": [{"startDate": {"year": 2026, "month": 12, "day": 25}, "closed": True}]}
    assert same("specialHours", pushed, live, today=date(2026, 6, 1))
    assert not same("specialHours", pushed, live, today=date(2025, 6, 1))
