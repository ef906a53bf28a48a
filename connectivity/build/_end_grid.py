"""Compiled kernels of the line-end test of :func:`connectivity.build.lines.snap_ends_to_segments`.

A uniform grid of square cells lists, per cell, every segment that comes
within ``reach`` of the cell (each segment registered column by column along
its length, so a long diagonal segment fills a thin band of cells, not its
box). A line end then checks only the segments of its own cell, with the
arithmetic of the R-tree search of :mod:`connectivity.build.lines`
(:func:`end_distance`), and gets the same flag as
:func:`connectivity.build.lines._ends_to_settle`; ends with a segment within
rounding of the search radius are left to that R-tree path ("unsure"). The
ends are taken cell by cell, and the ends at one point (a junction) share one
search of their cell.
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
]

#: ``(frame, start, cand)``: ``frame = (x0, y0, side, nx, ny)``; the segments of
#: cell ``k`` (numbered row by row) are ``cand[start[k]:start[k + 1]]``.
EndGrid = tuple[np.ndarray, np.ndarray, np.ndarray]

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


@numba.njit(cache=True, nogil=True)
def _register(
    seg4: np.ndarray,
    frame: np.ndarray,
    reach: float,
    first: int,
    last: int,
    fill: np.ndarray,
    cand: np.ndarray,
) -> None:
    """Segments ``first .. last - 1`` into their cells: each adds one to ``fill[k]`` of
    every cell ``k`` it reaches and, if ``cand`` is not empty, is listed at
    ``cand[fill[k]]`` before (so ``fill`` starts at the counts, or at the positions).

    A segment longer in x than a cell side is taken column by column: the
    rows its stretch over the column (grown by ``reach``) meets.
    """
    ax, ay, dx, dy = seg4[:, 0], seg4[:, 1], seg4[:, 2], seg4[:, 3]
    gx0, gy0, side, nx, ny = frame[0], frame[1], frame[2], int(frame[3]), int(frame[4])
    listing = cand.size > 0
    for s in range(first, last):
        xa, xb = min(ax[s], ax[s] + dx[s]), max(ax[s], ax[s] + dx[s])
        ya, yb = min(ay[s], ay[s] + dy[s]), max(ay[s], ay[s] + dy[s])
        c0 = max(math.floor((xa - reach - gx0) / side), 0)
        c1 = min(math.floor((xb + reach - gx0) / side), nx - 1)
        long = abs(dx[s]) >= side
        slope = dy[s] / dx[s] if long else 0.0
        for col in range(c0, c1 + 1):
            lo, hi = ya, yb
            if long:
                x_lo = max(gx0 + col * side - reach, xa)
                x_hi = min(gx0 + (col + 1) * side + reach, xb)
                y_lo, y_hi = ay[s] + (x_lo - ax[s]) * slope, ay[s] + (x_hi - ax[s]) * slope
                lo, hi = max(min(y_lo, y_hi), ya), min(max(y_lo, y_hi), yb)
            r0 = max(math.floor((lo - reach - gy0) / side), 0)
            r1 = min(math.floor((hi + reach - gy0) / side), ny - 1)
            for row in range(r0, r1 + 1):
                k = row * nx + col
                if listing:
                    cand[fill[k]] = s
                fill[k] += 1


#: Most blocks of segments registered in parallel (each keeps a count per cell).
_MAX_BLOCKS = 4


def _parallel_blocks(n: int) -> int:
    """Blocks in which ``n`` segments are registered in the grid: one per thread, at most
    :data:`_MAX_BLOCKS`, and at least 65 536 items each."""
    return max(min(numba.get_num_threads(), _MAX_BLOCKS, n // 65536), 1)


@numba.njit(cache=True, parallel=True)
def _register_all(
    seg4: np.ndarray, frame: np.ndarray, reach: float, nb: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(start, cand)``: the segments of cell ``k`` are ``cand[start[k]:start[k + 1]]``,
    in segment order (``nb`` blocks of segments counted and listed in parallel)."""
    n_cells = int(frame[3]) * int(frame[4])
    m = seg4.shape[0]
    fill = np.zeros((nb, n_cells), dtype=np.int64)
    none = np.empty(0, dtype=np.int64)
    for b in numba.prange(nb):
        _register(seg4, frame, reach, b * m // nb, (b + 1) * m // nb, fill[b], none)
    start = np.zeros(n_cells + 1, dtype=np.int64)
    at = 0
    for k in range(n_cells):  # counts to positions: block b after blocks 0 .. b - 1
        start[k] = at
        for b in range(nb):
            count = fill[b, k]
            fill[b, k] = at
            at += count
    start[n_cells] = at
    cand = np.empty(at, dtype=np.int64)
    for b in numba.prange(nb):
        _register(seg4, frame, reach, b * m // nb, (b + 1) * m // nb, fill[b], cand)
    return start, cand


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


def build_end_grid(seg4: np.ndarray, xy: np.ndarray, radius: float) -> EndGrid:
    """Grid over the points ``xy`` listing the segments within ``radius`` of each cell.

    Segments (or their stretches) outside the points' frame are left out: no
    point there asks for them.
    The side is the median segment length, at least four radii, and large
    enough for at most two cells per segment (or 1 M cells) in all.
    """
    ax, dx, dy = seg4[:, 0], seg4[:, 2], seg4[:, 3]
    reach = radius + _SLACK_M
    lo, hi = _bounds(xy)
    lo, hi = lo - reach, hi + reach
    n = max(ax.size, 1)
    every = max(ax.size // 100_000, 1)  # (the median of a sample: the side is no result)
    length = float(np.median(np.hypot(dx[::every], dy[::every]))) if ax.size else 0.0
    area_side = math.sqrt(float((hi[0] - lo[0]) * (hi[1] - lo[1])) / max(2 * n, 1_000_000))
    side = max(length, 4 * reach, area_side)
    nx = int((hi[0] - lo[0]) / side) + 1
    ny = int((hi[1] - lo[1]) / side) + 1
    frame = np.array([lo[0], lo[1], side, float(nx), float(ny)])
    start, cand = _register_all(seg4, frame, reach, _parallel_blocks(ax.size))
    return frame, start, cand


#: Segments within the radius one end keeps; an end with more is unsure.
_MAX_NEAR = 64
#: Cells with more ends than this are not sorted (insertion sorts stay short).
_SMALL_CELL = 128


@numba.njit(cache=True, parallel=True)
def _ends_by_cell(pts: np.ndarray, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, first)``: the ends ordered by grid cell and, within a cell, by ``(x, y)``
    (so ends at one point are neighbours; see :func:`_sort_cell`); the ends of cell
    ``k`` are ``order[first[k]:first[k + 1]]``, those outside the frame come last."""
    gx0, gy0, side, nx, ny = frame[0], frame[1], frame[2], int(frame[3]), int(frame[4])
    n = pts.shape[0]
    n_cells = nx * ny
    cell = np.empty(n, dtype=np.int64)
    first = np.zeros(n_cells + 2, dtype=np.int64)
    for e in range(n):
        col = math.floor((pts[e, 0] - gx0) / side)
        row = math.floor((pts[e, 1] - gy0) / side)
        k = row * nx + col if (0 <= col < nx and 0 <= row < ny) else n_cells
        cell[e] = k
        first[k + 1] += 1
    for k in range(n_cells + 1):
        first[k + 1] += first[k]
    fill = first[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for e in range(n):
        order[fill[cell[e]]] = e
        fill[cell[e]] += 1
    for k in numba.prange(n_cells):
        _sort_cell(pts, order, first[k], first[k + 1])
    return order, first


@numba.njit(cache=True, nogil=True)
def _sort_cell(pts: np.ndarray, order: np.ndarray, s0: int, s1: int) -> None:
    """``order[s0:s1]`` sorted by ``(x, y)`` of ``pts`` in place, by insertion; a cell of
    more than :data:`_SMALL_CELL` ends keeps their order (its equal points then share
    a search only where they follow each other)."""
    if s1 - s0 > _SMALL_CELL:
        return
    for i in range(s0 + 1, s1):
        e = order[i]
        j = i - 1
        while j >= s0 and (
            pts[order[j], 0] > pts[e, 0]
            or (pts[order[j], 0] == pts[e, 0] and pts[order[j], 1] > pts[e, 1])
        ):
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = e


@numba.njit(cache=True, nogil=True)
def _near_cell_segments(
    px: float,
    py: float,
    seg_part: np.ndarray,
    seg4: np.ndarray,
    grid: EndGrid,
    radius: float,
    buf: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> int:
    """The segments of the point's cell within ``radius`` of it into ``buf`` (part,
    distance, unclipped foot parameter; in the cell's order): their number.

    Segments whose box is farther than ``radius`` plus the slack are skipped
    before any distance is computed.
    """
    frame, start, cand = grid
    gx0, gy0, side, nx = frame[0], frame[1], frame[2], int(frame[3])
    reach2 = (radius + _SLACK_M) ** 2
    k = math.floor((py - gy0) / side) * nx + math.floor((px - gx0) / side)
    out_p, out_d, out_t = buf
    m = 0
    for c in range(start[k], start[k + 1]):
        s = cand[c]
        ax, ay, dx, dy = seg4[s, 0], seg4[s, 1], seg4[s, 2], seg4[s, 3]
        gx = max(min(ax, ax + dx) - px, 0.0, px - max(ax, ax + dx))
        gy = max(min(ay, ay + dy) - py, 0.0, py - max(ay, ay + dy))
        if gx * gx + gy * gy > reach2:
            continue
        ex, ey = px - ax, py - ay
        if (ex == 0.0 and ey == 0.0) or (ex == dx and ey == dy):
            d, tu = 0.0, 0.0  # on an end of the segment: what end_distance gives
        else:  # (0 and 0 or 1: never inside)
            d, tu = end_distance(px, py, ax, ay, dx, dy)
        if d > radius:
            continue
        out_p[m], out_d[m], out_t[m] = seg_part[s], d, tu
        m += 1
    return m


@numba.njit(cache=True, parallel=True)
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

    The ends are taken cell by cell (:func:`_ends_by_cell`), blocks of 8192
    in parallel; the segments near a point are searched once for all the ends at
    that point (a junction of a noded layer), and each end then leaves out
    the segments of its own part.
    """
    frame, start = grid[0], grid[1]
    n = pts.shape[0]
    flag = np.zeros(n, dtype=np.bool_)
    sure = np.ones(n, dtype=np.bool_)
    order, first = _ends_by_cell(pts, frame)
    n_in = first[first.size - 2]
    for j in range(n_in, n):  # outside the frame: the R-tree path decides
        sure[order[j]] = False
    widest = 1
    for k in range(first.size - 2):
        widest = max(widest, start[k + 1] - start[k])
    block = 8192
    for b in numba.prange((n_in + block - 1) // block):
        buf = (np.empty(widest, dtype=seg_part.dtype), np.empty(widest), np.empty(widest))
        dist = np.empty(_MAX_NEAR)
        foot = np.empty(_MAX_NEAR)
        count = 0
        qx = qy = np.nan
        for j in range(b * block, min(n_in, (b + 1) * block)):
            e = order[j]
            px, py = pts[e, 0], pts[e, 1]
            if not (px == qx and py == qy):  # a new point: its segments
                count = _near_cell_segments(px, py, seg_part, seg4, grid, radius, buf)
                qx, qy = px, py
            m = 0
            dmin = np.inf
            for i in range(count):
                if buf[0][i] == end_part[e]:
                    continue
                d = buf[1][i]
                if d > radius - _UNSURE_M or m == _MAX_NEAR:
                    sure[e] = False
                    break
                dist[m], foot[m] = d, buf[2][i]
                m += 1
                dmin = min(dmin, d)
            if m == 0 or not sure[e]:
                continue
            keep = dmin >= radius - 4 * near
            for i in range(m):
                if dist[i] <= dmin + 2 * near:
                    keep = keep or 0.0 < foot[i] < 1.0
            flag[e] = keep
    return flag, sure


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
