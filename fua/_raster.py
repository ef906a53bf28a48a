"""Windowed reading of rasters onto an equal-area grid (the engine under :mod:`fua.grid`).

A private module of :mod:`fua` whose names are public within the package:
:mod:`fua.grid` (:func:`fua.read_population`), :mod:`fua.scale.tiles` and
:mod:`fua.scale.distributed` all read rasters through it.

* :func:`open_raster` opens any GDAL raster, or wraps a 2-D array, as a
  :class:`Raster` read in windows, with clear errors for missing files, CRSs
  and bands;
* :class:`PopulationCheck` turns population blocks into float (NaN = no
  data) and tallies negative, non-finite and implausible cells (denser than
  :data:`MAX_DENSITY_PER_KM2`, or the largest value of an integer type: an
  undeclared no-data value), naming the likely no-data value;
  :func:`nodata_mask` and :func:`nan_nodata` handle no-data values;
* :func:`target_grid` and :func:`snapped_grid` choose the grid (a
  :class:`GridSpec`) a source is put on; :func:`resample` puts it there,
  by exact block aggregation when the cells nest (:func:`block_factors`), by
  GDAL reprojection otherwise, in row strips of about :data:`STRIP_CELLS`
  source cells; :func:`warp_sum` reprojects people block by block of the
  source, each block's people conserved where they are;
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
    "MAX_DENSITY_PER_KM2",
    "MAX_TOTAL_POPULATION",
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
    "warp_sum",
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
#: People per km² above which a cell cannot be a population count: the densest
#: square kilometres on Earth hold about 1e5 people (parts of Manila, Dhaka,
#: Mumbai). Cells under 1 km² may hold up to this many people (one cell over
#: a few tower blocks can be far denser than any square kilometre).
MAX_DENSITY_PER_KM2 = 1e6
#: More people than this in one raster is not a population count (world: ~8.2e9 in 2024).
MAX_TOTAL_POPULATION = 1e10
_EARTH_RADIUS_KM = 6371.0088
_DENSER = (
    f"denser than anywhere on Earth (more than {MAX_DENSITY_PER_KM2:g} people per km², "
    "or in one cell under 1 km²)"
)


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
    override_crs: bool = False,
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
        Georeferencing of an array, or the CRS of a file that has none.
    nodata : float, optional
        No-data value; a file's own by default.
    band : int
        The band to read (from 1).
    override_crs : bool
        Let ``crs`` replace a file's own, different CRS (refused otherwise).
    """
    if not isinstance(source, str | os.PathLike | np.ndarray):
        msg = (
            f"the {what} source must be a raster file path or a 2-D numpy array, "
            f"got {type(source).__name__} {source!r:.60}"
        )
        raise ParameterError(msg)
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
            given = to_rasterio_crs(crs)
            if file_crs is not None and not same_crs(file_crs, given):
                if not override_crs:
                    msg = (
                        f"{path} is in {file_crs.to_string()} but crs={crs!r} was given: drop "
                        "crs= to use the file's CRS, or pass override_crs=True if the file's "
                        "CRS is wrong"
                    )
                    raise CRSError(msg)
                log.warning("%s: overriding the file CRS %s with crs=%s", path, file_crs, crs)
            file_crs = given
        if file_crs is None:
            raise _no_crs_error(str(path))
        nd = ds.nodatavals[band - 1] if nodata is None else nodata
        yield Raster(str(path), (ds.height, ds.width), ds.transform, file_crs, nd, ds, band)


def nodata_mask(chunk: np.ndarray, nodata: float | None) -> np.ndarray:
    """True where chunk equals nodata, compared in the chunk's own dtype (NaN-aware).

    A float chunk compares with the nodata value rounded to its type, as GDAL
    does (3.4028235e38 matches the largest float32); an integer chunk only
    with a value it can hold exactly.
    """
    if nodata is None:
        return np.zeros(chunk.shape, bool)
    if np.isnan(nodata):
        return np.isnan(chunk) if chunk.dtype.kind == "f" else np.zeros(chunk.shape, bool)
    if chunk.dtype.kind == "f":
        with np.errstate(over="ignore"):
            typed = np.array(nodata).astype(chunk.dtype)
        if np.isinf(typed) and not np.isinf(nodata):  # beyond the type: no cell can match
            return np.zeros(chunk.shape, bool)
        return chunk == typed
    try:
        typed = np.array(nodata).astype(chunk.dtype)
    except (OverflowError, ValueError):
        return np.zeros(chunk.shape, bool)
    if float(typed) != float(nodata):  # not representable in this dtype: no cell can match
        return np.zeros(chunk.shape, bool)
    return chunk == typed


