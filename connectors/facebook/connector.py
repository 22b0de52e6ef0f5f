"""Facebook Pages through the Graph API: link a location page (or create it), edit it, read it back.

See the package docstring for the model and what is UNVERIFIED. Every call goes through
`connectors.http.request` with the token in the `Authorization` header, never in a URL.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from connectors.base import (
    ActionRequired,
    Channel,
    ConnectorError,
    FieldError,
    PlatformInfo,
    PushContext,
    PushResult,
    Quota,
    ReadBack,
    Rejected,
    Rendering,
    RetryableError,
)
from connectors.common import photos as common_photos
from connectors.facebook import mapping, photos
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

LINK_REASON = "link the Facebook page: set platform_ids.facebook or the parent page id"
NOT_FOUND_REASON = ("no location page of parent page {parent} has store code {code} (store_code or store_number): "
                    "set platform_ids.facebook to the site's page id, give the page that store code on Facebook, "
                    "or, if Meta granted this app the creation of location pages, turn on the create_pages option")
TOKEN_REASON = "the Facebook token is invalid or expired: reconnect"
READABLE = ("phone", "website", "emails", "category_list", "location", "hours", "is_always_open",
            "is_permanently_closed", "temporary_status", "about", "description")
LOOKUP_PAGE_SIZE = 100
LOOKUP_MAX_PAGES = 1000  # 100,000 location pages: past that, refuse to guess rather than risk a duplicate
INDEX_SECONDS = 30.0  # how long a listing of the parent's location pages serves first pushes
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
PERMISSION_CODES = frozenset({3, 10, 283, *range(200, 300)})
TOKEN_CODES = frozenset({102, 190})
TRANSIENT_CODES = frozenset({1, 2})
# Meta's upcoming change types / proposal categories -> the payload key they touch (UNVERIFIED names)
CHANGE_KEYS = {
    "phone": "phone", "website": "website", "hours": "hours", "email": "emails", "emails": "emails",
    "location": "location", "address": "location", "street": "location", "city": "location", "zip": "location",
    "coordinates": "location", "latitude": "location", "longitude": "location", "about": "about",
    "description": "description", "is_always_open": "is_always_open", "permanently_closed": "is_permanently_closed",
    "is_permanently_closed": "is_permanently_closed", "temporary_status": "temporary_status", "name": "name",
    # Meta's guide shows category proposals as `"category": "category"` (values: category ids)
    "category": "category_list", "categories": "category_list", "category_list": "category_list",
}


class FacebookConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="facebook",
        name="Facebook Pages",
        channel=Channel.api,
        capabilities=frozenset({"status", "address", "geo", "phones.primary", "website", "email", "categories",
                                "description", "hours.regular", "photos"}),
        quota=Quota(200, 3600),
        location_quota=None,
        typical_delay=timedelta(minutes=1),
        verifiable=True,
        default_base_url="https://graph.facebook.com/v25.0",
        credentials=("access_token",),
        options=("parent_page_id", "create_pages", "regain_access_unit_seconds"),
        option_types={"regain_access_unit_seconds": "number", "create_pages": "bool"},
        # a POST of the changed params; a first push links (one shared listing of the parent's pages,
        # then the POST) or creates (create + update-only params); a read-back reads the page and
        # its upcoming changes
        calls_per_push=1, calls_per_create=2, calls_per_read_back=2,
        notes=(
            "Link-first: each establishment is matched to its existing location page under the group's parent page "
            "(store_code or store_number = store code, or the page id set in platform_ids) and updated with the Page "
            "update's parameters; creating missing pages is an option (create_pages) for apps Meta granted it. "
            "Edits are live immediately and read back with ?fields=; Meta-proposed changes (upcoming_changes) are "
            "reported as third-party edits. Quota: Meta's Business Use Case limit is dynamic, 4800 calls x engaged "
            "users per page per 24 h, so a page with one engaged user allows 200 calls an hour. Every create looks "
            "the store up on the parent page, so during an onboarding all calls can land on that one page: the "
            "default of 200 calls an hour per app keeps even a small parent page under its limit. Raise it for "
            "pages with a large audience; a throttled call (80001, 4, 17, 32, 613) waits for the "
            "X-Business-Use-Case-Usage estimated_time_to_regain_access. Categories: Page category ids "
            "(category_list, at most 3; a key with no Facebook category is sent as its parent's, and the status "
            "says so); the ids come from a 2016 dump of Graph's category list and are UNVERIFIED as still current. "
            "Photos: the logo as profile picture, the cover, the others as Page photos (under 4 MB, JPEG/PNG). "
            "No special hours or name changes through this API (listed as unsupported). Parameter names and "
            "types checked against Meta's Business SDK (Page.api_update, Page.create_location)."
        ),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._token = str(credentials.get("access_token") or "")
        parent = options.get("parent_page_id")
        self.parent_page_id = str(parent).strip() if parent not in (None, "") else None
        # Graph reports estimated_time_to_regain_access in minutes; a time-scaled emulator may differ
        self.regain_unit = float(options.get("regain_access_unit_seconds") or 60.0)
        self.create_pages = str(options.get("create_pages") or "").strip().lower() in ("1", "true", "yes", "on")

    def render(self, record: Establishment) -> Rendering:
        return common_photos.attach(mapping.render(record), record, photos.CATEGORY)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        listing, listing_ctx = common_photos.split(rendering, ctx)  # photos: their own Graph edges
        result = await self._push_listing(record, listing, listing_ctx)
        result.detail.update(await photos.sync(self, result.remote_id, rendering, ctx))
        return result

    async def _push_listing(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        payload = rendering.payload
        page_id = ctx.remote_id or record.platform_ids.get("facebook")
        detail: dict[str, Any] = {}
        if page_id is None:
            if not self.parent_page_id:
                raise ActionRequired(LINK_REASON)
            page_id = await (self.find_location(ctx.store_code) if ctx.may_exist else self._indexed(ctx.store_code))
            if page_id is None:
                if not self.create_pages:
                    raise ActionRequired(NOT_FOUND_REASON.format(parent=self.parent_page_id, code=ctx.store_code))
                created = await self._create(ctx.store_code, payload)
                if created is not None:
                    new_id, status = created
                    self._index().pages[ctx.store_code] = new_id
                    rest = {key: payload[key] for key in mapping.update_only(payload)}
                    if rest:  # what the create cannot take goes in an update of the new page
                        await self._update(new_id, rest)
                    return PushResult(remote_id=new_id, state="live", http_status=status, live_url=page_url(new_id),
                                      created=True, detail={"store_code": ctx.store_code, "sent": sorted(payload)})
                page_id = await self.find_location(ctx.store_code)  # created meanwhile by another push
                if page_id is None:
                    raise RetryableError(f"store code {ctx.store_code} is said to exist but was not found")
            detail["adopted"] = True
            log.info("facebook.push.linked store_code=%s page_id=%s", ctx.store_code, page_id)

        params = {key: payload[key] for key in ctx.changed if key in payload}
        left = sorted(key for key in ctx.changed if key not in payload)
        if left:  # no longer rendered (cleared in the record, or now unsupported): the API cannot clear them
            detail["left_unchanged"] = left
            log.info("facebook.push.left_unchanged page_id=%s keys=%s", page_id, ",".join(left))
        status = await self._update(str(page_id), params) if params else None
        detail["sent"] = sorted(params)
        return PushResult(remote_id=str(page_id), state="live", http_status=status, live_url=page_url(str(page_id)),
                          created=False, detail=detail)

    async def _update(self, page_id: str, params: dict[str, Any]) -> int:
        """`POST /{page-id}` with Page update parameters (Meta's SDK: `Page.api_update`)."""
        response = await self._call("POST", f"/{page_id}", json=params)
        body = json_or_none(response)
        if not (isinstance(body, dict) and body.get("success") is True):
            raise RetryableError(f"POST /{page_id}: unexpected answer {str(body)[:200]!r}", http_status=response.status_code)
        return response.status_code

    async def find_location(self, store_code: str) -> str | None:
        """The id of the parent page's location page whose store_code (or store_number) is `store_code`."""
        async for pages in self._location_pages():
            for page in pages:
                if isinstance(page, dict) and store_code in _store_keys(page) and page.get("id"):
                    return str(page["id"])
        return None

    def _index(self) -> _LocationIndex:
        per_loop = _INDEXES.setdefault(asyncio.get_running_loop(), {})
        return per_loop.setdefault((self.base_url, self.parent_page_id), _LocationIndex())

    async def _indexed(self, store_code: str) -> str | None:
        """`find_location` for a listing's first push, from one listing of the parent's pages
        shared by the pushes of the next `INDEX_SECONDS`: looking each site up page by page
        made a fan-out of 2,000 new sites cost 13 requests a site on Facebook's quota. Safe
        for a first push only: no earlier push of this store code can have made a page since
        the listing was taken (a retry looks the page up afresh). Pages made by hand on
        Facebook meanwhile are what the "store number already exists" answer catches."""
        index = self._index()
        async with index.lock:
            if time.monotonic() - index.listed_at > INDEX_SECONDS:
                pages: dict[str, str] = {}
                async for found in self._location_pages():
                    pages.update((key, str(p["id"])) for p in found if isinstance(p, dict) and p.get("id")
                                 for key in _store_keys(p))
                index.pages, index.listed_at = pages, time.monotonic()
        return index.pages.get(store_code)

    async def _location_pages(self) -> AsyncIterator[list[Any]]:
        """`GET /{parent}/locations`, page after page (by the `after` cursor)."""
        params = {"fields": "id,store_code,store_number", "limit": str(LOOKUP_PAGE_SIZE)}
        seen: set[str] = set()
        for _ in range(LOOKUP_MAX_PAGES):
            response = await self._call("GET", f"/{self.parent_page_id}/locations", params=params)
            body = json_or_none(response)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise RetryableError(f"GET /{self.parent_page_id}/locations: unexpected answer",
                                     http_status=response.status_code)
            yield body["data"]
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after or after in seen:
                return
            # the cursor, not the `next` URL: a URL from a response is never sent our token
            seen.add(after)
            params = {**params, "after": after}
        raise ActionRequired(f"the parent page {self.parent_page_id} has more than "
                             f"{LOOKUP_PAGE_SIZE * LOOKUP_MAX_PAGES} location pages: link this one by hand "
                             "(platform_ids.facebook)")

    async def _create(self, store_code: str, payload: dict[str, Any]) -> tuple[str, int] | None:
        """POST the location page with the create's own parameters (Meta's SDK:
        `Page.create_location`); None when Facebook says the store code already exists."""
        try:
            response = await self._call("POST", f"/{self.parent_page_id}/locations",
                                        json=mapping.create_params(payload, store_code))
        except Rejected as exc:
            if "store number" in exc.message.lower() and "exist" in exc.message.lower():
                return None
            raise
        body = json_or_none(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise RetryableError(f"POST /{self.parent_page_id}/locations: no id in the answer",
                                 http_status=response.status_code)
        log.info("facebook.push.created store_code=%s page_id=%s", store_code, body["id"])
        return str(body["id"]), response.status_code

    # ------------------------------------------------------------ read-back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        keys = [key for key in pushed if key in READABLE]
        response = await self._call("GET", f"/{remote_id}", params={"fields": ",".join(["id", *keys, "link"])})
        live = json_or_none(response)
        if not isinstance(live, dict):
            raise RetryableError(f"GET /{remote_id}: unexpected answer", http_status=response.status_code)
        mismatched = [key for key in keys if not mapping.same(key, pushed[key], live.get(key))]
        changes = await self._call("GET", f"/{remote_id}/upcoming_changes",
                                   params={"fields": "id,change_type,effective_time,timer_status,proposal"})
        third_party = upcoming_keys(json_or_none(changes))
        readback = ReadBack(state="live", mismatched=mismatched, third_party=third_party,
                        live_url=live.get("link") or page_url(remote_id), http_status=response.status_code,
                        message=f"Meta proposes changes to {', '.join(third_party)}" if third_party else None)
        await photos.compare(self, remote_id, pushed, readback)
        return readback

    # ------------------------------------------------------------ HTTP

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        response = await request(self.client, method, self.base_url + path, headers=headers, **kwargs)
        body = json_or_none(response)
        if response.is_success and not (isinstance(body, dict) and "error" in body):
            return response
        raise classify(response, secret=self._token, regain_unit=self.regain_unit)


def _store_keys(page: dict[str, Any]) -> set[str]:
    """The store codes a location page answers to: its `store_code`, its `store_number`."""
    return {str(page[key]) for key in ("store_code", "store_number") if page.get(key) not in (None, "")}


def page_url(page_id: str) -> str:
    return f"https://www.facebook.com/{page_id}"


def upcoming_keys(body: Any) -> list[str]:
    """Payload keys (or Meta's own field names) that pending Meta-proposed changes touch."""
    keys: list[str] = []
    changes = body.get("data") if isinstance(body, dict) else None
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict):
            continue
        proposal = change.get("proposal") if isinstance(change.get("proposal"), dict) else {}
        if str(proposal.get("acceptance_status", "PENDING")).upper() not in ("PENDING", ""):
            continue
        kind = str(proposal.get("category") or change.get("change_type") or "").strip().lower()
        if kind:
            key = CHANGE_KEYS.get(kind, kind)
            if key not in keys:
                keys.append(key)
    return keys


# ---------------------------------------------------------------- errors

def classify(response: httpx.Response, *, secret: str | None = None, regain_unit: float = 60.0) -> ConnectorError:
    """A failed Graph API answer -> the one error the engine acts on. Graph errors look like
    `{"error": {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg",
    "fbtrace_id"}}`; `secret` (the token) is scrubbed from every message."""
    status = response.status_code
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status == 429:
            return RetryableError("Facebook throttled the call (HTTP 429)", http_status=status, throttled=True,
                                  retry_after=retry_after_seconds(response))
        if status >= 500:
            return RetryableError(f"Facebook answered HTTP {status}", http_status=status,
                                  retry_after=retry_after_seconds(response))
        return Rejected(f"Facebook answered HTTP {status} without a Graph error", http_status=status)

    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    message = _scrub(str(error.get("message") or "unknown error"), secret)
    user_title, user_msg = error.get("error_user_title"), error.get("error_user_msg")
    described = f"Facebook error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if error.get("fbtrace_id"):
        described += f" (fbtrace_id {error['fbtrace_id']})"

    if code in TOKEN_CODES:
        return ActionRequired(TOKEN_REASON, http_status=status)
    if code in PERMISSION_CODES:
        return ActionRequired(f"the Facebook token lacks a permission on this page (pages_manage_metadata, "
                              f"pages_read_engagement, pages_show_list): {described}", http_status=status)
    if code in THROTTLING_CODES:
        return RetryableError(described, http_status=status, throttled=True, retry_after=throttle_delay(response, regain_unit))
    if code in TRANSIENT_CODES or status >= 500 or error.get("is_transient") is True:
        return RetryableError(described, http_status=status, retry_after=retry_after_seconds(response))
    if code == 100 and subcode == 33:
        return ActionRequired(f"the Facebook page does not exist or this token cannot see it: relink it "
                              f"({described})", http_status=status)
    if code == 100:
        text = _scrub(" ".join(str(p) for p in (user_title, user_msg) if p), secret) or message
        return Rejected(described, [FieldError(_field(message), text)], http_status=status)
    return Rejected(described, [FieldError(None, _scrub(str(user_msg), secret))] if user_msg else [],
                    http_status=status)


def throttle_delay(response: httpx.Response, unit: float = 60.0) -> float | None:
    """Seconds until access comes back: the largest `estimated_time_to_regain_access` (minutes,
    `unit` seconds each) in `X-Business-Use-Case-Usage`, else Retry-After, else None."""
    minutes: list[float] = []
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage") or "{}")
    except ValueError:
        usage = {}
    for entries in usage.values() if isinstance(usage, dict) else []:
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict):
                try:
                    minutes.append(float(entry.get("estimated_time_to_regain_access") or 0))
                except (TypeError, ValueError):
                    continue
    if minutes and max(minutes) > 0:
        return max(minutes) * unit
    return retry_after_seconds(response)


_FIELD = re.compile(r"\b(?:param(?:eter)?|field)\s+\(?([a-z_]+)", re.IGNORECASE)


def _field(message: str) -> str | None:
    """`(#100) param location[latitude] must be a number` -> `location`."""
    match = _FIELD.search(message)
    return match.group(1).lower() if match else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


class _LocationIndex:
    """Store number -> location page id of one parent page, as last listed."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.listed_at = float("-inf")
        self.pages: dict[str, str] = {}


# per event loop (a lock belongs to one), per (API base URL, parent page)
_INDEXES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str | None], _LocationIndex]] = \
    weakref.WeakKeyDictionary()
