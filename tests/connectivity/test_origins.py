"""OriginSet: places snapped once and reused by every measure (same numbers as raw inputs)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

import connectivity.origins as origins_mod
from connectivity import (
    DataError,
    OriginSet,
    ParameterError,
    RoadNetwork,
    border_access,
    corridor_access,
    cumulative_opportunities,
    gravity_access,
    isochrones,
    od_matrix,
    raster_time_to_nearest,
    time_to_corridors,
    time_to_nearest,
    times_to_each,
)
from connectivity.measures.batch import batch_origins

UTM = "EPSG:32643"
SNAP: dict[str, Any] = {"offroad_speed_kmh": 6.0, "max_snap_m": 1000.0}


@pytest.fixture
def net() -> RoadNetwork:
    # a 4 x 4 lattice of 1 km links at 60 km/h (1 min each), plus an island far north
    n = 4
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = np.concatenate([jj.ravel() * 1000.0, [0.0, 1000.0]])
    y = np.concatenate([ii.ravel() * 1000.0, [9000.0, 9000.0]])
    idx = np.arange(n * n).reshape(n, n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel(), [16]])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel(), [17]])
    return RoadNetwork.from_edges(x, y, u, v, crs=UTM, speed_kmh=60.0)


def _pts(xy: list[tuple[float, float]], **cols: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)


@pytest.fixture
def origins() -> gpd.GeoDataFrame:
    xy = [(250, 0), (1500, 100), (2900, 2950), (500, 9000), (0, 20_000), (1200, 1800)]
    return _pts(xy, pop=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).set_index(
        pd.Index(list("abcdef"), name="id")
    )


@pytest.fixture
def dests() -> gpd.GeoDataFrame:
    return _pts([(3000, 0), (0, 3100), (1000, 1000)], name=["E", "N", "M"], mass=[5.0, 1.0, 2.0])


def _grid() -> tuple[np.ndarray, Affine]:
    # 4 x 5 cells of 500 m over the lattice; NaN = nodata, 0 = unpopulated
    pop = np.arange(20, dtype=float).reshape(4, 5)
    pop[0, 0], pop[2, 3] = np.nan, 0.0
    return pop, Affine(500, 0, -250, 0, -500, 2250)


# ---------------------------------------------------------------- building sets
def test_from_points_keeps_ids_weights_and_geometry(net, origins) -> None:
    s = OriginSet.from_points(net, origins, weights="pop", **SNAP)
    assert len(s) == 6 and list(s.ids) == list("abcdef")
    np.testing.assert_array_equal(s.weights, origins["pop"].to_numpy())
    assert s.cells is None and s.geometry is not None
    assert s.frame().geometry.equals(origins.geometry)
    assert s.ok.tolist() == [True, True, True, True, False, True]
    assert "beyond max_snap_m" in s.snapped.reason()[4]
    by_name = OriginSet.from_points(net, origins.reset_index(), id_col="id", **SNAP)
    assert list(by_name.ids) == list("abcdef")
    assert "6 places" in repr(s)
    with pytest.raises(DataError, match="weight column"):
        OriginSet.from_points(net, origins, weights="jobs")
    with pytest.raises(DataError, match="duplicate"):
        OriginSet.from_points(net, origins.assign(k=1), id_col="k")


def test_polygons_use_the_same_point_as_before(net) -> None:
    crescent = shapely.Polygon(
        [(0, 0), (2000, 0), (2000, 2000), (1900, 2000), (1900, 100), (0, 100)]
    )
    zones = gpd.GeoDataFrame(geometry=[crescent], crs=UTM)
    for rule, expect in (
        ("centroid", shapely.centroid),
        ("representative", shapely.point_on_surface),
    ):
        s = OriginSet.from_points(net, zones, polygon_point=rule, **SNAP)
        p = expect(crescent)
        assert (s.snapped.x[0], s.snapped.y[0]) == pytest.approx((p.x, p.y))


def test_from_raster_takes_populated_cells(net) -> None:
    pop, tr = _grid()
    s = OriginSet.from_raster(net, (pop, tr, UTM), **SNAP)
    rows, cols = np.nonzero(np.nan_to_num(pop) > 0)
    assert s.cells is not None
    np.testing.assert_array_equal(s.cells.rows, rows)
    np.testing.assert_array_equal(s.cells.cols, cols)
    np.testing.assert_array_equal(s.weights, pop[rows, cols])
    assert s.ids.name == "cell" and list(s.ids) == list(rows * 5 + cols)
    g = s.to_grid(s.weights)
    np.testing.assert_array_equal(np.isnan(g), np.nan_to_num(pop) <= 0)
    frame = s.frame()
    assert list(frame.columns[:3]) == ["row", "col", "pop"]
    assert frame.geometry.iloc[0].equals(shapely.Point(500, 2000))  # centre of cell (0, 1)
    every = OriginSet.from_raster(net, (pop, tr, UTM), all_cells=True, **SNAP)
    assert len(every) == int(np.isfinite(pop).sum())

    class Grid:  # duck-typed fua.PopulationGrid with a valid mask
        def __init__(self) -> None:
            self.pop, self.transform, self.crs = np.nan_to_num(pop), tr, UTM
            self.valid = np.isfinite(pop)

    duck = OriginSet.from_any(net, Grid(), **SNAP)
    np.testing.assert_array_equal(duck.ids, s.ids)
    with pytest.raises(ParameterError, match="raster cells"):
        OriginSet.from_points(net, _pts([(0, 0)])).to_grid([1.0])


def test_subset_is_not_snapped_again(net, origins, monkeypatch) -> None:
    s = OriginSet.from_points(net, origins, weights="pop", **SNAP)
    monkeypatch.setattr(origins_mod, "snap_xy", _fail)
    sub = s.subset([1, 3])
    assert list(sub.ids) == ["b", "d"] and sub.weights.tolist() == [2.0, 4.0]
    np.testing.assert_array_equal(sub.snapped.dist_m, s.snapped.dist_m[[1, 3]])
    assert list(sub.snapped.index) == ["b", "d"]


def _fail(*a: Any, **k: Any) -> None:
    raise AssertionError("snapped again")


def test_a_set_from_another_network_or_snapping_is_refused(net, origins, dests) -> None:
    s = OriginSet.from_points(net, origins, **SNAP)
    other = RoadNetwork.from_edges([0.0, 1000.0], [0.0, 0.0], [0], [1], crs=UTM, speed_kmh=60.0)
    with pytest.raises(ParameterError, match="another network"):
        time_to_nearest(other, s, dests)
    with pytest.raises(ParameterError, match="offroad_speed_kmh=5"):
        time_to_nearest(net, s, dests, offroad_speed_kmh=5.0)
    with pytest.raises(ParameterError, match="carries its ids"):
        time_to_nearest(net, origins, OriginSet.from_points(net, dests, **SNAP), dest_id_col="name")
    with pytest.raises(TypeError, match="max_snap"):
        time_to_nearest(net, s, dests, max_snap=10.0)  # type: ignore[call-arg]


# ---------------------------------------------------------------- same numbers
def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    assert a.attrs == b.attrs


def test_every_measure_gives_the_same_numbers_with_a_set(net, origins, dests, monkeypatch) -> None:
    calls = {"n": 0}
    real = origins_mod.snap_xy

    def counting(*a: Any, **k: Any) -> Any:
        calls["n"] += 1
        return real(*a, **k)

    raw = {
        "nearest": time_to_nearest(net, origins, dests, dest_id_col="name", **SNAP),
        "each": times_to_each(net, origins, dests, dest_id_col="name", **SNAP),
        "od": od_matrix(net, origins, dests, b_id_col="name", **SNAP),
        "cum": cumulative_opportunities(net, origins, dests, "mass", (1.0, 3.0), **SNAP),
        "grav": gravity_access(net, origins, dests, "mass", beta=0.3, **SNAP),
        "border": border_access(net, origins, dests, crossing_id_col="name", **SNAP),
    }
    monkeypatch.setattr(origins_mod, "snap_xy", counting)
    o = OriginSet.from_points(net, origins, **SNAP)
    d = OriginSet.from_points(net, dests, id_col="name", weights="mass", **SNAP)
    assert calls["n"] == 2
    _same(time_to_nearest(net, o, d), raw["nearest"])
    _same(times_to_each(net, o, d), raw["each"])
    _same(od_matrix(net, o, d), raw["od"])
    _same(cumulative_opportunities(net, o, d, None, (1.0, 3.0)), raw["cum"])
    _same(gravity_access(net, o, d, None, beta=0.3), raw["grav"])
    _same(border_access(net, o, d), raw["border"])
    assert calls["n"] == 2, "a measure snapped an OriginSet again"
    # raw destinations beside a set take the set's snapping (6 km/h here, not the default 5)
    _same(time_to_nearest(net, o, dests, dest_id_col="name"), raw["nearest"])


def test_raster_and_corridor_measures_with_a_set(net, dests) -> None:
    pop, tr = _grid()
    raster = (pop, tr, UTM)
    cells = OriginSet.from_raster(net, raster, **SNAP)
    a = raster_time_to_nearest(net, raster, dests, **SNAP)
    b = raster_time_to_nearest(net, cells, dests)
    np.testing.assert_array_equal(a.time_min, b.time_min)
    np.testing.assert_array_equal(a.nearest, b.nearest)
    assert a.attrs == b.attrs
    _same(time_to_nearest(net, raster, dests, **SNAP), time_to_nearest(net, cells, dests))
    lines = gpd.GeoDataFrame(
        {"corridor": ["south", "east"]},
        geometry=[
            shapely.LineString([(0, 0), (3000, 0)]),
            shapely.LineString([(3000, 0), (3000, 3000)]),
        ],
        crs=UTM,
    )
    access = corridor_access(net, lines, corridor_id_col="corridor", tolerance_m=10.0)
    _same(time_to_corridors(net, raster, access, **SNAP), time_to_corridors(net, cells, access))
    # the nearest access node of any corridor in one pass == the best corridor column
    via_nodes = raster_time_to_nearest(net, cells, nodes=access["node"].unique())
    best = time_to_corridors(net, cells, access)["time_min"].to_numpy()
    np.testing.assert_allclose(
        via_nodes.time_min[cells.cells.rows, cells.cells.cols], best, rtol=1e-6
    )
    with pytest.raises(ParameterError, match="either destinations"):
        time_to_nearest(net, cells, dests, nodes=[0])
    with pytest.raises(ParameterError, match="raster cells"):
        raster_time_to_nearest(net, OriginSet.from_points(net, dests), dests)


def test_cells_as_weighted_opportunities(net) -> None:
    """People within T minutes of a site: cumulative opportunities over the cells' population."""
    pop, tr = _grid()
    cells = OriginSet.from_raster(net, (pop, tr, UTM), **SNAP)
    site = _pts([(1000, 1000)])
    r = cumulative_opportunities(net, site, cells, thresholds_min=(2.0, 60.0))
    assert r["opp_60min"].iloc[0] == pytest.approx(np.nansum(pop))
    # by hand: cells whose trip is <= 2 min
    t = time_to_nearest(net, cells, site)["time_min"].to_numpy()  # symmetric network
    assert r["opp_2min"].iloc[0] == pytest.approx(cells.weights[t <= 2.0].sum())


