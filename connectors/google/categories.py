"""Canonical category key -> Google Business Profile category (`categories/gcid:...`).

Every key of `schemas.categories.CATEGORIES` is listed in `GCIDS`, with `None` where Google has
no category that means the same thing. Those fall back to the nearest ancestor that has one
(`schemas.categories.ancestry`), and the sync status says so. `office`, a root key, has no
Google equivalent ("Office" is not a Google category) and no parent: it uses Google's
"Corporate office", the nearest category Google offers (`SUBSTITUTES`).

The gcids below were checked one by one against a published dump of Google's `categories.list`
output (display names in English); that dump's date is UNVERIFIED, and Google retires or renames
categories from time to time: `GET {base}/categories:batchGet?names=...&regionCode=FR&languageCode=fr`
re-checks them. Two traps: the medical laboratory is `gcid:medical_lab` (there is no
`gcid:medical_laboratory`), and `gcid:gynecologist` displays as "Obstetrician-gynecologist"
(`gcid:gynecologist_only` is the narrower "Gynecologist"; French gynécologues usually practise both).
"""

from __future__ import annotations

from schemas.categories import CATEGORIES, ancestry

PREFIX = "categories/"

# The gcid of every canonical key lives with the key (schemas/categories.py); None where Google has
# no category that means the same thing (health_center, nurse, vaccination_center, nuclear_medicine:
# their parent's is sent; office: SUBSTITUTES).
GCIDS: dict[str, str | None] = {key: category.gcid for key, category in CATEGORIES.items()}

# Keys with no Google category and no ancestor that has one: the canonical key whose
# category stands in for them.
SUBSTITUTES: dict[str, str] = {"office": "corporate_office"}


def google_category(key: str) -> tuple[str, str | None]:
    """`(categories/gcid:..., fallback_used)`: `fallback_used` is the canonical key whose Google
    category was sent instead of `key` (an ancestor, or a documented substitute), None when
    `key` has its own. Raises KeyError for a key that is not canonical."""
    if key not in CATEGORIES:
        raise KeyError(f"unknown canonical category {key!r}")
    for candidate in ancestry(key):
        gcid = GCIDS.get(candidate)
        if gcid:
            return PREFIX + gcid, None if candidate == key else candidate
    substitute = SUBSTITUTES[ancestry(key)[-1]]
    return PREFIX + GCIDS[substitute], substitute  # type: ignore[operator]
