"""Dashboard pages: sign in and out, the language switch, platforms, settings (users, API keys,
drift policy). Thin, over service/users, service/auth and service/platforms."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from connectors.registry import CONNECTORS, platforms
from schemas.access import ApiKeyCreate
from service.auth import presenters
from service.auth import service as auth
from service.deps import SessionDep
from service.errors import ApiError
from service.models import Organisation
from service.platforms import repository as platforms_repo
from service.platforms import service as platforms_service
from service.platforms.router import describe
from service.sync import repository as sync_repo
from service.sync.service import public_row
from service.users import service as users
from service.users.service import LoginRefused
from service.web.core import SESSION_COOKIE, WebPrincipal, WebRoute, redirect, render, set_cookie

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or a full URL."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/overview"


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login")
async def login(request: Request, session: SessionDep, email: Annotated[str, Form()],
                password: Annotated[str, Form()], next: Annotated[str, Form()] = "/overview") -> Response:
    ip = request.client.host if request.client else None
    try:
        _, token = await users.log_in(session, email, password, ip)
    except LoginRefused as exc:
        return render(request, "login.html", status=401, error=exc.message, next=_safe_next(next), email=email)
    response = redirect(request, _safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(users.SESSION_LIFETIME.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await users.log_out(session, token)
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
async def switch_language(request: Request, lang: Annotated[str, Form()], back: Annotated[str, Form()] = "/") -> Response:
    response = redirect(request, _safe_next(back))
    set_cookie(request, response, "lang", "en" if lang == "en" else "fr", max_age=365 * 86400)
    return response


@router.get("/platforms")
async def platforms_page(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    connected = await platforms_repo.connections(session, who.organisation_id)
    settings = request.app.state.settings
    rows = []
    for info in platforms():
        errors = await sync_repo.page(session, who.organisation_id, platform=info.key, status="failed", limit=3,
                                      scope=who.scope)
        rows.append({"p": describe(info, connected.get(info.key), settings),
                     "errors": [public_row(t, code) for t, code in errors]})
    return render(request, "platforms.html", rows=rows, can_manage=who.may("admin"))


@router.post("/platforms/{platform}/connect")
async def connect(request: Request, platform: str, session: SessionDep, who: WebPrincipal,
                  credentials: Annotated[str, Form()] = "", options: Annotated[str, Form()] = "") -> Response:
    who.require("admin")
    if platform not in CONNECTORS:
        raise ApiError(404, "not_found", f"unknown platform {platform!r}")
    try:
        secret = json.loads(credentials) if credentials.strip() else {}
        opts = json.loads(options) if options.strip() else {}
    except json.JSONDecodeError as exc:
        raise ApiError(422, "invalid_json", f"credentials and options are JSON objects: {exc}") from None
    if not isinstance(secret, dict) or not isinstance(opts, dict):
        raise ApiError(422, "invalid_json", "credentials and options are JSON objects")
    await platforms_service.connect(session, who.organisation_id, platform, {k: str(v) for k, v in secret.items()},
                                    opts, request.app.state.settings)
    return redirect(request, "/platforms")


@router.post("/platforms/{platform}/disconnect")
async def disconnect(request: Request, platform: str, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("admin")
    await platforms_service.disconnect(session, who.organisation_id, platform)
    return redirect(request, "/platforms")


async def _settings(request: Request, session, who, **extra) -> Response:  # noqa: ANN001
    org = await session.get(Organisation, who.organisation_id)
    people = await users.list_users(session, who.organisation_id) if who.may("admin") else []
    keys = [presenters.key_public(k, owner) for k, owner in await auth.list_api_keys(session, who)]
    return render(request, "settings.html", org=org, people=people, keys=keys, is_admin=who.may("admin"), **extra)


@router.get("/settings")
async def settings_page(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    return await _settings(request, session, who)


def _list(text: str) -> list[str] | None:
    return [v.strip() for v in text.split(",") if v.strip()] or None


@router.post("/settings/keys")
async def create_key(request: Request, session: SessionDep, who: WebPrincipal, name: Annotated[str, Form()] = "",
                     expires_at: Annotated[str, Form()] = "", read_only: Annotated[bool, Form()] = False,
                     labels: Annotated[str, Form()] = "", store_codes: Annotated[str, Form()] = "") -> Response:
    try:
        expires = datetime.fromisoformat(expires_at).astimezone() if expires_at else None
    except ValueError:
        raise ApiError(422, "invalid_date", f"{expires_at!r} is not a date", field="expires_at") from None
    body = ApiKeyCreate(name=name or "dashboard", expires_at=expires, read_only=read_only,
                        labels=_list(labels), store_codes=_list(store_codes))
    key, full = await presenters.create_key_for(session, who, body)
    return await _settings(request, session, who, new_key=full, new_prefix=key.prefix)


@router.post("/settings/keys/{prefix}/revoke")
async def revoke_key(request: Request, prefix: str, session: SessionDep, who: WebPrincipal) -> Response:
    await auth.revoke_api_key(session, who, who.organisation_id, prefix)
    return redirect(request, "/settings")


@router.post("/settings/users")
async def create_user(request: Request, session: SessionDep, who: WebPrincipal, email: Annotated[str, Form()],
                      password: Annotated[str, Form()], role: Annotated[str, Form()],
                      labels: Annotated[str, Form()] = "", store_codes: Annotated[str, Form()] = "") -> Response:
    who.require("admin")
    org = await session.get(Organisation, who.organisation_id)
    await users.create_user(session, org, email, password, role, labels=_list(labels),  # type: ignore[arg-type]
                            store_codes=_list(store_codes))
    return redirect(request, "/settings")


@router.post("/settings/users/{email}/disable")
async def disable_user(request: Request, email: str, session: SessionDep, who: WebPrincipal) -> Response:
    who.require("admin")
    await users.disable_user(session, await users.get_user(session, email, who.organisation_id))
    return redirect(request, "/settings")


@router.post("/settings/drift-policy")
async def drift_policy(request: Request, session: SessionDep, who: WebPrincipal,
                       drift_policy: Annotated[str, Form()]) -> Response:
    who.require("admin")
    if drift_policy not in ("report", "repair"):
        raise ApiError(422, "invalid_policy", "report or repair", field="drift_policy")
    org = await session.get(Organisation, who.organisation_id)
    org.drift_policy = drift_policy  # type: ignore[union-attr]
    return redirect(request, "/settings")
