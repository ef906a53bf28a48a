"""Whole-world Degree of Urbanisation on one machine: windows, tiles, streaming.

:func:`degurba_to_files` classifies a global 1 km population raster file to
files with bounded memory: it reads the raster (and the land / built-up
layers) in row windows, keeps only what the cluster-forming steps need in
memory (the population as float32, one uint8 flag grid, two int32 label
grids and the level-2 grid), writes the class and label GeoTIFFs in windows,
and streams the urban-centre and urban-cluster polygons to a GeoPackage in
batches, polygonising row strips with :func:`rasterio.features.shapes`. The
outputs are staged in a hidden folder and moved into place together
(:func:`connectivity.outputs.safe_directory`), so a failed or interrupted
run leaves nothing behind.

:func:`label_tiled` labels a mask tile by tile and joins the labels that
touch across tile borders with a union-find, giving exactly the labels of a
single pass. Wrap-around at the antimeridian (``wrap_x``) is explained in
:mod:`fua.degurba.antimeridian`, where :func:`antimeridian_columns` lives
(re-exported here).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio.crs import CRS
from rasterio.features import shapes
from scipy import ndimage

from connectivity.errors import ParameterError
from connectivity.outputs import check_writable, safe_directory, write_sidecar
from connectivity.progress import Steps
from fua._raster import (
    Raster,
    Units,
    open_raster,
    same_crs,
)
from fua._validate import check_positive, check_projected_equal_area, to_pyproj
from fua.degurba._core import Classified, classify_flags, row_slices
from fua.degurba.antimeridian import antimeridian_columns
from fua.degurba.clusters import WrapColumns, label_clusters, merge_labels, wrap_pairs
from fua.degurba.params import DegurbaParams
from fua.degurba.vectorize import group_parts, shapes_to_polygons
from fua.grid import DEFAULT_CRS
from fua.outputs.styles import smod_legend, write_known_styles, write_qml
from fua.scale.distributed import aggregate_tiles
from fua.scale.windows import (
    ShareReader,
    cell_area_km2,
    layer_columns,
    read_windows,
    share_reader,
    smooth_windows,
    write_grids,
)

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
#: The population put on the grid of the classification, when the input is not on it.
_AGGREGATED = "population_1km.tif"
_OUTPUTS = {
    "classes_L1": "classes_L1.tif",
    "classes_L2": "classes_L2.tif",
    "centre_labels": "centre_labels.tif",
    "cluster_labels": "cluster_labels.tif",
    "vectors": "degurba.gpkg",
    "sidecar": "degurba.json",
}
#: The class grids written with a QGIS style (``.qml``) beside them (levels 1 and 2).
_STYLED = ("classes_L1", "classes_L2")
#: The steps of :func:`degurba_to_files`: bar text -> key of its timing.
_STEPS = {
    "aggregating": "aggregate",
    "reading": "read",
    "classifying": "classify",
    "writing grids": "write_grids",
    "statistics": "statistics",
    "polygonising": "polygons",
}


# -- wrap-around and tiled labelling -----------------------------------------------


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
        Per-row wrap-around columns (:func:`fua.degurba.antimeridian.antimeridian_columns`).

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
    """Whether a population raster's grid at ``cell_size_m`` has more than :data:`TILED_CELLS` cells.

    Raises
    ------
    ParameterError
        ``cell_size_m`` is not a finite number > 0.
    InputFileError, CRSError
        The file cannot be opened as a raster, or it has no CRS (the size of
        its cells is then unknown: fua never guesses a CRS).
    """
    cs = check_positive(cell_size_m, "cell_size_m")
    with open_raster(path, what="population") as src:
        size = abs(src.transform.a)
        # a cell in degrees: ~111 km per degree at the equator
        size_m = size if to_pyproj(src.crs).is_projected else size * 111_320.0
        cells = src.shape[0] * src.shape[1] * (size_m / cs) ** 2
    return bool(cells > TILED_CELLS)


def _target_ready(src: Raster, target_crs: CRS, cell_size_m: float) -> bool:
    """Whether a population raster is already on the equal-area grid of the classification."""
    t = src.transform
    return (
        same_crs(src.crs, target_crs)
        and t.b == 0
        and t.d == 0
        and t.e < 0
        and math.isclose(t.a, cell_size_m, rel_tol=1e-9)
        and math.isclose(-t.e, cell_size_m, rel_tol=1e-9)
    )


# -- polygons, streamed ---------------------------------------------------------------


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
        polys, vals = shapes_to_polygons(
            shapes(
                strip,
                mask=strip > 0,
                connectivity=4,
                transform=transform @ Affine.translation(0, r0),
            )
        )
        done = last_row[vals] <= r1
        # labels finished in this strip and never seen before: collect parts
        fresh = done & ~np.isin(vals, np.fromiter(pending, np.int64, len(pending)))
        ids_out: list[np.ndarray] = []
        geoms_out: list[np.ndarray] = []
        if fresh.any():
            uniq, geoms = group_parts(polys[fresh], vals[fresh])
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
    columns: dict[str, np.ndarray],
    id_col: str,
    transform: Affine,
    crs: CRS,
) -> int:
    """Stream one polygon layer to the GeoPackage in batches (pyogrio append).

    ``columns`` hold one value per label (index 0 = label 1).
    """
    import pyogrio  # only when vectors are written

    written = 0
    buf_ids: list[np.ndarray] = []
    buf_geoms: list[np.ndarray] = []

    def flush(first: bool) -> None:
        ids = np.concatenate(buf_ids) if buf_ids else np.zeros(0, np.int64)
        geoms = np.concatenate(buf_geoms) if buf_geoms else np.zeros(0, object)
        data = {id_col: ids, **{k: v[ids - 1] for k, v in columns.items()}}
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


# -- file to file: the steps ------------------------------------------------------------


def _aggregate(
    pop_path: Path, folder: Path, *, cell_size_m: float, dst_crs: CRS, nodata: float | None,
    client: Any,
) -> Path:  # fmt: skip
    """Put a population raster on the grid of the classification (``folder/population_1km.tif``)."""
    agg = folder / _AGGREGATED
    log.info("%s is not a %g m %s grid: aggregating it first", pop_path, cell_size_m, dst_crs)
    aggregate_tiles(
        [pop_path], cell_size_m=cell_size_m, target_crs=dst_crs, out=agg,
        client=client, nodata=nodata, overwrite=True,
    )  # fmt: skip
    return agg


def _write_vectors(
    path: Path,
    src: Raster,
    core: Classified,
    columns: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
) -> None:
    """The GeoPackage of urban centres and urban clusters."""
    centres, clusters = columns
    _write_layer(
        path, "urban_centres", core.centres, core.n_centres, centres, "uc_id",
        src.transform, src.crs,
    )  # fmt: skip
    _write_layer(
        path, "urban_clusters", core.clusters, core.n_clusters, clusters, "cl_id",
        src.transform, src.crs,
    )  # fmt: skip
    write_known_styles(path, ("urban_centres", "urban_clusters"))  # QGIS default styles


@dataclass
class _Found:
    """What the classification of a population raster found, for the run's record."""

    core: Classified
    columns: tuple[dict[str, np.ndarray], dict[str, np.ndarray]]
    total_pop: float
    grid_name: str
    shape: tuple[int, int]


