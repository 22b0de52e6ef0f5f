"""The shared category fallback (`connectors.common.categories`) and the tables that use it."""

from __future__ import annotations

import re

import pytest

from connectors.common.categories import PlatformCategory, category_ids, resolve
from connectors.facebook.categories import FACEBOOK_CATEGORIES
from connectors.foursquare.categories import FOURSQUARE_CATEGORIES
from schemas.categories import CATEGORIES, ancestry

# A small table of made-up ids: only the fallback logic is under test here.
TABLE = {key: None for key in CATEGORIES} | {
    "hospital": PlatformCategory("1", "Hospital"),
    "medical_center": PlatformCategory("2", "Medical centre"),
    "dental_clinic": PlatformCategory("3", "Dentist"),
    "pharmacy": PlatformCategory("4", "Pharmacy"),
}

TABLES = {
    "facebook": (FACEBOOK_CATEGORIES, re.compile(r"^[1-9][0-9]{5,19}$")),  # Graph's numeric id strings
    "foursquare": (FOURSQUARE_CATEGORIES, re.compile(r"^[0-9a-f]{24}$")),  # fsq_category_id
}


def test_a_key_with_its_own_category_is_sent_as_itself() -> None:
    assert category_ids(["pharmacy"], TABLE, platform="P") == (["4"], None)


def test_a_key_without_one_climbs_to_the_nearest_ancestor_and_says_so() -> None:
    assert ancestry("mri_center") == ["mri_center", "medical_imaging", "medical_center"]
    assert resolve("mri_center", TABLE) == (PlatformCategory("2", "Medical centre"), "medical_center")
    ids, note = category_ids(["mri_center"], TABLE, platform="P")
    assert ids == ["2"]
    assert note == "mri_center sent as Medical centre (2), the category of its parent medical_center"


def test_keys_landing_on_the_same_category_are_sent_once() -> None:
    ids, note = category_ids(["dentist", "dental_clinic", "orthodontist"], TABLE, platform="P")
    assert ids == ["3"]
    assert note == ("dentist sent as Dentist (3), the category of its parent dental_clinic; "
                    "dental_clinic not sent: same P category as dentist, Dentist (3); "
                    "orthodontist not sent: same P category as dentist, Dentist (3)")


def test_the_platform_maximum_keeps_the_primary_first() -> None:
    ids, note = category_ids(["pharmacy", "hospital", "dental_clinic", "medical_center"], TABLE, platform="P",
                             limit=2)
    assert ids == ["4", "1"]
    assert note == ("dental_clinic not sent: P takes at most 2 categories; "
                    "medical_center not sent: P takes at most 2 categories")


def test_a_key_with_no_category_anywhere_is_named() -> None:
    ids, note = category_ids(["store", "pharmacy"], TABLE, platform="P")
    assert ids == ["4"] and note == "store not sent: no P category for it nor its parents"
    with pytest.raises(KeyError):
        resolve("not_a_key", TABLE)


@pytest.mark.parametrize("platform", sorted(TABLES))
def test_table_lists_every_canonical_key_and_every_key_resolves(platform: str) -> None:
    table, id_format = TABLES[platform]
    assert list(table) == list(CATEGORIES)  # same keys, same order as docs/categories.md
    for key in CATEGORIES:
        assert resolve(key, table) is not None, f"{platform}: {key} and its parents have no category"
    for key, category in table.items():
        if category is not None:
            assert id_format.match(category.id) and category.name, (platform, key, category)
    roots = [key for key, c in CATEGORIES.items() if c.parent is None]
    assert all(table[root] is not None for root in roots)
