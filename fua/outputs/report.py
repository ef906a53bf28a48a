"""Maps (PNG) and a self-contained HTML report of a FUA / accessibility run.

* :func:`plot_fua_map` — FUAs with points of interest, corridors and border
  crossings (PNG);
* :func:`plot_minutes_map` — a travel-time raster (minutes) with points (PNG);
* :func:`plot_rank_size` — rank-size plot of FUA populations (PNG, log-log);
* :func:`write_report` — one HTML file that works offline: an interactive
  map (inline SVG drawn by a small embedded script: pan, zoom, hover, layer
  toggles) of :class:`MapLayer` and :class:`MinutesLayer` layers, headline
  numbers, the PNG maps embedded as data URIs, and :class:`ReportTable`
  tables; :func:`fua_layer` and :func:`fua_table` give the FUA layer and
  table of any run.

Nothing here knows a country: a case study (e.g. :mod:`fua.kazakhstan.report`)
chooses the layers, tables, captions and display projection. Maps are drawn
with matplotlib's Agg backend (no display needed) in a display projection,
by default a Lambert azimuthal equal-area centred on the data
(:func:`display_projection`), used for display only, never for measuring. QGIS
styles, including :func:`write_minutes_qml` (re-exported here), live in
:mod:`fua.outputs.styles`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import Transformer

from connectivity.errors import DataError
from connectivity.notebook import minutes_colormap
from fua.metrics import zipf_ols
from fua.outputs._paths import with_suffix
from fua.outputs._report_html import CSS, JS
from fua.outputs.styles import FUA_COLOURS, write_minutes_qml

__all__ = [
    "FUA_MAP_PROPS",
    "FUA_TABLE_COLUMNS",
    "MapLayer",
    "MinutesLayer",
    "ReportTable",
    "display_projection",
    "format_value",
    "fua_layer",
    "fua_table",
    "plot_fua_map",
    "plot_minutes_map",
    "plot_rank_size",
    "write_minutes_qml",
    "write_report",
]

log = logging.getLogger(__name__)

#: Attributes of a FUA shown on hover in the report map (those present).
FUA_MAP_PROPS = ("fua_id", "name", "pop_total", "pop_city", "area_km2", "density_per_km2",
                 "pw_density_per_km2", "share_national", "market_potential")  # fmt: skip
#: Columns of the FUA table in the report (those present), largest FUA first.
FUA_TABLE_COLUMNS = ("fua_id", "name", "pop_total", "pop_city", "pop_commuting", "area_km2",
                     "density_per_km2", "pw_density_per_km2", "n_centres", "n_clusters",
                     "share_national", "market_potential")  # fmt: skip

Layer: TypeAlias = gpd.GeoDataFrame | gpd.GeoSeries


# ---------------------------------------------------------------- display projection
def display_projection(*layers: Layer | None) -> str:
    """A Lambert azimuthal equal-area projection centred on the layers' extent (for display).

    Parameters
    ----------
    *layers : geopandas.GeoDataFrame or GeoSeries, optional
        Layers with a CRS; ``None`` and empty layers are skipped.

    Returns
    -------
    str
        A PROJ string, ``+proj=laea`` centred (to 0.1°) on the middle of the
        layers' longitude/latitude bounding box. Not for measuring.
    """
    boxes = []
    for g in layers:
        if g is None or len(g) == 0:
            continue
        if g.crs is None:
            msg = "a map layer has no CRS; set it with .set_crs(...)"
            raise DataError(msg)
        to_ll = Transformer.from_crs(g.crs, "EPSG:4326", always_xy=True)
        boxes.append(to_ll.transform_bounds(*g.total_bounds))
    if not boxes:
        msg = "no map layer with features to centre the display projection on; pass display_crs="
        raise DataError(msg)
    b = np.asarray(boxes)
    lon = (b[:, 0].min() + b[:, 2].max()) / 2
    lat = (b[:, 1].min() + b[:, 3].max()) / 2
    return f"+proj=laea +lat_0={lat:.1f} +lon_0={lon:.1f} +datum=WGS84 +units=m +no_defs"


def _to_display(gdf: Layer | None, crs: str) -> Layer | None:
    if gdf is None or len(gdf) == 0:
        return None
    if gdf.crs is None:
        msg = "a map layer has no CRS; set it with .set_crs(...)"
        raise DataError(msg)
    return gdf.to_crs(crs)


def _raster_box(minutes: np.ndarray, transform: Affine, crs: Any) -> gpd.GeoSeries:
    h, w = np.shape(minutes)
    left, top = transform.c, transform.f
    right, bottom = left + w * transform.a, top + h * transform.e
    return gpd.GeoSeries([shapely.box(left, bottom, right, top)], crs=crs)


def _display_raster(
    minutes: np.ndarray, transform: Affine, crs: Any, dst: str, cell_m: float = 2000.0
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Reproject a minutes raster to the display projection ``dst`` (minimum of each block)."""
    import rasterio.warp
    from rasterio.crs import CRS as RioCRS

    src = np.asarray(minutes, dtype="float32")
    h, w = src.shape
    left, top = transform.c, transform.f
    right, bottom = left + w * transform.a, top + h * transform.e
    dst_crs = RioCRS.from_user_input(dst)
    src_crs = RioCRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    dst_t, dw, dh = rasterio.warp.calculate_default_transform(
        src_crs, dst_crs, w, h, left=left, bottom=bottom, right=right, top=top, resolution=cell_m
    )
    out = np.full((dh, dw), np.nan, dtype="float32")
    rasterio.warp.reproject(
        src, out, src_transform=transform, src_crs=src_crs, dst_transform=dst_t,
        dst_crs=dst_crs, resampling=rasterio.warp.Resampling.min, src_nodata=np.nan,
        dst_nodata=np.nan,
    )  # fmt: skip
    ext = (dst_t.c, dst_t.c + dw * dst_t.a, dst_t.f + dh * dst_t.e, dst_t.f)
    return out, ext


