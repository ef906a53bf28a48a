"""Sums over reached places (cumulative, gravity) from the compiled searches, against
today's dense path (od_blocks) and networkx."""

from __future__ import annotations

from functools import partial

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity.measures.cumulative import cumulative_opportunities
from connectivity.measures.gravity import _own_pairs, decay_weights, gravity_access
from connectivity.origins import place_sets
from connectivity.routing import od_blocks, reach_sums
from connectivity.search import CUMULATIVE, EXP_DECAY, POWER_DECAY
from tests.connectivity.test_routing import _line_net, _nx_model, _random_net, _snap


def _dense(net, orig, dest, limit):
    mat = np.full((len(orig), len(dest)), np.inf)
    for r, c, block in od_blocks(net, orig, dest, max_time_min=limit):
        mat[np.ix_(r, c)] = block
    return mat


def _points(rng, net, n, share_same):
    xy = rng.uniform(-300, 3300, (n, 2))
    twins = rng.random(n) < share_same  # a neighbour a few metres away: same segment
    xy[1:][twins[1:]] = xy[:-1][twins[1:]] + rng.normal(0, 3, (int(twins[1:].sum()), 2))
    return _snap(net, xy, max_snap_m=400)  # some beyond max_snap_m


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_orig=st.integers(1, 25),
    n_dest=st.integers(1, 25),
    limit=st.sampled_from([2.0, 5.0, 12.0, None]),
)
def test_cumulative_and_gravity_equal_the_dense_path(seed, n_orig, n_dest, limit):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 20, 30)  # one-way edges, islands
    orig = _points(rng, net, n_orig, 0.4)
    dest = _points(rng, net, n_dest, 0.4)
    w = rng.integers(0, 5, n_dest).astype(float)  # integers: sums are exact
    mat = _dense(net, orig, dest, limit)
    thr = np.array([1.0, 2.0, 5.0]) if limit is None else np.array([limit / 3, limit])
    got = reach_sums(net, orig, dest, w, mode=CUMULATIVE, params=thr, max_time_min=thr.max())
    mat_t = _dense(net, orig, dest, thr.max())
    want = np.column_stack([(mat_t <= x) @ w for x in thr])
    np.testing.assert_array_equal(got, want)
    got = reach_sums(net, orig, dest, w, mode=EXP_DECAY, params=(0.3,), max_time_min=limit)
    f = decay_weights(mat, decay="exp", beta=0.3)
    np.testing.assert_allclose(got[:, 0], f @ w, rtol=1e-12, atol=1e-300)
    got = reach_sums(net, orig, dest, w, mode=POWER_DECAY, params=(1.5, 0.5), max_time_min=limit)
    f = decay_weights(mat, decay="power", beta=1.5, min_time_min=0.5)
    np.testing.assert_allclose(got[:, 0], f @ w, rtol=1e-12, atol=1e-300)


def test_counts_agree_with_networkx_on_shared_segments_and_one_way_edges():
    rng = np.random.default_rng(3)
    net = _random_net(rng, 25, 45, oneway_share=0.5)
    orig = _points(rng, net, 30, 0.5)
    dest = _points(rng, net, 40, 0.5)
    g = _nx_model(net, orig, dest)
    t = np.full((len(orig), len(dest)), np.inf)
    for i in np.flatnonzero(orig.ok):
        d = nx.single_source_dijkstra_path_length(g, ("o", int(i)))
        for j in np.flatnonzero(dest.ok):
            t[i, j] = d.get(("d", int(j)), np.inf)
    thr = np.array([3.0, 8.0])
    got = reach_sums(net, orig, dest, np.ones(len(dest)), params=thr, max_time_min=8.0)
    # away from the thresholds (rounding between two sums of the same path)
    near = np.isclose(t[..., None], thr, rtol=0, atol=1e-9).any(axis=(1, 2))
    want = np.column_stack([(t <= x).sum(axis=1) for x in thr])
    np.testing.assert_array_equal(got[~near], want[~near])
    assert (orig.ok & ~near).sum() > 10


