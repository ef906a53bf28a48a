"""Stage 2 from a fine population grid (``classify_units(..., fine_pop=...)``), by hand.

One row of three 1 km cells: an urban centre (1 000 people), an urban cluster
(800) and a rural cell (100). Unit V is x 0..600 m, unit U x 600..2 000 m
(0.4 of the centre cell and the whole cluster cell), unit W the rural cell.
The fine grid has 100 m cells, 10 × 30.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from fua import DataError, ParameterError, PopulationGrid
from fua.degurba.units import classify_units, fine_unit_weights, unit_cell_weights
from tests._fua_fixtures import CRS, make_grid, make_result, strips, write_tif
from tests.validation import validate_ghsl

POP = np.array([[1000.0, 800.0, 100.0]])
LABELS = np.array([[1, 0, 0]])
LEVEL1 = np.array([[3, 2, 1]], np.uint8)


def _result():
    return make_result(POP, LABELS, LEVEL1)


def _units():
    return strips([0, 600, 2000, 3000], 1000, ["V", "U", "W"])


def _fine(centre_cols: slice) -> PopulationGrid:
    """100 m grid: the centre cell's 1 000 people in fine columns ``centre_cols``; the rest even."""
    fine = np.zeros((10, 30))
    block = fine[:, 0:10]
    block[:, centre_cols] = 1000.0 / block[:, centre_cols].size
    fine[:, 10:20] = 800.0 / 100
    fine[:, 20:30] = 100.0 / 100
    return make_grid(fine, cell=100.0, y0=1000.0)


def _uniform() -> PopulationGrid:
    return make_grid(np.repeat(np.repeat(POP / 100.0, 10, axis=0), 10, axis=1), cell=100.0)


def test_area_weights_at_1km_make_u_a_town() -> None:
    out = classify_units(_result(), _units(), id_col="uid").set_index("uid")
    # U: 0.4 x 1 000 centre people + 800 cluster people = 1 200; 400 / 1 200 in the centre
    assert out.loc["U", "pop"] == pytest.approx(1200.0)
    assert out.loc["U", "pop_centre_share"] == pytest.approx(1 / 3)
    assert out.loc["U", "degurba"] == "town_suburb"
    assert out.loc["V", "degurba"] == "city"


def test_fine_grid_with_the_centre_people_inside_u_makes_it_a_city() -> None:
    # all 1 000 people of the centre cell live at x 600..1 000 (fine columns 6-9), inside U
    out = classify_units(_result(), _units(), id_col="uid", fine_pop=_fine(slice(6, 10)))
    out = out.set_index("uid")
    # U: 1 000 centre + 800 cluster = 1 800; 1 000 / 1 800 = 0.556 >= 0.5: city
    assert out.loc["U", "pop"] == pytest.approx(1800.0)
    assert out.loc["U", "pop_centre_share"] == pytest.approx(1000 / 1800)
    assert out.loc["U", "pop_cluster_share"] == pytest.approx(800 / 1800)
    assert out.loc["U", "degurba"] == "city"
    assert out.loc["U", "uc_id"] == 1 and out.loc["U", "uc_share"] == pytest.approx(1000 / 1800)
    assert out.loc["U", "uc_pop"] == pytest.approx(1000.0)  # the centre on the 1 km grid
    # V keeps none of the centre's people: no people, rural with NaN shares
    assert out.loc["V", "pop"] == 0 and out.loc["V", "degurba"] == "rural"
    assert np.isnan(out.loc["V", "pop_centre_share"])
    assert out.loc["W", "degurba"] == "rural" and out.loc["W", "pop"] == pytest.approx(100.0)


def test_fine_grid_with_the_centre_people_outside_u() -> None:
    # the centre's people live at x 0..600 (fine columns 0-5), in V: U has only cluster people
    out = classify_units(_result(), _units(), id_col="uid", fine_pop=_fine(slice(0, 6)))
    out = out.set_index("uid")
    assert out.loc["U", "pop"] == pytest.approx(800.0)
    assert out.loc["U", "pop_centre_share"] == 0.0 and out.loc["U", "uc_id"] == 0
    assert out.loc["U", "degurba"] == "town_suburb"
    assert out.loc["V", "pop"] == pytest.approx(1000.0) and out.loc["V", "degurba"] == "city"


def test_centroid_method_on_the_fine_grid_by_hand() -> None:
    # fine cell centres at x 50, 150, ...: the cell x 500..600 (centre 550) is in V
    fine = _fine(slice(5, 10))  # 200 people per fine column 5-9
    out = classify_units(_result(), _units(), id_col="uid", fine_pop=fine, method="centroid")
    out = out.set_index("uid")
    np.testing.assert_allclose(out["pop"].to_numpy(), [200.0, 1600.0, 100.0])
    assert out.loc["U", "pop_centre_share"] == pytest.approx(800 / 1600)
    assert out.loc["U", "degurba"] == "city"  # exactly half is a city
    # the area method splits the fine cell x 500..600 between V and U: the same here
    area = classify_units(_result(), _units(), id_col="uid", fine_pop=fine).set_index("uid")
    np.testing.assert_allclose(area["pop"].to_numpy(), [200.0, 1600.0, 100.0])


