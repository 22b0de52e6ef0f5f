"""Free-text opening hours (French, English, OpenStreetMap) -> canonical regular hours.

Pipeline: normalise (accents, case, dashes) -> tokens (a word table, a few phrase patterns)
-> items (day sets, intervals, 'closed') -> clauses -> the seven days.

Choices for ambiguous text:
- Hours without any day apply to all seven days only when the text is nothing but hours
  ('9am-5pm', '8h-12h / 14h-18h', '24h/24'); beside day statements they are an error.
  Likewise a text that only says 'Fermé' / 'off' is closed every day.
- 'Closed' wins over hours given to the same day anywhere in the text. Two statements giving
  one day overlapping or touching intervals are an error naming the day (identical duplicates
  are kept once): unlike OSM, a later rule does not replace an earlier one.
- Public holidays (PH, jours fériés) are not regular hours: their statements are dropped.
- 'M' is mardi in French text and Monday in English text, voted by the other words.
- Bare numbers ('8-12') are hours only when the range reads forward; '9-5' is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, NamedTuple

DAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_HOLIDAY = 7
_WEEK = frozenset(range(7))
_DAY_END = 24 * 60


class HoursParseError(ValueError):
    """The message says what could not be understood, quoting the fragment."""


class _Time(NamedTuple):
    hour: int
    minute: int
    meridiem: str | None  # "a" or "p"
    style: str  # h, colon, mer, num, noon, midnight


@dataclass
class _Tok:
    kind: str
    value: Any
    start: int  # offsets in the original text
    end: int
    lang: str | None = None


# --- tokens ---------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_QUOTES = "\u2018\u2019\u02bc`\u00b4"


def _normalize(text: str) -> tuple[str, list[int]]:
    """Lowercase, accent-free text and, for each of its characters, the original offset."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        rep = "-" if ch in _DASHES else "'" if ch in _QUOTES else ch
        if ch.isspace():
            rep = "\n" if ch in "\n\r" else " "
        decomposed = unicodedata.normalize("NFKD", rep)
        rep = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        chars.extend(rep)
        origin.extend([i] * len(rep))
    return "".join(chars), origin


_PHRASES = [
    (re.compile(p), kind, value, lang)
    for p, kind, value, lang in [
        (r"24\s*/\s*7\b", "always", None, None),
        (r"24\s*(?:heures?|h)\s*(?:/|sur)\s*24(?:\s*(?:heures?|h)\b)?", "allday", None, "fr"),
        (r"24\s*/\s*24\b|h\s?24\b", "allday", None, None),
        (r"24\s*(?:hours|hrs?)(?:\s+(?:a|per)\s+day)?\b", "allday", None, "en"),
        (r"7\s*j(?:ours?)?\s*(?:/|sur)\s*7(?:\s*j(?:ours?)?\b)?", "days", _WEEK, "fr"),
        (r"7\s*/\s*7\b", "days", _WEEK, None),
        (r"7\s*days?(?:\s+(?:a|per)\s+week)?\b", "days", _WEEK, "en"),
        (r"(?:tous\s+les|chaque)\s+jours?\b", "days", _WEEK, "fr"),
        (r"every\s*-?\s*day\b|all\s+week\b", "days", _WEEK, "en"),
        (r"en\s+semaine\b", "days", frozenset(range(5)), "fr"),
        (r"week\s*-?\s*ends?\b", "days", frozenset({5, 6}), None),
        (r"jours?\s+feries?\b", "days", frozenset({_HOLIDAY}), "fr"),
        (r"(?:public|bank)\s+holidays?\b", "days", frozenset({_HOLIDAY}), "en"),
        (r"apres\s*-?\s*midi\b", "qual", None, "fr"),
        (r"non\s*-?\s*stop\b|sans\s+interruption\b|journee\s+continue\b|en\s+continu\b",
         "filler", None, None),
        (r"jusqu\s*'?\s*(?:a|au)\b", "range", None, "fr"),
        (r"[ld]\s*'", "filler", None, "fr"),  # l'après-midi, d'ouverture
    ]
]
_MER = r"(?:\s*([ap])\.?m\b\.?)"
_TIMES = [
    (re.compile(r"(\d{1,2})\s*(?:heures?|h)(?:\s*(\d{2})(?!\s*(?:h|\d|[:.]\d)))?"), "h"),
    (re.compile(r"(\d{1,2})[:.](\d{2})(?!\d)" + _MER + "?"), "colon"),
    (re.compile(r"(\d{1,2})()" + _MER), "mer"),
    (re.compile(r"(\d{1,2})()(?!\d)"), "num"),
]
_PUNCT = {"-": "dash", ";": "strong", "|": "strong", ":": "filler", "'": "filler", ".": "filler"}
_WEAK = set(",/&+()\n")
_WORDISH = re.compile(r"[\w/'\u2019-]")  # an unknown word is quoted whole: 'n/a', 'Jan-Mar'

