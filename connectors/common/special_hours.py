"""Special-hours periods for platforms that take one entry per date."""

from datetime import date, timedelta

from schemas.establishment import SpecialHours


def period_dates(period: SpecialHours, limit: int, unsupported: dict[str, str], entry: str) -> list[date]:
    """Every date of `period`, at most `limit`; a longer period is cut, and `unsupported` says so
    (`entry` names what the platform takes per date, e.g. "one Bing entry per date")."""
    end = period.end_date or period.start_date
    days = (end - period.start_date).days + 1
    if days > limit:
        unsupported["hours.special"] = (f"the period from {period.start_date.isoformat()} is sent for its first "
                                        f"{limit} days only ({entry})")
        days = limit
    return [period.start_date + timedelta(days=n) for n in range(days)]
