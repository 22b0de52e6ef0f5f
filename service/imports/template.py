"""The import template: a sites sheet with styled bilingual headers, drop-down lists and
example rows, and an instructions sheet in French and English (with the category table the
drop-down reads from). `GET /api/v1/imports/template` and `vitrine template FILE` serve it."""

from __future__ import annotations

import io
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from schemas.categories import CATEGORIES

DATA_SHEET, HELP_SHEET = "Établissements", "Instructions"
TEXT_ROWS = 2000  # rows formatted as text where Excel would eat leading zeros


class TemplateColumn(NamedTuple):
    header: str
    required: bool
    width: int
    fr: str
    en: str
    text: bool = False  # formatted as text (postal codes, phones)


COLUMNS = [
    TemplateColumn("Code établissement / Store code", True, 18, "Code unique et stable du site : sert à retrouver "
                   "le site d'un import à l'autre.", "Unique, stable site code: matches the site across imports."),
    TemplateColumn("Nom / Name", True, 34, "Nom public de l'établissement.", "Public name of the site."),
    TemplateColumn("Statut / Status", False, 20, "Ouvert (par défaut), Fermé temporairement, Fermé définitivement, "
                   "Ouverture prochaine.", "Open (default), temporarily closed, permanently closed, opening soon."),
    TemplateColumn("Adresse / Address", True, 30, "Numéro et rue.", "Street and number."),
    TemplateColumn("Complément d'adresse / Address line 2", False, 24, "Bâtiment, étage, lieu-dit…",
                   "Building, floor…"),
    TemplateColumn("Code postal / Postal code", False, 12, "Cinq chiffres en France (01000, pas 1000).",
                   "Five digits in France.", True),
    TemplateColumn("Ville / City", True, 20, "Commune.", "Town or city."),
    TemplateColumn("Pays / Country", False, 12, "France par défaut ; nom ou code ISO (FR, BE…).",
                   "France by default; name or ISO code."),
    TemplateColumn("Latitude", False, 11, "Degrés décimaux, ex. 48.8656.", "Decimal degrees."),
    TemplateColumn("Longitude", False, 11, "Degrés décimaux, ex. 2.3781.", "Decimal degrees."),
    TemplateColumn("Téléphone / Phone", False, 18, "Tout format : 01 23 45 67 89, +33 1 23 45 67 89…",
                   "Any format; national numbers read with the site's country.", True),
    TemplateColumn("Autre téléphone / Other phone", False, 18, "Numéros supplémentaires, séparés par « ; ».",
                   "Additional numbers, separated by ';'.", True),
    TemplateColumn("Site web / Website", False, 30, "www.exemple.fr suffit (https:// est ajouté).",
                   "www.example.com is enough (https:// is added)."),
    TemplateColumn("E-mail", False, 28, "Adresse de contact publique.", "Public contact address."),
    TemplateColumn("Catégorie / Category", False, 28, "Liste déroulante ; libellé français, anglais, nom Google "
                   "ou clé (voir le tableau plus bas). Vide : déduite d'un nom sans ambiguïté (Clinique…, "
                   "Laboratoire…) ou la catégorie par défaut de l'import ; Google et Apple attendent une catégorie.",
                   "Drop-down; French or English label, Google's name or key (table below). Empty: inferred from "
                   "an unambiguous name or the import's default; Google and Apple wait for one."),
    TemplateColumn("Autres catégories / Additional categories", False, 30, "Séparées par des virgules.",
                   "Comma separated."),
    TemplateColumn("Description", False, 40, "2 000 caractères au plus.", "At most 2,000 characters."),
    TemplateColumn("Horaires / Hours", False, 34, "Texte libre : « Lun-Ven 8h-19h ; Sam 9h-12h », "
                   "« 24h/24 7j/7 »…", "Free text: 'Mon-Fri 8am-7pm, Sat 9am-12pm', 'Mo-Fr 08:00-19:00'…"),
    TemplateColumn("Fermetures exceptionnelles / Closures", False, 26, "Dates de fermeture : "
                   "« 25/12/2026; du 01/08/2026 au 15/08/2026 ».", "Closed dates (day/month/year), ranges."),
    TemplateColumn("Pôle / Region", False, 18, "Devient une étiquette (filtre dans Vitrine).",
                   "Becomes a label (a filter in Vitrine)."),
    TemplateColumn("Étiquettes / Labels", False, 24, "Autres étiquettes, séparées par des virgules.",
                   "More labels, comma separated."),
    TemplateColumn("Quartier / Sub-locality", False, 16, "Quartier ou lieu-dit.", "District or neighbourhood."),
    TemplateColumn("Date d'ouverture / Opening date", False, 16, "Date d'ouverture de l'établissement (passée), "
                   "ou à venir avec le statut Ouverture prochaine.", "The date the site opened, or will open "
                   "(status opening soon)."),
    TemplateColumn("Date de réouverture / Reopen date", False, 16, "Avec le statut Fermé temporairement.",
                   "With status temporarily closed."),
    TemplateColumn("Horaires exceptionnels / Special hours", False, 30, "« 24/12/2026: 9h-12h; 25/12/2026: x » "
                   "(x = fermé).", "'2026-12-24: 09:00-12:00, 2026-12-25: x' (x = closed)."),
    TemplateColumn("Logo", False, 28, "Adresse web de l'image du logo.", "Web address of the logo image."),
    TemplateColumn("Photo de couverture / Cover photo", False, 28, "Adresse web de la photo de couverture.",
                   "Web address of the cover photo."),
    TemplateColumn("Autres photos / Other photos", False, 36, "Adresses web, séparées par des virgules.",
                   "Web addresses, comma separated."),
]
REQUIRED_NOTE = ("Colonnes rouges : le code est toujours obligatoire ; nom, adresse et ville le sont pour un nouveau "
                 "site. Une colonne absente n'est pas modifiée. / Red columns: the store code always; name, address "
                 "and city for a new site. A column left out is left unchanged.")

