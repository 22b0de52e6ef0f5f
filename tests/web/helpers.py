"""Signing in to the dashboard over HTTP, as a browser does (cookie + CSRF token from the page)."""

import re

import httpx

from tests.auth.helpers import PASSWORD

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"email": email, "password": password, "csrf": csrf_of(page)})


async def post_form(client: httpx.AsyncClient, page_url: str, action: str, data: dict, **kwargs) -> httpx.Response:
    """Post a form the way the page at `page_url` would (with its CSRF token)."""
    page = await client.get(page_url)
    return await client.post(action, data={**data, "csrf": csrf_of(page)}, **kwargs)