def _classify_to(
    folder: Path,
    names: dict[str, str],
    src: Raster,
    steps: Steps,
    params: DegurbaParams,
    shares: tuple[ShareReader | None, ShareReader | None],
    *,
    level: int,
    wrap_x: bool,
) -> _Found:
    """Read, classify and write the grids and (when named) the GeoPackage into ``folder``."""
    read_land, read_built = shares
    with steps.step("reading"):
        pop32, flags, nodata_bits = read_windows(src, params, read_land, read_built)
    with steps.step("classifying"):
        wrap = antimeridian_columns(src.transform, src.crs, src.shape) if wrap_x else None
        centre_pop = None
        if params.centre_smooth_window:
            centre_pop = smooth_windows(src, flags, pop32, nodata_bits, shares, params)
        core = classify_flags(
            pop32, flags, params, cell_size_m=abs(src.transform.a),
            cell_area_km2=cell_area_km2(src), level=level, has_land=read_land is not None,
            wrap=wrap, centre_pop=centre_pop, nodata_class_applied=True,
        )  # fmt: skip
        del centre_pop
    with steps.step("writing grids"):
        keep_nodata = nodata_bits if params.nodata_class == "nodata" else None
        write_grids(folder, names, src, flags, keep_nodata, core)
    del flags, nodata_bits
    with steps.step("statistics"):
        columns = layer_columns(src, pop32, core, read_land)
    with steps.step("polygonising"):
        if "vectors" in names:
            _write_vectors(folder / names["vectors"], src, core, columns)
    total_pop = float(pop32.sum(dtype=np.float64))
    return _Found(core, columns, total_pop, src.name, src.shape)


