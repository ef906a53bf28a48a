"""QGIS styles of every output: the one home of the ``.qml`` builders.

* Raster, paletted ("unique values"): :class:`ClassStyle`, the Degree of
  Urbanisation legends :data:`SMOD_LEVEL2` / :data:`SMOD_LEVEL1`
  (:func:`smod_legend`) and :func:`write_qml`.
* Raster, pseudocolour in minutes: :data:`MINUTE_STOPS` (shared with the PNG
  maps of :mod:`fua.outputs.report`) and :func:`write_minutes_qml`.
* Vector, a simple fill per layer: :data:`FUA_LAYER_STYLES`,
  :func:`fill_style_qml`, stored where QGIS finds it — in a GeoPackage's
  ``layer_styles`` table (QGIS's own schema, ``useAsDefault = 1``, so the
  layer opens styled: :func:`write_gpkg_styles`) or as a ``<name>.qml``
  beside a Shapefile (:func:`write_shapefile_styles`).

A ``.qml`` named like its raster (``x.tif`` → ``x.qml``) is loaded by QGIS
as the layer's default style.
"""

from __future__ import annotations

import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from connectivity.errors import ParameterError
from connectivity.io import safe_path
from fua.degurba.classify import L1_CODES, L2_CODES
from fua.outputs._paths import with_suffix

__all__ = [
    "FUA_LAYER_STYLES",
    "MINUTE_STOPS",
    "SMOD_LEVEL1",
    "SMOD_LEVEL2",
    "ClassStyle",
    "fill_style_qml",
    "smod_legend",
    "write_gpkg_styles",
    "write_minutes_qml",
    "write_qml",
    "write_shapefile_styles",
]

RGBA = tuple[int, int, int, int]

_QGIS_VERSION = "3.28.0-Firenze"
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


# ---------------------------------------------------------------- raster: paletted classes
class ClassStyle(NamedTuple):
    """One legend entry: class code, RGBA colour (0-255) and label."""

    code: int
    colour: tuple[int, int, int, int]
    label: str


#: GHSL SMOD level-2 legend (R2023A), codes as in ``DegurbaResult.level2``.
#: Colours from the GHS-SMOD class table (``#ff0000`` urban centre …
#: ``#7ab6f5`` water) as published for JRC/GHSL/P2023A/GHS_SMOD.
_L2_COLOURS: dict[int, RGBA] = {
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
_L1_COLOURS: dict[int, RGBA] = {3: (255, 0, 0, 255), 2: (255, 170, 0, 255), 1: (171, 205, 102, 255)}
SMOD_LEVEL1: tuple[ClassStyle, ...] = tuple(
    ClassStyle(code, _L1_COLOURS[code], name) for code, name in L1_CODES.items()
)


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
    return (_DOCTYPE + "\n" + body + "\n").encode("utf-8")


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


# ---------------------------------------------------------------- raster: minutes
#: Class breaks (minutes) and colours of travel-time rasters, green to dark red;
#: the PNG maps and the report use the same stops.
MINUTE_STOPS: tuple[tuple[int, str], ...] = (
    (0, "#1a9850"), (30, "#66bd63"), (60, "#d9ef8b"), (120, "#fee08b"),
    (240, "#fc8d59"), (480, "#d73027"), (960, "#7f0000"),
)  # fmt: skip


def write_minutes_qml(path: str | os.PathLike[str], *, max_min: float = 960.0) -> Path:
    """QGIS pseudocolour style (``.qml``) for a minutes raster (same stops as the PNG maps)."""
    p = with_suffix(path, "style file", ".qml")
    items = "\n".join(
        f'          <item value="{v}" color="{c}" alpha="255" label="{v} min"/>'
        for v, c in MINUTE_STOPS
        if v <= max_min
    )
    text = f"""{_DOCTYPE}
<qgis version="3.28.0" styleCategories="AllStyleCategories">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1"
        classificationMin="0" classificationMax="{max_min:g}" nodataColor="">
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0"
            minimumValue="0" maximumValue="{max_min:g}">
{items}
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
"""
    p.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------- vector: fills
#: fill and outline colours of the FUA layers (QGIS RGBA)
FUA_LAYER_STYLES: dict[str, tuple[RGBA, RGBA]] = {
    "fua": ((255, 140, 0, 90), (200, 80, 0, 255)),
    "fua_city": ((220, 20, 20, 120), (150, 0, 0, 255)),
    "fua_commuting_zone": ((255, 215, 0, 90), (180, 140, 0, 255)),
    "units": ((0, 0, 0, 0), (110, 110, 110, 255)),
}


def fill_style_qml(fill: RGBA, outline: RGBA, *, outline_width_mm: float = 0.4) -> str:
    """A single-symbol polygon style (QGIS 3 ``.qml``)."""

    def c(rgba: RGBA) -> str:
        return ",".join(str(int(v)) for v in rgba)

    return f"""{_DOCTYPE}
<qgis version="{_QGIS_VERSION}" styleCategories="Symbology">
  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
    <symbols>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option type="QString" name="color" value="{escape(c(fill))}"/>
            <Option type="QString" name="outline_color" value="{escape(c(outline))}"/>
            <Option type="QString" name="outline_style" value="solid"/>
            <Option type="QString" name="outline_width" value="{outline_width_mm}"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="style" value="solid"/>
          </Option>
        </layer>
      </symbol>
    </symbols>
  </renderer-v2>
</qgis>
"""


def write_gpkg_styles(
    gpkg: str | Path, styles: Mapping[str, str], *, geometry_column: str = "geom"
) -> None:
    """Store QGIS styles (layer name → QML) as the layers' default styles in ``gpkg``."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    con = sqlite3.connect(str(gpkg))
    try:
        con.execute(
            """CREATE TABLE IF NOT EXISTS layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
                f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
                styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
                description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)"""
        )
        for layer, qml in styles.items():
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
                (layer, geometry_column, layer, qml, "fua-toolkit default style", now),
            )
        con.commit()
    finally:
        con.close()


def write_shapefile_styles(paths: Mapping[str, Path], styles: Mapping[str, str]) -> list[Path]:
    """Write ``<name>.qml`` beside each Shapefile (QGIS loads it as the default style)."""
    out = []
    for layer, shp in paths.items():
        if layer in styles:
            qml = Path(shp).with_suffix(".qml")
            qml.write_text(styles[layer], encoding="utf-8")
            out.append(qml)
    return out
