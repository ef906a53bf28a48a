"""Degree of Urbanisation outputs that open styled in QGIS.

* :data:`SMOD_LEVEL2` / :data:`SMOD_LEVEL1` — codes, GHSL legend colours and
  labels of the class grids.
* :func:`write_class_raster` — a class grid as a Cloud-Optimised GeoTIFF with
  a colour table, plus a QGIS ``.qml`` style of the same name (QGIS loads it
  as the layer's default style).
* :func:`write_label_raster` — cluster / urban-centre ids (int32, 0 = none).
* :func:`write_qml` — a paletted ("unique values") QGIS raster style.
* :func:`write_degurba_outputs` — everything for one run, with a JSON sidecar.

The generic safe writers live in :mod:`connectivity.io`; this module adds the
Degree of Urbanisation legend and file set.
"""

from __future__ import annotations

import logging
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from affine import Affine

from connectivity.errors import (
    CRSError,
    DataError,
    ParameterError,
)
from connectivity.io import (
    safe_directory,
    safe_path,
    write_layers,
    write_raster,
    write_sidecar,
)
from fua.degurba.classify import L1_CODES, L2_CODES

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


class ClassStyle(NamedTuple):
    """One legend entry: class code, RGBA colour (0-255) and label."""

    code: int
    colour: tuple[int, int, int, int]
    label: str


#: GHSL SMOD level-2 legend (R2023A), codes as in ``DegurbaResult.level2``.
#: Colours from the GHS-SMOD class table (``#ff0000`` urban centre …
#: ``#7ab6f5`` water) as published for JRC/GHSL/P2023A/GHS_SMOD.
_L2_COLOURS: dict[int, tuple[int, int, int, int]] = {
    30: (255, 0, 0, 255),
    23: (115, 38, 0, 255),
    22: (168, 112, 0, 255),
    21: (255, 255, 0, 255),
    13: (55, 86, 35, 255),
    12: (171, 205, 102, 255),
    11: (205, 245, 122, 255),
    10: (122, 182, 245, 255),
}
SMOD_LEVEL2: tuple[ClassStyle, ...] = tuple(
    ClassStyle(code, _L2_COLOURS[code], name) for code, name in L2_CODES.items()
)

#: Level-1 legend, codes as in ``DegurbaResult.level1``. GHSL publishes no
#: separate level-1 palette in the sources checked: 3 takes the level-2 urban
#: centre red, 2 an orange between the level-2 cluster colours, 1 the level-2
#: low-density-rural green.
_L1_COLOURS = {3: (255, 0, 0, 255), 2: (255, 170, 0, 255), 1: (171, 205, 102, 255)}
SMOD_LEVEL1: tuple[ClassStyle, ...] = tuple(
    ClassStyle(code, _L1_COLOURS[code], name) for code, name in L1_CODES.items()
)

_QGIS_VERSION = "3.28.0-Firenze"


def smod_legend(level: int) -> tuple[ClassStyle, ...]:
    """The legend of Degree of Urbanisation ``level`` (1 or 2)."""
    if level == 2:
        return SMOD_LEVEL2
    if level == 1:
        return SMOD_LEVEL1
    msg = f"level must be 1 or 2 (Degree of Urbanisation level), got {level!r}"
    raise ParameterError(msg)


def _styles(entries: Iterable[ClassStyle | Sequence[Any]]) -> list[ClassStyle]:
    out = []
    for e in entries:
        try:
            code, colour, label = e
            rgba = tuple(int(c) for c in colour)
        except (TypeError, ValueError) as exc:
            msg = f"legend entry {e!r} must be (code, (r, g, b[, a]), label)"
            raise ParameterError(msg) from exc
        if len(rgba) == 3:
            rgba = (*rgba, 255)
        if len(rgba) != 4 or not all(0 <= c <= 255 for c in rgba):
            msg = f"colour of class {code} must be (r, g, b[, a]) with values 0-255, got {colour!r}"
            raise ParameterError(msg)
        out.append(ClassStyle(int(code), (rgba[0], rgba[1], rgba[2], rgba[3]), str(label)))
    if len({s.code for s in out}) != len(out):
        msg = "legend codes must be unique"
        raise ParameterError(msg)
    return out


def _qml_text(styles: Sequence[ClassStyle], band: int) -> bytes:
    root = ET.Element("qgis", version=_QGIS_VERSION, styleCategories="AllStyleCategories")
    pipe = ET.SubElement(root, "pipe")
    ET.SubElement(
        ET.SubElement(pipe, "provider"),
        "resampling",
        enabled="false",
        zoomedInResamplingMethod="nearestNeighbour",
        zoomedOutResamplingMethod="nearestNeighbour",
        maxOversampling="2",
    )
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="paletted",
        band=str(band),
        opacity="1",
        alphaBand="-1",
        nodataColor="",
    )
    ET.SubElement(renderer, "rasterTransparency")
    mmo = ET.SubElement(renderer, "minMaxOrigin")
    for tag, text in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        ET.SubElement(mmo, tag).text = text
    palette = ET.SubElement(renderer, "colorPalette")
    for s in styles:
        r, g, b, a = s.colour
        ET.SubElement(
            palette,
            "paletteEntry",
            value=str(s.code),
            color=f"#{r:02x}{g:02x}{b:02x}",
            alpha=str(a),
            label=s.label,
        )
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(
        pipe,
        "huesaturation",
        saturation="0",
        grayscaleMode="0",
        colorizeOn="0",
        colorizeRed="255",
        colorizeGreen="128",
        colorizeBlue="128",
        colorizeStrength="100",
    )
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(pipe, "resamplingStage").text = "resamplingFilter"
    ET.SubElement(root, "blendMode").text = "0"
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n").encode(
        "utf-8"
    )


