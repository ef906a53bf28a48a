"""Degree of Urbanisation rules on small grids built by hand."""

import json

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fua
from fua import CRSError, DataError, ParameterError, PopulationGrid
from fua.degurba.classify import DegurbaParams, classify_grid

T = Affine(1000.0, 0, 0, 0, -1000.0, 100_000.0)
MOLL = "ESRI:54009"
NO_SMOOTH = DegurbaParams().replace(centre_smoothing="none", centre_hole_max_km2=0)


def grid(pop, **kw):
    return PopulationGrid(np.asarray(pop, float), T, MOLL, **kw)


def block(shape, r0, r1, c0, c1, value, base=None):
    a = np.zeros(shape) if base is None else base
    a[r0:r1, c0:c1] = value
    return a


def test_centre_threshold_50000_inclusive():
    pop = block((10, 20), 2, 4, 2, 7, 5_000.0)  # 10 cells x 5 000 = 50 000
    pop = block((10, 20), 2, 4, 12, 17, 5_000.0, pop)
    pop[3, 16] = 4_999.0  # 49 999
    r = classify_grid(grid(pop), NO_SMOOTH)
    assert r.n_centres == 1
    assert (r.level2[2:4, 2:7] == 30).all()
    # the smaller one is a dense urban cluster (>= 5 000 people, density >= 1 500)
    assert (r.level2[2:4, 12:17] == 23).all()
    assert (r.level1[2:4, 12:17] == 2).all()


def test_diagonal_only_contact_does_not_join_urban_centre_cells():
    pop = np.zeros((10, 10))
    pop[2:4, 2:4] = 7_000.0  # 28 000
    pop[4:6, 4:6] = 7_000.0  # 28 000, touching at a corner
    r4 = classify_grid(grid(pop), NO_SMOOTH)
    r8 = classify_grid(grid(pop), NO_SMOOTH.replace(centre_connectivity=8))
    assert r4.n_centres == 0
    assert r8.n_centres == 1 and (r8.level2 == 30).sum() == 8
    # urban clusters are queen-contiguous: one cluster of 56 000 either way
    assert r4.n_clusters == 1


def test_hole_filling_14_vs_16_km2():
    def ring(hole_rows, hole_cols):
        pop = block((16, 16), 2, 14, 2, 14, 2_000.0)  # 144 cells, 288 000 people
        r0 = 2 + (12 - hole_rows) // 2
        c0 = 2 + (12 - hole_cols) // 2
        pop[r0 : r0 + hole_rows, c0 : c0 + hole_cols] = 100.0
        return pop, (r0, c0)

    params = DegurbaParams().replace(centre_smoothing="none")
    pop14, (r, c) = ring(2, 7)
    res = classify_grid(grid(pop14), params)
    assert (res.level2[r : r + 2, c : c + 7] == 30).all()
    pop16, (r, c) = ring(4, 4)
    res = classify_grid(grid(pop16), params)
    assert (res.level2[r : r + 4, c : c + 4] != 30).all()


def test_majority_rule_adds_edge_cells():
    pop = block((9, 9), 2, 7, 2, 7, 3_000.0)  # 25 cells, 75 000
    pop[4, 4] = 0.0  # a one-cell dip inside: filled by either rule
    notch = pop.copy()
    notch[2, 4] = 100.0  # a notch in the edge: 5 of 8 neighbours are in the centre
    res = classify_grid(grid(notch), DegurbaParams().replace(centre_hole_max_km2=0))
    assert res.level2[2, 4] == 30
    assert res.level2[4, 4] == 30
    raw = classify_grid(grid(notch), NO_SMOOTH)
    assert raw.level2[2, 4] != 30


def test_water_cells_and_no_data():
    pop = np.zeros((5, 5))
    pop[0, 0] = 12.0
    land = np.ones((5, 5))
    land[0, 0] = 0.2  # populated: never water
    land[1, 1] = 0.0  # empty water
    land[2, 2] = 0.6  # mostly land: not water
    valid = np.ones((5, 5), bool)
    valid[4, 4] = False  # no data on land
    valid[3, 3] = False
    land[3, 3] = 0.0  # no data at sea: water
    r = classify_grid(grid(pop, land_share=land, valid=valid))
    assert r.level2[1, 1] == 10
    assert r.level2[3, 3] == 10
    assert r.level2[0, 0] == 12  # 12 people on 0.2 km2 of land: 60 /km2, and not water
    assert r.level2[2, 2] == 11
    assert r.level2[4, 4] == 0 and r.level1[4, 4] == 0


