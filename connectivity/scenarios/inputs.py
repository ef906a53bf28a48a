"""What the measures call for their ``scenario=`` keyword.

:func:`scenario_inputs` is the one line at the top of every measure: it
returns the scenario network (``scenario.apply(net)``, or ``net`` itself
without a scenario or when the scenario leaves the network alone) and the
measure's places, where an :class:`~connectivity.OriginSet` snapped to the
base network is **snapped again** to the scenario network. Its points are
kept, so this is exact and cheap next to the search: on the scenario
network a place may join a new link, cannot join a closed road, and its
segment's times reflect an upgrade (a set snapped to the base would carry
stale times). Raw layers and rasters are snapped by the measure itself, on
the scenario network. :class:`~connectivity.scenarios.OffroadSpeed` areas
are honoured by every snapping onto the scenario network.

:func:`scenario_crossings` opens and closes border crossings for
:func:`connectivity.border_access`; :func:`scenario_edge_refs` carries road
refs of the base edges to the scenario network for
:func:`connectivity.corridor_access`.
"""

from __future__ import annotations

import dataclasses
import logging
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike

from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet, Places
from connectivity.scenarios.changes import BorderCrossing
from connectivity.scenarios.scenario import Scenario, base_edges
from connectivity.snapping import snap_xy

__all__ = ["scenario_crossings", "scenario_edge_refs", "scenario_inputs", "scenario_network"]

log = logging.getLogger(__name__)

A = TypeVar("A")
B = TypeVar("B")

#: The network each scenario was last applied to, and the result (one entry per scenario).
_APPLIED: weakref.WeakKeyDictionary[Scenario, tuple[weakref.ref[RoadNetwork], RoadNetwork]] = (
    weakref.WeakKeyDictionary()
)
#: The last re-snapping of each OriginSet: (scenario network, re-snapped set).
_RESNAPPED: weakref.WeakKeyDictionary[OriginSet, tuple[weakref.ref[RoadNetwork], OriginSet]] = (
    weakref.WeakKeyDictionary()
)


def scenario_network(net: RoadNetwork, scenario: Scenario | None) -> RoadNetwork:
    """``scenario.apply(net)`` (remembered per scenario), or ``net`` when nothing changes it."""
    if scenario is None:
        return net
    if not isinstance(scenario, Scenario):
        msg = f"scenario must be a connectivity.Scenario, got {type(scenario).__name__}"
        raise ParameterError(msg)
    if not scenario.changes_network:
        return net
    hit = _APPLIED.get(scenario)
    if hit is not None and hit[0]() is net:
        return hit[1]
    new = scenario.apply(net)
    _APPLIED[scenario] = (weakref.ref(net), new)
    return new


def _on_network(place: object, base: RoadNetwork, new: RoadNetwork) -> object:
    if not isinstance(place, OriginSet) or new is base:
        return place
    hit = _RESNAPPED.get(place)
    if hit is not None and hit[0]() is new:
        return hit[1]
    place.check_network(base)
    s = place.snapped
    log.info("snapping %d places again, onto the scenario network", len(s))
    snapped = snap_xy(
        new, s.x, s.y, index=s.index, max_snap_m=s.max_snap_m,
        offroad_speed_kmh=s.offroad_speed_kmh,
    )  # fmt: skip
    out = dataclasses.replace(place, snapped=snapped, network_size=(new.n_nodes, new.n_edges))
    _RESNAPPED[place] = (weakref.ref(new), out)
    return out


@overload
def scenario_inputs(net: RoadNetwork, scenario: Scenario | None, /) -> tuple[RoadNetwork]: ...
@overload
def scenario_inputs(
    net: RoadNetwork, scenario: Scenario | None, a: A, /
) -> tuple[RoadNetwork, A]: ...
@overload
def scenario_inputs(
    net: RoadNetwork, scenario: Scenario | None, a: A, b: B, /
) -> tuple[RoadNetwork, A, B]: ...
def scenario_inputs(
    net: RoadNetwork, scenario: Scenario | None, /, *places: object
) -> tuple[object, ...]:
    """The network and places a measure runs on under ``scenario`` (see the module notes).

    Parameters
    ----------
    net : RoadNetwork
        The base network.
    scenario : Scenario or None
        None: everything is returned as it is.
    *places : OriginSet, layer, raster or None
        The measure's origins, destinations, opportunities or sources.

    Returns
    -------
    tuple
        ``(network, *places)``: OriginSets snapped to ``net`` are re-snapped
        to the scenario network; everything else is returned as it is.
    """
    new = scenario_network(net, scenario)
    return (new, *(_on_network(p, net, new) for p in places))