def test_direct_trip_on_a_one_way_segment_beats_the_way_round():
    net = _line_net(oneway=True)  # 0 -> 1 -> 2, 1 min each; island 3 -> 4
    orig = _snap(net, [(200, 0), (800, 0), (500, 5000)])
    dest = _snap(net, [(800, 0), (200, 0), (2000, 0)])
    # origin 0 (x=200): dest 0 0.6 min along the edge, dest 1 on the spot, dest 2 1.8 min;
    # origin 1 (x=800): dest 1 lies behind it on a one-way road with no way round
    w = np.array([1.0, 10.0, 100.0])
    got = reach_sums(net, orig, dest, w, params=(0.7, 2.0), max_time_min=2.0)
    np.testing.assert_array_equal(got, [[11.0, 111.0], [1.0, 101.0], [0.0, 0.0]])


# ---------------------------------------------------------------------------------
# the public measures against today's code (the od_blocks loops, kept here verbatim)
# ---------------------------------------------------------------------------------
def _old_cumulative(net, orig, opp, thr):
    acc = np.zeros((len(orig), thr.size))
    for r, c, block in od_blocks(net, orig.snapped, opp.snapped, max_time_min=float(thr.max())):
        wc = opp.weights[c]
        for k, x in enumerate(thr):
            acc[r, k] += (block <= x) @ wc
    acc[~orig.ok] = np.nan
    return acc


def _old_gravity(net, orig, dest, f, max_time_min, own):
    own_o, own_d, own_t = own
    w = dest.weights
    acc = np.zeros(len(orig))
    for r, c, block in od_blocks(net, orig.snapped, dest.snapped, max_time_min=max_time_min):
        sel = np.isin(own_o, r) & np.isin(own_d, c)
        if sel.any():
            block = block.copy()
            block[np.searchsorted(r, own_o[sel]), np.searchsorted(c, own_d[sel])] = own_t[sel]
        acc[r] += f(block) @ w[c]
    acc[~orig.ok] = np.nan
    return acc


def _layer(rng, net, n, polygons=False):
    xy = rng.uniform(-300, 3300, (n, 2))
    xy[1::3] = xy[::3][: xy[1::3].shape[0]] + 5.0  # neighbours on the same segment
    xy[-1] = net.x[net.indices[0]], net.y[net.indices[0]]  # one place at least joins the network
    geom = [
        shapely.box(x - 400, y - 400, x + 400, y + 400) if polygons else shapely.Point(x, y)
        for x, y in xy
    ]
    w = rng.integers(0, 9, n).astype(float)
    w[rng.random(n) < 0.1] = np.nan
    return gpd.GeoDataFrame({"w": w}, geometry=geom, crs="EPSG:32643")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_o=st.integers(2, 30), n_d=st.integers(2, 30))
def test_measures_equal_todays_code(seed, n_o, n_d):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 20, 35)
    kw = {"offroad_speed_kmh": 6.0, "max_snap_m": 500.0, "nan_weights": "zero"}
    o_layer, d_layer = _layer(rng, net, n_o), _layer(rng, net, n_d, polygons=True)
    orig, opp = place_sets(net, o_layer, d_layer, kw, weights="w")
    thr = np.array([2.0, 6.0])
    new = cumulative_opportunities(net, o_layer, d_layer, "w", thr, **kw)
    np.testing.assert_array_equal(
        new[["opp_2min", "opp_6min"]].to_numpy(), _old_cumulative(net, orig, opp, thr)
    )
    for own_zone, decay, limit in [(False, "exp", 6.0), (True, "exp", None), (True, "power", 4.0)]:
        g = gravity_access(net, o_layer, d_layer, "w", beta=0.4, decay=decay, own_zone=own_zone,
                           max_time_min=limit, own_zone_speed_kmh=20.0, **kw)  # fmt: skip
        own = _own_pairs(net, orig, opp, 20.0) if own_zone else (np.array([], int),) * 3
        f = partial(decay_weights, decay=decay, beta=0.4, min_time_min=1.0)
        np.testing.assert_allclose(
            g["access"].to_numpy(), _old_gravity(net, orig, opp, f, limit, own), rtol=1e-12
        )


