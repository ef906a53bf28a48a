"""Multi-source routing core against hand-made networks and networkx."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity import DataError, ParameterError, RoadNetwork
from connectivity.routing import (
    checked_thresholds,
    multi_source_node_times,
    nearest,
    node_times_from_points,
    od_blocks,
)
from connectivity.snapping import snap_xy

UTM = "EPSG:32643"


def _line_net(oneway=False):
    # 0 --- 1 --- 2   (1 km each, 60 km/h -> 1 min), plus an island 3 --- 4
    x = np.array([0.0, 1000.0, 2000.0, 0.0, 1000.0])
    y = np.array([0.0, 0.0, 0.0, 5000.0, 5000.0])
    return RoadNetwork.from_edges(
        x, y, [0, 1, 3], [1, 2, 4], crs=UTM, speed_kmh=60.0, oneway=oneway
    )


def _snap(net, xy, **kw):
    xy = np.asarray(xy, float)
    kw.setdefault("offroad_speed_kmh", 6.0)  # 100 m per minute
    return snap_xy(net, xy[:, 0], xy[:, 1], **kw)


def test_nearest_on_a_line_with_offroad_legs():
    net = _line_net()
    orig = _snap(net, [(250, 0), (1500, 100), (500, 5000)])
    dest = _snap(net, [(2000, 0), (0, -200)])
    res = nearest(net, orig, dest)
    # origin 0: to dest 1 = 0.25 road + 2 min off-road; to dest 0 = 1.75 -> dest 0
    np.testing.assert_allclose(res.time_min[:2], [1.75, 1.5])
    assert list(res.dest) == [0, 0, -1]
    assert res.time_min[2] == np.inf  # the island has no destination


def test_oneway_forces_the_long_way():
    # ring 0 -> 1 -> 2 -> 3 -> 0, one-way, 1 km sides (1 min each)
    x = np.array([0.0, 1000.0, 1000.0, 0.0])
    y = np.array([0.0, 0.0, 1000.0, 1000.0])
    net = RoadNetwork.from_edges(
        x, y, [0, 1, 2, 3], [1, 2, 3, 0], crs=UTM, speed_kmh=60.0, oneway=True
    )
    # origin a quarter along 0->1, destination at node 0 -> must go round: 0.75 + 3
    orig = _snap(net, [(250, 0)])
    dest = _snap(net, [(0, 0)])
    assert nearest(net, orig, dest).time_min[0] == pytest.approx(3.75)
    # destination ahead on the same edge: direct, no node visited
    dest2 = _snap(net, [(900, 0)])
    assert nearest(net, orig, dest2).time_min[0] == pytest.approx(0.65)
    # destination behind on the same edge: all the way round, 0.75 + 3 + 0.1
    dest3 = _snap(net, [(100, 0)])
    assert nearest(net, orig, dest3).time_min[0] == pytest.approx(3.85)


def test_same_segment_two_way_both_directions():
    net = _line_net()
    orig = _snap(net, [(600, 0)])
    dest = _snap(net, [(400, 0), (900, 0)])
    res = nearest(net, orig, dest)
    assert res.time_min[0] == pytest.approx(0.2)
    assert res.dest[0] == 0


def test_limit_sets_inf():
    net = _line_net()
    orig = _snap(net, [(0, 0), (1900, 0)])
    dest = _snap(net, [(2000, 0)])
    res = nearest(net, orig, dest, max_time_min=1.0)
    assert res.time_min[0] == np.inf and res.dest[0] == -1
    assert res.time_min[1] == pytest.approx(0.1)
    with pytest.raises(ParameterError):
        nearest(net, orig, dest, max_time_min=-1)


@pytest.mark.parametrize("memory_mb", [1e-6, 256])
def test_od_blocks_agree_with_nearest_both_orientations(memory_mb):
    rng = np.random.default_rng(0)
    net = _random_net(rng, 40, 90)
    pts = np.column_stack([rng.uniform(0, 3000, 30), rng.uniform(0, 3000, 30)])
    for a, b in [(pts[:25], pts[25:]), (pts[:5], pts[5:])]:
        o, d = _snap(net, a), _snap(net, b)
        mat = np.full((len(o), len(d)), np.inf)
        seen = np.zeros(mat.shape, int)
        for r, c, block in od_blocks(net, o, d, memory_mb=memory_mb):
            mat[np.ix_(r, c)] = block
            seen[np.ix_(r, c)] += 1
        assert (seen == 1).all()
        res = nearest(net, o, d)
        np.testing.assert_allclose(mat.min(axis=1), res.time_min)
        found = res.dest >= 0
        np.testing.assert_allclose(mat[found, res.dest[found]], res.time_min[found])


def test_multi_source_node_times_reverse_and_seed():
    net = _line_net(oneway=True)  # 0 -> 1 -> 2 only
    t, seed = multi_source_node_times(net, [2, 1], reverse=True)
    np.testing.assert_allclose(t[:3], [1.0, 0.0, 0.0])
    assert list(seed[:3]) == [1, 1, 0]
    assert t[3] == np.inf and seed[3] == -1
    t, _ = multi_source_node_times(net, [2], reverse=False)
    assert t[0] == np.inf  # nothing leaves node 2 in a one-way chain
    with pytest.raises(DataError):
        multi_source_node_times(net, [])


def test_node_times_from_points_matches_min_only():
    net = _line_net()
    pts = _snap(net, [(250, 0), (1800, 50)])
    full, _ = node_times_from_points(net, pts)
    best, which = node_times_from_points(net, pts, min_only=True)
    np.testing.assert_allclose(full.min(axis=0), best)
    assert which[0] == 0 and which[2] == 1


# -------------------------------------------------------------------------------------
# agreement with networkx on random graphs (the model built independently: every point
# splits its edge into real nodes, off-road legs are edges)
# -------------------------------------------------------------------------------------
def _random_net(rng, n, m, oneway_share=0.3):
    x, y = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    return RoadNetwork.from_edges(
        x,
        y,
        u,
        v,
        crs=UTM,
        speed_kmh=rng.uniform(10, 90, u.size),
        oneway=rng.random(u.size) < oneway_share,
    )


def _nx_model(net, orig, dest):
    g = nx.DiGraph()
    tails = net.edge_tails()
    for a, b, t in zip(tails, net.indices, net.time_min, strict=True):
        g.add_edge(int(a), int(b), weight=float(t))
    # insert points on their segments
    on_seg: dict[tuple[int, int], list[Any]] = {}
    for kind, s in (("o", orig), ("d", dest)):
        for i in np.flatnonzero(s.ok):
            on_seg.setdefault((int(s.node_a[i]), int(s.node_b[i])), []).append(
                (float(s.frac[i]), (kind, int(i)), float(s.t_ab[i]), float(s.t_ba[i]))
            )
    for (a, b), items in on_seg.items():
        items.sort()
        t_ab, t_ba = items[0][2], items[0][3]
        chain = [(0.0, a)] + [(f, ("p", *key)) for f, key, _, _ in items] + [(1.0, b)]
        for (f0, n0), (f1, n1) in itertools.pairwise(chain):
            if f1 == f0:  # coincident points (e.g. a point on a node): the same place
                g.add_edge(n0, n1, weight=0.0)
                g.add_edge(n1, n0, weight=0.0)
                continue
            if np.isfinite(t_ab):
                g.add_edge(n0, n1, weight=(f1 - f0) * t_ab)
            if np.isfinite(t_ba):
                g.add_edge(n1, n0, weight=(f1 - f0) * t_ba)
    for i in np.flatnonzero(orig.ok):
        g.add_edge(("o", int(i)), ("p", "o", int(i)), weight=float(orig.offroad_min[i]))
    for j in np.flatnonzero(dest.ok):
        g.add_edge(("p", "d", int(j)), ("d", int(j)), weight=float(dest.offroad_min[j]))
    return g


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_dest=st.integers(1, 6))
def test_nearest_agrees_with_networkx(seed, n_dest):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 25, 45)
    a = rng.uniform(-200, 3200, (20, 2))
    b = rng.uniform(-200, 3200, (n_dest, 2))
    b[0] = a[0] + 1.0  # often on the same segment as an origin
    orig = _snap(net, a, max_snap_m=600)
    dest = _snap(net, b, max_snap_m=600)
    res = nearest(net, orig, dest)
    g = _nx_model(net, orig, dest)
    sinks = [("d", int(j)) for j in np.flatnonzero(dest.ok)]
    expected = np.full(len(orig), np.inf)
    if sinks:
        dist = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), sinks)
        for i in np.flatnonzero(orig.ok):
            expected[i] = dist.get(("o", int(i)), np.inf)
    np.testing.assert_allclose(res.time_min, expected, rtol=1e-9, atol=1e-9)
    # the reported destination achieves the time
    for i in np.flatnonzero(res.dest >= 0):
        t = nx.dijkstra_path_length(g, ("o", int(i)), ("d", int(res.dest[i])))
        assert t == pytest.approx(res.time_min[i])


def _nx_od(net, orig, dest):
    """The origins x destinations times of the networkx model (inf where unreachable)."""
    g = _nx_model(net, orig, dest).reverse(copy=False)
    expected = np.full((len(orig), len(dest)), np.inf)
    for j in np.flatnonzero(dest.ok):
        dist = nx.single_source_dijkstra_path_length(g, ("d", int(j)))
        for i in np.flatnonzero(orig.ok):
            expected[i, j] = dist.get(("o", int(i)), np.inf)
    return expected


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_orig=st.integers(1, 8), n_dest=st.integers(1, 8))
def test_od_blocks_agree_with_networkx(seed, n_orig, n_dest):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 20, 40)
    orig = _snap(net, rng.uniform(0, 3000, (n_orig, 2)), max_snap_m=600)
    dest = _snap(net, rng.uniform(0, 3000, (n_dest, 2)), max_snap_m=600)
    mat = np.full((n_orig, n_dest), np.inf)
    for r, c, block in od_blocks(net, orig, dest, memory_mb=1e-6):
        mat[np.ix_(r, c)] = block
    expected = _nx_od(net, orig, dest)
    np.testing.assert_allclose(mat, expected, rtol=1e-9, atol=1e-9)


def test_checked_thresholds_sorts_and_refuses_repeats_and_non_positive():
    np.testing.assert_array_equal(checked_thresholds((60, 15, 30)), [15.0, 30.0, 60.0])
    with pytest.raises(ParameterError, match="has 30 more than once"):
        checked_thresholds((30, 60, 30))
    for bad in [(), (0,), (-5, 10), (float("inf"),), ("abc",)]:
        with pytest.raises(ParameterError, match="positive minutes"):
            checked_thresholds(bad)


def test_od_blocks_progress_goes_through_the_one_bar(monkeypatch):
    import connectivity.routing as routing

    seen = {}

    def fake_bar(iterable, *, enabled, **kw):
        seen.update(enabled=enabled, **kw)
        return iterable

    monkeypatch.setattr(routing, "bar", fake_bar)
    net = _line_net()
    blocks = list(od_blocks(net, _snap(net, [(0, 0)]), _snap(net, [(2000, 0)]), progress=True))
    assert len(blocks) == 1 and seen["enabled"] is True and seen["desc"] == "shortest paths"
