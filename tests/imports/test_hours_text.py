import pytest

from service.imports.hours_text import (
    DAYS,
    HoursParseError,
    format_osm,
    parse_day_text,
    parse_hours_text,
)

_SHORT = dict(zip(("mo", "tu", "we", "th", "fr", "sa", "su"), DAYS))
MF = ("mo", "tu", "we", "th", "fr")
MS = (*MF, "sa")
ALL = (*MS, "su")


def ivs(spec: str) -> list[dict[str, str]]:
    """'08:00-12:00,14:00-18:00' -> canonical intervals; '' -> closed."""
    out = []
    for part in filter(None, spec.split(",")):
        opening, closing = part.split("-")
        out.append({"open": opening, "close": closing})
    return out


def week(**days: str) -> dict[str, list[dict[str, str]]]:
    """The full seven-day structure; days not given are closed."""
    return {name: ivs(days.get(short, "")) for short, name in _SHORT.items()}


def same(days: tuple[str, ...], spec: str) -> dict[str, str]:
    return {d: spec for d in days}


ALWAYS = week(**same(ALL, "00:00-24:00"))
MF_SPLIT = week(**same(MF, "08:00-12:00,14:00-18:00"))

PARSE_CASES = [
    # French: ranges, 'de ... à', abbreviations, accents and case
    ("Lun-Ven 8h30-19h", week(**same(MF, "08:30-19:00"))),
    ("Du lundi au vendredi de 8h à 12h et de 14h à 18h", MF_SPLIT),
    ("Samedi 9h-12h", week(sa="09:00-12:00")),
    ("Lundi au vendredi : 8h-12h / 14h-18h ; samedi : 9h-12h",
     week(**same(MF, "08:00-12:00,14:00-18:00"), sa="09:00-12:00")),
    ("Lun, Mar, Jeu 9h-17h", week(mo="09:00-17:00", tu="09:00-17:00", th="09:00-17:00")),
    ("du lundi au samedi de 7h30 à 19h30", week(**same(MS, "07:30-19:30"))),
    ("L-V 8h-18h", week(**same(MF, "08:00-18:00"))),
    ("L M Me J V 8h-18h", week(**same(MF, "08:00-18:00"))),
    ("Lu-Ve 8h-18h", week(**same(MF, "08:00-18:00"))),
    ("lun. au ven. 8 h 30 - 12h", week(**same(MF, "08:30-12:00"))),
    ("lun.-ven. 08h00-12h00", week(**same(MF, "08:00-12:00"))),
    ("MARDI 08h00-12h00", week(tu="08:00-12:00")),
    ("Fermee le dimanche; MERCREDI 9h-12h", week(we="09:00-12:00")),
    ("Me 8.30-midi", week(we="08:30-12:00")),
    ("Jeudi 8:30-12:15", week(th="08:30-12:15")),
    ("Lundi au vendredi de 8 heures à 18 heures", week(**same(MF, "08:00-18:00"))),
    ("Du lundi au vendredi de 8 à 12h", week(**same(MF, "08:00-12:00"))),
    ("Lun-Ven 8-12 / 14-18", MF_SPLIT),
    ("Lun-Ven 8h-12h 14h-18h", MF_SPLIT),
    ("du lundi au vendredi, de 8h à 18h", week(**same(MF, "08:00-18:00"))),
    ("Lundi - vendredi : 8h - 18h", week(**same(MF, "08:00-18:00"))),
    ("Lun–Ven 9h–12h | Sam 9h–12h", week(**same(MS, "09:00-12:00"))),
    ("Lundi au vendredi 8h-12h - Samedi 9h-12h",
     week(**same(MF, "08:00-12:00"), sa="09:00-12:00")),
    ("Lundi au vendredi 7h - 19h30 Samedi 8h - 12h",
     week(**same(MF, "07:00-19:30"), sa="08:00-12:00")),
    ("Ouvert du lundi au vendredi de 9h à 18h sans interruption",
     week(**same(MF, "09:00-18:00"))),
    ("Horaires d'ouverture : lundi-samedi 9h-19h non-stop", week(**same(MS, "09:00-19:00"))),
    ("9h-17h du lundi au vendredi", week(**same(MF, "09:00-17:00"))),
    ("de 8h30 à 12h et de 14h à 18h du lundi au vendredi",
     week(**same(MF, "08:30-12:00,14:00-18:00"))),
    ("8h-12h lundi, mardi 9h-12h", week(mo="08:00-12:00", tu="09:00-12:00")),
    ("Le lundi de 14h à 19h, du mardi au samedi de 9h à 12h et de 14h à 19h",
     week(mo="14:00-19:00", **same(("tu", "we", "th", "fr", "sa"), "09:00-12:00,14:00-19:00"))),
    ("lundi, mardi, jeudi et vendredi : 9h-12h30 et 14h-17h30 ; mercredi : 9h-12h30",
     week(**same(("mo", "tu", "th", "fr"), "09:00-12:30,14:00-17:30"), we="09:00-12:30")),
    ("Lundi : 8h30 - 12h30 / 13h30 - 17h30\nMardi : 8h30 - 12h30\nMercredi : Fermé",
     week(mo="08:30-12:30,13:30-17:30", tu="08:30-12:30")),
    ("Mercredi matin 8h-12h", week(we="08:00-12:00")),
    ("Lundi 8h-12h, après-midi 14h-18h", week(mo="08:00-12:00,14:00-18:00")),
    ("Lundi 14h-19h30, du mardi au samedi 9h-19h30",
     week(mo="14:00-19:30", **same(("tu", "we", "th", "fr", "sa"), "09:00-19:30"))),
    ("En semaine 8h-19h, le week-end 9h-13h",
     week(**same(MF, "08:00-19:00"), sa="09:00-13:00", su="09:00-13:00")),
    ("Du lundi au vendredi de 8h à 12h et de 14h à 18h, le samedi de 8h à 12h",
     week(**same(MF, "08:00-12:00,14:00-18:00"), sa="08:00-12:00")),
    ("Lundi au vendredi : 9h - 12h / 14h - 18h\nSamedi : 9h - 12h\nDimanche : fermé",
     week(**same(MF, "09:00-12:00,14:00-18:00"), sa="09:00-12:00")),
    ("de 8h a 18h", week(**same(ALL, "08:00-18:00"))),
    ("M, J 9h-12h", week(tu="09:00-12:00", th="09:00-12:00")),
    ("S 9h-12h, D fermé", week(sa="09:00-12:00")),
    ("Lun\u00a0-\u00a0Ven\u00a08h\u202f-\u202f12h", week(**same(MF, "08:00-12:00"))),
    ("Horaires d\u2019ouverture : Lun\u2014Ven 8h\u201312h", week(**same(MF, "08:00-12:00"))),
    # lunch breaks: 'fermé de 12h à 14h', 'fermé entre 12h et 14h'
    ("Lundi au vendredi: 8h30 - 18h30 (fermé de 12h30 à 13h30)",
     week(**same(MF, "08:30-12:30,13:30-18:30"))),
    ("Lun-Ven 8h-18h, fermé entre 12h et 14h", MF_SPLIT),
    ("Lun-Ven 8h-12h 14h-18h, fermé 12h-14h", MF_SPLIT),
    ("8h-18h fermé 12h-14h du lundi au vendredi", MF_SPLIT),
    # closed days and 'sauf'
    ("Lun-Sam 8h-19h, fermé le dimanche", week(**same(MS, "08:00-19:00"))),
    ("Lun-Ven 8h-18h, Sam 9h-12h, Dim fermé",
     week(**same(MF, "08:00-18:00"), sa="09:00-12:00")),
    ("Mardi au samedi 9h-19h. Fermé dimanche et lundi.",
     week(**same(("tu", "we", "th", "fr", "sa"), "09:00-19:00"))),
    ("Fermé le lundi; Mar-Sam 9h-19h",
     week(**same(("tu", "we", "th", "fr", "sa"), "09:00-19:00"))),
    ("Lun-Ven 8h-18h; fermé le lundi", week(**same(("tu", "we", "th", "fr"), "08:00-18:00"))),
    ("Lun au Sam 9h-19h (Fermé le Jeudi)",
     week(**same(("mo", "tu", "we", "fr", "sa"), "09:00-19:00"))),
    ("Tous les jours sauf le dimanche de 9h à 19h", week(**same(MS, "09:00-19:00"))),
    ("lundi au vendredi 8h - 18h, sauf le mercredi",
     week(**same(("mo", "tu", "th", "fr"), "08:00-18:00"))),
    ("Fermé le lundi. Du mardi au samedi de 10h à 19h",
     week(**same(("tu", "we", "th", "fr", "sa"), "10:00-19:00"))),
    ("Lun-Sam sauf mercredi 9h-18h",
     week(**same(("mo", "tu", "th", "fr", "sa"), "09:00-18:00"))),
    ("8h-18h sauf dimanche", week(**same(MS, "08:00-18:00"))),
    ("Tous les jours 8h-20h sauf le dimanche 9h-12h",
     week(**same(MS, "08:00-20:00"), su="09:00-12:00")),
    ("Fermé", week()),
    ("Fermé le samedi et le dimanche", week()),
    # public holidays are not regular hours
    ("Lun-Ven 8h-18h sauf jours fériés", week(**same(MF, "08:00-18:00"))),
    ("Lundi au samedi 8h-20h, dimanche et jours fériés : 9h30-12h30",
     week(**same(MS, "08:00-20:00"), su="09:30-12:30")),
    ("Lun-Ven 8h-18h, fermé les jours fériés", week(**same(MF, "08:00-18:00"))),
    # all day, every day
    ("24h/24", ALWAYS),
    ("24h/24 7j/7", ALWAYS),
    ("7j/7 24h/24", ALWAYS),
    ("Ouvert 24h/24 et 7j/7", ALWAYS),
    ("24/7", ALWAYS),
    ("H24", ALWAYS),
    ("24 heures sur 24, 7 jours sur 7", ALWAYS),
    ("Open 24 hours a day, 7 days a week", ALWAYS),
    ("Lun-Ven 24h/24", week(**same(MF, "00:00-24:00"))),
    ("7j/7 8h-20h", week(**same(ALL, "08:00-20:00"))),
    ("Tous les jours de 9h à 19h", week(**same(ALL, "09:00-19:00"))),
    ("7 jours sur 7 de 8h à 20h", week(**same(ALL, "08:00-20:00"))),
    # overnight, midnight, wrap-around day ranges
    ("Ven 22h-2h", week(fr="22:00-02:00")),
    ("Ven-Sam 23h-5h", week(fr="23:00-05:00", sa="23:00-05:00")),
    ("Ven 22h-0h", week(fr="22:00-24:00")),
    ("Sam-Lun 10h-minuit", week(sa="10:00-24:00", su="10:00-24:00", mo="10:00-24:00")),
    ("Dimanche minuit-6h", week(su="00:00-06:00")),
    ("Lundi 20h-minuit; mardi 0h-4h", week(mo="20:00-24:00", tu="00:00-04:00")),
    ("Ven 1h-4h, 22h-3h", week(fr="01:00-04:00,22:00-03:00")),
    ("Ven 22h-2h; Sam 2h-6h", week(fr="22:00-02:00", sa="02:00-06:00")),
    # duplicates and additive statements
    ("Lundi 8h-12h, Lundi 8h-12h", week(mo="08:00-12:00")),
    ("Lun-Ven 8h-12h; Lundi 14h-18h",
     week(mo="08:00-12:00,14:00-18:00", **same(("tu", "we", "th", "fr"), "08:00-12:00"))),
    # bare range: the whole text is hours -> every day
    ("8h-18h", week(**same(ALL, "08:00-18:00"))),
    ("9am-5pm", week(**same(ALL, "09:00-17:00"))),
    ("8h-12h / 14h-18h", week(**same(ALL, "08:00-12:00,14:00-18:00"))),
    # English
    ("Mon-Fri 9am-5:30pm", week(**same(MF, "09:00-17:30"))),
    ("Monday to Friday 9:00 AM - 6:00 PM", week(**same(MF, "09:00-18:00"))),
    ("Sat 10am-2pm", week(sa="10:00-14:00")),
    ("Mon-Sat 9am-6pm, Closed on Sunday", week(**same(MS, "09:00-18:00"))),
    ("Mon-Fri: 9 a.m. – 5 p.m.", week(**same(MF, "09:00-17:00"))),
    ("Monday-Friday 9am-5pm, Saturday 10am-4pm, Sunday closed",
     week(**same(MF, "09:00-17:00"), sa="10:00-16:00")),
    ("Weekdays 8am-6pm, weekends 10am-4pm",
     week(**same(MF, "08:00-18:00"), sa="10:00-16:00", su="10:00-16:00")),
    ("Mon-Thu 8:30am-5pm, Fri 8:30am-4pm",
     week(**same(("mo", "tu", "we", "th"), "08:30-17:00"), fr="08:30-16:00")),
    ("Tues & Thurs 9am-1pm", week(tu="09:00-13:00", th="09:00-13:00")),
    ("Mon, Wed, Fri: 9am–12pm",
     week(mo="09:00-12:00", we="09:00-12:00", fr="09:00-12:00")),
    ("M-F 9-5pm", week(**same(MF, "09:00-17:00"))),
    ("Mon-Fri 11-1pm", week(**same(MF, "11:00-13:00"))),
    ("Open daily 8am-8pm", week(**same(ALL, "08:00-20:00"))),
    ("Daily 5pm-2am", week(**same(ALL, "17:00-02:00"))),
    ("Every day noon-midnight", week(**same(ALL, "12:00-24:00"))),
    ("Monday through Friday 8am to 4pm", week(**same(MF, "08:00-16:00"))),
    ("Mon-Fri between 9am and 5pm", week(**same(MF, "09:00-17:00"))),
    ("Monday 9am-12pm, 1pm-5pm", week(mo="09:00-12:00,13:00-17:00")),
    ("Sunday: closed\nMonday: 8:00-17:00", week(mo="08:00-17:00")),
    ("12pm-12am", week(**same(ALL, "12:00-24:00"))),
    # OpenStreetMap
    ("Mo-Fr 09:00-18:00; Sa 09:00-12:00", week(**same(MF, "09:00-18:00"), sa="09:00-12:00")),
    ("Mo,We,Fr 10:00-12:00", week(mo="10:00-12:00", we="10:00-12:00", fr="10:00-12:00")),
    ("Mo-Fr 08:00-12:00,13:00-17:00; Sa 08:00-12:00; Su,PH off",
     week(**same(MF, "08:00-12:00,13:00-17:00"), sa="08:00-12:00")),
    ("Mo-Sa 08:00-20:00; Su,PH 09:00-12:00", week(**same(MS, "08:00-20:00"), su="09:00-12:00")),
    ("Mo-Fr 09:00-18:00; PH off", week(**same(MF, "09:00-18:00"))),
    ("Mo-Su 00:00-24:00", ALWAYS),
    ("Sa-Mo 10:00-16:00", week(sa="10:00-16:00", su="10:00-16:00", mo="10:00-16:00")),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_hours_text(text: str, expected: dict) -> None:
    assert parse_hours_text(text) == expected


ERROR_CASES = [
    ("Sur rendez-vous", "Sur rendez-vous"),
    ("Sur RDV", "Sur RDV"),
    ("variable", "variable"),
    ("voir site", "voir site"),
    ("Voir site internet", "Voir site internet"),
    ("Lun-Ven 8h-18h sur rendez-vous", "sur rendez-vous"),
    ("Urgences 24h/24", "Urgences"),
    ("à partir de 8h", "partir"),
    ("n/a", "n/a"),
    ("Jan-Mar Mo-Fr 08:00-12:00", "Jan-Mar"),
    ("Lun-Ven", "Lun-Ven"),
    ("Ouvert tous les jours", "tous les jours"),
    ("8h-18h, samedi 9h-12h", "9h-12h"),
    ("Lun-Ven 8h-12h; 14h-18h", "14h-18h"),
    ("fermé 12h-14h", "fermé"),
    ("Lun 8h", "8h"),
    ("Lun-Ven 8h-18h jusqu'à 19h", "jusqu'à 19h"),
    ("Mon-Fri 9-5", "9-5"),
    ("Lun 25h-26h", "25h-26h"),
    ("Lun 8h70-9h", "8h70-9h"),
    ("Lun 24h-8h", "24h-8h"),
    ("Lun 8h-8h", "8h-8h"),
    ("Mon 13pm-5pm", "13pm-5pm"),
    ("M 9-12", "'M'"),
    ("8h-18h sauf", "8h-18h sauf"),
    ("Lundi après-midi fermé", "Lundi après-midi fermé"),
    ("Lun-Ven 9h-17h, fermé le mercredi après-midi", "fermé le mercredi après-midi"),
    ("Lun-Sam 9h-19h, sauf jeudi après-midi", "sauf jeudi après-midi"),
    ("Fermé pour travaux", "pour travaux"),
    ("Mon 9:00-17:00 by appointment", "by appointment"),
    ("Lun-Ven 8h-18h fermé 19h-20h", "break 19:00-20:00"),
    ("entre 8h", "entre 8h"),
    ("Lundi 8h-12h Mardi", "days without hours: 'Mardi'"),
    ("8h-12h; Lundi", "days without hours: 'Lundi'"),
    ("Lundi au vendredi 8h/18h", "8h"),
    ("", "''"),
    ("   ", "''"),
]


@pytest.mark.parametrize(
    ("text", "fragment"), ERROR_CASES, ids=[c[0] or "empty" for c in ERROR_CASES]
)
def test_parse_hours_text_errors_quote_the_fragment(text: str, fragment: str) -> None:
    with pytest.raises(HoursParseError) as info:
        parse_hours_text(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "day", "message"),
    [
        ("Lun-Ven 8h-12h; Lundi 10h-14h", "monday",
         "overlapping hours on monday: 08:00-12:00 and 10:00-14:00"),
        ("Lun-Ven 8h-12h, 12h-14h", "monday",
         "adjacent hours on monday: 08:00-12:00 and 12:00-14:00"),
        ("Samedi 9h-13h; Sam 12h-14h", "saturday",
         "overlapping hours on saturday: 09:00-13:00 and 12:00-14:00"),
        ("Ven 22h-3h; Sam 1h-4h", "saturday",
         "overlapping hours on saturday: friday 22:00-03:00 runs past midnight into 01:00-04:00"),
        ("Dim 20h-2h, Lun 1h-9h", "monday",
         "overlapping hours on monday: sunday 20:00-02:00 runs past midnight into 01:00-09:00"),
        ("Mo-Fr 08:00-18:00; We 08:00-12:00", "wednesday",
         "overlapping hours on wednesday: 08:00-12:00 and 08:00-18:00"),
    ],
)
def test_conflicting_intervals_name_the_day(text: str, day: str, message: str) -> None:
    with pytest.raises(HoursParseError) as info:
        parse_hours_text(text)
    assert str(info.value) == message
    assert day in str(info.value)