def _row_areas_km2(src: Raster) -> Callable[[int, int], np.ndarray]:
    """A function (i0, n_rows) -> area in km² of the cells of those rows, as a column vector.

    Constant on projected grids; by latitude on lon/lat grids.
    """
    t = src.transform
    det = abs(t.a * t.e - t.b * t.d)
    pcrs = to_pyproj(src.crs)
    if not pcrs.is_geographic:
        unit = pcrs.axis_info[0].unit_conversion_factor if pcrs.axis_info else 1.0
        area = det * unit**2 / 1e6
        return lambda i0, n: np.full((n, 1), area)
    scale = det * (math.pi / 180.0 * _EARTH_RADIUS_KM) ** 2

    def by_latitude(i0: int, n: int) -> np.ndarray:
        lat = np.radians(t.f + t.e * (np.arange(i0, i0 + n) + 0.5) + t.d * 0.5)
        return (scale * np.maximum(np.cos(lat), 0.01))[:, np.newaxis]

    return by_latitude


class PopulationCheck:
    """Converts population blocks to float (NaN = no data) and tallies bad cells.

    Bad cells are NaN or infinite, negative, or implausible: denser than
    :data:`MAX_DENSITY_PER_KM2`, or the largest value of an integer type (a
    saturated or fill value). The values of bad cells are counted too
    (``modes``), so the error can name the most frequent one as the likely
    undeclared no-data value. ``total`` is the sum of the good cells, and
    :meth:`raise_if_bad` also refuses a total above :data:`MAX_TOTAL_POPULATION`.
    """

    def __init__(self, src: Raster) -> None:
        self.src = src
        self.total = 0.0
        self.bad: dict[str, list[Any]] = {}
        self.modes: dict[str, int] = {}  # bad values (as no-data text) -> cells
        self.largest = ("", -math.inf, 0)  # (value as text, value, cells holding it)
        self._areas = _row_areas_km2(src)

    def _implausible(self, chunk: np.ndarray, out: np.ndarray, i0: int) -> dict[str, np.ndarray]:
        area = self._areas(i0, chunk.shape[0])
        limit = MAX_DENSITY_PER_KM2 * np.maximum(area, 1.0)
        kinds = {_DENSER: np.isfinite(out) & (out > limit)}
        if chunk.dtype.kind in "iu":
            top = np.iinfo(chunk.dtype).max
            kinds[f"the largest {chunk.dtype} value ({top})"] = (chunk == top) & ~np.isnan(out)
        return kinds

    def __call__(self, chunk: np.ndarray, i0: int, j0: int) -> np.ndarray:
        out = chunk.astype("float64")
        nodata = nodata_mask(chunk, self.src.nodata)
        out[nodata] = np.nan
        kinds = {"NaN or infinite": ~np.isfinite(out) & ~nodata, "negative": out < 0}
        kinds |= self._implausible(chunk, out, i0)
        for kind, mask in kinds.items():
            if mask.any():
                entry = self.bad.setdefault(kind, [0, None])
                entry[0] += int(mask.sum())
                if entry[1] is None:
                    r, c = (int(v[0]) for v in np.nonzero(mask))
                    entry[1] = (i0 + r, j0 + c, float(chunk[r, c]))
                self._count_values(chunk[mask])
                out[mask] = np.nan
        self.total += float(np.nansum(out))
        self._track_largest(chunk, out)
        return out

    def _count_values(self, values: np.ndarray) -> None:
        vals, counts = np.unique(values, return_counts=True)
        for v, n in zip(vals.tolist(), counts.tolist(), strict=True):
            key = _nodata_text(v, values.dtype)
            if len(self.modes) < 10_000 or key in self.modes:
                self.modes[key] = self.modes.get(key, 0) + n

    def _track_largest(self, chunk: np.ndarray, out: np.ndarray) -> None:
        if np.isnan(out).all():
            return
        top = float(np.nanmax(out))
        n = int((out == top).sum())
        if top > self.largest[1]:
            self.largest = (_nodata_text(top, chunk.dtype), top, n)
        elif top == self.largest[1]:
            self.largest = (self.largest[0], top, self.largest[2] + n)

    def raise_if_bad(self) -> None:
        """Raise :class:`~fua.DataError` if any block had bad cells, or the total is beyond the world's."""
        if self.bad:
            note = f" (the file says nodata={self.src.nodata})"
            raise bad_cells_error(self.src.name, self.bad, self.src.transform, note, self.modes)
        if self.total > MAX_TOTAL_POPULATION:
            fill, _, n = self.largest
            msg = (
                f"{self.src.name}: {self.total:.3g} people in all, more than the world's population "
                f"(~8.2e9); its largest value {fill} fills {n} cells and is probably a no-data value "
                f"the file does not declare (it says nodata={self.src.nodata}): pass nodata={fill} "
                f"(--nodata {fill}) or set it with gdal_edit.py -a_nodata {fill} FILE"
            )
            raise DataError(msg)


def _nodata_text(value: float, dtype: np.dtype[Any] | None = None) -> str:
    """A cell value as the shortest text that reads back to it in a raster of ``dtype``."""
    if not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if dtype is not None and dtype == np.float32:
        return str(np.float32(value))  # "3.4028235e+38", matched in float32 rasters
    return repr(float(value))


