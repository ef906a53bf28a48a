"""osmnx graphs and GeoDataFrames as network edge arrays, and downloads through osmnx.

* :func:`osmnx_edge_arrays` — an osmnx ``MultiDiGraph`` (node ``x``/``y``,
  edge ``length``, ``travel_time``, ``speed_kph``, ``highway``, ``osmid``,
  ``geometry``; ``graph["crs"]``);
* :func:`gdfs_edge_arrays` — the same as ``(nodes, edges)`` GeoDataFrames, as
  ``osmnx.graph_to_gdfs`` and :meth:`RoadNetwork.to_gdfs
  <connectivity.RoadNetwork.to_gdfs>` write them (vectorised: no graph object);
* :func:`download_graph` — ``osmnx.graph_from_place`` / ``graph_from_bbox`` /
  ``graph_from_polygon`` with the toolkit's choices (no simplification, every
  component kept for :meth:`RoadNetwork.largest_component
  <connectivity.RoadNetwork.largest_component>`, the user cache folder).

Each ``*_edge_arrays`` function returns the keyword arguments of
:meth:`RoadNetwork.from_edges <connectivity.RoadNetwork.from_edges>`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS

from connectivity.build.edges import edge_kwargs, metric_crs_for, without_lone_nodes
from connectivity.build.osm import clip_area, network_filter
from connectivity.cache import cache_root
from connectivity.crs import check_metric_crs, reproject
from connectivity.errors import CRSError, DataError, InputFileError, ParameterError
from connectivity.speeds import SpeedTable, as_speed_table

__all__ = [
    "download_graph",
    "gdfs_edge_arrays",
    "gdfs_edges",
    "osmnx_edge_arrays",
    "osmnx_edges",
    "split_edge_geometries",
]

log = logging.getLogger(__name__)

#: Edge attributes (and columns) that may hold the source id of an edge, in order.
EDGE_ID_NAMES = ("osmid", "source_id")


def _first(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return v[0] if v else None
    return v


def _int_or_missing(v: Any) -> int:
    """An id as int; -1 when missing, not a number, or negative (synthetic ids)."""
    try:
        out = int(_first(v))
    except (TypeError, ValueError):
        return -1
    return out if out >= 0 else -1


def _node_ids(keys: Sequence[Any]) -> np.ndarray | None:
    """OSM ids of nodes from their keys: None unless all are integers; negative ones -1."""
    if not all(isinstance(k, (int, np.integer)) for k in keys):
        return None
    ids = np.asarray(keys, dtype="int64")
    return np.where(ids >= 0, ids, -1)


# -- osmnx graphs -----------------------------------------------------------------
def osmnx_edges(G: Any) -> dict[str, Any]:
    """Flatten an osmnx MultiDiGraph into node and per-edge arrays (graph CRS)."""
    import shapely

    keys = list(G.nodes)
    if not keys:
        msg = "the osmnx graph has no nodes"
        raise DataError(msg)
    try:
        x = np.array([G.nodes[k]["x"] for k in keys], dtype="float64")
        y = np.array([G.nodes[k]["y"] for k in keys], dtype="float64")
    except KeyError as exc:
        msg = "every node of the osmnx graph needs 'x' and 'y' attributes"
        raise DataError(msg) from exc
    index = {k: i for i, k in enumerate(keys)}
    u, v, length, tt, kph, hw, ms, osmid, geoms = [], [], [], [], [], [], [], [], []
    nan = float("nan")
    for a, b, d in G.edges(data=True):
        u.append(index[a])
        v.append(index[b])
        length.append(float(d.get("length", nan)))
        tt.append(float(d.get("travel_time", nan)))
        kph.append(float(_first(d.get("speed_kph", nan)) or nan))
        hw.append(str(_first(d.get("highway", "road")) or "road"))
        mx = d.get("maxspeed")
        ms.append(";".join(map(str, mx)) if isinstance(mx, (list, tuple)) else mx)
        osmid.append(_int_or_missing(next((d[k] for k in EDGE_ID_NAMES if k in d), -1)))
        geoms.append(d.get("geometry"))
    if not u:
        msg = "the osmnx graph has no edges"
        raise DataError(msg)
    has_geom = np.array([g is not None for g in geoms])
    coords = np.zeros((0, 2))
    cidx = np.zeros(0, dtype="int64")
    if has_geom.any():
        garr = np.array([g for g in geoms if g is not None], dtype=object)
        coords, cidx = shapely.get_coordinates(garr, return_index=True)
        cidx = np.flatnonzero(has_geom)[cidx]
    return {
        "x": x, "y": y, "node_src": _node_ids(keys),
        "u": np.asarray(u, "int64"), "v": np.asarray(v, "int64"),
        "length": np.asarray(length, "float64"), "travel_time_s": np.asarray(tt, "float64"),
        "speed_kph": np.asarray(kph, "float64"), "highway": np.asarray(hw, dtype=object),
        "maxspeed": np.asarray(ms, dtype=object), "osmid": np.asarray(osmid, "int64"),
        "geom_xy": coords, "geom_edge": np.asarray(cidx, "int64"),
    }  # fmt: skip


def split_edge_geometries(
    n_nodes: int,
    u: np.ndarray,
    v: np.ndarray,
    geom_xy: np.ndarray,
    geom_edge: np.ndarray,
    node_xy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split polyline edges into straight segments with interior nodes.

    Returns ``(new_xy, su, sv, seg_edge, seg_len)``: coordinates of the interior
    nodes (numbered from ``n_nodes``), segment end nodes, the edge of each
    segment and its Euclidean length. Edges without geometry give one segment.
    Interior vertices at identical coordinates (the two directions of a two-way
    street) become one node.
    """
    m = u.size
    has = np.zeros(m, bool)
    has[geom_edge] = True
    # straight edges
    plain = np.flatnonzero(~has)
    su = [u[plain]]
    sv = [v[plain]]
    se = [plain]
    new_xy = np.zeros((0, 2))
    if geom_edge.size:
        starts = np.r_[0, np.flatnonzero(np.diff(geom_edge)) + 1]
        ends = np.r_[starts[1:], geom_edge.size]
        first = np.zeros(geom_edge.size, bool)
        last = np.zeros(geom_edge.size, bool)
        first[starts] = True
        last[ends - 1] = True
        interior = ~(first | last)
        vid = np.full(geom_edge.size, -1, dtype="int64")
        vid[first] = u[geom_edge[first]]
        vid[last] = v[geom_edge[last]]
        if interior.any():
            q = geom_xy[interior]
            uq, inv = np.unique(q, axis=0, return_inverse=True)
            vid[interior] = n_nodes + inv.ravel()
            new_xy = uq
        pos = np.arange(geom_edge.size - 1)
        same = geom_edge[:-1] == geom_edge[1:]
        pos = pos[same]
        su.append(vid[pos])
        sv.append(vid[pos + 1])
        se.append(geom_edge[pos])
    su_a = np.concatenate(su)
    sv_a = np.concatenate(sv)
    se_a = np.concatenate(se)
    all_xy = np.vstack([node_xy, new_xy])
    seg_len = np.hypot(*(all_xy[sv_a] - all_xy[su_a]).T)
    return new_xy, su_a, sv_a, se_a, seg_len


