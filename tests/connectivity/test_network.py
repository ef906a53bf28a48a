"""Tests of connectivity.network: builders, components, exports, cache, errors."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from connectivity import (
    KAZAKHSTAN_SPEEDS,
    CRSError,
    DataError,
    InputFileError,
    OutputExistsError,
    ParameterError,
    RoadNetwork,
)
from connectivity.build.osm import oneway_code
from connectivity.errors import NetworkError
from connectivity.io import read_network

GEOD = Geod(ellps="WGS84")

# id: (lon, lat); a small street pattern near Almaty (0.001 deg lon ~ 81 m)
NODES = {
    1: (76.9000, 43.2500),
    2: (76.9010, 43.2500),
    3: (76.9020, 43.2500),
    4: (76.9030, 43.2500),
    5: (76.9035, 43.2505),
    6: (76.9030, 43.2510),
    7: (76.9050, 43.2520),
    8: (76.9000, 43.2600),
    9: (76.8990, 43.2490),
    10: (76.9500, 43.3000),
    11: (76.9510, 43.3000),
}
# id: (node refs, tags)
WAYS = {
    100: ([1, 2, 3], {"highway": "primary", "maxspeed": "60"}),  # two-way, 60 km/h
    101: ([3, 4], {"highway": "residential", "oneway": "yes"}),  # one-way 3->4
    102: ([4, 5, 6, 4], {"highway": "tertiary", "junction": "roundabout"}),  # one-way ring
    103: ([5, 7], {"highway": "residential", "access": "private"}),  # excluded
    104: ([6, 8], {"highway": "footway"}),  # excluded
    105: ([3, 6], {"highway": "secondary", "oneway": "-1"}),  # one-way 6->3
    106: ([1, 9], {"highway": "service"}),  # excluded by "drive"
    107: ([10, 11], {"highway": "residential"}),  # separate component
}
DRIVE_WAYS = (100, 101, 102, 105, 107)


def _xml(ways: tuple[int, ...] = tuple(WAYS)) -> str:
    used = sorted({n for w in ways for n in WAYS[w][0]})
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for n in used:
        lon, lat = NODES[n]
        lines.append(f'  <node id="{n}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for w in ways:
        refs, tags = WAYS[w]
        lines.append(f'  <way id="{w}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


@pytest.fixture
def osm_xml(tmp_path: Path) -> Path:
    p = tmp_path / "small.osm"
    p.write_text(_xml(), encoding="utf-8")
    return p


@pytest.fixture
def osm_pbf(tmp_path: Path) -> Path:
    import osmium

    p = tmp_path / "small.osm.pbf"
    w = osmium.SimpleWriter(str(p))
    try:
        for n in sorted(NODES):
            w.add_node(osmium.osm.mutable.Node(id=n, version=1, location=NODES[n]))
        for wid, (refs, tags) in WAYS.items():
            w.add_way(osmium.osm.mutable.Way(id=wid, version=1, nodes=refs, tags=tags))
    finally:
        w.close()
    return p


def _seg_len(a: int, b: int) -> float:
    (lon1, lat1), (lon2, lat2) = NODES[a], NODES[b]
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def _nsrc(net: RoadNetwork) -> np.ndarray:
    assert net.node_source_ids is not None
    return net.node_source_ids


def _esrc(net: RoadNetwork) -> np.ndarray:
    assert net.edge_source_ids is not None
    return net.edge_source_ids


def _node(net: RoadNetwork, osm_id: int) -> int:
    assert net.node_source_ids is not None
    return int(np.flatnonzero(net.node_source_ids == osm_id)[0])


def _edge(net: RoadNetwork, a: int, b: int) -> int | None:
    i, j = _node(net, a), _node(net, b)
    lo, hi = net.indptr[i], net.indptr[i + 1]
    hit = np.flatnonzero(net.indices[lo:hi] == j)
    return int(lo + hit[0]) if hit.size else None


# -- from_osm ----------------------------------------------------------------------
def test_from_osm_counts_oneway_and_filter(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, largest_component=False)
    assert net.n_nodes == 8  # 1-6, 10, 11; 7, 8, 9 only on excluded ways
    assert set(_nsrc(net).tolist()) == {1, 2, 3, 4, 5, 6, 10, 11}
    # 100: 2 segments x 2; 101: 1; roundabout: 3; 105: 1; 107: 2
    assert net.n_edges == 11
    assert _edge(net, 3, 4) is not None and _edge(net, 4, 3) is None  # oneway=yes
    assert _edge(net, 6, 3) is not None and _edge(net, 3, 6) is None  # oneway=-1
    assert _edge(net, 4, 5) is not None and _edge(net, 5, 4) is None  # roundabout
    assert _edge(net, 1, 2) is not None and _edge(net, 2, 1) is not None
    assert net.crs.to_epsg() == 32643  # UTM 43N for Almaty
    assert net.meta["n_ways"] == 5 and net.meta["n_highway_ways"] == 8


def test_from_osm_lengths_and_times(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, largest_component=False)
    k = _edge(net, 1, 2)
    assert net.length_m[k] == pytest.approx(_seg_len(1, 2), rel=1e-9)
    assert net.time_min[k] == pytest.approx(_seg_len(1, 2) / 1000.0)  # maxspeed 60 = 1 km/min
    k = _edge(net, 3, 4)  # residential, no maxspeed: table 40 km/h
    assert net.time_min[k] == pytest.approx(_seg_len(3, 4) / (40_000 / 60))
    k = _edge(net, 6, 3)  # secondary 80 km/h
    assert net.time_min[k] == pytest.approx(_seg_len(3, 6) / (80_000 / 60))
    assert net.class_names[net.road_class[k]] == "secondary"
    assert _esrc(net)[k] == 105
    # shortest time 1 -> 5: 1-2-3 (60 km/h), 3-4 (40), 4-5 (tertiary 70)
    d = dijkstra(net.csr(), indices=_node(net, 1))
    expected = (_seg_len(1, 2) + _seg_len(2, 3)) / 1000 + _seg_len(3, 4) / (40_000 / 60)
    expected += _seg_len(4, 5) / (70_000 / 60)
    assert d[_node(net, 5)] == pytest.approx(expected)
    # projected coordinates agree with geodesic lengths to < 0.1 % (UTM)
    dx = np.hypot(
        net.x[_node(net, 2)] - net.x[_node(net, 1)], net.y[_node(net, 2)] - net.y[_node(net, 1)]
    )
    assert dx == pytest.approx(_seg_len(1, 2), rel=1e-3)


def test_pbf_gives_identical_network(osm_xml: Path, osm_pbf: Path) -> None:
    a = RoadNetwork.from_osm(osm_xml)
    b = RoadNetwork.from_osm(osm_pbf)
    for name in ("x", "y", "indptr", "indices", "time_min", "length_m", "road_class"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.node_source_ids, b.node_source_ids)
    np.testing.assert_array_equal(a.edge_source_ids, b.edge_source_ids)
    assert a.class_names == b.class_names


def test_largest_component_keeps_main_part_and_reports(
    osm_xml: Path, caplog: pytest.LogCaptureFixture
) -> None:
    full = RoadNetwork.from_osm(osm_xml, largest_component=False)
    rep = full.component_report()
    assert list(rep.n_nodes) == [6, 2]
    assert list(rep.n_edges) == [9, 2]
    assert rep.length_km.iloc[1] == pytest.approx(_seg_len(10, 11) / 1000)
    with caplog.at_level(logging.INFO, logger="connectivity"):
        net = RoadNetwork.from_osm(osm_xml, largest_component=True)
    assert net.n_nodes == 6 and net.n_edges == 9
    assert set(_nsrc(net).tolist()) == {1, 2, 3, 4, 5, 6}
    info = net.meta["components"]
    assert info["dropped_components"] == 1 and info["dropped_nodes"] == 2
    assert info["dropped_length_km"] == pytest.approx(_seg_len(10, 11) / 1000, abs=1e-3)
    assert "dropped 1 components with 2 nodes" in caplog.text
    # the kept part is strongly connected
    assert np.isfinite(dijkstra(net.csr(), indices=0)).all()


@pytest.mark.parametrize("seed", range(5))
def test_weak_component_labels_match_scipy(seed: int) -> None:
    """The union-find of the weak labels numbers and ranks parts as scipy's search does."""
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    n, m = 400, int(rng.integers(50, 500))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    net = RoadNetwork.from_edges(
        rng.random(n) * 1e4, rng.random(n) * 1e4, u, v, crs="EPSG:32643", speed_kmh=50.0,
        oneway=rng.random(m) < 0.5,
    )  # fmt: skip
    _, lab = connected_components(net.csr(), directed=True, connection="weak")
    sizes = np.bincount(lab)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(sizes.size)
    assert sizes.size > 10  # many parts, many of one node, many ties in size
    np.testing.assert_array_equal(net.component_labels(connection="weak"), rank[lab])


