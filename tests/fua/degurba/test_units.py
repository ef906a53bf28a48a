"""Tests of fua.degurba.units: zonal population and the stage-2 classes (hand-checked)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from fua import CRSError, DataError, ParameterError
from fua.degurba.units import classify_units, unit_population
from tests._fua_fixtures import make_grid, make_result, strips

# 4 rows × 6 cols, 100 people per cell; cols 0-1 urban centre 1, cols 2-3 urban cluster.
POP = np.full((4, 6), 100.0)
LABELS = np.zeros((4, 6), np.int32)
LABELS[:, :2] = 1
LEVEL1 = np.ones((4, 6), np.uint8)
LEVEL1[:, :2] = 3
LEVEL1[:, 2:4] = 2


def _units() -> gpd.GeoDataFrame:
    # A = x 0..2400, B = 2400..4400, C = 4400..6000 (boundaries cut cells 2 and 4)
    return strips([0, 2400, 4400, 6000], 4000, ["A", "B", "C"])


def test_area_weighted_population_by_hand() -> None:
    grid = make_grid(POP)
    out = unit_population(grid, _units(), id_col="uid")
    # A: cols 0-1 (800) + 0.4 of col 2 (4 x 40); B: 0.6 col 2 + col 3 + 0.4 col 4; C: rest
    np.testing.assert_allclose(out["pop"], [960.0, 800.0, 640.0])
    assert out["pop"].sum() == pytest.approx(grid.total_population)


def test_centroid_population_by_hand() -> None:
    grid = make_grid(POP)
    out = unit_population(grid, _units(), id_col="uid", method="centroid")
    # cell centres at x = 500, 1500, ..., 5500: col 2 (2500) goes to B, col 4 (4500) to C
    np.testing.assert_allclose(out["pop"], [800.0, 800.0, 800.0])


def test_classify_units_by_hand() -> None:
    res = make_result(POP, LABELS, LEVEL1)
    out = classify_units(res, _units(), id_col="uid")
    a, b, c = (out.iloc[i] for i in range(3))
    assert a["pop_centre_share"] == pytest.approx(800 / 960)
    assert a["pop_cluster_share"] == pytest.approx(160 / 960)
    assert a["degurba"] == "city" and a["uc_id"] == 1 and a["uc_share"] == pytest.approx(800 / 960)
    assert a["uc_pop"] == pytest.approx(800.0)
    assert b["pop_cluster_share"] == pytest.approx(640 / 800)
    assert b["degurba"] == "town_suburb" and b["uc_id"] == 0
    assert c["degurba"] == "rural" and c["pop_rural_share"] == pytest.approx(1.0)
    shares = out[["pop_centre_share", "pop_cluster_share", "pop_rural_share"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    # a copy: same index and CRS, input untouched
    assert out.index.equals(_units().index) and out.crs == _units().crs
    assert "pop" not in _units().columns


def test_town_counts_centre_and_cluster_together() -> None:
    # 40 % centre + 20 % cluster = 60 % in urban clusters -> town/suburb, not rural
    pop = np.full((1, 5), 100.0)
    labels = np.array([[1, 1, 0, 0, 0]])
    level1 = np.array([[3, 3, 2, 1, 1]])
    res = make_result(pop, labels, level1)
    out = classify_units(res, strips([0, 5000], 1000), id_col="uid")
    assert out["degurba"].iloc[0] == "town_suburb"
    assert out["pop_centre_share"].iloc[0] == pytest.approx(0.4)


def test_exactly_half_is_a_city() -> None:
    pop = np.full((1, 4), 100.0)
    res = make_result(pop, np.array([[1, 1, 0, 0]]))
    out = classify_units(res, strips([0, 4000], 1000), id_col="uid")
    assert out["degurba"].iloc[0] == "city"


def test_dominant_centre_of_two() -> None:
    pop = np.full((1, 6), 100.0)
    labels = np.array([[1, 1, 0, 2, 2, 2]])
    out = classify_units(make_result(pop, labels), strips([0, 6000], 1000), id_col="uid")
    row = out.iloc[0]
    assert row["uc_id"] == 2 and row["uc_share"] == pytest.approx(0.5) and row["uc_pop"] == 300


def test_unit_without_people() -> None:
    pop = np.array([[100.0, 0.0]])
    res = make_result(pop, np.array([[0, 0]]))
    out = classify_units(res, strips([0, 1000, 2000], 1000), id_col="uid")
    assert out["degurba"].tolist() == ["rural", "rural"]
    assert np.isnan(out["pop_centre_share"].iloc[1])


def test_reprojects_units_in_another_crs() -> None:
    grid = make_grid(POP, x0=4_000_000, y0=3_004_000)
    units = strips([0, 2000, 6000], 4000).set_geometry(
        strips([0, 2000, 6000], 4000).geometry.translate(4_000_000, 3_000_000)
    )
    ll = units.to_crs("EPSG:4326")
    a = unit_population(grid, units, id_col="uid")["pop"].to_numpy()
    b = unit_population(grid, ll, id_col="uid")["pop"].to_numpy()
    np.testing.assert_allclose(a, [800, 1600])
    np.testing.assert_allclose(b, a, rtol=1e-3)


def test_errors() -> None:
    grid = make_grid(POP)
    u = _units()
    with pytest.raises(CRSError, match="set_crs"):
        unit_population(grid, u.set_crs(None, allow_override=True), id_col="uid")
    with pytest.raises(ParameterError, match="id_col"):
        unit_population(grid, u, id_col="nope")
    with pytest.raises(ParameterError, match="method"):
        unit_population(grid, u, id_col="uid", method="mean")  # type: ignore[arg-type]
    dup = u.assign(uid=["A", "A", "B"])
    with pytest.raises(DataError, match="unique"):
        unit_population(grid, dup, id_col="uid")
    pts = gpd.GeoDataFrame({"uid": [1]}, geometry=[shapely.Point(1, 1)], crs=u.crs)
    with pytest.raises(DataError, match="polygons"):
        unit_population(grid, pts, id_col="uid")
    with pytest.raises(DataError, match="PopulationGrid or a DegurbaResult"):
        classify_units(object(), u, id_col="uid")
    res = make_result(POP, LABELS)
    for share in (0, 1.5, "0.5", float("nan")):
        with pytest.raises(ParameterError, match=r"city_share=.* must be a share in"):
            classify_units(res, u, id_col="uid", city_share=share)  # type: ignore[arg-type]


def test_units_off_the_grid_fail_with_the_overlap_share(caplog: pytest.LogCaptureFixture) -> None:
    grid = make_grid(POP)  # x 0..6000, y 0..4000
    elsewhere = strips([0, 2000, 6000], 4000).set_geometry(
        strips([0, 2000, 6000], 4000).geometry.translate(500_000, 0)
    )
    for call in (unit_population, classify_units):
        with pytest.raises(DataError, match=r"none of the 2 units overlaps .* \(0 % of their area"):
            call(
                grid if call is unit_population else make_result(POP, LABELS),
                elsewhere,
                id_col="uid",
            )
    # a third of the area on the grid: counted, with a warning naming the share
    half_off = strips([4000, 8000, 12000], 4000)
    with caplog.at_level("WARNING", logger="fua.degurba.units"):
        out = unit_population(grid, half_off, id_col="uid")
    assert "only 25.0 % of the area of the units lies on the population grid" in caplog.text
    assert "1 of 2 units are wholly off the grid" in caplog.text
    np.testing.assert_allclose(out["pop"], [800.0, 0.0])


def test_units_with_metres_in_a_geographic_crs_fail() -> None:
    wrong = _units().set_crs("EPSG:4326", allow_override=True)  # metres said to be degrees
    with pytest.raises(CRSError, match="are not degrees: set the CRS they are really in"):
        unit_population(make_grid(POP), wrong, id_col="uid")


def test_unit_ids_missing_and_duplicated_are_named() -> None:
    u = strips([0, 1000, 2000, 3000, 4000], 4000, ["A", "A", None, "B"])
    with pytest.raises(DataError) as info:
        unit_population(make_grid(POP), u, id_col="uid")
    text = str(info.value)
    assert (
        "1 unit(s) have no 'uid'" in text and "1 id(s) are used by several units (e.g. 'A')" in text
    )
    assert "dissolve" in text


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.floats(min_value=1.0, max_value=5999.0), min_size=1, max_size=6, unique=True),
    seed=st.integers(0, 10_000),
)
def test_population_conserved_over_a_partition(cuts: list[float], seed: int) -> None:
    pop = np.random.default_rng(seed).gamma(1.0, 50.0, size=(4, 6))
    grid = make_grid(pop)
    xs = [0.0, *sorted(cuts), 6000.0]
    units = strips(xs, 4000)
    for method in ("area", "centroid"):
        out = unit_population(grid, units, id_col="uid", method=method)
        assert out["pop"].sum() == pytest.approx(pop.sum(), rel=1e-9)
