"""The bundled sample workbook: about 120 invented sites of an invented hospital group,
written the way real group files are (a title above the header, mixed-case headers, phones in
every French format, postal codes that lost their zero, websites without scheme, free-text
and per-day hours, a hidden lookup sheet, a merged title) plus six rows that must be
rejected. Deterministic: `python -m service.imports.sample` rewrites the same bytes.

Names, streets, phone numbers and web sites are invented; localities, postal codes and
coordinates are real French places.
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import phonenumbers
from openpyxl import Workbook
from openpyxl.styles import Font

PATH = Path(__file__).resolve().parent.parent / "data" / "sample-sites.xlsx"
GROUP = "Groupe Hospitalier Horizon Santé"
SEED = 2027

# locality, postal code, lat, lng, phone prefix (0X YY), pôle
PLACES = [
    ("Bourg-en-Bresse", "01000", 46.2052, 5.2255, "04 74", "Pôle Rhône-Alpes"),
    ("Oyonnax", "01100", 46.2561, 5.6556, "04 74", "Pôle Rhône-Alpes"),
    ("Ambérieu-en-Bugey", "01500", 45.9583, 5.3583, "04 74", "Pôle Rhône-Alpes"),
    ("Belley", "01300", 45.7594, 5.6881, "04 79", "Pôle Rhône-Alpes"),
    ("Gex", "01170", 46.3333, 6.0578, "04 50", "Pôle Rhône-Alpes"),
    ("Lyon", "69003", 45.7597, 4.8422, "04 78", "Pôle Rhône-Alpes"),
    ("Lyon", "69008", 45.7347, 4.8694, "04 78", "Pôle Rhône-Alpes"),
    ("Villeurbanne", "69100", 45.7719, 4.8902, "04 72", "Pôle Rhône-Alpes"),
    ("Grenoble", "38000", 45.1885, 5.7245, "04 76", "Pôle Rhône-Alpes"),
    ("Annecy", "74000", 45.8992, 6.1294, "04 50", "Pôle Rhône-Alpes"),
    ("Chambéry", "73000", 45.5646, 5.9178, "04 79", "Pôle Rhône-Alpes"),
    ("Saint-Étienne", "42000", 45.4397, 4.3872, "04 77", "Pôle Rhône-Alpes"),
    ("Valence", "26000", 44.9334, 4.8924, "04 75", "Pôle Rhône-Alpes"),
    ("Privas", "07000", 44.7353, 4.5986, "04 75", "Pôle Rhône-Alpes"),
    ("Annonay", "07100", 45.2397, 4.6708, "04 75", "Pôle Rhône-Alpes"),
    ("Paris", "75011", 48.8590, 2.3800, "01 43", "Pôle Île-de-France"),
    ("Paris", "75014", 48.8331, 2.3264, "01 45", "Pôle Île-de-France"),
    ("Paris", "75017", 48.8835, 2.3040, "01 47", "Pôle Île-de-France"),
    ("Boulogne-Billancourt", "92100", 48.8397, 2.2399, "01 46", "Pôle Île-de-France"),
    ("Saint-Denis", "93200", 48.9362, 2.3574, "01 48", "Pôle Île-de-France"),
    ("Créteil", "94000", 48.7904, 2.4556, "01 43", "Pôle Île-de-France"),
    ("Versailles", "78000", 48.8049, 2.1204, "01 39", "Pôle Île-de-France"),
    ("Argenteuil", "95100", 48.9472, 2.2467, "01 34", "Pôle Île-de-France"),
    ("Évry-Courcouronnes", "91000", 48.6290, 2.4410, "01 60", "Pôle Île-de-France"),
    ("Meaux", "77100", 48.9601, 2.8788, "01 60", "Pôle Île-de-France"),
    ("Lille", "59000", 50.6292, 3.0573, "03 20", "Pôle Nord-Est"),
    ("Amiens", "80000", 49.8941, 2.2958, "03 22", "Pôle Nord-Est"),
    ("Laon", "02000", 49.5641, 3.6199, "03 23", "Pôle Nord-Est"),
    ("Saint-Quentin", "02100", 49.8465, 3.2876, "03 23", "Pôle Nord-Est"),
    ("Soissons", "02200", 49.3817, 3.3236, "03 23", "Pôle Nord-Est"),
    ("Reims", "51100", 49.2583, 4.0317, "03 26", "Pôle Nord-Est"),
    ("Metz", "57000", 49.1193, 6.1757, "03 87", "Pôle Nord-Est"),
    ("Nancy", "54000", 48.6921, 6.1844, "03 83", "Pôle Nord-Est"),
    ("Strasbourg", "67000", 48.5734, 7.7521, "03 88", "Pôle Nord-Est"),
    ("Charleville-Mézières", "08000", 49.7620, 4.7206, "03 24", "Pôle Nord-Est"),
    ("Marseille", "13005", 43.2925, 5.3960, "04 91", "Pôle Méditerranée"),
    ("Nice", "06000", 43.7102, 7.2620, "04 93", "Pôle Méditerranée"),
    ("Antibes", "06600", 43.5808, 7.1251, "04 93", "Pôle Méditerranée"),
    ("Cannes", "06400", 43.5528, 7.0174, "04 93", "Pôle Méditerranée"),
    ("Toulon", "83000", 43.1242, 5.9280, "04 94", "Pôle Méditerranée"),
    ("Avignon", "84000", 43.9493, 4.8055, "04 90", "Pôle Méditerranée"),
    ("Montpellier", "34000", 43.6108, 3.8767, "04 67", "Pôle Méditerranée"),
    ("Nîmes", "30000", 43.8367, 4.3601, "04 66", "Pôle Méditerranée"),
    ("Perpignan", "66000", 42.6887, 2.8948, "04 68", "Pôle Méditerranée"),
    ("Ajaccio", "20000", 41.9192, 8.7386, "04 95", "Pôle Méditerranée"),
    ("Bastia", "20200", 42.6970, 9.4509, "04 95", "Pôle Méditerranée"),
    ("Digne-les-Bains", "04000", 44.0925, 6.2356, "04 92", "Pôle Méditerranée"),
    ("Manosque", "04100", 43.8342, 5.7839, "04 92", "Pôle Méditerranée"),
    ("Gap", "05000", 44.5594, 6.0786, "04 92", "Pôle Méditerranée"),
    ("Toulouse", "31000", 43.6047, 1.4442, "05 61", "Pôle Sud-Ouest"),
    ("Bordeaux", "33000", 44.8378, -0.5792, "05 56", "Pôle Sud-Ouest"),
    ("Pau", "64000", 43.2951, -0.3708, "05 59", "Pôle Sud-Ouest"),
    ("Bayonne", "64100", 43.4929, -1.4748, "05 59", "Pôle Sud-Ouest"),
    ("Foix", "09000", 42.9653, 1.6070, "05 61", "Pôle Sud-Ouest"),
    ("Pamiers", "09100", 43.1167, 1.6108, "05 61", "Pôle Sud-Ouest"),
    ("Montauban", "82000", 44.0176, 1.3550, "05 63", "Pôle Sud-Ouest"),
    ("Agen", "47000", 44.2033, 0.6163, "05 53", "Pôle Sud-Ouest"),
    ("Limoges", "87000", 45.8336, 1.2611, "05 55", "Pôle Sud-Ouest"),
    ("Moulins", "03000", 46.5646, 3.3326, "04 70", "Pôle Centre-Ouest"),
    ("Vichy", "03200", 46.1277, 3.4260, "04 70", "Pôle Centre-Ouest"),
    ("Montluçon", "03100", 46.3401, 2.6034, "04 70", "Pôle Centre-Ouest"),
    ("Clermont-Ferrand", "63000", 45.7772, 3.0870, "04 73", "Pôle Centre-Ouest"),
    ("Tours", "37000", 47.3941, 0.6848, "02 47", "Pôle Centre-Ouest"),
    ("Orléans", "45000", 47.9030, 1.9093, "02 38", "Pôle Centre-Ouest"),
    ("Nantes", "44000", 47.2184, -1.5536, "02 40", "Pôle Centre-Ouest"),
    ("Rennes", "35000", 48.1173, -1.6778, "02 99", "Pôle Centre-Ouest"),
    ("Angers", "49000", 47.4784, -0.5632, "02 41", "Pôle Centre-Ouest"),
    ("Brest", "29200", 48.3904, -4.4861, "02 98", "Pôle Centre-Ouest"),
    ("Caen", "14000", 49.1829, -0.3707, "02 31", "Pôle Centre-Ouest"),
    ("Rouen", "76000", 49.4432, 1.0999, "02 35", "Pôle Centre-Ouest"),
    ("Dijon", "21000", 47.3220, 5.0415, "03 80", "Pôle Nord-Est"),
    ("Besançon", "25000", 47.2378, 6.0241, "03 81", "Pôle Nord-Est"),
]
# code prefix, name patterns, category cell variants, additional categories, hours style
KINDS = [
    ("CLI", ["Clinique {saint}", "Clinique du {place}", "Hôpital privé {city}"], ["Clinique privée", "Clinique",
     "private_clinic", "CLINIQUE PRIVEE"], ["Service des urgences", "Urgences, Maternité", "Chirurgie ambulatoire"], "h24"),
    ("IMG", ["Centre d'imagerie {city}", "Imagerie médicale du {place}"], ["Centre d'imagerie médicale",
     "Imagerie", "Radiologie", "medical_imaging"], ["IRM", "Radiologie, IRM", "Médecine nucléaire"], "day"),
    ("LAB", ["Laboratoire Horizon Bio {city}", "Laboratoire du {place}"], ["Laboratoire d'analyses médicales",
     "Laboratoire", "LBM", "Medical laboratory"], ["Centre de prélèvement"], "lab"),
    ("DIA", ["Centre de dialyse {city}", "Unité de dialyse du {place}"], ["Centre de dialyse", "Dialyse",
     "dialysis_center"], [], "day"),
    ("EHP", ["EHPAD {flower}", "Résidence {flower}"], ["EHPAD", "nursing_home", "Maison de retraite"], [], "visit"),
    ("SSR", ["Centre de rééducation {saint}", "SSR {flower}"], ["Centre de rééducation (SSR)", "SSR"], [], "day"),
    ("MAT", ["Maternité {saint}"], ["Maternité", "maternity"], ["Service des urgences"], "h24"),
    ("DEN", ["Centre dentaire Horizon {city}"], ["Centre dentaire", "dental_clinic"], ["Orthodontiste"], "day"),
]
WEIGHTS = [28, 18, 24, 10, 10, 6, 3, 5]
SAINTS = ["Saint-Exupéry", "Sainte-Marie", "Saint-Joseph", "Saint-Vincent", "Sainte-Anne", "Saint-Roch",
          "Saint-Luc", "Sainte-Claire", "Saint-Martin", "Sainte-Thérèse", "Saint-Pierre", "Saint-Jean"]
PLACES_NAMES = ["Parc", "Val", "Lac", "Mail", "Château", "Pont", "Moulin", "Cèdre", "Belvédère", "Plateau"]
FLOWERS = ["Les Tilleuls", "Les Lilas", "Les Glycines", "Les Mimosas", "Les Hortensias", "Le Clos Fleuri",
           "Les Magnolias", "Les Églantines", "Les Acacias", "Les Camélias"]
STREETS = ["rue Victor Hugo", "avenue Jean Jaurès", "boulevard de la République", "rue Pasteur", "rue des Lilas",
           "avenue du Général de Gaulle", "rue Gambetta", "place de la Gare", "rue des Écoles", "rue Émile Zola",
           "allée Marie Curie", "chemin du Moulin", "quai des Tanneurs", "rue du Docteur Roux", "avenue Foch"]
HOURS = {
    "h24": ["24h/24, 7j/7", "24h/24 7j/7", "Tous les jours 0h-24h", "24/7"],
    "day": ["Lun-Ven 8h-19h", "du lundi au vendredi de 8h à 18h, samedi 9h-12h", "Mo-Fr 08:00-18:00; Sa 09:00-12:00",
            "Monday to Friday 8am-6pm", "L-V 8h30-12h30 / 13h30-17h30, S 8h-12h",
            "Lundi au vendredi : 07h00 - 19h00 ; samedi : 08h00 - 12h00", "Mon-Fri 9:00-17:30, Sat 9:00-13:00, Sun closed"],
    "lab": ["Lun-Ven 7h-19h, Sam 7h30-12h30", "du lundi au vendredi 7h-12h et 13h30-18h30, samedi 8h-12h",
            "Mo-Fr 07:00-18:30; Sa 07:30-12:00", "Lun-Sam 7h-12h30"],
    "visit": ["Tous les jours 10h-20h", "10h-19h", "tous les jours de 11h à 19h"],
}
MOBILES = ["06 12", "06 20", "06 33", "06 45", "06 58", "06 61", "06 72", "06 80", "07 61", "07 82"]
DAY_HEADERS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
HEADERS = ["CODE SITE", "Nom de l'établissement", "Statut", "Adresse", "Complément d'adresse", "CP", "Ville ",
           "Latitude", "Longitude", "Tél.", "Autre téléphone", "Fax", "Site internet", "Courriel", "Activité",
           "Autres activités", "Horaires d'ouverture", *DAY_HEADERS, "Fermetures exceptionnelles",
           "Date de réouverture", "Pôle", "Commentaire interne"]
COL = {h: i for i, h in enumerate(HEADERS)}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _phone(rnd: random.Random, prefix: str) -> str:
    for _ in range(100):
        digits = prefix.replace(" ", "") + "".join(str(rnd.randint(0, 9)) for _ in range(6))
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "FR")):
            return digits
    raise ValueError(f"no valid number starts with {prefix}")


def _styled(digits: str, style: int) -> str | int:
    pairs = [digits[i:i + 2] for i in range(0, 10, 2)]
    return [
        " ".join(pairs), ".".join(pairs), "+33 (0)" + digits[1] + " " + " ".join(pairs[1:]),
        "0033 " + digits[1] + " " + " ".join(pairs[1:]), digits, int(digits),
        "+33 " + digits[1] + " " + " ".join(pairs[1:]), "-".join(pairs),
    ][style % 8]


def _website(rnd: random.Random, slug: str) -> str | None:
    host = f"www.{slug}-horizon-sante.fr"
    return rnd.choice([host, host, f"https://{host}/", f"{slug}-horizon-sante.fr", f"http://{host}", None])


def _site(rnd: random.Random, index: int, counters: dict[str, int]) -> list[object]:
    kind_index = rnd.choices(range(len(KINDS)), WEIGHTS)[0]
    prefix, names, categories, extras, hours_style = KINDS[kind_index]
    city, postal, lat, lng, phone_prefix, pole = PLACES[index % len(PLACES)]
    name = rnd.choice(names).format(saint=rnd.choice(SAINTS), place=rnd.choice(PLACES_NAMES), city=city,
                                    flower=rnd.choice(FLOWERS))
    counters[prefix] = counters.get(prefix, 0) + 1
    row: list[object] = [None] * len(HEADERS)
    row[COL["CODE SITE"]] = f"{prefix}-{postal[:2]}-{counters[prefix]:03d}"
    row[COL["Nom de l'établissement"]] = name + rnd.choice(["", "", "", " ", "  "])
    row[COL["Adresse"]] = f"{rnd.randint(1, 180)} {rnd.choice(STREETS)}"
    if rnd.random() < 0.2:
        row[COL["Complément d'adresse"]] = rnd.choice(["Bâtiment B", "2e étage", "Entrée par le parking",
                                                        "Hall A", "Résidence du Parc"])
    row[COL["CP"]] = int(postal) if postal.startswith("0") or rnd.random() < 0.4 else postal
    row[COL["Ville "]] = city + rnd.choice(["", "", " "])
    if rnd.random() < 0.9:
        la, lo = round(lat + rnd.uniform(-0.02, 0.02), 5), round(lng + rnd.uniform(-0.02, 0.02), 5)
        as_text = rnd.random() < 0.2
        row[COL["Latitude"]] = str(la).replace(".", ",") if as_text else la
        row[COL["Longitude"]] = str(lo).replace(".", ",") if as_text else lo
    row[COL["Tél."]] = _styled(_phone(rnd, phone_prefix), index)
    if rnd.random() < 0.25:
        row[COL["Autre téléphone"]] = _styled(_phone(rnd, rnd.choice(MOBILES)), index + 3)
    if rnd.random() < 0.5:
        row[COL["Fax"]] = _styled(_phone(rnd, phone_prefix), index + 1)
    slug = _slug(f"{name}-{city}")[:40].strip("-")
    row[COL["Site internet"]] = _website(rnd, slug)
    if rnd.random() < 0.7:
        row[COL["Courriel"]] = rnd.choice(["", "", " ", "mailto:"]) + f"contact.{slug[:20].strip('-')}@horizon-sante.fr"
    row[COL["Activité"]] = rnd.choice(categories)
    if extras and rnd.random() < 0.5:
        row[COL["Autres activités"]] = rnd.choice(extras)
    if hours_style == "day" and rnd.random() < 0.3:  # one column per day
        morning, evening = rnd.choice([("8h", "18h"), ("08:30", "19:00"), ("9h", "17h30")])
        for day in DAY_HEADERS[:5]:
            row[COL[day]] = rnd.choice([f"{morning}-{evening}", f"{morning}-12h, 14h-{evening}"])
        row[COL["Samedi"]] = rnd.choice(["9h-12h", "Fermé", None])
        row[COL["Dimanche"]] = rnd.choice(["Fermé", "-", None])
    else:
        row[COL["Horaires d'ouverture"]] = rnd.choice(HOURS[hours_style])
    if rnd.random() < 0.12:
        row[COL["Fermetures exceptionnelles"]] = rnd.choice(["25/12/2026; 01/01/2027", "du 01/08/2026 au 15/08/2026",
                                                             "01/05/2027", "24/12/2026 - 26/12/2026"])
    row[COL["Pôle"]] = pole
    if rnd.random() < 0.15:
        row[COL["Commentaire interne"]] = rnd.choice(["Travaux prévus en 2027", "Directeur : M. Martin",
                                                      "Parking payant", "Vérifier les horaires"])
    return row


def _messy(rows: list[list[object]]) -> None:
    """Special cases at fixed places, so the sample's expected report is stable."""
    rows[7][COL["Statut"]] = "Fermé temporairement"
    rows[7][COL["Date de réouverture"]] = datetime(2027, 3, 1)
    rows[12][COL["Statut"]] = "Ouverture prochaine"
    rows[15][COL["Adresse"]] = "14 rue des Écoles\nBâtiment C"
    rows[18][COL["Tél."]] = "04 78 60 12 34 / 06 12 34 56 78"
    rows[22][COL["CODE SITE"]] = str(rows[22][COL["CODE SITE"]]) + " "
    rows[25][COL["Statut"]] = "Ouvert"
    # six rows that must be rejected
    rows[30][COL["Tél."]] = "04 78 12 34"  # too short
    rows[41][COL["Nom de l'établissement"]] = None
    rows[52][COL["Activité"]] = "Centre de thalassothérapie"
    rows[63][COL["Horaires d'ouverture"]] = "Lun-Ven 9h-25h"
    for day in DAY_HEADERS:
        rows[63][COL[day]] = None
    rows[75][COL["CODE SITE"]] = rows[74][COL["CODE SITE"]]  # a copy-paste: same code twice


