"""Tests of fua.epochs: centres and FUAs over time on hand-made grids (expected values by hand)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine

import fua
from fua import CRSError, DataError, ParameterError
from fua.epochs import TRANSITIONS, compare_epochs, transition_grid
from fua.fuas.params import FuaParams
from fua.fuas.result import FuaResult
from tests._fua_fixtures import make_grid

DENSE = 5000.0  # people per 1 km cell: a 4 x 4 block holds 80 000 (an urban centre)


def _grid_pop(
    blocks: list[tuple[int, int, int, int]], shape: tuple[int, int] = (30, 30)
) -> np.ndarray:
    pop = np.full(shape, 50.0)
    for r0, c0, h, w in blocks:
        pop[r0 : r0 + h, c0 : c0 + w] = DENSE
    return pop


def _classify(blocks: list[tuple[int, int, int, int]]) -> fua.DegurbaResult:
    return fua.classify_grid(make_grid(_grid_pop(blocks)))


# epoch 1: A (4x4) and B (4x4) three cells apart, C (3x3 = 45 000 people: a cluster, no centre),
#          E (4x4) far away; epoch 2: A and B joined by dense cells (one 4x11 block), C grown to
#          5x5 (125 000: a centre), D new (4x4), E gone (rural).
EPOCH1 = [(3, 3, 4, 4), (3, 10, 4, 4), (20, 20, 3, 3), (20, 3, 4, 4)]
EPOCH2 = [(3, 3, 4, 11), (20, 20, 5, 5), (12, 3, 4, 4)]


@pytest.fixture(scope="module")
def pair() -> fua.EpochComparison:
    return compare_epochs({2020: _classify(EPOCH2), 1990: _classify(EPOCH1)})


def test_merge_appear_disappear_with_population_and_area(pair: fua.EpochComparison) -> None:
    assert pair.epochs == (1990, 2020) and pair.pairs == [(1990, 2020)]
    t = pair.centres[(1990, 2020)].set_index("change")
    assert sorted(t.index) == ["appeared", "appeared", "disappeared", "merged"]
    merged = t.loc["merged"]
    assert merged["n_before"] == 2 and merged["n_after"] == 1
    # two 16-cell centres (80 000 each) -> one 44-cell centre of 220 000
    assert merged["area_km2_before"] == 32 and merged["area_km2_after"] == 44
    assert merged["pop_before"] == 160_000 and merged["pop_after"] == 220_000
    assert merged["pop_change"] == 60_000 and merged["area_change_km2"] == 12
    appeared = t.loc["appeared"].sort_values("area_km2_after")
    assert appeared["area_km2_after"].tolist() == [16, 25]  # D (new) and C (cluster -> centre)
    assert appeared["pop_after"].tolist() == [80_000, 125_000]
    assert (appeared["ids_before"] == "").all() and (appeared["pop_before"] == 0).all()
    gone = t.loc["disappeared"]
    assert gone["pop_before"] == 80_000 and gone["n_after"] == 0 and gone["ids_after"] == ""
    # the geometry is the later extent (the earlier one for a centre that disappeared)
    assert merged.geometry.area == pytest.approx(44e6) and gone.geometry.area == pytest.approx(16e6)


def test_grow_shrink_split_by_hand() -> None:
    one = _classify([(5, 5, 4, 4)])
    grown = _classify([(5, 5, 5, 5)])
    split = _classify([(5, 5, 4, 4), (5, 12, 4, 4), (5, 9, 4, 3)])  # A grown into a band...
    parts = _classify([(5, 2, 4, 4), (5, 9, 4, 4)])  # ...then two parts, cols 5..8 shared by both
    t = compare_epochs({1: one, 2: grown, 3: one}).centres
    assert t[(1, 2)]["change"].tolist() == ["grew"]
    assert t[(1, 2)]["area_change_km2"].tolist() == [9.0]
    assert t[(2, 3)]["change"].tolist() == ["shrank"]
    assert compare_epochs({1: one, 2: one}).centres[(1, 2)]["change"].tolist() == ["same extent"]
    assert compare_epochs({1: split, 2: parts}).centres[(1, 2)]["change"].tolist() == ["split"]
    assert compare_epochs({1: parts, 2: split}).centres[(1, 2)]["change"].tolist() == ["merged"]


def test_change_map_codes_by_hand(pair: fua.EpochComparison) -> None:
    before = np.array([[1, 2, 3, 0], [3, 3, 1, 2]], dtype=np.uint8)
    after = np.array([[3, 2, 1, 1], [0, 3, 2, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(
        transition_grid(before, after), [[13, 22, 31, 0], [0, 33, 12, 21]]
    )
    assert {s.code for s in TRANSITIONS} == {11, 12, 13, 21, 22, 23, 31, 32, 33}
    with pytest.raises(DataError, match="level-1"):
        transition_grid(before * 10, after)
    ch = pair.change[(1990, 2020)]
    r1, r2 = _classify(EPOCH1), _classify(EPOCH2)
    np.testing.assert_array_equal(ch, 10 * r1.level1 + r2.level1)
    assert ch[21, 21] == 23 and ch[4, 4] == 33 and ch[21, 4] in (31, 32) and ch[13, 4] == 13


def test_refuses_grids_that_differ() -> None:
    r = _classify(EPOCH1)
    other = fua.classify_grid(make_grid(_grid_pop(EPOCH1), x0=500.0))
    with pytest.raises(DataError, match="same grid"):
        compare_epochs({1990: r, 2020: other})
    small = fua.classify_grid(make_grid(_grid_pop(EPOCH1, shape=(29, 30))))
    with pytest.raises(DataError, match="same grid"):
        compare_epochs({1990: r, 2020: small})
    g = make_grid(_grid_pop(EPOCH1))
    moved = fua.PopulationGrid(pop=g.pop, transform=g.transform, crs="ESRI:54009")
    with pytest.raises(CRSError, match="different CRSs"):
        compare_epochs({1990: r, 2020: fua.classify_grid(moved)})
    with pytest.raises(ParameterError, match="at least two"):
        compare_epochs({1990: r})


def _fua_result(
    result: fua.DegurbaResult, boxes: dict[int, tuple[float, ...]], *, labels: bool
) -> FuaResult:
    """A FuaResult with FUAs given as boxes (grid CRS), population and area from the grid."""
    grid = result.grid
    geoms = [shapely.box(*b) for b in boxes.values()]
    lab = np.zeros(grid.shape, dtype=np.int32)
    rows = []
    for (fid, (x0, y0, x1, y1)), geom in zip(boxes.items(), geoms, strict=True):
        r0, r1 = int(grid.shape[0] - y1 / 1000), int(grid.shape[0] - y0 / 1000)
        lab[r0:r1, int(x0 / 1000) : int(x1 / 1000)] = fid
        rows.append(
            {
                "fua_id": fid,
                "pop_total": float(grid.pop[lab == fid].sum()),
                "area_km2": geom.area / 1e6,
            }
        )
    fuas = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=grid.crs)
    empty = fuas.iloc[:0]
    return FuaResult(fuas, empty, empty, gpd.GeoDataFrame(geometry=[], crs=grid.crs), pd.DataFrame(),
                     "proxy", FuaParams(), result, fua_labels=lab if labels else None)  # fmt: skip


@pytest.mark.parametrize("labels", [True, False])
def test_fuas_matched_by_cells_from_labels_or_polygons(labels: bool) -> None:
    r1, r2 = _classify(EPOCH1), _classify(EPOCH2)
    # 1990: FUA 1 around A, FUA 2 around B; 2020: FUA 7 covers both; FUA 9 new around D
    f1 = _fua_result(r1, {1: (2e3, 22e3, 8e3, 28e3), 2: (9e3, 22e3, 15e3, 28e3)}, labels=labels)
    f2 = _fua_result(r2, {7: (2e3, 21e3, 15e3, 28e3), 9: (2e3, 13e3, 8e3, 19e3)}, labels=labels)
    c = compare_epochs({1990: f1, 2020: f2})
    t = c.fuas[(1990, 2020)].set_index("change")
    assert sorted(t.index) == ["appeared", "merged"]
    assert t.loc["merged", "ids_before"] == "1,2" and t.loc["merged", "ids_after"] == "7"
    assert t.loc["merged", "area_km2_before"] == 72 and t.loc["merged", "area_km2_after"] == 91
    assert t.loc["merged", "pop_before"] == f1.fua["pop_total"].sum()
    assert t.loc["appeared", "ids_after"] == "9"
    assert len(c.centres[(1990, 2020)]) == 4  # the centres are compared as well
    with pytest.raises(ParameterError, match="not a mix"):
        compare_epochs({1990: f1, 2020: r2})


def test_write_styled_outputs_and_sidecar(pair: fua.EpochComparison, tmp_path: Path) -> None:
    out = pair.write(tmp_path / "ep")
    assert set(out) == {"vectors", "change_1990_2020", "change_1990_2020_style", "sidecar"}
    layers = gpd.list_layers(out["vectors"])["name"].tolist()
    assert "centres_1990_2020" in layers and "layer_styles" in layers  # QGIS default styles
    back = gpd.read_file(out["vectors"], layer="centres_1990_2020")
    assert sorted(back["change"]) == ["appeared", "appeared", "disappeared", "merged"]
    info = subprocess.run(
        ["ogrinfo", "-so", str(out["vectors"]), "centres_1990_2020"], capture_output=True, text=True
    )
    assert info.returncode == 0 and "Feature Count: 4" in info.stdout and "EPSG" in info.stdout
    with rasterio.open(out["change_1990_2020"]) as src:
        assert src.nodata == 0 and src.dtypes[0] == "uint8" and src.crs == pair.crs
        np.testing.assert_array_equal(src.read(1), pair.change[(1990, 2020)])
        assert src.colormap(1)[13][:3] == (215, 25, 28)
    assert "rural → urban centre" in out["change_1990_2020_style"].read_text(encoding="utf-8")
    side = json.loads(out["sidecar"].read_text())
    assert side["parameters"]["epochs"] == [1990, 2020]
    assert side["extra"]["population"]["1990"] == pytest.approx(pair.population[1990])
    with pytest.raises(fua.OutputExistsError):
        pair.write(tmp_path / "ep")


def test_repr_html_and_summary(pair: fua.EpochComparison) -> None:
    html = pair._repr_html_()
    assert "EpochComparison" in html and "1 merged" in html and "2 appeared" in html
    s = pair.summary().iloc[0]
    assert (s["appeared"], s["merged"], s["disappeared"]) == (2, 1, 1)


def test_same_grid_moved_by_a_fraction_of_a_metre_is_accepted() -> None:
    r = _classify(EPOCH1)
    g = make_grid(_grid_pop(EPOCH2))
    t = g.transform
    nudged = fua.PopulationGrid(
        pop=g.pop, transform=Affine(t.a, 0, t.c + 1e-9, 0, t.e, t.f), crs=g.crs
    )
    assert len(compare_epochs({1: r, 2: fua.classify_grid(nudged)}).centres[(1, 2)]) == 4
