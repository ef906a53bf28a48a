"""What every network builder shares: the working CRS and the ``from_edges`` arguments."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from pyproj import CRS

from connectivity.crs import check_metric_crs, is_web_mercator, local_metric_crs, to_lonlat

__all__ = ["edge_kwargs", "metric_crs_for"]

log = logging.getLogger(__name__)


def metric_crs_for(
    x: np.ndarray, y: np.ndarray, src: CRS, what: str
) -> tuple[CRS, tuple[np.ndarray, np.ndarray] | None]:
    """The metric CRS a builder works in, for data at ``x, y`` in ``src``.

    Returns ``(crs, None)`` when ``src`` is a metric CRS already (checked with
    :func:`~connectivity.crs.check_metric_crs`). A geographic or Web Mercator
    ``src`` gets :func:`~connectivity.crs.local_metric_crs` of the data
    (logged) and the data's ``(lon, lat)``, for geodesic lengths.
    """
    if not (src.is_geographic or is_web_mercator(src)):
        return check_metric_crs(src), None
    lon, lat = (x, y) if src.is_geographic else to_lonlat(x, y, src)
    dst = local_metric_crs(lon, lat)
    log.info("reprojecting %s from %s to %s", what, src.to_string(), dst.to_string())
    return dst, (lon, lat)


def edge_kwargs(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    crs: CRS,
    classes: np.ndarray,
    edge_row: np.ndarray,
    speed_kmh: np.ndarray,
    length_m: np.ndarray,
    oneway: np.ndarray | bool,
    edge_source_ids: np.ndarray,
    meta: dict[str, Any],
    node_source_ids: np.ndarray | None = None,
) -> dict[str, Any]:
    """Keyword arguments of :meth:`RoadNetwork.from_edges <connectivity.RoadNetwork.from_edges>`.

    ``classes`` holds the road class of every source row (way, feature or
    graph edge) and ``edge_row`` the source row of every edge; the class names
    are sorted and each edge gets the code of its row's class.
    """
    class_names, codes = np.unique(np.asarray(classes).astype(str), return_inverse=True)
    return {
        "x": x,
        "y": y,
        "u": u,
        "v": v,
        "crs": crs,
        "speed_kmh": speed_kmh,
        "length_m": length_m,
        "road_class": codes.ravel()[edge_row],
        "class_names": tuple(str(c) for c in class_names),
        "oneway": oneway,
        "node_source_ids": node_source_ids,
        "edge_source_ids": edge_source_ids,
        "meta": meta,
    }
