"""The dashboard in a real browser (Chromium through Playwright) against a real server and sandbox."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import httpx
import openpyxl
import pytest

from service.imports.template import DATA_SHEET, build_template
from tests.browser.conftest import api, shot, wait_until

pytestmark = pytest.mark.slow

SETTLING = {"pending", "in_progress", "awaiting_review"}


def settled(vitrine) -> dict:
    def done():
        summary = api(vitrine).get("/api/v1/sync/summary").json()
        return summary if summary["totals"] and not SETTLING & set(summary["totals"]) else None
    return wait_until(done, timeout=60)


def test_log_in_and_the_overview_counts_equal_the_api(login, vitrine):
    summary = settled(vitrine)
    page = login("admin")
    page.reload()
    assert page.locator("h1").inner_text() == "Vue d'ensemble"
    for platform, counts in summary["platforms"].items():
        for status, n in counts.items():
            assert page.get_by_test_id(f"count-{platform}-{status}").inner_text() == str(n)
    for status, n in summary["totals"].items():
        assert page.get_by_test_id(f"total-{status}").inner_text() == str(n)
    shot(page, "overview-1280")
    narrow = login("admin", width=390)
    shot(narrow, "overview-390")


def test_english_by_the_browsers_language_and_by_the_switch(login):
    page = login("viewer", lang="en-GB")
    assert page.locator("h1").inner_text() == "Overview"
    page.click("button[name=lang]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Vue d'ensemble"


def test_filter_the_sites(login):
    page = login("viewer")
    page.goto("/sites")
    page.fill("input[name=label]", "Pôle Nord")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"label="))
    codes = page.locator("#sites tbody td:first-child").all_inner_texts()
    assert codes == ["NORD-01", "NORD-02", "NORD-03"]
    badge = page.locator("#sites .badge").first
    assert badge.inner_text().strip() and "s-" in badge.get_attribute("class")  # text, not colour alone


def test_edit_a_phone_and_see_it_pushed_to_the_sandbox(login, vitrine):
    _, sandbox, _ = vitrine
    settled(vitrine)
    page = login("editor")
    page.goto("/sites/NORD-02")
    page.fill("#f-phone", "+33320999999")
    page.click("#edit button[type=submit]")
    assert "Enregistré" in page.locator(".ok").inner_text()

    def pushed():
        dump = httpx.get(f"{sandbox.url}/_sandbox/google/locations").text
        return "+33 3 20 99 99 99" in dump or "+33320999999" in dump or "03 20 99 99 99" in dump
    wait_until(pushed, timeout=60)
    page.reload()
    history = page.locator("#history tbody tr").first.inner_text()
    assert "editor@horizon.example" in history and "+33320999999" in history
    shot(page, "site-1280")
    narrow = login("editor", width=390)
    narrow.goto("/sites/NORD-02")
    shot(narrow, "site-390")


def test_a_conflicting_edit_is_shown_and_not_saved(login, vitrine):
    first, second = login("editor"), login("admin")
    first.goto("/sites/NORD-03")
    second.goto("/sites/NORD-03")
    second.fill("#f-name", "Maternité Lille Sud (rénovée)")
    second.click("#edit button[type=submit]")
    first.fill("#f-name", "Maternité de Lille")
    first.click("#edit button[type=submit]")
    assert first.locator("#conflict").is_visible()
    assert "PAS été enregistrées" in first.locator("#conflict").inner_text()
    assert api(vitrine).get("/api/v1/establishments/NORD-03").json()["name"] == "Maternité Lille Sud (rénovée)"


def _workbook_with_errors(path) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb[DATA_SHEET]
    ws.delete_rows(2, ws.max_row)
    good = ["IMP-001", "Clinique Neuve", "Ouvert", "3 rue Neuve", None, "59000", "Lille", "France", 50.6, 3.1,
            "03 20 11 22 33", None, None, None, "Hôpital", None, None, None, None, "Pôle Nord", None]
    bad = list(good)
    bad[0], bad[10] = "IMP-002", "12"
    ws.append(good)
    ws.append(bad)
    wb.save(path)


def test_upload_a_workbook_with_errors_and_see_the_cells(login, tmp_path):
    path = tmp_path / "sites.xlsx"
    _workbook_with_errors(path)
    page = login("editor")
    page.goto("/imports")
    page.set_input_files("#file", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_url(re.compile(r"/imports/[0-9a-f-]+$"))
    cell = page.locator("#report td.cell-error")
    assert cell.count() == 1
    assert cell.get_attribute("data-column") == "Téléphone / Phone"
    assert cell.locator(".why").inner_text().strip()
    assert "1 rejected" in page.locator("#outcome").inner_text()
    assert page.locator("text=Confirmer l'import").count() == 0  # nothing is written while a row is wrong


def test_a_phone_migration_dry_run_then_applied(login, vitrine):
    settled(vitrine)
    page = login("editor")
    page.goto("/campaigns")
    page.fill("#pm-name", "Standard Lille")
    page.fill("#pm-old", "+33320000001")
    page.fill("#pm-new", "+33320555555")
    page.click("#phone-migration button[type=submit]")
    page.wait_for_url(re.compile(r"/campaigns/[0-9a-f-]+$"))
    assert page.locator("#state").inner_text() == "draft"
    assert page.locator("#plan tbody tr time").count() >= 1  # per-platform plan with its ETA
    assert api(vitrine).get("/api/v1/establishments/NORD-01").json()["phones"]["primary"] == "+33320000001"
    page.click("#apply-now button")
    page.wait_for_function("document.querySelector('#percent') && "
                           "parseFloat(document.querySelector('#percent').textContent) >= 100", timeout=60000)
    assert page.locator("#state").inner_text() == "applied"
    assert api(vitrine).get("/api/v1/establishments/NORD-01").json()["phones"]["primary"] == "+33320555555"
    shot(page, "campaign-1280")
    narrow = login("editor", width=390)
    narrow.goto(page.url)
    shot(narrow, "campaign-390")


def test_the_action_queue_marks_a_manual_edit_done(login, vitrine):
    settled(vitrine)
    page = login("editor")
    page.goto("/queue")
    assert "Faire les modifications indiquées" in page.locator("main").inner_text()
    shot(page, "queue-1280")
    narrow = login("viewer", width=390)
    narrow.goto("/queue")
    shot(narrow, "queue-390")
    before = page.locator("form[action$='/tripadvisor/done']").count()
    page.locator("form[action='/queue/SUD-01/tripadvisor/done'] button").click()
    page.wait_for_url("**/queue")
    assert page.locator("form[action$='/tripadvisor/done']").count() == before - 1
    status = [t for t in api(vitrine).get("/api/v1/establishments/SUD-01/sync").json() if t["platform"] == "tripadvisor"]
    assert status[0]["status"] == "submitted"


def test_a_viewer_cannot_edit(login):
    page = login("viewer")
    page.goto("/sites/SUD-02")
    assert page.locator("#edit").count() == 0
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    response = page.request.post("/sites/SUD-02", form={"csrf": token, "revision": "1", "name": "X"})
    assert response.status == 403


def test_a_user_limited_to_one_label_sees_only_its_sites(login, vitrine):
    page = login("nord")
    page.goto("/sites")
    codes = page.locator("#sites tbody td:first-child").all_inner_texts()
    assert codes and all(c.startswith("NORD-") for c in codes)
    response = page.goto("/sites/SUD-01")
    assert response.status == 404
    assert api(vitrine, "nord").get("/api/v1/establishments/SUD-01").status_code == 404
    assert api(vitrine, "nord").get("/api/v1/establishments/NORD-01").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(login):
    page = login("editor")
    response = page.request.post("/sites/SUD-02", form={"revision": "1", "name": "Forged"})
    assert response.status == 403


def test_a_site_named_script_is_inert(login):
    page = login("admin")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in ("/sites?label=P%C3%B4le+Sud", "/sites/SUD-03"):
        page.goto(url)
        assert page.evaluate("window.__pwned") is None
        assert "<script>window.__pwned=1</script>" in page.locator("main").inner_text()
    assert dialogs == []


PAGES = ["/overview", "/sites", "/sites/NORD-01", "/queue", "/imports", "/campaigns", "/platforms", "/settings",
         "/docs"]


def test_no_request_leaves_127_0_0_1(login):
    page = login("admin")
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlparse(r.url).hostname or r.url))
    for url in PAGES:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui").count() == 1  # Swagger rendered, from local files
    assert len(hosts) >= len(PAGES) and set(hosts) == {"127.0.0.1"}
