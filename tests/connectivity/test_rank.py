"""rank_links: each candidate alone, against brute-force re-runs on the network with the link."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from connectivity import CRSError, DataError, OriginSet, ParameterError, RoadNetwork
from connectivity.lastmile import last_mile_candidates
from connectivity.measures import gravity_access, time_to_nearest
from connectivity.measures.gravity import decay_weights
from connectivity.rank import link_times, rank_links
from connectivity.routing import nearest, nearest_node, od_blocks
from connectivity.scenarios import AddLink, Scenario

UTM = "EPSG:32643"
SNAP: dict[str, Any] = {"max_snap_m": 5_000.0, "offroad_speed_kmh": 10.0}


def _random_case(seed: int) -> tuple[RoadNetwork, OriginSet, OriginSet, gpd.GeoDataFrame]:
    """A sparse random road network, weighted origins, three destinations and 12 candidate links."""
    rng = np.random.default_rng(seed)
    n = 30
    x = rng.uniform(0, 20_000, n)
    y = rng.uniform(0, 20_000, n)
    # a spanning chain plus a few random shortcuts, so that some links help and some do not
    order = rng.permutation(n)
    u = list(order[:-1])
    v = list(order[1:])
    extra = rng.integers(0, n, size=(8, 2))
    u += [a for a, b in extra if a != b]
    v += [b for a, b in extra if a != b]
    speed = rng.choice([30.0, 60.0, 90.0], size=len(u))
    oneway = rng.random(len(u)) < 0.15
    net = RoadNetwork.from_edges(x, y, u, v, crs=UTM, speed_kmh=speed, oneway=oneway)
    pts = gpd.GeoDataFrame(
        {"pop": rng.integers(1, 500, 60).astype(float)},
        geometry=gpd.points_from_xy(rng.uniform(0, 20_000, 60), rng.uniform(0, 20_000, 60)),
        crs=UTM,
    )
    dests = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=gpd.points_from_xy(rng.uniform(0, 20_000, 3), rng.uniform(0, 20_000, 3)),
        crs=UTM,
    )
    orig = OriginSet.from_points(net, pts, weights="pop", **SNAP)
    dest = OriginSet.from_points(net, dests, id_col="name", **SNAP)
    pairs = rng.choice(n, size=(12, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    lines = [shapely.LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in pairs]
    cands = gpd.GeoDataFrame(
        {"link_id": [f"L{i}" for i in range(len(lines))],
         "speed_kmh": rng.choice([60.0, 120.0], size=len(lines))},
        geometry=lines, crs=UTM,
    )  # fmt: skip
    return net, orig, dest, cands


def _with(net: RoadNetwork, row: pd.Series) -> RoadNetwork:
    return Scenario([AddLink(row.geometry, speed_kmh=row["speed_kmh"], road_class="primary",
                             oneway=False, join="nodes", max_join_m=1_000.0)]).apply(net)  # fmt: skip


def _brute_nearest(net: RoadNetwork, orig: OriginSet, dest: OriginSet | np.ndarray) -> np.ndarray:
    if isinstance(dest, np.ndarray):
        return nearest_node(net, orig.snapped, dest).time_min
    return nearest(net, orig.snapped, dest.snapped).time_min


def _brute_scores(net, orig, dest, cands, within):
    """Re-run the measure on the network with each link: person-minutes and people newly within."""
    keep = orig.ok & (orig.weights > 0)
    w = orig.weights[keep]
    t0 = _brute_nearest(net, orig, dest)[keep]
    out = {}
    for _, row in cands.iterrows():
        t1 = _brute_nearest(_with(net, row), orig, dest)[keep]
        both = np.isfinite(t0) & np.isfinite(t1)
        out[row["link_id"]] = (
            float(w[both] @ (t0[both] - t1[both])),
            float(w[(t1 <= within) & ~(t0 <= within)].sum()),
            float(w[np.isfinite(t1) & ~np.isfinite(t0)].sum()),
        )
    return out


@pytest.mark.parametrize("seed", range(6))
def test_minutes_and_within_agree_with_brute_force(seed: int) -> None:
    net, orig, dest, cands = _random_case(seed)
    got = rank_links(net, cands, orig, dest, objective="minutes", within_min=20.0)
    brute = _brute_scores(net, orig, dest, cands, 20.0)
    assert len(got) == len(cands) and got["rank"].tolist() == list(range(1, len(cands) + 1))
    for _, r in got.iterrows():
        minutes, within, newly = brute[r["link_id"]]
        assert r["benefit"] == pytest.approx(minutes, rel=1e-9, abs=1e-6)
        assert r["pop_minutes_saved"] == pytest.approx(minutes, rel=1e-9, abs=1e-6)
        assert r["pop_newly_within"] == pytest.approx(within, abs=1e-6)
        assert r["pop_newly_reachable"] == pytest.approx(newly, abs=1e-6)
        assert r["benefit_per_km"] == pytest.approx(r["benefit"] / r["length_km"])
    assert (np.diff(got["benefit"].to_numpy()) <= 0).all()
    within_rank = rank_links(net, cands, orig, dest, objective="within", within_min=20.0)
    for _, r in within_rank.iterrows():
        assert r["benefit"] == pytest.approx(brute[r["link_id"]][1], abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_nodes_as_destinations_agree_with_brute_force(seed: int) -> None:
    net, orig, _, cands = _random_case(seed)
    nodes = np.array([0, 5])
    got = rank_links(net, cands, orig, nodes=nodes, objective="minutes").set_index("link_id")
    brute = _brute_scores(net, orig, nodes, cands, 60.0)
    for lid, (minutes, _, _) in brute.items():
        assert got.loc[lid, "benefit"] == pytest.approx(minutes, rel=1e-9, abs=1e-6)


def _market(net, orig, dest, beta):
    keep = orig.ok & (orig.weights > 0)
    t = np.full((len(dest), len(orig)), np.inf)
    for r, c, block in od_blocks(net, dest.snapped, orig.snapped):
        t[np.ix_(r, c)] = block
    f = decay_weights(t[:, keep], decay="power", beta=beta, min_time_min=1.0)
    return f @ orig.weights[keep]


@pytest.mark.parametrize("seed", range(4))
def test_market_potential_agrees_with_brute_force(seed: int) -> None:
    net, orig, dest, cands = _random_case(seed)
    got = rank_links(net, cands, orig, dest, objective="market_potential", beta=1.5)
    got = got.set_index("link_id")
    base = _market(net, orig, dest, 1.5)
    for _, row in cands.iterrows():
        change = _market(_with(net, row), orig, dest, 1.5) - base
        r = got.loc[row["link_id"]]
        assert r["benefit"] == pytest.approx(change.sum(), rel=1e-9, abs=1e-9)
        assert r["n_destinations_gaining"] == int((change > 1e-12).sum())


@pytest.fixture
def line_net() -> RoadNetwork:
    # a road 0-1-2-3 along y=0 (60 km/h: 1 min per km) and a dead end 4 hanging off node 3
    # by a slow road (6 km/h): 4 is 10 min from 3 although it lies 1 km from node 0
    x = np.array([0.0, 1000.0, 2000.0, 3000.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 1000.0])
    return RoadNetwork.from_edges(
        x, y, [0, 1, 2, 3], [1, 2, 3, 4], crs=UTM, speed_kmh=[60.0, 60.0, 60.0, 6.0]
    )


def test_public_measures_agree_on_a_hand_made_case(line_net: RoadNetwork) -> None:
    people = gpd.GeoDataFrame({"pop": [100.0, 10.0]},
                              geometry=[shapely.Point(0, 1010), shapely.Point(3000, 10)], crs=UTM)  # fmt: skip
    sez = gpd.GeoDataFrame({"name": ["s"]}, geometry=[shapely.Point(0, -10)], crs=UTM)
    cands = gpd.GeoDataFrame(
        {"link_id": ["shortcut", "useless"]},
        geometry=[shapely.LineString([(0, 1000), (0, 0)]),
                  shapely.LineString([(1000, 0), (2000, 0)])],
        crs=UTM,
    )  # fmt: skip
    got = rank_links(line_net, cands, people, sez, speed_kmh=60.0, **SNAP)
    assert got["link_id"].tolist() == ["shortcut", "useless"]
    before = time_to_nearest(line_net, people, sez, **SNAP)["time_min"].to_numpy()
    after = time_to_nearest(_with(line_net, pd.Series({"geometry": cands.geometry[0],
                                                       "speed_kmh": 60.0})),
                            people, sez, **SNAP)["time_min"].to_numpy()  # fmt: skip
    # weights: the origins are raw points without weights, so each counts 1
    assert got.loc[0, "benefit"] == pytest.approx((before - after).sum())
    assert got.loc[0, "benefit"] > 10
    assert got.loc[1, "benefit"] == 0.0 and got.loc[1, "pop_faster"] == 0.0
    # market potential of the SEZ over the two places, by the public gravity measure
    mp = rank_links(line_net, cands, people, sez, objective="market_potential", speed_kmh=60.0,
                    **SNAP).set_index("link_id")  # fmt: skip
    g0 = gravity_access(line_net, sez, people, None, beta=1.0, decay="power", **SNAP)
    new = _with(line_net, pd.Series({"geometry": cands.geometry[0], "speed_kmh": 60.0}))
    g1 = gravity_access(new, sez, people, None, beta=1.0, decay="power", **SNAP)
    assert mp.loc["shortcut", "benefit"] == pytest.approx(g1["access"].sum() - g0["access"].sum())
    assert mp.loc["useless", "benefit"] == 0.0


def test_a_link_that_cannot_help_has_benefit_zero(line_net: RoadNetwork) -> None:
    people = gpd.GeoDataFrame(geometry=[shapely.Point(3000, 10)], crs=UTM)
    sez = gpd.GeoDataFrame(geometry=[shapely.Point(0, -10)], crs=UTM)
    slow = gpd.GeoDataFrame({"speed_kmh": [5.0]},
                            geometry=[shapely.LineString([(3000, 0), (0, 0)])], crs=UTM)  # fmt: skip
    for objective in ("minutes", "within", "market_potential"):
        got = rank_links(line_net, slow, people, sez, objective=objective, **SNAP)
        assert got.loc[0, "benefit"] == 0.0
        assert got.loc[0, "benefit_per_km"] == 0.0


def test_top_keeps_the_best(line_net: RoadNetwork) -> None:
    people = gpd.GeoDataFrame(geometry=[shapely.Point(0, 1010)], crs=UTM)
    sez = gpd.GeoDataFrame(geometry=[shapely.Point(0, -10)], crs=UTM)
    cands = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(1000, 0), (2000, 0)]),
            shapely.LineString([(0, 1000), (0, 0)]),
        ],
        crs=UTM,
    )
    got = rank_links(line_net, cands, people, sez, top=1, **SNAP)
    assert len(got) == 1 and got.loc[0, "link_id"] == 1
    assert got.attrs["objective"] == "minutes" and got.attrs["n_candidates"] == 2


@pytest.mark.parametrize(
    ("geoms", "crs", "error", "match"),
    [
        (
            [shapely.LineString([(50_000, 50_000), (60_000, 50_000)])],
            UTM,
            DataError,
            "touches no road",
        ),
        ([shapely.LineString([(0, 0), (0, 0)])], UTM, DataError, "zero length"),
        ([shapely.LineString([(66.0, 48.0), (66.1, 48.0)])], "EPSG:4326", CRSError, "geographic"),
        ([shapely.Point(0, 0)], UTM, DataError, "lines"),
        ([shapely.LineString([(0, 0), (1000, 0)])], None, CRSError, "no CRS"),
    ],
)
def test_bad_candidates_are_refused(line_net, geoms, crs, error, match) -> None:
    people = gpd.GeoDataFrame(geometry=[shapely.Point(0, 1010)], crs=UTM)
    sez = gpd.GeoDataFrame(geometry=[shapely.Point(0, -10)], crs=UTM)
    cands = gpd.GeoDataFrame(geometry=geoms, crs=crs)
    with pytest.raises(error, match=match):
        rank_links(line_net, cands, people, sez, **SNAP)


def test_bad_parameters_are_refused(line_net: RoadNetwork) -> None:
    people = gpd.GeoDataFrame(geometry=[shapely.Point(0, 1010)], crs=UTM)
    sez = gpd.GeoDataFrame(geometry=[shapely.Point(0, -10)], crs=UTM)
    cands = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 1000), (0, 0)])], crs=UTM)
    with pytest.raises(ParameterError, match="objective"):
        rank_links(line_net, cands, people, sez, objective="jobs", **SNAP)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="either destinations"):
        rank_links(line_net, cands, people, **SNAP)
    with pytest.raises(ParameterError, match="needs destinations"):
        rank_links(line_net, cands, people, nodes=[0], objective="market_potential", **SNAP)
    with pytest.raises(ParameterError, match="beta"):
        rank_links(line_net, cands, people, sez, objective="market_potential", beta=-1, **SNAP)
    with pytest.raises(ParameterError, match="top"):
        rank_links(line_net, cands, people, sez, top=0, **SNAP)
    twice = pd.concat([cands, cands])
    with pytest.raises(DataError, match="repeat"):
        rank_links(line_net, twice, people, sez, **SNAP)


def test_last_mile_candidates(line_net: RoadNetwork) -> None:
    places = gpd.GeoDataFrame(
        {"name": ["off", "on", "far"]},
        geometry=[shapely.Point(10, 1020), shapely.Point(2990, 5), shapely.Point(3000, 0)],
        crs=UTM,
    )
    access = pd.DataFrame({"corridor_id": ["M1", "M1"], "node": [0, 3]})
    got = last_mile_candidates(line_net, places, access, place_id_col="name", speed_kmh=70.0)
    # "on" and "far" are at node 3, an access point: on the corridor, no link
    assert got["place_id"].tolist() == ["off"]
    row = got.iloc[0]
    assert (row["from_node"], row["access_node"], row["corridor_id"]) == (4, 0, "M1")
    assert row["length_km"] == pytest.approx(1.0) and row["speed_kmh"] == 70.0
    assert row["link_id"] == "off->0"
    ranked = rank_links(line_net, got, places.iloc[[0]], nodes=[0, 3], **SNAP)
    assert ranked.loc[0, "benefit"] > 0 and ranked.loc[0, "place_id"] == "off"
    assert last_mile_candidates(line_net, places, [0, 3], max_length_km=0.5).empty
    with pytest.raises(DataError, match="node numbers"):
        last_mile_candidates(line_net, places, [99])


@pytest.mark.parametrize("seed", range(3))
def test_link_times_agree_with_brute_force(seed: int) -> None:
    net, orig, dest, cands = _random_case(seed)
    got = link_times(net, cands, orig, dest)
    base = _brute_nearest(net, orig, dest)
    assert np.allclose(got["base"].to_numpy(), np.where(np.isfinite(base), base, np.nan),
                       equal_nan=True)  # fmt: skip
    for _, row in cands.iterrows():
        after = _brute_nearest(_with(net, row), orig, dest)
        assert np.allclose(got[row["link_id"]].to_numpy(),
                           np.where(np.isfinite(after), after, np.nan), equal_nan=True)  # fmt: skip
    nodes = link_times(net, cands.head(2), orig, nodes=[3])
    assert list(nodes.columns) == ["base", *cands["link_id"].head(2)]
    assert (
        (
            nodes.iloc[:, 1:].le(nodes["base"] + 1e-9, axis=0)
            | nodes["base"].isna().to_numpy()[:, None]
        )
        .all()
        .all()
    )


@pytest.mark.parametrize("seed", range(3))
def test_links_snapped_onto_edges_agree_with_brute_force(seed: int) -> None:
    # links between points off the nodes: each end splits the nearest edge (new nodes)
    net, orig, dest, _ = _random_case(seed)
    rng = np.random.default_rng(100 + seed)
    ends = rng.uniform(2_000, 18_000, size=(8, 2, 2))
    cands = gpd.GeoDataFrame(
        {"link_id": [f"S{i}" for i in range(8)], "speed_kmh": 100.0},
        geometry=[shapely.LineString(e) for e in ends],
        crs=UTM,
    )
    got = rank_links(net, cands, orig, dest, join="snap", max_join_m=20_000.0, within_min=20.0)
    got = got.set_index("link_id")
    keep = orig.ok & (orig.weights > 0)
    w = orig.weights[keep]
    t0 = _brute_nearest(net, orig, dest)[keep]
    for _, row in cands.iterrows():
        change = AddLink(row.geometry, speed_kmh=100.0, road_class="primary", join="snap",
                         max_join_m=20_000.0)  # fmt: skip
        joined = Scenario([change]).apply(net)
        assert joined.n_nodes > net.n_nodes  # the ends split edges
        t1 = _brute_nearest(joined, orig, dest)[keep]
        both = np.isfinite(t0) & np.isfinite(t1)
        minutes = float(w[both] @ (t0[both] - t1[both]))
        assert got.loc[row["link_id"], "benefit"] == pytest.approx(minutes, rel=1e-9, abs=1e-6)


def test_one_way_links_from_a_text_column_agree_with_brute_force() -> None:
    net, orig, dest, cands = _random_case(1)
    cands = cands.assign(oneway=["yes", "no"] * (len(cands) // 2) + ["yes"] * (len(cands) % 2))
    got = rank_links(net, cands, orig, dest).set_index("link_id")
    keep = orig.ok & (orig.weights > 0)
    w = orig.weights[keep]
    t0 = _brute_nearest(net, orig, dest)[keep]
    for _, row in cands.iterrows():
        change = AddLink(row.geometry, speed_kmh=row["speed_kmh"], road_class="primary",
                         oneway=row["oneway"] == "yes", join="nodes", max_join_m=1_000.0)  # fmt: skip
        t1 = _brute_nearest(Scenario([change]).apply(net), orig, dest)[keep]
        both = np.isfinite(t0) & np.isfinite(t1)
        expected = float(w[both] @ (t0[both] - t1[both]))
        assert got.loc[row["link_id"], "benefit"] == pytest.approx(expected, rel=1e-9, abs=1e-6)
