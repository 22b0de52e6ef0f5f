"""What a campaign would change, site by site, without touching the database.

Each planner takes the organisation's current rows and the request, and returns the per-site
`before`/`after` (only the top-level fields the campaign changes, in canonical form) or the
list of every error found. One invalid line rejects the whole campaign: a half-applied
number migration is worse than none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from pydantic import ValidationError

from schemas import Establishment
from schemas.campaigns import HolidayClosureRequest, MappingItem, PhoneMigrationRequest
from service.errors import ErrorDetail, validation_details
from service.models import EstablishmentRow


@dataclass
class SiteChange:
    row: EstablishmentRow
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Plan:
    changes: list[SiteChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # store codes already in the wanted state
    errors: list[ErrorDetail] = field(default_factory=list)
    conflicts: list[tuple[EstablishmentRow, dict[str, Any], str]] = field(default_factory=list)  # row, before, why

    def error(self, where: str, message: str, code: str = "invalid") -> None:
        self.errors.append(ErrorDetail(field=where, message=message, code=code))


def country_of(row: EstablishmentRow) -> str:
    return str(row.data.get("address", {}).get("country") or "FR").upper()


def phone_for(text: str, country: str) -> str:
    """`text` as E.164, valid for `country`; ValueError with the reason otherwise."""
    try:
        number = phonenumbers.parse(str(text).strip(), country)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    if not phonenumbers.is_valid_number_for_region(number, country):
        found = phonenumbers.region_code_for_number(number) or "another country"
        raise ValueError(f"{text!r} is a number of {found}, not of the site's country {country}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phones(row: EstablishmentRow) -> dict[str, Any]:
    phones = row.data.get("phones") or {}
    return {"primary": phones.get("primary"), "additional": list(phones.get("additional") or [])}


def _validated(row: EstablishmentRow, after: dict[str, Any]) -> dict[str, Any]:
    """The changed fields as the canonical model stores them; ValidationError if invalid."""
    record = Establishment.model_validate({"store_code": row.store_code, **row.data, **after})
    content = record.content()
    return {key: content[key] for key in after}


def _add(plan: Plan, row: EstablishmentRow, before: dict[str, Any], after: dict[str, Any], where: str) -> None:
    try:
        canonical = _validated(row, after)
    except ValidationError as exc:
        for detail in validation_details(exc.errors()):
            plan.error(where, f"{row.store_code}: {detail.field}: {detail.message}")
        return
    if canonical == before:
        plan.unchanged.append(row.store_code)
    else:
        plan.changes.append(SiteChange(row, before, canonical))


def _swap(phones: dict[str, Any], old: str | None, new: str, keep_old: bool) -> dict[str, Any]:
    """Put `new` where `old` is (the primary when `old` is None), keeping `old` as an
    additional number when asked."""
    primary, additional = phones["primary"], [n for n in phones["additional"] if n != new]
    if old is None or old == primary:
        replaced, primary = primary, new
    else:
        replaced = old
        additional = [new if n == old else n for n in additional]
    if keep_old and replaced and replaced != new and replaced not in additional:
        additional.insert(0, replaced)
    return {"primary": primary, "additional": additional}


def phone_migration(rows: dict[str, EstablishmentRow], request: PhoneMigrationRequest,
                    where: Sequence[str] | None = None) -> Plan:
    """`rows`: the organisation's live sites by store code. `where[i]` names mapping line i in
    errors ("row 7" for a workbook, "mapping[6]" for JSON)."""
    plan = Plan()
    keep = request.keep_old_as_additional
    if request.mapping is not None:
        _mapping(plan, rows, request.mapping, keep, where or [f"mapping[{i}]" for i in range(len(request.mapping))])
    elif request.replace is not None:
        _replace(plan, rows.values(), request.replace.old, request.replace.new, keep)
    elif request.prefix is not None:
        _prefix(plan, rows.values(), request.prefix.from_prefix, request.prefix.to_prefix, keep)
    return plan


def _mapping(plan: Plan, rows: dict[str, EstablishmentRow], mapping: list[MappingItem], keep: bool,
             where: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for item, place in zip(mapping, where):
        code = item.store_code.strip()
        row = rows.get(code)
        if row is None:
            plan.error(_at(place, "store_code"), f"unknown store code {code!r}", "unknown_store_code")
            continue
        if code in seen:
            plan.error(_at(place, "store_code"), f"{code} is already in {seen[code]}", "duplicate")
            continue
        seen[code] = place
        country = country_of(row)
        phones = _phones(row)
        failed = len(plan.errors)
        new = old = None
        try:
            new = phone_for(item.new_phone, country)
        except ValueError as exc:
            plan.error(_at(place, "new_phone"), f"{code}: {exc}", "invalid_phone")
        if item.old_phone:
            try:
                old = phone_for(item.old_phone, country)
            except ValueError as exc:
                plan.error(_at(place, "old_phone"), f"{code}: {exc}", "invalid_phone")
            else:
                if old not in (phones["primary"], *phones["additional"]):
                    numbers = ", ".join(n for n in (phones["primary"], *phones["additional"]) if n) or "none"
                    plan.error(_at(place, "old_phone"), f"{code} does not have {old} today (its numbers: {numbers})",
                               "guard_mismatch")
        if len(plan.errors) > failed or new is None:
            continue
        _add(plan, row, {"phones": phones}, {"phones": _swap(phones, old, new, keep)}, place)


def _at(place: str, column: str) -> str:
    """`mapping[3].new_phone` for JSON, `row 7, column new_phone` for a workbook."""
    return f"{place}, column {column}" if place.startswith("row ") else f"{place}.{column}"


def _replace(plan: Plan, rows: Iterable[EstablishmentRow], old_text: str, new_text: str, keep: bool) -> None:
    found = False
    for row in rows:
        phones = _phones(row)
        country = country_of(row)
        try:
            old = phone_for(old_text, country)
        except ValueError:
            continue  # a number of another country is on none of this site's lines
        if old not in (phones["primary"], *phones["additional"]):
            continue
        found = True
        try:
            new = phone_for(new_text, country)
        except ValueError as exc:
            plan.error("replace.new", f"{row.store_code}: {exc}", "invalid_phone")
            continue
        _add(plan, row, {"phones": phones}, {"phones": _swap(phones, old, new, keep)}, "replace")
    if not found and not plan.errors:
        plan.error("replace.old", f"no selected site has the number {old_text!r}", "no_match")


def _prefix(plan: Plan, rows: Iterable[EstablishmentRow], from_prefix: str, to_prefix: str, keep: bool) -> None:
    source, target = _plus(from_prefix), _plus(to_prefix)
    if source is None or target is None:
        plan.error("prefix", "prefixes are written in international form, e.g. +33892 and +33478", "invalid_prefix")
        return
    found = False
    for row in rows:
        phones = _phones(row)
        current = [n for n in (phones["primary"], *phones["additional"]) if n and n.startswith(source)]
        if not current:
            continue
        found = True
        after = dict(phones)
        for old in current:
            try:
                new = phone_for(target + old[len(source):], country_of(row))
            except ValueError as exc:
                plan.error("prefix.to_prefix", f"{row.store_code}: {old} would become {exc}", "invalid_phone")
                break
            after = _swap(after, old, new, keep)
        else:
            _add(plan, row, {"phones": phones}, {"phones": after}, "prefix")
    if not found and not plan.errors:
        plan.error("prefix.from_prefix", f"no selected site has a number starting with {source}", "no_match")


def _plus(prefix: str) -> str | None:
    digits = "".join(c for c in prefix if c.isdigit())
    return "+" + digits if prefix.strip().startswith("+") and digits else None


def holiday_closure(rows: Iterable[EstablishmentRow], request: HolidayClosureRequest) -> Plan:
    """Add the special period to every site; an overlapping special period is replaced (the
    campaign's dates win, and the rollback restores the one it replaced)."""
    plan = Plan()
    end = request.end_date or request.start_date
    if end < request.start_date:
        plan.error("end_date", "end_date is before start_date")
        return plan
    period = {"start_date": request.start_date.isoformat(), "end_date": end.isoformat(),
              "closed": request.closed, "intervals": request.intervals}
    for row in rows:
        hours = row.data.get("hours") or {"regular": {}, "special": []}
        special = [p for p in hours.get("special") or [] if not _overlaps(p, request.start_date, end)]
        after = {**hours, "special": sorted([*special, period], key=lambda p: p["start_date"])}
        _add(plan, row, {"hours": hours}, {"hours": after}, "sites")
    return plan


def _overlaps(period: dict[str, Any], start: date, end: date) -> bool:
    p_start = date.fromisoformat(period["start_date"])
    p_end = date.fromisoformat(period.get("end_date") or period["start_date"])
    return p_start <= end and start <= p_end


def reverse(sites: Iterable[tuple[EstablishmentRow, dict[str, Any], dict[str, Any]]]) -> Plan:
    """A rollback: each site back to `before`, if it still holds what the campaign wrote
    (`expected`); a site changed since is a conflict, never overwritten."""
    plan = Plan()
    for row, expected, before in sites:
        current = {key: row.data.get(key) for key in expected}
        if _normal(row, current) != expected:
            plan.conflicts.append((row, current, f"changed since the campaign: {', '.join(sorted(expected))} "
                                   "is no longer what it wrote"))
            continue
        _add(plan, row, current, before, row.store_code)
    return plan


def transition_end(sites: Iterable[tuple[EstablishmentRow, list[str]]]) -> Plan:
    """Drop the old numbers kept during a transition from each site's additional numbers."""
    plan = Plan()
    for row, old_numbers in sites:
        phones = _phones(row)
        after = {"primary": phones["primary"], "additional": [n for n in phones["additional"] if n not in old_numbers]}
        _add(plan, row, {"phones": phones}, {"phones": after}, row.store_code)
    return plan


def _normal(row: EstablishmentRow, fields: dict[str, Any]) -> dict[str, Any]:
    try:
        return _validated(row, fields)
    except ValidationError:
        return fields
