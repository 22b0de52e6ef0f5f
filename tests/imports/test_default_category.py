"""A file's default category, on the API form and the CLI option (issue 10, item 2)."""

import json

from tests.imports.helpers import xlsx
from tests.test_cli import vitrine  # noqa: F401  (the CLI fixture)

EXPORT = xlsx([["Code site", "Nom", "Adresse", "Ville"],
               ["A-1", "Centre Horizon", "1 rue X", "Paris"],
               ["A-2", "Clinique du Parc", "2 rue Y", "Paris"]])


async def test_the_api_default_fills_rows_without_a_category_after_inference(client):
    response = await client.post("/api/v1/imports", data={"default_category": "Centre médical"},
                                 files={"file": ("sites.xlsx", EXPORT, "application/octet-stream")})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [r["record"]["categories"]["primary"] for r in rows] == ["medical_center", "private_clinic"]
    assert [s["note"] for s in rows[0]["cleaning"] if s.get("note")] == ["no category: the file's default medical_center"]


async def test_an_unknown_default_is_a_clear_file_error(client):
    response = await client.post("/api/v1/imports", data={"default_category": "Garage"},
                                 files={"file": ("sites.xlsx", EXPORT, "application/octet-stream")})
    assert response.status_code == 422
    assert "default category: unknown category 'Garage'" in response.text


async def test_the_default_never_replaces_a_stored_category(client):
    for default in ("medical_center", "pharmacy"):
        response = await client.post("/api/v1/imports", data={"default_category": default},
                                     files={"file": ("sites.xlsx", EXPORT, "application/octet-stream")})
        assert response.status_code == 200, response.text
    assert [r["action"] for r in response.json()["rows"]] == ["unchanged", "unchanged"]
    assert (await client.get("/api/v1/establishments/A-1")).json()["categories"]["primary"] == "medical_center"
    assert (await client.get("/api/v1/establishments/A-2")).json()["categories"]["primary"] == "private_clinic"


def test_the_cli_option(vitrine, tmp_path):  # noqa: F811
    path = tmp_path / "sites.xlsx"
    path.write_bytes(EXPORT)
    report = json.loads(vitrine("import", str(path), "--dry-run", "--json", "--default-category", "hospital").stdout)
    assert [r["record"]["categories"]["primary"] for r in report["rows"]] == ["hospital", "private_clinic"]
