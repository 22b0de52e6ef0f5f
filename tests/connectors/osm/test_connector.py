"""OsmConnector over a mocked network (respx): opt-in, changesets, foreign tags kept, 409 retry, adoption, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import httpx

from connectors.http import default_user_agent
import pytest
import respx

from connectors.base import ActionRequired, PushContext, Rejected, RetryableError
from connectors.osm.connector import NO_GEO, OsmConnector
from schemas import Establishment
from tests.establishments.factories import record

BASE = "https://api.openstreetmap.org"
API = "/api/0.6"
TOKEN = "s3cr3t-osm-token"
DOCS = "https://wiki.openstreetmap.org/wiki/Automated_edits/Example"
OPTIONS = {"automated_edits_opt_in": "true", "automated_edits_docs": DOCS}


def est(**overrides: Any) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def ctx(remote_id: str | None = None, previous: dict[str, Any] | None = None, changed: list[str] | None = None) -> PushContext:
    return PushContext(store_code="CLI-075-001", remote_id=remote_id, remote_version=None, previous=previous,
                       changed=changed or [], request_id="req-1")


def osm_xml(*elements: tuple[str, dict[str, str], dict[str, str]]) -> bytes:
    root = ET.Element("osm", version="0.6")
    for kind, attrs, tags in elements:
        element = ET.SubElement(root, kind, attrs)
        for k, v in tags.items():
            ET.SubElement(element, "tag", k=k, v=v)
    return ET.tostring(root, encoding="UTF-8")


def node(node_id: str = "42", version: str = "3", tags: dict[str, str] | None = None,
         lat: str = "48.8656", lon: str = "2.3781") -> tuple[str, dict[str, str], dict[str, str]]:
    return ("node", {"id": node_id, "version": version, "lat": lat, "lon": lon}, tags or {})


def sent_node(route: respx.Route, n: int = -1) -> tuple[dict[str, str], dict[str, str]]:
    element = ET.fromstring(route.calls[n].request.content).find("node")
    assert element is not None
    return dict(element.attrib), {t.get("k", ""): t.get("v", "") for t in element.findall("tag")}


@pytest.fixture
async def api() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        router.put(f"{API}/changeset/create", name="open").mock(return_value=httpx.Response(200, text="777"))
        router.put(f"{API}/changeset/777/close", name="close").mock(return_value=httpx.Response(200))
        yield router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def connector(client: httpx.AsyncClient) -> OsmConnector:
    return OsmConnector(client, BASE, {"access_token": TOKEN}, OPTIONS)


# ---------------------------------------------------------------- opt-in and credentials

@pytest.mark.parametrize("options", [{}, {"automated_edits_opt_in": "false"}, {"automated_edits_opt_in": False}])
async def test_push_needs_the_automated_edits_opt_in(api: respx.MockRouter, client: httpx.AsyncClient,
                                                     options: dict[str, Any]) -> None:
    connector = OsmConnector(client, BASE, {"access_token": TOKEN}, options)
    record_ = est()
    with pytest.raises(ActionRequired) as exc:
        await connector.push(record_, connector.render(record_), ctx())
    assert "Automated Edits code of conduct" in exc.value.reason and "automated_edits_opt_in=true" in exc.value.reason
    assert not api.calls


async def test_push_needs_the_documentation_link_the_policy_asks_for(api: respx.MockRouter,
                                                                     client: httpx.AsyncClient) -> None:
    connector = OsmConnector(client, BASE, {"access_token": TOKEN}, {"automated_edits_opt_in": "true"})
    record_ = est()
    with pytest.raises(ActionRequired, match="automated_edits_docs"):
        await connector.push(record_, connector.render(record_), ctx())
    assert not api.calls


async def test_push_needs_a_token(api: respx.MockRouter, client: httpx.AsyncClient) -> None:
    connector = OsmConnector(client, BASE, {}, {"automated_edits_opt_in": True, "automated_edits_docs": DOCS})
    record_ = est()
    with pytest.raises(ActionRequired, match="access_token"):
        await connector.push(record_, connector.render(record_), ctx())


# ---------------------------------------------------------------- create

async def test_create_searches_then_opens_writes_and_closes_a_changeset(api: respx.MockRouter, connector: OsmConnector) -> None:
    search = api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml(
        node("7", tags={"name": "Clinique du Parc", "amenity": "pharmacy"}),  # same name, other feature
        node("8", tags={"name": "Autre", "amenity": "hospital"}))))  # same feature, other name
    create = api.put(f"{API}/node/create").mock(return_value=httpx.Response(200, text="1234"))
    record_ = est()
    rendering = connector.render(record_)
    result = await connector.push(record_, rendering, ctx())
    assert (result.remote_id, result.state, result.created, result.remote_version) == ("1234", "live", True, "1")
    assert result.live_url == "https://www.openstreetmap.org/node/1234"
    bbox = [float(x) for x in search.calls[0].request.url.params["bbox"].split(",")]
    assert bbox[0] < 2.3781 < bbox[2] and bbox[1] < 48.8656 < bbox[3] and bbox[3] - bbox[1] == pytest.approx(0.001)
    attrs, tags = sent_node(create)
    assert attrs == {"changeset": "777", "lat": "48.8656", "lon": "2.3781"}
    assert tags == rendering.payload
    opened = ET.fromstring(api["open"].calls[0].request.content)
    assert {t.get("k"): t.get("v") for t in opened.iter("tag")} == {
        "created_by": default_user_agent().split(" ")[0].replace("/", " "), "bot": "yes",
        "comment": "Update Clinique du Parc from the establishment's own record",
        "source": "establishment's own record (via Vitrine)", "description": DOCS}  # the Automated Edits policy's tags
    request = create.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}" and request.headers["Content-Type"].startswith("text/xml")
    assert api["close"].call_count == 1
    assert [c.request.url.path for c in api.calls] == [f"{API}/map", f"{API}/changeset/create", f"{API}/node/create",
                                                       f"{API}/changeset/777/close"]


async def test_xml_is_escaped(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml()))
    create = api.put(f"{API}/node/create").mock(return_value=httpx.Response(200, text="5"))
    record_ = est(name='Centre "A&B" <Santé>')
    await connector.push(record_, connector.render(record_), ctx())
    assert b"&amp;" in create.calls[0].request.content
    assert sent_node(create)[1]["name"] == 'Centre "A&B" <Santé>'


async def test_retried_create_adopts_the_node_it_already_made(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est()
    rendering = connector.render(record_)
    existing = node("99", "1", tags={**rendering.payload, "name": "CLINIQUE  du parc"}, lat="48.8659")  # ~33 m north
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml(existing)))
    put = api.put(f"{API}/node/99").mock(return_value=httpx.Response(200, text="2"))
    create = api.put(f"{API}/node/create")
    result = await connector.push(record_, rendering, ctx())
    assert result.remote_id == "99" and result.detail["adopted"] is True and not result.created
    assert not create.called
    assert sent_node(put)[1]["name"] == "Clinique du Parc"  # our spelling of the name wins


async def test_retried_create_with_nothing_to_change_writes_nothing(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est()
    rendering = connector.render(record_)
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml(node("99", "1", tags=rendering.payload))))
    result = await connector.push(record_, rendering, ctx())
    assert result.remote_id == "99" and result.detail == {"no_changes": True, "adopted": True}
    assert not api["open"].called


async def test_a_match_farther_than_50_m_is_not_adopted(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est()
    rendering = connector.render(record_)
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml(node("99", "1", tags=rendering.payload, lat="48.8661"))))
    create = api.put(f"{API}/node/create").mock(return_value=httpx.Response(200, text="5"))
    assert (await connector.push(record_, rendering, ctx())).remote_id == "5" and create.called


async def test_a_matching_way_needs_a_person(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est()
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml(
        ("way", {"id": "555", "version": "4"}, {"name": "Clinique du Parc", "amenity": "hospital", "building": "yes"}))))
    with pytest.raises(ActionRequired, match="way 555"):
        await connector.push(record_, connector.render(record_), ctx())
    assert not api["open"].called


async def test_create_without_geo_is_impossible(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est(geo=None)
    with pytest.raises(ActionRequired) as exc:
        await connector.push(record_, connector.render(record_), ctx())
    assert exc.value.reason == NO_GEO and not api.calls


async def test_permanently_closed_is_never_created(api: respx.MockRouter, connector: OsmConnector) -> None:
    record_ = est(status="closed_permanently")
    with pytest.raises(Rejected):
        await connector.push(record_, connector.render(record_), ctx())


async def test_changeset_is_closed_even_when_the_write_fails(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/map").mock(return_value=httpx.Response(200, content=osm_xml()))
    api.put(f"{API}/node/create").mock(return_value=httpx.Response(400, text="Element node/ has duplicate tags with key name",
                                                                   headers={"Error": "Element node/ has duplicate tags with key name"}))
    record_ = est()
    with pytest.raises(Rejected, match="duplicate tags"):
        await connector.push(record_, connector.render(record_), ctx())
    assert api["close"].call_count == 1


# ---------------------------------------------------------------- update

async def test_update_keeps_foreign_tags_and_position_and_deletes_only_our_removed_tags(api: respx.MockRouter,
                                                                                         connector: OsmConnector) -> None:
    current = {"name": "Clinique du Parc", "amenity": "hospital", "email": "old@example.fr", "fax": "+33 1 00 00 00 00",
               "wheelchair": "yes", "wikidata": "Q1", "opening_hours": "Mo-Fr 08:00-18:00", "building": "yes"}
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", current, lat="48.86561"))))
    put = api.put(f"{API}/node/42").mock(return_value=httpx.Response(200, text="4"))
    record_ = est(email=None)
    rendering = connector.render(record_)
    previous = {**rendering.payload, "email": "old@example.fr", "name": "Ancien nom"}
    result = await connector.push(record_, rendering, ctx("42", previous=previous, changed=["email", "name"]))
    assert (result.remote_id, result.remote_version, result.state) == ("42", "4", "live")
    attrs, tags = sent_node(put)
    assert attrs == {"id": "42", "version": "3", "changeset": "777", "lat": "48.86561", "lon": "2.3781"}
    assert tags == {**rendering.payload, "fax": "+33 1 00 00 00 00", "wheelchair": "yes", "wikidata": "Q1", "building": "yes"}
    assert api["close"].call_count == 1


async def test_update_never_deletes_a_foreign_tag_even_if_the_engine_names_it(api: respx.MockRouter,
                                                                              connector: OsmConnector) -> None:
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", {"wheelchair": "yes"}))))
    put = api.put(f"{API}/node/42").mock(return_value=httpx.Response(200, text="4"))
    record_ = est()
    await connector.push(record_, connector.render(record_), ctx("42", previous={"wheelchair": "yes"}, changed=["wheelchair"]))
    assert sent_node(put)[1]["wheelchair"] == "yes"


async def test_closing_permanently_moves_feature_tags_behind_disused(api: respx.MockRouter, connector: OsmConnector) -> None:
    open_record = est()
    before = connector.render(open_record).payload
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", before))))
    put = api.put(f"{API}/node/42").mock(return_value=httpx.Response(200, text="4"))
    closed = est(status="closed_permanently")
    rendering = connector.render(closed)
    await connector.push(closed, rendering, ctx("42", previous=before, changed=["amenity", "disused:amenity"]))
    tags = sent_node(put)[1]
    assert tags["disused:amenity"] == "hospital" and "amenity" not in tags and "opening_hours" not in tags


async def test_version_conflict_rereads_and_retries_once(api: respx.MockRouter, connector: OsmConnector) -> None:
    reads = api.get(f"{API}/node/42").mock(side_effect=[
        httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"}))),
        httpx.Response(200, content=osm_xml(node("42", "4", {"name": "Old", "wheelchair": "limited"})))])
    put = api.put(f"{API}/node/42").mock(side_effect=[
        httpx.Response(409, text="Version mismatch: Provided 3, server had: 4 of Node 42"),
        httpx.Response(200, text="5")])
    record_ = est()
    result = await connector.push(record_, connector.render(record_), ctx("42"))
    assert result.remote_version == "5" and reads.call_count == 2
    attrs, tags = sent_node(put)
    assert attrs["version"] == "4" and tags["wheelchair"] == "limited"
    assert api["open"].call_count == 1 and api["close"].call_count == 1


async def test_second_version_conflict_is_retryable(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"}))))
    api.put(f"{API}/node/42").mock(return_value=httpx.Response(409, text="Version mismatch: Provided 3, server had: 4 of Node 42"))
    record_ = est()
    with pytest.raises(RetryableError, match="409 twice"):
        await connector.push(record_, connector.render(record_), ctx("42"))
    assert api["close"].call_count == 1


async def test_closed_changeset_conflict_is_retryable_not_a_version_retry(api: respx.MockRouter, connector: OsmConnector) -> None:
    reads = api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"}))))
    api.put(f"{API}/node/42").mock(return_value=httpx.Response(409, text="The changeset 777 was closed at 2026-01-01 00:00:00 UTC"))
    record_ = est()
    with pytest.raises(RetryableError, match="was closed"):
        await connector.push(record_, connector.render(record_), ctx("42"))
    assert reads.call_count == 1


async def test_close_failure_does_not_fail_a_successful_write(api: respx.MockRouter, connector: OsmConnector) -> None:
    api["close"].mock(return_value=httpx.Response(500, text="oops"))
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"}))))
    api.put(f"{API}/node/42").mock(return_value=httpx.Response(200, text="4"))
    record_ = est()
    assert (await connector.push(record_, connector.render(record_), ctx("42"))).remote_version == "4"


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize(("status", "kind", "fragment"), [
    (401, ActionRequired, "access token"),
    (403, ActionRequired, "blocked"),
    (404, ActionRequired, "no longer exists"),
    (410, ActionRequired, "no longer exists"),
    (400, Rejected, "Latitude 95 out of range"),
    (412, Rejected, "Latitude 95 out of range"),
    (429, RetryableError, "throttles"),
    (500, RetryableError, "server error"),
])
async def test_error_classes(api: respx.MockRouter, connector: OsmConnector, status: int, kind: type, fragment: str) -> None:
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"}))))
    api.put(f"{API}/node/42").mock(return_value=httpx.Response(status, text="Latitude 95 out of range",
                                                                headers={"Retry-After": "30"}))
    record_ = est()
    with pytest.raises(kind) as exc:
        await connector.push(record_, connector.render(record_), ctx("42"))
    assert fragment in exc.value.message and exc.value.http_status == status
    assert TOKEN not in exc.value.message
    if status == 429:
        assert exc.value.throttled and exc.value.retry_after == 30


async def test_error_header_text_is_preferred(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/map").mock(return_value=httpx.Response(400, text="<html>…</html>", headers={"Error": "bbox too large"}))
    record_ = est()
    with pytest.raises(Rejected, match="bbox too large"):
        await connector.push(record_, connector.render(record_), ctx())


async def test_transient_503_is_retried_in_call(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/node/42").mock(side_effect=[httpx.Response(503),
                                                httpx.Response(200, content=osm_xml(node("42", "3", {"name": "Old"})))])
    api.put(f"{API}/node/42").mock(return_value=httpx.Response(200, text="4"))
    record_ = est()
    assert (await connector.push(record_, connector.render(record_), ctx("42"))).remote_version == "4"


# ---------------------------------------------------------------- read back

async def test_read_back_live_when_tags_match(api: respx.MockRouter, connector: OsmConnector) -> None:
    pushed = connector.render(est()).payload
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "6", {**pushed, "wheelchair": "yes"}))))
    back = await connector.read_back("42", pushed)
    assert (back.state, back.mismatched, back.third_party, back.remote_version) == ("live", [], [], "6")


async def test_read_back_reports_another_mappers_edit_as_drift(api: respx.MockRouter, connector: OsmConnector) -> None:
    pushed = connector.render(est()).payload
    live = {**pushed, "phone": "+33 9 99 99 99 99"}
    del live["website"]
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(200, content=osm_xml(node("42", "7", live))))
    back = await connector.read_back("42", pushed)
    assert back.state == "live" and back.mismatched == ["phone", "website"] and back.third_party == ["phone", "website"]


async def test_read_back_of_a_deleted_node(api: respx.MockRouter, connector: OsmConnector) -> None:
    api.get(f"{API}/node/42").mock(return_value=httpx.Response(410, text="The node with the id 42 has already been deleted"))
    with pytest.raises(ActionRequired, match="no longer exists"):
        await connector.read_back("42", {"name": "x"})
