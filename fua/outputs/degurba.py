"""Degree of Urbanisation files that open styled in QGIS.

* :func:`write_class_raster` — a class grid as a Cloud-Optimised GeoTIFF with
  a colour table, plus a QGIS ``.qml`` style of the same name (QGIS loads it
  as the layer's default style).
* :func:`write_label_raster` — cluster / urban-centre ids (int32, 0 = none).
* :func:`write_degurba_outputs` — everything for one run, with a JSON sidecar.

The legends (:data:`SMOD_LEVEL2`, :data:`SMOD_LEVEL1`, :func:`smod_legend`)
and the style writer :func:`write_qml` live in :mod:`fua.outputs.styles`, the
one home of QGIS styles; they are re-exported here. The generic safe writers
live in :mod:`connectivity.io`; this module adds the Degree of Urbanisation
file set.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from affine import Affine
from pyproj import CRS

from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.io import safe_directory, write_layers, write_raster, write_sidecar
from fua.outputs.styles import (
    SMOD_LEVEL1,
    SMOD_LEVEL2,
    ClassStyle,
    layer_styles,
    smod_legend,
    write_qml,
)

if TYPE_CHECKING:
    from fua.degurba.classify import DegurbaResult
    from fua.grid import PopulationGrid

__all__ = [
    "SMOD_LEVEL1",
    "SMOD_LEVEL2",
    "ClassStyle",
    "smod_legend",
    "write_class_raster",
    "write_degurba_outputs",
    "write_label_raster",
    "write_qml",
]

log = logging.getLogger(__name__)


def _class_grid(classes: np.ndarray, level: int) -> tuple[np.ndarray, tuple[ClassStyle, ...]]:
    legend = smod_legend(level)
    arr = np.asarray(classes)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        msg = f"classes must be a 2-D integer array, got shape {arr.shape} and dtype {arr.dtype}"
        raise DataError(msg)
    allowed = np.array([0, *(s.code for s in legend)])
    bad = np.setdiff1d(np.unique(arr), allowed)
    if bad.size:
        msg = (
            f"classes hold values {bad[:10].tolist()} that are not level-{level} codes "
            f"{sorted(allowed[1:].tolist())} (0 = no data); pass the matching level="
        )
        raise DataError(msg)
    return arr.astype(np.uint8), legend


def write_class_raster(
    path: str | os.PathLike[str],
    classes: np.ndarray,
    *,
    transform: Affine,
    crs: Any,
    level: int = 2,
    overwrite: bool = False,
) -> Path:
    """Write a Degree of Urbanisation class grid, styled for QGIS.

    Parameters
    ----------
    path : path-like
        Output ``.tif``; the style goes to the same name with ``.qml``.
    classes : numpy.ndarray
        2-D grid of level-``level`` codes (level 2: 30, 23, 22, 21, 13, 12,
        11, 10; level 1: 3, 2, 1), 0 = no data.
    transform : affine.Affine
        The grid's transform.
    crs : CRS or str
        The grid's CRS.
    level : {1, 2}, default 2
        Which legend the codes follow.
    overwrite : bool, default False
        Replace existing outputs (both files are checked first).

    Returns
    -------
    pathlib.Path
        The GeoTIFF (uint8, nodata 0, GHSL colour table, category names as
        band tags); the ``.qml`` is ``path.with_suffix(".qml")``.

    Raises
    ------
    DataError
        Codes outside the level's legend.
    OutputExistsError
        The ``.tif`` or the ``.qml`` exists and ``overwrite`` is False.
    """
    arr, legend = _class_grid(classes, level)
    target = Path(path)
    style = target.with_suffix(".qml")
    with safe_directory(target.parent, [target.name, style.name], overwrite=overwrite) as st:
        write_raster(
            st / target.name,
            arr,
            transform=transform,
            crs=crs,
            nodata=0,
            colormap={s.code: s.colour for s in legend},
            category_names={s.code: s.label for s in legend},
            description=f"degurba_level{level}",
            tags={"degurba_level": level, "legend": "GHSL SMOD" if level == 2 else "DEGURBA L1"},
            resampling="nearest",
        )
        write_qml(st / style.name, legend)
    return target


def write_label_raster(
    path: str | os.PathLike[str],
    labels: np.ndarray,
    *,
    transform: Affine,
    crs: Any,
    overwrite: bool = False,
    description: str | None = None,
) -> Path:
    """Write a label grid (cluster or urban-centre ids) as an int32 COG.

    Parameters
    ----------
    path : path-like
        Output ``.tif``.
    labels : numpy.ndarray
        2-D non-negative integers; 0 = not in any object (written as nodata,
        so it is transparent in QGIS).
    transform, crs
        The grid's georeferencing.
    overwrite : bool, default False
        Replace an existing file.
    description : str, optional
        Band description, e.g. ``"uc_id"``.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Overviews use nearest-neighbour resampling so that zoomed-out views
    show real ids, never averages of neighbouring ids.
    """
    arr = np.asarray(labels)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        msg = f"labels must be a 2-D integer array, got shape {arr.shape} and dtype {arr.dtype}"
        raise DataError(msg)
    if arr.size and (arr.min() < 0 or arr.max() > np.iinfo(np.int32).max):
        msg = f"labels must lie in 0..2**31-1, got {arr.min()}..{arr.max()}"
        raise DataError(msg)
    return write_raster(
        path,
        arr.astype(np.int32),
        transform=transform,
        crs=crs,
        nodata=0,
        overwrite=overwrite,
        description=description,
        resampling="nearest",
    )


_FORMATS = ("gpkg", "shp")
_VECTOR_LAYERS = ("urban_centres", "urban_clusters")


def _levels(result: DegurbaResult, levels: Sequence[int] | None) -> tuple[int, ...]:
    """The class levels to write: the given ones (checked), else every level the result holds."""
    if levels is None:
        levels = tuple(lv for lv in (1, 2) if getattr(result, f"level{lv}", None) is not None)
    out = tuple(dict.fromkeys(int(lv) for lv in levels))
    for lv in out:
        smod_legend(lv)
        if getattr(result, f"level{lv}", None) is None:
            msg = f"result.level{lv} is None; classify with level={lv} or drop it from levels"
            raise ParameterError(msg)
    return out


def _check_result(
    result: DegurbaResult, levels: Sequence[int]
) -> tuple[PopulationGrid, tuple[int, int]]:
    missing = [
        a
        for a in (
            "grid",
            "params",
            "centre_labels",
            "cluster_labels",
            *(f"level{lv}" for lv in levels),
        )
        if not hasattr(result, a)
    ]
    if missing:
        msg = f"result lacks {missing}; pass the DegurbaResult returned by fua.classify_grid()"
        raise ParameterError(msg)
    grid = result.grid
    pop = getattr(grid, "pop", None)
    if pop is None or np.ndim(pop) != 2 or not hasattr(grid, "transform"):
        msg = "result.grid must be the PopulationGrid the result was computed on (pop, transform, crs)"
        raise ParameterError(msg)
    shape = tuple(np.shape(pop))
    for name in ("centre_labels", "cluster_labels", *(f"level{lv}" for lv in levels)):
        if np.shape(getattr(result, name)) != shape:
            msg = f"result.{name} has shape {np.shape(getattr(result, name))}, the grid {shape}; they must match"
            raise DataError(msg)
    return grid, (int(shape[0]), int(shape[1]))


def _check_vectors(layers: Mapping[str, gpd.GeoDataFrame], crs: Any) -> None:
    grid_crs = CRS.from_user_input(crs)
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            msg = (
                f"{name} must be a GeoDataFrame (from fua.{name}(result)), got {type(gdf).__name__}"
            )
            raise ParameterError(msg)
        if gdf.crs is None or not CRS.from_user_input(gdf.crs).equals(grid_crs):
            msg = f"{name} has CRS {gdf.crs!r}, the grid {grid_crs.to_string()}; reproject it with .to_crs(grid.crs)"
            raise CRSError(msg)


def _output_names(levels: Sequence[int], fmt: str) -> dict[str, str]:
    """Output key → file name of one run (class grids, label grids, vectors, sidecar)."""
    names: dict[str, str] = {}
    for lv in levels:
        names[f"classes_L{lv}"] = f"classes_L{lv}.tif"
        names[f"classes_L{lv}_style"] = f"classes_L{lv}.qml"
    names["centre_labels"] = "centre_labels.tif"
    names["cluster_labels"] = "cluster_labels.tif"
    if fmt == "gpkg":
        names["vectors"] = "degurba.gpkg"
    else:
        for layer in _VECTOR_LAYERS:
            names[layer] = f"{layer}.shp"
            names[f"{layer}_fields"] = f"{layer}_fields.csv"
            names[f"{layer}_style"] = f"{layer}.qml"
    names["sidecar"] = "degurba.json"
    return names


def _write_grids(
    st: Path, names: Mapping[str, str], result: DegurbaResult, levels: Sequence[int]
) -> dict[str, dict[str, int]]:
    """Class and label rasters into the staging folder ``st``; returns cell counts per class."""
    transform, crs = result.grid.transform, result.grid.crs
    counts: dict[str, dict[str, int]] = {}
    for lv in levels:
        arr = np.asarray(getattr(result, f"level{lv}"))
        write_class_raster(
            st / names[f"classes_L{lv}"], arr, transform=transform, crs=crs, level=lv
        )
        codes, n = np.unique(arr, return_counts=True)
        counts[f"level{lv}"] = {str(c): int(k) for c, k in zip(codes, n, strict=True)}
    for key, desc in (("centre_labels", "uc_id"), ("cluster_labels", "cl_id")):
        write_label_raster(
            st / names[key], getattr(result, key), transform=transform, crs=crs, description=desc
        )
    return counts


def write_degurba_outputs(
    out_dir: str | os.PathLike[str],
    result: DegurbaResult,
    centres: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame,
    *,
    fmt: str = "gpkg",
    levels: Sequence[int] | None = None,
    overwrite: bool = False,
    inputs: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    started_at: datetime | float | None = None,
) -> dict[str, Path]:
    """Write the files of one Degree of Urbanisation run.

    Parameters
    ----------
    out_dir : path-like
        Directory for the outputs (created if missing).
    result : DegurbaResult
        From :func:`fua.classify_grid`; used through its attributes ``grid``
        (``transform``, ``crs``, ``pop``, ``source``), ``params``
        (``to_dict()``), ``level1``, ``level2``, ``centre_labels``,
        ``cluster_labels``.
    centres, clusters : geopandas.GeoDataFrame
        Urban centres and urban clusters (``fua.urban_centres(result)``,
        ``fua.urban_clusters(result)``) in the grid's CRS.
    fmt : {"gpkg", "shp"}, default "gpkg"
        ``gpkg``: one ``degurba.gpkg`` with layers ``urban_centres`` and
        ``urban_clusters``. ``shp``: ``urban_centres.shp`` and
        ``urban_clusters.shp`` with ``.qml`` styles (full field names as
        aliases) and ``*_fields.csv`` alias tables.
    levels : sequence of {1, 2}, optional
        Class grids to write (``classes_L1.tif``, ``classes_L2.tif``, each
        with its ``.qml``). Default: every level the result holds (``level2``
        is None when the grid was classified at level 1 only).
    overwrite : bool, default False
        Replace existing outputs.
    inputs : mapping or sequence of paths, optional
        Input files to checksum in the sidecar; by default
        ``result.grid.source`` if it names an existing file.
    started_at : datetime or float, optional
        Start of the run, for the sidecar's timing.

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``classes_L1``/``classes_L2`` (and ``*_style``),
        ``centre_labels``, ``cluster_labels``, ``vectors`` (gpkg) or
        ``urban_centres``/``urban_clusters`` (+ ``*_fields``, ``*_style``) for shp, and
        ``sidecar`` (``degurba.json``).

    Raises
    ------
    OutputExistsError
        Any output exists and ``overwrite`` is False — checked for all
        outputs before anything is written.

    Notes
    -----
    All files are written into a hidden staging directory inside
    ``out_dir`` and moved into place only once every one of them has been
    written, so a failure leaves the previous outputs as they were and no
    partial set. The sidecar records ``result.params.to_dict()``, input
    checksums, checksums of every output, grid shape/transform/CRS and cell
    counts per class.
    """
    if fmt not in _FORMATS:
        msg = f"fmt must be one of {_FORMATS}, got {fmt!r}"
        raise ParameterError(msg)
    levels = _levels(result, levels)
    grid, shape = _check_result(result, levels)
    transform, crs = grid.transform, grid.crs
    vectors = dict(zip(_VECTOR_LAYERS, (centres, clusters), strict=True))
    _check_vectors(vectors, crs)
    names = _output_names(levels, fmt)
    if inputs is None:
        src = getattr(grid, "source", None)
        inputs = {"population": src} if src and Path(str(src)).is_file() else {}
    root = Path(out_dir)
    with safe_directory(root, list(names.values()), overwrite=overwrite) as st:
        counts = _write_grids(st, names, result, levels)
        styles = layer_styles(vectors)
        if fmt == "gpkg":
            write_layers(st / names["vectors"], vectors, styles=styles)
        else:
            write_layers(st, vectors, driver="ESRI Shapefile", styles=styles)
        produced = sorted(p for p in st.iterdir() if p.name != names["sidecar"])
        write_sidecar(
            st / names["sidecar"],
            params=result.params.to_dict(),
            inputs=inputs,
            outputs=produced,
            started_at=started_at,
            extra={
                "grid_shape": list(shape),
                "transform": list(transform)[:6],
                "crs": crs.to_string() if hasattr(crs, "to_string") else str(crs),
                "cell_counts": counts,
                "n_urban_centres": len(centres),
                "n_urban_clusters": len(clusters),
                "vector_format": fmt,
            },
        )
    log.info("wrote %d Degree of Urbanisation outputs to %s", len(names), root)
    return {key: root / name for key, name in names.items()}
