"""Many-to-many travel times: the OD matrix and one column per destination.

Both fill a dense origins x destinations matrix from the memory-bounded
blocks of :func:`connectivity.routing.od_blocks` (one Dijkstra per point of
the smaller side), or, when the destinations are a
:class:`~connectivity.PreparedDestinations`, from its time field (no search
at all; the same times). For large problems use a measure that reduces each block
as it comes (:func:`~connectivity.cumulative_opportunities`,
:func:`~connectivity.gravity_access`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import ParameterError
from connectivity.hierarchy import HierarchyDestinations
from connectivity.network import RoadNetwork
from connectivity.origins import (
    Origins,
    OriginSet,
    PlaceOptions,
    Places,
    check_unique_ids,
    place_sets,
    result_attrs,
)
from connectivity.parts import Parts
from connectivity.prepared import PreparedDestinations
from connectivity.routing import od_blocks
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["od_matrix", "times_to_each"]

log = logging.getLogger(__name__)


#: Destinations prepared once (``b`` of :func:`od_matrix`): their times are looked up or
#: read from buckets instead of searched.
_PREPARED = (PreparedDestinations, HierarchyDestinations)


def _time_matrix(
    net: RoadNetwork,
    orig: OriginSet,
    dest: OriginSet,
    max_time_min: float | None,
    progress: bool,
    prepared: PreparedDestinations | HierarchyDestinations | None = None,
) -> np.ndarray:
    """Minutes from every origin to every destination (NaN: no time)."""
    mat = np.full((len(orig), len(dest)), np.nan)
    if prepared is not None:
        blocks = prepared.blocks(orig.snapped, max_time_min=max_time_min)
    else:
        blocks = od_blocks(
            net, orig.snapped, dest.snapped, max_time_min=max_time_min, progress=progress
        )
    for r, c, block in blocks:
        mat[np.ix_(r, c)] = np.where(np.isfinite(block), block, np.nan)
    return mat


def _sets(
    net: RoadNetwork,
    a: Origins,
    b: Places | PreparedDestinations | HierarchyDestinations,
    options: PlaceOptions,
    a_id_col: str | None,
    b_id_col: str | None,
) -> tuple[OriginSet, OriginSet, PreparedDestinations | HierarchyDestinations | None]:
    """Origins and destinations as OriginSets, and the prepared destinations if ``b`` is one."""
    prepared = b if isinstance(b, _PREPARED) else None
    if prepared is not None:
        prepared.check_network(net)
        if b_id_col is not None:
            msg = "prepared destinations carry their ids; give the id column when preparing them"
            raise ParameterError(msg)
    places = b if prepared is None else prepared.places
    pa, pb = place_sets(net, a, places, options, origin_id_col=a_id_col, dest_id_col=b_id_col)
    check_unique_ids(pb, "destinations")
    return pa, pb, prepared


def od_matrix(
    net: RoadNetwork,
    a: Origins,
    b: Places | PreparedDestinations | HierarchyDestinations,
    *,
    a_id_col: str | None = None,
    b_id_col: str | None = None,
    max_time_min: float | None = None,
    progress: bool = False,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> pd.DataFrame:
    """Origin-destination travel-time matrix in minutes (rows ``a``, columns ``b``).

    ``a`` and ``b`` are what :func:`~connectivity.time_to_nearest` takes as
    origins and destinations (an :class:`~connectivity.OriginSet` is used as
    it is), snapped as ``options`` say (:class:`~connectivity.origins.PlaceOptions`:
    ``max_snap_m``, ``offroad_speed_kmh``, ``polygon_point``). Unreachable pairs (and rows/columns of points beyond
    ``max_snap_m``) are NaN; ``.attrs`` counts them, and its ``components``
    counts the places on each separate part of the network and the pairs on
    different parts (``n_pairs_apart``, NaN as no road joins them). Rows are labelled by
    ``a``'s index (or ``a_id_col``), columns by ``b``'s index (or ``b_id_col``,
    unique ids). ``scenario``: run on ``scenario.apply(net)``
    (:mod:`connectivity.scenarios.inputs`).

    ``b`` may be a :class:`~connectivity.PreparedDestinations` (built once on
    ``net``): the times are then gathered from its field without a search,
    and ``max_time_min`` may not exceed the one it was prepared with. Or
    ``b`` is a :class:`~connectivity.hierarchy.HierarchyDestinations`
    (:meth:`ContractionHierarchy.prepare <connectivity.ContractionHierarchy.prepare>`):
    one upward search per origin, same times up to float rounding.

    Notes
    -----
    One Dijkstra per point of the smaller side
    (:func:`connectivity.routing.od_blocks`), none with prepared
    destinations; the matrix holds
    ``len(a) * len(b)`` floats, so use :func:`cumulative_opportunities` or
    :func:`gravity_access` for large problems.
    """
    net, a, b = scenario_inputs(net, scenario, a, b)
    pa, pb, prepared = _sets(net, a, b, options, a_id_col, b_id_col)
    mat = _time_matrix(net, pa, pb, max_time_min, progress, prepared)
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
        "max_snap_m": pa.snapped.max_snap_m,
        "offroad_speed_kmh": pa.snapped.offroad_speed_kmh,
        "max_time_min": max_time_min,
        "components": Parts.of(net, pa.snapped, pb.snapped).summary(pairs=True),
    }
    return out


def times_to_each(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places | PreparedDestinations | HierarchyDestinations,
    *,
    dest_id_col: str | None = None,
    max_time_min: float | None = None,
    progress: bool = False,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Travel time from every origin to every destination, one column each.

    Parameters are those of :func:`~connectivity.time_to_nearest`. Returns
    the origins (index and geometry kept) with one float column per
    destination, named ``"time_min_<id>"``; NaN when unreachable. ``scenario``:
    run on ``scenario.apply(net)`` (:mod:`connectivity.scenarios.inputs`).
    ``destinations`` may be a :class:`~connectivity.PreparedDestinations`
    (see :func:`od_matrix`; not with a ``scenario``, whose network is another).
    """
    net, origins, destinations = scenario_inputs(net, scenario, origins, destinations)
    orig, dest, prepared = _sets(net, origins, destinations, options, None, dest_id_col)
    mat = _time_matrix(net, orig, dest, max_time_min, progress, prepared)
    out = orig.frame()
    cols = {f"time_min_{d}": mat[:, j] for j, d in enumerate(dest.ids)}
    out = pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
    best = np.min(np.where(np.isnan(mat), np.inf, mat), axis=1, initial=np.inf)
    out.attrs = result_attrs(
        orig.snapped, best, presnapped=isinstance(origins, OriginSet), max_time_min=max_time_min,
        components=Parts.of(net, orig.snapped, dest.snapped).summary(pairs=True),
    )  # fmt: skip
    return gpd.GeoDataFrame(out, geometry=out.geometry.name)
