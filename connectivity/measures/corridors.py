"""Access to transport corridors and border crossings.

A corridor (an international road corridor, a railway with freight
terminals, a republican highway) is reached at its *access points*: the
network nodes lying within a tolerance of the corridor line and, when the
corridor is a road of the network, on that road (matched by its ref, e.g.
``M36`` / ``E40``, or restricted to road classes). The time to a corridor
is then a one-pass multi-source search from its access points on the
transposed graph.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.measures.nearest import time_to_nearest
from connectivity.network import RoadNetwork
from connectivity.origins import Origins, OriginSet, PlaceOptions, Places, origin_set, result_attrs
from connectivity.parts import Parts
from connectivity.progress import bar
from connectivity.refs import ref_index, road_refs
from connectivity.routing import nearest_node
from connectivity.scenarios.inputs import scenario_crossings, scenario_edge_refs, scenario_inputs
from connectivity.scenarios.scenario import Scenario

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["border_access", "corridor_access", "time_to_corridors"]

log = logging.getLogger(__name__)


def _corridors_in_network_crs(
    net: RoadNetwork, corridors: gpd.GeoDataFrame, columns: Sequence[str | None]
) -> gpd.GeoDataFrame:
    """The corridor lines, checked (non-empty, a CRS, the named ``columns``), in ``net.crs``."""
    if not isinstance(corridors, gpd.GeoDataFrame) or len(corridors) == 0:
        msg = "corridors must be a non-empty GeoDataFrame of lines"
        raise DataError(msg)
    if corridors.crs is None:
        msg = "corridors have no CRS; set it with corridors.set_crs(...)"
        raise CRSError(msg)
    for col in columns:
        if col is not None and col not in corridors.columns:
            msg = f"corridors have no column {col!r}; columns are {list(corridors.columns)}"
            raise DataError(msg)
    if not CRS.from_user_input(corridors.crs).equals(net.crs):
        log.info("reprojecting corridors from %s to the network CRS", corridors.crs.to_string())
        corridors = corridors.to_crs(net.crs)
    return corridors


def _nodes_on(net: RoadNetwork, edges: np.ndarray) -> np.ndarray:
    """Boolean per node: an end of one of the directed ``edges`` (a boolean mask)."""
    out = np.zeros(net.n_nodes, dtype=bool)
    out[net.edge_tails()[edges]] = True
    out[net.indices[edges]] = True
    return out


def _class_nodes(net: RoadNetwork, road_classes: Sequence[str]) -> np.ndarray:
    """Boolean per node: an end of an edge of one of ``road_classes``."""
    unknown = set(road_classes) - set(net.class_names)
    if unknown:
        msg = f"road_classes {sorted(unknown)} not in the network's classes {net.class_names}"
        raise ParameterError(msg)
    codes = [net.class_names.index(c) for c in road_classes]
    return _nodes_on(net, np.isin(net.road_class, codes))


def corridor_access(
    net: RoadNetwork,
    corridors: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 100.0,
    corridor_id_col: str | None = None,
    road_ref_col: str | None = None,
    edge_refs: ArrayLike | Mapping[Any, Any] | None = None,
    road_classes: Sequence[str] | None = None,
    scenario: Scenario | None = None,
) -> gpd.GeoDataFrame:
    """Network nodes that give access to each corridor line.

    Parameters
    ----------
    net : RoadNetwork
    corridors : GeoDataFrame
        Corridor lines (any CRS; reprojected to the network CRS).
    tolerance_m : float, default 100
        Nodes within this distance of a corridor line are candidates. Use a
        larger value (1-5 km) for schematic corridor lines.
    corridor_id_col : str, optional
        Corridor ids (default: the index).
    road_ref_col : str, optional
        Column of ``corridors`` with the road ref(s) of the corridor (e.g.
        ``"M36;E40"``); together with ``edge_refs`` restricts access points to
        nodes on an edge carrying that ref.
    edge_refs : sequence or mapping, optional
        The ref of every directed edge (in CSR order), or a mapping from
        ``net.edge_source_ids`` (OSM way id / line feature row) to its ref.
    road_classes : sequence of str, optional
        Keep only nodes on edges of these classes (``net.class_names``),
        e.g. ``("motorway", "trunk", "primary")``.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        One row per (corridor, node): ``corridor_id``, ``node``, ``match``
        (``"ref"``, ``"class"`` or ``"distance"``), ``distance_m``, point
        geometry in the network CRS. When the ref/class restriction leaves a
        corridor without nodes, the tolerance alone is used (``match =
        "distance"``) and a warning is logged.

    Notes
    -----
    A node is an access point when it lies within ``tolerance_m`` of the line
    (shapely STRtree ``dwithin`` query) and, when requested, is an end of an
    edge with a matching ref or class. Every such node is a place where a
    vehicle can join the corridor.
    """
    (net,) = scenario_inputs(net, scenario)
    edge_refs = scenario_edge_refs(net, edge_refs)
    if not (tolerance_m > 0):
        msg = f"tolerance_m must be a positive distance in metres, got {tolerance_m!r}"
        raise ParameterError(msg)
    corridors = _corridors_in_network_crs(net, corridors, (corridor_id_col, road_ref_col))
    ids = corridors.index if corridor_id_col is None else pd.Index(corridors[corridor_id_col])
    class_ok = None if road_classes is None else _class_nodes(net, road_classes)
    edge_ref_index = None
    if road_ref_col is not None and edge_refs is not None:
        edge_ref_index = ref_index(net, edge_refs)
    elif road_ref_col is not None:
        log.warning("road_ref_col given without edge_refs: matching corridors by distance only")

    node_pts = shapely.points(net.x, net.y)
    tree = shapely.STRtree(node_pts)
    geoms = corridors.geometry.values
    c_idx, n_idx = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    rows = []
    for c in range(len(corridors)):
        cand = n_idx[c_idx == c]
        match = "distance"
        keep = cand
        if edge_ref_index is not None and cand.size:
            edge_codes, inverted = edge_ref_index
            want = road_refs(corridors[road_ref_col].iloc[c])
            wanted = [k for r in want for k in inverted.get(r, [])]
            node_on = _nodes_on(net, np.isin(edge_codes, wanted))
            if class_ok is not None:
                node_on &= class_ok
            if node_on[cand].any():
                keep, match = cand[node_on[cand]], "ref"
        if match == "distance" and class_ok is not None and class_ok[cand].any():
            keep, match = cand[class_ok[cand]], "class"
        if keep.size == 0:
            log.warning("corridor %r has no network node within %g m", ids[c], tolerance_m)
        elif match == "distance" and (edge_ref_index is not None or class_ok is not None):
            log.warning(
                "corridor %r: no node on a matching road within %g m; using distance only",
                ids[c],
                tolerance_m,
            )
        dist = shapely.distance(node_pts[keep], geoms[c])
        rows.append(
            pd.DataFrame({"corridor_id": ids[c], "node": keep, "match": match, "distance_m": dist})
        )
    table = pd.concat(rows, ignore_index=True)
    geom = gpd.points_from_xy(net.x[table["node"]], net.y[table["node"]])
    return gpd.GeoDataFrame(table, geometry=geom, crs=net.crs)


def time_to_corridors(
    net: RoadNetwork,
    origins: Origins,
    access_points: pd.DataFrame,
    *,
    max_time_min: float | None = None,
    progress: bool = False,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Travel time from every origin to each corridor (its nearest access point).

    Parameters
    ----------
    origins : OriginSet, layer or raster
        Points, zones or grid cells, as :func:`connectivity.time_to_nearest` takes them.
    access_points : DataFrame
        The output of :func:`corridor_access` (columns ``corridor_id`` and
        ``node``); any frame with those columns works.
    max_time_min : float, optional
        Search horizon; farther origins get NaN.
    progress : bool
        Show a progress bar over the corridors.
    **options
        How raw origins join the network, as in :func:`connectivity.time_to_nearest`.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        Origins with one column ``time_min_<corridor_id>`` per corridor, plus
        ``time_min`` and ``nearest_corridor`` for the nearest one; NaN when
        unreachable.

    Notes
    -----
    One multi-source Dijkstra per corridor on the transposed graph from its
    access nodes (:func:`connectivity.routing.nearest_node`); an origin's
    time is ``min(entry_a + T(a), entry_b + T(b))`` over the two ends of its
    snapped segment. The time to the nearest access point of *any* corridor
    alone is one pass: ``time_to_nearest(net, origins, nodes=access_points["node"])``.
    """
    net, origins = scenario_inputs(net, scenario, origins)
    if not {"corridor_id", "node"} <= set(access_points.columns):
        msg = "access_points needs columns 'corridor_id' and 'node' (see corridor_access)"
        raise DataError(msg)
    orig = origin_set(net, origins, options)
    groups = list(access_points.groupby("corridor_id", sort=False)["node"])
    out = orig.frame()
    cols = {}
    for cid, node_ids in bar(groups, enabled=progress, desc="corridors", unit="corridor"):
        if len(node_ids) == 0:
            cols[f"time_min_{cid}"] = np.full(len(out), np.nan)
            continue
        t = nearest_node(net, orig.snapped, node_ids.to_numpy(), max_time_min=max_time_min)
        cols[f"time_min_{cid}"] = np.where(np.isfinite(t.time_min), t.time_min, np.nan)
    table = pd.DataFrame(cols, index=out.index)
    values = table.to_numpy(dtype="float64")
    has = ~np.isnan(values).all(axis=1) if values.size else np.zeros(len(out), bool)
    best = np.full(len(out), np.nan)
    which = pd.Series(pd.NA, index=out.index, dtype="object")
    if has.any():
        filled = np.where(np.isnan(values[has]), np.inf, values[has])
        j = np.argmin(filled, axis=1)
        best[has] = filled[np.arange(j.size), j]
        which[has] = [groups[k][0] for k in j]
    out = pd.concat([out, table], axis=1)
    out["time_min"] = best
    out["nearest_corridor"] = which
    out = gpd.GeoDataFrame(out, geometry=orig.frame().geometry.name)
    out.attrs = result_attrs(
        orig.snapped,
        best,
        presnapped=isinstance(origins, OriginSet),
        max_time_min=max_time_min,
        n_corridors=len(groups),
        components=Parts.of(
            net, orig.snapped, dest_nodes=access_points["node"].to_numpy()
        ).summary(),
    )
    return out


def border_access(
    net: RoadNetwork,
    origins: Origins,
    crossings: Places,
    *,
    crossing_id_col: str | None = None,
    max_time_min: float | None = None,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Time from every origin to the nearest border crossing.

    :func:`connectivity.time_to_nearest` with the crossing points as
    destinations (same ``max_time_min`` and ``options``); the result's
    ``nearest_id`` is renamed ``nearest_crossing`` and ``dest_snap_m``
    ``crossing_snap_m``. Crossings sit at the end of roads near the border:
    check ``crossing_snap_m`` (a crossing far from the network points to a
    missing road or a wrong CRS). With ``scenario``, on its network and with
    its :class:`~connectivity.scenarios.BorderCrossing` changes made to ``crossings``
    (:func:`~connectivity.scenarios.inputs.scenario_crossings`).
    """
    crossings = scenario_crossings(scenario, crossings, crossing_id_col, net)
    out = time_to_nearest(
        net, origins, crossings, dest_id_col=crossing_id_col, max_time_min=max_time_min,
        scenario=scenario, **options,
    )  # fmt: skip
    attrs = out.attrs
    out = out.rename(columns={"nearest_id": "nearest_crossing", "dest_snap_m": "crossing_snap_m"})
    out.attrs = attrs
    return out
