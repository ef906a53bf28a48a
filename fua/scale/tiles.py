"""Whole-world Degree of Urbanisation on one machine: windows, tiles, streaming.

:func:`degurba_to_files` classifies a global 1 km population raster file to
files with bounded memory: it reads the raster (and the land / built-up
layers) in row windows, keeps only what the cluster-forming steps need in
memory (the population as float32, one uint8 flag grid, two int32 label
grids and the level-2 grid), writes the class and label GeoTIFFs in windows,
and streams the urban-centre and urban-cluster polygons to a GeoPackage in
batches, polygonising row strips with :func:`rasterio.features.shapes`.

:func:`label_tiled` labels a mask tile by tile and joins the labels that
touch across tile borders with a union-find, giving exactly the labels of a
single pass; :func:`antimeridian_columns` gives the cells that touch across
±180° on a world grid, for ``wrap_x``.

What "one cluster" means at the antimeridian
--------------------------------------------
World Mollweide (and any pseudo-cylindrical world projection) cuts the globe
along the antimeridian: a city straddling ±180° appears as two pieces at the
west and east ends of the map, and is two clusters unless wrap-around is
asked for. With ``wrap_x=True`` the westernmost and easternmost cells of
each row that lie on the antimeridian are neighbours (row ``r`` west touches
row ``r`` east, and rows ``r ± 1`` east with 8-connectivity). On Mollweide
these cells follow the ellipse's edge, not the grid's first and last columns;
on a lon/lat grid covering 360° they are the first and last columns. Wrap-
around joins clusters and pools their population for every population
threshold; the majority-rule smoothing, hole filling and the semi-dense 2 km
buffer treat the map edge as an edge (their effect across it is at most a
few cells). A wrapped cluster's polygon is a MultiPolygon with a part at
each end of the map.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.crs import CRS
from rasterio.features import shapes
from scipy import ndimage

from connectivity.errors import CRSError, DataError, OutputExistsError, ParameterError
from connectivity.io import write_sidecar
from fua._validate import check_choice, check_projected_equal_area, to_pyproj
from fua.degurba._core import (
    cell_flags,
    classify_flags,
    final_codes,
    label_stats,
    row_slices,
)
from fua.degurba.classify import DegurbaParams
from fua.degurba.clusters import WrapColumns, label_clusters, merge_labels
from fua.grid import (
    DEFAULT_CRS,
    RasterInput,
    Units,
    _nodata_mask,
    _open_raster,
    _PopulationCheck,
    _Raster,
    _share_units,
)
from fua.outputs.degurba import smod_legend, write_qml

__all__ = [
    "TILED_CELLS",
    "antimeridian_columns",
    "degurba_to_files",
    "label_tiled",
    "needs_tiling",
]

log = logging.getLogger(__name__)

#: Grids with more cells than this are classified by :func:`degurba_to_files` in the CLI.
TILED_CELLS = 150_000_000
#: Rows per polygonising strip.
_STRIP_ROWS = 1024
#: Labels per GeoPackage batch.
_BATCH = 20_000
_OUTPUTS = {
    "classes_L1": "classes_L1.tif",
    "classes_L2": "classes_L2.tif",
    "centre_labels": "centre_labels.tif",
    "cluster_labels": "cluster_labels.tif",
    "vectors": "degurba.gpkg",
    "sidecar": "degurba.json",
}


# -- wrap-around and tiled labelling -----------------------------------------------


def antimeridian_columns(transform: Affine, crs: Any, shape: tuple[int, int]) -> WrapColumns:
    """Per-row columns of the westernmost and easternmost cells on the antimeridian.

    Parameters
    ----------
    transform : affine.Affine
        North-up grid transform.
    crs
        A world projection whose y depends on latitude only (Mollweide,
        Eckert IV, Equal Earth, plate carrée) or a geographic CRS.
    shape : (rows, cols)

    Returns
    -------
    (west, east) : tuple of numpy.ndarray
        int64 column per row, -1 where the row's antimeridian points fall
        outside the grid (then that row does not wrap).

    Notes
    -----
    For each row the latitude of its centre is found by inverting the
    projection at the central meridian, and the points (lat, lon_0 ∓ 180°)
    are projected forward (pyproj); one transformation per row.
    """
    from pyproj import Transformer

    rows, cols = shape
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        msg = "antimeridian wrap-around needs a north-up grid (no rotation)"
        raise ParameterError(msg)
    pcrs = to_pyproj(crs)
    west = np.full(rows, -1, np.int64)
    east = np.full(rows, -1, np.int64)
    yc = transform.f + transform.e * (np.arange(rows) + 0.5)
    if pcrs.is_geographic:
        lat = yc
        xw = np.full(rows, -180.0 + 1e-9)
        xe = np.full(rows, 180.0 - 1e-9)  # a lon/lat grid: the columns of lon -180 and +180
    else:
        lon0, x0 = _central_meridian(pcrs)
        geo = pcrs.geodetic_crs
        inv = Transformer.from_crs(pcrs, geo, always_xy=True)
        fwd = Transformer.from_crs(geo, pcrs, always_xy=True)
        _, lat = inv.transform(np.full(rows, x0), yc)
        lat = np.asarray(lat, dtype=np.float64)
        eps = 1e-7
        xw, _ = fwd.transform(np.full(rows, lon0 - 180.0 + eps), lat)
        xe, _ = fwd.transform(np.full(rows, lon0 + 180.0 - eps), lat)
        xw, xe = np.asarray(xw, np.float64), np.asarray(xe, np.float64)
    ok = np.isfinite(xw) & np.isfinite(xe) & np.isfinite(np.asarray(lat, np.float64))
    cw = np.floor((xw - transform.c) / transform.a)
    ce = np.floor((xe - transform.c) / transform.a)
    ok &= (cw >= 0) & (cw < cols) & (ce >= 0) & (ce < cols)
    west[ok] = cw[ok].astype(np.int64)
    east[ok] = ce[ok].astype(np.int64)
    if not ok.any():
        log.warning("no row of the grid reaches the antimeridian: wrap_x has no effect")
    return west, east


def _central_meridian(pcrs: Any) -> tuple[float, float]:
    """(longitude of the central meridian in degrees, false easting) of a projected CRS."""
    lon0, x0 = 0.0, 0.0
    op = pcrs.coordinate_operation
    for p in op.params if op is not None else ():
        name = p.name.lower()
        if "longitude" in name and ("origin" in name or "central" in name):
            lon0 = float(p.value)
        elif "false easting" in name:
            x0 = float(p.value)
    return lon0, x0


def label_tiled(
    mask: np.ndarray,
    *,
    connectivity: int,
    tile_shape: tuple[int, int] = (4096, 4096),
    wrap: WrapColumns | None = None,
) -> tuple[np.ndarray, int]:
    """Label a mask tile by tile, then join labels across tile borders.

    Gives exactly the labels of :func:`fua.degurba.clusters.label_clusters` (same
    numbers, in row-major order of each cluster's first cell): the tiles are
    the unit of work of a chunked (Dask) or out-of-core labelling.

    Parameters
    ----------
    mask : numpy.ndarray of bool
    connectivity : {4, 8}
    tile_shape : (rows, cols)
        Tile size.
    wrap : (west, east), optional
        Per-row wrap-around columns (:func:`antimeridian_columns`).

    Returns
    -------
    labels, n : numpy.ndarray of int32, int

    Notes
    -----
    Each tile is labelled alone (scipy ``ndimage.label``) with its labels
    offset to be unique. Across every tile border the pairs of labelled
    cells that are neighbours (side neighbours; with 8-connectivity also the
    diagonal ones) are collected, and the label graph's connected components
    (a union-find) give the global clusters. They are renumbered by their
    first cell in row-major order (the smallest global flat index of each
    tile-local label, from ``np.unique(..., return_index=True)`` per tile).
    """
    if connectivity not in (4, 8):
        msg = f"connectivity must be 4 or 8, got {connectivity!r}"
        raise ParameterError(msg)
    th, tw = (int(v) for v in tile_shape)
    if th < 1 or tw < 1:
        msg = f"tile_shape must be positive, got {tile_shape!r}"
        raise ParameterError(msg)
    rows, cols = mask.shape
    labels = np.zeros(mask.shape, np.int32)
    first_parts = []
    offset = 0
    for r0 in range(0, rows, th):
        for c0 in range(0, cols, tw):
            sub = labels[r0 : r0 + th, c0 : c0 + tw]
            _, k = label_clusters(
                mask[r0 : r0 + th, c0 : c0 + tw], connectivity=connectivity, out=sub
            )
            if k == 0:
                continue
            u, idx = np.unique(sub, return_index=True)
            sel = u > 0
            w = sub.shape[1]
            first_parts.append((u[sel] + offset, (r0 + idx[sel] // w) * cols + c0 + idx[sel] % w))
            sub[sub > 0] += offset
            offset += k
    n = offset
    if n == 0:
        return labels, 0
    first = np.zeros(n + 1, np.int64)
    for lab, f in first_parts:
        first[lab] = f
    a_parts, b_parts = [], []
    # horizontal seams (between tile rows) and vertical seams (between tile columns)
    for r in range(th, rows, th):
        up, down = labels[r - 1], labels[r]
        a_parts += [up, up[:-1], up[1:]] if connectivity == 8 else [up]
        b_parts += [down, down[1:], down[:-1]] if connectivity == 8 else [down]
    for c in range(tw, cols, tw):
        left, right = labels[:, c - 1], labels[:, c]
        a_parts += [left, left[:-1], left[1:]] if connectivity == 8 else [left]
        b_parts += [right, right[1:], right[:-1]] if connectivity == 8 else [right]
    if wrap is not None:
        from fua.degurba.clusters import wrap_pairs

        wa, wb = wrap_pairs(labels, wrap, connectivity=connectivity)
        a_parts.append(wa)
        b_parts.append(wb)
    if a_parts:
        a = np.concatenate(a_parts)
        b = np.concatenate(b_parts)
    else:
        a = b = np.zeros(0, np.int64)
    # renumber tile-local labels by their first cell, then merge (merge keeps that order)
    order = np.argsort(first[1:], kind="stable") + 1
    rank = np.zeros(n + 1, np.int32)
    rank[order] = np.arange(1, n + 1, dtype=np.int32)
    for sl in row_slices(labels.shape):
        labels[sl] = rank[labels[sl]]
    return merge_labels(labels, n, rank[a], rank[b])


# -- file to file ---------------------------------------------------------------------


def needs_tiling(path: str | os.PathLike[str], *, cell_size_m: float = 1000.0) -> bool:
    """Whether a population raster's grid at ``cell_size_m`` has more than :data:`TILED_CELLS` cells."""
    with rasterio.open(path) as ds:
        if ds.crs is None or not to_pyproj(ds.crs).is_projected:
            # degrees: ~111 km per degree at the equator
            size_m = abs(ds.transform.a) * 111_320.0
        else:
            size_m = abs(ds.transform.a)
        cells = ds.width * ds.height * (size_m / cell_size_m) ** 2
    return bool(cells > TILED_CELLS)


def _target_ready(src: _Raster, target_crs: CRS, cell_size_m: float) -> bool:
    t = src.transform
    from fua.grid import _same_crs

    return (
        _same_crs(src.crs, target_crs)
        and t.b == 0
        and t.d == 0
        and t.e < 0
        and math.isclose(t.a, cell_size_m, rel_tol=1e-9)
        and math.isclose(-t.e, cell_size_m, rel_tol=1e-9)
    )


def _share_reader(
    layer: RasterInput | None, what: str, units: str, fill: float, pop: _Raster, stack: Any
):
    """A function rows -> share block (or None) for a land/built file on the population grid."""
    if layer is None:
        return None
    check_choice(units, ("auto", "m2", "percent", "share"), f"{what}_units")
    src = stack.enter_context(_open_raster(layer, what=what))
    if src.shape != pop.shape or not src.transform.almost_equals(pop.transform):
        msg = (
            f"the {what} layer {src.name} is not on the population grid ({src.shape} vs "
            f"{pop.shape}, or another origin/cell size); put it on that grid first, e.g. with "
            f"fua.read_population(pop, {what}=...) or gdalwarp -tr/-te"
        )
        raise DataError(msg)
    _, divisor = _share_units(src, units, what)

    def read(sl: slice) -> np.ndarray:
        chunk = src.read(sl.start, sl.stop, 0, src.shape[1])
        out = chunk.astype("float64") / divisor
        out[_nodata_mask(chunk, src.nodata) | ~np.isfinite(out)] = fill
        return np.clip(out, 0.0, 1.0)

    return read


def _profile(src: _Raster, dtype: str, nodata: float | None) -> dict[str, Any]:
    return {
        "driver": "GTiff",
        "height": src.shape[0],
        "width": src.shape[1],
        "count": 1,
        "dtype": dtype,
        "crs": src.crs,
        "transform": src.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "zlevel": 1,
        "BIGTIFF": "IF_SAFER",
        "NUM_THREADS": "ALL_CPUS",
    }


def _rings_to_polygons(items: list[tuple[dict[str, Any], float]]) -> tuple[np.ndarray, np.ndarray]:
    """GeoJSON-like polygons from ``shapes`` to shapely polygons (vectorised) and their values."""
    flat: list[Any] = []
    ring_len: list[int] = []
    ring_poly: list[int] = []
    values = np.empty(len(items), np.int64)
    for k, (geom, value) in enumerate(items):
        for ring in geom["coordinates"]:
            flat.extend(ring)
            ring_len.append(len(ring))
            ring_poly.append(k)
        values[k] = int(value)
    if not items:
        return np.empty(0, object), values
    coords = np.asarray(flat, dtype=np.float64)
    rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(ring_len)), ring_len))
    polys = shapely.polygons(rings, indices=np.asarray(ring_poly))
    return np.asarray(polys, dtype=object), values


