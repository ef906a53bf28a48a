"""What makes a written file open well in QGIS: named CRSs and default styles.

The lower floor of the toolkit's QGIS styles (the Degree of Urbanisation
legends and the styles of the FUA layers live in :mod:`fua.outputs.styles`):

* :func:`named_crs` — a CRS as it should be written: by its authority code
  when it has one (``ESRI:54009``, ``EPSG:4326``), else under a descriptive
  name, never as "unknown";
* :class:`LayerStyle` — the symbol of a vector layer (fill, line or marker),
  optionally graduated on a column (:class:`StyleRange`);
  :func:`default_layer_style` gives one per geometry type and for the
  layers ``connectivity`` writes (isochrones, access points, network edges
  and nodes); :func:`style_qml` makes the QGIS ``.qml`` text, with field
  aliases (QGIS reads a Shapefile's full field names from its ``.qml``);
* :func:`write_gpkg_styles` — stores styles as the layers' default styles in
  a GeoPackage's ``layer_styles`` table (QGIS's own schema, so the layers
  open styled);
* travel-time rasters: :data:`MINUTE_STOPS`, :func:`nice_ceiling`,
  :func:`minute_classes` and :func:`write_minutes_qml` (a discrete ramp whose
  top covers the data, labelled "≤ 30 min").

QGIS loads a ``.qml`` named like its layer (``x.shp`` or ``x.tif`` →
``x.qml``) as the layer's default style.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from connectivity.errors import CRSError, ParameterError

__all__ = [
    "MINUTE_STOPS",
    "QGIS_VERSION",
    "STYLE_TABLE",
    "LayerStyle",
    "StyleRange",
    "data_top",
    "default_layer_style",
    "geometry_kind",
    "hex_rgba",
    "in_one_crs",
    "layer_style",
    "minute_classes",
    "minutes_ranges",
    "minutes_style",
    "named_crs",
    "nice_ceiling",
    "qml_document",
    "style_qml",
    "write_gpkg_styles",
    "write_minutes_qml",
]

RGBA = tuple[int, int, int, int]

log = logging.getLogger(__name__)

#: QGIS version written into the ``.qml`` files (their layout is QGIS 3's).
QGIS_VERSION = "3.28.0-Firenze"
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


def qml_document(root: ET.Element) -> str:
    """The text of a ``.qml`` file: QGIS's doctype line, then ``root`` indented."""
    ET.indent(root)
    return _DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------- CRS
_NO_NAME = ("", "unknown", "undefined", "unnamed")


def named_crs(crs: Any) -> CRS:
    """``crs`` as it should be written: with its authority code, or at least a real name.

    Parameters
    ----------
    crs : CRS-like
        Anything :meth:`pyproj.CRS.from_user_input` reads (a rasterio CRS too).

    Returns
    -------
    pyproj.CRS
        The authority's definition (``ESRI:54009`` "World_Mollweide",
        ``EPSG:32642`` ...) when ``crs`` is equivalent to one; else ``crs``
        itself when it has a name; else ``crs`` renamed after its projection
        and parameters (e.g. "Azimuthal Equidistant, latitude of natural
        origin 47.95669, longitude of natural origin 66.19181, WGS 84"), so
        that GDAL does not store it as "unknown".

    Raises
    ------
    CRSError
        ``crs`` is not a CRS.
    """
    try:
        c = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError and friends
        msg = f"crs {crs!r} is not a CRS ({exc}); pass an EPSG/ESRI code or WKT"
        raise CRSError(msg) from exc
    auth = c.to_authority(min_confidence=70)
    if auth is not None:
        known = CRS.from_authority(*auth)
        if known.equals(c, ignore_axis_order=True):
            return known
    if (c.name or "").strip().lower() not in _NO_NAME:
        return c
    return _renamed(c, _describe(c))


