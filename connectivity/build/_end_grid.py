"""Compiled kernels of the line-end test of :func:`connectivity.build.lines.snap_ends_to_segments`.

A uniform grid of square cells lists the line ends of each cell, by y.
Every segment then visits the cells within ``reach`` of it (column by column
along its length, so a long diagonal segment visits a thin band of cells, not
its box) and measures the ends there whose y is within reach of its stretch
over the column (a bisection in a crowded cell), with the arithmetic of the
R-tree search of :mod:`connectivity.build.lines` (:func:`end_distance`). Each
end keeps the smallest distance to a segment of another line, the smallest
with the foot inside the segment, how many are within the radius, and whether
one lies within rounding of it: enough for the flag of
:func:`connectivity.build.lines._ends_to_settle`. Ends with a segment within
rounding of the radius, or with many within it, are left to that R-tree path
("unsure"). The grid rows are split in bands, one per thread, so each end is
written by one thread only.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "EndGrid",
    "build_end_grid",
    "end_columns",
    "end_distance",
    "end_flags",
    "segments_and_ends",
    "segments_near_ends",
]

#: ``(frame, order, first, spts)``: ``frame = (x0, y0, side, nx, ny)``; the ends of
#: cell ``k`` (numbered row by row) are ``order[first[k]:first[k + 1]]``, by y, and
#: ``spts`` their points in that order (``pts[order]``).
EndGrid = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: Absolute slack (metres) added to the reach of every segment: far above the
#: rounding of the cell arithmetic, so no segment within the radius is missed.
_SLACK_M = 1e-3
#: Ends whose nearest segment lies this close (metres) below the radius are unsure.
_UNSURE_M = 1e-9


@numba.njit(cache=True, inline="always")
def end_distance(
    px: float, py: float, ax: float, ay: float, dx: float, dy: float
) -> tuple[float, float]:
    """Distance of a point to the segment from ``(ax, ay)`` along ``(dx, dy)`` and the
    unclipped foot parameter."""
    ex, ey = px - ax, py - ay
    l2 = dx * dx + dy * dy
    tu = (ex * dx + ey * dy) / l2 if l2 > 0 else 0.0
    t = min(max(tu, 0.0), 1.0)
    return math.hypot(ex - t * dx, ey - t * dy), tu


#: Cells with at most this many ends are sorted by insertion.
_SMALL_CELL = 32


@numba.njit(cache=True)
def _bounds(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest x and y of the rows of ``xy`` (one pass)."""
    lo = np.full(2, np.inf)
    hi = np.full(2, -np.inf)
    for i in range(xy.shape[0]):
        for j in range(2):
            lo[j] = min(lo[j], xy[i, j])
            hi[j] = max(hi[j], xy[i, j])
    return lo, hi


