"""Accessibility measures on a road network.

Nearest-destination times, times to every destination, OD matrices,
cumulative opportunities, gravity (market) access, grid outputs and
population-weighted summaries.

Origins may be a point layer, a polygon layer (centroid or representative
point), or a population raster (every populated cell becomes an origin at its
centre). Every point joins the network on its nearest road segment through an
off-road leg (:mod:`connectivity.snapping`); unreachable origins get NaN, a
``reason`` and a count in ``DataFrame.attrs``, never a sentinel number.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import (
    Origins,
    PointSet,
    RasterLike,
    load_destinations,
    load_points,
    load_weights,
    origin_frame,
    origin_reasons,
    raster_points,
    result_attrs,
)
from connectivity.routing import nearest, od_blocks
from connectivity.snapping import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_OFFROAD_SPEED_KMH,
    PolygonPoint,
)

__all__ = [
    "TravelTimeGrid",
    "cumulative_opportunities",
    "decay_weights",
    "gravity_access",
    "internal_time_min",
    "od_matrix",
    "population_within",
    "raster_time_to_nearest",
    "time_to_nearest",
    "times_to_each",
]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# nearest destination
# ---------------------------------------------------------------------------
def time_to_nearest(
    net: RoadNetwork,
    origins: Origins,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    dest_id_col: str | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    max_time_min: float | None = None,
    polygon_point: PolygonPoint = "centroid",
    min_pop: float = 0.0,
) -> gpd.GeoDataFrame:
    """Travel time from every origin to its nearest destination, and which one.

    Parameters
    ----------
    net : RoadNetwork
        Road network in a projected metric CRS.
    origins : GeoDataFrame, GeoSeries or raster
        Points; polygons (their centroid or representative point); or a
        population raster as a path, ``(array, transform, crs)`` or a
        ``PopulationGrid`` (every cell with population > ``min_pop`` is an
        origin at its centre).
    destinations : GeoDataFrame or GeoSeries
        Points or polygons (e.g. special economic zones).
    dest_id_col : str, optional
        Column of ``destinations`` with their ids (default: its index).
    max_snap_m : float, default 2000
        Origins and destinations farther than this from every road are
        unusable; origins then get NaN and a ``reason``.
    offroad_speed_kmh : float, default 5
        Speed of the straight leg between a point and its road.
    max_time_min : float, optional
        Search horizon; faster when small. Farther origins get NaN.
    polygon_point : {"centroid", "representative"}
        Point used for polygon inputs.
    min_pop : float
        Raster origins: minimum population for a cell to be an origin.

    Returns
    -------
    GeoDataFrame
        Indexed like ``origins`` (raster: flat cell number ``row * ncols + col``)
        with the origin geometry and ``time_min`` (NaN when unreachable),
        ``nearest_id``, ``origin_snap_m``, ``dest_snap_m`` and ``reason``;
        ``.attrs`` holds ``n_unreachable``, ``n_beyond_snap`` and the parameters.

    Notes
    -----
    One Dijkstra pass on the transposed graph from all destinations at once
    (:func:`connectivity.routing.nearest`); a trip is
    ``offroad(origin) + road time + offroad(destination)``.
    """
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    orig = load_points(
        net, origins, name="origins", polygon_point=polygon_point, min_pop=min_pop, **kw
    )
    dest = load_destinations(
        net, destinations, id_col=dest_id_col, polygon_point=polygon_point, **kw
    )
    res = nearest(net, orig.snapped, dest.snapped, max_time_min=max_time_min)
    t = np.where(np.isfinite(res.time_min), res.time_min, np.nan)
    out = origin_frame(orig)
    found = res.dest >= 0
    ids = pd.Series(pd.NA, index=out.index, dtype="object")
    ids[found] = dest.ids.to_numpy()[res.dest[found]]
    out["time_min"] = t
    out["nearest_id"] = ids.infer_objects() if found.all() else ids
    out["origin_snap_m"] = orig.snapped.dist_m
    dsnap = np.full(len(out), np.nan)
    dsnap[found] = dest.snapped.dist_m[res.dest[found]]
    out["dest_snap_m"] = dsnap
    out["reason"] = origin_reasons(orig.snapped, t, max_time_min)
    out.attrs = result_attrs(
        orig.snapped,
        t,
        max_time_min=max_time_min,
        n_destinations=len(dest.snapped),
        n_destinations_unusable=int((~dest.snapped.ok).sum()),
    )
    return out


@dataclass(frozen=True)
class TravelTimeGrid:
    """Travel time to the nearest destination on a raster grid.

    Attributes
    ----------
    time_min : numpy.ndarray
        float32 minutes; NaN for cells that are not origins or are unreachable.
    nearest : numpy.ndarray
        int32 position of the nearest destination in ``nearest_ids``; -1 none.
    nearest_ids : tuple
        Destination ids by position.
    pop : numpy.ndarray
        The population grid (NaN = nodata).
    transform : affine.Affine
    crs : pyproj.CRS
    attrs : dict
        Counts and parameters (as on :func:`time_to_nearest` results).
    """

    time_min: np.ndarray
    nearest: np.ndarray
    nearest_ids: tuple[Any, ...]
    pop: np.ndarray
    transform: Any
    crs: CRS
    attrs: dict[str, Any] = field(default_factory=dict)


def raster_time_to_nearest(
    net: RoadNetwork,
    raster: RasterLike,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    dest_id_col: str | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    max_time_min: float | None = None,
    min_pop: float = 0.0,
    all_cells: bool = False,
) -> TravelTimeGrid:
    """Minutes to the nearest destination for every populated cell of a raster.

    Parameters are those of :func:`time_to_nearest`; ``all_cells=True`` also
    computes unpopulated (but valid) cells, for a continuous map.

    Returns
    -------
    TravelTimeGrid
        ``.time_min`` is on the raster's grid (write it with
        ``connectivity.io.write_raster(path, g.time_min, transform=g.transform,
        crs=g.crs)``).
    """
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    orig = raster_points(net, raster, min_pop=min_pop, all_cells=all_cells, **kw)
    dest = load_destinations(net, destinations, id_col=dest_id_col, **kw)
    res = nearest(net, orig.snapped, dest.snapped, max_time_min=max_time_min)
    assert orig.cells is not None
    cells = orig.cells
    grid_t = np.full(cells.grid_pop.shape, np.nan, dtype="float32")
    grid_n = np.full(cells.grid_pop.shape, -1, dtype="int32")
    t = np.where(np.isfinite(res.time_min), res.time_min, np.nan)
    grid_t[cells.rows, cells.cols] = t
    grid_n[cells.rows, cells.cols] = res.dest
    attrs = result_attrs(
        orig.snapped, t, max_time_min=max_time_min, n_destinations=len(dest.snapped)
    )
    return TravelTimeGrid(
        time_min=grid_t,
        nearest=grid_n,
        nearest_ids=tuple(dest.ids.tolist()),
        pop=cells.grid_pop,
        transform=cells.transform,
        crs=cells.crs,
        attrs=attrs,
    )


def population_within(
    times: TravelTimeGrid | np.ndarray | pd.Series,
    pop: np.ndarray | pd.Series | None = None,
    thresholds_min: Sequence[float] = (30, 60, 120, 240),
    *,
    by: np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Population within each travel-time threshold, and its share.

    Parameters
    ----------
    times : TravelTimeGrid or array_like
        Minutes per cell/origin; NaN = unreachable (counted as beyond every
        threshold, so shares are of the *whole* population).
    pop : array_like, optional
        Population per cell/origin (same shape); default ``times.pop``.
    thresholds_min : sequence of float
        Thresholds in minutes (inclusive: ``t <= T``).
    by : array_like, optional
        Group label per cell/origin (e.g. region codes); one block of rows per group.

    Returns
    -------
    DataFrame
        Columns ``threshold_min``, ``pop_within``, ``share_within``,
        ``pop_total`` (and the group column ``by`` when given).
    """
    if isinstance(times, TravelTimeGrid):
        t = np.asarray(times.time_min, dtype="float64")
        p = np.asarray(times.pop if pop is None else pop, dtype="float64")
    else:
        if pop is None:
            msg = "pop is required when times is an array"
            raise ParameterError(msg)
        t = np.asarray(times, dtype="float64")
        p = np.asarray(pop, dtype="float64")
    if t.shape != p.shape:
        msg = f"times {t.shape} and pop {p.shape} must have the same shape"
        raise DataError(msg)
    thr = np.asarray(sorted(float(x) for x in thresholds_min))
    if thr.size == 0 or (thr <= 0).any():
        msg = "thresholds_min must be positive minutes, e.g. (30, 60, 120)"
        raise ParameterError(msg)
    p = np.where(np.isfinite(p), p, 0.0).ravel()
    t = t.ravel()
    labels = np.zeros(t.size, dtype="int64") if by is None else np.asarray(by).ravel()
    if labels.size != t.size:
        msg = "by must have one label per cell/origin"
        raise DataError(msg)
    frame = pd.DataFrame({"g": labels, "t": t, "p": p})
    rows = []
    for g, sub in frame.groupby("g", sort=True):
        total = float(sub["p"].sum())
        tv = sub["t"].to_numpy()
        pv = sub["p"].to_numpy()
        for x in thr:
            within = float(pv[~np.isnan(tv) & (tv <= x)].sum())
            share = within / total if total > 0 else np.nan
            rows.append(
                {
                    "by": g,
                    "threshold_min": x,
                    "pop_within": within,
                    "share_within": share,
                    "pop_total": total,
                }
            )
    out = pd.DataFrame(rows)
    if by is None:
        out = out.drop(columns="by")
    return out


