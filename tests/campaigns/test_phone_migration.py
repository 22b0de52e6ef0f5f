"""Phone-number migration campaigns end to end: the API with its in-process runner, the
sandbox over real HTTP, on SQLite and PostgreSQL."""

import asyncio
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.sync.limiter import JITTER
from openpyxl import Workbook, load_workbook

from tests.campaigns.conftest import API, FEED, connect, quiet, seed, settled, wait_campaign

pytestmark = pytest.mark.slow
N = 120


def new_number(i: int) -> str:
    return f"04 78 {i // 100:02d} {i % 100:02d} 00"


def e164(i: int) -> str:
    return f"+33478{i // 100:02d}{i % 100:02d}00"


def old_e164(i: int) -> str:
    return f"+3389268{i:04d}"


async def google_phone(sandbox_url: str, remote_id: str) -> str:
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/google/v1",
                                 headers={"Authorization": "Bearer sandbox-google-token"}) as c:
        response = await c.get(f"/{remote_id}", params={"readMask": "phoneNumbers"})
        assert response.status_code == 200, response.text
        return response.json()["phoneNumbers"]["primaryPhone"]


async def remote_ids(client, codes, platform="google") -> dict[str, str]:
    out = {}
    for code in codes:
        rows = (await client.get(f"/api/v1/establishments/{code}/sync")).json()
        out[code] = next(r["remote_id"] for r in rows if r["platform"] == platform)
    return out


# In-process jobs are the embedded (SQLite) deployment; PostgreSQL runs arq workers, whose
# campaign path tests/sync/test_worker.py covers. Every smaller campaign test runs on both.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_120_site_migration_plans_an_eta_then_reaches_every_platform_that_takes_it(client, sandbox, backend):
    platforms = await connect(client, sandbox.url)
    await seed(client, N)
    await quiet(client)
    revisions_before = {r["store_code"]: r["revision"] for r in
                        (await client.get("/api/v1/establishments", params={"limit": 500})).json()["items"]}

    mapping = [{"store_code": f"H-{i:03d}", "new_phone": new_number(i), "old_phone": f"08 92 68 {i:04d}"[:14]}
               for i in range(N)]
    dry = await client.post("/api/v1/campaigns/phone-migration",
                            json={"mapping": mapping, "dry_run": True, "name": "numéros géographiques"})
    assert dry.status_code == 201, dry.text
    plan = dry.json()
    assert plan["state"] == "draft" and plan["summary"]["sites"] == N
    assert plan["sites"][7] == {"store_code": "H-007", "before": {"phones": {"primary": old_e164(7), "additional": []}},
                                "after": {"phones": {"primary": e164(7), "additional": []}}, "base_revision": 1,
                                "outcome": "planned", "revision": None, "detail": None}
    by_platform = {p["platform"]: p for p in plan["platforms"]}
    assert set(by_platform) == set(platforms)
    google = by_platform["google"]
    # exactly what goes to Google: the phone, nothing else
    assert google["sends"][7] == {"store_code": "H-007",
                                  "fields": {"phoneNumbers": {"primaryPhone": e164(7)}}}
    assert google["requests"] == 2 * N and google["quota"] == "100/1s, 10/1s per site"  # pushes and read-backs
    # the ETA follows the quota: 240 requests at 100 a second (paced at 98%) ≈ 2.4 s, then Google's review
    created = datetime.fromisoformat(plan["created_at"])
    sent = (datetime.fromisoformat(google["sent_by"]) - created).total_seconds()
    assert 2.4 < sent < 4.0, sent
    # HTTP calls: a push, and a read-back of two calls (the page, its upcoming changes)
    assert by_platform["facebook"]["requests"] == 3 * N and by_platform["facebook"]["quota"] == "20/1s"
    fb_sent = (datetime.fromisoformat(by_platform["facebook"]["sent_by"]) - created).total_seconds()
    paced = 360 * (1 + JITTER) / 20  # 360 calls at 20 a second, paced leaving JITTER s of room in the window
    assert paced - 0.6 < fb_sent < paced + 1.5, (fb_sent, paced)
    assert by_platform[FEED]["done_state"] == "submitted" and by_platform[FEED]["requests"] == 1
    assert by_platform["waze"]["reachable"] and "follows google" in by_platform["waze"]["note"]
    assert not by_platform["tripadvisor"]["reachable"] and by_platform["tripadvisor"]["done_by"] is None
    assert "owner portal" in by_platform["tripadvisor"]["note"]
    # a dry run writes nothing
    after_dry = {r["store_code"]: r["revision"] for r in
                 (await client.get("/api/v1/establishments", params={"limit": 500})).json()["items"]}
    assert after_dry == revisions_before

    applied = await client.post(f"/api/v1/campaigns/{plan['id']}/apply")
    assert applied.status_code == 200, applied.text
    assert applied.json()["state"] == "applied"
    body = await wait_campaign(client, plan["id"], settled, timeout=120)
    progress = {p["platform"]: p for p in body["platforms"]}
    assert body["percent"] == 100.0
    for platform in API + ("waze",):
        assert progress[platform]["done"] == N and progress[platform]["counts"] == {"live": N}, progress[platform]
        assert progress[platform]["reachable"] and progress[platform]["failures"] == []
    assert progress[FEED]["counts"] == {"submitted": N} and progress[FEED]["done"] == N
    manual = progress["tripadvisor"]
    assert not manual["reachable"] and manual["counts"] == {"action_required": N}
    assert manual["failures"][0]["reason"].startswith("change on Tripadvisor by hand: ")

    # every Google listing holds the new number
    ids = await remote_ids(client, [f"H-{i:03d}" for i in (0, 59, 119)])
    assert [await google_phone(sandbox.url, ids[c]) for c in sorted(ids)] == [e164(0), e164(59), e164(119)]
    revision = (await client.get("/api/v1/establishments/H-010/revisions")).json()["items"][0]
    assert revision["source"] == "campaign" and revision["source_ref"] == plan["id"]

    report = await client.get(f"/api/v1/campaigns/{plan['id']}/report.xlsx")
    assert report.status_code == 200
    wb = load_workbook(io.BytesIO(report.content))
    rows = list(wb["Sites"].iter_rows(values_only=True))
    assert rows[0][:8] == ("Store code", "Site", "Before", "After", "Campaign outcome", "Platform", "Status", "Done")
    assert len(rows) == 1 + N * len(platforms)  # one row per site and platform
    h7 = [r for r in rows[1:] if r[0] == "H-007"]
    assert {r[5] for r in h7} >= {"Google Business Profile", "Facebook Pages"} and h7[0][2] == old_e164(7)
    assert h7[0][3] == e164(7) and {r[7] for r in h7 if r[5] != "Tripadvisor"} == {"yes"}
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Campaign"][1] == plan["id"] and summary["State"][1] == "applied"


