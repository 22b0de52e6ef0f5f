"""Platforms whose only status is a closed flag."""

from schemas.establishment import Establishment, Status


def closed_flag(record: Establishment, unsupported: dict[str, str], platform: str, flag: str) -> bool:
    """True unless the site is open. A temporary closure or an 'opening soon' can only be sent as
    closed (never as open, which would send people to a closed door): `unsupported` says so."""
    if record.status == Status.open:
        return False
    if record.status == Status.closed_temporarily:
        when = f" (reopening on {record.reopen_date.isoformat()})" if record.reopen_date else ""
        unsupported["status"] = f"{platform} has no temporary closure: sent as {flag}{when}; reopening sets it back"
    elif record.status == Status.opening_soon:
        when = f" (opening on {record.opening_date.isoformat()})" if record.opening_date else ""
        unsupported["status"] = f"{platform} has no 'opening soon' status: sent as {flag}{when}"
    return True