def write_qml(
    path: str | os.PathLike[str],
    entries: Iterable[ClassStyle | Sequence[Any]],
    *,
    band: int = 1,
    overwrite: bool = False,
) -> Path:
    """Write a QGIS paletted raster style (``.qml``).

    Parameters
    ----------
    path : path-like
        Output ``.qml``. Named like the raster (``x.tif`` → ``x.qml``), QGIS
        applies it automatically when the raster is added.
    entries : iterable of (code, (r, g, b[, a]), label)
        Legend entries, in legend order (e.g. :data:`SMOD_LEVEL2`).
    band : int, default 1
        Band the renderer colours.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    The layout follows the QML files QGIS 3 saves for a "Paletted/Unique
    values" renderer (``<rasterrenderer type="paletted">`` with one
    ``<paletteEntry value color alpha label>`` per class). Labels are
    XML-escaped and may hold any Unicode (e.g. Kazakh or Russian names).
    """
    target = Path(path)
    if target.suffix.lower() != ".qml":
        msg = f"style file {target} must end in .qml"
        raise ParameterError(msg)
    styles = _styles(entries)
    if not styles:
        msg = "a style needs at least one legend entry"
        raise ParameterError(msg)
    text = _qml_text(styles, band)
    with safe_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(text)
    return target


def _grid_args(transform: Any, crs: Any) -> None:
    if not isinstance(transform, Affine):
        msg = f"transform must be an affine.Affine, got {type(transform).__name__}; use grid.transform"
        raise ParameterError(msg)
    if crs is None:
        msg = "crs is required; pass grid.crs"
        raise CRSError(msg)


def _class_grid(classes: Any, level: int) -> tuple[np.ndarray, tuple[ClassStyle, ...]]:
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
    _grid_args(transform, crs)
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
    _grid_args(transform, crs)
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


def _check_result(result: Any, levels: Sequence[int]) -> tuple[Any, tuple[int, int]]:
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


def _check_vectors(layers: Mapping[str, Any], crs: Any) -> None:
    import geopandas as gpd
    from pyproj import CRS

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


def write_degurba_outputs(
    out_dir: str | os.PathLike[str],
    result: Any,
    centres: Any,
    clusters: Any,
    *,
    fmt: str = "gpkg",
    levels: Sequence[int] | None = None,
    overwrite: bool = False,
    inputs: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    started_at: Any = None,
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
        ``urban_clusters.shp`` with ``*_fields.csv`` alias tables.
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
        ``urban_centres``/``urban_clusters`` (+ ``*_fields``) for shp, and
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
    if levels is None:
        levels = tuple(lv for lv in (1, 2) if getattr(result, f"level{lv}", None) is not None)
    levels = tuple(dict.fromkeys(int(lv) for lv in levels))
    for lv in levels:
        smod_legend(lv)
        if getattr(result, f"level{lv}", None) is None:
            msg = f"result.level{lv} is None; classify with level={lv} or drop it from levels"
            raise ParameterError(msg)
    grid, shape = _check_result(result, levels)
    transform, crs = grid.transform, grid.crs
    _grid_args(transform, crs)
    vectors = {"urban_centres": centres, "urban_clusters": clusters}
    _check_vectors(vectors, crs)

    names: dict[str, str] = {}
    for lv in levels:
        names[f"classes_L{lv}"] = f"classes_L{lv}.tif"
        names[f"classes_L{lv}_style"] = f"classes_L{lv}.qml"
    names["centre_labels"] = "centre_labels.tif"
    names["cluster_labels"] = "cluster_labels.tif"
    if fmt == "gpkg":
        names["vectors"] = "degurba.gpkg"
    else:
        for layer in vectors:
            names[layer] = f"{layer}.shp"
            names[f"{layer}_fields"] = f"{layer}_fields.csv"
    names["sidecar"] = "degurba.json"

    if inputs is None:
        src = getattr(grid, "source", None)
        inputs = {"population": src} if src and Path(str(src)).is_file() else {}
    root = Path(out_dir)
    with safe_directory(root, list(names.values()), overwrite=overwrite) as st:
        counts: dict[str, dict[str, int]] = {}
        for lv in levels:
            arr = np.asarray(getattr(result, f"level{lv}"))
            write_class_raster(
                st / names[f"classes_L{lv}"], arr, transform=transform, crs=crs, level=lv
            )
            codes, n = np.unique(arr, return_counts=True)
            counts[f"level{lv}"] = {str(c): int(k) for c, k in zip(codes, n, strict=True)}
        write_label_raster(
            st / names["centre_labels"],
            result.centre_labels,
            transform=transform,
            crs=crs,
            description="uc_id",
        )
        write_label_raster(
            st / names["cluster_labels"],
            result.cluster_labels,
            transform=transform,
            crs=crs,
            description="cl_id",
        )
        if fmt == "gpkg":
            write_layers(st / names["vectors"], vectors)
        else:
            write_layers(st, vectors, driver="ESRI Shapefile")
        produced = sorted(p for p in st.iterdir() if p.name != names["sidecar"])
        params = result.params.to_dict() if hasattr(result.params, "to_dict") else result.params
        write_sidecar(
            st / names["sidecar"],
            params=params,
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
