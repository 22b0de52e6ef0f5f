"""One cell's value -> one canonical value. Each parser takes what openpyxl gives (str, int,
float, bool, datetime, date, time) and returns the cleaned value or raises CellError with a
message written for the person who filled the spreadsheet."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import phonenumbers
from pydantic import TypeAdapter, ValidationError

from schemas.categories import CATEGORIES, ancestry, names
from schemas.establishment import STORE_CODE_PATTERN, WebUrl
from service.imports.headers import normalize


class CellError(ValueError):
    pass


def display(value: Any) -> Any:
    """A raw cell as the report shows it (`from`): JSON-ready, integral floats as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # durations ([h]:mm cells) and anything else a cell may hold


def text(value: Any) -> str:
    """Any cell as text: integral numbers without '.0', dates as ISO."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def line(value: Any) -> str:
    """Single-line text: trimmed, inner runs of spaces (and non-breaking spaces) collapsed."""
    return " ".join(text(value).split())


def paragraph(value: Any) -> str:
    lines = [" ".join(part.split()) for part in text(value).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


_STORE_CODE = re.compile(STORE_CODE_PATTERN)


def store_code(value: Any) -> str:
    code = line(value)
    if not _STORE_CODE.match(code):
        raise CellError(f"store code {code!r}: letters, digits, '.', '_' and '-' only (no spaces), "
                        "up to 64 characters, starting with a letter or digit")
    return code


# --- countries, postal codes, coordinates ---------------------------------------------

_COUNTRIES = {normalize(k): v for k, v in {
    "France": "FR", "France métropolitaine": "FR", "Belgique": "BE", "Belgium": "BE", "Suisse": "CH",
    "Switzerland": "CH", "Luxembourg": "LU", "Monaco": "MC", "Allemagne": "DE", "Germany": "DE",
    "Espagne": "ES", "Spain": "ES", "Italie": "IT", "Italy": "IT", "Royaume-Uni": "GB", "United Kingdom": "GB",
    "UK": "GB", "Angleterre": "GB", "Pays-Bas": "NL", "Netherlands": "NL", "Portugal": "PT", "Andorre": "AD",
    "Andorra": "AD", "Canada": "CA", "États-Unis": "US", "USA": "US", "United States": "US",
    "Guadeloupe": "GP", "Martinique": "MQ", "Guyane": "GF", "La Réunion": "RE", "Réunion": "RE",
    "Mayotte": "YT", "Nouvelle-Calédonie": "NC", "Polynésie française": "PF", "Guyane française": "GF",
    "French Guiana": "GF", "New Caledonia": "NC", "French Polynesia": "PF", "Saint-Pierre-et-Miquelon": "PM",
    "Saint-Barthélemy": "BL", "Saint-Martin": "MF", "Wallis-et-Futuna": "WF", "Wallis and Futuna": "WF", "Maroc": "MA", "Morocco": "MA",
    "Tunisie": "TN", "Algérie": "DZ",
}.items()}


@lru_cache(maxsize=4096)
def country(value: Any) -> str:
    raw = line(value)
    if len(raw) == 2 and raw.isalpha():
        code = raw.upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    code = _COUNTRIES.get(normalize(raw))
    if code is None:
        raise CellError(f"unknown country {raw!r}: write its name (France, Belgique…) or ISO code (FR, BE…)")
    return code


def postal_code(value: Any, region: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != int(value) or value < 0:
            raise CellError(f"{value!r} is not a postal code")
        code = str(int(value))
    else:
        code = line(value)
    if region == "FR":
        code = code.replace(" ", "")
        if code.isdigit() and len(code) == 4:  # the leading zero was lost: 1000 is 01000 (Ain)
            code = "0" + code
    return code


_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def coordinate(value: Any, what: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raw = line(value).replace("°", "").replace(" ", "")
    if not _NUMBER.match(raw):
        raise CellError(f"{value!r} is not a {what} in decimal degrees (e.g. 48.8566)")
    return float(raw.replace(",", "."))


_GEO_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def geo_pair(value: Any) -> tuple[float, float]:
    """'48.8566, 2.3522', '48,8566; 2,3522', '48.8566 2.3522'."""
    raw = line(value)
    numbers = _GEO_NUMBER.findall(raw)
    if len(numbers) != 2 or _GEO_NUMBER.sub("", raw).strip(" ,;/°") != "":
        raise CellError(f"{raw!r} is not 'latitude, longitude' in decimal degrees (e.g. 48.8566, 2.3522)")
    return coordinate(numbers[0], "latitude"), coordinate(numbers[1], "longitude")


# --- phones, web ----------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"\s*(?:[;/,\n|]|\bou\b|\bor\b)\s*")


def phone_texts(value: Any) -> list[str]:
    """One cell may hold several numbers: '01 23 45 67 89 / 06 12 34 56 78'."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [text(value)]
    return [part for part in _PHONE_SPLIT.split(text(value).strip()) if part]


def phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise CellError(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        where = f" for {region}" if not raw.lstrip().startswith(("+", "00")) else ""
        raise CellError(f"{raw!r} is not a valid phone number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_URL = TypeAdapter(WebUrl)


def with_scheme(value: Any) -> str:
    """'www.x.fr' -> 'https://www.x.fr' (the canonical model then checks and normalises it)."""
    raw = line(value)
    return raw if "://" in raw else "https://" + raw.removeprefix("//")


def url(value: Any, what: str = "web address") -> str:
    raw = line(value)
    candidate = with_scheme(raw)
    try:
        return _URL.validate_python(candidate)
    except ValidationError:
        raise CellError(f"{raw!r} is not a {what} (e.g. https://www.example.fr/)") from None


def url_list(value: Any) -> list[str]:
    return [u for u in re.split(r"\s+|;|,\s", text(value).strip()) if u]


def email(value: Any) -> str:
    return line(value).removeprefix("mailto:").strip()


# --- categories, status, labels -------------------------------------------------------

def _category_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key in CATEGORIES:
        for name in names(key):
            index.setdefault(normalize(name), key)
    return index


_CATEGORIES = _category_index()
# words that say nothing of what a place is: left out when suggesting by meaning
_FILLER = frozenset("de du des la le les et and of the for centre center cabinet service services store magasin "
                    "shop site pole".split())
_WORD = re.compile(r"[a-z0-9]+")


def _words(name: str) -> set[str]:
    bare = unicodedata.normalize("NFKD", name.lower())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return {w for w in _WORD.findall(bare) if len(w) > 2 and w not in _FILLER}


_CATEGORY_WORDS: dict[str, set[str]] = {key: set().union(*(_words(n) for n in names(key))) for key in CATEGORIES}


def _related(a: str, b: str) -> bool:
    """Same word, or the same stem (radiologie / radiologist, kinesitherapie / kinesitherapeute)."""
    return a == b or (len(a) >= 6 and len(b) >= 6 and a[:6] == b[:6])


def category_suggestions(raw: str, limit: int = 3) -> list[str]:
    """Keys whose names share a word (or a word's stem) with `raw`, most shared first; then keys
    whose names are spelled like it. 'Cabinet d'échographie' -> radiology (its alias Échographie)."""
    words = _words(raw)
    scored = []
    for key, key_words in _CATEGORY_WORDS.items():
        shared = sum(1 for w in words if any(_related(w, k) for k in key_words))
        if shared:
            scored.append((-shared, len(ancestry(key)) * -1, key))
    found = [key for *_, key in sorted(scored)][:limit]
    for close in difflib.get_close_matches(normalize(raw), list(_CATEGORIES), n=limit, cutoff=0.75):
        if _CATEGORIES[close] not in found:
            found.append(_CATEGORIES[close])
    return found[:limit]


@lru_cache(maxsize=4096)
def category(value: Any) -> str:
    raw = line(value)
    key = _CATEGORIES.get(normalize(raw))
    if key is None:
        close = category_suggestions(raw)
        hint = ("; did you mean " + " or ".join(f"{CATEGORIES[k].label_fr!r} ({k})" for k in close) + "?") \
            if close else ""
        raise CellError(f"unknown category {raw!r}: use a key, a French/English label or Google's category "
                        f"name from docs/categories.md, e.g. 'Clinique privée' or private_clinic{hint}")
    return key


def category_list(value: Any) -> list[str]:
    return [category(part) for part in re.split(r"[,;/|\n]", text(value)) if part.strip()]


_STATUS = {normalize(k): v for k, v in {
    "open": "open", "ouvert": "open", "ouverte": "open", "actif": "open", "active": "open", "en activité": "open",
    "closed_temporarily": "closed_temporarily", "fermé temporairement": "closed_temporarily",
    "temporairement fermé": "closed_temporarily", "fermeture temporaire": "closed_temporarily",
    "fermé provisoirement": "closed_temporarily", "temporarily closed": "closed_temporarily",
    "closed temporarily": "closed_temporarily", "en travaux": "closed_temporarily",
    "closed_permanently": "closed_permanently", "fermé définitivement": "closed_permanently",
    "définitivement fermé": "closed_permanently", "fermeture définitive": "closed_permanently",
    "permanently closed": "closed_permanently", "closed permanently": "closed_permanently",
    "opening_soon": "opening_soon", "ouverture prochaine": "opening_soon", "bientôt ouvert": "opening_soon",
    "prochainement": "opening_soon", "à venir": "opening_soon", "opening soon": "opening_soon",
    "coming soon": "opening_soon",
}.items()}


@lru_cache(maxsize=4096)
def status(value: Any) -> str:
    raw = line(value)
    found = _STATUS.get(normalize(raw))
    if found is None:
        raise CellError(f"unknown status {raw!r}: Ouvert, Fermé temporairement, Fermé définitivement, "
                        "Ouverture prochaine (or open, closed_temporarily, closed_permanently, opening_soon)")
    return found


def label_list(value: Any) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"[,;|\n]", text(value)) if p.strip()]
