"""Notebook conveniences that every result of the toolkit shares.

The methods ``_repr_html_``, ``plot``, ``to_xarray`` and ``explore`` of
:class:`~connectivity.RoadNetwork`, :class:`~connectivity.TravelTimeGrid`,
:class:`fua.PopulationGrid`, :class:`fua.DegurbaResult` and
:class:`fua.FuaResult` are one-liners over these helpers:

* :func:`summary_html` — the compact table a notebook shows for a result;
* :func:`crs_label` — a CRS in a few words (``ESRI:54009 World_Mollweide``);
* :func:`grid_to_xarray` — a georeferenced ``xarray.DataArray`` through
  rioxarray (extra ``[xarray]``);
* :func:`minutes_colormap`, :func:`plot_minutes` — travel-time grids in the
  classes of :data:`connectivity.qgis.MINUTE_STOPS` (as on the PNG maps and
  in QGIS);
* :func:`plot_classes` — a class grid with its legend colours;
* :class:`ExploreLayer`, :func:`explore_layers` — an interactive folium map
  of vector layers in their QGIS colours (extra ``[explore]``).

Nothing here computes more than one pass over an array; plots draw the grid
in its own CRS (no reprojection).
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from affine import Affine

from connectivity.errors import ParameterError
from connectivity.qgis import MINUTE_STOPS, LayerStyle, named_crs

__all__ = [
    "ExploreLayer",
    "crs_label",
    "explore_layers",
    "folium_style",
    "grid_to_xarray",
    "minutes_colormap",
    "network_html",
    "optional_module",
    "plot_classes",
    "plot_minutes",
    "summary_html",
]

RGBA = tuple[int, int, int, int]


def optional_module(name: str, extra: str, what: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        msg = f"{what} needs {name}: pip install 'fua-toolkit[{extra}]'"
        raise ImportError(msg) from exc


# ---------------------------------------------------------------- HTML summaries
def _fmt(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not np.isfinite(v):
            return "–"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return "–" if value is None else str(value)


def summary_html(title: str, rows: Sequence[tuple[str, Any]]) -> str:
    """A compact two-column HTML table (the ``_repr_html_`` of a result).

    Parameters
    ----------
    title : str
        Bold heading (the class name).
    rows : sequence of (label, value)
        Values are formatted (thousands separators, 4 significant digits,
        "–" for None/NaN) and escaped.

    Returns
    -------
    str
    """
    cell = "padding:1px 10px 1px 0;text-align:left;vertical-align:top"
    body = "".join(
        f'<tr><th style="{cell};font-weight:normal;color:#555">{html.escape(str(k))}</th>'
        f'<td style="{cell}">{html.escape(_fmt(v))}</td></tr>'
        for k, v in rows
    )
    return (
        f'<div class="fua-toolkit-summary"><strong>{html.escape(title)}</strong>'
        f'<table style="border-collapse:collapse;margin-top:2px">{body}</table></div>'
    )


def crs_label(crs: Any) -> str:
    """A CRS in a few words: its authority code and name (``ESRI:54009 World_Mollweide``)."""
    c = named_crs(crs)
    auth = c.to_authority(min_confidence=100)
    return f"{':'.join(auth)} {c.name}" if auth else c.name


# ---------------------------------------------------------------- xarray
def grid_to_xarray(
    array: np.ndarray,
    transform: Affine,
    crs: Any,
    *,
    name: str,
    nodata: float | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Any:
    """A 2-D grid as a georeferenced ``xarray.DataArray`` (rioxarray's ``.rio`` accessor).

    Parameters
    ----------
    array : numpy.ndarray
        2-D values (rows, cols); wrapped, not copied.
    transform : affine.Affine
        North-up transform of the upper-left corner.
    crs : CRS-like
        The grid's CRS (written as a named CRS).
    name : str
        Name of the array.
    nodata : float, optional
        Value of cells without data (``da.rio.nodata``).
    attrs : mapping, optional
        Attributes (units, legends).

    Returns
    -------
    xarray.DataArray
        Dims ``("y", "x")`` with cell-centre coordinates; ``da.rio.crs``,
        ``da.rio.transform()`` and ``da.rio.to_raster(path)`` work.

    Raises
    ------
    ImportError
        xarray or rioxarray is missing (``pip install 'fua-toolkit[xarray]'``).
    """
    xr = optional_module("xarray", "xarray", "to_xarray()")
    optional_module("rioxarray", "xarray", "to_xarray()")  # registers the .rio accessor
    arr = np.asarray(array)
    if arr.ndim != 2:
        msg = f"a grid must be 2-D, got shape {arr.shape}"
        raise ParameterError(msg)
    if transform.b or transform.d:
        msg = "to_xarray() needs a north-up grid (a transform without rotation)"
        raise ParameterError(msg)
    rows, cols = arr.shape
    x = transform.c + transform.a * (np.arange(cols) + 0.5)
    y = transform.f + transform.e * (np.arange(rows) + 0.5)
    da = xr.DataArray(
        arr, dims=("y", "x"), coords={"y": y, "x": x}, name=name, attrs=dict(attrs or {})
    )
    da = da.rio.write_crs(named_crs(crs).to_wkt()).rio.write_transform(transform)
    if nodata is not None:
        da = da.rio.write_nodata(nodata, encoded=False)
    return da


# ---------------------------------------------------------------- plots
def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _extent(shape: tuple[int, ...], transform: Affine) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of a grid, for ``imshow(extent=...)``."""
    rows, cols = shape[:2]
    return (transform.c, transform.c + cols * transform.a, transform.f + rows * transform.e,
            transform.f)  # fmt: skip


def _axes(ax: Any, figsize: tuple[float, float] = (8, 6)) -> Any:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize)
    return ax