def _run_info(
    found: _Found,
    paths: dict[str, Path],
    params: DegurbaParams,
    inputs: dict[str, str | os.PathLike[str] | None],
    timing: dict[str, float],
    *,
    level: int,
    wrap_x: bool,
) -> dict[str, Any]:
    """What :func:`degurba_to_files` returns and records in its sidecar."""
    return {
        "outputs": {k: str(v) for k, v in paths.items()},
        "n_centres": found.core.n_centres,
        "n_clusters": found.core.n_clusters,
        "centre_pop": float(found.columns[0]["pop"].sum()),
        "total_pop": found.total_pop,
        "shape": list(found.shape),
        "level": level,
        "wrap_x": wrap_x,
        "params": params.to_dict(),
        "inputs": {
            "pop": str(inputs["pop"]),
            "pop_grid": found.grid_name,
            "land": str(inputs["land"]) if inputs["land"] else None,
            "built": str(inputs["built"]) if inputs["built"] else None,
        },
        "timing_s": timing,
        "method": "fua.scale.tiles.degurba_to_files",
    }


def _write_record(
    folder: Path,
    names: dict[str, str],
    info: dict[str, Any],
    inputs: dict[str, str | os.PathLike[str] | None],
    started: float,
) -> None:
    """The QGIS styles of the class grids and the JSON sidecar, staged beside the outputs."""
    for k, lvl in zip(_STYLED, (1, 2), strict=True):
        if k in names:  # QGIS loads x.qml as the default style of x.tif
            write_qml(folder / _qml(names[k]), smod_legend(lvl), overwrite=True)
    files = {k: Path(v) for k, v in inputs.items() if v}
    write_sidecar(
        folder / names["sidecar"],
        params=info["params"],
        inputs={k: v for k, v in files.items() if v.exists()},
        outputs=[folder / name for k, name in names.items() if k != "sidecar"],
        started_at=started,
        extra={k: v for k, v in info.items() if k != "params"},
        overwrite=True,
    )


def _qml(tif_name: str) -> str:
    return str(Path(tif_name).with_suffix(".qml"))


