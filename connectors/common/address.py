"""Address lines: tell the street line from the complements (building, residence, floor, BP/CS…).

The canonical address keeps its lines as the establishment wrote them, and French addresses
often put the building or residence first (`Bâtiment B, 2e étage`, then `12 bis rue
Oberkampf`). Taking the first line as the street writes a false street on the map; this module
says which line (or comma-separated part of a line) is the street, with its house number, and
returns every other part as a complement, in order, so each platform can put it where it has a
place for one (`addr:housename`, `address2`, `buildingname`…) and nothing is dropped.

Rules, in order, for each part:
1. a part that starts with a complement word (bâtiment, résidence, étage, BP, CS, lieu-dit, ZA,
   ZI, hall, porte, escalier, c/o, building, floor, unit…; possibly after an ordinal such as
   `2e`), or that carries a floor/box word anywhere (étage, floor, boîte postale), is a complement;
2. otherwise a part scores 2 for a street type word (rue, avenue, bd, chemin, allée, place, quai,
   impasse, route, cours, square, rond-point…, Street, Road…, Dutch `straat`/`laan`, German
   `strasse`/`gasse`/`platz`, Italian `via`…) and 2 for a house number, at its start (`12 bis`,
   `12-14`, `12b`) or at its end (Belgian `Rue X 12`, Swiss `Bahnhofstrasse 5`);
3. the best-scoring part is the street line (the first one on a tie); with no part scoring,
   there is no street line (`street_line` is None) and every part is a complement.

`parse_lines` is the API other modules use; its result type is `AddressLines`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUMBER = r"\d+(?:\s*(?:bis|ter|quater)\b|[a-z]\b)?"
_STREET = re.compile(rf"^({_NUMBER}(?:\s*[-/]\s*{_NUMBER})?)\s*,?\s+(\S.*)$", re.IGNORECASE)
# Belgian / Swiss / Dutch order: the number after the street, possibly with a box (`bus 3`, `bte 2`)
_TRAILING = re.compile(rf"^(\D.*?\S)\s*,?\s+({_NUMBER}(?:\s*[-/]\s*{_NUMBER})?)"
                       r"(?:\s*(?:,\s*)?((?:bus|bte|boîte|box)\s*\w+))?$", re.IGNORECASE)

_STREET_TYPES = (
    # French
    "rue", "ruelle", "avenue", "av", "ave", "bd", "bld", "blvd", "boulevard", "chemin", "ch", "chem",
    "allée", "allee", "all", "place", "pl", "quai", "impasse", "imp", "route", "rte", "cours", "square",
    "sq", "rond-point", "passage", "pass", "voie", "sentier", "faubourg", "fbg", "promenade", "esplanade",
    "parvis", "mail", "montée", "montee", "côte", "cote", "traverse", "venelle", "cité", "cite", "villa",
    "cour", "carrefour", "chaussée", "chaussee", "grand-rue", "grande-rue", "grand'rue", "rampe", "sente",
    "levée", "digue", "galerie",
    # English
    "street", "st", "road", "rd", "lane", "ln", "drive", "dr", "way", "terrace", "close", "crescent",
    # Dutch / Flemish
    "straat", "laan", "weg", "plein", "lei", "steenweg", "dreef", "kaai", "singel", "gracht", "markt",
    # German / Swiss German
    "strasse", "straße", "str", "gasse", "platz", "allee", "ring", "weg",
    # Italian (Ticino)
    "via", "viale", "piazza", "corso", "vicolo", "largo",
)
# Dutch and German types are suffixes of one word: Kerkstraat, Bahnhofstrasse, Marktgasse
_SUFFIX_TYPES = ("straat", "laan", "weg", "plein", "dreef", "kaai", "strasse", "straße", "gasse",
                 "platz", "allee", "ring", "steenweg", "lei", "singel", "gracht")

_COMPLEMENT_STARTS = (
    "bâtiment", "batiment", "bât", "bat", "bâti", "building", "bldg", "immeuble", "imm", "résidence",
    "residence", "rés", "res", "tour", "étage", "etage", "floor", "bp", "cs", "tsa", "boîte postale",
    "boite postale", "case postale", "postfach", "gebouw", "lieu-dit", "lieu dit", "lieudit", "ld", "za", "zi", "zac", "zae", "zone", "parc",
    "hall", "porte", "escalier", "esc", "c/o", "chez", "appartement", "appt", "apt", "app", "suite",
    "unit", "flat", "entrée", "entree", "centre commercial", "c.c.", "cc", "galerie marchande",
    "hameau", "domaine", "pavillon", "aile", "niveau", "local", "lot", "lotissement", "box", "bureau",
    "office", "cedex", "secteur", "espace", "campus", "pôle", "pole", "clinique", "hôpital", "hopital",
    "cabinet", "maison", "centre", "le", "la", "les", "l'",
)
_COMPLEMENT_ANYWHERE = re.compile(
    r"\b(?:étage|etage|floor|boîte postale|boite postale|b\.p\.|rez-de-chaussée|rdc|sous-sol)\b|\bbp\s*\d|\bcs\s*\d",
    re.IGNORECASE)
_ORDINAL = re.compile(r"^\d+\s*(?:e|er|ère|ere|ème|eme|nd|nde|st|rd|th)\b\.?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class AddressLines:
    """The street line (with its house number and street name when found) and every other part."""

    street_line: str | None
    house_number: str | None = None
    street: str | None = None
    complements: list[str] = field(default_factory=list)


def split_street(line: str) -> tuple[str, str] | None:
    """'12 bis rue Oberkampf' -> ('12 bis', 'rue Oberkampf'); None when it does not start with a number."""
    match = _STREET.match(line.strip())
    return (match.group(1), match.group(2)) if match else None


def split_house_number(line: str) -> tuple[str | None, str, str | None]:
    """(house number, street, box) of a street line, the number leading or trailing.

    '12-14 rue X' -> ('12-14', 'rue X', None); 'Rue Neuve 12 bus 3' -> ('12', 'Rue Neuve', 'bus 3');
    'Place du Marché' -> (None, 'Place du Marché', None)."""
    line = line.strip()
    if split := split_street(line):
        return split[0], split[1], None
    if match := _TRAILING.match(line):
        return match.group(2), match.group(1).rstrip(","), match.group(3)
    return None, line, None


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,.;]+", text.lower()) if w]


def _is_complement(part: str) -> bool:
    if _COMPLEMENT_ANYWHERE.search(part):
        return True
    text = _ORDINAL.sub("", part.strip()).lower()
    for start in _COMPLEMENT_STARTS:
        if text == start or re.match(rf"^{re.escape(start)}(?:[\s.,:\-]|$)", text):
            # `Le`/`La`/`Les` open a name (Résidence-less `Les Terrasses`), unless a street type follows
            if start in {"le", "la", "les", "l'"} and _has_type(text):
                return False
            return True
    return False


def _has_type(part: str) -> bool:
    words = _words(part.replace("-", " ")) + _words(part)
    if any(w in _STREET_TYPES for w in words):
        return True
    return any(w.endswith(suffix) and len(w) > len(suffix) + 2 for w in words for suffix in _SUFFIX_TYPES)


def _has_number(part: str) -> bool:
    return split_street(part) is not None or _TRAILING.match(part.strip()) is not None


def _parts(lines: list[str]) -> list[str]:
    """Each line cut at its commas, a bare number joined to what follows (`12, rue X`)."""
    out: list[str] = []
    for line in lines:
        pieces = [p.strip() for p in line.split(",") if p.strip()]
        merged: list[str] = []
        for piece in pieces:
            if merged and re.fullmatch(_NUMBER + r"(?:\s*[-/]\s*" + _NUMBER + ")?", merged[-1], re.IGNORECASE):
                merged[-1] = f"{merged[-1]} {piece}"
            elif merged and re.match(r"^(?:bus|bte|boîte|box)\s*\w+$", piece, re.IGNORECASE):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        out.extend(merged)
    return out


def parse_lines(lines: list[str]) -> AddressLines:
    """Find the street among an address's lines; every other part is a complement, in order."""
    parts = _parts([line for line in lines if line and line.strip()])
    best, best_score = None, 0
    for index, part in enumerate(parts):
        if _is_complement(part):
            continue
        score = 2 * _has_type(part) + 2 * _has_number(part)
        if score > best_score:
            best, best_score = index, score
    if best is None:
        return AddressLines(street_line=None, complements=parts)
    street_line = parts[best]
    number, street, box = split_house_number(street_line)
    complements = [p for i, p in enumerate(parts) if i != best]
    if box:
        complements.append(box)
    return AddressLines(street_line=street_line, house_number=number, street=street, complements=complements)
