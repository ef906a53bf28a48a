"""Maps and a self-contained HTML report of a FUA / accessibility run.

* :func:`plot_fua_map` — FUAs with SEZs, corridors and border crossings (PNG);
* :func:`plot_minutes_map` — a travel-time raster (minutes) with SEZs (PNG);
* :func:`plot_rank_size` — rank-size plot of FUA populations (PNG, log-log);
* :func:`write_report` — one HTML file that works offline: an interactive
  map (inline SVG drawn by a small embedded script: pan, zoom, hover, layer
  toggles), the PNG maps embedded as data URIs, and the tables;
* :func:`write_minutes_qml` — a QGIS pseudocolour style for minute rasters.

Maps are drawn with matplotlib's Agg backend (no display needed) in a
Lambert azimuthal equal-area projection centred on Kazakhstan
(:data:`DISPLAY_CRS`), used for display only, never for measuring.
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
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import DataError, ParameterError

__all__ = [
    "DISPLAY_CRS",
    "plot_fua_map",
    "plot_minutes_map",
    "plot_rank_size",
    "write_minutes_qml",
    "write_report",
]

log = logging.getLogger(__name__)

#: Display projection of the maps: Lambert azimuthal equal-area centred on Kazakhstan.
DISPLAY_CRS = "+proj=laea +lat_0=48 +lon_0=67 +datum=WGS84 +units=m +no_defs"

_MINUTE_STOPS = ((0, "#1a9850"), (30, "#66bd63"), (60, "#d9ef8b"), (120, "#fee08b"),
                 (240, "#fc8d59"), (480, "#d73027"), (960, "#7f0000"))  # fmt: skip
_FUA_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _check_png(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.suffix.lower() != ".png":
        msg = f"map output {p} must end in .png"
        raise ParameterError(msg)
    return p


def _to_display(gdf: gpd.GeoDataFrame | gpd.GeoSeries | None) -> Any:
    if gdf is None or len(gdf) == 0:
        return None
    if gdf.crs is None:
        msg = "a map layer has no CRS; set it with .set_crs(...)"
        raise DataError(msg)
    return gdf.to_crs(DISPLAY_CRS)


def _minutes_cmap() -> tuple[Any, Any]:
    from matplotlib.colors import BoundaryNorm, ListedColormap

    bounds = [s[0] for s in _MINUTE_STOPS]
    cmap = ListedColormap([s[1] for s in _MINUTE_STOPS[1:]]).with_extremes(
        over=_MINUTE_STOPS[-1][1], bad=(0, 0, 0, 0)
    )
    return cmap, BoundaryNorm(bounds, cmap.N)


def _finish(fig: Any, ax: Any, path: Path, title: str) -> Path:
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def plot_fua_map(
    path: str | os.PathLike[str],
    fuas: gpd.GeoDataFrame,
    *,
    sez: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    borders: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoSeries | None = None,
    title: str = "Functional urban areas",
    label_col: str = "name",
) -> Path:
    """FUA polygons with SEZs (stars), corridors (lines) and border crossings (triangles).

    Parameters
    ----------
    path : path-like
        Output ``.png``.
    fuas : geopandas.GeoDataFrame
        FUA polygons (any CRS); labelled by ``label_col`` when present.
    sez, corridors, borders : geopandas.GeoDataFrame, optional
        Points, lines and points drawn on top.
    outline : geopandas.GeoSeries, optional
        The country outline.
    title : str
        Map title (say here if inputs are modelled or proxies).

    Returns
    -------
    pathlib.Path
    """
    target = _check_png(path)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 6.2))
    o = _to_display(outline)
    if o is not None:
        o.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#888", linewidth=0.8)
    f = _to_display(fuas)
    if f is not None:
        colours = [_FUA_COLOURS[i % len(_FUA_COLOURS)] for i in range(len(f))]
        f.plot(ax=ax, color=colours, alpha=0.55, edgecolor="#333", linewidth=0.3)
        if label_col in f.columns:
            for (_, r), pt in zip(f.iterrows(), f.geometry.representative_point(), strict=True):
                ax.annotate(str(r[label_col]), (pt.x, pt.y), fontsize=6.5, ha="center",
                            xytext=(0, 6), textcoords="offset points")  # fmt: skip
    c = _to_display(corridors)
    if c is not None:
        c.plot(ax=ax, color="#b2182b", linewidth=1.4, linestyle="--", label="corridors")
    b = _to_display(borders)
    if b is not None:
        b.plot(ax=ax, color="#444", marker="^", markersize=18, label="border crossings")
    s = _to_display(sez)
    if s is not None:
        s.plot(ax=ax, color="#ffd400", edgecolor="#000", marker="*", markersize=140,
               linewidth=0.6, label="SEZs", zorder=5)  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=7, frameon=True)
    return _finish(fig, ax, target, title)


def _display_raster(
    minutes: np.ndarray, transform: Any, crs: Any, cell_m: float = 2000.0
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Reproject a minutes raster to :data:`DISPLAY_CRS` (minimum of each block)."""
    import rasterio.warp
    from rasterio.crs import CRS as RioCRS

    src = np.asarray(minutes, dtype="float32")
    h, w = src.shape
    left, top = transform.c, transform.f
    right, bottom = left + w * transform.a, top + h * transform.e
    dst_crs = RioCRS.from_user_input(DISPLAY_CRS)
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


