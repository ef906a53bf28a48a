"""Windowed reading of rasters onto an equal-area grid (the engine under :mod:`fua.grid`).

A private module of :mod:`fua` whose names are public within the package:
:mod:`fua.grid` (:func:`fua.read_population`), :mod:`fua.scale.tiles` and
:mod:`fua.scale.distributed` all read rasters through it.

* :func:`open_raster` opens any GDAL raster, or wraps a 2-D array, as a
  :class:`Raster` read in windows, with clear errors for missing files, CRSs
  and bands;
* :class:`PopulationCheck` turns population blocks into float (NaN = no
  data) and tallies negative or non-finite cells; :func:`nodata_mask` and
  :func:`nan_nodata` handle no-data values;
* :func:`target_grid` and :func:`snapped_grid` choose the grid (a
  :class:`GridSpec`) a source is put on; :func:`resample` puts it there,
  by exact block aggregation when the cells nest (:func:`block_factors`), by
  GDAL reprojection otherwise, in row strips of about :data:`STRIP_CELLS`
  source cells;
* :func:`share_units` and :func:`share_values` read land and built-up
  layers as shares of a cell.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rasterio.io import DatasetReader
from rasterio.warp import Resampling, reproject, transform_bounds

from connectivity.errors import CRSError, DataError, InputFileError, ParameterError
from connectivity.progress import bar
from fua._validate import to_pyproj

__all__ = [
    "STRIP_CELLS",
    "GridSpec",
    "PopulationCheck",
    "Prep",
    "Raster",
    "RasterInput",
    "Units",
    "bad_cells_error",
    "block_factors",
    "nan_nodata",
    "nodata_mask",
    "open_raster",
    "resample",
    "same_crs",
    "share_units",
    "share_values",
    "snapped_grid",
    "target_grid",
    "to_rasterio_crs",
]

log = logging.getLogger(__name__)

#: Units of a land or built-up layer: m² per cell, percent, share, or told from the values.
Units = Literal["auto", "m2", "percent", "share"]
#: A raster file path, or a 2-D (or 3-D, bands first) array of values.
RasterInput = str | os.PathLike[str] | np.ndarray
#: Converts one block read from a source, given its first row and column, to float64.
Prep = Callable[[np.ndarray, int, int], np.ndarray]

#: Largest number of source cells read at once (one row strip of the target grid).
STRIP_CELLS = 1 << 23
_TOL = 1e-9


@dataclass(frozen=True)
class GridSpec:
    """A target grid: transform, (rows, cols) and CRS."""

    transform: Affine
    shape: tuple[int, int]
    crs: CRS


@dataclass
class Raster:
    """One band of an open rasterio dataset or a 2-D array, read in windows."""

    name: str
    shape: tuple[int, int]
    transform: Affine
    crs: CRS
    nodata: float | None
    dataset: DatasetReader | None = None
    band: int = 1
    array: np.ndarray | None = None

    def read(self, i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        """Rows i0:i1 and columns j0:j1 in their own dtype."""
        if self.array is not None:
            return self.array[i0:i1, j0:j1]
        assert self.dataset is not None  # a Raster holds an array or an open dataset
        try:
            return self.dataset.read(self.band, window=((i0, i1), (j0, j1)))
        except RasterioError as exc:
            msg = f"cannot read {self.name}: {exc}; the file is probably truncated or corrupt, download it again"
            raise InputFileError(msg) from exc

    def strips(
        self, n_rows: int | None = None, *, progress: bool = False, desc: str = ""
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (first row, block) for consecutive full-width row strips.

        ``n_rows`` rows at a time; by default as many as make about
        :data:`STRIP_CELLS` cells.
        """
        if n_rows is None:
            n_rows = max(1, STRIP_CELLS // self.shape[1])
        starts = range(0, self.shape[0], max(1, n_rows))
        for i0 in bar(starts, enabled=progress, desc=desc, unit="strip"):
            yield i0, self.read(i0, min(i0 + n_rows, self.shape[0]), 0, self.shape[1])


def to_rasterio_crs(crs: Any) -> CRS:
    """Any CRS description as a :class:`rasterio.crs.CRS`."""
    return crs if isinstance(crs, CRS) else CRS.from_wkt(to_pyproj(crs).to_wkt())


def same_crs(a: CRS, b: CRS) -> bool:
    """Whether two CRSs are the same (axis order aside)."""
    return bool(to_pyproj(a).equals(to_pyproj(b), ignore_axis_order=True))


def _no_crs_error(name: str) -> CRSError:
    msg = (
        f"{name} has no CRS, and fua never guesses one: set it in the file, e.g. "
        "`gdal_edit.py -a_srs ESRI:54009 file.tif` (GHSL grids) or `-a_srs EPSG:4326` "
        "(WorldPop), or pass crs=... to read_population"
    )
    return CRSError(msg)


def _array_raster(
    arr: np.ndarray, what: str, transform: Any, crs: Any, nodata: float | None, band: int
) -> Raster:
    """A 2-D array (or one band of a 3-D array) with its georeferencing, as a :class:`Raster`."""
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
    return Raster(f"the {what} array", arr.shape, tr, to_rasterio_crs(crs), nodata, array=arr)


def _open_file(path: Path, what: str) -> DatasetReader:
    """Open a raster file, or say what is wrong with it (missing, empty, not a raster)."""
    problem = None
    if not path.is_file():
        problem = (
            f"{what} file not found: {path} (check the path; it is resolved from {Path.cwd()})"
        )
    elif path.stat().st_size == 0:
        problem = f"{what} file {path} is empty (0 bytes): download or export it again"
    if problem is not None:
        raise InputFileError(problem)
    try:
        return rasterio.open(path)
    except RasterioError as exc:
        msg = (
            f"cannot open {what} file {path} as a raster ({exc}): it must be a GeoTIFF or "
            "another GDAL format, not corrupt"
        )
        raise InputFileError(msg) from exc


@contextmanager
def open_raster(
    source: RasterInput,
    *,
    what: str,
    transform: Any = None,
    crs: Any = None,
    nodata: float | None = None,
    band: int = 1,
) -> Iterator[Raster]:
    """Open a path (any GDAL raster) or wrap an array, with clear errors.

    Parameters
    ----------
    source : path or numpy.ndarray
        A raster file, or an array of values (then ``transform`` and ``crs``
        are needed).
    what : str
        What the raster is ("population", "land"), for messages.
    transform, crs : optional
        Georeferencing of an array; ``crs`` also overrides a file's CRS.
    nodata : float, optional
        No-data value; a file's own by default.
    band : int
        The band to read (from 1).
    """
    if isinstance(source, np.ndarray):
        yield _array_raster(source, what, transform, crs, nodata, band)
        return
    if transform is not None:
        msg = "transform= is only for arrays; a raster file carries its own transform"
        raise ParameterError(msg)
    path = Path(source)
    with _open_file(path, what) as ds:
        if not 1 <= band <= ds.count:
            msg = f"band={band} but {path} has {ds.count} band(s) (numbered from 1)"
            raise ParameterError(msg)
        file_crs = ds.crs
        if crs is not None:
            if file_crs is not None and not same_crs(file_crs, to_rasterio_crs(crs)):
                log.warning("%s: overriding the file CRS %s with crs=%s", path, file_crs, crs)
            file_crs = to_rasterio_crs(crs)
        if file_crs is None:
            raise _no_crs_error(str(path))
        nd = ds.nodatavals[band - 1] if nodata is None else nodata
        yield Raster(str(path), (ds.height, ds.width), ds.transform, file_crs, nd, ds, band)


def nodata_mask(chunk: np.ndarray, nodata: float | None) -> np.ndarray:
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


class PopulationCheck:
    """Converts population blocks to float (NaN = no data) and tallies bad cells."""

    def __init__(self, src: Raster) -> None:
        self.src = src
        self.total = 0.0
        self.bad: dict[str, list[Any]] = {}

    def __call__(self, chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
        out = chunk.astype("float64")
        nodata = nodata_mask(chunk, self.src.nodata)
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
        """Raise :class:`~fua.DataError` if any block had bad cells."""
        if self.bad:
            note = f" (the file says nodata={self.src.nodata})"
            raise bad_cells_error(self.src.name, self.bad, self.src.transform, note)


def bad_cells_error(
    name: str, bad: dict[str, list[Any]], transform: Affine | None = None, note: str = ""
) -> DataError:
    """The error for the bad cells tallied by :class:`PopulationCheck` (kind -> [count, first]).

    With ``transform`` the first bad cell of each kind is also given in map
    coordinates; ``note`` ends the message.
    """
    parts = []
    for kind, (count, (r, c, value)) in bad.items():
        where = f"row {r}, col {c}"
        if transform is not None:
            x, y = transform @ (c + 0.5, r + 0.5)
            where += f" (x={x:.6g}, y={y:.6g})"
        parts.append(f"{count} cells are {kind}, e.g. {value} at {where}")
    msg = (
        f"{name}: " + "; ".join(parts) + ": population counts must be finite and >= 0; "
        "if these cells are a no-data flag pass nodata=<value>" + note
    )
    return DataError(msg)


def _rectilinear(tr: Affine) -> bool:
    return tr.b == 0 and tr.d == 0


def _near_int(x: float) -> bool:
    return abs(x - round(x)) <= _TOL * max(1.0, abs(x))


def block_factors(src: Raster, grid: GridSpec) -> tuple[int, int, int, int] | None:
    """(ky, kx, row offset, col offset) when source cells nest exactly in grid cells, else None."""
    st, gt = src.transform, grid.transform
    if not (same_crs(src.crs, grid.crs) and _rectilinear(st) and st.a > 0 and st.e < 0):
        return None
    kx, ky = gt.a / st.a, -gt.e / -st.e
    r_off, c_off = (gt.f - st.f) / st.e, (gt.c - st.c) / st.a
    if all(_near_int(v) for v in (kx, ky, r_off, c_off)) and kx >= 1 and ky >= 1:
        return round(ky), round(kx), round(r_off), round(c_off)
    return None


def snapped_grid(bounds: tuple[float, float, float, float], cs: float, crs: CRS) -> GridSpec:
    """The grid of cs-metre cells on multiples of cs that covers bounds (left, bottom, right, top)."""
    left, bottom, right, top = bounds
    x0, y1 = math.floor(left / cs + _TOL) * cs, math.ceil(top / cs - _TOL) * cs
    x1, y0 = math.ceil(right / cs - _TOL) * cs, math.floor(bottom / cs + _TOL) * cs
    shape = (max(1, round((y1 - y0) / cs)), max(1, round((x1 - x0) / cs)))
    return GridSpec(Affine(cs, 0.0, x0, 0.0, -cs, y1), shape, crs)


def _footprint(src: Raster) -> tuple[float, float, float, float]:
    rows, cols = src.shape
    xs, ys = zip(
        *(src.transform @ (c, r) for c, r in ((0, 0), (cols, 0), (0, rows), (cols, rows))),
        strict=True,
    )
    return min(xs), min(ys), max(xs), max(ys)


def target_grid(src: Raster, crs: CRS, cs: float) -> GridSpec:
    """The equal-area grid a source is put on (the source grid itself when it already is one)."""
    st = src.transform
    if same_crs(src.crs, crs) and _rectilinear(st) and st.e < 0:
        if math.isclose(st.a, cs, rel_tol=_TOL) and math.isclose(-st.e, cs, rel_tol=_TOL):
            return GridSpec(st, src.shape, crs)
        grid = snapped_grid(_footprint(src), cs, crs)
        if block_factors(src, grid) is not None:
            return grid
    left, bottom, right, top = transform_bounds(src.crs, crs, *_footprint(src), densify_pts=51)
    if not all(map(math.isfinite, (left, bottom, right, top))):
        msg = f"{src.name} extends beyond where {crs.to_string()} is defined; clip it first"
        raise CRSError(msg)
    return snapped_grid((left, bottom, right, top), cs, crs)


def _block_aggregate(
    src: Raster,
    grid: GridSpec,
    factors: tuple[int, int, int, int],
    how: str,
    prep: Prep,
    progress: bool,
) -> np.ndarray:
    """Exact block sum / mean of nested source cells; NaN where a block has no data."""
    ky, kx, r_off, c_off = factors
    (nr, nc), (sr, sc) = grid.shape, src.shape
    out = np.full(grid.shape, np.nan)
    step = max(1, STRIP_CELLS // (ky * kx * nc))
    for r0 in bar(range(0, nr, step), enabled=progress, desc="aggregating", unit="strip"):
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


def _source_window(
    src: Raster, grid: GridSpec, r0: int, r1: int
) -> tuple[int, int, int, int] | None:
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


def _warp(src: Raster, grid: GridSpec, how: str, prep: Prep, progress: bool) -> np.ndarray:
    """Reproject with GDAL (sum or average resampling) in row strips of the target grid."""
    out = np.full(grid.shape, np.nan)
    nr, nc = grid.shape
    per_row = max(1.0, src.shape[0] * src.shape[1] / nr) * 2 + nc
    step = max(1, int(STRIP_CELLS // per_row))
    resampling = Resampling.sum if how == "sum" else Resampling.average
    for r0 in bar(range(0, nr, step), enabled=progress, desc="reprojecting", unit="strip"):
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


def resample(
    src: Raster, grid: GridSpec, how: str, prep: Prep, progress: bool
) -> tuple[np.ndarray, str]:
    """Put src on grid by block aggregation when the cells nest, else by reprojection."""
    factors = block_factors(src, grid)
    if factors is not None:
        method = "as-is" if factors[:2] == (1, 1) else "block-" + how
        return _block_aggregate(src, grid, factors, how, prep, progress), method
    return _warp(src, grid, how, prep, progress), "warp-" + how


_SHARE_DIVISOR = {"share": 1.0, "percent": 100.0}


def share_units(src: Raster, units: str, what: str) -> tuple[str, float]:
    """Check a land/built layer's values and return (units, divisor that makes them shares).

    Notes
    -----
    ``"auto"`` looks at the largest value: up to 1 is a share, up to 100 a
    percentage (GHS-BUILT-LDS), up to the cell area a surface in m² per cell
    (GHSL R2023A LAND / BUILT_S). A layer in m² whose largest value is at most
    100 is ambiguous; pass the units explicitly for such layers.
    """
    lo, hi = math.inf, -math.inf
    for _, chunk in src.strips(desc=what):
        vals = chunk[~nodata_mask(chunk, src.nodata)].astype("float64")
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


def share_values(
    chunk: np.ndarray, nodata: float | None, divisor: float, fill: float
) -> np.ndarray:
    """A block of a land/built layer as float64 shares; no data and non-finite cells get ``fill``."""
    out = chunk.astype("float64") / divisor
    out[nodata_mask(chunk, nodata) | ~np.isfinite(out)] = fill
    return out


def nan_nodata(src: Raster) -> Prep:
    """The block converter that only marks no data as NaN (the population is checked elsewhere)."""

    def prep(chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
        out = chunk.astype("float64")
        out[nodata_mask(chunk, src.nodata)] = np.nan
        return out

    return prep
