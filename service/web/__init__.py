"""The dashboard and the API documentation, served by Vitrine itself (no CDN): Jinja2 templates
with autoescape, a vendored htmx (static/htmx.min.js, 0BSD, from the npm package `htmx.org`
2.0.11) and Swagger UI's files from the `swagger-ui-bundle` PyPI package."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from service.web.core import HERE
from service.web.pages_admin import router as admin_router
from service.web.pages_ops import router as ops_router
from service.web.pages_sites import router as sites_router

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vitrine API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""


def install(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE)

    for router in (admin_router, sites_router, ops_router):
        app.include_router(router)