_NOON, _MIDNIGHT = _Time(12, 0, None, "noon"), _Time(0, 0, None, "midnight")
_GROUPS: list[tuple[str, Any, str | None, str]] = [
    ("range", None, "fr", "a au aux jusqua"),
    ("range", None, "en", "to till til until through thru"),
    ("filler", None, "fr", "de du des le les la en ouvert ouverte ouverts horaires ouverture"),
    ("filler", None, "en", "on from the open opening hours"),
    ("weak", "and", "fr", "et"),
    ("weak", "and", "en", "and"),
    ("between", None, "fr", "entre"),
    ("between", None, "en", "between"),
    ("closed", None, "fr", "ferme fermee fermes fermees fermeture"),
    ("closed", None, "en", "closed close"),
    ("closed", None, None, "off"),
    ("except", None, "fr", "sauf hors excepte"),
    ("except", None, "en", "except excluding"),
    ("time", _NOON, "fr", "midi"),
    ("time", _MIDNIGHT, "fr", "minuit"),
    ("time", _NOON, "en", "noon"),
    ("time", _MIDNIGHT, "en", "midnight"),
    ("days", frozenset({_HOLIDAY}), None, "ph feries ferie jf holiday holidays"),
    ("days", _WEEK, "fr", "tlj"),
    ("days", _WEEK, "en", "daily everyday"),
    ("days", frozenset(range(5)), "en", "weekdays weekday"),
    ("qual", None, "fr", "matin matins matinee soir soiree"),
    ("qual", None, "en", "morning mornings afternoon afternoons evening evenings"),
]


def _word_table() -> dict[str, tuple[str, Any, str | None]]:
    table: dict[str, tuple[str, Any, str | None]] = {}
    for lang, names in (("fr", _FR_DAYS), ("en", DAYS)):
        for idx, name in enumerate(names):  # 'mer', 'merc', 'mercr'... and 'lundis'
            for n in range(3, len(name) + 1):
                table[name[:n]] = ("day", idx, lang)
            table[name + "s"] = ("day", idx, lang)
    for idx, code in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su")):
        table[code] = ("day", idx, None)
    for idx, code in enumerate(("lu", "ma", "me", "je", "ve", "sa", "di")):
        table.setdefault(code, ("day", idx, "fr"))
    for code, idx in {"l": 0, "j": 3, "v": 4, "d": 6}.items():
        table[code] = ("day", idx, "fr")
    for code, idx in {"t": 1, "w": 2, "f": 4, "weds": 2, "thurs": 3}.items():
        table[code] = ("day", idx, "en")
    table["s"] = ("day", 5, None)
    table["m"] = ("day", "m", None)  # mardi or Monday: see _resolve_m
    for kind, value, lang, words in _GROUPS:
        table.update((word, (kind, value, lang)) for word in words.split())
    return table


_WORDS = _word_table()
_DIGITS, _LETTERS = re.compile(r"\d+"), re.compile(r"[a-z]+")


