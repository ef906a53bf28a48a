"""Isochrones: the area reachable from a source within T minutes, as polygons.

The polygon of a threshold T is the set of road pieces reachable within T
(whole edges, plus the reachable part of edges cut at T), buffered by a small
distance and unioned, with small enclosed holes (street blocks) filled.

Why not a concave or convex hull of reached nodes? A hull fills in what is
*between* the reached roads (a lake, a mountain ridge, a motorway corridor's
hinterland) and depends on an arbitrary ratio parameter; the buffered network
shows where the road network actually takes you and never claims land far
from any reached road, which is what an accessibility map should say.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet, PlaceOptions, Places, origin_set
from connectivity.progress import bar
from connectivity.routing import checked_thresholds, node_times_from_points
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario
from connectivity.snapping import PolygonPoint, Snapped

__all__ = ["isochrones", "reached_lines"]

log = logging.getLogger(__name__)


def reached_lines(
    net: RoadNetwork,
    node_time: np.ndarray,
    threshold_min: float,
    *,
    reverse: bool = False,
) -> np.ndarray:
    """Road pieces reachable within ``threshold_min``, as shapely LineStrings.

    Parameters
    ----------
    net : RoadNetwork
    node_time : numpy.ndarray
        Time (min) from the source to every node (``reverse``: from every
        node to the source); ``inf`` if unreachable.
    threshold_min : float
    reverse : bool
        Interpret ``node_time`` as times *to* the source.

    Notes
    -----
    On a directed edge u -> v with time t_uv reached at T(u) < T, the
    reachable part is the fraction ``min(1, (T - T(u)) / t_uv)`` from u
    (``reverse``: the part ``min(1, (T - T(v)) / t_uv)`` before v). A fully
    reachable edge is kept once, not once per direction.
    """
    tails = net.edge_tails()
    heads = net.indices.astype("int64")
    near, far = (heads, tails) if reverse else (tails, heads)
    tn = node_time[near]
    live = tn < threshold_min
    near, far, tn, te = near[live], far[live], tn[live], net.time_min[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(te > 0, np.minimum(1.0, (threshold_min - tn) / te), 1.0)
    # keep one copy of edges reached in full from both ends
    dup = (frac >= 1.0) & (near > far) & (node_time[far] + te <= threshold_min)
    keep = ~dup
    near, far, frac = near[keep], far[keep], frac[keep]
    x0, y0 = net.x[near], net.y[near]
    x1 = x0 + frac * (net.x[far] - x0)
    y1 = y0 + frac * (net.y[far] - y0)
    if x0.size == 0:
        return np.array([], dtype=object)
    coords = np.stack([np.column_stack([x0, x1]), np.column_stack([y0, y1])], axis=2)
    return np.asarray(shapely.linestrings(coords))


def _source_lines(
    net: RoadNetwork, s: Snapped, i: int, threshold_min: float, *, reverse: bool
) -> list[Any]:
    """The source's off-road leg and the part of its own segment reached directly."""
    if not s.ok[i]:
        return []
    off = float(s.offroad_min[i])
    sx, sy = float(s.snap_x[i]), float(s.snap_y[i])
    px, py = float(s.x[i]), float(s.y[i])
    share = min(1.0, threshold_min / off) if off > 0 else 1.0
    out = [shapely.LineString([(px, py), (px + share * (sx - px), py + share * (sy - py))])]
    left = threshold_min - off
    if left <= 0:
        return out
    a, b, f = int(s.node_a[i]), int(s.node_b[i]), float(s.frac[i])
    # leaving the source towards b uses a->b; arriving at it from the b side uses b->a
    t_to_b, t_to_a = (s.t_ba[i], s.t_ab[i]) if reverse else (s.t_ab[i], s.t_ba[i])
    ax, ay = net.x[a], net.y[a]
    dx, dy = net.x[b] - ax, net.y[b] - ay
    ends = []
    if np.isfinite(t_to_b) and t_to_b > 0:
        ends.append(min(1.0, f + left / t_to_b))
    if np.isfinite(t_to_a) and t_to_a > 0:
        ends.append(max(0.0, f - left / t_to_a))
    out += [shapely.LineString([(sx, sy), (ax + fe * dx, ay + fe * dy)]) for fe in ends]
    return out


def _polygon(lines: np.ndarray, buffer_m: float, fill_holes_m2: float) -> Any:
    if lines.size == 0:
        return shapely.Polygon()
    poly = shapely.buffer(shapely.multilinestrings(lines), buffer_m, quad_segs=4)
    if fill_holes_m2 > 0:
        poly = _fill_holes(poly, fill_holes_m2)
    return poly


def _fill_holes(geom: Any, max_area_m2: float) -> Any:
    parts = shapely.get_parts(geom)
    out = []
    for p in parts:
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= max_area_m2]
        out.append(shapely.Polygon(p.exterior, holes))
    return shapely.union_all(out) if len(out) > 1 else out[0]


