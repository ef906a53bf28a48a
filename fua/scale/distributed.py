"""Aggregating many fine population tiles to the 1 km equal-area grid, with Dask.

:func:`aggregate_tiles` mosaics any number of population rasters (GHS-POP
100 m / 250 m tiles, WorldPop country files, census grids, in any CRS) onto
one equal-area grid, conserving people. The work is cut into pieces (one
tile × one band of target rows, small enough for a worker) that run as Dask
tasks on a ``dask.distributed`` cluster, local or remote, or in this process
when no client is given; the pieces are summed band by band into the
result, which is returned in memory or written to a GeoTIFF in windows.

Dask is optional: ``pip install "dask[array]" distributed`` (the ``dask``
extra); it is imported only when a client is asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from connectivity.errors import DataError, OutputExistsError, ParameterError
from connectivity.io import safe_path
from connectivity.measures.batch import close_client, get_client
from connectivity.progress import bar
from fua._raster import (
    GridSpec,
    PopulationCheck,
    bad_cells_error,
    block_factors,
    nan_nodata,
    open_raster,
    resample,
    snapped_grid,
    target_grid,
    to_rasterio_crs,
)
from fua._validate import check_positive, check_projected_equal_area
from fua.grid import DEFAULT_CRS, PopulationGrid

__all__ = ["aggregate_tiles", "get_client"]

log = logging.getLogger(__name__)

#: Source cells per piece (one task); ~16 M cells is ~130 MB as float64.
PIECE_CELLS = 1 << 24
#: Target rows per output band (the unit of gathering and writing).
BAND_ROWS = 2048
_NODATA_OUT = -200.0


@dataclass(frozen=True)
class _Piece:
    """One task: tile ``tile`` (path) onto target rows r0:r1, columns c0:c1."""

    tile: int
    path: str
    nodata: float | None
    band: int
    r0: int
    r1: int
    c0: int
    c1: int
    transform: tuple[float, ...]  # of the whole target grid
    crs_wkt: str
    exact: bool  # cells nest: block sum, the piece's own total is exact


def _run_piece(piece: _Piece) -> dict[str, Any]:
    """Aggregate one piece (runs on a worker): values (NaN = no data), totals, bad cells."""
    gt = Affine(*piece.transform)
    sub = GridSpec(
        gt @ Affine.translation(piece.c0, piece.r0),
        (piece.r1 - piece.r0, piece.c1 - piece.c0),
        CRS.from_wkt(piece.crs_wkt),
    )
    with open_raster(piece.path, what="population", nodata=piece.nodata, band=piece.band) as src:
        check = PopulationCheck(src)
        prep = check if piece.exact else nan_nodata(src)
        values, method = resample(src, sub, "sum", prep, False)
    return {
        "tile": piece.tile,
        "rows": (piece.r0, piece.r1),
        "cols": (piece.c0, piece.c1),
        "values": values,
        "sum": float(np.nansum(values)),
        "input_total": check.total if piece.exact else None,
        "bad": check.bad if piece.exact else {},
        "method": method,
    }


def _tile_total(path: str, nodata: float | None, band: int) -> dict[str, Any]:
    """Input total and bad cells of a whole tile (for reprojected tiles), read in strips."""
    with open_raster(path, what="population", nodata=nodata, band=band) as src:
        check = PopulationCheck(src)
        for i0, chunk in src.strips(max(1, PIECE_CELLS // src.shape[1]), progress=False, desc=""):
            check(chunk, i0, 0)
    return {"total": check.total, "bad": check.bad}


def _plan(
    paths: Sequence[Path], dst_crs: CRS, cs: float, nodata: float | None, band: int
) -> tuple[GridSpec, list[_Piece], list[bool]]:
    """The common target grid and the pieces of every tile."""
    tiles = []
    nested: dict[str, tuple[float, float, float, float, float]] = {}
    for p in paths:
        with open_raster(p, what="population", nodata=nodata, band=band) as src:
            g = target_grid(src, dst_crs, cs)
            exact = block_factors(src, g) is not None
            if exact and g.transform != snapped_grid(_bounds(g), cs, dst_crs).transform:
                exact = False  # a grid at cs but off the multiples of cs: reproject it
                g = snapped_grid(_bounds(g), cs, dst_crs)
            src_cells = src.shape[0] * src.shape[1]
            if exact:  # already on the target grid: its own box, to look for overlaps
                own = GridSpec(src.transform, src.shape, dst_crs)
                nested[str(p)] = (*_bounds(own), src.transform.a)
        tiles.append((str(p), g, exact, src_cells))
    _check_no_overlap(nested)
    left = min(_bounds(g)[0] for _, g, _, _ in tiles)
    bottom = min(_bounds(g)[1] for _, g, _, _ in tiles)
    right = max(_bounds(g)[2] for _, g, _, _ in tiles)
    top = max(_bounds(g)[3] for _, g, _, _ in tiles)
    grid = snapped_grid((left, bottom, right, top), cs, dst_crs)
    gt = grid.transform
    pieces: list[_Piece] = []
    for k, (path, g, exact, src_cells) in enumerate(tiles):
        r_off = round((gt.f - g.transform.f) / cs)
        c_off = round((g.transform.c - gt.c) / cs)
        rows, cols = g.shape
        per_row = max(1.0, src_cells / rows)
        step = max(1, int(PIECE_CELLS // per_row))
        for r in range(0, rows, step):
            pieces.append(
                _Piece(
                    k,
                    path,
                    nodata,
                    band,
                    r_off + r,
                    r_off + min(rows, r + step),
                    c_off,
                    c_off + cols,
                    tuple(gt)[:6],
                    dst_crs.to_wkt(),
                    exact,
                )
            )
    return grid, pieces, [t[2] for t in tiles]


def _check_no_overlap(nested: dict[str, tuple[float, float, float, float, float]]) -> None:
    """Tiles on the target grid must not overlap: their people would be counted twice.

    ``nested`` holds, per tile already in the target CRS, its (left, bottom,
    right, top, cell size). Tiles that only share an edge are fine; tiles in
    another CRS are not compared (a country file's box may cover its
    neighbour's no-data).
    """
    if len(nested) < 2:
        return
    names = list(nested)
    b = np.asarray(list(nested.values()))
    tol = 0.5 * float(b[:, 4].min())
    w = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    h = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    both = np.triu((w > tol) & (h > tol), k=1)
    if both.any():
        i, j = (int(v[0]) for v in np.nonzero(both))
        msg = (
            f"{int(both.sum())} pair(s) of tiles overlap, e.g. {names[i]} and {names[j]} "
            f"({w[i, j] * h[i, j] / 1e6:.6g} km²): their people would be counted twice; give "
            "tiles that do not overlap"
        )
        raise DataError(msg)


def _bounds(g: GridSpec) -> tuple[float, float, float, float]:
    t = g.transform
    return t.c, t.f + t.e * g.shape[0], t.c + t.a * g.shape[1], t.f


def aggregate_tiles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    cell_size_m: float = 1000.0,
    target_crs: Any = DEFAULT_CRS,
    out: str | os.PathLike[str] | None = None,
    client: Any = None,
    n_workers: int | None = None,
    nodata: float | None = None,
    band: int = 1,
    dtype: str = "float64",
    overwrite: bool = False,
    progress: bool = False,
) -> PopulationGrid | Path:
    """Mosaic population tiles onto one equal-area grid, conserving people.

    Parameters
    ----------
    paths : iterable of path
        Population rasters (people per cell), in any CRS; tiles must not
        overlap (each person is counted once).
    cell_size_m : float
        Cell side of the result (1 km for the Degree of Urbanisation).
    target_crs
        Equal-area projected CRS (World Mollweide by default).
    out : path, optional
        Write the mosaic to this GeoTIFF (in bands, nodata -200) and return
        its path; otherwise return a :class:`fua.PopulationGrid`.
    client : None, "local", str or dask.distributed.Client
        Where the pieces run: None in this process; ``"local"`` on a new
        LocalCluster of ``n_workers`` processes; an address
        (``"tcp://10.0.0.5:8786"``) on that scheduler's cluster; or an
        existing Client. Workers must be able to read ``paths``.
    n_workers : int, optional
        Workers of the ``"local"`` cluster (default: CPU count).
    nodata : float, optional
        Population no-data value (default: each file's).
    band : int
        Band to read.
    dtype : {"float64", "float32"}
        Type of the written GeoTIFF.
    overwrite : bool
        Replace ``out`` if it exists.
    progress : bool
        A progress bar over the pieces (on a terminal).

    Returns
    -------
    PopulationGrid or pathlib.Path

    Raises
    ------
    DataError
        Negative, NaN or infinite population cells (other than no data).

    Notes
    -----
    The target grid has its origin on multiples of ``cell_size_m`` (as the
    GHSL grids) and covers every tile. A tile whose cells nest in target
    cells (GHS-POP 100 m / 250 m in Mollweide) is block-summed piece by
    piece; the pieces partition the tile, so people are conserved exactly.
    Any other tile is reprojected with GDAL ``sum`` resampling piece by
    piece and its pieces are then scaled by one factor per tile so that
    their total equals the tile's input total (read in a separate task),
    as :func:`fua.read_population` does for one file. Pieces of
    neighbouring tiles that fall in the same target cell are added.
    Memory: each task holds one piece (about 16 M source cells); the pieces'
    results (the mosaic, spread over the workers) are gathered one band of
    target rows at a time, so the caller holds one band when writing ``out``.
    """
    cs = check_positive(cell_size_m, "cell_size_m")
    check_projected_equal_area(target_crs, "target_crs")
    if dtype not in ("float64", "float32"):
        msg = f"dtype must be 'float64' or 'float32', got {dtype!r}"
        raise ParameterError(msg)
    dst_crs = to_rasterio_crs(target_crs)
    files = [Path(p) for p in paths]
    if not files:
        msg = "no population tiles given: pass a list of raster paths"
        raise ParameterError(msg)
    seen = [p.resolve() for p in files]
    twice = sorted({str(p) for p in seen if seen.count(p) > 1})
    if twice:
        msg = f"tiles given more than once would count their people twice: {twice[:3]}"
        raise ParameterError(msg)
    out_path = Path(out) if out is not None else None
    if out_path is not None and out_path.exists() and not overwrite:
        msg = f"{out_path} exists; pass overwrite=True or another path"
        raise OutputExistsError(msg)
    grid, pieces, exact = _plan(files, dst_crs, cs, nodata, band)
    log.info(
        "aggregating %d tiles in %d pieces onto a %s grid of %g m",
        len(files), len(pieces), grid.shape, cs,
    )  # fmt: skip
    dask_client, owned = get_client(client, n_workers=n_workers)
    try:
        results, totals = _compute(pieces, files, exact, nodata, band, dask_client, progress)
        factors = _factors(results, totals, exact, files)
        return _assemble(results, factors, grid, out_path, dtype, dask_client, files)
    finally:
        close_client(dask_client, owned)


def _compute(
    pieces: list[_Piece],
    files: list[Path],
    exact: list[bool],
    nodata: float | None,
    band: int,
    client: Any,
    progress: bool,
) -> tuple[list[Any], dict[int, Any]]:
    """Run the pieces (futures with a client, else dicts) and the totals of reprojected tiles."""
    warp_tiles = [k for k, e in enumerate(exact) if not e]
    if client is None:
        with bar(pieces, enabled=progress, unit="piece") as shown:  # closed on errors too
            results = [_run_piece(p) for p in shown]
        totals = {k: _tile_total(str(files[k]), nodata, band) for k in warp_tiles}
        return results, totals
    futures = client.map(_run_piece, pieces, pure=False)
    total_f = {
        k: client.submit(_tile_total, str(files[k]), nodata, band, pure=False) for k in warp_tiles
    }
    # small summaries first; the arrays stay on the workers until their band is written
    summaries = client.gather(client.map(_summary, futures, pure=False))
    totals = {k: f.result() for k, f in total_f.items()}
    return list(zip(futures, summaries, strict=True)), totals


def _summary(res: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in res.items() if k != "values"}


def _factors(
    results: list[Any], totals: dict[int, Any], exact: list[bool], files: list[Path]
) -> np.ndarray:
    """One scaling factor per tile (1 for block-summed tiles); raise on bad cells."""
    n = len(files)
    sums = np.zeros(n)
    bad: dict[int, dict[str, list[Any]]] = {}
    for item in results:
        s = item[1] if isinstance(item, tuple) else item
        sums[s["tile"]] += s["sum"]
        for kind, (count, where) in s["bad"].items():
            entry = bad.setdefault(s["tile"], {}).setdefault(kind, [0, where])
            entry[0] += count
    for k, t in totals.items():
        if t["bad"]:
            bad.setdefault(k, {}).update(t["bad"])
    if bad:
        k, b = next(iter(bad.items()))
        raise bad_cells_error(str(files[k]), b)
    factors = np.ones(n)
    for k, t in totals.items():
        if sums[k] > 0:
            factors[k] = t["total"] / sums[k]
            if abs(factors[k] - 1) > 0.01:
                log.warning(
                    "%s: reprojection changed its total by %.2f %% before correction",
                    files[k],
                    100 * (factors[k] - 1),
                )
        elif t["total"] > 0:
            msg = f"{files[k]}: the reprojected tile has no population although the source has some; check its CRS"
            raise DataError(msg)
    return factors


def _bands(
    results: list[Any], factors: np.ndarray, grid: GridSpec, client: Any
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Yield ``(b0, b1, people, have)`` for each band of target rows b0:b1, summing its pieces.

    ``have`` is True where some piece had data. With a client, the pieces
    are gathered band by band and released once their last band is done.
    """
    rows, cols = grid.shape
    for b0 in range(0, rows, BAND_ROWS):
        b1 = min(rows, b0 + BAND_ROWS)
        band = np.zeros((b1 - b0, cols))
        have = np.zeros((b1 - b0, cols), bool)
        items = [it for it in results if _rows(it)[0] < b1 and _rows(it)[1] > b0]
        if client is not None:
            arrays = client.gather([it[0] for it in items])
        else:
            arrays = items
        for res in arrays:
            (r0, r1), (c0, c1) = res["rows"], res["cols"]
            lo, hi = max(r0, b0), min(r1, b1)
            vals = res["values"][lo - r0 : hi - r0]
            ok = ~np.isnan(vals)
            band[lo - b0 : hi - b0, c0:c1] += np.where(ok, vals, 0.0) * factors[res["tile"]]
            have[lo - b0 : hi - b0, c0:c1] |= ok
        if client is not None:
            # release the pieces that end in this band
            for it in items:
                if _rows(it)[1] <= b1:
                    it[0].release()
        yield b0, b1, band, have


def _assemble(
    results: list[Any],
    factors: np.ndarray,
    grid: GridSpec,
    out_path: Path | None,
    dtype: str,
    client: Any,
    files: list[Path],
) -> PopulationGrid | Path:
    """Sum the pieces band by band into memory or into the GeoTIFF (staged, then renamed)."""
    rows, cols = grid.shape
    total_in = 0.0
    if out_path is None:
        full = np.zeros(grid.shape)
        have_full = np.zeros(grid.shape, bool)
        for b0, b1, band, have in _bands(results, factors, grid, client):
            total_in += float(band.sum())
            full[b0:b1] = band
            have_full[b0:b1] = have
        log.info("aggregated %d tiles: %.6g people on %s cells", len(files), total_in, grid.shape)
        return PopulationGrid(
            full,
            grid.transform,
            grid.crs,
            valid=have_full,
            source=f"{len(files)} tiles",
            meta={"method": "aggregate_tiles", "tiles": [str(f) for f in files], "total": total_in},
        )
    profile = {
        "driver": "GTiff", "height": rows, "width": cols, "count": 1, "dtype": dtype,
        "crs": grid.crs, "transform": grid.transform, "nodata": _NODATA_OUT, "tiled": True,
        "blockxsize": 512, "blockysize": 512, "compress": "deflate", "zlevel": 1,
        "BIGTIFF": "IF_SAFER",
    }  # fmt: skip
    # aggregate_tiles has refused an existing out_path already unless overwrite was asked
    with safe_path(out_path, overwrite=True) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for b0, b1, band, have in _bands(results, factors, grid, client):
            total_in += float(band.sum())
            window = ((b0, b1), (0, cols))
            dst.write(np.where(have, band, _NODATA_OUT).astype(dtype), 1, window=window)
    log.info("aggregated %d tiles: %.6g people on %s cells", len(files), total_in, grid.shape)
    return out_path


def _rows(item: Any) -> tuple[int, int]:
    s = item[1] if isinstance(item, tuple) else item
    r = s["rows"]
    return int(r[0]), int(r[1])
