"""Bing Places for Business: partner RPC API, full records, pushed in micro-batches.

What could be confirmed (issue 16): only the partner PDF's table of contents is publicly readable
("Bing Places for Business API documentation", trusted partners: Introduction; Getting started:
Pre-requisites, Authentication, Request and Response, Errors; Business Information…), which
confirms a partner API with its own authentication, request/response and error sections, and
nothing else. Secondary sources disagree with this connector on the host, the authentication
(a client certificate plus an `Identity` carrying a PUID rather than an `X-Api-Key` header),
the read calls' paging and criteria, the categories object and the answer envelope. None of
that could be checked, so nothing is sent until the connection option `partner_contract=confirmed`
says the organisation has checked this connector against the PDF its Bing contract gives it
(ActionRequired otherwise, naming what to check). Everything below is UNVERIFIED: the paths come
from platforms.md; the auth header, the response envelope and the status values are our reading,
the same in the sandbox emulator (`connectors/sandbox/bing.py`), so both change together.

* Calls: `POST {base}/trustedPartnerApi/v1/<Operation>` with a JSON body
  `{TrackingId, Identity?, ...}`; the partner key goes in the `X-Api-Key` header (never in a
  message or log). `Identity{Puid, AuthProvider, EmailId}` is sent when the options give any.
* Answer envelope: HTTP 200 `{TrackingId, OperationStatus: "Success"|"PartialSuccess"|"Failure",
  ErrorMessage?, Results: [{StoreId, Status: "Success"|"AlreadyExists"|"NotFound"|
  "ValidationFailed", Errors: [{Field, Message}]}]}` for Create/UpdateBusinesses;
  `{…, Businesses: [Business]}` for GetBusinesses; `{…, BusinessStatusInfos: [{StoreId,
  Status: "InReview"|"Published"|"Rejected"|"Suspended", StatusReason?, BingMapsUrl?}]}` for
  GetBusinessStatusInfo. Request-level failures: 4xx/5xx `{TrackingId, ErrorCode, ErrorMessage}`
  (401 Unauthorized, 403 Forbidden, 429 ThrottlingLimitExceeded + Retry-After).
* Create (no remote id): GetBusinesses by StoreId first and adopt (UpdateBusinesses with our
  record); else CreateBusinesses; `AlreadyExists` (a create that landed but was not recorded)
  adopts the same way. remote_id = StoreId.
* Update: UpdateBusinesses with the whole record (no partial update). `NotFound` ->
  ActionRequired (someone deleted the listing: recreating it is a person's decision).
* Every accepted push goes to review (~3 weeks): `awaiting_review`. `read_back` asks
  GetBusinessStatusInfo, then GetBusinesses: Published -> live (with the keys that differ),
  InReview -> awaiting_review, Rejected -> failed with Bing's reason, Suspended/unknown ->
  action_required.

Batching (`connectors/bing/batcher.py`): the engine still calls `push`/`read_back` once per
listing, but every call to Bing (CreateBusinesses, UpdateBusinesses, GetBusinesses,
GetBusinessStatusInfo) goes through a per-event-loop micro-batcher: calls for the same account
(HTTP client, base URL, API key, identity) and operation arriving within
`batch_window_seconds` (option, default 0.2 s) leave as one call of up to `batch_max_size`
businesses (option, default 100, capped at Bing's 1000); `batch_timeout_seconds` (default
120 s) bounds one batched call. Each listing gets its own result: per-business `Status` is
classified for its caller only (ValidationFailed -> Rejected with its field errors, NotFound ->
ActionRequired, AlreadyExists -> adopt, no result -> RetryableError); a failed call (429, 5xx,
401, timeout) fails every listing of the batch with the same error, and the engine retries each.
TrackingId: a lone write keeps the caller's `request_id`; a batch of writes sends
`vitrine-batch-` + a hash of its sorted request ids (deterministic for the same set). Retries
rarely meet the same set, so idempotency of creates rests, per business, on the StoreId
look-up before creating and on adopting `AlreadyExists`, not on the TrackingId.

UNVERIFIED about batching: that Bing answers every business of a batch in `Results` matched by
StoreId (rather than by position), that a batch may mix valid and invalid businesses
(PartialSuccess) rather than failing whole, that TrackingId has no length limit or idempotency
meaning of its own, that 1000 is the limit for GetBusinesses/GetBusinessStatusInfo StoreIds as
well, and how Bing's quota counts a batched call (per call, as the sandbox does, or per business).
Note: the engine's rate limiter takes one token of `info.quota` per push, not per call, so it
still paces listings at the per-call quota; batching pays off fully only where the
`VITRINE_RATE_LIMITS` override for bing is raised to what Bing allows per business.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
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
from connectors.bing import batcher, mapping
from connectors.http import json_or_none, request, retry_after_seconds
from schemas import Establishment

log = logging.getLogger(__name__)

UNCONFIRMED = ("Bing's partner API is documented only in the PDF of a Bing partner contract, which could not be read: "
               "check this connector's host, authentication (X-Api-Key vs client certificate + Identity/PUID), answer "
               "envelope and categories against it, then set the connection option partner_contract=confirmed")
NAME = "Bing Places"
API = "/trustedPartnerApi/v1"
API_KEY_HEADER = "X-Api-Key"  # UNVERIFIED
LISTING_GONE = "the listing no longer exists on Bing Places (deleted there?): recreate it or disconnect it"
WRITES = ("CreateBusinesses", "UpdateBusinesses")
READS = {"GetBusinesses": "Businesses", "GetBusinessStatusInfo": "BusinessStatusInfos"}  # operation -> answer list
MAX_WINDOW = 10.0  # seconds: a longer batch window only delays pushes


def _summary(body: Any, status: int) -> str:
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("ErrorCode", "ErrorMessage") if body.get(k)]
        if parts:
            return ": ".join(parts)
    return f"HTTP {status}"


def classify(response: httpx.Response) -> ConnectorError:
    """The one error a failed (non-2xx) Bing answer becomes."""
    status = response.status_code
    body = json_or_none(response)
    summary = _summary(body, status)
    if status == 429 or (isinstance(body, dict) and body.get("ErrorCode") == "ThrottlingLimitExceeded"):
        return RetryableError(f"{NAME} throttled the request: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status, throttled=True)
    if status == 401:
        return ActionRequired(f"{NAME} rejected the partner API key: {summary}", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} denies this partner access: {summary}", http_status=status)
    if status >= 500:
        return RetryableError(f"{NAME} server error: {summary}", retry_after=retry_after_seconds(response),
                              http_status=status)
    if status == 404:
        return ActionRequired(f"{NAME} partner API not found at this base URL: {summary}", http_status=status)
    return Rejected(f"{NAME} refused the request: {summary}", http_status=status)


def _field_errors(result: dict[str, Any]) -> list[FieldError]:
    errors = result.get("Errors") if isinstance(result.get("Errors"), list) else []
    out = [FieldError(e.get("Field") if isinstance(e.get("Field"), str) else None, str(e.get("Message") or e))
           for e in errors if isinstance(e, dict)]
    return out or [FieldError(None, str(result.get("ErrorMessage") or result.get("Status") or "refused"))]


class BingConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="bing",
        name="Bing Places for Business",
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "geo", "phones.primary", "website", "categories",
                                "hours.regular", "hours.special"}),
        quota=Quota(10, 5),  # UNVERIFIED
        location_quota=None,
        typical_delay=timedelta(days=21),
        verifiable=True,
        default_base_url="https://bingplaces.com",  # UNVERIFIED
        credentials=("api_key",),
        options=("partner_contract", "email_id", "puid", "auth_provider", "batch_window_seconds", "batch_max_size",
                 "batch_timeout_seconds"),
        notes=("UNVERIFIED partner API: only the partner PDF's table of contents is public; host, auth (X-Api-Key here, "
               "a client certificate + Identity/PUID per secondary sources), paging, categories and the answer "
               "envelope are our reading. Nothing is sent until the option partner_contract=confirmed says the "
               "organisation checked them against its contract's PDF. Quota: a cautious default (UNVERIFIED). Full records: every push sends the whole business. Creates look the StoreId up "
               "first. Bing reviews every change (~3 weeks): live once GetBusinessStatusInfo says Published and "
               "GetBusinesses shows our record. Not published: e-mail, description, photos, additional phones; "
               "temporary closure and opening-soon are sent as closed. Pushes and read-backs arriving within "
               "batch_window_seconds (default 0.2 s) for the same account leave as one call of up to "
               "batch_max_size businesses (default 100, at most 1000)."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._api_key = credentials.get("api_key") or ""
        identity = {"Puid": options.get("puid"), "AuthProvider": options.get("auth_provider"),
                    "EmailId": options.get("email_id")}
        self._identity = {k: str(v) for k, v in identity.items() if v}
        self._options_error: str | None = None
        self._confirmed = str(options.get("partner_contract") or "").strip().lower() == "confirmed"
        try:
            self.batch_window = _option(options, "batch_window_seconds", batcher.DEFAULT_WINDOW, float, MAX_WINDOW)
            self.batch_max_size = int(_option(options, "batch_max_size", batcher.DEFAULT_MAX_SIZE, int, batcher.MAX_SIZE,
                                              low=1))
            self.batch_timeout = _option(options, "batch_timeout_seconds", batcher.DEFAULT_TIMEOUT, float, 600.0,
                                         low=0.001)
        except ValueError as exc:
            self.batch_window, self.batch_max_size, self.batch_timeout = (
                batcher.DEFAULT_WINDOW, batcher.DEFAULT_MAX_SIZE, batcher.DEFAULT_TIMEOUT)
            self._options_error = f"{NAME} connection options: {exc}"
        key_digest = hashlib.sha256(self._api_key.encode()).hexdigest()[:16]  # the batch key never holds the key
        self._account = (self.client, self.base_url, key_digest, tuple(sorted(self._identity.items())))

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        self._check_connection()
        business = rendering.payload
        store_id = str(business["StoreId"])
        if ctx.remote_id:
            return await self._update(business, ctx.request_id)
        if await self._get(store_id) is not None:
            return await self._adopt(business, ctx.request_id)
        result, status = await self._write("CreateBusinesses", business, ctx.request_id)
        if result.get("Status") == "AlreadyExists":
            return await self._adopt(business, ctx.request_id)
        self._raise_for(result, status)
        log.info("bing.business.created", extra={"store_code": store_id})
        return PushResult(remote_id=store_id, state="awaiting_review", http_status=status, created=True)

    async def _adopt(self, business: dict[str, Any], tracking_id: str) -> PushResult:
        log.info("bing.business.adopted", extra={"store_code": business["StoreId"]})
        result = await self._update(business, tracking_id)
        result.detail["adopted"] = True
        return result

    async def _update(self, business: dict[str, Any], tracking_id: str) -> PushResult:
        result, status = await self._write("UpdateBusinesses", business, tracking_id)
        if result.get("Status") == "NotFound":
            raise ActionRequired(LISTING_GONE, http_status=status)
        self._raise_for(result, status)
        return PushResult(remote_id=str(business["StoreId"]), state="awaiting_review", http_status=status)

    def _raise_for(self, result: dict[str, Any], status: int) -> None:
        if result.get("Status") == "Success":
            return
        if result.get("Status") == "ValidationFailed":
            errors = _field_errors(result)
            summary = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
            raise Rejected(f"{NAME} refused the business: {summary}", errors, http_status=status)
        raise RetryableError(f"{NAME} answered {result.get('Status')!r} for the business: "
                             f"{result.get('ErrorMessage') or 'no message'}", http_status=status)

    async def _write(self, operation: str, business: dict[str, Any], tracking_id: str) -> tuple[dict[str, Any], int]:
        """This business's result in a batched Create/UpdateBusinesses call."""
        result = await self._batched(operation, str(business["StoreId"]), business, tracking_id)
        return result, 200

    async def _send_writes(self, operation: str, items: list[batcher.Item]) -> dict[str, Any]:
        """One Create/UpdateBusinesses call for a batch: each StoreId -> its result, or an error of its own."""
        body = await self._call(operation, {"Businesses": [item.value for item in items]},
                                batch_tracking_id([item.request_id or item.key for item in items]))
        results = body.get("Results") if isinstance(body.get("Results"), list) else []
        answers: dict[str, Any] = {}
        for result in results:
            if isinstance(result, dict) and isinstance(result.get("StoreId"), str):
                answers.setdefault(result["StoreId"], result)
        missing = RetryableError(f"{NAME} {operation} answered without a result for the business "
                                 f"({body.get('OperationStatus')}: {body.get('ErrorMessage') or 'no message'})",
                                 http_status=200)
        log.debug("bing.batch.sent", extra={"operation": operation, "size": len(items)})
        return {item.key: answers.get(item.key, missing) for item in items}

    # ------------------------------------------------------------ read back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        self._check_connection()
        info = await self._batched("GetBusinessStatusInfo", remote_id, remote_id)
        if info is None:
            return ReadBack(state="action_required", message=LISTING_GONE, http_status=200)
        state, url = info.get("Status"), info.get("BingMapsUrl")
        if state == "Rejected":
            return ReadBack(state="failed", message=f"{NAME} rejected the listing: "
                            f"{info.get('StatusReason') or 'no reason given'}", live_url=url, http_status=200)
        if state not in ("Published", "InReview"):
            return ReadBack(state="action_required", message=f"{NAME} shows the listing as {state!r}: "
                            f"{info.get('StatusReason') or 'no reason given'}", live_url=url, http_status=200)
        live = await self._get(remote_id)
        if live is None:
            return ReadBack(state="action_required", message=LISTING_GONE, http_status=200)
        mismatched = mapping.differing_keys(pushed, live)
        if state == "Published":
            return ReadBack(state="live", mismatched=mismatched, live_url=url, http_status=200)
        return ReadBack(state="awaiting_review", mismatched=mismatched, pending=[k for k in pushed if k not in mismatched],
                        message=f"{NAME}: InReview", live_url=url, http_status=200)

    async def _get(self, store_id: str) -> dict[str, Any] | None:
        return await self._batched("GetBusinesses", store_id, store_id)

    async def _send_reads(self, operation: str, items: list[batcher.Item]) -> dict[str, Any]:
        """One GetBusinesses / GetBusinessStatusInfo call for a batch: StoreId -> its object (absent: None)."""
        store_ids = list(dict.fromkeys(item.key for item in items))
        body = await self._call(operation, {"StoreIds": store_ids}, str(uuid.uuid4()))
        found = body.get(READS[operation]) if isinstance(body.get(READS[operation]), list) else []
        answers: dict[str, Any] = {}
        for entry in found:
            if isinstance(entry, dict) and isinstance(entry.get("StoreId"), str):
                answers.setdefault(entry["StoreId"], entry)
        log.debug("bing.batch.sent", extra={"operation": operation, "size": len(store_ids)})
        return answers

    # ------------------------------------------------------------ batching

    async def _batched(self, operation: str, store_id: str, value: Any, request_id: str | None = None) -> Any:
        """Hand one business (or StoreId) to this loop's batcher; its own answer, or its own error."""
        if not self._api_key:  # fail alone, before joining a batch
            raise ActionRequired(f"{NAME} connection incomplete: the api_key credential is missing")

        async def send(items: list[batcher.Item]) -> dict[str, Any]:
            if operation in WRITES:
                return await self._send_writes(operation, items)
            return await self._send_reads(operation, items)

        return await batcher.for_running_loop().submit(
            (*self._account, operation), store_id, value, send, request_id=request_id, window=self.batch_window,
            max_size=self.batch_max_size, timeout=self.batch_timeout, shared=operation in READS)

    def _check_connection(self) -> None:
        if self._options_error:
            raise ActionRequired(self._options_error)
        if not self._confirmed:
            raise ActionRequired(UNCONFIRMED)

    # ------------------------------------------------------------ HTTP

    async def _call(self, operation: str, fields: dict[str, Any], tracking_id: str) -> dict[str, Any]:
        if not self._api_key:
            raise ActionRequired(f"{NAME} connection incomplete: the api_key credential is missing")
        body: dict[str, Any] = {"TrackingId": tracking_id}
        if self._identity:
            body["Identity"] = self._identity
        body.update(fields)
        response = await request(self.client, "POST", f"{self.base_url}{API}/{operation}", json=body,
                                 headers={"Accept": "application/json", API_KEY_HEADER: self._api_key})
        if not response.is_success:
            raise classify(response)
        answer = json_or_none(response)
        if not isinstance(answer, dict):
            raise RetryableError(f"{NAME} {operation} answered HTTP {response.status_code} without a JSON object",
                                 http_status=response.status_code)
        return answer


def batch_tracking_id(ids: list[str]) -> str:
    """TrackingId of a batched write: the caller's request id when alone, else a hash of the
    sorted ids (the same set of listings always gives the same TrackingId)."""
    unique = sorted(set(ids))
    if len(unique) == 1:
        return unique[0]
    return "vitrine-batch-" + hashlib.sha256("\n".join(unique).encode()).hexdigest()[:40]


def _option(options: Mapping[str, Any], name: str, default: float, cast: type, high: float, low: float = 0.0) -> float:
    """A numeric connection option: absent -> default; above `high` -> `high`; not a number or below `low` -> ValueError."""
    raw = options.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = cast(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or value < low:  # value != value: NaN
        raise ValueError(f"{name} must be a number ≥ {low:g}, got {raw!r}")
    return min(value, high)
