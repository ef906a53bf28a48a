"""QGIS styles for vector outputs: a simple fill per layer, stored where QGIS finds it.

For a GeoPackage, the style goes into its ``layer_styles`` table (QGIS's own
schema, ``useAsDefault = 1``), so the layer opens styled; for a Shapefile, a
``<name>.qml`` is written beside it, which QGIS loads as the default style.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["FUA_LAYER_STYLES", "fill_style_qml", "write_gpkg_styles", "write_shapefile_styles"]

RGBA = tuple[int, int, int, int]

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

    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0-Firenze" styleCategories="Symbology">
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