def test_an_even_fine_grid_gives_the_1km_area_weights() -> None:
    """People spread evenly over each 1 km cell: the fine split is the 1 km area split."""
    coarse = classify_units(_result(), _units(), id_col="uid")
    fine = classify_units(_result(), _units(), id_col="uid", fine_pop=_uniform())
    cols = ["pop", "pop_centre_share", "pop_cluster_share", "pop_rural_share", "uc_share"]
    np.testing.assert_allclose(fine[cols].to_numpy(), coarse[cols].to_numpy(), rtol=1e-12)
    assert fine["degurba"].tolist() == coarse["degurba"].tolist()


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.floats(50.0, 2950.0), min_size=1, max_size=5, unique=True),
    dx=st.floats(-0.3, 0.3),
)
def test_fine_area_weights_equal_exact_overlay(cuts: list[float], dx: float) -> None:
    """Interior cells by burning + boundary cells by overlay = the exact overlay of every cell."""
    xs = [0.0, *sorted(cuts), 3000.0]
    units = strips(xs, 1000)
    units["geometry"] = units.geometry.rotate(dx * 10, origin=(1500, 500)).intersection(
        strips([0, 3000], 1000).geometry.iloc[0]
    )
    units = units[~units.geometry.is_empty]
    fine = _fine(slice(3, 8))
    fast = fine_unit_weights(fine, units).toarray()
    exact = unit_cell_weights(fine, units, method="area").toarray()
    np.testing.assert_allclose(fast, exact, atol=1e-12)


def test_fine_pop_from_a_file(tmp_path) -> None:
    path = write_tif(
        tmp_path / "fine.tif", _fine(slice(6, 10)).pop, Affine(100, 0, 0, 0, -100, 1000), crs=CRS
    )
    out = classify_units(_result(), _units(), id_col="uid", fine_pop=path).set_index("uid")
    assert out.loc["U", "degurba"] == "city" and out.loc["U", "pop"] == pytest.approx(1800.0)


@pytest.mark.parametrize(
    ("transform", "crs", "why"),
    [
        (Affine(300, 0, 0, 0, -300, 1200), CRS, "300 m does not divide 1 000 m"),
        (Affine(100, 0, 50, 0, -100, 1000), CRS, "origin 50 m off the lattice"),
        (Affine(100, 0, 0, 0, -100, 1000), "ESRI:54009", "another CRS"),
        (Affine(2000, 0, 0, 0, -2000, 2000), CRS, "coarser than the grid"),
    ],
)
def test_grids_that_do_not_nest_are_refused(tmp_path, transform, crs, why) -> None:
    arr = np.ones((4, 12))
    grid = PopulationGrid(arr, transform, crs)
    with pytest.raises(DataError, match="does not nest"):
        classify_units(_result(), _units(), id_col="uid", fine_pop=grid)
    path = write_tif(tmp_path / "f.tif", arr, transform, crs=crs)
    with pytest.raises(DataError, match="does not nest"):
        classify_units(_result(), _units(), id_col="uid", fine_pop=path)


def test_fine_pop_of_a_wrong_type_is_refused() -> None:
    with pytest.raises(ParameterError, match="fine_pop"):
        classify_units(_result(), _units(), id_col="uid", fine_pop=np.ones((10, 30)))  # type: ignore[arg-type]


def test_people_off_the_grid_and_another_total_are_logged(caplog) -> None:
    # a fine grid one 1 km cell wider than the classified grid, with 5 000 more people
    fine = np.zeros((10, 40))
    fine[:, :30] = _fine(slice(6, 10)).pop
    fine[:, 30:] = 50.0
    with caplog.at_level(logging.WARNING, logger="fua.degurba.units"):
        out = classify_units(_result(), _units(), id_col="uid", fine_pop=make_grid(fine, cell=100))
    assert "5000 people of the fine population grid lie outside" in caplog.text
    assert out["pop"].sum() == pytest.approx(POP.sum())
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fua.degurba.units"):
        classify_units(
            _result(), _units(), id_col="uid", fine_pop=make_grid(fine[:, :30] * 2, cell=100)
        )
    assert "apart" in caplog.text


DATA = validate_ghsl.DEFAULT_DATA


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "belgium").exists(), reason=f"real data not found at {DATA}")
def test_belgian_municipalities_on_100m_grids() -> None:
    rep = validate_ghsl.Report()
    out = validate_ghsl.validate_belgium_units(DATA, rep)
    assert not rep.failures, rep.failures
    assert out["belgium_units_even_area_changed"] == 0
    # a modelled 100 m grid moves few classes, and never more than could move at all
    for name in ("density", "built"):
        for method in ("area", "centroid"):
            n = out[f"belgium_units_{name}_{method}_changed"]
            assert n <= out["belgium_units_could_change"] < 581
