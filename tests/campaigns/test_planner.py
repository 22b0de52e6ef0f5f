"""The planners alone: what each request changes on each site, and every error it names."""

from datetime import date

import pytest

from schemas.campaigns import HolidayClosureRequest, PhoneMigrationRequest
from service.campaigns import planner
from service.models import EstablishmentRow
from tests.establishments.factories import record


def row(code: str, primary: str | None, additional=(), revision: int = 3, country: str = "FR", **data) -> EstablishmentRow:
    content = {k: v for k, v in record(code, **data).items() if k != "store_code"}
    content["phones"] = {"primary": primary, "additional": list(additional)}
    content["address"] = {**content["address"], "country": country}
    return EstablishmentRow(id=hash(code) % 10_000, organisation_id=1, store_code=code, name=content["name"],
                            status="open", locality="Paris", data=content, revision=revision)


def rows(*items: EstablishmentRow) -> dict[str, EstablishmentRow]:
    return {r.store_code: r for r in items}


def mapping(*lines, **options) -> PhoneMigrationRequest:
    return PhoneMigrationRequest(mapping=[dict(zip(("store_code", "new_phone", "old_phone"), line)) for line in lines],
                                 **options)


def test_mapping_replaces_the_primary_number_in_e164():
    plan = planner.phone_migration(rows(row("A", "+33892680001")), mapping(("A", "04 78 12 34 56")))
    assert not plan.errors
    [change] = plan.changes
    assert change.before == {"phones": {"primary": "+33892680001", "additional": []}}
    assert change.after == {"phones": {"primary": "+33478123456", "additional": []}}


def test_every_error_of_a_mapping_is_listed_with_its_line_and_field():
    sites = rows(row("A", "+33892680001"), row("B", "+33892680002"), row("C", "+33892680003"),
                 row("D", "+33892680004"))
    plan = planner.phone_migration(sites, mapping(
        ("A", "04 78 12 34 56"),
        ("NOPE", "04 78 12 34 57"),                  # unknown store code
        ("A", "04 78 12 34 58"),                     # same site twice
        ("B", "04 78 12"),                           # not a valid number
        ("C", "+32 470 12 34 56"),                   # a Belgian number for a French site
        ("D", "04 78 12 34 59", "01 23 45 67 89"),   # the guard does not match
    ))
    assert [(e.field, e.code) for e in plan.errors] == [
        ("mapping[1].store_code", "unknown_store_code"),
        ("mapping[2].store_code", "duplicate"),
        ("mapping[3].new_phone", "invalid_phone"),
        ("mapping[4].new_phone", "invalid_phone"),
        ("mapping[5].old_phone", "guard_mismatch"),
    ]
    assert "'NOPE'" in plan.errors[0].message and "mapping[0]" in plan.errors[1].message
    assert "of BE, not of the site's country FR" in plan.errors[3].message
    assert "+33123456789" in plan.errors[4].message  # names the numbers the site has


def test_workbook_lines_are_named_by_row_and_column():
    plan = planner.phone_migration(rows(row("A", "+33892680001")), mapping(("A", "nope")), where=["row 7"])
    assert plan.errors[0].field == "row 7, column new_phone"


def test_a_number_valid_for_the_sites_own_country_is_accepted():
    plan = planner.phone_migration(rows(row("RE-1", "+262262123456", country="RE")),
                                   mapping(("RE-1", "0262 99 88 77")))
    assert not plan.errors, plan.errors
    assert plan.changes[0].after["phones"]["primary"] == "+262262998877"


def test_the_guard_picks_which_number_to_replace():
    site = row("A", "+33478000001", ["+33892680001"])
    plan = planner.phone_migration(rows(site), mapping(("A", "04 78 00 00 02", "0 892 68 00 01")))
    assert plan.changes[0].after == {"phones": {"primary": "+33478000001", "additional": ["+33478000002"]}}


def test_keeping_the_old_number_as_additional():
    plan = planner.phone_migration(rows(row("A", "+33892680001", ["+33478999999"])),
                                   mapping(("A", "04 78 12 34 56"), keep_old_as_additional=True,
                                           keep_old_until="2027-01-31T00:00:00+01:00"))
    assert plan.changes[0].after == {"phones": {"primary": "+33478123456",
                                                "additional": ["+33892680001", "+33478999999"]}}


