"""Candidate links of a last-mile study: places off the corridors to their nearest access point.

:func:`last_mile_candidates` makes straight links, ready for
:func:`connectivity.rank.rank_links`, from every place (special economic
zone, FUA centre, border crossing) that is not on a corridor to the corridor
access point nearest it (:func:`connectivity.corridor_access`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork

__all__ = ["last_mile_candidates"]


def last_mile_candidates(
    net: RoadNetwork,
    places: gpd.GeoDataFrame,
    corridor_nodes: ArrayLike | pd.DataFrame,
    *,
    place_id_col: str | None = None,
    speed_kmh: float = 80.0,
    road_class: str = "primary",
    min_length_km: float = 1.0,
    max_length_km: float | None = None,
) -> gpd.GeoDataFrame:
    """Straight last-mile links from places off the corridors to their nearest access point.

    Parameters
    ----------
    net : RoadNetwork
    places : GeoDataFrame
        Points (SEZs, FUA centres, border crossings; polygons use their
        centroid), any CRS.
    corridor_nodes : array_like of int or DataFrame
        The corridor access points: node numbers, or the frame of
        :func:`connectivity.corridor_access` (its ``node`` and
        ``corridor_id`` columns).
    place_id_col : str, optional
        Column with place ids (default: the index).
    speed_kmh, road_class : default 80 km/h, "primary"
        The standard of the new links.
    min_length_km : float, default 1
        A place whose network node lies closer than this to an access point
        (or is one) is on the corridor: it gets no link.
    max_length_km : float, optional
        Drop links longer than this.

    Returns
    -------
    GeoDataFrame
        One row per place off the corridors: ``link_id`` (``"<place>-><node>"``),
        ``place_id``, ``from_node`` (the network node nearest the place),
        ``access_node``, ``corridor_id`` (when known), ``length_km``,
        ``speed_kmh``, ``road_class`` and the straight line between the two
        nodes (network CRS), ready for :func:`rank_links`.

    Notes
    -----
    The link starts at the network node nearest the place, where the
    place's people already join the roads, and ends at the access point
    nearest it in a straight line (a k-d tree). Only straight links are
    made; a road-following upgrade is a different change (an edge upgrade
    of :class:`connectivity.Scenario`).
    """
    if not (speed_kmh > 0) or not (min_length_km >= 0):
        msg = f"speed_kmh must be > 0 and min_length_km >= 0; got {speed_kmh!r}, {min_length_km!r}"
        raise ParameterError(msg)
    if isinstance(corridor_nodes, pd.DataFrame):
        if "node" not in corridor_nodes.columns:
            msg = "corridor_nodes needs a 'node' column (see connectivity.corridor_access)"
            raise DataError(msg)
        acc = corridor_nodes.drop_duplicates("node")
        access = acc["node"].to_numpy("int64")
        corridor = acc["corridor_id"].to_numpy() if "corridor_id" in acc.columns else None
    else:
        access, corridor = np.unique(np.asarray(corridor_nodes, dtype="int64").ravel()), None
    if access.size == 0 or access.min() < 0 or access.max() >= net.n_nodes:
        msg = f"corridor_nodes must be node numbers in 0..{net.n_nodes - 1} (at least one)"
        raise DataError(msg)
    if not isinstance(places, gpd.GeoDataFrame) or len(places) == 0 or places.crs is None:
        msg = "places must be a non-empty GeoDataFrame of points with a CRS"
        raise DataError(msg)
    ids = places.index if place_id_col is None else pd.Index(places[place_id_col])
    pts = places.geometry.to_crs(net.crs).centroid
    xy_nodes = np.column_stack([net.x, net.y])
    _, start = cKDTree(xy_nodes).query(np.column_stack([pts.x, pts.y]))
    dist, j = cKDTree(xy_nodes[access]).query(xy_nodes[start])
    length_km = dist / 1000.0
    keep = (length_km >= max(min_length_km, 1e-9)) & np.isfinite(length_km)
    if max_length_km is not None:
        keep &= length_km <= max_length_km
    end = access[j]
    lines = shapely.linestrings(np.stack([xy_nodes[start], xy_nodes[end]], axis=1)[keep])
    out = gpd.GeoDataFrame({
        "link_id": [f"{p}->{e}" for p, e in zip(ids[keep], end[keep], strict=True)],
        "place_id": ids[keep].to_numpy(),
        "from_node": start[keep].astype("int64"),
        "access_node": end[keep],
        **({"corridor_id": corridor[j][keep]} if corridor is not None else {}),
        "length_km": length_km[keep],
        "speed_kmh": float(speed_kmh),
        "road_class": road_class,
    }, geometry=lines, crs=net.crs)  # fmt: skip
    return out.drop_duplicates(["from_node", "access_node"]).reset_index(drop=True)
