"""Gravity (market-potential) access and its building blocks.

A_i = Σ_j w_j f(t_ij) with exponential or power decay (:func:`decay_weights`)
and, for zones, the own-zone travel time of Head & Mayer
(:func:`internal_time_min`). ``fua.metrics`` uses the same two blocks for
the market potential of functional urban areas.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike

from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import Origins, OriginSet, PlaceOptions, Places, place_sets, result_attrs
from connectivity.parts import Parts
from connectivity.routing import reach_sums
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario
from connectivity.search import EXP_DECAY, POWER_DECAY

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["check_decay", "decay_weights", "gravity_access", "internal_time_min"]


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


def check_decay(decay: str, beta: float) -> None:
    """Check the decay of a gravity-type measure: "exp" or "power", and ``beta`` > 0.

    Raises :class:`~connectivity.ParameterError` otherwise.
    """
    if decay not in ("exp", "power"):
        msg = f"decay must be 'exp' or 'power', got {decay!r}"
        raise ParameterError(msg)
    if not (np.isfinite(beta) and beta > 0):
        msg = f"beta must be a positive number, got {beta!r}"
        raise ParameterError(msg)


def gravity_access(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places,
    weights: str | ArrayLike | None,
    *,
    beta: float,
    decay: Literal["exp", "power"] = "exp",
    own_zone: bool = False,
    own_zone_speed_kmh: float = 30.0,
    min_time_min: float = 1.0,
    max_time_min: float | None = None,
    progress: bool = False,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Gravity (market-potential) accessibility A_i = Σ_j w_j f(t_ij).

    Parameters
    ----------
    origins : OriginSet, GeoDataFrame, GeoSeries or raster
        The places whose access is measured (see :func:`~connectivity.time_to_nearest`).
    destinations : OriginSet, GeoDataFrame or GeoSeries
        The masses' places (polygons with ``own_zone``).
    weights : str or array_like or None
        Mass of each destination (population, GDP, jobs): a column name, an
        array, or None for 1 (or the weights of an OriginSet).
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
    progress : bool
        Show a progress bar over the shortest-path batches.
    **options
        How raw places join the network, as in :func:`~connectivity.time_to_nearest`;
        ``nan_weights="zero"`` counts NaN masses as 0 instead of refusing them.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

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
    net, origins, destinations = scenario_inputs(net, scenario, origins, destinations)
    check_decay(decay, beta)
    if decay == "power" and not (min_time_min > 0):
        msg = "min_time_min must be > 0 with power decay (t^-beta is infinite at 0)"
        raise ParameterError(msg)
    orig, dest = place_sets(net, origins, destinations, options, weights=weights)
    own_o = own_d = np.array([], dtype="int64")
    own_t = np.array([], dtype="float64")
    if own_zone:
        own_o, own_d, own_t = _own_pairs(net, orig, dest, own_zone_speed_kmh)
        routed = _routable(orig.snapped.entry_legs()[1])[own_o]
        routed &= _routable(dest.snapped.exit_legs()[1])[own_d]
        own_o, own_d, own_t = own_o[routed], own_d[routed], own_t[routed]
    f = partial(decay_weights, decay=decay, beta=beta, min_time_min=min_time_min)
    w = dest.weights
    own_of = None
    own_term = np.zeros(len(orig))
    if own_o.size:  # the pair's network time is replaced by the zone's internal time
        own_of = np.full(len(orig), -1, dtype="int64")
        own_of[own_o] = own_d
        np.add.at(own_term, own_o, w[own_d] * f(own_t))
    mode, params = (EXP_DECAY, (beta,)) if decay == "exp" else (POWER_DECAY, (beta, min_time_min))
    acc = reach_sums(
        net, orig.snapped, dest.snapped, w, mode=mode, params=params,
        max_time_min=max_time_min, own_of=own_of, progress=progress,
    )[:, 0] + own_term  # fmt: skip
    acc[~orig.ok] = np.nan
    own_term[~orig.ok] = np.nan
    out = orig.frame()
    out["access"] = acc
    if own_zone:
        out["own_zone_term"] = own_term
    out.attrs = result_attrs(
        orig.snapped,
        np.where(orig.ok, 0.0, np.nan),
        presnapped=isinstance(origins, OriginSet),
        decay=decay,
        beta=beta,
        own_zone=own_zone,
        own_zone_speed_kmh=own_zone_speed_kmh if own_zone else None,
        max_time_min=max_time_min,
        components=Parts.of(net, orig.snapped, dest.snapped).summary(),
    )
    return out


def _routable(leg_cost: np.ndarray) -> np.ndarray:
    """Places with at least one usable leg (the ones the searches take)."""
    return np.isfinite(leg_cost).any(axis=1)


def _own_pairs(
    net: RoadNetwork, orig: OriginSet, dest: OriginSet, speed_kmh: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin pos, destination pos, internal time) for origins inside a destination zone."""
    polygons = dest.geometry is not None and bool(
        np.isin(shapely.get_type_id(dest.geometry.values), (3, 6)).all()
    )
    if not polygons:
        msg = (
            "own_zone=True needs destinations that are polygons (zones) so their area gives "
            "the internal travel time; pass the zone polygons, or own_zone=False"
        )
        raise DataError(msg)
    assert dest.geometry is not None
    zones = dest.geometry.to_crs(net.crs)
    pts = shapely.points(orig.snapped.x, orig.snapped.y)
    tree = shapely.STRtree(zones.values)
    oi, dj = tree.query(pts, predicate="within")
    if oi.size:  # an origin on a shared border: keep the first zone
        _, first = np.unique(oi, return_index=True)
        oi, dj = oi[first], dj[first]
    area = shapely.area(zones.values)
    return oi.astype("int64"), dj.astype("int64"), internal_time_min(area[dj], speed_kmh)