def _edge_speeds(e: dict[str, Any], edge_len: np.ndarray, table: SpeedTable) -> np.ndarray:
    """Speed (km/h) per graph edge: ``travel_time`` with the length, then ``speed_kph``,
    then ``maxspeed``/``highway`` through the speed table."""
    m = edge_len.size
    kmh = np.full(m, np.nan)
    tt = e["travel_time_s"]
    ok = np.isfinite(tt) & (tt > 0) & (edge_len > 0)
    kmh[ok] = edge_len[ok] / tt[ok] * 3.6
    use_kph = ~np.isfinite(kmh) & np.isfinite(e["speed_kph"]) & (e["speed_kph"] > 0)
    kmh[use_kph] = e["speed_kph"][use_kph]
    rest = ~np.isfinite(kmh)
    if rest.any():
        kmh[rest] = table.edge_speeds(e["highway"][rest], e["maxspeed"][rest])
    return kmh


def graph_edge_arrays(
    e: dict[str, Any], src: CRS, *, speeds: Any, crs: Any, meta: dict[str, Any]
) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for flattened graph arrays ``e``.

    ``e`` holds the keys of :func:`osmnx_edges` in the CRS ``src``. The result
    is in ``crs`` if given, else in ``src`` when it is metric, else in the UTM
    zone of the data (:func:`~connectivity.build.edges.metric_crs_for`).
    """
    table = as_speed_table(speeds)
    x, y, gxy = e["x"], e["y"], e["geom_xy"]
    if crs is None:
        dst, lonlat = metric_crs_for(x, y, src, f"{meta['builder']} input")
        moved = lonlat is not None
    else:
        dst = check_metric_crs(crs)
        moved = not dst.equals(src)
    if moved:
        x, y = reproject(x, y, src, dst)
        if gxy.size:
            gxy = np.column_stack(reproject(gxy[:, 0], gxy[:, 1], src, dst))
    n = x.size
    new_xy, su, sv, seg_edge, seg_len = split_edge_geometries(
        n, e["u"], e["v"], gxy, e["geom_edge"], np.column_stack([x, y])
    )
    m = e["u"].size
    geom_len = np.bincount(seg_edge, weights=seg_len, minlength=m)
    edge_len = np.where(np.isfinite(e["length"]), e["length"], geom_len)
    scale = np.divide(edge_len, geom_len, out=np.ones(m), where=geom_len > 0)
    one_segment = np.bincount(seg_edge, minlength=m) == 1  # keeps its length exactly
    seg_length = np.where(one_segment[seg_edge], edge_len[seg_edge], seg_len * scale[seg_edge])
    kmh = _edge_speeds(e, edge_len, table)
    node_src = e["node_src"]
    if node_src is not None and new_xy.shape[0]:
        node_src = np.concatenate([node_src, np.full(new_xy.shape[0], -1, "int64")])
    x, y = np.concatenate([x, new_xy[:, 0]]), np.concatenate([y, new_xy[:, 1]])
    x, y, su, sv, node_src = without_lone_nodes(x, y, su, sv, node_src)
    meta = {
        **meta, "source_crs": src.to_string(), "n_graph_nodes": int(n), "n_graph_edges": int(m),
        "n_interior_nodes": int(new_xy.shape[0]), "speeds": table.to_dict(),
    }  # fmt: skip
    return edge_kwargs(
        x, y, su, sv,
        crs=dst, classes=e["highway"], edge_row=seg_edge, speed_kmh=kmh[seg_edge],
        length_m=seg_length, oneway=True, node_source_ids=node_src,
        edge_source_ids=e["osmid"][seg_edge], meta=meta,
    )  # fmt: skip


def osmnx_edge_arrays(G: Any, speeds: Any, crs: Any = None) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for an osmnx ``MultiDiGraph``."""
    gcrs = G.graph.get("crs")
    if gcrs is None:
        msg = "the graph has no graph['crs']; set it (osmnx graphs are EPSG:4326 unless projected)"
        raise CRSError(msg)
    e = osmnx_edges(G)
    meta = {"builder": "from_osmnx", "edge_id_column": _edge_id_name(G)}
    return graph_edge_arrays(e, CRS.from_user_input(gcrs), speeds=speeds, crs=crs, meta=meta)