def test_every_part_is_kept_by_default_and_reported(
    osm_xml: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="connectivity"):
        net = RoadNetwork.from_osm(osm_xml)
    assert net.n_nodes == 8  # the two-node island 10-11 is kept
    info = net.meta["components"]
    assert info["kept"] == "all" and info["n_components"] == 2 and info["largest_sizes"] == [6, 2]
    assert "the network has 2 separate parts" in caplog.text and "all kept" in caplog.text
    same = RoadNetwork.from_osm(osm_xml, largest_component=False)
    np.testing.assert_array_equal(same.x, net.x)


def test_network_types(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, network_type="drive_service", largest_component=False)
    assert 9 in _nsrc(net).tolist()  # the service road is kept
    with pytest.raises(ParameterError, match="network_type"):
        RoadNetwork.from_osm(osm_xml, network_type="boat")


def test_from_osm_clips_to_a_box_or_polygon(osm_xml: Path) -> None:
    box = (76.8995, 43.2495, 76.9025, 43.2505)  # holds nodes 1, 2 and 3 only
    net = RoadNetwork.from_osm(osm_xml, bbox=box, largest_component=False)
    assert sorted(_nsrc(net).tolist()) == [1, 2, 3]  # 3-4 and 3-6 leave the box: cut
    assert net.n_edges == 4 and set(_esrc(net).tolist()) == {100}
    assert net.meta["clip_wkt"].startswith("POLYGON") and net.meta["n_vertices_outside_clip"] > 0
    poly = shapely.box(*box)
    same = RoadNetwork.from_osm(osm_xml, polygon=poly, largest_component=False)
    np.testing.assert_array_equal(same.x, net.x)
    layer = gpd.GeoDataFrame(geometry=[poly], crs=4326).to_crs(32643)
    assert RoadNetwork.from_osm(osm_xml, polygon=layer, largest_component=False).n_nodes == 3
    with pytest.raises(ParameterError, match="not both"):
        RoadNetwork.from_osm(osm_xml, bbox=box, polygon=poly)
    with pytest.raises(ParameterError, match="degrees"):
        RoadNetwork.from_osm(osm_xml, polygon=shapely.box(500_000, 4_000_000, 501_000, 4_001_000))
    with pytest.raises(DataError, match="inside the clip area"):
        RoadNetwork.from_osm(osm_xml, bbox=(10.0, 10.0, 10.1, 10.1))


