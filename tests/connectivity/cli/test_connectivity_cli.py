"""The ``connectivity`` command on small files written to tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

from connectivity.cli import main
from connectivity.errors import InputFileError
from tests import ROOT

UTM = "EPSG:32643"


@pytest.fixture
def files(tmp_path):
    # a 3 km road east-west (x 0..3000, y 0) with a branch north at x=1000; 60 km/h
    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "residential"], "maxspeed_kmh": [60.0, 60.0]},
        geometry=[
            shapely.LineString([(0, 0), (1000, 0), (3000, 0)]),
            shapely.LineString([(1000, 0), (1000, 2000)]),
        ],
        crs=UTM,
    )
    roads.to_file(tmp_path / "roads.gpkg")
    origins = gpd.GeoDataFrame(
        {"village": ["a", "b", "far"], "pop": [100.0, 300.0, 50.0]},
        geometry=[shapely.Point(0, 0), shapely.Point(1000, 2000), shapely.Point(0, 50_000)],
        crs=UTM,
    )
    origins.to_crs("EPSG:4326").to_file(tmp_path / "origins.gpkg")  # lon/lat on purpose
    sez = gpd.GeoDataFrame({"name": ["SEZ-East"]}, geometry=[shapely.Point(3000, 0)], crs=UTM)
    sez.to_file(tmp_path / "sez.gpkg")
    pop = np.array([[5.0, 0.0], [2.0, 1.0]])
    with rasterio.open(
        tmp_path / "pop.tif",
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float64",
        crs=UTM,
        transform=Affine(1000, 0, -500, 0, -1000, 500),
        nodata=-1,
    ) as dst:
        dst.write(pop, 1)
    return tmp_path


def _net_args(d):
    return [
        "--network",
        str(d / "roads.gpkg"),
        "--class-col",
        "highway",
        "--speed-col",
        "maxspeed_kmh",
    ]


def test_access_vector_outputs_and_sidecar(files):
    out = files / "access.gpkg"
    args = [
        "-q",
        "access",
        *_net_args(files),
        "--origins",
        str(files / "origins.gpkg"),
        "--destinations",
        str(files / "sez.gpkg"),
        "--dest-id",
        "name",
        "--pop-col",
        "pop",
        "--thresholds",
        "3.5,10",
        "--out",
        str(out),
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "3 origins, 1 without a travel time" in r.output
    res = gpd.read_file(out, layer="access")
    assert list(res["village"]) == ["a", "b", "far"]  # origin attributes kept
    np.testing.assert_allclose(res["time_min"].iloc[:2], [3.0, 4.0], rtol=1e-6)
    assert res["nearest_id"].iloc[0] == "SEZ-East"
    assert np.isnan(res["time_min"].iloc[2])
    assert res["reason"].iloc[2].startswith("beyond max_snap_m")
    within = pd.read_csv(files / "access_within.csv")
    np.testing.assert_allclose(within["pop_within"], [100.0, 400.0])
    np.testing.assert_allclose(within["share_within"], [100 / 450, 400 / 450])
    side = json.loads((files / "access.json").read_text())
    assert side["parameters"]["max_snap_m"] == 2000.0
    assert side["parameters"]["thresholds_min"] == [3.5, 10.0]
    assert {i["name"] for i in side["inputs"]} == {"network", "origins", "destinations"}
    assert {o["path"] for o in side["outputs"]} == {"access.gpkg", "access_within.csv"}
    assert "n_unreachable" in json.dumps(side)
    # refuses to overwrite without --overwrite, one clear line, exit code 1
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    assert "exists; use --overwrite" in again.output
    assert "Traceback" not in again.output
    assert CliRunner().invoke(main, [*args, "--overwrite"]).exit_code == 0


def test_access_raster_to_geotiff(files):
    out = files / "time.tif"
    r = CliRunner().invoke(
        main,
        [
            "-q",
            "access",
            *_net_args(files),
            "--origins",
            str(files / "pop.tif"),
            "--destinations",
            str(files / "sez.gpkg"),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    with rasterio.open(out) as src:
        t = src.read(1)
        assert src.crs.to_epsg() == 32643
    # cell (0,0) centre (0, 0) is on the road: 3 min; the empty cell is nodata
    assert t[0, 0] == pytest.approx(3.0, rel=1e-6)
    assert np.isnan(t[0, 1])
    assert (files / "time_within.csv").exists() and (files / "time.json").exists()


def test_od_matrix_csv_wide_and_long(files):
    base = [
        "-q",
        "od",
        *_net_args(files),
        "--origins",
        str(files / "origins.gpkg"),
        "--origin-id",
        "village",
        "--destinations",
        str(files / "sez.gpkg"),
        "--dest-id",
        "name",
    ]
    r = CliRunner().invoke(main, [*base, "--out", str(files / "od.csv")])
    assert r.exit_code == 0, r.output
    m = pd.read_csv(files / "od.csv", index_col=0)
    assert list(m.columns) == ["SEZ-East"]
    assert m.loc["b", "SEZ-East"] == pytest.approx(4.0)
    assert np.isnan(m.loc["far", "SEZ-East"])
    r = CliRunner().invoke(main, [*base, "--long", "--out", str(files / "od_long.csv")])
    assert r.exit_code == 0, r.output
    long = pd.read_csv(files / "od_long.csv")
    assert list(long.columns) == ["origin", "destination", "time_min"] and len(long) == 3


def test_isochrones_gpkg(files):
    out = files / "iso.gpkg"
    r = CliRunner().invoke(
        main,
        [
            "-q",
            "isochrones",
            *_net_args(files),
            "--sources",
            str(files / "sez.gpkg"),
            "--source-id",
            "name",
            "--thresholds",
            "1,2.5",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    iso = gpd.read_file(out, layer="isochrones")
    assert list(iso["threshold_min"]) == [1.0, 2.5]
    big = iso.geometry.iloc[1]
    assert big.contains(shapely.Point(1000, 0)) and not big.contains(shapely.Point(1000, 1000))


def test_errors_are_one_line(files):
    r = CliRunner().invoke(
        main,
        [
            "access",
            "--network",
            str(files / "missing.osm.pbf"),
            "--origins",
            str(files / "origins.gpkg"),
            "--destinations",
            str(files / "sez.gpkg"),
            "--out",
            str(files / "x.gpkg"),
        ],
    )
    assert r.exit_code == 1
    assert "Error: InputFileError" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(
        main,
        [
            "access",
            *_net_args(files),
            "--origins",
            str(files / "origins.gpkg"),
            "--destinations",
            str(files / "sez.gpkg"),
            "--out",
            str(files / "x.csv"),
        ],
    )
    assert r.exit_code == 1 and "--out must end with" in r.output
    r = CliRunner().invoke(
        main,
        [
            "access",
            *_net_args(files),
            "--origins",
            str(files / "origins.gpkg"),
            "--destinations",
            str(files / "sez.gpkg"),
            "--thresholds",
            "a,b",
            "--out",
            str(files / "x.gpkg"),
        ],
    )
    assert r.exit_code == 1 and "--thresholds" in r.output


def test_help_texts_explain_inputs():
    r = CliRunner().invoke(main, ["access", "--help"])
    assert r.exit_code == 0
    flat = " ".join(r.output.split())  # click re-wraps help text to the terminal width
    for text in (
        "Example",
        "--offroad-speed-kmh",
        "km/h",
        ".osm.pbf",
        "population raster",
        "--dask",
    ):
        assert text in flat
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0


def test_fetch_commands_are_registered():
    from click.testing import CliRunner

    from connectivity.cli import main as cx_main

    res = CliRunner().invoke(cx_main, ["fetch", "osm", "--help"])
    assert res.exit_code == 0 and "Geofabrik" in res.output


def test_access_with_dask_chunks_equals_one_process(files):
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    from distributed import Client, LocalCluster

    base = [
        "-q", "access", *_net_args(files), "--origins", str(files / "origins.gpkg"),
        "--destinations", str(files / "sez.gpkg"), "--dest-id", "name", "--pop-col", "pop",
    ]  # fmt: skip
    one = files / "one.gpkg"
    assert CliRunner().invoke(main, [*base, "--out", str(one)]).exit_code == 0
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        with Client(cluster):
            many = files / "many.gpkg"
            r = CliRunner().invoke(
                main,
                [
                    *base,
                    "--out",
                    str(many),
                    "--dask",
                    cluster.scheduler_address,
                    "--chunk-size",
                    "1",
                ],
            )
    assert r.exit_code == 0, r.output
    assert "3 origins, 1 without a travel time" in r.output
    a = gpd.read_file(one, layer="access")
    b = gpd.read_file(many, layer="access")
    np.testing.assert_allclose(a["time_min"], b["time_min"], equal_nan=True)
    assert list(a["nearest_id"]) == list(b["nearest_id"])
    side = json.loads((files / "many.json").read_text())
    assert side["extra"]["counts"]["n_batches"] == 3


# --------------------------------------------------------------------------- group options
def _iso_args(files, name):
    return [
        "isochrones", *_net_args(files), "--sources", str(files / "sez.gpkg"),
        "--thresholds", "1", "--out", str(files / name),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "shown"),
    [([], True), (["--progress"], True), (["--no-progress"], False), (["-q"], False)],
)
def test_progress_bars_follow_the_group_options(files, monkeypatch, flags, shown):
    monkeypatch.setattr("connectivity.progress.stderr_is_terminal", lambda: True)
    r = CliRunner().invoke(main, [*flags, *_iso_args(files, f"iso{len(flags)}{shown}.gpkg")])
    assert r.exit_code == 0, r.output
    assert ("step" in r.stderr) is shown


def test_no_bars_when_stderr_is_not_a_terminal(files):
    r = CliRunner().invoke(main, ["--progress", *_iso_args(files, "iso.gpkg")])
    assert r.exit_code == 0 and "step" not in r.stderr


def test_tracebacks_need_vv(files):
    args = ["access", "--network", str(files / "missing.osm.pbf"), "--origins",
            str(files / "origins.gpkg"), "--destinations", str(files / "sez.gpkg"),
            "--out", str(files / "x.gpkg")]  # fmt: skip
    one = CliRunner().invoke(main, ["-v", *args])
    assert one.exit_code == 1 and "Error: InputFileError" in one.output
    assert isinstance(one.exception, SystemExit)
    two = CliRunner().invoke(main, ["-vv", *args])
    assert two.exit_code == 1 and isinstance(two.exception, InputFileError)
    assert "-vv shows their traceback" in CliRunner().invoke(main, ["--help"]).output


def test_python_m_connectivity_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "connectivity", "--help"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    for command in ("access", "od", "isochrones", "fetch", "--no-progress"):
        assert command in out


def test_import_connectivity_loads_neither_click_nor_the_cli():
    code = (
        "import sys, connectivity; "
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('connectivity.cli')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=ROOT,
    ).stdout  # fmt: skip
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- issue 11
def _island_files(files):
    """The test roads plus a separate road 10 km north, and a village beside it."""
    roads = gpd.read_file(files / "roads.gpkg")
    island = gpd.GeoDataFrame(
        {"highway": ["primary"], "maxspeed_kmh": [60.0]},
        geometry=[shapely.LineString([(0, 10_000), (1000, 10_000)])], crs=UTM,
    )  # fmt: skip
    pd.concat([roads, island], ignore_index=True).to_file(files / "roads2.gpkg")
    gpd.GeoDataFrame(
        {"village": ["a", "island"], "pop": [100.0, np.nan]},
        geometry=[shapely.Point(0, 0), shapely.Point(500, 10_050)], crs=UTM,
    ).to_file(files / "villages.gpkg")  # fmt: skip
    return [
        "access", "--network", str(files / "roads2.gpkg"), "--class-col", "highway",
        "--origins", str(files / "villages.gpkg"), "--destinations", str(files / "sez.gpkg"),
    ]  # fmt: skip


def test_access_on_separate_parts_says_so_in_one_line(files):
    base = _island_files(files)
    r = CliRunner().invoke(main, [*base, "--out", str(files / "a.gpkg")])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("2 origins, 1 without a travel time")
    assert lines[0].startswith(
        "origins and destinations fall on 2 of the network's 2 separate parts"
    )
    res = gpd.read_file(files / "a.gpkg", layer="access")
    assert res["reason"].tolist() == ["", "different network component"]
    assert res["origin_snap_m"].iloc[1] == pytest.approx(50.0)
    side = json.loads((files / "a.json").read_text())
    assert side["extra"]["counts"]["components"]["n_origins_apart"] == 1
    assert side["parameters"]["largest_component"] is False
    # the largest part only: the island village is then 8 km from a road
    r = CliRunner().invoke(main, [*base, "--largest-component", "--out", str(files / "b.gpkg")])
    assert r.exit_code == 0, r.output
    assert "separate parts" not in r.output
    res = gpd.read_file(files / "b.gpkg", layer="access")
    assert res["reason"].iloc[1] == "beyond max_snap_m (8066 m from nearest road)"


def test_access_nan_population_fails_or_counts_as_zero(files):
    base = [*_island_files(files), "--pop-col", "pop"]
    r = CliRunner().invoke(main, [*base, "--out", str(files / "a.gpkg")])
    assert r.exit_code == 1 and "1 of 2 values are NaN (ids 1)" in r.output
    assert "--nan-weights zero" in r.output
    r = CliRunner().invoke(main, [*base, "--nan-weights", "zero", "--out", str(files / "a.gpkg")])
    assert r.exit_code == 0, r.output
    within = pd.read_csv(files / "a_within.csv")
    assert (within["pop_total"] == 100.0).all()


def test_od_on_separate_parts_says_so(files):
    _island_files(files)
    r = CliRunner().invoke(main, [
        "od", "--network", str(files / "roads2.gpkg"), "--origins", str(files / "villages.gpkg"),
        "--destinations", str(files / "sez.gpkg"), "--out", str(files / "od.csv"),
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        "1 origin-destination pairs have no travel time ('different network component')" in r.output
    )
