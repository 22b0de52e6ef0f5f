"""Carrying out a site's deletion on each platform.

`DELETE /establishments/{code}?on_platforms=…` stores the choice on the row (`on_delete`) and
queues every connected platform like any other change; the push job then lands here:

* `leave` (the default): nothing is sent; the target becomes `not_connected`, "left as it is".
* `close`: the record is pushed once more with `status: closed_permanently` (the usual case: a
  site that shut), then read back like any push; `live` means the platform shows it closed.
* `remove`: a connector with the `Removable` capability removes the listing (`not_connected`,
  "removed"); elsewhere the target is `action_required` with what a person must do, until they
  confirm it (`POST /establishments/{code}/sync/{platform}/done`).

A listing Vitrine never published (no remote id) needs nothing: it is settled at once. The site
stays in `GET /sync`, `vitrine status` and the summary until every target is in
`SETTLED_AFTER_DELETE` (see `service.sync.repository._shown`).
"""

from __future__ import annotations

from typing import Any

from connectors.base import Channel, Removable
from connectors.registry import CONNECTORS
from schemas import Establishment
from schemas.sync import OnPlatforms
from service.models import utcnow


def choice(row: Any) -> OnPlatforms:
    """The deletion's choice; rows deleted before the choice existed read as `leave`."""
    return OnPlatforms(getattr(row, "on_delete", None) or OnPlatforms.leave)


def closed_record(row: Any) -> Establishment:
    """The deleted site's record as it should last appear: permanently closed."""
    data = {k: v for k, v in row.data.items() if k != "reopen_date"}
    return Establishment.model_validate({"store_code": row.store_code, **data, "status": "closed_permanently"})


def note(on_platforms: OnPlatforms, done: str, *, by_hand: bool = False) -> dict[str, Any]:
    return {"on_platforms": on_platforms.value, "done": done, **({"by_hand": True} if by_hand else {})}


def settle(target: Any, on_platforms: OnPlatforms, done: str) -> None:
    """Nothing more to do on this platform: `not_connected`, with what was done."""
    target.status, target.last_error, target.next_attempt_at = "not_connected", None, None
    target.pushed_revision, target.expected_by, target.updated_at = target.wanted_revision, None, utcnow()
    target.detail = {"deletion": note(on_platforms, done)}


def without_push(target: Any, row: Any, remote_id: str | None, store_code: str) -> bool:
    """Settle what needs no call to the platform; True when handled (no push to run)."""
    on_platforms = choice(row)
    info = CONNECTORS[target.platform].info
    if on_platforms == OnPlatforms.leave:
        settle(target, on_platforms, f"no longer managed by Vitrine; the listing on {info.name} was left as it is")
        return True
    if not remote_id and info.channel == Channel.api:
        settle(target, on_platforms, f"never published on {info.name} by Vitrine: nothing to {on_platforms.value}")
        return True
    if on_platforms == OnPlatforms.remove and not issubclass(CONNECTORS[target.platform], Removable):
        ask_person(target, store_code)
        return True
    return False


def ask_person(target: Any, store_code: str, why: str | None = None) -> None:
    info = CONNECTORS[target.platform].info
    where = f" ({target.live_url})" if target.live_url else ""
    why = why or f"{info.name} offers no removal through its API"
    target.status, target.next_attempt_at, target.updated_at = "action_required", None, utcnow()
    target.pushed_revision = target.wanted_revision
    target.last_error = (f"deleted in Vitrine with on_platforms=remove: {why}; remove the listing{where} by hand, "
                         f"then confirm with POST /api/v1/establishments/{store_code}/sync/{target.platform}/done")
    target.detail = {"deletion": note(OnPlatforms.remove, "waiting for a person to remove the listing",
                                      by_hand=True)}


def confirm_removed(target: Any) -> bool:
    """A person removed a deleted site's listing by hand: settled. False when not such a target."""
    deletion = (target.detail or {}).get("deletion") or {}
    if not deletion.get("by_hand") or target.status != "action_required":
        return False
    settle(target, OnPlatforms.remove, f"removed by hand, confirmed at {utcnow().isoformat(timespec='seconds')}")
    return True
