"""File outputs of the demo pipeline (private; see :func:`fua.kazakhstan.pipeline.run_demo`).

Everything is written into a staging folder and moved into place only when
every file has been written: a new output folder appears whole at the end
(the staging folder, beside it, is renamed), an existing one has its demo
outputs replaced together. A failed or interrupted run leaves earlier
outputs untouched and no new folder behind.

Tables follow one rule (:func:`tidy_table`, said in ``README.txt`` and
``tables/columns.csv``): people and counts are integers, shares are
fractions 0–1 in columns named ``share*`` (the report shows them as
percent), minutes have 2 decimals, other numbers at most 4.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import OutputExistsError
from connectivity.io import write_raster
from connectivity.qgis import style_qml, write_gpkg_styles
from connectivity.rank import ranked_links_style
from fua.kazakhstan import datasets
from fua.kazakhstan.report import DISPLAY_CRS, plot_last_mile_map, write_kazakhstan_report
from fua.kazakhstan.surface import array_sha256
from fua.metrics import NATIONAL_METRICS_DOC
from fua.outputs.degurba import write_class_raster, write_label_raster
from fua.outputs.report import plot_fua_map, plot_minutes_map, plot_rank_size
from fua.outputs.styles import (
    fua_labels_legend,
    write_minutes_qml,
    write_qml,
    write_styled_layers,
)

if TYPE_CHECKING:
    from fua.degurba.classify import DegurbaResult
    from fua.fuas.delineate import FuaResult
    from fua.grid import PopulationGrid
    from fua.kazakhstan.access import LastMile

__all__: list[str] = []

log = logging.getLogger(__name__)

GPKG_NAME = "kazakhstan_demo.gpkg"


@dataclass(frozen=True, eq=False)
class Run:
    """Everything a demo run computed, for writing."""

    params: Any  # the run's DemoParams
    inputs: dict[str, Any]
    notes: list[str]
    grid: PopulationGrid
    result: DegurbaResult
    centres: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    fres: dict[str, FuaResult]
    metrics: dict[str, gpd.GeoDataFrame]
    main_k: str
    small_k: str
    national: pd.DataFrame
    summary: dict[str, Any]
    sez: gpd.GeoDataFrame
    sez_table: gpd.GeoDataFrame
    association: pd.DataFrame
    minutes: dict[str, np.ndarray]
    access_population: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    corridor_lines: gpd.GeoDataFrame
    road_lines: gpd.GeoDataFrame | None
    corridor_points: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    last_mile: LastMile | None = None

    @property
    def proxy(self) -> bool:
        return bool(self.inputs["roads_proxy"])

    @property
    def modelled(self) -> bool:
        return bool(self.inputs["population_modelled"])

    @property
    def data_note(self) -> str:
        return f"{self.inputs['population']}; {self.inputs['roads']}"

    @property
    def tail(self) -> str:
        mod = "MODELLED" if self.modelled else "observed"
        return f"population: {mod}; roads: {'OSM trunk + PROXY access' if self.proxy else 'OSM/line layer'}"


def for_file(gdf: gpd.GeoDataFrame, note: str) -> gpd.GeoDataFrame:
    """A copy that GeoPackage/Shapefile can hold, with a ``data_note`` column."""
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        elif out[c].dtype == bool:
            out[c] = out[c].astype("int8")
    out["data_note"] = note
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def write_layers_and_rasters(
    run: Run, staging: Path, out: Path, *, crs: Any = None
) -> dict[str, Path]:
    """GeoPackage, Shapefiles, class / minutes / FUA-label GeoTIFFs with QGIS styles.

    Every vector layer is written in one named CRS: ``crs``, or the
    population grid's (the analysis CRS). The rasters stay on the analysis
    grid (reprojecting them would resample its cells).
    """
    files: dict[str, Path] = {}
    grid = run.grid
    layers: dict[str, gpd.GeoDataFrame] = {
        "urban_centres": run.centres,
        "urban_clusters": run.clusters,
    }
    for k, m in run.metrics.items():
        layers[f"fua_{k}"] = m
        layers[f"fua_{k}_city"] = run.fres[k].fua_city
        layers[f"fua_{k}_commuting_zone"] = run.fres[k].fua_commuting_zone
    layers["sez_access"] = run.sez_table
    layers["sez_isochrones"] = run.isochrones
    layers["corridors"] = run.corridor_lines
    layers["corridor_access_points"] = run.corridor_points
    layers["border_crossings"] = run.borders
    if run.road_lines is not None:
        layers["roads_proxy" if run.proxy else "roads"] = run.road_lines
    if run.last_mile is not None:
        layers["last_mile_links"] = run.last_mile.links
    layers = {k: for_file(v, run.data_note) for k, v in layers.items()}
    crs = grid.crs if crs is None else crs
    write_styled_layers(staging / GPKG_NAME, layers, crs=crs)
    if run.last_mile is not None:  # thick lines graduated by rank
        style = style_qml(ranked_links_style(run.last_mile.links))
        write_gpkg_styles(staging / GPKG_NAME, {"last_mile_links": style})
    files["gpkg"] = out / GPKG_NAME
    keep = ("urban_centres", f"fua_{run.small_k}", f"fua_{run.main_k}", "sez_access",
            "corridors", "border_crossings")  # fmt: skip
    (staging / "shapefiles").mkdir()
    write_styled_layers(staging / "shapefiles", {k: layers[k] for k in keep}, crs=crs,
                        driver="ESRI Shapefile")  # fmt: skip
    files["shapefiles"] = out / "shapefiles"
    write_class_raster(
        staging / "classes_L2.tif",
        np.asarray(run.result.level2),
        transform=grid.transform,
        crs=grid.crs,
        level=2,
    )
    files["classes_L2"] = out / "classes_L2.tif"
    tags = {
        "population": run.inputs["population"],
        "roads": run.inputs["roads"],
        "units": "minutes",
        "proxy_roads": str(run.proxy),
        "modelled_population": str(run.modelled),
    }
    for key, arr in run.minutes.items():
        name = f"minutes_to_{key}.tif"
        write_raster(
            staging / name,
            arr.astype("float32"),
            transform=grid.transform,
            crs=grid.crs,
            nodata=float("nan"),
            description=f"minutes to the nearest {key} ({run.tail})",
            tags={**tags, **_no_time_tags(arr, grid.pop)},
        )
        write_minutes_qml(staging / f"minutes_to_{key}.qml", data=arr)
        files[f"minutes_to_{key}"] = out / name
    lab = run.fres[run.main_k].fua_labels
    if lab is not None:
        write_label_raster(
            staging / "fua_labels_100k.tif",
            lab,
            transform=grid.transform,
            crs=grid.crs,
            description=f"fua_id ({run.main_k} threshold; {run.tail})",
        )
        write_qml(staging / "fua_labels_100k.qml", fua_labels_legend(run.fres[run.main_k].fua))
        files["fua_labels"] = out / "fua_labels_100k.tif"
    return files


#: What the raster nodata (NaN) of ``minutes_to_*.tif`` means.
NO_TIME = (
    "NaN = no travel time: outside the population grid's valid area, farther than max_snap_m "
    "from every road, or on a part of the network that does not reach the destination"
)


def _no_time_tags(minutes: np.ndarray, pop: np.ndarray) -> dict[str, str]:
    """Tags of a minutes raster saying what its NaN cells are and how many hold people."""
    none = ~np.isfinite(minutes)
    populated = np.isfinite(pop) & (pop > 0)
    return {
        "nodata_meaning": NO_TIME,
        "cells_without_time": str(int(none.sum())),
        "populated_cells_without_time": str(int((none & populated).sum())),
        "people_without_time": str(round(float(np.where(none & populated, pop, 0.0).sum()))),
    }


# ---------------------------------------------------------------- tables
#: Decimals of a table column by its name (None: an integer). First match wins.
_DECIMALS: tuple[tuple[str, str, int | None], ...] = (
    ("prefix", "share", 4),
    ("suffix", "_share", 4),
    ("exact", "n", None),
    ("prefix", "n_", None),
    ("suffix", "_n", None),
    ("exact", "projects", None),
    ("exact", "jobs", None),
    ("prefix", "pop", None),
    ("suffix", "_pop", None),
    ("prefix", "cells_", None),
    ("suffix", "xmin", None),
    ("suffix", "_m", None),
    ("suffix", "_min", 2),
    ("suffix", "_km2", 1),
    ("exact", "market_potential", 1),
)


def decimals_for(name: str) -> int | None:
    """Decimals a number named ``name`` is written with (None: an integer; default 4)."""
    n = str(name)
    for kind, text, places in _DECIMALS:
        if (
            (kind == "exact" and n == text)
            or (kind == "prefix" and n.startswith(text))
            or (kind == "suffix" and n.endswith(text))
        ):
            return places
    if "density" in n:
        return 1
    return 4


def tidy_number(value: Any, name: str) -> Any:
    """``value`` rounded by :func:`decimals_for` (ints stay ints; NaN/inf become None)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return value
    v = float(value)
    if not math.isfinite(v):
        return None
    places = decimals_for(name)
    return round(v) if places is None or isinstance(value, (int, np.integer)) else round(v, places)