def test_density_is_per_km2_of_land():
    pop = np.full((3, 3), 20.0)
    land = np.full((3, 3), 0.25)  # 80 people per km2 of land
    r = classify_grid(grid(pop, land_share=land))
    assert (r.level2 == 12).all()
    r = classify_grid(grid(pop))
    assert (r.level2 == 11).all()


def test_built_up_criterion():
    pop = block((8, 14), 2, 4, 2, 10, 3_000.0)  # 16 cells, 48 000 people
    pop[3, 10] = 1_500.0  # dense: the cluster has 49 500
    pop[2, 10] = 1_000.0  # not dense, but 30 % built up
    built = np.zeros_like(pop)
    built[2, 10] = 0.3
    g = grid(pop, built_share=built)
    with_built = classify_grid(g, NO_SMOOTH)
    no_built = classify_grid(g, NO_SMOOTH.replace(centre_built_share_min=None))
    assert with_built.n_centres == 1 and with_built.level2[2, 10] == 30
    assert no_built.n_centres == 0
    assert classify_grid(g, NO_SMOOTH.replace(centre_built_share_min=0.5)).n_centres == 0


def test_semi_dense_2024_rule_uses_distance_to_dense_areas():
    shape = (12, 40)
    pop = block(shape, 4, 8, 2, 8, 2_500.0)  # urban centre: 24 cells, 60 000
    # a semi-dense cluster 2 cells from the centre (too close) and one far away
    pop = block(shape, 5, 7, 9, 11, 1_000.0, pop)  # 4 cells, 4 000 people, 2 km away
    pop = block(shape, 5, 7, 30, 32, 1_000.0, pop)  # same, far away
    r = classify_grid(grid(pop), NO_SMOOTH)
    assert (r.level2[5:7, 30:32] == 22).all()
    assert (r.level2[5:7, 9:11] != 22).all()
    # the close one is not part of any urban cluster (it is 8-contiguous only
    # with itself), so it is a rural cluster
    assert (r.level2[5:7, 9:11] == 13).all()


def test_semi_dense_2021_rule():
    shape = (12, 40)
    pop = block(shape, 4, 8, 2, 8, 2_500.0)
    pop = block(shape, 4, 8, 30, 35, 400.0, pop)  # an urban cluster of 20 cells, 8 000 people
    r = classify_grid(
        grid(pop), DegurbaParams.preset("R2023A-2021").replace(centre_smoothing="none")
    )
    assert (r.level2[4:8, 30:35] == 22).all()
    r24 = classify_grid(grid(pop), NO_SMOOTH)
    assert (r24.level2[4:8, 30:35] == 21).all()  # 400 /km2 is below the 2024 semi-dense density


def test_rural_classes():
    pop = np.zeros((6, 6))
    pop[1:3, 1:3] = 400.0  # rural cluster: 1 600 people, density 400
    pop[5, 5] = 60.0  # low density rural
    pop[5, 0] = 10.0  # very low density
    r = classify_grid(grid(pop))
    assert (r.level2[1:3, 1:3] == 13).all()
    assert r.level2[5, 5] == 12 and r.level2[5, 0] == 11
    assert (r.level1 == 1).all()


def test_params_roundtrip_json(tmp_path):
    p = DegurbaParams.preset("R2022A").replace(centre_pop_min=100_000)
    assert DegurbaParams.from_json(p.to_json()) == p
    side = tmp_path / "run.json"
    side.write_text(json.dumps({"parameters": p.to_dict(), "version": "x"}))
    assert DegurbaParams.from_json(side) == p


def test_params_are_validated():
    with pytest.raises(ParameterError, match="centre_connectivity"):
        DegurbaParams(centre_connectivity=6)
    with pytest.raises(ParameterError, match="centre_built_share_min"):
        DegurbaParams(centre_built_share_min=20)
    with pytest.raises(ParameterError, match="unknown DegurbaParams"):
        DegurbaParams().replace(centre_pop=3)
    with pytest.raises(ParameterError, match="unknown preset"):
        DegurbaParams.preset("R1999")
    with pytest.raises(ValueError):  # ParameterError is also a ValueError
        DegurbaParams(centre_pop_min=-1)


