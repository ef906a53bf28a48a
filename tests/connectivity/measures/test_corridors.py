"""Corridor access points and times to corridors and border crossings."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

from connectivity import DataError, ParameterError, RoadNetwork
from connectivity.measures.corridors import border_access, corridor_access, time_to_corridors

UTM = "EPSG:32643"
KW: dict[str, Any] = {"offroad_speed_kmh": 6.0, "max_snap_m": 1000.0}


@pytest.fixture
def net():
    # highway (trunk, way 1) nodes 0-4 on y=0; local road (way 2) nodes 5-9 on y=50;
    # the only link (way 3) joins them at x=0. 60 km/h everywhere: 1 min per km.
    x = np.tile(np.arange(5) * 1000.0, 2)
    y = np.repeat([0.0, 50.0], 5)
    u = [0, 1, 2, 3, 5, 6, 7, 8, 0]
    v = [1, 2, 3, 4, 6, 7, 8, 9, 5]
    cls = [0] * 4 + [1] * 4 + [1]
    way = [1] * 4 + [2] * 4 + [3]
    return RoadNetwork.from_edges(
        x,
        y,
        u,
        v,
        crs=UTM,
        speed_kmh=60.0,
        road_class=cls,
        class_names=("trunk", "residential"),
        edge_source_ids=way,
    )


@pytest.fixture
def corridors():
    return gpd.GeoDataFrame(
        {"name": ["A", "B"], "ref": ["M-36; E40", None]},
        geometry=[
            shapely.LineString([(0, 20), (4000, 20)]),
            shapely.LineString([(4000, -500), (4000, 500)]),
        ],
        crs=UTM,
    )


def test_access_by_distance_ref_and_class(net, corridors):
    by_dist = corridor_access(net, corridors, tolerance_m=100, corridor_id_col="name")
    a = by_dist[by_dist["corridor_id"] == "A"]
    assert sorted(a["node"]) == list(range(10)) and set(a["match"]) == {"distance"}
    b = by_dist[by_dist["corridor_id"] == "B"]
    assert sorted(b["node"]) == [4, 9]
    refs = {1: "M36;E40", 2: None, 3: None}
    by_ref = corridor_access(
        net, corridors, tolerance_m=100, corridor_id_col="name", road_ref_col="ref", edge_refs=refs
    )
    a = by_ref[by_ref["corridor_id"] == "A"]
    assert sorted(a["node"]) == [0, 1, 2, 3, 4] and set(a["match"]) == {"ref"}
    # corridor B has no ref: falls back to distance
    assert sorted(by_ref[by_ref["corridor_id"] == "B"]["node"]) == [4, 9]
    by_class = corridor_access(net, corridors.iloc[:1], tolerance_m=100, road_classes=["trunk"])
    assert sorted(by_class["node"]) == [0, 1, 2, 3, 4] and set(by_class["match"]) == {"class"}
    assert by_class.crs == net.crs
    np.testing.assert_allclose(by_class["distance_m"], 20.0)


def test_edge_refs_per_edge_array(net, corridors):
    tails = net.edge_tails()
    per_edge = np.where((tails < 5) & (net.indices < 5), "E40", "")
    acc = corridor_access(
        net, corridors.iloc[:1], tolerance_m=100, road_ref_col="ref", edge_refs=per_edge
    )
    assert sorted(acc["node"]) == [0, 1, 2, 3, 4]
    with pytest.raises(DataError, match="one value per directed edge"):
        corridor_access(net, corridors, road_ref_col="ref", edge_refs=["E40"])


def test_time_to_corridors(net, corridors):
    acc = corridor_access(
        net,
        corridors,
        tolerance_m=100,
        corridor_id_col="name",
        road_ref_col="ref",
        edge_refs={1: "M36"},
    )
    origins = gpd.GeoDataFrame(
        geometry=[shapely.Point(2000, 50), shapely.Point(0, 9000)],
        crs=UTM,
        index=["village", "far"],
    )
    t = time_to_corridors(net, origins, acc, **KW)
    # to A: 2 km back along the local road and the 50 m link; to B: 2 km to node 9
    assert t.loc["village", "time_min_A"] == pytest.approx(2.05)
    assert t.loc["village", "time_min_B"] == pytest.approx(2.0)
    assert t.loc["village", "time_min"] == pytest.approx(2.0)
    assert t.loc["village", "nearest_corridor"] == "B"
    assert np.isnan(t.loc["far", "time_min"]) and t.attrs["n_unreachable"] == 1
    with pytest.raises(DataError, match="corridor_id"):
        time_to_corridors(net, origins, acc.drop(columns="corridor_id"), **KW)


def test_unmatched_corridor_is_logged(net, caplog):
    far = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 5000), (1000, 5000)])], crs=UTM)
    with caplog.at_level(logging.WARNING, logger="connectivity.measures.corridors"):
        acc = corridor_access(net, far, tolerance_m=100)
    assert len(acc) == 0 and "no network node within 100 m" in caplog.text
    with pytest.raises(ParameterError):
        corridor_access(net, far, tolerance_m=0)
    with pytest.raises(ParameterError, match="road_classes"):
        corridor_access(net, far, road_classes=["motorway"])


def test_border_access(net):
    crossings = gpd.GeoDataFrame(
        {"post": ["east", "west"]},
        geometry=[shapely.Point(4000, -100), shapely.Point(0, 60)],
        crs=UTM,
    )
    o = gpd.GeoDataFrame(geometry=[shapely.Point(3000, 0)], crs=UTM)
    r = border_access(net, o, crossings, crossing_id_col="post", **KW)
    assert r["nearest_crossing"].iloc[0] == "east"
    assert r["time_min"].iloc[0] == pytest.approx(1.0 + 1.0)  # 1 km + 100 m off-road
    assert r["crossing_snap_m"].iloc[0] == pytest.approx(100.0)
    assert "n_unreachable" in r.attrs


def test_time_to_corridors_from_a_separate_part(net, corridors):
    # the network plus a road 10 km north that joins nothing: its village has no time
    island = RoadNetwork.from_edges(
        np.r_[net.x, 0.0, 1000.0], np.r_[net.y, 10_000.0, 10_000.0],
        np.r_[net.edge_tails(), 10], np.r_[net.indices, 11], crs=UTM, speed_kmh=60.0,
        oneway=True,
    )  # fmt: skip
    acc = corridor_access(island, corridors, tolerance_m=100, corridor_id_col="name")
    origins = gpd.GeoDataFrame(
        geometry=[shapely.Point(2000, 50), shapely.Point(500, 10_100)], crs=UTM, index=["v", "i"]
    )
    t = time_to_corridors(island, origins, acc, **KW)
    assert np.isfinite(t.loc["v", "time_min"]) and np.isnan(t.loc["i", "time_min"])
    comp = t.attrs["components"]
    assert comp["n_parts"] == 2 and comp["n_origins_apart"] == 1
    r = border_access(
        island, origins, gpd.GeoDataFrame(geometry=[shapely.Point(4000, 0)], crs=UTM), **KW
    )
    assert r.loc["i", "reason"] == "different network component"
