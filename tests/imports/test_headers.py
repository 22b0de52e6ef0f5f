import pytest

from service.imports.headers import check_mapping, normalize, recognize, resolve


@pytest.mark.parametrize("header, field", [
    ("Nom", "name"), ("Nom de l'établissement", "name"), ("NOM DE L ETABLISSEMENT", "name"),
    ("Raison sociale", "name"), ("Name", "name"), ("  nom  ", "name"), ("Nom / Name", "name"),
    ("Téléphone", "phones.primary"), ("Tél.", "phones.primary"), ("TEL", "phones.primary"),
    ("N° de téléphone", "phones.primary"), ("Nº de téléphone", "phones.primary"), ("Phone", "phones.primary"),
    ("Téléphone 1", "phones.primary"), ("Téléphone 2", "phones.additional"), ("Autre téléphone", "phones.additional"),
    ("Tél. 3", "phones.additional"), ("Mobile", "phones.additional"),
    ("Code postal", "address.postal_code"), ("CP", "address.postal_code"), ("C.P.", "address.postal_code"),
    ("Zip code", "address.postal_code"),
    ("Horaires", "hours"), ("Horaires d'ouverture", "hours"), ("Opening hours", "hours"),
    ("Site web", "website"), ("Site internet", "website"), ("Website", "website"), ("URL", "website"),
    ("Code établissement", "store_code"), ("Code site", "store_code"), ("Store code", "store_code"),
    ("Code Etablissement", "store_code"), ("Code établissement / Store code", "store_code"),
    ("Adresse", "address.line1"), ("Adresse 1", "address.line1"), ("Address line 1", "address.line1"),
    ("Rue", "address.line1"), ("Adresse 2", "address.line2"), ("Complément d'adresse", "address.line2"),
    ("Address line 2", "address.line2"), ("Adresse 3", "address.line3"), ("Lieu-dit", "address.line3"),
    ("Ville", "address.locality"), ("Ville ", "address.locality"), ("Commune", "address.locality"),
    ("City", "address.locality"), ("Pays", "address.country"), ("Country", "address.country"),
    ("Latitude", "geo.lat"), ("Latitude (WGS84)", "geo.lat"), ("Longitude", "geo.lng"), ("Lng", "geo.lng"),
    ("GPS", "geo"), ("Coordonnées GPS", "geo"), ("Lat/Long", "geo"),
    ("Fax", "fax"), ("Télécopie", "fax"),
    ("E-mail", "email"), ("Email", "email"), ("Courriel", "email"), ("Mail", "email"),
    ("Catégorie", "categories.primary"), ("Activité", "categories.primary"), ("Type", "categories.primary"),
    ("Catégorie 2", "categories.additional"), ("Autres catégories", "categories.additional"),
    ("Description", "description"), ("Statut", "status"), ("Status", "status"),
    ("Lundi", "hours.monday"), ("Monday", "hours.monday"), ("Lun.", "hours.monday"), ("lun", "hours.monday"),
    ("Mardi", "hours.tuesday"), ("Mar.", "hours.tuesday"), ("Tue", "hours.tuesday"),
    ("Mercredi", "hours.wednesday"), ("Jeudi", "hours.thursday"), ("Vendredi", "hours.friday"),
    ("Samedi", "hours.saturday"), ("Sat", "hours.saturday"), ("Dimanche", "hours.sunday"), ("Sunday", "hours.sunday"),
    ("Horaires du lundi", "hours.monday"), ("Lundi (horaires)", "hours.monday"), ("Lundi matin", "hours.monday"),
    ("Lundi après-midi", "hours.monday"), ("Monday hours", "hours.monday"),
    ("Lundi ouverture", "hours.monday.open"), ("Lundi fermeture", "hours.monday.close"),
    ("Monday open", "hours.monday.open"), ("Sunday close", "hours.sunday.close"),
    ("Fermetures exceptionnelles", "hours.closures"), ("Jours de fermeture", "hours.closures"),
    ("Horaires exceptionnels", "hours.special"),
    ("Région", "label"), ("Pôle", "label"), ("Marque", "label"), ("Groupe", "label"),
    ("Étiquettes", "labels"), ("Tags", "labels"),
    ("Photo", "photos"), ("Photo 2", "photos"), ("Photo n°3", "photos"), ("Logo", "photos.logo"),
    ("Photo de couverture", "photos.cover"),
    ("Date de réouverture", "reopen_date"), ("Date d'ouverture", "opening_date"),
])
def test_every_usual_header_variant_is_recognised(header, field):
    assert recognize(header) == field


