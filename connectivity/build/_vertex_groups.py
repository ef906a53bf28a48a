"""Compiled kernels of the vertex grouping of :func:`connectivity.build.lines.node_vertices`.

Sort-based grouping of integer keys (quantised coordinates, grid cells) and
one pass over the vertices for each group's sums, count and part; each gives
bit for bit what the NumPy steps they replace gave (``np.unique`` ranks,
``np.bincount`` sums in row order, fancy assignment where the last row wins).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

__all__ = [
    "group_stats",
    "joined_means",
    "key_ranks",
    "millimetre_keys",
    "near_cells",
]


@numba.njit(cache=True, parallel=True)
def millimetre_keys(xy: np.ndarray) -> tuple[np.ndarray, bool]:
    """One uint64 key per row of ``xy``: the Morton (Z-order) code of the row's
    ``np.round(xy / 1e-3)`` from the lowest of each axis, and whether those fit
    (span below 2**32 mm, 4 295 km, on both axes).

    Equal keys are equal millimetre points, and sorted keys follow the Z curve,
    so nodes numbered in key order are numbered neighbourhood by neighbourhood
    (the network's arrays are then read with few cache misses).
    """
    n = xy.shape[0]
    qx, qy = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for i in numba.prange(n):
        qx[i] = np.int64(np.rint(xy[i, 0] / 1e-3))
        qy[i] = np.int64(np.rint(xy[i, 1] / 1e-3))
    key = np.empty(n, dtype=np.uint64)
    lox, loy = qx.min(), qy.min()
    if qx.max() - lox >= 2**32 or qy.max() - loy >= 2**32:
        return key, False
    for i in numba.prange(n):
        key[i] = _spread(np.uint64(qx[i] - lox)) | (_spread(np.uint64(qy[i] - loy)) << np.uint64(1))
    return key, True


@numba.njit(cache=True, inline="always")
def _spread(z: np.uint64) -> np.uint64:
    """The 32 low bits of ``z`` on the even bits of a 64-bit word."""
    z = (z | (z << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    z = (z | (z << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    z = (z | (z << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    z = (z | (z << np.uint64(2))) & np.uint64(0x3333333333333333)
    return (z | (z << np.uint64(1))) & np.uint64(0x5555555555555555)


#: Keys from which :func:`key_ranks` sorts two halves in two threads.
_SPLIT_SORT = 1 << 18


def key_ranks(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rank, distinct)``: the rank of each key among the distinct keys, and those in order.

    ``np.unique(key, return_inverse=True)`` by one (unstable, vectorised)
    argsort and one compiled pass. Many keys (with more than one thread) are
    sorted in two halves at once (NumPy's sort releases the GIL) and the
    compiled pass merges them; the ranks depend on the key values only.
    """
    if key.size < _SPLIT_SORT or numba.get_num_threads() < 2:
        return _ranks_of_sorted(key, np.argsort(key))
    half = key.size // 2
    with ThreadPoolExecutor(2) as pool:
        low, high = pool.map(np.argsort, (key[:half], key[half:]))
    return _ranks_of_runs(key, low, high)


@numba.njit(cache=True)
def _ranks_of_runs(
    key: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_ranks_of_sorted` of the merge of two sorted runs: ``low`` orders
    ``key[:half]``, ``high`` orders ``key[half:]`` (positions from ``half``)."""
    half = low.size
    n = key.size
    rank = np.empty(n, dtype=np.int64)
    distinct = np.empty(n, dtype=key.dtype)
    r = -1
    i = j = 0
    for _ in range(n):
        if j == high.size or (i < half and key[low[i]] <= key[half + high[j]]):
            at = low[i]
            i += 1
        else:
            at = half + high[j]
            j += 1
        k = key[at]
        if r < 0 or k != distinct[r]:
            r += 1
            distinct[r] = k
        rank[at] = r
    return rank, distinct[: r + 1].copy()


@numba.njit(cache=True)
def _ranks_of_sorted(key: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = key.size
    rank = np.empty(n, dtype=np.int64)
    distinct = np.empty(n, dtype=key.dtype)
    r = -1
    for j in range(n):
        k = key[order[j]]
        if r < 0 or k != distinct[r]:
            r += 1
            distinct[r] = k
        rank[order[j]] = r
    return rank, distinct[: r + 1].copy()


@numba.njit(cache=True)
def group_stats(
    group: np.ndarray, xy: np.ndarray, part: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(means, part_of, multi)`` of the ``k`` groups of the rows of ``xy``.

    ``means`` are the sums in row order divided by the counts (as
    ``np.bincount``); ``part_of`` the part of each group's last row; ``multi``
    whether a group holds rows of more than one part.
    """
    sums = np.zeros((k, 2))
    count = np.zeros(k, dtype=np.int64)
    part_of = np.full(k, -1, dtype=np.int64)
    multi = np.zeros(k, dtype=np.bool_)
    for i in range(group.size):
        g = group[i]
        sums[g, 0] += xy[i, 0]
        sums[g, 1] += xy[i, 1]
        if count[g] and part_of[g] != part[i]:  # two parts: one follows the other somewhere
            multi[g] = True
        count[g] += 1
        part_of[g] = part[i]
    for g in range(k):
        sums[g, 0] /= count[g]
        sums[g, 1] /= count[g]
    return sums, part_of, multi


@numba.njit(cache=True)
def near_cells(cells: np.ndarray, count: np.ndarray, step: int) -> np.ndarray:
    """Whether each of the sorted distinct ``cells`` keys holds two points or has an
    occupied neighbour (keys ``+1``, ``+step - 1``, ``+step``, ``+step + 1`` and the reverse)."""
    n = cells.size
    near = count > 1
    offsets = np.array([1, step - 1, step, step + 1], dtype=cells.dtype)
    at = np.zeros(4, dtype=np.int64)  # one walking position per offset, in one pass
    for i in range(n):
        for o in range(4):
            target = cells[i] + offsets[o]
            p = at[o]
            while p < n and cells[p] < target:
                p += 1
            at[o] = p
            if p < n and cells[p] == target:
                near[i] = True
                near[p] = True
    return near


@numba.njit(cache=True)
def joined_means(
    xy: np.ndarray, node: np.ndarray, label: np.ndarray, pts: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(node_xy, rows)``: the mean of the vertices of each of the ``k`` nodes (vertex
    ``v`` in node ``node[v]``; distinct point ``u`` in node ``label[u]``), and the
    vertices of the nodes that join more than one distinct point, in order.

    A node of one distinct point ``u`` takes its mean ``pts[u]`` (the same sums and
    count); the others are summed again from their vertices, in row order (as
    ``np.bincount``), and divided by their number of vertices.
    """
    size = np.zeros(k, dtype=np.int64)
    for u in range(label.size):
        size[label[u]] += 1
    node_xy = np.empty((k, 2))
    for u in range(label.size):
        if size[label[u]] == 1:
            node_xy[label[u], 0], node_xy[label[u], 1] = pts[u, 0], pts[u, 1]
    m = 0
    for v in range(node.size):
        m += size[node[v]] > 1
    rows = np.empty(m, dtype=np.int64)
    sums = np.zeros((k, 2))
    count = np.zeros(k, dtype=np.int64)
    m = 0
    for v in range(node.size):
        g = node[v]
        if size[g] > 1:
            rows[m] = v
            m += 1
            sums[g, 0] += xy[v, 0]
            sums[g, 1] += xy[v, 1]
            count[g] += 1
    for g in range(k):
        if size[g] > 1:
            node_xy[g, 0], node_xy[g, 1] = sums[g, 0] / count[g], sums[g, 1] / count[g]
    return node_xy, rows