def test_isochrones_and_batches_take_a_set(net, origins, dests) -> None:
    src = dests.iloc[:1]
    s = OriginSet.from_points(net, src, **SNAP)
    a = isochrones(net, src, (2.0,), **SNAP)
    b = isochrones(net, s, (2.0,))
    assert a.geometry.iloc[0].equals(b.geometry.iloc[0])
    o = OriginSet.from_points(net, origins, **SNAP)
    single = time_to_nearest(net, o, dests, dest_id_col="name")
    chunked = batch_origins(net, o, dests, chunk_size=4, dest_id_col="name")
    assert list(chunked.index) == list(origins.index)
    pd.testing.assert_series_equal(chunked["time_min"], single["time_min"])


def test_nearest_over_a_set_equals_networkx(net) -> None:
    """Places on network nodes: the one-pass nearest time is a plain multi-source Dijkstra."""
    rng = np.random.default_rng(3)
    o_nodes = rng.choice(16, 10, replace=False)
    d_nodes = np.array([3, 12])
    at = lambda nodes: _pts(list(zip(net.x[nodes], net.y[nodes], strict=True)))  # noqa: E731
    o = OriginSet.from_points(net, at(o_nodes), **SNAP)
    got = time_to_nearest(net, o, at(d_nodes))["time_min"].to_numpy()
    via_nodes = time_to_nearest(net, o, nodes=d_nodes)["time_min"].to_numpy()
    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(net.edge_tails().tolist(), net.indices.tolist(), net.time_min.tolist(), strict=True)
    )
    ref = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), set(d_nodes.tolist()))
    expect = np.array([ref[int(n)] for n in o_nodes])
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    np.testing.assert_allclose(via_nodes, expect, rtol=1e-12)


