"""Bad inputs fail in one clear line and leave nothing behind (issue 11).

The table :data:`CASES` holds one row per bad input: the tool (``fua`` or
``connectivity``), its arguments, the expected exit code (2: click refused an
option or argument; 1: the toolkit refused the input) and a phrase of the
message. Every row is run with click's ``CliRunner`` and must give

* that exit code and phrase,
* exactly one line of output (stdout and stderr together), no traceback,
* nothing left behind: every output goes under ``{out}``, a folder that does
  not exist before the run and must not exist after it.

To add a row, append a ``Case``. Arguments are one string, split on spaces,
with placeholders for the inputs of :data:`INPUTS` (``{pop}``, ``{roads}``
...) and ``{out}``. To add a kind of input, write a small builder below
(``def _my_input(d: Path) -> Path``) and name it in :data:`INPUTS`.

At the end: a log written to a file gets no progress-bar fragments, a
multi-layer GeoPackage is read without GDAL's warning, and (slow) ``fua
demo`` interrupted with Ctrl-C at several moments leaves its output folder
complete or absent, and a rerun succeeds.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

from connectivity.cli import main as connectivity_main
from fua.cli import main as fua_main

ROOT = Path(__file__).resolve().parents[1]
UTM = "EPSG:32643"


# --------------------------------------------------------------------------- input builders
def _raster(path: Path, crs: str | None) -> Path:
    """A 20 x 20 km population grid (1 km cells) with one dense town of 80 000 people."""
    pop = np.full((20, 20), 30.0, dtype="float32")
    pop[8:12, 8:12] = 5000.0
    profile = {"driver": "GTiff", "height": 20, "width": 20, "count": 1, "dtype": "float32",
               "transform": Affine(1000, 0, 0, 0, -1000, 20_000)}  # fmt: skip
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pop, 1)
    return path


def _pop(d: Path) -> Path:
    return _raster(d / "pop.tif", "ESRI:54009")


def _pop_without_crs(d: Path) -> Path:
    return _raster(d / "nocrs.tif", None)


def _not_a_raster(d: Path) -> Path:
    path = d / "notatiff.tif"
    path.write_text("this is not a GeoTIFF\n")
    return path


def _text(d: Path) -> Path:
    path = d / "notes.txt"
    path.write_text("an ordinary file\n")
    return path


def _roads(d: Path) -> Path:
    """A 3 km road with a branch, in UTM (60 km/h)."""
    gpd.GeoDataFrame(
        {"highway": ["primary", "residential"], "maxspeed_kmh": [60.0, 60.0]},
        geometry=[shapely.LineString([(0, 0), (1000, 0), (3000, 0)]),
                  shapely.LineString([(1000, 0), (1000, 2000)])],
        crs=UTM,
    ).to_file(d / "roads.gpkg")  # fmt: skip
    return d / "roads.gpkg"


def _points(d: Path) -> Path:
    gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=[shapely.Point(0, 10), shapely.Point(3000, 5)], crs=UTM
    ).to_file(d / "points.gpkg")
    return d / "points.gpkg"


def _units_layer(
    path: Path, *, shift_m: float = 0.0, ids: tuple[str, ...] = ("a", "b", "c", "d"), crs: str = ""
) -> Path:
    """Four 5 x 20 km strips over the population grid (moved ``shift_m`` east), ids ``uid``.

    In the grid's CRS (World Mollweide) unless ``crs`` says otherwise.
    """
    crs = crs or "ESRI:54009"
    boxes = [
        shapely.box(x + shift_m, 0, x + 5000 + shift_m, 20_000) for x in range(0, 20_000, 5000)
    ]
    names = ["A", "B", "C", "D"]
    gdf = gpd.GeoDataFrame({"uid": list(ids), "name": names}, geometry=boxes, crs=crs)
    gdf.to_file(path)
    return path


def _units(d: Path) -> Path:
    return _units_layer(d / "units.gpkg")


def _units_elsewhere(d: Path) -> Path:
    return _units_layer(d / "units_elsewhere.gpkg", shift_m=2e6)  # 2 000 km east of the grid


def _units_duplicate_ids(d: Path) -> Path:
    return _units_layer(d / "units_dup.gpkg", ids=("a", "a", "b", "b"))


def _units_metres_as_degrees(d: Path) -> Path:
    return _units_layer(d / "units_deg.gpkg", crs="EPSG:4326")


def _flows(d: Path) -> Path:
    path = d / "flows.csv"
    path.write_text("origin,destination,commuters\na,a,100\nb,b,50\nb,c,50\nc,c,100\nd,d,100\n")
    return path



def _layer(path: Path, geometry: list, crs: str | None = UTM, **cols: list) -> Path:
    gpd.GeoDataFrame(cols or None, geometry=geometry, crs=crs).to_file(path)
    return path


def _far_points(d: Path) -> Path:
    """Two points 100 km from the test roads (as if in another country)."""
    return _layer(d / "far.gpkg", [shapely.Point(0, 100_000), shapely.Point(3000, 100_000)])


def _line_origins(d: Path) -> Path:
    return _layer(d / "lines.gpkg", [shapely.LineString([(0, 10), (500, 10)])] * 2)


def _multipoint_origins(d: Path) -> Path:
    return _layer(d / "multi.gpkg", [shapely.MultiPoint([(0, 10), (3000, 5)])])


def _inf_points(d: Path) -> Path:
    """A point with an infinite coordinate (a GeoPackage keeps it; GDAL warns while writing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _layer(d / "infxy.gpkg", [shapely.Point(0, 10), shapely.Point(np.inf, 3)])


def _points_without_crs(d: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: 'crs' was not provided
        return _layer(d / "nocrs_pts.gpkg", [shapely.Point(0, 10)], crs=None)


def _points_metres_as_degrees(d: Path) -> Path:
    """UTM metres labelled EPSG:4326: they cannot be reprojected."""
    return _layer(d / "metres4326.gpkg", [shapely.Point(500_000, 4_800_000)], crs="EPSG:4326")


def _points_pop(d: Path, name: str, pop: list) -> Path:
    return _layer(d / name, [shapely.Point(0, 10), shapely.Point(3000, 5)], pop=pop)


def _empty_points(d: Path) -> Path:
    return _layer(d / "empty.gpkg", [], name=[])


def _dup_names(d: Path) -> Path:
    return _layer(d / "dup.gpkg", [shapely.Point(0, 10), shapely.Point(3000, 5)], name=["a", "a"])


def _roads_in_degrees(d: Path) -> Path:
    """Longitude/latitude lines labelled with the UTM CRS (metres)."""
    line = shapely.LineString([(76.90, 43.25), (76.92, 43.25), (76.92, 43.27)])
    return _layer(d / "roads_deg.gpkg", [line])


def _roads_metres_as_degrees(d: Path) -> Path:
    return _layer(
        d / "roads_m4326.gpkg", [shapely.LineString([(0, 0), (3000, 0)])], crs="EPSG:4326"
    )


def _roads_zero_length(d: Path) -> Path:
    return _layer(d / "roads_zero.gpkg", [shapely.LineString([(500, 500), (500, 500)])])


def _osm_footways(d: Path) -> Path:
    path = d / "footways.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        ' <node id="1" lat="43.25" lon="76.90"/>\n <node id="2" lat="43.25" lon="76.91"/>\n'
        ' <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    return path


def _npz_garbage(d: Path) -> Path:
    path = d / "garbage.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    return path


def _npz_other(d: Path) -> Path:
    path = d / "other.npz"
    np.savez(path, a=np.arange(3))
    return path


def _npz_of(d: Path, name: str, change: Callable[[dict], None]) -> Path:
    """A saved network of the test roads with its arrays changed by ``change``."""
    from connectivity import read_network

    saved = read_network(_roads(d)).save(d / "ok.npz", overwrite=True)
    with np.load(saved) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(d / name, **arrays)
    return d / name


INPUTS: dict[str, Callable[[Path], Path]] = {
    "pop": _pop,
    "nocrs": _pop_without_crs,
    "notatiff": _not_a_raster,
    "txt": _text,
    "roads": _roads,
    "points": _points,
    "units": _units,
    "units_elsewhere": _units_elsewhere,
    "units_dup": _units_duplicate_ids,
    "units_deg": _units_metres_as_degrees,
    "flows": _flows,
    "far": _far_points,
    "lines": _line_origins,
    "multipoints": _multipoint_origins,
    "infxy": _inf_points,
    "nocrs_pts": _points_without_crs,
    "metres4326": _points_metres_as_degrees,
    "pop_nan": lambda d: _points_pop(d, "pop_nan.gpkg", [10.0, np.nan]),
    "pop_text": lambda d: _points_pop(d, "pop_text.csv.gpkg", ["1,234", "5"]),
    "empty": _empty_points,
    "dup": _dup_names,
    "roads_deg": _roads_in_degrees,
    "roads_m4326": _roads_metres_as_degrees,
    "roads_zero": _roads_zero_length,
    "footways": _osm_footways,
    "npz_garbage": _npz_garbage,
    "npz_other": _npz_other,
    "npz_v2": lambda d: _npz_of(d, "v2.npz", lambda a: a.update(format=np.array("fua-toolkit/RoadNetwork/2"))),
    "npz_no_x": lambda d: _npz_of(d, "no_x.npz", lambda a: a.pop("x")),
    "npz_cut": lambda d: _npz_of(d, "cut.npz", lambda a: a.update(indices=a["indices"][:-1])),
}  # fmt: skip
"""Placeholder name -> builder of that input."""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("bad_inputs")
    return {name: str(build(d)) for name, build in INPUTS.items()} | {
        "missing": str(d / "nope.tif")
    }


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Case:
    """One bad input: ``tool`` run with ``args``; expected exit ``code`` and message ``phrase``."""

    id: str
    tool: str  # "fua" or "connectivity"
    args: str
    code: int
    phrase: str


def _on_network(command: str, points: str, default_out: str) -> Callable[..., str]:
    """Arguments of a ``connectivity`` command on the test roads: ``build(extra, out=...)``."""

    def build(extra: str = "", out: str = default_out) -> str:
        return f"{command} --network {{roads}} {points} --out {out} {extra}".strip()

    return build


_access = _on_network("access", "--origins {points} --destinations {points}", "{out}/t.gpkg")
_od = _on_network("od", "--origins {points} --destinations {points}", "{out}/od.csv")
_iso = _on_network("isochrones", "--sources {points}", "{out}/iso.gpkg")


def _delineate(extra: str) -> str:
    return f"delineate {{pop}} --out {{out}}/f.gpkg {extra}"


def _fit(extra: str) -> str:
    return f"commuting-model fit {{pop}} --units {{points}} --id-col name --flows {{txt}} --out {{out}}/m.json {extra}"


CASES = [
    # fua degurba: parameters
    Case("degurba-cell-size-0", "fua", "degurba {pop} --out {out}/d --cell-size-m 0", 2, "x>0"),
    Case("degurba-cell-size-negative", "fua", "degurba {pop} --out {out}/d --cell-size-m -5", 2, "x>0"),
    Case("degurba-cell-size-nan", "fua", "degurba {pop} --out {out}/d --cell-size-m nan", 2, "not a finite number"),
    Case("degurba-cell-size-inf", "fua", "degurba {pop} --out {out}/d --cell-size-m inf", 2, "not a finite number"),
    Case("degurba-level-3", "fua", "degurba {pop} --out {out}/d --level 3", 2, "'3' is not one of"),
    Case("degurba-format", "fua", "degurba {pop} --out {out}/d --format csv", 2, "--format"),
    Case("degurba-param-negative", "fua", "degurba {pop} --out {out}/d --param centre_pop_min=-1", 1, "finite number >= 0"),
    Case("degurba-param-nan", "fua", "degurba {pop} --out {out}/d --param centre_pop_min=nan", 1, "finite number >= 0"),
    Case("degurba-param-unknown", "fua", "degurba {pop} --out {out}/d --param centre_pop=5", 1, "unknown parameter"),
    Case("degurba-missing-argument", "fua", "degurba --out {out}/d", 2, "Missing argument 'POP'"),
    # fua degurba: inputs
    Case("degurba-raster-without-crs", "fua", "degurba {nocrs} --out {out}/d", 1, "has no CRS"),
    Case("degurba-tiled-raster-without-crs", "fua", "degurba {nocrs} --tiled --out {out}/d", 1, "has no CRS"),
    Case("degurba-not-a-raster", "fua", "degurba {notatiff} --out {out}/d", 1, "notatiff.tif"),
    Case("degurba-missing-raster", "fua", "degurba {missing} --out {out}/d", 1, "nope.tif"),
    # fua degurba: output folder
    Case("degurba-out-in-proc", "fua", "degurba {pop} --out /proc/fua-test/d", 1, "cannot be written"),
    Case("degurba-out-under-a-file", "fua", "degurba {pop} --out {txt}/d", 1, "is a file"),
    Case("degurba-out-is-a-file", "fua", "degurba {pop} --out {txt}", 2, "is a file"),
    # fua delineate
    Case("delineate-out-folder", "fua", "delineate {pop} --straight-line --out {out}/fuas", 1, "is a folder name"),
    Case("delineate-out-suffix", "fua", "delineate {pop} --straight-line --out {out}/fuas.csv", 1, "must end with"),
    Case("delineate-no-method", "fua", "delineate {pop} --out {out}/fuas.gpkg", 1, "give --flows"),
    Case("delineate-param-negative", "fua", "delineate {pop} --straight-line --out {out}/f.gpkg --param min_centre_pop=-5", 1, "finite number >= 0"),
    Case("delineate-param-bool", "fua", "delineate {pop} --straight-line --out {out}/f.gpkg --param add_enclaves=maybe", 1, "true or false"),
    Case("delineate-out-in-proc", "fua", "delineate {pop} --straight-line --out /proc/fua-test.gpkg", 1, "cannot be written"),
    Case("delineate-param-centre-pop-0", "fua", _delineate("--straight-line --param min_centre_pop=0"), 1, "min_centre_pop must be a number of people > 0"),
    Case("delineate-param-share-above-1", "fua", _delineate("--straight-line --param city_share=1.5"), 1, "city_share must be a share in (0, 1]"),
    Case("delineate-param-iterations-0", "fua", _delineate("--straight-line --param max_iterations=0"), 1, "max_iterations must be a whole number >= 1"),
    Case("delineate-param-choice", "fua", _delineate("--straight-line --param orphan_centres=drop"), 1, "must be 'largest_unit' or 'flag'"),
    Case("delineate-units-elsewhere", "fua", _delineate("--units {units_elsewhere} --id-col uid --flows {flows}"), 1, "none of the 4 units overlaps the population grid (0 %"),
    Case("delineate-units-elsewhere-proxy", "fua", _delineate("--units {units_elsewhere} --id-col uid --straight-line"), 1, "overlaps the population grid (0 %"),
    Case("delineate-units-duplicate-ids", "fua", _delineate("--units {units_dup} --id-col uid --flows {flows}"), 1, "2 id(s) are used by several units (e.g. 'a', 'b')"),
    Case("delineate-units-metres-as-degrees", "fua", _delineate("--units {units_deg} --id-col uid --flows {flows}"), 1, "are not degrees"),
    Case("delineate-units-id-col-missing", "fua", _delineate("--units {units} --id-col nope --flows {flows}"), 1, "'nope' is not a column of"),
    Case("delineate-name-col-on-proxy", "fua", _delineate("--units {units} --id-col uid --name-col name --straight-line"), 1, "name_col belongs to the flows route"),
    # fua commuting-model fit, fetch, demo
    Case("fit-cv-1", "fua", _fit("--cv 1"), 2, "x>=2"),
    Case("fit-threshold-1.5", "fua", _fit("--threshold 1.5"), 2, "probability between 0 and 1"),
    Case("fit-out-not-json", "fua", _fit("").replace("m.json", "m.txt"), 1, "ends in .json"),
    Case("fetch-bbox-reversed", "fua", "fetch ghs-pop --bbox 10 50 5 40 --out {out}/p.tif", 2, "not a box in degrees"),
    Case("fetch-bbox-nan", "fua", "fetch ghs-pop --bbox 0 0 nan 1 --out {out}/p.tif", 2, "not a box in degrees"),
    Case("fetch-epoch", "fua", "fetch ghs-pop --country KAZ --epoch 2021 --out {out}/p.tif", 2, "not a GHS-POP R2023A epoch"),
    Case("demo-out-in-proc", "fua", "demo --out /proc/fua-test", 1, "cannot be written"),
    Case("demo-out-is-a-file", "fua", "demo --out {txt}", 2, "is a file"),
    Case("demo-population-elsewhere", "fua", "demo --population {pop} --out {out}/demo", 1, "is not in Kazakhstan"),
    Case("fua-unknown-command", "fua", "degurbo {pop}", 2, "No such command"),
    # connectivity access
    Case("access-max-snap-0", "connectivity", _access("--max-snap-m 0"), 2, "x>0"),
    Case("access-offroad-negative", "connectivity", _access("--offroad-speed-kmh -1"), 2, "x>0"),
    Case("access-max-time-nan", "connectivity", _access("--max-time-min nan"), 2, "not a finite number"),
    Case("access-chunk-size-0", "connectivity", _access("--chunk-size 0"), 2, "x>=1"),
    Case("access-thresholds-text", "connectivity", _access("--thresholds 30,abc"), 1, "minutes separated by commas"),
    Case("access-thresholds-zero", "connectivity", _access("--thresholds 0,30"), 1, "positive minutes"),
    Case("access-thresholds-nan", "connectivity", _access("--thresholds nan"), 1, "positive minutes"),
    Case("access-out-folder", "connectivity", _access("", out="{out}/result"), 1, "is a folder name"),
    Case("access-out-suffix", "connectivity", _access("", out="{out}/t.csv"), 1, "must end with"),
    Case("access-out-in-proc", "connectivity", _access("", out="/proc/fua-test.gpkg"), 1, "cannot be written"),
    Case("access-missing-network", "connectivity", _access("").replace("{roads}", "{missing}"), 1, "does not exist"),
    # connectivity od, isochrones, fetch
    Case("od-out-suffix", "connectivity", _od("", out="{out}/od.gpkg"), 1, "must end with one of .csv"),
    Case("od-max-snap-negative", "connectivity", _od("--max-snap-m -1"), 2, "x>0"),
    Case("isochrones-buffer-0", "connectivity", _iso("--buffer-m 0"), 2, "x>0"),
    Case("isochrones-holes-negative", "connectivity", _iso("--fill-holes-m2 -1"), 2, "x>=0"),
    Case("isochrones-thresholds-negative", "connectivity", _iso("--thresholds -5"), 1, "positive minutes"),
    Case("fetch-osm-out-under-a-file", "connectivity", "fetch osm --country KAZ --out {txt}/osm", 1, "is a file"),
    Case("fetch-osm-unreachable", "connectivity", "fetch osm --country KAZ --out {out}/osm --base-url http://127.0.0.1:9", 1, "cannot reach"),
    Case("connectivity-unknown-option", "connectivity", _access("--max-snap 5"), 2, "No such option"),
    # connectivity: origins off the network, in the wrong CRS, of the wrong kind (issue 11)
    Case("access-origins-all-far", "connectivity", _access().replace("--origins {points}", "--origins {far}"), 1, "none of the 2 origins is within max_snap_m=2000 m"),
    Case("access-origins-far-names-crs", "connectivity", _access().replace("--origins {points}", "--origins {far}"), 1, "check the CRS (origins in EPSG:32643, network in EPSG:32643)"),
    Case("access-raster-origins-elsewhere", "connectivity", _access("", out="{out}/t.tif").replace("--origins {points}", "--origins {pop}"), 1, "none of the 400 origins"),
    Case("access-origins-metres-labelled-degrees", "connectivity", _access().replace("--origins {points}", "--origins {metres4326}"), 1, "are they really in EPSG:4326"),
    Case("access-origins-without-crs", "connectivity", _access().replace("--origins {points}", "--origins {nocrs_pts}"), 1, "have no CRS"),
    Case("access-origins-infinite-coordinates", "connectivity", _access().replace("--origins {points}", "--origins {infxy}"), 1, "1 of the 2 origins (index 1) have NaN or infinite coordinates"),
    Case("access-origins-lines", "connectivity", _access().replace("--origins {points}", "--origins {lines}"), 1, "must be points or polygons; 2 are LineString"),
    Case("access-origins-multipoints", "connectivity", _access().replace("--origins {points}", "--origins {multipoints}"), 1, "MultiPoint"),
    Case("access-origins-empty-layer", "connectivity", _access().replace("--origins {points}", "--origins {empty}"), 1, "empty"),
    Case("access-destinations-all-far", "connectivity", _access().replace("--destinations {points}", "--destinations {far}"), 1, "none of the 2 destinations"),
    Case("access-pop-col-nan", "connectivity", _access("--pop-col pop").replace("{points} --dest", "{pop_nan} --dest"), 1, "1 of 2 values are NaN (ids 1)"),
    Case("access-pop-col-text", "connectivity", _access("--pop-col pop").replace("{points} --dest", "{pop_text} --dest"), 1, "'1,234'"),
    Case("access-pop-col-missing", "connectivity", _access("--pop-col people"), 1, "is not a column of the origins"),
    Case("access-nan-weights-choice", "connectivity", _access("--nan-weights maybe"), 2, "'maybe' is not one of"),
    Case("access-dest-id-duplicated", "connectivity", _access("--dest-id name").replace("--destinations {points}", "--destinations {dup}"), 1, "duplicate values"),
    Case("access-dest-id-missing", "connectivity", _access("--dest-id label"), 1, "no column 'label'"),
    Case("access-thresholds-duplicated", "connectivity", _access("--thresholds 30,60,30"), 1, "has 30 more than once"),
    Case("access-max-time-0", "connectivity", _access("--max-time-min 0"), 2, "x>0"),
    Case("access-network-crs-degrees", "connectivity", _access("--network-crs EPSG:4326"), 1, "is geographic (degrees)"),
    Case("access-raster-origins-without-crs", "connectivity", _access("", out="{out}/t.tif").replace("--origins {points}", "--origins {nocrs}"), 1, "nocrs.tif' has no CRS; assign"),
    Case("od-origin-id-missing", "connectivity", _od("--origin-id label"), 1, "origins have no column 'label'"),
    Case("isochrones-source-id-missing", "connectivity", _iso("--source-id label"), 1, "sources have no column 'label'"),
    Case("od-origins-all-far", "connectivity", _od().replace("--origins {points}", "--origins {far}"), 1, "none of the 2 origins"),
    Case("od-dest-id-duplicated", "connectivity", _od("--dest-id name").replace("--destinations {points}", "--destinations {dup}"), 1, "duplicate values"),
    Case("isochrones-sources-all-far", "connectivity", _iso().replace("{points}", "{far}"), 1, "none of the 2 sources"),
    Case("isochrones-thresholds-duplicated", "connectivity", _iso("--thresholds 15,15"), 1, "has 15 more than once"),
    # connectivity: networks that cannot be right
    Case("network-osm-no-drivable-way", "connectivity", _access().replace("{roads}", "{footways}"), 1, "no 'drive' way"),
    Case("network-lines-in-degrees-labelled-metres", "connectivity", _access().replace("{roads}", "{roads_deg}"), 1, "look like longitude/latitude"),
    Case("network-metres-labelled-degrees", "connectivity", _access().replace("{roads}", "{roads_m4326}"), 1, "outside -180..180"),
    Case("network-points-not-lines", "connectivity", _access().replace("{roads}", "{points}"), 1, "LineString or MultiLineString"),
    Case("network-zero-length", "connectivity", _access().replace("{roads}", "{roads_zero}"), 1, "has no edges"),
    Case("network-npz-garbage", "connectivity", _access().replace("{roads}", "{npz_garbage}"), 1, "cannot read network file"),
    Case("network-npz-not-a-network", "connectivity", _access().replace("{roads}", "{npz_other}"), 1, "is not a RoadNetwork file"),
    Case("network-npz-other-version", "connectivity", _access().replace("{roads}", "{npz_v2}"), 1, "another version of the toolkit"),
    Case("network-npz-missing-array", "connectivity", _access().replace("{roads}", "{npz_no_x}"), 1, "lacks the array 'x'"),
    Case("network-npz-damaged", "connectivity", _access().replace("{roads}", "{npz_cut}"), 1, "is damaged"),
]  # fmt: skip


def _run(case: Case, inputs: dict[str, str], out: Path) -> tuple[int, str]:
    main = fua_main if case.tool == "fua" else connectivity_main
    args = [a.format(**inputs, out=out) for a in case.args.split()]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_in_one_line_and_leaves_nothing(
    case: Case, inputs: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"  # every output goes under this folder, which does not exist yet
    code, output = _run(case, inputs, out)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == case.code, output
    assert case.phrase in output, output
    assert "Traceback" not in output
    assert len(lines) == 1, f"expected one line, got:\n{output}"
    assert lines[0].startswith("Error: "), output
    assert not out.exists(), f"left behind: {sorted(p.name for p in out.rglob('*'))}"


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


# --------------------------------------------------------------------------- logs
def test_a_log_file_gets_no_progress_bar_fragments(inputs: dict[str, str], tmp_path: Path) -> None:
    # the CRS-less raster takes the tiled path, whose step bar used to land in the log
    # ("  0%|          | 0/5 [00:00<?, ?step/s]Error: CRSError ...")
    log = tmp_path / "run.log"
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "fua", "degurba", inputs["nocrs"], "--out", str(tmp_path / "o")],
            stdout=fh, stderr=fh, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )  # fmt: skip
    text = log.read_text(encoding="utf-8")
    assert proc.returncode == 1
    assert "\x1b[" not in text and "\r" not in text
    assert "%|" not in text and "step/s" not in text
    assert [line for line in text.splitlines() if line.strip()] == [
        next(line for line in text.splitlines() if line.startswith("Error: CRSError"))
    ]
    assert not (tmp_path / "o").exists()


def test_a_multi_layer_geopackage_is_read_without_gdal_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectivity.io import read_layer

    monkeypatch.setattr(logging.getLogger("connectivity"), "propagate", True)  # the CLI unsets it

    path = tmp_path / "two.gpkg"
    pts = gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.Point(0, 0)], crs=UTM)
    pts.to_file(path, layer="first")
    pts.assign(v=2).to_file(path, layer="second")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning (pyogrio's UserWarning) fails the test
        with caplog.at_level(logging.WARNING, logger="connectivity"):
            gdf = read_layer(path, what="origins")
        assert read_layer(path, "second")["v"].tolist() == [2]
    assert gdf["v"].tolist() == [1]
    assert "'first'" in caplog.text and "second" in caplog.text and "layer=" in caplog.text


# --------------------------------------------------------------------------- interrupts
def _complete_or_absent(out: Path) -> str:
    """The state of the demo folder, ``absent`` or ``complete``; fails when it is partial."""
    if not out.exists():
        return "absent"
    side = out / "demo.json"
    assert side.is_file(), (
        f"{out} exists without demo.json: {sorted(p.name for p in out.iterdir())}"
    )
    listed = [o["path"] for o in json.loads(side.read_text(encoding="utf-8"))["outputs"]]
    missing = [p for p in listed if not (out / p).is_file()]
    assert listed and not missing, f"demo.json lists missing outputs {missing[:5]}"
    return "complete"


def _staging_started(parent: Path) -> bool:
    return any(".demo-staging." in p.name for p in parent.iterdir())


def _demo(out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fua", "-q", "demo", "--out", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("when", ["1s", "5s", "15s", "writing"])
def test_ctrl_c_leaves_the_demo_folder_complete_or_absent(when: str, tmp_path: Path) -> None:
    out = tmp_path / "kz"
    proc = _demo(out)
    t0 = time.monotonic()
    if when == "writing":  # soon after the staging folder appears
        while (
            proc.poll() is None and not _staging_started(tmp_path) and time.monotonic() - t0 < 300
        ):
            time.sleep(0.05)
        time.sleep(0.5)
    else:
        time.sleep(float(when[:-1]))
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    state = _complete_or_absent(out)
    assert proc.returncode == 0 or state == "absent", err.decode()
    assert not _staging_started(tmp_path), "staging folder left behind"
    if when == "writing":  # and a rerun succeeds
        again = subprocess.run(
            [sys.executable, "-m", "fua", "-q", "demo", "--out", str(out), "--overwrite"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            check=False,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr.decode()
        assert _complete_or_absent(out) == "complete"
