"""Shared test fixtures: a raster writer and the location of the real data."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

ROOT = Path(__file__).resolve().parents[1]


def _find_shared_data() -> Path | None:
    """``$FUA_SHARED_DATA``, else ``../shared/data`` beside the project (or one level up, for worktrees)."""
    env = os.environ.get("FUA_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
    return next((p for p in candidates if p.is_dir()), None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skips the test when it is absent."""
    path = _find_shared_data()
    if path is None:
        pytest.skip("real data not found: set FUA_SHARED_DATA or put it at ../shared/data")
    return path


@pytest.fixture
def write_tif(tmp_path: Path) -> Callable[..., Path]:
    """Write a GeoTIFF into tmp_path: ``write_tif(array, transform, crs, nodata=None, name=...)``.

    A 3-D array is written as several bands; ``crs=None`` writes a file without CRS.
    """

    def write(
        array: np.ndarray,
        transform: Affine,
        crs: Any = "ESRI:54009",
        *,
        nodata: float | None = None,
        name: str = "pop.tif",
    ) -> Path:
        arr = array if array.ndim == 3 else array[np.newaxis]
        path = tmp_path / name
        profile = {
            "driver": "GTiff",
            "height": arr.shape[1],
            "width": arr.shape[2],
            "count": arr.shape[0],
            "dtype": arr.dtype,
            "transform": transform,
            "nodata": nodata,
        }
        if crs is not None:
            profile["crs"] = crs
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(arr)
        return path

    return write
