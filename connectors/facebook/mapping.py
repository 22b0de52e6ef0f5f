"""Canonical record -> Graph API Page params (pure, no I/O).

Every top-level key of the payload is one Page param, sent as is in the JSON body of
`POST /{page-id}` (or of `POST /{parent}/locations` on a create). The guesses this mapping
rests on are the constants of the first block below; `connectors/facebook/__init__.py`
lists which of them are UNVERIFIED and why.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import phonenumbers

from connectors.base import Rendering
from connectors.common.categories import category_ids
from connectors.common.country_names import COUNTRY_NAMES
from connectors.facebook.categories import FACEBOOK_CATEGORIES
from schemas import Establishment, Status
from schemas.establishment import Interval

# ---------------------------------------------------------------- the platform's rules, in one place

DAY_KEYS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
            "saturday": "sat", "sunday": "sun"}
MAX_RANGES_PER_DAY = 2  # documented (Page `hours` field)
MIDNIGHT_CLOSE = "00:00"  # UNVERIFIED: how a range ending at midnight (`24:00`) is written
WHOLE_DAY_CLOSE = "23:59"  # UNVERIFIED: 00:00-00:00 would read as an empty range, so a whole day ends at 23:59
ABOUT_MAX = 100  # documented: Page `about`, "Limit of 100 characters"
MAX_CATEGORIES = 3  # UNVERIFIED: the usual "up to 3 categories per Page"; Graph's reference states no limit
ELLIPSIS = "…"
PHONE_FORMAT = phonenumbers.PhoneNumberFormat.INTERNATIONAL  # "+33 1 23 45 67 89": shown as sent
TEMPORARY_STATUS = {
    Status.open: "OPERATING_AS_USUAL",
    Status.closed_temporarily: "TEMPORARILY_CLOSED",
    Status.closed_permanently: "NO_DATA",  # is_permanently_closed says it; "operating as usual" would contradict it
    Status.opening_soon: "NO_DATA",  # no "opening soon" on Facebook; OPERATING_AS_USUAL would claim it is open now
}

SPECIAL_HOURS_REASON = ("Facebook has no special-hours field; holiday closures can only be shown by a temporary "
                        "closure")
NAME_REASON = ("not sent: a location page is named after its parent brand page, and the Graph API's Page update "
               "takes no name (a page admin renames it in Facebook, subject to Meta's review)")
PHOTOS_REASON = ("not sent: Facebook photos are Page posts and albums, and the profile and cover pictures are "
                 "managed on the Page itself, not through the Page fields this connector edits")
PHONES_ADDITIONAL_REASON = "Facebook Pages show a single phone number; only the primary number is sent"
REGION_REASON = "not sent: Facebook derives the region/state from the city"


def render(record: Establishment) -> Rendering:
    payload: dict[str, Any] = {}
    unsupported: dict[str, str] = {"name": NAME_REASON}

    if record.phones.primary:
        payload["phone"] = format_phone(record.phones.primary)
    if record.phones.additional:
        unsupported["phones.additional"] = PHONES_ADDITIONAL_REASON
    if record.website:
        payload["website"] = record.website
    payload["emails"] = [record.email] if record.email else []

    categories, note = category_ids(record.category_keys(), FACEBOOK_CATEGORIES,
                                    platform="Facebook", limit=MAX_CATEGORIES)
    if categories:
        payload["category_list"] = categories
    if note:
        unsupported["categories"] = note

    payload["location"] = _location(record)
    if record.address.region:
        unsupported["address.region"] = REGION_REASON

    payload["is_always_open"] = record.hours.regular.is_always_open()
    if not payload["is_always_open"]:
        hours, problem = render_hours(record)
        if problem:
            unsupported["hours.regular"] = problem
        else:
            payload["hours"] = hours
    if record.hours.special:
        unsupported["hours.special"] = SPECIAL_HOURS_REASON

    payload["is_permanently_closed"] = record.status == Status.closed_permanently
    payload["temporary_status"] = TEMPORARY_STATUS[record.status]
    if record.status == Status.opening_soon:
        when = f" (opening_date {record.opening_date} not sent)" if record.opening_date else ""
        unsupported["status"] = ("Facebook has no 'opening soon' status: the page shows no operating status "
                                 f"(temporary_status NO_DATA) until the record says open{when}")
    elif record.status == Status.closed_temporarily and record.reopen_date:
        unsupported["status"] = (f"Facebook shows the temporary closure but has no reopening date "
                                 f"(reopen_date {record.reopen_date} not sent)")

    if record.description:
        payload["about"] = about(record.description)
        payload["description"] = record.description

    if record.photos:
        unsupported["photos"] = PHOTOS_REASON
    return Rendering(payload=payload, unsupported=unsupported)


# Meta's SDK: Page.create_location takes these of the update's params under their own names,
# and none of emails, category_list, about, description (they go in an update after the create)
CREATE_NAMES = {"phone": "phone", "website": "website", "location": "location", "hours": "hours",
                "temporary_status": "temporary_status", "is_always_open": "always_open",
                "is_permanently_closed": "permanently_closed"}


def create_params(payload: dict[str, Any], store_code: str) -> dict[str, Any]:
    """`POST /{parent}/locations` params for a new location page: `store_code` (string; the
    SDK types `store_number` unsigned int), the create's names for what it takes."""
    return {"store_code": store_code, **{CREATE_NAMES[k]: v for k, v in payload.items() if k in CREATE_NAMES}}


def update_only(payload: dict[str, Any]) -> list[str]:
    """Payload keys a location create cannot take: sent by an update of the new page."""
    return [key for key in payload if key not in CREATE_NAMES]


def format_phone(e164: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164, None), PHONE_FORMAT)


