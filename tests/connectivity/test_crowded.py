"""Crowded segments summed in bulk (connectivity._crowded) against the dense path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import connectivity._crowded as crowded
import connectivity.routing as routing
from connectivity import RoadNetwork
from connectivity.measures.gravity import decay_weights
from connectivity.routing import reach_sums
from connectivity.search import CUMULATIVE, EXP_DECAY
from tests.connectivity.measures.test_cumulative import _dense, _points
from tests.connectivity.test_routing import _random_net, _snap


@pytest.fixture
def spy(monkeypatch):
    """The crowds reach_sums builds (number of crowded segments per call)."""
    sizes = []
    build = routing.build_crowd

    def counted(*args):
        c = build(*args)
        sizes.append(c.seg.size)
        return c

    monkeypatch.setattr(routing, "build_crowd", counted)
    return sizes


def _check(net, orig, dest, w, thr, beta):
    got = reach_sums(net, orig, dest, w, mode=CUMULATIVE, params=thr, max_time_min=thr.max())
    mat = _dense(net, orig, dest, thr.max())
    np.testing.assert_array_equal(got, np.column_stack([(mat <= x) @ w for x in thr]))
    got = reach_sums(net, orig, dest, w, mode=EXP_DECAY, params=(beta,), max_time_min=thr.max())
    want = decay_weights(mat, decay="exp", beta=beta) @ w
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-11, atol=1e-300)


def _grid_net(k, step_m, oneway_share, rng):
    """A k x k lattice (two-way roads, some one-way), 60 km/h."""
    ids = np.arange(k * k).reshape(k, k)
    x, y = (np.indices((k, k)) * step_m).reshape(2, -1)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    oneway = rng.random(u.size) < oneway_share
    return RoadNetwork.from_edges(x, y, u, v, crs="EPSG:32643", speed_kmh=60.0, oneway=oneway)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(20, 120), block=st.sampled_from([1, 2, 64]))
def test_bulk_sums_equal_the_dense_path(monkeypatch, spy, seed, n, block):
    # every segment with 2 places is crowded; blocks of 1 and 2 walk the block code
    monkeypatch.setattr(crowded, "CROWD_MIN", 2)
    monkeypatch.setattr(crowded, "BLOCK", block)  # data, not a compiled constant
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 20, 30)  # one-way edges, islands
    dest = _points(rng, net, n, 0.6)
    orig = dest.take(rng.choice(n, rng.integers(1, n + 1), replace=False))  # not more: forward
    w = rng.integers(0, 5, len(dest)).astype(float)  # integers: sums are exact
    _check(net, orig, dest, w, np.array([2.0, 5.0, 12.0]), 0.3)
    assert spy


@pytest.mark.parametrize("oneway_share", [0.0, 0.3])
def test_long_crowded_segments_reached_from_both_ends(spy, oneway_share):
    # a 5 x 5 lattice of 6-min roads, 3 000 places scattered off-road (many per
    # segment): searches reach most segments from both ends, split inside them
    rng = np.random.default_rng(3)
    net = _grid_net(5, 6_000.0, oneway_share, rng)
    xy = rng.uniform(-500, 24_500, (3_000, 2))
    pts = _snap(net, xy, max_snap_m=3_000)
    w = rng.integers(1, 9, len(pts)).astype(float)
    _check(net, pts, pts, w, np.array([4.0, 9.0, 15.0]), 0.15)
    assert spy and max(spy) > 10  # the bulk path ran, on many segments


def test_crowded_sources_on_the_dense_path(monkeypatch, spy):
    # searches that cover the network: after the probe the dense blocks take over,
    # and the direct trips of the probed sources on crowded segments are not lost
    monkeypatch.setattr(crowded, "CROWD_MIN", 2)
    rng = np.random.default_rng(8)
    net = _random_net(rng, 30, 60)
    dest = _points(rng, net, 300, 0.6)
    orig = dest.take(np.arange(0, 300, 2))
    w = rng.integers(0, 5, len(dest)).astype(float)
    for share in (routing._DENSE_SHARE, np.inf):
        monkeypatch.setattr(routing, "_DENSE_SHARE", share)
        _check(net, orig, dest, w, np.array([3.0, 40.0]), 0.05)
    assert min(spy) > 0


def test_more_origins_than_destinations_search_forward(spy):
    # 3x more origins than (crowded) destinations: still one search per origin
    rng = np.random.default_rng(6)
    net = _grid_net(4, 6_000.0, 0.2, rng)
    xy = rng.uniform(-500, 18_500, (2_000, 2))
    orig, dest = _snap(net, xy[:1_500], max_snap_m=3_000), _snap(net, xy[1_500:], max_snap_m=3_000)
    w = rng.integers(1, 9, len(dest)).astype(float)
    _check(net, orig, dest, w, np.array([4.0, 12.0]), 0.2)
    assert spy and min(spy) > 0


def test_no_bulk_with_left_out_pairs_or_power_decay(spy):
    rng = np.random.default_rng(1)
    net = _grid_net(3, 6_000.0, 0.0, rng)
    pts = _snap(net, rng.uniform(0, 12_000, (400, 2)), max_snap_m=3_000)
    w = np.ones(len(pts))
    reach_sums(net, pts, pts, w, mode=EXP_DECAY, params=(0.1,), own_of=np.arange(len(pts)))
    reach_sums(net, pts, pts, w, mode=2, params=(1.0, 1.0), max_time_min=10.0)
    reach_sums(net, pts, pts, w, params=(5.0,), max_time_min=5.0)
    assert len(spy) == 1 and spy[0] > 0  # only the plain cumulative sums build a crowd


def test_steep_decay_keeps_segments_per_place(spy):
    # beta x minutes of a segment beyond exp's range: the bulk path would overflow,
    # so those segments stay per place (and the sums stay right)
    rng = np.random.default_rng(4)
    net = _grid_net(3, 6_000.0, 0.0, rng)
    pts = _snap(net, rng.uniform(0, 12_000, (600, 2)), max_snap_m=3_000)
    w = rng.integers(1, 4, len(pts)).astype(float)
    got = reach_sums(net, pts, pts, w, mode=EXP_DECAY, params=(40.0,), max_time_min=30.0)
    want = decay_weights(_dense(net, pts, pts, 30.0), decay="exp", beta=40.0) @ w
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-11, atol=1e-300)
    _check(net, pts, pts, w, np.array([5.0, 30.0]), 1.0)
    assert spy[0] == 0 and spy[-1] > 0  # none crowded at beta 40, some at beta 1
