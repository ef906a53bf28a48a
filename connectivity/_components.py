"""Compiled kernel of :meth:`RoadNetwork.component_labels
<connectivity.network.RoadNetwork.component_labels>` for weak components.

The separate parts of a network (nodes joined by roads in either direction)
are found by union-find over the edges, without the symmetric copy of the
adjacency that scipy's ``connected_components(..., connection="weak")``
makes; the labels are the same as scipy's.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["weak_labels"]


@numba.njit(cache=True)
def weak_labels(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Weakly connected component of each node, numbered by their smallest node (as
    scipy's ``connected_components(..., connection="weak")``): union-find over the
    edges, each set's root its smallest node."""
    n = indptr.size - 1
    parent = np.arange(n)
    for a in range(n):
        for k in range(indptr[a], indptr[a + 1]):
            ra, rb = _root(parent, a), _root(parent, indices[k])
            if ra < rb:
                parent[rb] = ra
            elif rb < ra:
                parent[ra] = rb
    lab = np.empty(n, dtype=np.int64)
    k = 0
    for a in range(n):  # a root comes before the other nodes of its set
        r = _root(parent, a)
        if r == a:
            lab[a] = k
            k += 1
        else:
            lab[a] = lab[r]
    return lab


@numba.njit(cache=True, inline="always")
def _root(parent: np.ndarray, a: int) -> int:
    """Root of ``a``'s set, halving the path on the way."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a
