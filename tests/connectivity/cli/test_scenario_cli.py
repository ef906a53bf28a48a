"""``connectivity scenario`` on small files written to tmp_path."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

from connectivity.cli import main
from connectivity.outputs import read_sidecar

UTM = "EPSG:32643"


def _files(tmp_path):
    # an L of roads: x 0..4000 along y=0 (KAZ01), then north along x=4000 (KAZ02); 60 km/h
    roads = gpd.GeoDataFrame(
        {"ref": ["KAZ01", "KAZ02"], "speed_kmh": [60.0, 60.0]},
        geometry=[
            shapely.LineString([(0, 0), (2000, 0), (4000, 0)]),
            shapely.LineString([(4000, 0), (4000, 2000), (4000, 4000)]),
        ],
        crs=UTM,
    )
    roads.to_file(tmp_path / "roads.gpkg")
    sez = gpd.GeoDataFrame({"name": ["north"]}, geometry=[shapely.Point(4000, 4000)], crs=UTM)
    sez.to_file(tmp_path / "sez.gpkg")
    fua = gpd.GeoDataFrame(
        {"fua_id": ["F1"]}, geometry=[shapely.box(-600, -600, 2600, 600)], crs=UTM
    )
    fua.to_file(tmp_path / "fua.gpkg")
    pop = np.array([[10.0, 20.0, 0.0], [5.0, 0.0, 1.0]])
    with rasterio.open(
        tmp_path / "pop.tif", "w", driver="GTiff", width=3, height=2, count=1, dtype="float64",
        crs=UTM, transform=Affine(1000, 0, -500, 0, -1000, 500), nodata=-1,
    ) as dst:  # fmt: skip
        dst.write(pop, 1)
    link = gpd.GeoSeries([shapely.LineString([(0, 0), (4000, 4000)])], crs=UTM).to_crs(4326)
    (tmp_path / "changes.yaml").write_text(
        "name: shortcut\ncrs: EPSG:4326\nchanges:\n"
        f"  - {{change: add_link, speed_kmh: 90, geometry: '{link.iloc[0].wkt}'}}\n"
        "  - {change: upgrade, ref: KAZ02, speed_kmh: 100}\n",
        encoding="utf-8",
    )
    return tmp_path


def _run(tmp_path, *extra):
    args = [
        "scenario", "--network", str(tmp_path / "roads.gpkg"), "--speed-col", "speed_kmh",
        "--refs-col", "ref", "--changes", str(tmp_path / "changes.yaml"),
        "--origins", str(tmp_path / "pop.tif"), "--destinations", str(tmp_path / "sez.gpkg"),
        "--dest-id", "name", "--groups", str(tmp_path / "fua.gpkg"), "--group-id", "fua_id",
        "--offroad-speed-kmh", "15", "--out", str(tmp_path / "out"), *extra,
    ]  # fmt: skip
    return CliRunner().invoke(main, args)


def test_scenario_command_writes_everything(tmp_path):
    _files(tmp_path)
    r = _run(tmp_path)
    assert r.exit_code == 0, r.output
    assert "shortcut: 2 changes" in r.output
    out = tmp_path / "out"
    for name in ("scenario.gpkg", "minutes_saved.tif", "minutes_saved.qml", "summary.csv",
                 "destinations.csv", "groups.csv", "scenario.json"):  # fmt: skip
        assert (out / name).exists(), name
    side = read_sidecar(out / "scenario.json")
    assert side["parameters"]["scenario"] == "shortcut"
    names = {r["name"] for r in side["inputs"]}
    assert {"network", "changes", "origins", "destinations", "groups"} <= names
    assert side["extra"]["changes"][1] == {"change": "Upgrade", "ref": "KAZ02", "speed_kmh": 100.0}
    summary = pd.read_csv(out / "summary.csv").set_index("indicator")["value"]
    assert summary["mean_minutes_saved"] > 0
    with rasterio.open(out / "minutes_saved.tif") as src:
        saved = src.read(1)
    assert np.nanmax(saved) > 0
    groups = pd.read_csv(out / "groups.csv").set_index("group")
    assert groups.loc["F1", "mean_minutes_saved"] > 0


def test_scenario_command_refuses_bad_changes_and_existing_output(tmp_path):
    _files(tmp_path)
    assert _run(tmp_path).exit_code == 0
    r = _run(tmp_path)
    assert r.exit_code == 1 and "--overwrite" in r.output
    assert _run(tmp_path, "--overwrite").exit_code == 0
    (tmp_path / "changes.yaml").write_text(
        "changes:\n  - {change: upgrade, ref: KAZ99, speed_kmh: 100}\n", encoding="utf-8"
    )
    r = _run(tmp_path, "--overwrite")
    assert r.exit_code == 1 and "unknown road ref 'KAZ99'" in r.output
    assert "KAZ01, KAZ02" in r.output
    (tmp_path / "changes.yaml").write_text(
        "changes:\n  - {change: upgrade, ref: KAZ01, speed_kmh: 400}\n", encoding="utf-8"
    )
    r = _run(tmp_path, "--overwrite")
    assert r.exit_code == 1 and "out of range" in r.output
    (tmp_path / "changes.yaml").write_text(
        "changes:\n  - {change: add_link, speed_kmh: 50, geometry: 'LINESTRING (9e5 9e5, 9.1e5 9e5)'}\n",
        encoding="utf-8",
    )
    r = _run(tmp_path, "--overwrite")
    assert r.exit_code == 1 and "link touches no road" in r.output


def test_scenario_help():
    r = CliRunner().invoke(main, ["scenario", "--help"])
    assert r.exit_code == 0 and "--changes" in r.output and "minutes_saved.tif" in r.output