def test_walk_and_bike_networks_follow_osmnx_filters(osm_xml: Path) -> None:
    walk = RoadNetwork.from_osm(osm_xml, network_type="walk", largest_component=False)
    # the footway 6-8 and the service road 1-9 are walkable; the private way 5-7 is not
    assert {8, 9} <= set(_nsrc(walk).tolist()) and 7 not in _nsrc(walk).tolist()
    assert not walk.edge_oneway().any()  # osmnx's "walk" is bidirectional
    kmh = walk.length_m / walk.time_min * 0.06
    np.testing.assert_allclose(kmh, 4.8)  # WALK_SPEEDS, maxspeed ignored
    assert walk.meta["speeds"]["name"] == "walk-4.8kmh"
    bike = RoadNetwork.from_osm(osm_xml, network_type="bike", largest_component=False)
    assert 8 not in _nsrc(bike).tolist()  # osmnx's bike filter drops footways
    assert bike.edge_oneway().sum() == 5  # one-way rules apply to bicycles
    np.testing.assert_allclose(bike.length_m / bike.time_min * 0.06, 15.0)
    faster = RoadNetwork.from_osm(
        osm_xml, network_type="bike", speeds={"primary": 20.0}, largest_component=False
    )
    assert faster.time_min.sum() < bike.time_min.sum()  # a dict overrides the bike table


def test_network_filter_is_read_from_osmnx() -> None:
    from osmnx._overpass import _get_network_filter

    from connectivity.build.osm import NETWORK_TYPES, network_filter

    for network_type in NETWORK_TYPES:
        rules = network_filter(network_type)
        text = _get_network_filter(network_type)
        assert len(rules) == text.count("!~")
        for key, rx in rules:
            assert f'["{key}"!~"{rx.pattern}"]' in text
    keys = dict(network_filter("drive"))
    assert keys["highway"].search("footway") and not keys["highway"].search("primary")


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ({"highway": "primary"}, 0),
        ({"highway": "primary", "oneway": "yes"}, 1),
        ({"highway": "primary", "oneway": "true"}, 1),
        ({"highway": "primary", "oneway": "1"}, 1),
        ({"highway": "primary", "oneway": "-1"}, -1),
        ({"highway": "primary", "oneway": "reversible"}, 1),
        ({"highway": "primary", "oneway": "no"}, 0),
        ({"highway": "primary", "junction": "roundabout"}, 1),
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway_link"}, 1),
        ({"highway": "motorway", "oneway": "no"}, 0),
    ],
)
def test_oneway_rules(tags: dict[str, str], code: int) -> None:
    assert oneway_code(tags) == code


def test_from_osm_speed_overrides(osm_xml: Path) -> None:
    base = RoadNetwork.from_osm(osm_xml, largest_component=False)
    fast = RoadNetwork.from_osm(osm_xml, speeds={"residential": 80.0}, largest_component=False)
    k = _edge(base, 3, 4)
    assert fast.time_min[k] == pytest.approx(base.time_min[k] / 2)
    no_ms = RoadNetwork.from_osm(
        osm_xml, speeds=KAZAKHSTAN_SPEEDS.replace(use_maxspeed=False), largest_component=False
    )
    k = _edge(base, 1, 2)  # primary 90 km/h instead of maxspeed 60
    assert no_ms.time_min[k] == pytest.approx(base.time_min[k] * 60 / 90)


def test_from_osm_given_crs(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, crs="EPSG:32642")
    assert net.crs.to_epsg() == 32642
    with pytest.raises(CRSError, match="Web Mercator"):
        RoadNetwork.from_osm(osm_xml, crs="EPSG:3857")