def _describe(c: CRS) -> str:
    """A name for an unnamed CRS: projection method, its parameters other than 0 and 1, ellipsoid."""
    parts = []
    op = c.coordinate_operation
    if op is not None:
        parts.append(op.method_name)
        parts += [f"{p.name.lower()} {p.value:g}" for p in op.params if p.value not in (0, 1)]
    else:
        parts.append("Geographic" if c.is_geographic else "Projected")
    ellipsoid = c.ellipsoid.name if c.ellipsoid is not None else ""
    if ellipsoid and ellipsoid.lower() not in _NO_NAME:
        parts.append(ellipsoid)
    return ", ".join(parts)


def _renamed(c: CRS, name: str) -> CRS:
    doc = c.to_json_dict()
    target = doc.get("source_crs", doc) if doc.get("type") == "BoundCRS" else doc
    target["name"] = name
    return CRS.from_json_dict(doc)


# ---------------------------------------------------------------- vector styles
@dataclass(frozen=True)
class StyleRange:
    """One class of a graduated style: ``lower < value <= upper`` drawn in ``colour``."""

    lower: float
    upper: float
    colour: RGBA
    label: str


@dataclass(frozen=True)
class LayerStyle:
    """The symbol of a vector layer, as QGIS draws it.

    Parameters
    ----------
    kind : {"fill", "line", "marker"}
        Polygon fill, line, or point marker.
    colour : (r, g, b, a)
        Fill colour (fill, marker) or line colour (line), 0-255.
    outline : (r, g, b, a)
        Outline colour of fills and markers.
    width_mm : float
        Outline width (fill, marker) or line width (line), millimetres.
    size_mm : float
        Marker size, millimetres.
    shape : str
        Marker shape (QGIS names: circle, square, triangle, star, diamond).
    dashed : bool
        Dashed lines.
    attribute : str, optional
        Column of a graduated style; with ``ranges``.
    ranges : tuple of StyleRange
        Classes of the graduated style (each its own colour, the rest of the
        symbol shared).
    """

    kind: str
    colour: RGBA
    outline: RGBA = (60, 60, 60, 255)
    width_mm: float = 0.3
    size_mm: float = 2.4
    shape: str = "circle"
    dashed: bool = False
    attribute: str | None = None
    ranges: tuple[StyleRange, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("fill", "line", "marker"):
            msg = f"LayerStyle.kind must be 'fill', 'line' or 'marker', got {self.kind!r}"
            raise ParameterError(msg)
        if bool(self.ranges) != bool(self.attribute):
            msg = "a graduated LayerStyle needs both attribute= and ranges="
            raise ParameterError(msg)


def _rgba(c: Sequence[int]) -> str:
    return ",".join(str(int(v)) for v in c)


def _options(layer: ET.Element, values: Mapping[str, Any]) -> None:
    opts = ET.SubElement(layer, "Option", type="Map")
    for k, v in values.items():
        ET.SubElement(opts, "Option", type="QString", name=k, value=str(v))


def _symbol(style: LayerStyle, name: str, colour: RGBA) -> ET.Element:
    sym = ET.Element(
        "symbol", type=style.kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    cls = {"fill": "SimpleFill", "line": "SimpleLine", "marker": "SimpleMarker"}[style.kind]
    layer = ET.SubElement(sym, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    if style.kind == "line":
        _options(layer, {
            "line_color": _rgba(colour), "line_style": "dash" if style.dashed else "solid",
            "line_width": style.width_mm, "line_width_unit": "MM",
            "capstyle": "round", "joinstyle": "round",
        })  # fmt: skip
        return sym
    common = {
        "color": _rgba(colour), "outline_color": _rgba(style.outline), "outline_style": "solid",
        "outline_width": style.width_mm, "outline_width_unit": "MM",
    }  # fmt: skip
    if style.kind == "fill":
        _options(layer, {**common, "style": "solid"})
    else:
        _options(layer, {**common, "name": style.shape, "size": style.size_mm, "size_unit": "MM"})
    return sym


def _renderer(style: LayerStyle) -> ET.Element:
    common = {"symbollevels": "0", "enableorderby": "0", "forceraster": "0"}
    if not style.ranges:
        renderer = ET.Element("renderer-v2", {"type": "singleSymbol", **common})
        ET.SubElement(renderer, "symbols").append(_symbol(style, "0", style.colour))
        return renderer
    renderer = ET.Element("renderer-v2", {
        "type": "graduatedSymbol", "attr": str(style.attribute),
        "graduatedMethod": "GraduatedColor", **common,
    })  # fmt: skip
    ranges = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for i, r in enumerate(style.ranges):
        ET.SubElement(ranges, "range", lower=f"{r.lower:g}", upper=f"{r.upper:g}",
                      symbol=str(i), label=r.label, render="true")  # fmt: skip
        symbols.append(_symbol(style, str(i), r.colour))
    return renderer


def style_qml(style: LayerStyle, aliases: Mapping[str, str] | None = None) -> str:
    """The QGIS ``.qml`` text of a layer style, with field aliases.

    Parameters
    ----------
    style : LayerStyle
    aliases : mapping of str to str, optional
        Field name → alias (e.g. a Shapefile's 10-byte name → the full name);
        QGIS shows the alias in the attribute table and forms.

    Returns
    -------
    str
        QGIS 3 style XML (``<renderer-v2>``, and ``<aliases>`` when given).
    """
    cats = "Symbology|Fields" if aliases else "Symbology"
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories=cats)
    root.append(_renderer(style))
    if aliases:
        node = ET.SubElement(root, "aliases")
        for i, (field, alias) in enumerate(aliases.items()):
            ET.SubElement(node, "alias", field=str(field), index=str(i), name=str(alias))
    return qml_document(root)


_GEOMETRY_KIND = {"point": "marker", "linestring": "line", "polygon": "fill"}

#: Defaults by symbol kind: a grey fill, a dark grey line, a blue circle.
_PLAIN: dict[str, LayerStyle] = {
    "fill": LayerStyle("fill", (190, 190, 190, 110), (90, 90, 90, 255), width_mm=0.26),
    "line": LayerStyle("line", (70, 70, 70, 255), width_mm=0.4),
    "marker": LayerStyle("marker", (31, 119, 180, 255), (255, 255, 255, 255), width_mm=0.2),
}


def geometry_kind(geometry_type: str | None) -> str:
    """Symbol kind ("fill", "line", "marker") of an OGR/shapely geometry type name."""
    name = (geometry_type or "").lower().removeprefix("multi").split(" ")[0]
    return _GEOMETRY_KIND.get(name, "fill")


def minutes_ranges(top: float) -> tuple[StyleRange, ...]:
    """Graduated classes over minutes, as :func:`minute_classes` (the raster's colours)."""
    out = []
    lower = 0.0
    for upper, colour, label in minute_classes(top)[1:]:
        out.append(StyleRange(lower, upper, hex_rgba(colour), label))
        lower = upper
    return tuple(out)


def minutes_style(base: LayerStyle, column: str, values: Any) -> LayerStyle:
    """``base`` graduated on the minutes in ``column``, in classes up to the values' maximum.

    The classes take the colours of :func:`minute_classes` with the opacity
    of ``base.colour``.
    """
    alpha = base.colour[3]
    ranges = minutes_ranges(data_top(values))
    return replace(
        base,
        attribute=column,
        ranges=tuple(replace(r, colour=(*r.colour[:3], alpha)) for r in ranges),
    )


_MINUTE_COLUMNS = ("to_min", "threshold_min", "time_min")


def default_layer_style(geometry_type: str | None, name: str = "", table: Any = None) -> LayerStyle:
    """The style a layer gets when its writer names none.

    Parameters
    ----------
    geometry_type : str or None
        OGR/shapely geometry type ("Point", "MultiLineString", ...): a grey
        fill, a dark grey line or a blue circle.
    name : str
        Layer name. ``connectivity``'s own layers get their own style:
        ``isochrones`` (graduated on ``to_min`` or ``threshold_min``),
        ``access`` (graduated on ``time_min``), ``edges`` (thin lines) and
        ``nodes`` (small points).
    table : pandas.DataFrame, optional
        The layer's data: a graduated style takes its classes up to the
        largest value of its column.

    Returns
    -------
    LayerStyle
    """
    kind = geometry_kind(geometry_type)
    base = _PLAIN[kind]
    key = name.lower()
    columns = () if table is None else table.columns
    minute_col = next((c for c in _MINUTE_COLUMNS if c in columns), None)
    if minute_col and (key.endswith("isochrones") or key == "access"):
        if kind == "fill":  # outlines would hide the classes of nested isochrones
            base = replace(base, outline=(0, 0, 0, 0))
        return minutes_style(base, minute_col, table[minute_col])
    if key == "edges" and kind == "line":
        return replace(base, colour=(110, 110, 110, 255), width_mm=0.2)
    if key == "nodes" and kind == "marker":
        return replace(base, colour=(60, 60, 60, 255), size_mm=0.8, width_mm=0.0)
    return base


def in_one_crs(layers: Mapping[str, Any], crs: Any = None) -> dict[str, Any]:
    """The layers in one named CRS: ``crs``, else the first layer's (reprojected where needed).

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layers with a CRS each.
    crs : CRS-like, optional
        The CRS of the result (written as :func:`named_crs` says).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
    """
    target = named_crs(crs if crs is not None else next(iter(layers.values())).crs)
    out = {}
    for name, gdf in layers.items():
        if gdf.crs.equals(target):
            out[name] = gdf.set_crs(target, allow_override=True)
        else:
            log.info("layer %r: reprojecting from %s to %s", name, gdf.crs.name, target.name)
            out[name] = gdf.to_crs(target)
    return out


def layer_style(name: str, gdf: Any, styles: Mapping[str, LayerStyle] | None = None) -> LayerStyle:
    """A layer's style: ``styles[name]`` when given, else :func:`default_layer_style`."""
    if styles and name in styles:
        return styles[name]
    kinds = gdf.geometry.geom_type.dropna()
    return default_layer_style(kinds.iloc[0] if len(kinds) else None, name, gdf)


#: The GeoPackage table of QGIS layer styles (GDAL lists it as a layer without geometry).
STYLE_TABLE = "layer_styles"


def _gpkg_geometry_columns(con: sqlite3.Connection) -> dict[str, str]:
    rows = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    return {str(t): str(c) for t, c in rows}


def write_gpkg_styles(
    gpkg: str | os.PathLike[str], styles: Mapping[str, str], *, geometry_column: str = "geom"
) -> None:
    """Store QGIS styles (layer name → QML) as the layers' default styles in ``gpkg``.

    Parameters
    ----------
    gpkg : path-like
        A GeoPackage.
    styles : mapping of str to str
        Layer name → ``.qml`` text (:func:`style_qml`).
    geometry_column : str, default "geom"
        Geometry column of layers that ``gpkg_geometry_columns`` does not list.

    Notes
    -----
    The ``layer_styles`` table has the schema QGIS creates (one row per
    layer, ``useAsDefault = 1``), and is registered in ``gpkg_contents`` as
    an attributes table as QGIS does; QGIS loads the style when the layer is
    added. A layer's earlier styles are replaced.
    """
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
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
            (now,),
        )
        geometry = _gpkg_geometry_columns(con)
        for layer, qml in styles.items():
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
                (layer, geometry.get(layer, geometry_column), layer, qml,
                 "fua-toolkit default style", now),
            )  # fmt: skip
        con.commit()
    finally:
        con.close()


