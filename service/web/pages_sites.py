"""Dashboard pages about sites: overview, the list, one site (with its edit form), the action
queue. Thin: each calls the domain services and repositories the API calls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from service.auth.service import ensure_visible
from service.campaigns import service as campaigns
from service.deps import SessionDep
from service.errors import ApiError
from service.establishments import repository as est_repo
from service.establishments import service as establishments
from service.establishments.service import Source
from service.sync import actions
from service.sync import repository as sync_repo
from service.sync.service import public_row, summarise
from service.web.core import WebPrincipal, WebRoute, redirect, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE = 25
QUEUE_STATUSES = ("action_required", "failed", "drifted")
#: the fields the site form edits; their paths in the canonical record
FORM_FIELDS = ("name", "status", "phone", "website", "email", "description")


@router.get("/")
async def home(request: Request, who: WebPrincipal) -> Response:
    return redirect(request, "/overview")


@router.get("/overview")
async def overview(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    summary = summarise(await sync_repo.summary(session, who.organisation_id, scope=who.scope))
    platforms = []
    for name, counts in sorted(summary.platforms.items()):
        total = sum(counts.values())
        platforms.append({"name": name, "counts": counts, "total": total,
                          "live_share": round(100 * counts.get("live", 0) / total) if total else 0})
    statuses = sorted(summary.totals)
    failures = await sync_repo.page(session, who.organisation_id, status="failed", limit=10, scope=who.scope)
    running = []
    if who.may("read_all"):
        running = [c for c in await campaigns.list_page(session, who.organisation_id, None, 50)
                   if c.state in ("scheduled", "applying")]
    queue = sum(summary.totals.get(s, 0) for s in QUEUE_STATUSES)
    return render(request, "overview.html", platforms=platforms, statuses=statuses, totals=summary.totals,
                  failures=[public_row(t, code) for t, code in failures], running=running, queue=queue)


@router.get("/sites")
async def sites(request: Request, session: SessionDep, who: WebPrincipal,
                label: str | None = None, locality: str | None = None, q: str | None = None,
                platform: str | None = None, status: str | None = None,
                after: Annotated[str | None, Query()] = None) -> Response:
    filters = {"label": label or None, "locality": locality or None, "q": q or None,
               "platform": platform or None, "status": status or None}
    on_platform = (platform or None, status) if status else None
    rows = await est_repo.list_page(session, who.organisation_id, label=filters["label"],
                                    locality=filters["locality"], status=None, q=filters["q"], after=after or None,
                                    limit=PAGE + 1, scope=who.scope, on_platform=on_platform)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    badges = await sync_repo.statuses_by_site(session, [r.id for r in rows])  # type: ignore[misc]
    platforms = sorted({p for by in badges.values() for p in by})
    return render(request, "sites.html", rows=rows, badges=badges, platforms=platforms, filters=filters,
                  next_after=rows[-1].store_code if more else None)


async def _site_context(session: Any, who: Any, store_code: str) -> dict[str, Any]:
    await ensure_visible(session, who, store_code)
    row = await establishments.get_or_404(session, who.organisation_id, store_code)
    targets = await sync_repo.page(session, who.organisation_id, store_code=store_code, limit=100)
    history = await est_repo.revisions(session, row.id, before=None, limit=50)  # type: ignore[arg-type]
    return {"row": row, "record": establishments.to_public(row), "values": _form_values(row.data),
            "targets": [public_row(t, code) for t, code in targets], "history": history,
            "can_edit": who.may("edit")}


def _form_values(data: dict[str, Any]) -> dict[str, str]:
    return {"name": data.get("name") or "", "status": data.get("status") or "open",
            "phone": (data.get("phones") or {}).get("primary") or "", "website": data.get("website") or "",
            "email": data.get("email") or "", "description": data.get("description") or ""}


@router.get("/sites/{store_code}")
async def site(request: Request, store_code: str, session: SessionDep, who: WebPrincipal,
               saved: str | None = None) -> Response:
    return render(request, "site.html", saved=saved, **await _site_context(session, who, store_code))


@router.post("/sites/{store_code}")
async def edit_site(request: Request, store_code: str, session: SessionDep, who: WebPrincipal,
                    revision: Annotated[int, Form()]) -> Response:
    """Saves only the fields the person changed, against the revision the page was loaded at:
    if someone else saved meanwhile, nothing is written and both versions are shown."""
    who.require("edit")
    context = await _site_context(session, who, store_code)
    form = await request.form()
    submitted = {f: str(form.get(f, "")).strip() for f in FORM_FIELDS if f in form}
    changed = {f: v for f, v in submitted.items() if v != context["values"][f]}
    if not changed:
        return redirect(request, f"/sites/{store_code}?saved=none")
    patch: dict[str, Any] = {f: (v or None) for f, v in changed.items() if f != "phone"}
    if "status" in patch and patch["status"] is None:
        patch.pop("status")
    if "phone" in changed:
        phones = dict(context["row"].data.get("phones") or {})
        patch["phones"] = {**phones, "primary": changed["phone"] or None}
    try:
        await establishments.patch(session, who.organisation_id, store_code, patch,
                                   Source("web", who.source_ref), f'"{revision}"')
    except ApiError as exc:
        if exc.status not in (412, 422):
            raise
        return render(request, "site.html", status=exc.status, conflict=exc.status == 412, error=exc,
                      mine=submitted, **context)
    return redirect(request, f"/sites/{store_code}?saved=1")


@router.get("/queue")
async def queue(request: Request, session: SessionDep, who: WebPrincipal) -> Response:
    groups: dict[str, list[Any]] = {}
    for status in QUEUE_STATUSES:
        for target, code in await sync_repo.page(session, who.organisation_id, status=status, limit=500,
                                                 scope=who.scope):
            item = public_row(target, code)
            groups.setdefault(_what_to_do(item), []).append(item)
    return render(request, "queue.html", groups=groups, can_edit=who.may("edit"))


def _what_to_do(item: Any) -> str:
    """The person's task, from the target's state and the platform's message."""
    if item.status == "drifted":
        return "Repair or accept a drift"
    if item.detail.get("manual"):
        return "Make the listed edits, then mark them done"
    text = f"{item.last_error or ''} {item.detail}".lower()
    if "categor" in text:
        return "Add a category"
    if "geo" in text or "coordinat" in text or "latitude" in text:
        return "Add coordinates"
    if "verif" in text:
        return "Verify on the platform"
    if item.status == "failed":
        return "Fix the rejected fields"
    return "Other"


@router.post("/queue/{store_code}/{platform}/{action}")
async def queue_action(request: Request, store_code: str, platform: str, action: str, session: SessionDep,
                       who: WebPrincipal) -> Response:
    who.require("edit")
    await ensure_visible(session, who, store_code)
    if action == "done":
        await actions.mark_done(session, who.organisation_id, store_code, platform)
    elif action == "repair":
        await actions.repair_drift(session, who.organisation_id, store_code, platform)
    else:
        raise ApiError(404, "not_found", f"no action {action!r}")
    return redirect(request, "/queue")
