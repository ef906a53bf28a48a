"""Population grids: :class:`PopulationGrid` and the readers that build one.

A :class:`PopulationGrid` is a 2-D array of people per cell on an equal-area
projected grid (World Mollweide, ESRI:54009, by default), with an affine
transform, a CRS, a mask of cells that have data, and optional permanent-land
and built-up shares on the same grid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from fua._errors import CRSError, DataError

__all__ = ["DEFAULT_CRS", "PopulationGrid"]

log = logging.getLogger(__name__)

#: World Mollweide, the GHSL equal-area grid.
DEFAULT_CRS = CRS.from_string("ESRI:54009")


@dataclass(frozen=True, eq=False)
class PopulationGrid:
    """People per cell on a projected, equal-area grid.

    Parameters
    ----------
    pop : numpy.ndarray
        2-D array of people per cell (float64, or float32 kept as given to
        save memory on global grids); 0 where a cell has no data.
    transform : affine.Affine
        Maps (col, row) to the CRS coordinates of the cell's upper-left corner.
    crs : rasterio.crs.CRS
        Projected CRS in metres; it must be equal-area for density work.
    valid : numpy.ndarray, optional
        Boolean mask, True where the input had data. Defaults to all True.
    land_share : numpy.ndarray, optional
        Share (0–1) of each cell that is permanent land; density is then
        population per km² of land.
    built_share : numpy.ndarray, optional
        Share (0–1) of each cell that is built up.
    source : str, optional
        Where the grid came from (a path or a description), for the sidecar.
    """

    pop: np.ndarray
    transform: Affine
    crs: CRS
    valid: np.ndarray | None = None
    land_share: np.ndarray | None = None
    built_share: np.ndarray | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pop = np.asarray(self.pop)
        # float32 is kept as it is (halves memory on global grids; sums are
        # taken in float64); everything else becomes float64
        if pop.dtype != np.float32:
            pop = pop.astype("float64", copy=False)
        if pop.ndim != 2:
            msg = f"pop must be a 2-D array, got shape {pop.shape}"
            raise DataError(msg)
        object.__setattr__(self, "pop", pop)
        crs = self.crs if isinstance(self.crs, CRS) else CRS.from_user_input(self.crs)
        object.__setattr__(self, "crs", crs)
        if not isinstance(self.transform, Affine):
            object.__setattr__(self, "transform", Affine(*tuple(self.transform)[:6]))
        valid = np.ones(pop.shape, bool) if self.valid is None else np.asarray(self.valid, bool)
        object.__setattr__(self, "valid", valid)
        for name in ("valid", "land_share", "built_share"):
            arr = getattr(self, name)
            if arr is not None and arr.shape != pop.shape:
                msg = f"{name} has shape {arr.shape} but pop has shape {pop.shape}; both must be on the same grid"
                raise DataError(msg)
        for name in ("land_share", "built_share"):
            arr = getattr(self, name)
            if arr is not None:
                object.__setattr__(self, name, np.asarray(arr, dtype="float64"))
        if crs.is_geographic:
            msg = (
                f"the grid CRS {crs.to_string()} is geographic (degrees); cell areas and densities "
                "need an equal-area projected CRS: use fua.read_population(...), which reprojects "
                "to World Mollweide (ESRI:54009) by default"
            )
            raise CRSError(msg)

    # -- geometry ---------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        rows, cols = self.pop.shape
        return int(rows), int(cols)

    @property
    def cell_size_m(self) -> float:
        """Cell side in metres (square cells)."""
        return float(abs(self.transform.a))

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km²."""
        return float(abs(self.transform.a * self.transform.e)) / 1e6

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        rows, cols = self.shape
        x0, y0 = self.transform * (0, 0)
        x1, y1 = self.transform * (cols, rows)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @property
    def total_population(self) -> float:
        """Sum of people over the grid."""
        return float(self.pop.sum(dtype="float64"))

    def land_area_km2(self) -> np.ndarray:
        """Permanent land area per cell in km² (the whole cell when no land share is given)."""
        if self.land_share is None:
            return np.full(self.shape, self.cell_area_km2)
        return np.clip(self.land_share, 0.0, 1.0) * self.cell_area_km2

    def density(self) -> np.ndarray:
        """People per km² of permanent land (of cell area when no land share is given).

        Cells with no land and no people have density 0; cells with people but
        no recorded land use the whole cell area (the land layer is then wrong
        there, and a zero divisor would make them infinitely dense).
        """
        area = self.land_area_km2()
        area = np.where(area > 0, area, self.cell_area_km2)
        return self.pop / area

    def with_(self, **changes: Any) -> PopulationGrid:
        """A copy with some fields replaced (the grid itself is immutable)."""
        return replace(self, **changes)
