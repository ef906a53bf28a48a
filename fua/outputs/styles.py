"""QGIS styles of the toolkit's outputs: the legends and the styles of fua's layers.

* Raster, paletted ("unique values"): :class:`ClassStyle`, the Degree of
  Urbanisation legends :data:`SMOD_LEVEL2` / :data:`SMOD_LEVEL1`
  (:func:`smod_legend`), the FUA-id legend (:func:`fua_labels_legend`) and
  :func:`write_qml`.
* Raster, minutes: :data:`MINUTE_STOPS` and :func:`write_minutes_qml` (from
  :mod:`connectivity.qgis`, re-exported; shared with the PNG maps of
  :mod:`fua.outputs.report`).
* Vector: the style of each layer the toolkit writes (:data:`LAYER_STYLES`:
  FUAs, their cities and commuting zones, urban centres and clusters, SEZ
  access, isochrones, corridors, border crossings, roads; chosen by
  :func:`layer_styles`), and :func:`write_styled_layers`, the one writer of
  fua's vector deliverables: one named CRS, styles in a GeoPackage's
  ``layer_styles`` table or in a ``.qml`` beside each Shapefile (with the
  full field names as aliases). The symbol and QML machinery
  (:class:`~connectivity.qgis.LayerStyle`) is :mod:`connectivity.qgis`.

A ``.qml`` named like its raster (``x.tif`` → ``x.qml``) is loaded by QGIS
as the layer's default style.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from connectivity.errors import ParameterError
from connectivity.io import safe_path, write_layers
from connectivity.qgis import (
    MINUTE_STOPS,
    QGIS_VERSION,
    LayerStyle,
    hex_rgba,
    minutes_style,
    qml_document,
    style_qml,
    write_gpkg_styles,
    write_minutes_qml,
)
from fua.degurba.classify import DegurbaResult
from fua.degurba.legend import URBAN_CENTRE_STYLE, URBAN_CLUSTER_STYLE
from fua.outputs._paths import with_suffix

__all__ = [
    "FUA_COLOURS",
    "FUA_LAYER_STYLES",
    "LAYER_STYLES",
    "MINUTE_STOPS",
    "SMOD_LEVEL1",
    "SMOD_LEVEL2",
    "ClassStyle",
    "fua_labels_legend",
    "layer_styles",
    "smod_legend",
    "write_gpkg_styles",
    "write_known_styles",
    "write_minutes_qml",
    "write_qml",
    "write_styled_layers",
]

RGBA = tuple[int, int, int, int]


# ---------------------------------------------------------------- raster: paletted classes
class ClassStyle(NamedTuple):
    """One legend entry: class code, RGBA colour (0-255) and label."""

    code: int
    colour: tuple[int, int, int, int]
    label: str


#: GHSL SMOD level-2 legend (R2023A), codes as in ``DegurbaResult.level2``
#: (colours: :data:`fua.degurba.legend.SMOD_L2_COLOURS`).
SMOD_LEVEL2: tuple[ClassStyle, ...] = tuple(ClassStyle(*e) for e in DegurbaResult.legend(2))

#: Level-1 legend, codes as in ``DegurbaResult.level1`` (colours:
#: :data:`fua.degurba.legend.SMOD_L1_COLOURS`).
SMOD_LEVEL1: tuple[ClassStyle, ...] = tuple(ClassStyle(*e) for e in DegurbaResult.legend(1))


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
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories")
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
    return qml_document(root).encode("utf-8")


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
    target = with_suffix(path, "style file", ".qml")
    styles = _styles(entries)
    if not styles:
        msg = "a style needs at least one legend entry"
        raise ParameterError(msg)
    text = _qml_text(styles, band)
    with safe_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(text)
    return target


#: Colours of FUAs by rank (matplotlib's "tab10"), on the PNG maps and in the FUA-id legend.
FUA_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


def fua_labels_legend(fuas: Any, *, name_col: str = "name") -> list[ClassStyle]:
    """Legend of a FUA-id raster (``FuaResult.fua_labels``): one colour and name per FUA.

    Parameters
    ----------
    fuas : pandas.DataFrame
        One row per FUA with ``fua_id`` (and ``name_col``), e.g. ``FuaResult.fua``.
    name_col : str
        Column of the names shown in the legend ("3 Shymkent").

    Returns
    -------
    list of ClassStyle
        For :func:`write_qml`; colours of :data:`FUA_COLOURS` by FUA id.
    """
    out = []
    for i, row in enumerate(fuas.sort_values("fua_id").itertuples(index=False)):
        fid = int(row.fua_id)
        name = getattr(row, name_col, None)
        label = f"{fid} {name}" if name not in (None, "") else f"FUA {fid}"
        out.append(ClassStyle(fid, hex_rgba(FUA_COLOURS[i % len(FUA_COLOURS)]), label))
    return out


# ---------------------------------------------------------------- vector layers
#: fill and outline colours of the FUA layers (QGIS RGBA)
FUA_LAYER_STYLES: dict[str, tuple[RGBA, RGBA]] = {
    "fua": ((255, 140, 0, 90), (200, 80, 0, 255)),
    "fua_city": ((220, 20, 20, 120), (150, 0, 0, 255)),
    "fua_commuting_zone": ((255, 215, 0, 90), (180, 140, 0, 255)),
    "units": ((0, 0, 0, 0), (110, 110, 110, 255)),
}

_CORRIDOR_RED: RGBA = (178, 24, 43, 255)
_WHITE: RGBA = (255, 255, 255, 255)

#: The style of each layer the toolkit writes, by layer name (the PNG maps'
#: colours). :func:`layer_styles` also matches the demo's ``fua_<threshold>``,
#: ``fua_<threshold>_city``, ``fua_<threshold>_commuting_zone`` and ``roads*``.
LAYER_STYLES: dict[str, LayerStyle] = {
    **{k: LayerStyle("fill", f, o, width_mm=0.4) for k, (f, o) in FUA_LAYER_STYLES.items()},
    "urban_centres": URBAN_CENTRE_STYLE,
    "urban_clusters": URBAN_CLUSTER_STYLE,
    "sez_access": LayerStyle("marker", (255, 212, 0, 255), (0, 0, 0, 255), size_mm=5.0,
                             shape="star", width_mm=0.3),
    "sez_isochrones": LayerStyle("fill", (0, 0, 0, 130), (0, 0, 0, 0), width_mm=0.0),
    "corridors": LayerStyle("line", _CORRIDOR_RED, width_mm=0.8, dashed=True),
    "corridor_access_points": LayerStyle("marker", _CORRIDOR_RED, _WHITE, size_mm=1.6, width_mm=0.2),
    "border_crossings": LayerStyle("marker", (68, 68, 68, 255), _WHITE, size_mm=3.2,
                                   shape="triangle", width_mm=0.3),
    "roads": LayerStyle("line", (90, 90, 90, 255), width_mm=0.35),
}  # fmt: skip

#: Layers graduated on a minutes column (classes up to the data's maximum).
_GRADUATED = {"sez_isochrones": "to_min"}


def _style_key(name: str) -> str | None:
    if name in LAYER_STYLES:
        return name
    if name.startswith("fua_"):
        suffix = next((s for s in ("_commuting_zone", "_city") if name.endswith(s)), "")
        return "fua" + suffix
    return "roads" if name.startswith("roads") else None


def layer_styles(layers: Mapping[str, Any]) -> dict[str, LayerStyle]:
    """The styles of the layers :data:`LAYER_STYLES` knows (others get the default of their geometry).

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        The layers to write, by name.

    Returns
    -------
    dict of str to LayerStyle
        For :func:`connectivity.io.write_layers` (``styles=``).
    """
    out = {}
    for name, gdf in layers.items():
        key = _style_key(name)
        if key is None:
            continue
        style = LAYER_STYLES[key]
        column = _GRADUATED.get(key)
        if column and column in gdf.columns:
            style = minutes_style(style, column, gdf[column])
        out[name] = style
    return out


def write_known_styles(path: str | os.PathLike[str], names: Sequence[str]) -> None:
    """Store the :data:`LAYER_STYLES` of layers ``names`` as the default styles of a GeoPackage."""
    write_gpkg_styles(path, {name: style_qml(LAYER_STYLES[name]) for name in names})


def write_styled_layers(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    crs: Any = None,
    driver: str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write vector layers as a deliverable: one named CRS, and the styles of :func:`layer_styles`.

    Parameters
    ----------
    path, layers, driver, overwrite
        As in :func:`connectivity.io.write_layers`.
    crs : CRS-like, optional
        The CRS of every layer (default: the first layer's; e.g. the
        analysis grid's).

    Returns
    -------
    list of pathlib.Path
        As :func:`connectivity.io.write_layers`.
    """
    return write_layers(
        path, layers, driver=driver, overwrite=overwrite, crs=crs, styles=layer_styles(layers)
    )
