"""OpenStreetMap API 0.6, served at ``/osm/api/0.6``.

* Writes take OSM's XML (``<osm><changeset>…`` and ``<osm><node …><tag k v/></node></osm>``) and
  answer ``text/plain`` (a changeset id, a node id, a new version); reads answer OSM's XML, or
  OSM's JSON (``{"version", "generator", "elements": [...]}``) with a ``.json`` suffix.
* ``PUT /changeset/create``, ``GET /changeset/{id}``, ``PUT /changeset/{id}/close``: a changeset
  belongs to the token's user; it closes when told, or after ``changeset_idle_seconds`` without a
  write (OSM: one hour). Writing in a closed or foreign changeset: 409.
* ``PUT /node/create`` (-> id), ``GET /node/{id}[.json]``, ``PUT /node/{id}`` (the whole element
  with ``version``: 409 ``Version mismatch: Provided 1, server had: 2 of Node 5`` when stale,
  -> new version), 404 unknown, 410 deleted. Tag keys and values ≤ 255 characters, no duplicate
  keys, lat/lon in range: else 400 with the text in the body and the ``Error`` header.
* ``GET /map?bbox=minlon,minlat,maxlon,maxlat[.json]``: the visible nodes inside (area ≤ 0.25
  square degrees, else 400).
* Auth: ``Authorization: Bearer <token>`` of ``tokens`` (default ``sandbox-osm-token``);
  writes need it (401 ``Couldn't authenticate you``), reads are public; a blocked user: 403.
* Quota: ``quota`` per token (anonymous reads share one; 120 a minute by default), 429 text with ``Retry-After``.

Admin (``/_sandbox/osm``): ``POST /nodes {"lat", "lon", "tags", "user"}`` (another mapper adds a
node), ``POST /nodes/{id}/edit {"key", "value"}`` (another mapper sets a tag, null deletes it:
new version), ``POST /nodes/{id}/delete``, ``POST /users/block {"token", "blocked"}``;
``POST /_sandbox/osm/tokens/revoke {"token"}``.

Policies the sandbox enforces (sources: the OSMF API usage policy,
https://operations.osmfoundation.org/policies/api/ ; the Automated Edits code of conduct,
https://wiki.openstreetmap.org/wiki/Automated_Edits_code_of_conduct ; the opening_hours
specification, https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification):

* ``usage_policy``: a request without a User-Agent, or with an HTTP library's default one
  (``python-httpx/…``, ``python-requests/…``, ``curl/…``…), answers 403 (the policy: "a valid
  HTTP User-Agent identifying the application. Faking another app's User-Agent WILL get you
  blocked"; "Clients may be blocked without notice").
* ``automated_edits_policy``: a ``bot=yes`` changeset must carry ``comment``, ``created_by``,
  ``source`` and a link to the edit's documentation page (an http(s) URL in ``description``):
  else 400. (The live API does not check this; the community reverts such edits.)
* ``opening_hours`` values must parse under the specification (checked with the
  ``opening-hours-py`` validator): ``Mo-Fr 25:00-99:00`` answers 400. (The live API stores any
  text; the validators every QA tool runs flag it, so a sandbox accepting it would hide a bug.)

UNVERIFIED: the exact error texts (modelled on openstreetmap-website's), 409 (not 404) for an
unknown changeset in a write, the 429 body, the JSON shape of ``/map.json``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import Field

import opening_hours as opening_hours_spec

from .core import Emulator, PlatformConfig, PlatformError, QuotaConfig, SlidingWindow, json_response

_LIBRARY_AGENT = re.compile(r"^(python-httpx|python-requests|python-urllib|curl|wget|go-http-client|aiohttp|okhttp|java|"
                            r"axios|node-fetch|libwww-perl|mozilla/[0-9.]+ ?$)\b", re.IGNORECASE)
GENERATOR = "Vitrine sandbox (OpenStreetMap API 0.6)"
MAX_LENGTH = 255
MAX_BBOX_AREA = 0.25


class OsmConfig(PlatformConfig):
    tokens: dict[str, str] = Field(default_factory=lambda: {"sandbox-osm-token": "vitrine-sandbox"},
                                   description="bearer token -> user name")
    quota: QuotaConfig = Field(default_factory=lambda: QuotaConfig(count=120, window_seconds=60))
    changeset_idle_seconds: float = Field(3600.0, gt=0, description="an open changeset closes after this idle time")
    usage_policy: bool = Field(True, description="refuse requests without an identifying User-Agent (OSMF API usage policy)")
    automated_edits_policy: bool = Field(True, description="refuse bot=yes changesets without comment, created_by, "
                                                           "source and a documentation link")


@dataclass
class Changeset:
    id: int
    user: str
    tags: dict[str, str]
    created: float
    last_write: float
    closed_at: float | None = None
    changes: int = 0


@dataclass
class OsmNode:
    id: int
    lat: float
    lon: float
    tags: dict[str, str]
    version: int
    changeset: int
    user: str
    timestamp: float
    visible: bool = True
    history: list[dict[str, Any]] = field(default_factory=list)


def osm_error(status: int, text: str, headers: dict[str, str] | None = None) -> PlatformError:
    return PlatformError(Response(text, status, {"Error": text[:200].encode("ascii", "replace").decode(), **(headers or {})},
                                  media_type="text/plain"))


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _coord(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _text(value: Any, status: int = 200) -> Response:
    return Response(str(value), status, media_type="text/plain")


class OsmEmulator(Emulator):
    name = "osm"
    prefix = "/osm"
    credentials_field = "tokens"

    def __init__(self, sandbox: Any):
        super().__init__(sandbox)
        r, base = self.router, "/api/0.6"
        r.add_api_route(base + "/changeset/create", self.changeset_create, methods=["PUT"])
        r.add_api_route(base + "/changeset/{changeset_id}", self.changeset_get, methods=["GET"])
        r.add_api_route(base + "/changeset/{changeset_id}/close", self.changeset_close, methods=["PUT"])
        r.add_api_route(base + "/node/create", self.node_create, methods=["PUT"])
        r.add_api_route(base + "/node/{ref}", self.node_get, methods=["GET"])
        r.add_api_route(base + "/node/{node_id}", self.node_put, methods=["PUT"])
        r.add_api_route(base + "/map", self.map, methods=["GET"])
        r.add_api_route(base + "/map.json", self.map, methods=["GET"])
        r.add_api_route("/{path:path}", self.unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        a = self.admin
        a.add_api_route("/nodes", self.admin_add, methods=["POST"])
        a.add_api_route("/nodes/{node_id}/edit", self.admin_edit, methods=["POST"])
        a.add_api_route("/nodes/{node_id}/delete", self.admin_delete, methods=["POST"])
        a.add_api_route("/users/block", self.admin_block, methods=["POST"])

    def reset(self) -> None:
        self.nodes: dict[int, OsmNode] = {}
        self.changesets: dict[int, Changeset] = {}
        self.revoked: set[str] = set()
        self.blocked: set[str] = set()
        self.window = SlidingWindow()
        self.next_node = 1000
        self.next_changeset = 500

    # ------------------------------------------------------------ shared steps

    def throttle_response(self, request: Request) -> Response:
        return osm_error(429, "You have made too many edits recently. Please try again later.", {"Retry-After": "60"}).response

    def server_error_response(self, request: Request, status: int) -> Response:
        return osm_error(status, "Internal server error" if status == 500 else "Service unavailable").response

    def _token(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else ""

    def _rate(self, key: str) -> None:
        quota = self.config.quota
        if not self.window.hit(key, self.now(), quota):
            wait = max(1, math.ceil(self.window.retry_after(key, self.now(), quota)))
            raise self.throttled(osm_error(429, "You have made too many edits recently. Please try again later.",
                                           {"Retry-After": str(wait)}).response)

    def identify(self, request: Request) -> None:
        agent = request.headers.get("user-agent", "").strip()
        if self.config.usage_policy and (not agent or _LIBRARY_AGENT.match(agent)):
            raise osm_error(403, f"Blocked by the API usage policy: the User-Agent {agent or '(none)'!r} does not "
                                 "identify the application (https://operations.osmfoundation.org/policies/api/)")

    def reader(self, request: Request) -> None:
        self.identify(request)
        token = self._token(request)
        if token and (token not in self.config.tokens or token in self.revoked):
            raise osm_error(401, "Couldn't authenticate you")
        self._rate(token or "(anonymous)")

    def writer(self, request: Request) -> str:
        """The user behind the bearer token of a write."""
        self.identify(request)
        token = self._token(request)
        if not token or token not in self.config.tokens or token in self.revoked:
            raise osm_error(401, "Couldn't authenticate you")
        if token in self.blocked:
            raise osm_error(403, "Your access to the API has been blocked. Please log-in to the web interface to find out more.")
        self._rate(token)
        return self.config.tokens[token]

    def _settle(self, cs: Changeset) -> None:
        if cs.closed_at is None and self.now() >= cs.last_write + self.config.changeset_idle_seconds:
            cs.closed_at = cs.last_write + self.config.changeset_idle_seconds

    def writable_changeset(self, raw_id: str | None, user: str) -> Changeset:
        cs = self.changesets.get(int(raw_id)) if raw_id and raw_id.isdigit() else None
        if cs is None:
            raise osm_error(409, f"Changeset {raw_id} was not found")  # UNVERIFIED status for an unknown changeset
        self._settle(cs)
        if cs.user != user:
            raise osm_error(409, "The user doesn't own that changeset")
        if cs.closed_at is not None:
            raise osm_error(409, f"The changeset {cs.id} was closed at {_iso(cs.closed_at).replace('T', ' ').replace('Z', ' UTC')}")
        return cs

    def parse(self, raw: bytes, kind: str) -> ET.Element:
        try:
            root = ET.fromstring(raw)
        except ET.ParseError:
            raise osm_error(400, f"Cannot parse valid {kind} from xml string") from None
        element = root.find(kind) if root.tag == "osm" else None
        if element is None:
            raise osm_error(400, f"Cannot parse valid {kind} from xml string: XML doesn't contain an osm/{kind} element.")
        return element

    def tags(self, element: ET.Element, where: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for tag in element.findall("tag"):
            key, value = tag.get("k"), tag.get("v")
            if not key or value is None:
                raise osm_error(400, f"Cannot parse valid {where} from xml string: tag is missing key or value")
            if key in out:
                raise osm_error(400, f"Element {where} has duplicate tags with key {key}")
            if len(key) > MAX_LENGTH or len(value) > MAX_LENGTH:
                raise osm_error(400, f"Element {where}: tag key or value is longer than {MAX_LENGTH} characters")
            if key == "opening_hours" and not opening_hours_spec.validate(value):
                raise osm_error(400, f"Element {where}: opening_hours={value!r} does not follow the opening_hours "
                                     "specification (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification)")
            out[key] = value
        return out

    def position(self, element: ET.Element) -> tuple[float, float]:
        try:
            lat, lon = float(element.get("lat", "")), float(element.get("lon", ""))
        except ValueError:
            raise osm_error(400, "Cannot parse valid node from xml string: lat and lon are required") from None
        if not -90 <= lat <= 90:
            raise osm_error(400, f"Latitude {lat} out of range")
        if not -180 <= lon <= 180:
            raise osm_error(400, f"Longitude {lon} out of range")
        return lat, lon

    def node(self, raw_id: str) -> OsmNode:
        node = self.nodes.get(int(raw_id)) if raw_id.isdigit() else None
        if node is None:
            raise PlatformError(Response(status_code=404))
        if not node.visible:
            raise osm_error(410, f"The node with the id {node.id} has already been deleted")
        return node

    def write(self, node: OsmNode, cs: Changeset, user: str) -> None:
        now = self.now()
        node.changeset, node.user, node.timestamp = cs.id, user, now
        node.history.append({"version": node.version, "tags": dict(node.tags), "user": user, "changeset": cs.id})
        cs.changes += 1
        cs.last_write = now

    # ------------------------------------------------------------ formats

    def node_element(self, parent: ET.Element, node: OsmNode) -> None:
        attrs = {"id": str(node.id), "visible": "true" if node.visible else "false", "version": str(node.version),
                 "changeset": str(node.changeset), "timestamp": _iso(node.timestamp), "user": node.user, "uid": "1"}
        if node.visible:
            attrs.update(lat=_coord(node.lat), lon=_coord(node.lon))
        element = ET.SubElement(parent, "node", attrs)
        for key, value in node.tags.items():
            ET.SubElement(element, "tag", k=key, v=value)

    def node_json(self, node: OsmNode) -> dict[str, Any]:
        return {"type": "node", "id": node.id, "lat": node.lat, "lon": node.lon, "timestamp": _iso(node.timestamp),
                "version": node.version, "changeset": node.changeset, "user": node.user, "uid": 1, "tags": dict(node.tags)}

    def xml(self, build: Any) -> Response:
        root = ET.Element("osm", version="0.6", generator=GENERATOR, copyright="OpenStreetMap and contributors",
                          attribution="http://www.openstreetmap.org/copyright", license="http://opendatacommons.org/licenses/odbl/1-0/")
        build(root)
        return Response(ET.tostring(root, encoding="UTF-8", xml_declaration=True), media_type="application/xml")

    def json(self, elements: list[dict[str, Any]], **extra: Any) -> Response:
        return json_response({"version": "0.6", "generator": GENERATOR, "copyright": "OpenStreetMap and contributors",
                              **extra, "elements": elements})

    # ------------------------------------------------------------ API

    async def changeset_create(self, request: Request) -> Response:
        raw = await request.body()
        user = self.writer(request)
        tags = self.tags(self.parse(raw, "changeset"), "changeset")
        if self.config.automated_edits_policy and tags.get("bot") == "yes":
            missing = [k for k in ("comment", "created_by", "source") if not tags.get(k)]
            if not re.match(r"^https?://\S+$", tags.get("description", "")):
                missing.append("description (a link to the automated edit's documentation page)")
            if missing:
                raise osm_error(400, "An automated edit (bot=yes) must say what it is: missing changeset tags "
                                     + ", ".join(missing) + " (https://wiki.openstreetmap.org/wiki/Automated_Edits_code_of_conduct)")
        self.next_changeset += 1
        now = self.now()
        self.changesets[self.next_changeset] = Changeset(self.next_changeset, user, tags, now, now)
        return _text(self.next_changeset)

    async def changeset_get(self, request: Request, changeset_id: str) -> Response:
        self.reader(request)
        cs = self.changesets.get(int(changeset_id)) if changeset_id.isdigit() else None
        if cs is None:
            raise PlatformError(Response(status_code=404))
        self._settle(cs)

        def build(root: ET.Element) -> None:
            attrs = {"id": str(cs.id), "created_at": _iso(cs.created), "open": "false" if cs.closed_at else "true",
                     "user": cs.user, "uid": "1", "changes_count": str(cs.changes)}
            if cs.closed_at is not None:
                attrs["closed_at"] = _iso(cs.closed_at)
            element = ET.SubElement(root, "changeset", attrs)
            for key, value in cs.tags.items():
                ET.SubElement(element, "tag", k=key, v=value)

        return self.xml(build)

    async def changeset_close(self, request: Request, changeset_id: str) -> Response:
        user = self.writer(request)
        if not changeset_id.isdigit() or int(changeset_id) not in self.changesets:
            raise PlatformError(Response(status_code=404))
        cs = self.writable_changeset(changeset_id, user)
        cs.closed_at = self.now()
        return _text("")

    async def node_create(self, request: Request) -> Response:
        raw = await request.body()  # the only await: checks and the write cannot interleave
        user = self.writer(request)
        element = self.parse(raw, "node")
        cs = self.writable_changeset(element.get("changeset"), user)
        lat, lon = self.position(element)
        tags = self.tags(element, "node/")
        self.next_node += 1
        node = OsmNode(self.next_node, lat, lon, tags, 1, cs.id, user, self.now())
        self.nodes[node.id] = node
        self.write(node, cs, user)
        self.count_create("node", tags.get("name"), created=True)
        return _text(node.id)

    async def node_get(self, request: Request, ref: str) -> Response:
        self.reader(request)
        as_json = ref.endswith(".json")
        node = self.node(ref.removesuffix(".json"))
        if as_json:
            return self.json([self.node_json(node)])
        return self.xml(lambda root: self.node_element(root, node))

    async def node_put(self, request: Request, node_id: str) -> Response:
        raw = await request.body()  # the only await: the version check and the write cannot interleave
        user = self.writer(request)
        element = self.parse(raw, "node")
        if element.get("id") != node_id:
            raise osm_error(400, f"The id in the url ({node_id}) is not the same as provided within the object ({element.get('id')})")
        node = self.node(node_id)
        cs = self.writable_changeset(element.get("changeset"), user)
        version = element.get("version")
        if not version or not version.isdigit():
            raise osm_error(400, "Version is required when updating")
        if int(version) != node.version:
            raise osm_error(409, f"Version mismatch: Provided {version}, server had: {node.version} of Node {node.id}")
        lat, lon = self.position(element)
        tags = self.tags(element, f"node/{node.id}")
        node.lat, node.lon, node.tags, node.version = lat, lon, tags, node.version + 1
        self.write(node, cs, user)
        return _text(node.version)

    async def map(self, request: Request) -> Response:
        self.reader(request)
        try:
            min_lon, min_lat, max_lon, max_lat = (float(x) for x in request.query_params.get("bbox", "").split(","))
        except ValueError:
            raise osm_error(400, "The parameter bbox is required, and must be of the form min_lon,min_lat,max_lon,max_lat.") from None
        if min_lon > max_lon or min_lat > max_lat:
            raise osm_error(400, "The minimum longitude must be less than the maximum longitude, but it wasn't")
        if (max_lon - min_lon) * (max_lat - min_lat) > MAX_BBOX_AREA:
            raise osm_error(400, f"The maximum bbox size is {MAX_BBOX_AREA}, and your request was too large. "
                                 "Either request a smaller area, or use planet.osm")
        inside = [n for n in self.nodes.values() if n.visible and min_lat <= n.lat <= max_lat and min_lon <= n.lon <= max_lon]
        bounds = {"minlat": min_lat, "minlon": min_lon, "maxlat": max_lat, "maxlon": max_lon}
        if request.url.path.endswith(".json"):
            return self.json([self.node_json(n) for n in inside], bounds=bounds)

        def build(root: ET.Element) -> None:
            ET.SubElement(root, "bounds", {k: _coord(v) for k, v in bounds.items()})
            for node in inside:
                self.node_element(root, node)

        return self.xml(build)

    async def unknown(self, request: Request, path: str) -> Response:
        raise osm_error(404, f"No route for /{path}")

    # ------------------------------------------------------------ admin

    def _admin_node(self, node_id: int) -> OsmNode:
        node = self.nodes.get(node_id)
        if node is None:
            raise PlatformError(json_response({"detail": f"no osm node {node_id}"}, 404))
        return node

    def _mapper_changeset(self, user: str) -> Changeset:
        self.next_changeset += 1
        now = self.now()
        cs = Changeset(self.next_changeset, user, {"comment": "survey"}, now, now, closed_at=now)
        self.changesets[cs.id] = cs
        return cs

    async def admin_add(self, body: dict[str, Any]) -> Response:
        """Another mapper adds a node: ``{"lat", "lon", "tags": {...}, "user": "alice"}``."""
        user = str(body.get("user") or "another-mapper")
        cs = self._mapper_changeset(user)
        self.next_node += 1
        node = OsmNode(self.next_node, float(body["lat"]), float(body["lon"]), dict(body.get("tags") or {}), 1, cs.id, user, self.now())
        self.nodes[node.id] = node
        self.write(node, cs, user)
        return json_response(self.node_json(node), 201)

    async def admin_edit(self, node_id: int, body: dict[str, Any]) -> Response:
        """Another mapper sets ``{"key": "phone", "value": "..."}`` (null deletes the tag): a new version."""
        node = self._admin_node(node_id)
        if not body.get("key"):
            return json_response({"detail": "key is required"}, 400)
        user = str(body.get("user") or "another-mapper")
        if body.get("value") is None:
            node.tags.pop(str(body["key"]), None)
        else:
            node.tags[str(body["key"])] = str(body["value"])
        node.version += 1
        self.write(node, self._mapper_changeset(user), user)
        return json_response(self.node_json(node))

    async def admin_delete(self, node_id: int) -> Response:
        node = self._admin_node(node_id)
        node.visible = False
        node.version += 1
        self.write(node, self._mapper_changeset("another-mapper"), "another-mapper")
        return json_response({"id": node.id, "visible": False, "version": node.version})

    async def admin_block(self, body: dict[str, Any]) -> Response:
        """``{"token": "...", "blocked": true}``: that user's writes answer 403."""
        token = str(body.get("token", ""))
        if body.get("blocked", True):
            self.blocked.add(token)
        else:
            self.blocked.discard(token)
        return json_response({"token_blocked": token in self.blocked})

    def dump(self) -> Any:
        return [{**self.node_json(n), "visible": n.visible} for n in self.nodes.values()]
