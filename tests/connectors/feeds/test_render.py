"""Feed rendering: exact rows and exact file bytes."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from connectors.base import Channel
from connectors.feeds import COLUMNS, PARTNERS, render_feed, render_row
from schemas import Establishment
from tests.establishments.factories import record

NINE_SIX = [{"open": "09:00", "close": "18:00"}]
HEADER = ",".join(COLUMNS).encode() + b"\r\n"


def est(**overrides: object) -> Establishment:
    return Establishment.model_validate(record(**overrides))


def test_partners_table() -> None:
    assert set(PARTNERS) == {"pagesjaunes", "mappy", "le118000", "leshoraires", "justacote", "hoodspot", "wemap",
                             "navmii", "cylex", "foursquare_feed"}
    for key, partner in PARTNERS.items():
        assert partner.info.key == key and partner.info.channel is Channel.feed and not partner.info.verifiable
        assert partner.filename.endswith("." + partner.format) and "{date}" in partner.filename
    assert PARTNERS["foursquare_feed"].format == "tsv"
    assert [k for k, p in PARTNERS.items() if p.format == "xlsx"] == ["leshoraires"]
    assert PARTNERS["navmii"].info.typical_delay.days == 90 and PARTNERS["pagesjaunes"].info.typical_delay.days == 21
    from datetime import date
    assert PARTNERS["mappy"].file_name("acme", date(2025, 3, 1)) == "vitrine-acme-2025-03-01.csv"


def test_default_record_exact_row() -> None:
    rendering = render_row(PARTNERS["pagesjaunes"], est())
    assert rendering.payload == {
        "code_etablissement": "CLI-075-001", "nom": "Clinique du Parc", "adresse": "12 rue Oberkampf",
        "complement_adresse": "", "code_postal": "75011", "ville": "Paris", "pays": "FR",
        "latitude": "48.865600", "longitude": "2.378100", "telephone": "01 23 45 67 89",
        "site_web": "https://www.clinique-du-parc.fr/", "email": "contact@clinique-du-parc.fr",
        "categorie": "Clinique privée", "horaires": "Mo 08:00-12:00,14:00-19:00",
        "fermetures_exceptionnelles": "", "statut": "ouvert"}
    assert list(rendering.payload) == list(COLUMNS)
    assert rendering.unsupported == {"categories": "one category column: only the primary category is sent"}


def test_e164_partner_and_foreign_number() -> None:
    assert render_row(PARTNERS["cylex"], est()).payload["telephone"] == "+33123456789"
    foreign = est(phones={"primary": "+32 2 555 12 12"})
    assert render_row(PARTNERS["pagesjaunes"], foreign).payload["telephone"] == "+3225551212"


def test_hours_shapes() -> None:
    def horaires(regular: dict) -> str:
        return render_row(PARTNERS["mappy"], est(hours={"regular": regular})).payload["horaires"]

    week = {d: NINE_SIX for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    assert horaires(week) == "Mo-Fr 09:00-18:00"
    assert horaires({**week, "saturday": [{"open": "22:00", "close": "02:00"}],
                     "sunday": [{"open": "00:00", "close": "24:00"}]}) == \
        "Mo-Fr 09:00-18:00; Sa 22:00-02:00; Su 00:00-24:00"
    assert horaires({d: [{"open": "00:00", "close": "24:00"}] for d in
                     ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}) == "24/7"
    assert horaires({}) == ""
    assert horaires({"monday": NINE_SIX, "wednesday": NINE_SIX}) == "Mo 09:00-18:00; We 09:00-18:00"


def test_closures_and_special_hours() -> None:
    rendering = render_row(PARTNERS["mappy"], est(hours={"regular": {"monday": NINE_SIX}, "special": [
        {"start_date": "2025-12-25", "closed": True},
        {"start_date": "2025-08-01", "end_date": "2025-08-15", "closed": True},
        {"start_date": "2025-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]},
    ]}))
    assert rendering.payload["fermetures_exceptionnelles"] == "2025-08-01/2025-08-15;2025-12-25"
    assert rendering.unsupported["hours.special"] == \
        "the feed carries exceptional closures only, not special opening hours"


def test_missing_optional_fields_and_unsupported() -> None:
    minimal = Establishment.model_validate({
        "store_code": "LAB-1", "name": "Laboratoire", "categories": {"primary": "hospital"},
        "address": {"lines": ["1 place de l'Église", "Bâtiment B", "2e étage"], "locality": "Saint-Étienne",
                    "region": "Auvergne-Rhône-Alpes"},
        "status": "closed_temporarily", "reopen_date": "2026-01-05", "description": "Prélèvements",
        "photos": [{"url": "https://example.fr/a.jpg"}], "phones": {"primary": "0477000000",
                                                                     "additional": ["0477000001"]}})
    rendering = render_row(PARTNERS["le118000"], minimal)
    assert rendering.payload == {
        "code_etablissement": "LAB-1", "nom": "Laboratoire", "adresse": "1 place de l'Église",
        "complement_adresse": "Bâtiment B, 2e étage", "code_postal": "", "ville": "Saint-Étienne", "pays": "FR",
        "latitude": "", "longitude": "", "telephone": "04 77 00 00 00", "site_web": "", "email": "",
        "categorie": "Hôpital", "horaires": "", "fermetures_exceptionnelles": "", "statut": "ferme_temporairement"}
    assert set(rendering.unsupported) == {"address", "phones.additional", "description", "photos", "status"}


def test_csv_exact_bytes_with_escaping_and_non_ascii() -> None:
    partner = PARTNERS["pagesjaunes"]
    row = render_row(partner, est(name='Clinique "Les Lilas", Pantin', categories={"primary": "private_clinic"})).payload
    content = render_feed(partner, [row])
    assert content == HEADER + (
        'CLI-075-001,"Clinique ""Les Lilas"", Pantin",12 rue Oberkampf,,75011,Paris,FR,48.865600,2.378100,'
        '01 23 45 67 89,https://www.clinique-du-parc.fr/,contact@clinique-du-parc.fr,Clinique privée,'
        '"Mo 08:00-12:00,14:00-19:00",,ouvert\r\n').encode("utf-8")
    assert not content.startswith(b"\xef\xbb\xbf")  # no BOM
    assert render_feed(partner, [row]) == content
    assert render_feed(partner, []) == HEADER


def test_tsv_exact_bytes_and_whitespace_flattened() -> None:
    partner = PARTNERS["foursquare_feed"]
    content = render_feed(partner, [{"code_etablissement": "A1", "nom": "Café\tdu\r\nCoin", "statut": "ouvert"}])
    assert content == ("\t".join(COLUMNS) + "\r\n" + "A1\tCafé du Coin" + "\t" * 14 + "ouvert\r\n").encode()
    assert render_feed(partner, [{"nom": 'a "b", c'}]).splitlines()[1] == b'\ta "b", c' + b"\t" * 14


def test_xlsx_reproducible_and_readable() -> None:
    partner = PARTNERS["leshoraires"]
    rows = [render_row(partner, est()).payload,
            render_row(partner, est(store_code="CLI-001-002", name="Pharmacie de l'Ain", address={
                "lines": ["3 rue Bourg"], "postal_code": "01000", "locality": "Bourg-en-Bresse"})).payload]
    content = render_feed(partner, rows)
    assert content[:2] == b"PK"
    import time
    time.sleep(1.1)  # ZIP timestamps have two-second resolution and openpyxl stamps "now"
    assert render_feed(partner, rows) == content
    sheet = load_workbook(io.BytesIO(content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == list(COLUMNS)
    assert values[1] == [rows[0][c] or None for c in COLUMNS]
    assert values[2][COLUMNS.index("code_postal")] == "01000" and values[2][1] == "Pharmacie de l'Ain"