async def test_invalid_mapping_is_rejected_whole_with_every_error(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 3)
    response = await client.post("/api/v1/campaigns/phone-migration", json={"mapping": [
        {"store_code": "H-000", "new_phone": "04 78 00 00 01"},
        {"store_code": "H-999", "new_phone": "04 78 00 00 02"},
        {"store_code": "H-000", "new_phone": "04 78 00 00 03"},
        {"store_code": "H-001", "new_phone": "12"},
    ]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_campaign" and "3 error(s)" in error["message"]
    assert [e["field"] for e in error["errors"]] == ["mapping[1].store_code", "mapping[2].store_code",
                                                     "mapping[3].new_phone"]
    assert (await client.get("/api/v1/campaigns")).json()["items"] == []
    assert (await client.get("/api/v1/establishments/H-000")).json()["phones"]["primary"] == old_e164(0)


async def test_a_site_edited_between_dry_run_and_apply_is_a_conflict_not_overwritten(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 3)
    await quiet(client)
    dry = (await client.post("/api/v1/campaigns/phone-migration", json={"dry_run": True, "mapping": [
        {"store_code": f"H-{i:03d}", "new_phone": new_number(i)} for i in range(3)]})).json()
    edited = await client.patch("/api/v1/establishments/H-001", json={"phones": {"primary": "+33478999999"},
                                                                       "website": "https://h1.example.fr/"})
    assert edited.status_code == 200
    applied = await client.post(f"/api/v1/campaigns/{dry['id']}/apply")
    assert applied.json()["summary"]["outcomes"] == {"applied": 2, "conflict": 1}
    sites = {s["store_code"]: s for s in (await client.get(f"/api/v1/campaigns/{dry['id']}/sites")).json()["items"]}
    assert sites["H-001"]["outcome"] == "conflict"
    assert "revision 1 → 2" in sites["H-001"]["detail"] and "phones.primary, website" in sites["H-001"]["detail"]
    assert "api (key:" in sites["H-001"]["detail"]
    assert (await client.get("/api/v1/establishments/H-001")).json()["phones"]["primary"] == "+33478999999"
    assert (await client.get("/api/v1/establishments/H-002")).json()["phones"]["primary"] == e164(2)
    assert sites["H-002"]["outcome"] == "applied" and sites["H-002"]["revision"] == 2


async def test_a_scheduled_cut_over_waits_for_its_time_then_a_rollback_restores_every_number(client, sandbox):
    platforms = await connect(client, sandbox.url, platforms=("google", "facebook"), tripadvisor=False)
    await seed(client, 4)
    await quiet(client)
    at = datetime.now(UTC) + timedelta(seconds=3)
    created = await client.post("/api/v1/campaigns/phone-migration", json={"apply_at": at.isoformat(), "mapping": [
        {"store_code": f"H-{i:03d}", "new_phone": new_number(i)} for i in range(4)]})
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["state"] == "scheduled" and datetime.fromisoformat(campaign["apply_at"]) == at
    await asyncio.sleep(1.5)
    before = (await client.get(f"/api/v1/campaigns/{campaign['id']}")).json()
    assert before["state"] == "scheduled" and before["started_at"] is None
    assert (await client.get("/api/v1/establishments/H-000")).json()["revision"] == 1
    body = await wait_campaign(client, campaign["id"], settled, timeout=60)
    started = datetime.fromisoformat(body["started_at"])
    assert at <= started < at + timedelta(seconds=1.5), (at, started)  # on time: not before, not late
    assert body["percent"] == 100.0
    ids = await remote_ids(client, ["H-000", "H-003"])
    assert [await google_phone(sandbox.url, ids[c]) for c in ("H-000", "H-003")] == [e164(0), e164(3)]

    rollback = await client.post(f"/api/v1/campaigns/{campaign['id']}/rollback")
    assert rollback.status_code == 201, rollback.text
    back = rollback.json()
    assert back["kind"] == "rollback" and back["parent_id"] == campaign["id"] and back["state"] == "applied"
    assert back["sites"][0]["after"] == {"phones": {"primary": old_e164(0), "additional": []}}
    body = await wait_campaign(client, back["id"], settled, timeout=60)
    assert body["percent"] == 100.0 and {p["platform"] for p in body["platforms"]} == set(platforms)
    for i in range(4):
        assert (await client.get(f"/api/v1/establishments/H-{i:03d}")).json()["phones"]["primary"] == old_e164(i)
    assert [await google_phone(sandbox.url, ids[c]) for c in ("H-000", "H-003")] == [old_e164(0), old_e164(3)]
    again = await client.post(f"/api/v1/campaigns/{campaign['id']}/rollback")
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_roll_back"


async def test_a_cancelled_scheduled_campaign_never_runs(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 2)
    at = datetime.now(UTC) + timedelta(seconds=1)
    campaign = (await client.post("/api/v1/campaigns/phone-migration", json={"apply_at": at.isoformat(), "mapping": [
        {"store_code": "H-000", "new_phone": new_number(0)}]})).json()
    cancelled = await client.post(f"/api/v1/campaigns/{campaign['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    await asyncio.sleep(2.0)
    assert (await client.get(f"/api/v1/campaigns/{campaign['id']}")).json()["state"] == "cancelled"
    assert (await client.get("/api/v1/establishments/H-000")).json()["phones"]["primary"] == old_e164(0)


async def test_keeping_the_old_number_until_a_date_then_dropping_it(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 2)
    until = datetime.now(UTC) + timedelta(seconds=2)
    campaign = (await client.post("/api/v1/campaigns/phone-migration", json={
        "keep_old_as_additional": True, "keep_old_until": until.isoformat(),
        "mapping": [{"store_code": f"H-{i:03d}", "new_phone": new_number(i)} for i in range(2)]})).json()
    assert campaign["state"] == "applied", campaign
    site = (await client.get("/api/v1/establishments/H-001")).json()
    assert site["phones"] == {"primary": e164(1), "additional": [old_e164(1)]}
    deadline = asyncio.get_running_loop().time() + 30
    while (await client.get("/api/v1/establishments/H-001")).json()["phones"]["additional"]:
        assert asyncio.get_running_loop().time() < deadline, "the transition did not end"
        await asyncio.sleep(0.3)
    listed = (await client.get("/api/v1/campaigns")).json()["items"]
    transition = next(c for c in listed if c["kind"] == "transition_end")
    assert transition["parent_id"] == campaign["id"] and transition["state"] == "applied"
    assert datetime.fromisoformat(transition["started_at"]) >= until
    assert (await client.get("/api/v1/establishments/H-000")).json()["phones"] == {"primary": e164(0),
                                                                                    "additional": []}


async def test_a_mapping_workbook_with_french_headers(client, sandbox):
    await connect(client, sandbox.url, platforms=("google",), waze=False, tripadvisor=False, feed=False)
    await seed(client, 3)
    wb = Workbook()
    ws = wb.active
    ws.append(["Migration des numéros — groupe"])
    ws.append(["Code site", "Ancien numéro", "Nouveau numéro"])
    ws.append(["H-000", "08 92 68 00 00", 478000000])  # Excel ate the leading zero
    ws.append([None, None, None])
    ws.append(["H-002", None, "04 78 00 02 00"])
    out = io.BytesIO()
    wb.save(out)
    response = await client.post("/api/v1/campaigns/phone-migration/upload", data={"dry_run": "true"},
                                 files={"file": ("migration.xlsx", out.getvalue())})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "migration.xlsx" and body["state"] == "draft"
    assert [(s["store_code"], s["after"]["phones"]["primary"]) for s in body["sites"]] == [
        ("H-000", "+33478000000"), ("H-002", "+33478000200")]

    ws.append(["H-001", "01 00 00 00 00", "nope"])
    out = io.BytesIO()
    wb.save(out)
    response = await client.post("/api/v1/campaigns/phone-migration/upload",
                                 files={"file": ("migration.xlsx", out.getvalue())})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["error"]["errors"]] == ["row 6, column new_phone",
                                                                        "row 6, column old_phone"]
    bad = await client.post("/api/v1/campaigns/phone-migration/upload", files={"file": ("x.xlsx", b"hello")})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "not_xlsx"
