"""The demo pipeline (fua.kazakhstan.pipeline.run_demo) on a window of the modelled surface, and its CLI.

Also the SEZ host rule on the embedded inputs of the whole country (Seaport
Aktau and Qyzyljar, the two zones the issue found hosted by another city).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from click.testing import CliRunner

import fua
from connectivity import OriginSet
from fua import InputFileError, OutputExistsError, ParameterError
from fua.cli import main
from fua.kazakhstan import datasets, delineation, roads
from fua.kazakhstan.access import sez_host_columns
from fua.kazakhstan.pipeline import DemoParams, DemoResult, demo_outputs, run_demo
from tests._demo_fixtures import modelled_window

HOST_COLUMNS = ("host_fua_id", "host_fua", "host_rule", "host_minutes", "own_city_is_centre")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    d = tmp_path_factory.mktemp("demo")
    pop = modelled_window(d / "south_pop.tif")
    return run_demo(d / "out", population=pop)


@pytest.mark.slow
def test_every_output_is_written(demo: DemoResult) -> None:
    for name in demo_outputs():
        assert (demo.out_dir / name).exists(), name
    for key, path in demo.files.items():
        assert path.exists(), key
    assert not list(demo.out_dir.glob(".demo-staging*")), "staging folder left behind"
    pngs = sorted((demo.out_dir / "maps").glob("*.png"))
    assert [p.name for p in pngs] == [
        "fuas_sez_corridors.png",
        "last_mile_links.png",
        "minutes_to_sez.png",
        "rank_size.png",
    ]
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert p.stat().st_size > 10_000


@pytest.mark.slow
def test_geopackage_layers_are_labelled(demo: DemoResult) -> None:
    gpkg = demo.out_dir / "kazakhstan_demo.gpkg"
    names = {row[0] for row in pyogrio.list_layers(gpkg)}
    expected = {"urban_centres", "urban_clusters", "fua_50k", "fua_100k", "fua_100k_city",
                "fua_100k_commuting_zone", "sez_access", "sez_isochrones", "corridors",
                "corridor_access_points", "border_crossings", "roads_proxy"}  # fmt: skip
    assert expected <= names
    for layer in ("fua_100k", "sez_access", "roads_proxy"):
        note = set(gpd.read_file(gpkg, layer=layer)["data_note"])
        assert len(note) == 1
        (text,) = note
        assert "MODELLED" in text and "PROXY" in text
    shp = demo.out_dir / "shapefiles"
    assert (shp / "sez_access.shp").exists() and (shp / "sez_access_fields.csv").exists()


@pytest.mark.slow
def test_last_mile_candidates_section(demo: DemoResult) -> None:
    gpkg = demo.out_dir / "kazakhstan_demo.gpkg"
    links = gpd.read_file(gpkg, layer="last_mile_links")
    n = len(links)
    assert 1 <= n <= 10 and links["rank"].tolist() == list(range(1, n + 1))
    assert links["benefit"].is_monotonic_decreasing and (links["benefit"] >= 0).all()
    assert (links["length_km"] <= 150).all() and set(links.geom_type) == {"LineString"}
    assert set(links["place_kind"]) <= {"SEZ", "FUA", "border crossing"}
    with sqlite3.connect(gpkg) as con:
        (qml,) = con.execute(
            "select styleQML from layer_styles where f_table_name = 'last_mile_links'"
        ).fetchone()
    assert 'attr="rank"' in qml
    places = pd.read_csv(demo.out_dir / "tables" / "last_mile_places.csv")
    assert (places["minutes_after"] < places["minutes_before"]).all()
    assert set(places["rank"]) <= set(links["rank"])
    summary = demo.summary["last_mile"]
    assert summary["n_candidates"] >= n and summary["best_link"] == links.loc[0, "link_id"]
    html = (demo.out_dir / "report.html").read_text(encoding="utf-8")
    assert "Last-mile candidates: the" in html and '"name":"last_mile"' in html
    assert "last_mile_links.png" not in html  # embedded as a data URI, not linked
    assert demo.timings_s["last-mile candidates"] < 60


@pytest.mark.slow
def test_population_is_conserved_in_fua_labels(demo: DemoResult) -> None:
    with rasterio.open(demo.out_dir / "fua_labels_100k.tif") as src:
        lab = src.read(1)
    with rasterio.open(demo.out_dir / "classes_L2.tif") as src:
        assert src.shape == lab.shape
    from fua.grid import read_population

    grid = read_population(demo.inputs["population_path"])
    fuas = demo.fuas["100k"].set_index("fua_id")
    sums = np.bincount(lab.ravel(), weights=grid.pop.ravel(), minlength=int(lab.max()) + 1)
    np.testing.assert_allclose(sums[fuas.index.to_numpy()], fuas["pop_total"].to_numpy(), rtol=1e-9)
    assert fuas["pop_total"].sum() <= grid.total_population
    assert len(demo.fuas["100k"]) <= len(demo.fuas["50k"])
    assert set(demo.national.columns) == {"50k", "100k"}


@pytest.mark.slow
def test_sez_table_is_consistent(demo: DemoResult) -> None:
    t = demo.sez
    assert len(t) == 13
    reach = t[["pop_60min", "pop_120min", "pop_240min"]].to_numpy()
    ok = np.isfinite(reach).all(axis=1)
    assert ok.sum() >= 3
    assert (np.diff(reach[ok], axis=1) >= 0).all()
    assert (t["time_to_corridor_min"].dropna() >= 0).all()
    assert (t["time_to_border_min"].dropna() > 0).all()
    # one host rule, one set of columns per threshold; no second host column
    for k in ("50k", "100k"):
        for c in HOST_COLUMNS:
            assert f"{c}_{k}" in t.columns
        assert set(t[f"host_rule_{k}"]) <= {"contains", "nearest", "unreachable"}
        hosted = t[t[f"host_rule_{k}"] != "unreachable"]
        assert (hosted[f"host_minutes_{k}"] >= 0).all() and (hosted[f"host_fua_{k}"] != "").all()
    for gone in (
        "host_within",
        "host_fua_name",
        "host_fua_id",
        "host_distance_m",
        "time_to_host_min",
    ):
        assert gone not in t.columns
    assert t.loc[4, "host_rule_100k"] == "contains"  # Ontustik, in Shymkent
    assert t.loc[4, "host_fua_100k"] == "Shymkent" and t.loc[4, "own_city_is_centre_100k"]
    for col in ("projects", "jobs", "invest_per_state_tenge"):
        assert col in t.columns
    assert set(demo.association["n"]) <= {13}
    assert "n = 13" in demo.association.attrs["note"]


@pytest.mark.slow
def test_minutes_raster_is_small_at_an_sez_and_tagged(demo: DemoResult) -> None:
    from pyproj import Transformer

    with rasterio.open(demo.out_dir / "minutes_to_sez.tif") as src:
        tags = src.tags()
        arr = src.read(1)
        row = demo.sez.loc[4]  # Ontustik (Shymkent), inside the window
        x, y = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True).transform(
            row.geometry.x, row.geometry.y
        )
        r, c = src.index(x, y)
    assert arr[r, c] < 45  # short off-network legs at both ends
    assert arr[r, c] <= np.nanpercentile(arr, 2)
    assert np.nanmax(arr) > 60
    assert tags["proxy_roads"] == "True" and "PROXY" in tags["roads"]
    assert tags["modelled_population"] == "True"


@pytest.mark.slow
def test_minutes_rasters_declare_nan_nodata_and_say_why(demo: DemoResult) -> None:
    for key in ("sez", "corridor", "border"):
        with rasterio.open(demo.out_dir / f"minutes_to_{key}.tif") as src:
            assert np.isnan(src.nodata)
            tags = src.tags()
            arr = src.read(1)
        assert "max_snap_m" in tags["nodata_meaning"]
        assert int(tags["cells_without_time"]) == int(np.isnan(arr).sum())
        assert 0 <= int(tags["populated_cells_without_time"]) <= int(tags["cells_without_time"])


@pytest.mark.slow
def test_tables_write_people_and_counts_as_integers(demo: DemoResult) -> None:
    import pandas as pd

    tables = demo.out_dir / "tables"
    nat = pd.read_csv(tables / "national_metrics.csv", index_col="metric", dtype=str)
    assert nat.loc["n_fuas", "100k"] == str(len(demo.fuas["100k"]))
    assert "." not in nat.loc["pop_in_fuas", "100k"]
    xmin = nat.loc["zipf_mle_xmin", "100k"]  # empty with fewer than 3 FUAs
    assert pd.isna(xmin) or float(xmin) >= demo.fuas["100k"]["pop_total"].min() - 1
    assert "SLOPE" in nat.loc["zipf_ols", "description"]
    fm = pd.read_csv(tables / "fua_metrics_100k.csv")
    assert fm["pop_total"].dtype.kind == "i" and fm["n_clusters"].dtype.kind == "i"
    assert (fm["share_national"].round(4) == fm["share_national"]).all()
    cols = pd.read_csv(tables / "columns.csv")
    mp = cols[(cols["table"] == "sez_access.csv") & (cols["column"] == "market_potential")]
    assert "people per minute" in mp["unit"].iloc[0]
    assert not cols[cols["table"] != "national_metrics.csv"]["meaning"].isna().any()
    summary = json.loads((tables / "summary.json").read_text(encoding="utf-8"))
    assert isinstance(summary["population_total"], int)
    assert all(isinstance(f["pop_in_fuas"], int) for f in summary["fuas"].values())
    assert "share* (the report" in (demo.out_dir / "README.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_access_population_shares_are_monotone(demo: DemoResult) -> None:
    a = demo.access_population
    for _, g in a.groupby("destination"):
        s = g.sort_values("threshold_min")["share_within"].to_numpy()
        assert ((s >= 0) & (s <= 1)).all() and (np.diff(s) >= 0).all()


@pytest.mark.slow
def test_report_and_sidecar_say_modelled_and_proxy(demo: DemoResult) -> None:
    text = (demo.out_dir / "report.html").read_text(encoding="utf-8")
    assert "MODELLED population — OSM trunk + PROXY access roads" in text
    assert "n = 13" in text
    side = json.loads((demo.out_dir / "demo.json").read_text(encoding="utf-8"))
    blob = json.dumps(side)
    assert side["extra"]["inputs"]["roads_proxy"] is True
    assert side["extra"]["inputs"]["population_modelled"] is True
    assert "report.html" in blob and "south_pop.tif" in blob
    names = [i["name"] if isinstance(i, dict) and "name" in i else i for i in side["inputs"]]
    assert any(str(n).startswith("embedded ") for n in names), side["inputs"]
    assert all(isinstance(i, dict) and i.get("sha256") for i in side["inputs"]), side["inputs"]
    readme = (demo.out_dir / "README.txt").read_text(encoding="utf-8")
    assert "PROXY" in readme and "MODELLED" in readme
    summary = json.loads((demo.out_dir / "tables" / "summary.json").read_text(encoding="utf-8"))
    assert summary["fuas"]["100k"]["n_fuas"] == len(demo.fuas["100k"])
    assert "real OSM trunk roads" in summary["roads_input"] and "PROXY" in summary["roads_input"]
    assert any("trunk roads are real" in n and "PROXY" in n for n in demo.notes)
    assert any("WorldPop 2020" in n and "MODELLED" in n for n in demo.notes)


@pytest.mark.slow
def test_benchmarks_in_summary_and_report(demo: DemoResult) -> None:
    summary = json.loads((demo.out_dir / "tables" / "summary.json").read_text(encoding="utf-8"))
    national = {b["benchmark"]: b for b in summary["benchmarks"]["national"]}
    oecd = national["OECD functional urban areas"]
    assert oecd["n_theirs"] == 26 and oecd["share_theirs"] == 0.55 and "OECD" in oecd["source"]
    assert oecd["n_ours"] == len(demo.fuas["50k"])
    forecast = national["Forecast Scheme agglomerations"]
    assert forecast["n_theirs"] == 18 and forecast["pop_theirs"] == 11_200_000
    assert forecast["n_ours"] == len(demo.fuas["100k"])
    cities = {c["city"]: c for c in summary["benchmarks"]["cities"]}
    assert set(cities) == {"Almaty", "Astana", "Shymkent", "Aktobe", "Karaganda"}
    assert cities["Almaty"]["centre_pop"] is None  # outside the window
    shymkent = cities["Shymkent"]
    assert shymkent["official"] == 1_191_877 and 0.75 <= shymkent["ratio"] <= 1.25
    text = (demo.out_dir / "report.html").read_text(encoding="utf-8")
    assert "Benchmarks" in text and "Box 3.1" in text and "Forecast Scheme" in text


@pytest.mark.slow
def test_existing_outputs_are_refused_before_any_work(demo: DemoResult) -> None:
    t0 = time.perf_counter()
    with pytest.raises(OutputExistsError, match="overwrite"):
        run_demo(demo.out_dir)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.slow
def test_cli_reports_existing_outputs(demo: DemoResult) -> None:
    r = CliRunner().invoke(main, ["-q", "demo", "--out", str(demo.out_dir)])
    assert r.exit_code == 1
    assert "OutputExistsError" in r.output and "--overwrite" in r.output


def test_cli_help_lists_the_flags() -> None:
    r = CliRunner().invoke(main, ["demo", "--help"])
    assert r.exit_code == 0
    for flag in ("--population", "--roads", "--overwrite", "--out"):
        assert flag in r.output


def test_missing_inputs_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="fua fetch ghs-pop"):
        run_demo(tmp_path / "o", population=tmp_path / "nope.tif")
    with pytest.raises(InputFileError, match="connectivity fetch osm"):
        run_demo(
            tmp_path / "o", population=modelled_window(tmp_path / "p.tif"), roads=tmp_path / "x.pbf"
        )
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        run_demo(tmp_path / "afile")


@pytest.mark.parametrize(
    "kw",
    [
        {"centre_pop_thresholds": ()},
        {"reach_thresholds_min": (0.0,)},
        {"max_snap_m": -1.0},
        {"offroad_speed_kmh": float("nan")},
        {"market_beta": 0.0},
    ],
)
def test_params_are_validated(kw: dict[str, object]) -> None:
    with pytest.raises(ParameterError):
        DemoParams(**kw)  # type: ignore[arg-type]


def test_params_round_trip_to_json() -> None:
    d = DemoParams().to_dict()
    assert json.loads(json.dumps(d))["centre_pop_thresholds"] == [50_000.0, 100_000.0]


@pytest.mark.slow
@pytest.mark.realdata
def test_demo_with_a_real_osm_extract(shared_data: Path, tmp_path: Path) -> None:
    pbf = shared_data / "kazakhstan" / "almaty_2013.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"{pbf} is absent")
    pop = modelled_window(tmp_path / "almaty.tif", (76.3, 42.9, 77.5, 43.6))
    res = run_demo(tmp_path / "out", population=pop, roads=pbf)
    assert res.inputs["roads_proxy"] is False and "almaty_2013.osm.pbf" in res.inputs["roads"]
    assert res.fuas["100k"]["name"].tolist()[0] == "Almaty"  # the largest (Esik's centre too)
    # Park of Innovative Technologies (Almaty) is on the extract; the other zones are not
    t = res.sez["host_minutes_100k"]
    assert np.isfinite(t.loc[3]) and t.drop(index=3).isna().all()
    assert res.sez.loc[3, "host_rule_100k"] == "contains"
    assert any("border crossings" in n for n in res.notes)
    layers = {row[0] for row in pyogrio.list_layers(res.out_dir / "kazakhstan_demo.gpkg")}
    assert "roads_proxy" not in layers


@pytest.mark.slow
def test_sez_hosts_on_the_embedded_inputs() -> None:
    """Seaport Aktau is hosted by Aktau's FUA and Qyzyljar by Petropavl's, as the demo computes them."""
    grid = datasets.kazakhstan_population()
    result = fua.classify_grid(grid)
    centres = fua.urban_centres(result)
    net = roads.network_from_lines(datasets.kazakhstan_roads())
    snap = delineation.snap_options(embedded=True)
    cells = delineation.snap_cells(net, grid, snap)
    model, _ = delineation.commuting_model()
    fuas, points = {}, {}
    for thr, k in ((50_000.0, "50k"), (100_000.0, "100k")):
        fuas[k] = delineation.delineate_at(result, centres, cells, net, thr, model=model).fua
        points[k] = delineation.centre_points(fuas[k], centres)
    sez = datasets.load_sez().set_index("id", drop=False)
    notes: list[str] = []
    hosts, times = sez_host_columns(
        net, sez, OriginSet.from_points(net, sez, **snap), fuas, points, centres, notes
    )
    assert not notes and set(times) == {"50k", "100k"}
    aktau, qyzyljar = hosts.loc[2], hosts.loc[13]  # Seaport Aktau, Qyzyljar (Petropavl)
    if aktau["own_city_is_centre_50k"]:
        assert aktau["host_fua_50k"] == "Aktau" and aktau["host_rule_50k"] == "contains"
    else:  # Aktau is no urban centre of 50 000 in the surface: the flag says so
        assert aktau["host_rule_50k"] == "nearest"
    assert qyzyljar["host_fua_50k"] == "Petropavl" and qyzyljar["own_city_is_centre_50k"]
    assert qyzyljar["host_fua_100k"] == "Petropavl"
    assert hosts.loc[1, "host_fua_100k"] == "Astana"  # Astana - New City
    for k in ("50k", "100k"):  # the host is the nearest FUA by time whenever none contains the zone
        near = hosts[hosts[f"host_rule_{k}"] == "nearest"]
        for zone, row in near.iterrows():
            assert row[f"host_minutes_{k}"] == pytest.approx(times[k].loc[zone].min())
