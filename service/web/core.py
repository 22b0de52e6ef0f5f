"""What every dashboard page shares: the signed-in user, CSRF, templates, errors as pages.

- Session: the `vitrine_session` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) holds a
  random token; service/users/service.py resolves it to a `Principal`, the same object the API
  builds from a key, so the same access rule (service/auth/access.py) applies.
- CSRF: a double-submit token. Every page sets a random `vitrine_csrf` cookie and writes the same
  value in each form (`csrf` field) and in htmx's headers (`X-CSRF-Token`); a POST whose token is
  missing or differs is refused with 403 before its handler runs. Another site can neither read
  nor set the cookie, so it cannot forge the pair.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.auth.service import Principal
from service.deps import SessionDep
from service.errors import ApiError
from service.users import service as users
from service.web import i18n

SESSION_COOKIE = "vitrine_session"
CSRF_COOKIE = "vitrine_csrf"
HERE = Path(__file__).parent

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


class LoginRequired(Exception):
    pass


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request),
                        path="/")


async def _csrf_ok(request: Request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        sent = form.get("csrf")
    return isinstance(sent, str) and hmac.compare_digest(sent, cookie)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.pick(request)
    who: Principal | None = getattr(request.state, "principal", None)
    html = env.get_template(template).render(
        request=request, t=i18n.translator(lang), lang=lang, who=who, csrf=csrf_token(request),
        path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    _finish(request, response)
    return response


def _finish(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_cookie(request, response, CSRF_COOKIE, new)
    response.headers["Cache-Control"] = "no-store"


def redirect(request: Request, url: str) -> Response:
    """303 after a form; for an htmx request, HX-Redirect so the whole page moves."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {404: "Not found", 403: "Refused"}
    return render(request, "error.html", status=status, title=titles.get(status, "Error"), message=message)


class WebRoute(APIRoute):
    """A dashboard route: CSRF checked on every POST, a missing session sends to the login page,
    and an `ApiError` from a domain service becomes an HTML page with the same status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if request.method == "POST" and not await _csrf_ok(request):
                return error_page(request, 403, "CSRF token missing or wrong: reload the page and try again.")
            try:
                return await handler(request)
            except LoginRequired:
                return redirect(request, f"/login?next={quote(request.url.path)}")
            except ApiError as exc:
                message = "This page does not exist, or you may not see it." if exc.status == 404 else exc.message
                return error_page(request, exc.status, message)

        return route


async def current_principal(request: Request, session: SessionDep) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    who = await users.session_principal(session, token) if token else None
    if who is None:
        raise LoginRequired()
    request.state.principal = who
    return who


WebPrincipal = Annotated[Principal, Depends(current_principal)]


def state(request: Request) -> tuple[Any, Any]:
    """(sessionmaker, settings) for the services that open their own transactions."""
    return request.app.state.sessionmaker, request.app.state.settings