def plot_minutes_map(
    path: str | os.PathLike[str],
    minutes: np.ndarray,
    *,
    transform: Any,
    crs: Any,
    sez: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoSeries | None = None,
    title: str = "Minutes to the nearest destination",
) -> Path:
    """A minutes raster (NaN = no value) in classes 0–30–60–120–240–480–960 min, with SEZs.

    Returns
    -------
    pathlib.Path
    """
    target = _check_png(path)
    arr = np.asarray(minutes)
    if arr.ndim != 2:
        msg = f"minutes must be a 2-D array, got shape {arr.shape}"
        raise DataError(msg)
    plt = _plt()
    disp, ext = _display_raster(arr, transform, crs)
    cmap, norm = _minutes_cmap()
    fig, ax = plt.subplots(figsize=(10, 6.2))
    im = ax.imshow(np.ma.masked_invalid(disp), extent=ext, cmap=cmap, norm=norm,
                   interpolation="nearest")  # fmt: skip
    o = _to_display(outline)
    if o is not None:
        o.plot(ax=ax, facecolor="none", edgecolor="#555", linewidth=0.8)
    s = _to_display(sez)
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
    from fua.metrics import zipf_ols

    target = _check_png(path)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    for k, (label, vals) in enumerate(sizes.items()):
        x = np.sort(np.asarray(vals, dtype="float64"))[::-1]
        x = x[x > 0]
        if x.size == 0:
            continue
        r = np.arange(1, x.size + 1)
        col = _FUA_COLOURS[k % len(_FUA_COLOURS)]
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
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target


def write_minutes_qml(path: str | os.PathLike[str], *, max_min: float = 960.0) -> Path:
    """QGIS pseudocolour style (``.qml``) for a minutes raster (same stops as the PNG maps)."""
    p = Path(path)
    if p.suffix.lower() != ".qml":
        msg = f"style file {p} must end in .qml"
        raise ParameterError(msg)
    items = "\n".join(
        f'          <item value="{v}" color="{c}" alpha="255" label="{v} min"/>'
        for v, c in _MINUTE_STOPS
        if v <= max_min
    )
    text = f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
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


# ---------------------------------------------------------------- HTML
def _fmt(v: Any) -> str:
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
                f"{html.escape(_fmt(v))}</td>"
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


def _layer_json(
    gdf: gpd.GeoDataFrame | None,
    name: str,
    title: str,
    *,
    props: Sequence[str],
    style: dict[str, Any],
    simplify_m: float = 0.0,
    radius: float | None = None,
    colour_by_row: bool = False,
    hidden: bool = False,
) -> dict[str, Any] | None:
    d = _to_display(gdf)
    if d is None:
        return None
    geoms = d.geometry
    if simplify_m > 0:
        geoms = geoms.simplify(simplify_m, preserve_topology=True)
    geoms = geoms.scale(1e-3, 1e-3, origin=(0, 0))  # metres -> km for compact JSON
    feats = []
    for i, (idx, g) in enumerate(zip(d.index, geoms, strict=True)):
        if g is None or g.is_empty:
            continue
        pr = {c: _fmt(d.at[idx, c]) for c in props if c in d.columns}
        f: dict[str, Any] = {"geometry": _round_coords(g.__geo_interface__, 2), "properties": pr}
        if colour_by_row:
            f["style"] = {**style, "fill": _FUA_COLOURS[i % len(_FUA_COLOURS)]}
        feats.append(f)
    out: dict[str, Any] = {"name": name, "title": title, "style": style, "features": feats}
    if radius is not None:
        out["radius"] = radius
    if hidden:
        out["hidden"] = True
    return out


def _png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _raster_layer(minutes: np.ndarray, transform: Any, crs: Any) -> dict[str, Any]:
    plt = _plt()
    disp, ext = _display_raster(minutes, transform, crs, cell_m=4000.0)
    cmap, norm = _minutes_cmap()
    rgba = cmap(norm(np.ma.masked_invalid(disp)))
    rgba[..., 3] = np.where(np.isfinite(disp), 1.0, 0.0)
    buf = io.BytesIO()
    plt.imsave(buf, rgba, format="png")
    href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return {
        "name": "minutes",
        "title": "minutes to nearest SEZ (raster)",
        "kind": "image",
        "extent": [ext[0] / 1e3, ext[2] / 1e3, ext[1] / 1e3, ext[3] / 1e3],
        "href": href,
        "opacity": 0.75,
        "hidden": True,
    }


