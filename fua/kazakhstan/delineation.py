"""The functional urban areas of the Kazakhstan demo: snapping, commuting model, names, delineation.

One home for how :func:`fua.kazakhstan.pipeline.run_demo` turns the urban
centres into FUAs, so that ``tests/validation/validate_kazakhstan.py`` checks
exactly what ``fua demo`` computes (it calls these functions, not a copy):

* :func:`snap_options` — how grid cells and points join the road network,
  and :func:`snap_cells` — every grid cell snapped once with them;
* :func:`commuting_model` — the shipped commuting logit (or a stand-in rule);
* :func:`fua_names` — the settlements that name the FUAs;
* :func:`delineate_at` — the FUAs of the urban centres of at least a
  threshold population, by network minutes from every cell to the nearest
  eligible centre;
* :func:`centre_points` — one point per FUA, for FUA-to-FUA and SEZ-to-FUA times.

Snapping on the embedded network
--------------------------------
The embedded network (:func:`fua.kazakhstan.datasets.kazakhstan_roads`) has
the real trunk roads but no regional or local roads: settlements reach it by
straight access links that take :data:`~fua.kazakhstan.roads.DETOUR_FACTOR`
(1.3) times their length at :data:`~fua.kazakhstan.roads.ACCESS_SPEED_KMH`
(60 km/h, a regional-road speed), i.e. 46.2 km/h on the straight line. A
grid cell's straight leg to its nearest road stands for the same unmapped
regional roads, so it runs at the same speed (:data:`EMBEDDED_OFFROAD_SPEED_KMH`).
With one speed for both, an access link is no faster than the cell's own
leg, so the links do not pull FUAs out into spikes: a FUA's commuting zone
follows the trunk roads (cells along a road reach the centre fastest) and is
otherwise round. The same speed is the one the shipped commuting model was
fitted with (straight-line distance at 45 km/h, "about 60 km/h on roads with
a 1.33 detour factor"), so its time coefficient applies as fitted.
:data:`EMBEDDED_MAX_SNAP_M` (350 km) lets every cell of the country reach a
road (half the cells lie within 35 km of one, 99 % within 210 km, the
farthest 341 km away in the empty steppe), so the travel-time maps are
continuous; those long legs are labelled indicative, and far cells are too
slow to join any FUA.

With a real road network (an OSM extract) every village has its roads; the
leg is then the short hop from a cell centre to the nearest mapped road, at
15 km/h, within 10 km.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity import OriginSet, RoadNetwork, raster_time_to_nearest
from connectivity.errors import InputFileError, ParameterError
from connectivity.origins import SnapOptions
from fua.degurba.classify import DegurbaResult
from fua.fuas.delineate import FuaResult, delineate_fuas
from fua.fuas.params import FuaParams
from fua.fuas.proxy.model import CommutingModel
from fua.grid import PopulationGrid
from fua.kazakhstan import roads
from fua.kazakhstan.surface import load_region_seeds

__all__ = [
    "EMBEDDED_MAX_SNAP_M",
    "EMBEDDED_OFFROAD_SPEED_KMH",
    "REAL_MAX_SNAP_M",
    "REAL_OFFROAD_SPEED_KMH",
    "centre_points",
    "commuting_model",
    "delineate_at",
    "fua_names",
    "snap_cells",
    "snap_options",
]

log = logging.getLogger(__name__)

#: Farthest snap on the embedded network (m): every cell of Kazakhstan gets a time.
EMBEDDED_MAX_SNAP_M = 350_000.0
#: Speed of the straight leg from a cell to the embedded network (km/h): the
#: access links' speed, 60 km/h over 1.3 times the straight length.
EMBEDDED_OFFROAD_SPEED_KMH = roads.ACCESS_SPEED_KMH / roads.DETOUR_FACTOR
#: Farthest snap on a real road network (m).
REAL_MAX_SNAP_M = 10_000.0
#: Speed of the leg from a cell centre to the nearest mapped road (km/h).
REAL_OFFROAD_SPEED_KMH = 15.0


def snap_options(
    *,
    embedded: bool,
    max_snap_m: float | None = None,
    offroad_speed_kmh: float | None = None,
) -> SnapOptions:
    """How cells and points join the road network (see the module docstring).

    Parameters
    ----------
    embedded : bool
        True for the embedded network (real trunk roads, PROXY access links),
        False for a real road network.
    max_snap_m, offroad_speed_kmh : float, optional
        Overrides of the defaults.

    Returns
    -------
    SnapOptions
        ``max_snap_m`` and ``offroad_speed_kmh``, the keywords of
        :meth:`connectivity.OriginSet.from_raster` and ``from_points``.
    """
    for name, v in (("max_snap_m", max_snap_m), ("offroad_speed_kmh", offroad_speed_kmh)):
        if v is not None and not (np.isfinite(v) and v > 0):
            msg = f"{name}={v!r} must be a positive number or None (default)"
            raise ParameterError(msg)
    default_snap = EMBEDDED_MAX_SNAP_M if embedded else REAL_MAX_SNAP_M
    default_speed = EMBEDDED_OFFROAD_SPEED_KMH if embedded else REAL_OFFROAD_SPEED_KMH
    return SnapOptions(
        max_snap_m=float(max_snap_m or default_snap),
        offroad_speed_kmh=float(offroad_speed_kmh or default_speed),
    )


class _TimeRule:
    """Stand-in classifier while the default commuting coefficients are missing.

    P = 1 when the first feature (minutes to the nearest centre) is ≤ 60, else 0.
    """

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = (np.asarray(x)[:, 0] <= 60.0).astype("float64")
        return np.column_stack([1.0 - p, p])


def commuting_model(notes: list[str] | None = None) -> tuple[CommutingModel, str]:
    """The shipped commuting logit, or a stand-in rule (with a note) when it is missing.

    Returns
    -------
    (CommutingModel, str)
        The model and a label saying which one it is.
    """
    try:
        return CommutingModel.default(), "default logit (shipped coefficients)"
    except (InputFileError, OSError) as exc:
        note = (
            "the shipped commuting-model coefficients are not available in this build; "
            "commuting zones use a stand-in rule: cells within 60 min of their nearest urban "
            "centre (still contiguous with it)"
        )
        log.warning("%s (%s)", note, exc)
        if notes is not None:
            notes.append(note)
        m = CommutingModel.from_fitted(_TimeRule(), threshold=0.5, criterion="stand-in: t ≤ 60 min")
        return m, "stand-in rule: ≤ 60 min to the nearest centre"


def fua_names() -> gpd.GeoDataFrame:
    """Settlements that name the FUAs: ``name``, ``population`` (GeoNames, pinned), points.

    A FUA is named after the most populous of these inside it
    (:func:`fua.delineate_fuas`).
    """
    s = load_region_seeds()
    return gpd.GeoDataFrame(
        {"name": s["name"], "population": s["population_geonames"]},
        geometry=gpd.points_from_xy(s["lon"], s["lat"]),
        crs="EPSG:4326",
    )


def snap_cells(net: RoadNetwork, grid: PopulationGrid, snap: SnapOptions) -> OriginSet:
    """Every cell of the grid with data, populated or not, snapped once to ``net``.

    All cells (not only the populated ones), so the minutes rasters of the
    demo are continuous maps; the FUAs and the accessibility reuse them.
    """
    return OriginSet.from_raster(net, grid, all_cells=True, **snap)


def delineate_at(
    result: DegurbaResult,
    centres: gpd.GeoDataFrame,
    cells: OriginSet,
    net: RoadNetwork,
    threshold: float,
    *,
    model: CommutingModel,
    names: gpd.GeoDataFrame | None = None,
) -> FuaResult:
    """FUAs of the urban centres of at least ``threshold`` people, by network time to their cells.

    Parameters
    ----------
    result : DegurbaResult
        The grid's classes (:func:`fua.classify_grid`).
    centres : geopandas.GeoDataFrame
        Its urban centres (:func:`fua.urban_centres`).
    cells : OriginSet
        The grid's cells snapped once (:meth:`connectivity.OriginSet.from_raster`
        with :func:`snap_options`).
    net : RoadNetwork
    threshold : float
        Smallest centre population that gives a FUA.
    model : CommutingModel
        See :func:`commuting_model`.
    names : geopandas.GeoDataFrame, optional
        Places naming the FUAs (default :func:`fua_names`).

    Returns
    -------
    FuaResult
        :func:`fua.delineate_fuas` with ``travel_time`` = minutes from every
        cell to the nearest cell of an eligible centre
        (:func:`connectivity.raster_time_to_nearest`) and that centre.
    """
    if cells.cells is None:
        msg = "cells must be raster cells (OriginSet.from_raster)"
        raise ParameterError(msg)
    lab = np.asarray(result.centre_labels)
    keep = centres.loc[centres["pop"] >= threshold, "uc_id"].to_numpy()
    eligible = np.where(np.isin(lab, keep), lab, 0)
    centre_cells = cells.subset(eligible[cells.cells.rows, cells.cells.cols] > 0)
    t = np.full(lab.shape, np.inf)
    uc = np.zeros(lab.shape, dtype=eligible.dtype)
    if centre_cells.ok.any() and centre_cells.cells is not None:
        tt = raster_time_to_nearest(net, cells, centre_cells)
        t = np.where(np.isfinite(tt.time_min), tt.time_min, np.inf).astype("float64")
        uc_of = eligible[centre_cells.cells.rows, centre_cells.cells.cols]
        uc = np.where(tt.nearest >= 0, uc_of[np.maximum(tt.nearest, 0)], 0)
    return delineate_fuas(
        result,
        commuting=model,
        travel_time=(t, uc),
        params=FuaParams(min_centre_pop=threshold),
        names=fua_names() if names is None else names,
    )


def centre_points(fuas: gpd.GeoDataFrame, centres: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One point per FUA: the population-weighted centroid of its first urban centre.

    Returns a GeoDataFrame indexed by ``fua_id`` with ``fua_id`` and ``name``.
    """
    first = fuas["uc_ids"].astype(str).str.split(r"[;, ]+").str[0].astype(int)
    c = centres.set_index("uc_id")
    pts = shapely.points(
        c.loc[first, "centroid_x"].to_numpy(), c.loc[first, "centroid_y"].to_numpy()
    )
    return gpd.GeoDataFrame(
        {"fua_id": fuas["fua_id"].to_numpy(), "name": fuas["name"].to_numpy()},
        geometry=pts,
        crs=fuas.crs,
        index=pd.Index(fuas["fua_id"].to_numpy(), name="fua_id"),
    )
