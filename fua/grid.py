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
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rasterio.warp import Resampling, reproject, transform_bounds
from tqdm import tqdm

from connectivity.errors import CRSError, DataError, InputFileError, ParameterError
from fua._validate import check_choice, check_positive, check_projected_equal_area, to_pyproj

__all__ = ["DEFAULT_CRS", "PopulationGrid", "read_population"]

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


# -- reading -------------------------------------------------------------------

Units = Literal["auto", "m2", "percent", "share"]
RasterInput = str | os.PathLike[str] | np.ndarray

#: Largest number of source cells read at once (one row strip of the target grid).
_STRIP_CELLS = 1 << 23
#: A reprojection whose population correction differs from 1 by more than this is warned about.
_WARN_CORRECTION = 0.01
_TOL = 1e-9


@dataclass(frozen=True)
class _Grid:
    """A target grid: transform, (rows, cols) and CRS."""

    transform: Affine
    shape: tuple[int, int]
    crs: CRS


@dataclass
class _Raster:
    """One band of an open rasterio dataset or a 2-D array, read in windows."""

    name: str
    shape: tuple[int, int]
    transform: Affine
    crs: CRS
    nodata: float | None
    dataset: Any = None
    band: int = 1
    array: np.ndarray | None = None

    def read(self, i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        """Rows i0:i1 and columns j0:j1 in their own dtype."""
        if self.array is not None:
            return self.array[i0:i1, j0:j1]
        try:
            return self.dataset.read(self.band, window=((i0, i1), (j0, j1)))
        except RasterioError as exc:
            msg = f"cannot read {self.name}: {exc}; the file is probably truncated or corrupt, download it again"
            raise InputFileError(msg) from exc

    def strips(self, n_rows: int, *, progress: bool, desc: str) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (first row, block) for consecutive full-width row strips."""
        starts = range(0, self.shape[0], max(1, n_rows))
        for i0 in tqdm(starts, desc=desc, disable=not progress, unit="strip"):
            yield i0, self.read(i0, min(i0 + n_rows, self.shape[0]), 0, self.shape[1])


def _rasterio_crs(crs: Any) -> CRS:
    return crs if isinstance(crs, CRS) else CRS.from_wkt(to_pyproj(crs).to_wkt())


def _same_crs(a: CRS, b: CRS) -> bool:
    return bool(to_pyproj(a).equals(to_pyproj(b), ignore_axis_order=True))


def _no_crs_error(name: str) -> CRSError:
    msg = (
        f"{name} has no CRS, and fua never guesses one: set it in the file, e.g. "
        "`gdal_edit.py -a_srs ESRI:54009 file.tif` (GHSL grids) or `-a_srs EPSG:4326` "
        "(WorldPop), or pass crs=... to read_population"
    )
    return CRSError(msg)


@contextmanager
def _open_raster(
    source: RasterInput,
    *,
    what: str,
    transform: Any = None,
    crs: Any = None,
    nodata: float | None = None,
    band: int = 1,
) -> Iterator[_Raster]:
    """Open a path (any GDAL raster) or wrap an array, with clear errors."""
    if isinstance(source, np.ndarray):
        arr = source
        if arr.ndim == 3:
            if not 1 <= band <= arr.shape[0]:
                msg = f"band={band} but the {what} array has {arr.shape[0]} bands (1-based)"
                raise ParameterError(msg)
            arr = arr[band - 1]
        if arr.ndim != 2 or arr.size == 0:
            msg = f"the {what} array must be a non-empty 2-D array (rows, cols), got shape {arr.shape}"
            raise DataError(msg)
        if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            msg = f"the {what} array must hold numbers, got dtype {arr.dtype}"
            raise DataError(msg)
        if transform is None:
            msg = f"an array {what} needs transform= (an affine.Affine of its upper-left cell)"
            raise ParameterError(msg)
        if crs is None:
            raise _no_crs_error(f"the {what} array")
        tr = transform if isinstance(transform, Affine) else Affine(*tuple(transform)[:6])
        yield _Raster(f"the {what} array", arr.shape, tr, _rasterio_crs(crs), nodata, array=arr)
        return
    if transform is not None:
        msg = "transform= is only for arrays; a raster file carries its own transform"
        raise ParameterError(msg)
    path = Path(source)
    if not path.is_file():
        msg = f"{what} file not found: {path} (check the path; it is resolved from {Path.cwd()})"
        raise InputFileError(msg)
    if path.stat().st_size == 0:
        msg = f"{what} file {path} is empty (0 bytes): download or export it again"
        raise InputFileError(msg)
    try:
        ds = rasterio.open(path)
    except RasterioError as exc:
        msg = f"cannot open {what} file {path} as a raster ({exc}): it must be a GeoTIFF or another GDAL format, not corrupt"
        raise InputFileError(msg) from exc
    with ds:
        if not 1 <= band <= ds.count:
            msg = f"band={band} but {path} has {ds.count} band(s) (numbered from 1)"
            raise ParameterError(msg)
        file_crs = ds.crs
        if crs is not None:
            if file_crs is not None and not _same_crs(file_crs, _rasterio_crs(crs)):
                log.warning("%s: overriding the file CRS %s with crs=%s", path, file_crs, crs)
            file_crs = _rasterio_crs(crs)
        if file_crs is None:
            raise _no_crs_error(str(path))
        nd = ds.nodatavals[band - 1] if nodata is None else nodata
        yield _Raster(str(path), (ds.height, ds.width), ds.transform, file_crs, nd, ds, band)


def _nodata_mask(chunk: np.ndarray, nodata: float | None) -> np.ndarray:
    """True where chunk equals nodata (compared in the chunk's own dtype, NaN-aware)."""
    if nodata is None:
        return np.zeros(chunk.shape, bool)
    if np.isnan(nodata):
        return np.isnan(chunk) if chunk.dtype.kind == "f" else np.zeros(chunk.shape, bool)
    try:
        typed = np.array(nodata).astype(chunk.dtype)
    except (OverflowError, ValueError):
        return np.zeros(chunk.shape, bool)
    if float(typed) != float(nodata):  # not representable in this dtype: no cell can match
        return np.zeros(chunk.shape, bool)
    return chunk == typed


class _PopulationCheck:
    """Converts population blocks to float (NaN = no data) and tallies bad cells."""

    def __init__(self, src: _Raster) -> None:
        self.src = src
        self.total = 0.0
        self.bad: dict[str, list[Any]] = {}

    def __call__(self, chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
        out = chunk.astype("float64")
        nodata = _nodata_mask(chunk, self.src.nodata)
        out[nodata] = np.nan
        nonfinite = ~np.isfinite(out) & ~nodata
        for kind, mask in (("NaN or infinite", nonfinite), ("negative", out < 0)):
            if mask.any():
                entry = self.bad.setdefault(kind, [0, None])
                entry[0] += int(mask.sum())
                if entry[1] is None:
                    r, c = (int(v[0]) for v in np.nonzero(mask))
                    entry[1] = (i0 + r, j0 + c, float(chunk[r, c]))
                out[mask] = np.nan
        self.total += float(np.nansum(out))
        return out

    def raise_if_bad(self) -> None:
        if not self.bad:
            return
        parts = []
        for kind, (count, (r, c, value)) in self.bad.items():
            x, y = self.src.transform @ (c + 0.5, r + 0.5)
            parts.append(
                f"{count} cells are {kind}, e.g. {value} at row {r}, col {c} (x={x:.6g}, y={y:.6g})"
            )
        msg = (
            f"{self.src.name}: " + "; ".join(parts) + ": population counts must be finite and "
            f">= 0; if these cells are a no-data flag pass nodata=<value> (the file says nodata={self.src.nodata})"
        )
        raise DataError(msg)


def _rectilinear(tr: Affine) -> bool:
    return tr.b == 0 and tr.d == 0


def _near_int(x: float) -> bool:
    return abs(x - round(x)) <= _TOL * max(1.0, abs(x))


def _block_factors(src: _Raster, grid: _Grid) -> tuple[int, int, int, int] | None:
    """(ky, kx, row offset, col offset) when source cells nest exactly in grid cells, else None."""
    st, gt = src.transform, grid.transform
    if not (_same_crs(src.crs, grid.crs) and _rectilinear(st) and st.a > 0 and st.e < 0):
        return None
    kx, ky = gt.a / st.a, -gt.e / -st.e
    r_off, c_off = (gt.f - st.f) / st.e, (gt.c - st.c) / st.a
    if all(_near_int(v) for v in (kx, ky, r_off, c_off)) and kx >= 1 and ky >= 1:
        return round(ky), round(kx), round(r_off), round(c_off)
    return None


def _snapped(bounds: tuple[float, float, float, float], cs: float, crs: CRS) -> _Grid:
    """The grid of cs-metre cells on multiples of cs that covers bounds (left, bottom, right, top)."""
    left, bottom, right, top = bounds
    x0, y1 = math.floor(left / cs + _TOL) * cs, math.ceil(top / cs - _TOL) * cs
    x1, y0 = math.ceil(right / cs - _TOL) * cs, math.floor(bottom / cs + _TOL) * cs
    shape = (max(1, round((y1 - y0) / cs)), max(1, round((x1 - x0) / cs)))
    return _Grid(Affine(cs, 0.0, x0, 0.0, -cs, y1), shape, crs)


def _footprint(src: _Raster) -> tuple[float, float, float, float]:
    rows, cols = src.shape
    xs, ys = zip(
        *(src.transform @ (c, r) for c, r in ((0, 0), (cols, 0), (0, rows), (cols, rows))),
        strict=True,
    )
    return min(xs), min(ys), max(xs), max(ys)


def _target_grid(src: _Raster, crs: CRS, cs: float) -> _Grid:
    """The equal-area grid a source is put on (the source grid itself when it already is one)."""
    st = src.transform
    if _same_crs(src.crs, crs) and _rectilinear(st) and st.e < 0:
        if math.isclose(st.a, cs, rel_tol=_TOL) and math.isclose(-st.e, cs, rel_tol=_TOL):
            return _Grid(st, src.shape, crs)
        grid = _snapped(_footprint(src), cs, crs)
        if _block_factors(src, grid) is not None:
            return grid
    left, bottom, right, top = transform_bounds(src.crs, crs, *_footprint(src), densify_pts=51)
    if not all(map(math.isfinite, (left, bottom, right, top))):
        msg = f"{src.name} extends beyond where {crs.to_string()} is defined; clip it first"
        raise CRSError(msg)
    return _snapped((left, bottom, right, top), cs, crs)


Prep = Callable[[np.ndarray, int, int], np.ndarray]


def _block_aggregate(
    src: _Raster,
    grid: _Grid,
    factors: tuple[int, int, int, int],
    how: str,
    prep: Prep,
    progress: bool,
) -> np.ndarray:
    """Exact block sum / mean of nested source cells; NaN where a block has no data."""
    ky, kx, r_off, c_off = factors
    (nr, nc), (sr, sc) = grid.shape, src.shape
    out = np.full(grid.shape, np.nan)
    step = max(1, _STRIP_CELLS // (ky * kx * nc))
    for r0 in tqdm(range(0, nr, step), desc="aggregating", disable=not progress, unit="strip"):
        r1 = min(r0 + step, nr)
        s0 = r_off + r0 * ky
        i0, i1 = max(s0, 0), min(r_off + r1 * ky, sr)
        j0, j1 = max(c_off, 0), min(c_off + nc * kx, sc)
        if i1 <= i0 or j1 <= j0:
            continue
        buf = np.full(((r1 - r0) * ky, nc * kx), np.nan)
        buf[i0 - s0 : i1 - s0, j0 - c_off : j1 - c_off] = prep(src.read(i0, i1, j0, j1), i0, j0)
        blocks = buf.reshape(r1 - r0, ky, nc, kx)
        have = (~np.isnan(blocks)).sum(axis=(1, 3))
        total = np.nansum(blocks, axis=(1, 3))
        res = total if how == "sum" else total / np.maximum(have, 1)
        out[r0:r1] = np.where(have > 0, res, np.nan)
    return out


def _source_window(src: _Raster, grid: _Grid, r0: int, r1: int) -> tuple[int, int, int, int] | None:
    """Source rows/cols (i0, i1, j0, j1) that can reach target rows r0:r1, padded by 2 cells."""
    rows, cols = src.shape
    if not _rectilinear(src.transform):
        return 0, rows, 0, cols
    gt = grid.transform
    top, bottom = gt.f + gt.e * r0, gt.f + gt.e * r1
    right = gt.c + gt.a * grid.shape[1]
    b = transform_bounds(grid.crs, src.crs, gt.c, bottom, right, top, densify_pts=51)
    if not all(map(math.isfinite, b)):
        return 0, rows, 0, cols
    st = src.transform
    ii = sorted(((b[3] - st.f) / st.e, (b[1] - st.f) / st.e))
    jj = sorted(((b[0] - st.c) / st.a, (b[2] - st.c) / st.a))
    i0, i1 = max(math.floor(ii[0]) - 2, 0), min(math.ceil(ii[1]) + 2, rows)
    j0, j1 = max(math.floor(jj[0]) - 2, 0), min(math.ceil(jj[1]) + 2, cols)
    return (i0, i1, j0, j1) if i1 > i0 and j1 > j0 else None


def _warp(src: _Raster, grid: _Grid, how: str, prep: Prep, progress: bool) -> np.ndarray:
    """Reproject with GDAL (sum or average resampling) in row strips of the target grid."""
    out = np.full(grid.shape, np.nan)
    nr, nc = grid.shape
    per_row = max(1.0, src.shape[0] * src.shape[1] / nr) * 2 + nc
    step = max(1, int(_STRIP_CELLS // per_row))
    resampling = Resampling.sum if how == "sum" else Resampling.average
    for r0 in tqdm(range(0, nr, step), desc="reprojecting", disable=not progress, unit="strip"):
        r1 = min(r0 + step, nr)
        win = _source_window(src, grid, r0, r1)
        if win is None:
            continue
        i0, i1, j0, j1 = win
        dest = np.full((r1 - r0, nc), np.nan)
        reproject(
            prep(src.read(i0, i1, j0, j1), i0, j0),
            dest,
            src_transform=src.transform @ Affine.translation(j0, i0),
            src_crs=src.crs,
            src_nodata=np.nan,
            dst_transform=grid.transform @ Affine.translation(0, r0),
            dst_crs=grid.crs,
            dst_nodata=np.nan,
            resampling=resampling,
        )
        out[r0:r1] = dest
    return out


def _resample(
    src: _Raster, grid: _Grid, how: str, prep: Prep, progress: bool
) -> tuple[np.ndarray, str]:
    """Put src on grid by block aggregation when the cells nest, else by reprojection."""
    factors = _block_factors(src, grid)
    if factors is not None:
        method = "as-is" if factors[:2] == (1, 1) else "block-" + how
        return _block_aggregate(src, grid, factors, how, prep, progress), method
    return _warp(src, grid, how, prep, progress), "warp-" + how


_SHARE_DIVISOR = {"share": 1.0, "percent": 100.0}


def _share_units(src: _Raster, units: str, what: str) -> tuple[str, float]:
    """Check a land/built layer's values and return (units, divisor that makes them shares).

    Notes
    -----
    ``"auto"`` looks at the largest value: up to 1 is a share, up to 100 a
    percentage (GHS-BUILT-LDS), up to the cell area a surface in m² per cell
    (GHSL R2023A LAND / BUILT_S). A layer in m² whose largest value is at most
    100 is ambiguous; pass the units explicitly for such layers.
    """
    lo, hi = math.inf, -math.inf
    for _, chunk in src.strips(max(1, _STRIP_CELLS // src.shape[1]), progress=False, desc=what):
        vals = chunk[~_nodata_mask(chunk, src.nodata)].astype("float64")
        vals = vals[np.isfinite(vals)]
        if vals.size:
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
    if lo < 0:
        msg = f"{what} layer {src.name} has negative values (min {lo}); set its nodata value if that is a flag"
        raise DataError(msg)
    pcrs = to_pyproj(src.crs)
    area = abs(src.transform.a * src.transform.e - src.transform.b * src.transform.d)
    area_m2 = area if pcrs.is_projected else math.nan
    if units == "auto":
        if hi <= 1.0:
            units = "share"
        elif hi <= 100.0:
            units = "percent"
        elif hi <= area_m2 * (1 + 1e-6):
            units = "m2"
        else:
            msg = (
                f"{what} layer {src.name}: cannot tell its units (largest value {hi}; cell area "
                f"{area_m2} m²): pass {what}_units='m2', 'percent' or 'share'"
            )
            raise DataError(msg)
        log.info("%s layer %s: units detected as %s (max %s)", what, src.name, units, hi)
    if units == "m2":
        if not pcrs.is_projected:
            msg = f"{what} layer {src.name} is in m² per cell on a geographic grid; convert it to a share first"
            raise CRSError(msg)
        divisor = area_m2
    else:
        divisor = _SHARE_DIVISOR[units]
    if hi > divisor * (1 + 1e-6):
        msg = f"{what} layer {src.name}: largest value {hi} exceeds {divisor} (all of a cell in {units}); check {what}_units"
        raise DataError(msg)
    return units, divisor


def _read_share(
    layer: RasterInput,
    what: str,
    units: str,
    fill: float,
    pop: _Raster,
    grid: _Grid,
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
    with _open_raster(layer, what=what, **georef) as src:
        units, divisor = _share_units(src, units, what)

        def prep(chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
            out = chunk.astype("float64") / divisor
            out[_nodata_mask(chunk, src.nodata) | ~np.isfinite(out)] = fill
            return out

        share, _ = _resample(src, grid, "mean", prep, progress)
    return np.clip(np.where(np.isnan(share), fill, share), 0.0, 1.0), units


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
        CRS of an array source, or of a file that lacks one (it overrides the file's).
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
        Show tqdm progress bars.

    Returns
    -------
    PopulationGrid
        ``meta`` records the method ("as-is", "block-sum" or "warp-sum"), the
        source CRS and cell size, the input total and the correction factor.

    Raises
    ------
    InputFileError
        The file is missing, empty or not a readable raster.
    CRSError
        The source has no CRS, or ``target_crs`` is not projected equal-area.
    DataError
        Population cells (other than no data) are negative, NaN or infinite.

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
    overlaps, and is then multiplied by one factor so that its total equals the
    input total (``meta["correction_factor"]``, logged; a warning is logged when
    it differs from 1 by more than 1 %). That path reads the source twice: once
    to check it and total it, once to reproject it.

    Land and built layers are averaged as shares (block mean, or GDAL
    ``average``, which leaves target cells that the layer's edge only grazes
    without a value: they get the no-data share).

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
    dst_crs = _rasterio_crs(target_crs)
    name = "array" if isinstance(source, np.ndarray) else str(source)
    with _open_raster(
        source, what="population", transform=transform, crs=crs, nodata=nodata, band=band
    ) as src:
        grid = _target_grid(src, dst_crs, cs)
        check = _PopulationCheck(src)
        meta: dict[str, Any] = {
            "source_crs": src.crs.to_string(),
            "source_shape": list(src.shape),
            "source_transform": list(src.transform)[:6],
            "nodata": src.nodata,
        }
        if _block_factors(src, grid) is not None:
            values, method = _resample(src, grid, "sum", check, progress)
            check.raise_if_bad()
            factor = 1.0
        else:
            for i0, chunk in src.strips(
                max(1, _STRIP_CELLS // src.shape[1]), progress=progress, desc="checking"
            ):
                check(chunk, i0, 0)
            check.raise_if_bad()
            values, method = _resample(src, grid, "sum", _nan_nodata(src), progress)
            factor = _rescale(values, check.total)
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
            shares[what], meta[f"{what}_units"] = _read_share(
                layer, what, units, fill, src, grid, progress
            )
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


def _nan_nodata(src: _Raster) -> Prep:
    def prep(chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
        out = chunk.astype("float64")
        out[_nodata_mask(chunk, src.nodata)] = np.nan
        return out

    return prep


def _rescale(values: np.ndarray, total_in: float) -> float:
    """Scale reprojected values in place so their sum is total_in; return the factor."""
    total_out = float(np.nansum(values))
    if total_out <= 0:
        if total_in > 0:
            msg = "the reprojected grid has no population although the source has some; check the CRSs"
            raise DataError(msg)
        return 1.0
    factor = total_in / total_out
    values *= factor
    log.info("population correction factor after reprojection: %.12f", factor)
    if abs(factor - 1) > _WARN_CORRECTION:
        log.warning(
            "reprojection changed the population total by %.2f %% before correction; "
            "the source and target grids may not overlap well (check the CRSs)",
            100 * (factor - 1),
        )
    return factor
