"""QGIS-ready deliverables: one named CRS, default styles everywhere, nodata, ramps that cover the data.

Checked with pyogrio/rasterio/sqlite (always installed) and, where they are
installed, with GDAL's own ``ogrinfo`` and ``gdalinfo`` (Debian: ``apt-get
install gdal-bin``); those checks are skipped, saying so, without them.
"""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS

from connectivity import io as cio
from connectivity.qgis import (
    STYLE_TABLE,
    minute_classes,
    named_crs,
    nice_ceiling,
    write_minutes_qml,
)
from fua.kazakhstan.pipeline import DemoResult, run_demo
from fua.outputs.styles import fua_labels_legend, write_qml, write_styled_layers
from tests._demo_fixtures import modelled_window

AEQD = "+proj=aeqd +lat_0=47.95669 +lon_0=66.19181 +datum=WGS84 +units=m +no_defs"
MOLL_UNNAMED = CRS.from_wkt(
    CRS("ESRI:54009").to_wkt("WKT1_GDAL").split(',AUTHORITY["ESRI"')[0] + "]"
)


def _qml(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def _styles(gpkg: Path) -> dict[str, tuple[str, int, str]]:
    with sqlite3.connect(gpkg) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
    assert len({r[0] for r in rows}) == len(rows), "one style row per layer"
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _data_layers(gpkg: Path) -> dict[str, str]:
    return {str(n): str(g) for n, g in pyogrio.list_layers(gpkg) if n != STYLE_TABLE}


# ---------------------------------------------------------------- CRS names
def test_named_crs_finds_the_authority_or_makes_a_name() -> None:
    assert 'ID["ESRI",54009]' not in MOLL_UNNAMED.to_wkt()  # the WKT lost its code
    assert 'ID["ESRI",54009]' in named_crs(MOLL_UNNAMED).to_wkt()
    assert named_crs(MOLL_UNNAMED).name == "World_Mollweide"
    assert named_crs("EPSG:4326").to_authority() == ("EPSG", "4326")
    aeqd = named_crs(AEQD)
    assert aeqd.name.startswith("Azimuthal Equidistant")
    assert "47.9567" in aeqd.name and "66.1918" in aeqd.name
    assert aeqd.equals(CRS(AEQD))


def test_layers_are_written_in_one_named_crs(tmp_path: Path) -> None:
    pts = gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.Point(70, 45)], crs="EPSG:4326")
    layers = {
        "a": pts.to_crs(MOLL_UNNAMED),
        "b": pts,  # lon/lat
        "c": pts.to_crs(AEQD),  # an unnamed CRS, as the corridor access points had
    }
    out = cio.write_layers(tmp_path / "x.gpkg", layers)[0]
    for name in layers:
        crs = CRS.from_user_input(pyogrio.read_info(out, layer=name)["crs"])
        assert crs.to_authority() == ("ESRI", "54009"), name
    with sqlite3.connect(out) as con:
        used = con.execute(
            "SELECT DISTINCT s.organization, s.organization_coordsys_id, s.srs_name FROM "
            "gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON g.srs_id = s.srs_id"
        ).fetchall()
    assert used == [("ESRI", 54009, "World_Mollweide")]
    back = gpd.read_file(out, layer="c")
    assert back.geometry.iloc[0].distance(layers["a"].geometry.iloc[0]) < 1e-3
    out2 = cio.write_layers(tmp_path / "y.gpkg", layers, crs=AEQD)[0]
    name = CRS.from_user_input(pyogrio.read_info(out2, layer="b")["crs"]).name
    assert name.startswith("Azimuthal Equidistant")