def test_params_as_a_dict():
    pop = block((12, 12), 2, 10, 2, 10, 2_000.0)
    via_dict = classify_grid(grid(pop), params={"centre_pop_min": 200_000})
    via_obj = classify_grid(grid(pop), DegurbaParams().replace(centre_pop_min=200_000))
    assert via_dict.params == via_obj.params and via_dict.params.preset_name == "R2023A+custom"
    np.testing.assert_array_equal(via_dict.level2, via_obj.level2)
    assert via_dict.n_centres == 0 and classify_grid(grid(pop)).n_centres == 1
    assert len(fua.urban_centres(grid(pop), {"centre_pop_min": 200_000})) == 0
    with pytest.raises(
        ParameterError, match=r"unknown DegurbaParams field\(s\) \['centre_pop', 'x'\]"
    ):
        classify_grid(grid(pop), params={"centre_pop": 1, "x": 2})
    with pytest.raises(ParameterError, match="centre_connectivity must be 4 or 8"):
        classify_grid(grid(pop), params={"centre_connectivity": 6})
    with pytest.raises(ParameterError, match="a DegurbaParams or a dict of its fields, got str"):
        classify_grid(grid(pop), params="R2022A")  # type: ignore[arg-type]


def test_params_from_json_missing_or_bad(tmp_path):
    with pytest.raises(fua.InputFileError, match=r"no such file: missing.json") as info:
        DegurbaParams.from_json("missing.json")
    assert "\n" not in str(info.value)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(fua.InputFileError, match=r"bad.json is not valid JSON \(.* at line 1"):
        DegurbaParams.from_json(bad)
    with pytest.raises(ParameterError, match="the JSON text is not valid JSON"):
        DegurbaParams.from_json('{"centre_pop_min": }')
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ParameterError, match="holds a JSON list"):
        DegurbaParams.from_json(listed)


def test_bad_grids():
    with pytest.raises(CRSError, match="geographic"):
        PopulationGrid(np.zeros((2, 2)), T, "EPSG:4326")
    with pytest.raises(DataError, match="negative"):
        classify_grid(grid(np.array([[1.0, -2.0]])))
    with pytest.raises(DataError, match="NaN"):
        classify_grid(grid(np.array([[1.0, np.nan]])))
    with pytest.raises(DataError, match="PopulationGrid"):
        classify_grid(np.zeros((3, 3)))  # type: ignore[arg-type]


