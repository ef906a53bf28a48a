"""The accessibility of the Kazakhstan demo, written on connectivity's public measures.

Minutes from every grid cell to the nearest SEZ, corridor access point and
road border crossing (:func:`connectivity.raster_time_to_nearest` over the
cells snapped once, an :class:`connectivity.OriginSet`), the population
within reach of each, and the SEZ table: time to the host FUA, people within
reach (:func:`connectivity.cumulative_opportunities` from each SEZ over the
cells weighted by their population), market potential, corridor and border
access; every zone's host FUA at every threshold by one rule
(:func:`fua.kazakhstan.hosts.sez_hosts`); and the last-mile candidates: the
straight links from the SEZs, FUA centres and border crossings off the
corridors that would save people the most minutes to a corridor
(:func:`connectivity.rank.rank_links`). Used by :func:`fua.kazakhstan.pipeline.run_demo`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
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
from connectivity.lastmile import last_mile_candidates
from connectivity.origins import SnapOptions
from connectivity.rank import link_times, rank_links
from fua.degurba.vectorize import polygonize_labels
from fua.grid import PopulationGrid
from fua.kazakhstan import datasets
from fua.kazakhstan.hosts import sez_hosts
from fua.kazakhstan.sez import association_table, sez_access_table
from fua.metrics import market_potential

__all__ = [
    "Access",
    "LastMile",
    "accessibility",
    "corridor_lines",
    "corridor_points",
    "last_mile",
    "sez_host_columns",
    "sez_table",
    "with_fallback",
]

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
def corridor_lines() -> gpd.GeoDataFrame:
    """The international corridors as lines through their ordered places (EPSG:4326)."""
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


def corridor_points(net: RoadNetwork, lines: gpd.GeoDataFrame, *, proxy: bool) -> gpd.GeoDataFrame:
    """The corridors' access points on ``net`` (:func:`connectivity.corridor_access`).

    On the embedded network (``proxy``): trunk-road nodes within 1 km of a
    corridor line; on a real network: nodes of main roads within 5 km.
    """
    return corridor_access(
        net,
        lines,
        corridor_id_col="corridor",
        tolerance_m=1_000.0 if proxy else 5_000.0,
        road_classes=("trunk",)
        if proxy
        else tuple(c for c in _MAIN_ROADS if c in net.class_names) or None,
    )


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
    lines = corridor_lines()
    corridor_pts = corridor_points(net, lines, proxy=proxy)
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
    return Access(sez, sez_points, lines, corridor_pts, borders, minutes, access_pop, iso)


# ---------------------------------------------------------------- the SEZ table
def _own_cities(sez: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The point of each zone's own city (``city_geonameid``); the zone's point where unknown."""
    pts = sez.geometry.to_crs("EPSG:4326")
    if "city_geonameid" not in sez.columns:
        return pts
    places = datasets.kazakhstan_settlements().set_index("geonameid").geometry
    city = pd.to_numeric(sez["city_geonameid"], errors="coerce").map(places)
    return gpd.GeoSeries(city.where(city.notna(), pts), index=sez.index, crs="EPSG:4326")


