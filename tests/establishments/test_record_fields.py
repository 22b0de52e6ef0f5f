"""Issue 10 on the canonical record: optional categories, the opening date kept, overseas numbers."""

import pytest

from schemas import Establishment
from schemas.establishment import phone_region
from tests.establishments.factories import record


async def test_create_without_categories_is_accepted_and_stays_without(client):
    body = record()
    del body["categories"]
    created = await client.post("/api/v1/establishments", json=body)
    assert created.status_code == 201, created.text
    assert (await client.get("/api/v1/establishments/CLI-075-001")).json()["categories"] is None


async def test_opening_date_in_the_past_is_the_date_the_business_opened_and_is_kept(client):
    created = await client.post("/api/v1/establishments", json=record(opening_date="1998-03-02"))
    assert created.status_code == 201, created.text
    site = (await client.get("/api/v1/establishments/CLI-075-001")).json()
    assert (site["status"], site["opening_date"]) == ("open", "1998-03-02")


@pytest.mark.parametrize(("national", "postal_code", "country", "e164"), [
    ("0590 82 12 34", "97110", "FR", "+590590821234"),  # Guadeloupe, country written FR
    ("0262 40 12 34", "97400", "FR", "+262262401234"),  # La Réunion
    ("0696 12 34 56", "97200", "FR", "+596696123456"),  # a Martinique mobile, not a metropolitan 06
    ("0594 29 12 34", "97310", "GF", "+594594291234"),  # Guyane, country as the territory
    ("0269 61 12 34", "97600", "YT", "+262269611234"),  # Mayotte shares +262
    ("41 12 34", "97500", "FR", "+508411234"),  # Saint-Pierre-et-Miquelon
    ("0590 27 12 34", "97133", "FR", "+590590271234"),  # Saint-Barthélemy
    ("87 12 34 56", "98714", "FR", "+68987123456"),  # Polynésie française
    ("01 42 34 56 78", "75011", "FR", "+33142345678"),  # metropolitan, unchanged
])
def test_a_dom_sites_national_number_is_read_in_its_own_region(national, postal_code, country, e164):
    site = Establishment.model_validate(record(address={"lines": ["1 rue X"], "postal_code": postal_code,
                                                        "locality": "X", "country": country},
                                               phones={"primary": national}))
    assert site.phones.primary == e164


def test_the_territory_is_known_by_its_postal_code_or_its_country():
    assert phone_region("FR", "97110") == "GP" and phone_region("FR", 97400) == "RE"
    assert phone_region("MQ", None) == "MQ" and phone_region("FR", "75011") == "FR"
    assert phone_region("BE", "97110") == "BE"  # a Belgian 97110 is not Guadeloupe
