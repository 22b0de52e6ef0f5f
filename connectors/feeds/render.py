"""Canonical record -> one feed row; rows -> the whole feed file. Pure, no I/O.

Row values are strings (empty when the record has nothing). Tabs, carriage returns and line
feeds inside a value become single spaces, so every row is exactly one line in every format.

File formats (deterministic: the same rows give the same bytes):

* csv: RFC 4180, comma-separated, `"` quoting only where needed (a comma, a quote), CRLF line
  ends, UTF-8 WITHOUT a byte-order mark (partners ingest by machine; a BOM ends up in the first
  column name of many parsers). Header row first, columns in `FeedPartner.columns` order.
* tsv: the same with tabs and no quoting (IANA text/tab-separated-values: fields hold no tab).
* xlsx: one sheet "etablissements", header row then rows, every cell a string (a postal code
  keeps its leading zero); document properties and ZIP entry timestamps fixed to 2000-01-01.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import phonenumbers

from connectors.base import Rendering
from connectors.common.opening_hours import osm_text
from connectors.feeds.partners import FeedPartner
from schemas import Establishment
from schemas.categories import CATEGORIES
from schemas.establishment import Status

STATUTS: dict[Status, str] = {
    Status.open: "ouvert",
    Status.closed_temporarily: "ferme_temporairement",
    Status.closed_permanently: "ferme_definitivement",
    Status.opening_soon: "ouverture_prochaine",
}

FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)
_SPACE = re.compile(r"[\t\r\n]+")
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _clean(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def _phone(e164: str, style: str) -> str:
    if style == "e164":
        return e164
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) != "FR":
        return e164  # a foreign number written nationally would be dialled as a French one
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def render_row(partner: FeedPartner, record: Establishment) -> Rendering:
    """One row (column -> str) and what the feed cannot carry, {canonical field: why}."""
    unsupported: dict[str, str] = {}
    address = record.address
    closures: list[str] = []
    for period in record.hours.special:
        if not period.closed:
            unsupported["hours.special"] = "the feed carries exceptional closures only, not special opening hours"
            continue
        end = period.end_date or period.start_date
        closures.append(period.start_date.isoformat() if end == period.start_date
                        else f"{period.start_date.isoformat()}/{end.isoformat()}")
    row = {
        "code_etablissement": record.store_code,
        "nom": record.name,
        "adresse": address.lines[0],
        "complement_adresse": ", ".join(address.lines[1:]),
        "code_postal": address.postal_code or "",
        "ville": address.locality,
        "pays": address.country,
        "latitude": f"{record.geo.lat:.6f}" if record.geo else "",
        "longitude": f"{record.geo.lng:.6f}" if record.geo else "",
        "telephone": _phone(record.phones.primary, partner.phone_style) if record.phones.primary else "",
        "site_web": record.website or "",
        "email": record.email or "",
        "categorie": CATEGORIES[record.categories.primary].label_fr if record.categories else "",
        "horaires": osm_text(record.hours.regular) or "",
        "fermetures_exceptionnelles": ";".join(closures),
        "statut": STATUTS[record.status],
    }
    if address.region:
        unsupported["address"] = "the region has no column (postal code and town are sent)"
    if record.phones.additional:
        unsupported["phones.additional"] = "one phone column: only the primary number is sent"
    if record.categories and record.categories.additional:
        unsupported["categories"] = "one category column: only the primary category is sent"
    if record.description:
        unsupported["description"] = "the feed has no description column"
    if record.photos:
        unsupported["photos"] = "the feed carries no photos"
    if record.reopen_date or record.opening_date:
        unsupported["status"] = "the feed has a status column but no reopening or opening date"
    payload = {column: _clean(row.get(column, "")) for column in partner.columns}
    return Rendering(payload=payload, unsupported=unsupported)


def render_feed(partner: FeedPartner, rows: list[dict[str, str]]) -> bytes:
    """The whole file: header then `rows` in the given order (missing columns are empty)."""
    table = [list(partner.columns)] + [[_clean(str(row.get(c, ""))) for c in partner.columns] for row in rows]
    if partner.format == "xlsx":
        return _xlsx(table)
    out = io.StringIO(newline="")
    if partner.format == "tsv":
        writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, escapechar=None,
                            lineterminator="\r\n")
    else:
        writer = csv.writer(out, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def count_rows(partner: FeedPartner, content: bytes) -> int:
    """Data rows in a file `render_feed` produced (its header excluded)."""
    if partner.format == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        return max(0, sum(1 for _ in sheet.iter_rows()) - 1)
    return max(0, content.count(b"\r\n") - 1)


def _xlsx(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "etablissements"
    for values in table:
        sheet.append(values)
    for cell in sheet[1]:
        cell.data_type = "s"
    workbook.properties.creator = "Vitrine"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.lastModifiedBy = "Vitrine"
    raw = io.BytesIO()
    workbook.save(raw)
    # openpyxl stamps ZIP entries with the current time: rewrite them with a fixed one
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(fixed, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":  # openpyxl sets `modified` to now on save
                data = _W3CDTF.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            target.writestr(info, data)
    return fixed.getvalue()
