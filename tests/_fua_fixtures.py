"""Hand-built grids, classifications, units and GeoTIFFs shared by the fua tests.

The classification objects mimic :class:`fua.degurba.classify.DegurbaResult` (the
fields ``grid``, ``level1``, ``centre_labels``, ``cluster_labels``) so the
tests do not depend on the degurba internals.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine

from fua.grid import PopulationGrid

CRS = "EPSG:3035"
MOLL = "ESRI:54009"


@dataclass(frozen=True)
class FakeResult:
    grid: PopulationGrid
    level1: np.ndarray
    centre_labels: np.ndarray
    cluster_labels: np.ndarray
    params: Any = None


def make_grid(
    pop: np.ndarray, *, cell: float = 1000.0, x0: float = 0.0, y0: float | None = None
) -> PopulationGrid:
    pop = np.asarray(pop, dtype="float64")
    top = pop.shape[0] * cell if y0 is None else y0
    return PopulationGrid(pop=pop, transform=Affine(cell, 0, x0, 0, -cell, top), crs=CRS)


def make_result(
    pop: np.ndarray, centre_labels: np.ndarray, level1: np.ndarray | None = None
) -> FakeResult:
    grid = make_grid(pop)
    labels = np.asarray(centre_labels, dtype=np.int32)
    if level1 is None:
        level1 = np.where(labels > 0, 3, 1).astype(np.uint8)
    return FakeResult(grid, np.asarray(level1, np.uint8), labels, labels.copy())


def strips(xs: list[float], height: float, ids: list[Any] | None = None) -> gpd.GeoDataFrame:
    """Vertical strip polygons between consecutive x values, full grid height."""
    geoms = [shapely.box(a, 0, b, height) for a, b in itertools.pairwise(xs)]
    ids = ids if ids is not None else list(range(1, len(geoms) + 1))
    return gpd.GeoDataFrame({"uid": ids}, geometry=geoms, crs=CRS)


def block_units(
    blocks: dict[Any, tuple[int, int, int, int]], *, cell: float = 1000.0, nrows: int
) -> gpd.GeoDataFrame:
    """Units made of rectangular blocks of cells: id -> (row0, col0, row1, col1) inclusive."""
    geoms = []
    for r0, c0, r1, c1 in blocks.values():
        top = (nrows - r0) * cell
        bottom = (nrows - r1 - 1) * cell
        geoms.append(shapely.box(c0 * cell, bottom, (c1 + 1) * cell, top))
    return gpd.GeoDataFrame({"uid": list(blocks)}, geometry=geoms, crs=CRS)


def write_tif(
    path: Path, arr: np.ndarray, transform: Affine, *, crs: str = MOLL, nodata: float | None = None
) -> Path:
    """Write ``arr`` as a one-band GeoTIFF and return its path."""
    with rasterio.open(
        path, "w", driver="GTiff", height=arr.shape[0], width=arr.shape[1], count=1,
        dtype=arr.dtype, crs=crs, transform=transform, nodata=nodata,
    ) as dst:  # fmt: skip
        dst.write(arr, 1)
    return path
