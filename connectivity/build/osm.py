"""OSM readers: the ways of an osmnx network type from PBF / XML files via pyosmium, as edge arrays.

The way filter is osmnx's own (``osmnx._overpass._get_network_filter``,
osmnx 2.x), parsed from its Overpass query and applied with the same
unanchored regular expressions Overpass applies, so a file filtered here keeps
the same ways an osmnx download of that network type would. Ways may be
clipped to a bounding box or polygon while the file is read.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from connectivity.build.edges import edge_kwargs
from connectivity.crs import check_metric_crs, local_metric_crs, reproject
from connectivity.errors import DataError, InputFileError, ParameterError
from connectivity.progress import bar
from connectivity.speeds import as_speed_table, network_speeds

__all__ = [
    "NETWORK_TYPES",
    "OSM_SUFFIXES",
    "OsmWays",
    "check_osm_path",
    "clip_area",
    "is_bidirectional",
    "keep_way",
    "network_filter",
    "oneway_code",
    "osm_edge_arrays",
    "read_osm_ways",
    "way_segments",
]

log = logging.getLogger(__name__)

#: The ``network_type`` values of osmnx 2.x (``osmnx._overpass._get_network_filter``).
NETWORK_TYPES = ("all", "all_public", "bike", "drive", "drive_service", "walk")

# One clause of an Overpass way filter: ["key"] or ["key"!~"regex"].
_CLAUSE = re.compile(r'\["([^"]+)"(?:(!~)"([^"]*)")?\]')

Rules = list[tuple[str, re.Pattern[str]]]


def _check_network_type(network_type: str) -> None:
    if network_type not in NETWORK_TYPES:
        msg = f"network_type={network_type!r} is not supported; use one of {list(NETWORK_TYPES)}"
        raise ParameterError(msg)


def network_filter(network_type: str) -> Rules:
    """osmnx's way filter of ``network_type`` as ``(tag, regex)`` exclusion rules.

    A way with a ``highway`` tag is dropped when one of the tags is present
    and its regex matches the value anywhere (Overpass ``[tag!~"regex"]``).
    The rules are parsed from the query osmnx itself sends to Overpass (so
    they follow the installed osmnx, including ``osmnx.settings.default_access``);
    a clause this parser does not know raises :class:`ParameterError` rather
    than being skipped.
    """
    _check_network_type(network_type)
    from osmnx._overpass import _get_network_filter

    text = _get_network_filter(network_type)
    rules: Rules = []
    pos = 0
    for m in _CLAUSE.finditer(text):
        if m.start() != pos:
            break
        pos = m.end()
        key, op, regex = m.groups()
        if op:
            rules.append((key, re.compile(regex)))
        elif key != "highway":
            break
    if pos != len(text) or not text.startswith('["highway"]'):
        msg = f"cannot read osmnx's {network_type!r} filter {text!r}; please report this"
        raise ParameterError(msg)
    return rules


def is_bidirectional(network_type: str) -> bool:
    """Whether osmnx makes every way two-way in ``network_type`` (``"walk"``).

    Read from ``osmnx.settings.bidirectional_network_types``.
    """
    import osmnx

    return network_type in osmnx.settings.bidirectional_network_types


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


_OPL_FORMAT = "opl,add_metadata=false,locations_on_ways=true"
_OPL_CHUNK = 64 << 20  # bytes of OPL text parsed at a time
_OPL_ESCAPE = re.compile(r"%([0-9a-fA-F]+)%")
_OPL_SEPARATORS = bytes.maketrans(b"nxy,", b"    ")


def _opl_tags(text: bytes) -> dict[str, str]:
    """The tags of one OPL ``T`` field (without the ``T``), %-escapes decoded."""
    out: dict[str, str] = {}
    if not text:
        return out
    for pair in text.decode("utf-8").split(","):
        key, _, val = pair.partition("=")
        unescape = lambda m: chr(int(m.group(1), 16))  # noqa: E731
        out[_OPL_ESCAPE.sub(unescape, key)] = _OPL_ESCAPE.sub(unescape, val)
    return out


class _OplWays:
    """Highway ways parsed in bulk from OPL text (``w<id> T<tags> N<n<ref>x<lon>y<lat>,...>``).

    Per way only its id, its tag text and its vertex count are touched in
    Python; the vertices of a whole chunk are parsed by one
    :func:`numpy.fromstring` call. Identical tag texts are read once.
    """

    def __init__(self) -> None:
        self.way_id: list[np.ndarray] = []
        self.tag_text: list[bytes] = []
        self.counts: list[np.ndarray] = []
        self.vertices: list[np.ndarray] = []  # (n, 3): ref, lon, lat

    def add_chunk(self, chunk: bytes) -> None:
        """Parse complete OPL lines (``chunk`` ends with a newline)."""
        buf = np.frombuffer(chunk, dtype=np.uint8)
        ends = np.flatnonzero(buf == ord("\n"))
        starts = np.concatenate([[0], ends[:-1] + 1])
        spaces = np.flatnonzero(buf == ord(" "))  # OPL escapes spaces inside its fields
        if spaces.size != 2 * ends.size:
            msg = "libosmium wrote OPL lines of an unexpected form; please report this"
            raise DataError(msg)
        tags_at, nodes_at = spaces[0::2] + 2, spaces[1::2] + 2  # after " T" and " N"
        self.way_id.append(np.fromstring(_only(buf, starts + 1, spaces[0::2]), "int64", sep=" "))
        self.tag_text.extend(
            chunk[a:b] for a, b in zip(tags_at.tolist(), spaces[1::2].tolist(), strict=True)
        )
        commas = np.flatnonzero(buf == ord(","))
        n_commas = np.searchsorted(commas, ends) - np.searchsorted(commas, nodes_at)
        self.counts.append(np.where(ends > nodes_at, n_commas + 1, 0))
        text = _only(buf, nodes_at, ends).replace(b"xy", b"xNaNyNaN")  # xy: no location
        self.vertices.append(np.fromstring(text.translate(_OPL_SEPARATORS), sep=" ").reshape(-1, 3))

    def arrays(self, rules: Rules, bounds: Sequence[float] | None) -> OsmWays:
        """The ways passing ``rules`` (and touching ``bounds``) as :class:`OsmWays`."""
        way_id = np.concatenate([np.zeros(0, "int64"), *self.way_id])
        counts = np.concatenate([np.zeros(0, "int64"), *self.counts])
        vert = np.concatenate([np.zeros((0, 3)), *self.vertices])
        codes, uniq = _factorize(self.tag_text)
        keep_u, highway_u, maxspeed_u, oneway_u = _tag_columns(uniq, rules)
        way_of_vertex = np.repeat(np.arange(way_id.size), counts)
        keep = keep_u[codes]
        if bounds is not None:
            west, south, east, north = (float(b) for b in bounds)
            lon, lat = vert[:, 1], vert[:, 2]
            inside = (west <= lon) & (lon <= east) & (south <= lat) & (lat <= north)
            keep &= np.bincount(way_of_vertex, weights=inside, minlength=way_id.size) > 0
        vert = vert[keep[way_of_vertex]]
        counts = counts[keep]
        offsets = np.zeros(counts.size + 1, dtype="int64")
        np.cumsum(counts, out=offsets[1:])
        kept = codes[keep]
        return OsmWays(
            way_id=way_id[keep], highway=highway_u[kept], maxspeed=maxspeed_u[kept],
            oneway=oneway_u[kept], offsets=offsets, node_ref=vert[:, 0].astype("int64"),
            lon=vert[:, 1].copy(), lat=vert[:, 2].copy(), n_highway_ways=int(way_id.size),
        )  # fmt: skip


def _only(buf: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bytes:
    """``buf`` as bytes with every byte outside the ranges ``[lo[i], hi[i])`` made a space."""
    mark = np.zeros(buf.size + 1, dtype=np.int8)
    mark[lo] += 1
    mark[hi] -= 1
    inside = np.cumsum(mark[:-1], dtype=np.int8).astype(bool)
    return np.where(inside, buf, np.uint8(ord(" "))).astype(np.uint8).tobytes()


def _factorize(texts: list[bytes]) -> tuple[np.ndarray, list[bytes]]:
    """Codes of ``texts`` into their unique values (first-seen order)."""
    values = np.empty(len(texts), dtype=object)
    values[:] = texts
    codes, uniq = pd.factorize(values, sort=False)
    return codes.astype("int64"), list(uniq)


def _tag_columns(
    uniq: list[bytes], rules: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct tag text: kept by the filter, highway, maxspeed, one-way code."""
    keep = np.zeros(len(uniq), dtype=bool)
    highway = np.empty(len(uniq), dtype="object")
    maxspeed = np.empty(len(uniq), dtype="object")
    oneway = np.zeros(len(uniq), dtype="int8")
    for i, text in enumerate(uniq):
        tags = _opl_tags(text)
        keep[i] = keep_way(tags, rules)
        highway[i] = str(tags.get("highway"))
        maxspeed[i] = tags.get("maxspeed")
        oneway[i] = oneway_code(tags)
    return keep, highway, maxspeed, oneway