def _edge_id_name(G: Any) -> str:
    for _, _, d in G.edges(data=True):
        return next((k for k in EDGE_ID_NAMES if k in d), "osmid")
    return "osmid"


# -- GeoDataFrames (osmnx.graph_to_gdfs / RoadNetwork.to_gdfs) ----------------------
def _column(frame: pd.DataFrame, name: str, default: Any, dtype: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=dtype)
    col = frame[name].map(_first)
    if dtype == "float64":
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64")
    return col.where(col.notna(), default).astype(str).to_numpy(dtype=object)


def gdfs_edges(nodes: Any, edges: Any) -> tuple[dict[str, Any], str]:
    """:func:`osmnx_edges` arrays from ``(nodes, edges)`` GeoDataFrames, and the edge-id column.

    ``nodes`` are indexed (or have a column) ``osmid``; their point geometry
    gives the coordinates. ``edges`` have ``u``, ``v`` (node ids; columns or
    index levels), and optionally ``length``, ``travel_time``, ``speed_kph``,
    ``highway``, ``maxspeed``, ``osmid`` (or ``source_id``) and line geometry.
    """
    import shapely

    ids = pd.Index(nodes["osmid"] if "osmid" in nodes.columns else nodes.index)
    if not ids.is_unique:
        msg = "node ids (osmid) of the nodes layer are not unique"
        raise DataError(msg)
    frame = edges if {"u", "v"} <= set(edges.columns) else edges.reset_index()
    if not {"u", "v"} <= set(frame.columns):
        msg = "the edges layer needs u and v (node ids) as columns or index levels"
        raise DataError(msg)
    u, v = ids.get_indexer(frame["u"]), ids.get_indexer(frame["v"])
    if len(frame) == 0 or (u < 0).any() or (v < 0).any():
        msg = "the edges layer is empty or names nodes (u, v) that the nodes layer lacks"
        raise DataError(msg)
    pts = np.asarray(nodes.geometry.values)
    id_name = next((k for k in EDGE_ID_NAMES if k in frame.columns), "osmid")
    osmid = frame[id_name].map(_int_or_missing) if id_name in frame.columns else -1
    geom_xy, geom_edge = shapely.get_coordinates(
        np.asarray(frame.geometry.values), return_index=True
    )
    e = {
        "x": shapely.get_x(pts), "y": shapely.get_y(pts),
        "node_src": _node_ids(ids.tolist()), "u": u.astype("int64"), "v": v.astype("int64"),
        "length": _column(frame, "length", np.nan, "float64"),
        "travel_time_s": _column(frame, "travel_time", np.nan, "float64"),
        "speed_kph": _column(frame, "speed_kph", np.nan, "float64"),
        "highway": _column(frame, "highway", "road", "object"),
        "maxspeed": _column(frame, "maxspeed", "", "object"),
        "osmid": np.broadcast_to(np.asarray(osmid, dtype="int64"), (len(frame),)),
        "geom_xy": geom_xy, "geom_edge": np.asarray(geom_edge, "int64"),
    }  # fmt: skip
    return e, id_name