def _match_at(norm: str, pos: int) -> tuple[str, Any, str | None, int]:
    for pattern, kind, value, lang in _PHRASES:
        if m := pattern.match(norm, pos):
            return kind, value, lang, m.end()
    if norm[pos].isdigit():
        for pattern, style in _TIMES:
            if m := pattern.match(norm, pos):
                mer = m.group(3) if pattern.groups >= 3 else None
                t = _Time(int(m.group(1)), int(m.group(2) or 0), mer, "mer" if mer else style)
                return "time", t, "fr" if style == "h" else "en" if mer else None, m.end()
        return "unknown", None, None, _DIGITS.match(norm, pos).end()  # type: ignore[union-attr]
    if m := _LETTERS.match(norm, pos):
        return (*_WORDS.get(m.group(), ("unknown", None, None)), m.end())
    if norm[pos] in _WEAK:
        return "weak", None, None, pos + 1
    return _PUNCT.get(norm[pos], "unknown"), None, None, pos + 1


def _tokenize(text: str) -> list[_Tok]:
    norm, origin = _normalize(text)
    toks: list[_Tok] = []
    pos = 0
    while pos < len(norm):
        if norm[pos] == " ":
            pos += 1
            continue
        kind, value, lang, end = _match_at(norm, pos)
        toks.append(_Tok(kind, value, origin[pos], origin[end - 1] + 1, lang))
        pos = end
    _reject_unknown(toks, text)
    _resolve_m(toks, text)
    return [t for t in toks if t.kind != "filler"]


def _reject_unknown(toks: list[_Tok], text: str) -> None:
    bad = [i for i, t in enumerate(toks) if t.kind == "unknown"]
    if not bad:
        return
    last = bad[0]
    for i in bad[1:]:  # 'sur rendez-vous', 'voir site': one fragment
        if any(toks[j].kind not in ("dash", "filler") for j in range(last + 1, i)):
            break
        last = i
    start, end = toks[bad[0]].start, toks[last].end
    if _WORDISH.match(text[start]):
        while start > 0 and _WORDISH.match(text[start - 1]):
            start -= 1
        while end < len(text) and _WORDISH.match(text[end]):
            end += 1
    raise HoursParseError(f"could not understand '{text[start:end].strip(chr(39) + '/-')}'")


def _resolve_m(toks: list[_Tok], text: str) -> None:
    ms = [t for t in toks if t.kind == "day" and t.value == "m"]
    if ms:
        fr = sum(t.lang == "fr" for t in toks)
        en = sum(t.lang == "en" for t in toks)
        if fr == en:
            raise HoursParseError(f"ambiguous day '{_frag(text, ms[0])}' (mardi or Monday?)")
        for t in ms:
            t.value = 1 if fr > en else 0


def _frag(text: str, first: _Tok, last: _Tok | None = None) -> str:
    return text[first.start:(last or first).end].strip()


# --- items: day sets, intervals, closed -----------------------------------------------