def _write_highway_opl(path: Path, opl: Path) -> None:
    """Write the ways with a ``highway`` tag of ``path``, with node locations, as OPL.

    Everything runs in libosmium: the node location index (``flex_mem``) is
    filled as the nodes stream past, and the ways passing the filters are
    written with their locations; a node missing from the file leaves an
    empty location.
    """
    import osmium

    handler = osmium.NodeLocationsForWays(osmium.index.create_map("flex_mem"))
    handler.ignore_errors()  # a node missing from a clipped extract: no location
    writer = osmium.SimpleWriter(osmium.io.File(str(opl), _OPL_FORMAT), overwrite=True)
    try:
        osmium.apply(
            str(path), handler, osmium.filter.EntityFilter(osmium.osm.WAY),
            osmium.filter.KeyFilter("highway"), writer,
        )  # fmt: skip
    finally:
        writer.close()


def _read_opl(opl: Path, ways: _OplWays, progress: bool) -> None:
    """Feed the OPL file to ``ways`` in chunks of whole lines."""
    size = opl.stat().st_size
    with opl.open("rb") as f, bar(total=size, enabled=progress, desc="OSM ways", unit="B") as pbar:
        rest = b""
        while block := f.read(_OPL_CHUNK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                ways.add_chunk(block[:cut])
            pbar.update(len(block) - len(rest))
        if rest:
            ways.add_chunk(rest + b"\n")


def read_osm_ways(
    path: Path,
    *,
    network_type: str = "drive",
    bounds: Sequence[float] | None = None,
    progress: bool = False,
) -> OsmWays:
    """Read the ways of an osmnx network type from an OSM file, with their node locations.

    libosmium reads the file, fills its in-memory node location index
    (``flex_mem``) and writes the ways with a ``highway`` tag, with their
    node locations, to a temporary OPL file, which is parsed in bulk; the
    network filter is applied once per distinct tag set. Vertices whose node
    is missing from the file (clipped extracts) get NaN coordinates; the
    network builder cuts the way there. With ``bounds=(west, south, east,
    north)`` (degrees) a way none of whose vertices lies in the box is dropped.
    """
    rules = network_filter(network_type)
    ways = _OplWays()
    with tempfile.TemporaryDirectory(prefix="connectivity-osm-") as tmp:
        opl = Path(tmp) / "highways.opl"
        try:
            _write_highway_opl(path, opl)
        except RuntimeError as exc:  # libosmium parse/format errors
            msg = f"cannot read OSM file {str(path)!r}: {exc}; check that it is a complete .osm.pbf or OSM XML file"
            raise InputFileError(msg) from exc
        _read_opl(opl, ways, progress)
    return ways.arrays(rules, bounds)


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


def clip_area(bbox: Sequence[float] | None = None, polygon: Any = None) -> shapely.Geometry | None:
    """The area a network is clipped to, in longitude/latitude (EPSG:4326), or None.

    Parameters
    ----------
    bbox : (west, south, east, north), optional
        Degrees.
    polygon : shapely Polygon or MultiPolygon, or GeoDataFrame / GeoSeries, optional
        A shapely geometry is taken as longitude/latitude; a GeoDataFrame or
        GeoSeries is reprojected to EPSG:4326 and its geometries united.
    """
    if bbox is not None and polygon is not None:
        msg = "give bbox= or polygon=, not both"
        raise ParameterError(msg)
    if bbox is not None:
        w, s, e, n = _checked_bbox(bbox)
        return shapely.box(w, s, e, n)
    if polygon is None:
        return None
    if hasattr(polygon, "to_crs"):
        if polygon.crs is None:
            msg = "the clip polygon layer has no CRS; set it first, e.g. gdf.set_crs('EPSG:4326')"
            raise ParameterError(msg)
        polygon = shapely.union_all(np.asarray(polygon.to_crs(4326).geometry.values))
    if not isinstance(polygon, (shapely.Polygon, shapely.MultiPolygon)) or polygon.is_empty:
        msg = f"polygon must be a non-empty Polygon or MultiPolygon, got {type(polygon).__name__}"
        raise ParameterError(msg)
    w, s, e, n = polygon.bounds
    if not (-180 <= w and e <= 180 and -90 <= s and n <= 90):
        msg = "the clip polygon must be in longitude/latitude degrees (EPSG:4326)"
        raise ParameterError(msg)
    return polygon


def _checked_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in bbox)
    except (TypeError, ValueError):
        msg = f"bbox {bbox!r} must be four numbers: west, south, east, north (degrees)"
        raise ParameterError(msg) from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        msg = (
            f"bbox {tuple(bbox)!r} must be west, south, east, north in degrees "
            "with west < east and south < north"
        )
        raise ParameterError(msg)
    return w, s, e, n


