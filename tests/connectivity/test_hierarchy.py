"""Contraction hierarchy: the OD times of od_matrix and networkx, from bucket-based queries."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity import ContractionHierarchy, ParameterError, RoadNetwork, hierarchy
from connectivity.measures import od_matrix, times_to_each
from tests.connectivity.test_routing import _nx_od

UTM = "EPSG:32643"
KW: dict[str, Any] = {"offroad_speed_kmh": 6.0, "max_snap_m": 600.0}


def _layer(xy: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)


def _net(rng: np.random.Generator, n: int, m: int, oneway_share: float = 0.3) -> RoadNetwork:
    """A random directed network with one-way edges, islands and parallel edges."""
    x, y = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    twin = rng.random(u.size) < 0.15  # the same node pair again, at another speed
    u, v = np.concatenate([u, u[twin]]), np.concatenate([v, v[twin]])
    return RoadNetwork.from_edges(
        x, y, u, v, crs=UTM, speed_kmh=rng.uniform(10, 90, u.size),
        oneway=rng.random(u.size) < oneway_share,
    )  # fmt: skip


def _check(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_orig=st.integers(1, 9),
    n_dest=st.integers(1, 7),
    limit=st.sampled_from([None, 3.0, 8.0]),
)
def test_hierarchy_agrees_with_od_matrix_and_networkx(seed, n_orig, n_dest, limit):
    rng = np.random.default_rng(seed)
    net = _net(rng, int(rng.integers(2, 30)), int(rng.integers(1, 60)))
    a = rng.uniform(-500, 3500, (n_orig, 2))  # some beyond max_snap_m
    b = rng.uniform(-500, 3500, (n_dest, 2))
    t, h = net.edge_tails()[0], net.indices[0]  # at least one destination joins the network:
    b[0] = ((net.x[t] + net.x[h]) / 2 + 3.0, (net.y[t] + net.y[h]) / 2)  # mid-edge
    a[0] = b[0] + 1.0  # often a trip along one segment
    ch = ContractionHierarchy(net, witness_settled=(int(rng.integers(1, 4)), 3))
    prep = ch.prepare(_layer(b), **KW)
    today = od_matrix(net, _layer(a), _layer(b), max_time_min=limit, **KW).to_numpy()
    got = od_matrix(net, _layer(a), prep, max_time_min=limit)
    _check(got.to_numpy(), today)
    _check(prep.times(_layer(a), max_time_min=limit), today)
    if limit is None:
        orig = ch.prepare(_layer(a), **KW).places.snapped
        want = _nx_od(net, orig, prep.places.snapped)
        np.testing.assert_allclose(got.to_numpy(), np.where(np.isinf(want), np.nan, want),
                                   rtol=1e-9, atol=1e-9)  # fmt: skip


@pytest.fixture
def city() -> tuple[RoadNetwork, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(11)
    net = _net(rng, 400, 1100, oneway_share=0.2)
    orig = _layer(rng.uniform(0, 3000, (150, 2)))
    orig.index = [f"o{i}" for i in range(150)]
    dest = _layer(rng.uniform(0, 3000, (40, 2)))
    dest["code"] = [f"D{j}" for j in range(40)]
    return net, orig, dest


def test_od_matrix_times_to_each_and_blocks_match_today(city):
    net, orig, dest = city
    ch = ContractionHierarchy(net)
    assert ch.n_shortcuts >= 0 and "shortcuts" in repr(ch)
    prep = ch.prepare(dest, dest_id_col="code", workers=2, **KW)
    assert len(prep) == 40 and "bucket entries" in repr(prep)
    today = od_matrix(net, orig, dest, b_id_col="code", **KW)
    fast = od_matrix(net, orig, prep)
    assert list(fast.columns) == list(today.columns) and list(fast.index) == list(today.index)
    _check(fast.to_numpy(), today.to_numpy())
    assert fast.attrs["n_pairs_unreachable"] == today.attrs["n_pairs_unreachable"]
    each = times_to_each(net, orig, prep)
    _check(each.filter(like="time_min_").to_numpy(), today.to_numpy())
    small = od_matrix(net, orig, ch.prepare(dest, max_time_min=4.0, **KW), max_time_min=2.5)
    _check(small.to_numpy(), od_matrix(net, orig, dest, max_time_min=2.5, **KW).to_numpy())
    f32 = prep.times(orig, dtype="float32")
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, today.to_numpy(), rtol=1e-6)


def test_a_build_out_of_edge_room_runs_again_with_more(city, monkeypatch, caplog):
    net, orig, dest = city
    want = ContractionHierarchy(net).prepare(dest, **KW).times(orig)
    monkeypatch.setattr(hierarchy, "_POOL_FACTOR", 0.5)
    with caplog.at_level("INFO", logger="connectivity.hierarchy"):
        tight = ContractionHierarchy(net)
    assert "ran out of edge room" in caplog.text
    _check(tight.prepare(dest, **KW).times(orig), want)


def test_one_way_ring_goes_round():
    x = np.array([0.0, 1000.0, 1000.0, 0.0])
    y = np.array([0.0, 0.0, 1000.0, 1000.0])
    net = RoadNetwork.from_edges(x, y, [0, 1, 2, 3], [1, 2, 3, 0], crs=UTM, speed_kmh=60.0,
                                 oneway=True)  # fmt: skip
    ch = ContractionHierarchy(net)
    prep = ch.prepare(_layer(np.array([[0.0, 0.0], [900.0, 0.0]])), **KW)
    t = prep.times(_layer(np.array([[250.0, 0.0]])))
    np.testing.assert_allclose(t, [[3.75, 0.65]])


def test_refuses_other_network_wrong_limits_and_big_buckets(city):
    net, orig, dest = city
    ch = ContractionHierarchy(net)
    other = _net(np.random.default_rng(11), 400, 1100, oneway_share=0.2)  # equal, not the same
    prep = ch.prepare(dest, max_time_min=5.0, **KW)
    with pytest.raises(ParameterError, match="another RoadNetwork"):
        od_matrix(other, orig, prep)
    with pytest.raises(ParameterError, match="beyond the 5 minutes"):
        od_matrix(net, orig, prep, max_time_min=6.0)
    with pytest.raises(ParameterError, match="carry their ids"):
        od_matrix(net, orig, prep, b_id_col="code")
    with pytest.raises(ParameterError, match="memory_mb"):
        ch.prepare(dest, memory_mb=1e-6, **KW)
    with pytest.raises(ParameterError, match="dtype"):
        prep.times(orig, dtype="float16")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="witness_settled"):
        ContractionHierarchy(net, witness_settled=(0, 5))


def test_rounds_are_exact_on_ties_and_the_same_on_any_number_of_threads():
    """A grid of equal edges: every detour ties, so a witness through another node of the
    round would drop both shortcuts of a square; witnesses avoid the round's nodes."""
    side = 24
    gx, gy = np.meshgrid(np.arange(side) * 1000.0, np.arange(side) * 1000.0)
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    net = RoadNetwork.from_edges(gx.ravel(), gy.ravel(), u, v, crs=UTM, speed_kmh=60.0)
    one, two = ContractionHierarchy(net, workers=1), ContractionHierarchy(net, workers=2)
    assert one.n_rounds > 1 and one.n_shortcuts > 0
    np.testing.assert_array_equal(one.rank, two.rank)
    for a, b in zip(one.up, two.up, strict=True):
        np.testing.assert_array_equal(a, b)
    nodes = _layer(np.column_stack([gx.ravel(), gy.ravel()]))
    got = two.prepare(nodes, **KW).times(nodes)
    _check(got, od_matrix(net, nodes, nodes, **KW).to_numpy())
    np.testing.assert_allclose(np.diag(got), 0.0)
    assert got.max() == pytest.approx(2 * (side - 1))  # corner to corner, 1 min a km