EXAMPLES = [
    ["EXEMPLE-001", "Clinique du Parc", "Ouvert", "12 rue Oberkampf", "Bâtiment B", "75011", "Paris", "France",
     48.8656, 2.3781, "01 43 55 12 34", "06 12 34 56 78", "www.clinique-du-parc.fr", "contact@clinique-du-parc.fr",
     "Clinique privée", "Service des urgences, Maternité", "Clinique médico-chirurgicale au cœur du 11e.",
     "Lun-Ven 8h-20h ; Sam 9h-12h", "25/12/2026; 01/01/2027", "Pôle Île-de-France", "Chirurgie, Maternité",
     "Folie-Méricourt", "15/03/1987", None, "24/12/2026: 8h-12h; 31/12/2026: 8h-17h",
     "https://www.clinique-du-parc.fr/logo.png", "https://www.clinique-du-parc.fr/facade.jpg",
     "https://www.clinique-du-parc.fr/accueil.jpg, https://www.clinique-du-parc.fr/chambre.jpg"],
    ["EXEMPLE-002", "Laboratoire Horizon Bourg-en-Bresse", "Ouvert", "4 avenue Alsace-Lorraine", None, "01000",
     "Bourg-en-Bresse", "FR", 46.2056, 5.2258, "04 74 22 33 44", None, "https://www.labo-bourg.fr/",
     None, "Laboratoire d'analyses médicales", "Centre de prélèvement", None,
     "Mo-Fr 07:30-12:30, 13:30-18:00; Sa 08:00-12:00", None, "Pôle Rhône-Alpes", None,
     None, None, None, None, None, None, None],
    ["EXEMPLE-003", "Centre d'imagerie Lumière", "Ouvert", "28 cours Lafayette", None, "69003", "Lyon", "France",
     45.7631, 4.8441, "+33 4 78 60 12 34", None, "imagerie-lumiere.fr", "rdv@imagerie-lumiere.fr",
     "Centre d'imagerie médicale", "mri_center", None, "Monday to Friday 8am-7pm", None, "Pôle Rhône-Alpes", None,
     None, None, None, "2026-12-25: x, 2026-12-31: 08:00-12:00", None, None, None],
]
STATUSES = ["Ouvert", "Fermé temporairement", "Fermé définitivement", "Ouverture prochaine"]

