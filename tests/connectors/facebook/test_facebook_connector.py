from __future__ import annotations

import json

import httpx
import pytest
import respx

from connectors.base import ActionRequired, PushContext, Rejected, RetryableError
from connectors.facebook.mapping import render
from connectors.facebook.connector import LINK_REASON, TOKEN_REASON, FacebookConnector, classify, throttle_delay
from tests.connectors.facebook.records import record

BASE = "https://graph.facebook.com/v25.0"
TOKEN = "EAAB-secret-page-token"
PARENT = "100000000000001"
PAGE = "200000000000042"
STORE = "CLI-075-001"


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def graph():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def connector(client, parent: str | None = PARENT, create_pages: bool = True) -> FacebookConnector:
    """create_pages: most tests here play an app Meta granted the creation of location pages."""
    options = {"parent_page_id": parent, "create_pages": create_pages} if parent else {}
    return FacebookConnector(client, BASE, {"access_token": TOKEN}, options)


def create_ctx(**kw) -> PushContext:
    rendering = render(record())
    values = dict(store_code=STORE, remote_id=None, remote_version=None, previous=None,
                  changed=list(rendering.payload), request_id="req-1")
    values.update(kw)
    return PushContext(**values)


def graph_error(code: int, message: str, status: int = 400, headers: dict | None = None, **extra) -> httpx.Response:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123", **extra}
    return httpx.Response(status, json={"error": error}, headers=headers)


def body(call) -> dict:
    return json.loads(call.request.content)


def locations(*pages, after: str | None = None) -> httpx.Response:
    payload: dict = {"data": [{"id": i, "store_number": s} for i, s in pages]}
    if after:
        payload["paging"] = {"cursors": {"before": "b", "after": after},
                             "next": f"{BASE}/{PARENT}/locations?after={after}"}
    return httpx.Response(200, json=payload)


# ---------------------------------------------------------------- create / adopt

async def test_lookup_adopts_existing_page_across_pages_and_updates_it(client, graph):
    listing = graph.get(f"/{PARENT}/locations").mock(side_effect=[
        locations(("200000000000001", "CLI-001"), ("200000000000002", 17), after="c1"),
        locations((PAGE, STORE)),
    ])
    create = graph.post(f"/{PARENT}/locations")
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    rendering = fb.render(record())

    result = await fb.push(record(), rendering, create_ctx())

    assert (result.remote_id, result.created, result.state) == (PAGE, False, "live")
    assert result.detail["adopted"] is True
    assert not create.called
    assert listing.call_count == 2
    first, second = (c.request.url.params for c in listing.calls)
    assert dict(first) == {"fields": "id,store_code,store_number", "limit": "100"}
    assert second["after"] == "c1"
    assert body(update.calls.last) == rendering.payload


async def test_create_when_absent_uses_the_creates_own_parameters(client, graph):
    graph.get(f"/{PARENT}/locations").respond(200, json={"data": []})
    create = graph.post(f"/{PARENT}/locations").respond(200, json={"id": PAGE})
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    payload = fb.render(record()).payload

    result = await fb.push(record(), fb.render(record()), create_ctx())

    assert (result.remote_id, result.created, result.state) == (PAGE, True, "live")
    assert result.live_url == f"https://www.facebook.com/{PAGE}"
    sent = body(create.calls.last)  # Meta's SDK, Page.create_location: store_code is the string one
    assert sent == {"store_code": STORE, "phone": payload["phone"], "website": payload["website"],
                    "location": payload["location"], "hours": payload["hours"], "always_open": False,
                    "permanently_closed": False, "temporary_status": "OPERATING_AS_USUAL"}
    assert not {"store_number", "is_always_open", "is_permanently_closed", "category_list", "emails"} & set(sent)
    assert set(body(update.calls.last)) == {"emails", "category_list", "about", "description"} & set(payload)
    assert len(graph.calls) == 3  # lookup, create, then the update's parameters the create cannot take


async def test_without_create_pages_an_unmatched_site_asks_for_a_link(client, graph):
    graph.get(f"/{PARENT}/locations").respond(200, json={"data": []})
    create = graph.post(f"/{PARENT}/locations")
    fb = connector(client, create_pages=False)

    with pytest.raises(ActionRequired, match="no location page of parent page .* has store code CLI-075-001"):
        await fb.push(record(), fb.render(record()), create_ctx())
    assert not create.called