def test_error_is_a_value_error() -> None:
    assert issubclass(HoursParseError, ValueError)
    assert DAYS == ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


DAY_CASES = [
    ("8h30-12h, 14h-19h", ivs("08:30-12:00,14:00-19:00")),
    ("08:00 - 12:00 / 14:00 - 18:00", ivs("08:00-12:00,14:00-18:00")),
    ("9h - 12h et 14h - 18h", ivs("09:00-12:00,14:00-18:00")),
    ("8h-12h; 14h-18h", ivs("08:00-12:00,14:00-18:00")),
    ("14h-18h, 8h-12h", ivs("08:00-12:00,14:00-18:00")),
    ("Matin 8h-12h / après-midi 14h-18h", ivs("08:00-12:00,14:00-18:00")),
    ("8H00 - 19H00", ivs("08:00-19:00")),
    ("midi-14h", ivs("12:00-14:00")),
    ("9:00 AM – 5:00 PM", ivs("09:00-17:00")),
    ("8h-18h (fermé de 12h à 14h)", ivs("08:00-12:00,14:00-18:00")),
    ("entre 9h et 17h", ivs("09:00-17:00")),
    ("22h-2h", ivs("22:00-02:00")),
    ("Fermé", []),
    ("FERMEE", []),
    ("closed", []),
    ("off", []),
    ("-", []),
    ("–", []),
    ("", []),
    ("  ", []),
    ("24h/24", ivs("00:00-24:00")),
    ("H24", ivs("00:00-24:00")),
    ("24/7", ivs("00:00-24:00")),
]


