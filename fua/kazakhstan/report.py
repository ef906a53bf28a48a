"""The Kazakhstan report page: SEZ layers, columns and captions on the generic HTML report.

:func:`write_kazakhstan_report` lays out the demo's report with the public
:func:`fua.outputs.report.write_report`: the country outline, the SEZ
travel-time bands and minutes raster, the FUAs, the international corridors,
border crossings and special economic zones on the map; headline numbers; the
SEZ access table (performance as reported by Qazindustry), its rank
correlations, the last-mile candidates (the best links to the corridors, on
the map and in two tables; :func:`plot_last_mile_map` draws them as a PNG),
the FUA, national and population-within-reach tables. Maps are shown in
:data:`DISPLAY_CRS`, a projection centred on Kazakhstan.
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
    _finish,
    _plt,
    _to_display,
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
    "last_mile_tables",
    "plot_last_mile_map",
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
#: Colour of the last-mile links (map, PNG and legend).
LAST_MILE_COLOUR = "#6a3d9a"
#: Map legend: SEZ, border crossing, corridor, last-mile link.
_LEGEND = (("#ffd400", "SEZ"), ("#444", "border crossing"), ("#b2182b", "corridor"),
           (LAST_MILE_COLOUR, "last-mile candidate link"))  # fmt: skip
#: Columns of the last-mile links in the report (those present).
LAST_MILE_COLUMNS = ("rank", "place_kind", "place", "corridor_id", "length_km", "benefit",
                     "benefit_per_km", "pop_faster", "pop_newly_within", "max_minutes_saved")  # fmt: skip


def _layers(
    fuas: MapLayer,
    sez_table: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame | None,
    borders: gpd.GeoDataFrame | None,
    isochrones: gpd.GeoDataFrame | None,
    outline: gpd.GeoSeries | None,
    minutes: tuple[np.ndarray, Affine, Any] | None,
    last_mile: gpd.GeoDataFrame | None = None,
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
        MapLayer("last_mile", "last-mile candidates (best links)", last_mile,
                 props=("rank", "place", "corridor_id", "length_km", "benefit", "pop_faster"),
                 style={"fill": "none", "stroke": LAST_MILE_COLOUR, "stroke-width": 3.5}),
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


def last_mile_tables(links: gpd.GeoDataFrame, places: pd.DataFrame) -> list[ReportTable]:
    """The last-mile section: the best links, and the FUAs and SEZs each brings closer.

    ``links`` and ``places`` are those of :class:`fua.kazakhstan.access.LastMile`.
    """
    table = pd.DataFrame(links.drop(columns=links.geometry.name))
    table = table[[c for c in LAST_MILE_COLUMNS if c in table.columns]]
    for c in table.columns:  # people and person-minutes as whole numbers
        if c == "benefit" or c.startswith("pop_"):
            table[c] = table[c].round().astype("int64")
    n = len(table)
    return [
        ReportTable(
            f"Last-mile candidates: the {n} links to the corridors that save the most minutes",
            table,
            "Each candidate is a straight link at 80 km/h (at most 150 km long) from the road node "
            "nearest an SEZ, FUA centre or border crossing off the corridors to the nearest "
            "corridor access point, added ALONE to the network. benefit = person-minutes saved to the nearest corridor "
            "over every populated 1 km cell; length_km is the cost proxy; pop_faster = people "
            "whose time drops; pop_newly_within = people brought within the largest reach "
            "threshold. Indicative: straight lines, proxy access roads.",
        ),
        ReportTable(
            "Last-mile candidates: minutes to the nearest corridor before and after, "
            "affected FUAs and SEZs",
            places.copy(),
            "One row per link and FUA centre or SEZ whose time to a corridor access point it "
            "shortens by half a minute or more (each link alone).",
        ),
    ]


def plot_last_mile_map(
    path: str | os.PathLike[str],
    links: gpd.GeoDataFrame,
    *,
    corridors: gpd.GeoDataFrame | None,
    points: gpd.GeoDataFrame | None,
    outline: gpd.GeoSeries | None,
    title: str,
) -> Path:
    """The best last-mile links (numbered by rank) over the corridors, SEZs and outline (PNG)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 6.2))
    layers = (
        (outline, {"facecolor": "#f4f1ea", "edgecolor": "#888", "linewidth": 0.8}),
        (corridors, {"color": "#b2182b", "linewidth": 1.4, "linestyle": "--", "label": "corridor"}),
        (points, {"color": "#ffd400", "edgecolor": "#000", "markersize": 60, "marker": "*",
                  "label": "SEZ"}),
    )  # fmt: skip
    for layer, style in layers:
        shown = _to_display(layer, DISPLAY_CRS)
        if shown is not None:
            shown.plot(ax=ax, **style)
    lk = _to_display(links, DISPLAY_CRS)
    if lk is not None:
        lk.plot(ax=ax, color=LAST_MILE_COLOUR, linewidth=2.6, label="last-mile link")
        for rank, geom in zip(lk["rank"], lk.geometry, strict=True):
            mid = geom.interpolate(0.5, normalized=True)
            ax.annotate(str(rank), (mid.x, mid.y), fontsize=8, color="white", ha="center",
                        va="center", bbox={"boxstyle": "circle,pad=0.2",
                                           "fc": LAST_MILE_COLOUR, "ec": "none"})  # fmt: skip
    ax.legend(loc="lower left", fontsize=8)
    return _finish(fig, ax, Path(path), title)


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
    last_mile: tuple[gpd.GeoDataFrame, pd.DataFrame] | None = None,
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
    last_mile : (GeoDataFrame, DataFrame), optional
        The best last-mile links and the places they bring closer
        (:class:`fua.kazakhstan.access.LastMile`): a map layer and two tables.

    Returns
    -------
    pathlib.Path
    """
    layers = _layers(fua_layer(fuas, f"FUAs ({fuas_label})"), sez_table, corridors, borders,
                     isochrones, outline, minutes, None if last_mile is None else last_mile[0])  # fmt: skip
    tables = [
        *benchmark_tables(summary),
        *_sez_tables(sez_table, association, str(inputs.get("roads"))),
        *(last_mile_tables(*last_mile) if last_mile is not None else []),
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