async def test_a_page_with_our_store_code_is_linked_and_updated(client, graph):
    graph.get(f"/{PARENT}/locations").respond(200, json={"data": [{"id": "200000000000007", "store_code": "CLI-001"},
                                                                     {"id": PAGE, "store_code": STORE}]})
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client, create_pages=False)
    rendering = fb.render(record())

    result = await fb.push(record(), rendering, create_ctx())

    assert (result.remote_id, result.created, result.detail["adopted"]) == (PAGE, False, True)
    assert body(update.calls.last) == rendering.payload  # update parameters (Page.api_update)


async def test_create_retried_after_timeout_does_not_duplicate(client, graph):
    listing = graph.get(f"/{PARENT}/locations").mock(side_effect=[
        httpx.Response(200, json={"data": []}),
        locations((PAGE, STORE)),  # the first POST did create it before the answer was lost
    ])
    create = graph.post(f"/{PARENT}/locations").mock(side_effect=httpx.ReadTimeout("read timed out"))
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    rendering = fb.render(record())

    with pytest.raises(RetryableError):
        await fb.push(record(), rendering, create_ctx())
    result = await fb.push(record(), rendering, create_ctx())

    assert create.call_count == 1
    assert listing.call_count == 2
    assert (result.remote_id, result.created) == (PAGE, False)
    assert update.called


async def test_create_racing_another_push_adopts_the_page(client, graph):
    graph.get(f"/{PARENT}/locations").mock(side_effect=[
        httpx.Response(200, json={"data": []}), locations((PAGE, STORE))])
    graph.post(f"/{PARENT}/locations").mock(return_value=graph_error(
        100, "(#100) Invalid parameter: store number already exists"))
    graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)

    result = await fb.push(record(), fb.render(record()), create_ctx())
    assert (result.remote_id, result.created) == (PAGE, False)


async def test_first_pushes_share_one_listing_of_the_parent_pages_and_a_retry_looks_afresh(client, graph):
    """First pushes (nothing of theirs can exist yet) read one listing of the parent's pages
    instead of paging through it each: two pages of listing for three sites, not six."""
    listing = graph.get(f"/{PARENT}/locations").mock(side_effect=[
        locations(("300", "OLD-1"), after="p2"), locations(("301", "OLD-2")),  # the shared listing
        locations(("400", "NEW-2")),  # the retry's own lookup
    ])
    created = iter(["401", "402"])
    create = graph.post(f"/{PARENT}/locations").mock(side_effect=lambda request: httpx.Response(
        200, json={"id": next(created)}))
    update = graph.post("/301").respond(200, json={"success": True})
    for page in ("400", "401", "402"):  # creates are followed by the update-only parameters
        graph.post(f"/{page}").respond(200, json={"success": True})
    fb = connector(client)
    rendering = fb.render(record())

    first = await fb.push(record(), rendering, create_ctx(store_code="NEW-1", may_exist=False))
    adopted = await fb.push(record(), rendering, create_ctx(store_code="OLD-2", may_exist=False))
    second = await fb.push(record(), rendering, create_ctx(store_code="NEW-2", may_exist=False))
    assert (first.remote_id, first.created) == ("401", True)
    assert (adopted.remote_id, adopted.created) == ("301", False) and update.called
    assert (second.remote_id, second.created) == ("402", True)
    assert listing.call_count == 2 and create.call_count == 2

    retried = await fb.push(record(), rendering, create_ctx(store_code="NEW-2"))  # may_exist: looks afresh
    assert (retried.remote_id, retried.created) == ("400", False)
    assert listing.call_count == 3 and create.call_count == 2


async def test_no_parent_and_no_page_id_needs_a_person(client, graph):
    fb = connector(client, parent=None)
    with pytest.raises(ActionRequired) as exc:
        await fb.push(record(), fb.render(record()), create_ctx())
    assert exc.value.reason == LINK_REASON
    assert not graph.calls


async def test_page_linked_by_hand_is_edited_without_a_parent(client, graph):
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client, parent=None)
    linked = record(platform_ids={"facebook": PAGE})
    result = await fb.push(linked, fb.render(linked), create_ctx())
    assert (result.remote_id, result.created) == (PAGE, False)
    assert update.called and len(graph.calls) == 1


