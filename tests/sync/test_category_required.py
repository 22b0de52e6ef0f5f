"""Real exports without a category column import, and only the platforms that need a category
wait for one (issue 10, must-show 2): end to end, embedded mode, sandbox over real HTTP."""

import pytest

from tests.imports.helpers import xlsx
from tests.sync.conftest import connect_all, wait_for

pytestmark = pytest.mark.slow
PLATFORMS = ("google", "apple", "facebook", "bing", "yelp")
NEEDS_CATEGORY = {"google", "apple", "bing", "yelp"}  # as their documents (and sandboxes) say


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"verify_poll_seconds": 0.5, "reconcile_seconds": 1,
                                       "sync_backoff_base": 0.2, "sync_backoff_max": 2.0,
                                       "rate_limits": {"facebook": "20/1", "bing": "20/1"}})


# A facilities export as an HR/ERP tool writes it: FINESS as the key, "Raison sociale", one hours
# text, a fax, a manager; no category column.
FRENCH = xlsx([
    ["FINESS", "Raison sociale", "Adresse 1", "Adresse 2", "Code postal", "Ville", "Téléphone standard", "Fax",
     "Horaires", "Directeur / Directrice"],
    [750000011, "Clinique Saint-Louis", "12 rue de la Roquette", None, "75011", "Paris", "01 43 12 34 56",
     "01 43 12 34 57", "Lun-Ven 8h-19h, Sam 9h-12h", "Mme Dupont"],
    [690000022, "Centre de rééducation Les Pins", "3 chemin des Pins", "Bât. A", "69130", "Écully",
     "04 78 12 34 56", None, "Lundi au vendredi 9h-17h", "M. Martin"],
    [130000033, "Laboratoire Horizon Prado", "150 avenue du Prado", None, "13008", "Marseille", "04 91 22 33 44",
     None, "Lun-Sam 7h-12h", "Mme Leroy"],
    [971000044, "Maison de santé du Raizet", "Rue Ferdinand Forest", None, "97139", "Les Abymes", "0590 82 12 34",
     None, "Lun-Ven 8h-18h", "M. Bellon"],
], title="Export RH")

# An English export with one hours column per day, no category column.
ENGLISH = xlsx([
    ["Site ID", "Site name", "Street", "City", "Zip", "Phone", "Monday", "Tuesday", "Wednesday", "Thursday",
     "Friday", "Saturday", "Sunday", "Manager"],
    ["LY-01", "Horizon Imaging Lyon", "5 quai Claude Bernard", "Lyon", "69007", "04 72 00 11 22", "8am-6pm",
     "8am-6pm", "8am-6pm", "8am-6pm", "8am-6pm", "closed", "closed", "J. Smith"],
    ["BD-02", "Pharmacie Centrale Bordeaux", "10 cours de l'Intendance", "Bordeaux", "33000", "05 56 00 11 22",
     "9:00-19:30", "9:00-19:30", "9:00-19:30", "9:00-19:30", "9:00-19:30", "9:00-19:00", None, "A. Brown"],
], title="Sites")


async def test_exports_without_a_category_column_import_and_only_platforms_needing_one_wait(client, sandbox):
    await connect_all(client, sandbox.url, platforms=PLATFORMS)
    for name, data in (("export_rh.xlsx", FRENCH), ("sites_en.xlsx", ENGLISH)):
        response = await client.post("/api/v1/imports", files={"file": (name, data, "application/octet-stream")})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["outcome"] == "applied", [r["errors"] for r in report["rows"]]
        assert report["summary"]["rejected"] == 0
    without = {"690000022": "Centre de rééducation Les Pins", "971000044": "Maison de santé du Raizet",
               "LY-01": "Horizon Imaging Lyon"}
    with_inferred = {"750000011": "private_clinic", "130000033": "medical_laboratory", "BD-02": "pharmacy"}
    for code, key in with_inferred.items():
        site = (await client.get(f"/api/v1/establishments/{code}")).json()
        assert site["categories"] == {"primary": key, "additional": []}
    for code in without:
        assert (await client.get(f"/api/v1/establishments/{code}")).json()["categories"] is None
    raizet = (await client.get("/api/v1/establishments/971000044")).json()
    assert raizet["phones"]["primary"] == "+590590821234"  # Guadeloupe's own plan, by its postal code

    def settled(summary):
        counts = {p: sum(v for s, v in summary["platforms"].get(p, {}).items() if s in ("live", "action_required"))
                  for p in PLATFORMS}
        return all(n == 6 for n in counts.values())

    await wait_for(client, settled, timeout=90)
    for code in [*without, *with_inferred]:
        rows = {r["platform"]: r for r in (await client.get(f"/api/v1/establishments/{code}/sync")).json()}
        for platform in PLATFORMS:
            if code in without and platform in NEEDS_CATEGORY:
                assert rows[platform]["status"] == "action_required", (code, platform, rows[platform])
                assert "add a primary category" in rows[platform]["last_error"]
            else:
                assert rows[platform]["status"] == "live", (code, platform, rows[platform])


def test_every_declared_requirement_is_one_the_engine_knows():
    from connectors.base import REQUIREMENTS
    from connectors.registry import CONNECTORS

    declared = {key: cls.info.requires for key, cls in CONNECTORS.items() if cls.info.requires}
    assert declared == {p: frozenset({"categories"}) for p in ("google", "apple", "bing", "yelp")}
    assert set().union(*declared.values()) <= set(REQUIREMENTS)


def test_every_platform_renders_a_site_without_a_category():
    from connectors.registry import CONNECTORS, render
    from schemas import Establishment
    from tests.establishments.factories import record

    site = Establishment.model_validate({**record(), "categories": None})
    for key, cls in CONNECTORS.items():
        rendering = render(key, site)  # what campaign previews and manual channels call
        if "categories" in cls.info.requires:
            assert rendering.payload == {} and "add a primary category" in rendering.unsupported["categories"]
        elif cls.info.follows is None:  # a derived platform renders nothing of its own
            assert rendering.payload, key  # published without a category
