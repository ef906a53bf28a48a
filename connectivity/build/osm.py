"""OSM readers: drivable ways from PBF / XML files via pyosmium, as network edge arrays.

The way filter reproduces osmnx's ``"drive"`` and ``"drive_service"`` network
filters (``osmnx._overpass._get_network_filter``, osmnx 2.x) with the same
unanchored regular expressions Overpass applies, so a file filtered here keeps
the same ways an osmnx download of that network type would.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS, Geod

from connectivity.build.edges import edge_kwargs
from connectivity.crs import check_metric_crs, local_metric_crs, reproject
from connectivity.errors import DataError, InputFileError, ParameterError
from connectivity.progress import bar
from connectivity.speeds import as_speed_table

__all__ = [
    "NETWORK_FILTERS",
    "OSM_SUFFIXES",
    "OsmWays",
    "check_osm_path",
    "keep_way",
    "oneway_code",
    "osm_edge_arrays",
    "read_osm_ways",
    "way_segments",
]

log = logging.getLogger(__name__)

# (tag, regex): a way is dropped when the tag is present and the regex matches
# its value anywhere (Overpass `[tag!~"regex"]` semantics).
_COMMON_EXCLUDE = "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|{service}services|steps|track"


def _network_filter(highway_service: str, service: str) -> list[tuple[str, re.Pattern[str]]]:
    """osmnx's drive filter; the two network types differ in service roads only."""
    return [
        ("area", re.compile("yes")),
        ("access", re.compile("private")),
        ("highway", re.compile(_COMMON_EXCLUDE.format(service=highway_service))),
        ("motor_vehicle", re.compile("no")),
        ("motorcar", re.compile("no")),
        ("service", re.compile(service)),
    ]


#: Way filters by ``network_type`` (osmnx 2.x ``_overpass._get_network_filter``).
NETWORK_FILTERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "drive": _network_filter(
        "service|", "alley|driveway|emergency_access|parking|parking_aisle|private"
    ),
    "drive_service": _network_filter("", "emergency_access|parking|parking_aisle|private"),
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


def _osm_path_problem(p: Path) -> str | None:
    """What is wrong with ``p`` as an OSM file, or None."""
    if not p.exists():
        return "does not exist; check the path"
    if not p.is_file():
        return "is not a file; give an .osm.pbf, .osm or .osm.bz2 file"
    if p.stat().st_size == 0:
        return "is empty; re-download or re-export it"
    if not p.name.lower().endswith(OSM_SUFFIXES):
        return f"has an unknown suffix; use one of {', '.join(OSM_SUFFIXES)}"
    return None


def check_osm_path(path: str | Path) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it names a non-empty OSM file, else :class:`InputFileError`."""
    p = Path(path)
    problem = _osm_path_problem(p)
    if problem is not None:
        msg = f"OSM file {str(p)!r} {problem}"
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
    ways_bar = bar(enabled=progress, desc="OSM ways", unit=" ways")
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
            ways_bar.update()
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
        ways_bar.close()
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


def osm_edge_arrays(
    path: str | os.PathLike[str],
    *,
    network_type: str = "drive",
    crs: Any = None,
    speeds: Any = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for an OSM file.

    See :meth:`RoadNetwork.from_osm <connectivity.RoadNetwork.from_osm>` for the
    way filter, one-way rules and lengths.
    """
    p = check_osm_path(Path(path))
    table = as_speed_table(speeds)
    out_crs = None if crs is None else check_metric_crs(crs)
    ways = read_osm_ways(p, network_type=network_type, progress=progress)
    a, b, wi = way_segments(ways)
    if a.size == 0:
        msg = (
            f"no drivable way with located nodes in {str(p)!r} ({ways.n_highway_ways} "
            f"highway ways before the {network_type!r} filter); check the file's extent "
            "and that it contains nodes as well as ways"
        )
        raise DataError(msg)
    used = np.unique(np.concatenate([a, b]))
    node_ids, first, inv = np.unique(ways.node_ref[used], return_index=True, return_inverse=True)
    pos2node = np.full(ways.node_ref.size, -1, dtype="int64")
    pos2node[used] = inv.ravel()
    lon = ways.lon[used][first]
    lat = ways.lat[used][first]
    u, v = pos2node[a], pos2node[b]
    rev = ways.oneway[wi] == -1
    u, v = np.where(rev, v, u), np.where(rev, u, v)
    if out_crs is None:
        out_crs = local_metric_crs(lon, lat)
    x, y = reproject(lon, lat, CRS.from_epsg(4326), out_crs)
    length = np.asarray(Geod(ellps="WGS84").inv(lon[u], lat[u], lon[v], lat[v])[2], "float64")
    way_speed = table.edge_speeds(ways.highway, ways.maxspeed)
    n_tagged = int(
        sum(1 for s in ways.maxspeed if s is not None and not np.isnan(table.parse_maxspeed(s)))
    )
    meta = {
        "builder": "from_osm",
        "source": str(p),
        "network_type": network_type,
        "n_highway_ways": ways.n_highway_ways,
        "n_ways": int(ways.way_id.size),
        "n_ways_with_valid_maxspeed": n_tagged,
        "n_missing_node_locations": int(np.isnan(ways.lon).sum()),
        "crs_auto": crs is None,
        "speeds": table.to_dict(),
    }
    return edge_kwargs(
        x, y, u, v, crs=out_crs, classes=ways.highway, edge_row=wi, speed_kmh=way_speed[wi],
        length_m=length, oneway=ways.oneway[wi] != 0, node_source_ids=node_ids,
        edge_source_ids=ways.way_id[wi], meta=meta,
    )  # fmt: skip