def _polygon_batches(
    labels: np.ndarray, n: int, transform: Affine
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (label ids, geometries) as labels are completed, strip by strip.

    A label whose cells lie in one strip is a Polygon, or a MultiPolygon of
    the parts the polygoniser returned (they never share an edge); a label
    spanning strips is the union of its parts.
    """
    if n == 0:
        return
    last_row = np.zeros(n + 1, np.int64)
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is not None:
            last_row[i] = sl[0].stop
    pending: dict[int, list[Any]] = {}
    rows = labels.shape[0]
    for r0 in range(0, rows, _STRIP_ROWS):
        r1 = min(rows, r0 + _STRIP_ROWS)
        strip = labels[r0:r1]
        items = list(
            shapes(
                strip,
                mask=strip > 0,
                connectivity=4,
                transform=transform @ Affine.translation(0, r0),
            )
        )
        polys, vals = _rings_to_polygons(items)
        del items
        done = last_row[vals] <= r1
        # labels finished in this strip and never seen before: collect parts
        fresh = done & ~np.isin(vals, np.fromiter(pending, np.int64, len(pending)))
        ids_out: list[np.ndarray] = []
        geoms_out: list[np.ndarray] = []
        if fresh.any():
            v, p = vals[fresh], polys[fresh]
            order = np.argsort(v, kind="stable")
            v, p = v[order], p[order]
            uniq, start, counts = np.unique(v, return_index=True, return_counts=True)
            geoms = p[start].copy()
            multi = counts > 1
            if multi.any():
                sel = np.repeat(multi, counts)
                _, idx = np.unique(
                    np.repeat(np.arange(uniq.size), counts)[sel], return_inverse=True
                )
                geoms[multi] = shapely.multipolygons(p[sel], indices=idx)
            ids_out.append(uniq)
            geoms_out.append(geoms)
        for v, p in zip(vals[~fresh], polys[~fresh], strict=True):
            pending.setdefault(int(v), []).append(p)
        finished = [lab for lab in pending if last_row[lab] <= r1]
        if finished:
            merged = [shapely.union_all(pending.pop(lab)) for lab in finished]
            ids_out.append(np.asarray(finished, np.int64))
            geoms_out.append(np.asarray(merged, dtype=object))
        if ids_out:
            ids = np.concatenate(ids_out)
            geoms_all = np.concatenate(geoms_out)
            order = np.argsort(ids)
            yield ids[order], geoms_all[order]
    if pending:  # pragma: no cover - every label ends in some strip
        msg = f"internal error: {len(pending)} labels were not completed"
        raise RuntimeError(msg)


def _write_layer(
    path: Path,
    layer: str,
    labels: np.ndarray,
    n: int,
    stats: dict[str, np.ndarray],
    id_col: str,
    transform: Affine,
    crs: CRS,
    cell_area_km2: float,
    extra: dict[str, np.ndarray] | None = None,
) -> int:
    """Stream one polygon layer to the GeoPackage in batches (pyogrio append)."""
    import geopandas as gpd
    import pyogrio

    area = stats["n_cells"] * cell_area_km2
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(stats["land_km2"] > 0, stats["pop"] / stats["land_km2"], np.nan)
    cols = {
        "pop": stats["pop"],
        "area_km2": area,
        "land_km2": stats["land_km2"],
        "density_per_km2": density,
        "n_cells": stats["n_cells"],
        "centroid_x": stats["x"],
        "centroid_y": stats["y"],
        **(extra or {}),
    }
    written = 0
    buf_ids: list[np.ndarray] = []
    buf_geoms: list[np.ndarray] = []

    def flush(first: bool) -> None:
        ids = np.concatenate(buf_ids) if buf_ids else np.zeros(0, np.int64)
        geoms = np.concatenate(buf_geoms) if buf_geoms else np.zeros(0, object)
        data = {id_col: ids, **{k: v[ids - 1] for k, v in cols.items()}}
        gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
        pyogrio.write_dataframe(
            gdf,
            path,
            layer=layer,
            driver="GPKG",
            append=not first,
            promote_to_multi=True,
            geometry_type="MultiPolygon",
        )
        buf_ids.clear()
        buf_geoms.clear()

    first = True
    pending = 0
    for ids, geoms in _polygon_batches(labels, n, transform):
        buf_ids.append(ids)
        buf_geoms.append(geoms)
        pending += ids.size
        if pending >= _BATCH:
            flush(first)
            first = False
            written += pending
            pending = 0
    if pending or first:
        flush(first)
        written += pending
    return written


def degurba_to_files(
    pop: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    params: DegurbaParams | None = None,
    level: int = 2,
    land: str | os.PathLike[str] | None = None,
    built: str | os.PathLike[str] | None = None,
    land_units: Units = "auto",
    built_units: Units = "auto",
    nodata: float | None = None,
    target_crs: Any = DEFAULT_CRS,
    cell_size_m: float = 1000.0,
    wrap_x: bool = False,
    vectors: bool = True,
    overwrite: bool = False,
    client: Any = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Classify a population raster file by the Degree of Urbanisation, file to file.

    Parameters
    ----------
    pop : path
        Population raster. A grid already in ``target_crs`` with
        ``cell_size_m`` cells (e.g. GHS-POP 1 km Mollweide) is read in row
        windows; any other grid (100 m tiles, WorldPop in EPSG:4326) is first
        aggregated to that grid with :func:`fua.aggregate_tiles` (written
        to ``out_dir/population_1km.tif``).
    out_dir : path
        Output folder (created).
    params : DegurbaParams, optional
        Thresholds (default R2023A).
    level : {1, 2}
        2 writes both class grids; 1 only level 1.
    land, built : path, optional
        Permanent-land and built-up rasters on the population grid.
    land_units, built_units : {"auto", "m2", "percent", "share"}
    nodata : float, optional
        Population no-data value (default: the file's).
    target_crs, cell_size_m
        The equal-area grid of the classification.
    wrap_x : bool
        Join clusters across the antimeridian (see the module notes).
    vectors : bool
        Write the GeoPackage of urban centres and clusters.
    overwrite : bool
        Replace existing outputs.
    client : None, "local", a scheduler address or a dask Client
        Only used when the input must first be aggregated.
    progress : bool
        Show a tqdm progress bar over the steps.

    Returns
    -------
    dict
        Output paths, counts and the time of each step (also written to
        ``degurba.json``).

    Notes
    -----
    Memory for ``N`` grid cells: the population as float32, flags, two int32
    label grids, level 2 and one boolean temporary (15 N bytes) plus
    row-block temporaries and the polygons of one strip: 10.6 GiB measured
    for the 648 M cells of a global 1 km grid. The land and built-up layers
    are only read in windows. The
    population is held as float32 (its sums in float64): classes equal
    :func:`fua.classify_grid` on the float32 grid. Every rule is that of
    :func:`fua.classify_grid`, computed by the same code.
    """
    from contextlib import ExitStack

    from tqdm.auto import tqdm

    params = params or DegurbaParams()
    if level not in (1, 2):
        msg = f"level must be 1 or 2, got {level!r}"
        raise ParameterError(msg)
    check_projected_equal_area(target_crs, "target_crs")
    out = Path(out_dir)
    names = {k: v for k, v in _OUTPUTS.items() if (level == 2 or k != "classes_L2")}
    if not vectors:
        names.pop("vectors")
    paths = {k: out / v for k, v in names.items()}
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not overwrite:
        msg = f"outputs exist: {', '.join(existing)}; pass overwrite=True (CLI: --overwrite) or another folder"
        raise OutputExistsError(msg)
    out.mkdir(parents=True, exist_ok=True)
    timing: dict[str, float] = {}
    bar = tqdm(total=5, disable=not progress, unit="step", leave=False)
    t_all = time.perf_counter()
    started = time.time()
    dst_crs = CRS.from_user_input(target_crs) if not isinstance(target_crs, CRS) else target_crs
    pop_path = Path(pop)

    with ExitStack() as stack:
        src = stack.enter_context(_open_raster(pop_path, what="population", nodata=nodata))
        if not _target_ready(src, dst_crs, cell_size_m):
            from fua.scale.distributed import aggregate_tiles

            bar.set_description("aggregating")
            t0 = time.perf_counter()
            agg = out / "population_1km.tif"
            log.info(
                "%s is not a %g m %s grid: aggregating it first", pop_path, cell_size_m, dst_crs
            )
            aggregate_tiles(
                [pop_path], cell_size_m=cell_size_m, target_crs=dst_crs, out=agg,
                client=client, nodata=nodata, overwrite=True,
            )  # fmt: skip
            timing["aggregate"] = time.perf_counter() - t0
            if land is not None or built is not None:
                msg = "land/built layers need a population raster already on the target grid"
                raise ParameterError(msg)
            src = stack.enter_context(_open_raster(agg, what="population"))
            paths["population_1km"] = agg
        if src.crs.is_geographic:  # pragma: no cover - excluded by _target_ready
            msg = "the population grid must be projected"
            raise CRSError(msg)
        area = abs(src.transform.a * src.transform.e) / 1e6
        read_land = _share_reader(land, "land", land_units, 1.0, src, stack)
        read_built = _share_reader(built, "built", built_units, 0.0, src, stack)

        # 1. read in windows: population (float32), flags, no-data bits
        bar.set_description("reading")
        t0 = time.perf_counter()
        shape = src.shape
        pop32 = np.empty(shape, np.float32)
        flags = np.empty(shape, np.uint8)
        valid_bits = np.empty((shape[0], (shape[1] + 7) // 8), np.uint8)
        check = _PopulationCheck(src)
        any_nodata = False
        for sl in row_slices(shape):
            chunk = check(src.read(sl.start, sl.stop, 0, shape[1]), sl.start, 0)
            valid = ~np.isnan(chunk)
            any_nodata |= not valid.all()
            valid_bits[sl] = np.packbits(valid, axis=1)
            pop32[sl] = np.where(valid, chunk, 0.0)
            del chunk
            flags[sl] = cell_flags(
                pop32[sl],
                None if read_land is None else read_land(sl),
                None if read_built is None else read_built(sl),
                params,
                area,
            )
        check.raise_if_bad()
        timing["read"] = time.perf_counter() - t0
        bar.update(1)

        # 2. the clusters (whole grid)
        bar.set_description("classifying")
        t0 = time.perf_counter()
        wrap = antimeridian_columns(src.transform, src.crs, shape) if wrap_x else None
        core = classify_flags(
            pop32, flags, params, cell_size_m=abs(src.transform.a), cell_area_km2=area,
            level=level, has_land=read_land is not None, wrap=wrap,
        )  # fmt: skip
        timing["classify"] = time.perf_counter() - t0
        bar.update(1)

        # 3. class and label grids, in windows
        bar.set_description("writing grids")
        t0 = time.perf_counter()
        tmp = {k: p.with_name(p.stem + ".partial" + p.suffix) for k, p in paths.items()}
        grids = {
            "classes_L1": ("uint8", 0, None),
            "classes_L2": ("uint8", 0, core.level2),
            "centre_labels": ("int32", 0, core.centres),
            "cluster_labels": ("int32", 0, core.clusters),
        }
        dsts = {
            k: stack.enter_context(rasterio.open(tmp[k], "w", **_profile(src, dt, nd)))
            for k, (dt, nd, _) in grids.items()
            if k in paths
        }
        for sl in row_slices(shape):
            nod = (
                ~np.unpackbits(valid_bits[sl], axis=1, count=shape[1]).astype(bool)
                if any_nodata
                else None
            )
            l2 = None if core.level2 is None else core.level2[sl]
            l1 = final_codes(flags[sl], nod, l2)
            window = ((sl.start, sl.stop), (0, shape[1]))
            dsts["classes_L1"].write(l1, 1, window=window)
            for k in ("classes_L2", "centre_labels", "cluster_labels"):
                arr = grids[k][2]
                if k in dsts and arr is not None:
                    dsts[k].write(np.ascontiguousarray(arr[sl]), 1, window=window)
        for k, lvl in (("classes_L1", 1), ("classes_L2", 2)):
            if k in dsts:  # the same colour table as fua.outputs.degurba.write_class_raster
                dsts[k].write_colormap(1, {st.code: st.colour for st in smod_legend(lvl)})
        for k in list(dsts):
            dsts.pop(k).close()
        del flags, valid_bits
        timing["write_grids"] = time.perf_counter() - t0
        bar.update(1)

        # 4. statistics (vectorised over labels, land read again in windows)
        bar.set_description("statistics")
        t0 = time.perf_counter()

        def blocks() -> Iterator[tuple[slice, np.ndarray, np.ndarray | None]]:
            for sl in row_slices(shape):
                yield sl, pop32[sl], None if read_land is None else read_land(sl)

        c_stats = label_stats(core.centres, core.n_centres, blocks(), src.transform, area)
        k_stats = label_stats(core.clusters, core.n_clusters, blocks(), src.transform, area)
        n_in = np.zeros(core.n_clusters, np.int64)
        pairs = []
        for sl in row_slices(shape):
            cl, ce = core.clusters[sl], core.centres[sl]
            both = (cl > 0) & (ce > 0)
            if both.any():
                pairs.append(np.unique(cl[both].astype(np.int64) * (core.n_centres + 1) + ce[both]))
        if pairs:
            uniq = np.unique(np.concatenate(pairs))
            n_in = np.bincount(uniq // (core.n_centres + 1), minlength=core.n_clusters + 1)[1:]
        timing["statistics"] = time.perf_counter() - t0
        bar.update(1)

        # 5. polygons, streamed in batches
        bar.set_description("polygonising")
        t0 = time.perf_counter()
        if vectors:
            gpkg = tmp["vectors"]
            if gpkg.exists():
                gpkg.unlink()
            _write_layer(
                gpkg, "urban_centres", core.centres, core.n_centres, c_stats, "uc_id",
                src.transform, src.crs, area,
            )  # fmt: skip
            _write_layer(
                gpkg, "urban_clusters", core.clusters, core.n_clusters, k_stats, "cl_id",
                src.transform, src.crs, area, extra={"n_centres": n_in},
            )  # fmt: skip
        timing["polygons"] = time.perf_counter() - t0
        bar.update(1)
        bar.close()
        total_pop = float(pop32.sum(dtype=np.float64))
        src_name = src.name

    timing = {k: round(v, 2) for k, v in timing.items()}
    timing["total"] = round(time.perf_counter() - t_all, 2)
    info: dict[str, Any] = {
        "outputs": {k: str(v) for k, v in paths.items()},
        "n_centres": core.n_centres,
        "n_clusters": core.n_clusters,
        "centre_pop": float(c_stats["pop"].sum()),
        "total_pop": total_pop,
        "shape": list(shape),
        "level": level,
        "wrap_x": wrap_x,
        "params": params.to_dict(),
        "inputs": {
            "pop": str(pop_path),
            "pop_grid": src_name,
            "land": str(land) if land else None,
            "built": str(built) if built else None,
        },
        "timing_s": timing,
        "method": "fua.scale.tiles.degurba_to_files",
    }
    for k, p in tmp.items():
        if k != "sidecar" and p.exists():
            os.replace(p, paths[k])
    for k, lvl in (("classes_L1", 1), ("classes_L2", 2)):
        if k in paths:  # QGIS loads x.qml as the default style of x.tif
            write_qml(paths[k].with_suffix(".qml"), smod_legend(lvl), overwrite=True)
    inputs = {
        "pop": pop_path,
        **({"land": Path(land)} if land else {}),
        **({"built": Path(built)} if built else {}),
    }
    write_sidecar(
        paths["sidecar"],
        params=params.to_dict(),
        inputs={k: v for k, v in inputs.items() if isinstance(v, Path) and v.exists()},
        outputs=[p for k, p in paths.items() if k != "sidecar"],
        started_at=started,
        extra={k: v for k, v in info.items() if k != "params"},
        overwrite=True,
    )
    log.info(
        "degurba_to_files: %d urban centres, %d urban clusters in %.1f s",
        core.n_centres,
        core.n_clusters,
        timing["total"],
    )
    return info
