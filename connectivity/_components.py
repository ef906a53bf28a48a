"""Union-find kernels: components numbered as scipy's ``connected_components`` numbers them.

The separate parts of a network (nodes joined by roads in either direction,
:meth:`RoadNetwork.component_labels
<connectivity.network.RoadNetwork.component_labels>`) are found over the
edges, without the symmetric copy of the adjacency that scipy's
``connected_components(..., connection="weak")`` makes; the junctions of a
line layer (:func:`connectivity.build.lines.node_vertices`) over its pairs
of close points, without a sparse matrix of every point. Each set's root is
its smallest member, so components come numbered by their smallest member.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["pair_components", "weak_labels"]


@numba.njit(cache=True)
def weak_labels(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Weakly connected component of each node, numbered by their smallest node (as
    scipy's ``connected_components(..., connection="weak")``): union-find over the
    edges."""
    n = indptr.size - 1
    parent = np.arange(n)
    for a in range(n):
        for k in range(indptr[a], indptr[a + 1]):
            _union(parent, a, indices[k])
    return _labels(parent)[0]


@numba.njit(cache=True)
def pair_components(i: np.ndarray, j: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """``(label, k)``: the ``k`` connected components of ``n`` points joined by the pairs
    ``(i[p], j[p])``, numbered by their smallest point (as scipy's
    ``connected_components(..., directed=False)``)."""
    parent = np.arange(n)
    for p in range(i.size):
        _union(parent, i[p], j[p])
    return _labels(parent)


@numba.njit(cache=True, inline="always")
def _union(parent: np.ndarray, a: int, b: int) -> None:
    """Join the sets of ``a`` and ``b`` under the smaller root."""
    ra, rb = _root(parent, a), _root(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb


@numba.njit(cache=True)
def _labels(parent: np.ndarray) -> tuple[np.ndarray, int]:
    """``(label, k)``: each member's set, numbered in the order of their roots."""
    n = parent.size
    lab = np.empty(n, dtype=np.int64)
    k = 0
    for a in range(n):  # a root comes before the other members of its set
        r = _root(parent, a)
        if r == a:
            lab[a] = k
            k += 1
        else:
            lab[a] = lab[r]
    return lab, k


@numba.njit(cache=True, inline="always")
def _root(parent: np.ndarray, a: int) -> int:
    """Root of ``a``'s set, halving the path on the way."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a
