import re

import pytest

from connectors.google.categories import GCIDS, SUBSTITUTES, google_category
from schemas.categories import CATEGORIES, ancestry

GCID = re.compile(r"^categories/gcid:[a-z0-9_]+$")


def test_every_canonical_key_is_listed():
    assert set(GCIDS) == set(CATEGORIES)


@pytest.mark.parametrize("key", sorted(CATEGORIES))
def test_every_key_resolves_to_a_google_category(key):
    name, fallback = google_category(key)
    assert GCID.match(name)
    if GCIDS[key]:
        assert (name, fallback) == (f"categories/{GCIDS[key]}", None)
    else:
        assert fallback is not None
        assert fallback in ancestry(key) or fallback == SUBSTITUTES[ancestry(key)[-1]]
        assert name == f"categories/{GCIDS[fallback]}"


def test_fallbacks_are_the_documented_ones():
    fallbacks = {key: google_category(key)[1] for key in CATEGORIES if google_category(key)[1]}
    assert fallbacks == {
        "health_center": "medical_center",
        "nurse": "medical_center",
        "vaccination_center": "medical_center",
        "nuclear_medicine": "medical_imaging",
        "office": "corporate_office",
    }


@pytest.mark.parametrize(("key", "gcid"), [
    ("hospital", "gcid:hospital"),
    ("general_hospital", "gcid:general_hospital"),
    ("private_clinic", "gcid:private_hospital"),
    ("medical_laboratory", "gcid:medical_lab"),
    ("radiology", "gcid:radiologist"),
    ("dentist", "gcid:dentist"),
    ("pharmacy", "gcid:pharmacy"),
    ("parking", "gcid:parking_lot"),
])
def test_well_known_categories(key, gcid):
    assert google_category(key) == (f"categories/{gcid}", None)


def test_unknown_key_is_an_error():
    with pytest.raises(KeyError):
        google_category("spaceport")
