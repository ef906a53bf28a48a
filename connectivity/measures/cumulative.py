"""Cumulative opportunities: what can be reached within T minutes.

Jobs, people or facilities reachable from every origin within each
travel-time threshold. The opportunities may be a point layer with a weight
column or an :class:`~connectivity.OriginSet` (e.g. the populated cells of a
grid, weighted by their population: "people within T minutes of a site").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from numpy.typing import ArrayLike

from connectivity.network import RoadNetwork
from connectivity.origins import Origins, OriginSet, PlaceOptions, Places, place_sets, result_attrs
from connectivity.parts import Parts
from connectivity.routing import checked_thresholds, reach_sums
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario
from connectivity.search import CUMULATIVE

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["cumulative_opportunities"]


def cumulative_opportunities(
    net: RoadNetwork,
    origins: Origins,
    opportunities: Places,
    weights: str | ArrayLike | None = None,
    thresholds_min: Sequence[float] = (30, 60),
    *,
    progress: bool = False,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Opportunities (jobs, people, facilities) reachable within T minutes.

    Parameters
    ----------
    origins : OriginSet, GeoDataFrame, GeoSeries or raster
        Where the trips start (any origins :func:`~connectivity.time_to_nearest` takes).
    opportunities : OriginSet, GeoDataFrame or GeoSeries
        Where the opportunities are.
    weights : str or array_like, optional
        Column of ``opportunities`` (or one value each) to add up; default 1
        (a count of reachable opportunities), or the weights an OriginSet
        carries (the cell population for raster cells).
    thresholds_min : sequence of float
        Travel-time thresholds T in minutes (positive, each once; sorted).
    progress : bool
        Show a bar over the batches of searches.
    **options
        ``max_snap_m``, ``offroad_speed_kmh``, ``polygon_point``, ``min_pop``:
        how raw origins and opportunities are snapped; ``nan_weights``:
        ``"zero"`` counts NaN weights as 0 instead of refusing them
        (:class:`~connectivity.origins.PlaceOptions`).
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        Origins with one column ``opp_<T>min`` per threshold: Σ_j w_j [t_ij <= T];
        NaN for origins beyond ``max_snap_m``.

    Notes
    -----
    Cumulative-opportunity (isochronic) accessibility, A_i(T) = Σ_j w_j 1(t_ij <= T)
    (Geurs & van Wee 2004, "Accessibility evaluation of land-use and transport
    strategies", J. Transport Geography 12). One compiled search per place of
    the smaller side stops at max(T) and adds the weights of what it reaches
    (:func:`connectivity.routing.reach_sums`); no origins × opportunities
    matrix is made.
    """
    net, origins, opportunities = scenario_inputs(net, scenario, origins, opportunities)
    thr = checked_thresholds(thresholds_min)
    orig, opp = place_sets(
        net, origins, opportunities, options, weights=weights, dest_name="opportunities"
    )
    acc = reach_sums(
        net, orig.snapped, opp.snapped, opp.weights, mode=CUMULATIVE, params=thr,
        max_time_min=float(thr.max()), progress=progress,
    )  # fmt: skip
    acc[~orig.ok] = np.nan
    out = orig.frame()
    for k, x in enumerate(thr):
        out[f"opp_{x:g}min"] = acc[:, k]
    out.attrs = result_attrs(
        orig.snapped,
        np.where(orig.ok, 0.0, np.nan),
        presnapped=isinstance(origins, OriginSet),
        thresholds_min=thr.tolist(),
        components=Parts.of(net, orig.snapped, opp.snapped).summary(),
    )
    return out