# ---------------------------------------------------------------- PNG maps
def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def _finish(fig: Any, ax: Any, path: Path, title: str) -> Path:
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return _save(fig, path)


def plot_fua_map(
    path: str | os.PathLike[str],
    fuas: gpd.GeoDataFrame,
    *,
    points: gpd.GeoDataFrame | None = None,
    points_label: str = "points",
    corridors: gpd.GeoDataFrame | None = None,
    borders: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoSeries | None = None,
    title: str = "Functional urban areas",
    label_col: str = "name",
    display_crs: str | None = None,
) -> Path:
    """FUA polygons with points (stars), corridors (lines) and border crossings (triangles).

    Parameters
    ----------
    path : path-like
        Output ``.png``.
    fuas : geopandas.GeoDataFrame
        FUA polygons (any CRS); labelled by ``label_col`` when present.
    points, corridors, borders : geopandas.GeoDataFrame, optional
        Points of interest (e.g. special economic zones), lines and points
        drawn on top.
    points_label : str
        Legend entry of ``points``.
    outline : geopandas.GeoSeries, optional
        The country outline.
    title : str
        Map title (say here if inputs are modelled or proxies).
    label_col : str
        FUA column of the labels.
    display_crs : str, optional
        Display projection (default: :func:`display_projection` of the layers).

    Returns
    -------
    pathlib.Path
    """
    target = with_suffix(path, "map output", ".png")
    crs = display_crs or display_projection(outline, fuas, points, corridors, borders)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 6.2))
    o = _to_display(outline, crs)
    if o is not None:
        o.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#888", linewidth=0.8)
    f = _to_display(fuas, crs)
    if f is not None:
        colours = [FUA_COLOURS[i % len(FUA_COLOURS)] for i in range(len(f))]
        f.plot(ax=ax, color=colours, alpha=0.55, edgecolor="#333", linewidth=0.3)
        if label_col in f.columns:
            for (_, r), pt in zip(f.iterrows(), f.geometry.representative_point(), strict=True):
                ax.annotate(str(r[label_col]), (pt.x, pt.y), fontsize=6.5, ha="center",
                            xytext=(0, 6), textcoords="offset points")  # fmt: skip
    c = _to_display(corridors, crs)
    if c is not None:
        c.plot(ax=ax, color="#b2182b", linewidth=1.4, linestyle="--", label="corridors")
    b = _to_display(borders, crs)
    if b is not None:
        b.plot(ax=ax, color="#444", marker="^", markersize=18, label="border crossings")
    s = _to_display(points, crs)
    if s is not None:
        s.plot(ax=ax, color="#ffd400", edgecolor="#000", marker="*", markersize=140,
               linewidth=0.6, label=points_label, zorder=5)  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=7, frameon=True)
    return _finish(fig, ax, target, title)