# ---------------------------------------------------------------------------
# many-to-many
# ---------------------------------------------------------------------------
def od_matrix(
    net: RoadNetwork,
    a: Origins,
    b: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    a_id_col: str | None = None,
    b_id_col: str | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    max_time_min: float | None = None,
    polygon_point: PolygonPoint = "centroid",
    progress: bool = False,
) -> pd.DataFrame:
    """Origin-destination travel-time matrix in minutes (rows ``a``, columns ``b``).

    Unreachable pairs (and rows/columns of points beyond ``max_snap_m``) are
    NaN; ``.attrs`` counts them. Rows are labelled by ``a``'s index (or
    ``a_id_col``), columns by ``b``'s index (or ``b_id_col``).

    Notes
    -----
    One Dijkstra per point of the smaller side
    (:func:`connectivity.routing.od_blocks`); the matrix holds
    ``len(a) * len(b)`` floats, so use :func:`cumulative_opportunities` or
    :func:`gravity_access` for large problems.
    """
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    pa = load_points(net, a, name="origins", id_col=a_id_col, polygon_point=polygon_point, **kw)
    pb = load_destinations(net, b, id_col=b_id_col, polygon_point=polygon_point, **kw)
    mat = np.full((len(pa.snapped), len(pb.snapped)), np.nan)
    for r, c, block in od_blocks(
        net, pa.snapped, pb.snapped, max_time_min=max_time_min, progress=progress
    ):
        mat[np.ix_(r, c)] = np.where(np.isfinite(block), block, np.nan)
    out = pd.DataFrame(mat, index=pa.ids.copy(), columns=pb.ids.copy())
    out.index.name = out.index.name or "origin"
    out.columns.name = out.columns.name or "destination"
    n_nan = int(np.isnan(mat).sum())
    if n_nan:
        log.warning("%d of %d OD pairs have no travel time", n_nan, mat.size)
    out.attrs = {
        "n_pairs_unreachable": n_nan,
        "n_origins_beyond_snap": pa.snapped.n_beyond,
        "n_destinations_unusable": int((~pb.snapped.ok).sum()),
        "max_snap_m": max_snap_m,
        "offroad_speed_kmh": offroad_speed_kmh,
        "max_time_min": max_time_min,
    }
    return out


