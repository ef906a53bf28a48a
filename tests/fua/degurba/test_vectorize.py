"""Tests for fua.degurba.vectorize: label and class rasters to polygons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rasterio.transform import xy
from scipy import ndimage

from connectivity.errors import CRSError, DataError, ParameterError
from fua.degurba.vectorize import polygonize_classes, polygonize_labels

CRS = "ESRI:54009"
# 1 km cells, upper-left corner at (5 000 000, 6 000 000)
T = Affine(1000.0, 0.0, 5_000_000.0, 0.0, -1000.0, 6_000_000.0)
CELL_AREA = 1000.0 * 1000.0


def test_single_cell_is_the_cell_square() -> None:
    lab = np.zeros((3, 4), np.int32)
    lab[1, 2] = 7
    gdf = polygonize_labels(lab, T, CRS)
    assert list(gdf["label"]) == [7]
    x0, y0 = T @ (2, 1)
    x1, y1 = T @ (3, 2)
    assert (
        gdf.geometry.iloc[0].normalize().equals_exact(shapely.box(x0, y1, x1, y0).normalize(), 0.0)
    )
    assert gdf.crs.to_string() == CRS


def test_hole_is_kept_as_interior_ring() -> None:
    lab = np.zeros((5, 5), np.int32)
    lab[0:5, 0:5] = 1
    lab[2, 2] = 0  # hole
    lab[0, 4] = 0
    gdf = polygonize_labels(lab, T, CRS)
    poly = gdf.geometry.iloc[0]
    assert poly.geom_type == "Polygon"
    assert len(poly.interiors) == 1
    assert poly.area == pytest.approx(23 * CELL_AREA, rel=0, abs=0)
    hole = shapely.Polygon(poly.interiors[0])
    assert hole.area == CELL_AREA
    assert hole.centroid.equals_exact(shapely.Point(T @ (2.5, 2.5)), 1e-9)


def test_label_inside_hole_of_another_label() -> None:
    lab = np.ones((3, 3), np.int32)
    lab[1, 1] = 2
    gdf = polygonize_labels(lab, T, CRS)
    assert list(gdf["label"]) == [1, 2]
    ring, core = gdf.geometry
    assert len(ring.interiors) == 1 and ring.area == 8 * CELL_AREA
    assert core.area == CELL_AREA
    assert shapely.Polygon(ring.interiors[0]).equals(core)


def test_diagonal_only_contact() -> None:
    lab = np.zeros((3, 3), np.int32)
    lab[0, 0] = lab[1, 1] = 5  # one label (8-connected cluster), touching at a corner
    lab[2, 2] = 9
    four = polygonize_labels(lab, T, CRS, connectivity=4)
    geom5 = four.geometry.iloc[0]
    assert geom5.geom_type == "MultiPolygon" and len(geom5.geoms) == 2
    assert geom5.is_valid
    assert geom5.area == 2 * CELL_AREA
    # the two parts share exactly one point, the common cell corner
    a, b = geom5.geoms
    assert a.intersection(b).equals(shapely.Point(T @ (1, 1)))
    eight = polygonize_labels(lab, T, CRS, connectivity=8)
    assert eight.geometry.iloc[0].area == 2 * CELL_AREA
    assert eight.geometry.iloc[0].is_valid
    # the same geometry whatever the connectivity: 4-connected tracing, valid by construction
    assert eight.geometry.normalize().geom_equals_exact(four.geometry.normalize(), 0).all()
    # label 9 touches label 5 only at a corner: separate rows either way
    assert list(four["label"]) == list(eight["label"]) == [5, 9]


def test_vertices_exactly_on_cell_corners_with_awkward_transform() -> None:
    # 0.1° cells with a non-integer origin: corners must equal transform * (col, row)
    t = Affine(0.1, 0.0, 46.7, 0.0, -0.1, 55.4)
    lab = np.zeros((6, 7), np.int32)
    lab[1:4, 2:6] = 3
    lab[4, 1] = 4
    gdf = polygonize_labels(lab, t, "EPSG:4326")
    corners = {t @ (c, r) for r in range(7) for c in range(8)}
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    assert {tuple(p) for p in xy} <= corners


@pytest.mark.parametrize("connectivity", [4, 8])
def test_corner_contacts_give_valid_polygons_without_repair(
    connectivity: int, caplog: pytest.LogCaptureFixture
) -> None:
    # bands of a travel-time grid: many cells of one value meeting only at corners (a ring
    # around a hole that touches the outside at a corner, a checkerboard); GDAL's 8-connected
    # tracing returned self-touching rings here, repaired with a warning on every demo run
    lab = np.array(
        [
            [1, 1, 1, 0, 2, 0],
            [1, 0, 1, 2, 0, 2],
            [1, 1, 0, 0, 2, 0],
            [0, 0, 1, 1, 1, 1],
            [2, 0, 1, 0, 0, 1],
            [0, 2, 1, 1, 1, 0],
        ],
        np.int32,
    )
    rng = np.random.default_rng(7)
    noisy = (rng.random((30, 30)) < 0.5) * rng.integers(1, 4, (30, 30))
    for arr in (lab, noisy.astype(np.int32)):
        with caplog.at_level("WARNING", logger="fua.degurba.vectorize"):
            gdf = polygonize_labels(arr, T, CRS, connectivity=connectivity)
            classes = polygonize_classes(arr, T, CRS, connectivity=connectivity)
        assert "repairing" not in caplog.text
        assert gdf.is_valid.all() and classes.is_valid.all()
        counts = np.bincount(arr.ravel())
        np.testing.assert_array_equal(gdf.area.to_numpy(), counts[gdf["label"]] * CELL_AREA)


def _random_labels(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    lab, _ = ndimage.label(rng.random(shape) < 0.45, structure=np.ones((3, 3)))
    return lab.astype(np.int32)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_area_is_cell_count_and_sorted_and_methods_agree(connectivity: int) -> None:
    rng = np.random.default_rng(42)
    lab = _random_labels(rng, (40, 50))
    # shuffle label ids so that sorting is really tested
    perm = np.concatenate(([0], rng.permutation(lab.max()) + 1))
    lab = perm[lab].astype(np.int32)
    gdf = polygonize_labels(lab, T, CRS, connectivity=connectivity)
    counts = np.bincount(lab.ravel())
    present = np.flatnonzero(counts)[1:] if counts[0] else np.flatnonzero(counts)
    assert gdf["label"].tolist() == sorted(present.tolist())
    np.testing.assert_array_equal(gdf.area.to_numpy(), counts[gdf["label"]] * CELL_AREA)
    assert gdf.is_valid.all()
    assert gdf.index.equals(pd.RangeIndex(len(gdf)))
    # no two labels overlap: the sum of areas equals the union's area
    assert shapely.union_all(gdf.geometry.to_numpy()).area == pytest.approx(gdf.area.sum())
    other = polygonize_labels(lab, T, CRS, connectivity=connectivity, method="windows")
    assert other["label"].tolist() == gdf["label"].tolist()
    assert other.geometry.normalize().geom_equals_exact(gdf.geometry.normalize(), 0).all()


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.int32, st.tuples(st.integers(1, 8), st.integers(1, 8)), elements=st.integers(0, 4))
)
def test_hypothesis_area_conserved_and_covers_cells(lab: np.ndarray) -> None:
    gdf = polygonize_labels(lab, T, CRS)
    counts = np.bincount(lab.ravel(), minlength=5)
    assert gdf["label"].tolist() == [v for v in range(1, 5) if counts[v]]
    for value, geom in zip(gdf["label"], gdf.geometry, strict=True):
        assert geom.is_valid
        assert geom.area == counts[value] * CELL_AREA
        # every cell centre of this label lies inside its geometry, no other does
        rows, cols = np.nonzero(lab == value)
        xs, ys = xy(T, rows, cols, offset="center")
        assert shapely.contains_xy(geom, xs, ys).all()
        rows, cols = np.nonzero(lab != value)
        xs, ys = xy(T, rows, cols, offset="center")
        assert not shapely.contains_xy(geom, xs, ys).any()


def test_empty_and_all_background() -> None:
    gdf = polygonize_labels(np.zeros((4, 4), np.int32), T, CRS)
    assert len(gdf) == 0 and list(gdf.columns) == ["label", "geometry"]
    assert gdf.crs is not None


def test_large_label_values_and_dtypes() -> None:
    lab = np.zeros((2, 3), np.int64)
    lab[0, 0] = 2**31 - 1
    lab[1, 2] = 3
    gdf = polygonize_labels(lab, T, CRS)
    assert gdf["label"].tolist() == [3, 2**31 - 1]
    assert polygonize_labels(lab.astype(np.uint16) % 100, T, CRS)["label"].tolist() == [
        3,
        35,
    ]  # 65535 % 100


@pytest.mark.parametrize(
    ("labels", "kwargs", "error", "match"),
    [
        (np.zeros(4, np.int32), {}, DataError, "2-D"),
        (np.zeros((2, 2), float), {}, DataError, "integers"),
        (np.full((2, 2), -1, np.int32), {}, DataError, "0 = background"),
        (np.full((2, 2), 2**31, np.int64), {}, DataError, "0 = background"),
        (np.zeros((2, 2), np.int32), {"connectivity": 6}, ParameterError, "4 or 8"),
        (np.zeros((2, 2), np.int32), {"method": "fast"}, ParameterError, "whole"),
        (np.zeros((2, 2), np.int32), {"crs": None}, CRSError, "crs is required"),
        (np.zeros((2, 2), np.int32), {"transform": (1, 0, 0, 0, -1, 0)}, ParameterError, "Affine"),
    ],
)
def test_errors(
    labels: np.ndarray, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    args: dict[str, object] = {"transform": T, "crs": CRS, **kwargs}
    with pytest.raises(error, match=match):
        polygonize_labels(labels, **args)  # type: ignore[arg-type]


def test_polygonize_classes_dissolves_by_value() -> None:
    classes = np.array(
        [
            [30, 30, 0, 11],
            [11, 30, 0, 11],
            [11, 11, 23, 30],
        ],
        np.uint8,
    )
    gdf = polygonize_classes(classes, T, CRS)
    assert gdf["code"].tolist() == [11, 23, 30]
    areas = dict(zip(gdf["code"], gdf.area / CELL_AREA, strict=True))
    assert areas == {11: 5.0, 23: 1.0, 30: 4.0}
    geom30 = gdf.geometry.iloc[2]
    assert geom30.geom_type == "MultiPolygon" and len(geom30.geoms) == 2


def test_polygonize_classes_negative_codes_and_nodata() -> None:
    classes = np.array([[-200, 10], [10, 12]], np.int16)
    gdf = polygonize_classes(classes, T, CRS, nodata=-200)
    assert gdf["code"].tolist() == [10, 12]
    gdf = polygonize_classes(classes, T, CRS, nodata=12)
    assert gdf["code"].tolist() == [-200, 10]
    assert gdf.area.tolist() == [CELL_AREA, 2 * CELL_AREA]