def gdfs_edge_arrays(nodes: Any, edges: Any, speeds: Any, crs: Any = None) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for ``(nodes, edges)`` GeoDataFrames."""
    if nodes.crs is None or edges.crs is None:
        msg = "the nodes and edges layers need a CRS"
        raise CRSError(msg)
    src = CRS.from_user_input(nodes.crs)
    if not src.equals(CRS.from_user_input(edges.crs)):
        edges = edges.to_crs(src)
    e, id_name = gdfs_edges(nodes, edges)
    meta = {"builder": "from_gdfs", "edge_id_column": id_name}
    return graph_edge_arrays(e, src, speeds=speeds, crs=crs, meta=meta)


# -- downloads ------------------------------------------------------------------------
@contextlib.contextmanager
def _osmnx_cache() -> Iterator[None]:
    """osmnx's HTTP cache in the toolkit's cache folder, unless the user has set one."""
    import osmnx

    if str(osmnx.settings.cache_folder) != "./cache":
        yield
        return
    osmnx.settings.cache_folder = str(cache_root() / "osmnx")
    try:
        yield
    finally:
        osmnx.settings.cache_folder = "./cache"


def download_graph(
    network_type: str,
    *,
    place: Any = None,
    bbox: Sequence[float] | None = None,
    polygon: Any = None,
    truncate_by_edge: bool = False,
) -> Any:
    """An unsimplified osmnx graph of ``network_type`` for a place, box or polygon.

    Calls ``osmnx.graph_from_place`` / ``graph_from_bbox`` / ``graph_from_polygon``
    with ``simplify=False`` (every OSM vertex a node, as :meth:`RoadNetwork.from_osm
    <connectivity.RoadNetwork.from_osm>`) and ``retain_all=True``. The Overpass
    and Nominatim servers are ``osmnx.settings.overpass_url`` and
    ``osmnx.settings.nominatim_url``; responses are cached in ``osmnx/`` of the
    toolkit's cache folder unless ``osmnx.settings.cache_folder`` was changed.
    """
    import osmnx
    import requests

    network_filter(network_type)  # checks the network type before any request
    area = None if place is not None else clip_area(bbox, polygon)
    if place is None and area is None:
        msg = "give a place, a bbox or a polygon to download"
        raise ParameterError(msg)
    kw: dict[str, Any] = {
        "network_type": network_type, "simplify": False, "retain_all": True,
        "truncate_by_edge": truncate_by_edge,
    }  # fmt: skip
    where = repr(place) if area is None else "the box" if bbox is not None else "the polygon"
    try:
        with _osmnx_cache():
            if area is None:
                return osmnx.graph_from_place(place, **kw)
            if bbox is not None:
                return osmnx.graph_from_bbox(area.bounds, **kw)
            return osmnx.graph_from_polygon(area, **kw)
    except requests.RequestException as exc:
        msg = (
            f"cannot download the {network_type!r} network of {where} from "
            f"{osmnx.settings.overpass_url}: {exc}; check the connection, or point "
            "osmnx.settings.overpass_url / nominatim_url at a mirror"
        )
        raise InputFileError(msg) from exc
    except (ValueError, TypeError) as exc:  # osmnx: no data, geocoding failed, empty graph
        msg = f"no {network_type!r} network for {where} through osmnx: {exc}"
        raise DataError(msg) from exc