def plot_minutes_map(
    path: str | os.PathLike[str],
    minutes: np.ndarray,
    *,
    transform: Affine,
    crs: Any,
    points: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoSeries | None = None,
    title: str = "Minutes to the nearest destination",
    display_crs: str | None = None,
) -> Path:
    """A minutes raster (NaN = no value) in classes 0–30–60–120–240–480–960 min, with points.

    Parameters
    ----------
    minutes : numpy.ndarray
        2-D minutes on the grid of ``transform`` and ``crs`` (georeferencing).
    points : geopandas.GeoDataFrame, optional
        Points drawn as white stars (e.g. the destinations).
    path, outline, title
        As in :func:`plot_fua_map`.
    display_crs : str, optional
        Display projection (default: :func:`display_projection` of the raster's extent).

    Returns
    -------
    pathlib.Path
    """
    target = with_suffix(path, "map output", ".png")
    arr = np.asarray(minutes)
    if arr.ndim != 2:
        msg = f"minutes must be a 2-D array, got shape {arr.shape}"
        raise DataError(msg)
    dst = display_crs or display_projection(_raster_box(arr, transform, crs))
    plt = _plt()
    disp, ext = _display_raster(arr, transform, crs, dst)
    cmap, norm = minutes_colormap()
    fig, ax = plt.subplots(figsize=(10, 6.2))
    im = ax.imshow(np.ma.masked_invalid(disp), extent=ext, cmap=cmap, norm=norm,
                   interpolation="nearest")  # fmt: skip
    o = _to_display(outline, dst)
    if o is not None:
        o.plot(ax=ax, facecolor="none", edgecolor="#555", linewidth=0.8)
    s = _to_display(points, dst)
    if s is not None:
        s.plot(ax=ax, color="#ffffff", edgecolor="#000", marker="*", markersize=120, zorder=5)
    cb = fig.colorbar(im, ax=ax, shrink=0.7, extend="max")
    cb.set_label("minutes")
    return _finish(fig, ax, target, title)