pops = arrays(
    np.float64,
    st.tuples(st.integers(3, 14), st.integers(3, 14)),
    elements=st.floats(0, 6_000, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(pops)
def test_population_is_conserved_by_classification(pop):
    r = classify_grid(grid(pop))
    by_class = r.class_population(level=2)
    assert sum(by_class.values()) == pytest.approx(pop.sum(), rel=1e-12, abs=1e-9)
    # every urban-centre cell is also in an urban cluster
    assert ((r.centre_labels > 0) <= (r.cluster_labels > 0)).all()
    assert set(np.unique(r.level2)) <= {10, 11, 12, 13, 21, 22, 23, 30}


@settings(max_examples=60, deadline=None)
@given(pops, st.floats(100, 2_000), st.floats(0.1, 0.9))
def test_urban_cells_grow_when_cluster_thresholds_fall(pop, density, factor):
    hi = DegurbaParams().replace(cluster_density_min_per_km2=density, cluster_pop_min=5_000)
    lo = hi.replace(cluster_density_min_per_km2=density * factor, cluster_pop_min=5_000 * factor)
    urban_hi = classify_grid(grid(pop), hi).level1 >= 2
    urban_lo = classify_grid(grid(pop), lo).level1 >= 2
    assert (urban_hi <= urban_lo).all()


@settings(max_examples=60, deadline=None)
@given(pops, st.floats(500, 3_000), st.floats(0.2, 0.95))
def test_centres_shrink_when_centre_density_rises(pop, density, factor):
    lo = NO_SMOOTH.replace(centre_density_min_per_km2=density * factor, centre_pop_min=10_000)
    hi = lo.replace(centre_density_min_per_km2=density)
    assert (
        (classify_grid(grid(pop), hi).centre_labels > 0)
        <= (classify_grid(grid(pop), lo).centre_labels > 0)
    ).all()


def test_urban_centres_and_clusters_tables():
    pop = np.zeros((20, 30))
    pop[2:8, 2:8] = 2_000.0  # centre 1: 72 000
    pop[4, 4] = 0.0  # a one-cell dip inside centre 1 (filled: still a centre cell)
    pop[12:18, 20:27] = 1_800.0  # centre 2: 75 600
    pop[14:16, 10:12] = 700.0  # 2 800 people: a rural cluster, not an urban one
    pop[10:12, 2:6] = 800.0  # 6 400 people: an urban cluster of its own (rows 8-9 are empty)
    r = classify_grid(grid(pop))
    centres = fua.urban_centres(r)
    assert list(centres["uc_id"]) == [1, 2]
    cell_sums = [pop[r.centre_labels == k].sum() for k in (1, 2)]
    assert centres["pop"].tolist() == pytest.approx(cell_sums)
    assert centres["pop"].sum() == pytest.approx(pop[r.centre_labels > 0].sum())
    assert centres["n_cells"].tolist() == [36, 42]
    assert centres["area_km2"].tolist() == pytest.approx([36.0, 42.0])
    assert centres.geometry.area.tolist() == pytest.approx([36e6, 42e6])
    assert centres["density_per_km2"].iloc[1] == pytest.approx(1_800.0)
    assert centres.crs.to_string() == "ESRI:54009"
    # the population-weighted centroid of a uniform block is its middle
    x, y = centres[["centroid_x", "centroid_y"]].iloc[1]
    assert (x, y) == pytest.approx((23_500.0, 100_000.0 - 15_000.0))
    clusters = fua.urban_clusters(r)
    assert clusters["pop"].sum() == pytest.approx(pop[r.cluster_labels > 0].sum())
    assert len(clusters) == 3
    assert sorted(clusters["n_centres"]) == [0, 1, 1]


def test_level1_only_skips_level2():
    pop = block((10, 10), 2, 6, 2, 6, 4_000.0)
    r = classify_grid(grid(pop), level=1)
    assert r.level2 is None and r.n_centres == 1
    with pytest.raises(ParameterError, match="level 2 was not computed"):
        r.class_population(level=2)
    with pytest.raises(ParameterError, match="level must be 1 or 2"):
        classify_grid(grid(pop), level=3)


# -- flexurba parity options ----------------------------------------------------------


def test_moving_mean_by_hand():
    from fua.degurba._core import moving_mean

    v = np.zeros((3, 3))
    v[0, 1] = 9.0
    use = np.ones((3, 3), bool)
    m = moving_mean(v, use, 3)
    # corner: 4 cells inside the grid; edge: 6; middle: 9
    assert m[0, 0] == 9.0 / 4 and m[0, 1] == 9.0 / 6 and m[1, 1] == 1.0 and m[2, 2] == 0.0
    use[0, 1] = False  # left out: neither the value nor the cell counts
    use[1, 1] = False
    m = moving_mean(v, use, 3)
    assert (m == 0).all()
    assert moving_mean(v, np.zeros((3, 3), bool), 3).tolist() == np.zeros((3, 3)).tolist()


def test_centre_smooth_window_by_hand():
    # 1 400 /km2 everywhere (below 1 500), one cell with 8 100 more people
    pop = np.full((9, 9), 1_400.0)
    pop[4, 4] += 9 * 900.0
    base = NO_SMOOTH.replace(centre_pop_min=20_000)
    assert classify_grid(grid(pop), base).n_centres == 0  # one dense cell of 9 500 people
    # 3x3 mean: the 9 cells around the spike get 1 400 + 900 = 2 300 (20 700 people)
    r3 = classify_grid(grid(pop), base.replace(centre_smooth_window=3))
    assert r3.n_centres == 1
    assert (r3.level2 == 30).sum() == 9 and (r3.level2[3:6, 3:6] == 30).all()
    assert fua.urban_centres(r3)["pop"].iloc[0] == pytest.approx(20_700.0)  # raw people
    # 5x5 mean: 1 400 + 8 100 / 25 = 1 724 in the 25 cells around it
    r5 = classify_grid(grid(pop), base.replace(centre_smooth_window=5))
    assert (r5.level2 == 30).sum() == 25 and (r5.level2[2:7, 2:7] == 30).all()
    # the size rule reads the smoothed population: 9 x 2 300 = 20 700 < 21 000
    too_big = base.replace(centre_smooth_window=3, centre_pop_min=21_000)
    assert classify_grid(grid(pop), too_big).n_centres == 0
    # other classes are untouched by the smoothing
    np.testing.assert_array_equal(
        classify_grid(grid(pop), base.replace(centre_pop_min=1e9)).level2,
        classify_grid(grid(pop), base.replace(centre_pop_min=1e9, centre_smooth_window=3)).level2,
    )


def test_centre_smooth_window_leaves_out_cells_without_data():
    pop = np.full((9, 9), 1_400.0)
    pop[4, 4] += 9 * 900.0
    valid = np.ones((9, 9), bool)
    valid[3, 3] = False  # no data (pop 0): left out, so the 3x3 means stay above 1 500
    pop[3, 3] = 0.0
    p = NO_SMOOTH.replace(centre_pop_min=15_000, centre_smooth_window=3)
    r = classify_grid(grid(pop, valid=valid), p)
    assert r.n_centres == 1 and r.level2[4, 4] == 30


def test_classify_flags_refuses_a_caller_that_forgets_what_an_option_needs():
    from fua.degurba._core import classify_flags

    pop = np.full((6, 6), 2_000.0)
    for bad in ({"centre_smooth_window": 3}, {"nodata_class": "rural"}):
        p = DegurbaParams().replace(**bad)
        flags = np.zeros((6, 6), dtype="uint8")
        with pytest.raises(ParameterError, match="classify_flags was called with"):
            classify_flags(pop, flags, p, cell_size_m=1000.0, cell_area_km2=1.0, level=2,
                           has_land=False)  # fmt: skip


@pytest.mark.parametrize(("built", "land", "decimals", "centre"), [
    (0.1996, None, None, False),
    (0.1996, None, 3, True),  # rounds to 0.200
    (0.1994, None, 3, False),  # rounds to 0.199
    (0.0998, 0.5, 3, True),  # 0.1996 of the land
    (0.0998, 0.5, None, False),
    (0.1996, None, 2, True),  # 0.20
])  # fmt: skip
def test_built_share_decimals(built, land, decimals, centre):
    pop = block((8, 8), 2, 5, 2, 5, 700.0)  # 9 cells, 6 300 people, < 1 500 per km2 of land
    b = block((8, 8), 2, 5, 2, 5, built)
    kw = {"built_share": b}
    if land is not None:
        kw["land_share"] = np.full((8, 8), land)
    p = NO_SMOOTH.replace(centre_pop_min=5_000, built_share_decimals=decimals)
    r = classify_grid(grid(pop, **kw), p)
    assert (r.n_centres == 1) is centre
    assert bool((r.level2[2:5, 2:5] == 30).all()) is centre


def test_nodata_class_rural():
    pop = np.zeros((5, 5))
    land = np.ones((5, 5))
    valid = np.ones((5, 5), bool)
    valid[4, 4] = False  # no data on land
    valid[3, 3] = False
    land[3, 3] = 0.0  # no data at sea: water either way
    g = grid(pop, land_share=land, valid=valid)
    ours = classify_grid(g)
    flex = classify_grid(g, {"nodata_class": "rural"})
    assert ours.level2[4, 4] == 0 and ours.level1[4, 4] == 0
    assert flex.level2[4, 4] == 11 and flex.level1[4, 4] == 1
    assert ours.level2[3, 3] == flex.level2[3, 3] == 10
    mask = np.ones((5, 5), bool)
    mask[4, 4] = False
    np.testing.assert_array_equal(ours.level2[mask], flex.level2[mask])


def test_flexurba_options_validated_and_round_trip():
    p = DegurbaParams(centre_smooth_window=5, built_share_decimals=3, nodata_class="rural")
    assert DegurbaParams.from_json(p.to_json()) == p
    assert DegurbaParams.from_dict(p.to_dict()) == p
    for bad in ({"centre_smooth_window": 4}, {"centre_smooth_window": 1},
                {"centre_smooth_window": -3}, {"centre_smooth_window": 3.0},
                {"centre_smooth_window": True}):  # fmt: skip
        with pytest.raises(ParameterError, match="centre_smooth_window"):
            DegurbaParams(**bad)
    for bad_d in (-1, 2.5, "3", 99):
        with pytest.raises(ParameterError, match="built_share_decimals"):
            DegurbaParams(built_share_decimals=bad_d)
    with pytest.raises(ParameterError, match="nodata_class"):
        DegurbaParams(nodata_class="zero")
    # defaults are off, and an old sidecar without the new fields still reads
    d = DegurbaParams().to_dict()
    assert (d["centre_smooth_window"], d["built_share_decimals"], d["nodata_class"]) == (
        0,
        None,
        "nodata",
    )
    for k in ("centre_smooth_window", "built_share_decimals", "nodata_class"):
        del d[k]
    assert DegurbaParams.from_dict(d) == DegurbaParams()
