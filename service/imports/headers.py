"""Which Excel column holds which canonical field.

Header text is compared after `normalize`: accents stripped, lowercased, punctuation and
spaces dropped, so "N° de téléphone", "n de telephone" and "N°-de-Téléphone" are one key.
A header is tried whole, then without its parenthesised part ("Latitude (WGS84)"), then
each side of a slash ("Nom / Name"); a trailing number selects a line or an additional
value ("Téléphone 2", "Adresse 3", "Photo 4"). An explicit mapping overrides all of this.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from schemas.establishment import DAYS

# canonical targets a column can feed (what a mapping may name)
SINGLE_FIELDS = (
    "store_code", "name", "status", "reopen_date", "opening_date",
    "address.line1", "address.line2", "address.line3", "address.line4", "address.line5", "address.postal_code",
    "address.sub_locality", "address.locality", "address.region", "address.country", "geo.lat", "geo.lng", "geo", "phones.primary", "website",
    "email", "categories.primary", "description", "hours", "hours.closures", "hours.special",
    *(f"hours.{day}.{end}" for day in DAYS for end in ("open", "close")),
)
MULTI_FIELDS = (
    "phones.additional", "categories.additional", "label", "labels",
    "photos", "photos.logo", "photos.cover", "photos.exterior", "photos.interior",
    *(f"hours.{day}" for day in DAYS),
)
IGNORE, FAX = "ignore", "fax"
FIELDS = frozenset(SINGLE_FIELDS + MULTI_FIELDS + (IGNORE,))
# The one column every file needs: the key. Any other column may be absent: the file then
# does not manage that field (an update keeps the stored value; a create leaves it empty, and a
# new site still needs a name and an address, checked row by row: see CREATE_REQUIRED).
REQUIRED = {"store_code": "Code établissement / Store code"}
CREATE_REQUIRED = {"name": "Nom / Name", "address.lines": "Adresse / Address", "address.locality": "Ville / City"}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "store_code": ("Code établissement", "Code site", "Store code", "Code magasin", "Code", "Identifiant",
                   "ID", "Site code", "Site ID", "Store ID", "Code interne", "Référence", "Réf.", "Reference",
                   "N° établissement", "Numéro d'établissement", "Code agence", "Code point de vente",
                   "Location code", "Code de l'établissement", "Identifiant établissement", "FINESS",
                   "N° FINESS", "FINESS ET", "FINESS établissement"),
    "name": ("Nom", "Nom de l'établissement", "Nom établissement", "Nom du site", "Raison sociale", "Name",
             "Établissement", "Site", "Dénomination", "Nom commercial", "Libellé", "Intitulé",
             "Business name", "Location name", "Store name", "Site name", "Establishment"),
    "status": ("Statut", "Status", "État", "Ouvert/Fermé", "Open/Closed", "Statut d'ouverture"),
    "reopen_date": ("Date de réouverture", "Réouverture", "Reopen date", "Reopening date"),
    "opening_date": ("Date d'ouverture", "Ouverture prévue", "Opening date", "Date d'ouverture prévue"),
    "address.line1": ("Adresse", "Adresse ligne 1", "Adresse postale", "Rue", "Voie", "N° et rue",
                      "Numéro et rue", "Ligne 1", "Address", "Address line 1", "Street", "Street address",
                      "Line 1", "Address line", "Adresse 1", "Adresse ligne"),
    "address.line2": ("Complément d'adresse", "Complément", "Adresse ligne 2", "Complément adresse",
                      "Bâtiment", "Ligne 2", "Address line 2", "Line 2"),
    "address.line3": ("Adresse ligne 3", "Lieu-dit", "Ligne 3", "Boîte postale", "BP", "Address line 3",
                      "Line 3"),
    "address.postal_code": ("Code postal", "CP", "C.P.", "Postal code", "Postcode", "Post code", "Zip",
                            "Zip code", "ZIP/Postal code"),
    "address.sub_locality": ("Sub-locality", "Sublocality", "Quartier", "Lieu-dit / quartier", "District",
                             "Neighbourhood", "Neighborhood"),
    "address.locality": ("Ville", "Commune", "Localité", "Municipalité", "City", "Town", "Locality"),
    "address.region": ("Région administrative", "Province", "État/Province", "State", "Address region",
                       "Administrative area"),
    "address.country": ("Pays", "Code pays", "Country", "Country code", "Country / Region", "Country/Region",
                        "Pays / Région", "Pays/Région"),
    "geo.lat": ("Latitude", "Lat"),
    "geo.lng": ("Longitude", "Lng", "Long", "Lon"),
    "geo": ("GPS", "Coordonnées GPS", "Coordonnées", "Position GPS", "Géolocalisation", "Coordinates",
            "Geo", "Lat/Long", "Lat/Lng", "Latitude, Longitude", "Lat, Long", "Lat, Lng", "Latlng"),
    "phones.primary": ("Téléphone", "Tél.", "Tel", "Téléphone standard", "Tél standard", "Standard téléphonique", "N° de téléphone", "Nº de téléphone", "No de téléphone",
                       "Numéro de téléphone", "Num tél", "Téléphone principal", "Téléphone fixe", "Standard",
                       "Tél. standard", "Phone", "Phone number", "Telephone", "Telephone number",
                       "Primary phone", "Main phone"),
    "phones.additional": ("Autre téléphone", "Autres téléphones", "Téléphone secondaire", "Mobile", "Portable",
                          "Tél. mobile", "Téléphone portable", "Additional phone", "Additional phones",
                          "Other phone", "Other phones", "Secondary phone", "Mobile phone", "Cell phone"),
    FAX: ("Fax", "Télécopie", "Télécopieur", "N° de fax", "Numéro de fax", "Fax number"),
    "website": ("Site web", "Site internet", "Site Web", "Internet", "Page web", "Adresse web",
                "Adresse du site", "Lien", "URL", "Web", "Website", "Web site", "Homepage", "WWW"),
    "email": ("E-mail", "Email", "Courriel", "Mail", "Mél", "Adresse e-mail", "Adresse mail",
              "Adresse électronique", "Email address", "E-mail address"),
    "categories.primary": ("Catégorie", "Catégorie principale", "Activité", "Activité principale", "Type",
                           "Type d'établissement", "Type de site", "Category", "Primary category",
                           "Main category", "Business type"),
    "categories.additional": ("Catégories", "Autres catégories", "Catégories secondaires",
                              "Catégories additionnelles", "Activités secondaires", "Autres activités",
                              "Additional categories", "Secondary categories", "Other categories"),
    "description": ("Description", "Descriptif", "Présentation", "À propos", "Texte de présentation",
                    "About", "Description longue", "Long description", "From the business",
                    "Description de l'établissement"),
    "hours": ("Horaires", "Horaire", "Horaires d'ouverture", "Heures d'ouverture", "Jours et horaires",
              "Horaires habituels", "Ouverture", "Opening hours", "Hours", "Business hours", "Opening times",
              "Regular hours"),
    "hours.closures": ("Fermetures exceptionnelles", "Fermeture exceptionnelle", "Jours de fermeture",
                       "Dates de fermeture", "Fermetures", "Congés", "Closures", "Closed dates",
                       "Closing dates", "Holiday closures", "Closed on"),
    "hours.special": ("Horaires exceptionnels", "Horaires spéciaux", "Ouvertures exceptionnelles",
                      "Special hours", "Holiday hours", "Exceptional hours"),
    "label": ("Région", "Region", "Pôle", "Pole", "Marque", "Brand", "Groupe", "Group", "Enseigne",
              "Secteur", "Zone", "Division", "Réseau", "Territoire", "GHT", "Filiale"),
    "labels": ("Étiquettes", "Étiquette", "Labels", "Label", "Tags", "Tag", "Mots-clés"),
    "photos": ("Photo", "Photos", "Photo URL", "URL photo", "Image", "Images", "Image URL", "Other photos",
               "Autres photos"),
    "photos.logo": ("Logo", "URL logo", "Logo URL", "Logo photo", "Photo du logo"),
    "photos.cover": ("Photo de couverture", "Couverture", "Photo principale", "Cover", "Cover photo"),
    "photos.exterior": ("Photo extérieure", "Façade", "Photo façade", "Exterior photo"),
    "photos.interior": ("Photo intérieure", "Interior photo"),
}
_DAY_WORDS = {
    "monday": ("lundi", "lun", "monday", "mon"), "tuesday": ("mardi", "mar", "tuesday", "tue", "tues"),
    "wednesday": ("mercredi", "mer", "wednesday", "wed"), "thursday": ("jeudi", "jeu", "thursday", "thu", "thurs"),
    "friday": ("vendredi", "ven", "friday", "fri"), "saturday": ("samedi", "sam", "saturday", "sat"),
    "sunday": ("dimanche", "dim", "sunday", "sun"),
}
_DAY_AROUND = ("", "horaires", "horaire", "horairesdu", "horairesle", "hours", "openinghours", "le")
_DAY_PART = ("", "matin", "apresmidi", "am", "pm", "morning", "afternoon", "soir", "evening")
_DAY_OPEN = ("ouverture", "debut", "de", "open", "opens", "opening", "from", "start")
_DAY_CLOSE = ("fermeture", "fin", "a", "close", "closes", "closing", "to", "until", "end")
_NUMBERED = {"phones.primary": "phones.additional", "categories.primary": "categories.additional"}
_LINES = ("address.line1", "address.line2", "address.line3", "address.line4", "address.line5")
_DROP = re.compile(r"[^a-z0-9]+")
_PARENS = re.compile(r"\([^)]*\)|\[[^]]*\]")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d{1,2})$")
# generic words that give way to a more specific header for the same field ("ID" vs "Code site")
_WEAK = frozenset((
    "code", "id", "identifiant", "reference", "ref", "site", "etablissement", "establishment", "libelle",
    "intitule", "type", "activite", "lien", "url", "web", "internet", "www", "mail", "zone", "ouverture",
    "secteur", "division", "standard", "finess", "nfiness", "image", "images", "geo", "coordonnees", "long", "lon", "lat",
))


def normalize(text: Any) -> str:
    """'N° de Téléphone ' -> 'ndetelephone': no accents, case, punctuation or spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("Œ", "oe"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _DROP.sub("", bare)


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for target, names in _SYNONYMS.items():
        for name in names:
            table.setdefault(normalize(name), target)
    for day, words in _DAY_WORDS.items():
        for word in words:
            for around in _DAY_AROUND:
                for part in _DAY_PART:
                    table.setdefault(around + word + part, f"hours.{day}")
                    table.setdefault(word + part + around, f"hours.{day}")
            for end, suffixes in (("open", _DAY_OPEN), ("close", _DAY_CLOSE)):
                for suffix in suffixes:
                    table.setdefault(word + suffix, f"hours.{day}.{end}")
                    table.setdefault(suffix + word, f"hours.{day}.{end}")
    return table


SYNONYMS: dict[str, str] = _table()


def _numbered(key: str) -> str | None:
    match = _TRAILING_NUMBER.match(key)
    if not match or not match.group(1):
        return None
    stem, number = match.group(1), int(match.group(2))
    base = SYNONYMS.get(stem)
    for prefix in ("no", "n"):  # 'Photo n°2', 'Téléphone No 2'
        if base is None and stem.endswith(prefix):
            base = SYNONYMS.get(stem[: -len(prefix)])
    if base is None or number < 1:
        return None
    if base in _LINES:
        return _LINES[number - 1] if number <= len(_LINES) else None
    if base in _NUMBERED:
        return base if number == 1 else _NUMBERED[base]
    return base if base in MULTI_FIELDS else None


def recognize(header: Any) -> str | None:
    """The canonical target of one header text, or None."""
    text = str(header)
    key = normalize(text)
    if not key:
        return None
    found = SYNONYMS.get(key) or _numbered(key)
    if found:
        return found
    unparenthesised = _PARENS.sub(" ", text)
    if unparenthesised != text and (found := recognize(unparenthesised)):
        return found
    parts = [p for p in re.split(r"[/|]", text) if normalize(p)]
    if len(parts) > 1:
        targets = {recognize(p) for p in parts} - {None}
        if len(targets) == 1:
            return targets.pop()
    return None


def score(cells: tuple[Any, ...]) -> int:
    """How many cells of a row read as known headers: the header row scores highest."""
    return sum(1 for c in cells if isinstance(c, str) and len(c) < 200 and recognize(c))


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    letter: str
    header: str
    field: str


@dataclass
class HeaderMap:
    columns: list[Column] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (header, reason)
    notes: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """Required fields no column provides, as the header names to add."""
        fields = {c.field for c in self.columns}
        present = fields | ({"address"} if fields & set(_LINES) else set())
        return [label for key, label in REQUIRED.items() if key not in present]


class MappingError(ValueError):
    pass


def check_mapping(mapping: dict[str, str] | None) -> dict[str, tuple[str, str]]:
    """{normalised header: (header as given, field)}; raises MappingError naming unknown fields."""
    if not mapping:
        return {}
    if not isinstance(mapping, dict):
        raise MappingError('the mapping must be a JSON object such as {"Num. tel": "phones.primary"}')
    out: dict[str, tuple[str, str]] = {}
    for header, target in mapping.items():
        target = (str(target).strip() if target is not None else "") or IGNORE
        if target not in FIELDS:
            raise MappingError(f"mapping {header!r}: unknown field {target!r}; use one of "
                               f"{', '.join(sorted(FIELDS))}")
        out[normalize(header)] = (str(header), target)
    return out


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve(cells: tuple[Any, ...], mapping: dict[str, tuple[str, str]]) -> HeaderMap:
    """Map a header row's cells to fields; `mapping` comes from `check_mapping`. Specific
    headers are served before generic ones ("Code site" wins over "ID" for store_code)."""
    result = HeaderMap()
    found: list[tuple[int, str, str, bool]] = []  # index, header, target, weak
    used: set[str] = set()
    for index, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        header = _short(" ".join(str(cell).split()))
        key = normalize(cell)
        if key in mapping:
            used.add(key)
            target: str | None = mapping[key][1]
        else:
            target = recognize(cell)
        if target is None:
            result.ignored.append((header, "not a Vitrine column (see docs/excel-format.md); "
                                           "map it explicitly to import it"))
        elif target == IGNORE:
            result.ignored.append((header, "ignored by the mapping"))
        elif target == FAX:
            result.ignored.append((header, "fax numbers are not published to the directories"))
        else:
            found.append((index, header, target, key in _WEAK and key not in mapping))
    unknown = [original for key, (original, _) in mapping.items() if key not in used]
    if unknown:
        raise MappingError(f"the mapping names column(s) missing from the header row: {', '.join(unknown)} "
                           "(headers are compared without case, accents or punctuation)")
    taken: dict[str, Column] = {}
    for index, header, target, _ in sorted(found, key=lambda f: (f[3], f[0])):
        if target in taken and target in _NUMBERED:
            target = _NUMBERED[target]
        elif target in taken and target in _LINES:
            target = next((line for line in _LINES if line not in taken), target)
        if target in SINGLE_FIELDS and target in taken:
            first = taken[target]
            result.ignored.append((header, f"same field ({target}) as column {first.letter} "
                                           f"'{first.header}', which is used"))
            continue
        column = Column(index, get_column_letter(index + 1), header, target)
        taken.setdefault(target, column)
        result.columns.append(column)
    result.columns.sort(key=lambda c: c.index)
    fields = {c.field for c in result.columns}
    if "hours" in fields and any(f.startswith("hours.") and f.count(".") >= 1 and f.split(".")[1] in DAYS
                                 for f in fields):
        result.notes.append("both an hours column and day columns: a day's own column wins when it is filled")
    return result
