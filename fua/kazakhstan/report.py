"""The Kazakhstan report page: SEZ layers, columns and captions on the generic HTML report.

:func:`write_kazakhstan_report` lays out the demo's report with the public
:func:`fua.outputs.report.write_report`: the country outline, the SEZ
travel-time bands and minutes raster, the FUAs, the international corridors,
border crossings and special economic zones on the map; headline numbers; the
SEZ access table (performance as reported by Qazindustry), its rank
correlations, the FUA, national and population-within-reach tables. Maps are
shown in :data:`DISPLAY_CRS`, a projection centred on Kazakhstan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from fua.metrics import NATIONAL_METRICS_DOC
from fua.outputs.report import (
    MapLayer,
    MinutesLayer,
    ReportTable,
    format_value,
    fua_layer,
    fua_table,
    write_report,
)

__all__ = [
    "DISPLAY_CRS",
    "SEZ_MAP_PROPS",
    "SEZ_TABLE_COLUMNS",
    "benchmark_tables",
    "write_kazakhstan_report",
]

#: Display projection of the maps: Lambert azimuthal equal-area centred on Kazakhstan.
DISPLAY_CRS = "+proj=laea +lat_0=48 +lon_0=67 +datum=WGS84 +units=m +no_defs"

#: SEZ attributes shown on hover in the report map (those present).
SEZ_MAP_PROPS = ("name", "host_fua_100k", "host_minutes_100k", "host_fua_50k", "pop_60min",
                 "pop_120min", "pop_240min", "time_to_corridor_min", "time_to_border_min",
                 "projects", "jobs", "invest_per_state_tenge")  # fmt: skip
#: Columns of the SEZ table in the report (those present): access, then performance.
SEZ_TABLE_COLUMNS = ("id", "name", "host_fua_50k", "host_rule_50k", "host_minutes_50k",
                     "own_city_is_centre_50k", "host_fua_100k", "host_rule_100k",
                     "host_minutes_100k", "own_city_is_centre_100k", "pop_60min", "pop_120min",
                     "pop_240min",
                     "market_potential", "time_to_corridor_min", "nearest_corridor",
                     "time_to_border_min", "nearest_border", "projects", "jobs",
                     "invest_per_state_tenge")  # fmt: skip
#: Map legend: SEZ, border crossing, corridor.
_LEGEND = (("#ffd400", "SEZ"), ("#444", "border crossing"), ("#b2182b", "corridor"))


def _layers(
    fuas: MapLayer,
    sez_table: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame | None,
    borders: gpd.GeoDataFrame | None,
    isochrones: gpd.GeoDataFrame | None,
    outline: gpd.GeoSeries | None,
    minutes: tuple[np.ndarray, Affine, Any] | None,
) -> list[MapLayer | MinutesLayer]:
    """The map layers, bottom to top: outline, minutes raster, SEZ bands, FUAs, lines, points."""
    layers: list[MapLayer | MinutesLayer] = [
        MapLayer("outline", "country outline", outline,
                 style={"fill": "#f4f1ea", "stroke": "#777", "stroke-width": 1}, simplify_m=1000),
    ]  # fmt: skip
    if minutes is not None:
        layers.append(MinutesLayer(*minutes, title="minutes to nearest SEZ (raster)"))
    return [
        *layers,
        MapLayer("isochrones", "SEZ travel-time bands", isochrones, props=("from_min", "to_min"),
                 style={"fill": "#3182bd", "fill-opacity": 0.12, "stroke": "#3182bd",
                        "stroke-width": 0.5}, simplify_m=2000, hidden=True),
        fuas,
        MapLayer("corridors", "international corridors", corridors, props=("corridor",),
                 style={"fill": "none", "stroke": "#b2182b", "stroke-width": 2.2,
                        "stroke-dasharray": "6 3"}),
        MapLayer("borders", "border crossings", borders, props=("name", "country", "road_ref"),
                 style={"fill": "#444", "stroke": "#fff", "stroke-width": 1}, radius=4),
        MapLayer("sez", "special economic zones", sez_table, props=SEZ_MAP_PROPS,
                 style={"fill": "#ffd400", "stroke": "#000", "stroke-width": 1.2}, radius=7),
    ]  # fmt: skip


def _kpis(summary: Mapping[str, Any], fuas_label: str) -> list[tuple[str, str]]:
    """Headline numbers of a demo summary: people, centres, FUAs, share in FUAs, SEZ reach."""
    fk = summary.get("fuas", {}).get(fuas_label, {})
    share = fk.get("share_in_fuas")
    kpis = [
        (format_value(summary.get("population_total")), "people on the grid"),
        (format_value(summary.get("n_urban_centres")), "urban centres"),
        (format_value(fk.get("n_fuas")), f"FUAs (centres ≥ {fuas_label})"),
        (format_value(100 * share) + " %" if share is not None else "–",
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
    return kpis


def _sez_tables(
    sez_table: gpd.GeoDataFrame, association: pd.DataFrame, roads_label: str
) -> list[ReportTable]:
    """The SEZ access table (performance as reported by Qazindustry) and its correlations."""
    sez = pd.DataFrame(sez_table.drop(columns="geometry"))
    if "id" not in sez.columns:
        sez.insert(0, "id", sez.index)
    sez = sez[[c for c in SEZ_TABLE_COLUMNS if c in sez.columns]]
    n_sez = len(sez)
    sez_caption = (
        f"Times in minutes on the road network ({roads_label}); pop_T = people reachable "
        "within T minutes; market_potential = Σ P/t over FUAs, in people per minute. "
        "Performance: Qazindustry, 2002 – mid-2022."
    )
    assoc_caption = association.attrs.get("note", "") or (
        f"Spearman rank correlations, n = {n_sez}: descriptive only, not causal."
    )
    return [
        ReportTable("Special economic zones: access beside performance", sez, sez_caption),
        ReportTable(f"Association of SEZ performance with access (n = {n_sez})", association,
                    assoc_caption),
    ]  # fmt: skip


def _national(national: pd.DataFrame) -> pd.DataFrame:
    """The national metrics with a column saying what each one is."""
    out = national.reset_index()
    key = out.columns[0]
    out["description"] = [NATIONAL_METRICS_DOC.get(str(m), "") for m in out[key]]
    return out


def benchmark_tables(summary: Mapping[str, Any]) -> list[ReportTable]:
    """Our results beside independent figures (the ``benchmarks`` block of a demo summary).

    Two tables when present: FUA counts and people beside the OECD's and the
    Forecast Scheme's figures, and each major city's urban-centre population
    beside its official population (see :mod:`fua.kazakhstan.benchmarks`).
    """
    bench = summary.get("benchmarks") or {}
    out = []
    if bench.get("national"):
        out.append(ReportTable(
            "Benchmarks: our FUAs beside published counts", pd.DataFrame(bench["national"]),
            "n, pop and share: ours at the FUA threshold in compare_with, theirs as published "
            "(source column). Definitions, data and years differ: read the gap as a check on "
            "the inputs and the method."))  # fmt: skip
    if bench.get("cities"):
        out.append(ReportTable(
            "Benchmarks: urban-centre population beside the official city population",
            pd.DataFrame(bench["cities"]),
            "centre_pop: people of the urban centre holding the city's point in the population "
            "grid (uc_id 0: in none); official: the city's population (source column)."))  # fmt: skip
    return out


def write_kazakhstan_report(
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
    minutes: tuple[np.ndarray, Affine, Any] | None = None,
) -> Path:
    """Write the Kazakhstan demo's self-contained HTML report.

    Parameters
    ----------
    path, title, inputs, notes, images
        As in :func:`fua.outputs.report.write_report`.
    summary : mapping
        The demo's headline numbers (``population_total``, ``n_urban_centres``,
        ``fuas``, ``share_within_max_threshold``), as made by
        :func:`fua.kazakhstan.outputs.summary`.
    fuas : geopandas.GeoDataFrame
        FUAs with their metrics (:func:`fua.fua_metrics`), for the map and a table.
    fuas_label : str
        Their centre-population threshold, e.g. ``"100k"``.
    sez_table, association : DataFrame
        :func:`fua.kazakhstan.sez.sez_access_table` (also a map layer) and
        :func:`fua.kazakhstan.sez.association_table`.
    national, access_population : pandas.DataFrame
        National metrics (one column per threshold) and people within reach.
    corridors, borders, isochrones, outline : optional
        More map layers.
    minutes : (array, transform, crs), optional
        Minutes to the nearest SEZ, shown as a toggleable image layer.

    Returns
    -------
    pathlib.Path
    """
    layers = _layers(fua_layer(fuas, f"FUAs ({fuas_label})"), sez_table, corridors, borders,
                     isochrones, outline, minutes)  # fmt: skip
    tables = [
        *benchmark_tables(summary),
        *_sez_tables(sez_table, association, str(inputs.get("roads"))),
        ReportTable(f"Functional urban areas (urban centres ≥ {fuas_label})", fua_table(fuas)),
        ReportTable(
            "National metrics",
            _national(national),
            "Shares are fractions 0–1. zipf_ols is the rank-size slope (OLS), zipf_mle "
            "the Pareto-tail exponent (maximum likelihood) above zipf_mle_xmin: two "
            "different estimators, not two runs of one.",
        ),
        ReportTable("Population within reach", access_population.copy()),
    ]
    return write_report(path, title=title, inputs=inputs, notes=notes,
                        kpis=_kpis(summary, fuas_label), layers=layers, tables=tables,
                        legend=_LEGEND, images=images, display_crs=DISPLAY_CRS)  # fmt: skip
