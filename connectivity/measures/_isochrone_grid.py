"""Compiled kernel of the grid isochrones: a time surface burnt from timed road pieces.

Every reached road piece is a straight segment A -> B with a start time
``t0`` (when A is reached) and a duration ``dur`` (to traverse the whole
segment), so the point at parameter ``g`` in [0, 1] is reached at
``t0 + g * dur``. A grid cell's *time* is the earliest moment at which a
reached point comes within ``radius`` of the cell centre; the isochrone of a
threshold T is then the set of cells with time <= T. One pass gives every
threshold, and bands are nested by construction.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import shapely
from scipy import ndimage

__all__ = ["burn_time_surface", "mask_polygon", "without_saddles"]


@numba.njit(cache=True, inline="always")
def _enter(
    ax: float, ay: float, dx: float, dy: float, cx: float, cy: float, r2: float, gmax: float
) -> float:
    """Smallest g in [0, gmax] with |A + g D - C| <= r, or -1 when there is none."""
    wx, wy = ax - cx, ay - cy
    cc = wx * wx + wy * wy - r2
    if cc <= 0.0:
        return 0.0
    a = dx * dx + dy * dy
    if a == 0.0:
        return -1.0
    b = wx * dx + wy * dy
    disc = b * b - a * cc
    if disc < 0.0:
        return -1.0
    g = (-b - math.sqrt(disc)) / a
    if g < 0.0 or g > gmax:
        return -1.0
    return g


@numba.njit(cache=True)
def _burn(
    x0: np.ndarray,
    y0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    t0: np.ndarray,
    dur: np.ndarray,
    limit: float,
    xmin: float,
    ymax: float,
    cell: float,
    radius: float,
    out: np.ndarray,
) -> None:
    nrow, ncol = out.shape
    r2 = radius * radius
    for k in range(x0.size):
        start = t0[k]
        if not start <= limit:  # also skips NaN
            continue
        gmax = 1.0
        if dur[k] > 0.0:
            gmax = min(1.0, (limit - start) / dur[k])
        ax, ay = x0[k], y0[k]
        dx, dy = x1[k] - ax, y1[k] - ay
        by = ay + gmax * dy
        i_lo = max(0, math.ceil((ymax - (max(ay, by) + radius)) / cell - 0.5))
        i_hi = min(nrow - 1, math.floor((ymax - (min(ay, by) - radius)) / cell - 0.5))
        for i in range(i_lo, i_hi + 1):
            cy = ymax - (i + 0.5) * cell
            # parameters of the piece within radius of this row's centre line
            g_lo, g_hi = 0.0, gmax
            if dy != 0.0:
                ga, gb = (cy - radius - ay) / dy, (cy + radius - ay) / dy
                g_lo, g_hi = max(g_lo, min(ga, gb)), min(g_hi, max(ga, gb))
                if g_lo > g_hi:
                    continue
            xa, xb = ax + g_lo * dx, ax + g_hi * dx
            j_lo = max(0, math.ceil((min(xa, xb) - radius - xmin) / cell - 0.5))
            j_hi = min(ncol - 1, math.floor((max(xa, xb) + radius - xmin) / cell - 0.5))
            for j in range(j_lo, j_hi + 1):
                cx = xmin + (j + 0.5) * cell
                g = _enter(ax, ay, dx, dy, cx, cy, r2, gmax)
                if g >= 0.0:
                    t = start + g * dur[k]
                    if t < out[i, j]:
                        out[i, j] = t


def burn_time_surface(
    pieces: tuple[np.ndarray, ...],
    limit: float,
    origin: tuple[float, float],
    cell: float,
    radius: float,
    shape: tuple[int, int],
) -> np.ndarray:
    """Earliest time (min) at which each cell centre is within ``radius`` of a reached point.

    Parameters
    ----------
    pieces : tuple of numpy.ndarray
        ``(x0, y0, x1, y1, t0, dur)``: segments, their start time and the
        time to traverse them in full.
    limit : float
        Largest threshold; later points are ignored.
    origin : (float, float)
        ``(xmin, ymax)``: the top-left corner of the grid.
    cell : float
        Cell size (CRS units).
    radius : float
        Distance from a reached point within which a cell centre counts.
    shape : (int, int)
        Rows and columns of the grid.

    Returns
    -------
    numpy.ndarray
        float32 array of ``shape``; ``inf`` where nothing comes within reach.
    """
    out = np.full(shape, np.inf, dtype="float32")
    x0, y0, x1, y1, t0, dur = (np.ascontiguousarray(a, dtype="float64") for a in pieces)
    _burn(x0, y0, x1, y1, t0, dur, float(limit), origin[0], origin[1], cell, radius, out)
    return out


@numba.njit(cache=True)
def _close_saddles(mask: np.ndarray) -> bool:
    """One pass closing diagonal gaps (2 x 2 blocks of pattern 10/01); True if any changed."""
    changed = False
    nrow, ncol = mask.shape
    for i in range(nrow - 1):
        for j in range(ncol - 1):
            a, b, c, d = mask[i, j], mask[i, j + 1], mask[i + 1, j], mask[i + 1, j + 1]
            if a == d and b == c and a != b:
                mask[i, j] = mask[i, j + 1] = mask[i + 1, j] = mask[i + 1, j + 1] = True
                changed = True
    return changed


def without_saddles(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every diagonal-only contact between cells closed (cells added).

    Without such contacts the boundary between cells and background is a set of
    disjoint simple rings, which :func:`mask_polygon` traces directly.
    """
    out = mask.copy()
    while _close_saddles(out):
        pass
    return out


