"""``connectivity build``: from an OSM file (clipped) or downloaded through osmnx, saved as .npz or .gpkg."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from click.testing import CliRunner

from connectivity import RoadNetwork, read_network
from connectivity.cli import main
from tests import _servers as srv
from tests._servers import osm_servers, recorded_osm_file  # fixtures

__all__ = ["osm_servers", "recorded_osm_file"]

BBOX = ",".join(f"{v:g}" for v in srv.QUERY_BOX)


@pytest.fixture
def osm_file(recorded_osm_file: Path) -> Path:
    return recorded_osm_file


def _run(*args: str) -> str:
    r = CliRunner().invoke(main, ["-q", "build", *args])
    assert r.exit_code == 0, r.output
    return r.output


def _same(a: RoadNetwork, b: RoadNetwork) -> None:
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges) and a.crs == b.crs
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.length_m, b.length_m)
    np.testing.assert_allclose(a.time_min, b.time_min, rtol=1e-12)


def test_build_clips_an_osm_file_to_npz_and_gpkg(osm_file: Path, tmp_path: Path) -> None:
    ref = RoadNetwork.from_osm(osm_file, bbox=srv.QUERY_BOX)
    npz = tmp_path / "net.npz"
    out = _run(str(osm_file), "--bbox", BBOX, "--out", str(npz))
    assert f"{ref.n_nodes:,} nodes" in out
    _same(RoadNetwork.load(npz), ref)
    record = json.loads(npz.with_suffix(".json").read_text())
    assert record["parameters"]["command"] == "build" and record["parameters"]["bbox"] == BBOX

    gpkg = tmp_path / "graph.gpkg"
    _run(str(osm_file), "--bbox", BBOX, "--out", str(gpkg))
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"nodes", "edges"} <= layers
    edges = gpd.read_file(gpkg, layer="edges")
    assert {"u", "v", "key", "osmid", "highway", "length", "travel_time", "speed_kph"} <= set(
        edges.columns
    )
    back = RoadNetwork.from_gdfs(gpd.read_file(gpkg, layer="nodes"), edges)
    _same(back, ref)
    _same(read_network(gpkg), ref)  # every command that takes a network reads it back as built
    r = CliRunner().invoke(main, ["-q", "build", str(osm_file), "--out", str(gpkg)])
    assert r.exit_code == 1 and "--overwrite" in r.output


def test_build_clips_to_a_polygon_layer(osm_file: Path, tmp_path: Path) -> None:
    layer = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[srv.PLACE_POLYGON], crs=4326).to_file(layer)
    npz = tmp_path / "net.npz"
    _run(str(osm_file), "--polygon", str(layer), "--network-type", "walk", "--out", str(npz))
    _same(
        RoadNetwork.load(npz),
        RoadNetwork.from_osm(osm_file, polygon=srv.PLACE_POLYGON, network_type="walk"),
    )


def test_build_downloads_through_osmnx(osm_servers: srv.OsmServer, tmp_path: Path) -> None:
    npz = tmp_path / "bbox.npz"
    _run("--bbox", BBOX, "--crs", "EPSG:32643", "--out", str(npz))
    _same(RoadNetwork.load(npz), RoadNetwork.from_bbox(srv.QUERY_BOX))
    gpkg = tmp_path / "place.gpkg"
    _run("--place", srv.PLACE_NAME, "--network-type", "walk", "--out", str(gpkg))
    assert osm_servers.searches[-1]["q"] == [srv.PLACE_NAME]
    nodes = gpd.read_file(gpkg, layer="nodes")
    assert nodes["osmid"].is_unique and (nodes["osmid"] > 0).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give NETWORK"),
        (["--bbox", "1,2,3"], "WEST,SOUTH,EAST,NORTH"),
        (["--bbox", "3,2,1,4"], "west < east"),
        (["--place", "x", "--bbox", BBOX], "not several"),
    ],
)
def test_build_errors(tmp_path: Path, args: list[str], message: str) -> None:
    r = CliRunner().invoke(main, ["-q", "build", *args, "--out", str(tmp_path / "n.npz")])
    assert r.exit_code == 1 and message in r.output, r.output
    r = CliRunner().invoke(main, ["-q", "build", "--out", str(tmp_path / "n.csv")])
    assert r.exit_code == 1 and ".npz" in r.output
