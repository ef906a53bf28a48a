"""The bulk OSM reader: libosmium's OPL of the highway ways, parsed in chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import connectivity.build.osm as osm
from connectivity import RoadNetwork

XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="43.25" lon="76.90"/>
  <node id="2" lat="43.25" lon="76.91"/>
  <node id="3" lat="43.26" lon="76.91"/>
  <node id="4" lat="43.26" lon="76.92"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="99"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="name" v="Абая, 5 = x@y%z"/>
    <tag k="maxspeed" v="60 mph"/></way>
  <way id="11"><nd ref="4"/><nd ref="1"/><tag k="building" v="yes"/></way>
  <way id="12"><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="13"><nd ref="3"/><nd ref="1"/><tag k="highway" v="primary"/><tag k="oneway" v="-1"/></way>
</osm>
"""


@pytest.fixture
def small_xml(tmp_path: Path) -> Path:
    p = tmp_path / "small.osm"
    p.write_text(XML, encoding="utf-8")
    return p


def test_reader_keeps_order_tags_and_missing_locations(small_xml: Path) -> None:
    ways = osm.read_osm_ways(small_xml)
    assert ways.n_highway_ways == 3  # the building is no highway
    np.testing.assert_array_equal(ways.way_id, [10, 13])  # the footway fails the drive filter
    assert list(ways.highway) == ["residential", "primary"]
    assert list(ways.maxspeed) == ["60 mph", None]  # escaped by OPL, read back as written
    np.testing.assert_array_equal(ways.oneway, [0, -1])
    np.testing.assert_array_equal(ways.offsets, [0, 5, 7])
    np.testing.assert_array_equal(ways.node_ref, [1, 2, 99, 3, 4, 3, 1])
    assert np.isnan(ways.lon[2]) and np.isnan(ways.lat[2])  # node 99 is not in the file
    assert ways.lon[1] == 76.91 and ways.lat[3] == 43.26  # exactly the decimal given


def test_opl_tags_unescape() -> None:
    tags = osm._opl_tags("name=Абая%2c%%20%5%20%%3d%%20%x%40%y%25%z,highway=primary".encode())
    assert tags == {"name": "Абая, 5 = x@y%z", "highway": "primary"}
    assert osm._opl_tags(b"") == {}


def test_small_chunks_give_the_same_network(
    monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    path = shared_data / "kazakhstan" / "almaty_2013.osm.pbf"
    if not path.exists():
        pytest.skip(f"{path} not found")
    whole = RoadNetwork.from_osm(path, largest_component=False)
    monkeypatch.setattr(osm, "_OPL_CHUNK", 4099)  # lines cut across chunk ends
    chunked = RoadNetwork.from_osm(path, largest_component=False)
    for name in ("x", "y", "indptr", "indices", "time_min", "node_source_ids", "edge_source_ids"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name), err_msg=name)
    assert whole.meta["n_missing_node_locations"] > 0  # the extract is clipped: NaN vertices