@numba.njit(cache=True, parallel=True)
def _ends_by_cell(pts: np.ndarray, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(order, first, spts)``: the ends ordered by grid cell (numbered row by row)
    and, within a cell, by y (and x, but among more than :data:`_SMALL_CELL` ends of
    one band of y of a crowded cell: :func:`_sort_crowded`); the ends of cell ``k``
    are ``order[first[k]:first[k + 1]]``, ``spts`` is ``pts[order]``."""
    x0, y0, side, nx, ny = frame[0], frame[1], frame[2], int(frame[3]), int(frame[4])
    n = pts.shape[0]
    n_cells = nx * ny
    cell = np.empty(n, dtype=np.int64)
    for e in numba.prange(n):
        cell[e] = math.floor((pts[e, 1] - y0) / side) * nx + math.floor((pts[e, 0] - x0) / side)
    first = np.zeros(n_cells + 1, dtype=np.int64)
    for e in range(n):
        first[cell[e] + 1] += 1
    for k in range(n_cells):
        first[k + 1] += first[k]
    fill = first[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for e in range(n):
        order[fill[cell[e]]] = e
        fill[cell[e]] += 1
    spts = np.empty((n, 2))
    for j in numba.prange(n):
        spts[j, 0], spts[j, 1] = pts[order[j], 0], pts[order[j], 1]
    for k in numba.prange(n_cells):
        s0, s1 = first[k], first[k + 1]
        if s1 - s0 > _SMALL_CELL:
            _sort_crowded(order, spts, s0, s1, y0 + (k // nx) * side, side)
        else:
            _sort_small(order, spts, s0, s1)
    return order, first, spts


@numba.njit(cache=True, inline="always")
def _sort_small(order: np.ndarray, spts: np.ndarray, s0: int, s1: int) -> None:
    """Ends ``s0 .. s1 - 1`` by (y, x), by insertion: a junction's ends together."""
    for i in range(s0 + 1, s1):
        e, px, py = order[i], spts[i, 0], spts[i, 1]
        j = i - 1
        while j >= s0 and (spts[j, 1] > py or (spts[j, 1] == py and spts[j, 0] > px)):
            order[j + 1] = order[j]
            spts[j + 1, 0], spts[j + 1, 1] = spts[j, 0], spts[j, 1]
            j -= 1
        order[j + 1] = e
        spts[j + 1, 0], spts[j + 1, 1] = px, py


@numba.njit(cache=True)
def _sort_crowded(
    order: np.ndarray, spts: np.ndarray, s0: int, s1: int, y_lo: float, side: float
) -> None:
    """Ends ``s0 .. s1 - 1`` of a cell from ``y_lo`` up by y: a counting sort into as
    many bands of y as ends, then each band by (y, x) by insertion, or by y alone by
    ``np.argsort`` where more than :data:`_SMALL_CELL` ends share a band."""
    c = s1 - s0
    band = np.empty(c, dtype=np.int64)
    start = np.zeros(c + 1, dtype=np.int64)
    for i in range(c):  # (bands rise with y: the cell's order by band is by y)
        b = min(max(int((spts[s0 + i, 1] - y_lo) / side * c), 0), c - 1)
        band[i] = b
        start[b + 1] += 1
    for b in range(c):
        start[b + 1] += start[b]
    fill = start[:-1].copy()
    o, p = np.empty(c, dtype=order.dtype), np.empty((c, 2))
    for i in range(c):
        at = fill[band[i]]
        fill[band[i]] += 1
        o[at], p[at, 0], p[at, 1] = order[s0 + i], spts[s0 + i, 0], spts[s0 + i, 1]
    order[s0:s1] = o
    spts[s0:s1] = p
    for b in range(c):
        b0, b1 = s0 + start[b], s0 + start[b + 1]
        if b1 - b0 > _SMALL_CELL:
            by_y = np.argsort(spts[b0:b1, 1])
            order[b0:b1] = order[b0:b1][by_y]
            spts[b0:b1] = spts[b0:b1][by_y]
        else:
            _sort_small(order, spts, b0, b1)


def build_end_grid(seg4: np.ndarray, pts: np.ndarray, radius: float) -> EndGrid:
    """Grid of square cells over the line ends ``pts``, for :func:`end_flags` with
    this ``radius``: the ends of each cell, by y.

    The side is the median segment length, at least four radii, and large
    enough for at most one cell per end (or 1 M cells) in all.
    """
    reach = radius + _SLACK_M
    lo, hi = _bounds(pts)
    lo, hi = lo - reach, hi + reach
    every = max(seg4.shape[0] // 100_000, 1)  # (the median of a sample: the side is no result)
    length = float(np.median(np.hypot(seg4[::every, 2], seg4[::every, 3])))
    area_side = math.sqrt(float((hi[0] - lo[0]) * (hi[1] - lo[1])) / max(pts.shape[0], 1_000_000))
    side = max(length, 4 * reach, area_side)
    nx = int((hi[0] - lo[0]) / side) + 1
    ny = int((hi[1] - lo[1]) / side) + 1
    frame = np.array([lo[0], lo[1], side, float(nx), float(ny)])
    return (frame, *_ends_by_cell(pts, frame))


#: Segments within the radius of one end above which it is unsure.
_MAX_NEAR = 64


@numba.njit(cache=True, nogil=True)
def _measure_band(
    spts: np.ndarray,
    spart: np.ndarray,
    seg_part: np.ndarray,
    seg4: np.ndarray,
    grid: EndGrid,
    radius: float,
    rows: tuple[int, int],
    state: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    mark: np.ndarray,
) -> None:
    """Every segment against the ends of the cells it comes within reach of, in the
    grid rows ``rows[0] .. rows[1] - 1``, into the ends' ``state`` (ends in grid
    order: ``spts``, ``spart`` their points and parts): the smallest
    distance to a segment of another part, the smallest with the foot inside the
    segment, how many are within ``radius``, and whether one is within rounding of it.

    A segment longer in x than a cell side is taken column by column: the
    rows its stretch over the column (grown by the reach) meets. If ``mark``
    is not empty, ``mark[s]`` is set for every segment whose box comes within
    the reach of an end (of any part).
    """
    frame, first = grid[0], grid[2]
    x0, y0, side, nx = frame[0], frame[1], frame[2], int(frame[3])
    reach = radius + _SLACK_M
    for s in range(seg4.shape[0]):
        ax, ay, dx, dy = seg4[s, 0], seg4[s, 1], seg4[s, 2], seg4[s, 3]
        xa, xb = min(ax, ax + dx), max(ax, ax + dx)
        ya, yb = min(ay, ay + dy), max(ay, ay + dy)
        band_lo = max(math.floor((ya - reach - y0) / side), rows[0])
        band_hi = min(math.floor((yb + reach - y0) / side), rows[1] - 1)
        if band_lo > band_hi:
            continue
        c0 = max(math.floor((xa - reach - x0) / side), 0)
        c1 = min(math.floor((xb + reach - x0) / side), nx - 1)
        long = abs(dx) >= side
        slope = dy / dx if long else 0.0
        part = seg_part[s]
        for col in range(c0, c1 + 1):
            lo, hi = ya, yb
            if long:
                x_lo = max(x0 + col * side - reach, xa)
                x_hi = min(x0 + (col + 1) * side + reach, xb)
                y_lo, y_hi = ay + (x_lo - ax) * slope, ay + (x_hi - ax) * slope
                lo, hi = max(min(y_lo, y_hi), ya), min(max(y_lo, y_hi), yb)
            r0 = max(math.floor((lo - reach - y0) / side), band_lo)
            r1 = min(math.floor((hi + reach - y0) / side), band_hi)
            for row in range(r0, r1 + 1):
                k = row * nx + col
                _measure_cell(spts, spart, first[k], first[k + 1], seg4, s, part,
                              (lo - reach, hi + reach), radius, state, mark)  # fmt: skip


@numba.njit(cache=True, inline="always")
def _measure_cell(
    spts: np.ndarray,
    spart: np.ndarray,
    j0: int,
    j1: int,
    seg4: np.ndarray,
    s: int,
    part: int,
    y_range: tuple[float, float],
    radius: float,
    state: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    mark: np.ndarray,
) -> None:
    """Segment ``s`` (of ``part``) against the ends ``j0 .. j1 - 1`` of one cell (by y)
    whose y is in ``y_range``: :func:`_measure_band` in one cell."""
    y_lo, y_hi = y_range
    dmin, dmin_in, count, unsure = state
    ax, ay, dx, dy = seg4[s, 0], seg4[s, 1], seg4[s, 2], seg4[s, 3]
    xa, xb = min(ax, ax + dx), max(ax, ax + dx)
    ya, yb = min(ay, ay + dy), max(ay, ay + dy)
    reach = radius + _SLACK_M
    end = j1
    if j1 - j0 > _SMALL_CELL:  # the first end at y_lo or above, by bisection
        while j0 < j1:
            mid = (j0 + j1) // 2
            if spts[mid, 1] < y_lo:
                j0 = mid + 1
            else:
                j1 = mid
    qx = qy = np.nan
    far = True
    d = tu = 0.0
    for j in range(j0, end):
        px, py = spts[j, 0], spts[j, 1]
        if py < y_lo:
            continue
        if py > y_hi:  # (the ends of a cell are in y order)
            break
        if not (px == qx and py == qy):  # a new point (else a junction's next end)
            qx, qy = px, py
            gx = max(xa - px, 0.0, px - xb)
            gy = max(ya - py, 0.0, py - yb)
            far = gx * gx + gy * gy > reach * reach
            if far:
                continue
            if mark.size:
                mark[s] = True
            ex, ey = px - ax, py - ay
            if (ex == 0.0 and ey == 0.0) or (ex == dx and ey == dy):
                d, tu = 0.0, 0.0  # on an end of the segment: what end_distance gives
            else:  # (0 and 0 or 1: never inside)
                d, tu = end_distance(px, py, ax, ay, dx, dy)
        if far or d > radius or spart[j] == part:
            continue
        count[j] += 1
        if d > radius - _UNSURE_M:
            unsure[j] = True
        dmin[j] = min(dmin[j], d)
        if 0.0 < tu < 1.0:
            dmin_in[j] = min(dmin_in[j], d)


@numba.njit(cache=True, parallel=True)
def _flags(
    end_part: np.ndarray,
    seg_part: np.ndarray,
    seg4: np.ndarray,
    grid: EndGrid,
    radius: float,
    near: float,
    bands: np.ndarray,
    mark: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`end_flags` with the grid rows split at ``bands`` (one band per thread),
    and ``mark`` (see :func:`_measure_band`)."""
    order, spts = grid[1], grid[3]
    n = order.size
    spart = np.empty(n, dtype=end_part.dtype)
    for j in numba.prange(n):
        spart[j] = end_part[order[j]]
    state = (
        np.full(n, np.inf),
        np.full(n, np.inf),
        np.zeros(n, dtype=np.int32),
        np.zeros(n, dtype=np.bool_),
    )
    for b in numba.prange(bands.size - 1):
        rows = (bands[b], bands[b + 1])
        _measure_band(spts, spart, seg_part, seg4, grid, radius, rows, state, mark)
    dmin, dmin_in, count, unsure = state
    flag = np.zeros(n, dtype=np.bool_)
    sure = np.ones(n, dtype=np.bool_)
    for j in numba.prange(n):
        e = order[j]
        if unsure[j] or count[j] > _MAX_NEAR:
            sure[e] = False
        elif count[j]:  # the nearest segment, or one as near (within 2 near) with its foot inside
            flag[e] = dmin[j] >= radius - 4 * near or dmin_in[j] <= dmin[j] + 2 * near
    return flag, sure


def end_flags(
    pts: np.ndarray,
    end_part: np.ndarray,
    seg_part: np.ndarray,
    seg4: np.ndarray,
    grid: EndGrid,
    radius: float,
    near: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``(flag, sure)`` per end: :func:`~connectivity.build.lines._ends_to_settle`'s flag,
    and whether it is certain (no segment of another part within rounding of ``radius``,
    at most :data:`_MAX_NEAR` within it).

    Each segment measures the ends of the cells it reaches; the rows of cells
    are split into bands of about equal numbers of ends, one per thread, so
    each end is written by one thread only.
    """
    nb = max(min(numba.get_num_threads(), pts.shape[0] // 65536), 1)
    frame = grid[0]
    every = max(pts.shape[0] // 100_000, 1)
    row = np.floor((pts[::every, 1] - frame[1]) / frame[2])
    inner = np.quantile(row, np.arange(1, nb) / nb, method="lower").astype("int64")
    bands = np.r_[0, inner, int(frame[4])].astype("int64")
    none = np.zeros(0, dtype=np.bool_)
    return _flags(end_part, seg_part, seg4, grid, radius, near, bands, none)


def segments_near_ends(seg4: np.ndarray, pts: np.ndarray, radius: float) -> np.ndarray:
    """Whether each segment may lie within ``radius`` of one of the points ``pts``: every
    segment that does is marked (and some up to a millimetre farther, and none whose
    box is farther).

    One pass over the segments, with a grid of the points; for a few line ends
    (those :func:`end_flags` could not settle) it is far quicker than an R-tree
    of every segment.
    """
    mark = np.zeros(seg4.shape[0], dtype=np.bool_)
    if pts.shape[0] == 0 or seg4.shape[0] == 0:
        return mark
    grid = build_end_grid(seg4, pts, radius)
    part = np.zeros(max(pts.shape[0], seg4.shape[0]), dtype=np.int64)  # one part: nothing measured
    rows = np.array([0, int(grid[0][4])], dtype=np.int64)  # one band: one thread marks
    _flags(part[: pts.shape[0]], part[: seg4.shape[0]], seg4, grid, radius, 0.0, rows, mark)
    return mark


@numba.njit(cache=True)
def segments_and_ends(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(seg, ends)``: the vertices that start a segment (the next vertex is of the
    same part) and the first and last vertices of every part, in order."""
    n = part.size
    seg = np.empty(max(n - 1, 0), dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    n_seg = n_end = 0
    for i in range(n):
        if i + 1 < n and part[i] == part[i + 1]:
            seg[n_seg] = i
            n_seg += 1
        if i == 0 or i == n - 1 or part[i] != part[i - 1] or part[i] != part[i + 1]:
            ends[n_end] = i
            n_end += 1
    return seg[:n_seg].copy(), ends[:n_end].copy()


@numba.njit(cache=True, parallel=True)
def end_columns(
    xy: np.ndarray, part: np.ndarray, seg: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(pts, end_part, seg_part, seg4)`` of the ends and segments: ``xy[ends]``,
    ``part[ends]``, ``part[seg]``, and rows ``(ax, ay, dx, dy)``: ``xy[seg]`` and
    ``xy[seg + 1] - xy[seg]`` (one row per segment: one cache line per look-up); in parallel."""
    m = seg.size
    seg4 = np.empty((m, 4))
    seg_part = np.empty(m, dtype=part.dtype)
    for j in numba.prange(m):
        i = seg[j]
        seg4[j, 0], seg4[j, 1] = xy[i, 0], xy[i, 1]
        seg4[j, 2], seg4[j, 3] = xy[i + 1, 0] - xy[i, 0], xy[i + 1, 1] - xy[i, 1]
        seg_part[j] = part[i]
    pts = np.empty((ends.size, 2))
    end_part = np.empty(ends.size, dtype=part.dtype)
    for j in numba.prange(ends.size):
        pts[j, 0], pts[j, 1] = xy[ends[j], 0], xy[ends[j], 1]
        end_part[j] = part[ends[j]]
    return pts, end_part, seg_part, seg4