def test_from_osm_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        RoadNetwork.from_osm(tmp_path / "missing.osm.pbf")
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        RoadNetwork.from_osm(empty)
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0fnot a pbf block at all" * 10)
    with pytest.raises(InputFileError, match="cannot read"):
        RoadNetwork.from_osm(corrupt)
    bad_xml = tmp_path / "bad.osm"
    bad_xml.write_text("<osm><node id='1' lat='1' lon='2'><way", encoding="utf-8")
    with pytest.raises(InputFileError):
        RoadNetwork.from_osm(bad_xml)
    no_roads = tmp_path / "no_roads.osm"
    no_roads.write_text(_xml((103, 104, 106)), encoding="utf-8")
    with pytest.raises(DataError, match="no 'drive' way"):
        RoadNetwork.from_osm(no_roads)
    wrong = tmp_path / "roads.csv"
    wrong.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="suffix"):
        RoadNetwork.from_osm(wrong)


# -- from_osmnx / to_osmnx ----------------------------------------------------------
@pytest.mark.parametrize("simplify", [False, True])
def test_from_osmnx_matches_from_osm(tmp_path: Path, simplify: bool) -> None:
    import osmnx as ox

    p = tmp_path / "drive.osm"
    p.write_text(_xml(DRIVE_WAYS), encoding="utf-8")
    G = ox.graph_from_xml(p, simplify=simplify)  # keeps the largest weak component
    net = RoadNetwork.from_osmnx(G)
    ref = RoadNetwork.from_osm(p, largest_component=True)
    assert net.n_nodes == ref.n_nodes == 6
    assert net.n_edges == ref.n_edges == 9
    assert net.crs.to_epsg() == 32643
    # osmnx lengths are great-circle (sphere), ours geodesic (ellipsoid): < 0.5 %
    assert net.time_min.sum() == pytest.approx(ref.time_min.sum(), rel=5e-3)
    assert net.total_length_km() == pytest.approx(ref.total_length_km(), rel=5e-3)
    ids = set(_nsrc(net).tolist())
    if simplify:  # interior vertices of simplified edges have no OSM id (-1)
        assert -1 in ids and ids - {-1} < {1, 2, 3, 4, 5, 6}
    else:
        assert ids == {1, 2, 3, 4, 5, 6}


def _assert_same_network(back: RoadNetwork, net: RoadNetwork, *, node_ids: bool = True) -> None:
    """Same nodes (coordinates, and OSM ids if ``node_ids``), edges, lengths, times, classes."""
    assert (back.n_nodes, back.n_edges) == (net.n_nodes, net.n_edges)
    assert back.crs == net.crs
    np.testing.assert_array_equal(back.x, net.x)
    np.testing.assert_array_equal(back.y, net.y)
    np.testing.assert_array_equal(back.indptr, net.indptr)
    np.testing.assert_array_equal(back.indices, net.indices)
    np.testing.assert_array_equal(back.length_m, net.length_m)
    np.testing.assert_allclose(back.time_min, net.time_min, rtol=1e-12)
    back_cls = np.asarray(back.class_names)[back.road_class]
    np.testing.assert_array_equal(back_cls, np.asarray(net.class_names)[net.road_class])
    np.testing.assert_array_equal(_esrc(back), _esrc(net))
    if node_ids:
        np.testing.assert_array_equal(_nsrc(back), _nsrc(net))


def test_to_osmnx_round_trip(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, largest_component=True)
    G = net.to_osmnx()
    assert isinstance(G, nx.MultiDiGraph)
    assert G.number_of_nodes() == net.n_nodes and G.number_of_edges() == net.n_edges
    assert set(G.nodes) == {1, 2, 3, 4, 5, 6}  # OSM ids as keys, like osmnx
    assert G.graph["crs"] == net.crs
    assert set(G.nodes[1]) == {"x", "y", "street_count"}
    d = G.get_edge_data(3, 4)[0]
    assert set(d) == {"osmid", "highway", "oneway", "length", "speed_kph", "travel_time"}
    assert d["travel_time"] == pytest.approx(net.time_min[_edge(net, 3, 4)] * 60)
    assert d["length"] == net.length_m[_edge(net, 3, 4)] and d["osmid"] == 101
    assert d["highway"] == "residential"
    assert d["oneway"] is True and G.get_edge_data(1, 2)[0]["oneway"] is False
    assert G.get_edge_data(1, 2)[0]["speed_kph"] == pytest.approx(60.0)  # maxspeed=60
    _assert_same_network(RoadNetwork.from_osmnx(G), net)


def test_osmnx_functions_accept_to_osmnx(osm_xml: Path) -> None:
    import osmnx as ox

    net = RoadNetwork.from_osm(osm_xml)
    G = net.to_osmnx()
    nodes, edges = ox.graph_to_gdfs(G)
    assert nodes.index.name == "osmid" and edges.index.names == ["u", "v", "key"]
    route = ox.shortest_path(G, 1, 6, weight="travel_time")
    assert route is not None and route[0] == 1 and route[-1] == 6
    x, y = net.x[_node(net, 4)] + 1.0, net.y[_node(net, 4)]
    assert ox.distance.nearest_nodes(G, x, y) == 4
    lonlat = ox.project_graph(G, to_latlong=True)
    assert lonlat.nodes[1]["x"] == pytest.approx(NODES[1][0], abs=1e-7)
    assert lonlat.nodes[1]["y"] == pytest.approx(NODES[1][1], abs=1e-7)
    stats = ox.stats.basic_stats(G)
    assert stats["n"] == net.n_nodes and stats["m"] == net.n_edges