def sez_host_columns(
    net: RoadNetwork,
    sez: gpd.GeoDataFrame,
    sez_points: OriginSet,
    fuas: Mapping[str, gpd.GeoDataFrame],
    points: Mapping[str, gpd.GeoDataFrame],
    centres: gpd.GeoDataFrame,
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every zone's host FUA at every threshold, and the minutes behind it.

    Parameters
    ----------
    net : RoadNetwork
    sez : geopandas.GeoDataFrame
        The zones (:func:`fua.kazakhstan.datasets.load_sez` indexed by id);
        ``city_geonameid`` names each zone's own city.
    sez_points : OriginSet
        The zones snapped to ``net``.
    fuas, points : mapping of str to GeoDataFrame
        FUAs and one point per FUA (:func:`fua.kazakhstan.delineation.centre_points`)
        per threshold label.
    centres : geopandas.GeoDataFrame
        The urban centres (for the ``own_city_is_centre_*`` flags).
    notes : list of str
        Receives a note when no time can be computed.

    Returns
    -------
    (DataFrame, dict of str to DataFrame)
        :func:`fua.kazakhstan.hosts.sez_hosts` (the FUA containing the zone,
        else the nearest by network minutes to its centre point), and per
        label the minutes from each zone (rows) to each FUA (columns).
    """

    def times_to(pts: gpd.GeoDataFrame, label: str) -> pd.DataFrame:
        nan = pd.DataFrame(np.nan, index=sez.index, columns=pts.index)
        return with_fallback(
            lambda: od_matrix(net, sez_points, pts), nan, notes, f"SEZ-FUA times ({label})"
        )

    times = {k: times_to(pts, k) for k, pts in points.items()}
    return sez_hosts(sez, fuas, times, centres=centres, own_city=_own_cities(sez)), times


def _market_potential(times: pd.DataFrame, fuas: gpd.GeoDataFrame, beta: float) -> pd.Series:
    """Market potential of each SEZ over the FUAs (Σ P / t^β, no own-zone term)."""
    return market_potential(
        times.rename(columns=lambda c: f"fua_{c}"),
        pd.Series(fuas["pop_total"].to_numpy(), index=[f"fua_{i}" for i in fuas["fua_id"]]),
        beta=beta,
        include_own=False,
    )


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


#: Columns of :func:`fua.kazakhstan.sez.sez_access_table` that place a zone geometrically;
#: the demo's host columns come from :func:`fua.kazakhstan.hosts.sez_hosts` alone.
_GEOMETRIC_HOST_COLUMNS = ("host_fua_id", "host_fua_name", "host_within", "host_distance_m")


def sez_table(
    net: RoadNetwork,
    cells: OriginSet,
    acc: Access,
    fuas: Mapping[str, gpd.GeoDataFrame],
    points: Mapping[str, gpd.GeoDataFrame],
    centres: gpd.GeoDataFrame,
    *,
    main: str,
    market_beta: float,
    reach_thresholds: Sequence[float],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The SEZ table (access beside performance) and its rank correlations.

    Parameters
    ----------
    net, cells, acc
        The network, the grid's cells snapped once and :func:`accessibility`.
    fuas, points : mapping of str to GeoDataFrame
        FUAs (with metrics) and one point per FUA, per threshold label (``"50k"``...).
    centres : geopandas.GeoDataFrame
        The urban centres (for the ``own_city_is_centre_*`` flags).
    main : str
        The label whose FUAs give the market potential.
    market_beta : float
    reach_thresholds : sequence of float
    notes : list of str

    Returns
    -------
    (GeoDataFrame, DataFrame)
        One row per zone: ``name``; per label ``k`` the host columns of
        :func:`fua.kazakhstan.hosts.sez_hosts` (``host_fua_id_k``,
        ``host_fua_k``, ``host_rule_k``, ``host_minutes_k``,
        ``own_city_is_centre_k``: one rule, the FUA containing the zone, else
        the nearest by travel time); ``pop_<T>min``, ``market_potential``,
        corridor and border minutes and names; the performance columns. And
        the rank correlations of performance with access.
    """
    hosts, times = sez_host_columns(net, acc.sez, acc.sez_points, fuas, points, centres, notes)
    reach = _sez_reach(net, acc, cells, reach_thresholds)
    corr, bord = _sez_links(net, acc, notes)
    table = sez_access_table(
        acc.sez,
        fuas[main],
        fua_name_col="name",
        reachable_pop=reach,
        market_potential=_market_potential(times[main], fuas[main], market_beta),
        time_to_corridor_min=corr["time_min"],
        time_to_border_min=bord["time_min"],
        extra={
            "nearest_corridor": corr["nearest_corridor"].astype(str),
            "nearest_border": bord["nearest_crossing"].astype(str),
        },
    ).drop(columns=list(_GEOMETRIC_HOST_COLUMNS))
    at = table.columns.get_loc("name") + 1 if "name" in table.columns else 0
    for j, c in enumerate(hosts.columns):
        table.insert(at + j, c, hosts[c].to_numpy())
    access_cols = [
        f"host_minutes_{main}",
        *reach.columns,
        "market_potential",
        "time_to_corridor_min",
        "time_to_border_min",
    ]
    assoc = association_table(table, ["projects", "jobs", "invest_per_state_tenge"], access_cols)
    return table, assoc


# ---------------------------------------------------------------- last-mile candidates
#: Standard of a last-mile link: speed (km/h) and road class.
LAST_MILE_SPEED_KMH = 80.0
LAST_MILE_CLASS = "primary"
#: Longest last-mile link (km): a longer straight link is a new trunk road, not a last mile.
LAST_MILE_MAX_KM = 150.0


@dataclass(frozen=True, eq=False)
class LastMile:
    """The best last-mile links to the corridors, and the FUAs and SEZs they bring closer.

    Attributes
    ----------
    links : geopandas.GeoDataFrame
        The ``top`` links of :func:`connectivity.rank.rank_links` (objective
        ``"minutes"``: person-minutes saved to the nearest corridor access
        point over every populated cell), with the place each starts from
        (``place``, ``place_kind``).
    places : pandas.DataFrame
        One row per (link, FUA or SEZ whose time to a corridor it shortens):
        ``rank``, ``link_id``, ``place_kind``, ``place``, ``minutes_before``,
        ``minutes_after``, ``minutes_saved``.
    n_candidates : int
        Links evaluated (one per place off the corridors).
    """

    links: gpd.GeoDataFrame
    places: pd.DataFrame
    n_candidates: int


def _last_mile_places(acc: Access, fua_points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """SEZs, FUA centres and road border crossings, labelled ``"<kind>: <name>"`` (EPSG:4326)."""
    parts = [("SEZ", acc.sez), ("FUA", fua_points), ("border crossing", acc.borders)]
    frames = [
        gpd.GeoDataFrame({"place_kind": kind, "place": g["name"].astype(str).to_numpy()},
                         geometry=g.geometry.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")
        for kind, g in parts if len(g)
    ]  # fmt: skip
    places = pd.concat(frames, ignore_index=True)
    places.index = pd.Index(places["place_kind"] + ": " + places["place"], name="place_id")
    return places[~places.index.duplicated()]


def _affected(
    net: RoadNetwork, links: gpd.GeoDataFrame, places: gpd.GeoDataFrame, nodes: np.ndarray,
    snap: SnapOptions,
) -> pd.DataFrame:  # fmt: skip
    """Minutes to the nearest corridor before and with each link, for the FUAs and SEZs it helps."""
    towns = places[places["place_kind"].isin(["SEZ", "FUA"])]
    times = link_times(net, links, towns, nodes=nodes, speed_kmh=LAST_MILE_SPEED_KMH,
                       road_class=LAST_MILE_CLASS, **snap)  # fmt: skip
    rows = []
    for _, link in links.iterrows():
        before, after = times["base"], times[link["link_id"]]
        saved = before - after
        for pid in saved.index[saved > 0.5]:  # half a minute or more
            rows.append({"rank": link["rank"], "link_id": link["link_id"],
                         "place_kind": towns.loc[pid, "place_kind"],
                         "place": towns.loc[pid, "place"], "minutes_before": before[pid],
                         "minutes_after": after[pid], "minutes_saved": saved[pid]})  # fmt: skip
    cols = ["rank", "link_id", "place_kind", "place", "minutes_before", "minutes_after",
            "minutes_saved"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def last_mile(
    net: RoadNetwork,
    cells: OriginSet,
    acc: Access,
    fua_points: gpd.GeoDataFrame,
    *,
    snap: SnapOptions,
    within_min: float,
    notes: list[str],
    top: int = 10,
) -> LastMile | None:
    """The ``top`` last-mile links to the corridors, and the FUAs and SEZs they bring closer.

    Candidates (:func:`connectivity.lastmile.last_mile_candidates`): from the
    network node nearest every SEZ, FUA centre and road border crossing off
    the corridors, a straight link at :data:`LAST_MILE_SPEED_KMH` to the
    nearest corridor access point, at most :data:`LAST_MILE_MAX_KM` long. Each is evaluated alone
    (:func:`connectivity.rank.rank_links`, objective ``"minutes"``, every
    populated cell an origin, weighted by its people). None (with a note)
    when the network has no corridor access point or every place is on a corridor.
    """
    nodes = acc.corridor_points["node"].unique() if len(acc.corridor_points) else np.array([])
    if nodes.size == 0:
        notes.append("last-mile candidates: no corridor access point on this network")
        return None
    places = _last_mile_places(acc, fua_points)
    cands = last_mile_candidates(net, places, acc.corridor_points, speed_kmh=LAST_MILE_SPEED_KMH,
                                 road_class=LAST_MILE_CLASS, max_length_km=LAST_MILE_MAX_KM)  # fmt: skip
    if cands.empty:
        notes.append(
            "last-mile candidates: every SEZ, FUA centre and border crossing is on a "
            f"corridor or farther than {LAST_MILE_MAX_KM:g} km from one"
        )
        return None
    ranked = rank_links(net, cands, cells, nodes=nodes, objective="minutes",
                        within_min=within_min, top=top)  # fmt: skip
    ranked.insert(2, "place_kind", places.loc[ranked["place_id"], "place_kind"].to_numpy())
    ranked.insert(3, "place", places.loc[ranked["place_id"], "place"].to_numpy())
    return LastMile(ranked, _affected(net, ranked, places, nodes, snap), len(cands))
