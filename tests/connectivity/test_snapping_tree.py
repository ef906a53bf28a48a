"""The compiled R-tree search gives what the k-d tree search of piece midpoints gave.

``SegmentIndex._kd_nearest`` is the search of earlier versions (kept for the
points where two segments tie exactly); here it is the reference: same
segment, same fraction, same distance, bit for bit, ties included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity import RoadNetwork, snapping
from connectivity._segment_grid import build_grid
from connectivity._segment_tree import build_tree, nearest_segments, undirected_segments
from connectivity.snapping import segment_index, snap_xy

UTM = "EPSG:32643"


def _random_net(seed: int, n: int = 400, lattice: bool = False) -> RoadNetwork:
    rng = np.random.default_rng(seed)
    if lattice:  # equal segments: points on nodes tie on distance and on piece midpoints
        side = int(np.sqrt(n))
        gx, gy = np.meshgrid(np.arange(side), np.arange(side))
        x, y = gx.ravel() * 100.0, gy.ravel() * 100.0
        ids = np.arange(side * side).reshape(side, side)
        u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
        v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    else:
        x, y = rng.uniform(0, 20_000, n), rng.uniform(0, 20_000, n)
        near = rng.integers(0, n, 3 * n)
        u = near
        v = np.clip(near + rng.integers(-30, 30, near.size), 0, n - 1)
        # twin nodes at one place: zero-length segments
        x[-5:], y[-5:] = x[:5], y[:5]
        u = np.r_[u, np.arange(5)]
        v = np.r_[v, np.arange(n - 5, n)]
        # a few long roads across the area
        u = np.r_[u, rng.integers(0, n, 5)]
        v = np.r_[v, rng.integers(0, n, 5)]
    keep = u != v
    oneway = rng.random(int(keep.sum())) < 0.2
    return RoadNetwork.from_edges(x, y, u[keep], v[keep], crs=UTM, speed_kmh=50.0, oneway=oneway)


def _points(net: RoadNetwork, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    on = rng.integers(0, net.n_nodes, n // 4)  # exactly on nodes
    near = rng.integers(0, net.n_nodes, n // 4)
    x0, x1, y0, y1 = net.x.min(), net.x.max(), net.y.min(), net.y.max()
    k = n - 2 * (n // 4) - 3
    far_x = rng.uniform(x0 - 30_000, x1 + 30_000, k)  # many beyond max_snap_m
    far_y = rng.uniform(y0 - 30_000, y1 + 30_000, k)
    px = np.r_[net.x[on], net.x[near] + rng.normal(0, 150, near.size), far_x, np.nan, 0.0, np.inf]
    py = np.r_[net.y[on], net.y[near] + rng.normal(0, 150, near.size), far_y, 0.0, np.nan, 1.0]
    return px, py


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> None:
    for got, want in zip(a, b, strict=True):
        np.testing.assert_array_equal(got, want)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), lattice=st.booleans())
def test_tree_search_equals_kd_search(seed: int, lattice: bool) -> None:
    net = _random_net(seed, lattice=lattice)
    si = segment_index(net)
    px, py = _points(net, np.random.default_rng(seed), 600)
    _same(si.nearest(px, py), si._kd_nearest(px, py))


def test_tree_search_equals_kd_search_on_many_points() -> None:
    net = _random_net(7, n=3000)
    si = segment_index(net)
    px, py = _points(net, np.random.default_rng(7), 40_000)
    got = si.nearest(px, py)
    _same(got, si._kd_nearest(px, py))
    # and the distance is the smallest over all segments (brute force, same arithmetic)
    pick = np.flatnonzero(np.isfinite(px) & np.isfinite(py))[::40]
    allseg = np.arange(si.n_segments)
    for i in pick:
        _t, d = si.project(np.full(allseg.size, px[i]), np.full(allseg.size, py[i]), allseg)
        assert got[2][i] == d.min()


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    lattice=st.booleans(),
    side=st.sampled_from([30.0, 100.0, 333.3, 2000.0]),
)
def test_grid_search_equals_tree_search(seed: int, lattice: bool, side: float) -> None:
    """Cell candidate lists give the tree's segment, fraction, distance and tie flag."""
    net = _random_net(seed, lattice=lattice)
    si = segment_index(net)
    columns = (si.ax, si.ay, si.dx, si.dy, si.len2, si.pieces)
    rng = np.random.default_rng(seed)
    px, py = _points(net, rng, 800)
    # points on cell corners and edges too
    px = np.r_[px, np.floor(px[:100] / side) * side, np.round(px[:50])]
    py = np.r_[py, np.floor(py[:100] / side) * side, np.round(py[:50])]
    grid = build_grid(columns, side)
    got = nearest_segments(px, py, si.tree, columns, grid)
    want = nearest_segments(px, py, si.tree, columns)
    # distance and tie flag everywhere; segment and fraction where they are
    # decided (tie 2: several segments tie on both keys, the caller settles it)
    _same(got[2:], want[2:])
    decided = want[3] != 2
    _same((got[0][decided], got[1][decided]), (want[0][decided], want[1][decided]))
    if side <= 100.0:
        assert grid[1][-1] > 0  # some cells have lists