# ---------------------------------------------------------------- vector styles
def test_every_geopackage_layer_gets_a_default_style(tmp_path: Path) -> None:
    crs = "ESRI:54009"
    layers = {
        "points": gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.Point(0, 0)], crs=crs),
        "lines": gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.LineString([(0, 0), (1, 1)])],
                                  crs=crs),
        "areas": gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=crs),
        "isochrones": gpd.GeoDataFrame({"threshold_min": [15.0, 45.0]},
                                       geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=crs),
    }  # fmt: skip
    out = cio.write_layers(tmp_path / "s.gpkg", layers)[0]
    styles = _styles(out)
    assert set(styles) == set(layers) == set(_data_layers(out))
    kinds = {"points": "marker", "lines": "line", "areas": "fill", "isochrones": "fill"}
    for name, (geom_col, default, qml) in styles.items():
        assert geom_col == "geom" and default == 1
        root = _qml(qml)
        assert root.find("renderer-v2/symbols/symbol").get("type") == kinds[name]
    iso = _qml(styles["isochrones"][2]).find("renderer-v2")
    assert iso.get("type") == "graduatedSymbol" and iso.get("attr") == "threshold_min"
    assert [r.get("label") for r in iso.iter("range")] == ["≤ 30 min", "≤ 50 min"]
    # the styles table does not make a one-layer file "multi-layer" for read_layer
    assert len(cio.read_layer(tmp_path / "s.gpkg", "points")) == 1


def test_every_shapefile_gets_a_qml_with_full_field_names(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"time_to_corridor_min": [12.5], "население_2020": [10], "threshold_min": [30.0]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs="ESRI:54009",
    )
    files = cio.write_layers(tmp_path / "shp", {"isochrones": gdf}, driver="ESRI Shapefile")
    qml = tmp_path / "shp" / "isochrones.qml"
    assert qml in files
    root = _qml(qml.read_text(encoding="utf-8"))
    assert root.get("styleCategories") == "Symbology|Fields"
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    fields = [str(f) for f in pyogrio.read_info(tmp_path / "shp" / "isochrones.shp")["fields"]]
    assert list(aliases) == fields
    with open(tmp_path / "shp" / "isochrones_fields.csv", encoding="utf-8-sig") as fh:
        assert {r["shapefile_name"]: r["full_name"] for r in csv.DictReader(fh)} == aliases
    assert aliases["naselenie_"] == "население_2020"
    # a graduated style reads the Shapefile's short field name
    assert root.find("renderer-v2").get("attr") == "threshold_"


def test_known_layers_get_their_own_style(tmp_path: Path) -> None:
    p = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="ESRI:54009")
    a = gpd.GeoDataFrame({"to_min": [60.0, 240.0]}, geometry=[shapely.box(0, 0, 1, 1)] * 2,
                         crs="ESRI:54009")  # fmt: skip
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 0)])], crs="ESRI:54009")
    layers = {"sez_access": p, "border_crossings": p, "sez_isochrones": a, "corridors": line,
              "fua_50k_city": a, "roads_proxy": line}  # fmt: skip
    out = write_styled_layers(tmp_path / "k.gpkg", layers)[0]
    styles = {k: _qml(v[2]) for k, v in _styles(out).items()}

    def option(root: ET.Element, name: str) -> str | None:
        node = root.find(f".//Option[@name='{name}']")
        return None if node is None else node.get("value")

    assert option(styles["sez_access"], "name") == "star"
    assert option(styles["border_crossings"], "name") == "triangle"
    assert option(styles["corridors"], "line_style") == "dash"
    assert option(styles["fua_50k_city"], "color") == "220,20,20,120"
    assert option(styles["roads_proxy"], "line_color") == "90,90,90,255"
    ranges = [r.get("upper") for r in styles["sez_isochrones"].iter("range")]
    assert ranges == ["30", "60", "120", "240", "250"]  # up to the data's 240, rounded up