def test_a_site_already_on_its_new_number_is_unchanged():
    plan = planner.phone_migration(rows(row("A", "+33478123456")), mapping(("A", "04 78 12 34 56")))
    assert plan.unchanged == ["A"] and not plan.changes and not plan.errors


def test_replace_rule_finds_the_number_as_primary_or_additional():
    sites = rows(row("A", "+33892680001"), row("B", "+33478000001", ["+33892680001"]), row("C", "+33478000002"))
    plan = planner.phone_migration(sites, PhoneMigrationRequest(replace={"old": "0 892 68 00 01",
                                                                          "new": "04 78 55 55 55"}))
    after = {c.row.store_code: c.after["phones"] for c in plan.changes}
    assert after == {"A": {"primary": "+33478555555", "additional": []},
                     "B": {"primary": "+33478000001", "additional": ["+33478555555"]}}


def test_replace_rule_matching_nothing_says_so():
    plan = planner.phone_migration(rows(row("A", "+33478000001")),
                                   PhoneMigrationRequest(replace={"old": "0892680001", "new": "0478555555"}))
    assert [(e.field, e.code) for e in plan.errors] == [("replace.old", "no_match")]


def test_prefix_rule_moves_every_matching_number_and_keeps_the_rest_of_it():
    sites = rows(row("A", "+33892680001", ["+33892680099"]), row("B", "+33478000001"))
    plan = planner.phone_migration(sites, PhoneMigrationRequest(prefix={"from_prefix": "+33 892",
                                                                         "to_prefix": "+33 478"}))
    assert [c.row.store_code for c in plan.changes] == ["A"]
    assert plan.changes[0].after["phones"] == {"primary": "+33478680001", "additional": ["+33478680099"]}


def test_prefix_rule_producing_an_invalid_number_is_an_error():
    plan = planner.phone_migration(rows(row("A", "+33892680001")),
                                   PhoneMigrationRequest(prefix={"from_prefix": "+33892", "to_prefix": "+3399"}))
    assert plan.errors and plan.errors[0].code == "invalid_phone" and "+33892680001" in plan.errors[0].message


def test_a_request_gives_exactly_one_way_to_migrate():
    with pytest.raises(ValueError, match="exactly one of mapping, replace or prefix"):
        PhoneMigrationRequest(replace={"old": "1", "new": "2"}, prefix={"from_prefix": "+33", "to_prefix": "+34"})
    with pytest.raises(ValueError, match="needs keep_old_until"):
        PhoneMigrationRequest(replace={"old": "1", "new": "2"}, keep_old_as_additional=True)


def test_holiday_closure_adds_the_period_and_replaces_an_overlapping_one():
    opened = [{"start_date": "2026-12-24", "end_date": "2026-12-26", "closed": False,
               "intervals": [{"open": "09:00", "close": "12:00"}]},
              {"start_date": "2027-01-01", "end_date": "2027-01-01", "closed": True, "intervals": []}]
    site = row("A", "+33478000001", hours={"regular": {}, "special": opened})
    plan = planner.holiday_closure([site], HolidayClosureRequest(start_date=date(2026, 12, 25)))
    special = plan.changes[0].after["hours"]["special"]
    assert [(p["start_date"], p["end_date"], p["closed"]) for p in special] == [
        ("2026-12-25", "2026-12-25", True), ("2027-01-01", "2027-01-01", True)]
    assert plan.changes[0].before["hours"]["special"] == opened  # what a rollback restores


def test_rollback_plan_reports_sites_changed_since_as_conflicts():
    kept = row("A", "+33478000001")
    changed = row("B", "+33478000099")
    written = {"phones": {"primary": "+33478000001", "additional": []}}
    before = {"phones": {"primary": "+33892680001", "additional": []}}
    written_b = {"phones": {"primary": "+33478000002", "additional": []}}
    plan = planner.reverse([(kept, written, before), (changed, written_b, before)])
    assert [c.row.store_code for c in plan.changes] == ["A"]
    assert plan.changes[0].after == before
    assert [(r.store_code, why) for r, _, why in plan.conflicts] == [
        ("B", "changed since the campaign: phones is no longer what it wrote")]