@pytest.mark.parametrize("header", ["Commentaire interne", "Directeur", "Station 2", "", "   ", "Nom / Pays"])
def test_unknown_headers_are_not_guessed(header):
    assert recognize(header) is None


def test_normalize_drops_case_accents_punctuation_and_spaces():
    assert normalize("  N° de Téléphone ") == normalize("n DE telephone") == "ndetelephone"
    assert normalize("Cœur") == "coeur"


def test_resolve_reports_ignored_columns_and_prefers_specific_headers():
    result = resolve(("ID", "Code site", "Nom", "Fax", "Remarque", None, "Téléphone", "Téléphone", "Adresse",
                      "Adresse", "Ville", "Catégorie", "Nom commercial"), {})
    fields = {c.header: c.field for c in result.columns}
    assert fields["Code site"] == "store_code" and "ID" not in fields  # 'Code site' wins over the generic 'ID'
    assert [c.field for c in result.columns if c.header == "Téléphone"] == ["phones.primary", "phones.additional"]
    assert [c.field for c in result.columns if c.header == "Adresse"] == ["address.line1", "address.line2"]
    ignored = dict(result.ignored)
    assert "fax" in ignored["Fax"]
    assert "not a Vitrine column" in ignored["Remarque"]
    assert "same field (store_code) as column B 'Code site'" in ignored["ID"]
    assert "same field (name) as column C" in ignored["Nom commercial"]
    assert result.missing() == []


def test_explicit_mapping_overrides_recognition():
    mapping = check_mapping({"Num": "phones.primary", "nom": "ignore", "Enseigne commerciale": "name"})
    result = resolve(("Code", "Nom", "Enseigne commerciale", "Num", "Adresse", "Ville", "Type"), mapping)
    fields = {c.header: c.field for c in result.columns}
    assert fields["Num"] == "phones.primary" and fields["Enseigne commerciale"] == "name"
    assert "Nom" not in fields and dict(result.ignored)["Nom"] == "ignored by the mapping"


def test_a_mapping_to_an_unknown_field_or_column_is_refused():
    from service.imports.headers import MappingError

    with pytest.raises(MappingError, match="unknown field 'telephone'"):
        check_mapping({"Num": "telephone"})
    with pytest.raises(MappingError, match="missing from the header row: Numéro"):
        resolve(("Code", "Nom"), check_mapping({"Numéro": "phones.primary"}))


def test_missing_required_columns_are_named():
    result = resolve(("Nom", "Ville"), {})
    assert result.missing() == ["Code établissement / Store code"]  # every other column may be absent


def test_finess_is_the_store_code_of_a_health_export_but_gives_way_to_a_site_code():
    assert [c.field for c in resolve(("FINESS", "Raison sociale"), {}).columns] == ["store_code", "name"]
    both = resolve(("FINESS", "Code site", "Raison sociale"), {})
    assert [(c.header, c.field) for c in both.columns] == [("Code site", "store_code"), ("Raison sociale", "name")]


def test_a_mapping_can_make_an_unrecognised_header_row_readable():
    from service.imports.service import read_rows
    from tests.imports.helpers import xlsx

    data = xlsx([["Ref", "Libellé du site", "Voie", "Localisation", "Famille"],
                 ["A-1", "Clinique du Parc", "1 rue X", "Paris", "Clinique privée"]])
    mapping = {"Ref": "store_code", "Voie": "address.line1", "Localisation": "address.locality",
               "Famille": "categories.primary", "Libellé du site": "name"}
    parsed = read_rows(data, mapping, max_bytes=10**8)
    assert parsed.rows[0].record.name == "Clinique du Parc"
