"""The compiled bounded search against scipy's Dijkstra."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from connectivity import DataError, ParameterError
from connectivity.search import bounded_search, search_times


def _random_graph(rng: np.random.Generator, n: int, m: int) -> sp.csr_matrix:
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.random(m) * 3.0
    w[rng.random(m) < 0.05] = 0.0  # zero-time edges too
    g = sp.csr_matrix((w, (u, v)), shape=(n, n))  # duplicates summed: still >= 0
    g.sort_indices()
    return g


def _scipy_times(g: sp.csr_matrix, seeds, seed_dist, limit):
    """scipy reference: a virtual node with an edge of weight seed_dist to each seed."""
    n = g.shape[0]
    ptr = np.concatenate([g.indptr, [g.indptr[-1] + len(seeds)]])
    idx = np.concatenate([g.indices, seeds])
    dat = np.concatenate([g.data, seed_dist])
    big = sp.csr_matrix((dat, idx, ptr), shape=(n + 1, n + 1))
    return dijkstra(big, directed=True, indices=n, limit=limit)[:n]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    n_seeds=st.integers(1, 4),
    limit=st.sampled_from([np.inf, 0.5, 2.0, 5.0]),
)
def test_bit_identical_to_scipy(seed, n, n_seeds, limit):
    rng = np.random.default_rng(seed)
    g = _random_graph(rng, n, 3 * n)
    seeds = rng.integers(0, n, n_seeds)
    seed_dist = rng.random(n_seeds) * 2.0
    expected = _scipy_times(g, seeds, seed_dist, limit)
    got = search_times(g.indptr, g.indices, g.data, seeds, seed_dist, limit=limit)
    np.testing.assert_array_equal(got, expected)  # exact, not approximate


def test_touched_lists_the_reached_nodes_and_arrays_are_reusable():
    rng = np.random.default_rng(7)
    n = 300
    g = _random_graph(rng, n, 900)
    ptr, idx, w = g.indptr.astype("int64"), g.indices.astype("int64"), g.data
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype="int64")
    for s in range(20):
        seeds = np.array([s, (7 * s) % n])
        sd = np.array([0.0, 0.25])
        k = bounded_search(ptr, idx, w, seeds, sd, dist, 2.5, touched)
        ref = _scipy_times(g, seeds, sd, 2.5)
        reached = np.flatnonzero(np.isfinite(ref))
        assert sorted(touched[:k]) == list(reached)  # each reached node once
        assert (np.diff(dist[touched[:k]]) >= 0).all()  # settled in order
        np.testing.assert_array_equal(dist, ref)
        dist[touched[:k]] = np.inf
        assert np.isinf(dist).all()


def test_improvement_only_search_lowers_only_what_the_seeds_beat():
    # path 0 -> 1 -> 2 -> 3, 1 min each; baseline field from node 0
    ptr = np.array([0, 1, 2, 3, 3])
    idx = np.array([1, 2, 3])
    w = np.array([1.0, 1.0, 1.0])
    dist = np.array([0.0, 1.0, 2.0, 3.0])
    touched = np.empty(4, dtype="int64")
    k = bounded_search(ptr, idx, w, np.array([2]), np.array([0.5]), dist, np.inf, touched)
    assert list(touched[:k]) == [2, 3]
    np.testing.assert_array_equal(dist, [0.0, 1.0, 0.5, 1.5])
    # a seed no better than the baseline changes nothing
    k = bounded_search(ptr, idx, w, np.array([1]), np.array([1.0]), dist, np.inf, touched)
    assert k == 0


def test_one_way_edges_and_the_limit():
    ptr = np.array([0, 1, 2, 2])  # 0 -> 1 -> 2, no way back
    idx = np.array([1, 2])
    w = np.array([1.0, 2.0])
    np.testing.assert_array_equal(search_times(ptr, idx, w, [2], [0.0]), [np.inf, np.inf, 0.0])
    np.testing.assert_array_equal(search_times(ptr, idx, w, [0], [0.0], limit=2.0), [0, 1, np.inf])
    np.testing.assert_array_equal(search_times(ptr, idx, w, [0], [0.0], limit=3.0), [0, 1, 3])


def test_heap_grows_past_its_first_capacity():
    n = 5000  # a star: node 0 reaches everyone at once
    ptr = np.concatenate([[0], np.full(n, n - 1)])
    idx = np.arange(1, n)
    w = np.linspace(1.0, 0.0, n - 1)
    got = search_times(ptr, idx, w, [0], [0.0])
    np.testing.assert_array_equal(got, np.concatenate([[0.0], w]))


def test_bad_inputs_are_refused():
    ptr, idx, w = np.array([0, 1, 1]), np.array([1]), np.array([1.0])
    with pytest.raises(DataError, match="non-negative"):
        search_times(ptr, idx, [-1.0], [0], [0.0])
    with pytest.raises(DataError, match="node numbers"):
        search_times(ptr, idx, w, [5], [0.0])
    with pytest.raises(DataError, match="one distance per seed"):
        search_times(ptr, idx, w, [0], [0.0, 1.0])
    with pytest.raises(DataError, match="CSR"):
        search_times([0, 2, 1], idx, w, [0], [0.0])
    with pytest.raises(ParameterError, match="limit"):
        search_times(ptr, idx, w, [0], [0.0], limit=np.nan)
