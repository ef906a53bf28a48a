"""Population grids: :class:`PopulationGrid` and :func:`read_population`.

A :class:`PopulationGrid` is a 2-D array of people per cell on an equal-area
projected grid (World Mollweide, ESRI:54009, by default), with an affine
transform, a CRS, a mask of cells that have data, and optional permanent-land
and built-up shares on the same grid. :func:`read_population` builds one from
any GDAL raster or numpy array, aggregating or reprojecting it to that grid
while conserving the number of people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from connectivity.errors import CRSError, DataError
from connectivity.notebook import crs_label, grid_to_xarray, summary_html
from fua._raster import (
    GridSpec,
    PopulationCheck,
    Raster,
    RasterInput,
    Units,
    block_factors,
    open_raster,
    resample,
    share_units,
    share_values,
    target_grid,
    to_rasterio_crs,
    warp_sum,
)
from fua._validate import check_choice, check_positive, check_projected_equal_area

__all__ = ["DEFAULT_CRS", "PopulationGrid", "RasterInput", "Units", "read_population"]

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
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (cols, rows)
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

    # -- notebooks ----------------------------------------------------------------
    def _repr_html_(self) -> str:
        valid = np.asarray(self.valid)
        return summary_html("PopulationGrid", [
            ("grid", f"{self.shape[0]:,} × {self.shape[1]:,} cells of {self.cell_size_m:g} m"),
            ("CRS", crs_label(self.crs)),
            ("people", self.total_population),
            ("populated cells", int(np.count_nonzero(self.pop > 0))),
            ("cells with data", f"{valid.mean():.1%}" if valid.size else "–"),
            ("land share", "yes" if self.land_share is not None else "no"),
            ("built-up share", "yes" if self.built_share is not None else "no"),
            ("source", self.source),
        ])  # fmt: skip

    def to_xarray(self) -> Any:
        """People per cell as a georeferenced ``xarray.DataArray`` (NaN where the input had
        no data; extra ``[xarray]``)."""
        pop = np.where(np.asarray(self.valid), self.pop, np.nan)
        return grid_to_xarray(pop, self.transform, self.crs, name="population", nodata=np.nan,
                              attrs={"units": "people per cell", "source": self.source or ""})  # fmt: skip


# -- reading -------------------------------------------------------------------

#: A reprojection whose population correction differs from 1 by more than this is warned about.
_WARN_CORRECTION = 0.01


#: A land or built-up layer covering less of the populated cells than this is refused.
MIN_LAYER_OVERLAP = 0.5
#: ... and one covering less than this is warned about.
_WARN_LAYER_OVERLAP = 0.99


def _read_share(
    layer: RasterInput,
    what: str,
    units: str,
    fill: float,
    pop: Raster,
    grid: GridSpec,
    populated: np.ndarray,
    progress: bool,
) -> tuple[np.ndarray, str]:
    """A land or built layer as a share of each target cell; no data counts as ``fill``."""
    check_choice(units, ("auto", "m2", "percent", "share"), f"{what}_units")
    georef: dict[str, Any] = {}
    if isinstance(layer, np.ndarray):
        if layer.shape == pop.shape:
            georef = {"transform": pop.transform, "crs": pop.crs}
        elif layer.shape == grid.shape:
            georef = {"transform": grid.transform, "crs": grid.crs}
        else:
            msg = (
                f"the {what} array has shape {layer.shape}; it must be on the population grid "
                f"{pop.shape} or on the target grid {grid.shape} (or pass a georeferenced raster file)"
            )
            raise DataError(msg)
    with open_raster(layer, what=what, **georef) as src:
        units, divisor = share_units(src, units, what)

        def prep(chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
            return share_values(chunk, src.nodata, divisor, fill)

        share, _ = resample(src, grid, "mean", prep, progress)
        _check_overlap(share, populated, what, src.name, fill)
    return np.clip(np.where(np.isnan(share), fill, share), 0.0, 1.0), units


def _check_overlap(
    share: np.ndarray, populated: np.ndarray, what: str, name: str, fill: float
) -> None:
    """Refuse a layer that covers less than :data:`MIN_LAYER_OVERLAP` of the populated cells.

    A layer of another place (or in a wrong CRS) would otherwise be silently
    replaced by its no-data value everywhere; one covering most but not all
    of them is warned about.
    """
    n = int(populated.sum())
    if n == 0:
        return
    covered = int((populated & ~np.isnan(share)).sum()) / n
    if covered < MIN_LAYER_OVERLAP:
        msg = (
            f"the {what} layer {name} covers {100 * covered:.1f} % of the {n} populated cells of the "
            f"population grid (at least {100 * MIN_LAYER_OVERLAP:.0f} % needed): it is of another "
            f"place or in another CRS; give a {what} raster of the same area"
        )
        raise DataError(msg)
    if covered < _WARN_LAYER_OVERLAP:
        log.warning(
            "the %s layer %s covers %.1f %% of the populated cells; the others count as %s",
            what, name, 100 * covered, "all land" if fill == 1.0 else "not built up",
        )  # fmt: skip


def read_population(
    source: RasterInput,
    *,
    transform: Affine | None = None,
    crs: Any = None,
    nodata: float | None = None,
    target_crs: Any = DEFAULT_CRS,
    cell_size_m: float = 1000.0,
    land: RasterInput | None = None,
    built: RasterInput | None = None,
    land_units: Units = "auto",
    built_units: Units = "auto",
    band: int = 1,
    progress: bool = False,
    override_crs: bool = False,
) -> PopulationGrid:
    """Read a population raster onto an equal-area grid, conserving the number of people.

    Parameters
    ----------
    source : str, os.PathLike or numpy.ndarray
        A GeoTIFF or any raster GDAL reads (GHS-POP, WorldPop, a census grid),
        or a 2-D array of people per cell (then ``transform`` and ``crs`` are needed).
    transform : affine.Affine, optional
        Georeferencing of an array ``source``.
    crs : optional
        CRS of an array source, or of a file that lacks one. A file's own CRS
        that differs from it is an error unless ``override_crs`` is True.
    nodata : float, optional
        No-data value; defaults to the file's. Such cells (and NaN when it is NaN)
        get population 0 and ``valid`` False.
    target_crs : optional
        Equal-area projected CRS of the result (World Mollweide by default).
    cell_size_m : float
        Cell side of the result in metres (1 km for the Degree of Urbanisation).
    land, built : str, os.PathLike or numpy.ndarray, optional
        Permanent land and built-up surface per cell, as files or as arrays on the
        source or the target grid; returned as ``land_share`` / ``built_share`` (0–1).
        Where a layer has no data, land counts as full land (no information is
        taken as "all land", so density falls back to people per cell area) and
        built-up as 0.
    land_units, built_units : {"auto", "m2", "percent", "share"}
        Units of the layers: m² per cell (GHSL R2023A LAND, BUILT_S), percent
        (GHS-BUILT-LDS) or share; "auto" tells them from the largest value.
    band : int
        Band of a multi-band source (from 1).
    progress : bool
        Show progress bars (on a terminal).
    override_crs : bool
        Use ``crs`` instead of the file's own CRS (when the file's is wrong).

    Returns
    -------
    PopulationGrid
        ``meta`` records the method ("as-is", "block-sum" or "warp-sum"), the
        source CRS and cell size, the input total and the correction factor.

    Raises
    ------
    InputFileError
        The file is missing, empty or not a readable raster.
    ParameterError
        ``source`` is neither a path nor an array.
    CRSError
        The source has no CRS, ``crs`` contradicts the file's CRS (without
        ``override_crs``), or ``target_crs`` is not projected equal-area.
    DataError
        Population cells (other than no data) are negative, NaN or infinite,
        or implausible: denser than 1e6 people per km² (no place on Earth is),
        the largest value of an integer type, or a total beyond the world's
        population. These are most often a no-data value the file does not
        declare: the message names the most frequent one and the fix
        (``nodata=``). A land or built-up layer covers less than half of the
        populated cells (a layer of another place).

    Notes
    -----
    The target grid has its origin on multiples of ``cell_size_m`` (as the GHSL
    grids do) and covers the source footprint. A source already in the target
    CRS at that cell size is taken as it is. A source in the target CRS whose
    cells nest exactly in target cells (cell size an integer divisor of
    ``cell_size_m``, origin on the fine grid, e.g. GHS-POP 100 m or 250 m) is
    block-summed, which conserves people exactly. Any other source (WorldPop in
    EPSG:4326, an unaligned grid) is reprojected with GDAL's ``sum`` resampling
    (GDAL >= 3.1), which spreads each source cell over the target cells it
    overlaps, block by block of about 8 M source cells; each block is then
    multiplied by one factor so that its total equals its input total, which
    keeps people in the region they live in (a whole-globe raster is never
    warped in one piece). ``meta["correction_factor"]`` is the overall factor
    (logged; a warning is logged when a block's differs from 1 by more than 1 %).

    Land and built layers are averaged as shares (block mean, or GDAL
    ``average``, which leaves target cells that the layer's edge only grazes
    without a value: they get the no-data share). A layer must cover at least
    half of the populated cells (:data:`MIN_LAYER_OVERLAP`), else it is
    refused as a layer of another place; below 99 % a warning is logged.

    Sources are read in row strips of the target grid (about 8 M source cells
    at a time), so a fine raster larger than memory can be aggregated; the
    result itself is held in memory.

    References: GHSL Data Package 2023 (Schiavina et al., European Commission
    JRC, 2023) for the World Mollweide 1 km grids; *Applying the Degree of
    Urbanisation* (European Union/FAO/UN-Habitat/OECD/World Bank, 2021) for
    1 km² cells and population per km² of permanent land.
    """
    cs = check_positive(cell_size_m, "cell_size_m")
    check_projected_equal_area(target_crs, "target_crs")
    dst_crs = to_rasterio_crs(target_crs)
    name = "array" if isinstance(source, np.ndarray) else str(source)
    with open_raster(
        source, what="population", transform=transform, crs=crs, nodata=nodata, band=band,
        override_crs=override_crs,
    ) as src:  # fmt: skip
        grid = target_grid(src, dst_crs, cs)
        check = PopulationCheck(src)
        meta: dict[str, Any] = {
            "source_crs": src.crs.to_string(),
            "source_shape": list(src.shape),
            "source_transform": list(src.transform)[:6],
            "nodata": src.nodata,
        }
        if block_factors(src, grid) is not None:
            values, method = resample(src, grid, "sum", check, progress)
            check.raise_if_bad()
            factor = 1.0
        else:
            values, parts = warp_sum(src, grid, check, progress)
            check.raise_if_bad()
            method, factor = "warp-sum", _correction(parts)
    valid = ~np.isnan(values)
    pop = np.where(valid, values, 0.0)
    meta |= {"method": method, "input_total": check.total, "correction_factor": factor}
    log.info("read %s: %s to %s cells of %g m (%s)", name, src.shape, grid.shape, cs, method)
    shares: dict[str, np.ndarray] = {}
    for what, layer, units, fill in (
        ("land", land, land_units, 1.0),
        ("built", built, built_units, 0.0),
    ):
        if layer is not None:
            populated = valid & (pop > 0)
            shares[what], meta[f"{what}_units"] = _read_share(
                layer, what, units, fill, src, grid, populated if populated.any() else valid,
                progress,
            )  # fmt: skip
    return PopulationGrid(
        pop,
        grid.transform,
        grid.crs,
        valid=valid,
        land_share=shares.get("land"),
        built_share=shares.get("built"),
        source=name,
        meta=meta,
    )


def _correction(parts: list[tuple[float, float]]) -> float:
    """The overall correction factor of a block-wise reprojection; warn on large ones.

    ``parts`` holds each source block's people before and after reprojection
    (each block has already been scaled back to its own total).
    """
    lost = [p for p in parts if p[0] > 0 and p[1] <= 0]
    if lost:
        msg = "the reprojected grid has no population although the source has some; check the CRSs"
        raise DataError(msg)
    total_in = sum(p[0] for p in parts)
    total_out = sum(p[1] for p in parts)
    factor = total_in / total_out if total_out > 0 else 1.0
    log.info("population correction factor after reprojection: %.12f", factor)
    worst = max((p[0] / p[1] - 1 for p in parts if p[1] > 0), key=abs, default=0.0)
    if abs(worst) > _WARN_CORRECTION:
        log.warning(
            "reprojection changed the population total by %.2f %% before correction; "
            "the source and target grids may not overlap well (check the CRSs)",
            100 * worst,
        )
    return factor
