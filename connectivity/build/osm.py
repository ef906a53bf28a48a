"""Private OSM readers: drivable ways from PBF / XML files via pyosmium.

The way filter reproduces osmnx's ``"drive"`` and ``"drive_service"`` network
filters (``osmnx._overpass._get_network_filter``, osmnx 2.x) with the same
unanchored regular expressions Overpass applies, so a file filtered here keeps
the same ways an osmnx download of that network type would.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from connectivity.errors import InputFileError, ParameterError

__all__: list[str] = []

log = logging.getLogger(__name__)

# (tag, regex): a way is dropped when the tag is present and the regex matches
# its value anywhere (Overpass `[tag!~"regex"]` semantics).
_COMMON_EXCLUDE = "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|{service}services|steps|track"
NETWORK_FILTERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "drive": [
        ("area", re.compile("yes")),
        ("access", re.compile("private")),
        ("highway", re.compile(_COMMON_EXCLUDE.format(service="service|"))),
        ("motor_vehicle", re.compile("no")),
        ("motorcar", re.compile("no")),
        ("service", re.compile("alley|driveway|emergency_access|parking|parking_aisle|private")),
    ],
    "drive_service": [
        ("area", re.compile("yes")),
        ("access", re.compile("private")),
        ("highway", re.compile(_COMMON_EXCLUDE.format(service=""))),
        ("motor_vehicle", re.compile("no")),
        ("motorcar", re.compile("no")),
        ("service", re.compile("emergency_access|parking|parking_aisle|private")),
    ],
}

_FORWARD = {"yes", "true", "1", "reversible", "alternating"}
_BACKWARD = {"-1", "reverse"}
_IMPLIED_ONEWAY = {"motorway", "motorway_link"}

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.xml")


def keep_way(tags: Any, rules: list[tuple[str, re.Pattern[str]]]) -> bool:
    """Whether a way with ``highway=*`` passes the network filter."""
    for key, rx in rules:
        val = tags.get(key)
        if val is not None and rx.search(val):
            return False
    return True


def oneway_code(tags: Any) -> int:
    """0 two-way, 1 one-way in node order, -1 one-way against node order.

    ``oneway=yes/true/1`` forward; ``-1/reverse`` backward; ``reversible`` and
    ``alternating`` (direction changes with time) forward only, so the graph
    never offers both directions at once; ``junction=roundabout/circular``
    forward (as osmnx); ``highway=motorway/motorway_link`` forward unless
    ``oneway=no`` (OSM wiki: implied oneway).
    """
    ow = (tags.get("oneway") or "").strip().lower()
    if ow in _BACKWARD:
        return -1
    if ow in _FORWARD:
        return 1
    if tags.get("junction") in ("roundabout", "circular"):
        return 1
    if ow != "no" and tags.get("highway") in _IMPLIED_ONEWAY:
        return 1
    return 0


@dataclass
class OsmWays:
    """Flat arrays of the kept ways and their vertices."""

    way_id: np.ndarray  # int64 per way
    highway: np.ndarray  # object (str) per way
    maxspeed: np.ndarray  # object (str or None) per way
    oneway: np.ndarray  # int8 per way
    offsets: np.ndarray  # int64, vertices of way i are offsets[i]:offsets[i+1]
    node_ref: np.ndarray  # int64 per vertex (OSM node id)
    lon: np.ndarray  # float64 per vertex, NaN where the node is missing
    lat: np.ndarray
    n_highway_ways: int  # ways with a highway tag before filtering


def check_osm_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        msg = f"OSM file {str(p)!r} does not exist; check the path"
        raise InputFileError(msg)
    if not p.is_file():
        msg = f"{str(p)!r} is not a file; give an .osm.pbf, .osm or .osm.bz2 file"
        raise InputFileError(msg)
    if p.stat().st_size == 0:
        msg = f"OSM file {str(p)!r} is empty; re-download or re-export it"
        raise InputFileError(msg)
    if not p.name.lower().endswith(OSM_SUFFIXES):
        msg = f"OSM file {str(p)!r} has an unknown suffix; use one of {', '.join(OSM_SUFFIXES)}"
        raise InputFileError(msg)
    return p


def read_osm_ways(path: Path, *, network_type: str = "drive", progress: bool = False) -> OsmWays:
    """Read the drivable ways of an OSM file with their node locations.

    Node locations come from pyosmium's in-memory location index (``flex_mem``),
    filled while the nodes stream past; only ways with a ``highway`` tag reach
    Python. Vertices whose node is missing from the file (clipped extracts)
    get NaN coordinates; the network builder cuts the way there.
    """
    import osmium

    if network_type not in NETWORK_FILTERS:
        msg = (
            f"network_type={network_type!r} is not supported; use one of {sorted(NETWORK_FILTERS)}"
        )
        raise ParameterError(msg)
    rules = NETWORK_FILTERS[network_type]
    way_id: list[int] = []
    highway: list[str] = []
    maxspeed: list[str | None] = []
    oneway: list[int] = []
    counts: list[int] = []
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    n_highway = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="OSM ways", unit=" ways")
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        nan = float("nan")
        for obj in fp:
            w: Any = obj  # only ways pass the EntityFilter
            n_highway += 1
            if bar is not None:
                bar.update()
            tags = w.tags
            if not keep_way(tags, rules):
                continue
            k = 0
            for nd in w.nodes:
                loc = nd.location
                refs.append(nd.ref)
                if loc.valid():
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                else:
                    lons.append(nan)
                    lats.append(nan)
                k += 1
            way_id.append(w.id)
            highway.append(str(tags.get("highway")))
            maxspeed.append(tags.get("maxspeed"))
            oneway.append(oneway_code(tags))
            counts.append(k)
    except RuntimeError as exc:  # libosmium parse/format errors
        msg = f"cannot read OSM file {str(path)!r}: {exc}; check that it is a complete .osm.pbf or OSM XML file"
        raise InputFileError(msg) from exc
    finally:
        if bar is not None:
            bar.close()
    offsets = np.zeros(len(counts) + 1, dtype="int64")
    np.cumsum(np.asarray(counts, dtype="int64"), out=offsets[1:])
    return OsmWays(
        way_id=np.asarray(way_id, dtype="int64"),
        highway=np.asarray(highway, dtype="object"),
        maxspeed=np.asarray(maxspeed, dtype="object"),
        oneway=np.asarray(oneway, dtype="int8"),
        offsets=offsets,
        node_ref=np.asarray(refs, dtype="int64"),
        lon=np.asarray(lons, dtype="float64"),
        lat=np.asarray(lats, dtype="float64"),
        n_highway_ways=n_highway,
    )


def way_segments(ways: OsmWays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive vertex pairs inside each way whose two nodes both have a location.

    Returns ``(a, b, way_index)``: vertex positions of each segment's two ends
    (in way order) and the index of its way.
    """
    nv = ways.node_ref.size
    if nv < 2:
        empty = np.zeros(0, dtype="int64")
        return empty, empty, empty
    a = np.arange(nv - 1, dtype="int64")
    way_of_vertex = np.repeat(np.arange(ways.way_id.size), np.diff(ways.offsets))
    same_way = way_of_vertex[:-1] == way_of_vertex[1:]
    valid = np.isfinite(ways.lon)
    ok = same_way & valid[:-1] & valid[1:]
    a = a[ok]
    return a, a + 1, way_of_vertex[a]