# ---------------------------------------------------------------- minutes rasters
#: Class breaks (minutes) and colours of travel times, green to dark red. A
#: value in (previous break, break] takes the break's colour (the QGIS
#: "discrete" ramp, the PNG maps and the notebooks alike); 0 is a class of
#: its own (at a destination).
MINUTE_STOPS: tuple[tuple[int, str], ...] = (
    (0, "#1a9850"), (30, "#66bd63"), (60, "#d9ef8b"), (120, "#fee08b"),
    (240, "#fc8d59"), (480, "#d73027"), (960, "#7f0000"),
)  # fmt: skip

_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest "nice" number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) ≥ ``value``.

    >>> nice_ceiling(1024.13), nice_ceiling(978.8), nice_ceiling(240)
    (1200.0, 1000.0, 250.0)
    """
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        msg = f"nice_ceiling needs a positive finite number, got {value!r}"
        raise ParameterError(msg)
    scale = 10.0 ** math.floor(math.log10(v))
    return next(round(n * scale, 10) for n in _NICE if n * scale >= v * (1 - 1e-12))


def hex_rgba(colour: str) -> RGBA:
    """``"#rrggbb"`` as an opaque (r, g, b, 255)."""
    h = colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)


def minute_classes(top: float) -> list[tuple[float, str, str]]:
    """Upper bound, colour and label of each minute class up to ``top`` (≥ the data).

    The breaks of :data:`MINUTE_STOPS` below ``top``, then ``top`` itself in
    the colour the data there have on the PNG maps (the next break's). Above
    the last break the last class stretches to ``top`` (the maps draw values
    beyond it in the same colour). Labels say what a class holds: "0 min",
    "≤ 30 min", … "≤ 1200 min".
    """
    t = float(top)
    out: list[tuple[float, str, str]] = [(0.0, MINUTE_STOPS[0][1], "0 min")]
    for value, colour in MINUTE_STOPS[1:]:
        if value >= t:
            out.append((t, colour, f"≤ {t:g} min"))
            return out
        out.append((float(value), colour, f"≤ {value:g} min"))
    out[-1] = (t, MINUTE_STOPS[-1][1], f"≤ {t:g} min")
    return out


def data_top(data: Any) -> float:
    """Top of the minute classes of ``data``: its largest finite value, rounded up by
    :func:`nice_ceiling` (960 without positive data)."""
    values = np.asarray(data, dtype="float64") if data is not None else np.empty(0)
    values = values[np.isfinite(values)]
    if values.size == 0 or values.max() <= 0:
        return float(MINUTE_STOPS[-1][0])
    return nice_ceiling(float(values.max()))


def write_minutes_qml(
    path: str | os.PathLike[str], *, max_min: float | None = None, data: np.ndarray | None = None
) -> Path:
    """QGIS style (``.qml``) of a minutes raster: a discrete ramp up to the data's maximum.

    Parameters
    ----------
    path : path-like
        Output ``.qml`` (named like the raster, QGIS loads it as its style).
    max_min : float, optional
        Top of the ramp. Default: the maximum of ``data`` rounded up by
        :func:`nice_ceiling` (so no cell is left uncoloured), else 960.
    data : numpy.ndarray, optional
        The raster's minutes (NaN = no value).

    Returns
    -------
    pathlib.Path

    Notes
    -----
    A QGIS "discrete" colour ramp gives a value the colour of the first
    class whose upper bound it does not exceed; labels read "≤ 30 min".
    NaN cells are the raster's nodata and are not drawn.
    """
    p = Path(path)
    if p.suffix.lower() != ".qml":
        msg = f"style file {p} must end in .qml"
        raise ParameterError(msg)
    top = float(max_min) if max_min is not None else data_top(data)
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories")
    renderer = ET.SubElement(
        ET.SubElement(root, "pipe"), "rasterrenderer", type="singlebandpseudocolor", band="1",
        opacity="1", alphaBand="-1", classificationMin="0", classificationMax=f"{top:g}",
        nodataColor="",
    )  # fmt: skip
    shader = ET.SubElement(
        ET.SubElement(renderer, "rastershader"), "colorrampshader", colorRampType="DISCRETE",
        classificationMode="1", clip="0", minimumValue="0", maximumValue=f"{top:g}",
    )  # fmt: skip
    for value, colour, label in minute_classes(top):
        ET.SubElement(shader, "item", value=f"{value:g}", color=colour, alpha="255", label=label)
    ET.SubElement(root, "blendMode").text = "0"
    p.write_text(qml_document(root), encoding="utf-8")
    return p
