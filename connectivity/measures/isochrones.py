"""Isochrones: the area reachable from a source within T minutes, as polygons.

The isochrone of a threshold T is drawn around the road pieces reachable
within T (whole edges, plus the reachable part of edges cut at T, plus the
source's off-road leg and its own segment), with small enclosed holes (street
blocks) filled. Two ways to draw the band, and a choice between them (``method``):

* ``"grid"``: one search per source gives every piece a start time
  and a duration, so each cell of a grid (``cell_m``, half the band width by
  default) gets the earliest time at which a reached point comes within
  ``buffer_m`` of its centre. Every threshold is then one comparison on this
  time surface, polygonised once: bands nest by construction and a larger
  band equal to the smaller one costs nothing.
* ``"buffer"``: the exact ``buffer_m`` buffer of the reached pieces (a
  MultiLineString buffered and unioned per threshold); the same definition
  with smooth edges, tens of times slower on a city network.
* ``"auto"`` (the default): the grid, except where the reached roads are
  sparse over a large area (a country's trunk roads over hours): there the
  grid would be mostly empty cells and the exact buffer is the faster one.

Why not a concave or convex hull of reached nodes? A hull fills in what is
*between* the reached roads (a lake, a mountain ridge, a motorway corridor's
hinterland) and depends on an arbitrary ratio parameter; the buffered network
shows where the road network actually takes you and never claims land far
from any reached road, which is what an accessibility map should say.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from connectivity.errors import ParameterError
from connectivity.measures._isochrone_grid import (
    burn_time_surface,
    mask_polygon,
    without_saddles,
)
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet, PlaceOptions, Places, origin_set
from connectivity.progress import bar
from connectivity.routing import checked_thresholds, node_times_from_points
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario
from connectivity.snapping import PolygonPoint, Snapped

__all__ = ["Method", "isochrones", "reached_lines"]

log = logging.getLogger(__name__)

Method = Literal["auto", "grid", "buffer"]
#: Largest time surface per source (float32: 100 MB); larger areas get larger cells.
MAX_GRID_CELLS = 25_000_000
#: ``method="auto"`` draws the exact buffer where the grid would have more cells than
#: this per reached piece (sparse roads over a large area, such as a country's trunk
#: roads over hours): buffering the few pieces is then the cheaper way.
AUTO_CELLS_PER_PIECE = 5_000


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
    (``reverse``: the part ``min(1, (T - T(v)) / t_uv)`` before v). A road
    reached in full in both directions is kept once, not once per direction.
    """
    tails = net.edge_tails()
    heads = net.indices.astype("int64")
    near, far = (heads, tails) if reverse else (tails, heads)
    tn = node_time[near]
    live = tn < threshold_min
    near, far, tn, te = near[live], far[live], tn[live], net.time_min[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(te > 0, np.minimum(1.0, (threshold_min - tn) / te), 1.0)
    # keep one copy of edges reached in full from both ends (a one-way edge has
    # no twin: it is always kept)
    full = frac >= 1.0
    n = np.int64(net.n_nodes)
    twin = np.isin(far * n + near, near[full] * n + far[full])
    keep = ~(full & (near > far) & twin)
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


def _edge_pieces(
    net: RoadNetwork, node_time: np.ndarray, limit: float, *, reverse: bool
) -> list[np.ndarray]:
    """Directed edges left before ``limit``, as timed pieces (see :func:`_timed_pieces`)."""
    tails = net.edge_tails()
    heads = net.indices.astype("int64")
    near, far = (heads, tails) if reverse else (tails, heads)
    tn = node_time[near]
    live = tn < limit
    near, far = near[live], far[live]
    return [net.x[near], net.y[near], net.x[far], net.y[far], tn[live], net.time_min[live]]


def _source_pieces(
    net: RoadNetwork, s: Snapped, i: int, *, reverse: bool
) -> list[tuple[float, ...]]:
    """The timed pieces of :func:`_source_lines`: the off-road leg and the own segment."""
    if not s.ok[i]:
        return []
    off = float(s.offroad_min[i])
    sx, sy = float(s.snap_x[i]), float(s.snap_y[i])
    out: list[tuple[float, ...]] = [(float(s.x[i]), float(s.y[i]), sx, sy, 0.0, off)]
    a, b, f = int(s.node_a[i]), int(s.node_b[i]), float(s.frac[i])
    t_to_b, t_to_a = (s.t_ba[i], s.t_ab[i]) if reverse else (s.t_ab[i], s.t_ba[i])
    if np.isfinite(t_to_b) and t_to_b > 0:
        out.append((sx, sy, float(net.x[b]), float(net.y[b]), off, (1.0 - f) * t_to_b))
    if np.isfinite(t_to_a) and t_to_a > 0:
        out.append((sx, sy, float(net.x[a]), float(net.y[a]), off, f * t_to_a))
    return out


def _timed_pieces(
    net: RoadNetwork, times: np.ndarray, s: Snapped, limit: float, *, reverse: bool
) -> tuple[np.ndarray, ...]:
    """Every road piece reached by ``limit`` as ``(x0, y0, x1, y1, t0, dur)``.

    The point at parameter g in [0, 1] of a piece is reached at ``t0 + g * dur``:
    the pieces at threshold T are exactly those of :func:`reached_lines` and
    :func:`_source_lines`, cut at T.
    """
    cols = _edge_pieces(net, times, limit, reverse=reverse)
    own = [p for i in range(len(s)) for p in _source_pieces(net, s, i, reverse=reverse)]
    if own:
        cols = [np.concatenate([c, o]) for c, o in zip(cols, np.asarray(own).T, strict=True)]
    return tuple(np.asarray(c, dtype="float64") for c in cols)


def _reach_box(pieces: tuple[np.ndarray, ...], limit: float) -> tuple[float, ...]:
    """``(xmin, ymin, xmax, ymax)`` of the pieces, each cut where ``limit`` is reached."""
    x0, y0, x1, y1, t0, dur = pieces
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(dur > 0, np.clip((limit - t0) / dur, 0.0, 1.0), 1.0)
    xs = np.concatenate([x0, x0 + g * (x1 - x0)])
    ys = np.concatenate([y0, y0 + g * (y1 - y0)])
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def _grid_frame(
    box: tuple[float, ...], buffer_m: float, cell_m: float
) -> tuple[tuple[float, float], float, float, tuple[int, int]]:
    """Top-left corner, cell size, radius and shape of a grid around the reached pieces."""
    bx0, by0, bx1, by1 = box
    w, h = bx1 - bx0 + 2 * buffer_m, by1 - by0 + 2 * buffer_m
    cell = cell_m
    if (w / cell + 3) * (h / cell + 3) > MAX_GRID_CELLS:
        # the smallest cell with (w / cell + 3) * (h / cell + 3) <= MAX_GRID_CELLS
        a = MAX_GRID_CELLS - 9.0
        cell = (3 * (w + h) + np.sqrt(9 * (w + h) ** 2 + 4 * a * w * h)) / (2 * a)
        log.warning(
            "isochrone grid of %.0f x %.0f km at %g m cells is too large; using %.0f m cells",
            w / 1000,
            h / 1000,
            cell_m,
            cell,
        )
    # a cell wider than the band would let roads slip between cell centres
    radius = max(buffer_m, cell * np.sqrt(0.5))
    pad = radius + cell
    xmin = np.floor((bx0 - pad) / cell) * cell
    ymax = np.ceil((by1 + pad) / cell) * cell
    ncol = int(np.ceil((bx1 + pad - xmin) / cell))
    nrow = int(np.ceil((ymax - (by0 - pad)) / cell))
    return (float(xmin), float(ymax)), float(cell), float(radius), (nrow, ncol)


def _filled(mask: np.ndarray, max_cells: float) -> np.ndarray:
    """``mask`` with enclosed holes of fewer than ``max_cells`` cells filled."""
    labels, n = ndimage.label(~mask)
    if n == 0:
        return mask
    size = np.bincount(labels.ravel(), minlength=n + 1)
    small = size < max_cells
    small[0] = False
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    small[edge] = False  # the outside touches the (padded) border
    return mask | small[labels]


def _grid_bands(
    pieces: tuple[np.ndarray, ...],
    box: tuple[float, ...],
    thr: np.ndarray,
    draw: _Drawing,
) -> tuple[list[Any], float]:
    """One polygon per threshold from a single time surface; the cell size used."""
    limit = float(thr.max())
    origin, cell, radius, shape = _grid_frame(box, draw.buffer_m, draw.cell_m)
    surface = burn_time_surface(pieces, limit, origin, cell, radius, shape)
    polys: list[Any] = []
    prev: np.ndarray | None = None
    for t in thr:
        mask = surface <= t
        if prev is not None:
            mask |= prev
        mask = without_saddles(mask)
        if draw.fill_holes_m2 > 0:
            mask = _filled(mask, draw.fill_holes_m2 / cell**2)
        if prev is not None and np.array_equal(mask, prev):  # nothing new in this band
            polys.append(polys[-1])
            continue
        polys.append(mask_polygon(mask, origin, cell))
        prev = mask
    return polys, cell


@dataclass
class _Drawing:
    """How the bands are drawn (the parameters of :func:`isochrones`) and what was used."""

    method: Method
    buffer_m: float
    cell_m: float
    fill_holes_m2: float
    reverse: bool
    drawn: dict[str, int] = field(default_factory=lambda: {"grid": 0, "buffer": 0})
    cells: list[float] = field(default_factory=list)


def _bands(net: RoadNetwork, s: Snapped, thr: np.ndarray, draw: _Drawing) -> list[Any]:
    """The polygons of every threshold around the usable points of ``s``."""
    if not s.ok.any():
        return [shapely.Polygon() for _ in thr]
    limit = float(thr.max())
    rev = draw.reverse
    times, _ = node_times_from_points(net, s, reverse=rev, max_time_min=limit, min_only=True)
    if draw.method != "buffer":
        pieces = _timed_pieces(net, times, s, limit, reverse=rev)
        box = _reach_box(pieces, limit)
        n_cells = (box[2] - box[0] + 2 * draw.buffer_m) * (box[3] - box[1] + 2 * draw.buffer_m)
        sparse = n_cells / draw.cell_m**2 > AUTO_CELLS_PER_PIECE * pieces[0].size
        if draw.method == "grid" or not sparse:
            polys, cell = _grid_bands(pieces, box, thr, draw)
            draw.drawn["grid"] += 1
            draw.cells.append(cell)
            return polys
    draw.drawn["buffer"] += 1
    return _buffer_bands(net, s, times, thr, draw.buffer_m, draw.fill_holes_m2, reverse=rev)


def _buffer_bands(
    net: RoadNetwork,
    s: Snapped,
    times: np.ndarray,
    thr: np.ndarray,
    buffer_m: float,
    fill_holes_m2: float,
    *,
    reverse: bool,
) -> list[Any]:
    """One polygon per threshold: the reached pieces buffered (``method="buffer"``)."""
    polys: list[Any] = []
    prev = None
    for t in thr:
        own = [g for i in range(len(s)) for g in _source_lines(net, s, i, t, reverse=reverse)]
        lines = np.concatenate(
            [reached_lines(net, times, t, reverse=reverse), np.asarray(own, dtype=object)]
        )
        poly = _polygon(lines, buffer_m, fill_holes_m2)
        poly = poly if prev is None else shapely.union(poly, prev)
        prev = poly
        polys.append(poly)
    return polys


def _source_ids(sources: Places, source_id_col: str) -> list[Any]:
    if isinstance(sources, OriginSet):
        msg = f"an OriginSet carries its ids; build it with id_col={source_id_col!r}"
        raise ParameterError(msg)
    if not isinstance(sources, gpd.GeoDataFrame) or source_id_col not in sources.columns:
        msg = f"sources have no column {source_id_col!r}"
        raise ParameterError(msg)
    return list(sources[source_id_col])


def _checked_method(method: str, buffer_m: float, cell_m: float | None) -> float:
    """The grid cell size (m) after checking the parameters."""
    if method not in ("auto", "grid", "buffer"):
        msg = f"method must be 'auto', 'grid' or 'buffer', got {method!r}"
        raise ParameterError(msg)
    if not (buffer_m > 0):
        msg = f"buffer_m must be a positive distance in metres, got {buffer_m!r}"
        raise ParameterError(msg)
    cell = buffer_m / 2 if cell_m is None else cell_m
    if not (cell > 0) or not np.isfinite(cell):
        msg = f"cell_m must be a positive distance in metres, got {cell_m!r}"
        raise ParameterError(msg)
    return float(cell)


def isochrones(
    net: RoadNetwork,
    sources: Places,
    thresholds_min: Sequence[float] = (15, 30, 60),
    *,
    source_id_col: str | None = None,
    method: Method = "auto",
    buffer_m: float = 100.0,
    cell_m: float | None = None,
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
    method : {"auto", "grid", "buffer"}, default "auto"
        How the band around the reached road pieces is drawn. ``"grid"``:
        the cells of a ``cell_m`` grid whose centre lies within ``buffer_m``
        of a reached piece, polygonised once (one pass per source for all
        thresholds; tens of times faster on a city, edges follow the cells).
        ``"buffer"``: the exact buffer of the reached pieces (seconds to
        minutes per source on a city). ``"auto"``: the grid, except for a
        source whose reached roads are sparse over a large area (more than
        ``AUTO_CELLS_PER_PIECE`` cells per piece, e.g. a country's trunk
        roads over hours), where the exact buffer is the faster one;
        ``attrs["drawn_by"]`` counts the sources drawn each way.
    buffer_m : float, default 100
        Half-width of the band drawn around every reached road piece.
    cell_m : float, optional
        Grid cell size for ``method="grid"`` (default ``buffer_m / 2``). A
        grid over 25 M cells gets larger cells (logged); cells wider than
        ``buffer_m * sqrt(2)`` widen the band to half a cell diagonal so no
        reached road falls between cell centres.
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
    progress : bool
        Show a progress bar over the sources.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        Columns ``source_id`` (None when ``combine``), ``threshold_min``,
        ``geometry`` (in the network CRS). Sources beyond ``max_snap_m`` get
        empty polygons (logged); when none joins the network,
        :class:`~connectivity.DataError`. ``attrs`` records the parameters
        (``cell_m``: the largest cell size used by ``method="grid"``).
    """
    net, sources = scenario_inputs(net, scenario, sources)
    thr = checked_thresholds(thresholds_min)
    cell = _checked_method(method, buffer_m, cell_m)
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
    draw = _Drawing(method, buffer_m, cell, fill_holes_m2, reverse)
    rows: list[dict[str, Any]] = []
    if combine:
        for t, poly in zip(thr, _bands(net, snapped, thr, draw), strict=True):
            rows.append({"source_id": None, "threshold_min": float(t), "geometry": poly})
    else:
        for i in bar(range(len(snapped)), enabled=progress, desc="isochrones", unit="source"):
            for t, poly in zip(thr, _bands(net, snapped.take([i]), thr, draw), strict=True):
                rows.append({"source_id": ids[i], "threshold_min": float(t), "geometry": poly})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=net.crs)
    out.attrs = {
        "method": method,
        "drawn_by": dict(draw.drawn),
        "buffer_m": buffer_m,
        "cell_m": max(draw.cells) if draw.cells else None,
        "fill_holes_m2": fill_holes_m2,
        "reverse": reverse,
        "n_sources_beyond_snap": int((~snapped.ok).sum()),
    }
    return out
