"""Snap points to the nearest road *segment* and price the off-network leg.

A point (an origin or a destination) joins the network at the foot of the
perpendicular on its nearest edge, not at the nearest node: on rural roads
segments are kilometres long and node snapping would add or remove minutes.
The snapped point splits its edge; the legs from the point to the two end
nodes (respecting one-way edges) are built by :mod:`connectivity.routing`.

Inputs in another CRS are reprojected to the network's projected CRS (and
logged); inputs without a CRS raise :class:`~connectivity.CRSError`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import weakref
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS
from scipy.spatial import cKDTree

from connectivity._segment_grid import build_grid
from connectivity._segment_tree import (
    Grid,
    build_tree,
    nearest_segments,
    past_k_nearest,
    piece_cells,
    subtree_pieces,
    undirected_segments,
)
from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.network import RoadNetwork

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "DEFAULT_OFFROAD_SPEED_KMH",
    "SegmentIndex",
    "Snapped",
    "points_to_network_crs",
    "segment_index",
    "snap_points",
    "snap_xy",
    "some_labels",
]

log = logging.getLogger(__name__)

#: Default off-network speed: walking pace. For country-scale car access from
#: 1 km grid cells use 15-20 km/h (a local track or unmapped village road).
DEFAULT_OFFROAD_SPEED_KMH = 5.0
#: Default maximum distance from a point to its nearest road (metres).
DEFAULT_MAX_SNAP_M = 2000.0

PolygonPoint = Literal["centroid", "representative"]


# ---------------------------------------------------------------------------
# segment table + spatial index
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SegmentIndex:
    """Undirected road segments of a network with a nearest-segment index.

    Attributes
    ----------
    a, b : numpy.ndarray
        End nodes of each undirected segment (``a < b``).
    t_ab, t_ba : numpy.ndarray
        Travel time (minutes) of the directed edges ``a -> b`` and ``b -> a``;
        ``inf`` where the direction does not exist (one-way segment).
    ax, ay, dx, dy, len2 : numpy.ndarray
        Start point, direction ``b - a`` and squared length of each segment.
    pieces : numpy.ndarray
        Number of pieces each segment is cut into for the tie rule (see
        :meth:`nearest`), at most ``2 * half_piece_m`` long.
    half_piece_m : float
        Half the length of the longest piece.
    tree : tuple of numpy.ndarray
        Packed R-tree of the segments (:func:`connectivity._segment_tree.build_tree`).
    """

    a: np.ndarray
    b: np.ndarray
    t_ab: np.ndarray
    t_ba: np.ndarray
    ax: np.ndarray
    ay: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    len2: np.ndarray
    pieces: np.ndarray
    half_piece_m: float
    tree: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    @property
    def n_segments(self) -> int:
        return int(self.a.size)

    def project(
        self, px: np.ndarray, py: np.ndarray, seg: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fraction along ``seg`` of the foot of the perpendicular, and the distance."""
        ex = px - self.ax[seg]
        ey = py - self.ay[seg]
        l2 = self.len2[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(l2 > 0, (ex * self.dx[seg] + ey * self.dy[seg]) / l2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(ex - t * self.dx[seg], ey - t * self.dy[seg])
        return t, d

    def nearest(self, px: ArrayLike, py: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact nearest segment of each point.

        Returns ``(segment, fraction, distance_m)``; fraction is measured from
        node ``a``. Points with NaN coordinates get segment -1 and NaN.

        Notes
        -----
        A best-first search of a packed R-tree of the segments' boxes
        (compiled, :mod:`connectivity._segment_tree`) finds every segment at
        the smallest distance. Ties (a point on a node, or nearest to a node
        shared by several segments) go to the segment with the nearest
        *piece midpoint*, each segment being cut into ``pieces`` equal pieces:
        the order in which the k-d tree of piece midpoints used before met
        them, so results are those of that search. The few points where the
        piece midpoints tie too, or where that search took its radius fallback
        (ties then went to the smallest segment id), are settled by the k-d
        tree search itself (:meth:`_kd_nearest`, built on first use).

        Large queries (:data:`_GRID_MIN_POINTS` points or more) look up each
        point's cell in a uniform grid (:mod:`connectivity._segment_grid`,
        built on first use) and test only the segments listed there, which
        include every segment that can be nearest to a point of the cell:
        same results, several times faster per point.
        """
        px = np.ascontiguousarray(px, dtype="float64").ravel()
        py = np.ascontiguousarray(py, dtype="float64").ravel()
        columns = (self.ax, self.ay, self.dx, self.dy, self.len2, self.pieces)
        if px.size >= _GRID_MIN_POINTS and px.size * _GRID_POINTS_PER_SEGMENT >= self.n_segments:
            seg, frac, dist, tie = nearest_segments(px, py, self.tree, columns, self._grid)
        else:
            seg, frac, dist, tie = nearest_segments(px, py, self.tree, columns)
        again = np.flatnonzero((tie == 2) | self._past_k_nearest(px, py, dist, tie == 1))
        if again.size:
            log.debug("%d points tie between segments; settled by the k-d tree", again.size)
            s, f, d = self._kd_nearest(px[again], py[again])
            seg[again], frac[again], dist[again] = s, f, d
        return seg, frac, dist

    def _past_k_nearest(
        self, px: np.ndarray, py: np.ndarray, dist: np.ndarray, tied: np.ndarray
    ) -> np.ndarray:
        """Tied points whose k-d tree search may have gone past 512 neighbours.

        That search then gave ties to the smallest segment id instead of the
        nearest piece midpoint: it did when 512 piece midpoints lie closer than
        ``distance + half_piece_m``. A bound from the piece counts of the
        tree's boxes rules that out for nearly every point, cheaply.
        """
        out = np.zeros(px.size, dtype=bool)
        if self._sparse_near_roads:  # no disc of radius half_piece_m holds 512 midpoints
            tied = tied & (dist > 0)
        idx = np.flatnonzero(tied)
        if idx.size:
            columns = (self.ax, self.ay, self.dx, self.dy, self.len2, self.pieces)
            radius = dist[idx] + self.half_piece_m
            out[idx] = past_k_nearest(
                px[idx], py[idx], radius, self.tree, self._subtree_pieces, columns, _K_NEAREST_MAX
            )
        return out

    @functools.cached_property
    def _sparse_near_roads(self) -> bool:
        """True if no disc of radius ``half_piece_m`` can hold 512 piece midpoints.

        Midpoints are counted in square cells of that side; a disc meets at
        most 3 x 3 of them. Then a tied point on a road (distance 0) never
        took the radius fallback of the k-d tree search.
        """
        r = self.half_piece_m
        if r <= 0 or self.pieces.sum() < _K_NEAREST_MAX:
            return True
        columns = (self.ax, self.ay, self.dx, self.dy, self.len2, self.pieces)
        cells = piece_cells(columns, r)
        if cells.size == 0:
            return False  # too many cells to number: check every point
        return 9 * int(np.unique(cells, return_counts=True)[1].max()) < _K_NEAREST_MAX

    @functools.cached_property
    def _grid(self) -> Grid:
        """Uniform grid of candidate segments (cells half the median segment length)."""
        columns = (self.ax, self.ay, self.dx, self.dy, self.len2, self.pieces)
        length = np.sqrt(self.len2)
        positive = length[length > 0]
        side = 0.5 * float(np.median(positive)) if positive.size else 1.0
        x0, x1 = np.min([self.ax, self.ax + self.dx]), np.max([self.ax, self.ax + self.dx])
        y0, y1 = np.min([self.ay, self.ay + self.dy]), np.max([self.ay, self.ay + self.dy])
        # at most about four cells per segment
        area = max(float(x1 - x0) * float(y1 - y0), 0.0)
        side = max(side, np.sqrt(area / (4.0 * max(self.n_segments, 1))), 1e-3)
        return build_grid(columns, side)

    @functools.cached_property
    def _subtree_pieces(self) -> np.ndarray:
        return subtree_pieces(self.tree[1], self.tree[2], self.pieces)

    @functools.cached_property
    def _kd(self) -> tuple[np.ndarray, cKDTree]:
        """Piece midpoints of every segment in a k-d tree, and the segment of each piece."""
        m = self.pieces
        piece_seg = np.repeat(np.arange(m.size), m)
        offsets = np.cumsum(m) - m
        i_in_seg = np.arange(piece_seg.size) - np.repeat(offsets, m)
        f = (i_in_seg + 0.5) / m[piece_seg]
        mid = np.column_stack(
            [
                self.ax[piece_seg] + f * self.dx[piece_seg],
                self.ay[piece_seg] + f * self.dy[piece_seg],
            ]
        )
        return piece_seg, cKDTree(mid, balanced_tree=False, compact_nodes=False)

    def _kd_nearest(
        self, px: np.ndarray, py: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest segment by the k-d tree of piece midpoints (the tie rule's reference).

        If the k nearest piece midpoints lie within ``r_k`` of a point, every
        segment without a piece among them is at least ``r_k - half_piece_m``
        away (triangle inequality), so the best candidate is certified exact
        when its distance is at most that. Uncertified points are re-queried
        with a larger k and finally with a radius query.
        """
        piece_seg, tree = self._kd
        n = px.size
        seg_out = np.full(n, -1, dtype="int64")
        frac_out = np.full(n, np.nan)
        dist_out = np.full(n, np.nan)
        n_pieces = piece_seg.size
        todo = np.flatnonzero(np.isfinite(px) & np.isfinite(py))
        k = 8
        while todo.size:
            kk = min(k, n_pieces)
            rk, ii = tree.query(np.column_stack([px[todo], py[todo]]), k=kk)
            rk = rk.reshape(todo.size, kk)
            cand = piece_seg[ii.reshape(todo.size, kk)]
            t, d = self.project(px[todo, None], py[todo, None], cand)
            j = np.argmin(d, axis=1)
            rows = np.arange(todo.size)
            best_d = d[rows, j]
            seg_out[todo] = cand[rows, j]
            frac_out[todo] = t[rows, j]
            dist_out[todo] = best_d
            if kk >= n_pieces:
                break
            todo = todo[best_d > rk[:, -1] - self.half_piece_m]
            if k >= 256 and todo.size:
                self._radius_fallback(px, py, todo, seg_out, frac_out, dist_out)
                break
            k *= 4
        return seg_out, frac_out, dist_out

    def _radius_fallback(
        self,
        px: np.ndarray,
        py: np.ndarray,
        todo: np.ndarray,
        seg_out: np.ndarray,
        frac_out: np.ndarray,
        dist_out: np.ndarray,
    ) -> None:
        # Rare: far points in front of a long straight road. Every segment nearer
        # than the current best has a piece midpoint within best + half_piece_m.
        piece_seg, tree = self._kd
        radius = dist_out[todo] + self.half_piece_m
        hits = tree.query_ball_point(np.column_stack([px[todo], py[todo]]), r=radius)
        for i, h in zip(todo, hits, strict=True):
            cand = np.unique(piece_seg[np.asarray(h, dtype="int64")])
            if cand.size == 0:  # pragma: no cover - the best piece is always inside
                continue
            t, d = self.project(np.full(cand.size, px[i]), np.full(cand.size, py[i]), cand)
            j = int(np.argmin(d))
            if d[j] <= dist_out[i]:
                seg_out[i], frac_out[i], dist_out[i] = cand[j], t[j], d[j]


#: Queries of at least this many points, and at least one point per this many
#: segments, use the grid of :meth:`SegmentIndex._grid` (built on first use);
#: smaller ones search the tree. Both give the same results.
_GRID_MIN_POINTS = 10_000
_GRID_POINTS_PER_SEGMENT = 8

#: The k of the last k-nearest query of :meth:`SegmentIndex._kd_nearest`.
_K_NEAREST_MAX = 512

_SEG_CACHE: weakref.WeakKeyDictionary[RoadNetwork, SegmentIndex] = weakref.WeakKeyDictionary()


def segment_index(net: RoadNetwork) -> SegmentIndex:
    """The undirected segment table and nearest-segment index of ``net``, built once per network.

    Later calls with the same network (every :class:`~connectivity.OriginSet`
    and measure snapping to it) return the same index.
    """
    cached = _SEG_CACHE.get(net)
    if cached is not None:
        return cached
    a, b, t_ab, t_ba = undirected_segments(
        net.indptr.astype("int64"), net.indices.astype("int64"), net.time_min
    )
    ax, ay = net.x[a], net.y[a]
    bx, by = net.x[b], net.y[b]
    dx, dy = bx - ax, by - ay
    length = np.hypot(dx, dy)
    positive = length[length > 0]
    spacing = float(np.quantile(positive, 0.75)) if positive.size else 1.0
    spacing = max(spacing, float(length.sum()) / (3.0 * max(a.size, 1)), 1e-6)
    m = np.maximum(np.ceil(length / spacing), 1).astype("int64")
    index = SegmentIndex(
        a=a,
        b=b,
        t_ab=t_ab,
        t_ba=t_ba,
        ax=ax,
        ay=ay,
        dx=dx,
        dy=dy,
        len2=dx * dx + dy * dy,
        pieces=m,
        half_piece_m=float(np.max(length / (2.0 * m))) if length.size else 0.0,
        tree=build_tree(ax, ay, bx, by),
    )
    _SEG_CACHE[net] = index
    return index


# ---------------------------------------------------------------------------
# snapped points
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Snapped:
    """Points snapped to their nearest road segment.

    Attributes
    ----------
    index : pandas.Index
        Index of the input (kept on every result).
    x, y : numpy.ndarray
        Point coordinates in the network CRS (NaN for missing geometries).
    node_a, node_b : numpy.ndarray
        End nodes of the snapped segment (-1 when there is none).
    frac : numpy.ndarray
        Position of the snapped point along the segment, 0 at ``node_a``.
    t_ab, t_ba : numpy.ndarray
        Travel time (min) of the whole segment in each direction, ``inf`` when
        that direction is not allowed (one-way).
    seg : numpy.ndarray
        Segment id (for same-segment pairs), -1 when none.
    dist_m : numpy.ndarray
        Distance from the point to the road (the off-network leg).
    offroad_min : numpy.ndarray
        Time of the off-network leg in minutes.
    ok : numpy.ndarray
        True where the point has a geometry and ``dist_m <= max_snap_m``.
    """

    index: pd.Index
    x: np.ndarray
    y: np.ndarray
    seg: np.ndarray
    node_a: np.ndarray
    node_b: np.ndarray
    frac: np.ndarray
    t_ab: np.ndarray
    t_ba: np.ndarray
    snap_x: np.ndarray
    snap_y: np.ndarray
    dist_m: np.ndarray
    offroad_min: np.ndarray
    ok: np.ndarray
    max_snap_m: float
    offroad_speed_kmh: float

    def __len__(self) -> int:
        return int(self.x.size)

    @property
    def n_beyond(self) -> int:
        """Points with a geometry that are farther than ``max_snap_m`` from any road."""
        return int((~self.ok & np.isfinite(self.dist_m)).sum())

    def take(self, positions: ArrayLike) -> Snapped:
        """The points at ``positions`` (integer positions or a boolean mask), labels kept."""
        idx = np.asarray(positions)
        arrays = {
            f.name: getattr(self, f.name)[idx]
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return dataclasses.replace(self, index=self.index[idx], **arrays)

    def reason(self) -> np.ndarray:
        """Why each point cannot be used ("" where it can), as an object array."""
        out = np.full(len(self), "", dtype=object)
        missing = ~np.isfinite(self.x) | ~np.isfinite(self.y)
        out[missing] = "missing or empty geometry"
        far = ~self.ok & ~missing
        out[far] = [f"beyond max_snap_m ({d:.0f} m from nearest road)" for d in self.dist_m[far]]
        return out

    def entry_legs(self) -> tuple[np.ndarray, np.ndarray]:
        """Legs from each point onto the network (the point as an origin).

        Returns ``(nodes, cost_min)``, both of shape (n, 2): column 0 goes to
        ``node_a`` against the segment's a->b direction, column 1 to ``node_b``.
        Cost is the off-road leg plus the travelled fraction of the edge;
        ``inf`` where the direction is not allowed or the point is unusable.
        """
        nodes = np.column_stack([self.node_a, self.node_b])
        c_a = self.offroad_min + _along(self.frac, self.t_ba)
        c_b = self.offroad_min + _along(1.0 - self.frac, self.t_ab)
        cost = np.column_stack([c_a, c_b])
        cost[~self.ok] = np.inf
        cost[~np.isfinite(cost)] = np.inf
        return nodes, cost

    def exit_legs(self) -> tuple[np.ndarray, np.ndarray]:
        """Legs from the network to each point (the point as a destination).

        Same layout as :meth:`entry_legs`: reached from ``node_a`` travelling
        a->b for ``frac`` of the edge, or from ``node_b`` travelling b->a.
        """
        nodes = np.column_stack([self.node_a, self.node_b])
        c_a = _along(self.frac, self.t_ab) + self.offroad_min
        c_b = _along(1.0 - self.frac, self.t_ba) + self.offroad_min
        cost = np.column_stack([c_a, c_b])
        cost[~self.ok] = np.inf
        cost[~np.isfinite(cost)] = np.inf
        return nodes, cost

    def to_frame(self, crs: Any = None) -> gpd.GeoDataFrame:
        """The snapped points (on the road) with their attributes, input index kept."""
        return gpd.GeoDataFrame(
            {
                "node_a": self.node_a,
                "node_b": self.node_b,
                "frac": self.frac,
                "snap_m": self.dist_m,
                "offroad_min": self.offroad_min,
                "ok": self.ok,
                "reason": self.reason(),
            },
            geometry=gpd.points_from_xy(self.snap_x, self.snap_y),
            index=self.index,
            crs=crs,
        )


def _along(frac: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Time to travel ``frac`` of an edge of time ``t``; 0 when ``frac`` is 0.

    A point exactly on a node is at that node whatever the edge's direction,
    so ``0 * inf`` (a one-way edge travelled backwards) counts as 0.
    """
    with np.errstate(invalid="ignore"):
        return np.where(frac == 0, 0.0, frac * t)


def _offroad_in_areas(
    net: RoadNetwork, x: np.ndarray, y: np.ndarray, dist: np.ndarray, offroad: np.ndarray
) -> np.ndarray:
    """Off-network leg times with the speeds of ``net.meta["offroad_areas"]`` where they apply.

    A scenario network (:class:`connectivity.scenarios.OffroadSpeed`) lists
    areas (WKT polygons in the network CRS) with their own off-network
    speed; a point inside one (the last listed wins) walks or drives its leg
    at that speed.
    """
    for area in net.meta.get("offroad_areas", ()):
        inside = shapely.contains_xy(shapely.from_wkt(area["wkt"]), x, y)
        offroad = np.where(inside, dist / (float(area["speed_kmh"]) * 1000.0 / 60.0), offroad)
    return offroad


def _check_snap_params(max_snap_m: float, offroad_speed_kmh: float) -> None:
    if not (np.isfinite(offroad_speed_kmh) and offroad_speed_kmh > 0):
        msg = (
            f"offroad_speed_kmh must be a positive number of km/h, got {offroad_speed_kmh!r}; "
            f"use {DEFAULT_OFFROAD_SPEED_KMH} for walking or 15-20 for car access from grid cells"
        )
        raise ParameterError(msg)
    if not (max_snap_m >= 0):  # also rejects NaN
        msg = f"max_snap_m must be >= 0 metres (inf for no limit), got {max_snap_m!r}"
        raise ParameterError(msg)


def snap_xy(
    net: RoadNetwork,
    x: ArrayLike,
    y: ArrayLike,
    *,
    index: pd.Index | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
) -> Snapped:
    """Snap coordinates already in the network CRS to their nearest segment.

    Parameters
    ----------
    net : RoadNetwork
        The road network.
    x, y : array_like
        Coordinates in ``net.crs``; NaN marks a missing point.
    index : pandas.Index, optional
        Labels carried to the result (default ``RangeIndex``).
    max_snap_m : float
        Points farther than this from every road are unusable (``ok`` False).
    offroad_speed_kmh : float
        Speed of the straight off-network leg between the point and the road.

    Returns
    -------
    Snapped

    Notes
    -----
    The foot of the perpendicular on segment AB is ``A + t (B - A)`` with
    ``t = clip(((P - A) . (B - A)) / |B - A|^2, 0, 1)``; the off-network leg
    takes ``|P - foot| / (offroad_speed_kmh / 60 * 1000)`` minutes.
    """
    _check_snap_params(max_snap_m, offroad_speed_kmh)
    x = np.asarray(x, dtype="float64").ravel()
    y = np.asarray(y, dtype="float64").ravel()
    if x.size != y.size:
        msg = "x and y must have the same length"
        raise DataError(msg)
    if index is None:
        index = pd.RangeIndex(x.size)
    elif len(index) != x.size:
        msg = "index must have one label per point"
        raise DataError(msg)
    si = segment_index(net)
    seg, frac, dist = si.nearest(x, y)
    has = seg >= 0
    s = np.where(has, seg, 0)
    node_a = np.where(has, si.a[s], -1)
    node_b = np.where(has, si.b[s], -1)
    t_ab = np.where(has, si.t_ab[s], np.inf)
    t_ba = np.where(has, si.t_ba[s], np.inf)
    snap_x = np.where(has, si.ax[s] + frac * si.dx[s], np.nan)
    snap_y = np.where(has, si.ay[s] + frac * si.dy[s], np.nan)
    offroad = _offroad_in_areas(net, x, y, dist, dist / (offroad_speed_kmh * 1000.0 / 60.0))
    with np.errstate(invalid="ignore"):
        ok = has & (dist <= max_snap_m)
    n_far = int((has & ~ok).sum())
    if n_far:
        log.info("%d of %d points are beyond max_snap_m=%g m", n_far, x.size, max_snap_m)
    return Snapped(
        index=index,
        x=x,
        y=y,
        seg=seg,
        node_a=node_a,
        node_b=node_b,
        frac=frac,
        t_ab=t_ab,
        t_ba=t_ba,
        snap_x=snap_x,
        snap_y=snap_y,
        dist_m=dist,
        offroad_min=offroad,
        ok=ok,
        max_snap_m=float(max_snap_m),
        offroad_speed_kmh=float(offroad_speed_kmh),
    )


def points_to_network_crs(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    crs: Any,
    *,
    polygon_point: PolygonPoint = "centroid",
    name: str = "points",
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Coordinates of a point or polygon layer in the network CRS.

    Polygons are replaced by their centroid or, with
    ``polygon_point="representative"``, a point guaranteed inside them (use it
    for crescent-shaped zones whose centroid falls outside); a MultiPoint of
    one point is that point. Lines, collections and MultiPoints of several
    points are refused (which point would stand for them?). Layers in another
    CRS (geographic included) are reprojected and the reprojection is logged.

    Returns
    -------
    (index, x, y)
        The layer's index and float64 coordinates (NaN for empty geometries).

    Raises
    ------
    CRSError
        If the layer has no CRS, or coordinates that cannot be reprojected.
    DataError
        If a geometry is not a point or polygon, or has a NaN or infinite coordinate.
    """
    if isinstance(points, gpd.GeoDataFrame):
        geom = points.geometry
    elif isinstance(points, gpd.GeoSeries):
        geom = points
    else:
        msg = (
            f"{name} must be a GeoDataFrame or GeoSeries of points or polygons, "
            f"got {type(points).__name__}; read files with geopandas.read_file(path)"
        )
        raise DataError(msg)
    if polygon_point not in ("centroid", "representative"):
        msg = f"polygon_point must be 'centroid' or 'representative', got {polygon_point!r}"
        raise ParameterError(msg)
    if geom.crs is None:
        msg = (
            f"{name} have no CRS; set the CRS they were digitised in, e.g. "
            "gdf = gdf.set_crs('EPSG:4326') for longitude/latitude"
        )
        raise CRSError(msg)
    _check_point_or_polygon(geom, name)
    found = _check_finite(geom, name, "NaN or infinite coordinates; fix or drop those features")
    target = CRS.from_user_input(crs)
    if not CRS.from_user_input(geom.crs).equals(target):
        log.info(
            "reprojecting %s from %s to the network CRS %s",
            name,
            geom.crs.to_string(),
            target.to_string(),
        )
        source = geom.crs.to_string()
        geom = geom.to_crs(target)
        found = _check_finite(
            geom, name, f"coordinates that cannot be put in the network CRS {target.to_string()}; "
            f"are they really in {source}? Set their true CRS (gdf.set_crs(..., allow_override=True))",
            CRSError,
        )  # fmt: skip
    arr = np.asarray(geom.values, dtype=object)
    types, x, y = found  # x, y of the points already read (NaN elsewhere)
    other = np.flatnonzero(types != 0)
    if other.size:
        repl = (
            shapely.centroid(arr[other])
            if polygon_point == "centroid"
            else shapely.point_on_surface(arr[other])
        )
        x[other] = shapely.get_x(repl)
        y[other] = shapely.get_y(repl)
    empty = np.flatnonzero(types == -1)  # missing; an empty geometry has NaN x, y already
    x[empty] = np.nan
    y[empty] = np.nan
    return geom.index, x, y


def some_labels(index: pd.Index, mask: np.ndarray, k: int = 3) -> str:
    """The first ``k`` labels of ``index`` where ``mask`` is True, for messages ("'a', 'b' and 4 more")."""
    labels = [repr(v) for v in index[np.asarray(mask, dtype=bool)][:k].tolist()]
    more = int(np.count_nonzero(mask)) - len(labels)
    return ", ".join(labels) + (f" and {more:,} more" if more > 0 else "")


#: shapely type ids of the geometries a place may have: missing (-1), Point,
#: MultiPoint (of one point), Polygon, MultiPolygon.
_PLACE_TYPES = (-1, 0, 3, 4, 6)


def _check_point_or_polygon(geom: gpd.GeoSeries, name: str) -> None:
    """Refuse lines, collections and MultiPoints of several points (which point would it be?)."""
    arr = np.asarray(geom.values, dtype=object)
    types = np.asarray(shapely.get_type_id(arr))
    bad = ~np.isin(types, _PLACE_TYPES)
    multi = np.flatnonzero(types == 4)
    if multi.size:
        bad[multi] |= shapely.get_num_geometries(arr[multi]) > 1
    if bad.any():
        kinds = sorted({g.geom_type for g in arr[bad]})
        msg = (
            f"{name} must be points or polygons; {int(bad.sum()):,} are {'/'.join(kinds)} "
            f"(index {some_labels(geom.index, bad)}): give points, e.g. a line's midpoint with "
            "gdf.geometry = gdf.geometry.interpolate(0.5, normalized=True), or explode MultiPoints"
        )
        raise DataError(msg)


def _check_finite(
    geom: gpd.GeoSeries, name: str, problem: str, error: type[Exception] = DataError
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refuse non-empty geometries with a NaN or infinite coordinate (``problem`` says why).

    Returns the shapely type id of every geometry and the x, y of the points
    (NaN for the other geometries and for empty points).
    """
    arr = np.asarray(geom.values, dtype=object)
    mask, types, x, y = _nonfinite(arr)
    if mask.any():
        msg = (
            f"{int(mask.sum()):,} of the {arr.size:,} {name} (index {some_labels(geom.index, mask)}) "
            f"have {problem}"
        )
        raise error(msg)
    return types, x, y


def _nonfinite(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mask of the non-empty geometries with a NaN or infinite coordinate.

    Points are read with ``get_x``/``get_y`` (fast); other geometries through
    all their coordinates. Returns ``(mask, type ids, x, y)``, x and y of the
    points (NaN elsewhere).
    """
    mask = np.zeros(arr.size, dtype=bool)
    types = np.asarray(shapely.get_type_id(arr))
    x = np.full(arr.size, np.nan)
    y = np.full(arr.size, np.nan)
    point = np.flatnonzero(types == 0)
    if point.size:
        pts = arr[point]
        x[point] = shapely.get_x(pts)
        y[point] = shapely.get_y(pts)
        bad = ~(np.isfinite(x[point]) & np.isfinite(y[point]))
        if bad.any():  # an empty point has NaN coordinates too
            bad &= ~shapely.is_empty(pts)
        mask[point] = bad
    other = np.flatnonzero(types > 0)
    if other.size:
        xy, which = shapely.get_coordinates(arr[other], return_index=True)
        mask[other[np.unique(which[~np.isfinite(xy).all(axis=1)])]] = True
    return mask, types, x, y


def snap_points(
    net: RoadNetwork,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    polygon_point: PolygonPoint = "centroid",
    name: str = "points",
) -> Snapped:
    """Snap a point (or polygon) layer to the nearest road segment of ``net``.

    Parameters
    ----------
    net : RoadNetwork
        The road network (projected metric CRS).
    points : GeoDataFrame or GeoSeries
        Points, or polygons (their centroid / representative point is used).
        Any CRS; reprojected to ``net.crs`` when different.
    max_snap_m : float, default 2000
        Points farther than this from the nearest road are unusable; their
        ``reason`` says how far the road is.
    offroad_speed_kmh : float, default 5
        Speed of the off-network leg (walking by default; 15-20 km/h suits car
        access from 1 km grid cells over unmapped local roads).
    polygon_point : {"centroid", "representative"}
        The point used for non-point geometries.
    name : str
        Used in log and error messages ("origins", "destinations").

    Returns
    -------
    Snapped
    """
    index, x, y = points_to_network_crs(points, net.crs, polygon_point=polygon_point, name=name)
    return snap_xy(
        net, x, y, index=index, max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh
    )