@pytest.mark.parametrize(("text", "expected"), DAY_CASES, ids=[c[0] or "empty" for c in DAY_CASES])
def test_parse_day_text(text: str, expected: list) -> None:
    assert parse_day_text(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Sur RDV", "Sur RDV"),
        ("Sur rendez-vous", "Sur rendez-vous"),
        ("variable", "variable"),
        ("Lundi 8h-12h", "Lundi"),
        ("7j/7", "7j/7"),
        ("Ouvert", "Ouvert"),
        ("Fermé l'après-midi", "Fermé l'après-midi"),
        ("8h-12h 10h-14h", "overlapping hours on this day: 08:00-12:00 and 10:00-14:00"),
        ("8h", "8h"),
        ("8h-25h", "8h-25h"),
        ("8h-12h fermé", "both hours and closed in '8h-12h fermé'"),
    ],
)
def test_parse_day_text_errors(text: str, fragment: str) -> None:
    with pytest.raises(HoursParseError) as info:
        parse_day_text(text)
    assert fragment in str(info.value)


FORMAT_CASES = [
    (MF_SPLIT | {"saturday": ivs("09:00-12:00")},
     "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00"),
    (ALWAYS, "24/7"),
    (week(), "off"),
    (week(**same(ALL, "08:00-20:00")), "Mo-Su 08:00-20:00"),
    (week(mo="09:00-17:00", we="09:00-17:00", fr="09:00-17:00", tu="10:00-12:00"),
     "Mo,We,Fr 09:00-17:00; Tu 10:00-12:00"),
    (week(sa="10:00-16:00", su="10:00-16:00"), "Sa,Su 10:00-16:00"),
    (week(**same(("mo", "tu", "we", "fr"), "08:00-18:00")), "Mo-We,Fr 08:00-18:00"),
    (week(fr="22:00-02:00", sa="22:00-02:00"), "Fr,Sa 22:00-02:00"),
    (week(**same(MF, "00:00-24:00")), "Mo-Fr 00:00-24:00"),
]


@pytest.mark.parametrize(
    ("regular", "expected"), FORMAT_CASES, ids=[c[1] for c in FORMAT_CASES]
)
def test_format_osm(regular: dict, expected: str) -> None:
    assert format_osm(regular) == expected


def test_format_osm_rejects_non_canonical_times() -> None:
    with pytest.raises(ValueError, match="monday"):
        format_osm(week(mo="8:00-12:00"))


@pytest.mark.parametrize(
    "osm",
    [
        "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00",
        "Mo,We,Fr 09:00-17:00; Tu 10:00-12:00",
        "Mo-Su 08:00-20:00",
        "Mo-We,Fr 08:00-18:00; Th 08:00-12:00",
        "Fr,Sa 22:00-02:00; Su 10:00-24:00",
        "Sa,Su 10:00-16:00",
        "Mo 00:00-06:00,20:00-24:00",
        "24/7",
        "off",
    ],
)
def test_osm_round_trip_is_exact(osm: str) -> None:
    canonical = parse_hours_text(osm)
    assert format_osm(canonical) == osm
    assert parse_hours_text(format_osm(canonical)) == canonical


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_every_parsed_case_round_trips_through_osm(text: str, expected: dict) -> None:
    assert parse_hours_text(format_osm(expected)) == expected
