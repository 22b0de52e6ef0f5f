"""Apple Business Connect: OAuth client-credentials token, full-replacement PUT with If-Match.

Verified against Apple's pages (the sandbox checks the same rules from contracts/apple/, written
from those pages): the token request, the lookup filter, and the shape of `locationDetails`
(see `mapping`). Not verified: Apple's category ids, the `VALIDATION__*` code names, the
list's cursor, and whether the token call counts against the 15 requests/s (it is counted).

* Token: `POST {base}/api/v1/oauth2/token` with a JSON body (client_credentials, scope
  `business`: Apple's "Request Service Account Token"),
  cached on the instance until a minute before it expires; a 401 from the API fetches a new one
  once and retries the call once. Neither the secret nor the token ever reaches a message or log.
* Create (no remote id): look the location up first with Apple's documented filter
  (`GET …/locations?ql=…countryCode==FR;…locality=="Paris"`, "Get Location Resources";
  `partnersLocationId` is not a filter Apple lists) and adopt the result that
  carries our `partnersLocationId`; else `POST …/locations`; a 409
  LOCATION_ALREADY_EXISTS (a create that landed but was not recorded) looks it up and adopts it.
  Adopting PUTs our payload onto the existing location.
* Update: `PUT …/locations/{id}` `{"id", "locationDetails"}` with the whole payload (Apple
  replaces the location; `id` in the body as in Apple's examples, UNVERIFIED) and
  `If-Match: "<etag>"`. No known etag: GET it first. 412 (edited since we last saw it): GET
  the new etag and PUT once more: the canonical record wins. RESOURCE_HAS_NO_NEW_CHANGES is a
  success.
* Every accepted push is reviewed (SUBMITTED -> PROCESSING -> PUBLISHED): `awaiting_review`
  until `read_back` sees PUBLISHED with our content.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from connectors.apple import mapping, photos
from connectors.common import photos as common_photos
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
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

NAME = "Apple Business Connect"
LOCATION_GONE = "the location no longer exists on Apple Business Connect"
TOKEN_MARGIN = 60.0  # seconds before expiry at which a cached token is renewed
REVIEW_STATES = ("SUBMITTED", "PROCESSING")
FAILED_STATES = ("FAILED", "REJECTED")


def api_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """Apple's `[{code, message, context, details}]`, whether bare, wrapped (`{"errors": […]}`),
    a single object, or an OAuth error (`{"error", "error_description"}`)."""
    body = json_or_none(response)
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            body = body["errors"]
        elif "code" in body:
            body = [body]
        elif isinstance(body.get("error"), str):
            body = [{"code": body["error"], "message": body.get("error_description")}]
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def has_code(errors: list[dict[str, Any]], code: str) -> bool:
    return any(e.get("code") == code for e in errors)


def _summary(response: httpx.Response, errors: list[dict[str, Any]]) -> str:
    parts = [": ".join(str(x) for x in (e.get("code"), e.get("message")) if x) for e in errors]
    return "; ".join(p for p in parts if p) or f"HTTP {response.status_code}"


def _error_field(error: dict[str, Any]) -> str | None:
    for source in (error.get("context"), error.get("details")):
        if isinstance(source, str) and source:
            field = source
        elif isinstance(source, dict):
            field = next((source[k] for k in ("field", "path", "pointer") if isinstance(source.get(k), str)), None)
        else:
            field = None
        if field:
            return field.removeprefix("locationDetails.")
    return None


def classify(response: httpx.Response, *, not_found: str = LOCATION_GONE) -> ConnectorError:
    """The one error a failed Apple answer becomes (409 on create and 412 on update are handled
    by their callers before this)."""
    status = response.status_code
    errors = api_errors(response)
    summary = _summary(response, errors)
    if status == 400 and any(str(e.get("code", "")).startswith("VALIDATION__") for e in errors):
        fields = [FieldError(_error_field(e), str(e.get("message") or e.get("code"))) for e in errors]
        return Rejected(f"{NAME} refused the location: {summary}", fields, http_status=status)
    if status == 401:
        return ActionRequired(f"{NAME} rejected a freshly issued access token: {summary}", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} denies this client access: {summary}", http_status=status)
    if status == 404:
        return ActionRequired(not_found, http_status=status)
    if status == 429:
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response), http_status=status)
    return Rejected(f"{NAME} refused the request: {summary}", http_status=status)


def _etag(response: httpx.Response, body: Any) -> str | None:
    header = response.headers.get("ETag")
    if header:
        return header.strip().removeprefix("W/").strip('"')
    value = body.get("etag") if isinstance(body, dict) else None
    return str(value) if value else None


def _feedback(body: dict[str, Any]) -> str:
    items = [*(body.get("feedback") or []), *(body.get("validationReports") or [])]
    parts = []
    for item in items:
        if isinstance(item, dict):
            text = str(item.get("message") or item.get("code") or "")
            parts.append(f"{item['field']}: {text}" if item.get("field") else text)
        elif item:
            parts.append(str(item))
    return "; ".join(p for p in parts if p) or f"{NAME} rejected the location without feedback"


def lookup_query(details: dict[str, Any]) -> str:
    """Apple's `ql` for the locations that may be the one a payload describes: same country and
    locality (filter fields of "Get Location Resources"). Not the name: a lost create is often
    retried after a rename. A locality holding a double quote is left out (it cannot be quoted);
    the match on `partnersLocationId` is made on our side."""
    address = details["mainAddress"]["structuredAddress"]
    clauses = [f"locationDetails.mainAddress.structuredAddress.countryCode=={address['countryCode']}"]
    locality = address.get("locality", "")
    if locality and '"' not in locality:
        clauses.append(f'locationDetails.mainAddress.structuredAddress.locality=="{locality}"')
    return ";".join(clauses)


class AppleConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="apple",
        name=NAME,
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "phones.additional", "website",
                                "categories", "description", "hours.regular", "hours.special", "photos"}),
        requires=frozenset({"categories"}),  # Apple's locationDetails require categories
        quota=Quota(15, 1),
        location_quota=None,
        typical_delay=timedelta(minutes=15),
        verifiable=True,
        default_base_url="https://businessconnect.apple.com",
        credentials=("client_id", "client_secret"),
        options=("org_id",),
        # a PUT with the etag we hold; a first push is a POST (its lookup only when a create may
        # have landed); a read-back one GET. The token request (hourly) counts: Apple names no exemption
        calls_per_push=1, calls_per_create=1, calls_per_read_back=1,
        notes=("Full replacement: every push sends the whole location (PUT with If-Match; on a stale etag the "
               "location is re-read and the record overwrites it). Creates look the location up by "
               "Apple's documented ql filter (country, locality) first. Apple reviews every change (SUBMITTED, PROCESSING, PUBLISHED). "
               "Photos: location assets by URL (JPEG/PNG under 15 MB, checked before sending). Not published: "
               "e-mail (no such field). Category ids UNVERIFIED."),
    )

    clock = staticmethod(time.monotonic)

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._client_id = credentials.get("client_id") or ""
        self._client_secret = credentials.get("client_secret") or ""
        self._org_id = str(options.get("org_id") or "")
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = asyncio.Lock()

    def render(self, record: Establishment) -> Rendering:
        return common_photos.attach(mapping.render(record), record, photos.CATEGORY)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        listing, listing_ctx = common_photos.split(rendering, ctx)  # photos: location assets
        result = await self._push_location(listing, listing_ctx)
        result.detail.update(await photos.sync(self, result.remote_id, rendering, ctx))
        return result

    async def _push_location(self, rendering: Rendering, ctx: PushContext) -> PushResult:
        details = rendering.payload
        mapping.keep_status_dates(details, ctx.previous)
        if ctx.remote_id:
            return await self._update(ctx.remote_id, details, ctx.remote_version)
        partner_id = str(details["partnersLocationId"])
        existing = await self._find(partner_id, details) if ctx.may_exist else None
        if existing is not None:
            return await self._adopt(existing, details)
        response = await self._api("POST", self._locations_url(), json={"locationDetails": details})
        if response.is_success:
            log.info("apple.location.created", extra={"store_code": partner_id})
            return self._result(response, None, created=True)
        if response.status_code == 409 or has_code(api_errors(response), "LOCATION_ALREADY_EXISTS"):
            existing = await self._find(partner_id, details)
            if existing is None:
                raise RetryableError(f"{NAME} reports a location with partnersLocationId {partner_id} but does not "
                                     "list it yet", http_status=response.status_code)
            return await self._adopt(existing, details)
        raise classify(response, not_found=self._org_not_found())

    async def _adopt(self, location: dict[str, Any], details: dict[str, Any]) -> PushResult:
        log.info("apple.location.adopted", extra={"location_id": location.get("id")})
        result = await self._update(str(location["id"]), details, location.get("etag"))
        result.detail["adopted"] = True
        return result

    async def _update(self, remote_id: str, details: dict[str, Any], etag: str | None) -> PushResult:
        url = self._location_url(remote_id)
        if not etag:
            etag = await self._current_etag(remote_id)
        for attempt in (1, 2):
            response = await self._api("PUT", url, json={"id": remote_id, "locationDetails": details},
                                       headers={"If-Match": f'"{etag}"'})
            if response.is_success:
                return self._result(response, remote_id)
            if has_code(api_errors(response), "RESOURCE_HAS_NO_NEW_CHANGES"):
                return PushResult(remote_id=remote_id, state="awaiting_review", http_status=response.status_code,
                                  remote_version=etag, detail={"no_changes": True})
            if response.status_code != 412:
                raise classify(response)
            if attempt == 2:
                raise RetryableError(f"{NAME}: the location changed again while it was being updated (412 twice)",
                                     http_status=412)
            log.info("apple.location.stale_etag", extra={"location_id": remote_id})
            etag = await self._current_etag(remote_id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _current_etag(self, remote_id: str) -> str:
        etag = (await self._get(remote_id))[1]
        if not etag:
            raise RetryableError(f"{NAME} returned the location without an etag: cannot update it safely")
        return etag

    def _result(self, response: httpx.Response, remote_id: str | None, *, created: bool = False) -> PushResult:
        body = json_or_none(response)
        body = body if isinstance(body, dict) else {}
        remote_id = str(body.get("id") or remote_id or "")
        if not remote_id:
            raise RetryableError(f"{NAME} accepted the location but returned no id", http_status=response.status_code)
        return PushResult(remote_id=remote_id, state="awaiting_review", http_status=response.status_code,
                          remote_version=_etag(response, body), live_url=body.get("placeCardUrl"), created=created,
                          detail={"apple_state": body.get("state")} if body.get("state") else {})

    # ------------------------------------------------------------ read back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        body, etag, status = await self._get(remote_id)
        state = body.get("state")
        live = body.get("locationDetails") if isinstance(body.get("locationDetails"), dict) else {}
        mismatched = mapping.differing_keys({k: v for k, v in pushed.items() if k not in ("photos", "_media")}, live)
        if state == "PUBLISHED":
            holder = ReadBack(state="live", mismatched=mismatched)
            await photos.compare(self, remote_id, pushed, holder)
        common = {"remote_version": etag, "live_url": body.get("placeCardUrl"), "http_status": status}
        if state == "PUBLISHED":
            return ReadBack(state="live", mismatched=mismatched, **common)
        if state in REVIEW_STATES:
            return ReadBack(state="awaiting_review", mismatched=mismatched,
                            pending=[k for k in pushed if k not in mismatched], message=f"{NAME}: {state}", **common)
        if state in FAILED_STATES:
            return ReadBack(state="failed", message=_feedback(body), **common)
        return ReadBack(state="action_required", message=f"{NAME} shows the location in state {state!r}", **common)

    async def _get(self, remote_id: str) -> tuple[dict[str, Any], str | None, int]:
        response = await self._api("GET", self._location_url(remote_id))
        if not response.is_success:
            raise classify(response)
        body = json_or_none(response)
        body = body if isinstance(body, dict) else {}
        return body, _etag(response, body), response.status_code

    async def _find(self, partner_id: str, details: dict[str, Any]) -> dict[str, Any] | None:
        """The location carrying our `partnersLocationId`, among those Apple's documented filter
        (country and locality of the payload) returns, following the list's cursors."""
        params: dict[str, Any] = {"ql": lookup_query(details), "limit": 100}
        while True:
            response = await self._api("GET", self._locations_url(), params=params)
            if not response.is_success:
                raise classify(response, not_found=self._org_not_found())
            body = json_or_none(response)
            items = body.get("data") if isinstance(body, dict) else body
            for item in items if isinstance(items, list) else []:
                details = item.get("locationDetails") if isinstance(item, dict) else None
                if isinstance(details, dict) and details.get("partnersLocationId") == partner_id and item.get("id"):
                    return item
            pagination = body.get("pagination") if isinstance(body, dict) else None
            after = ((pagination or {}).get("cursors") or {}).get("after")
            if not after:
                return None
            params["after"] = after

    # ------------------------------------------------------------ HTTP and token

    def _locations_url(self) -> str:
        if not self._org_id:
            raise ActionRequired(f"{NAME} connection incomplete: the org_id option is missing")
        return f"{self.base_url}/api/v1/orgs/{quote(self._org_id, safe='')}/locations"

    def _location_url(self, remote_id: str) -> str:
        return f"{self._locations_url()}/{quote(remote_id, safe='')}"

    def _org_not_found(self) -> str:
        return f"{NAME} knows no organisation {self._org_id}: check the org_id option"

    async def _api(self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """One authorised call; a 401 renews the token once and retries once."""
        token = await self._access_token()
        response = await self._send(method, url, token, headers, **kwargs)
        if response.status_code == 401:
            log.info("apple.token.rejected", extra={"status": 401})
            self._forget(token)
            token = await self._access_token()
            response = await self._send(method, url, token, headers, **kwargs)
        return response

    async def _send(self, method: str, url: str, token: str, headers: dict[str, str] | None,
                    **kwargs: Any) -> httpx.Response:
        return await request(self.client, method, url,
                             headers={"Accept": "application/json", **(headers or {}), "Authorization": f"Bearer {token}"},
                             **kwargs)

    def _forget(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def _access_token(self) -> str:
        if self._token and self.clock() < self._token_expires_at:
            return self._token
        async with self._token_lock:  # concurrent pushes wait for one token request
            if self._token and self.clock() < self._token_expires_at:
                return self._token
            self._token, self._token_expires_at = await self._fetch_token()
            return self._token

    async def _fetch_token(self) -> tuple[str, float]:
        if not self._client_id or not self._client_secret:
            raise ActionRequired(f"{NAME} connection incomplete: client_id and client_secret are required")
        response = await request(self.client, "POST", f"{self.base_url}/api/v1/oauth2/token", json={
            "grant_type": "client_credentials", "client_id": self._client_id,
            "client_secret": self._client_secret, "scope": "business"})
        if response.status_code in (400, 401):
            reason = _summary(response, api_errors(response))
            raise ActionRequired(f"{NAME} credentials rejected: {reason}", http_status=response.status_code)
        if not response.is_success:
            raise classify(response, not_found=f"{NAME} token endpoint not found at {self.base_url}")
        body = json_or_none(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RetryableError(f"{NAME} token response carries no access_token", http_status=response.status_code)
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        log.info("apple.token.fetched", extra={"expires_in": lifetime})
        return token, self.clock() + max(0.0, lifetime - TOKEN_MARGIN)