# ---------------------------------------------------------------- bad weights, far origins (issue 11)
def test_nan_weights_are_named_or_counted_as_zero_when_asked(net, origins, caplog) -> None:
    layer = origins.assign(pop=[1.0, np.nan, 3.0, np.nan, 5.0, 6.0])
    with pytest.raises(
        DataError, match=r"'pop' of the origins: 2 of 6 values are NaN \(ids 'b', 'd'\)"
    ):
        OriginSet.from_points(net, layer, weights="pop", **SNAP)
    with caplog.at_level("INFO", logger="connectivity"):
        s = OriginSet.from_points(net, layer, weights="pop", nan_weights="zero", **SNAP)
    assert s.weights.tolist() == [1.0, 0.0, 3.0, 0.0, 5.0, 6.0]
    assert "2 NaN values counted as 0" in caplog.text
    with pytest.raises(DataError, match="NaN"):
        s.with_weights([1.0, np.nan, 1, 1, 1, 1])
    with pytest.raises(ParameterError, match="nan_weights"):
        s.with_weights([1.0] * 6, nan_weights="drop")  # type: ignore[arg-type]


def test_opportunity_weights_nan_zero_through_the_measures(net, dests) -> None:
    d = dests.assign(mass=[5.0, np.nan, 2.0])
    with pytest.raises(DataError, match="mass"):
        cumulative_opportunities(net, _pts([(0, 0)]), d, "mass", (60,), **SNAP)
    r = cumulative_opportunities(net, _pts([(0, 0)]), d, "mass", (60,), nan_weights="zero", **SNAP)
    assert r["opp_60min"].iloc[0] == pytest.approx(7.0)