def _source_ids(sources: Places, source_id_col: str) -> list[Any]:
    if isinstance(sources, OriginSet):
        msg = f"an OriginSet carries its ids; build it with id_col={source_id_col!r}"
        raise ParameterError(msg)
    if not isinstance(sources, gpd.GeoDataFrame) or source_id_col not in sources.columns:
        msg = f"sources have no column {source_id_col!r}"
        raise ParameterError(msg)
    return list(sources[source_id_col])


def isochrones(
    net: RoadNetwork,
    sources: Places,
    thresholds_min: Sequence[float] = (15, 30, 60),
    *,
    source_id_col: str | None = None,
    buffer_m: float = 100.0,
    fill_holes_m2: float = 250_000.0,
    combine: bool = False,
    reverse: bool = False,
    max_snap_m: float | None = None,
    offroad_speed_kmh: float | None = None,
    polygon_point: PolygonPoint = "centroid",
    progress: bool = False,
    scenario: Scenario | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of the area reachable within each threshold from each source.

    Parameters
    ----------
    net : RoadNetwork
    sources : OriginSet, GeoDataFrame or GeoSeries
        Points (or polygons: centroid / representative point), any CRS, or
        an :class:`~connectivity.OriginSet` of them.
    thresholds_min : sequence of float
        Travel times in minutes; polygons are nested (T1 < T2 => P1 within P2).
    source_id_col : str, optional
        Column with the source ids (default: the index).
    buffer_m : float, default 100
        Half-width of the band drawn around every reached road piece.
    fill_holes_m2 : float, default 250 000
        Holes smaller than this (street blocks enclosed by reached roads) are
        filled; 0 keeps every hole.
    combine : bool
        True: one polygon per threshold for all sources together (nearest
        source); False: one polygon per source and threshold.
    reverse : bool
        True: the area from which the source is reached within T (travel
        *to* the source; differs on one-way streets).
    max_snap_m, offroad_speed_kmh, polygon_point
        As in :func:`connectivity.time_to_nearest`.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        Columns ``source_id`` (None when ``combine``), ``threshold_min``,
        ``geometry`` (in the network CRS). Sources beyond ``max_snap_m`` get
        empty polygons (logged); when none joins the network,
        :class:`~connectivity.DataError`.
    """
    net, sources = scenario_inputs(net, scenario, sources)
    thr = checked_thresholds(thresholds_min)
    if not (buffer_m > 0):
        msg = f"buffer_m must be a positive distance in metres, got {buffer_m!r}"
        raise ParameterError(msg)
    options = PlaceOptions(
        max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh, polygon_point=polygon_point
    )
    oset = origin_set(net, sources, options, name="sources")
    snapped = oset.snapped
    ids = list(oset.ids) if source_id_col is None else _source_ids(sources, source_id_col)
    if not snapped.ok.all():
        log.warning(
            "%d sources are beyond max_snap_m=%g m and get empty isochrones",
            int((~snapped.ok).sum()),
            snapped.max_snap_m,
        )
    rows: list[dict[str, Any]] = []
    limit = float(thr.max())
    if combine:
        times, _ = node_times_from_points(
            net, snapped, reverse=reverse, max_time_min=limit, min_only=True
        )
        prev = None
        for t in thr:
            own = [
                g
                for i in range(len(snapped))
                for g in _source_lines(net, snapped, i, t, reverse=reverse)
            ]
            lines = np.concatenate(
                [reached_lines(net, times, t, reverse=reverse), np.asarray(own, dtype=object)]
            )
            poly = _polygon(lines, buffer_m, fill_holes_m2)
            poly = poly if prev is None else shapely.union(poly, prev)
            prev = poly
            rows.append({"source_id": None, "threshold_min": float(t), "geometry": poly})
    else:
        for i in bar(range(len(snapped)), enabled=progress, desc="isochrones", unit="source"):
            one = snapped.take([i])
            times, _ = node_times_from_points(
                net, one, reverse=reverse, max_time_min=limit, min_only=True
            )
            prev = None
            for t in thr:
                if not one.ok[0]:
                    poly = shapely.Polygon()
                else:
                    mine = np.asarray(_source_lines(net, one, 0, t, reverse=reverse), dtype=object)
                    lines = np.concatenate([reached_lines(net, times, t, reverse=reverse), mine])
                    poly = _polygon(lines, buffer_m, fill_holes_m2)
                    poly = poly if prev is None else shapely.union(poly, prev)
                    prev = poly
                rows.append({"source_id": ids[i], "threshold_min": float(t), "geometry": poly})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=net.crs)
    out.attrs = {
        "buffer_m": buffer_m,
        "fill_holes_m2": fill_holes_m2,
        "reverse": reverse,
        "n_sources_beyond_snap": int((~snapped.ok).sum()),
    }
    return out