def write_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    inputs: Mapping[str, Any],
    notes: Sequence[str],
    summary: Mapping[str, Any],
    fuas: gpd.GeoDataFrame,
    fuas_label: str,
    sez_table: gpd.GeoDataFrame,
    association: pd.DataFrame,
    national: pd.DataFrame,
    access_population: pd.DataFrame,
    corridors: gpd.GeoDataFrame | None = None,
    borders: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoSeries | None = None,
    images: Mapping[str, str | os.PathLike[str]] | None = None,
    minutes: tuple[np.ndarray, Any, Any] | None = None,
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
    summary : mapping
        Headline numbers (``population_total``, ``n_urban_centres``, ``fuas``…).
    fuas, sez_table, association, national, access_population
        The tables (and FUA/SEZ map layers).
    corridors, borders, isochrones, outline : optional
        More map layers.
    images : mapping of caption to PNG path, optional
        Embedded as data URIs.
    minutes : (array, transform, crs), optional
        A minutes raster shown as a toggleable image layer.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    The map is an SVG drawn in the browser from JSON embedded in the page
    (coordinates in km of :data:`DISPLAY_CRS`, polygons simplified to
    ~1.5 km) by the script in :mod:`fua.outputs._report_html`; it needs no tile
    server, CDN or web font. After drawing it sets ``data-rendered="true"``
    and ``data-features`` on ``<svg id="map">``.
    """
    from fua.outputs._report_html import CSS, JS

    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        msg = f"report output {target} must end in .html"
        raise ParameterError(msg)
    modelled = bool(inputs.get("population_modelled"))
    proxy = bool(inputs.get("roads_proxy"))
    tag = " — ".join(
        x for x in ("MODELLED population" if modelled else "", "PROXY roads" if proxy else "") if x
    )
    layers = [
        _layer_json(outline.to_frame("geometry") if outline is not None else None, "outline",
                    "country outline", props=[], style={"fill": "#f4f1ea", "stroke": "#777",
                    "stroke-width": 1}, simplify_m=1000),
        _layer_json(isochrones, "isochrones", "SEZ travel-time bands", props=["from_min", "to_min"],
                    style={"fill": "#3182bd", "fill-opacity": 0.12, "stroke": "#3182bd",
                    "stroke-width": 0.5}, simplify_m=2000, hidden=True),
        _layer_json(fuas, "fuas", f"FUAs ({fuas_label})",
                    props=["fua_id", "name", "pop_total", "pop_city", "area_km2",
                           "density_per_km2", "pw_density_per_km2", "share_national",
                           "market_potential"],
                    style={"fill-opacity": 0.5, "stroke": "#222", "stroke-width": 0.8},
                    simplify_m=1500, colour_by_row=True),
        _layer_json(corridors, "corridors", "international corridors", props=["corridor"],
                    style={"fill": "none", "stroke": "#b2182b", "stroke-width": 2.2,
                           "stroke-dasharray": "6 3"}),
        _layer_json(borders, "borders", "border crossings", props=["name", "country", "road_ref"],
                    style={"fill": "#444", "stroke": "#fff", "stroke-width": 1}, radius=4),
        _layer_json(sez_table, "sez", "special economic zones",
                    props=["name", "host_fua_name", "time_to_host_min", "pop_60min", "pop_120min",
                           "pop_240min", "time_to_corridor_min", "time_to_border_min",
                           "projects", "jobs", "invest_per_state_tenge"],
                    style={"fill": "#ffd400", "stroke": "#000", "stroke-width": 1.2}, radius=7),
    ]  # fmt: skip
    lay = [x for x in layers if x is not None]
    if minutes is not None:
        lay.insert(1, _raster_layer(*minutes))
    allb = np.array(
        [
            b
            for g in (outline, fuas, sez_table)
            if g is not None and len(g)
            for b in [g.to_crs(DISPLAY_CRS).total_bounds / 1e3]
        ]
    )
    bounds = [
        float(allb[:, 0].min()) - 50,
        float(allb[:, 1].min()) - 50,
        float(allb[:, 2].max()) + 50,
        float(allb[:, 3].max()) + 50,
    ]
    mapdata = json.dumps(
        {"bounds": bounds, "layers": lay}, ensure_ascii=False, separators=(",", ":")
    )
    mapdata = mapdata.replace("</", "<\\/")

    esc = html.escape
    banner_items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    banner = (
        f'<div class="banner" id="banner">Inputs: {esc(str(inputs.get("population")))}; '
        f"{esc(str(inputs.get('roads')))}<ul>{banner_items}</ul></div>"
    )
    fk = summary.get("fuas", {}).get(fuas_label, {})
    kpis = [
        (_fmt(summary.get("population_total")), "people on the grid"),
        (_fmt(summary.get("n_urban_centres")), "urban centres"),
        (_fmt(fk.get("n_fuas")), f"FUAs (centres ≥ {fuas_label})"),
        (_fmt(100 * fk["share_in_fuas"]) + " %" if fk.get("share_in_fuas") is not None else "–",
         "of people live in these FUAs"),
    ]  # fmt: skip
    within = summary.get("share_within_max_threshold", {})
    if "SEZ" in within:
        kpis.append(
            (
                f"{100 * within['SEZ']:.0f} %",
                f"of people ≤ {within['threshold_min']:g} min from an SEZ",
            )
        )
    kpi_html = "".join(
        f'<div class="kpi"><b>{esc(a)}</b><span>{esc(b)}</span></div>' for a, b in kpis
    )

    fua_cols = ["fua_id", "name", "pop_total", "pop_city", "pop_commuting", "area_km2",
                "density_per_km2", "pw_density_per_km2", "n_centres", "n_clusters",
                "share_national", "market_potential"]  # fmt: skip
    fua_tab = pd.DataFrame(fuas.drop(columns="geometry"))
    fua_tab = fua_tab[[c for c in fua_cols if c in fua_tab.columns]].sort_values(
        "pop_total", ascending=False
    )
    sez_cols = ["id", "name", "host_fua_name", "host_within", "host_fua_50k", "time_to_host_min",
                "pop_60min", "pop_120min", "pop_240min", "market_potential",
                "time_to_corridor_min", "nearest_corridor", "time_to_border_min",
                "nearest_border", "projects", "jobs", "invest_per_state_tenge"]  # fmt: skip
    sez_tab = pd.DataFrame(sez_table.drop(columns="geometry"))
    if "id" not in sez_tab.columns:
        sez_tab.insert(0, "id", sez_tab.index)
    sez_tab = sez_tab[[c for c in sez_cols if c in sez_tab.columns]]
    n_sez = len(sez_tab)
    assoc_note = association.attrs.get("note", "") or (
        f"Spearman rank correlations, n = {n_sez}: descriptive only, not causal."
    )
    nat = national.reset_index()
    acc = access_population.copy()

    figs = ""
    for cap, p in (images or {}).items():
        figs += (
            f'<figure><img alt="{esc(cap)}" src="{_png_data_uri(Path(p))}">'
            f"<figcaption>{esc(cap)}{' — ' + esc(tag) if tag else ''}</figcaption></figure>"
        )
    map_title = f"Interactive map{' — ' + tag if tag else ''}"
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{CSS}</style></head>
<body data-tables="0">
<header><h1>{esc(title)}</h1><p>{esc(tag) or "observed inputs"} · fua-toolkit</p></header>
{banner}
<main>
<section><h2>Summary</h2><div class="kpis">{kpi_html}</div></section>
<section><h2>{esc(map_title)}</h2>
<div id="mapwrap"><svg id="map" data-rendered="false" data-features="0"
 xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet"
 role="img" aria-label="{esc(map_title)}"></svg>
<div class="tools"><button id="zin" title="zoom in">+</button><button id="zout" title="zoom out">−</button>
<button id="zreset" title="reset view">⟲</button></div>
<div id="layers"><b>Layers</b></div>
<div id="legend"><span class="sw" style="background:#ffd400"></span>SEZ
<span class="sw" style="background:#444;margin-left:8px"></span>border crossing
<span class="sw" style="background:#b2182b;margin-left:8px"></span>corridor</div>
<div id="maptitle">{esc(tag) or "observed inputs"} · drag to pan, wheel to zoom, hover for details</div>
<div id="tip"></div></div>
<script type="application/json" id="mapdata">{mapdata}</script>
</section>
<section><h2>Maps</h2>{figs}</section>
<section><h2>Special economic zones: access beside performance</h2>
{_table_html(sez_tab, caption="Times in minutes on the road network (" + esc(str(inputs.get("roads"))) + "); pop_T = people reachable within T minutes; market potential Σ P/t over FUAs. Performance: Qazindustry, 2002 – mid-2022.")}
</section>
<section><h2>Association of SEZ performance with access (n = {n_sez})</h2>
{_table_html(association, caption=assoc_note)}
</section>
<section><h2>Functional urban areas (urban centres ≥ {esc(fuas_label)})</h2>
{_table_html(fua_tab)}</section>
<section><h2>National metrics</h2>{_table_html(nat)}</section>
<section><h2>Population within reach</h2>{_table_html(acc)}</section>
</main>
<script>{JS}</script>
</body></html>
"""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    log.info("wrote the HTML report %s (%.0f kB)", target, target.stat().st_size / 1e3)
    return target
