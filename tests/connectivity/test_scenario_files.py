"""Scenario files (GeoPackage, YAML, JSON) and connectivity.compare."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

import connectivity
from connectivity import (
    AddLink,
    BorderCrossing,
    Close,
    DataError,
    InputFileError,
    OffroadSpeed,
    ParameterError,
    Scenario,
    Upgrade,
)
from connectivity.outputs import read_sidecar
from tests.connectivity.test_scenario import UTM, grid_net


def write_yaml(tmp_path, text: str):
    p = tmp_path / "changes.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_with_every_change_type(tmp_path):
    p = write_yaml(
        tmp_path,
        """
name: demo
changes:
  - {change: add_link, speed_kmh: 80, geometry: "LINESTRING (0 0, 3000 3000)", join: snap}
  - {change: upgrade, ids: "0;1", speed_kmh: 60, road_class: trunk}
  - {change: Upgrade, ref: M36, speed_kmh: 100}
  - {change: close, bbox: "2900,2900,3100,3100"}
  - {change: border_crossing, name: east, open: "no"}
  - change: offroad_speed
    speed_kmh: 20
    geometry: {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
""",
    )
    sc = Scenario.from_file(p, edge_refs={5: "M36"})
    assert sc.name == "demo" and sc.crs is None
    kinds = [type(c) for c in sc.changes]
    assert kinds == [AddLink, Upgrade, Upgrade, Close, BorderCrossing, OffroadSpeed]
    assert sc.changes[1].ids == (0, 1) and sc.changes[4].open is False
    new = sc.apply(grid_net())
    assert new.meta["offroad_areas"][0]["speed_kmh"] == 20.0


def test_json_list_and_crs(tmp_path):
    line = gpd.GeoSeries([shapely.LineString([(0, 0), (3000, 3000)])], crs=UTM).to_crs(4326)
    p = tmp_path / "c.json"
    doc = {"crs": "EPSG:4326", "changes": [{"change": "add_link", "speed_kmh": 60,
                                            "geometry": line.iloc[0].wkt}]}  # fmt: skip
    p.write_text(json.dumps(doc))
    sc = Scenario.from_file(p)
    assert sc.crs.to_epsg() == 4326
    new = sc.apply(grid_net())
    assert new.n_edges == grid_net().n_edges + 2


def test_geopackage_layer_in_another_crs(tmp_path):
    net = grid_net()
    gdf = gpd.GeoDataFrame(
        {"change": ["add_link", "close"], "speed_kmh": [60.0, np.nan], "ids": [None, None]},
        geometry=[shapely.LineString([(0, 0), (3000, 3000)]), shapely.box(2900, 2900, 3100, 3100)],
        crs=UTM,
    ).to_crs(4326)
    gdf.to_file(tmp_path / "changes.gpkg", layer="changes")
    sc = Scenario.from_file(tmp_path / "changes.gpkg")
    assert [type(c) for c in sc.changes] == [AddLink, Close]
    new = sc.apply(net)
    assert new.n_nodes == net.n_nodes


@pytest.mark.parametrize(
    ("entry", "error", "match"),
    [
        ("{change: widen, speed_kmh: 80}", DataError, "unknown change type 'widen'"),
        ("{speed_kmh: 80}", DataError, "no 'change' field"),
        ("{change: upgrade, ids: '1', speed_kmh: 200}", ParameterError, "out of range"),
        ("{change: upgrade, ids: '1', speed_kmh: 0}", ParameterError, "out of range"),
        ("{change: add_link, speed_kmh: 80}", DataError, "missing a field"),
        ("{change: add_link, speed_kmh: 80, geometry: 'LINE (0 0'}", DataError, "neither WKT"),
        ("{change: close, ids: '1', colour: red}", DataError, "do not apply to close"),
        ("{change: add_link, speed_kmh: fast, geometry: 'LINESTRING (0 0, 1 1)'}", DataError,
         "speed_kmh='fast' is not valid"),
    ],
)  # fmt: skip
def test_file_errors_are_clear(tmp_path, entry, error, match):
    p = write_yaml(tmp_path, f"changes:\n  - {entry}\n")
    with pytest.raises(error, match=match):
        Scenario.from_file(p)


def test_file_errors_found_when_applied(tmp_path):
    net = grid_net(x0=500_000.0)
    p = write_yaml(tmp_path, "changes:\n  - {change: upgrade, ref: Q1, speed_kmh: 90}\n")
    with pytest.raises(DataError, match="unknown road ref 'Q1'"):
        Scenario.from_file(p, edge_refs={0: "M36"}).apply(net)
    far = "LINESTRING (71.0 45.0, 71.1 45.1)"  # degrees given without a CRS
    p = write_yaml(
        tmp_path, f"changes:\n  - {{change: add_link, speed_kmh: 90, geometry: '{far}'}}\n"
    )
    with pytest.raises(connectivity.CRSError, match="look like degrees"):
        Scenario.from_file(p).apply(net)
    far = "LINESTRING (571000 45000, 571100 45100)"
    p = write_yaml(
        tmp_path, f"changes:\n  - {{change: add_link, speed_kmh: 90, geometry: '{far}'}}\n"
    )
    with pytest.raises(DataError, match="link touches no road"):
        Scenario.from_file(p).apply(net)


def test_unreadable_files(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        Scenario.from_file(tmp_path / "nope.yaml")
    bad = write_yaml(tmp_path, "changes: [unclosed\n")
    with pytest.raises(InputFileError, match="cannot read"):
        Scenario.from_file(bad)
    with pytest.raises(DataError, match="list 'changes'"):
        Scenario.from_file(write_yaml(tmp_path, "name: x\n"))


# ---------------------------------------------------------------- compare
@pytest.fixture
def case():
    net = grid_net(5)
    pop = (np.arange(25.0).reshape(5, 5), Affine(1000.0, 0, -500.0, 0, -1000.0, 4500.0), UTM)
    dest = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=gpd.points_from_xy([0, 4000], [0, 4000]), crs=UTM
    )
    groups = gpd.GeoDataFrame(
        {"fua": ["w", "e"]},
        geometry=[shapely.box(-600, -600, 1900, 4600), shapely.box(1900, -600, 4600, 4600)],
        crs=UTM,
    )
    return net, pop, dest, groups


def test_compare_with_no_changes_saves_nothing(case):
    net, pop, dest, groups = case
    c = connectivity.compare(net, Scenario([]), "nearest", pop, dest, groups=groups,
                             group_id_col="fua", dest_id_col="name")  # fmt: skip
    assert (c.origins["minutes_saved"] == 0).all()
    assert c.summary["mean_minutes_saved"] == 0
    assert (c.destinations["market_potential_change"] == 0).all()
    assert c.groups["pop"].sum() == pytest.approx(c.summary["population"])


def test_compare_a_link(case, tmp_path):
    net, pop, dest, groups = case
    sc = Scenario([AddLink(shapely.LineString([(0, 0), (4000, 4000)]), speed_kmh=120)], name="d")
    c = connectivity.compare(net, sc, connectivity.raster_time_to_nearest, pop, dest,
                             groups=groups, group_id_col="fua", dest_id_col="name",
                             thresholds_min=(2, 5))  # fmt: skip
    saved = c.origins["minutes_saved"]
    assert (saved >= -1e-9).all() and saved.max() > 0
    assert np.nanmax(c.minutes_saved_grid) == pytest.approx(saved.max())
    assert (c.destinations["market_potential_change"] > 0).all()
    assert c.summary["pop_5min_after"] >= c.summary["pop_5min_before"]
    written = c.write(tmp_path / "out")
    names = {p.name for p in written}
    assert {"scenario.gpkg", "minutes_saved.tif", "minutes_saved.qml", "summary.csv",
            "destinations.csv", "groups.csv", "scenario.json"} <= names  # fmt: skip
    side = read_sidecar(tmp_path / "out" / "scenario.json")
    assert side["extra"]["changes"][0]["change"] == "AddLink"
    with pytest.raises(connectivity.OutputExistsError):
        c.write(tmp_path / "out")
    assert "layer_styles" in gpd.list_layers(tmp_path / "out" / "scenario.gpkg")["name"].tolist()


def test_compare_border_and_bad_measure(case):
    net, pop, dest, _ = case
    sc = Scenario([BorderCrossing("b", open=False)])
    c = connectivity.compare(net, sc, "border", pop, dest, dest_id_col="name")
    assert (c.origins["minutes_saved"] <= 1e-9).all() and c.destinations is None
    with pytest.raises(ParameterError, match="cannot run measure"):
        connectivity.compare(net, sc, connectivity.od_matrix, pop, dest)