def _output_names(level: int, vectors: bool, aggregate: bool) -> dict[str, str]:
    """Output key -> file name, in the order they are reported."""
    names = {k: v for k, v in _OUTPUTS.items() if (level == 2 or k != "classes_L2")}
    if not vectors:
        names.pop("vectors")
    if aggregate:
        names["population_1km"] = _AGGREGATED
    return names


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
        Output folder (created). Every output, the aggregated population
        included, is written in a hidden staging folder inside it and moved
        into place at the end: a failed or interrupted run leaves no new
        file, and no new folder.
    params : DegurbaParams, optional
        Thresholds (default R2023A), flexurba's options included:
        ``centre_smooth_window`` is computed in row windows with
        ``window // 2`` halo rows (:func:`fua.scale.windows.smooth_windows`),
        ``nodata_class="rural"`` cell by cell.
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
        Join clusters across the antimeridian (see :mod:`fua.degurba.antimeridian`).
    vectors : bool
        Write the GeoPackage of urban centres and clusters.
    overwrite : bool
        Replace existing outputs.
    client : None, "local", a scheduler address or a dask Client
        Only used when the input must first be aggregated.
    progress : bool
        Show a progress bar over the steps (on a terminal).

    Returns
    -------
    dict
        Output paths, counts and the time of each step (also written to
        ``degurba.json``).

    Raises
    ------
    ParameterError
        ``level``, ``cell_size_m`` out of range, ``out_dir`` not writable
        (checked before any work), land/built layers with a population
        raster that must first be aggregated.
    OutputExistsError
        An output exists in ``out_dir`` and ``overwrite`` is False
        (checked before any work).
    InputFileError, CRSError, DataError
        An input cannot be read, has no CRS, or holds bad values.

    Notes
    -----
    Memory for ``N`` grid cells: the population as float32, flags, two int32
    label grids, level 2 and one boolean temporary (15 N bytes) plus
    row-block temporaries and the polygons of one strip: 10.6 GiB measured
    for the 648 M cells of a global 1 km grid. The land and built-up layers
    are only read in windows. The
    population is held as float32 (its sums in float64): classes equal
    :func:`fua.classify_grid` on the float32 grid. Every rule is that of
    :func:`fua.classify_grid`, computed by the same code. With
    ``centre_smooth_window`` the window mean of the population is held as
    float64 (8 N bytes more), as in :func:`fua.classify_grid`.
    """
    params = params or DegurbaParams()
    if level not in (1, 2):
        msg = f"level must be 1 or 2, got {level!r}"
        raise ParameterError(msg)
    cell_size_m = check_positive(cell_size_m, "cell_size_m")
    check_projected_equal_area(target_crs, "target_crs")
    out = check_writable(out_dir, folder=True, what="out_dir")
    t_all, started = time.perf_counter(), time.time()
    dst_crs = target_crs if isinstance(target_crs, CRS) else CRS.from_user_input(target_crs)
    pop_path = Path(pop)
    inputs: dict[str, str | os.PathLike[str] | None] = {
        "pop": pop_path,
        "land": land,
        "built": built,
    }

    with ExitStack() as stack:
        src = stack.enter_context(open_raster(pop_path, what="population", nodata=nodata))
        aggregate = not _target_ready(src, dst_crs, cell_size_m)
        if aggregate and (land is not None or built is not None):
            msg = "land/built layers need a population raster already on the target grid"
            raise ParameterError(msg)
        names = _output_names(level, vectors, aggregate)
        checked = [*names.values(), *(_qml(names[k]) for k in _STYLED if k in names)]
        # every output is written in a staging folder and moved into out_dir at the end
        folder = stack.enter_context(safe_directory(out, checked, overwrite=overwrite))
        # a bar over the steps; log records go where the caller's logging sends them
        steps = stack.enter_context(
            Steps(len(_STEPS) - (not aggregate), enabled=progress, loggers=())
        )
        if aggregate:
            with steps.step("aggregating"):
                agg = _aggregate(
                    pop_path, folder, cell_size_m=cell_size_m, dst_crs=dst_crs, nodata=nodata,
                    client=client,
                )  # fmt: skip
            src = stack.enter_context(open_raster(agg, what="population"))
        shares = (
            share_reader(land, "land", land_units, 1.0, src, stack),
            share_reader(built, "built", built_units, 0.0, src, stack),
        )
        found = _classify_to(folder, names, src, steps, params, shares, level=level, wrap_x=wrap_x)
        timing = {_STEPS[text]: round(t, 2) for text, t in steps.timings.items()}
        timing["total"] = round(time.perf_counter() - t_all, 2)
        paths = {k: out / v for k, v in names.items()}
        info = _run_info(found, paths, params, inputs, timing, level=level, wrap_x=wrap_x)
        _write_record(folder, names, info, inputs, started)
    log.info(
        "degurba_to_files: %d urban centres, %d urban clusters in %.1f s",
        found.core.n_centres,
        found.core.n_clusters,
        timing["total"],
    )
    return info