_HEAD_FILL = PatternFill("solid", fgColor="1F5C6B")
_REQUIRED_FILL = PatternFill("solid", fgColor="B3442F")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")

INTRO_FR = ("Une ligne par établissement, à partir de la ligne 2 de la feuille « Établissements ». Le code est "
            "obligatoire ; le nom, l'adresse et la ville aussi pour un nouveau site (colonnes rouges). Une colonne "
            "absente n'est pas modifiée ; une cellule vide n'efface que les champs facultatifs (site web, "
            "description, photos…). L'ordre des colonnes est libre et les en-têtes peuvent être en français ou "
            "en anglais (« Tél. », « CP », « Site internet »… sont reconnus). Supprimez les lignes d'exemple. "
            "Le code établissement relie chaque ligne au site déjà enregistré : réimporter le même fichier ne "
            "change rien. Faites d'abord un essai (dry run) : le rapport indique chaque ligne, ce qui a été "
            "nettoyé et pourquoi une ligne est refusée.")
INTRO_EN = ("One row per site, from row 2 of the 'Établissements' sheet. The store code is required; name, "
            "address and city too for a new site (red columns). A column left out is left unchanged; an empty cell "
            "clears optional fields only (website, description, photos…). Google's bulk-upload sheet imports as "
            "it is. Columns may come "
            "in any order and headers may be French or English. Delete the example rows. The store code ties each "
            "row to the stored site: importing the same file again changes nothing. Try a dry run first: the "
            "report names every row, what was cleaned, and why a row is rejected.")


def _data_sheet(wb: Workbook, category_range: str) -> None:
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.fill = _REQUIRED_FILL if column.required else _HEAD_FILL
        cell.font, cell.alignment = _HEAD_FONT, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = 32
    for row in EXAMPLES:
        ws.append(row)
    for index, column in enumerate(COLUMNS, start=1):
        if column.text:
            for row in range(2, TEXT_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}1"
    letters = {c.header: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    for header, formula in ((COLUMNS[2].header, '"' + ",".join(STATUSES) + '"'),
                            (COLUMNS[14].header, category_range)):
        rule = DataValidation(type="list", formula1=formula, allow_blank=True, errorStyle="warning",
                              error="Valeur hors liste : elle doit être reconnue par Vitrine / Not in the list",
                              errorTitle="Vitrine")
        rule.add(f"{letters[header]}2:{letters[header]}{TEXT_ROWS + 1}")
        ws.add_data_validation(rule)


def _help_sheet(wb: Workbook) -> str:
    ws = wb.create_sheet(HELP_SHEET)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 40, 36
    ws.column_dimensions["C"].width, ws.column_dimensions["D"].width = 60, 60
    ws.append(["Import des établissements dans Vitrine / Importing sites into Vitrine"])
    ws["A1"].font = Font(bold=True, size=14)
    for text in (INTRO_FR, INTRO_EN):
        ws.append([text])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(row=ws.max_row, column=1).alignment = _WRAP
        ws.row_dimensions[ws.max_row].height = 75
    ws.append([])
    ws.append(["Colonne / Column", "Obligatoire / Required", "Français", "English"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    for column in COLUMNS:
        ws.append([column.header, "oui / yes" if column.required else "", column.fr, column.en])
        for cell in ws[ws.max_row]:
            cell.alignment = _WRAP
    ws.append([])
    ws.append([REQUIRED_NOTE])
    ws.append(["Catégories / Categories", "Libellé / Label (FR)", "Label (EN)", "Clé / Key", "Google"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    first = ws.max_row + 1
    for key, category in CATEGORIES.items():
        ws.append(["", category.label_fr, category.label_en, key, category.gcid or ""])
    return f"'{HELP_SHEET}'!$B${first}:$B${ws.max_row}"


def build_template() -> bytes:
    wb = Workbook()  # its first sheet becomes the data sheet; the instructions come second
    category_range = _help_sheet(wb)
    _data_sheet(wb, category_range)
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
