"""Notebook views of a :class:`fua.FuaResult` (the generic helpers are :mod:`connectivity.notebook`).

* :func:`fua_result_html` — the compact table a notebook shows for the result;
* :func:`explore_fuas` — commuting zones, cities and FUAs on an interactive
  folium map, in the colours of their QGIS styles (extra ``[explore]``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

import geopandas as gpd

from connectivity.notebook import ExploreLayer, crs_label, explore_layers, summary_html
from fua.fuas.params import FuaParams
from fua.outputs.styles import LAYER_STYLES

__all__ = ["FuaLayers", "explore_fuas", "fua_result_html"]


class FuaLayers(Protocol):
    """What these views read of a :class:`fua.FuaResult` (which imports this module)."""

    @property
    def fua(self) -> gpd.GeoDataFrame: ...
    @property
    def fua_city(self) -> gpd.GeoDataFrame: ...
    @property
    def fua_commuting_zone(self) -> gpd.GeoDataFrame: ...
    @property
    def units(self) -> gpd.GeoDataFrame: ...
    @property
    def method(self) -> str: ...
    @property
    def params(self) -> FuaParams: ...
    @property
    def meta(self) -> dict[str, Any]: ...
    @property
    def n_fuas(self) -> int: ...


#: Columns shown on hover over a FUA (those present).
FUA_TOOLTIP = ("fua_id", "name", "pop_total", "pop_city", "pop_commuting", "area_km2")


def fua_result_html(res: FuaLayers) -> str:
    """The ``_repr_html_`` of a :class:`~fua.FuaResult`: method, counts, people, largest FUA."""
    fua = res.fua
    largest = "–"
    if len(fua):
        top = fua.loc[fua["pop_total"].idxmax()]
        largest = f"{top['name']} ({top['pop_total']:,.0f} people)"
    rows: list[tuple[str, Any]] = [
        ("method", res.method),
        ("FUAs", res.n_fuas),
        ("people in FUAs", float(fua["pop_total"].sum()) if len(fua) else 0.0),
        ("largest FUA", largest),
        ("smallest centre with a FUA", res.params.min_centre_pop),
        ("units", len(res.units)),
        ("CRS", crs_label(fua.crs) if fua.crs is not None else "–"),
    ]
    if "threshold" in res.meta:
        rows.append(("model threshold", res.meta["threshold"]))
    return summary_html("FuaResult", rows)


def explore_fuas(res: FuaLayers, m: Any = None) -> Any:
    """Commuting zones, cities and FUA outlines (with their numbers on hover) on a folium map.

    Parameters
    ----------
    res : FuaResult
        (any object with its layers, :class:`FuaLayers`)
    m : folium.Map, optional
        A map to add the layers to.

    Returns
    -------
    folium.Map
    """
    outline = replace(LAYER_STYLES["fua"], colour=(0, 0, 0, 1))  # hover anywhere inside
    layers = [
        ExploreLayer("commuting zones", res.fua_commuting_zone, LAYER_STYLES["fua_commuting_zone"]),
        ExploreLayer("cities", res.fua_city, LAYER_STYLES["fua_city"]),
        ExploreLayer("FUAs", res.fua, outline, FUA_TOOLTIP),
    ]
    return explore_layers(layers, m=m)