def test_from_osmnx_of_an_interior_split_network_round_trips(tmp_path: Path) -> None:
    import osmnx as ox

    p = tmp_path / "drive.osm"
    p.write_text(_xml(DRIVE_WAYS), encoding="utf-8")
    net = RoadNetwork.from_osmnx(ox.graph_from_xml(p, simplify=True))
    assert (_nsrc(net) == -1).any()  # interior vertices of simplified edges
    G = net.to_osmnx()
    assert min(G.nodes) < 0  # synthetic node ids are negative
    _assert_same_network(RoadNetwork.from_osmnx(G), net)


def test_dijkstra_agrees_with_networkx(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml)
    G = net.to_osmnx()
    ours = dijkstra(net.csr(), indices=_node(net, 1))
    theirs = nx.single_source_dijkstra_path_length(G, 1, weight="travel_time")
    for osm_id, t in theirs.items():
        assert ours[_node(net, osm_id)] == pytest.approx(t / 60.0)


def test_from_osmnx_needs_crs() -> None:
    G = nx.MultiDiGraph()
    G.add_node(1, x=0.0, y=0.0)
    G.add_node(2, x=100.0, y=0.0)
    G.add_edge(1, 2, length=100.0)
    with pytest.raises(CRSError, match="crs"):
        RoadNetwork.from_osmnx(G)
    G.graph["crs"] = "EPSG:32643"
    net = RoadNetwork.from_osmnx(G, speeds={"road": 60.0})
    assert net.time_min[0] == pytest.approx(0.1)


# -- from_lines ----------------------------------------------------------------------
def _lines(crs: str | None = "EPSG:32643") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"cls": ["primary", "residential", "primary", "tertiary"], "ow": ["no", "yes", None, "-1"]},
        geometry=[
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString([(100, 0.5), (100, 100)]),  # start 0.5 m from line 0's end
            shapely.LineString([(105, 0), (200, 0)]),  # start 5 m away: not joined
            shapely.LineString([(50, -100), (50, -0.8)]),  # ends 0.8 m from line 0's middle
        ],
        index=[10, 11, 12, 13],
        crs=crs,
    )


def test_from_lines_snapping() -> None:
    gdf = _lines()
    net = RoadNetwork.from_lines(
        gdf, class_col="cls", snap_tolerance_m=1.0, largest_component=False
    )
    rep = net.component_report(connection="weak")
    assert len(rep) == 2
    # lines 0, 1 and 3 are one part (7 - 2 joins - 1 T-join -> 5 nodes); line 2 alone (2 nodes)
    assert list(rep.n_nodes) == [5, 2]
    assert net.n_nodes == 7
    # road length is conserved (each input line counted once)
    assert net.total_length_km() * 1000 == pytest.approx(gdf.length.sum())
    # line 0 is split at x=50 by the T-junction
    src = _esrc(net)
    assert (src == 0).sum() == 4  # two segments, both directions
    assert np.flatnonzero(gdf.index == 10)[0] == 0  # ids are row positions
    # speeds from the class table
    k = np.flatnonzero(src == 2)[0]
    assert net.time_min[k] == pytest.approx(95 / (90_000 / 60))
    assert "primary" in net.class_names and "tertiary" in net.class_names
    assert gdf.crs == "EPSG:32643" and list(gdf.index) == [10, 11, 12, 13]  # input untouched


def test_from_lines_oneway_and_speed_col() -> None:
    gdf = _lines().assign(kmh=[30.0, np.nan, 60.0, 50.0])
    net = RoadNetwork.from_lines(
        gdf,
        class_col="cls",
        speed_col="kmh",
        oneway_col="ow",
        snap_tolerance_m=1.0,
        largest_component=False,
    )
    src = _esrc(net)
    assert (src == 1).sum() == 1  # oneway=yes: forward only
    assert (src == 3).sum() == 1  # oneway=-1: backward only
    k = np.flatnonzero(src == 3)[0]
    tail = net.edge_tails()[k]
    assert net.y[tail] == pytest.approx(-0.4, abs=0.5)  # travels from the junction end
    k1 = np.flatnonzero(src == 1)[0]
    assert net.time_min[k1] == pytest.approx(net.length_m[k1] / (40_000 / 60))  # NaN -> table
    k0 = np.flatnonzero(src == 0)[0]
    assert net.time_min[k0] == pytest.approx(net.length_m[k0] / (30_000 / 60))
    with pytest.raises(ParameterError, match="oneway value"):
        RoadNetwork.from_lines(_lines().assign(ow=["sideways"] * 4), oneway_col="ow")


def test_from_lines_keeps_every_part_unless_asked() -> None:
    net = RoadNetwork.from_lines(_lines(), snap_tolerance_m=1.0)
    assert net.n_nodes == 7 and net.meta["components"]["n_components"] == 2
    largest = RoadNetwork.from_lines(_lines(), snap_tolerance_m=1.0, largest_component=True)
    assert largest.n_nodes == 5
    assert largest.meta["components"]["dropped_nodes"] == 2


