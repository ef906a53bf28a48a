"""Isochrone polygons on a grid network with known reach."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely

from connectivity import DataError, ParameterError, RoadNetwork
from connectivity.measures.isochrones import isochrones

UTM = "EPSG:32643"
N = 11  # 11 x 11 nodes, 1 km apart, 1 min per edge


@pytest.fixture
def grid():
    gx, gy = np.meshgrid(np.arange(N) * 1000.0, np.arange(N) * 1000.0)
    ids = np.arange(N * N).reshape(N, N)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return RoadNetwork.from_edges(gx.ravel(), gy.ravel(), u, v, crs=UTM, speed_kmh=60.0)


def _src(*xy):
    return gpd.GeoDataFrame(
        {"name": [f"s{i}" for i in range(len(xy))]},
        geometry=[shapely.Point(p) for p in xy],
        crs=UTM,
    )


def test_polygon_contains_reached_nodes_and_not_unreached(grid):
    iso = isochrones(grid, _src((5000, 5000)), (3,), buffer_m=100, fill_holes_m2=0)
    poly = iso.geometry.iloc[0]
    l1 = np.abs(grid.x / 1000 - 5) + np.abs(grid.y / 1000 - 5)
    inside = shapely.contains_xy(poly, grid.x, grid.y)
    assert inside[l1 <= 3].all()
    assert not inside[l1 > 3].any()
    # street blocks inside the diamond stay holes without filling
    assert not poly.contains(shapely.Point(5500, 5500))


def test_partial_edges_are_cut_at_the_threshold(grid):
    poly = isochrones(grid, _src((5000, 5000)), (2.5,), buffer_m=100).geometry.iloc[0]
    assert poly.contains(shapely.Point(7450, 5000))  # half of the edge (7,5)-(8,5)
    assert not poly.contains(shapely.Point(7700, 5000))


def test_nested_thresholds_and_hole_filling(grid):
    iso = isochrones(grid, _src((5000, 5000)), (4, 2, 3), buffer_m=100, fill_holes_m2=2e6)
    assert list(iso["threshold_min"]) == [2, 3, 4]
    geoms = iso.geometry.to_list()
    for small, big in itertools.pairwise(geoms):
        assert big.buffer(1e-6).contains(small)
        assert big.area > small.area
    assert geoms[0].contains(shapely.Point(5500, 5500))  # a 1 km2 block, filled


def test_per_source_and_combined(grid):
    src = _src((1000, 1000), (9000, 9000), (1000, 30_000))
    iso = isochrones(grid, src, (2,), source_id_col="name", max_snap_m=500)
    assert list(iso["source_id"]) == ["s0", "s1", "s2"]
    assert iso.geometry.iloc[2].is_empty  # beyond max_snap_m
    assert iso.attrs["n_sources_beyond_snap"] == 1
    assert iso.crs == grid.crs
    both = isochrones(grid, src.iloc[:2], (2,), combine=True)
    assert both["source_id"].iloc[0] is None
    union = shapely.union(iso.geometry.iloc[0], iso.geometry.iloc[1])
    assert both.geometry.iloc[0].symmetric_difference(union).area < 1.0


def test_offroad_leg_and_own_segment(grid):
    # source 300 m off the road, 6 km/h -> 3 min off-road; 4 min leaves 1 min of road
    iso = isochrones(grid, _src((5500, 5300)), (2, 4), buffer_m=50, offroad_speed_kmh=6)
    p2, p4 = iso.geometry.iloc[0], iso.geometry.iloc[1]
    assert p2.contains(shapely.Point(5500, 5150))  # partway along the leg
    assert not p2.contains(shapely.Point(5500, 5000))
    assert p4.contains(shapely.Point(6400, 5000)) and p4.contains(shapely.Point(4600, 5000))
    # 0.5 min to node (6000, 5000), then half of the edge north
    assert p4.contains(shapely.Point(6000, 5400))
    assert not p4.contains(shapely.Point(6000, 5700))


def test_reverse_on_oneway_chain():
    x = np.array([0.0, 1000.0, 2000.0])
    net = RoadNetwork.from_edges(
        x, np.zeros(3), [0, 1], [1, 2], crs=UTM, speed_kmh=60.0, oneway=True
    )
    src = _src((0, 0))
    fwd = isochrones(net, src, (2,), buffer_m=50).geometry.iloc[0]
    rev = isochrones(net, src, (2,), buffer_m=50, reverse=True).geometry.iloc[0]
    assert fwd.contains(shapely.Point(2000, 0))
    assert not rev.contains(shapely.Point(1000, 0))  # nobody can drive to node 0


def test_bad_parameters(grid):
    with pytest.raises(ParameterError):
        isochrones(grid, _src((0, 0)), ())
    with pytest.raises(ParameterError):
        isochrones(grid, _src((0, 0)), (5,), buffer_m=0)


def test_repeated_thresholds_and_sources_off_the_network_are_refused(grid):
    with pytest.raises(ParameterError, match="has 5 more than once"):
        isochrones(grid, _src((5000, 5000)), (5, 10, 5))
    with pytest.raises(DataError, match="none of the 1 sources is within max_snap_m"):
        isochrones(grid, _src((5000, 50_000)), (5,))