def _clip_vertices(ways: OsmWays, area: shapely.Geometry) -> int:
    """Mark vertices outside ``area`` as missing (NaN), so segments leaving it are cut.

    As osmnx's ``truncate_by_edge=False``: a segment is kept only when both its
    nodes are inside (or on the boundary of) the area. Returns the number of
    vertices cut.
    """
    shapely.prepare(area)
    outside = np.isfinite(ways.lon) & ~shapely.intersects_xy(area, ways.lon, ways.lat)
    ways.lon[outside] = np.nan
    ways.lat[outside] = np.nan
    return int(outside.sum())


def _segment_nodes(
    ways: OsmWays, a: np.ndarray, b: np.ndarray, wi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The network nodes of the segments ``a -> b`` (vertex positions) of ways ``wi``.

    Returns ``(node_ids, lon, lat, u, v)``: the OSM ids of the nodes used (sorted),
    their coordinates, and each segment's end nodes in travel direction
    (reversed for ``oneway=-1`` ways).
    """
    is_used = np.zeros(ways.node_ref.size, dtype=bool)
    is_used[a] = True
    is_used[b] = True
    used = np.flatnonzero(is_used)
    # np.unique(refs, return_index=True, return_inverse=True), by one stable sort
    refs = ways.node_ref[used]
    order = np.argsort(refs, kind="stable")
    new_id = np.ones(refs.size, dtype=bool)
    new_id[1:] = refs[order][1:] != refs[order][:-1]
    node_ids, first = refs[order][new_id], order[new_id]  # first: the first occurrence
    pos2node = np.full(ways.node_ref.size, -1, dtype="int64")
    pos2node[used[order]] = np.cumsum(new_id) - 1
    u, v = pos2node[a], pos2node[b]
    rev = ways.oneway[wi] == -1
    u, v = np.where(rev, v, u), np.where(rev, u, v)
    return node_ids, ways.lon[used][first], ways.lat[used][first], u, v


def osm_edge_arrays(
    path: str | os.PathLike[str],
    *,
    network_type: str = "drive",
    crs: Any = None,
    speeds: Any = None,
    bbox: Sequence[float] | None = None,
    polygon: Any = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for an OSM file.

    See :meth:`RoadNetwork.from_osm <connectivity.RoadNetwork.from_osm>` for the
    way filter, one-way rules, clipping and lengths.
    """
    p = check_osm_path(Path(path))
    table = as_speed_table(speeds, network_speeds(network_type))
    out_crs = None if crs is None else check_metric_crs(crs)
    area = clip_area(bbox, polygon)
    ways = read_osm_ways(
        p, network_type=network_type, bounds=None if area is None else area.bounds,
        progress=progress,
    )  # fmt: skip
    n_missing = int(np.isnan(ways.lon).sum())
    n_cut = 0 if area is None else _clip_vertices(ways, area)
    if is_bidirectional(network_type):
        ways.oneway[:] = 0
    a, b, wi = way_segments(ways)
    if a.size == 0:
        where = "" if area is None else " inside the clip area"
        msg = (
            f"no {network_type!r} way with located nodes{where} in {str(p)!r} "
            f"({ways.n_highway_ways} highway ways before the filter); check the file's "
            "extent and that it contains nodes as well as ways"
        )
        raise DataError(msg)
    node_ids, lon, lat, u, v = _segment_nodes(ways, a, b, wi)
    if out_crs is None:
        out_crs = local_metric_crs(lon, lat)
    x, y = reproject(lon, lat, CRS.from_epsg(4326), out_crs)
    length = np.asarray(Geod(ellps="WGS84").inv(lon[u], lat[u], lon[v], lat[v])[2], "float64")
    way_speed = table.edge_speeds(ways.highway, ways.maxspeed)
    tagged = collections.Counter(s for s in ways.maxspeed if s is not None)  # parse each once
    n_tagged = sum(n for s, n in tagged.items() if not np.isnan(table.parse_maxspeed(s)))
    meta = {
        "builder": "from_osm",
        "source": str(p),
        "network_type": network_type,
        "n_highway_ways": ways.n_highway_ways,
        "n_ways": int(ways.way_id.size),
        "n_ways_with_valid_maxspeed": n_tagged,
        "n_missing_node_locations": n_missing,
        "clip_wkt": None if area is None else area.wkt,
        "n_vertices_outside_clip": n_cut,
        "crs_auto": crs is None,
        "speeds": table.to_dict(),
    }
    return edge_kwargs(
        x, y, u, v, crs=out_crs, classes=ways.highway, edge_row=wi, speed_kmh=way_speed[wi],
        length_m=length, oneway=ways.oneway[wi] != 0, node_source_ids=node_ids,
        edge_source_ids=ways.way_id[wi], meta=meta,
    )  # fmt: skip