@pytest.mark.parametrize("oneway", [False, True])
def test_many_places_on_long_segments_equal_the_dense_path(oneway):
    # a ring of 4 edges of 10 min each (bins along each) with hundreds of places on them
    from connectivity import RoadNetwork

    x = np.array([0.0, 10_000.0, 10_000.0, 0.0])
    y = np.array([0.0, 0.0, 10_000.0, 10_000.0])
    net = RoadNetwork.from_edges(
        x, y, [0, 1, 2, 3], [1, 2, 3, 0], crs="EPSG:32643", speed_kmh=60.0, oneway=oneway
    )
    rng = np.random.default_rng(11)
    along = rng.uniform(0, 40_000, 700)
    side = rng.exponential(150, 700) * rng.choice([-1, 1], 700)
    pts = []
    for a, s in zip(along, side, strict=True):
        k, r = divmod(a, 10_000.0)
        pts.append([(r, s), (10_000 + s, r), (10_000 - r, 10_000 + s), (s, 10_000 - r)][int(k)])
    xy = np.asarray(pts)
    orig, dest = _snap(net, xy[:400], max_snap_m=500), _snap(net, xy[400:], max_snap_m=500)
    w = rng.integers(1, 4, len(dest)).astype(float)
    thr = np.array([2.0, 7.0])
    for o, d, ww in [(orig, dest, w), (dest, orig, np.ones(len(orig)))]:  # both orientations
        got = reach_sums(net, o, d, ww, params=thr, max_time_min=7.0)
        mat = _dense(net, o, d, 7.0)
        np.testing.assert_array_equal(got, np.column_stack([(mat <= x) @ ww for x in thr]))
        got = reach_sums(net, o, d, ww, mode=EXP_DECAY, params=(0.2,), max_time_min=7.0)
        want = decay_weights(mat, decay="exp", beta=0.2) @ ww
        np.testing.assert_allclose(got[:, 0], want, rtol=1e-12)


@pytest.mark.parametrize(("n_o", "n_d"), [(150, 100), (100, 150)])
def test_dense_blocks_and_compiled_scans_agree(monkeypatch, n_o, n_d):
    # a small network that every search covers: past the probe, reach_sums takes od_blocks
    import connectivity.routing as routing

    rng = np.random.default_rng(5)
    net = _random_net(rng, 60, 150)
    orig, dest = _points(rng, net, n_o, 0.3), _points(rng, net, n_d, 0.3)
    w = rng.integers(0, 5, n_d).astype(float)
    own = np.where(rng.random(n_o) < 0.3, rng.integers(0, n_d, n_o), -1)
    calls = []
    dense_sums = routing._dense_sums
    monkeypatch.setattr(routing, "_dense_sums", lambda *a: calls.append(1) or dense_sums(*a))
    runs = []
    for share in (routing._DENSE_SHARE, np.inf):  # dense after the probe; compiled throughout
        monkeypatch.setattr(routing, "_DENSE_SHARE", share)
        cum = reach_sums(net, orig, dest, w, params=(3.0, 20.0), max_time_min=20.0, own_of=own)
        grav = reach_sums(net, orig, dest, w, mode=EXP_DECAY, params=(0.2,), own_of=own)
        powr = reach_sums(net, orig, dest, w, mode=POWER_DECAY, params=(2.0, 1.0), max_time_min=9.0)
        runs.append((cum, grav, powr))
        assert len(calls) == 3  # three dense runs with the default share, none with inf
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-12)
    np.testing.assert_allclose(runs[0][2], runs[1][2], rtol=1e-12)
    mat = _dense(net, orig, dest, 20.0)
    mat[np.arange(n_o)[own >= 0], own[own >= 0]] = np.inf
    np.testing.assert_array_equal(runs[0][0][:, 1], (mat <= 20.0) @ w)
