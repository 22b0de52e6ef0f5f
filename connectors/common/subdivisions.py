"""ISO 3166-2 subdivision codes (the part after the country, at most 3 characters) for FR, BE, CH.

Yelp's `matching_criteria.state` takes this code (`IDF`, not `Île-de-France`). Generated once from
the iso-codes project's `iso_3166-2.json` (Debian package iso-codes), plus common French/English
aliases; static so that connectors need no extra dependency. France: the region, from its name or
else from the postal code's department; Belgium: the province or region from its name, else the
region from the postal code; Switzerland: the canton from its name.
"""

from __future__ import annotations

import re
import unicodedata

NAMES: dict[str, dict[str, str]] = {"BE": {"antwerpen": "VAN", "brabant wallon": "WBR", "brussels": "BRU", "brussels hoofdstedelijk gewest": "BRU", "bruxelles": "BRU", "flanders": "VLG", "flandre": "VLG", "hainaut": "WHT", "liege": "WLG", "limburg": "VLI", "luxembourg": "WLX", "namur": "WNA", "oost vlaanderen": "VOV", "region de bruxelles capitale": "BRU", "region wallonne": "WAL", "vlaams brabant": "VBR", "vlaams gewest": "VLG", "vlaanderen": "VLG", "wallonia": "WAL", "wallonie": "WAL", "wallonne region": "WAL", "west vlaanderen": "VWV"}, "CH": {"aargau": "AG", "appenzell ausserrhoden": "AR", "appenzell innerrhoden": "AI", "argovie": "AG", "bale campagne": "BL", "bale ville": "BS", "basel landschaft": "BL", "basel stadt": "BS", "bern": "BE", "berne": "BE", "freiburg": "FR", "fribourg": "FR", "geneva": "GE", "geneve": "GE", "genf": "GE", "glaris": "GL", "glarus": "GL", "graubunden": "GR", "grisons": "GR", "jura": "JU", "lucerne": "LU", "luzern": "LU", "neuchatel": "NE", "neuenburg": "NE", "nidwalden": "NW", "obwalden": "OW", "saint gall": "SG", "sankt gallen": "SG", "schaffhausen": "SH", "schaffhouse": "SH", "schwyz": "SZ", "soleure": "SO", "solothurn": "SO", "tessin": "TI", "thurgau": "TG", "thurgovie": "TG", "ticino": "TI", "uri": "UR", "valais": "VS", "vaud": "VD", "waadt": "VD", "wallis": "VS", "zoug": "ZG", "zug": "ZG", "zurich": "ZH"}, "FR": {"auvergne rhone alpes": "ARA", "bourgogne franche comte": "BFC", "bretagne": "BRE", "centre val de loire": "CVL", "corse": "20R", "grand est": "GES", "guadeloupe": "GP", "guyane": "GF", "guyane francaise": "GF", "hauts de france": "HDF", "ile de france": "IDF", "la reunion": "RE", "martinique": "MQ", "mayotte": "YT", "normandie": "NOR", "nouvelle aquitaine": "NAQ", "occitanie": "OCC", "paca": "PAC", "pays de la loire": "PDL", "provence alpes cote d azur": "PAC", "provence alpes cote dazur": "PAC", "reunion": "RE"}}
# French department (the postal code's first two characters) -> its region
FR_DEPARTMENT_REGION: dict[str, str] = {"01": "ARA", "02": "HDF", "03": "ARA", "04": "PAC", "05": "PAC", "06": "PAC", "07": "ARA", "08": "GES", "09": "OCC", "10": "GES", "11": "OCC", "12": "OCC", "13": "PAC", "14": "NOR", "15": "ARA", "16": "NAQ", "17": "NAQ", "18": "CVL", "19": "NAQ", "21": "BFC", "22": "BRE", "23": "NAQ", "24": "NAQ", "25": "BFC", "26": "ARA", "27": "NOR", "28": "CVL", "29": "BRE", "2A": "20R", "2B": "20R", "30": "OCC", "31": "OCC", "32": "OCC", "33": "NAQ", "34": "OCC", "35": "BRE", "36": "CVL", "37": "CVL", "38": "ARA", "39": "BFC", "40": "NAQ", "41": "CVL", "42": "ARA", "43": "ARA", "44": "PDL", "45": "CVL", "46": "OCC", "47": "NAQ", "48": "OCC", "49": "PDL", "50": "NOR", "51": "GES", "52": "GES", "53": "PDL", "54": "GES", "55": "GES", "56": "BRE", "57": "GES", "58": "BFC", "59": "HDF", "60": "HDF", "61": "NOR", "62": "HDF", "63": "ARA", "64": "NAQ", "65": "OCC", "66": "OCC", "67": "GES", "68": "GES", "69": "ARA", "70": "BFC", "71": "BFC", "72": "PDL", "73": "ARA", "74": "ARA", "75": "IDF", "76": "NOR", "77": "IDF", "78": "IDF", "79": "NAQ", "80": "HDF", "81": "OCC", "82": "OCC", "83": "PAC", "84": "PAC", "85": "PDL", "86": "NAQ", "87": "NAQ", "88": "GES", "89": "BFC", "90": "BFC", "91": "IDF", "92": "IDF", "93": "IDF", "94": "IDF", "95": "IDF"}
FR_OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]+", " ", text).strip()


def subdivision_code(country: str, region: str | None, postal_code: str | None) -> str | None:
    """'FR', 'Île-de-France', '75011' -> 'IDF'; None when neither the region nor the postal code tells."""
    country = country.upper()
    if region:
        text = region.strip()
        prefix = f"{country}-"
        if text.upper().startswith(prefix):
            text = text[len(prefix):]
        if re.fullmatch(r"[A-Z0-9]{1,3}", text):
            return text
        if code := NAMES.get(country, {}).get(_key(text)):
            return code
    postal = (postal_code or "").strip()
    if country == "FR" and re.fullmatch(r"\d{5}", postal):
        if postal[:3] in FR_OVERSEAS:
            return FR_OVERSEAS[postal[:3]]
        if postal[:2] == "20":
            return "20R"
        return FR_DEPARTMENT_REGION.get(postal[:2])
    if country == "BE" and re.fullmatch(r"\d{4}", postal):
        number = int(postal)
        return "BRU" if number < 1300 else "WAL" if number < 1500 or 4000 <= number < 8000 else "VLG"
    return None
