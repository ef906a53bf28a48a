"""Local HTTP servers for download tests (127.0.0.1 only): files, and Overpass/Nominatim for osmnx.

:class:`LocalHTTPServer` serves any request handler on a free port.
:class:`OsmServer` answers

* ``GET  /api/status`` like the Overpass status endpoint (slots available);
* ``POST /api/interpreter`` with the ways of the recorded response
  ``tests/data/almaty_overpass.json`` that pass the query's way filter
  (``["key"!~"regex"]`` clauses) and have a node inside its ``poly:``, plus
  their nodes — what Overpass answers to osmnx's network query;
* ``GET  /nominatim/search`` with one place whose boundary is :data:`PLACE_POLYGON`.

The fixture :func:`osm_servers` points ``osmnx.settings`` at it (and a
temporary cache folder), and puts everything back afterwards;
:func:`recorded_osm_file` writes the recorded data as an OSM XML file.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely

RECORDED = Path(__file__).resolve().parent / "data" / "almaty_overpass.json"
#: A box well inside the recorded area (osmnx downloads 500 m around it).
QUERY_BOX = (76.938, 43.236, 76.952, 43.249)
#: The boundary Nominatim returns for every place query: a quadrilateral in the box.
PLACE_POLYGON = shapely.Polygon(
    [(76.939, 43.237), (76.951, 43.2375), (76.9505, 43.248), (76.9395, 43.2475)]
)
PLACE_NAME = "Test district, Almaty, Kazakhstan"

_RULE = re.compile(r'\["([^"]+)"!~"([^"]+)"\]')
_POLY = re.compile(r"poly:'([^']+)'")
_STATUS = (
    "Connected as: 1\nCurrent time: 2024-01-01T00:00:00Z\nAnnounced endpoint: none\n"
    "Rate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, "
    "time limit, start time):\n"
)


def recorded_elements() -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Nodes by id and ways of the recorded response."""
    data = json.loads(RECORDED.read_text(encoding="utf-8"))
    nodes = {e["id"]: e for e in data["elements"] if e["type"] == "node"}
    ways = [e for e in data["elements"] if e["type"] == "way"]
    return nodes, ways


def answer_overpass(query: str) -> dict[str, Any]:
    """The recorded elements that an Overpass server would return for ``query``."""
    nodes, ways = recorded_elements()
    rules = [(k, re.compile(rx)) for k, rx in _RULE.findall(query)]
    area = shapely.union_all([_poly(p) for p in _POLY.findall(query)])
    kept = []
    for way in ways:
        tags = way.get("tags", {})
        if "highway" not in tags or any(k in tags and rx.search(tags[k]) for k, rx in rules):
            continue
        pts = [nodes[r] for r in way["nodes"] if r in nodes]
        if any(area.intersects(shapely.Point(p["lon"], p["lat"])) for p in pts):
            kept.append(way)
    used = sorted({r for w in kept for r in w["nodes"] if r in nodes})
    return {"version": 0.6, "generator": "tests/_osm_servers.py",
            "elements": [nodes[r] for r in used] + kept}  # fmt: skip


def _poly(text: str) -> shapely.Polygon:
    """An Overpass ``poly:'lat lon lat lon ...'`` string as a shapely polygon (lon, lat)."""
    v = [float(t) for t in text.split()]
    return shapely.Polygon(list(zip(v[1::2], v[0::2], strict=True)))


def nominatim_place() -> list[dict[str, Any]]:
    """A Nominatim search result with :data:`PLACE_POLYGON` as its boundary."""
    w, s, e, n = PLACE_POLYGON.bounds
    c = PLACE_POLYGON.centroid
    return [{
        "place_id": 1, "licence": "Data © OpenStreetMap contributors, ODbL 1.0",
        "osm_type": "relation", "osm_id": 1, "lat": f"{c.y}", "lon": f"{c.x}",
        "class": "boundary", "type": "administrative", "place_rank": 20, "importance": 0.5,
        "addresstype": "city_district", "name": "Test district", "display_name": PLACE_NAME,
        "boundingbox": [f"{s}", f"{n}", f"{w}", f"{e}"],
        "geojson": shapely.geometry.mapping(PLACE_POLYGON),
    }]  # fmt: skip


class LocalHTTPServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) in a daemon thread; ``url`` is its root."""

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class OsmServer(LocalHTTPServer):
    """The Overpass and Nominatim servers; ``queries`` and ``searches`` record what osmnx asked."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.searches: list[dict[str, list[str]]] = []
        self.status_hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, body: str, content_type: str = "application/json") -> None:
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/api/status":
                    outer.status_hits += 1
                    self._send(_STATUS, "text/plain")
                elif url.path == "/nominatim/search":
                    outer.searches.append(urllib.parse.parse_qs(url.query))
                    self._send(json.dumps(nominatim_place()))
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(size).decode("utf-8"))
                query = form["data"][0]
                outer.queries.append(query)
                self._send(json.dumps(answer_overpass(query)))

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)


@pytest.fixture
def osm_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OsmServer]:
    """:class:`OsmServer` with ``osmnx.settings`` pointed at it; restored afterwards."""
    import osmnx

    server = OsmServer()
    # osmnx pins host names to addresses by replacing socket.getaddrinfo: restore it
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(osmnx.settings, "overpass_url", f"{server.url}/api")
    monkeypatch.setattr(osmnx.settings, "nominatim_url", f"{server.url}/nominatim")
    monkeypatch.setattr(osmnx.settings, "cache_folder", str(tmp_path / "osmnx-cache"))
    monkeypatch.setattr(osmnx.settings, "doh_url_template", None)
    monkeypatch.setattr(osmnx.settings, "requests_timeout", 30)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def recorded_osm_file(tmp_path: Path) -> Path:
    """The recorded response as an OSM XML file, the reference for the downloads."""
    return recorded_osm_xml(tmp_path / "almaty.osm")


def recorded_osm_xml(path: Path) -> Path:
    """The recorded response as an OSM XML file (for ``RoadNetwork.from_osm``)."""
    from xml.sax.saxutils import quoteattr

    nodes, ways = recorded_elements()
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for n in nodes.values():
        lines.append(f'  <node id="{n["id"]}" version="1" lat="{n["lat"]}" lon="{n["lon"]}"/>')
    for w in ways:
        lines.append(f'  <way id="{w["id"]}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in w["nodes"]]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in w["tags"].items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
