"""Coordinate reference systems for distances: the one metric-CRS check of the toolkit.

* :func:`check_metric_crs` — a projected CRS in metres that is not Web
  Mercator, or a :class:`~connectivity.CRSError` saying how to fix it. Road
  networks, snapping and the FUA proxy all measure distances through it.
* :func:`local_metric_crs` — the CRS chosen for data in longitude/latitude:
  the UTM zone of the data, or an azimuthal equidistant CRS for a country.
* :func:`is_web_mercator`, :func:`reproject`, :func:`to_lonlat` — small
  helpers the network builders share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pyproj import CRS, Transformer

from connectivity.errors import CRSError, DataError

__all__ = [
    "UTM_MAX_EXTENT_KM",
    "check_metric_crs",
    "is_web_mercator",
    "local_metric_crs",
    "projected_core",
    "reproject",
    "to_lonlat",
]

#: Largest extent (km) of data given a UTM zone by :func:`local_metric_crs`.
UTM_MAX_EXTENT_KM = 1000.0
_WEB_MERCATOR = (3857, 900913, 3785, 102100, 102113)


def projected_core(crs: CRS) -> CRS:
    """The projected part of a bound or compound CRS (the CRS itself otherwise)."""
    if crs.is_bound and crs.source_crs is not None:
        crs = crs.source_crs
    if crs.is_compound:
        for sub in crs.sub_crs_list:
            if sub.is_projected:
                return sub
    return crs


def is_web_mercator(crs: CRS) -> bool:
    """True for Web Mercator (EPSG:3857 and its older codes), by code, name or method."""
    core = projected_core(crs)
    if core.to_epsg() in _WEB_MERCATOR:
        return True
    name = (core.name or "").lower()
    if "pseudo-mercator" in name or "popular visualisation" in name:
        return True
    op = core.coordinate_operation
    return op is not None and "pseudo mercator" in op.method_name.lower()


def check_metric_crs(crs: Any, what: str = "network CRS") -> CRS:
    """A projected CRS in metres that is not Web Mercator, or :class:`CRSError`.

    Parameters
    ----------
    crs : CRS-like
        A :class:`pyproj.CRS`, a rasterio CRS, an EPSG/ESRI code, WKT or a
        PROJ string.
    what : str, default "network CRS"
        How the CRS is named in the error message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        ``crs`` is missing, not understood, geographic (degrees), Web
        Mercator (lengths inflated by 1/cos(latitude)) or not in metres.
    """
    if crs is None:
        msg = f"no CRS given for the {what}; pass crs= (a projected metric CRS such as a UTM zone)"
        raise CRSError(msg)
    try:
        crs = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises its CRSError, a ValueError, or TypeError
        msg = f"cannot understand crs={crs!r} ({exc}); give an EPSG code, WKT or pyproj.CRS"
        raise CRSError(msg) from exc
    core = projected_core(crs)
    if not core.is_projected:
        msg = (
            f"{what} {crs.to_string()} is geographic (degrees); project the data to a "
            "metric CRS first (e.g. a UTM zone, or EPSG:6933/ESRI:54009 for a whole country)"
        )
        raise CRSError(msg)
    if is_web_mercator(core):
        msg = (
            f"{what} is Web Mercator (EPSG:3857), which inflates lengths by 1/cos(latitude), "
            "about 1.5x at 48° N; project to a UTM zone or an equal-distance CRS instead"
        )
        raise CRSError(msg)
    units = {ax.unit_name.lower() for ax in core.axis_info[:2]} or {"metre"}
    if not units <= {"metre", "meter", "m"}:
        msg = f"{what} {crs.to_string()} has axis unit {sorted(units)[0]!r}; use a CRS in metres"
        raise CRSError(msg)
    return crs


def local_metric_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """A metric CRS for data at these WGS84 coordinates.

    The UTM zone (WGS84, EPSG:326zz/327zz) of the bounding-box centre when the
    data extend at most 1000 km; beyond that (a whole country) an azimuthal
    equidistant projection centred on the bounding box (distances from the
    centre exact, scale error about +0.9 % across the direction of view at
    1500 km from it). Never Web Mercator.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        msg = "no finite coordinates to choose a CRS from"
        raise DataError(msg)
    lon0, lon1 = float(lon[ok].min()), float(lon[ok].max())
    lat0, lat1 = float(lat[ok].min()), float(lat[ok].max())
    lon_c, lat_c = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    width_km = (lon1 - lon0) * 111.32 * math.cos(math.radians(lat_c))
    height_km = (lat1 - lat0) * 110.57
    if max(width_km, height_km) <= UTM_MAX_EXTENT_KM:
        zone = min(int((lon_c + 180.0) // 6.0) + 1, 60)
        return CRS.from_epsg((32600 if lat_c >= 0 else 32700) + zone)
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat_c:.5f} +lon_0={lon_c:.5f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def to_lonlat(x: np.ndarray, y: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``crs`` as WGS84 longitude and latitude (float64)."""
    return reproject(x, y, crs, CRS.from_epsg(4326))


def reproject(x: np.ndarray, y: np.ndarray, src: CRS, dst: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from ``src`` to ``dst`` (x = easting/longitude first), float64."""
    tr = Transformer.from_crs(src, dst, always_xy=True)
    xx, yy = tr.transform(x, y)
    return np.asarray(xx, "float64"), np.asarray(yy, "float64")