def scenario_edge_refs(
    net: RoadNetwork, edge_refs: ArrayLike | Mapping[Any, Any] | None
) -> ArrayLike | Mapping[Any, Any] | None:
    """Road refs of a base network's edges, for the edges of the scenario network ``net``.

    A mapping by source id is returned as it is (split edges keep their
    source id); one value per base edge is re-ordered, with ``""`` for the
    edges of added links.
    """
    base = base_edges(net)
    if base is None or edge_refs is None or isinstance(edge_refs, Mapping):
        return edge_refs
    arr = np.asarray(edge_refs, dtype=object)
    return np.where(base >= 0, arr[np.maximum(base, 0)], "")


def _crossing_ids(crossings: gpd.GeoDataFrame, id_col: str | None) -> pd.Index:
    if id_col is None:
        return pd.Index(crossings.index)
    if id_col not in crossings.columns:
        msg = f"crossings have no column {id_col!r}; columns are {list(crossings.columns)}"
        raise DataError(msg)
    return pd.Index(crossings[id_col])


def _crossing_row(
    crossings: gpd.GeoDataFrame, id_col: str | None, change: BorderCrossing, net: RoadNetwork
) -> int:
    """Position of the crossing a change names or points at (refused when there is none)."""
    ids = _crossing_ids(crossings, id_col)
    if isinstance(change.name_or_point, str):
        hit = np.flatnonzero(ids.astype(str) == change.name_or_point)
        if hit.size == 0:
            msg = (
                f"unknown border crossing {change.name_or_point!r}; the crossings are "
                f"{', '.join(map(str, ids[:20]))}; give a point to open a new one"
            )
            raise DataError(msg)
        return int(hit[0])
    pts = crossings.geometry.to_crs(net.crs)
    d = shapely.distance(pts.values, change.name_or_point)
    j = int(np.nanargmin(d)) if np.isfinite(d).any() else -1
    if j < 0 or d[j] > change.match_m:
        msg = f"no border crossing within match_m={change.match_m:g} m of {change.name_or_point}"
        raise DataError(msg)
    return j


def scenario_crossings(
    scenario: Scenario | None, crossings: Places, id_col: str | None, net: RoadNetwork
) -> Places:
    """The crossings a border measure uses under ``scenario``: closed ones out, opened ones in.

    A closed crossing (by name, or the nearest within ``match_m`` of its
    point) is dropped; a crossing opened at a point not on the layer is
    added (labelled ``name`` or ``crossing_<x>_<y>``, network-CRS metres).
    Crossings passed as an OriginSet cannot change: pass the layer.
    """
    changes = () if scenario is None else scenario.crossings
    if not changes:
        return crossings
    if not isinstance(crossings, gpd.GeoDataFrame):
        msg = "a scenario that opens or closes crossings needs the crossings as a GeoDataFrame"
        raise ParameterError(msg)
    out = crossings
    for change in Scenario(changes, crs=scenario.crs if scenario else None).in_crs(net.crs):
        assert isinstance(change, BorderCrossing)
        point = change.name_or_point
        if not change.open:
            out = out.drop(index=out.index[_crossing_row(out, id_col, change, net)])
        elif isinstance(point, str):
            _crossing_row(out, id_col, change, net)  # an open crossing stays; unknown: refused
        else:
            label = change.name or f"crossing_{point.x:.0f}_{point.y:.0f}"
            gname = out.geometry.name
            cols = {gname: gpd.GeoSeries([point], crs=net.crs).to_crs(out.crs).values}
            if id_col is not None:
                cols[id_col] = [label]
            row = gpd.GeoDataFrame(cols, geometry=gname, crs=out.crs)
            if id_col is None:
                row.index = pd.Index([label])
            out = pd.concat([out, row])
    if len(out) == 0:
        msg = "the scenario closes every border crossing; nothing is left to reach"
        raise DataError(msg)
    return out
