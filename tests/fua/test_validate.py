"""Tests of the shared input checks in fua._validate."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from rasterio.crs import CRS as RioCRS
from shapely.geometry import LineString, Point, box

import fua
from fua import _validate as v


@pytest.mark.parametrize(
    "crs",
    [
        "ESRI:54009",
        "EPSG:6933",
        "EPSG:3035",
        "ESRI:102022",
        "EPSG:5070",
        "EPSG:8857",
        "ESRI:54052",
        "+proj=moll +datum=WGS84 +units=m",
        "+proj=laea +lat_0=48 +lon_0=68 +datum=WGS84 +units=m",
        RioCRS.from_string("ESRI:54009"),
    ],
)
def test_equal_area_crs_accepted(crs):
    assert v.is_equal_area(crs)
    assert isinstance(v.check_projected_equal_area(crs, "target_crs"), CRS)


@pytest.mark.parametrize(
    ("crs", "why"),
    [
        ("EPSG:4326", "not projected"),
        ("EPSG:3857", "Pseudo Mercator projection, which is not equal area"),
        ("EPSG:32642", "Transverse Mercator"),
        ("EPSG:2264", "not in metres"),  # NAD83 / North Carolina (ftUS), conformal
    ],
)
def test_not_equal_area_rejected(crs, why):
    assert not v.is_equal_area(crs)
    with pytest.raises(fua.CRSError, match=why) as info:
        v.check_projected_equal_area(crs, "target_crs")
    assert "ESRI:54009" in str(info.value) and "target_crs" in str(info.value)


def test_missing_or_bad_crs():
    with pytest.raises(fua.CRSError, match="missing"):
        v.check_projected_equal_area(None, "crs")
    with pytest.raises(fua.CRSError, match="not a CRS"):
        v.to_pyproj("EPSG:999999", "crs")


def test_check_projected_metric():
    assert v.check_projected_metric("EPSG:32642").is_projected
    for crs, why in (("EPSG:4326", "geographic"), ("EPSG:3857", "Web Mercator")):
        with pytest.raises(fua.CRSError, match=why):
            v.check_projected_metric(crs, "network crs")


def test_check_columns():
    df = pd.DataFrame({"a": [1], "b": [2]})
    v.check_columns(df, ["a"], "flows")
    with pytest.raises(fua.DataError, match=r"\['c', 'd'\].*\['a', 'b'\]"):
        v.check_columns(df, ["a", "c", "d"], "flows")


def _units(crs="ESRI:54009"):
    return gpd.GeoDataFrame(
        {"nis": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=crs, index=[10, 20]
    )


def test_check_geodataframe_ok_returns_input():
    gdf = _units()
    assert v.check_geodataframe(gdf, "units", id_col="nis", geom_types=["Polygon"]) is gdf


def test_check_geodataframe_problems():
    with pytest.raises(fua.DataError, match="GeoDataFrame"):
        v.check_geodataframe(pd.DataFrame(), "units")
    with pytest.raises(fua.CRSError, match="no CRS"):
        v.check_geodataframe(_units(None), "units")
    with pytest.raises(fua.CRSError, match="geographic"):
        v.check_geodataframe(_units("EPSG:4326"), "units")
    with pytest.raises(fua.DataError, match="no rows"):
        v.check_geodataframe(_units().iloc[:0], "units")
    bad = gpd.GeoDataFrame(
        {"nis": [1, 1, None]},
        geometry=[None, LineString([(0, 0), (1, 1)]), Point(0, 0)],
        crs="ESRI:54009",
    )
    with pytest.raises(fua.DataError) as info:
        v.check_geodataframe(bad, "units", id_col="nis", geom_types=("Polygon", "MultiPolygon"))
    msg = str(info.value)
    for part in (
        "1 rows have no geometry",
        "2 geometries are ['LineString', 'Point']",
        "1 rows have no 'nis'",
        "duplicates",
    ):
        assert part in msg
    with pytest.raises(fua.DataError, match="no id column 'gid'"):
        v.check_geodataframe(_units(), "units", id_col="gid")


def test_check_choice_and_positive():
    assert v.check_choice("m2", ["m2", "share"], "land_units") == "m2"
    with pytest.raises(fua.ParameterError, match=r"land_units='km2'.*\['m2', 'share'\]"):
        v.check_choice("km2", ["m2", "share"], "land_units")
    assert v.check_positive("2.5", "cell_size_m") == 2.5
    for bad in (0, -1, np.inf, "x", None):
        with pytest.raises(fua.ParameterError, match="cell_size_m"):
            v.check_positive(bad, "cell_size_m")
