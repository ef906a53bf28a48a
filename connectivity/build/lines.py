"""Edge arrays for :class:`~connectivity.network.RoadNetwork` from line layers.

Line-layer noding (snapping vertices into junctions); the builder returns the
keyword arguments of :meth:`RoadNetwork.from_edges
<connectivity.network.RoadNetwork.from_edges>`. CRS choice lives in
:mod:`connectivity.crs`; osmnx graphs are read in :mod:`connectivity.build.osmnx`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numba
import numpy as np
import pandas as pd
from pyproj import CRS, Geod
from scipy.spatial import cKDTree

from connectivity._components import pair_components
from connectivity._segment_tree import NODE_SIZE, build_tree, spatial_order
from connectivity.build._end_grid import (
    build_end_grid,
    end_columns,
    end_distance,
    end_flags,
    segments_and_ends,
    segments_near_ends,
)
from connectivity.build._vertex_groups import (
    group_stats,
    joined_means,
    key_ranks,
    millimetre_keys,
    near_cells,
)
from connectivity.build.edges import edge_kwargs, metric_crs_for
from connectivity.crs import reproject
from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.speeds import as_speed_table

__all__ = [
    "lines_edge_arrays",
    "node_vertices",
    "oneway_codes",
    "snap_ends_to_segments",
]

log = logging.getLogger(__name__)


# -- line layers ----------------------------------------------------------------
def snap_ends_to_segments(
    xy: np.ndarray, part: np.ndarray, scale: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Insert a vertex where a line end lies within the tolerance of another line.

    A line that ends near the *middle* of a segment of another line (a
    T-junction, or a schematic road drawn to a sparse trunk line) gets a new
    vertex on that segment at the point nearest to the end, so the vertex
    clustering of :func:`node_vertices` can join them.

    Parameters
    ----------
    xy, part : arrays
        Vertices and their part (contiguous per part).
    scale : (n-1,) array
        Length factor of each vertex-to-next segment (kept by its pieces).
    tolerance_m : float
        Largest end-to-line distance joined.

    Returns
    -------
    xy, part, scale, n_inserted
        The vertex arrays with inserted vertices, in line order.

    Notes
    -----
    The segments of other lines within the tolerance of each end come from a
    packed R-tree (:func:`connectivity._segment_tree.build_tree`) searched in
    compiled code; the nearest is the end's segment, and the position on it
    is GEOS's (``shapely.line_locate_point``), computed only where it can
    fall inside the segment. Distances within a micrometre of the tolerance
    or of each other are settled with GEOS too.
    """
    if tolerance_m <= 0 or xy.shape[0] < 2:
        return xy, part, scale, 0
    seg, ends = segments_and_ends(part)
    if seg.size == 0:
        return xy, part, scale, 0
    pi, si, t = _nearest_other_segment(xy, part, seg, ends, tolerance_m)
    inner = (t > 1e-9) & (t < 1 - 1e-9)
    pi, si, t = pi[inner], si[inner], t[inner]
    if pi.size == 0:
        return xy, part, scale, 0
    a = seg[si]
    by = np.lexsort((t, a))  # along each segment, after its first vertex
    a, t = a[by], t[by]
    new_xy = xy[a] + (xy[a + 1] - xy[a]) * t[:, None]
    return (*_with_vertices(xy, part, scale, a, new_xy), int(pi.size))


