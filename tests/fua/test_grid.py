"""Tests of fua.grid.read_population: aggregation, reprojection, nodata, errors, layers."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pyproj import Transformer
from scipy import ndimage

import fua
from fua import _raster as raster_mod
from fua import read_population

MOLL = "ESRI:54009"


def tr(cell: float, x0: float = 0.0, y0: float = 4000.0) -> Affine:
    return Affine(cell, 0.0, x0, 0.0, -cell, y0)


# -- aggregation in the target CRS ---------------------------------------------


def test_block_sum_4x4_at_250m_is_one_km_cell():
    a = np.arange(16.0).reshape(4, 4)
    g = read_population(a, transform=tr(250, 0, 1000), crs=MOLL)
    assert g.shape == (1, 1)
    assert g.pop[0, 0] == 120.0
    assert g.transform == tr(1000, 0, 1000)
    assert g.meta["method"] == "block-sum"
    assert g.valid.all()


def test_block_sum_with_origin_offset_snaps_to_km_multiples():
    # origin x = 250 m: target col 0 holds source cols 0-2, target col 1 source col 3
    a = np.arange(16.0).reshape(4, 4)
    g = read_population(a, transform=tr(250, 250, 1000), crs=MOLL)
    assert g.transform == tr(1000, 0, 1000)
    np.testing.assert_array_equal(g.pop, [[84.0, 36.0]])
    assert g.meta["method"] == "block-sum"


def test_block_sum_with_vertical_offset():
    # top y = 1250 m: target row 0 (y 1000..2000) holds source row 0, target row 1 rows 1-3
    a = np.arange(16.0).reshape(4, 4)
    g = read_population(a, transform=tr(250, 0, 1250), crs=MOLL)
    assert g.transform == tr(1000, 0, 2000)
    np.testing.assert_array_equal(g.pop, [[6.0], [114.0]])


def test_grid_already_at_target_is_taken_as_is():
    a = np.arange(6.0).reshape(2, 3)
    t = tr(1000, 500, 2500)  # not on km multiples: kept as it is
    g = read_population(a, transform=t, crs=MOLL)
    assert g.transform == t
    np.testing.assert_array_equal(g.pop, a)
    assert g.meta["method"] == "as-is"
    assert g.meta["correction_factor"] == 1.0


def test_unaligned_fine_grid_is_reprojected_and_conserved():
    a = np.arange(16.0).reshape(4, 4)
    g = read_population(a, transform=tr(250, 100, 1000), crs=MOLL)
    assert g.meta["method"] == "warp-sum"
    assert g.shape == (1, 2)
    assert g.total_population == pytest.approx(120.0, rel=1e-12)
    # column 0 of target (x 0..1000) gets source x 100..1000, i.e. 3.6 of the 4 source columns
    col_sums = a.sum(axis=0)
    assert g.pop[0, 1] == pytest.approx(col_sums[3] * 0.4, rel=1e-6)


def test_other_cell_size():
    a = np.ones((10, 10))
    g = read_population(a, transform=tr(100, 0, 1000), crs=MOLL, cell_size_m=500)
    np.testing.assert_array_equal(g.pop, np.full((2, 2), 25.0))
    assert g.cell_size_m == 500


# -- reprojection from geographic coordinates -------------------------------------


def test_geographic_grid_to_mollweide_conserves_population():
    rng = np.random.default_rng(42)
    a = rng.gamma(0.5, 20.0, size=(240, 360))  # 1/1200 degree (~90 m) cells at 51 N
    t = Affine(1 / 1200, 0, 4.5, 0, -1 / 1200, 51.2)
    g = read_population(a, transform=t, crs="EPSG:4326")
    assert g.meta["method"] == "warp-sum"
    assert g.total_population == pytest.approx(a.sum(), rel=1e-9)
    assert abs(g.meta["correction_factor"] - 1) < 1e-3
    assert g.crs == fua.DEFAULT_CRS
    assert g.transform.c % 1000 == 0 and g.transform.f % 1000 == 0
    # the target grid covers the footprint: about 0.3 deg x 0.2 deg ~ 21 x 22 km
    assert 20 <= g.shape[0] <= 25 and 20 <= g.shape[1] <= 25


def test_geographic_single_cell_lands_where_it_is():
    a = np.zeros((100, 100))
    a[37, 61] = 1000.0
    t = Affine(0.001, 0, 68.0, 0, -0.001, 48.0)  # Kazakhstan
    g = read_population(a, transform=t, crs="EPSG:4326")
    x, y = Transformer.from_crs("EPSG:4326", MOLL, always_xy=True).transform(
        68.0 + 0.0615, 48.0 - 0.0375
    )
    col, row = (int(v) for v in ~g.transform @ (x, y))
    near = g.pop[row - 1 : row + 2, col - 1 : col + 2].sum()
    assert near == pytest.approx(1000.0, rel=1e-9)
    assert g.total_population == pytest.approx(1000.0, rel=1e-9)


def test_other_equal_area_target(write_tif):
    a = np.full((50, 50), 2.0)
    path = write_tif(a, Affine(0.002, 0, 10.0, 0, -0.002, 50.0), "EPSG:4326")
    g = read_population(path, target_crs="EPSG:3035", cell_size_m=2000)
    assert g.crs.to_epsg() == 3035
    assert g.cell_size_m == 2000
    assert g.total_population == pytest.approx(5000.0, rel=1e-9)


def test_large_correction_factor_is_warned(caplog, monkeypatch):
    a = np.ones((8, 8))
    real = raster_mod.reproject

    def lossy(source, destination, **kw):
        real(source, destination, **kw)
        destination *= 0.5

    monkeypatch.setattr(raster_mod, "reproject", lossy)
    with caplog.at_level(logging.INFO, logger="fua.grid"):
        g = read_population(a, transform=tr(300, 0, 2400), crs=MOLL)
    assert g.meta["correction_factor"] == pytest.approx(2.0)
    assert g.total_population == pytest.approx(64.0)
    assert any(r.levelno == logging.WARNING and "100.00 %" in r.message for r in caplog.records)


# -- strips (bounded memory) give the same answer --------------------------------


@pytest.mark.parametrize(
    ("transform", "crs"),
    [
        (tr(100, 0, 6000), MOLL),
        (tr(130, 70, 6000), MOLL),
        (Affine(0.001, 0, 5, 0, -0.001, 51), "EPSG:4326"),
    ],
)
def test_strips_agree_with_one_pass(monkeypatch, transform, crs):
    rng = np.random.default_rng(1)
    a = rng.random((60, 50)) * 10
    land = rng.random((60, 50))
    whole = read_population(a, transform=transform, crs=crs, land=land, land_units="share")
    monkeypatch.setattr(raster_mod, "STRIP_CELLS", 150)
    strips = read_population(
        a, transform=transform, crs=crs, land=land, land_units="share", progress=True
    )
    # reprojected sources are scaled block by block: equal up to rounding of each block's factor
    np.testing.assert_allclose(strips.pop, whole.pop, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(strips.valid, whole.valid)
    np.testing.assert_allclose(strips.land_share, whole.land_share, rtol=1e-12, atol=1e-12)


# -- nodata -----------------------------------------------------------------------


def test_nodata_file_value_is_zero_and_invalid(write_tif):
    a = np.array([[1.0, -200.0], [3.0, 4.0]])
    g = read_population(write_tif(a, tr(1000, 0, 2000), nodata=-200))
    np.testing.assert_array_equal(g.pop, [[1.0, 0.0], [3.0, 4.0]])
    np.testing.assert_array_equal(g.valid, [[True, False], [True, True]])
    assert g.meta["nodata"] == -200


def test_nan_nodata_and_block_validity():
    a = np.ones((4, 8))
    a[:, :4] = np.nan  # left target cell entirely no data
    a[0, 4] = np.nan  # right target cell partly
    g = read_population(a, transform=tr(250, 0, 1000), crs=MOLL, nodata=np.nan)
    np.testing.assert_array_equal(g.pop, [[0.0, 15.0]])
    np.testing.assert_array_equal(g.valid, [[False, True]])


def test_nodata_argument_overrides_and_integer_dtype(write_tif):
    a = np.array([[5, 255], [1, 2]], dtype="uint8")
    g = read_population(write_tif(a, tr(1000, 0, 2000)), nodata=255)
    assert g.total_population == 8.0
    assert not g.valid[0, 1]


def test_outside_footprint_is_invalid_after_reprojection():
    a = np.ones((20, 20))
    g = read_population(a, transform=Affine(0.01, 0.0, 30.0, 0.0, -0.01, 45.0), crs="EPSG:4326")
    assert not g.valid.all()
    assert (g.pop[~g.valid] == 0).all()


# -- error cases --------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(fua.InputFileError, match=r"not found: .*nope.tif"):
        read_population(tmp_path / "nope.tif")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.tif"
    p.write_bytes(b"")
    with pytest.raises(fua.InputFileError, match="empty"):
        read_population(p)


def test_corrupt_file(tmp_path):
    p = tmp_path / "junk.tif"
    p.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(fua.InputFileError, match=r"junk.tif"):
        read_population(p)


def test_truncated_file(write_tif):
    rng = np.random.default_rng(0)
    p = write_tif(rng.random((300, 300)), tr(1000, 0, 300000))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(fua.InputFileError, match=r"pop.tif"):
        read_population(p)


def test_file_without_crs(write_tif):
    p = write_tif(np.ones((2, 2)), tr(1000), crs=None)
    with pytest.raises(fua.CRSError, match=r"gdal_edit.py -a_srs"):
        read_population(p)
    g = read_population(p, crs=MOLL)  # the fix the message suggests
    assert g.total_population == 4.0


def test_array_without_crs_or_transform():
    with pytest.raises(fua.CRSError, match="crs="):
        read_population(np.ones((2, 2)), transform=tr(1000))
    with pytest.raises(fua.ParameterError, match="transform="):
        read_population(np.ones((2, 2)), crs=MOLL)


def test_negative_population_reports_count_and_location():
    a = np.ones((4, 4))
    a[2, 3] = -1.0
    a[3, 0] = -5.0
    with pytest.raises(
        fua.DataError, match=r"2 cells are negative, e.g. -1.0 at row 2, col 3 \(x=3500"
    ):
        read_population(a, transform=tr(1000, 0, 4000), crs=MOLL)


def test_negative_population_in_reprojected_source():
    a = np.ones((4, 4))
    a[1, 1] = -3.0
    with pytest.raises(fua.DataError, match="1 cells are negative"):
        read_population(a, transform=Affine(0.01, 0, 5, 0, -0.01, 50), crs="EPSG:4326")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_population_that_is_not_nodata(bad):
    a = np.ones((2, 2))
    a[0, 1] = bad
    with pytest.raises(fua.DataError, match="NaN or infinite"):
        read_population(a, transform=tr(1000), crs=MOLL, nodata=-200)


@pytest.mark.parametrize("target", ["EPSG:4326", "EPSG:32642", "EPSG:3857"])
def test_target_crs_must_be_equal_area(target):
    with pytest.raises(fua.CRSError, match="ESRI:54009"):
        read_population(np.ones((2, 2)), transform=tr(1000), crs=MOLL, target_crs=target)


@pytest.mark.parametrize("cell", [0, -1000, float("nan")])
def test_cell_size_must_be_positive(cell):
    with pytest.raises(fua.ParameterError, match="cell_size_m"):
        read_population(np.ones((2, 2)), transform=tr(1000), crs=MOLL, cell_size_m=cell)


def test_multiband_file_reads_chosen_band(write_tif):
    bands = np.stack([np.ones((2, 2)), np.full((2, 2), 3.0)])
    p = write_tif(bands, tr(1000))
    assert read_population(p).total_population == 4.0
    assert read_population(p, band=2).total_population == 12.0
    with pytest.raises(fua.ParameterError, match="2 band"):
        read_population(p, band=3)


def test_input_not_mutated():
    a = np.array([[1.0, -200.0], [3.0, 4.0]])
    before = a.copy()
    read_population(a, transform=tr(1000), crs=MOLL, nodata=-200)
    np.testing.assert_array_equal(a, before)


# -- land and built layers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "units"),
    [
        ([[1e6, 5e5], [0.0, 25e4]], "m2"),
        ([[100.0, 50.0], [0.0, 25.0]], "percent"),
        ([[1.0, 0.5], [0.0, 0.25]], "share"),
    ],
)
def test_layer_units_auto_and_explicit(values, units):
    a = np.ones((2, 2))
    layer = np.array(values)
    expected = np.array([[1.0, 0.5], [0.0, 0.25]])
    for given_units in ("auto", units):
        g = read_population(
            a, transform=tr(1000), crs=MOLL, land=layer, built=layer,
            land_units=given_units, built_units=given_units,
        )  # fmt: skip
        np.testing.assert_allclose(g.land_share, expected)
        np.testing.assert_allclose(g.built_share, expected)
        assert g.meta["land_units"] == units


def test_layer_nodata_land_full_built_zero(write_tif):
    a = np.ones((1, 2))
    layer = np.array([[500000.0, -1.0]])
    land = write_tif(layer, tr(1000, 0, 1000), nodata=-1, name="land.tif")
    built = write_tif(layer, tr(1000, 0, 1000), nodata=-1, name="built.tif")
    g = read_population(a, transform=tr(1000, 0, 1000), crs=MOLL, land=land, built=built)
    np.testing.assert_allclose(g.land_share, [[0.5, 1.0]])
    np.testing.assert_allclose(g.built_share, [[0.5, 0.0]])
    np.testing.assert_allclose(g.density(), [[2.0, 1.0]])


def test_fine_land_layer_is_block_averaged():
    a = np.ones((4, 4))
    land_m2 = np.zeros((4, 4))
    land_m2[:2, :] = 62500.0  # the upper half of the 1 km cell is land (250 m cells)
    g = read_population(a, transform=tr(250, 0, 1000), crs=MOLL, land=land_m2)
    assert g.meta["land_units"] == "m2"
    np.testing.assert_allclose(g.land_share, [[0.5]])


def test_layer_on_target_grid_and_reprojected_layer():
    a = np.ones((40, 40))
    t = Affine(0.005, 0, 5, 0, -0.005, 51)
    g = read_population(a, transform=t, crs="EPSG:4326")
    on_target = read_population(
        a, transform=t, crs="EPSG:4326", built=np.full(g.shape, 30.0), built_units="percent"
    )
    np.testing.assert_allclose(on_target.built_share, 0.3)
    reprojected = read_population(a, transform=t, crs="EPSG:4326", land=np.full((40, 40), 0.4))
    # GDAL's average skips target cells that a source edge only grazes: test whole cells
    interior = ndimage.binary_erosion(g.valid, np.ones((3, 3), bool))
    assert interior.sum() > 200
    np.testing.assert_allclose(reprojected.land_share[interior], 0.4, rtol=1e-9)
    np.testing.assert_allclose(reprojected.land_share[~g.valid], 1.0)  # no land info: full land


def test_layer_errors():
    a = np.ones((2, 2))
    kw = {"transform": tr(1000), "crs": MOLL}
    with pytest.raises(fua.DataError, match="land_units"):
        read_population(a, land=np.full((2, 2), 2e6), **kw)  # more than a cell
    with pytest.raises(fua.DataError, match=r"exceeds 1.0"):
        read_population(a, built=np.full((2, 2), 50.0), built_units="share", **kw)
    with pytest.raises(fua.DataError, match="negative"):
        read_population(a, land=np.full((2, 2), -1.0), **kw)
    with pytest.raises(fua.DataError, match="shape"):
        read_population(a, land=np.ones((3, 3)), **kw)
    with pytest.raises(fua.ParameterError, match="land_units"):
        read_population(a, land=np.ones((2, 2)), land_units="km2", **kw)  # type: ignore[arg-type]


# -- never silently wrong (issue 11) ----------------------------------------------------


F32_MAX = float(np.finfo(np.float32).max)


@pytest.mark.parametrize(
    ("dtype", "fill", "named"),
    [
        ("float32", F32_MAX, "3.4028235e+38"),
        ("float32", -F32_MAX, "-3.4028235e+38"),
        ("float64", F32_MAX, repr(F32_MAX)),
        ("uint16", 65535, "65535"),
        ("int16", -9999, "-9999"),
        ("float32", 1e20, "1e+20"),
    ],
)
def test_undeclared_fill_value_is_named_with_the_fix(write_tif, dtype, fill, named):
    a = np.full((6, 8), fill, dtype=dtype)
    a[1:5, 2:6] = 120
    path = write_tif(a, tr(1000, 0, 6000))
    with pytest.raises(fua.DataError) as info:
        read_population(path)
    msg = str(info.value)
    assert f"nodata={named} (--nodata {named})" in msg and "\n" not in msg
    assert "32 cells" in msg
    g = read_population(path, nodata=float(named))  # the fix the message gives
    assert g.total_population == 16 * 120 and g.valid.sum() == 16


def test_total_beyond_world_population_names_the_largest_value():
    a = np.full((400, 400), 70_000, np.float32)  # a possible density, but 1.1e10 people
    with pytest.raises(
        fua.DataError, match=r"1.12e\+10 people .* largest value 70000 fills 160000"
    ):
        read_population(a, transform=tr(1000), crs=MOLL)


def test_density_bound_follows_latitude_and_cell_size():
    # 9e5 people on a 1 km² cell is dense but possible; 2e6 is not
    ok = np.full((2, 2), 9e5)
    assert read_population(ok, transform=tr(1000), crs=MOLL).total_population == 3.6e6
    with pytest.raises(fua.DataError, match="denser than anywhere"):
        read_population(np.full((2, 2), 2e6), transform=tr(1000), crs=MOLL)
    # a 0.01 degree cell at 80 N is ~0.2 km²: a cell under 1 km² may hold up to 1e6 people
    north = Affine(0.01, 0, 10, 0, -0.01, 80.02)
    assert (
        read_population(np.full((2, 2), 9e5), transform=north, crs="EPSG:4326").total_population > 0
    )


def test_float_nodata_matches_as_gdal_rounds_it(write_tif):
    a = np.array([[F32_MAX, 5.0], [0.1, 2.0]], np.float32)
    g = read_population(write_tif(a, tr(1000, 0, 2000)), nodata=3.4028235e38)
    assert g.total_population == pytest.approx(7.1) and g.valid.sum() == 3
    a[0, 0] = 1.0
    g = read_population(write_tif(a, tr(1000, 0, 2000), name="b.tif"), nodata=0.1)
    assert not g.valid[1, 0]  # 0.1 as float32


def test_crs_contradicting_the_file_needs_override(write_tif, caplog):
    rng = np.random.default_rng(3)
    path = write_tif(rng.random((20, 20)) * 100, tr(1000, 4_000_000, 3_000_000))
    with pytest.raises(
        fua.CRSError, match=r"is in ESRI:54009 but crs='EPSG:3035'.*override_crs=True"
    ):
        read_population(path, crs="EPSG:3035")
    assert read_population(path, crs=MOLL).meta["source_crs"] == "ESRI:54009"  # same CRS: fine
    with caplog.at_level(logging.WARNING, logger="fua"):
        g = read_population(path, crs="EPSG:3035", override_crs=True)
    assert "overriding the file CRS" in caplog.text and g.meta["source_crs"] == "EPSG:3035"


@pytest.mark.parametrize("source", [123, None, ["pop.tif"]])
def test_source_of_another_type(source):
    with pytest.raises(fua.ParameterError, match="raster file path or a 2-D numpy array") as info:
        read_population(source)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("shift_km", "covered"), [(500, None), (14, 30.0), (4, 80.0)])
def test_land_layer_of_another_place(write_tif, caplog, shift_km, covered):
    pop = np.full((10, 20), 50.0)
    t = tr(1000, 4_000_000, 3_000_000)
    path = write_tif(pop, t)
    land = write_tif(
        np.full((10, 20), 1.0), tr(1000, 4_000_000 + shift_km * 1000, 3_000_000), name="land.tif"
    )
    if covered is None or covered < 50:
        share = "0.0" if covered is None else f"{covered:.1f}"
        with pytest.raises(
            fua.DataError, match=rf"land layer .*land.tif covers {share} % of the 200 populated"
        ):
            read_population(path, land=land)
    else:
        with caplog.at_level(logging.WARNING, logger="fua"):
            g = read_population(path, land=land)
        assert f"covers {covered:.1f} %" in caplog.text and "all land" in caplog.text
        assert g.land_share.min() == 1.0


def test_built_layer_of_another_place_in_lonlat(write_tif):
    pop = np.full((10, 10), 50.0)
    built = write_tif(
        np.full((10, 10), 0.3),
        Affine(0.01, 0, 100.0, 0, -0.01, 10.0),
        crs="EPSG:4326",
        name="b.tif",
    )
    with pytest.raises(fua.DataError, match=r"built layer .* covers 0.0 %"):
        read_population(pop, transform=tr(1000, 0, 10_000), crs=MOLL, built=built)


def test_whole_globe_lonlat_keeps_people_where_they_live(monkeypatch):
    """A global EPSG:4326 raster is reprojected block by block: each spot stays, each block conserved."""
    res = 1.0
    t = Affine(res, 0, -180, 0, -res, 90)
    a = np.zeros((180, 360), np.float64)
    spots = {(50.5, 4.5): 1e6, (-33.5, 151.5): 5e5, (35.5, 139.5): 2e6, (64.5, -21.5): 1e5,
             (-54.5, -68.5): 3e4, (0.5, 179.5): 7e3}  # fmt: skip
    for (lat, lon), people in spots.items():
        col, row = ~t * (lon, lat)
        a[int(row), int(col)] = people
    monkeypatch.setattr(raster_mod, "STRIP_CELLS", 360 * 12)  # 15 blocks of 12 rows
    g = read_population(a, transform=t, crs="EPSG:4326", cell_size_m=100_000)
    assert g.meta["method"] == "warp-sum"
    assert g.total_population == pytest.approx(a.sum(), rel=1e-12)
    to_grid = Transformer.from_crs("EPSG:4326", g.crs, always_xy=True)
    for (lat, lon), people in spots.items():
        x, y = to_grid.transform(lon, lat)
        col, row = (int(v) for v in ~g.transform * (x, y))
        near = g.pop[max(row - 2, 0) : row + 3, max(col - 2, 0) : col + 3].sum()
        assert near == pytest.approx(people, rel=1e-9), (lat, lon)
    assert (g.pop > 0).sum() <= 6 * 4  # no smearing: each spot spread over at most 2 x 2 cells


# -- property: population is conserved -----------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pop=arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 12)),
               elements=st.floats(0, 1e5, allow_subnormal=False)),
    cell=st.sampled_from([100.0, 125.0, 250.0, 200.0, 333.25, 700.0, 1000.0, 2500.0]),
    x_cells=st.integers(-5000, 5000),
    shift=st.sampled_from([0.0, 0.5, 0.137]),
    geographic=st.booleans(),
)  # fmt: skip
def test_population_is_conserved(pop, cell, x_cells, shift, geographic):
    if geographic:
        deg = cell / 111_000
        t = Affine(deg, 0, 20 + (x_cells + shift) * deg * 0.001, 0, -deg, 45.0)
        crs = "EPSG:4326"
    else:
        t = tr(cell, (x_cells + shift) * cell, 5_000_000.0 + x_cells * cell)
        crs = MOLL
    g = read_population(pop, transform=t, crs=crs)
    assert g.total_population == pytest.approx(pop.sum(), rel=1e-9, abs=1e-9)
    assert (g.pop >= 0).all()
    assert (g.pop[~g.valid] == 0).all()
    if not geographic and shift == 0.0 and 1000.0 % cell == 0:
        assert g.meta["method"] in {"block-sum", "as-is"}


# -- real data ---------------------------------------------------------------------


def _raw_sum(path):
    with rasterio.open(path) as src:
        a = src.read(1, masked=True).astype("float64")
        return float(np.nansum(a.filled(np.nan))), a.shape


@pytest.mark.realdata
def test_realdata_touggourt(shared_data):
    path = next((shared_data / "touggourt").glob("*_GHS_POP_*.tif"))
    total, shape = _raw_sum(path)
    g = read_population(path)
    assert g.shape == shape
    assert g.meta["method"] == "as-is"
    assert g.total_population == pytest.approx(total, rel=1e-12)
    built = next((shared_data / "touggourt").glob("*BUILT_LDS*.tif"))
    gb = read_population(path, built=built)
    assert gb.meta["built_units"] == "percent"
    assert 0 <= gb.built_share.min() and gb.built_share.max() <= 1


@pytest.mark.realdata
def test_realdata_belgium(shared_data):
    d = shared_data / "belgium"
    total, shape = _raw_sum(d / "POP.tif")
    g = read_population(d / "POP.tif", land=d / "LAND.tif", built=d / "BUILT_S.tif")
    assert g.shape == shape
    assert g.meta["method"] == "as-is"
    assert g.total_population == pytest.approx(total, rel=1e-12)
    assert g.meta["land_units"] == g.meta["built_units"] == "m2"
    assert 0 <= g.land_share.min() and g.land_share.max() <= 1
    assert g.land_share.max() == 1.0 and g.land_share.min() == 0.0
    assert 0 <= g.built_share.min() and g.built_share.max() < 1
    with rasterio.open(d / "POP.tif") as src:
        assert g.transform == src.transform


def test_other_gdal_format_ascii_grid(tmp_path):
    p = tmp_path / "pop.asc"
    p.write_text(
        "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1000\n"
        "NODATA_value -9999\n1 2\n-9999 4\n"
    )
    with pytest.raises(fua.CRSError, match="crs="):
        read_population(p)
    g = read_population(p, crs=MOLL)
    assert g.total_population == 7.0
    np.testing.assert_array_equal(g.valid, [[True, True], [False, True]])
