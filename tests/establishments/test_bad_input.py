"""Bad bytes never reach the database: a corpus of hostile inputs, each answered with a 4xx
that names the field or parameter, and the database unchanged (issue 12, item 4)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from service.pagination import encode_cursor
from tests.establishments.factories import record

URL = "/api/v1/establishments"
NUL = "\x00"


def full() -> dict[str, Any]:
    return record("GOOD-1", status="closed_temporarily", reopen_date="2027-01-04",
                  address={"lines": ["12 rue Oberkampf"], "postal_code": "75011", "locality": "Paris",
                           "region": "Île-de-France", "country": "FR"},
                  phones={"primary": "+33123456789", "additional": ["+33612345678"]},
                  hours={"regular": {"monday": [{"open": "08:00", "close": "19:00"}]},
                         "special": [{"start_date": "2026-12-25", "closed": True}]},
                  photos=[{"url": "https://www.clinique-du-parc.fr/logo.png", "kind": "logo", "caption": "Logo"}],
                  platform_ids={"google": "locations/123"}, description="Clinique pluridisciplinaire.")


# every text field of the record: its path in the record and the field path the error names
TEXT_FIELDS = [
    "store_code", "name", "status", "reopen_date", "address.lines[0]", "address.postal_code", "address.locality",
    "address.region", "address.country", "phones.primary", "phones.additional[0]", "website", "email",
    "categories.primary", "categories.additional[0]", "description", "hours.regular.monday[0].open",
    "hours.regular.monday[0].close", "hours.special[0].start_date", "photos[0].url", "photos[0].caption",
    "photos[0].kind", "labels[0]", "platform_ids.google",
]


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def _get(data: Any, path: str) -> Any:
    for step in _steps(path):
        data = data[step]
    return data


def _set(data: Any, path: str, value: Any) -> None:
    *head, last = _steps(path)
    for step in head:
        data = data[step]
    data[last] = value


def _with_nul(value: str) -> str:
    return value[:3] + NUL + value[3:]


def _merge_patch_for(path: str, value: Any) -> dict[str, Any]:
    """The smallest merge patch that sets `path`: arrays are sent whole (they replace)."""
    steps = _steps(path)
    body = copy.deepcopy(full())
    _set(body, path, value)
    top = steps[0]
    if len(steps) > 1 and isinstance(steps[1], str):  # an object: send only that key, merged
        return {top: {steps[1]: body[top][steps[1]]}}
    return {top: body[top]}


async def _db_state(engine) -> tuple[Any, ...]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT store_code, revision, name, data FROM establishment "
                                        "ORDER BY store_code"))).all()
        revisions = (await conn.execute(text("SELECT count(*) FROM revision"))).scalar()
        labels = (await conn.execute(text("SELECT count(*) FROM establishment_label"))).scalar()
    return tuple((r[0], r[1], r[2], json.dumps(r[3], sort_keys=True) if not isinstance(r[3], str) else r[3])
                 for r in rows), revisions, labels


def _send(body: Any) -> dict[str, Any]:
    """JSON with \\u escapes, so lone surrogates travel as JSON allows."""
    return {"content": json.dumps(body, ensure_ascii=True), "headers": {"Content-Type": "application/json"}}


def _fields(response) -> set[str]:
    return {e["field"] for e in response.json()["error"]["errors"]}


@pytest.fixture
async def stored(client, engine):
    assert (await client.post(URL, json=full())).status_code == 201
    return await _db_state(engine)


@pytest.mark.parametrize("path", TEXT_FIELDS)
async def test_nul_in_every_text_field_is_a_422_naming_it_on_every_write(client, engine, stored, path):
    bad = full()
    _set(bad, path, _with_nul(_get(bad, path)))
    field = "categories.additional" if path == "categories.additional[0]" else path  # checked as a list
    created = await client.post(URL, **_send({**bad, "store_code": bad["store_code"].replace("GOOD", "NEW")}
                                             if path != "store_code" else bad))
    assert created.status_code == 422, created.text
    assert field in _fields(created), created.text
    if path != "store_code":
        replaced = await client.put(f"{URL}/GOOD-1", **_send(bad))
        assert replaced.status_code == 422 and field in _fields(replaced), replaced.text
        patched = await client.patch(f"{URL}/GOOD-1", **_send(_merge_patch_for(path, _get(bad, path))))
        assert patched.status_code == 422 and field in _fields(patched), patched.text
    bulk = await client.post(f"{URL}/bulk", **_send({"items": [bad]}))
    assert bulk.status_code == 200, bulk.text
    item = bulk.json()["results"][0]
    assert item["result"] == "rejected" and field in {e["field"] for e in item["errors"]}, item
    assert await _db_state(engine) == stored


@pytest.mark.parametrize(("path", "value", "code"), [
    ("name", "\u200b\u200b\u200b", "no_visible_character"),
    ("name", "\u00a0\u2060 ", "no_visible_character"),
    ("labels[0]", "\u200b", "no_visible_character"),
    ("address.locality", "\u200d", "no_visible_character"),
    ("name", "Clinique\ud800", "string_unicode"),  # pydantic's own check: a lone surrogate is not a str
    ("description", "ok\udfff", "string_unicode"),
    ("name", "Clinique\tdu Parc", "control_character"),
    ("address.lines[0]", "12 rue\nOberkampf", "control_character"),
    ("labels[0]", "Pôle\x1bNord", "control_character"),
    ("description", "x" * 2001, "string_too_long"),
    ("labels[0]", "x" * 101, "string_too_long"),
    ("address.lines[0]", "x" * 201, "string_too_long"),
    ("photos[0].caption", "x" * 301, "string_too_long"),
    ("platform_ids.google", "x" * 2_000_000, "string_too_long"),
])
async def test_invisible_broken_and_oversized_text_is_refused(client, engine, stored, path, value, code):
    bad = full()
    _set(bad, path, value)
    response = await client.put(f"{URL}/GOOD-1", **_send(bad))
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["code"] for e in response.json()["error"]["errors"]}
    assert errors.get(path) == code, errors
    assert await _db_state(engine) == stored


async def test_platform_ids_are_bounded_in_keys_and_entries(client, engine, stored):
    many = await client.patch(f"{URL}/GOOD-1", json={"platform_ids": {f"p{i}": "1" for i in range(51)}})
    assert many.status_code == 422 and "platform_ids" in _fields(many)
    odd_key = await client.patch(f"{URL}/GOOD-1", **_send({"platform_ids": {"goo\x00gle": "1"}}))
    assert odd_key.status_code == 422
    assert all(f.startswith("platform_ids.") for f in _fields(odd_key)), odd_key.text
    labels = await client.patch(f"{URL}/GOOD-1", json={"labels": [f"L{i}" for i in range(51)]})
    assert labels.status_code == 422 and "labels" in _fields(labels)
    assert await _db_state(engine) == stored


async def test_line_breaks_are_kept_in_the_description(client):
    body = record("DESC-1", description="Première ligne.\nSeconde\tligne.")
    created = await client.post(URL, json=body)
    assert created.status_code == 201 and created.json()["description"] == "Première ligne.\nSeconde\tligne."


@pytest.mark.parametrize("param", ["q", "label", "locality", "status"])
async def test_nul_in_every_query_parameter_is_a_422_naming_it(client, stored, param):
    response = await client.get(URL, params={param: f"Pa{NUL}ris"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == param


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PUT", ""), ("PATCH", ""), ("DELETE", ""),
                                                ("GET", "/revisions")])
async def test_nul_in_the_store_code_path_is_a_422_naming_it(client, engine, stored, method, suffix):
    body = {"json": full()} if method in ("PUT", "PATCH") else {}
    response = await client.request(method, f"{URL}/GOOD%001{suffix}", **body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "store_code"
    assert await _db_state(engine) == stored


async def test_an_impossible_store_code_elsewhere_is_a_404_not_a_500(client, stored):
    response = await client.get(f"{URL}/GOOD%001/sync")
    assert response.status_code in (404, 422), response.text


def _forged(value: Any) -> str:
    import base64
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("suffix", "cursor"), [
    ("", _forged({"id": -1})),                 # the shape from the report, unsigned
    ("", _forged("GOOD-1")),                   # a plausible value, unsigned
    ("", "%%%"),                               # not base64 at all
    ("", "e30.AAAAAAAAAAAAAAAAAAAAAA"),         # `{}` with a made-up signature
    ("", "x" * 3000),                          # oversized
    ("/revisions", _forged(-1)),
    ("/revisions", "bnVsbA." + "A" * 22),
])
async def test_a_forged_cursor_is_a_400_or_422_naming_it(client, stored, suffix, cursor):
    path = f"{URL}/GOOD-1{suffix}" if suffix else URL
    response = await client.get(path, params={"cursor": cursor})
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["field"] == "cursor"


async def test_a_signed_cursor_of_another_shape_is_a_400(client, stored):
    for path, value in [(URL, {"id": -1}), (URL, 5), (f"{URL}/GOOD-1/revisions", "GOOD-1"),
                        (f"{URL}/GOOD-1/revisions", -1), (f"{URL}/GOOD-1/revisions", [1, 2])]:
        response = await client.get(path, params={"cursor": encode_cursor(value)})
        assert response.status_code == 400, (path, value, response.text)
        assert response.json()["error"]["code"] == "invalid_cursor"


async def test_a_tampered_cursor_is_refused_and_a_real_one_pages(client):
    for i in range(3):
        assert (await client.post(URL, json=record(f"S-{i}"))).status_code == 201
    first = (await client.get(URL, params={"limit": 1})).json()
    cursor = first["next_cursor"]
    payload, mac = cursor.split(".")
    tampered = _forged("S-1") + "." + mac
    assert (await client.get(URL, params={"limit": 1, "cursor": tampered})).status_code == 400
    second = (await client.get(URL, params={"limit": 1, "cursor": cursor})).json()
    assert [i["store_code"] for i in second["items"]] == ["S-1"]


async def test_search_wildcards_are_plain_characters(client):
    for code, name in [("W-1", "Clinique du Parc"), ("W-2", "Centre 100% santé"), ("W-3", "Clinique_Nord")]:
        assert (await client.post(URL, json=record(code, name=name))).status_code == 201
    percent = (await client.get(URL, params={"q": "%"})).json()["items"]
    assert [i["store_code"] for i in percent] == ["W-2"]
    underscore = (await client.get(URL, params={"q": "_"})).json()["items"]
    assert [i["store_code"] for i in underscore] == ["W-3"]
    backslash = (await client.get(URL, params={"q": "\\"})).json()["items"]
    assert backslash == []
    plain = (await client.get(URL, params={"q": "clinique"})).json()["items"]
    assert [i["store_code"] for i in plain] == ["W-1", "W-3"]