def test_from_lines_geographic_reprojected(caplog: pytest.LogCaptureFixture) -> None:
    gdf = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(76.90, 43.25), (76.91, 43.25)]),
            shapely.LineString([(76.91, 43.25), (76.91, 43.26)]),
        ],
        crs="EPSG:4326",
    )
    with caplog.at_level(logging.INFO, logger="connectivity"):
        net = RoadNetwork.from_lines(gdf)
    assert "reprojecting line layer" in caplog.text
    assert net.crs.to_epsg() == 32643 and net.n_nodes == 3
    expected = GEOD.inv(76.90, 43.25, 76.91, 43.25)[2] + GEOD.inv(76.91, 43.25, 76.91, 43.26)[2]
    assert net.total_length_km() * 1000 == pytest.approx(expected, rel=1e-9)


def test_from_lines_errors() -> None:
    with pytest.raises(CRSError, match="no CRS"):
        RoadNetwork.from_lines(_lines(crs=None))
    with pytest.raises(ParameterError, match="column"):
        RoadNetwork.from_lines(_lines(), class_col="nope")
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:32643")
    with pytest.raises(DataError, match="LineString"):
        RoadNetwork.from_lines(pts)
    with pytest.raises(ParameterError, match="snap_tolerance_m"):
        RoadNetwork.from_lines(_lines(), snap_tolerance_m=-1)


def test_country_extent_uses_azimuthal_equidistant() -> None:
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(51.0, 43.6), (76.9, 43.25)])], crs="EPSG:4326"
    )  # Aktau - Almaty, ~2 000 km
    net = RoadNetwork.from_lines(gdf)
    op = net.crs.coordinate_operation
    assert op is not None and "Azimuthal Equidistant" in op.method_name
    assert net.total_length_km() * 1000 == pytest.approx(
        GEOD.inv(51.0, 43.6, 76.9, 43.25)[2], rel=1e-9
    )


# -- from_edges errors, export, cache, memory --------------------------------------------
def test_from_edges_rejects_bad_crs() -> None:
    args = ([0.0, 1.0], [0.0, 0.0], [0], [1])
    with pytest.raises(CRSError, match="geographic"):
        RoadNetwork.from_edges(*args, crs="EPSG:4326", speed_kmh=50)
    with pytest.raises(CRSError, match="Web Mercator"):
        RoadNetwork.from_edges(*args, crs="EPSG:3857", speed_kmh=50)
    with pytest.raises(CRSError):
        RoadNetwork.from_edges(*args, crs=None, speed_kmh=50)


def test_to_gdfs(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml, largest_component=True)
    nodes, edges = net.to_gdfs()
    assert len(nodes) == net.n_nodes and len(edges) == net.n_edges
    assert nodes.index.name == "osmid" and set(nodes.index) == {1, 2, 3, 4, 5, 6}
    assert list(nodes.columns) == ["x", "y", "street_count", "geometry"]
    assert nodes.loc[3, "street_count"] == 3 and nodes.loc[1, "street_count"] == 1
    assert (
        edges.index.names == ["u", "v", "key"] and (edges.index.get_level_values("key") == 0).all()
    )
    assert list(edges.columns) == [
        "osmid", "highway", "oneway", "length", "speed_kph", "travel_time", "geometry",
    ]  # fmt: skip
    assert nodes.crs == net.crs and edges.crs == net.crs
    length = edges["length"]  # (edges.length is the GeoSeries' planar length)
    np.testing.assert_allclose(length, edges.geometry.length, rtol=1e-3)  # geodesic vs UTM
    np.testing.assert_allclose(edges["travel_time"], length / edges["speed_kph"] * 3.6)
    assert set(edges.highway) == {"primary", "residential", "tertiary", "secondary"}
    assert edges.oneway.sum() == 5  # 3->4, roundabout x3, 6->3
    assert edges.loc[(3, 4, 0), "osmid"] == 101
    assert nodes.loc[3, "x"] == net.x[_node(net, 3)]


def test_to_gdfs_round_trips_through_osmnx_and_a_geopackage(osm_xml: Path, tmp_path: Path) -> None:
    import osmnx as ox

    net = RoadNetwork.from_osm(osm_xml)
    nodes, edges = net.to_gdfs()
    _assert_same_network(RoadNetwork.from_gdfs(nodes, edges), net)
    G = ox.graph_from_gdfs(nodes, edges)  # osmnx takes them as they are
    _assert_same_network(RoadNetwork.from_osmnx(G), net)
    gpkg = tmp_path / "net.gpkg"
    nodes.to_file(gpkg, layer="nodes")
    edges.to_file(gpkg, layer="edges")
    back = RoadNetwork.from_gdfs(
        gpd.read_file(gpkg, layer="nodes"), gpd.read_file(gpkg, layer="edges")
    )
    _assert_same_network(back, net)


