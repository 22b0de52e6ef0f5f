"""What a command-line process needs: an engine on a migrated database and units of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from service.api import prepare_database
from service.auth import repository as auth_repo
from service.auth.service import create_organisation
from service.db import make_engine, make_sessionmaker, unit_of_work
from service.errors import ApiError
from service.settings import Settings

DEFAULT_ORG = "default"


@dataclass
class Context:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def session(self) -> Any:
        return unit_of_work(self.sessionmaker)

    async def organisations(self) -> list[dict[str, Any]]:
        async with self.session() as session:
            rows = await auth_repo.organisations(session)
            return [r.model_dump() for r in rows]

    async def resolve_org(self, name: str | None, *, create: bool = True) -> int:
        """The named organisation; without a name the only one there is, or a new `default`."""
        async with self.session() as session:
            if name:
                org = await auth_repo.organisation_by_name(session, name)
                if org is None:
                    raise ApiError(404, "not_found", f"organisation {name!r} not found "
                                   f"(create it: vitrine org create {name!r})")
                return org.id  # type: ignore[return-value]
            orgs = await auth_repo.organisations(session)
            if len(orgs) == 1:
                return orgs[0].id  # type: ignore[return-value]
            if orgs:
                names = ", ".join(o.name for o in orgs)
                raise ApiError(400, "ambiguous_org", f"several organisations ({names}): choose one with --org")
            if not create:
                raise ApiError(404, "not_found", "no organisation yet: vitrine org create NAME")
            return (await create_organisation(session, DEFAULT_ORG)).id  # type: ignore[return-value]


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[Context]:
    if settings.database_url is None:
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        await prepare_database(engine, settings)
        yield Context(settings, engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()
