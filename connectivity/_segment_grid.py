"""Compiled kernels of a uniform grid of candidate segments (used by :mod:`connectivity.snapping`).

Each square cell lists every segment that can be the nearest (or tie for
nearest) to some point inside the cell: the segments whose smallest distance
to the cell is at most ``U``, the smallest over all segments of their
*largest* distance to the cell (``U`` plus a small slack for rounding). A
point then checks only the handful of segments of its cell, with exactly the
arithmetic and the tie rule of the R-tree search
(:mod:`connectivity._segment_tree`), so the results are the same bit for bit.
Cells whose list would be long, and points outside the grid, use the tree.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from connectivity._segment_tree import (
    _SLACK_M,
    Columns,
    Grid,
    _project_d2,
)

__all__ = ["build_grid"]

#: Segments give a bound to the cells within this many sides of their box.
MARGIN = 0.5
#: Bands of rows built in parallel.
_BANDS = 16
#: Longest candidate list a cell keeps (longer ones use the tree).
MAX_CANDIDATES = 24


@numba.njit(cache=True, inline="always")
def _seg_dist(px: float, py: float, s: int, seg: Columns) -> float:
    ax, ay, dx, dy, l2, _pieces = seg
    t, _d2, _tu = _project_d2(px, py, ax[s], ay[s], dx[s], dy[s], l2[s])
    return math.hypot(px - ax[s] - t * dx[s], py - ay[s] - t * dy[s])


@numba.njit(cache=True, inline="always")
def _seg_d2(px: float, py: float, s: int, seg: Columns) -> float:
    ax, ay, dx, dy, l2, _pieces = seg
    return _project_d2(px, py, ax[s], ay[s], dx[s], dy[s], l2[s])[1]


@numba.njit(cache=True, parallel=True)
def _cell_bounds(seg: Columns, frame: np.ndarray, margin: float) -> np.ndarray:
    """Per cell, the smallest largest-distance to the cell of the segments near it.

    Near: the segment's box grown by ``margin`` meets the cell.

    An upper bound of the nearest-segment distance of every point in the
    cell (``inf`` where no segment's box meets the cell).
    """
    ax, ay, dx, dy, _l2, _pieces = seg
    nx, ny = int(frame[3]), int(frame[4])
    upper = np.full(nx * ny, np.inf)
    for band in numba.prange(_BANDS):  # bands of rows: no two threads write one cell
        lo, hi = band * ny // _BANDS, (band + 1) * ny // _BANDS - 1
        for s in range(ax.size):
            c0, c1, r0, r1 = _cell_span(ax[s], ay[s], dx[s], dy[s], margin, frame)
            _bounds_rows(s, seg, frame, c0, c1, max(r0, lo), min(r1, hi), upper)
    return upper


@numba.njit(cache=True, inline="always")
def _bounds_rows(
    s: int, seg: Columns, frame: np.ndarray, c0: int, c1: int, r0: int, r1: int, upper: np.ndarray
) -> None:
    """Lower ``upper`` of the cells ``[r0, r1] x [c0, c1]`` to the segment's largest distance."""
    gx0, gy0, side = frame[0], frame[1], frame[2]
    nx = int(frame[3])
    for row in range(r0, r1 + 1):
        y0 = gy0 + row * side
        for col in range(c0, c1 + 1):
            x0 = gx0 + col * side
            far2 = max(
                _seg_d2(x0, y0, s, seg),
                _seg_d2(x0 + side, y0, s, seg),
                _seg_d2(x0, y0 + side, s, seg),
                _seg_d2(x0 + side, y0 + side, s, seg),
            )
            k = row * nx + col
            upper[k] = min(upper[k], math.sqrt(far2) * (1.0 + 1e-12))


@numba.njit(cache=True, inline="always")
def _cell_span(
    ax: float, ay: float, dx: float, dy: float, margin: float, frame: np.ndarray
) -> tuple[int, int, int, int]:
    """First and last column and row of the cells the segment's box (grown by ``margin``) meets."""
    gx0, gy0, side = frame[0], frame[1], frame[2]
    nx, ny = int(frame[3]), int(frame[4])
    c0 = max(math.floor((min(ax, ax + dx) - margin - gx0) / side), 0)
    c1 = min(math.floor((max(ax, ax + dx) + margin - gx0) / side), nx - 1)
    r0 = max(math.floor((min(ay, ay + dy) - margin - gy0) / side), 0)
    r1 = min(math.floor((max(ay, ay + dy) + margin - gy0) / side), ny - 1)
    return c0, c1, r0, r1


@numba.njit(cache=True, parallel=True)
def _candidates(
    seg: Columns,
    frame: np.ndarray,
    upper: np.ndarray,
    reach: float,
    start: np.ndarray,
    counting: bool,
) -> np.ndarray:
    """Count (``counting``: into ``start[1:]``, zero before) or list the candidates per cell.

    A segment is a candidate of a cell when a lower bound of its distance to
    the cell (the larger of the box distance and the distance to the centre
    less the half diagonal) is at most the cell's ``upper`` plus slack. Cells
    with ``upper > reach`` are left empty (they use the tree).
    """
    ax, ay, dx, dy, _l2, _pieces = seg
    gx0, gy0, side = frame[0], frame[1], frame[2]
    nx = int(frame[3])
    h = 0.5 * math.sqrt(2.0) * side
    fill = start[:-1].copy()
    out = np.empty(0 if counting else start[-1], dtype=np.int32)
    ny = int(frame[4])
    for band in numba.prange(_BANDS):  # bands of rows: no two threads write one cell
        for s in range(ax.size):
            bx0, bx1 = min(ax[s], ax[s] + dx[s]), max(ax[s], ax[s] + dx[s])
            by0, by1 = min(ay[s], ay[s] + dy[s]), max(ay[s], ay[s] + dy[s])
            c0, c1, r0, r1 = _cell_span(ax[s], ay[s], dx[s], dy[s], reach, frame)
            r0 = max(r0, band * ny // _BANDS)
            r1 = min(r1, (band + 1) * ny // _BANDS - 1)
            for row in range(r0, r1 + 1):
                y0 = gy0 + row * side
                gy = max(by0 - (y0 + side), 0.0, y0 - by1)
                for col in range(c0, c1 + 1):
                    k = row * nx + col
                    u = upper[k]
                    if u > reach:
                        continue
                    x0 = gx0 + col * side
                    gx = max(bx0 - (x0 + side), 0.0, x0 - bx1)
                    limit = u * (1.0 + 1e-9) + _SLACK_M
                    if gx * gx + gy * gy > limit * limit:
                        continue
                    if _seg_dist(x0 + 0.5 * side, y0 + 0.5 * side, s, seg) - h > limit:
                        continue
                    if counting:
                        start[k + 1] += 1
                    else:
                        out[fill[k]] = s
                        fill[k] += 1
    return out


def build_grid(seg: Columns, side: float) -> Grid:
    """Grid of cells of the given side over the segments, with their candidate lists.

    Cells farther than two sides from every segment, and cells with more
    than :data:`MAX_CANDIDATES` candidates, get an empty list (the tree).
    """
    ax, ay, dx, dy = seg[0], seg[1], seg[2], seg[3]
    x0 = float(min(ax.min(), (ax + dx).min()))
    y0 = float(min(ay.min(), (ay + dy).min()))
    x1 = float(max(ax.max(), (ax + dx).max()))
    y1 = float(max(ay.max(), (ay + dy).max()))
    nx = int((x1 - x0) / side) + 1
    ny = int((y1 - y0) / side) + 1
    frame = np.array([x0, y0, side, float(nx), float(ny)])
    upper = _cell_bounds(seg, frame, MARGIN * side)
    reach = 2.0 * side
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    _candidates(seg, frame, upper, reach, start, True)
    long = start[1:] > MAX_CANDIDATES
    upper[long] = np.inf  # long lists: the tree
    start[1:][long] = 0
    np.cumsum(start, out=start)
    cand = _candidates(seg, frame, upper, reach, start, False)
    return frame, start, cand