REJECTED = {"invalid phone": 30, "missing name": 41, "unknown category": 52, "impossible hours": 63,
            "duplicate store code": (74, 75)}
HEADER_ROW = 4
SITES = 120


def build_sample() -> bytes:
    rnd = random.Random(SEED)
    counters: dict[str, int] = {}
    rows = [_site(rnd, i, counters) for i in range(SITES)]
    _messy(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = "Sites"
    ws.append([f"{GROUP} : annuaire des établissements"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws.append(["Export du 05/01/2027, document interne"])
    ws.append([])
    ws.append(HEADERS)
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows):
        if number == 60:
            ws.append([])  # a blank line in the middle
        ws.append(row)
    ws.append([None] * COL["Commentaire interne"] + [f"Total : {SITES} établissements"])
    lists = wb.create_sheet("Listes")
    for pole in sorted({p[5] for p in PLACES}):
        lists.append([pole])
    lists.sheet_state = "hidden"
    fixed = datetime(2027, 1, 5, 9, 0, 0)
    wb.properties.creator, wb.properties.created, wb.properties.modified = GROUP, fixed, fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _repack(buffer.getvalue(), fixed)


def _repack(data: bytes, when: datetime) -> bytes:
    """Same workbook with fixed timestamps (openpyxl stamps the save time), for stable bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6]), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_bytes(build_sample())
    print(f"wrote {PATH} ({PATH.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
