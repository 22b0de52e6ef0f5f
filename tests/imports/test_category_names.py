"""Category cells in the platforms' own words, and suggestions by meaning (issue 10, item 3)."""

import pytest

from schemas.categories import CATEGORIES, names
from service.imports import values as v
from service.imports.headers import normalize


@pytest.mark.parametrize(("written", "key"), [
    ("Medical clinic", "medical_clinic"), ("Radiologist", "radiology"),
    ("Medical diagnostic imaging center", "medical_imaging"), ("Physical therapist", "physiotherapist"),
    ("Maternity hospital", "maternity"), ("Private hospital", "private_clinic"), ("Hôpital privé", "private_clinic"),
    ("Obstetrician-gynecologist", "gynecologist"), ("Blood testing service", "blood_collection_center"),
    ("EHPAD", "nursing_home"), ("SSR", "rehabilitation_center"), ("ORL", "ent_specialist"),
    ("Kiné", "physiotherapist"), ("Hardware store", "hardware_store"),
])
def test_googles_names_and_common_words_land_on_a_key(written, key):
    assert v.category(written) == key


def test_every_key_has_a_google_category_or_a_parent_with_one_and_no_name_is_ambiguous():
    owner: dict[str, str] = {}
    for key, category in CATEGORIES.items():
        assert category.gcid is None or category.gcid.startswith("gcid:")
        for name in names(key):
            assert owner.setdefault(normalize(name), key) == key, f"{name!r} names {owner[normalize(name)]} and {key}"


@pytest.mark.parametrize(("written", "suggested"), [
    ("Cabinet d'échographie", "radiology"),  # by meaning: Échographie is one of radiology's names
    ("Magasin de bricolage", "hardware_store"),  # by meaning: Bricolage
    ("Radiologiste", "radiology"),  # by the stem of a word
    ("Pharmacei", "pharmacy"),  # by spelling
])
def test_an_unknown_value_gets_suggestions_by_meaning_then_spelling(written, suggested):
    with pytest.raises(v.CellError) as caught:
        v.category(written)
    assert suggested in v.category_suggestions(written)
    assert f"({suggested})" in str(caught.value)
