"""Facebook Pages through the Graph API v25.0, served at ``/facebook/v25.0``.

Model: the configured parent pages (``parent_pages``: id -> name) own location pages created
through ``POST /{parent}/locations``; each location page carries a ``store_number``. Changes
are live immediately. Third-party (Meta) changes arrive as upcoming changes, which apply by
themselves at their ``effective_time`` unless accepted or rejected first
(``POST /{proposal_id}`` with ``accept=true|false``).

Business Use Case throttling: every call on a page counts against that page's
``page_quota`` (sliding window). Every page response carries ``X-Business-Use-Case-Usage``;
``call_count``/``total_cputime``/``total_time`` are percentages of the quota and
``estimated_time_to_regain_access`` is > 0 only while throttled (error 80001). Its unit is the
Graph minute; because the sandbox scales time, ``regain_access_unit_seconds`` (default 60) sets
how many seconds one unit stands for: a client computes ``retry_after = value *
unit_seconds`` (60 against Facebook, whatever the sandbox is configured with here). Throttled
responses also carry ``X-Sandbox-Regain-Access-Seconds`` with the exact seconds.

Page categories: ``category_list`` takes 1 to 3 numeric ids (any: the sandbox has no copy of
Meta's list) and reads back as ``[{"id": ...}]`` (no ``name``); a Meta proposal of categories
shows as Meta's guide shows it (proposal ``category`` "category", values "id, id").

Parameters and their types: Meta's Business SDK, through ``contracts/facebook/page.json`` (see
``facebook_params``). ``POST /{parent}/locations`` adds an existing page (``location_page_id``)
to the parent, as Graph documents it; creating pages there is for developers Meta approved
(``page_creation_granted``, #200 otherwise). Admin ``POST /_sandbox/facebook/pages`` makes a
page that existed before Vitrine. UNVERIFIED: which create parameters are required, the
duplicate store_number error (code 100, "store number already exists"), the HTTP statuses (400 for 190/100/80001, 403 for 200), the
wording of error 100 messages, the upcoming_changes/proposal field set, the missing-token
error (code 104), ``single_line_address`` formatting, the page ``name`` not being writable,
the category limit (3) and the wording of its errors, ``category_list`` on a location create.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

from . import facebook_params as fp
from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

VERSION = "v25.0"
SHOWN = ("id", "name", "store_number", "store_code", "link", "parent_page", "single_line_address", *fp.WRITABLE)
TOKEN_SUBCODES = {"expired": 463, "revoked": 460}


class FacebookConfig(PlatformConfig):
    tokens: list[str] = Field(default_factory=lambda: ["sandbox-facebook-token"])
    token_ttl_seconds: float | None = Field(None, gt=0, description="tokens expire this long after the sandbox first saw them")
    parent_pages: dict[str, str] = Field(default_factory=lambda: {"100000000000001": "Vitrine Sandbox Group"})
    page_quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=4800, window_seconds=86400))
    regain_access_unit_seconds: float = Field(60.0, gt=0)
    page_creation_granted: bool = Field(True, description="Meta granted this app the creation of location pages "
                                        "(select developers); false: a create without location_page_id gets #200")


@dataclass
class Page:
    id: str
    name: str
    parent_id: str | None = None
    store_number: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    access_revoked: bool = False
    store_code: str | None = None


@dataclass
class Proposal:
    id: str
    change_id: str
    page_id: str
    field: str
    value: Any
    current: Any
    effective_time: float
    status: str = "PENDING"


class FacebookEmulator(Emulator):
    name = "facebook"
    prefix = "/facebook"
    credentials_field = "tokens"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r, base = self.router, f"/{VERSION}"
        r.add_api_route(base + "/{node_id}/locations", self.list_locations, methods=["GET"])
        r.add_api_route(base + "/{node_id}/locations", self.create_location, methods=["POST"])
        r.add_api_route(base + "/{node_id}/upcoming_changes", self.upcoming_changes, methods=["GET"])
        r.add_api_route(base + "/{node_id}", self.get_node, methods=["GET"])
        r.add_api_route(base + "/{node_id}", self.post_node, methods=["POST"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        a = self.admin
        a.add_api_route("/pages/{page_id}/edit", self.admin_edit, methods=["POST"])
        a.add_api_route("/pages/{page_id}/upcoming-changes", self.admin_upcoming, methods=["POST"])
        a.add_api_route("/pages/{page_id}/access", self.admin_access, methods=["POST"])
        a.add_api_route("/pages", self.admin_page, methods=["POST"])

    def reset(self) -> None:
        self.pages: dict[str, Page] = {}
        self.proposals: dict[str, Proposal] = {}
        self.window = SlidingWindow()
        self.ids = count(200_000_000_000_001)
        self.traces = count(1)
        self.token_seen: dict[str, float] = {}
        self.revoked: set[str] = set()

    # ------------------------------------------------------------ errors and shared steps

    def error(self, message: str, code: int, status: int = 400, subcode: int | None = None,
              headers: dict[str, str] | None = None, **extra: Any) -> PlatformError:
        body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if subcode is not None:
            body["error_subcode"] = subcode
        trace = base64.b64encode(hashlib.sha256(str(next(self.traces)).encode()).digest()).decode()[:11]
        body.update(extra, fbtrace_id=trace.replace("+", "A").replace("/", "B"))
        return PlatformError(json_response({"error": body}, status, headers))

    def throttle_response(self, request: Request) -> Response:
        page_id = request.path_params.get("node_id", "")
        wait = self.config.page_quota.window_seconds
        return self._throttled(page_id, wait).response

    def _throttled(self, page_id: str, wait: float) -> PlatformError:
        units = max(1, math.ceil(wait / self.config.regain_access_unit_seconds))
        headers = {"X-Business-Use-Case-Usage": self._usage(page_id, units), "X-Sandbox-Regain-Access-Seconds": str(math.ceil(wait))}
        return self.error("(#80001) There have been too many calls to this Page account. Wait a bit and try again. "
                          "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                          80001, headers=headers, is_transient=True)

    def server_error_response(self, request: Request, status: int) -> Response:
        if status == 500:
            return self.error("An unknown error occurred", 1, 500, 99, is_transient=True).response
        return self.error("An unexpected error has occurred. Please retry your request later.", 2, status, is_transient=True).response

    def _usage(self, page_id: str, regain: int = 0) -> str:
        quota = self.config.page_quota
        used = self.window.usage(page_id, self.now(), quota)
        pct = min(100, math.ceil(100 * used / quota.count))
        return json.dumps({page_id: [{"type": "pages", "call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2,
                                      "estimated_time_to_regain_access": regain}]})

    async def params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            kind = request.headers.get("content-type", "")
            if kind.startswith("application/json"):
                try:
                    body = json.loads(await request.body() or b"{}")
                except ValueError:
                    raise self.error("(#100) The request body is not valid JSON", 100) from None
                if not isinstance(body, dict):
                    raise self.error("(#100) The request body must be a JSON object", 100)
                params.update(body)
            elif kind:
                params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        return params

    def authorize(self, request: Request, params: dict[str, Any]) -> str:
        header = request.headers.get("authorization", "")
        token = params.get("access_token") or (header.split(" ", 1)[1].strip() if " " in header else "")
        if not token:
            raise self.error("An access token is required to request this resource.", 104)
        reason, subcode = None, None
        if token in self.revoked:
            reason, subcode = ("Error validating access token: The session has been invalidated because the user changed their "
                               "password or Facebook has changed the session for security reasons."), TOKEN_SUBCODES["revoked"]
        elif token not in self.config.tokens:
            reason = "Invalid OAuth access token - Cannot parse access token"
        else:
            seen = self.token_seen.setdefault(token, self.now())
            ttl = self.config.token_ttl_seconds
            if ttl is not None and self.now() > seen + ttl:
                reason, subcode = (f"Error validating access token: Session has expired on {_graph_time(seen + ttl)}. "
                                   f"The current time is {_graph_time(self.now())}."), TOKEN_SUBCODES["expired"]
        if reason:
            www = {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{reason}"'}
            raise self.error(reason, 190, 400, subcode, headers=www)
        return token

    def page(self, node_id: str, verb: str) -> Page:
        self._ensure_parents()
        page = self.pages.get(node_id)
        if page is None:
            raise self.error(f"Unsupported {verb} request. Object with ID '{node_id}' does not exist, cannot be loaded due to "
                             "missing permissions, or does not support this operation. Please read the Graph API documentation "
                             "at https://developers.facebook.com/docs/graph-api", 100, subcode=33)
        self.settle(page)
        return page

    def count_call(self, page: Page) -> dict[str, str]:
        """BUC accounting, then permission: returns the usage header for the response."""
        quota = self.config.page_quota
        if not self.window.hit(page.id, self.now(), quota):
            raise self.throttled(self._throttled(page.id, self.window.retry_after(page.id, self.now(), quota)).response)
        headers = {"X-Business-Use-Case-Usage": self._usage(page.id)}
        if page.access_revoked:
            raise self.error("(#200) Requires pages_manage_metadata permission to manage the object", 200, 403, headers=headers)
        return headers

    def _ensure_parents(self) -> None:
        for page_id, name in self.config.parent_pages.items():
            self.pages.setdefault(page_id, Page(id=page_id, name=name))

    def settle(self, page: Page) -> None:
        for proposal in self.proposals.values():
            if proposal.page_id == page.id and proposal.status == "PENDING" and proposal.effective_time <= self.now():
                self._apply(page, proposal.field, proposal.value)
                proposal.status = "ACCEPTED"

    def _apply(self, page: Page, name: str, value: Any) -> None:
        if name == "name":
            page.name = value
        elif value is None:
            page.fields.pop(name, None)
        else:
            page.fields[name] = value

    def render(self, page: Page, fields: list[tuple[str, list[str] | None]]) -> dict[str, Any]:
        values: dict[str, Any] = {"id": page.id, "name": page.name, "link": f"https://www.facebook.com/{page.id}", **page.fields}
        if page.store_number is not None:
            values["store_number"] = page.store_number
        if page.store_code is not None:
            values["store_code"] = page.store_code
        if page.parent_id:
            values["parent_page"] = {"name": self.pages[page.parent_id].name, "id": page.parent_id}
        if "location" in page.fields:
            values["single_line_address"] = fp.single_line_address(page.fields["location"])
        if "category_list" in page.fields:  # stored as ids; Graph reads them back as objects
            values["category_list"] = [{"id": i} for i in page.fields["category_list"]]
        out: dict[str, Any] = {}
        for name, sub in fields:
            if not fp.readable(name):
                raise self.error(f"(#100) Tried accessing nonexisting field ({name}) on node type (Page)", 100)
            if name in values:
                value = values[name]
                out[name] = {k: v for k, v in value.items() if k in sub} if sub and isinstance(value, dict) else value
        out.setdefault("id", page.id)
        return out

    # ------------------------------------------------------------ API

    async def get_node(self, request: Request, node_id: str) -> Response:
        params = await self.params(request)
        self.authorize(request, params)
        if node_id in self.proposals:
            return json_response(self._proposal(self.proposals[node_id]))
        page = self.page(node_id, "get")
        headers = self.count_call(page)
        try:
            return json_response(self.render(page, fp.parse_fields(params.get("fields"), "id,name")), headers=headers)
        except PlatformError as exc:
            exc.response.headers.update(headers)
            raise

    async def post_node(self, request: Request, node_id: str) -> Response:
        params = await self.params(request)
        self.authorize(request, params)
        if node_id in self.proposals:
            return self._decide(self.proposals[node_id], params.get("accept"))
        page = self.page(node_id, "post")
        headers = self.count_call(page)
        try:
            values = fp.clean(params, creating=False)
        except ValueError as exc:
            self.refuse(request, str(exc))
            raise self.error(str(exc), 100, headers=headers) from None
        for name, value in values.items():
            self._apply(page, name, value)
        return json_response({"success": True}, headers=headers)

    async def list_locations(self, request: Request, node_id: str) -> Response:
        params = await self.params(request)
        self.authorize(request, params)
        parent = self.page(node_id, "get")
        headers = self.count_call(parent)
        fields = fp.parse_fields(params.get("fields"), "id")
        children = [p for p in self.pages.values() if p.parent_id == parent.id]
        try:
            limit = min(int(params.get("limit", 25)), 100)
            start = 0
            if params.get("after"):
                after = base64.urlsafe_b64decode(params["after"] + "==").decode()
                start = next(i for i, p in enumerate(children) if p.id == after) + 1
        except (ValueError, StopIteration):
            raise self.error("(#100) Invalid cursor or limit", 100, headers=headers) from None
        chunk = children[start:start + max(limit, 1)]
        for child in chunk:
            self.settle(child)
        body: dict[str, Any] = {"data": [self.render(p, fields) for p in chunk]}
        if chunk:
            cursor = lambda p: base64.urlsafe_b64encode(p.id.encode()).decode().rstrip("=")  # noqa: E731
            body["paging"] = {"cursors": {"before": cursor(chunk[0]), "after": cursor(chunk[-1])}}
            if start + len(chunk) < len(children):
                query = {**{k: v for k, v in request.query_params.items()}, "after": cursor(chunk[-1]), "limit": str(limit)}
                body["paging"]["next"] = str(request.url.replace_query_params(**query))
        return json_response(body, headers=headers)

    async def create_location(self, request: Request, node_id: str) -> Response:
        """Adds an existing page to the parent (``location_page_id``: Graph's documented use) or,
        for an app Meta granted it (``page_creation_granted``), creates the location page."""
        params = await self.params(request)
        self.authorize(request, params)
        parent = self.page(node_id, "post")
        headers = self.count_call(parent)
        if parent.id not in self.config.parent_pages:
            raise self.error(f"(#100) Page {parent.id} is not a parent page: it cannot have location pages", 100, headers=headers)
        try:
            values = fp.clean(params, creating=True)
        except ValueError as exc:
            self.refuse(request, str(exc))
            raise self.error(str(exc), 100, headers=headers) from None
        store_number = str(values["store_number"]) if "store_number" in values else None
        store_code = values.get("store_code")
        key_kind, key = ("store_code", store_code) if store_code else ("store_number", store_number)
        if key and any(p.parent_id == parent.id and key in (p.store_number, p.store_code) and p.id != values.get("location_page_id")
                       for p in self.pages.values()):
            self.count_create(key_kind, key, created=False)
            raise self.error("(#100) Invalid parameter: store number already exists", 100, headers=headers,
                             error_user_msg=f"A location with store number {key} already exists.")
        if "location_page_id" in values:
            page = self.page(str(values["location_page_id"]), "post")
            page.parent_id = parent.id
            page.store_number = store_number or page.store_number
            page.store_code = store_code or page.store_code
            return json_response({"id": page.id}, headers=headers)
        if not self.config.page_creation_granted:
            raise self.error("(#200) Creating location pages is only available to approved developers: add an existing "
                             "page with location_page_id", 200, 403, headers=headers)
        fields = {fp.CREATE_TO_FIELD.get(k, k): v for k, v in values.items()}
        page = Page(id=str(next(self.ids)), name=values.get("store_name") or parent.name, parent_id=parent.id,
                    store_number=store_number, store_code=store_code,
                    fields={k: v for k, v in fields.items() if k in fp.WRITABLE})
        self.pages[page.id] = page
        self.count_create(key_kind, key, created=True)
        return json_response({"id": page.id}, headers=headers)

    async def upcoming_changes(self, request: Request, node_id: str) -> Response:
        params = await self.params(request)
        self.authorize(request, params)
        page = self.page(node_id, "get")
        headers = self.count_call(page)
        data = [self._change(p) for p in self.proposals.values() if p.page_id == page.id and p.status == "PENDING"]
        return json_response({"data": data}, headers=headers)

    async def unknown(self, request: Request, path: str) -> Response:
        raise self.error(f"Unknown path components: /{path}", 2500)

    def _proposal(self, p: Proposal) -> dict[str, Any]:
        def encode(value: Any) -> Any:  # Meta's guide shows category values as "273819889375819, 161516070564222"
            if isinstance(value, list) and p.field == "category_list":
                return ", ".join(str(v) for v in value)
            return value if isinstance(value, str) or value is None else json.dumps(value)
        category = "category" if p.field == "category_list" else p.field
        out = {"id": p.id, "category": category, "acceptance_status": p.status, "proposed_value": encode(p.value),
               "current_value": encode(p.current), "upcoming_change_info": {"effective_time": _graph_time(p.effective_time)}}
        return {k: v for k, v in out.items() if v is not None}

    def _change(self, p: Proposal) -> dict[str, Any]:
        return {"id": p.change_id, "change_type": p.field.upper(), "effective_time": _graph_time(p.effective_time),
                "timer_status": "ACTIVE", "page": {"id": p.page_id, "name": self.pages[p.page_id].name}, "proposal": self._proposal(p)}

    def _decide(self, proposal: Proposal, accept: Any) -> Response:
        if str(accept).lower() not in ("true", "false", "1", "0"):
            raise self.error("(#100) param accept must be a boolean", 100)
        if proposal.status != "PENDING":
            raise self.error("(#100) This proposal has already been resolved", 100)
        if str(accept).lower() in ("true", "1"):
            self._apply(self.pages[proposal.page_id], proposal.field, proposal.value)
            proposal.status = "ACCEPTED"
        else:
            proposal.status = "REJECTED"
        return json_response({"success": True})

    # ------------------------------------------------------------ admin

    def _admin_page(self, page_id: str) -> Page:
        self._ensure_parents()
        page = self.pages.get(page_id)
        if page is None:
            raise PlatformError(json_response({"detail": f"no facebook page {page_id}"}, 404))
        self.settle(page)
        return page

    async def admin_page(self, body: dict[str, Any]) -> Response:
        """A page that exists on Facebook before Vitrine: body ``{"name", "parent_id"?, "store_code"?,
        "store_number"?, "fields"?}`` (a location page of ``parent_id`` when given). Returns its id."""
        self._ensure_parents()
        page = Page(id=str(next(self.ids)), name=str(body.get("name") or "Location page"), parent_id=body.get("parent_id"),
                    store_number=body.get("store_number"), store_code=body.get("store_code"), fields=dict(body.get("fields") or {}))
        self.pages[page.id] = page
        return json_response({"id": page.id})

    async def admin_edit(self, page_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"field": "phone", "value": "+33 1 00 00 00 00"}`` (value null removes): a live change by Meta."""
        page = self._admin_page(page_id)
        if body.get("field") not in (*fp.WRITABLE, "name"):
            return json_response({"detail": f"field must be one of {[*fp.WRITABLE, 'name']}"}, 400)
        self._apply(page, body["field"], body.get("value"))
        return json_response(self.render(page, [(name, None) for name in SHOWN]))

    async def admin_upcoming(self, page_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"field": "phone", "value": "...", "effective_in_seconds": 259200}``: a Meta-proposed change."""
        page = self._admin_page(page_id)
        name = body.get("field")
        if name not in (*fp.WRITABLE, "name"):
            return json_response({"detail": f"field must be one of {[*fp.WRITABLE, 'name']}"}, 400)
        change_id, proposal_id = str(next(self.ids)), str(next(self.ids))
        current = page.name if name == "name" else page.fields.get(name)
        proposal = Proposal(id=proposal_id, change_id=change_id, page_id=page.id, field=name, value=body.get("value"),
                            current=current, effective_time=self.now() + float(body.get("effective_in_seconds", 3 * 86400)))
        self.proposals[proposal_id] = proposal
        return json_response(self._change(proposal))

    async def admin_access(self, page_id: str, body: dict[str, Any]) -> Response:
        """Body ``{"revoked": true}``: calls on the page answer error 200."""
        page = self._admin_page(page_id)
        page.access_revoked = bool(body.get("revoked", True))
        return json_response({"id": page.id, "accessRevoked": page.access_revoked})

    def dump(self) -> Any:
        self._ensure_parents()
        out = []
        for page in self.pages.values():
            self.settle(page)
            out.append({"id": page.id, "name": page.name, "parent_id": page.parent_id, "store_number": page.store_number,
                        "store_code": page.store_code, "fields": page.fields, "access_revoked": page.access_revoked,
                        "upcoming_changes": [self._change(p) for p in self.proposals.values() if p.page_id == page.id and p.status == "PENDING"]})
        return out


def _graph_time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")
