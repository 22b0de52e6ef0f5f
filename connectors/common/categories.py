"""Canonical category keys -> one platform's category ids, falling back to the nearest parent.

A platform keeps one table (`connectors/<platform>/categories.py`) naming, for every key of
`schemas.categories.CATEGORIES`, its own category (`PlatformCategory(id, name)`), or `None`
where it has no category that means the same thing. `resolve` walks
`schemas.categories.ancestry` (the key, then its parent, then the parent's parent) to the
nearest key that has one. `category_ids` turns a record's keys (primary first) into the id
list a platform takes, and says in one sentence for `Rendering.unsupported["categories"]`
what was not sent as asked: a key sent as a parent's category, a key that became the same
category as another one, a key past the platform's maximum, a key with no category at all.

Pure functions, no I/O. Used by the Facebook and Foursquare mappings; Google, Apple, Yelp and
OSM predate it and keep their own equivalents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from schemas.categories import CATEGORIES, ancestry


class PlatformCategory(NamedTuple):
    id: str
    name: str  # the platform's own label, for messages and for whoever checks the table


CategoryTable = Mapping[str, PlatformCategory | None]


def resolve(key: str, table: CategoryTable) -> tuple[PlatformCategory, str] | None:
    """`(category, source_key)`: the platform category for `key` and the canonical key it was
    taken from (`key` itself or its nearest ancestor with one); None when neither has one.
    Raises KeyError for a key that is not canonical."""
    if key not in CATEGORIES:
        raise KeyError(f"unknown canonical category {key!r}")
    for candidate in ancestry(key):
        category = table.get(candidate)
        if category is not None:
            return category, candidate
    return None


def category_ids(keys: Sequence[str], table: CategoryTable, *, platform: str,
                 limit: int | None = None) -> tuple[list[str], str | None]:
    """The platform ids for `keys` (primary first, duplicates dropped, at most `limit`) and the
    note for `Rendering.unsupported["categories"]`, None when every key was sent as itself."""
    ids: list[str] = []
    sources: dict[str, str] = {}  # platform id -> the first key sent as it
    notes: list[str] = []
    for key in keys:
        resolved = resolve(key, table)
        if resolved is None:
            notes.append(f"{key} not sent: no {platform} category for it nor its parents")
            continue
        category, source = resolved
        shown = f"{category.name} ({category.id})"
        if category.id in sources:
            notes.append(f"{key} not sent: same {platform} category as {sources[category.id]}, {shown}")
            continue
        if limit is not None and len(ids) >= limit:
            notes.append(f"{key} not sent: {platform} takes at most {limit} categories")
            continue
        if source != key:
            notes.append(f"{key} sent as {shown}, the category of its parent {source}")
        ids.append(category.id)
        sources[category.id] = key
    return ids, ("; ".join(notes) if notes else None)
