"""Accessibility measures on tiny networks with hand-computed answers."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from connectivity import CRSError, DataError, ParameterError, RoadNetwork
from connectivity.measures import (
    TravelTimeGrid,
    cumulative_opportunities,
    gravity_access,
    internal_time_min,
    od_matrix,
    population_within,
    raster_time_to_nearest,
    time_to_nearest,
    times_to_each,
)

UTM = "EPSG:32643"
KW: dict[str, Any] = {"offroad_speed_kmh": 6.0, "max_snap_m": 1000.0}  # off-road: 100 m per minute


@pytest.fixture
def net():
    # 0 --- 1 --- 2 (1 km each at 60 km/h: 1 min), island 3 --- 4 far north
    x = np.array([0.0, 1000.0, 2000.0, 0.0, 1000.0])
    y = np.array([0.0, 0.0, 0.0, 5000.0, 5000.0])
    return RoadNetwork.from_edges(x, y, [0, 1, 3], [1, 2, 4], crs=UTM, speed_kmh=60.0)


def _pts(xy, index=None, **cols):
    return gpd.GeoDataFrame(
        cols or None, geometry=[shapely.Point(p) for p in xy], crs=UTM, index=index
    )


def test_time_to_nearest_known_answers(net):
    origins = _pts(
        [(250, 0), (1500, 100), (500, 5000), (0, 9000), (0, 0)],
        index=["a", "b", "island", "far", "on_node"],
    )
    dests = _pts([(2000, 0), (0, -200)], name=["east", "west"])
    r = time_to_nearest(net, origins, dests, dest_id_col="name", **KW)
    assert list(r.index) == ["a", "b", "island", "far", "on_node"]
    # a: east 1.75 vs west 0.25 + 2 off-road = 2.25
    assert r.loc["a", "time_min"] == pytest.approx(1.75)
    assert r.loc["a", "nearest_id"] == "east"
    # b: 1 min off-road + 0.5 road
    assert r.loc["b", "time_min"] == pytest.approx(1.5)
    assert r.loc["b", "origin_snap_m"] == pytest.approx(100.0)
    # on_node: west is 2 min off-road away (the destination is off-network)
    assert r.loc["on_node", "time_min"] == pytest.approx(2.0)
    assert r.loc["on_node", "nearest_id"] == "west"
    assert r.loc["on_node", "dest_snap_m"] == pytest.approx(200.0)
    # unreachable: NaN, no id, with reasons and counts
    assert np.isnan(r.loc["island", "time_min"]) and pd.isna(r.loc["island", "nearest_id"])
    assert r.loc["island", "reason"] == "different network component"
    assert np.isnan(r.loc["far", "time_min"])
    assert r.loc["far", "reason"] == "beyond max_snap_m (4000 m from nearest road)"
    assert r.attrs["n_unreachable"] == 2
    assert r.attrs["n_beyond_snap"] == 1
    assert r.loc["a", "reason"] == ""
    assert r.crs == origins.crs
    assert r.geometry.equals(origins.geometry)


def test_unreachable_is_logged(net, caplog):
    origins = _pts([(500, 5000)])
    with caplog.at_level(logging.WARNING, logger="connectivity"):
        time_to_nearest(net, origins, _pts([(2000, 0)]), **KW)
    assert "1 of 1 origins have no travel time" in caplog.text


def test_max_time_min_reason(net):
    r = time_to_nearest(net, _pts([(0, 0), (1900, 0)]), _pts([(2000, 0)]), max_time_min=1.0, **KW)
    assert np.isnan(r["time_min"].iloc[0])
    assert r["reason"].iloc[0] == "no destination within max_time_min=1"
    assert r["time_min"].iloc[1] == pytest.approx(0.1)


def test_oneway_street(net):
    # a one-way loop 0 -> 1 -> 2 -> 0 (triangle); a destination just behind the origin
    x = np.array([0.0, 1000.0, 1000.0])
    y = np.array([0.0, 0.0, 1000.0])
    ring = RoadNetwork.from_edges(x, y, [0, 1, 2], [1, 2, 0], crs=UTM, speed_kmh=60.0, oneway=True)
    r = time_to_nearest(ring, _pts([(500, 0)]), _pts([(400, 0)]), **KW)
    # 0.5 to node 1, 1 min to node 2, sqrt(2) min back to 0, 0.4 to the destination
    assert r["time_min"].iloc[0] == pytest.approx(0.5 + 1 + np.sqrt(2) + 0.4)


def test_destinations_all_beyond_snap_raise(net):
    with pytest.raises(DataError, match="none of the 1 destinations"):
        time_to_nearest(net, _pts([(0, 0)]), _pts([(0, -3000)]), **KW)


def test_origins_all_beyond_snap_raise_naming_both_crs(net):
    far = _pts([(0, -30_000), (100, -30_000)])
    with pytest.raises(DataError, match=r"none of the 2 origins is within max_snap_m=1000 m") as e:
        time_to_nearest(net, far.to_crs("EPSG:4326"), _pts([(0, 0)]), **KW)
    assert "origins in EPSG:4326, network in EPSG:32643" in str(e.value)
    for measure in (od_matrix, times_to_each, cumulative_opportunities):
        with pytest.raises(DataError, match="none of the 2 origins"):
            measure(net, far, _pts([(0, 0)]), **KW)


# ------------------------------------------------------------------ separate parts (issue 11)
def test_different_component_reason_summary_and_log(net, caplog):
    # the island 3 --- 4 is kept: the origin on it is snapped there (not reported 4 km away)
    origins = _pts([(250, 0), (500, 5100), (500, 4900)], index=["main", "island", "island2"])
    with caplog.at_level(logging.INFO, logger="connectivity"):
        r = time_to_nearest(net, origins, _pts([(2000, 0)]), **KW)
    assert r.loc["island", "origin_snap_m"] == pytest.approx(100.0)
    assert np.isnan(r.loc["island", "time_min"])
    assert r.loc["island", "reason"] == "different network component"
    assert r.loc["main", "reason"] == ""
    comp = r.attrs["components"]
    assert comp["n_parts"] == 2 and comp["n_parts_used"] == 2 and comp["n_origins_apart"] == 2
    assert comp["parts"] == [
        {"part": 0, "n_nodes": 3, "n_origins": 1, "n_destinations": 1},
        {"part": 1, "n_nodes": 2, "n_origins": 2, "n_destinations": 0},
    ]
    assert "fall on 2 of the network's 2 separate parts" in caplog.text
    # with a time limit the reason stays true: no road joins the parts
    r = time_to_nearest(net, origins, _pts([(2000, 0)]), max_time_min=60, **KW)
    assert r.loc["island", "reason"] == "different network component"
    # a destination on the island too: it is reached, nothing is apart
    both = time_to_nearest(net, origins, _pts([(2000, 0), (1000, 5000)]), **KW)
    assert both["time_min"].notna().all() and both.attrs["components"]["n_origins_apart"] == 0


def test_od_pairs_between_parts_are_nan_and_counted(net):
    o = _pts([(250, 0), (500, 5100)], index=["main", "island"])
    d = _pts([(2000, 0), (1000, 5000)], code=["E", "I"])
    m = od_matrix(net, o, d, b_id_col="code", **KW)
    assert np.isnan(m.loc["main", "I"]) and np.isnan(m.loc["island", "E"])
    assert m.loc["main", "E"] == pytest.approx(1.75) and np.isfinite(m.loc["island", "I"])
    assert m.attrs["components"]["n_pairs_apart"] == 2
    assert m.attrs["components"]["n_parts_used"] == 2
    acc = cumulative_opportunities(net, o, d, thresholds_min=(60,), **KW)
    assert list(acc["opp_60min"]) == [1.0, 1.0]  # each reaches the one on its own part
    assert acc.attrs["components"]["n_origins_apart"] == 0


def test_a_one_way_dead_end_is_not_called_another_component():
    # 0 <-> 1 <-> 2 two-way, and a one-way spur 1 -> 3: from node 3 no road leads back
    x = np.array([0.0, 1000.0, 2000.0, 1000.0])
    y = np.array([0.0, 0.0, 0.0, 1000.0])
    net = RoadNetwork.from_edges(
        x, y, [0, 1, 1], [1, 2, 3], crs=UTM, speed_kmh=60.0, oneway=[False, False, True]
    )
    assert len(set(net.component_labels().tolist())) == 2  # two strong components
    r = time_to_nearest(net, _pts([(1000, 1000), (0, 0)]), _pts([(2000, 0)]), **KW)
    assert np.isnan(r["time_min"].iloc[0])
    assert r["reason"].iloc[0].startswith("no destination reachable along one-way roads")
    assert r.attrs["components"]["n_parts"] == 1 and r.attrs["components"]["n_origins_apart"] == 0
    # the other way round the dead end is reached: "different component" would be false
    back = time_to_nearest(net, _pts([(0, 0)]), _pts([(1000, 1000)]), **KW)
    assert back["time_min"].iloc[0] == pytest.approx(2.0)


def test_connected_results_do_not_change_with_every_part_kept():
    # a connected network: keeping every part, or the largest only, gives the same numbers
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1000, 0), (2000, 0)]),
                  shapely.LineString([(1000, 0), (1000, 1500)])],
        crs=UTM,
    )  # fmt: skip
    every = RoadNetwork.from_lines(lines)
    largest = RoadNetwork.from_lines(lines, largest_component=True)
    o, d = _pts([(100, 50), (1000, 1400), (1900, -30)]), _pts([(2000, 0), (0, 10)])
    a = time_to_nearest(every, o, d, **KW)
    b = time_to_nearest(largest, o, d, **KW)
    pd.testing.assert_series_equal(a["time_min"], b["time_min"])
    assert (a["reason"] == "").all()


def test_duplicate_destination_ids_are_refused(net):
    dests = _pts([(2000, 0), (0, 0)], index=[7, 7])
    with pytest.raises(DataError, match=r"destinations ids repeat \(7, 7\)"):
        time_to_nearest(net, _pts([(250, 0)]), dests, **KW)
    with pytest.raises(DataError, match="ids repeat"):
        times_to_each(net, _pts([(250, 0)]), dests, **KW)
    with pytest.raises(DataError, match="ids repeat"):
        od_matrix(net, _pts([(250, 0)]), dests, **KW)
    ok = time_to_nearest(net, _pts([(250, 0)]), dests.reset_index(drop=True), **KW)
    assert ok["nearest_id"].iloc[0] == 1  # the labels say which one


@pytest.mark.parametrize("thresholds", [(30, 30), (0, 30), (float("nan"),), ()])
def test_bad_thresholds_are_refused(net, thresholds):
    with pytest.raises(ParameterError, match="thresholds_min"):
        cumulative_opportunities(net, _pts([(0, 0)]), _pts([(0, 0)]), thresholds_min=thresholds)
    with pytest.raises(ParameterError, match="thresholds_min"):
        population_within(np.array([1.0]), np.array([1.0]), thresholds)


def test_unsorted_thresholds_are_sorted(net):
    a = cumulative_opportunities(net, _pts([(0, 0)]), _pts([(0, 0)]), thresholds_min=(60, 30), **KW)
    assert [c for c in a.columns if c.startswith("opp_")] == ["opp_30min", "opp_60min"]


def test_max_time_min_must_be_positive(net):
    for bad in (0, -5, float("nan")):
        with pytest.raises(ParameterError, match="max_time_min"):
            time_to_nearest(net, _pts([(0, 0)]), _pts([(2000, 0)]), max_time_min=bad, **KW)


def test_inputs_in_other_crs_are_reprojected(net):
    net2 = RoadNetwork.from_edges(
        net.x + 500_000, net.y + 4_800_000, [0, 1], [1, 2], crs=UTM, speed_kmh=60.0
    )
    o = _pts([(500_250, 4_800_000)])
    d = _pts([(502_000, 4_800_000)])
    base = time_to_nearest(net2, o, d, **KW)["time_min"].iloc[0]
    ll = time_to_nearest(net2, o.to_crs("EPSG:4326"), d.to_crs("EPSG:3857"), **KW)
    assert ll["time_min"].iloc[0] == pytest.approx(base, abs=1e-6)
    assert ll.crs.to_epsg() == 4326  # the origins come back in their own CRS
    with pytest.raises(CRSError):
        time_to_nearest(net2, o.set_crs(None, allow_override=True), d, **KW)


def test_polygon_origins_use_their_centroid(net):
    square = shapely.box(200, -100, 400, 100)  # centroid (300, 0)
    origins = gpd.GeoDataFrame(geometry=[square], crs=UTM)
    r = time_to_nearest(net, origins, _pts([(2000, 0)]), **KW)
    assert r["time_min"].iloc[0] == pytest.approx(1.7)
    assert r.geometry.iloc[0].equals(square)


def test_od_matrix_and_times_to_each(net):
    o = _pts([(250, 0), (500, 5000)], index=[10, 11])
    d = _pts([(2000, 0), (1000, 0)], code=["E", "M"])
    m = od_matrix(net, o, d, b_id_col="code", **KW)
    assert list(m.index) == [10, 11] and list(m.columns) == ["E", "M"]
    np.testing.assert_allclose(m.loc[10].to_numpy(), [1.75, 0.75])
    assert m.loc[11].isna().all()
    assert m.attrs["n_pairs_unreachable"] == 2
    t = times_to_each(net, o, d, dest_id_col="code", **KW)
    np.testing.assert_allclose(
        t.loc[10, ["time_min_E", "time_min_M"]].to_numpy(float), [1.75, 0.75]
    )
    assert t.attrs["n_unreachable"] == 1
    # nearest agrees with the row minimum
    near = time_to_nearest(net, o, d, dest_id_col="code", **KW)
    assert near.loc[10, "time_min"] == pytest.approx(m.loc[10].min())


def test_cumulative_opportunities_hand_computed(net):
    o = _pts([(0, 0), (500, 5000), (0, 9000)])
    jobs = _pts([(500, 0), (1000, 0), (2000, 0), (0, 5000)], jobs=[10.0, 20.0, 40.0, 80.0])
    r = cumulative_opportunities(net, o, jobs, "jobs", (0.5, 1.0, 5.0), **KW)
    # from (0,0): 0.5 min -> 10; 1 min -> 30; 5 min -> 70 (the island's 80 never)
    np.testing.assert_allclose(
        r.iloc[0][["opp_0.5min", "opp_1min", "opp_5min"]].to_numpy(float), [10, 30, 70]
    )
    # island origin at (500, 5000): 0.5 min to node 3 -> 80
    np.testing.assert_allclose(
        r.iloc[1][["opp_0.5min", "opp_1min", "opp_5min"]].to_numpy(float), [80, 80, 80]
    )
    assert r.iloc[2][["opp_0.5min", "opp_1min", "opp_5min"]].isna().all()  # beyond snap
    counts = cumulative_opportunities(net, o, jobs, None, (1.0,), **KW)
    assert counts["opp_1min"].iloc[0] == 2
    with pytest.raises(ParameterError):
        cumulative_opportunities(net, o, jobs, "jobs", (), **KW)
    with pytest.raises(DataError, match="weight column"):
        cumulative_opportunities(net, o, jobs, "pop", (1.0,), **KW)


def test_gravity_exp_and_power_hand_computed(net):
    o = _pts([(0, 0)])
    d = _pts([(1000, 0), (2000, 0)], mass=[100.0, 50.0])
    exp = gravity_access(net, o, d, "mass", beta=0.5, decay="exp", **KW)
    assert exp["access"].iloc[0] == pytest.approx(100 * np.exp(-0.5) + 50 * np.exp(-1.0))
    pw = gravity_access(net, o, d, "mass", beta=2.0, decay="power", **KW)
    assert pw["access"].iloc[0] == pytest.approx(100 / 1.0**2 + 50 / 2.0**2)
    # the floor of the power decay: a destination at the origin counts w / 1^beta
    here = gravity_access(net, o, _pts([(0, 0)]), None, beta=2.0, decay="power", **KW)
    assert here["access"].iloc[0] == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="beta"):
        gravity_access(net, o, d, "mass", beta=0.0, **KW)
    with pytest.raises(ParameterError, match="decay"):
        gravity_access(net, o, d, "mass", beta=1.0, decay="gauss", **KW)  # type: ignore[arg-type]


def test_gravity_own_zone_term(net):
    # two zones of 1 km^2 centred on nodes 0 and 2; origins = the zones themselves
    zones = gpd.GeoDataFrame(
        {"pop": [1000.0, 3000.0]},
        geometry=[shapely.box(-500, -500, 500, 500), shapely.box(1500, -500, 2500, 500)],
        crs=UTM,
    )
    t_ii = (2 / 3) * np.sqrt(1e6 / np.pi) / (30 * 1000 / 60)  # at 30 km/h
    assert internal_time_min(np.array([1e6]), 30.0)[0] == pytest.approx(t_ii)
    beta = 0.3
    g = gravity_access(
        net, zones, zones, "pop", beta=beta, own_zone=True, own_zone_speed_kmh=30.0, **KW
    )
    # zone 0: own 1000 f(t_ii) + 3000 f(2 min)
    expected0 = 1000 * np.exp(-beta * t_ii) + 3000 * np.exp(-beta * 2.0)
    assert g["access"].iloc[0] == pytest.approx(expected0)
    assert g["own_zone_term"].iloc[0] == pytest.approx(1000 * np.exp(-beta * t_ii))
    no_own = gravity_access(net, zones, zones, "pop", beta=beta, **KW)
    # without the own-zone term the self pair is 0 min away (centroid on the node)
    assert no_own["access"].iloc[0] == pytest.approx(1000 + 3000 * np.exp(-beta * 2.0))
    with pytest.raises(DataError, match="polygons"):
        gravity_access(net, zones, _pts([(0, 0)]), None, beta=beta, own_zone=True, **KW)


# ---------------------------------------------------------------------------------------
# raster origins
# ---------------------------------------------------------------------------------------
def _grid():
    # 3 x 4 cells of 500 m; top-left corner (-250, 750): cell centres x = 0, 500, 1000, 1500
    # and y = 500, 0, -500
    pop = np.array([[0.0, 5.0, np.nan, 1.0], [2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 6.0]])
    return pop, Affine(500, 0, -250, 0, -500, 750)


def test_raster_origins_match_point_origins(net):
    pop, tr = _grid()
    dests = _pts([(2000, 0)])
    g = raster_time_to_nearest(net, (pop, tr, UTM), dests, **KW)
    assert isinstance(g, TravelTimeGrid)
    assert g.time_min.shape == pop.shape and g.time_min.dtype == np.float32
    rows, cols = np.nonzero(np.nan_to_num(pop) > 0)
    xs, ys = -250 + (cols + 0.5) * 500, 750 - (rows + 0.5) * 500
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs=UTM)
    ref = time_to_nearest(net, pts, dests, **KW)["time_min"].to_numpy()
    np.testing.assert_allclose(g.time_min[rows, cols], ref, rtol=1e-6)
    assert np.isnan(g.time_min[pop == 0]).all() and np.isnan(g.time_min[0, 2])
    # cell (1, 0) at (0, 0): 2 min of road
    assert g.time_min[1, 0] == pytest.approx(2.0)
    assert g.nearest[1, 0] == 0 and g.nearest[0, 0] == -1
    cells = time_to_nearest(net, (pop, tr, UTM), dests, **KW)
    assert list(cells.columns[:3]) == ["row", "col", "pop"]
    assert cells.index.name == "cell" and len(cells) == rows.size


def test_raster_from_file_and_pop_grid_object(net, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    pop, tr = _grid()
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="float64",
        crs=UTM,
        transform=tr,
        nodata=-1,
    ) as dst:
        dst.write(np.where(np.isnan(pop), -1, pop), 1)
    a = raster_time_to_nearest(net, path, _pts([(2000, 0)]), **KW)
    b = raster_time_to_nearest(net, (pop, tr, UTM), _pts([(2000, 0)]), **KW)
    np.testing.assert_array_equal(np.isnan(a.time_min), np.isnan(b.time_min))
    np.testing.assert_allclose(a.time_min, b.time_min)

    class Grid:  # duck-typed fua.PopulationGrid
        def __init__(self):
            self.pop, self.transform, self.crs, self.valid = pop, tr, UTM, None

    c = raster_time_to_nearest(net, Grid(), _pts([(2000, 0)]), **KW)
    np.testing.assert_allclose(c.time_min, b.time_min)
    with pytest.raises(CRSError):
        raster_time_to_nearest(net, (pop, tr, None), _pts([(2000, 0)]), **KW)


def test_population_within_hand_computed():
    t = np.array([10.0, 40.0, 70.0, np.nan])
    p = np.array([1.0, 2.0, 3.0, 4.0])
    r = population_within(t, p, thresholds_min=(60, 30))
    assert list(r["threshold_min"]) == [30, 60]
    np.testing.assert_allclose(r["pop_within"], [1, 3])
    np.testing.assert_allclose(r["share_within"], [0.1, 0.3])  # unreachable count as beyond
    by = population_within(t, p, thresholds_min=(60,), by=np.array(["x", "x", "y", "y"]))
    np.testing.assert_allclose(by.set_index("by")["share_within"].to_numpy(), [1.0, 0.0])
    with pytest.raises(ParameterError):
        population_within(t)


def test_population_within_grid(net):
    pop, tr = _grid()
    g = raster_time_to_nearest(net, (pop, tr, UTM), _pts([(2000, 0)]), **KW)
    r = population_within(g, thresholds_min=(1000,))
    total = np.nansum(pop)
    reached = np.nansum(np.where(np.isfinite(g.time_min), pop, 0))
    assert r["pop_total"].iloc[0] == pytest.approx(total)
    assert r["pop_within"].iloc[0] == pytest.approx(reached)


@pytest.mark.realdata
def test_almaty_nearest_agrees_with_od_and_networkx(shared_data):
    """On the real Almaty network: one-pass nearest == OD row minimum == networkx."""
    import networkx as nx

    path = shared_data / "kazakhstan" / "almaty_2013_drive.osm"
    if not path.exists():
        pytest.skip(f"{path} not found")
    net = RoadNetwork.from_osm(path)
    rng = np.random.default_rng(42)
    pick = rng.integers(0, net.n_nodes, 300)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            net.x[pick] + rng.normal(0, 150, 300), net.y[pick] + rng.normal(0, 150, 300)
        ),
        crs=net.crs,
    )
    origins, dests = pts.iloc[:290], pts.iloc[290:]
    near = time_to_nearest(net, origins, dests, offroad_speed_kmh=5.0)
    od = od_matrix(net, origins, dests, offroad_speed_kmh=5.0)
    np.testing.assert_allclose(near["time_min"].to_numpy(), od.min(axis=1).to_numpy(), rtol=1e-9)
    assert near["time_min"].notna().mean() > 0.9
    # node-level check against networkx on the same directed graph
    from connectivity.routing import multi_source_node_times

    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(net.edge_tails().tolist(), net.indices.tolist(), net.time_min.tolist(), strict=True)
    )
    seeds = pick[290:]
    t, _ = multi_source_node_times(net, seeds, reverse=True)
    ref = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), set(seeds.tolist()))
    nodes = np.fromiter(ref.keys(), int)
    np.testing.assert_allclose(t[nodes], np.fromiter(ref.values(), float), rtol=1e-9)
    assert np.isinf(np.delete(t, nodes)).all()