def _items(toks: list[_Tok], text: str) -> list[_Tok]:
    items: list[_Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt, after = (toks[i + 1 : i + 3] + [None, None])[:2]  # type: ignore[list-item]
        if nxt and after and nxt.kind in ("range", "dash") and t.kind == after.kind:
            if t.kind == "day":  # 'Lun-Ven', 'du lundi au vendredi', 'Sam-Lun' wraps
                days = frozenset((t.value + k) % 7 for k in range((after.value - t.value) % 7 + 1))
                items.append(_Tok("days", days, t.start, after.end))
                i += 3
                continue
            if t.kind == "time":
                span = _interval(t.value, after.value, _frag(text, t, after))
                items.append(_Tok("interval", span, t.start, after.end))
                i += 3
                continue
        if t.kind == "between":  # 'entre 12h et 14h', 'between 9am and 5pm'
            a, conj, b = (toks[i + 1 : i + 4] + [t, t, t])[:3]
            if not (a.kind == b.kind == "time" and conj.value == "and"):
                raise HoursParseError(f"incomplete range: '{_frag(text, t, toks[i:i + 4][-1])}'")
            span = _interval(a.value, b.value, _frag(text, a, b))
            items.append(_Tok("interval", span, t.start, b.end))
            i += 4
            continue
        if t.kind == "day":
            items.append(_Tok("days", frozenset({t.value}), t.start, t.end))
        elif t.kind == "time":
            if t.value != _Time(24, 0, None, "h"):
                raise HoursParseError(f"time without a range: '{_frag(text, t)}'")
            items.append(_Tok("interval", (0, _DAY_END), t.start, t.end))  # a lone '24h'
        elif t.kind == "range":
            raise HoursParseError(
                f"incomplete range: '{_frag(text, toks[i - 1] if i else t, nxt or t)}'"
            )
        elif t.kind == "allday":
            items.append(_Tok("interval", (0, _DAY_END), t.start, t.end))
        elif t.kind == "always":
            items.append(_Tok("days", _WEEK, t.start, t.end, "always"))  # a day cell takes it
            items.append(_Tok("interval", (0, _DAY_END), t.start, t.end))
        elif t.kind not in ("dash", "weak"):
            items.append(t)
        i += 1
    return items


def _interval(a: _Time, b: _Time, frag: str) -> tuple[int, int]:
    """Minutes (open, close); a bare number borrows the other end's am/pm when it fits."""
    if a.style == "num" and b.style == "num":
        if not a.hour < b.hour <= 24:
            raise HoursParseError(f"ambiguous range '{frag}': write 9h-17h or 9am-5pm")
    elif b.meridiem and not a.meridiem and a.style in ("num", "colon"):
        a = a._replace(meridiem=b.meridiem)
        if 1 <= a.hour <= 12 and _minutes(a, False, frag) > _minutes(b, True, frag):
            a = a._replace(meridiem="a")  # 9-5pm, 11-1pm
    elif a.meridiem and not b.meridiem and b.style in ("num", "colon"):
        b = b._replace(meridiem=a.meridiem)
        if 1 <= b.hour <= 12 and _minutes(b, True, frag) <= _minutes(a, False, frag):
            b = b._replace(meridiem="p" if a.meridiem == "a" else "a")  # 9am-5
    opening, closing = _minutes(a, False, frag), _minutes(b, True, frag)
    if opening == _DAY_END:
        raise HoursParseError(f"24:00 can only close an interval: '{frag}'")
    if opening == closing:
        raise HoursParseError(f"empty interval: '{frag}'")
    return opening, closing


def _minutes(t: _Time, closing: bool, frag: str) -> int:
    if t.style == "midnight":
        return _DAY_END if closing else 0
    hour = t.hour
    if t.meridiem:
        if not 1 <= hour <= 12:
            raise HoursParseError(f"invalid time in '{frag}'")
        hour = hour % 12 + (12 if t.meridiem == "p" else 0)
    if hour > 24 or t.minute > 59 or (hour == 24 and t.minute):
        raise HoursParseError(f"invalid time in '{frag}'")
    value = hour * 60 + t.minute
    return _DAY_END if closing and value == 0 else value


# --- clauses --------------------------------------------------------------------------

@dataclass
class _Clause:
    days: set[int] = field(default_factory=set)
    excluded: set[int] = field(default_factory=set)
    intervals: list[tuple[int, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)  # 'fermé de 12h à 14h'
    closed: bool = False
    qualified: bool = False  # 'matin', 'après-midi': fine with hours, not with 'fermé'
    excepting: bool = False  # after 'sauf': day sets are removed
    lead: str | None = None  # days, times or closed: what the clause starts with
    last: str | None = None
    start: int = -1
    end: int = -1


def _days_join(cur: _Clause, items: list[_Tok], i: int) -> bool:
    if cur.lead in (None, "days"):
        return cur.lead is None or cur.last == "days"
    if not cur.days:  # '8h-18h du lundi au vendredi', 'fermé le dimanche'
        return True
    if cur.last != "days":
        return False
    for it in items[i + 1:]:  # '8h-12h lundi, mardi 9h-12h': mardi starts a clause
        if it.kind not in ("days", "except", "qual"):
            return it.kind not in ("interval", "closed")
    return True


def _clauses(items: list[_Tok], text: str) -> list[_Clause]:
    out: list[_Clause] = []
    cur = _Clause()
    for i, it in enumerate(items):
        kind, new = it.kind, None
        if kind == "closed" and cur.last == "interval" and items[i + 1:i + 2] and (
            items[i + 1].kind == "interval"
        ):
            kind = "break"  # '8h-18h (fermé de 12h à 14h)': a lunch break
        elif kind == "interval" and cur.last == "break":
            cur.breaks.append(it.value)
        elif kind == "qual":
            if cur.excepting and cur.excluded:  # 'sauf le jeudi après-midi'
                frag = text[cur.start:it.end].strip()
                raise HoursParseError(f"cannot express a part-day exception: '{frag}'")
            cur.qualified = True
        elif kind == "except":
            if cur.lead is None:
                raise HoursParseError(f"nothing to except from: '{_frag(text, it)}'")
            cur.excepting = True
        elif kind == "days" and cur.excepting:
            cur.excluded |= it.value
            cur.last = "days"
        elif kind == "days":
            new = None if _days_join(cur, items, i) else _Clause()
        elif kind == "interval":
            if cur.excepting and cur.intervals:  # 'tous les jours 8h-20h sauf dimanche 9h-12h'
                new = _Clause(days=set(cur.excluded), lead="days", last="days")
            elif not (
                cur.lead is None
                or (cur.lead == "days" and cur.last in ("days", "interval"))
                or (cur.lead == "times" and cur.last == "interval")
            ):
                new = _Clause()
        elif kind == "closed":
            if not (cur.lead is None or (cur.lead == "days" and cur.last == "days")):
                new = _Clause()
        if kind == "strong" or new:
            if cur.start >= 0:
                out.append(cur)
            cur = new or _Clause()
            if kind == "strong":
                continue
        if kind == "break":
            cur.last = "break"
        elif kind == "days" and not cur.excepting:
            cur.days |= it.value
            cur.lead, cur.last = cur.lead or "days", "days"
        elif kind in ("interval", "closed") and cur.last != "break":
            if kind == "interval":
                cur.intervals.append(it.value)
            cur.closed = cur.closed or kind == "closed"
            cur.excepting = False
            cur.lead, cur.last = cur.lead or ("times" if kind == "interval" else "closed"), kind
        cur.start = it.start if cur.start < 0 else cur.start
        cur.end = it.end
    if cur.start >= 0:
        out.append(cur)
    for clause in out:
        _check_clause(clause, text[clause.start:clause.end].strip())
    return out


def _check_clause(clause: _Clause, frag: str) -> None:
    if clause.excepting and not clause.excluded:
        raise HoursParseError(f"nothing after the exception in '{frag}'")
    if not clause.intervals and not clause.closed:
        what = "days without hours" if clause.days else "could not understand"
        raise HoursParseError(f"{what}: '{frag}'")
    if clause.qualified and not clause.intervals:
        raise HoursParseError(f"cannot express a part-day closure: '{frag}'")
    for bo, bc in clause.breaks:
        spans = sorted(clause.intervals)
        if (bo, bc) in zip([c for _, c in spans], [o for o, _ in spans[1:]]):  # already a gap
            continue
        k = next((k for k, (o, c) in enumerate(spans) if o < bo < bc < c), None)
        if k is None:
            raise HoursParseError(f"break {_fmt(bo)}-{_fmt(bc)} is not inside the hours: '{frag}'")
        clause.intervals = spans[:k] + [(spans[k][0], bo), (bc, spans[k][1])] + spans[k + 1:]


# --- public API -----------------------------------------------------------------------

def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_intervals(label: str, spans: list[tuple[int, int]]) -> list[dict[str, str]]:
    ordered = sorted(set(spans))
    for (o1, c1), (o2, c2) in zip(ordered, ordered[1:]):
        end = c1 if c1 > o1 else c1 + _DAY_END
        if o2 <= end:
            raise HoursParseError(
                f"{'overlapping' if o2 < end else 'adjacent'} hours on {label}: "
                f"{_fmt(o1)}-{_fmt(c1)} and {_fmt(o2)}-{_fmt(c2)}"
            )
    return [{"open": _fmt(o), "close": _fmt(c)} for o, c in ordered]


def parse_hours_text(text: str) -> dict[str, list[dict[str, str]]]:
    """Whole-week free text -> all seven days; days not mentioned are closed.

    Hours without any day mean every day only when the text is nothing but hours
    ('9am-5pm'); beside day statements they raise. Raises HoursParseError.
    """
    clauses = _clauses(_items(_tokenize(text), text), text)
    if not clauses:
        raise HoursParseError(f"no opening hours found in '{text.strip()}'")
    spans: dict[int, list[tuple[int, int]]] = {d: [] for d in _WEEK}
    closed: set[int] = set()
    for clause in clauses:
        frag = text[clause.start:clause.end].strip()
        if not clause.days and not clause.excluded and len(clauses) > 1:
            what = "closed" if clause.closed else "hours"
            raise HoursParseError(f"{what} without days: '{frag}'")
        days = (clause.days or set(_WEEK)) - clause.excluded - {_HOLIDAY}
        if not days and not clause.days <= {_HOLIDAY}:
            raise HoursParseError(f"no day left in '{frag}'")
        if clause.closed:
            closed |= days
        for day in days:
            spans[day].extend(clause.intervals)
    week: list[list[tuple[int, int]]] = [
        [] if d in closed else sorted(set(spans[d])) for d in range(7)
    ]
    for d, name in enumerate(DAYS):
        _day_intervals(name, week[d])
        nxt = week[(d + 1) % 7]
        late = [(o, c) for o, c in week[d] if c < o]  # runs past midnight
        if late and nxt and nxt[0][0] < late[0][1]:
            (o1, c1), (o2, c2) = late[0], nxt[0]
            raise HoursParseError(
                f"overlapping hours on {DAYS[(d + 1) % 7]}: {name} {_fmt(o1)}-{_fmt(c1)} "
                f"runs past midnight into {_fmt(o2)}-{_fmt(c2)}"
            )
    return {name: _day_intervals(name, week[d]) for d, name in enumerate(DAYS)}


def parse_day_text(text: str) -> list[dict[str, str]]:
    """One day's cell: '8h30-12h, 14h-19h', 'Fermé', '24h/24'; '-' or blank is closed.

    Day names are refused (the column gives the day). Raises HoursParseError.
    """
    if not text.strip(" \t\r\n-\u2013\u2014/."):
        return []
    items = _items(_tokenize(text), text)
    for it in items:
        if it.kind in ("days", "except") and it.lang != "always":
            raise HoursParseError(f"days are not expected in a day cell: '{_frag(text, it)}'")
    clauses = _clauses([it for it in items if it.kind not in ("days", "strong")], text)
    if not clauses:
        raise HoursParseError(f"no opening hours found in '{text.strip()}'")
    if len(clauses) > 1:
        raise HoursParseError(f"both hours and closed in '{text.strip()}'")
    return [] if clauses[0].closed else _day_intervals("this day", clauses[0].intervals)


def _osm_days(days: list[int]) -> str:
    parts: list[str] = []
    for _, group in groupby(enumerate(days), lambda pair: pair[1] - pair[0]):
        run = [_OSM_DAYS[d] for _, d in group]
        parts.extend([f"{run[0]}-{run[-1]}"] if len(run) >= 3 else run)
    return ",".join(parts)


_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


def format_osm(regular: dict[str, list[dict[str, str]]]) -> str:
    """Canonical regular hours -> OSM opening_hours ('Mo-Fr 08:00-18:00; Sa 09:00-12:00').

    Days with identical intervals share one rule (runs of three or more written Mo-Fr);
    '24/7' when always open, 'off' when every day is closed; closed days are omitted.
    """
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for d, name in enumerate(DAYS):
        spans = tuple((iv["open"], iv["close"]) for iv in regular.get(name) or [])
        for opening, closing in spans:
            if not (_HHMM.fullmatch(opening) and _HHMM.fullmatch(closing)):
                raise ValueError(f"{name}: not an HH:MM interval: {opening}-{closing}")
        groups.setdefault(spans, []).append(d)
    if list(groups) == [(("00:00", "24:00"),)]:
        return "24/7"
    rules = [
        f"{_osm_days(days)} {','.join(f'{o}-{c}' for o, c in spans)}"
        for spans, days in groups.items()
        if spans
    ]
    return "; ".join(rules) or "off"
