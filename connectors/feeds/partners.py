"""The feed partners: directories and aggregators with no public API, fed a periodic full file.

Everything below beyond "no public API, periodic full feed over SFTP or HTTPS" is UNVERIFIED
(docs/platforms.md: the partners do not publish their specifications): the column set (the
same common French directory set for every partner), the file format per partner, the
transport per partner, the file name, and the typical delays. Adjust a row here when a
partner's specification is obtained; the rendering and delivery code do not change.

Delays: "weeks" for the directories (21 days), up to three months for the map / GPS
databases (Wemap, Navmii: 90 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from connectors.base import Channel, PlatformInfo, Quota

# The common French directory set (UNVERIFIED for every partner), in file order.
COLUMNS: tuple[str, ...] = (
    "code_etablissement", "nom", "adresse", "complement_adresse", "code_postal", "ville", "pays",
    "latitude", "longitude", "telephone", "site_web", "email", "categorie", "horaires",
    "fermetures_exceptionnelles", "statut",
)

# Canonical fields the columns above carry (see render.render_row for what is left out).
CAPABILITIES = frozenset({"name", "status", "address", "geo", "phones.primary", "website", "email",
                          "categories", "hours.regular", "hours.special"})

SFTP_CREDENTIALS = ("username", "password", "private_key", "passphrase")
SFTP_OPTIONS = ("host", "port", "directory", "known_hosts", "insecure_skip_host_key")
HTTPS_CREDENTIALS = ("token",)
HTTPS_OPTIONS = ("upload_url",)


@dataclass(frozen=True)
class FeedPartner:
    info: PlatformInfo
    format: Literal["csv", "tsv", "xlsx"]
    transport: Literal["sftp", "https"]
    filename: str  # pattern with {org} and {date}, e.g. "vitrine-{org}-{date}.csv"
    phone_style: Literal["national", "e164"] = "national"  # French partners: "01 23 45 67 89"
    columns: tuple[str, ...] = COLUMNS

    def file_name(self, org: str, day: date) -> str:
        """The delivered file's name, e.g. vitrine-acme-2025-03-01.csv."""
        return self.filename.format(org=org, date=day.isoformat())


def _partner(key: str, name: str, fmt: Literal["csv", "tsv", "xlsx"], transport: Literal["sftp", "https"],
             delay_days: int, phone_style: Literal["national", "e164"] = "national", notes: str = "") -> FeedPartner:
    sftp = transport == "sftp"
    info = PlatformInfo(
        key=key,
        name=name,
        channel=Channel.feed,
        capabilities=CAPABILITIES,
        quota=Quota(1, 60),  # one delivery a minute per set of credentials
        location_quota=None,
        typical_delay=timedelta(days=delay_days),
        verifiable=False,
        default_base_url="",  # no default: the SFTP host or upload URL comes from the connection options
        credentials=SFTP_CREDENTIALS if sftp else HTTPS_CREDENTIALS,
        credential_sets=(("username", "password"), ("username", "private_key")) if sftp else (HTTPS_CREDENTIALS,),
        options=SFTP_OPTIONS if sftp else HTTPS_OPTIONS,
        notes=(f"Partner feed ({fmt.upper()} over {transport.upper()}), full file per delivery; never read back. "
               f"Columns, format, transport and the {delay_days}-day delay are UNVERIFIED. "
               "Not sent: photos, description, additional phones and categories, special opening hours "
               "(only closures), reopening/opening dates." + (f" {notes}" if notes else "")),
    )
    return FeedPartner(info=info, format=fmt, transport=transport, filename=f"vitrine-{{org}}-{{date}}.{fmt}",
                       phone_style=phone_style)


PARTNERS: dict[str, FeedPartner] = {p.info.key: p for p in (
    _partner("pagesjaunes", "PagesJaunes (Solocal)", "csv", "sftp", 21),
    _partner("mappy", "Mappy (Solocal)", "csv", "sftp", 21),
    _partner("le118000", "Le 118 000", "csv", "sftp", 21),
    _partner("leshoraires", "Les Horaires", "xlsx", "sftp", 21),
    _partner("justacote", "Justacote", "csv", "https", 21),
    _partner("hoodspot", "Hoodspot", "csv", "sftp", 21),
    _partner("wemap", "Wemap", "csv", "https", 90, notes="Map database: up to three months."),
    _partner("navmii", "Navmii", "csv", "sftp", 90, phone_style="e164", notes="GPS database: up to three months."),
    _partner("cylex", "Cylex", "csv", "sftp", 21, phone_style="e164"),
    _partner("foursquare_feed", "Foursquare (partner feed)", "tsv", "sftp", 21, phone_style="e164",
             notes="The SFTP TSV feed; the suggested-edit API is the separate `foursquare` connector."),
)}
