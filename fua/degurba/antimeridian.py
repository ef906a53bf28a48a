"""Wrap-around at the antimeridian: which cells of a world grid touch across ±180°.

:func:`antimeridian_columns` gives, for each row of a world grid, the
westernmost and easternmost cells that lie on the antimeridian; passed as
``wrap_x`` to :func:`fua.classify_grid` (or computed there with
``wrap_x=True``) they join clusters across the map's edge.

What "one cluster" means at the antimeridian
--------------------------------------------
World Mollweide (and any pseudo-cylindrical world projection) cuts the globe
along the antimeridian: a city straddling ±180° appears as two pieces at the
west and east ends of the map, and is two clusters unless wrap-around is
asked for. With ``wrap_x=True`` the westernmost and easternmost cells of
each row that lie on the antimeridian are neighbours (row ``r`` west touches
row ``r`` east, and rows ``r ± 1`` east with 8-connectivity). On Mollweide
these cells follow the ellipse's edge, not the grid's first and last columns;
on a lon/lat grid covering 360° they are the first and last columns. Wrap-
around joins clusters and pools their population for every population
threshold; the majority-rule smoothing, hole filling and the semi-dense 2 km
buffer treat the map edge as an edge (their effect across it is at most a
few cells). A wrapped cluster's polygon is a MultiPolygon with a part at
each end of the map.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from connectivity.errors import ParameterError
from fua._validate import to_pyproj
from fua.degurba.clusters import WrapColumns

__all__ = ["antimeridian_columns"]

log = logging.getLogger(__name__)


def antimeridian_columns(transform: Affine, crs: Any, shape: tuple[int, int]) -> WrapColumns:
    """Per-row columns of the westernmost and easternmost cells on the antimeridian.

    Parameters
    ----------
    transform : affine.Affine
        North-up grid transform.
    crs
        A world projection whose y depends on latitude only (Mollweide,
        Eckert IV, Equal Earth, plate carrée) or a geographic CRS.
    shape : (rows, cols)

    Returns
    -------
    (west, east) : tuple of numpy.ndarray
        int64 column per row, -1 where the row's antimeridian points fall
        outside the grid (then that row does not wrap).

    Notes
    -----
    For each row the latitude of its centre is found by inverting the
    projection at the central meridian, and the points (lat, lon_0 ∓ 180°)
    are projected forward (pyproj); one transformation per row.
    """
    rows, cols = shape
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        msg = "antimeridian wrap-around needs a north-up grid (no rotation)"
        raise ParameterError(msg)
    pcrs = to_pyproj(crs)
    west = np.full(rows, -1, np.int64)
    east = np.full(rows, -1, np.int64)
    yc = transform.f + transform.e * (np.arange(rows) + 0.5)
    if pcrs.is_geographic:
        lat = yc
        xw = np.full(rows, -180.0 + 1e-9)
        xe = np.full(rows, 180.0 - 1e-9)  # a lon/lat grid: the columns of lon -180 and +180
    else:
        lon0, x0 = _central_meridian(pcrs)
        geo = pcrs.geodetic_crs
        inv = Transformer.from_crs(pcrs, geo, always_xy=True)
        fwd = Transformer.from_crs(geo, pcrs, always_xy=True)
        _, lat = inv.transform(np.full(rows, x0), yc)
        lat = np.asarray(lat, dtype=np.float64)
        eps = 1e-7
        xw, _ = fwd.transform(np.full(rows, lon0 - 180.0 + eps), lat)
        xe, _ = fwd.transform(np.full(rows, lon0 + 180.0 - eps), lat)
        xw, xe = np.asarray(xw, np.float64), np.asarray(xe, np.float64)
    ok = np.isfinite(xw) & np.isfinite(xe) & np.isfinite(np.asarray(lat, np.float64))
    cw = np.floor((xw - transform.c) / transform.a)
    ce = np.floor((xe - transform.c) / transform.a)
    ok &= (cw >= 0) & (cw < cols) & (ce >= 0) & (ce < cols)
    west[ok] = cw[ok].astype(np.int64)
    east[ok] = ce[ok].astype(np.int64)
    if not ok.any():
        log.warning("no row of the grid reaches the antimeridian: wrap_x has no effect")
    return west, east


def _central_meridian(pcrs: ProjCRS) -> tuple[float, float]:
    """(longitude of the central meridian in degrees, false easting) of a projected CRS."""
    lon0, x0 = 0.0, 0.0
    op = pcrs.coordinate_operation
    for p in op.params if op is not None else ():
        name = p.name.lower()
        if "longitude" in name and ("origin" in name or "central" in name):
            lon0 = float(p.value)
        elif "false easting" in name:
            x0 = float(p.value)
    return lon0, x0
