"""What every network builder shares: the working CRS, the ``from_edges`` arguments and its steps."""

from __future__ import annotations

import logging
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS

from connectivity.crs import check_metric_crs, is_web_mercator, local_metric_crs, to_lonlat
from connectivity.errors import CRSError, DataError

__all__ = [
    "checked_lengths_and_speeds",
    "checked_nodes_and_edges",
    "edge_kwargs",
    "fastest_directed_csr",
    "metric_crs_for",
    "without_lone_nodes",
]

log = logging.getLogger(__name__)


def metric_crs_for(
    x: np.ndarray, y: np.ndarray, src: CRS, what: str
) -> tuple[CRS, tuple[np.ndarray, np.ndarray] | None]:
    """The metric CRS a builder works in, for data at ``x, y`` in ``src``.

    Returns ``(crs, None)`` when ``src`` is a metric CRS already (checked with
    :func:`~connectivity.crs.check_metric_crs`). A geographic or Web Mercator
    ``src`` gets :func:`~connectivity.crs.local_metric_crs` of the data
    (logged) and the data's ``(lon, lat)``, for geodesic lengths.
    """
    _check_coordinates_fit(x, y, src, what)
    if not (src.is_geographic or is_web_mercator(src)):
        return check_metric_crs(src), None
    lon, lat = (x, y) if src.is_geographic else to_lonlat(x, y, src)
    dst = local_metric_crs(lon, lat)
    log.info("reprojecting %s from %s to %s", what, src.to_string(), dst.to_string())
    return dst, (lon, lat)


#: A projected layer whose coordinates all lie in the longitude/latitude box and
#: span less than this (in its units) holds degrees under a wrong CRS.
_DEGREES_SPAN = 5.0


