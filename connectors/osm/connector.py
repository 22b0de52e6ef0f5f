"""OpenStreetMap (API 0.6): OAuth2 bearer token, changesets, whole-element node writes with versions.

Automated edits: OSM's Automated Edits code of conduct
(https://wiki.openstreetmap.org/wiki/Automated_Edits_code_of_conduct) asks for a documented,
discussed import/edit plan, a dedicated account and community consent before software edits
the map. This connector is therefore OFF by default: every push needs the connection option
`automated_edits_opt_in=true`, set by the organisation once it has done that; without it the
push stops with `ActionRequired` saying so. The code of conduct also asks that the edits be
documented on a wiki page the changesets link to: the option `automated_edits_docs` (an http(s)
URL, required with the opt-in) goes into every changeset's `description` tag. Changesets carry
`created_by=Vitrine <version>`, `bot=yes`, a `comment` (option `changeset_comment`, `{name}` is
replaced by the establishment's name) and `source` (option `changeset_source`, default
"establishment's own record (via Vitrine)"). Every request carries Vitrine's User-Agent (set on
the shared client, `connectors.http`): the OSMF API usage policy blocks library defaults.

* Auth: `Authorization: Bearer <access_token>`, an OAuth2 token with the `write_api` scope.
  The token never reaches a message or a log.
* Create (no remote id): needs `record.geo` (else `ActionRequired`). OSM has no idempotency key
  and Vitrine adds no custom tag, so a create first searches `GET /api/0.6/map?bbox=` (about
  ±55 m around the point) for a node with the same `name` (case- and space-insensitive) and a
  common feature tag (`amenity=hospital`…) within 50 m: found, it is adopted (our tags written
  onto it); that is also what makes a retried create safe. A matching way or relation (a
  hospital mapped as its building outline) is not edited: `ActionRequired`, a person links or
  merges it. Else `PUT /changeset/create`, `PUT /node/create`, `PUT /changeset/{id}/close`.
* Update: `GET /node/{id}` (the whole element: version, position, every tag), our managed tags
  set, ours that the record no longer has deleted, every other tag kept; nothing to change: no
  write at all. Then a changeset and `PUT /node/{id}` with the read version. `409 Version
  mismatch` (someone edited meanwhile): read again, merge again, PUT once more; a second 409
  is a `RetryableError`. The node is never moved.
* A changeset is closed after the writes whatever happened (OSM would close it after an hour
  idle anyway); a failure to close does not fail a push whose write succeeded.
* Edits are live at once (`live`); tiles are re-rendered later (`typical_delay`).
* read_back: `GET /node/{id}` compares the managed tags with the pushed ones: a difference is
  another mapper's edit, reported as `mismatched` and `third_party` (drift).
* Errors: 401 token / 403 blocked or terms not accepted -> ActionRequired; 400, 412 -> Rejected
  with OSM's text (`Error` header or body); 404, 410 (node deleted) -> ActionRequired; 429, 509
  and 5xx -> RetryableError (throttled for 429/509, with Retry-After).

Quota: OSM documents no request rate for edits, it throttles editing accounts (429) as their
changes grow; the connector's quota is a deliberately slow one push every 4 seconds, about one
request a second since a push makes 2 to 5 requests (UNVERIFIED: the real threshold). Reads use XML too, one parser (xml.etree) for the whole API.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from connectors.base import (
    ActionRequired,
    Channel,
    ConnectorError,
    PlatformInfo,
    PushContext,
    PushResult,
    Quota,
    ReadBack,
    Rejected,
    Rendering,
    RetryableError,
)
from connectors.http import default_user_agent, request, retry_after_seconds
from connectors.osm import mapping
from connectors.osm.tags import FEATURE_KEYS
from schemas import Establishment
from schemas.establishment import Status

log = logging.getLogger(__name__)

NAME = "OpenStreetMap"
API = "/api/0.6"
MATCH_METRES = 50.0
BBOX_DEGREES = 0.0005  # half-side of the search box in latitude (~55 m)
DEFAULT_COMMENT = "Update {name} from the establishment's own record"
NO_GEO = "OpenStreetMap needs a geo point to place a new node: add the establishment's coordinates"
OPT_IN = ("OpenStreetMap edits by software must follow OSM's Automated Edits code of conduct "
          "(https://wiki.openstreetmap.org/wiki/Automated_Edits_code_of_conduct): document and discuss the edits "
          "with the local community, use a dedicated account, then set the connection option "
          "automated_edits_opt_in=true. Until then Vitrine does not edit OpenStreetMap.")
NO_DOCS = ("OSM's Automated Edits code of conduct asks every automated changeset to link to the page documenting "
           "the edits: set the connection option automated_edits_docs to that wiki page's URL")
DEFAULT_SOURCE = "establishment's own record (via Vitrine)"
NODE_GONE = "the node no longer exists on OpenStreetMap (deleted or never existed): check it and link the right one"
_TRUE = ("true", "1", "yes", "on")


@dataclass
class Node:
    id: str
    version: str
    lat: str
    lon: str
    tags: dict[str, str] = field(default_factory=dict)


def node_xml(node: Node, changeset: str, *, new: bool = False) -> bytes:
    """`<osm><node …><tag k v/>…</node></osm>`; ElementTree escapes every attribute."""
    root = ET.Element("osm", version="0.6", generator="Vitrine")
    attrs = {"changeset": changeset, "lat": node.lat, "lon": node.lon}
    if not new:
        attrs = {"id": node.id, "version": node.version, **attrs}
    element = ET.SubElement(root, "node", attrs)
    for key, value in node.tags.items():
        ET.SubElement(element, "tag", k=key, v=value)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def changeset_xml(tags: dict[str, str]) -> bytes:
    root = ET.Element("osm")
    changeset = ET.SubElement(root, "changeset")
    for key, value in tags.items():
        ET.SubElement(changeset, "tag", k=key, v=value)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def parse_elements(body: bytes) -> list[tuple[str, ET.Element]]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise RetryableError(f"{NAME} answered with malformed XML ({exc})") from None
    return [(child.tag, child) for child in root if child.tag in ("node", "way", "relation")]


def tags_of(element: ET.Element) -> dict[str, str]:
    return {tag.get("k", ""): tag.get("v", "") for tag in element.findall("tag")}


def as_node(element: ET.Element) -> Node:
    return Node(id=element.get("id", ""), version=element.get("version", ""), lat=element.get("lat", ""),
                lon=element.get("lon", ""), tags=tags_of(element))


def error_text(response: httpx.Response) -> str:
    text = response.headers.get("Error") or response.text.strip() or f"HTTP {response.status_code}"
    return " ".join(text.split())[:300]


def classify(response: httpx.Response) -> ConnectorError:
    status, text = response.status_code, error_text(response)
    if status == 401:
        return ActionRequired(f"{NAME} rejected the access token (expired, revoked or without the write_api scope): "
                              f"connect the account again ({text})", http_status=status)
    if status == 403:
        return ActionRequired(f"{NAME} refuses this account (blocked, or the contributor terms are not accepted): {text}",
                              http_status=status)
    if status in (404, 410):
        return ActionRequired(f"{NODE_GONE} ({text})", http_status=status)
    if status in (429, 509):
        return RetryableError(f"{NAME} throttles this account: {text}", http_status=status, throttled=True,
                              retry_after=retry_after_seconds(response))
    if status >= 500:
        return RetryableError(f"{NAME} server error: {text}", http_status=status, retry_after=retry_after_seconds(response))
    if status == 409:
        return RetryableError(f"{NAME} conflict: {text}", http_status=status)
    return Rejected(f"{NAME} refused the edit: {text}", http_status=status)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def merged_tags(current: dict[str, str], wanted: dict[str, str], remove: set[str]) -> dict[str, str]:
    """`current` with our `wanted` tags set and our `remove`d ones deleted; foreign tags untouched."""
    out = {k: v for k, v in current.items() if not (k in remove and mapping.managed(k))}
    out.update(wanted)
    return out


def _coordinate(value: float) -> str:
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class OsmConnector:
    info: ClassVar[PlatformInfo] = PlatformInfo(
        key="osm",
        name=NAME,
        channel=Channel.api,
        capabilities=frozenset({"name", "status", "address", "phones.primary", "phones.additional", "website", "email",
                                "categories", "hours.regular", "hours.special"}),
        quota=Quota(1, 4),  # one push per 4 s ≈ 1 request/s (a push is 2 to 5 requests); OSM's threshold is unpublished
        location_quota=None,
        typical_delay=timedelta(minutes=5),  # the edit is live at once; map tiles are re-rendered later
        verifiable=True,
        default_base_url="https://api.openstreetmap.org",
        credentials=("access_token",),
        options=("automated_edits_opt_in", "automated_edits_docs", "changeset_comment", "changeset_source"),
        notes=("OFF by default: OSM's Automated Edits code of conduct requires a documented, community-discussed plan "
               "and a dedicated account; set automated_edits_opt_in=true and automated_edits_docs=<wiki page URL> once done "
               "(changesets carry bot=yes, created_by, comment, source and that link in description). Quota: a cautious "
               "default (OSM publishes no edit rate). Writes managed tags only (name, "
               "addr:*, phone, email, website, opening_hours, category tags), keeps every other tag, never moves a "
               "node. Creates need geo and first adopt a node with the same name and category within 50 m. "
               "Permanently closed: disused: lifecycle prefix. Not sent: description, photos."),
    )

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: Mapping[str, str],
                 options: Mapping[str, Any]) -> None:
        self.client = client
        self.base_url = (base_url or self.info.default_base_url).rstrip("/")
        self._token = credentials.get("access_token") or ""
        opt_in = options.get("automated_edits_opt_in")
        self._opted_in = opt_in is True or (isinstance(opt_in, str) and opt_in.strip().lower() in _TRUE)
        self._comment = str(options.get("changeset_comment") or DEFAULT_COMMENT)
        self._source = str(options.get("changeset_source") or DEFAULT_SOURCE)[: mapping.MAX_VALUE]
        docs = str(options.get("automated_edits_docs") or "").strip()
        self._docs = docs if docs.startswith(("https://", "http://")) and " " not in docs else ""

    def render(self, record: Establishment) -> Rendering:
        return mapping.render(record)

    # ------------------------------------------------------------ push

    async def push(self, record: Establishment, rendering: Rendering, ctx: PushContext) -> PushResult:
        if not self._opted_in:
            raise ActionRequired(OPT_IN)
        if not self._docs:
            raise ActionRequired(NO_DOCS)
        self._need_token()
        wanted = rendering.payload
        remove = {k for k in set(ctx.previous or {}) | set(ctx.changed) if k not in wanted}
        if ctx.remote_id:
            return await self._update(record, ctx.remote_id, wanted, remove)
        return await self._create(record, wanted, remove)

    async def _create(self, record: Establishment, wanted: dict[str, str], remove: set[str]) -> PushResult:
        if record.geo is None:
            raise ActionRequired(NO_GEO)
        if record.status == Status.closed_permanently:
            raise Rejected(f"a permanently closed establishment is not added to {NAME}")
        existing = await self._find(record.geo.lat, record.geo.lng, wanted)
        if existing is not None:
            log.info("osm.node.adopted", extra={"node_id": existing.id})
            result = await self._update(record, existing.id, wanted, remove, node=existing)
            result.detail["adopted"] = True
            return result
        node = Node(id="", version="", lat=_coordinate(record.geo.lat), lon=_coordinate(record.geo.lng), tags=dict(wanted))
        changeset = await self._open_changeset(record)
        try:
            response = await self._send("PUT", f"{API}/node/create", content=node_xml(node, changeset, new=True))
            if not response.is_success:
                raise classify(response)
        finally:
            await self._close_changeset(changeset)
        node_id = response.text.strip()
        if not node_id.isdigit():
            raise RetryableError(f"{NAME} accepted the node but returned no id", http_status=response.status_code)
        log.info("osm.node.created", extra={"node_id": node_id, "changeset": changeset})
        return PushResult(remote_id=node_id, state="live", http_status=response.status_code, remote_version="1",
                          live_url=self.live_url(node_id), created=True, detail={"changeset": changeset})

    async def _update(self, record: Establishment, node_id: str, wanted: dict[str, str], remove: set[str],
                      node: Node | None = None) -> PushResult:
        node = node or await self._read(node_id)
        tags = merged_tags(node.tags, wanted, remove)
        if tags == node.tags:
            return self._unchanged(node)
        changeset = await self._open_changeset(record)
        try:
            for attempt in (1, 2):
                body = node_xml(Node(node.id, node.version, node.lat, node.lon, tags), changeset)
                response = await self._send("PUT", f"{API}/node/{node_id}", content=body)
                if response.is_success:
                    version = response.text.strip() or None
                    return PushResult(remote_id=node_id, state="live", http_status=response.status_code,
                                      remote_version=version, live_url=self.live_url(node_id),
                                      detail={"changeset": changeset})
                if response.status_code != 409 or not error_text(response).lower().startswith("version mismatch"):
                    raise classify(response)
                if attempt == 2:
                    raise RetryableError(f"{NAME}: the node changed again while it was being updated (409 twice)",
                                         http_status=409)
                log.info("osm.node.stale_version", extra={"node_id": node_id})
                node = await self._read(node_id)
                tags = merged_tags(node.tags, wanted, remove)
                if tags == node.tags:
                    return self._unchanged(node)
        finally:
            await self._close_changeset(changeset)
        raise AssertionError("unreachable")  # pragma: no cover

    def _unchanged(self, node: Node) -> PushResult:
        return PushResult(remote_id=node.id, state="live", http_status=200, remote_version=node.version,
                          live_url=self.live_url(node.id), detail={"no_changes": True})

    async def _find(self, lat: float, lon: float, wanted: dict[str, str]) -> Node | None:
        """The node this create would duplicate: same name, a common feature tag, within 50 m."""
        name = mapping.normalize_name(wanted.get("name", ""))
        features = {(k, v) for k, v in wanted.items() if k in FEATURE_KEYS}
        d_lon = BBOX_DEGREES / max(math.cos(math.radians(lat)), 0.01)
        bbox = ",".join(_coordinate(x) for x in (lon - d_lon, lat - BBOX_DEGREES, lon + d_lon, lat + BBOX_DEGREES))
        response = await self._send("GET", f"{API}/map", params={"bbox": bbox})
        if not response.is_success:
            raise classify(response)
        best: tuple[float, Node] | None = None
        for kind, element in parse_elements(response.content):
            tags = tags_of(element)
            if mapping.normalize_name(tags.get("name", "")) != name or not features & set(tags.items()):
                continue
            if kind != "node":
                raise ActionRequired(f"{NAME} already maps this establishment as {kind} {element.get('id')}: "
                                     f"Vitrine edits nodes only; link or merge it by hand")
            node = as_node(element)
            try:
                distance = distance_m(lat, lon, float(node.lat), float(node.lon))
            except ValueError:
                continue
            if distance <= MATCH_METRES and (best is None or distance < best[0]):
                best = (distance, node)
        return best[1] if best else None

    # ------------------------------------------------------------ read back

    async def read_back(self, remote_id: str, pushed: dict[str, Any]) -> ReadBack:
        node = await self._read(remote_id)
        differing = mapping.differing_keys(pushed, node.tags)
        return ReadBack(state="live", mismatched=differing, third_party=list(differing), live_url=self.live_url(remote_id),
                        remote_version=node.version, http_status=200,
                        message=f"changed on {NAME} by another mapper: {', '.join(differing)}" if differing else None)

    async def _read(self, node_id: str) -> Node:
        if not node_id.isdigit():
            raise ActionRequired(f"{NAME} node ids are numbers, got {node_id!r}: fix the platform id")
        response = await self._send("GET", f"{API}/node/{node_id}")
        if not response.is_success:
            raise classify(response)
        nodes = [as_node(e) for kind, e in parse_elements(response.content) if kind == "node"]
        if not nodes or not nodes[0].version:
            raise RetryableError(f"{NAME} returned node {node_id} without its version")
        return nodes[0]

    # ------------------------------------------------------------ changesets and HTTP

    async def _open_changeset(self, record: Establishment) -> str:
        comment = self._comment.replace("{name}", record.name)[: mapping.MAX_VALUE]
        body = changeset_xml({"created_by": default_user_agent().split(" ", 1)[0].replace("/", " "), "bot": "yes",
                              "comment": comment, "source": self._source, "description": self._docs[: mapping.MAX_VALUE]})
        response = await self._send("PUT", f"{API}/changeset/create", content=body)
        if not response.is_success:
            raise classify(response)
        changeset = response.text.strip()
        if not changeset.isdigit():
            raise RetryableError(f"{NAME} opened a changeset but returned no id", http_status=response.status_code)
        return changeset

    async def _close_changeset(self, changeset: str) -> None:
        try:
            response = await self._send("PUT", f"{API}/changeset/{changeset}/close")
        except ConnectorError as exc:
            log.warning("osm.changeset.close_failed", extra={"changeset": changeset, "error": exc.message})
            return
        if not response.is_success:
            log.warning("osm.changeset.close_failed", extra={"changeset": changeset, "status": response.status_code})

    def _need_token(self) -> None:
        if not self._token:
            raise ActionRequired(f"{NAME} connection incomplete: an OAuth2 access_token with the write_api scope is required")

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        if kwargs.get("content") is not None:
            headers["Content-Type"] = "text/xml; charset=utf-8"
        return await request(self.client, method, self.base_url + path, headers=headers, **kwargs)

    def live_url(self, node_id: str) -> str:
        if self.base_url == self.info.default_base_url:
            return f"https://www.openstreetmap.org/node/{node_id}"
        return f"{self.base_url}{API}/node/{node_id}"  # a sandbox or a test instance has no map page