def test_text_and_infinite_weights_name_the_column_and_a_value(net, origins) -> None:
    with pytest.raises(
        DataError, match=r"'pop' of the origins: 1 values are not numbers, e.g. '1,234'"
    ):
        OriginSet.from_points(
            net, origins.assign(pop=["1", "1,234", "3", "4", "5", "6"]), weights="pop"
        )
    numeric_text = OriginSet.from_points(
        net, origins.assign(pop=["1", "2", "3", "4", "5", "6"]), weights="pop"
    )
    assert numeric_text.weights.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    with pytest.raises(DataError, match=r"infinite values \(ids 'c'\)"):
        OriginSet.from_points(net, origins.assign(pop=[1, 2, np.inf, 4, 5, 6]), weights="pop")
    with pytest.raises(DataError, match="no weight column 'people'"):
        OriginSet.from_points(net, origins, weights="people")


def test_an_empty_layer_is_refused(net, origins) -> None:
    with pytest.raises(DataError, match="origins layer is empty"):
        OriginSet.from_points(net, origins.iloc[:0])


def test_origins_none_of_which_join_fail_but_a_far_chunk_does_not(net, dests) -> None:
    far = _pts([(0, -50_000), (100, -50_000)])
    with pytest.raises(DataError, match=r"none of the 2 origins.*origins in EPSG:32643"):
        time_to_nearest(net, far, dests, **SNAP)
    with pytest.raises(DataError, match="none of the 2 sources"):
        isochrones(net, far, (5,), **SNAP)
    with pytest.raises(DataError, match="none of the 2 origins"):
        time_to_corridors(net, far, pd.DataFrame({"corridor_id": [1], "node": [0]}), **SNAP)
    with origins_mod.origins_in_chunks():  # one chunk of a larger set: rows without a time
        r = time_to_nearest(net, far, dests, **SNAP)
    assert r["time_min"].isna().all() and r.attrs["n_on_network"] == 0
    # a batch whose first chunk is all far still runs; one with only far origins fails
    mixed = pd.concat([far, _pts([(250, 0), (1500, 100)])], ignore_index=True)
    chunked = batch_origins(net, mixed, dests, chunk_size=2, **SNAP)
    single = time_to_nearest(net, mixed.iloc[2:], dests, **SNAP)
    pd.testing.assert_series_equal(chunked["time_min"].iloc[2:], single["time_min"])
    assert chunked["time_min"].iloc[:2].isna().all()
    with pytest.raises(DataError, match="none of the 2 origins"):
        batch_origins(net, far, dests, chunk_size=1, **SNAP)
