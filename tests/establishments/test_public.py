"""Reads serialise the stored record without rebuilding the model (service/establishments/public.py):
the JSON must be what `EstablishmentPublic` gives, for every record of the sample workbook and for
a record stored before a field existed."""

from __future__ import annotations

from sqlmodel import select

from schemas import EstablishmentPublic
from service.establishments.public import public_dict
from service.imports.sample import build_sample
from service.models import EstablishmentRow


def _through_the_model(row: EstablishmentRow) -> dict:
    return EstablishmentPublic.model_validate(
        {"store_code": row.store_code, **row.data, "revision": row.revision, "updated_at": row.updated_at}
    ).model_dump(mode="json")


async def test_every_sample_record_reads_as_the_model_gives_it(client, session_factory, org_id):
    imported = await client.post("/api/v1/imports", data={"allow_partial": "true"},
                                 files={"file": ("sample.xlsx", build_sample(), "application/octet-stream")})
    assert imported.status_code == 200, imported.text
    async with session_factory() as session:
        rows = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.organisation_id == org_id))).all()
    assert len(rows) == imported.json()["summary"]["create"] > 100
    for row in rows:
        assert public_dict(row) == _through_the_model(row), row.store_code

    listed = (await client.get("/api/v1/establishments", params={"limit": 500})).json()["items"]
    by_code = {row.store_code: _through_the_model(row) for row in rows}
    assert {item["store_code"]: item for item in listed} == by_code
    one = await client.get(f"/api/v1/establishments/{rows[0].store_code}")
    assert one.json() == by_code[rows[0].store_code]
    assert one.headers["etag"] == f'"{rows[0].revision}"'


async def test_a_record_stored_before_a_field_existed_gets_the_models_defaults(client, session_factory, org_id):
    created = await client.post("/api/v1/establishments", json={
        "store_code": "OLD-1", "name": "Clinique", "address": {
            "lines": ["1 rue A"], "postal_code": "75001", "locality": "Paris", "country": "FR"}})
    assert created.status_code == 201, created.text
    async with session_factory() as session:
        row = (await session.exec(select(EstablishmentRow).where(EstablishmentRow.store_code == "OLD-1"))).one()
        row.data = {k: v for k, v in row.data.items() if k != "photos"}  # as stored before photos existed
        session.add(row)
        await session.commit()
    answer = (await client.get("/api/v1/establishments/OLD-1")).json()
    assert answer["photos"] == [] and answer == {**created.json(), "photos": []}