def tidy_table(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with float columns rounded by :func:`decimals_for` (integer columns as ``Int64``)."""
    out = pd.DataFrame(df).copy()
    for c in out.columns:
        if not pd.api.types.is_float_dtype(out[c]):
            continue
        places = decimals_for(str(c))
        out[c] = out[c].round().astype("Int64") if places is None else out[c].round(places)
    return out


def _tidy_json(obj: Any, key: str = "") -> Any:
    if isinstance(obj, Mapping):
        return {k: _tidy_json(v, str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_tidy_json(v, key) for v in obj]
    return tidy_number(obj, key)


def _national_table(national: pd.DataFrame) -> pd.DataFrame:
    """National metrics with each value written by its metric's rule and a description column."""

    def cell(v: Any, metric: Any) -> str:  # ints and floats in one column: "17", not "17.0"
        t = tidy_number(v, str(metric))
        return "" if t is None else str(t)

    out = pd.DataFrame(
        {c: [cell(v, m) for m, v in national[c].items()] for c in national.columns},
        index=national.index,
        dtype=object,
    )
    out["description"] = [NATIONAL_METRICS_DOC.get(str(m), "") for m in national.index]
    return out


#: Units and meanings of the table columns (``tables/columns.csv``).
COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "fua_id": ("", "FUA number (1 = largest)"),
    "name": ("", "name (largest GeoNames place inside)"),
    "pop_city": ("people", "population of the FUA's city (urban centre part)"),
    "pop_commuting": ("people", "population of the FUA's commuting zone"),
    "pop_total": ("people", "population (FUA total, or of the whole grid)"),
    "area_km2": ("km2", "area"),
    "area_city_km2": ("km2", "area of the city"),
    "area_commuting_km2": ("km2", "area of the commuting zone"),
    "n_urban_centres": ("count", "urban centres in the FUA"),
    "uc_ids": ("", "ids of those urban centres"),
    "density_per_km2": ("people/km2", "population density"),
    "pw_density_per_km2": (
        "people/km2",
        "population-weighted density (density experienced by the average resident)",
    ),
    "n_centres": ("count", "urban centres inside"),
    "n_clusters": ("count", "urban clusters inside"),
    "share_national": ("share 0-1", "share of the national population"),
    "market_potential": (
        "people per minute^beta",
        "market potential sum_j P_j * t_ij^-beta over FUAs j (Harris 1954; beta = market_beta, "
        "1 by default, i.e. people per minute); FUA table: with the own-zone term; SEZ table: "
        "from the zone to every FUA",
    ),
    "sez_id": ("", "SEZ number"),
    "time_to_corridor_min": (
        "minutes",
        "travel time to the nearest international-corridor access point",
    ),
    "time_to_border_min": ("minutes", "travel time to the nearest road border crossing"),
    "nearest_corridor": ("", "that corridor"),
    "nearest_border": ("", "that border crossing"),
    "projects": ("count", "projects (Qazindustry, 2002 - mid-2022)"),
    "jobs": ("count", "jobs (Qazindustry, 2002 - mid-2022)"),
    "invest_per_state_tenge": (
        "tenge per tenge",
        "investment per tenge of state spending (Qazindustry)",
    ),
    "performance": ("", "performance column"),
    "access": ("", "access column"),
    "spearman_rho": ("-1..1", "Spearman rank correlation (descriptive, n = 13; not causal)"),
    "p_value": ("", "two-sided p-value (t approximation; not adjusted for multiple tests)"),
    "n": ("count", "zones with both values"),
    "note": ("", "caveat"),
    "destination": ("", "SEZ, corridor access point or border crossing"),
    "threshold_min": ("minutes", "travel-time threshold"),
    "pop_within": ("people", "people within the threshold of the nearest destination"),
    "share_within": ("share 0-1", "pop_within / pop_total"),
    "metric": ("", "national metric (see description)"),
    "rank": ("", "rank of the last-mile link (1 = most person-minutes saved)"),
    "link_id": ("", "last-mile link: <place> -> <network node of the corridor access point>"),
    "place_id": ("", "the place the link starts from (<kind>: <name>)"),
    "place_kind": ("", "SEZ, FUA (centre) or border crossing"),
    "place": ("", "name of that place"),
    "length_km": ("km", "length of the straight link (the cost proxy)"),
    "benefit": (
        "person-minutes",
        "minutes saved to the nearest corridor access point, "
        "summed over every populated cell (people x minutes)",
    ),
    "benefit_per_km": ("person-minutes per km", "benefit / length_km"),
    "pop_minutes_saved": ("person-minutes", "same as benefit"),
    "pop_faster": ("people", "people whose time to a corridor the link shortens"),
    "pop_newly_reachable": ("people", "people who reach no corridor without the link"),
    "max_minutes_saved": ("minutes", "largest saving of one cell"),
    "pop_newly_within": (
        "people",
        "people brought within the largest reach threshold of a corridor",
    ),
    "from_node": ("", "network node the link starts from (nearest the place)"),
    "access_node": ("", "corridor access point (network node) the link ends at"),
    "corridor_id": ("", "corridor of that access point"),
    "speed_kmh": ("km/h", "speed of the link"),
    "road_class": ("", "road class of the link"),
    "minutes_before": ("minutes", "time to the nearest corridor access point without the link"),
    "minutes_after": ("minutes", "with the link alone"),
    "minutes_saved": ("minutes", "minutes_before - minutes_after"),
    "description": ("", "what the metric is"),
}


