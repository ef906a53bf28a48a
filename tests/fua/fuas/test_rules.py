"""One hand-checked case per EU-OECD rule of fua.fuas.rules, on plain arrays."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import shapely

from fua.fuas.flows import adjacency
from fua.fuas.params import FuaParams
from fua.fuas.rules import (
    city_units,
    commuting_zone,
    eligible_centres,
    enclaves,
    exclaves,
    large_centres,
    merge_polycentric,
)
from tests._fua_fixtures import make_result


def flows(n: int, *triples: tuple[int, int, float]) -> sp.csr_matrix:
    """Commuters from unit i (residence) to unit j (work)."""
    rows, cols, vals = zip(*triples, strict=True) if triples else ((), (), ())
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def squares(nrows: int, ncols: int) -> np.ndarray:
    """1 km squares, row-major."""
    return np.array(
        [
            shapely.box(c * 1000.0, -(r + 1) * 1000.0, (c + 1) * 1000.0, -r * 1000.0)
            for r in range(nrows)
            for c in range(ncols)
        ]
    )


def test_large_centres_50_000_is_enough() -> None:
    pop = np.array([49_999.0, 50_000.0, 120_000.0])
    np.testing.assert_array_equal(large_centres(pop, 50_000), [False, True, True])
    np.testing.assert_array_equal(large_centres(pop, 100_000), [False, False, True])


def test_eligible_centres_keep_large_centres_only() -> None:
    # centre 1: 2 cells of 30 000 people; centre 2: one cell of 10 000
    pop = np.array([[30_000.0, 30_000.0, 5.0], [10_000.0, 0.0, 5.0]])
    labels = np.array([[1, 1, 0], [2, 0, 0]])
    kept, uc_pop = eligible_centres(make_result(pop, labels), 50_000)
    np.testing.assert_array_equal(kept, [[1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(uc_pop, [0.0, 60_000.0, 10_000.0])


def test_city_units_half_of_the_people_in_one_large_centre() -> None:
    uc_id = np.array([1, 1, 2, 0])
    uc_share = np.array([0.7, 0.3, 0.9, 0.0])  # unit 1: not half in the centre
    uc_pop = np.array([80_000.0, 80_000.0, 20_000.0, 0.0])  # centre 2 is too small
    pop = np.array([100_000.0, 50_000.0, 20_000.0, 1_000.0])
    c = city_units(uc_id, uc_share, uc_pop, pop, FuaParams())
    np.testing.assert_array_equal(c.city_uc, [1, 0, 0, 0])
    assert c.reason[0] == "city of UC 1 (70.0 % of pop in centre)"
    assert "20 000 < 50 000 people: no FUA of its own" in c.note[2]
    cen = c.centres.set_index("uc_id")
    # centre 1: its city unit holds 0.7 * 100 000 = 70 000 of its 80 000 people
    assert cen.loc[1, "city_coverage"] == pytest.approx(0.875)
    assert cen.loc[1, "status"] == "city" and not cen.loc[1, "greater_city_flag"]
    assert cen.loc[2, "status"] == "too small"


def test_city_units_orphan_centre_gets_its_largest_unit() -> None:
    # no unit reaches 50 %; unit 1 holds 0.4 * 90 000 > unit 0's 0.45 * 50 000
    uc_id, share = np.array([1, 1]), np.array([0.45, 0.40])
    uc_pop, pop = np.array([80_000.0, 80_000.0]), np.array([50_000.0, 90_000.0])
    c = city_units(uc_id, share, uc_pop, pop, FuaParams())
    np.testing.assert_array_equal(c.city_uc, [0, 1])
    assert "largest part of the centre" in c.reason[1]
    flagged = city_units(uc_id, share, uc_pop, pop, FuaParams(orphan_centres="flag"))
    np.testing.assert_array_equal(flagged.city_uc, [0, 0])
    assert bool(flagged.centres.set_index("uc_id").loc[1, "no_city_flag"])


def test_merge_polycentric_at_15_percent() -> None:
    # three cities (centres 1, 2, 3), 100 employed each; city 2 sends 20 % to city 1
    # (merged), city 3 sends 10 % (not merged); FUA 1 is the larger city population
    city_uc = np.array([1, 2, 3, 0])
    fm = flows(4, (1, 0, 20.0), (2, 0, 10.0))
    employed = np.full(4, 100.0)
    pop = np.array([300.0, 100.0, 500.0, 50.0])
    fua = merge_polycentric(city_uc, fm, employed, pop, threshold=0.15)
    np.testing.assert_array_equal(fua, [2, 2, 1, 0])  # 300 + 100 < 500
    fua2 = merge_polycentric(city_uc, fm, employed, pop, threshold=0.25)
    np.testing.assert_array_equal(fua2, [2, 3, 1, 0])


def test_commuting_zone_at_15_percent_and_ties_to_the_larger_city() -> None:
    fua = np.array([1, 2, 0, 0, 0])  # units 0 and 1 are the cities of FUAs 1 and 2
    fm = flows(
        5,
        (2, 0, 15.0),  # exactly 15 %: joins FUA 1
        (3, 0, 14.0),  # 14 %: stays out
        (4, 0, 20.0),  # 20 % to each city: the tie goes to FUA 1 (the larger city)
        (4, 1, 20.0),
    )
    employed = np.full(5, 100.0)
    out, cs = commuting_zone(fua, fm, employed, threshold=0.15)
    np.testing.assert_array_equal(out, [1, 2, 1, 0, 1])
    np.testing.assert_allclose(cs.max_share, [0.0, 0.0, 0.15, 0.14, 0.2])
    np.testing.assert_array_equal(fua, [1, 2, 0, 0, 0])  # the input is left alone


def test_exclaves_not_joined_to_their_city() -> None:
    # a row of four squares: city | commuting | none | commuting (cut off)
    adj = adjacency(squares(1, 4))
    fua = np.array([1, 1, 0, 1])
    is_city = np.array([True, False, False, False])
    np.testing.assert_array_equal(exclaves(fua, is_city, adj), [False, False, False, True])


def test_enclaves_surrounded_by_one_fua() -> None:
    # 3 x 3 squares, all in FUA 1 but the centre one: the centre is an enclave
    geoms = squares(3, 3)
    fua = np.array([1, 1, 1, 1, 0, 1, 1, 1, 1])
    found = enclaves(geoms, adjacency(geoms), fua, tolerance_m=1.0, max_open_share=0.01)
    assert [(f, m.tolist()) for f, m in found] == [(1, [4])]
    # the middle of the top row touches only FUA units, but its top side is open
    fua_top = np.array([1, 0, 1, 1, 1, 1, 1, 1, 1])
    assert enclaves(geoms, adjacency(geoms), fua_top, tolerance_m=1.0, max_open_share=0.01) == []