def test_to_gdfs_of_a_line_network_has_synthetic_ids() -> None:
    net = RoadNetwork.from_lines(
        _lines(), class_col="cls", oneway_col="ow", largest_component=False
    )
    nodes, edges = net.to_gdfs()
    assert (nodes.index == -np.arange(1, net.n_nodes + 1)).all()  # not OSM nodes
    assert "osmid" not in edges.columns and "source_id" in edges.columns  # feature rows
    back = RoadNetwork.from_gdfs(nodes, edges)
    _assert_same_network(back, net, node_ids=False)
    assert (_nsrc(back) == -1).all()
    with pytest.raises(DataError, match="u, v"):
        RoadNetwork.from_gdfs(nodes.iloc[:2], edges)


def test_save_load_round_trip(osm_xml: Path, tmp_path: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml)
    p = net.save(tmp_path / "net.npz")
    back = RoadNetwork.load(p)
    for name in (
        "x",
        "y",
        "indptr",
        "indices",
        "time_min",
        "length_m",
        "road_class",
        "node_source_ids",
        "edge_source_ids",
    ):
        np.testing.assert_array_equal(getattr(back, name), getattr(net, name), err_msg=name)
    assert back.crs == net.crs and back.class_names == net.class_names
    assert back.meta["components"] == net.meta["components"]
    with pytest.raises(OutputExistsError):
        net.save(p)
    net.save(p, overwrite=True, compress=True)
    assert RoadNetwork.load(p).n_edges == net.n_edges
    with pytest.raises(ParameterError, match=r"\.npz"):
        net.save(tmp_path / "net.bin")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InputFileError):
        RoadNetwork.load(junk)
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(InputFileError, match="not a RoadNetwork"):
        RoadNetwork.load(tmp_path / "other.npz")


def _resaved(src: Path, dst: Path, change) -> Path:
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(dst, **arrays)
    return dst


def test_load_names_another_version_missing_and_damaged_arrays(
    osm_xml: Path, tmp_path: Path
) -> None:
    p = RoadNetwork.from_osm(osm_xml).save(tmp_path / "net.npz")
    v2 = _resaved(
        p, tmp_path / "v2.npz", lambda a: a.update(format=np.array("fua-toolkit/RoadNetwork/2"))
    )
    with pytest.raises(InputFileError, match=r"another version of the toolkit.*connectivity build"):
        RoadNetwork.load(v2)
    no_meta = _resaved(p, tmp_path / "m.npz", lambda a: a.pop("meta_json"))
    with pytest.raises(InputFileError, match="lacks the array 'meta_json'"):
        RoadNetwork.load(no_meta)
    for change in (
        lambda a: a.update(y=a["y"][:-1]),
        lambda a: a.update(indices=a["indices"] + 100),
        lambda a: a.update(time_min=a["time_min"][:-1]),
    ):
        with pytest.raises(InputFileError, match="is damaged"):
            RoadNetwork.load(_resaved(p, tmp_path / "bad.npz", change))


def test_line_coordinates_that_cannot_be_in_their_crs_are_refused() -> None:
    degrees = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(76.90, 43.25), (76.91, 43.25), (76.91, 43.26)])],
        crs="EPSG:32643",
    )
    with pytest.raises(CRSError, match=r"look like longitude/latitude.*EPSG:4326"):
        RoadNetwork.from_lines(degrees)
    assert RoadNetwork.from_lines(degrees.set_crs(4326, allow_override=True)).n_nodes == 3
    metres = degrees.set_geometry(
        [shapely.LineString([(500_000, 4_800_000), (501_000, 4_800_000)])]
    )
    with pytest.raises(CRSError, match=r"outside -180\.\.180"):
        RoadNetwork.from_lines(metres.set_crs(4326, allow_override=True))
    nodes, edges = RoadNetwork.from_lines(_lines()).to_gdfs()
    with pytest.raises(CRSError, match=r"outside -180\.\.180"):
        RoadNetwork.from_gdfs(
            nodes.set_crs(4326, allow_override=True), edges.set_crs(4326, allow_override=True)
        )


def test_a_network_of_zero_length_lines_is_refused() -> None:
    zero = gpd.GeoDataFrame(geometry=[shapely.LineString([(5, 5), (5, 5)])], crs="EPSG:32643")
    with pytest.raises(NetworkError, match="has no edges"):
        RoadNetwork.from_lines(zero)


def test_memory_bytes_counts_every_array(osm_xml: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml)
    arrays = [
        net.x,
        net.y,
        net.indptr,
        net.indices,
        net.time_min,
        net.length_m,
        net.road_class,
        net.node_source_ids,
        net.edge_source_ids,
    ]
    assert net.memory_bytes() == sum(a.nbytes for a in arrays if a is not None)


def test_subgraph_and_lengths() -> None:
    x = np.array([0.0, 100.0, 200.0, 300.0])
    net = RoadNetwork.from_edges(
        x,
        np.zeros(4),
        [0, 1, 2],
        [1, 2, 3],
        crs="EPSG:32643",
        speed_kmh=60,
        oneway=[False, True, False],
    )
    assert net.total_length_km() == pytest.approx(0.3)
    assert net.edge_oneway().sum() == 1
    sub = net.subgraph(np.array([False, True, True, True]))
    assert sub.n_nodes == 3 and sub.n_edges == 3
    assert sub.total_length_km() == pytest.approx(0.2)
    rep = net.component_report()
    assert list(rep.n_nodes) == [2, 2]  # {0,1} and {2,3} strongly connected; 1->2 one-way
    assert net.component_report(connection="weak").n_nodes.tolist() == [4]


