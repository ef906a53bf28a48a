"""Compiled kernels of the nearest-segment search (used by :mod:`connectivity.snapping`).

A packed R-tree over the segments' bounding boxes (the "flatbush" layout: the
segments sorted along a Hilbert curve of their box centres, then groups of
``NODE_SIZE`` boxes per tree node, level by level) and an exact best-first
nearest-segment query, one point at a time, compiled with numba.

The distance of a point to a segment is computed with exactly the arithmetic
of :meth:`connectivity.snapping.SegmentIndex.project` (same operations, same
order), so distances are bit for bit those of the NumPy code. Among segments
at exactly the same distance the winner is the one with the nearest *piece
midpoint* (the pieces of :func:`connectivity.snapping.segment_index`), the
order in which the k-d tree of earlier versions met them; points where that
still ties are flagged for the caller.
"""

from __future__ import annotations

import math
from typing import TypeAlias

import numba
import numpy as np

__all__ = [
    "NODE_SIZE",
    "NO_GRID",
    "build_tree",
    "nearest_segments",
    "past_k_nearest",
    "piece_cells",
    "spatial_order",
    "subtree_pieces",
    "undirected_segments",
]

#: ``(boxes, order, levels, leaf_keys, frame)`` of :func:`build_tree`.
Tree: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: ``(frame, start, cand)`` of :func:`connectivity._segment_grid.build_grid`:
#: ``frame = (x0, y0, side, nx, ny)``; the candidate segments of cell ``k``
#: (numbered row by row) are ``cand[start[k]:start[k + 1]]``, none where the
#: cell's points search the tree.
Grid: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray]
#: ``(ax, ay, dx, dy, len2, pieces)`` per segment: start, direction, squared
#: length and number of tie-break pieces.
Columns: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: Children per tree node.
NODE_SIZE = 8
#: Absolute slack (metres) of the pruning test, far above the rounding of a
#: box or segment distance, so no segment at the best distance is pruned.
_SLACK_M = 1e-3
#: Leaves either side of a point's Hilbert position tried first (a first bound).
_WINDOW = 8


@numba.njit(cache=True)
def _hilbert(x: int, y: int) -> int:
    """Position of cell ``(x, y)`` (16-bit each) along a Hilbert curve (Warren's algorithm)."""
    a = x ^ y
    b = 0xFFFF ^ a
    c = 0xFFFF ^ (x | y)
    d = x & (y ^ 0xFFFF)
    aa = a | (b >> 1)
    bb = (a >> 1) ^ a
    cc = ((c >> 1) ^ (b & (d >> 1))) ^ c
    dd = ((a & (c >> 1)) ^ (d >> 1)) ^ d
    a, b, c, d = aa, bb, cc, dd
    aa = (a & (a >> 2)) ^ (b & (b >> 2))
    bb = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
    cc ^= (a & (c >> 2)) ^ (b & (d >> 2))
    dd ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))
    a, b, c, d = aa, bb, cc, dd
    aa = (a & (a >> 4)) ^ (b & (b >> 4))
    bb = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
    cc ^= (a & (c >> 4)) ^ (b & (d >> 4))
    dd ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))
    a, b, c, d = aa, bb, cc, dd
    cc ^= (a & (c >> 8)) ^ (b & (d >> 8))
    dd ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))
    a = cc ^ (cc >> 1)
    b = dd ^ (dd >> 1)
    i0 = x ^ y
    i1 = b | (0xFFFF ^ (i0 | a))
    i0 = (i0 | (i0 << 8)) & 0x00FF00FF
    i0 = (i0 | (i0 << 4)) & 0x0F0F0F0F
    i0 = (i0 | (i0 << 2)) & 0x33333333
    i0 = (i0 | (i0 << 1)) & 0x55555555
    i1 = (i1 | (i1 << 8)) & 0x00FF00FF
    i1 = (i1 | (i1 << 4)) & 0x0F0F0F0F
    i1 = (i1 | (i1 << 2)) & 0x33333333
    i1 = (i1 | (i1 << 1)) & 0x55555555
    return (i1 << 1) | i0