#: Per-threshold SEZ host columns (``<stem>_50k``, ``<stem>_100k``: see fua.kazakhstan.hosts).
HOST_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "host_fua_id": ("", "host FUA of the SEZ at this urban-centre threshold: the FUA that "
                        "contains it, else the nearest by travel time"),
    "host_fua": ("", "name of that host FUA"),
    "host_rule": ("", "how the host was chosen: contains | nearest | unreachable"),
    "host_minutes": ("minutes", "travel time from the SEZ to its host FUA (0 inside)"),
    "own_city_is_centre": ("true/false", "the zone's own city is an urban centre of this size"),
}  # fmt: skip


def _doc(column: str) -> tuple[str, str]:
    """Unit and meaning of a column, per-threshold host columns included."""
    if column in COLUMN_DOCS:
        return COLUMN_DOCS[column]
    stem, _, suffix = column.rpartition("_")
    if stem in HOST_COLUMN_DOCS and suffix.endswith("k"):
        unit, meaning = HOST_COLUMN_DOCS[stem]
        return unit, f"{meaning} ({suffix[:-1]} 000)"
    return "", ""


def _column_docs(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (table, column): unit and meaning (``pop_<T>min``: people within T minutes)."""
    rows = []
    for table, df in tables.items():
        for c in [df.index.name, *df.columns] if df.index.name else df.columns:
            unit, meaning = _doc(str(c))
            if not meaning and str(c).startswith("pop_") and str(c).endswith("min"):
                unit, meaning = "people", f"people reachable within {str(c)[4:-3]} minutes"
            if not meaning and table == "national_metrics.csv":
                unit, meaning = "", f"value for FUAs of urban centres >= {c}"
            rows.append({"table": table, "column": c, "unit": unit, "meaning": meaning})
    return pd.DataFrame(rows)


def write_tables(run: Run, staging: Path, out: Path) -> dict[str, Path]:
    """CSV tables, ``columns.csv`` (units) and ``summary.json`` in ``tables/``."""
    tables = staging / "tables"
    tables.mkdir()
    frames: dict[str, pd.DataFrame] = {
        f"fua_metrics_{k}.csv": tidy_table(pd.DataFrame(m.drop(columns="geometry")))
        for k, m in run.metrics.items()
    }
    frames["national_metrics.csv"] = _national_table(run.national)
    frames["sez_access.csv"] = tidy_table(pd.DataFrame(run.sez_table.drop(columns="geometry")))
    frames["sez_association.csv"] = tidy_table(run.association)
    frames["access_population.csv"] = tidy_table(run.access_population)
    if run.last_mile is not None:
        frames["last_mile_links.csv"] = tidy_table(pd.DataFrame(
            run.last_mile.links.drop(columns="geometry")))  # fmt: skip
        frames["last_mile_places.csv"] = tidy_table(run.last_mile.places)
    with_index = ("national_metrics.csv", "sez_access.csv")
    for name, df in frames.items():
        df.to_csv(tables / name, index=name in with_index)
    _column_docs(frames).to_csv(tables / "columns.csv", index=False)
    (tables / "summary.json").write_text(
        json.dumps(run.summary, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8"
    )
    return {"tables": out / "tables"}


def write_maps_and_report(run: Run, staging: Path, out: Path) -> dict[str, Path]:
    """The three PNG maps, the HTML report and ``README.txt``."""
    maps = staging / "maps"
    maps.mkdir()
    grid = run.grid
    outline = gpd.GeoSeries([datasets.kazakhstan_outline()], crs="EPSG:4326")
    thr = run.params.centre_pop_thresholds
    images = {
        "FUAs, SEZs and corridors": maps / "fuas_sez_corridors.png",
        "Minutes to the nearest SEZ": maps / "minutes_to_sez.png",
        "Rank-size plot": maps / "rank_size.png",
    }
    on_map = {"points": run.sez, "outline": outline, "display_crs": DISPLAY_CRS}
    plot_fua_map(images["FUAs, SEZs and corridors"], run.metrics[run.main_k],
                 corridors=run.corridor_lines, borders=run.borders, points_label="SEZs",
                 title=f"FUAs (urban centres ≥ {thr[-1]:,.0f}), SEZs and corridors — {run.tail}",
                 **on_map)  # fmt: skip
    plot_minutes_map(images["Minutes to the nearest SEZ"], run.minutes["sez"],
                     transform=grid.transform, crs=grid.crs,
                     title=f"Minutes to the nearest SEZ — {run.tail}", **on_map)  # fmt: skip
    plot_rank_size(
        images["Rank-size plot"],
        {f"centres ≥ {k}": m["pop_total"].to_numpy() for k, m in run.metrics.items()},
        title=f"Rank-size of FUA populations — {run.tail}",
    )
    lm = run.last_mile
    if lm is not None:
        images["Last-mile candidates"] = maps / "last_mile_links.png"
        plot_last_mile_map(images["Last-mile candidates"], lm.links, corridors=run.corridor_lines,
                           points=run.sez, outline=outline,
                           title=f"The {len(lm.links)} best last-mile links to the corridors "
                           f"(of {lm.n_candidates}) — {run.tail}")  # fmt: skip
    write_kazakhstan_report(
        staging / "report.html",
        title="Functional urban areas and SEZ access — Kazakhstan demo",
        inputs=run.inputs,
        notes=run.notes,
        summary=run.summary,
        fuas=run.metrics[run.main_k],
        fuas_label=run.main_k,
        sez_table=run.sez_table,
        association=run.association,
        national=run.national,
        access_population=run.access_population,
        corridors=run.corridor_lines,
        borders=run.borders,
        isochrones=run.isochrones,
        outline=outline,
        minutes=(run.minutes["sez"], grid.transform, grid.crs),
        images=images,
        last_mile=None if lm is None else (lm.links, lm.places),
    )
    (staging / "README.txt").write_text(readme(run), encoding="utf-8")
    return {
        "map_fuas": out / "maps" / "fuas_sez_corridors.png",
        "map_minutes": out / "maps" / "minutes_to_sez.png",
        "map_rank_size": out / "maps" / "rank_size.png",
        **({"map_last_mile": out / "maps" / "last_mile_links.png"} if lm is not None else {}),
        "report": out / "report.html",
        "readme": out / "README.txt",
    }


def readme(run: Run) -> str:
    """The ``README.txt`` that explains the output folder."""
    s, m = run.small_k, run.main_k
    lines = [
        "fua-toolkit Kazakhstan demo outputs",
        "===================================",
        "",
        f"Population: {run.inputs['population']}",
        f"Roads:      {run.inputs['roads']}",
        "",
        "report.html            open in a browser (works offline): interactive map and tables",
        f"{GPKG_NAME:<22} GeoPackage: urban_centres, urban_clusters, fua_{s}*, fua_{m}*,",
        "                       sez_access, sez_isochrones, corridors, corridor_access_points,",
        "                       border_crossings, last_mile_links (the best last-mile links to",
        "                       the corridors; tables/last_mile_*.csv) and the road lines; every",
        "                       layer has a data_note,",
        "                       all are in one named CRS and open styled in QGIS (layer_styles)",
        "classes_L2.tif (+.qml) Degree of Urbanisation level-2 classes (GHSL SMOD codes)",
        "minutes_to_*.tif       minutes to the nearest SEZ / corridor access point / border crossing;",
        f"                       nodata {NO_TIME}",
        f"fua_labels_100k.tif    FUA id per cell ({m} threshold; +.qml: one colour and name per FUA)",
        "shapefiles/            the main layers as Shapefiles (+ .qml styles with the full field",
        "                       names as aliases, and *_fields.csv with them for other GIS)",
        "tables/                CSV/JSON metrics (FUA, national, SEZ access, associations);",
        "                       tables/columns.csv gives the unit and meaning of every column",
        "maps/                  PNG maps",
        "demo.json              parameters, input/output checksums, timings",
        "",
        "Numbers in the tables: people and counts are integers; shares are fractions 0-1 in",
        "columns named share* (the report and the command line show them as percent); minutes",
        "have 2 decimals, other numbers at most 4; an empty cell has no value. market_potential",
        "is in people per minute (sum of FUA populations divided by the travel time to them).",
        "",
        "Caveats:",
        *[f"- {n}" for n in run.notes],
        f"- SEZ associations: n = {len(run.sez_table)} zones; descriptive rank correlations, not causal.",
        "",
    ]
    return "\n".join(lines)


def summary(run_inputs: dict[str, Any], grid: PopulationGrid, result: DegurbaResult,
            metrics: dict[str, gpd.GeoDataFrame],
            national: dict[str, dict[str, float]], sez: gpd.GeoDataFrame,
            access_pop: pd.DataFrame, reach_thresholds_min: Sequence[float]) -> dict[str, Any]:  # fmt: skip
    """Headline numbers of a run."""

    def f(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else v

    s: dict[str, Any] = {
        "population_input": run_inputs["population"],
        "roads_input": run_inputs["roads"],
        "grid_shape": list(grid.shape),
        "population_total": float(grid.total_population),
        "n_urban_centres": int(result.n_centres),
        "n_urban_clusters": int(result.n_clusters),
        "fuas": {},
    }
    for k, m in metrics.items():
        nat = national[k]
        top = m.sort_values("pop_total", ascending=False)
        s["fuas"][k] = {
            "n_fuas": len(m),
            "pop_in_fuas": float(m["pop_total"].sum()),
            "share_in_fuas": f(nat.get("share_in_fuas")),
            "largest": [
                {"name": str(r["name"]), "pop": float(r["pop_total"])}
                for _, r in top.head(5).iterrows()
            ],
            "primacy_2": f(nat.get("primacy_2")),
            "zipf_ols": f(nat.get("zipf_ols")),
        }
    t_max = max(reach_thresholds_min)
    sub = access_pop[access_pop["threshold_min"] == t_max]
    s["share_within_max_threshold"] = {
        "threshold_min": t_max,
        **{r["destination"]: float(r["share_within"]) for _, r in sub.iterrows()},
    }
    for col in ("time_to_corridor_min", "time_to_border_min"):
        v = pd.to_numeric(sez[col], errors="coerce").dropna()
        s[f"sez_median_{col}"] = float(v.median()) if len(v) else None
    s["sez_inside_a_fua"] = int((sez[f"host_rule_{list(metrics)[-1]}"] == "contains").sum())
    return _tidy_json(s)  # people and counts as integers, shares 0-1 to 4 decimals


def staging_dir(out: Path) -> Path:
    """A fresh hidden staging folder: inside ``out`` if it exists, else beside it.

    A new ``out`` is thus never created before the outputs are complete:
    :func:`move_into_place` renames the staging folder to ``out`` in one step.
    """
    if out.is_dir():
        parent, name = out, f".demo-staging.{uuid.uuid4().hex[:12]}"
    else:
        parent, name = out.parent, f".{out.name}.demo-staging.{uuid.uuid4().hex[:12]}"
        parent.mkdir(parents=True, exist_ok=True)
    staging = parent / name
    staging.mkdir()  # the usual permissions (umask), unlike tempfile.mkdtemp's 0700
    return staging


def move_into_place(staging: Path, out: Path, *, overwrite: bool) -> None:
    """Move every staged entry into ``out`` (replacing earlier ones when ``overwrite``).

    A staging folder beside a missing ``out`` becomes ``out`` with one
    rename, so the output folder appears complete or not at all.
    """
    if not out.exists() and staging.parent != out:
        os.replace(staging, out)
        log.info("wrote the demo outputs to %s", out)
        return
    entries = sorted(staging.iterdir())
    clash = [e.name for e in entries if (out / e.name).exists()]
    if clash and not overwrite:
        msg = f"{out} already holds {', '.join(clash[:4])}; pass overwrite=True (--overwrite)"
        raise OutputExistsError(msg)
    for e in entries:
        target = out / e.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(e, target)
    staging.rmdir()
    log.info("wrote %d demo outputs to %s", len(entries), out)


# ---------------------------------------------------------------- demo.json inputs
def _embedded_records() -> dict[str, dict[str, Any]]:
    """Name, size and SHA-256 of each data file embedded in :mod:`fua.kazakhstan`."""
    folder = resources.files("fua.kazakhstan").joinpath("data")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.is_file() or entry.name.startswith((".", "_")):
            continue
        data = entry.read_bytes()
        out[f"embedded {entry.name}"] = {
            "source": f"fua/kazakhstan/data/{entry.name} (embedded in fua-toolkit)",
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    return out


def sidecar_inputs(inputs: Mapping[str, Any], grid: PopulationGrid) -> dict[str, Any]:
    """The inputs of a demo run for ``demo.json``, each with a SHA-256.

    Parameters
    ----------
    inputs : mapping
        The run's input labels (``population_path``, ``roads_path``: None for
        the embedded MODELLED surface and PROXY roads).
    grid : PopulationGrid
        The population grid of the run.

    Returns
    -------
    dict
        For :func:`connectivity.outputs.write_sidecar`: given files by path;
        the MODELLED surface by the SHA-256 of its population array; every
        embedded data file (SEZs,
        corridors, border crossings, regional totals, outline, road
        waypoints) as a record with its SHA-256.
    """
    out: dict[str, Any] = {}
    if inputs.get("population_path"):
        out["population"] = inputs["population_path"]
    else:
        pop = grid.pop
        out["population (MODELLED surface)"] = {
            "source": f"population array {pop.shape[0]}x{pop.shape[1]} {pop.dtype}",
            "sha256": array_sha256(pop),
        }
    if inputs.get("roads_path"):
        out["roads"] = inputs["roads_path"]
    return {**out, **_embedded_records()}
