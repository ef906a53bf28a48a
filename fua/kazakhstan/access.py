"""The accessibility of the Kazakhstan demo, written on connectivity's public measures.

Minutes from every grid cell to the nearest SEZ, corridor access point and
road border crossing (:func:`connectivity.raster_time_to_nearest` over the
cells snapped once, an :class:`connectivity.OriginSet`), the population
within reach of each, and the SEZ table: time to the host FUA, people within
reach (:func:`connectivity.cumulative_opportunities` from each SEZ over the
cells weighted by their population), market potential, corridor and border
access. Used by :func:`fua.kazakhstan.pipeline.run_demo`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity import (
    OriginSet,
    RoadNetwork,
    border_access,
    corridor_access,
    cumulative_opportunities,
    od_matrix,
    population_within,
    raster_time_to_nearest,
    time_to_corridors,
)
from connectivity.errors import DataError
from connectivity.origins import SnapOptions
from fua.degurba.vectorize import polygonize_labels
from fua.grid import PopulationGrid
from fua.kazakhstan import datasets
from fua.kazakhstan.sez import association_table, sez_access_table
from fua.metrics import market_potential

__all__ = ["Access", "accessibility", "sez_table", "with_fallback"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def with_fallback(fn: Callable[[], T], fallback: T, notes: list[str], what: str) -> T:
    """``fn()``, or ``fallback`` with a note when the network cannot reach the points at all."""
    try:
        return fn()
    except DataError as exc:
        note = f"{what}: no travel times ({exc})"
        log.warning(note)
        notes.append(note)
        return fallback


# ---------------------------------------------------------------- minutes from every cell
def _corridor_lines() -> gpd.GeoDataFrame:
    """Corridor lines through their ordered places (EPSG:4326)."""
    c = datasets.load_corridors()
    c = c[c.geometry.notna() & ~c.geometry.is_empty].sort_values(["corridor", "seq"])
    rows = [
        {"corridor": k, "road_refs": ";".join(dict.fromkeys(g["road_ref"].astype(str))),
         "geometry": shapely.LineString(g.geometry.tolist())}
        for k, g in c.groupby("corridor", sort=True)
    ]  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=c.crs)


#: OSM classes a corridor is joined from on a real network.
_MAIN_ROADS = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")


def _isochrone_bands(
    minutes: np.ndarray, grid: PopulationGrid, thresholds: Sequence[float]
) -> gpd.GeoDataFrame:
    thr = sorted(float(t) for t in thresholds)
    band = np.zeros(minutes.shape, dtype=np.int32)
    finite = np.isfinite(minutes)
    for k in range(len(thr) - 1, -1, -1):
        band[finite & (minutes <= thr[k])] = k + 1
    poly = polygonize_labels(band, grid.transform, grid.crs, connectivity=8)
    lo = [0.0, *thr[:-1]]
    poly["from_min"] = [lo[int(v) - 1] for v in poly["label"]]
    poly["to_min"] = [thr[int(v) - 1] for v in poly["label"]]
    return poly.rename(columns={"label": "band"})


def _access_population(
    grids: dict[str, np.ndarray], pop: np.ndarray, thresholds: Sequence[float]
) -> pd.DataFrame:
    frames = []
    for name, t in grids.items():
        df = population_within(t, pop, thresholds)
        df.insert(0, "destination", name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class Access:
    """Where the SEZs, corridors and border crossings are, and minutes to them from every cell."""

    sez: gpd.GeoDataFrame
    sez_points: OriginSet
    corridor_lines: gpd.GeoDataFrame
    corridor_points: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    minutes: dict[str, np.ndarray]
    population: pd.DataFrame
    isochrones: gpd.GeoDataFrame


def _minutes_grids(
    net: RoadNetwork,
    cells: OriginSet,
    sez: OriginSet,
    corridor_nodes: np.ndarray,
    borders: gpd.GeoDataFrame,
    notes: list[str],
) -> dict[str, np.ndarray]:
    """Minutes from every cell to the nearest SEZ, corridor access point and border crossing."""

    def minutes_to(what: str, **dest: Any) -> np.ndarray:
        return with_fallback(
            lambda: raster_time_to_nearest(net, cells, **dest).time_min,
            cells.to_grid(np.nan),
            notes,
            f"minutes to {what}",
        )

    return {
        "sez": minutes_to("SEZs", destinations=sez),
        "corridor": minutes_to("corridors", nodes=corridor_nodes)
        if corridor_nodes.size
        else cells.to_grid(np.nan),
        "border": minutes_to("border crossings", destinations=borders),
    }


def accessibility(
    net: RoadNetwork,
    grid: PopulationGrid,
    cells: OriginSet,
    *,
    thresholds: Sequence[float],
    snap: SnapOptions,
    proxy: bool,
    notes: list[str],
) -> Access:
    """SEZs, corridor access points and border crossings, and minutes to them from every cell.

    ``cells`` are the grid's cells snapped once; the SEZs are snapped once
    more (:class:`connectivity.OriginSet`) and reused by the SEZ table.
    """
    sez = datasets.load_sez()
    sez.index = pd.Index(sez["id"].to_numpy(), name="sez_id")
    corridor_lines = _corridor_lines()
    corridor_pts = corridor_access(
        net,
        corridor_lines,
        corridor_id_col="corridor",
        tolerance_m=1_000.0 if proxy else 5_000.0,
        road_classes=("trunk",)
        if proxy
        else tuple(c for c in _MAIN_ROADS if c in net.class_names) or None,
    )
    if len(corridor_pts) == 0:
        notes.append("no road node lies near an international corridor in this network")
    borders = datasets.load_border_crossings()
    borders = borders[(borders["kind"] == "road") & borders.geometry.notna()]
    sez_points = OriginSet.from_points(net, sez, **snap)
    nodes = corridor_pts["node"].unique()
    minutes = _minutes_grids(net, cells, sez_points, nodes, borders, notes)
    access_pop = _access_population(
        {"SEZ": minutes["sez"], "corridor access point": minutes["corridor"],
         "border crossing": minutes["border"]},
        np.where(np.isfinite(grid.pop), grid.pop, 0.0),
        thresholds,
    )  # fmt: skip
    iso = _isochrone_bands(minutes["sez"], grid, thresholds)
    return Access(sez, sez_points, corridor_lines, corridor_pts, borders, minutes, access_pop, iso)


# ---------------------------------------------------------------- the SEZ table
def _sez_fua_times(
    net: RoadNetwork,
    acc: Access,
    fuas: gpd.GeoDataFrame,
    pts: gpd.GeoDataFrame,
    beta: float,
    notes: list[str],
) -> tuple[pd.Series, pd.Series]:
    """Minutes from each SEZ to its host FUA, and its market potential over all FUAs."""
    base = sez_access_table(acc.sez, fuas, fua_name_col="name")
    nan = pd.DataFrame(np.nan, index=acc.sez.index, columns=pts.index)
    times = with_fallback(lambda: od_matrix(net, acc.sez_points, pts), nan, notes, "SEZ-FUA times")
    host_t = pd.Series(
        [times.loc[i, h] for i, h in zip(acc.sez.index, base["host_fua_id"], strict=True)],
        index=acc.sez.index,
    )
    mp = market_potential(
        times.rename(columns=lambda c: f"fua_{c}"),
        pd.Series(fuas["pop_total"].to_numpy(), index=[f"fua_{i}" for i in fuas["fua_id"]]),
        beta=beta,
        include_own=False,
    )
    return host_t, mp


def _sez_reach(
    net: RoadNetwork, acc: Access, cells: OriginSet, thresholds: Sequence[float]
) -> pd.DataFrame:
    """People within each threshold of each SEZ (columns ``pop_<T>min``; NaN when unsnapped)."""
    reach = cumulative_opportunities(net, acc.sez_points, cells, thresholds_min=thresholds)
    cols = [c for c in reach.columns if c.startswith("opp_")]
    return pd.DataFrame(reach[cols]).rename(columns=lambda c: "pop_" + c.removeprefix("opp_"))


def _sez_links(net: RoadNetwork, acc: Access, notes: list[str]) -> tuple[pd.DataFrame, ...]:
    """Minutes from each SEZ to the nearest corridor and the nearest road border crossing."""
    none = pd.DataFrame(
        {"time_min": np.nan, "nearest_corridor": "", "nearest_crossing": ""}, index=acc.sez.index
    )
    corr = (
        with_fallback(
            lambda: time_to_corridors(net, acc.sez_points, acc.corridor_points),
            none,
            notes,
            "corridors",
        )
        if len(acc.corridor_points)
        else none
    )
    bord = with_fallback(
        lambda: border_access(net, acc.sez_points, acc.borders, crossing_id_col="name"),
        none,
        notes,
        "border crossings",
    )
    return corr, bord


def sez_table(
    net: RoadNetwork,
    cells: OriginSet,
    acc: Access,
    main: gpd.GeoDataFrame,
    main_points: gpd.GeoDataFrame,
    small: gpd.GeoDataFrame,
    *,
    market_beta: float,
    reach_thresholds: Sequence[float],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The SEZ table (access beside performance) and its rank correlations.

    ``main`` and ``small`` are the FUAs (with metrics) of the largest and the
    smallest centre threshold, ``main_points`` one point per main FUA.
    """
    host_t, mp = _sez_fua_times(net, acc, main, main_points, market_beta, notes)
    reach = _sez_reach(net, acc, cells, reach_thresholds)
    corr, bord = _sez_links(net, acc, notes)
    host_small = sez_access_table(acc.sez, small, fua_name_col="name")
    table = sez_access_table(
        acc.sez,
        main,
        fua_name_col="name",
        time_to_host_min=host_t,
        reachable_pop=reach,
        market_potential=mp,
        time_to_corridor_min=corr["time_min"],
        time_to_border_min=bord["time_min"],
        extra={
            "nearest_corridor": corr["nearest_corridor"].astype(str),
            "nearest_border": bord["nearest_crossing"].astype(str),
            "host_fua_50k": host_small["host_fua_name"],
        },
    )
    access_cols = [
        "time_to_host_min",
        *reach.columns,
        "market_potential",
        "time_to_corridor_min",
        "time_to_border_min",
    ]
    assoc = association_table(table, ["projects", "jobs", "invest_per_state_tenge"], access_cols)
    return table, assoc