def bad_cells_error(
    name: str,
    bad: dict[str, list[Any]],
    transform: Affine | None = None,
    note: str = "",
    modes: dict[str, int] | None = None,
) -> DataError:
    """The error for the bad cells tallied by :class:`PopulationCheck` (kind -> [count, first]).

    With ``transform`` the first bad cell of each kind is also given in map
    coordinates; with ``modes`` (value as text -> cells) the value filling
    most bad cells is named as the likely no-data value; ``note`` ends the message.
    """
    parts = []
    for kind, (count, (r, c, value)) in bad.items():
        where = f"row {r}, col {c}"
        if transform is not None:
            x, y = transform @ (c + 0.5, r + 0.5)
            where += f" (x={x:.6g}, y={y:.6g})"
        parts.append(f"{count} cells are {kind}, e.g. {value} at {where}")
    finite = {v: n for v, n in (modes or {}).items() if math.isfinite(float(v))}
    fill, n = max(finite.items(), key=lambda item: item[1], default=("", 0))
    if n > 0.5 * sum(finite.values()):  # one value fills most bad cells
        fix = (
            f"{fill} ({n} cells) looks like a no-data value the file does not declare: pass "
            f"nodata={fill} (--nodata {fill}) or set it with gdal_edit.py -a_nodata {fill} FILE"
        )
    elif set(bad) == {"NaN or infinite"}:
        fix = "if NaN marks no data, pass nodata=nan (--nodata nan)"
    else:
        fix = "if these cells are a no-data flag pass nodata=<value> (--nodata <value>)"
    msg = (
        f"{name}: "
        + "; ".join(parts)
        + f": population counts must be finite and >= 0; {fix}"
        + note
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


def _blocks(shape: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """(i0, i1, j0, j1) blocks of about :data:`STRIP_CELLS` cells that partition a source."""
    rows, cols = shape
    col_step = min(cols, STRIP_CELLS)
    row_step = max(1, STRIP_CELLS // col_step)
    return [
        (i0, min(i0 + row_step, rows), j0, min(j0 + col_step, cols))
        for i0 in range(0, rows, row_step)
        for j0 in range(0, cols, col_step)
    ]


def _target_window(
    src: Raster, grid: GridSpec, block: tuple[int, int, int, int]
) -> tuple[int, int, int, int] | None:
    """Target rows/cols (r0, r1, c0, c1) a source block can reach, padded by 2 cells."""
    i0, i1, j0, j1 = block
    sub = Raster(
        src.name, (i1 - i0, j1 - j0), src.transform @ Affine.translation(j0, i0), src.crs, None
    )
    nr, nc = grid.shape
    b = transform_bounds(src.crs, grid.crs, *_footprint(sub), densify_pts=51)
    if not all(map(math.isfinite, b)):
        return 0, nr, 0, nc
    gt = grid.transform
    c0, c1 = math.floor((b[0] - gt.c) / gt.a) - 2, math.ceil((b[2] - gt.c) / gt.a) + 2
    r0, r1 = math.floor((b[3] - gt.f) / gt.e) - 2, math.ceil((b[1] - gt.f) / gt.e) + 2
    r0, r1, c0, c1 = max(r0, 0), min(r1, nr), max(c0, 0), min(c1, nc)
    return (r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None


def warp_sum(
    src: Raster, grid: GridSpec, prep: Prep, progress: bool
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Reproject people onto ``grid`` block by block of the source, each block conserved.

    The source is cut into blocks of about :data:`STRIP_CELLS` cells; each
    is reprojected with GDAL ``sum`` resampling onto the part of the grid it
    covers and scaled so that its people add up to the block's own total.
    So people stay in the region they live in, however large the source
    (a whole-globe lon/lat raster is never warped in one piece), and the
    source is read once, ``prep`` (a :class:`PopulationCheck`) seeing every
    cell exactly once.

    Returns
    -------
    values : numpy.ndarray
        People per grid cell, NaN where no source cell with data reaches.
    parts : list of (float, float)
        Each block's people before and after reprojection (before scaling).
    """
    out = np.zeros(grid.shape)
    have = np.zeros(grid.shape, bool)
    parts = []
    for block in bar(_blocks(src.shape), enabled=progress, desc="reprojecting", unit="block"):
        i0, i1, j0, j1 = block
        vals = prep(src.read(i0, i1, j0, j1), i0, j0)
        if np.isnan(vals).all():
            continue
        total_in = float(np.nansum(vals))
        win = _target_window(src, grid, block)
        if win is None:
            parts.append((total_in, 0.0))
            continue
        r0, r1, c0, c1 = win
        dest = np.full((r1 - r0, c1 - c0), np.nan)
        reproject(
            vals,
            dest,
            src_transform=src.transform @ Affine.translation(j0, i0),
            src_crs=src.crs,
            src_nodata=np.nan,
            dst_transform=grid.transform @ Affine.translation(c0, r0),
            dst_crs=grid.crs,
            dst_nodata=np.nan,
            resampling=Resampling.sum,
        )
        total_out = float(np.nansum(dest))
        parts.append((total_in, total_out))
        ok = ~np.isnan(dest)
        factor = total_in / total_out if total_out > 0 else 1.0
        out[r0:r1, c0:c1] += np.where(ok, dest * factor, 0.0)
        have[r0:r1, c0:c1] |= ok
    out[~have] = np.nan
    return out, parts


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