def test_from_osm_compressed_xml(osm_xml: Path, tmp_path: Path) -> None:
    import bz2

    p = tmp_path / "small.osm.bz2"
    p.write_bytes(bz2.compress(osm_xml.read_bytes()))
    a = RoadNetwork.from_osm(p, progress=True)
    b = RoadNetwork.from_osm(osm_xml)
    np.testing.assert_array_equal(a.time_min, b.time_min)
    np.testing.assert_array_equal(a.indices, b.indices)


# -- read_network: the one loader -----------------------------------------------------
def _same(a: RoadNetwork, b: RoadNetwork) -> None:
    for name in ("x", "y", "indptr", "indices", "time_min", "length_m", "road_class"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.crs == b.crs and a.class_names == b.class_names


def test_read_network_osm_xml_pbf_and_compressed(
    osm_xml: Path, osm_pbf: Path, tmp_path: Path
) -> None:
    import bz2

    import connectivity

    assert connectivity.read_network is read_network
    ref = RoadNetwork.from_osm(osm_xml)
    _same(read_network(osm_xml), ref)
    _same(read_network(osm_pbf, progress=True), ref)
    bz = tmp_path / "small.osm.bz2"
    bz.write_bytes(bz2.compress(osm_xml.read_bytes()))
    _same(read_network(bz), ref)
    # an explicit CRS for an OSM file
    net = read_network(osm_xml, crs="EPSG:32642")
    assert net.crs.to_epsg() == 32642
    _same(net, RoadNetwork.from_osm(osm_xml, crs="EPSG:32642"))


def test_read_network_npz_keeps_its_crs(osm_xml: Path, tmp_path: Path) -> None:
    net = RoadNetwork.from_osm(osm_xml)
    p = net.save(tmp_path / "net.npz")
    _same(read_network(p), net)
    _same(read_network(p, crs=net.crs), net)
    with pytest.raises(CRSError, match="saved network"):
        read_network(p, crs="EPSG:32642")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_read_network_line_layers(tmp_path: Path, suffix: str) -> None:
    gdf = _lines()
    path = tmp_path / f"roads{suffix}"
    gdf.to_file(path)
    net = read_network(path, class_col="cls", oneway_col="ow")
    ref = RoadNetwork.from_lines(gdf, class_col="cls", oneway_col="ow")
    _same(net, ref)
    # candidate columns: the first one the layer has
    by_choice = read_network(path, class_col=("highway", "cls"), speed_col=("speed_kmh",))
    _same(by_choice, RoadNetwork.from_lines(gdf, class_col="cls"))
    # an explicit CRS reprojects the layer
    assert read_network(path, crs="EPSG:32642").crs.to_epsg() == 32642


def test_read_network_layer_of_a_geopackage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("connectivity"), "propagate", True)  # CLI tests unset
    path = tmp_path / "two.gpkg"
    _lines().iloc[:1].to_file(path, layer="first")
    _lines().to_file(path, layer="roads")
    assert read_network(path, layer="roads").meta["n_features"] == 4
    # without layer=: the first layer, named in one log line (not GDAL's UserWarning)
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="connectivity"):
        warnings.simplefilter("error", UserWarning)
        assert read_network(path).meta["n_features"] == 1
    assert "reading the first, 'first' (others: roads)" in caplog.text


def test_read_network_errors_are_one_line(tmp_path: Path) -> None:
    cases = []
    with pytest.raises(InputFileError, match="does not exist") as info:
        read_network(tmp_path / "missing.osm.pbf")
    cases.append(info)
    empty = tmp_path / "empty.gpkg"
    _lines().iloc[:0].to_file(empty, layer="roads")
    with pytest.raises(InputFileError, match="no features") as info:
        read_network(empty)
    cases.append(info)
    unknown = tmp_path / "roads.txt"
    unknown.write_text("not a layer")
    with pytest.raises(InputFileError, match="cannot read the network layer") as info:
        read_network(unknown)
    cases.append(info)
    gz = tmp_path / "roads.gz"
    gz.write_bytes(b"x")
    with pytest.raises(InputFileError, match="unknown suffix") as info:
        read_network(gz)
    cases.append(info)
    for c in cases:
        assert "\n" not in str(c.value)


def test_nodes_no_road_touches_are_dropped_from_graphs(osm_xml: Path) -> None:
    # osmnx keeps a node whose roads were all cut off by a clip; it is no part of a network
    G = RoadNetwork.from_osm(osm_xml, largest_component=True).to_osmnx()
    G.add_node(99, x=float(G.nodes[1]["x"]) + 5.0, y=float(G.nodes[1]["y"]), street_count=0)
    net = RoadNetwork.from_osmnx(G)
    assert net.n_nodes == 6 and 99 not in _nsrc(net).tolist()
    assert net.meta["components"]["n_components"] == 1