def about(description: str) -> str:
    """The short `about` (100 characters at most): the description, cut at a word if longer."""
    text = " ".join(description.split())
    if len(text) <= ABOUT_MAX:
        return text
    cut = text[: ABOUT_MAX - len(ELLIPSIS)]
    if " " in cut and not text[len(cut)].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


@lru_cache(maxsize=None)
def country_name(code: str) -> str:
    """ISO 3166-1 alpha-2 -> the English name Facebook shows in `location.country` ("France",
    "United States"); the code itself when phonenumbers knows no name for it."""
    return COUNTRY_NAMES.get(code) or code


def _location(record: Establishment) -> dict[str, Any]:
    address = record.address
    location: dict[str, Any] = {"street": ", ".join(address.lines), "city": address.locality}
    if address.postal_code:
        location["zip"] = address.postal_code
    location["country"] = country_name(address.country)
    if record.geo:
        location["latitude"] = record.geo.lat
        location["longitude"] = record.geo.lng
    return location


def render_hours(record: Establishment) -> tuple[dict[str, str], str | None]:
    """`{"mon_1_open": "09:00", "mon_1_close": "13:00", ...}`, or `({}, reason)` when a day has
    more ranges than Facebook takes (then no hours at all are sent: never publish wrong hours)."""
    too_many = [(day, len(ivs)) for day, ivs in record.hours.regular.days() if len(ivs) > MAX_RANGES_PER_DAY]
    if too_many:
        days = ", ".join(f"{day.capitalize()} has {n}" for day, n in too_many)
        return {}, (f"Facebook takes at most {MAX_RANGES_PER_DAY} time ranges a day ({days}): "
                    "hours not sent, change them on the Page or simplify them")
    hours: dict[str, str] = {}
    for day, intervals in record.hours.regular.days():
        for index, interval in enumerate(intervals, start=1):
            opens, closes = _range(interval)
            hours[f"{DAY_KEYS[day]}_{index}_open"] = opens
            hours[f"{DAY_KEYS[day]}_{index}_close"] = closes
    return hours, None


def _range(interval: Interval) -> tuple[str, str]:
    """Overnight ranges keep close < open (Facebook reads them as ending the next day)."""
    if interval.close != "24:00":
        return interval.open, interval.close
    return interval.open, WHOLE_DAY_CLOSE if interval.open == "00:00" else MIDNIGHT_CLOSE


# ---------------------------------------------------------------- read-back comparison

def same(key: str, pushed: Any, live: Any) -> bool:
    """Does the live value of Page field `key` show what was pushed? Tolerates what Facebook
    re-formats: phone spacing, URL trailing slash, key order, country name or code, float noise."""
    if key == "phone":
        region = _phone_region(pushed)
        return _phone(pushed, region) == _phone(live, region)
    if key == "website":
        return _url_same(pushed, live)
    if key == "hours":
        return _hours(pushed) == _hours(live)
    if key == "category_list":
        return _category_ids(pushed) == _category_ids(live)
    if key == "location":
        return _location_same(pushed, live)
    if key == "emails":
        return {str(e).strip().casefold() for e in pushed or []} == {str(e).strip().casefold() for e in live or []}
    if key in ("is_always_open", "is_permanently_closed"):
        return bool(pushed) == bool(live)
    if key == "temporary_status":
        return str(pushed or "NO_DATA").upper() == str(live or "NO_DATA").upper()
    if isinstance(pushed, str) or isinstance(live, str):
        return " ".join(str(pushed or "").split()) == " ".join(str(live or "").split())
    return pushed == live


def _phone_region(value: Any) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(str(value or ""), None))
    except phonenumbers.NumberParseException:
        return None


def _phone(value: Any, region: str | None) -> str | None:
    """E.164, reading a national number (a page admin's own edit) in the pushed number's country."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in str(value) if ch.isdigit() or ch == "+")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _url(value: Any) -> str | None:
    """Lower-case scheme and host, no trailing slash; no scheme when the value had none."""
    if not value:
        return None
    scheme, sep, rest = str(value).strip().partition("://")
    if not sep:
        scheme, rest = "", scheme
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")


def _url_same(pushed: Any, live: Any) -> bool:
    a, b = _url(pushed), _url(live)
    if a and b and ("://" in a) != ("://" in b):  # Facebook showing the site without its scheme
        a, b = a.split("://")[-1], b.split("://")[-1]
    return a == b


def _hours(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for key, time in value.items():
        time = str(time)
        if key.endswith("_close") and time == "24:00":
            time = MIDNIGHT_CLOSE
        out[key] = time
    return out


def _category_ids(value: Any) -> tuple[str | None, frozenset[str]]:
    """The primary id and the set of ids, from what was pushed (`["133152263416981"]`) or what
    Graph reads back (`[{"id": "133152263416981", "name": "Hospital"}]`)."""
    items = value if isinstance(value, list) else []
    ids = [str(item.get("id") if isinstance(item, dict) else item) for item in items]
    return (ids[0] if ids else None), frozenset(ids)


def _location_same(pushed: Any, live: Any) -> bool:
    if not isinstance(pushed, dict):
        return pushed == live
    if not isinstance(live, dict):
        return False
    for key, value in pushed.items():
        other = live.get(key)
        if key in ("latitude", "longitude"):
            try:
                if abs(float(value) - float(other)) > 1e-5:
                    return False
            except (TypeError, ValueError):
                return False
        elif key == "country":
            if _country(value) != _country(other):
                return False
        elif " ".join(str(value).split()).casefold() != " ".join(str(other or "").split()).casefold():
            return False
    return True


def _country(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) == 2 and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        text = country_name(text.upper())
    return text.casefold()
