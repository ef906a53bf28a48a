"""Cut the recorded Overpass response ``almaty_overpass.json`` from the shared Almaty OSM extract.

Run from the project root (it reads ``../shared/data/kazakhstan/almaty_2013_drive.osm``,
or ``$FUA_SHARED_DATA/kazakhstan/...``)::

    python tests/data/cut_almaty_overpass.py

The response holds every way with a ``highway`` tag that has at least one node
inside :data:`BOX` (central Almaty), with all the nodes of those ways, in the
JSON format of the Overpass API (``[out:json]``): what Overpass returns for
``(way["highway"](poly:...);>;);out;``. tests/test_osmnx_download.py serves it
from a local Overpass-like server. OSM data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

#: (west, south, east, north), degrees.
BOX = (76.93, 43.23, 76.96, 43.255)
HERE = Path(__file__).resolve().parent


def _source() -> Path:
    shared = os.environ.get("FUA_SHARED_DATA")
    root = Path(shared) if shared else HERE.parents[1].parent / "shared" / "data"
    return root / "kazakhstan" / "almaty_2013_drive.osm"


def cut(source: Path, box: tuple[float, float, float, float] = BOX) -> dict[str, object]:
    """The Overpass JSON response for the highway ways of ``source`` touching ``box``."""
    root = ET.parse(source).getroot()
    nodes = {
        int(n.get("id", "0")): (float(n.get("lat", "nan")), float(n.get("lon", "nan")))
        for n in root.iter("node")
    }
    w, s, e, n = box
    ways = []
    for way in root.iter("way"):
        refs = [int(nd.get("ref", "0")) for nd in way.iter("nd")]
        tags = {t.get("k", ""): t.get("v", "") for t in way.iter("tag")}
        inside = any(r in nodes and w <= nodes[r][1] <= e and s <= nodes[r][0] <= n for r in refs)
        if "highway" in tags and inside:
            ways.append({"type": "way", "id": int(way.get("id", "0")), "nodes": refs, "tags": tags})
    used = sorted({r for way in ways for r in way["nodes"] if r in nodes})  # type: ignore[attr-defined]
    elements: list[dict[str, object]] = [
        {"type": "node", "id": r, "lat": nodes[r][0], "lon": nodes[r][1]} for r in used
    ]
    return {
        "version": 0.6,
        "generator": "cut_almaty_overpass.py from almaty_2013_drive.osm",
        "osm3s": {"copyright": "The data is from www.openstreetmap.org, under ODbL."},
        "elements": elements + ways,
    }


if __name__ == "__main__":
    out = HERE / "almaty_overpass.json"
    out.write_text(json.dumps(cut(_source()), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}")
