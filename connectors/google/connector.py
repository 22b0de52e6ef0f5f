"""Google Business Profile: Business Information API v1 (writes, read-back) and the
Verifications API (whether edits can go live).

Verified: every request body and update mask against Google's discovery document
(`connectors/sandbox/contracts/google`, the sandbox validates against the same file), including
the rules it states in words (`latlng` "can only be updated by approved clients"; phone numbers:
"During updates, both fields must be set"). Not verified: Google's review timing and the
wording of its errors.

Push
  * Create: `POST {base}/{account}/locations?requestId=<ctx.request_id>` with the whole payload.
    Google answers a repeated `requestId` with the location it already created, so a retried
    create never duplicates a listing. A create without a request id is refused (ValueError).
  * Update: `PATCH {base}/{remote_id}?updateMask=<keys>` with only those keys in the body. The
    mask is `ctx.changed`, plus any key pushed before and now absent (Google clears a masked
    field the body leaves out: that is how a removed website, phone or description is cleared),
    plus `regularHours` whenever `specialHours` is set: Google refuses special hours on a location
    without regular hours, and the location may have lost them since our last push (a Google
    edit), so the request carries them and stands on its own (a field sent unchanged is not a
    new edit). Keys that are not `Location` fields are never put in the mask, nor `latlng`:
    Google's discovery document says it "can only be updated by approved clients", so a masked
    `latlng` would get the whole edit (the address with it) refused; a moved site's pin follows
    its address, and the rendering's `unsupported["geo.update"]` says so. A phone update
    sends both `primaryPhone` and `additionalPhones` (`[]` when none): "During updates, both
    fields must be set".
  * State after a write: `live` only when the answer's `metadata` says the listing has voice of
    merchant and no pending edit; otherwise `awaiting_review` (Google reviews edits before they
    reach Maps and Search, and shows nothing of a listing without voice of merchant). The
    read-back that follows settles it. `live_url` is `metadata.mapsUri`.
  * Photos are not sent (see `mapping`); the capability is not claimed.

Read-back
  `GET {base}/{remote_id}:getGoogleUpdated?readMask=<pushed keys>,metadata` returns the listing
  as consumers see it, with `pendingMask` (our edits still under review: `pending`, state
  `awaiting_review`) and `diffMask` (fields Google changed on its own: `third_party`). Every
  other pushed key is compared with what Google shows (`mapping.same`): `mismatched`. When
  `metadata.hasVoiceOfMerchant` is not true, `GET {verifications}/{remote_id}/VoiceOfMerchantState`
  says what Google asks for (verify, wait, comply with guidelines, resolve an ownership
  conflict): state `action_required` with that message. Otherwise `awaiting_review` while
  something is pending, else `live` (the engine reports `mismatched`/`third_party` as drift).

Credentials: a ready `access_token`, or `client_id` + `client_secret` + `refresh_token`
(OAuth2 refresh at `token_url`, the access token cached until a minute before it expires, and
refreshed once more on a 401). Tokens never appear in messages.

UNVERIFIED (not checked against Google, only against its docs and discovery documents):
  * whether a PATCH answer's `metadata.hasPendingEdits` already reflects the edit just made;
  * how long Google remembers a create's `requestId`;
  * the exact shape of `pendingMask`/`diffMask` (top-level or nested paths, camelCase or
    snake_case: both are read, reduced to top-level fields);
  * whether `ALREADY_EXISTS` names the existing location (its name is quoted when found, never
    adopted: the duplicate may belong to someone else);
  * whether Google drops past special-hour dates, reformats phones or URLs, or returns `latlng`
    (all tolerated by the comparison);
  * whether clearing `profile` is accepted for non-lodging categories (the discovery document
    says both "Optional" and "required for all categories except lodging").
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
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
from connectors.google import mapping, photos
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

BASE_URL = "https://mybusinessbusinessinformation.googleapis.com/v1"
VERIFICATIONS_BASE_URL = "https://mybusinessverifications.googleapis.com/v1"
TOKEN_URL = "https://oauth2.googleapis.com/token"
TOKEN_MARGIN_SECONDS = 60.0
REQUEST_ID_MAX = 50

RECONNECT = "reconnect the Google account in Vitrine"


class GoogleConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="google",
        name="Google Business Profile",
        channel=Channel.api,
        capabilities=frozenset({
            "name", "status", "address", "geo", "phones.primary", "phones.additional", "website",
            "categories", "description", "hours.regular", "hours.special", "photos",
        }),
        requires=frozenset({"categories"}),  # a primaryCategory is required to create a location
        quota=Quota(300, 60),
        location_quota=Quota(10, 60),
        # Google documents no delay: edits go live "after review", minutes to days. Three days is
        # the date after which a listing still under review deserves a look.
        typical_delay=timedelta(days=3),
        verifiable=True,
        default_base_url=BASE_URL,
        credentials=("access_token", "client_id", "client_secret", "refresh_token"),
        options=("account", "verifications_base_url", "token_url", "media_base_url"),
        option_types={"verifications_base_url": "url", "token_url": "url", "media_base_url": "url"},
        credential_sets=(("access_token",), ("client_id", "client_secret", "refresh_token")),
        notes=("Give either access_token, or client_id + client_secret + refresh_token (OAuth2, scope "
               "business.manage). account (accounts/123...) is needed to create listings. Google reviews "
               "every edit before it reaches Maps (awaiting_review), and only listings with voice of "
               "merchant (verified, in good standing) go live. Photos go through the v4 media API (JPG/PNG, "
               "10 KB-5 MB, 250 px a side, checked before sending). Not sent: e-mail (no Google field), "
               "descriptions over 750 characters."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.verifications_base_url = str(options.get("verifications_base_url") or VERIFICATIONS_BASE_URL).rstrip("/")
        self.media_base_url = str(options.get("media_base_url") or photos.MEDIA_BASE_URL).rstrip("/")
        self.token_url = str(options.get("token_url") or TOKEN_URL)
        account = str(options.get("account") or "").strip().strip("/")
        self.account = (account if account.startswith("accounts/") else f"accounts/{account}") if account else None
        refresh = tuple(str(credentials.get(k) or "") for k in ("client_id", "client_secret", "refresh_token"))
        self._refresh: tuple[str, str, str] | None = refresh if all(refresh) else None  # type: ignore[assignment]
        self._token: str | None = None if self._refresh else (credentials.get("access_token") or None)
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.clock = time.monotonic

    def render(self, record: Establishment) -> Rendering:
        return common_photos.attach(mapping.render(record), record, photos.CATEGORY)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        listing, listing_ctx = common_photos.split(rendering, ctx)  # photos go through the media API
        result = await (self._update(listing, listing_ctx) if ctx.remote_id else self._create(listing, listing_ctx))
        result.detail.update(await photos.sync(self, result.remote_id, rendering, ctx))
        return result

    async def _create(self, rendering: Rendering, ctx: PushContext) -> PushResult:
        if not self.account:
            raise ActionRequired("connect a Google account: set the account id (accounts/123...) "
                                 "in the Google connection")
        if not ctx.request_id or len(ctx.request_id) > REQUEST_ID_MAX:
            raise ValueError(f"a Google create needs a request id of 1 to {REQUEST_ID_MAX} characters")
        response = await self._call("POST", f"{self.base_url}/{self.account}/locations",
                                    params={"requestId": ctx.request_id}, json=rendering.payload)
        if response.status_code >= 300:
            raise classify(response, action="create")
        location = _location(response)
        return PushResult(remote_id=location["name"], state=_state_after_write(location),
                          http_status=response.status_code, live_url=_maps_uri(location), created=True,
                          detail={"requestId": ctx.request_id})

    async def _update(self, rendering: Rendering, ctx: PushContext) -> PushResult:
        remote_id = str(ctx.remote_id)
        mask = update_mask(rendering.payload, ctx.changed, ctx.previous)
        if not mask:  # nothing Google shows changed: the read-back that follows says where it stands
            return PushResult(remote_id=remote_id, state="live", detail={"updateMask": ""})
        body = {key: rendering.payload[key] for key in mask if key in rendering.payload}
        if "phoneNumbers" in body:  # Google: "During updates, both fields must be set"
            body["phoneNumbers"] = {"additionalPhones": [], **body["phoneNumbers"]}
        response = await self._call("PATCH", f"{self.base_url}/{remote_id}", params={"updateMask": ",".join(mask)},
                                    json=body)
        if response.status_code >= 300:
            raise classify(response, action="update")
        location = _location(response, remote_id)
        return PushResult(remote_id=location.get("name") or remote_id, state=_state_after_write(location),
                          http_status=response.status_code, live_url=_maps_uri(location),
                          detail={"updateMask": ",".join(mask)})

    async def remove(self, remote_id: str) -> str:
        """`locations.delete` (Removable). Google refuses it for some listings (LocationState
        `canDelete` false): then a person deletes it on business.google.com."""
        response = await self._call("DELETE", f"{self.base_url}/{remote_id}")
        if response.status_code == 404:
            return f"{remote_id} was already gone from Google"
        if response.status_code == 400 and "FAILED_PRECONDITION" in response.text:
            raise ActionRequired(f"Google does not let the API delete {remote_id}: delete it on "
                                 "https://business.google.com/manage/, then confirm it in Vitrine")
        if response.status_code >= 300:
            raise classify(response, action="delete")
        return f"{remote_id} deleted from Google (locations.delete)"

    # ------------------------------------------------------------ read-back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        keys = [key for key in mapping.FIELDS if key in pushed and key not in mapping.CREATE_ONLY]
        response = await self._call("GET", f"{self.base_url}/{remote_id}:getGoogleUpdated",
                                    params={"readMask": ",".join([*keys, "metadata"])})
        if response.status_code >= 300:
            raise classify(response, action="read")
        data = json_or_none(response)
        if not isinstance(data, dict):
            raise RetryableError(f"GET {remote_id}:getGoogleUpdated: the answer is not JSON",
                                 http_status=response.status_code)
        location = data.get("location") or {}
        pending = [key for key in keys if key in _top_fields(data.get("pendingMask"))]
        third_party = [key for key in keys if key in _top_fields(data.get("diffMask"))]
        region = (pushed.get("storefrontAddress") or {}).get("regionCode")
        today = datetime.now(UTC).date() - timedelta(days=1)  # a day of margin for time zones
        mismatched = [key for key in keys if key not in pending and not mapping.same(
            key, pushed[key], location.get(key, mapping.MISSING), region=region, today=today)]
        metadata = location.get("metadata") or {}
        readback = ReadBack(state="awaiting_review" if pending else "live", mismatched=mismatched, pending=pending,
                            third_party=third_party, live_url=metadata.get("mapsUri"), http_status=response.status_code)
        await photos.compare(self, remote_id, pushed, readback)
        if metadata.get("hasVoiceOfMerchant") is not True:
            blocked = await self._voice_of_merchant(remote_id)
            if blocked:
                readback.state, readback.message = "action_required", blocked
        return readback

    async def _voice_of_merchant(self, remote_id: str) -> str | None:
        """None when Google lets this listing's edits go live, else what Google asks for."""
        response = await self._call("GET", f"{self.verifications_base_url}/{remote_id}/VoiceOfMerchantState")
        if response.status_code >= 300:
            raise classify(response, action="read")
        state = json_or_none(response)
        if not isinstance(state, dict):
            raise RetryableError(f"GET {remote_id}/VoiceOfMerchantState: the answer is not JSON",
                                 http_status=response.status_code)
        return voice_of_merchant_message(state)

    # ------------------------------------------------------------ HTTP and tokens

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        token = await self._access_token()
        response = await request(self.client, method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.status_code == 401 and self._refresh:  # revoked early or clock skew: one fresh token
            token = await self._access_token(stale=token)
            response = await request(self.client, method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        return response

    async def _access_token(self, stale: str | None = None) -> str:
        if self._refresh is None:
            if not self._token:
                raise ActionRequired("connect a Google account: give an access_token, or client_id, client_secret "
                                     "and refresh_token")
            return self._token
        async with self._lock:
            if self._token and self._token != stale and self.clock() < self._expires_at:
                return self._token
            client_id, client_secret, refresh_token = self._refresh
            response = await request(self.client, "POST", self.token_url, data={
                "grant_type": "refresh_token", "client_id": client_id, "client_secret": client_secret,
                "refresh_token": refresh_token})
            body = json_or_none(response)
            body = body if isinstance(body, dict) else {}
            if response.status_code == 200 and body.get("access_token"):
                expires_in = float(body.get("expires_in") or 3600)
                self._token = str(body["access_token"])
                self._expires_at = self.clock() + max(0.0, expires_in - TOKEN_MARGIN_SECONDS)
                return self._token
            self._token = None
            if response.status_code == 429 or response.status_code >= 500:
                raise RetryableError(f"Google token refresh: HTTP {response.status_code}",
                                     http_status=response.status_code, retry_after=retry_after_seconds(response),
                                     throttled=response.status_code == 429)
            reason = str(body.get("error") or f"HTTP {response.status_code}")
            description = body.get("error_description")
            hint = ("the client id or secret was refused" if reason in ("invalid_client", "unauthorized_client")
                    else "the authorization was revoked or expired")
            raise ActionRequired(f"Google refused to refresh the access token ({reason}"
                                 f"{': ' + str(description) if description else ''}): {hint}; {RECONNECT}",
                                 http_status=response.status_code)


# ---------------------------------------------------------------- pure helpers

def update_mask(payload: dict[str, Any], changed: list[str], previous: dict[str, Any] | None) -> list[str]:
    """The `updateMask` fields for a PATCH, in `mapping.FIELDS` order (see the module docstring).
    Never `latlng`: Google's document says only approved clients may update it."""
    keys = {key for key in changed if key in mapping.FIELDS and key not in mapping.CREATE_ONLY}
    keys |= {key for key in previous or {} if key in mapping.FIELDS and key not in payload}
    if "specialHours" in keys and "specialHours" in payload and "regularHours" in payload:
        keys.add("regularHours")
    return [key for key in mapping.FIELDS if key in keys]


def voice_of_merchant_message(state: dict[str, Any]) -> str | None:
    """What Google asks before this listing's edits can go live, or None when nothing."""
    if state.get("hasVoiceOfMerchant") is True:
        return None
    head = "Google does not publish this listing's edits yet"
    if "verify" in state:
        started = (state.get("verify") or {}).get("hasPendingVerification")
        return (f"{head}: a verification was started; complete it (enter the code Google sent) in Business Profile"
                if started else f"{head}: verify the listing in Business Profile (Google asks for verification)")
    if "complyWithGuidelines" in state:
        reason = ((state.get("complyWithGuidelines") or {}).get("recommendationReason")
                  or "RECOMMENDATION_REASON_UNSPECIFIED")
        what = {"BUSINESS_LOCATION_SUSPENDED": "the listing is suspended",
                "BUSINESS_LOCATION_DISABLED": "the listing is disabled"}.get(reason,
                                                                             "the listing breaks Google's guidelines")
        return (f"{head}: {what} ({reason}); fix it to comply with Google's guidelines and request reinstatement "
                "(https://support.google.com/business/answer/4569145)")
    if "resolveOwnershipConflict" in state:
        return (f"{head}: it duplicates another listing in good standing (ownership conflict); request access "
                "from that listing's owner or work on that listing instead")
    if "waitForVoiceOfMerchant" in state:
        return f"{head}: Google is reviewing the listing for quality (waitForVoiceOfMerchant); nothing to do but wait"
    return f"{head}: the listing has no voice of merchant and Google gives no reason; check it in Business Profile"


def classify(response: httpx.Response, *, action: str) -> ConnectorError:
    """The error for a non-2xx Google answer. `action`: create, update or read."""
    status = response.status_code
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    code = str(error.get("status") or "")
    message = str(error.get("message") or f"HTTP {status}")
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    reasons = {str(d.get("reason")) for d in details if d.get("reason")}
    where = f"Google {action}"
    if status == 429 or code == "RESOURCE_EXHAUSTED":
        return RetryableError(f"{where}: quota exhausted ({message})", http_status=status,
                              retry_after=retry_after_seconds(response), throttled=True)
    if status == 400 and code in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
        errors = [FieldError(v.get("field"), str(v.get("description") or message))
                  for d in details for v in d.get("fieldViolations") or [] if isinstance(v, dict)]
        return Rejected(f"{where} refused: {message}", errors, http_status=status)
    if status == 401 or code == "UNAUTHENTICATED":
        return ActionRequired(f"{where}: Google rejected the credentials ({message}); {RECONNECT}", http_status=status)
    if status == 403 or code == "PERMISSION_DENIED":
        if "SERVICE_DISABLED" in reasons:
            todo = "enable the My Business Business Information and Verifications APIs in the Google Cloud project"
        elif "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons:
            todo = f"{RECONNECT} and grant the business.manage permission"
        else:
            todo = ("have an owner of the listing (or of the account) give the connected Google account manager "
                    f"access, or {RECONNECT} with an account that has it")
        return ActionRequired(f"{where}: permission denied ({message}); {todo}", http_status=status)
    if status == 404 and action != "create":
        return ActionRequired(f"{where}: the listing no longer exists on Google (deleted or merged into another); "
                              "find it again in Business Profile and set its location id in Vitrine, or remove the "
                              "Google id to create it anew", http_status=status)
    if status == 404:
        return ActionRequired(f"{where}: Google does not know this account ({message}); check the account id of the "
                              "Google connection", http_status=status)
    if status == 409 or code == "ALREADY_EXISTS":
        existing = _location_name(error)
        return ActionRequired(f"{where}: Google already has this listing{f' ({existing})' if existing else ''}; "
                              "claim it or have it merged in Business Profile, then set its location id in Vitrine",
                              http_status=status)
    if status >= 500:
        return RetryableError(f"{where}: Google server error HTTP {status} ({message})", http_status=status)
    return Rejected(f"{where} refused: {message}", http_status=status)


def _location(response: httpx.Response, remote_id: str | None = None) -> dict[str, Any]:
    data = json_or_none(response)
    if not isinstance(data, dict) or not (data.get("name") or remote_id):
        raise RetryableError(f"Google answered HTTP {response.status_code} without a location",
                             http_status=response.status_code)
    return data


def _state_after_write(location: dict[str, Any]) -> Any:
    metadata = location.get("metadata") or {}
    if metadata.get("hasVoiceOfMerchant") is True and not metadata.get("hasPendingEdits"):
        return "live"
    return "awaiting_review"


def _maps_uri(location: dict[str, Any]) -> str | None:
    return (location.get("metadata") or {}).get("mapsUri")


def _top_fields(mask: Any) -> set[str]:
    """`"regular_hours,phoneNumbers.primaryPhone"` -> {"regularHours", "phoneNumbers"}."""
    out = set()
    for path in str(mask or "").split(","):
        top = path.strip().split(".")[0]
        if top:
            out.add(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), top))
    return out


def _location_name(error: dict[str, Any]) -> str | None:
    found = re.search(r"locations/\d+", repr(error.get("details") or []) + " " + str(error.get("message") or ""))
    return found.group(0) if found else None
