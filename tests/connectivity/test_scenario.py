"""What-if scenarios: Scenario.apply, the changes, scenario= on the measures."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import connectivity
from connectivity import (
    AddLink,
    BorderCrossing,
    Close,
    DataError,
    OffroadSpeed,
    OriginSet,
    ParameterError,
    RoadNetwork,
    Scenario,
    Upgrade,
)
from connectivity.routing import multi_source_node_times
from connectivity.scenarios import base_edges
from connectivity.scenarios.inputs import scenario_crossings, scenario_inputs

UTM = "EPSG:32642"


def grid_net(n: int = 4, step: float = 1000.0, speed: float = 30.0, x0: float = 0.0) -> RoadNetwork:
    """An n x n grid of two-way roads, ``step`` metres apart from (x0, 0); edge source id = row."""
    xs, ys = np.meshgrid(x0 + np.arange(n) * step, np.arange(n) * step)
    u, v = [], []
    for r in range(n):
        for c in range(n):
            i = r * n + c
            if c < n - 1:
                u.append(i), v.append(i + 1)
            if r < n - 1:
                u.append(i), v.append(i + n)
    return RoadNetwork.from_edges(
        xs.ravel(), ys.ravel(), u, v, crs=UTM, speed_kmh=speed,
        edge_source_ids=np.arange(len(u)), node_source_ids=np.arange(n * n) + 100,
    )  # fmt: skip


def digest(net: RoadNetwork) -> dict[str, str]:
    out = {}
    for f in dataclasses.fields(net):
        value = getattr(net, f.name)
        if isinstance(value, np.ndarray):
            out[f.name] = hashlib.sha256(value.tobytes()).hexdigest()
    out["meta"] = json.dumps(net.meta, sort_keys=True, default=str)
    out["class_names"] = repr(net.class_names)
    return out


def every_change() -> Scenario:
    return Scenario(
        [
            AddLink(shapely.LineString([(0, 0), (1500, 1500), (3000, 3000)]), speed_kmh=100),
            AddLink(shapely.LineString([(500, -300), (500, -2000)]), speed_kmh=50, join="snap"),
            Upgrade(ids=[0, 1], speed_kmh=90, road_class="primary"),
            Upgrade(ref="M36", speed_kmh=110),
            Close(bbox=(2900, 2900, 3100, 3100)),
            OffroadSpeed(shapely.box(-5000, -5000, 0, 0), 20),
            BorderCrossing("east", open=False),
        ],
        name="all",
        edge_refs={2: "M-36", 3: "M36;E40"},
    )


# ---------------------------------------------------------------- apply
def test_apply_leaves_the_base_untouched_byte_for_byte():
    net = grid_net()
    before = digest(net)
    new = every_change().apply(net)
    assert digest(net) == before
    assert new is not net and new.n_nodes > net.n_nodes
    assert new.meta["scenario"]["name"] == "all"
    assert "scenario" not in net.meta and "offroad_areas" not in net.meta


def test_unchanged_arrays_are_shared_not_copied():
    net = grid_net()
    empty = Scenario([]).apply(net)
    for f in ("x", "y", "indptr", "indices", "time_min", "length_m", "road_class"):
        assert getattr(empty, f) is getattr(net, f)
    up = Scenario([Upgrade(ids=[0], speed_kmh=60)]).apply(net)
    assert up.indices is net.indices and up.x is net.x and up.length_m is net.length_m
    assert up.time_min is not net.time_min
    closed = Scenario([Close(ids=[0])]).apply(net)
    assert closed.x is net.x and closed.n_edges == net.n_edges - 2


def test_upgrade_sets_time_from_length_and_speed():
    net = grid_net()
    new = Scenario([Upgrade(ids=[0], speed_kmh=60, road_class="trunk")]).apply(net)
    sel = new.edge_source_ids == 0
    np.testing.assert_allclose(new.time_min[sel], 1.0)  # 1 km at 60 km/h
    assert set(np.asarray(new.class_names)[new.road_class[sel]]) == {"trunk"}
    np.testing.assert_array_equal(new.time_min[~sel], net.time_min[~sel])


def test_upgrade_by_ref_and_unknown_ref():
    net = grid_net()
    refs = {2: "M-36", 3: "M36;E40", 4: "A1"}
    new = Scenario([Upgrade(ref="m 36", speed_kmh=60)], edge_refs=refs).apply(net)
    changed = new.time_min != net.time_min
    assert set(new.edge_source_ids[changed].tolist()) == {2, 3}
    with pytest.raises(DataError, match=r"unknown road ref 'Z9'.*A1, E40, M36"):
        Scenario([Upgrade(ref="Z9", speed_kmh=60)], edge_refs=refs).apply(net)
    with pytest.raises(DataError, match="needs the road refs"):
        Scenario([Upgrade(ref="M36", speed_kmh=60)]).apply(net)


def test_add_link_joined_at_nodes_and_by_snapping():
    net = grid_net()
    link = AddLink(shapely.LineString([(10, 20), (2990, 2980)]), speed_kmh=60)
    new = Scenario([link]).apply(net)
    # joined at nodes 0 and 15: a direct 4243 m road at 60 km/h
    t, _ = multi_source_node_times(new, [0])
    assert t[15] == pytest.approx(np.hypot(3000, 3000) / 1000.0)
    snap = AddLink(shapely.LineString([(500, -300), (500, -1300)]), speed_kmh=60, join="snap")
    new = Scenario([snap]).apply(net)
    assert new.n_nodes == net.n_nodes + 2  # the split point and the free end
    split = net.n_nodes
    assert (new.x[split], new.y[split]) == (500.0, 0.0)
    t, _ = multi_source_node_times(new, [0])
    assert t[1] == pytest.approx(2.0)  # the split edge keeps its time, in two pieces
    assert t[split + 1] == pytest.approx(1.0 + 1.3)  # 0.5 km at 30 + 1.3 km at 60
    assert base_edges(new) is not None and (base_edges(new) == -1).sum() == 2


def test_add_link_refusals():
    net = grid_net()
    with pytest.raises(DataError, match="link touches no road"):
        Scenario([AddLink(shapely.LineString([(9e4, 0), (9e4, 5e3)]), speed_kmh=50)]).apply(net)
    with pytest.raises(DataError, match="one node only"):
        Scenario([AddLink(shapely.LineString([(0, 1), (1, 0)]), speed_kmh=50)]).apply(net)
    with pytest.raises(ParameterError, match="out of range"):
        AddLink(shapely.LineString([(0, 0), (1, 1)]), speed_kmh=200)
    with pytest.raises(ParameterError, match="out of range"):
        AddLink(shapely.LineString([(0, 0), (1, 1)]), speed_kmh=0)
    with pytest.raises(DataError, match="LineString"):
        AddLink(shapely.Point(0, 0), speed_kmh=50)  # type: ignore[arg-type]


def test_selection_refusals():
    net = grid_net()
    with pytest.raises(ParameterError, match="exactly one"):
        Close(ids=[1], bbox=(0, 0, 1, 1))
    with pytest.raises(ParameterError, match="changes nothing"):
        Upgrade(ids=[1])
    with pytest.raises(DataError, match="selects no edge"):
        Scenario([Close(bbox=(1e6, 1e6, 1e6 + 1, 1e6 + 1))]).apply(net)
    with pytest.raises(DataError, match="not in the network"):
        Scenario([Close(ids=[999])]).apply(net)
    with pytest.raises(DataError, match="not a scenario change"):
        Scenario(["close road 5"])  # type: ignore[list-item]


def test_geometries_in_another_crs_are_reprojected():
    net = grid_net()
    line = gpd.GeoSeries([shapely.LineString([(0, 0), (3000, 3000)])], crs=UTM).to_crs(4326)
    sc = Scenario([AddLink(line.iloc[0], speed_kmh=60)], crs="EPSG:4326")
    t, _ = multi_source_node_times(sc.apply(net), [0])
    assert t[15] == pytest.approx(np.hypot(3000, 3000) / 1000.0, rel=1e-6)


# ---------------------------------------------------------------- hypothesis
@st.composite
def random_network(draw: st.DrawFn) -> RoadNetwork:
    n = draw(st.integers(4, 12))
    xy = draw(
        st.lists(
            st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=n, max_size=n, unique=True
        )
    )
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=3, max_size=25)
    )
    pairs = [(a, b) for a, b in pairs if a != b] or [(0, 1)]
    oneway = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    speed = draw(
        st.lists(st.sampled_from([20.0, 50.0, 90.0]), min_size=len(pairs), max_size=len(pairs))
    )
    x, y = (np.array(c, float) * 500.0 for c in zip(*xy, strict=True))
    u, v = (list(c) for c in zip(*pairs, strict=True))
    return RoadNetwork.from_edges(
        x, y, u, v, crs=UTM, speed_kmh=speed, oneway=oneway, edge_source_ids=np.arange(len(u))
    )


def assert_clean_csr(net: RoadNetwork) -> None:
    """Sorted by tail then head, no parallel edges, no self loops, indptr consistent."""
    tails = net.edge_tails().astype("int64")
    key = tails * net.n_nodes + net.indices
    assert (np.diff(key) > 0).all() and (tails != net.indices).all()
    assert net.indptr[-1] == net.n_edges and all(
        a.shape == (net.n_edges,) for a in (net.time_min, net.length_m, net.road_class)
    )


def _times(net: RoadNetwork, seeds: list[int], n: int) -> np.ndarray:
    t, _ = multi_source_node_times(net, seeds)
    return t[:n]


@settings(max_examples=60, deadline=None)
@given(
    net=random_network(),
    ends=st.tuples(st.floats(200, 10_000), st.floats(200, 10_000), st.floats(200, 10_000),
                   st.floats(200, 10_000)),  # metres (values <= 180 would look like degrees)
    speed=st.floats(5, 150),
    join=st.sampled_from(["nodes", "snap"]),
    oneway=st.booleans(),
)  # fmt: skip
def test_adding_a_link_can_only_shorten_times(net, ends, speed, join, oneway):
    line = shapely.LineString([ends[:2], ends[2:]])
    link = AddLink(line, speed_kmh=speed, join=join, oneway=oneway, max_join_m=20_000)
    try:
        new = Scenario([link]).apply(net)
    except DataError:  # both ends join the same node: refused, nothing to compare
        return
    assert_clean_csr(new)
    for seeds in ([0], [net.n_nodes - 1]):
        before = _times(net, seeds, net.n_nodes)
        after = _times(new, seeds, net.n_nodes)
        assert np.all(after <= before + 1e-9)
        back = _times(new, seeds, net.n_nodes)
        assert np.array_equal(back, after)


@settings(max_examples=60, deadline=None)
@given(net=random_network(), data=st.data())
def test_closing_edges_can_only_lengthen_times(net, data):
    ids = np.unique(net.edge_source_ids)
    if ids.size < 2:
        return
    shut = data.draw(st.lists(st.sampled_from(ids.tolist()), min_size=1, max_size=ids.size - 1))
    if set(shut) >= set(ids.tolist()):
        return
    new = Scenario([Close(ids=shut)]).apply(net)
    for seeds in ([0], [net.n_nodes - 1]):
        assert np.all(_times(new, seeds, net.n_nodes) >= _times(net, seeds, net.n_nodes) - 1e-9)


@settings(max_examples=30, deadline=None)
@given(net=random_network(), data=st.data())
def test_a_measure_from_nodes_can_only_gain_from_a_link(net, data):
    a, b = data.draw(st.lists(st.integers(0, net.n_nodes - 1), min_size=2, max_size=2, unique=True))
    line = shapely.LineString([(net.x[a], net.y[a]), (net.x[b], net.y[b])])
    # a node lying inside a segment it does not end (of the network or the new link)
    # is on two roads at once: re-snapping on the scenario network may pick the
    # other one (a tie, not a loss)
    tails = np.r_[net.edge_tails(), a]
    heads = np.r_[net.indices, b]
    segs = shapely.linestrings(
        np.stack([np.c_[net.x[tails], net.y[tails]], np.c_[net.x[heads], net.y[heads]]], 1)
    )
    on_two = [
        any(
            shapely.distance(shapely.Point(net.x[i], net.y[i]), g) < 1e-6
            for g, u, v in zip(segs, tails, heads, strict=True)
            if i not in (u, v)
        )
        for i in range(net.n_nodes)
    ]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x, net.y), crs=UTM)[~np.array(on_two)]
    kw = {"nodes": [0], "max_snap_m": 1e-6}
    base = connectivity.time_to_nearest(net, pts, **kw)["time_min"].fillna(np.inf)
    sc = Scenario([AddLink(line, speed_kmh=120, max_join_m=1.0)])
    after = connectivity.time_to_nearest(net, pts, scenario=sc, **kw)["time_min"].fillna(np.inf)
    assert (after.to_numpy() <= base.to_numpy() + 1e-9).all()


# ---------------------------------------------------------------- measures
@pytest.fixture
def places():
    net = grid_net(5)
    rng = np.random.default_rng(1)
    pts = gpd.GeoDataFrame(
        {"w": rng.uniform(1, 10, 12)},
        geometry=gpd.points_from_xy(rng.uniform(-100, 4100, 12), rng.uniform(-100, 4100, 12)),
        crs=UTM,
    )
    dest = gpd.GeoDataFrame(
        {"name": ["a", "b", "east"]},
        geometry=gpd.points_from_xy([0, 4000, 4050], [0, 4000, 2000]),
        crs=UTM,
    )
    pop = (np.arange(25.0).reshape(5, 5), connectivity_transform(), UTM)
    return net, pts, dest, pop


def connectivity_transform():
    from affine import Affine

    return Affine(1000.0, 0, -500.0, 0, -1000.0, 4500.0)


def _frames_equal(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
        assert a.attrs == b.attrs
    else:  # TravelTimeGrid
        np.testing.assert_array_equal(a.time_min, b.time_min)
        np.testing.assert_array_equal(a.nearest, b.nearest)


def _every_measure(net, pts, dest, pop, **kw):
    corr = gpd.GeoDataFrame(
        {"c": ["x"]}, geometry=[shapely.LineString([(0, 2000), (4000, 2000)])], crs=UTM
    )
    access = connectivity.corridor_access(net, corr, corridor_id_col="c", **kw)
    return {
        "nearest": connectivity.time_to_nearest(net, pts, dest, **kw),
        "raster": connectivity.raster_time_to_nearest(net, pop, dest, **kw),
        "od": connectivity.od_matrix(net, pts, dest, **kw),
        "each": connectivity.times_to_each(net, pts, dest, **kw),
        "cumulative": connectivity.cumulative_opportunities(net, pts, dest, **kw),
        "gravity": connectivity.gravity_access(net, pts, pts, "w", beta=0.1, **kw),
        "iso": connectivity.isochrones(net, dest, (2, 5), **kw),
        "access": access,
        "corridors": connectivity.time_to_corridors(net, pts, access, **kw),
        "border": connectivity.border_access(net, pts, dest, crossing_id_col="name", **kw),
    }


def test_no_changes_give_results_identical_to_the_base(places):
    net, pts, dest, pop = places
    base = _every_measure(net, pts, dest, pop)
    same = _every_measure(net, pts, dest, pop, scenario=Scenario([], name="nothing"))
    for key in base:
        _frames_equal(base[key], same[key])
    cells = OriginSet.from_raster(net, pop)
    a = connectivity.raster_time_to_nearest(net, cells, dest)
    b = connectivity.raster_time_to_nearest(net, cells, dest, scenario=Scenario([]))
    _frames_equal(a, b)


def test_every_measure_runs_on_a_scenario(places):
    net, pts, dest, pop = places
    sc = Scenario([AddLink(shapely.LineString([(0, 0), (4000, 4000)]), speed_kmh=120)])
    base = _every_measure(net, pts, dest, pop)
    after = _every_measure(net, pts, dest, pop, scenario=sc)
    assert (after["od"].iloc[:, 1] <= base["od"].iloc[:, 1] + 1e-9).all()
    assert after["od"].iloc[:, 0].notna().all()


def test_a_presnapped_origin_set_is_snapped_again(places):
    net, pts, dest, _ = places
    oset = OriginSet.from_points(net, pts, offroad_speed_kmh=6)
    sc = Scenario([Upgrade(bbox=(-10, -10, 4010, 4010), speed_kmh=60)])
    new = sc.apply(net)
    got = connectivity.time_to_nearest(net, oset, dest, scenario=sc)
    fresh = connectivity.time_to_nearest(
        new, OriginSet.from_points(new, pts, offroad_speed_kmh=6), dest
    )
    pd.testing.assert_series_equal(got["time_min"], fresh["time_min"])
    base = connectivity.time_to_nearest(net, oset, dest)
    assert (got["time_min"] < base["time_min"]).all()  # twice the speed everywhere
    _, again = scenario_inputs(net, sc, oset)
    assert again.network_size == (new.n_nodes, new.n_edges) and oset.network_size == (
        net.n_nodes,
        net.n_edges,
    )


def test_offroad_speed_area(places):
    net, pts, dest, _ = places
    area = shapely.box(-500, -500, 4500, 4500)
    sc = Scenario([OffroadSpeed(area, 60)])
    slow = connectivity.time_to_nearest(net, pts, dest, offroad_speed_kmh=6)
    fast = connectivity.time_to_nearest(net, pts, dest, offroad_speed_kmh=6, scenario=sc)
    leg = slow["origin_snap_m"] / 100.0  # 6 km/h = 100 m per minute
    assert (fast["time_min"] <= slow["time_min"] + 1e-9).all()
    assert (slow["time_min"] - fast["time_min"]).max() == pytest.approx(
        (leg - leg / 10).max(), abs=leg.max() * 1.1
    )


def test_border_crossings_open_and_close(places):
    net, pts, dest, _ = places
    closed = scenario_crossings(Scenario([BorderCrossing("east", open=False)]), dest, "name", net)
    assert list(closed["name"]) == ["a", "b"]
    by_point = Scenario([BorderCrossing(shapely.Point(4000, 2100), open=False, match_m=500)])
    assert list(scenario_crossings(by_point, dest, "name", net)["name"]) == ["a", "b"]
    opened = Scenario([BorderCrossing(shapely.Point(2000, 2000), name="new")])
    assert list(scenario_crossings(opened, dest, "name", net)["name"]) == ["a", "b", "east", "new"]
    with pytest.raises(DataError, match="unknown border crossing 'nowhere'"):
        scenario_crossings(Scenario([BorderCrossing("nowhere")]), dest, "name", net)
    base = connectivity.border_access(net, pts, dest, crossing_id_col="name")
    after = connectivity.border_access(
        net,
        pts,
        dest,
        crossing_id_col="name",
        scenario=Scenario([BorderCrossing("east", open=False)]),
    )
    assert "east" not in set(after["nearest_crossing"])
    assert (after["time_min"] >= base["time_min"] - 1e-9).all()


def test_corridor_access_carries_per_edge_refs_to_the_scenario_network():
    net = grid_net()
    refs = np.where(net.edge_source_ids == 0, "M36", "").astype(object)  # the road 0-1
    corr = gpd.GeoDataFrame(
        {"c": ["x"], "ref": ["M36"]}, geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=UTM
    )
    split = Scenario([AddLink(shapely.LineString([(500, 0), (500, -900)]), 60, join="snap")])
    base = connectivity.corridor_access(net, corr, corridor_id_col="c", road_ref_col="ref",
                                        edge_refs=refs)  # fmt: skip
    after = connectivity.corridor_access(net, corr, corridor_id_col="c", road_ref_col="ref",
                                         edge_refs=refs, scenario=split)  # fmt: skip
    assert set(base["match"]) == {"ref"} and set(after["match"]) == {"ref"}
    assert set(after["node"]) == set(base["node"]) | {net.n_nodes}  # the split point joins


def test_a_box_in_another_crs_is_reprojected():
    net = grid_net(x0=500_000.0)
    box = gpd.GeoSeries([shapely.box(502_900, 2_900, 503_100, 3_100)], crs=UTM).to_crs(4326)
    sc = Scenario([Close(bbox=box.total_bounds)], crs="EPSG:4326")
    assert sc.apply(net).n_edges == net.n_edges - 4  # the two roads into the corner node