@numba.njit(cache=True, inline="always")
def _hilbert_key(x: float, y: float, frame: np.ndarray) -> int:
    """Hilbert position of a point in ``frame = (x0, y0, width, height)`` (clamped to it)."""
    hx = min(max(int(65535.0 * (x - frame[0]) / frame[2]), 0), 65535)
    hy = min(max(int(65535.0 * (y - frame[1]) / frame[3]), 0), 65535)
    return _hilbert(hx, hy)


@numba.njit(cache=True)
def _hilbert_keys(cx: np.ndarray, cy: np.ndarray, frame: np.ndarray) -> np.ndarray:
    out = np.empty(cx.size, dtype=np.int64)
    for i in range(cx.size):
        out[i] = _hilbert_key(cx[i], cy[i], frame)
    return out


def _frame(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(x0, y0, width, height)`` of the points (width and height > 0)."""
    x0, y0 = float(x.min()), float(y.min())
    return np.array([x0, y0, max(float(x.max()) - x0, 1e-9), max(float(y.max()) - y0, 1e-9)])


@numba.njit(cache=True)
def _pack_levels(boxes: np.ndarray, n: int, n_total: int) -> np.ndarray:
    """Fill the node boxes above the ``n`` leaf boxes; returns the level start offsets."""
    starts = [0]
    lo, hi = 0, n
    pos = n
    while True:  # at least one level of nodes, even over a single segment
        starts.append(pos)
        for g in range(lo, hi, NODE_SIZE):
            end = min(g + NODE_SIZE, hi)
            b0, b1, b2, b3 = boxes[g, 0], boxes[g, 1], boxes[g, 2], boxes[g, 3]
            for k in range(g + 1, end):
                b0 = min(b0, boxes[k, 0])
                b1 = min(b1, boxes[k, 1])
                b2 = max(b2, boxes[k, 2])
                b3 = max(b3, boxes[k, 3])
            boxes[pos, 0], boxes[pos, 1], boxes[pos, 2], boxes[pos, 3] = b0, b1, b2, b3
            pos += 1
        lo, hi = hi, pos
        if hi - lo == 1:
            break
    starts.append(pos)
    out = np.empty(len(starts), dtype=np.int64)
    for i in range(len(starts)):
        out[i] = starts[i]
    return out


def build_tree(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> Tree:
    """Packed R-tree of the segments ``(x0, y0)-(x1, y1)``.

    Returns
    -------
    boxes : (n_boxes, 4) float64 array
        ``minx, miny, maxx, maxy``: the segments (in tree order) first, then
        the nodes level by level, the root last.
    order : (n,) int64 array
        Segment id of each leaf box.
    levels : int64 array
        Start of each level in ``boxes`` (the last entry is ``n_boxes``).
    leaf_keys : int64 array
        Hilbert position of each leaf box's centre (sorted).
    frame : float64 array
        ``(x0, y0, width, height)`` of the Hilbert keys.
    """
    n = x0.size
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    frame = _frame(cx, cy) if n else np.array([0.0, 0.0, 1.0, 1.0])
    hkeys = _hilbert_keys(cx, cy, frame)
    order = _radix_order(hkeys)
    n_total, m = n, n
    while True:
        m = -(-m // NODE_SIZE)
        n_total += m
        if m <= 1:
            break
    boxes = np.empty((max(n_total, 1), 4))
    a, b = x0[order], x1[order]
    boxes[:n, 0] = np.minimum(a, b)
    boxes[:n, 2] = np.maximum(a, b)
    a, b = y0[order], y1[order]
    boxes[:n, 1] = np.minimum(a, b)
    boxes[:n, 3] = np.maximum(a, b)
    levels = _pack_levels(boxes, n, n_total)
    return boxes, order, levels, hkeys[order], frame


@numba.njit(cache=True, inline="always")
def _project_d2(
    px: float, py: float, ax: float, ay: float, dx: float, dy: float, l2: float
) -> tuple[float, float, float]:
    """``(t clipped, squared distance, t unclipped)`` of a point and a segment.

    The arithmetic of ``SegmentIndex.project`` (whose distance is
    ``hypot(ex - t * dx, ey - t * dy)``), squared, for pruning.
    """
    ex = px - ax
    ey = py - ay
    tu = (ex * dx + ey * dy) / l2 if l2 > 0 else 0.0
    t = min(max(tu, 0.0), 1.0)
    qx = ex - t * dx
    qy = ey - t * dy
    return t, qx * qx + qy * qy, tu


@numba.njit(cache=True, inline="always")
def _piece_d2(
    px: float, py: float, ax: float, ay: float, dx: float, dy: float, m: int, tu: float
) -> float:
    """Squared distance to the nearest of the ``m`` piece midpoints of a segment."""
    centre = min(math.floor(min(max(tu, 0.0), 1.0) * m), m - 1)
    best = np.inf
    for i in range(max(centre - 1, 0), min(centre + 2, m)):
        f = (i + 0.5) / m
        qx = px - (ax + f * dx)
        qy = py - (ay + f * dy)
        best = min(best, qx * qx + qy * qy)
    return best


@numba.njit(cache=True, inline="always")
def _push(keys: np.ndarray, vals: np.ndarray, size: int, key: float, val: int) -> None:
    """Add ``(key, val)`` to a binary min-heap of ``size`` entries (the caller increments)."""
    i = size
    while i > 0 and keys[(i - 1) >> 1] > key:  # sift up
        keys[i], vals[i] = keys[(i - 1) >> 1], vals[(i - 1) >> 1]
        i = (i - 1) >> 1
    keys[i], vals[i] = key, val


@numba.njit(cache=True, inline="always")
def _pop(keys: np.ndarray, vals: np.ndarray, size: int) -> None:
    """Remove the smallest entry of a heap of ``size`` entries (the caller decrements)."""
    n = size - 1
    last_k, last_v = keys[n], vals[n]
    i = 0
    c = 1
    while c < n:  # sift down the last entry from the root
        if c + 1 < n and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= last_k:
            break
        keys[i], vals[i] = keys[c], vals[c]
        i, c = c, 2 * c + 1
    keys[i], vals[i] = last_k, last_v


@numba.njit(cache=True, inline="always")
def _box_d2(px: float, py: float, boxes: np.ndarray, k: int) -> float:
    ddx = max(boxes[k, 0] - px, 0.0, px - boxes[k, 2])
    ddy = max(boxes[k, 1] - py, 0.0, py - boxes[k, 3])
    return ddx * ddx + ddy * ddy


@numba.njit(cache=True, inline="always")
def _consider(
    px: float,
    py: float,
    s: int,
    seg: Columns,
    best: tuple[int, float, float, float, int, int],
    bound: float,
) -> tuple[tuple[int, float, float, float, int, int], float]:
    """Segment ``s`` against the best so far.

    ``best`` is ``(segment, t, distance, piece d2, tie, lowest)``: ``lowest``
    is the smallest id among the segments at the best distance. Returns the
    new best and the new pruning bound (a squared distance).
    """
    ax, ay, dx, dy, l2, pieces = seg
    t, d2, tu = _project_d2(px, py, ax[s], ay[s], dx[s], dy[s], l2[s])
    if d2 > bound:
        return best, bound
    d = math.hypot(px - ax[s] - t * dx[s], py - ay[s] - t * dy[s])
    best_s, best_t, best_d, best_p2, tie, low = best
    if d > best_d:
        return best, bound
    p2 = _piece_d2(px, py, ax[s], ay[s], dx[s], dy[s], pieces[s], tu)
    if d == best_d:
        # two segments at the same distance: the nearer piece midpoint wins
        low = min(low, s)
        if p2 >= best_p2:
            tie = max(tie, 2 if p2 == best_p2 else 1)
            return (best_s, best_t, best_d, best_p2, tie, low), bound
        tie = 1
    else:
        tie, low = 0, s
    slack = d * (1.0 + 1e-9) + _SLACK_M
    return (s, t, d, p2, tie, low), slack * slack


@numba.njit(cache=True)
def _query_one(
    px: float,
    py: float,
    tree: Tree,
    seg: Columns,
    keys: np.ndarray,
    vals: np.ndarray,
) -> tuple[int, float, float, int]:
    """Nearest segment of one point: ``(segment, fraction, distance, tie)``.

    ``tie`` is 0 (one nearest segment, or several at the same distance of
    which the one with the nearest piece midpoint has the smallest id), 1
    (several, the nearest piece midpoint chose) or 2 (several with both
    equal). The segments next to the point along the Hilbert curve give a
    first bound.
    """
    boxes, order, levels, leaf_keys, frame = tree
    n = order.size
    best = (-1, np.nan, np.inf, np.inf, 0, -1)
    bound = np.inf
    at = int(np.searchsorted(leaf_keys, _hilbert_key(px, py, frame)))
    lo, hi = max(at - _WINDOW, 0), min(at + _WINDOW, n)
    for c in range(lo, hi):
        best, bound = _consider(px, py, order[c], seg, best, bound)
    size = 1
    keys[0] = 0.0
    vals[0] = levels[levels.size - 1] - 1  # the root
    while size:
        key, node = keys[0], vals[0]
        _pop(keys, vals, size)
        size -= 1
        if key > bound:
            break
        level = 0
        while node >= levels[level + 1]:
            level += 1
        first = levels[level - 1] + (node - levels[level]) * NODE_SIZE
        for c in range(first, min(first + NODE_SIZE, levels[level])):
            c_d2 = _box_d2(px, py, boxes, c)
            if c_d2 > bound or lo <= c < hi:
                continue
            if c < n:
                best, bound = _consider(px, py, order[c], seg, best, bound)
                continue
            if size == keys.size:
                return -2, np.nan, np.nan, 0  # heap full: the caller enlarges it
            _push(keys, vals, size, c_d2, c)
            size += 1
    tie = best[4]
    if tie == 1 and best[0] == best[5]:
        tie = 0  # the nearest piece midpoint and the smallest id agree
    return best[0], best[1], best[2], tie


@numba.njit(cache=True)
def _radix_order(key: np.ndarray) -> np.ndarray:
    """Stable order of non-negative keys below 2**32 (two 16-bit counting passes)."""
    n = key.size
    order = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    for shift in (0, 16):
        count = np.zeros(65537, dtype=np.int64)
        for i in range(n):
            count[((key[i] >> shift) & 0xFFFF) + 1] += 1
        for k in range(1, 65537):
            count[k] += count[k - 1]
        for j in range(n):
            i = order[j]
            digit = (key[i] >> shift) & 0xFFFF
            tmp[count[digit]] = i
            count[digit] += 1
        order, tmp = tmp, order
    return order


@numba.njit(cache=True)
def spatial_order(px: np.ndarray, py: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Positions of the points along a Hilbert curve (missing points first)."""
    ok = np.isfinite(px) & np.isfinite(py)
    key = np.zeros(px.size, dtype=np.int64)
    if ok.any():
        key[ok] = _hilbert_keys(px[ok], py[ok], frame)
    return _radix_order(key)


@numba.njit(cache=True, inline="always")
def _cell_of(px: float, py: float, frame: np.ndarray) -> int:
    """Grid cell of a point, -1 outside the grid."""
    fx = (px - frame[0]) / frame[2]
    fy = (py - frame[1]) / frame[2]
    if not (0.0 <= fx < frame[3] and 0.0 <= fy < frame[4]):
        return -1
    return int(fy) * int(frame[3]) + int(fx)


@numba.njit(cache=True)
def _scan_cell(
    px: float, py: float, first: int, last: int, cand: np.ndarray, seg: Columns
) -> tuple[int, float, float, int]:
    """:func:`_query_one` over the candidates ``cand[first:last]`` of the point's cell."""
    best = (-1, np.nan, np.inf, np.inf, 0, -1)
    bound = np.inf
    for c in range(first, last):
        best, bound = _consider(px, py, cand[c], seg, best, bound)
    tie = best[4]
    if tie == 1 and best[0] == best[5]:
        tie = 0  # as in _query_one
    return best[0], best[1], best[2], tie


@numba.njit(cache=True, parallel=True)
def _query_all(
    px: np.ndarray,
    py: np.ndarray,
    which: np.ndarray,
    tree: Tree,
    seg: Columns,
    grid: Grid,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    heap_size: int,
) -> None:
    """Query the points ``which`` (in that order, blocks in parallel); results into ``out``.

    A point in a grid cell with candidates checks only those; others search the tree.
    """
    frame, start, cand = grid
    out_s, out_t, out_d, out_tie = out
    block = 4096
    n = which.size
    for b in numba.prange((n + block - 1) // block):
        keys = np.empty(heap_size)
        vals = np.empty(heap_size, dtype=np.int64)
        for j in range(b * block, min((b + 1) * block, n)):
            i = which[j]
            if not (math.isfinite(px[i]) and math.isfinite(py[i])):
                out_s[i] = -1
                continue
            k = _cell_of(px[i], py[i], frame)
            if k >= 0 and start[k] < start[k + 1]:
                s, t, d, tie = _scan_cell(px[i], py[i], start[k], start[k + 1], cand, seg)
            else:
                s, t, d, tie = _query_one(px[i], py[i], tree, seg, keys, vals)
            out_s[i], out_t[i], out_d[i], out_tie[i] = s, t, d, tie


#: A grid of no cells (every point searches the tree).
NO_GRID: Grid = (
    np.array([0.0, 0.0, 1.0, 0.0, 0.0]),
    np.zeros(1, dtype=np.int64),
    np.zeros(0, dtype=np.int32),
)


def nearest_segments(
    px: np.ndarray,
    py: np.ndarray,
    tree: Tree,
    seg: Columns,
    grid: Grid = NO_GRID,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact nearest segment of every point.

    Parameters
    ----------
    px, py : float64 arrays
        The points; NaN marks a missing point (segment -1).
    tree : tuple
        ``(boxes, order, levels, leaf_keys, frame)`` of :func:`build_tree`.
    seg : tuple
        ``(ax, ay, dx, dy, len2, pieces)`` per segment: start, direction,
        squared length and the number of tie-break pieces.
    grid : tuple, optional
        Candidate lists of :func:`connectivity._segment_grid.build_grid`
        (faster for many points; the same results).

    Returns
    -------
    segment, fraction, distance, tie
        ``tie`` (int8) is 0 where one segment is nearest, 1 where several are
        at the same distance and the nearest piece midpoint chose, 2 where
        that ties too (the caller settles those).
    """
    n = px.size
    out_s = np.full(n, -1, dtype=np.int64)
    out_t = np.full(n, np.nan)
    out_d = np.full(n, np.nan)
    out_tie = np.zeros(n, dtype=np.int8)
    order = tree[1]
    if order.size == 0 or n == 0:
        return out_s, out_t, out_d, out_tie
    out = (out_s, out_t, out_d, out_tie)
    heap = 1024
    todo = spatial_order(px, py, tree[4])
    while todo.size:
        _query_all(px, py, todo, tree, seg, grid, out, heap)
        todo = todo[out_s[todo] == -2]
        heap *= 8
    return out_s, out_t, out_d, out_tie


@numba.njit(cache=True)
def subtree_pieces(order: np.ndarray, levels: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Number of tie-break pieces under every box of the tree (leaves and nodes)."""
    out = np.zeros(levels[levels.size - 1], dtype=np.int64)
    n = order.size
    for c in range(n):
        out[c] = pieces[order[c]]
    for level in range(1, levels.size - 1):
        for node in range(levels[level], levels[level + 1]):
            first = levels[level - 1] + (node - levels[level]) * NODE_SIZE
            for c in range(first, min(first + NODE_SIZE, levels[level])):
                out[node] += out[c]
    return out


@numba.njit(cache=True)
def _pieces_within_reach(
    px: float,
    py: float,
    radius: float,
    tree: Tree,
    counts: np.ndarray,
    seg: Columns,
    k: int,
    stack: np.ndarray,
) -> bool:
    """True if ``k`` or more piece midpoints may lie closer than ``radius`` to the point.

    An upper bound (the pieces under the boxes the disc meets) refined box by
    box until it drops below ``k`` or is exact.
    """
    boxes, order, levels, _keys, _frame = tree
    ax, ay, dx, dy, _l2, pieces = seg
    r2 = radius * radius
    n = order.size
    root = levels[levels.size - 1] - 1
    stack[0] = root
    top = 1
    bound = counts[root]
    while top and bound >= k:
        top -= 1
        node = stack[top]
        bound -= counts[node]
        level = 0
        while node >= levels[level + 1]:
            level += 1
        first = levels[level - 1] + (node - levels[level]) * NODE_SIZE
        for c in range(first, min(first + NODE_SIZE, levels[level])):
            if _box_d2(px, py, boxes, c) >= r2:
                continue
            if c >= n:
                stack[top] = c
                top += 1
                bound += counts[c]
                continue
            s = order[c]
            m = pieces[s]
            for i in range(m):
                f = (i + 0.5) / m
                qx = px - (ax[s] + f * dx[s])
                qy = py - (ay[s] + f * dy[s])
                bound += qx * qx + qy * qy < r2
    return bound >= k


@numba.njit(cache=True, parallel=True)
def past_k_nearest(
    px: np.ndarray,
    py: np.ndarray,
    radius: np.ndarray,
    tree: Tree,
    counts: np.ndarray,
    seg: Columns,
    k: int,
) -> np.ndarray:
    """For each point, whether ``k`` or more piece midpoints may lie within its radius."""
    out = np.zeros(px.size, dtype=np.bool_)
    levels = tree[2]
    for b in numba.prange((px.size + 4095) // 4096):
        stack = np.empty(NODE_SIZE * levels.size + 1, dtype=np.int64)
        for i in range(b * 4096, min((b + 1) * 4096, px.size)):
            out[i] = _pieces_within_reach(px[i], py[i], radius[i], tree, counts, seg, k, stack)
    return out


@numba.njit(cache=True)
def undirected_segments(
    indptr: np.ndarray, heads: np.ndarray, time_min: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, t_ab, t_ba)`` of the undirected segments of a CSR graph, sorted by ``(a, b)``.

    ``a = min(tail, head)``, ``b = max(tail, head)``; ``t_ab`` is the time of
    the edge ``a -> b`` (``inf`` if none) and ``t_ba`` of ``b -> a`` (a self
    loop counts as ``b -> a``). Of repeated edges the last in CSR order counts.
    """
    n = indptr.size - 1
    m = heads.size
    start = np.zeros(n + 1, dtype=np.int64)
    for t in range(n):
        for e in range(indptr[t], indptr[t + 1]):
            start[min(t, heads[e]) + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    other = np.empty(m, dtype=np.int64)
    edge = np.empty(m, dtype=np.int64)
    for t in range(n):  # edges grouped by their smaller end, in CSR order
        for e in range(indptr[t], indptr[t + 1]):
            h = heads[e]
            lo = min(t, h)
            other[fill[lo]] = max(t, h)
            edge[fill[lo]] = e
            fill[lo] += 1
    a = np.empty(m, dtype=np.int64)
    b = np.empty(m, dtype=np.int64)
    t_ab = np.full(m, np.inf)
    t_ba = np.full(m, np.inf)
    k = -1
    for lo in range(n):
        s0, s1 = start[lo], start[lo + 1]
        for i in range(s0 + 1, s1):  # stable insertion sort by the other end
            o, e = other[i], edge[i]
            j = i - 1
            while j >= s0 and other[j] > o:
                other[j + 1], edge[j + 1] = other[j], edge[j]
                j -= 1
            other[j + 1], edge[j + 1] = o, e
        for i in range(s0, s1):
            if i == s0 or other[i] != other[i - 1]:
                k += 1
                a[k], b[k] = lo, other[i]
            e = edge[i]
            if heads[e] > lo:
                t_ab[k] = time_min[e]
            else:
                t_ba[k] = time_min[e]
    return a[: k + 1], b[: k + 1], t_ab[: k + 1], t_ba[: k + 1]


@numba.njit(cache=True)
def piece_cells(seg: Columns, side: float) -> np.ndarray:
    """Square cell (of the given side) of every piece midpoint, numbered row by row.

    An empty array when the cells cannot be numbered in an int64.
    """
    ax, ay, dx, dy, _l2, pieces = seg
    x0, x1 = min(ax.min(), (ax + dx).min()), max(ax.max(), (ax + dx).max())
    y0, y1 = min(ay.min(), (ay + dy).min()), max(ay.max(), (ay + dy).max())
    nx = (x1 - x0) / side + 2.0
    ny = (y1 - y0) / side + 2.0
    if nx * ny > 2.0**62:
        return np.zeros(0, dtype=np.int64)
    width = int(nx)
    out = np.empty(pieces.sum(), dtype=np.int64)
    k = 0
    for s in range(ax.size):
        m = pieces[s]
        for i in range(m):
            f = (i + 0.5) / m
            cx = math.floor((ax[s] + f * dx[s] - x0) / side)
            cy = math.floor((ay[s] + f * dy[s] - y0) / side)
            out[k] = cy * width + cx
            k += 1
    return out