# ---------------------------------------------------------------- update

async def test_update_sends_only_changed_params(client, graph):
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    new = record(phones={"primary": "+33198765432"})
    ctx = create_ctx(remote_id=PAGE, previous=fb.render(record()).payload, changed=["phone"])

    result = await fb.push(new, fb.render(new), ctx)

    assert body(update.calls.last) == {"phone": "+33 1 98 76 54 32"}
    assert update.calls.last.request.headers["content-type"] == "application/json"
    assert (result.remote_id, result.created, result.detail["sent"]) == (PAGE, False, ["phone"])


async def test_create_sends_the_page_categories(client, graph):
    graph.get(f"/{PARENT}/locations").respond(200, json={"data": []})
    create = graph.post(f"/{PARENT}/locations").respond(200, json={"id": PAGE})
    fb = connector(client)
    clinic = record(categories={"primary": "medical_center", "additional": ["cardiologist", "medical_laboratory"]})

    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    await fb.push(clinic, fb.render(clinic), create_ctx())

    # Medical Center, Doctor (the cardiologist's parent category), Medical Lab: an update's parameter
    assert "category_list" not in body(create.calls.last)
    assert body(update.calls.last)["category_list"] == ["228143393877753", "188234584533149", "186546178044573"]


async def test_update_of_the_categories_alone_sends_category_list_alone(client, graph):
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    before = fb.render(record()).payload
    moved = record(categories={"primary": "pharmacy"})
    rendering = fb.render(moved)
    changed = [key for key in rendering.payload if rendering.payload[key] != before.get(key)]
    assert changed == ["category_list"]

    result = await fb.push(moved, rendering, create_ctx(remote_id=PAGE, previous=before, changed=changed))

    assert body(update.calls.last) == {"category_list": ["134381433294944"]}
    assert result.detail["sent"] == ["category_list"]


async def test_update_leaves_keys_it_cannot_clear(client, graph):
    update = graph.post(f"/{PAGE}").respond(200, json={"success": True})
    fb = connector(client)
    new = record(website=None, email=None)
    ctx = create_ctx(remote_id=PAGE, changed=["website", "emails"])

    result = await fb.push(new, fb.render(new), ctx)

    assert body(update.calls.last) == {"emails": []}
    assert result.detail["left_unchanged"] == ["website"]


async def test_update_without_success_is_an_error(client, graph):
    graph.post(f"/{PAGE}").respond(200, json={"success": False})
    fb = connector(client)
    with pytest.raises(RetryableError):
        await fb.push(record(), fb.render(record()), create_ctx(remote_id=PAGE, changed=["phone"]))


async def test_token_travels_in_the_header_never_in_the_url(client, graph):
    graph.get(f"/{PARENT}/locations").respond(200, json={"data": []})
    graph.post(f"/{PARENT}/locations").respond(200, json={"id": PAGE})
    graph.post(f"/{PAGE}").respond(200, json={"success": True})
    graph.get(f"/{PAGE}").respond(200, json={"id": PAGE})
    graph.get(f"/{PAGE}/upcoming_changes").respond(200, json={"data": []})
    fb = connector(client)
    await fb.push(record(), fb.render(record()), create_ctx())
    await fb.read_back(PAGE, {"phone": "+33 1 23 45 67 89"})

    assert len(graph.calls) == 5
    for call in graph.calls:
        assert TOKEN not in str(call.request.url)
        assert "access_token" not in str(call.request.url)
        assert call.request.headers["authorization"] == f"Bearer {TOKEN}"


# ---------------------------------------------------------------- errors

def usage(*minutes: int) -> dict[str, str]:
    entries = {f"{i}000": [{"type": "pages", "call_count": 100, "total_cputime": 20, "total_time": 20,
                            "estimated_time_to_regain_access": m}] for i, m in enumerate(minutes, start=1)}
    return {"X-Business-Use-Case-Usage": json.dumps(entries)}