def minutes_colormap() -> tuple[Any, Any]:
    """The matplotlib colormap and norm of :data:`~connectivity.qgis.MINUTE_STOPS`.

    A value in (break, next break] takes the next break's colour; values
    above the last break take its colour; NaN is transparent.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    bounds = [s[0] for s in MINUTE_STOPS]
    cmap = ListedColormap([s[1] for s in MINUTE_STOPS[1:]]).with_extremes(
        over=MINUTE_STOPS[-1][1], bad=(0, 0, 0, 0)
    )
    return cmap, BoundaryNorm(bounds, cmap.N)


def plot_minutes(
    minutes: np.ndarray, transform: Affine, *, ax: Any = None, title: str | None = None
) -> Any:
    """Draw a travel-time grid (minutes, NaN = none) in the minute classes, with a colour bar.

    Returns
    -------
    matplotlib.axes.Axes
    """
    arr = np.asarray(minutes)
    ax = _axes(ax)
    cmap, norm = minutes_colormap()
    im = ax.imshow(np.ma.masked_invalid(arr), extent=_extent(arr.shape, transform), cmap=cmap,
                   norm=norm, interpolation="nearest")  # fmt: skip
    ax.figure.colorbar(im, ax=ax, shrink=0.75, extend="max", label="minutes")
    ax.set_title(title or "Minutes to the nearest destination", fontsize=10)
    ax.set_aspect("equal")
    return ax


def plot_classes(
    classes: np.ndarray,
    transform: Affine,
    legend: Sequence[tuple[int, Sequence[int], str]],
    *,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Draw a class grid in its legend colours, with a legend of the classes present.

    Parameters
    ----------
    classes : numpy.ndarray
        2-D non-negative integer codes; codes not in ``legend`` (0 = no data)
        are left blank.
    transform : affine.Affine
        The grid's transform (axes are in its CRS).
    legend : sequence of (code, (r, g, b, a), label)
        E.g. :data:`fua.outputs.styles.SMOD_LEVEL2`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    arr = np.asarray(classes)
    codes = np.array([int(e[0]) for e in legend])
    lut = np.full(max(int(arr.max(initial=0)), int(codes.max(initial=0))) + 1, -1, dtype=np.int16)
    lut[codes] = np.arange(codes.size)
    idx = lut[np.clip(arr, 0, lut.size - 1)]
    colours = [(e[1][0] / 255, e[1][1] / 255, e[1][2] / 255, e[1][3] / 255) for e in legend]
    cmap = ListedColormap(colours)
    ax = _axes(ax)
    ax.imshow(np.ma.masked_less(idx, 0), extent=_extent(arr.shape, transform), cmap=cmap,
              norm=BoundaryNorm(np.arange(-0.5, codes.size), cmap.N), interpolation="nearest")  # fmt: skip
    present = np.bincount(idx[idx >= 0].ravel(), minlength=codes.size) > 0
    handles = [Patch(facecolor=colours[i], label=f"{codes[i]} {legend[i][2]}")
               for i in map(int, np.flatnonzero(present))]  # fmt: skip
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="lower left", framealpha=0.9)
    ax.set_title(title or "Classes", fontsize=10)
    ax.set_aspect("equal")
    return ax


# ---------------------------------------------------------------- interactive maps
@dataclass(frozen=True, eq=False)
class ExploreLayer:
    """A vector layer on an interactive map: name, data, style and tooltip columns."""

    name: str
    data: Any
    style: LayerStyle
    tooltip: Sequence[str] = ()


def _hex(c: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in c[:3]))


def folium_style(style: LayerStyle) -> dict[str, Any]:
    """``style_kwds`` for :meth:`geopandas.GeoDataFrame.explore` from a QGIS layer style."""
    if style.kind == "line":
        out = {"color": _hex(style.colour), "opacity": style.colour[3] / 255,
               "weight": max(1.0, style.width_mm * 3)}  # fmt: skip
        return out | ({"dashArray": "6 4"} if style.dashed else {})
    return {
        "fillColor": _hex(style.colour), "fillOpacity": style.colour[3] / 255,
        "color": _hex(style.outline), "opacity": style.outline[3] / 255,
        "weight": max(0.5, style.width_mm * 3),
    }  # fmt: skip


def explore_layers(
    layers: Sequence[ExploreLayer], *, m: Any = None, tiles: str = "OpenStreetMap"
) -> Any:
    """An interactive folium map of vector layers, each in its style, with a layer switch.

    Parameters
    ----------
    layers : sequence of ExploreLayer
        Drawn in order (the last on top); empty layers are skipped.
    m : folium.Map, optional
        A map to add to (default: a new one).
    tiles : str
        Background tiles of a new map (referenced by URL in the page; nothing
        is downloaded while the map is built).

    Returns
    -------
    folium.Map

    Raises
    ------
    ImportError
        folium is missing (``pip install 'fua-toolkit[explore]'``).
    """
    folium = optional_module("folium", "explore", "explore()")
    for layer in layers:
        gdf = layer.data
        if gdf is None or len(gdf) == 0:
            continue
        cols = [c for c in layer.tooltip if c in gdf.columns]
        kw: dict[str, Any] = {"style_kwds": folium_style(layer.style)}
        if layer.style.kind == "marker":
            kw["marker_kwds"] = {"radius": max(3.0, layer.style.size_mm * 2)}
        m = gdf[[*cols, gdf.geometry.name]].explore(
            m=m, name=layer.name, tooltip=cols or False, tiles=tiles, **kw
        )
    if m is None:
        msg = "nothing to map: every layer is empty"
        raise ParameterError(msg)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def network_html(net: Any) -> str:
    """The notebook summary of a :class:`~connectivity.RoadNetwork`."""
    names = net.class_names
    return summary_html("RoadNetwork", [
        ("nodes", net.n_nodes),
        ("directed edges", net.n_edges),
        ("road classes", ", ".join(names[:6]) + (f" … ({len(names)})" if len(names) > 6 else "")),
        ("CRS", crs_label(net.crs)),
        ("built by", net.meta.get("builder")),
        ("memory (MB)", net.memory_bytes() / 1e6),
    ])  # fmt: skip