# ---------------------------------------------------------------- rasters
def test_minute_ramp_covers_the_data_and_labels_say_what_they_mean(tmp_path: Path) -> None:
    assert nice_ceiling(1024.13) == 1200 and nice_ceiling(978.8) == 1000
    assert nice_ceiling(730.8) == 800 and nice_ceiling(0.4) == 0.4
    data = np.array([[1.5, np.nan], [600.0, 1024.13]], dtype="float32")
    q = write_minutes_qml(tmp_path / "m.qml", data=data)
    root = _qml(q.read_text(encoding="utf-8"))
    items = list(root.iter("item"))
    values = [float(i.get("value", "nan")) for i in items]
    assert values == [0, 30, 60, 120, 240, 480, 1200]
    assert max(values) >= np.nanmax(data)
    assert [i.get("label") for i in items][:3] == ["0 min", "≤ 30 min", "≤ 60 min"]
    assert items[-1].get("label") == "≤ 1200 min"
    shader = root.find(".//colorrampshader")
    assert shader.get("colorRampType") == "DISCRETE" and shader.get("maximumValue") == "1200"
    # a smaller top keeps the colour the maps give the data there
    assert minute_classes(200)[-1] == (200.0, "#fc8d59", "≤ 200 min")


def test_float_rasters_always_declare_nodata(tmp_path: Path) -> None:
    t = Affine(1000, 0, 0, 0, -1000, 0)
    out = cio.write_raster(tmp_path / "f.tif", np.ones((3, 3), "float32"), transform=t,
                           crs="ESRI:54009")  # fmt: skip
    with rasterio.open(out) as src:
        assert src.nodata is not None and np.isnan(src.nodata)
    out = cio.write_raster(tmp_path / "i.tif", np.ones((3, 3), "uint8"), transform=t,
                           crs="ESRI:54009")  # fmt: skip
    with rasterio.open(out) as src:
        assert src.nodata is None  # integer grids: no value is free to mean "no data"


def test_fua_label_legend_names_every_fua(tmp_path: Path) -> None:
    fuas = gpd.GeoDataFrame({"fua_id": [2, 1], "name": ["Taraz", "Шымкент"]},
                            geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="ESRI:54009")  # fmt: skip
    legend = fua_labels_legend(fuas)
    assert [(s.code, s.label) for s in legend] == [(1, "1 Шымкент"), (2, "2 Taraz")]
    root = _qml(write_qml(tmp_path / "l.qml", legend).read_text(encoding="utf-8"))
    assert [e.get("label") for e in root.iter("paletteEntry")] == ["1 Шымкент", "2 Taraz"]


# ---------------------------------------------------------------- the demo deliverable
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    d = tmp_path_factory.mktemp("qgis-demo")
    return run_demo(d / "out", population=modelled_window(d / "south_pop.tif"))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"GDAL's {name} is not installed (Debian: apt-get install gdal-bin); "
                    "the same checks ran through pyogrio/rasterio")  # fmt: skip
    return path


@pytest.mark.slow
def test_demo_geopackage_is_one_named_crs_with_styles(demo: DemoResult) -> None:
    gpkg = demo.out_dir / "kazakhstan_demo.gpkg"
    layers = _data_layers(gpkg)
    assert len(layers) >= 14
    for name in layers:
        crs = CRS.from_user_input(pyogrio.read_info(gpkg, layer=name)["crs"])
        assert crs.to_authority() == ("ESRI", "54009"), f"{name}: {crs.name}"
    styles = _styles(gpkg)
    assert set(styles) == set(layers)
    assert all(default == 1 for _, default, _ in styles.values())
    sizes = {k: v[2] for k, v in styles.items()}
    assert 'value="star"' in sizes["sez_access"] and "graduatedSymbol" in sizes["sez_isochrones"]