def _check_coordinates_fit(x: np.ndarray, y: np.ndarray, src: CRS, what: str) -> None:
    """Refuse coordinates that cannot be in ``src``: metres labelled degrees, or the reverse."""
    fix = "set its true CRS (gdf.set_crs(..., allow_override=True)) before building"
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    n_bad, lo, hi, first_out = _coordinate_summary(x, y)
    if n_bad:
        msg = (
            f"the {what} has {n_bad:,} NaN or infinite coordinates (e.g. after a "
            f"reprojection out of the area of {src.to_string()}); fix the geometry or {fix}"
        )
        raise CRSError(msg)
    if src.is_geographic:
        if first_out >= 0:
            i = first_out
            msg = (
                f"the {what} says {src.to_string()} (degrees) but has coordinates outside "
                f"-180..180 / -90..90, e.g. ({x[i]:.6g}, {y[i]:.6g}); {fix}"
            )
            raise CRSError(msg)
        return
    in_box = first_out < 0
    span = max(float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    if in_box and 0 < span < _DEGREES_SPAN:
        unit = src.axis_info[0].unit_name if src.axis_info else "units"
        msg = (
            f"the {what} is in {src.to_string()} ({unit}) but its coordinates look like "
            f"longitude/latitude (x {lo[0]:.4f}..{hi[0]:.4f}, y {lo[1]:.4f}..{hi[1]:.4f}, "
            f"a network {span:.2g} {unit} wide); {fix}, e.g. EPSG:4326"
        )
        raise CRSError(msg)


@numba.njit(cache=True)
def _coordinate_summary(x: np.ndarray, y: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, int]:
    """``(n_bad, lo, hi, first_out)`` in one pass: the NaN or infinite coordinate pairs,
    the smallest and largest ``(x, y)``, and the first pair outside -180..180 / -90..90
    (-1 if none; the last two only meaningful when ``n_bad`` is 0)."""
    n_bad = 0
    first_out = -1
    lo = np.full(2, np.inf)
    hi = np.full(2, -np.inf)
    for i in range(x.size):
        xi, yi = x[i], y[i]
        if not (np.isfinite(xi) and np.isfinite(yi)):
            n_bad += 1
            continue
        lo[0], hi[0] = min(lo[0], xi), max(hi[0], xi)
        lo[1], hi[1] = min(lo[1], yi), max(hi[1], yi)
        if first_out < 0 and (abs(xi) > 180 or abs(yi) > 90):
            first_out = i
    return n_bad, lo, hi, first_out


def edge_kwargs(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    crs: CRS,
    classes: np.ndarray,
    edge_row: np.ndarray,
    speed_kmh: np.ndarray,
    length_m: np.ndarray,
    oneway: np.ndarray | bool,
    edge_source_ids: np.ndarray,
    meta: dict[str, Any],
    node_source_ids: np.ndarray | None = None,
) -> dict[str, Any]:
    """Keyword arguments of :meth:`RoadNetwork.from_edges <connectivity.RoadNetwork.from_edges>`.

    ``classes`` holds the road class of every source row (way, feature or
    graph edge) and ``edge_row`` the source row of every edge; the class names
    are sorted and each edge gets the code of its row's class.
    """
    class_names, codes = np.unique(np.asarray(classes).astype(str), return_inverse=True)
    return {
        "x": x,
        "y": y,
        "u": u,
        "v": v,
        "crs": crs,
        "speed_kmh": speed_kmh,
        "length_m": length_m,
        "road_class": codes.ravel()[edge_row],
        "class_names": tuple(str(c) for c in class_names),
        "oneway": oneway,
        "node_source_ids": node_source_ids,
        "edge_source_ids": edge_source_ids,
        "meta": meta,
    }


def without_lone_nodes(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, node_src: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Drop the nodes no segment touches (an osmnx graph keeps them after truncation).

    A lone node would be a part of the network of its own, without a road.
    Returns the node arrays without them and ``u``, ``v`` renumbered.
    """
    used = np.zeros(x.size, dtype=bool)
    used[u] = True
    used[v] = True
    if used.all():
        return x, y, u, v, node_src
    log.debug("dropped %d nodes that no road touches", int((~used).sum()))
    new = np.cumsum(used) - 1
    src = None if node_src is None else node_src[used]
    return x[used], y[used], new[u], new[v], src


# -- the steps of RoadNetwork.from_edges ------------------------------------------------
def checked_nodes_and_edges(
    x: ArrayLike, y: ArrayLike, u: ArrayLike, v: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Node coordinates (float64) and edge end points (int64), checked."""
    xa = np.ascontiguousarray(x, dtype="float64")
    ya = np.ascontiguousarray(y, dtype="float64")
    ua = np.asarray(u, dtype="int64")
    va = np.asarray(v, dtype="int64")
    n, m = xa.size, ua.size
    if ya.size != n or va.size != m:
        msg = "x/y and u/v must have matching lengths"
        raise DataError(msg)
    if n == 0 or m == 0:
        msg = "the network has no nodes or no edges; check the input layer and its filters"
        raise DataError(msg)
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        msg = "node coordinates contain NaN or infinite values"
        raise DataError(msg)
    if ua.min() < 0 or va.min() < 0 or ua.max() >= n or va.max() >= n:
        msg = "edge end points must index existing nodes (0 <= u, v < number of nodes)"
        raise DataError(msg)
    return xa, ya, ua, va


def checked_lengths_and_speeds(
    length_m: ArrayLike, speed_kmh: ArrayLike, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-edge lengths (finite, >= 0) and speeds (finite, > 0), broadcast to ``m`` edges."""
    length = np.broadcast_to(np.asarray(length_m, dtype="float64"), (m,))
    speed = np.broadcast_to(np.asarray(speed_kmh, dtype="float64"), (m,))
    if not (np.isfinite(speed).all() and (speed > 0).all()):
        msg = "speed_kmh must be finite and positive on every edge"
        raise DataError(msg)
    if (length < 0).any() or not np.isfinite(length).all():
        msg = "length_m must be finite and non-negative"
        raise DataError(msg)
    return length, speed


def fastest_directed_csr(
    n: int, u: np.ndarray, v: np.ndarray, oneway: np.ndarray, columns: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """CSR of the directed edges: two-way segments in both directions, no self loops,
    and of parallel edges only the fastest (``columns["time_min"]``).

    ``columns`` are per-edge arrays (``time_min`` required). Returns
    ``(indptr, heads, columns)`` with every column in CSR order. Edges are
    ordered by tail, head and time (ties keep their input order, the forward
    copies of all segments before the backward ones).
    """
    back = np.flatnonzero(~oneway)
    uu = np.concatenate([u, v[back]])
    vv = np.concatenate([v, u[back]])
    time_min = np.ascontiguousarray(columns["time_min"], dtype="float64")
    indptr, keep = _csr_order(n, uu, vv, np.concatenate([time_min, time_min[back]]))
    cols = {k: _doubled_and_kept(np.asarray(a), back, keep) for k, a in columns.items()}
    return indptr, vv[keep], cols


def _doubled_and_kept(a: np.ndarray, back: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``np.concatenate([a, a[back]])[keep]``: numbers in one compiled pass."""
    if a.ndim == 1 and a.dtype.kind in "biuf":
        return _take_doubled(np.ascontiguousarray(a), back, keep)
    return np.concatenate([a, a[back]])[keep]


@numba.njit(cache=True, parallel=True)
def _take_doubled(a: np.ndarray, back: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``np.concatenate([a, a[back]])[keep]`` without the concatenated copy (in parallel)."""
    m = a.size
    out = np.empty(keep.size, dtype=a.dtype)
    for i in numba.prange(keep.size):
        k = keep[i]
        out[i] = a[k] if k < m else a[back[k - m]]
    return out


@numba.njit(cache=True)
def _csr_order(
    n: int, uu: np.ndarray, vv: np.ndarray, time_min: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``indptr`` and the edges kept, in CSR order: a stable sort by ``(uu, vv, time_min)``
    (a counting sort on ``uu``, an insertion sort within each row), self loops and all
    but the first of each ``(uu, vv)`` dropped."""
    m = uu.size
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        if uu[e] != vv[e]:
            start[uu[e] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    edge = np.empty(start[n], dtype=np.int64)
    for e in range(m):
        if uu[e] != vv[e]:
            edge[fill[uu[e]]] = e
            fill[uu[e]] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    keep = np.empty(start[n], dtype=np.int64)
    k = 0
    for row in range(n):
        s0, s1 = start[row], start[row + 1]
        if s1 - s0 > 32:  # a hub: two stable sorts, by time then by head
            part = edge[s0:s1]
            part = part[np.argsort(time_min[part], kind="mergesort")]
            edge[s0:s1] = part[np.argsort(vv[part], kind="mergesort")]
        for i in range(s0 + 1, s1 if s1 - s0 <= 32 else s0):
            e = edge[i]
            j = i - 1
            while j >= s0 and (
                vv[edge[j]] > vv[e] or (vv[edge[j]] == vv[e] and time_min[edge[j]] > time_min[e])
            ):
                edge[j + 1] = edge[j]
                j -= 1
            edge[j + 1] = e
        for i in range(s0, s1):
            if i == s0 or vv[edge[i]] != vv[edge[i - 1]]:
                keep[k] = edge[i]
                k += 1
        indptr[row + 1] = k
    return indptr, keep[:k]