@numba.njit(cache=True)
def _with_vertices(
    xy: np.ndarray, part: np.ndarray, scale: np.ndarray, a: np.ndarray, new_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xy, part, scale)`` with vertex ``new_xy[k]`` inserted after vertex ``a[k]``
    (``a`` sorted, each a segment's first vertex; equal ones in the order given): the
    inserted vertex takes the part of ``a[k]``, and both pieces of a segment its length
    factor. What ``np.insert`` of each array gives, in one pass over the vertices."""
    n, m = xy.shape[0], a.size
    xy2 = np.empty((n + m, 2))
    part2 = np.empty(n + m, dtype=part.dtype)
    scale2 = np.empty(n + m - 1)
    j = k = 0
    for i in range(n):
        xy2[j, 0], xy2[j, 1], part2[j] = xy[i, 0], xy[i, 1], part[i]
        if i < n - 1:  # (the last vertex starts no segment)
            scale2[j] = scale[i]
        j += 1
        while k < m and a[k] == i:  # the vertices inserted on segment i
            xy2[j, 0], xy2[j, 1] = new_xy[k, 0], new_xy[k, 1]
            part2[j], scale2[j] = part[i], scale[i]  # (a piece of segment i)
            j += 1
            k += 1
    return xy2, part2, scale2


#: Distances closer than this (metres) to the tolerance or to each other are
#: settled by GEOS, whose arithmetic may differ from ours in the last bits.
_NEAR_M = 1e-6


def _nearest_other_segment(
    xy: np.ndarray, part: np.ndarray, seg: np.ndarray, ends: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line end's nearest segment of another line within the tolerance.

    Returns ``(end, segment, t)``: positions into ``ends`` and ``seg`` and the
    normalised position of the end's foot on the segment (GEOS's; 0 or 1
    where the foot is an end of the segment).
    """
    import shapely

    pts, end_part, seg_part, seg4 = end_columns(xy, part, seg, ends)
    radius = tolerance_m + _NEAR_M
    grid = build_end_grid(seg4, pts, radius)
    flag, sure = end_flags(pts, end_part, seg_part, seg4, grid, radius, _NEAR_M)
    unsure = np.flatnonzero(~sure)
    if unsure.size == 0 and not flag.any():
        none = np.zeros(0, dtype="int64")
        return none, none, np.zeros(0)
    # an R-tree of the segments these ends may need: those near any of them
    near = np.flatnonzero(segments_near_ends(seg4, pts[flag | ~sure], radius))
    seg4, seg_part = seg4[near], seg_part[near]
    segs = (seg4[:, 0].copy(), seg4[:, 1].copy(), seg4[:, 2].copy(), seg4[:, 3].copy())
    tree = build_tree(segs[0], segs[1], xy[seg[near] + 1, 0], xy[seg[near] + 1, 1])
    if unsure.size:  # ends with a segment on the radius: the R-tree path decides
        sub = pts[unsure]
        which = spatial_order(sub[:, 0], sub[:, 1], tree[4])
        flag[unsure] = _ends_to_settle(
            sub, end_part[unsure], seg_part, segs, tree[:3], radius, which
        )
    kept = np.flatnonzero(flag)
    pi, si, d, tu = _segments_near(pts[kept], end_part[kept], seg_part, segs, tree[:3], radius)
    pi, si = kept[pi], near[si]

    def geos_distance(k: np.ndarray) -> np.ndarray:
        return shapely.distance(
            shapely.points(xy[ends[pi[k]]]),
            shapely.linestrings(np.stack([xy[seg[si[k]]], xy[seg[si[k]] + 1]], axis=1)),
        )

    border = np.flatnonzero(np.abs(d - tolerance_m) <= _NEAR_M)
    if border.size:  # on the tolerance: GEOS says whether it is within
        d[border] = geos_distance(border)
        keep = d <= tolerance_m
        pi, si, d, tu = pi[keep], si[keep], d[keep], tu[keep]
    if pi.size == 0:
        return pi, si, tu
    order = np.lexsort((si, d, pi))
    pi, si, d, tu = pi[order], si[order], d[order], tu[order]
    head = np.r_[True, pi[1:] != pi[:-1]]
    group = np.cumsum(head) - 1
    dmin = d[head][group]
    tied = d <= dmin + _NEAR_M
    inside = tied & (tu > 0) & (tu < 1)
    n_tied = np.bincount(group, weights=tied)
    redo = tied & (n_tied[group] > 1) & np.isin(group, group[inside])
    if redo.any():  # near-equal distances where one foot is inside: GEOS chooses
        k = np.flatnonzero(redo)
        d[k] = geos_distance(k)
        order = np.lexsort((si, d, pi))
        pi, si, tu = pi[order], si[order], tu[order]
        head = np.r_[True, pi[1:] != pi[:-1]]
    pi, si, tu = pi[head], si[head], tu[head]
    t = np.clip(tu, 0.0, 1.0)
    k = np.flatnonzero((tu > 0) & (tu < 1))
    if k.size:
        lines = shapely.linestrings(np.stack([xy[seg[si[k]]], xy[seg[si[k]] + 1]], axis=1))
        t[k] = shapely.line_locate_point(lines, shapely.points(xy[ends[pi[k]]]), normalized=True)
    return pi, si, t


Tree3 = tuple[np.ndarray, np.ndarray, np.ndarray]
Buffers = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Segment starts and directions: ``(ax, ay, dx, dy)``.
Segs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@numba.njit(cache=True, nogil=True)
def _near_one(
    px: float,
    py: float,
    segs: Segs,
    tree: Tree3,
    radius: float,
    stack: np.ndarray,
    buf: Buffers,
) -> tuple[int, Buffers]:
    """Segments closer than ``radius`` to one point into ``buf`` (segment, distance,
    unclipped foot parameter; grown as needed): their number and the buffers."""
    boxes, order, levels = tree
    ax, ay, dx, dy = segs
    n = order.size
    r2 = radius * radius
    out_s, out_d, out_t = buf
    k = 0
    stack[0] = levels[levels.size - 1] - 1
    top = 1
    while top:
        top -= 1
        node = stack[top]
        level = 0
        while node >= levels[level + 1]:
            level += 1
        first = levels[level - 1] + (node - levels[level]) * NODE_SIZE
        for c in range(first, min(first + NODE_SIZE, levels[level])):
            ddx = max(boxes[c, 0] - px, 0.0, px - boxes[c, 2])
            ddy = max(boxes[c, 1] - py, 0.0, py - boxes[c, 3])
            if ddx * ddx + ddy * ddy > r2:
                continue
            if c >= n:
                stack[top] = c
                top += 1
                continue
            s = order[c]
            d, tu = end_distance(px, py, ax[s], ay[s], dx[s], dy[s])
            if d > radius:
                continue
            if k == out_s.size:
                size = 2 * k
                out_s, out_d, out_t = _grown(out_s, size), _grown(out_d, size), _grown(out_t, size)
            out_s[k], out_d[k], out_t[k] = s, d, tu
            k += 1
    return k, (out_s, out_d, out_t)


@numba.njit(cache=True)
def _segments_near(
    pts: np.ndarray,
    pts_part: np.ndarray,
    seg_part: np.ndarray,
    segs: Segs,
    tree: Tree3,
    radius: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (point, segment of another part) closer than ``radius``: ``(point, segment,
    distance, unclipped foot parameter)``."""
    stack = np.empty(NODE_SIZE * tree[2].size + 1, dtype=np.int64)
    buf = (np.empty(64, dtype=np.int64), np.empty(64), np.empty(64))
    size = 1024
    out_p = np.empty(size, dtype=np.int64)
    out_s = np.empty(size, dtype=np.int64)
    out_d = np.empty(size)
    out_t = np.empty(size)
    k = 0
    for i in range(pts.shape[0]):
        m, buf = _near_one(pts[i, 0], pts[i, 1], segs, tree, radius, stack, buf)
        for j in range(m):
            s = buf[0][j]
            if seg_part[s] == pts_part[i]:
                continue
            if k == size:
                size *= 2
                out_p, out_s = _grown(out_p, size), _grown(out_s, size)
                out_d, out_t = _grown(out_d, size), _grown(out_t, size)
            out_p[k], out_s[k], out_d[k], out_t[k] = i, s, buf[1][j], buf[2][j]
            k += 1
    return out_p[:k].copy(), out_s[:k].copy(), out_d[:k].copy(), out_t[:k].copy()


@numba.njit(cache=True, parallel=True)
def _ends_to_settle(
    pts: np.ndarray,
    end_part: np.ndarray,
    seg_part: np.ndarray,
    segs: Segs,
    tree: Tree3,
    radius: float,
    which: np.ndarray,
) -> np.ndarray:
    """Whether each end may get a vertex inserted on another line's segment.

    An end is left out when no segment of another part is within ``radius``, or
    when its nearest is clear of the tolerance (``radius - 4 * _NEAR_M``) and no
    segment within ``2 * _NEAR_M`` of the nearest has its foot inside: the end
    then snaps onto an existing vertex (the common case in a noded layer),
    whatever GEOS would say about near ties, and nothing is inserted for it.
    The ends are taken in the order ``which`` (a space-filling curve, blocks in
    parallel); an end at the very point of the previous one reuses its search.
    """
    n = which.size
    flag = np.zeros(pts.shape[0], dtype=np.bool_)
    block = 8192
    for b in numba.prange((n + block - 1) // block):
        stack = np.empty(NODE_SIZE * tree[2].size + 1, dtype=np.int64)
        buf = (np.empty(64, dtype=np.int64), np.empty(64), np.empty(64))
        m = 0
        qx = qy = np.nan
        for j in range(b * block, min((b + 1) * block, n)):
            e = which[j]
            px, py = pts[e, 0], pts[e, 1]
            if not (px == qx and py == qy):
                m, buf = _near_one(px, py, segs, tree, radius, stack, buf)
                qx, qy = px, py
            seg, dist, tu = buf
            dmin = np.inf
            for i in range(m):
                if seg_part[seg[i]] != end_part[e] and dist[i] < dmin:
                    dmin = dist[i]
            if dmin == np.inf:
                continue
            keep = dmin >= radius - 4 * _NEAR_M
            for i in range(m):
                if seg_part[seg[i]] != end_part[e] and dist[i] <= dmin + 2 * _NEAR_M:
                    keep = keep or 0.0 < tu[i] < 1.0
            flag[e] = keep
    return flag


@numba.njit(cache=True, nogil=True)
def _grown(a: np.ndarray, size: int) -> np.ndarray:
    out = np.empty(size, dtype=a.dtype)
    out[: a.size] = a
    return out


def node_vertices(
    xy: np.ndarray, part: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cluster line vertices into network nodes.

    Parameters
    ----------
    xy : (n, 2) array
        Vertex coordinates (projected metres), all parts concatenated.
    part : (n,) int array
        Part (single LineString) of each vertex.
    tolerance_m : float
        Vertices of *different* parts closer than this are joined.

    Returns
    -------
    node : (n,) int64 array
        Node of each vertex.
    node_xy : (k, 2) array
        Node coordinates: the mean of the vertices joined into it.
    n_chained : int
        Nodes whose vertices spread over more than twice the tolerance
        (transitive chaining along near-parallel lines), logged as a warning.

    Notes
    -----
    Two steps, both vectorised: (1) exact coincidence (coordinates rounded to
    1 mm) joins shared vertices; (2) a k-d tree (``cKDTree.query_pairs``, see
    :func:`_close_pairs`) finds
    pairs of distinct points within ``tolerance_m`` that belong to different
    parts, and the connected components of those pairs (single linkage) become
    nodes. Pairs inside one part are ignored, so a densely digitised line is
    never collapsed onto itself.

    Nodes are numbered along the Z (Morton) curve of their millimetre points
    (by their first point where several join), so nodes near each other have
    near numbers whatever the order of the layer's rows; routing reads the
    network's arrays with fewer cache misses than in (x, y) order.
    """
    inv = _millimetre_ranks(xy)
    n_u = int(inv.max()) + 1 if inv.size else 0
    rows = np.zeros(0, dtype=np.int64)  # vertices of the nodes that join distinct points
    if tolerance_m <= 0 or n_u < 2:
        node = inv.astype("int64")
        node_xy = group_stats(node, xy, part, n_u)[0]
    else:
        # mean, part and "several parts" of each distinct point, in one pass
        pts, part_of, multi = group_stats(inv, xy, part, n_u)
        pairs = _close_pairs(pts, tolerance_m)
        if pairs.size:
            i, j = pairs[:, 0], pairs[:, 1]
            cross = (part_of[i] != part_of[j]) | multi[i] | multi[j]
            i, j = i[cross], j[cross]
        else:
            i = j = np.zeros(0, dtype="int64")
        if i.size == 0 and tolerance_m >= 1e-3:  # nothing joined: distinct points are nodes
            return inv, pts, 0  # (none chained: a millimetre cell spans under 2 mm)
        lab, k = pair_components(i, j, n_u)  # (single linkage)
        node = lab[inv]
        node_xy, rows = joined_means(xy, node, lab, pts, k)
    n_chained = 0
    if tolerance_m > 0:  # nodes with a vertex further than 2 x tolerance from their mean
        # (vertices of one millimetre cell lie within 1.5 mm of their mean)
        rows = np.arange(node.size) if tolerance_m < 1e-3 else rows
        spread = np.hypot(*(xy[rows] - node_xy[node[rows]]).T)
        n_chained = int(np.unique(node[rows][spread > 2 * tolerance_m]).size)
    return node, node_xy, n_chained


def _millimetre_ranks(xy: np.ndarray) -> np.ndarray:
    """Rank of each vertex among the distinct points of ``np.round(xy / 1e-3)``, the
    points in Z (Morton) order (:func:`~connectivity.build._vertex_groups.millimetre_keys`).

    A layer spanning 4 295 km or more on an axis is ranked in (x, y) order
    (``np.unique`` of the rows; slower).
    """
    if xy.shape[0] == 0:
        return np.zeros(0, dtype="int64")
    key, fits = millimetre_keys(xy)
    if not fits:
        q = np.round(xy / 1e-3).astype("int64")
        return np.unique(q, axis=0, return_inverse=True)[1].ravel()
    return key_ranks(key)[0]


def _close_pairs(pts: np.ndarray, r: float) -> np.ndarray:
    """``cKDTree(pts).query_pairs(r)`` as an (m, 2) array of pairs ``i < j``.

    The tree holds only the points with another point in their square cell of
    side ``2 r`` or a neighbouring one (two points within ``r`` always are); in
    a noded layer that is a small share of the junctions.
    """
    cell = np.floor(pts / (2 * r))
    cell -= np.array([cell[:, 0].min(), cell[:, 1].min()])
    ny = cell[:, 1].max() + 3
    if not np.isfinite(ny) or (cell[:, 0].max() + 3) * ny >= 2**62:
        sub = np.arange(pts.shape[0])
    else:
        key = ((cell[:, 0] + 1) * ny + cell[:, 1] + 1).astype("int64")
        codes, cells = key_ranks(key)
        near = near_cells(cells, np.bincount(codes), int(ny))
        sub = np.flatnonzero(near[codes])
    pairs = cKDTree(pts[sub]).query_pairs(r=r, output_type="ndarray")
    return sub[pairs].reshape(-1, 2)


def oneway_codes(values: Any) -> np.ndarray:
    """Line-layer one-way column to codes: 1 forward, -1 backward, 0 two-way."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.size:
        codes, uniques = pd.factorize(values)
        if codes.min() >= 0 and all(type(u) is str for u in uniques):  # strings only
            return _oneway_loop(uniques)[codes]
    kind = pd.api.types.infer_dtype(values, skipna=False)
    if kind in ("string", "boolean") and len(values):
        # each distinct value once (strings or booleans: no value equals another kind)
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return _oneway_loop(np.asarray(uniques, dtype=object))[codes]
    return _oneway_loop(values)


def _oneway_loop(values: Any) -> np.ndarray:
    out = np.zeros(len(values), dtype="int8")
    for k, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            out[k] = 1 if v else 0
            continue
        text = str(v).strip().lower()
        if text in ("yes", "true", "1", "t", "y", "f", "ft", "forward"):
            out[k] = 1
        elif text in ("-1", "reverse", "backward", "tf"):
            out[k] = -1
        elif text not in ("no", "false", "0", "", "b", "both", "nan", "none"):
            msg = f"oneway value {v!r} is not understood; use yes/no/-1 (or True/False)"
            raise ParameterError(msg)
    return out


def _check_line_layer(gdf: Any, columns: tuple[str | None, ...], snap_tolerance_m: float) -> None:
    if not (np.isfinite(snap_tolerance_m) and snap_tolerance_m >= 0):
        msg = f"snap_tolerance_m={snap_tolerance_m!r}; give a distance >= 0 in metres"
        raise ParameterError(msg)
    for col in columns:
        if col is not None and col not in gdf.columns:
            msg = f"column {col!r} is not in the layer; columns are {list(gdf.columns)}"
            raise ParameterError(msg)
    if gdf.crs is None:
        msg = "the line layer has no CRS; set it first, e.g. gdf.set_crs('EPSG:4326')"
        raise CRSError(msg)


def _line_vertices(gdf: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(xy, part, part_row, n_parts)``: the vertices of the layer's single LineStrings,
    the part of each, the row of each part and their number (empty rows skipped).

    A layer of LineStrings (and missing rows) is read in one pass: its non-empty
    rows are those with coordinates.
    """
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    if not ((types == 1) | (types == -1)).all():  # (not only LineStrings or missing)
        parts, part_row = _line_parts(gdf)
        xy, part = shapely.get_coordinates(parts, return_index=True)
        return xy, part, part_row, len(parts)
    xy, row = shapely.get_coordinates(geoms, return_index=True)
    ok = np.bincount(row, minlength=geoms.size) > 0
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        msg = "the line layer has no non-empty geometry"
        raise DataError(msg)
    part = row if rows.size == geoms.size else (np.cumsum(ok) - 1)[row]
    return xy, part, rows, int(rows.size)


def _line_parts(gdf: Any) -> tuple[np.ndarray, np.ndarray]:
    """Single LineStrings of the layer and the row each comes from (empty rows skipped)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)  # -1 where missing
    ok = (types >= 0) & ~shapely.is_empty(geoms)
    if not np.isin(types[ok], (1, 5)).all():
        msg = "from_lines needs LineString or MultiLineString geometries only; explode or filter the layer"
        raise DataError(msg)
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        msg = "the line layer has no non-empty geometry"
        raise DataError(msg)
    kept = geoms if rows.size == geoms.size else geoms[rows]
    if (types[rows] == 1).all():  # LineStrings only: each row is its one part
        return kept, rows
    parts, part_row = shapely.get_parts(kept, return_index=True)
    return parts, rows[part_row]


def _metric_vertices(
    xy: np.ndarray, part: np.ndarray, src: CRS
) -> tuple[CRS, np.ndarray, np.ndarray]:
    """Vertices in a metric CRS, with the geodesic / projected length factor per segment.

    A metric layer keeps its coordinates (factor 1). A geographic or Web
    Mercator layer is reprojected and its segment lengths stay geodesic
    (WGS84 ellipsoid), so they do not depend on the projection chosen.
    """
    dst, lonlat = metric_crs_for(xy[:, 0], xy[:, 1], src, "line layer")
    same_part = part[:-1] == part[1:]
    if lonlat is None:
        return dst, xy, np.ones(max(xy.shape[0] - 1, 0))
    lon, lat = lonlat
    geo_len = np.asarray(Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2])
    xy = np.column_stack(reproject(xy[:, 0], xy[:, 1], src, dst))
    flat_len = np.hypot(*(xy[1:] - xy[:-1]).T)
    scale = np.divide(geo_len, flat_len, out=np.ones_like(flat_len), where=flat_len > 0)
    return dst, xy, np.where(same_part, scale, 1.0)


def _row_classes_and_speeds(
    gdf: Any, class_col: str | None, speed_col: str | None, table: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(names, code, kmh)``: the distinct road classes, each row's class among them
    and its speed (km/h): ``speed_col`` where valid, else the table's."""
    if class_col is None:
        codes, distinct = np.zeros(len(gdf), dtype="int64"), np.array(["road"], dtype=object)
    else:
        classes = gdf[class_col].astype(str).to_numpy(dtype=object)
        codes, distinct = pd.factorize(classes)  # each class looked up once
    row_kmh = table.edge_speeds(distinct)[codes]
    if speed_col is not None:
        given = pd.to_numeric(gdf[speed_col], errors="coerce").to_numpy(dtype="float64")
        good = np.isfinite(given) & (given > 0)
        row_kmh = np.where(good, given, row_kmh)
    return np.asarray(distinct, dtype=object), codes, row_kmh


@numba.njit(cache=True)
def _segment_edges(
    xy: np.ndarray,
    part: np.ndarray,
    node: np.ndarray,
    part_row: np.ndarray,
    ow: np.ndarray,
    scale: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """``(row, dx, dy, scale, u, v, oneway)`` of every segment (vertex ``i`` to ``i + 1``
    of one part): its layer row, vector, length factor, end nodes (swapped where the
    row's one-way code is -1) and that code."""
    n = part.size
    m = 0
    for i in range(n - 1):
        m += part[i] == part[i + 1]
    row = np.empty(m, dtype=np.int64)
    dx, dy, sc = np.empty(m), np.empty(m), np.empty(m)
    u, v = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    code = np.empty(m, dtype=ow.dtype)
    j = 0
    for i in range(n - 1):
        if part[i] != part[i + 1]:
            continue
        row[j] = part_row[part[i]]
        dx[j], dy[j] = xy[i + 1, 0] - xy[i, 0], xy[i + 1, 1] - xy[i, 1]
        sc[j] = scale[i]
        code[j] = ow[row[j]]
        a, b = node[i], node[i + 1]
        u[j], v[j] = (b, a) if code[j] == -1 else (a, b)
        j += 1
    return row, dx, dy, sc, u, v, code


def lines_edge_arrays(
    gdf: Any,
    *,
    class_col: str | None,
    speed_col: str | None,
    oneway_col: str | None,
    snap_tolerance_m: float,
    speeds: Any,
) -> dict[str, Any]:
    """Keyword arguments of ``RoadNetwork.from_edges`` for lines input."""

    _check_line_layer(gdf, (class_col, speed_col, oneway_col), snap_tolerance_m)
    table = as_speed_table(speeds)
    xy, part, part_row, n_parts = _line_vertices(gdf)
    src = CRS.from_user_input(gdf.crs)
    dst, xy, scale = _metric_vertices(xy, part, src)
    xy, part, seg_scale, n_tees = snap_ends_to_segments(xy, part, scale, snap_tolerance_m)
    node, node_xy, n_chained = node_vertices(xy, part, snap_tolerance_m)
    if n_chained:
        log.warning(
            "%d junctions gather vertices spread over more than 2 x snap_tolerance_m=%g m "
            "(near-parallel lines chained together); consider a smaller tolerance",
            n_chained, snap_tolerance_m,
        )  # fmt: skip
    ow = (
        np.zeros(len(gdf), "int8")
        if oneway_col is None
        else oneway_codes(gdf[oneway_col].to_numpy())
    )
    seg_row, dx, dy, scale_a, u, v, seg_ow = _segment_edges(xy, part, node, part_row, ow, seg_scale)
    seg_len = np.hypot(dx, dy) * scale_a
    class_names, row_class, row_kmh = _row_classes_and_speeds(gdf, class_col, speed_col, table)
    meta = {
        "builder": "from_lines",
        "source_crs": src.to_string(),
        "n_features": len(gdf),
        "n_parts": n_parts,
        "snap_tolerance_m": float(snap_tolerance_m),
        "n_chained_junctions": n_chained,
        "n_t_junctions": n_tees,
        "speeds": table.to_dict(),
    }
    return edge_kwargs(
        node_xy[:, 0], node_xy[:, 1], u, v, crs=dst, classes=class_names, edge_row=row_class[seg_row],
        speed_kmh=row_kmh[seg_row], length_m=seg_len, oneway=seg_ow != 0,
        edge_source_ids=seg_row, meta=meta,
    )  # fmt: skip
