"""Tests for connectivity.io (safe writers) and fua.outputs.degurba (Degree of Urbanisation outputs)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from shapely.geometry import MultiPolygon, Point, box

import fua as ferr
from connectivity import io as cio
from connectivity.errors import (
    CRSError,
    DataError,
    InputFileError,
    OutputExistsError,
    ParameterError,
)
from connectivity.outputs import jsonable
from fua.grid import PopulationGrid
from fua.outputs import degurba as fio

CRS = "ESRI:54009"
T = Affine(1000.0, 0.0, 5_000_000.0, 0.0, -1000.0, 6_000_000.0)


def _files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def _gdf(n: int = 3, **cols: object) -> gpd.GeoDataFrame:
    data = {"uc_id": list(range(1, n + 1)), "pop": [1000.5 * i for i in range(n)], **cols}
    geoms = [box(i, i, i + 1, i + 1) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


# --------------------------------------------------------------------------- safe_path


def test_safe_path_moves_temp_into_place(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    with cio.safe_path(out) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".txt" and tmp != out
        tmp.write_text("new")
        assert not out.exists()
    assert out.read_text() == "new"
    assert _files(tmp_path) == ["a.txt"]


def test_safe_path_refuses_existing_and_says_how_to_fix(tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    out.write_bytes(b"old")
    with pytest.raises(OutputExistsError, match="overwrite=True"), cio.safe_path(out):
        pytest.fail("body must not run")
    assert out.read_bytes() == b"old"
    with cio.safe_path(out, overwrite=True) as tmp:
        tmp.write_text("new")
    assert out.read_text() == "new"


def test_safe_path_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "a.shp"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), cio.safe_path(out, overwrite=True) as tmp:
        tmp.write_text("half")
        tmp.with_suffix(".dbf").write_text("half")
        raise RuntimeError("boom")
    assert out.read_bytes() == b"old"
    assert _files(tmp_path) == ["a.shp"]


def test_safe_path_moves_shapefile_companions_and_drops_stale_ones(tmp_path: Path) -> None:
    out = tmp_path / "a.shp"
    for ext in (".shp", ".dbf", ".cpg"):
        out.with_suffix(ext).write_text("old")
    with cio.safe_path(out, overwrite=True) as tmp:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            tmp.with_suffix(ext).write_text("new" + ext)
    assert _files(tmp_path) == ["a.dbf", "a.prj", "a.shp", "a.shx"]  # old a.cpg removed
    assert (tmp_path / "a.dbf").read_text() == "new.dbf"


def test_safe_path_writer_that_writes_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="did not create"), cio.safe_path(tmp_path / "x.tif"):
        pass
    assert _files(tmp_path) == []


def test_safe_path_directory_target_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="directory"), cio.safe_path(tmp_path, overwrite=True):
        pass


def test_safe_directory_checks_all_before_writing(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_bytes(b"old-b")
    with pytest.raises(OutputExistsError, match=r"b\.txt"):
        with cio.safe_directory(tmp_path, ["a.txt", "b.txt"]):
            pytest.fail("body must not run")
    assert _files(tmp_path) == ["b.txt"]
    # a file written but not announced is checked at the end: nothing is moved
    (tmp_path / "c.txt").write_bytes(b"old-c")
    with pytest.raises(OutputExistsError, match=r"c\.txt"):
        with cio.safe_directory(tmp_path, ["a.txt"]) as st:
            (st / "a.txt").write_text("new-a")
            (st / "c.txt").write_text("new-c")
    assert _files(tmp_path) == ["b.txt", "c.txt"]
    assert (tmp_path / "c.txt").read_bytes() == b"old-c"


def test_safe_directory_failure_moves_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with cio.safe_directory(tmp_path, ["a.txt", "b.txt"], overwrite=True) as st:
            (st / "a.txt").write_text("new")
            raise RuntimeError("second output failed")
    assert _files(tmp_path) == ["a.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"old"


# --------------------------------------------------------------------------- write_raster


def test_write_raster_cog_round_trip_with_colour_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    classes = rng.choice(np.array([0, 10, 30], dtype="uint8"), size=(700, 600))
    cmap = {10: (122, 182, 245), 30: (255, 0, 0, 255)}
    out = cio.write_raster(
        tmp_path / "c.tif",
        classes,
        transform=T,
        crs=CRS,
        nodata=0,
        colormap=cmap,
        category_names={10: "water", 30: "urban centre"},
        tags={"source": "test"},
        description="smod_code",
    )
    with rasterio.open(out) as ds:
        assert ds.driver == "GTiff"
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
        assert ds.profile["tiled"] and ds.block_shapes == [(512, 512)]
        assert ds.overviews(1) == [2]  # 700 rows -> one overview level of 350 ≤ 512
        assert ds.nodata == 0
        assert ds.crs == rasterio.crs.CRS.from_user_input(CRS)
        assert ds.transform == T
        np.testing.assert_array_equal(ds.read(1), classes)
        cm = ds.colormap(1)
        assert cm[10] == (122, 182, 245, 255) and cm[30] == (255, 0, 0, 255)
        assert ds.descriptions == ("smod_code",)
        assert ds.tags(1)["class_30"] == "urban centre"
        assert json.loads(ds.tags(1)["categories"]) == {"10": "water", "30": "urban centre"}
        assert ds.tags()["source"] == "test"
        # overviews of a class grid must hold class codes only (nearest, not averaged)
        ov = ds.read(1, out_shape=(350, 300))
        assert set(np.unique(ov)) <= {0, 10, 30}


def test_write_raster_float_nan_nodata_and_bool(tmp_path: Path) -> None:
    arr = np.array([[1.5, np.nan], [0.0, 2.0]])
    out = cio.write_raster(tmp_path / "f.tif", arr, transform=T, crs=CRS, nodata=np.nan)
    with rasterio.open(out) as ds:
        assert np.isnan(ds.nodata)
        np.testing.assert_array_equal(ds.read(1), arr)
    out = cio.write_raster(tmp_path / "b.tif", np.eye(3, dtype=bool), transform=T, crs=CRS)
    with rasterio.open(out) as ds:
        assert ds.dtypes == ("uint8",)
        np.testing.assert_array_equal(ds.read(1), np.eye(3))


def test_write_raster_refuses_overwrite_byte_identical(tmp_path: Path) -> None:
    out = cio.write_raster(tmp_path / "a.tif", np.ones((4, 4), "uint8"), transform=T, crs=CRS)
    before = out.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        cio.write_raster(out, np.zeros((4, 4), "uint8"), transform=T, crs=CRS)
    assert out.read_bytes() == before
    cio.write_raster(out, np.zeros((4, 4), "uint8"), transform=T, crs=CRS, overwrite=True)
    with rasterio.open(out) as ds:
        assert ds.read(1).sum() == 0


def test_write_raster_failure_mid_write_leaves_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cio.write_raster(tmp_path / "a.tif", np.ones((4, 4), "uint8"), transform=T, crs=CRS)
    before = out.read_bytes()

    real_open = rasterio.open

    class Exploding:
        def __init__(self, *a: object, **k: object) -> None:
            self.ds = real_open(*a, **k)

        def __enter__(self) -> Exploding:
            return self

        def __exit__(self, *exc: object) -> None:
            self.ds.close()

        def write(self, *a: object, **k: object) -> None:
            self.ds.write(*a, **k)
            raise OSError("disk full")

    monkeypatch.setattr(rasterio, "open", Exploding)
    with pytest.raises(OSError, match="disk full"):
        cio.write_raster(out, np.zeros((4, 4), "uint8"), transform=T, crs=CRS, overwrite=True)
    monkeypatch.undo()
    assert out.read_bytes() == before
    assert _files(tmp_path) == ["a.tif"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"crs": None}, CRSError, "crs is required"),
        ({"crs": "not a crs"}, CRSError, "not a CRS"),
        ({"transform": (1, 0, 0, 0, -1, 0)}, ParameterError, "affine.Affine"),
        ({"nodata": 300}, ParameterError, "cannot be stored"),
        ({"colormap": {1: (1, 2)}}, ParameterError, r"\(r, g, b\)"),
        ({"colormap": {1: (1, 2, 300)}}, ParameterError, "0-255"),
    ],
)
def test_write_raster_bad_arguments(
    tmp_path: Path, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    args: dict[str, object] = {"transform": T, "crs": CRS, **kwargs}
    with pytest.raises(error, match=match):
        cio.write_raster(tmp_path / "a.tif", np.ones((2, 2), "uint8"), **args)  # type: ignore[arg-type]
    assert _files(tmp_path) == []


def test_write_raster_colormap_needs_uint8_and_tif_suffix(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="uint8"):
        cio.write_raster(
            tmp_path / "a.tif",
            np.ones((2, 2), "int32"),
            transform=T,
            crs=CRS,
            colormap={1: (0, 0, 0)},
        )
    with pytest.raises(ParameterError, match=r"\.tif"):
        cio.write_raster(tmp_path / "a.png", np.ones((2, 2), "uint8"), transform=T, crs=CRS)
    with pytest.raises(DataError, match="2-D"):
        cio.write_raster(tmp_path / "a.tif", np.ones(4, "uint8"), transform=T, crs=CRS)


# --------------------------------------------------------------------------- write_layers


def test_write_layers_gpkg_round_trip(tmp_path: Path) -> None:
    a = _gdf(3, name=["Астана", "Алматы", "Шымкент"])
    b = _gdf(2)
    b["geometry"] = [box(0, 0, 1, 1), MultiPolygon([box(2, 2, 3, 3), box(5, 5, 6, 6)])]
    out = cio.write_layers(tmp_path / "d.gpkg", {"urban_centres": a, "urban_clusters": b})
    assert out == [tmp_path / "d.gpkg"]
    assert _files(tmp_path) == ["d.gpkg"]
    layers = pyogrio.list_layers(out[0])  # + QGIS's layer_styles table
    assert [str(n) for n in layers[:, 0]] == ["urban_centres", "urban_clusters", "layer_styles"]
    back = gpd.read_file(out[0], layer="urban_centres", engine="pyogrio")
    assert back.crs == a.crs
    assert list(back["name"]) == ["Астана", "Алматы", "Шымкент"]
    assert list(back["uc_id"]) == [1, 2, 3]
    assert back.geometry.geom_equals(a.geometry).all()
    back_b = gpd.read_file(out[0], layer="urban_clusters", engine="pyogrio")
    assert back_b.geometry.area.tolist() == pytest.approx([1.0, 2.0])


def test_write_layers_named_index_is_kept(tmp_path: Path) -> None:
    a = _gdf(2).set_index("uc_id")
    out = cio.write_layers(tmp_path / "d.gpkg", {"a": a})
    back = gpd.read_file(out[0], layer="a", engine="pyogrio")
    assert list(back["uc_id"]) == [1, 2]


def test_write_layers_empty_layer_keeps_columns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = _gdf(2).iloc[:0]
    with caplog.at_level("WARNING", logger="connectivity.io"):
        out = cio.write_layers(tmp_path / "e.gpkg", {"none": empty, "some": _gdf(1)})
    assert "empty" in caplog.text
    info = pyogrio.read_info(out[0], layer="none")
    assert info["features"] == 0
    assert list(info["fields"]) == ["uc_id", "pop"]


def test_write_layers_refuses_overwrite_and_failure_is_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "d.gpkg"
    cio.write_layers(out, {"a": _gdf(2)})
    before = out.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite"):
        cio.write_layers(out, {"a": _gdf(3)})
    assert out.read_bytes() == before

    calls = []
    real = cio._write_frame

    def fail_on_second(gdf: object, path: Path, **kw: object) -> None:
        calls.append(kw["layer"])
        if len(calls) == 2:
            raise OSError("writer died on layer 2")
        real(gdf, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cio, "_write_frame", fail_on_second)
    with pytest.raises(OSError, match="layer 2"):
        cio.write_layers(out, {"a": _gdf(3), "b": _gdf(1)}, overwrite=True)
    assert calls == ["a", "b"]
    assert out.read_bytes() == before
    assert _files(tmp_path) == ["d.gpkg"]


def test_shapefile_field_names_ascii_10_bytes_unique() -> None:
    cols = [
        "население_2020",
        "население_2021",
        "Қала атауы",
        "density_per_km2",
        "density_per_km2_land",
        "DENSITY_PE",
        "2020",
        "é",
        "",
        "pop",
    ]
    m = cio.shapefile_field_names(cols)
    assert list(m) == cols
    short = list(m.values())
    assert all(len(s.encode("utf-8")) <= 10 and s.isascii() for s in short)
    assert len({s.lower() for s in short}) == len(short)
    assert m["население_2020"] == "naselenie_"
    assert m["население_2021"] == "naseleni_1"
    assert m["Қала атауы"] == "Qala_atauy"
    assert m["density_per_km2"] == "density_pe"
    assert m["density_per_km2_land"] == "density__1"
    assert m["DENSITY_PE"] == "DENSITY__2"  # case-insensitive clash, as in dBASE
    assert m["2020"] == "f2020"
    assert m["é"] == "e"
    assert m[""] == "field"
    assert m["pop"] == "pop"


def _read_alias(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["shapefile_name", "full_name"]
    return {short: full for short, full in rows[1:]}


def test_write_layers_shapefile_cyrillic_and_long_names(tmp_path: Path) -> None:
    a = _gdf(
        2,
        **{"население_2020": [10, 20], "density_per_km2": [1.5, 2.5], "назва": ["Ақтөбе", "Орал"]},
    )
    out = cio.write_layers(tmp_path / "uc.shp", {"urban_centres": a})
    assert out == [tmp_path / "uc.shp", tmp_path / "uc_fields.csv", tmp_path / "uc.qml"]
    assert _files(tmp_path) == [
        "uc.cpg", "uc.dbf", "uc.prj", "uc.qml", "uc.shp", "uc.shx", "uc_fields.csv"
    ]  # fmt: skip
    assert (tmp_path / "uc.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    info = pyogrio.read_info(out[0])
    fields = [str(f) for f in info["fields"]]
    assert all(len(f.encode("utf-8")) <= 10 for f in fields)
    alias = _read_alias(out[1])
    assert sorted(alias) == sorted(fields)
    back = gpd.read_file(out[0], engine="pyogrio").rename(columns=alias)
    assert list(back["население_2020"]) == [10, 20]
    assert list(back["назва"]) == ["Ақтөбе", "Орал"]
    assert back["density_per_km2"].tolist() == [1.5, 2.5]
    assert back.crs == a.crs


def test_write_layers_shapefile_directory_and_multi_layer_stem(tmp_path: Path) -> None:
    layers = {"urban_centres": _gdf(2), "urban_clusters": _gdf(3)}
    out = cio.write_layers(tmp_path / "shp", layers, driver="ESRI Shapefile")
    names = _files(tmp_path / "shp")
    assert "urban_centres.shp" in names and "urban_clusters_fields.csv" in names
    assert [p.name for p in out] == [
        "urban_centres.shp",
        "urban_clusters.shp",
        "urban_centres_fields.csv",
        "urban_clusters_fields.csv",
        "urban_centres.qml",
        "urban_clusters.qml",
    ]
    assert len(gpd.read_file(out[1], engine="pyogrio")) == 3
    assert not any(n.startswith(".") for n in names)
    out2 = cio.write_layers(tmp_path / "d.shp", layers)
    assert [p.name for p in out2[:2]] == ["d_urban_centres.shp", "d_urban_clusters.shp"]
    with pytest.raises(OutputExistsError):
        cio.write_layers(tmp_path / "shp", layers, driver="ESRI Shapefile")


def test_write_layers_shapefile_failure_leaves_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cio.write_layers(tmp_path / "uc.shp", {"uc": _gdf(2)})
    before = {n: (tmp_path / n).read_bytes() for n in _files(tmp_path)}

    def broken(*a: object, **k: object) -> None:
        raise OSError("cannot write dbf")

    monkeypatch.setattr(cio, "_write_frame", broken)
    with pytest.raises(OSError, match="dbf"):
        cio.write_layers(tmp_path / "uc.shp", {"uc": _gdf(5)}, overwrite=True)
    assert {n: (tmp_path / n).read_bytes() for n in _files(tmp_path)} == before


@pytest.mark.parametrize("name", ["out.geojson", "out.csv", "out"])
def test_write_layers_unknown_suffix_lists_allowed(tmp_path: Path, name: str) -> None:
    with pytest.raises(ParameterError, match=r"\.gpkg, \.shp"):
        cio.write_layers(tmp_path / name, {"a": _gdf(1)})


def test_write_layers_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="non-empty dict"):
        cio.write_layers(tmp_path / "a.gpkg", {})
    with pytest.raises(ParameterError, match="not a GeoDataFrame"):
        cio.write_layers(tmp_path / "a.gpkg", {"a": [1, 2]})
    with pytest.raises(CRSError, match="set_crs"):
        cio.write_layers(tmp_path / "a.gpkg", {"a": gpd.GeoDataFrame(geometry=[Point(0, 0)])})
    with pytest.raises(ParameterError, match="twice"):
        cio.write_layers(tmp_path / "a.gpkg", {"A": _gdf(1), "a": _gdf(1)})
    with pytest.raises(ParameterError, match="does not match"):
        cio.write_layers(tmp_path / "a.gpkg", {"a": _gdf(1)}, driver="ESRI Shapefile")
    assert _files(tmp_path) == []


# --------------------------------------------------------------------------- sidecars


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    data = os.urandom(3_000_001)
    p.write_bytes(data)
    assert cio.file_sha256(p, chunk_size=65536) == hashlib.sha256(data).hexdigest()
    p.write_bytes(data[:-1])  # size changes -> cache key changes
    assert cio.file_sha256(p) == hashlib.sha256(data[:-1]).hexdigest()
    with pytest.raises(InputFileError, match="not a file"):
        cio.file_sha256(tmp_path / "missing")


def test_sidecar_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "pop.tif"
    src.write_bytes(b"population")
    res = tmp_path / "out.tif"
    res.write_bytes(b"result")
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    params = {
        "min_density_per_km2": 1500.0,
        "sizes": (50_000, np.int64(5000)),
        "max_gap": float("inf"),
        "path": Path("/x"),
    }
    out = cio.write_sidecar(
        tmp_path / "run.json",
        params=params,
        inputs={"population": src},
        outputs=[res],
        started_at=started,
        extra={"shape": np.array([2, 3])},
    )
    doc = cio.read_sidecar(out)
    json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert doc["schema"] == cio.SIDECAR_SCHEMA
    assert doc["tool"] == "fua-toolkit" and doc["version"]
    assert doc["parameters"] == {
        "min_density_per_km2": 1500.0,
        "sizes": [50000, 5000],
        "max_gap": "inf",
        "path": "/x",
    }
    assert doc["inputs"] == [
        {
            "name": "population",
            "path": "pop.tif",
            "size_bytes": 10,
            "sha256": hashlib.sha256(b"population").hexdigest(),
        }
    ]
    assert doc["outputs"][0]["path"] == "out.tif"
    assert doc["outputs"][0]["sha256"] == hashlib.sha256(b"result").hexdigest()
    t0 = dt.datetime.fromisoformat(doc["started_at"])
    t1 = dt.datetime.fromisoformat(doc["finished_at"])
    assert t0.utcoffset() == dt.timedelta(0)
    assert doc["elapsed_s"] == pytest.approx((t1 - t0).total_seconds(), abs=0.01)
    assert 5 <= doc["elapsed_s"] < 60
    assert doc["extra"] == {"shape": [2, 3]}
    assert "rasterio" in doc["libraries"] and "gdal" in doc["libraries"]
    with pytest.raises(OutputExistsError):
        cio.write_sidecar(out, params={})


def test_sidecar_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        cio.write_sidecar(tmp_path / "s.json", params={}, inputs=[tmp_path / "nope.tif"])
    assert _files(tmp_path) == []
    with pytest.raises(InputFileError, match="does not exist"):
        cio.read_sidecar(tmp_path / "s.json")
    (tmp_path / "bad.json").write_text('{"a": ')
    with pytest.raises(InputFileError, match="not valid JSON"):
        cio.read_sidecar(tmp_path / "bad.json")
    with pytest.raises(ParameterError, match="started_at"):
        cio.write_sidecar(tmp_path / "s.json", params={}, started_at="yesterday")  # type: ignore[arg-type]


# =========================================================================== fua.outputs.degurba


def test_smod_legend_matches_ghsl_class_table() -> None:
    hexes = {s.code: "#{:02x}{:02x}{:02x}".format(*s.colour[:3]) for s in fio.smod_legend(2)}
    # GHS-SMOD R2023A class table (JRC/GHSL/P2023A/GHS_SMOD)
    assert hexes == {
        30: "#ff0000",
        23: "#732600",
        22: "#a87000",
        21: "#ffff00",
        13: "#375623",
        12: "#abcd66",
        11: "#cdf57a",
        10: "#7ab6f5",
    }
    assert [s.code for s in fio.smod_legend(1)] == [3, 2, 1]
    with pytest.raises(ferr.ParameterError, match="1 or 2"):
        fio.smod_legend(3)


def test_write_qml_is_paletted_style_with_escaped_labels(tmp_path: Path) -> None:
    entries = [(1, (255, 0, 0), "Алматы & <north>"), fio.ClassStyle(2, (0, 0, 255, 128), "b")]
    out = fio.write_qml(tmp_path / "s.qml", entries)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(text.split("\n", 1)[1])
    rr = root.find("pipe/rasterrenderer")
    assert rr is not None and rr.get("type") == "paletted" and rr.get("band") == "1"
    got = [
        (e.get("value"), e.get("color"), e.get("alpha"), e.get("label"))
        for e in rr.iter("paletteEntry")
    ]
    assert got == [("1", "#ff0000", "255", "Алматы & <north>"), ("2", "#0000ff", "128", "b")]
    with pytest.raises(ferr.OutputExistsError):
        fio.write_qml(out, entries)
    with pytest.raises(ferr.ParameterError, match="unique"):
        fio.write_qml(tmp_path / "t.qml", [(1, (0, 0, 0), "a"), (1, (0, 0, 0), "b")])
    with pytest.raises(ferr.ParameterError, match=r"\.qml"):
        fio.write_qml(tmp_path / "t.xml", entries)


CLASSES_L2 = np.array(
    [
        [0, 10, 11, 11, 12, 13],
        [11, 21, 22, 23, 30, 30],
        [11, 21, 30, 30, 30, 13],
        [10, 10, 11, 12, 12, 12],
    ],
    np.uint8,
)


def test_write_class_raster_round_trip_and_style(tmp_path: Path) -> None:
    out = fio.write_class_raster(tmp_path / "c.tif", CLASSES_L2, transform=T, crs=CRS)
    assert _files(tmp_path) == ["c.qml", "c.tif"]
    with rasterio.open(out) as ds:
        np.testing.assert_array_equal(ds.read(1), CLASSES_L2)
        assert ds.nodata == 0 and ds.dtypes == ("uint8",)
        cm = ds.colormap(1)
        for s in fio.SMOD_LEVEL2:
            assert cm[s.code] == s.colour
        assert ds.tags(1)["class_21"] == "Suburban or peri-urban"
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    root = ET.fromstring((tmp_path / "c.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    labels = {e.get("value"): e.get("label") for e in root.iter("paletteEntry")}
    assert labels == {str(s.code): s.label for s in fio.SMOD_LEVEL2}


def test_write_class_raster_refuses_when_only_style_exists(tmp_path: Path) -> None:
    (tmp_path / "c.qml").write_text("mine")
    with pytest.raises(ferr.OutputExistsError):
        fio.write_class_raster(tmp_path / "c.tif", CLASSES_L2, transform=T, crs=CRS)
    assert _files(tmp_path) == ["c.qml"]
    assert (tmp_path / "c.qml").read_text() == "mine"


def test_write_class_raster_rejects_wrong_level_codes(tmp_path: Path) -> None:
    with pytest.raises(ferr.DataError, match="level-1 codes"):
        fio.write_class_raster(tmp_path / "c.tif", CLASSES_L2, transform=T, crs=CRS, level=1)
    assert _files(tmp_path) == []


def test_write_label_raster_int32_nodata_zero(tmp_path: Path) -> None:
    lab = np.zeros((5, 4), np.int64)
    lab[1:3, 1:3] = 70_000
    out = fio.write_label_raster(tmp_path / "l.tif", lab, transform=T, crs=CRS, description="uc_id")
    with rasterio.open(out) as ds:
        assert ds.dtypes == ("int32",) and ds.nodata == 0
        assert ds.descriptions == ("uc_id",)
        np.testing.assert_array_equal(ds.read(1), lab)
    with pytest.raises(ferr.DataError, match=r"0\.\.2"):
        fio.write_label_raster(tmp_path / "m.tif", -lab, transform=T, crs=CRS)


# ----------------------------------------------------------- write_degurba_outputs


@dataclass(frozen=True)
class _Params:
    min_density_per_km2: float = 1500.0
    min_pop: int = 50_000

    def to_dict(self) -> dict[str, object]:
        return {"min_density_per_km2": self.min_density_per_km2, "min_pop": self.min_pop}


def _stand_in(tmp_path: Path) -> tuple[SimpleNamespace, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    src = tmp_path / "pop.tif"
    src.write_bytes(b"pretend population raster")
    pop = np.where(CLASSES_L2 >= 21, 2000.0, 10.0)
    grid = PopulationGrid(pop=pop, transform=T, crs=CRS, source=str(src))
    level1 = np.select([CLASSES_L2 == 30, CLASSES_L2 >= 21, CLASSES_L2 > 0], [3, 2, 1], 0).astype(
        "uint8"
    )
    centre = (CLASSES_L2 == 30).astype(np.int32)
    cluster = (CLASSES_L2 >= 21).astype(np.int32)
    result = SimpleNamespace(
        grid=grid,
        params=_Params(),
        level1=level1,
        level2=CLASSES_L2,
        centre_labels=centre,
        cluster_labels=cluster,
    )
    from fua.degurba.vectorize import polygonize_labels

    centres = polygonize_labels(centre, T, CRS).rename(columns={"label": "uc_id"})
    centres["pop"] = [10_000.0]
    clusters = polygonize_labels(cluster, T, CRS).rename(columns={"label": "cl_id"})
    clusters["население"] = [12_000.0]
    return result, centres, clusters


def test_write_degurba_outputs_gpkg(tmp_path: Path) -> None:
    result, centres, clusters = _stand_in(tmp_path)
    out = tmp_path / "run"
    paths = fio.write_degurba_outputs(out, result, centres, clusters)
    assert sorted(p.name for p in paths.values()) == _files(out)
    assert _files(out) == [
        "centre_labels.tif",
        "classes_L1.qml",
        "classes_L1.tif",
        "classes_L2.qml",
        "classes_L2.tif",
        "cluster_labels.tif",
        "degurba.gpkg",
        "degurba.json",
    ]
    with rasterio.open(paths["classes_L1"]) as ds:
        np.testing.assert_array_equal(ds.read(1), result.level1)
        assert ds.colormap(1)[3] == (255, 0, 0, 255)
    with rasterio.open(paths["cluster_labels"]) as ds:
        np.testing.assert_array_equal(ds.read(1), result.cluster_labels)
    layers = [str(n) for n in pyogrio.list_layers(paths["vectors"])[:, 0]]
    assert layers == ["urban_centres", "urban_clusters", "layer_styles"]
    back = gpd.read_file(paths["vectors"], layer="urban_clusters", engine="pyogrio")
    assert back["население"].tolist() == [12_000.0]
    doc = cio.read_sidecar(paths["sidecar"])
    assert doc["parameters"] == {"min_density_per_km2": 1500.0, "min_pop": 50000}
    assert doc["inputs"][0]["name"] == "population"
    assert doc["inputs"][0]["sha256"] == hashlib.sha256(b"pretend population raster").hexdigest()
    recorded = {o["path"]: o["sha256"] for o in doc["outputs"]}
    assert sorted(recorded) == [n for n in _files(out) if n != "degurba.json"]
    assert recorded["degurba.gpkg"] == cio.file_sha256(paths["vectors"])
    assert doc["extra"]["cell_counts"]["level2"]["30"] == 5
    assert doc["extra"]["n_urban_centres"] == 1


def test_write_degurba_outputs_shapefiles(tmp_path: Path) -> None:
    result, centres, clusters = _stand_in(tmp_path)
    paths = fio.write_degurba_outputs(
        tmp_path / "run", result, centres, clusters, fmt="shp", levels=[2]
    )
    names = _files(tmp_path / "run")
    assert "urban_clusters.dbf" in names and "urban_clusters_fields.csv" in names
    assert "classes_L1.tif" not in names
    alias = _read_alias(paths["urban_clusters_fields"])
    back = gpd.read_file(paths["urban_clusters"], engine="pyogrio").rename(columns=alias)
    assert back["население"].tolist() == [12_000.0]


def test_write_degurba_outputs_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, centres, clusters = _stand_in(tmp_path)
    out = tmp_path / "run"
    out.mkdir()
    (out / "degurba.json").write_text("old sidecar")
    # one existing output blocks the whole run, before anything is written
    with pytest.raises(ferr.OutputExistsError, match=r"degurba\.json"):
        fio.write_degurba_outputs(out, result, centres, clusters)
    assert _files(out) == ["degurba.json"]
    fio.write_degurba_outputs(out, result, centres, clusters, overwrite=True)
    before = {n: (out / n).read_bytes() for n in _files(out)}

    # a failure late in the run (the vector layers) leaves the previous set intact
    def broken(*a: object, **k: object) -> None:
        raise OSError("GPKG driver failed")

    monkeypatch.setattr(fio, "write_layers", broken)
    result.level2 = CLASSES_L2.copy()
    result.level2[0, 0] = 30
    with pytest.raises(OSError, match="GPKG"):
        fio.write_degurba_outputs(out, result, centres, clusters, overwrite=True)
    assert {n: (out / n).read_bytes() for n in _files(out)} == before


def test_write_degurba_outputs_checks(tmp_path: Path) -> None:
    result, centres, clusters = _stand_in(tmp_path)
    with pytest.raises(ferr.ParameterError, match="fmt"):
        fio.write_degurba_outputs(tmp_path / "o", result, centres, clusters, fmt="geojson")
    with pytest.raises(ferr.CRSError, match="to_crs"):
        fio.write_degurba_outputs(tmp_path / "o", result, centres.to_crs(3857), clusters)
    bad = SimpleNamespace(**{**vars(result), "centre_labels": np.zeros((2, 2), np.int32)})
    with pytest.raises(ferr.DataError, match="centre_labels"):
        fio.write_degurba_outputs(tmp_path / "o", bad, centres, clusters)
    with pytest.raises(ferr.ParameterError, match="lacks"):
        fio.write_degurba_outputs(tmp_path / "o", SimpleNamespace(), centres, clusters)
    assert not (tmp_path / "o").exists()


def _synthetic_grid() -> PopulationGrid:
    """A 30×30 km grid with one city (≥ 50 000 people) and one town."""
    pop = np.full((30, 30), 20.0)
    pop[5:13, 5:13] = 4000.0  # 64 km² at 4 000/km² -> urban centre
    pop[20:24, 20:24] = 800.0  # 16 km² at 800/km² -> urban cluster
    return PopulationGrid(pop=pop, transform=T, crs=CRS)


def test_write_degurba_outputs_with_classify_grid(tmp_path: Path) -> None:
    import fua.degurba.classify as dg

    grid = _synthetic_grid()
    result = dg.classify_grid(grid)
    centres, clusters = dg.urban_centres(result), dg.urban_clusters(result)
    paths = fio.write_degurba_outputs(tmp_path, result, centres, clusters)
    with rasterio.open(paths["classes_L2"]) as ds:
        l2 = ds.read(1)
    np.testing.assert_array_equal(l2, result.level2)
    assert (l2 == 30).sum() == (result.centre_labels > 0).sum() > 0
    back = gpd.read_file(paths["vectors"], layer="urban_centres", engine="pyogrio")
    assert len(back) == len(centres) >= 1
    assert back["pop"].sum() == pytest.approx(centres["pop"].sum())
    doc = cio.read_sidecar(paths["sidecar"])
    assert doc["parameters"] == json.loads(json.dumps(jsonable(result.params.to_dict())))


def test_write_degurba_outputs_level1_only(tmp_path: Path) -> None:
    import fua.degurba.classify as dg

    result = dg.classify_grid(_synthetic_grid(), level=1)
    assert result.level2 is None
    centres, clusters = dg.urban_centres(result), dg.urban_clusters(result)
    paths = fio.write_degurba_outputs(tmp_path, result, centres, clusters)
    assert "classes_L1" in paths and "classes_L2" not in paths
    with pytest.raises(ferr.ParameterError, match="level2 is None"):
        fio.write_degurba_outputs(tmp_path / "x", result, centres, clusters, levels=[2])


@pytest.mark.realdata
def test_realdata_official_smod_round_trip(shared_data: Path, tmp_path: Path) -> None:
    """The official GHS-SMOD grid (Touggourt) writes, styles and re-reads unchanged."""
    src = shared_data / "touggourt" / "touggourt_GHS_SMOD_POP2015_GLOBE_R2019A_54009_1K_V2_0.tif"
    if not src.is_file():
        pytest.skip(f"{src.name} not in {src.parent}")
    with rasterio.open(src) as ds:
        smod = ds.read(1)
        transform, crs = ds.transform, ds.crs
    classes = np.where(smod < 0, 0, smod).astype("uint8")  # GHSL nodata -200 -> 0
    out = fio.write_class_raster(tmp_path / "smod.tif", classes, transform=transform, crs=crs)
    with rasterio.open(out) as ds:
        np.testing.assert_array_equal(ds.read(1), classes)
        assert ds.crs == crs and ds.transform == transform
    assert (tmp_path / "smod.qml").is_file()


@pytest.mark.realdata
def test_realdata_belgium_outputs(shared_data: Path, tmp_path: Path) -> None:
    import fua.degurba.classify as dg
    from fua.grid import read_population

    d = shared_data / "belgium"
    if not (d / "POP.tif").is_file():
        pytest.skip(f"POP.tif not in {d}")
    grid = read_population(d / "POP.tif", land=d / "LAND.tif", built=d / "BUILT_S.tif")
    result = dg.classify_grid(grid)
    centres, clusters = dg.urban_centres(result), dg.urban_clusters(result)
    paths = fio.write_degurba_outputs(
        tmp_path, result, centres, clusters, fmt="shp", inputs={"pop": d / "POP.tif"}
    )
    back = gpd.read_file(paths["urban_centres"], engine="pyogrio")
    assert len(back) == len(centres) == result.centre_labels.max()
    # polygon areas equal cell counts (1 km² cells)
    assert back.area.sum() / 1e6 == pytest.approx((result.centre_labels > 0).sum())
    doc = cio.read_sidecar(paths["sidecar"])
    assert doc["inputs"][0]["sha256"] == cio.file_sha256(d / "POP.tif")