def plot_rank_size(
    path: str | os.PathLike[str],
    sizes: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str = "Rank-size of FUA populations",
) -> Path:
    """Log-log rank-size plot, one series per label, with the OLS (rank − ½) fit line.

    Notes
    -----
    The fit is :func:`fua.metrics.zipf_ols`: ln(i − ½) = a − b ln x_(i)
    (Gabaix & Ibragimov 2011); drawn for series of 3 sizes or more.
    """
    target = with_suffix(path, "map output", ".png")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    for k, (label, vals) in enumerate(sizes.items()):
        x = np.sort(np.asarray(vals, dtype="float64"))[::-1]
        x = x[x > 0]
        if x.size == 0:
            continue
        r = np.arange(1, x.size + 1)
        col = FUA_COLOURS[k % len(FUA_COLOURS)]
        txt = label
        if x.size >= 3:
            fit = zipf_ols(x)
            xx = np.geomspace(x.min(), x.max(), 20)
            ax.plot(xx, np.exp(fit.intercept) * xx ** (-fit.exponent) + 0.5, color=col, lw=1)
            txt = f"{label}: b = {fit.exponent:.2f} ± {fit.se:.2f} (n = {fit.n})"
        ax.scatter(x, r, s=22, color=col, label=txt, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("FUA population")
    ax.set_ylabel("rank")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return _save(fig, target)


# ---------------------------------------------------------------- report parts
@dataclass(frozen=True)
class MapLayer:
    """A vector layer of the report's interactive map.

    Attributes
    ----------
    name : str
        Short id (the layer toggle and the JSON key).
    title : str
        Shown beside the layer toggle.
    data : geopandas.GeoDataFrame or GeoSeries or None
        Features in any CRS; the layer is left out when None or empty.
    props : sequence of str
        Columns shown on hover (those present), formatted by :func:`format_value`.
    style : mapping
        SVG presentation attributes (``fill``, ``stroke``, ``stroke-width`` …).
    simplify_m : float
        Simplification tolerance in display metres (0 = none).
    radius : float, optional
        Circle radius in pixels (point layers).
    colour_by_row : bool
        Fill each feature with the next colour of a 10-colour palette.
    hidden : bool
        Drawn but switched off at first; hidden layers do not set the first view.
    """

    name: str
    title: str
    data: Layer | None
    props: Sequence[str] = ()
    style: Mapping[str, Any] = field(default_factory=dict)
    simplify_m: float = 0.0
    radius: float | None = None
    colour_by_row: bool = False
    hidden: bool = False


@dataclass(frozen=True, eq=False)
class MinutesLayer:
    """A minutes raster shown as a toggleable image layer (classes of :data:`connectivity.qgis.MINUTE_STOPS`).

    Attributes
    ----------
    minutes : numpy.ndarray
        2-D minutes (NaN = no value).
    transform, crs
        Its georeferencing.
    title : str
        Shown beside the layer toggle.
    name : str
        Short id.
    """

    minutes: np.ndarray
    transform: Affine
    crs: Any
    title: str = "minutes (raster)"
    name: str = "minutes"


@dataclass(frozen=True, eq=False)
class ReportTable:
    """A table section of the report: heading, sortable table and an optional caption."""

    heading: str
    table: pd.DataFrame
    caption: str | None = None


def format_value(v: Any) -> str:
    """A value as the report shows it: thousands separators, 3 significant digits, – for NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        a = abs(float(v))
        if a >= 1000:
            return f"{float(v):,.0f}"
        if a >= 10:
            return f"{float(v):.1f}"
        return f"{float(v):.3g}"
    return str(v)


def fua_layer(fuas: gpd.GeoDataFrame, title: str) -> MapLayer:
    """The FUA polygons of a run as a map layer (one colour per FUA, :data:`FUA_MAP_PROPS`)."""
    return MapLayer("fuas", title, fuas, props=FUA_MAP_PROPS,
                    style={"fill-opacity": 0.5, "stroke": "#222", "stroke-width": 0.8},
                    simplify_m=1500, colour_by_row=True)  # fmt: skip


def fua_table(fuas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The FUA table of a run: :data:`FUA_TABLE_COLUMNS` (those present), largest first."""
    tab = pd.DataFrame(fuas.drop(columns="geometry"))
    tab = tab[[c for c in FUA_TABLE_COLUMNS if c in tab.columns]]
    return tab.sort_values("pop_total", ascending=False)


# ---------------------------------------------------------------- HTML pieces
def _table_html(df: pd.DataFrame, *, caption: str | None = None) -> str:
    cols = list(df.columns)
    head = "".join(
        f'<th class="{"t" if not pd.api.types.is_numeric_dtype(df[c]) else ""}">{html.escape(str(c))}</th>'
        for c in cols
    )
    rows = []
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            num = pd.api.types.is_numeric_dtype(df[c]) and not isinstance(v, (bool, np.bool_))
            sort_v = "" if v is None or (isinstance(v, float) and math.isnan(v)) else v
            cells.append(
                f'<td class="{"" if num else "t"}" data-v="{html.escape(str(sort_v))}">'
                f"{html.escape(format_value(v))}</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<p class="note">{html.escape(caption)}</p>' if caption else ""
    return (
        f'{cap}<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _round_coords(geojson: dict[str, Any], nd: int = 1) -> dict[str, Any]:
    def r(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), nd), round(float(c[1]), nd)]
        return [r(x) for x in c]

    return {"type": geojson["type"], "coordinates": r(geojson["coordinates"])}


def _vector_json(layer: MapLayer, d: gpd.GeoDataFrame) -> dict[str, Any]:
    """A vector layer (already in the display CRS) as the map script's JSON (km coordinates)."""
    style = dict(layer.style)
    geoms = d.geometry
    if layer.simplify_m > 0:
        geoms = geoms.simplify(layer.simplify_m, preserve_topology=True)
    geoms = geoms.scale(1e-3, 1e-3, origin=(0, 0))  # metres -> km for compact JSON
    feats = []
    for i, (idx, g) in enumerate(zip(d.index, geoms, strict=True)):
        if g is None or g.is_empty:
            continue
        pr = {c: format_value(d.at[idx, c]) for c in layer.props if c in d.columns}
        f: dict[str, Any] = {"geometry": _round_coords(g.__geo_interface__, 2), "properties": pr}
        if layer.colour_by_row:
            f["style"] = {**style, "fill": FUA_COLOURS[i % len(FUA_COLOURS)]}
        feats.append(f)
    out: dict[str, Any] = {"name": layer.name, "title": layer.title, "style": style,
                           "features": feats}  # fmt: skip
    if layer.radius is not None:
        out["radius"] = layer.radius
    if layer.hidden:
        out["hidden"] = True
    return out


def _image_json(layer: MinutesLayer, crs: str) -> dict[str, Any]:
    plt = _plt()
    disp, ext = _display_raster(layer.minutes, layer.transform, layer.crs, crs, cell_m=4000.0)
    cmap, norm = minutes_colormap()
    rgba = cmap(norm(np.ma.masked_invalid(disp)))
    rgba[..., 3] = np.where(np.isfinite(disp), 1.0, 0.0)
    buf = io.BytesIO()
    plt.imsave(buf, rgba, format="png")
    href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return {
        "name": layer.name,
        "title": layer.title,
        "kind": "image",
        "extent": [ext[0] / 1e3, ext[2] / 1e3, ext[1] / 1e3, ext[3] / 1e3],
        "href": href,
        "opacity": 0.75,
        "hidden": True,
    }


def _map_json(layers: Sequence[MapLayer | MinutesLayer], crs: str | None) -> str:
    """The embedded map data: layers in drawing order, first view on the visible vector layers."""
    vectors = [x for x in layers if isinstance(x, MapLayer)]
    crs = crs or display_projection(*(x.data for x in vectors))
    lay: list[dict[str, Any]] = []
    frame: list[np.ndarray] = []
    for x in layers:
        if isinstance(x, MinutesLayer):
            lay.append(_image_json(x, crs))
            continue
        d = _to_display(x.data, crs)
        if d is None:
            continue
        if isinstance(d, gpd.GeoSeries):
            d = d.to_frame("geometry")
        lay.append(_vector_json(x, d))
        if not x.hidden:
            frame.append(d.total_bounds / 1e3)
    if not frame:
        msg = "the report map has no visible vector layer with features"
        raise DataError(msg)
    b = np.array(frame)
    bounds = [float(b[:, 0].min()) - 50, float(b[:, 1].min()) - 50,
              float(b[:, 2].max()) + 50, float(b[:, 3].max()) + 50]  # fmt: skip
    text = json.dumps({"bounds": bounds, "layers": lay}, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")


def _input_tag(inputs: Mapping[str, Any]) -> str:
    modelled = bool(inputs.get("population_modelled"))
    proxy = bool(inputs.get("roads_proxy"))
    roads = str(inputs.get("roads_tag") or "PROXY roads")  # e.g. "OSM trunk + PROXY access roads"
    parts = ("MODELLED population" if modelled else "", roads if proxy else "")
    return " — ".join(x for x in parts if x)


def _banner(inputs: Mapping[str, Any], notes: Sequence[str]) -> str:
    esc = html.escape
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return (
        f'<div class="banner" id="banner">Inputs: {esc(str(inputs.get("population")))}; '
        f"{esc(str(inputs.get('roads')))}<ul>{items}</ul></div>"
    )


def _figures(images: Mapping[str, str | os.PathLike[str]], tag: str) -> str:
    esc = html.escape
    out = ""
    for cap, p in images.items():
        uri = "data:image/png;base64," + base64.b64encode(Path(p).read_bytes()).decode("ascii")
        out += (
            f'<figure><img alt="{esc(cap)}" src="{uri}">'
            f"<figcaption>{esc(cap)}{' — ' + esc(tag) if tag else ''}</figcaption></figure>"
        )
    return out


def _legend(entries: Sequence[tuple[str, str]]) -> str:
    return "\n".join(
        f'<span class="sw" style="background:{html.escape(colour)}{";margin-left:8px" if i else ""}">'
        f"</span>{html.escape(label)}"
        for i, (colour, label) in enumerate(entries)
    )


def _page(title: str, tag: str, banner: str, kpis: str, mapdata: str, legend: str,
          figs: str, sections: str) -> str:  # fmt: skip
    esc = html.escape
    shown = esc(tag) or "observed inputs"
    map_title = f"Interactive map{' — ' + tag if tag else ''}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{CSS}</style></head>
<body data-tables="0">
<header><h1>{esc(title)}</h1><p>{shown} · fua-toolkit</p></header>
{banner}
<main>
<section><h2>Summary</h2><div class="kpis">{kpis}</div></section>
<section><h2>{esc(map_title)}</h2>
<div id="mapwrap"><svg id="map" data-rendered="false" data-features="0"
 xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet"
 role="img" aria-label="{esc(map_title)}"></svg>
<div class="tools"><button id="zin" title="zoom in">+</button><button id="zout" title="zoom out">−</button>
<button id="zreset" title="reset view">⟲</button></div>
<div id="layers"><b>Layers</b></div>
<div id="legend">{legend}</div>
<div id="maptitle">{shown} · drag to pan, wheel to zoom, hover for details</div>
<div id="tip"></div></div>
<script type="application/json" id="mapdata">{mapdata}</script>
</section>
<section><h2>Maps</h2>{figs}</section>
{sections}
</main>
<script>{JS}</script>
</body></html>
"""


def write_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    inputs: Mapping[str, Any],
    notes: Sequence[str],
    kpis: Sequence[tuple[str, str]],
    layers: Sequence[MapLayer | MinutesLayer],
    tables: Sequence[ReportTable],
    legend: Sequence[tuple[str, str]] = (),
    images: Mapping[str, str | os.PathLike[str]] | None = None,
    display_crs: str | None = None,
) -> Path:
    """Write a self-contained HTML report (no network needed to open it).

    Parameters
    ----------
    path : path-like
        Output ``.html``.
    title : str
    inputs : mapping
        ``population``/``roads`` labels and ``population_modelled``/``roads_proxy``
        flags: a banner says when inputs are modelled or proxies.
    notes : sequence of str
        Caveats shown in the banner.
    kpis : sequence of (value, label)
        Headline numbers, already formatted (see :func:`format_value`).
    layers : sequence of MapLayer or MinutesLayer
        Map layers in drawing order (first = bottom).
    tables : sequence of ReportTable
        Table sections, in page order.
    legend : sequence of (colour, label), optional
        Entries of the map legend.
    images : mapping of caption to PNG path, optional
        Embedded as data URIs.
    display_crs : str, optional
        Display projection of the map (default: :func:`display_projection` of the
        vector layers).

    Returns
    -------
    pathlib.Path

    Notes
    -----
    The map is an SVG drawn in the browser from JSON embedded in the page
    (coordinates in km of the display projection; the first view frames the
    visible vector layers with a 50 km margin) by the script in
    :mod:`fua.outputs._report_html`; it needs no tile server, CDN or web
    font. After drawing it sets ``data-rendered="true"`` and
    ``data-features`` on ``<svg id="map">``.
    """
    target = with_suffix(path, "report output", ".html", ".htm")
    esc = html.escape
    tag = _input_tag(inputs)
    kpi_html = "".join(
        f'<div class="kpi"><b>{esc(a)}</b><span>{esc(b)}</span></div>' for a, b in kpis
    )
    sections = "\n".join(
        f"<section><h2>{esc(t.heading)}</h2>\n{_table_html(t.table, caption=t.caption)}</section>"
        for t in tables
    )
    body = _page(title, tag, _banner(inputs, notes), kpi_html, _map_json(layers, display_crs),
                 _legend(legend), _figures(images or {}, tag), sections)  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    log.info("wrote the HTML report %s (%.0f kB)", target, target.stat().st_size / 1e3)
    return target
