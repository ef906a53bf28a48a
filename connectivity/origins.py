"""Turning user inputs (layers, rasters, weights) into snapped point sets.

Private to :mod:`connectivity`: shared by the accessibility, corridor and
CLI code so every public function validates its inputs the same way.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from connectivity.errors import CRSError, DataError, InputFileError
from connectivity.network import RoadNetwork
from connectivity.snapping import PolygonPoint, Snapped, points_to_network_crs, snap_xy

__all__ = [
    "Cells",
    "Origins",
    "PointSet",
    "RasterLike",
    "load_destinations",
    "load_points",
    "load_weights",
    "origin_frame",
    "origin_reasons",
    "raster_points",
    "result_attrs",
]

log = logging.getLogger("connectivity.measures.accessibility")

#: A raster input: a path, ``(array, transform, crs)`` or a PopulationGrid-like object.
RasterLike: TypeAlias = Any
#: Origins: a point/polygon layer or a raster.
Origins: TypeAlias = Any


@dataclass(frozen=True)
class Cells:
    rows: np.ndarray
    cols: np.ndarray
    pop: np.ndarray
    grid_pop: np.ndarray
    transform: Any
    crs: CRS


@dataclass(frozen=True)
class PointSet:
    snapped: Snapped
    ids: pd.Index
    geometry: gpd.GeoSeries | None = None
    cells: Cells | None = None
    source_geometry: gpd.GeoSeries | None = field(default=None, repr=False)


def is_raster(obj: Any) -> bool:
    if isinstance(obj, (str, os.PathLike)):
        return True
    if isinstance(obj, tuple) and len(obj) == 3 and np.ndim(obj[0]) == 2:
        return True
    return all(hasattr(obj, a) for a in ("pop", "transform", "crs"))


def read_raster(obj: Any) -> tuple[np.ndarray, Any, CRS]:
    if isinstance(obj, (str, os.PathLike)):
        import rasterio

        try:
            with rasterio.open(obj) as src:
                band = src.read(1, masked=True)
                arr = np.ma.filled(band.astype("float64"), np.nan)
                transform, crs = src.transform, src.crs
        except rasterio.errors.RasterioIOError as exc:
            msg = f"cannot read the population raster {os.fspath(obj)!r}: {exc}"
            raise InputFileError(msg) from exc
    elif isinstance(obj, tuple):
        arr, transform, crs = obj
        arr = np.asarray(arr, dtype="float64")
    else:  # PopulationGrid-like
        arr = np.asarray(obj.pop, dtype="float64")
        valid = getattr(obj, "valid", None)
        if valid is not None:
            arr = np.where(np.asarray(valid, bool), arr, np.nan)
        transform, crs = obj.transform, obj.crs
    if crs is None:
        msg = "the population raster has no CRS; pass (array, transform, crs) with a CRS"
        raise CRSError(msg)
    return arr, transform, CRS.from_user_input(crs)


def snap_cell_centres(
    net: RoadNetwork,
    rows: np.ndarray,
    cols: np.ndarray,
    transform: Any,
    crs: Any,
    *,
    max_snap_m: float,
    offroad_speed_kmh: float,
    index: pd.Index | None = None,
) -> tuple[Snapped, tuple[np.ndarray, np.ndarray]]:
    """Snap the centres of raster cells (``rows``, ``cols``) to the network.

    Centres are computed from the affine ``transform`` and reprojected from
    ``crs`` to the network CRS in bulk (no shapely objects). Returns the
    snapping and the centres in the raster's own CRS.
    """
    t = transform
    cx = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
    cy = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
    x, y = cx, cy
    src = CRS.from_user_input(crs)
    if not src.equals(net.crs):
        log.info("reprojecting raster cell centres from %s to %s", src.to_string(), net.crs)
        x, y = Transformer.from_crs(src, net.crs, always_xy=True).transform(cx, cy)
    snapped = snap_xy(
        net,
        np.asarray(x),
        np.asarray(y),
        index=index,
        max_snap_m=max_snap_m,
        offroad_speed_kmh=offroad_speed_kmh,
    )
    return snapped, (cx, cy)


def raster_points(
    net: RoadNetwork,
    raster: RasterLike,
    *,
    min_pop: float,
    all_cells: bool,
    max_snap_m: float,
    offroad_speed_kmh: float,
) -> PointSet:
    arr, transform, crs = read_raster(raster)
    finite = np.isfinite(arr)
    if (arr[finite] < 0).any():
        msg = "the population raster has negative values; set them to nodata first"
        raise DataError(msg)
    mask = finite if all_cells else finite & (arr > min_pop)
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        msg = f"the population raster has no cells with population > {min_pop}"
        raise DataError(msg)
    index = pd.Index(rows.astype("int64") * arr.shape[1] + cols, name="cell")
    snapped, (cx, cy) = snap_cell_centres(
        net, rows, cols, transform, crs, index=index,
        max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh,
    )  # fmt: skip
    cells = Cells(rows, cols, np.nan_to_num(arr[rows, cols]), arr, transform, crs)
    geom = gpd.GeoSeries(gpd.points_from_xy(cx, cy), index=index, crs=crs)
    return PointSet(snapped=snapped, ids=index, geometry=geom, cells=cells)


def vector_points(
    net: RoadNetwork,
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    name: str,
    id_col: str | None,
    polygon_point: PolygonPoint,
    max_snap_m: float,
    offroad_speed_kmh: float,
) -> PointSet:
    if len(layer) == 0:
        msg = f"{name} layer is empty"
        raise DataError(msg)
    index, x, y = points_to_network_crs(layer, net.crs, polygon_point=polygon_point, name=name)
    snapped = snap_xy(
        net, x, y, index=index, max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh
    )
    if id_col is None:
        ids = pd.Index(layer.index)
    else:
        if not isinstance(layer, gpd.GeoDataFrame) or id_col not in layer.columns:
            cols = list(layer.columns) if isinstance(layer, gpd.GeoDataFrame) else []
            msg = f"{name} have no column {id_col!r}; columns are {cols}"
            raise DataError(msg)
        ids = pd.Index(layer[id_col])
        if ids.has_duplicates:
            msg = f"{name} column {id_col!r} has duplicate values; ids must be unique"
            raise DataError(msg)
    geom = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    return PointSet(snapped=snapped, ids=ids, geometry=geom, source_geometry=geom)


def load_points(
    net: RoadNetwork,
    obj: Any,
    *,
    name: str,
    id_col: str | None = None,
    polygon_point: PolygonPoint = "centroid",
    max_snap_m: float,
    offroad_speed_kmh: float,
    min_pop: float = 0.0,
    all_cells: bool = False,
    allow_raster: bool = True,
) -> PointSet:
    if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return vector_points(
            net,
            obj,
            name=name,
            id_col=id_col,
            polygon_point=polygon_point,
            max_snap_m=max_snap_m,
            offroad_speed_kmh=offroad_speed_kmh,
        )
    if allow_raster and is_raster(obj):
        return raster_points(
            net,
            obj,
            min_pop=min_pop,
            all_cells=all_cells,
            max_snap_m=max_snap_m,
            offroad_speed_kmh=offroad_speed_kmh,
        )
    kinds = "a GeoDataFrame/GeoSeries" + (
        ", a raster path or (array, transform, crs)" if allow_raster else ""
    )
    msg = f"{name} must be {kinds}; got {type(obj).__name__}"
    raise DataError(msg)


def load_destinations(net: RoadNetwork, obj: Any, **kw: Any) -> PointSet:
    ps = load_points(net, obj, name="destinations", allow_raster=False, **kw)
    n_bad = int((~ps.snapped.ok).sum())
    if n_bad == len(ps.snapped):
        far = ps.snapped.dist_m[np.isfinite(ps.snapped.dist_m)]
        nearest_m = f"; the closest is {far.min():.0f} m from a road" if far.size else ""
        msg = (
            f"none of the {n_bad} destinations is within max_snap_m={ps.snapped.max_snap_m:g} m "
            f"of the network{nearest_m}; check the CRS of both layers or raise max_snap_m"
        )
        raise DataError(msg)
    if n_bad:
        log.warning(
            "%d of %d destinations are unusable (beyond max_snap_m or without geometry)",
            n_bad,
            len(ps.snapped),
        )
    return ps


def origin_frame(ps: PointSet) -> gpd.GeoDataFrame:
    """Output frame for the origins: geometry (and cell row/col/pop for rasters)."""
    if ps.cells is not None:
        cols = {"row": ps.cells.rows, "col": ps.cells.cols, "pop": ps.cells.pop}
        return gpd.GeoDataFrame(cols, geometry=ps.geometry, index=ps.snapped.index)
    assert ps.geometry is not None  # vector origins always carry their geometry
    return gpd.GeoDataFrame(geometry=ps.geometry.copy(), index=ps.snapped.index)


def load_weights(ps: PointSet, layer: Any, weights: Any, name: str) -> np.ndarray:
    n = len(ps.snapped)
    if weights is None:
        w = np.ones(n) if ps.cells is None else ps.cells.pop.astype("float64")
    elif isinstance(weights, str):
        if not isinstance(layer, gpd.GeoDataFrame) or weights not in layer.columns:
            msg = f"{name} have no weight column {weights!r}"
            raise DataError(msg)
        w = layer[weights].to_numpy(dtype="float64")
    else:
        w = np.asarray(weights, dtype="float64").ravel()
    if w.size != n:
        msg = f"weights must have one value per {name[:-1]} ({n}), got {w.size}"
        raise DataError(msg)
    if not np.isfinite(w).all():
        msg = f"{name} weights contain NaN or infinite values; fill or drop them first"
        raise DataError(msg)
    return w


def origin_reasons(snapped: Snapped, time_min: np.ndarray, max_time_min: float | None) -> Any:
    reason = snapped.reason()
    lost = snapped.ok & ~np.isfinite(time_min)
    reason[lost] = (
        f"no destination within max_time_min={max_time_min:g}"
        if max_time_min is not None
        else "no destination reachable (disconnected part of the network or one-way trap)"
    )
    return reason


def result_attrs(snapped: Snapped, time_min: np.ndarray, **extra: Any) -> dict[str, Any]:
    n_unreach = int((~np.isfinite(time_min)).sum())
    if n_unreach:
        log.warning(
            "%d of %d origins have no travel time (%d beyond max_snap_m)",
            n_unreach,
            len(snapped),
            snapped.n_beyond,
        )
    return {
        "n_origins": len(snapped),
        "n_unreachable": n_unreach,
        "n_beyond_snap": snapped.n_beyond,
        "max_snap_m": snapped.max_snap_m,
        "offroad_speed_kmh": snapped.offroad_speed_kmh,
        **extra,
    }
