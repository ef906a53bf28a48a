"""RoadNetwork.from_bbox / from_polygon / from_place through osmnx, against local servers.

osmnx is pointed at an Overpass- and Nominatim-like server on 127.0.0.1 that
answers from a recorded Overpass response cut from the shared Almaty extract
(tests/data/almaty_overpass.json); nothing reaches the internet. The same data
read from an OSM file with ``RoadNetwork.from_osm(..., bbox=/polygon=)`` is the
reference.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from connectivity import DataError, InputFileError, ParameterError, RoadNetwork
from tests._servers import (  # fixtures
    PLACE_NAME,
    PLACE_POLYGON,
    QUERY_BOX,
    OsmServer,
    osm_servers,
    recorded_osm_file,
)

__all__ = ["osm_servers", "recorded_osm_file"]


@pytest.fixture
def osm_file(recorded_osm_file: Path) -> Path:
    return recorded_osm_file


def _assert_close(net: RoadNetwork, ref: RoadNetwork) -> None:
    """Same OSM nodes and edges; lengths great-circle (osmnx) vs geodesic (ours)."""
    assert net.node_source_ids is not None and ref.node_source_ids is not None
    assert set(net.node_source_ids.tolist()) == set(ref.node_source_ids.tolist())
    assert net.n_edges == ref.n_edges
    assert net.crs == ref.crs
    assert net.total_length_km() == pytest.approx(ref.total_length_km(), rel=5e-3)
    assert net.time_min.sum() == pytest.approx(ref.time_min.sum(), rel=5e-3)
    used = np.asarray(net.class_names)[net.road_class]
    np.testing.assert_array_equal(
        np.unique(used), np.unique(np.asarray(ref.class_names)[ref.road_class])
    )


def test_from_bbox_downloads_through_osmnx(osm_servers: OsmServer, osm_file: Path) -> None:
    net = RoadNetwork.from_bbox(QUERY_BOX)
    assert osm_servers.status_hits >= 1 and len(osm_servers.queries) == 1
    query = osm_servers.queries[0]
    assert '["highway"!~"abandoned|bridleway' in query and '["motorcar"!~"no"]' in query
    assert net.meta["builder"] == "from_osmnx" and net.meta["network_type"] == "drive"
    assert net.meta["download"] == {"bbox": list(QUERY_BOX)}
    ref = RoadNetwork.from_osm(osm_file, bbox=QUERY_BOX)
    assert net.n_nodes > 50
    _assert_close(net, ref)
    # every node lies in the box
    nodes, _ = net.to_gdfs()
    lonlat = nodes.to_crs(4326)
    w, s, e, n = QUERY_BOX
    assert lonlat.geometry.x.between(w, e).all() and lonlat.geometry.y.between(s, n).all()


def test_from_polygon_and_from_place(osm_servers: OsmServer, osm_file: Path) -> None:
    ref = RoadNetwork.from_osm(osm_file, polygon=PLACE_POLYGON)
    by_polygon = RoadNetwork.from_polygon(PLACE_POLYGON)
    _assert_close(by_polygon, ref)
    by_place = RoadNetwork.from_place(PLACE_NAME)
    assert osm_servers.searches and osm_servers.searches[0]["q"] == [PLACE_NAME]
    _assert_close(by_place, ref)
    assert by_place.meta["download"] == {"place": PLACE_NAME}
    # a polygon layer in another CRS is reprojected to degrees first
    layer = gpd.GeoDataFrame(geometry=[PLACE_POLYGON], crs=4326).to_crs(32643)
    _assert_close(RoadNetwork.from_polygon(layer), ref)
    _assert_close(RoadNetwork.from_osm(osm_file, polygon=layer), ref)


def test_walk_network_is_two_way_at_walking_speed(osm_servers: OsmServer, osm_file: Path) -> None:
    walk = RoadNetwork.from_bbox(QUERY_BOX, network_type="walk", crs="EPSG:32643")
    assert '["foot"!~"no"]' in osm_servers.queries[-1]
    assert walk.crs.to_epsg() == 32643
    assert not walk.edge_oneway().any()
    np.testing.assert_allclose(walk.length_m / walk.time_min * 0.06, 4.8)
    drive = RoadNetwork.from_bbox(QUERY_BOX)
    assert walk.total_length_km() > drive.total_length_km()  # service roads are walkable
    _assert_close(walk, RoadNetwork.from_osm(osm_file, bbox=QUERY_BOX, network_type="walk"))


def test_download_errors(osm_servers: OsmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import osmnx

    with pytest.raises(ParameterError, match="network_type"):
        RoadNetwork.from_bbox(QUERY_BOX, network_type="boat")
    with pytest.raises(ParameterError, match="bbox"):
        RoadNetwork.from_bbox((77.0, 43.0, 76.0, 44.0))
    with pytest.raises(DataError, match="no 'drive' network"):
        RoadNetwork.from_bbox((10.0, 10.0, 10.01, 10.01))  # outside the recorded data
    monkeypatch.setattr(osmnx.settings, "overpass_url", "http://127.0.0.1:9/api")
    monkeypatch.setattr(osmnx.settings, "overpass_rate_limit", False)
    with pytest.raises(InputFileError, match="cannot download"):
        RoadNetwork.from_bbox(QUERY_BOX)