@pytest.mark.parametrize("response, kind, check", [
    (graph_error(190, f"Error validating access token {TOKEN}", error_subcode=463), ActionRequired,
     lambda e: e.reason == TOKEN_REASON),
    (graph_error(200, "(#200) Requires pages_manage_metadata permission", 403), ActionRequired,
     lambda e: "permission" in e.reason),
    (graph_error(10, "(#10) Application does not have permission for this action"), ActionRequired, None),
    (graph_error(3, "(#3) Application does not have the capability to make this API call."), ActionRequired, None),
    (graph_error(100, "(#100) Object does not exist", error_subcode=33), ActionRequired,
     lambda e: "relink" in e.reason),
    (graph_error(100, "(#100) param location[latitude] must be a number"), Rejected,
     lambda e: [(f.field, f.message) for f in e.field_errors] == [
         ("location", "(#100) param location[latitude] must be a number")]),
    (graph_error(100, "(#100) Invalid parameter", error_user_title="Invalid Phone Number",
                 error_user_msg="Enter a valid phone number."), Rejected,
     lambda e: e.field_errors[0].message == "Invalid Phone Number Enter a valid phone number."),
    (graph_error(80001, "(#80001) There have been too many calls to this Page account.",
                 headers=usage(3, 5)), RetryableError,
     lambda e: e.throttled and e.retry_after == 300.0),
    (graph_error(4, "(#4) Application request limit reached", headers={"Retry-After": "30"}), RetryableError,
     lambda e: e.throttled and e.retry_after == 30.0),
    (graph_error(32, "(#32) Page request limit reached", headers=usage(0)), RetryableError,
     lambda e: e.throttled and e.retry_after is None),
    (graph_error(613, "(#613) Calls to this api have exceeded the rate limit."), RetryableError,
     lambda e: e.throttled and e.retry_after is None),
    (graph_error(80004, "(#80004) There have been too many calls to this ad-account.",
                 headers=usage(1)), RetryableError, lambda e: e.throttled and e.retry_after == 60.0),
    (graph_error(17, "(#17) User request limit reached"), RetryableError, lambda e: e.throttled),
    (graph_error(1, "An unknown error occurred", 500), RetryableError, lambda e: not e.throttled),
    (graph_error(2, "Service temporarily unavailable"), RetryableError, lambda e: not e.throttled),
    (httpx.Response(504, text="<html>gateway</html>"), RetryableError, lambda e: e.http_status == 504),
    (httpx.Response(429, text="slow down", headers={"Retry-After": "12"}), RetryableError,
     lambda e: e.throttled and e.retry_after == 12.0),
    (graph_error(368, "The action attempted has been deemed abusive or is otherwise disallowed"), Rejected, None),
    (httpx.Response(404, text="not found"), Rejected, None),
], ids=["190", "200", "10", "3", "100-33", "100-field", "100-user-title", "80001-buc", "4-retry-after",
        "32-no-wait", "613", "80004", "17", "1", "2", "504", "429", "368", "404-no-json"])
def test_classify(response, kind, check):
    error = classify(response, secret=TOKEN)
    assert type(error) is kind
    assert error.http_status == response.status_code
    assert TOKEN not in str(error) and TOKEN not in error.message
    if check:
        assert check(error)


def test_throttle_delay_reads_minutes_from_the_buc_header_and_takes_the_max():
    response = httpx.Response(400, headers=usage(2, 7, 0))
    assert throttle_delay(response) == 420.0
    assert throttle_delay(httpx.Response(400, headers={"X-Business-Use-Case-Usage": "not json",
                                                       "Retry-After": "9"})) == 9.0


async def test_errors_surface_from_push(client, graph):
    graph.post(f"/{PAGE}").mock(return_value=graph_error(190, "Error validating access token", error_subcode=460))
    fb = connector(client)
    with pytest.raises(ActionRequired) as exc:
        await fb.push(record(), fb.render(record()), create_ctx(remote_id=PAGE, changed=["phone"]))
    assert exc.value.reason == "the Facebook token is invalid or expired: reconnect"


async def test_throttled_lookup_carries_retry_after(client, graph):
    graph.get(f"/{PARENT}/locations").mock(return_value=graph_error(
        80001, "(#80001) There have been too many calls to this Page account.", headers=usage(4)))
    fb = connector(client)
    with pytest.raises(RetryableError) as exc:
        await fb.push(record(), fb.render(record()), create_ctx())
    assert exc.value.throttled and exc.value.retry_after == 240.0


# ---------------------------------------------------------------- read-back