def times_to_each(
    net: RoadNetwork,
    origins: Origins,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    dest_id_col: str | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    max_time_min: float | None = None,
    polygon_point: PolygonPoint = "centroid",
    min_pop: float = 0.0,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Travel time from every origin to every destination, one column each.

    Returns the origins (index and geometry kept) with one float column per
    destination, named ``"time_min_<id>"``; NaN when unreachable.
    """
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    orig = load_points(
        net, origins, name="origins", polygon_point=polygon_point, min_pop=min_pop, **kw
    )
    dest = load_destinations(
        net, destinations, id_col=dest_id_col, polygon_point=polygon_point, **kw
    )
    mat = np.full((len(orig.snapped), len(dest.snapped)), np.nan)
    for r, c, block in od_blocks(
        net, orig.snapped, dest.snapped, max_time_min=max_time_min, progress=progress
    ):
        mat[np.ix_(r, c)] = np.where(np.isfinite(block), block, np.nan)
    out = origin_frame(orig)
    cols = {f"time_min_{d}": mat[:, j] for j, d in enumerate(dest.ids)}
    out = pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
    best = np.min(np.where(np.isnan(mat), np.inf, mat), axis=1, initial=np.inf)
    out.attrs = result_attrs(orig.snapped, best, max_time_min=max_time_min)
    return gpd.GeoDataFrame(out, geometry=out.geometry.name)


def cumulative_opportunities(
    net: RoadNetwork,
    origins: Origins,
    opportunities: gpd.GeoDataFrame | gpd.GeoSeries,
    weights: str | np.ndarray | None = None,
    thresholds_min: Sequence[float] = (30, 60),
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    polygon_point: PolygonPoint = "centroid",
    min_pop: float = 0.0,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Opportunities (jobs, people, facilities) reachable within T minutes.

    Parameters
    ----------
    opportunities : GeoDataFrame or GeoSeries
        Where the opportunities are.
    weights : str or array_like, optional
        Column of ``opportunities`` (or one value each) to add up; default 1
        (a count of reachable opportunities).
    thresholds_min : sequence of float
        Travel-time thresholds T in minutes.

    Returns
    -------
    GeoDataFrame
        Origins with one column ``opp_<T>min`` per threshold: Σ_j w_j [t_ij <= T];
        NaN for origins beyond ``max_snap_m``.

    Notes
    -----
    Cumulative-opportunity (isochronic) accessibility, A_i(T) = Σ_j w_j 1(t_ij <= T)
    (Geurs & van Wee 2004, "Accessibility evaluation of land-use and transport
    strategies", J. Transport Geography 12). The search stops at max(T).
    """
    thr = np.asarray(sorted(float(x) for x in thresholds_min))
    if thr.size == 0 or not (thr > 0).all():
        msg = "thresholds_min must be positive minutes, e.g. (30, 60)"
        raise ParameterError(msg)
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    orig = load_points(
        net, origins, name="origins", polygon_point=polygon_point, min_pop=min_pop, **kw
    )
    opp = load_destinations(net, opportunities, polygon_point=polygon_point, **kw)
    w = load_weights(opp, opportunities, weights, "opportunities")
    acc = np.zeros((len(orig.snapped), thr.size))
    for r, c, block in od_blocks(
        net, orig.snapped, opp.snapped, max_time_min=float(thr.max()), progress=progress
    ):
        wc = w[c]
        for k, x in enumerate(thr):
            acc[r, k] += (block <= x) @ wc
    acc[~orig.snapped.ok] = np.nan
    out = origin_frame(orig)
    for k, x in enumerate(thr):
        out[f"opp_{x:g}min"] = acc[:, k]
    out.attrs = result_attrs(
        orig.snapped, np.where(orig.snapped.ok, 0.0, np.nan), thresholds_min=thr.tolist()
    )
    return out


def internal_time_min(area_m2: np.ndarray, speed_kmh: float) -> np.ndarray:
    """Own-zone travel time: (2/3) sqrt(area / pi) at ``speed_kmh``, in minutes.

    Notes
    -----
    The mean distance from the centre of a disc of radius r to points spread
    uniformly over it is 2r/3; with r = sqrt(area / pi) this is the internal
    distance d_ii = (2/3) sqrt(area_i / pi) used for a zone's self-potential
    (Head & Mayer 2000, "Non-Europe: the magnitude and causes of market
    fragmentation in the EU", Weltwirtschaftliches Archiv 136(2); see Frost &
    Spence 1995, "The rediscovery of accessibility and economic potential:
    the critical issue of self-potential", Environment and Planning A 27).
    """
    if not (speed_kmh > 0):
        msg = f"own_zone_speed_kmh must be positive, got {speed_kmh!r}"
        raise ParameterError(msg)
    d = (2.0 / 3.0) * np.sqrt(np.asarray(area_m2, dtype="float64") / np.pi)
    return d / (speed_kmh * 1000.0 / 60.0)


def decay_weights(
    t: np.ndarray, *, decay: str, beta: float, min_time_min: float = 0.0
) -> np.ndarray:
    """Distance-decay weights f(t): ``exp(-beta t)`` or ``max(t, min_time_min) ** -beta``.

    Unreachable (infinite or NaN) times weigh 0. Used by :func:`gravity_access`
    and by the market-potential metrics in ``fua.metrics``.
    """
    if decay not in ("exp", "power"):
        msg = f"decay must be 'exp' or 'power', got {decay!r}"
        raise ParameterError(msg)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if decay == "exp":
            f = np.exp(-beta * t)
        else:
            f = np.maximum(t, min_time_min) ** (-beta)
    return np.where(np.isfinite(t), f, 0.0)


def gravity_access(
    net: RoadNetwork,
    origins: Origins,
    destinations: gpd.GeoDataFrame | gpd.GeoSeries,
    weights: str | np.ndarray | None,
    *,
    beta: float,
    decay: Literal["exp", "power"] = "exp",
    own_zone: bool = False,
    own_zone_speed_kmh: float = 30.0,
    min_time_min: float = 1.0,
    max_time_min: float | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    polygon_point: PolygonPoint = "centroid",
    min_pop: float = 0.0,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Gravity (market-potential) accessibility A_i = Σ_j w_j f(t_ij).

    Parameters
    ----------
    weights : str or array_like or None
        Mass of each destination (population, GDP, jobs): a column name, an
        array, or None for 1.
    beta : float
        Decay parameter: per minute for ``"exp"`` (f = exp(-beta t)), the
        exponent for ``"power"`` (f = t^-beta).
    decay : {"exp", "power"}
    own_zone : bool, default False
        When True, destinations must be polygons; for an origin lying inside
        destination zone j, t_ij is replaced by the zone's internal time
        (:func:`internal_time_min`) instead of the network time (which is only
        the two off-road legs and overstates self-potential).
    own_zone_speed_kmh : float, default 30
        Speed for the internal trip (a typical mean urban speed; set it).
    min_time_min : float, default 1
        Power decay only: times are floored here so f stays finite.
    max_time_min : float, optional
        Ignore destinations farther than this (faster; f is truncated).

    Returns
    -------
    GeoDataFrame
        Origins with ``access`` (NaN beyond ``max_snap_m``) and, with
        ``own_zone``, ``own_zone_term`` (the part due to the own zone).

    Notes
    -----
    Hansen (1959) potential accessibility with exponential or power decay;
    the own-zone term follows Head & Mayer (2000): t_ii = (2/3) sqrt(A_i / pi) / v.
    """
    if decay not in ("exp", "power"):
        msg = f"decay must be 'exp' or 'power', got {decay!r}"
        raise ParameterError(msg)
    if not (np.isfinite(beta) and beta > 0):
        msg = f"beta must be a positive number, got {beta!r}"
        raise ParameterError(msg)
    if decay == "power" and not (min_time_min > 0):
        msg = "min_time_min must be > 0 with power decay (t^-beta is infinite at 0)"
        raise ParameterError(msg)
    kw: dict[str, Any] = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
    orig = load_points(
        net, origins, name="origins", polygon_point=polygon_point, min_pop=min_pop, **kw
    )
    dest = load_destinations(net, destinations, polygon_point=polygon_point, **kw)
    w = load_weights(dest, destinations, weights, "destinations")
    own_o = own_d = np.array([], dtype="int64")
    own_t = np.array([], dtype="float64")
    if own_zone:
        own_o, own_d, own_t = _own_pairs(net, orig, dest, own_zone_speed_kmh)
    acc = np.zeros(len(orig.snapped))
    own_term = np.zeros(len(orig.snapped))
    for r, c, block in od_blocks(
        net, orig.snapped, dest.snapped, max_time_min=max_time_min, progress=progress
    ):
        if own_o.size:
            sel = np.isin(own_o, r) & np.isin(own_d, c)
            if sel.any():
                rr = np.searchsorted(r, own_o[sel])
                cc = np.searchsorted(c, own_d[sel])
                block = block.copy()
                block[rr, cc] = own_t[sel]
                own_term[own_o[sel]] += w[own_d[sel]] * decay_weights(
                    own_t[sel], decay=decay, beta=beta, min_time_min=min_time_min
                )
        acc[r] += decay_weights(block, decay=decay, beta=beta, min_time_min=min_time_min) @ w[c]
    acc[~orig.snapped.ok] = np.nan
    own_term[~orig.snapped.ok] = np.nan
    out = origin_frame(orig)
    out["access"] = acc
    if own_zone:
        out["own_zone_term"] = own_term
    out.attrs = result_attrs(
        orig.snapped,
        np.where(orig.snapped.ok, 0.0, np.nan),
        decay=decay,
        beta=beta,
        own_zone=own_zone,
        own_zone_speed_kmh=own_zone_speed_kmh if own_zone else None,
        max_time_min=max_time_min,
    )
    return out


def _own_pairs(
    net: RoadNetwork, orig: PointSet, dest: PointSet, speed_kmh: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin pos, destination pos, internal time) for origins inside a destination zone."""
    if dest.source_geometry is None:  # pragma: no cover - destinations are vector layers
        msg = "own_zone needs polygon destinations"
        raise DataError(msg)
    zones = dest.source_geometry.to_crs(net.crs)
    if not np.isin(shapely.get_type_id(zones.values), (3, 6)).all():
        msg = (
            "own_zone=True needs destinations that are polygons (zones) so their area gives "
            "the internal travel time; pass the zone polygons, or own_zone=False"
        )
        raise DataError(msg)
    pts = shapely.points(orig.snapped.x, orig.snapped.y)
    tree = shapely.STRtree(zones.values)
    oi, dj = tree.query(pts, predicate="within")
    if oi.size:  # an origin on a shared border: keep the first zone
        _, first = np.unique(oi, return_index=True)
        oi, dj = oi[first], dj[first]
    area = shapely.area(zones.values)
    return oi.astype("int64"), dj.astype("int64"), internal_time_min(area[dj], speed_kmh)
