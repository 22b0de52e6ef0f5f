"""Every paginated list checks its cursor strictly: a forged one, garbage, or a cursor this server
signed but of another list's shape is a 400 `invalid_cursor` naming `cursor`, never a 500 (and
before any query: the lists under an unknown id answer 400, not 404)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from service.api import create_app
from service.pagination import encode_cursor

A = "/api/v1"
# every list that answers a `Page`, with the ids in its path (none of them need to exist)
LISTS = [
    f"{A}/establishments",
    f"{A}/establishments/NOPE-1/revisions",
    f"{A}/sync",
    f"{A}/establishments/NOPE-1/sync/google/attempts",
    f"{A}/imports",
    f"{A}/imports/imp_nope/rows",
    f"{A}/campaigns",
    f"{A}/campaigns/cmp_nope/sites",
]


def _unsigned(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


FORGED = [_unsigned("GOOD-1"), _unsigned([1]), "%%%", "e30.AAAAAAAAAAAAAAAAAAAAAA", "bnVsbA." + "A" * 22, "a.b.c"]
# signed here, but no list writes these: each is the wrong shape for every list
WRONG_SHAPES = [{"id": -1}, None, True, -1, 0, 1.5, [], ["2026-01-01T00:00:00+00:00"], [[1], "x"],
                ["not a date", "x"], [1, 2, 3], "x" * 300, ["a", 5], [-1]]


def test_the_list_of_paginated_endpoints_is_complete() -> None:
    """A new list taking a `cursor` must join LISTS (and so be held to the strict decoding)."""
    from service.settings import Settings

    with_cursor = {path for path, ops in create_app(Settings()).openapi()["paths"].items() for op in ops.values()
                   if any(p.get("name") == "cursor" for p in op.get("parameters", []))}
    expected = {p.replace("NOPE-1", "{store_code}").replace("/google/", "/{platform}/")
                .replace("imp_nope", "{import_id}").replace("cmp_nope", "{campaign_id}") for p in LISTS}
    assert with_cursor == expected


@pytest.mark.parametrize("path", LISTS)
async def test_a_forged_or_garbage_cursor_is_a_400_naming_it(client, path: str) -> None:
    for cursor in FORGED:
        response = await client.get(path, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["error"]["code"] == "invalid_cursor"
        assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize("path", LISTS)
async def test_a_signed_cursor_of_the_wrong_shape_is_a_400_naming_it(client, path: str) -> None:
    for value in WRONG_SHAPES:
        response = await client.get(path, params={"cursor": encode_cursor(value)})
        assert response.status_code == 400, (value, response.text)
        assert response.json()["error"]["field"] == "cursor", value


@pytest.mark.parametrize("path", LISTS)
async def test_an_oversized_cursor_is_refused_naming_it(client, path: str) -> None:
    response = await client.get(path, params={"cursor": "x" * 3000})
    assert response.status_code in (400, 422), response.text
    assert "cursor" in response.text


async def test_a_cursor_of_one_list_is_refused_by_a_list_of_another_shape(client) -> None:
    newest_first = encode_cursor(["2026-01-01T00:00:00+00:00", "cmp_1"])
    for path in (f"{A}/establishments", f"{A}/establishments/NOPE-1/revisions", f"{A}/sync",
                 f"{A}/imports/imp_nope/rows", f"{A}/campaigns/cmp_nope/sites"):
        response = await client.get(path, params={"cursor": newest_first})
        assert response.status_code == 400, (path, response.text)
    for path in (f"{A}/imports", f"{A}/campaigns"):  # their own shape: read, and an empty page
        response = await client.get(path, params={"cursor": newest_first})
        assert response.status_code == 200, (path, response.text)
