"""arq job of the campaigns domain: apply a scheduled campaign at its time."""

from __future__ import annotations

from typing import Any

from service.campaigns import service


async def campaign_apply(ctx: dict[str, Any], organisation_id: int, campaign_id: str) -> None:
    await service.apply_when_due(ctx["deps"].sessionmaker, organisation_id, campaign_id)
