"""Prepared destinations: the same OD times as od_matrix and networkx, without a search per query."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity import ParameterError, PreparedDestinations, RoadNetwork
from connectivity.measures import od_matrix, times_to_each
from connectivity.routing import od_blocks
from tests.connectivity.test_routing import _nx_od, _random_net

UTM = "EPSG:32643"
KW: dict[str, Any] = {"offroad_speed_kmh": 6.0, "max_snap_m": 600.0}


def _layer(xy: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)


def _dense(blocks: Any, shape: tuple[int, int]) -> np.ndarray:
    mat = np.full(shape, np.inf)
    for r, c, block in blocks:
        mat[np.ix_(r, c)] = block
    return mat


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_orig=st.integers(1, 9), n_dest=st.integers(1, 6))
def test_prepared_blocks_agree_with_od_blocks_and_networkx(seed, n_orig, n_dest):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 20, 40)
    a = rng.uniform(0, 3000, (n_orig, 2))
    b = rng.uniform(0, 3000, (n_dest, 2))
    b[0] = (net.x[0] + 3.0, net.y[0])  # at least one destination joins the network
    a[0] = b[0] + 1.0  # often a trip along one segment
    prep = PreparedDestinations(net, _layer(b), **KW)
    orig = _snap_like(net, a, prep)
    dest = prep.places.snapped
    got = _dense(prep.blocks(orig, memory_mb=1e-6), (n_orig, n_dest))
    today = _dense(od_blocks(net, orig, dest), (n_orig, n_dest))
    if dest.ok.sum() <= orig.ok.sum():  # od_blocks searched from the destinations: same sums
        np.testing.assert_array_equal(got, today)
    else:  # it searched forward from the origins: sums in another order
        np.testing.assert_allclose(got, today, rtol=1e-12, atol=0)
    expected = _nx_od(net, orig, dest)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def _snap_like(net: RoadNetwork, xy: np.ndarray, prep: PreparedDestinations) -> Any:
    from connectivity.snapping import snap_xy

    s = prep.places.snapped
    return snap_xy(
        net, xy[:, 0], xy[:, 1], max_snap_m=s.max_snap_m, offroad_speed_kmh=s.offroad_speed_kmh
    )


@pytest.fixture
def city() -> tuple[RoadNetwork, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(7)
    net = _random_net(rng, 300, 900, oneway_share=0.2)
    orig = _layer(rng.uniform(0, 3000, (120, 2)))
    orig.index = [f"o{i}" for i in range(120)]
    dest = _layer(rng.uniform(0, 3000, (9, 2)))
    dest["code"] = [f"D{j}" for j in range(9)]
    return net, orig, dest


def test_od_matrix_and_times_to_each_are_identical_with_prepared_destinations(city):
    net, orig, dest = city
    prep = PreparedDestinations(net, dest, dest_id_col="code", workers=3, **KW)
    assert len(prep) == 9 and "9 destinations" in repr(prep)
    today = od_matrix(net, orig, dest, b_id_col="code", **KW)
    fast = od_matrix(net, orig, prep)
    assert today.notna().to_numpy().mean() > 0.5
    np.testing.assert_array_equal(fast.to_numpy(), today.to_numpy())
    assert list(fast.columns) == list(today.columns) and list(fast.index) == list(today.index)
    assert fast.attrs == today.attrs
    t_today = times_to_each(net, orig, dest, dest_id_col="code", **KW)
    t_fast = times_to_each(net, orig, prep)
    np.testing.assert_array_equal(
        t_fast.drop(columns="geometry").to_numpy(float),
        t_today.drop(columns="geometry").to_numpy(float),
    )
    # new origins, the same field: a second query
    more = od_matrix(net, orig.iloc[::7], prep)
    np.testing.assert_array_equal(more.to_numpy(), today.iloc[::7].to_numpy())


def test_threads_fill_their_own_columns(city, monkeypatch):
    net, _orig, dest = city
    whole = PreparedDestinations(net, dest, workers=1, **KW)
    monkeypatch.setattr("connectivity.prepared.DEFAULT_MEMORY_MB", 1e-6)  # one per batch
    for workers in (1, 3):
        batched = PreparedDestinations(net, dest, workers=workers, **KW)
        np.testing.assert_array_equal(batched.field, whole.field)


def test_time_limits_of_prepared_destinations(city):
    net, orig, dest = city
    full = od_matrix(net, orig, dest, **KW).to_numpy()
    limit = float(np.nanmedian(full))
    limited = od_matrix(net, orig, dest, max_time_min=limit, **KW).to_numpy()
    assert np.isfinite(limited).sum() < np.isfinite(full).sum() and np.isfinite(limited).any()
    for prep in (
        PreparedDestinations(net, dest, **KW),
        PreparedDestinations(net, dest, max_time_min=limit, **KW),
    ):
        got = od_matrix(net, orig, prep, max_time_min=limit)
        np.testing.assert_array_equal(got.to_numpy(), limited)
    prep = PreparedDestinations(net, dest, max_time_min=limit, **KW)
    with pytest.raises(ParameterError, match="prepared for"):
        od_matrix(net, orig, prep, max_time_min=2 * limit)
    with pytest.raises(ParameterError, match="positive"):
        od_matrix(net, orig, prep, max_time_min=-1.0)


def test_prepared_destinations_refuse_what_they_cannot_answer(city):
    net, orig, dest = city
    with pytest.raises(ParameterError, match=r"needs .* MB .* over memory_mb"):
        PreparedDestinations(net, dest, memory_mb=0.001, **KW)
    with pytest.raises(ParameterError, match="workers"):
        PreparedDestinations(net, dest, workers=0, **KW)
    with pytest.raises(ParameterError, match="dtype"):
        PreparedDestinations(net, dest, dtype="int8", **KW)  # type: ignore[arg-type]
    prep = PreparedDestinations(net, dest, dest_id_col="code", **KW)
    other = RoadNetwork.from_edges(
        net.x, net.y, net.edge_tails(), net.indices, crs=UTM, speed_kmh=30.0
    )
    with pytest.raises(ParameterError, match="another RoadNetwork"):
        od_matrix(other, orig, prep)
    with pytest.raises(ParameterError, match="carry their ids"):
        od_matrix(net, orig, prep, b_id_col="code")
    with pytest.raises(ParameterError, match="max_snap_m"):
        od_matrix(net, orig, prep, max_snap_m=50.0)  # not how the destinations were snapped


def test_float32_field_halves_memory_and_rounds_only(city):
    net, orig, dest = city
    exact = PreparedDestinations(net, dest, **KW)
    half = PreparedDestinations(net, dest, dtype="float32", **KW)
    assert half.field.nbytes * 2 == exact.field.nbytes
    np.testing.assert_allclose(
        od_matrix(net, orig, half).to_numpy(), od_matrix(net, orig, exact).to_numpy(), rtol=1e-6
    )


def test_almaty_prepared_od_is_identical(shared_data):
    path = shared_data / "kazakhstan" / "almaty_2013_drive.osm"
    if not path.exists():
        pytest.skip(f"{path} not found")
    net = RoadNetwork.from_osm(path)
    rng = np.random.default_rng(3)
    pick = rng.integers(0, net.n_nodes, 413)
    xy = np.c_[net.x[pick], net.y[pick]] + rng.normal(0, 150, (413, 2))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)
    origins, dests = pts.iloc[:400], pts.iloc[400:]
    today = od_matrix(net, origins, dests, offroad_speed_kmh=5.0)
    prep = PreparedDestinations(net, dests, offroad_speed_kmh=5.0)
    np.testing.assert_array_equal(od_matrix(net, origins, prep).to_numpy(), today.to_numpy())