def live_page(**overrides) -> dict:
    page = {
        "id": PAGE,
        "link": f"https://www.facebook.com/{PAGE}",
        "phone": "+33123456789",
        "website": "https://www.clinique-du-parc.fr",
        "emails": ["contact@clinique-du-parc.fr"],
        "category_list": [{"id": "133152263416981", "name": "Hospital"}],  # Graph reads categories as objects
        "location": {"street": "12 rue Oberkampf", "city": "Paris", "zip": "75011", "country": "France",
                     "latitude": 48.8656, "longitude": 2.3781},
        "hours": {"sat_1_close": "12:00", "sat_1_open": "09:00", "mon_2_close": "19:00", "mon_2_open": "14:00",
                  "mon_1_close": "12:00", "mon_1_open": "08:00"},
        "is_permanently_closed": False,
        "temporary_status": "operating_as_usual",
        "about": "Clinique privée de chirurgie ambulatoire.",
        "description": "Clinique privée de chirurgie ambulatoire.",
    }
    page.update(overrides)
    return page


async def test_read_back_live(client, graph):
    read = graph.get(f"/{PAGE}").respond(200, json=live_page())
    graph.get(f"/{PAGE}/upcoming_changes").respond(200, json={"data": []})
    fb = connector(client)
    pushed = fb.render(record()).payload

    result = await fb.read_back(PAGE, pushed)

    assert (result.state, result.mismatched, result.third_party) == ("live", [], [])
    assert result.live_url == f"https://www.facebook.com/{PAGE}"
    fields = read.calls.last.request.url.params["fields"].split(",")
    assert set(fields) == {"id", "link", *pushed}


async def test_read_back_reports_mismatched_keys(client, graph):
    graph.get(f"/{PAGE}").respond(200, json=live_page(phone="01 99 99 99 99", hours={"mon_1_open": "08:00",
                                                                                     "mon_1_close": "12:00"}))
    graph.get(f"/{PAGE}/upcoming_changes").respond(200, json={"data": []})
    fb = connector(client)

    result = await fb.read_back(PAGE, fb.render(record()).payload)

    assert result.state == "live"
    assert result.mismatched == ["phone", "hours"]


async def test_read_back_sees_categories_changed_on_facebook(client, graph):
    read = graph.get(f"/{PAGE}").respond(200, json=live_page(
        category_list=[{"id": "228143393877753", "name": "Medical Center"}]))
    graph.get(f"/{PAGE}/upcoming_changes").respond(200, json={"data": [
        {"id": "8", "change_type": "knowledge_proposal", "timer_status": "ACTIVE",
         "proposal": {"id": "9", "category": "category", "acceptance_status": "PENDING",
                      "current_value": "228143393877753", "proposed_value": "228143393877753, 134381433294944"}}]})
    fb = connector(client)

    result = await fb.read_back(PAGE, fb.render(record()).payload)

    assert "category_list" in read.calls.last.request.url.params["fields"].split(",")
    assert result.mismatched == ["category_list"]
    assert result.third_party == ["category_list"]


async def test_read_back_lists_meta_proposed_changes(client, graph):
    graph.get(f"/{PAGE}").respond(200, json=live_page())
    graph.get(f"/{PAGE}/upcoming_changes").respond(200, json={"data": [
        {"id": "1", "change_type": "PHONE", "effective_time": "2026-01-04T00:00:00+0000", "timer_status": "ACTIVE",
         "proposal": {"id": "2", "category": "phone", "acceptance_status": "PENDING", "proposed_value": "+33 1 00"}},
        {"id": "3", "change_type": "ADDRESS", "timer_status": "ACTIVE"},
        {"id": "4", "change_type": "NAME", "proposal": {"id": "5", "category": "name",
                                                        "acceptance_status": "PENDING"}},
        {"id": "6", "change_type": "HOURS", "proposal": {"id": "7", "category": "hours",
                                                         "acceptance_status": "REJECTED"}},
    ]})
    fb = connector(client)

    result = await fb.read_back(PAGE, fb.render(record()).payload)

    assert result.third_party == ["phone", "location", "name"]
    assert result.mismatched == []
    assert "phone" in result.message


async def test_read_back_of_a_missing_page(client, graph):
    graph.get(f"/{PAGE}").mock(return_value=graph_error(
        100, f"Unsupported get request. Object with ID '{PAGE}' does not exist", error_subcode=33))
    fb = connector(client)
    with pytest.raises(ActionRequired):
        await fb.read_back(PAGE, {"phone": "+33 1 23 45 67 89"})
