"""Tests for connectivity.io (safe writers) and fua.io (Degree of Urbanisation outputs)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from shapely.geometry import MultiPolygon, Point, box

from connectivity import io as cio
from connectivity._errors import (
    CRSError,
    DataError,
    InputFileError,
    OutputExistsError,
    ParameterError,
)

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


def test_write_raster_fallback_without_cog_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cio, "_cog_available", lambda: False)
    used: list[int] = []
    real = cio._write_cog_fallback

    def spy(*a: object) -> None:
        used.append(1)
        real(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(cio, "_write_cog_fallback", spy)
    arr = np.arange(1100 * 300, dtype="int32").reshape(1100, 300)
    out = cio.write_raster(tmp_path / "l.tif", arr, transform=T, crs=CRS, nodata=0)
    with rasterio.open(out) as ds:
        assert ds.profile["tiled"] and ds.block_shapes == [(512, 512)]
        assert ds.overviews(1) == [2, 4]
        # COPY_SRC_OVERVIEWS writes the COG layout; GDAL reports it as such
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
        np.testing.assert_array_equal(ds.read(1), arr)
    assert used == [1]
    assert _files(tmp_path) == ["l.tif"]  # scratch file cleaned up


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
    layers = pyogrio.list_layers(out[0])
    assert [str(n) for n in layers[:, 0]] == ["urban_centres", "urban_clusters"]
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
    back = gpd.read_file(out[0], engine="pyogrio")
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
    assert out == [tmp_path / "uc.shp", tmp_path / "uc_fields.csv"]
    assert _files(tmp_path) == ["uc.cpg", "uc.dbf", "uc.prj", "uc.shp", "uc.shx", "uc_fields.csv"]
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