def test_grid_is_used_for_many_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``SegmentIndex.nearest`` with the grid forced: the k-d tree results."""
    monkeypatch.setattr(snapping, "_GRID_MIN_POINTS", 0)
    monkeypatch.setattr(snapping, "_GRID_POINTS_PER_SEGMENT", 10**9)
    for seed, lattice in ((1, True), (2, False)):
        net = _random_net(seed, lattice=lattice)
        si = segment_index(net)
        px, py = _points(net, np.random.default_rng(seed), 3000)
        _same(si.nearest(px, py), si._kd_nearest(px, py))
        assert "_grid" in si.__dict__  # built and used


def test_snapped_fields_and_oneway_legs_unchanged() -> None:
    net = _random_net(11)
    px, py = _points(net, np.random.default_rng(11), 2000)
    s = snap_xy(net, px, py, max_snap_m=1500.0)
    si = segment_index(net)
    seg, frac, dist = si._kd_nearest(px, py)
    np.testing.assert_array_equal(s.seg, seg)
    np.testing.assert_array_equal(s.frac, frac)
    np.testing.assert_array_equal(s.dist_m, dist)
    assert (~s.ok & np.isfinite(s.dist_m)).any()  # some beyond max_snap_m
    assert np.isinf(s.t_ab).any() or np.isinf(s.t_ba).any()  # one-way segments met


def test_segment_table_is_the_unique_of_both_directions() -> None:
    net = _random_net(3)
    a, b, t_ab, t_ba = undirected_segments(
        net.indptr.astype("int64"), net.indices.astype("int64"), net.time_min
    )
    tails = net.edge_tails().astype("int64")
    heads = net.indices.astype("int64")
    key = np.minimum(tails, heads) * net.n_nodes + np.maximum(tails, heads)
    ukey, inv = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(a, ukey // net.n_nodes)
    np.testing.assert_array_equal(b, ukey % net.n_nodes)
    fwd = tails < heads
    want_ab = np.full(ukey.size, np.inf)
    want_ba = np.full(ukey.size, np.inf)
    want_ab[inv[fwd]] = net.time_min[fwd]
    want_ba[inv[~fwd]] = net.time_min[~fwd]
    np.testing.assert_array_equal(t_ab, want_ab)
    np.testing.assert_array_equal(t_ba, want_ba)


@pytest.mark.parametrize("n", [1, 2, 9, 100])
def test_tree_of_few_segments(n: int) -> None:
    rng = np.random.default_rng(n)
    x0, y0 = rng.uniform(0, 100, n), rng.uniform(0, 100, n)
    boxes, order, levels, _keys, _frame = build_tree(x0, y0, x0 + 1.0, y0 + 2.0)
    assert sorted(order.tolist()) == list(range(n))
    assert levels[-1] == boxes.shape[0]
    root = boxes[-1]
    assert root[0] == x0.min() and root[3] == (y0 + 2.0).max()


def test_index_is_built_once_per_network() -> None:
    net = _random_net(5)
    assert segment_index(net) is segment_index(net)