@pytest.mark.slow
def test_demo_geopackage_with_ogrinfo(demo: DemoResult) -> None:
    ogrinfo = _tool("ogrinfo")
    gpkg = demo.out_dir / "kazakhstan_demo.gpkg"
    r = subprocess.run([ogrinfo, "-so", "-al", "-ro", str(gpkg)], capture_output=True, text=True,
                       check=True, timeout=120)  # fmt: skip
    blocks = r.stdout.split("Layer name: ")[1:]
    names = [b.split("\n", 1)[0].strip() for b in blocks]
    assert set(names) == set(_data_layers(gpkg)) | {STYLE_TABLE}
    for name, block in zip(names, blocks, strict=True):
        if name == STYLE_TABLE:
            assert "Geometry: None" in block
            continue
        assert 'PROJCRS["World_Mollweide"' in block, name
        assert 'ID["ESRI",54009]' in block, name
        assert '"unknown"' not in block, name
    r = subprocess.run([ogrinfo, "-ro", "-q", "-sql", "SELECT count(*) AS n FROM layer_styles",
                        str(gpkg)], capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    assert re.search(r"n \(Integer\S*\) = (\d+)", r.stdout).group(1) == str(len(names) - 1)


@pytest.mark.slow
def test_demo_rasters_declare_nodata_and_styles_cover_the_data(demo: DemoResult) -> None:
    out = demo.out_dir
    for tif in sorted(out.glob("*.tif")):
        with rasterio.open(tif) as src:
            assert src.nodata is not None, tif.name
            assert src.crs.to_string() == "ESRI:54009"
            data = src.read(1, masked=True)
        assert (out / f"{tif.stem}.qml").is_file(), f"{tif.name} has no style"
        root = _qml((out / f"{tif.stem}.qml").read_text(encoding="utf-8"))
        if tif.name.startswith("minutes_to_"):
            tops = [float(i.get("value", "nan")) for i in root.iter("item")]
            assert max(tops) >= float(data.max()), tif.name
            assert all(i.get("label", "").startswith("≤") for i in list(root.iter("item"))[1:])
        elif tif.name.startswith("fua_labels"):
            codes = {int(e.get("value", "0")) for e in root.iter("paletteEntry")}
            assert codes == set(np.unique(data.compressed()).tolist())


@pytest.mark.slow
def test_demo_rasters_with_gdalinfo(demo: DemoResult) -> None:
    gdalinfo = _tool("gdalinfo")
    for tif in sorted(demo.out_dir.glob("minutes_to_*.tif")):
        r = subprocess.run([gdalinfo, str(tif)], capture_output=True, text=True, check=True,
                           timeout=60)  # fmt: skip
        assert "NoData Value=nan" in r.stdout, tif.name


@pytest.mark.slow
def test_demo_shapefiles_carry_qml_aliases(demo: DemoResult) -> None:
    shp_dir = demo.out_dir / "shapefiles"
    shps = sorted(shp_dir.glob("*.shp"))
    assert shps
    for shp in shps:
        root = _qml(shp.with_suffix(".qml").read_text(encoding="utf-8"))
        aliases: dict[str, Any] = {a.get("field"): a.get("name") for a in root.iter("alias")}
        fields = [str(f) for f in pyogrio.read_info(shp)["fields"]]
        assert list(aliases) == fields, shp.name
        crs = CRS.from_user_input(pyogrio.read_info(shp)["crs"])
        assert crs.equals(CRS("ESRI:54009")), shp.name
    sez = _qml((shp_dir / "sez_access.qml").read_text(encoding="utf-8"))
    assert {a.get("name") for a in sez.iter("alias")} >= {"time_to_corridor_min", "host_fua_50k"}


@pytest.mark.slow
def test_demo_crs_option_puts_every_vector_layer_in_the_named_crs(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fua.cli import main

    pop = modelled_window(tmp_path / "south_pop.tif")
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["-q", "demo", "--out", str(out), "--population", str(pop), "--crs", "EPSG:4326"]
    )
    assert r.exit_code == 0, r.output
    gpkg = out / "kazakhstan_demo.gpkg"
    crss = {name: pyogrio.read_info(gpkg, layer=name)["crs"] for name in _data_layers(gpkg)}
    assert crss and set(crss.values()) == {"EPSG:4326"}, crss
