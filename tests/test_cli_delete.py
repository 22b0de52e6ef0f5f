"""`vitrine establishments delete CODE --on-platforms …`: the choice is stored and the site stays
in `vitrine status` until the platforms are settled (no worker runs here: it waits, in view)."""

import json

from tests.test_cli import vitrine  # noqa: F401  (the fixture)


def test_delete_takes_a_choice_and_the_site_stays_in_status(vitrine, tmp_path):  # noqa: F811
    target = tmp_path / "template.xlsx"
    vitrine("template", str(target))
    vitrine("import", str(target), "--json")
    vitrine("connect", "google", "-c", "access_token=secret-token", "-o", "account=accounts/1")
    code = json.loads(vitrine("establishments", "list", "--json").stdout)[0]["store_code"]
    refused = vitrine("establishments", "delete", code, "--on-platforms", "wipe", code=2)
    assert "wipe" in refused.output
    said = vitrine("establishments", "delete", code, "--on-platforms", "close").output
    assert "close" in said and code in said
    vitrine("establishments", "show", code, code=1)  # gone from Vitrine's records
    rows = [r for r in json.loads(vitrine("status", "--json").stdout) if r["store_code"] == code]
    assert [r["platform"] for r in rows] == ["google"] and rows[0]["status"] == "pending"  # in view until settled