@numba.njit(cache=True)
def _trace(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corner rows, corner columns and ring starts of the cell boundary rings.

    Edges run with the cells on their right (east along a top edge): on a map
    outer rings are clockwise and holes counter-clockwise.
    Only corners are kept (no collinear vertices).
    """
    nrow, ncol = mask.shape
    out = np.full((nrow + 1, ncol + 1), -1, dtype=np.int8)  # 0 E, 1 S, 2 W, 3 N
    for i in range(nrow):
        for j in range(ncol):
            if not mask[i, j]:
                continue
            if i == 0 or not mask[i - 1, j]:
                out[i, j] = 0
            if j == ncol - 1 or not mask[i, j + 1]:
                out[i, j + 1] = 1
            if i == nrow - 1 or not mask[i + 1, j]:
                out[i + 1, j + 1] = 2
            if j == 0 or not mask[i, j - 1]:
                out[i + 1, j] = 3
    di = (0, 1, 0, -1)
    dj = (1, 0, -1, 0)
    rows: list[int] = []
    cols: list[int] = []
    starts: list[int] = []
    for r0 in range(nrow + 1):
        for c0 in range(ncol + 1):
            if out[r0, c0] < 0:
                continue
            starts.append(len(rows))
            r, c, d = r0, c0, out[r0, c0]
            rows.append(r)
            cols.append(c)
            while True:
                out[r, c] = -1
                r, c = r + di[d], c + dj[d]
                if r == r0 and c == c0:
                    break
                nd = out[r, c]
                if nd != d:
                    rows.append(r)
                    cols.append(c)
                d = nd
    starts.append(len(rows))
    return np.array(rows), np.array(cols), np.array(starts)


def mask_polygon(mask: np.ndarray, origin: tuple[float, float], cell: float) -> shapely.Geometry:
    """The cells of ``mask`` as one (multi)polygon; ``mask`` must be free of saddles.

    Parameters
    ----------
    mask : numpy.ndarray
        Boolean grid, row 0 at the top, from :func:`without_saddles`.
    origin : (float, float)
        ``(xmin, ymax)``: the top-left corner of the grid.
    cell : float
        Cell size.
    """
    rows, cols, starts = _trace(np.ascontiguousarray(mask, dtype=np.bool_))
    if rows.size == 0:
        return shapely.Polygon()
    xy = np.column_stack([origin[0] + cols * cell, origin[1] - rows * cell])
    ring_of = np.repeat(np.arange(starts.size - 1), np.diff(starts))
    rings = shapely.linearrings(xy, indices=ring_of)
    outer = ~shapely.is_ccw(rings)
    if not (~outer).any():
        polys = shapely.polygons(rings)
    else:
        # a ring starts at its top-left corner: the cell below-right of it is
        # the component of an outer ring, the cell above a hole's is the
        # component around that hole
        comp, _ = ndimage.label(mask)
        r0, c0 = rows[starts[:-1]], cols[starts[:-1]]
        ring_comp = np.where(outer, comp[r0, c0], comp[r0 - 1, c0]) - 1
        order = np.lexsort((~outer, ring_comp))
        polys = shapely.polygons(rings[order], indices=ring_comp[order])
    return polys[0] if polys.size == 1 else shapely.multipolygons(polys)
