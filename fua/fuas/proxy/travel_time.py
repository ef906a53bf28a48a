"""Where the commuting proxy's travel times come from: the one place that chooses.

The proxy needs, for every cell, the minutes to the nearest eligible urban
centre and which centre that is. They come from one of

* the caller's arrays: ``(time_min, uc_id)`` 2-D arrays, or a 3-D array of
  minutes from each centre (:func:`travel_time_pair`);
* ``"straight_line"``: the distance to the nearest centre cell at an
  effective speed (:func:`straight_line_time`), the proxy the shipped model
  was fitted with;
* a road network, in :func:`fua.delineate_fuas` (``network=``).

:func:`travel_times` turns a :data:`TravelTimeSource` into the two arrays
and a note saying where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from scipy import ndimage

from connectivity.errors import DataError, ParameterError

__all__ = [
    "STRAIGHT_LINE_SPEED_KMH",
    "TravelTimeSource",
    "TravelTimes",
    "straight_line_time",
    "travel_time_pair",
    "travel_times",
]

#: Caller's travel times: ``(time_min, uc_id)`` 2-D arrays, or minutes from each centre (3-D).
TravelTimeArrays: TypeAlias = tuple[np.ndarray, np.ndarray] | list[np.ndarray] | np.ndarray
#: What :func:`travel_times` accepts: the caller's arrays or ``"straight_line"``.
TravelTimeSource: TypeAlias = TravelTimeArrays | Literal["straight_line"]

#: Effective door-to-door speed of the straight-line proxy (km/h): about
#: 60 km/h on roads with a 1.33 detour factor.
STRAIGHT_LINE_SPEED_KMH = 45.0


def straight_line_time(
    labels: np.ndarray, cell_size_m: float, *, speed_kmh: float = STRAIGHT_LINE_SPEED_KMH
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from every cell centre to the nearest urban-centre cell centre, and that centre.

    Exact Euclidean distance transform (``scipy.ndimage.distance_transform_edt``)
    divided by ``speed_kmh``; cells of a centre get time 0. With no centre
    every time is ``inf`` and every nearest id 0.
    """
    if speed_kmh <= 0:
        msg = f"speed_kmh={speed_kmh} must be > 0"
        raise ParameterError(msg)
    inside = labels > 0
    if not inside.any():
        return np.full(labels.shape, np.inf), np.zeros(labels.shape, np.int64)
    dist, idx = ndimage.distance_transform_edt(~inside, sampling=cell_size_m, return_indices=True)
    nearest = labels[idx[0], idx[1]]
    return dist / 1000.0 / speed_kmh * 60.0, nearest


def travel_time_pair(
    travel_time: TravelTimeArrays, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Normalise a caller's travel times to (time_min, nearest uc_id), both 2-D.

    Accepts a pair ``(time_min, uc_id)`` of 2-D arrays, or a 3-D array
    ``(n_centres, rows, cols)`` of minutes from each centre (uc_id = index + 1).
    """
    if isinstance(travel_time, tuple | list) and len(travel_time) == 2:
        t = np.asarray(travel_time[0], dtype="float64")
        u = np.asarray(travel_time[1]).astype(np.int64)
    else:
        arr = np.asarray(travel_time, dtype="float64")
        if arr.ndim != 3:
            msg = (
                "travel_time must be (time_min, uc_id) 2-D arrays or a 3-D array "
                f"(n_centres, rows, cols); got an array of shape {arr.shape}"
            )
            raise DataError(msg)
        filled = np.where(np.isnan(arr), np.inf, arr)
        u = np.argmin(filled, axis=0).astype(np.int64) + 1
        t = np.take_along_axis(filled, (u - 1)[None], axis=0)[0]
        u = np.where(np.isfinite(t), u, 0)
    if t.shape != shape or u.shape != shape:
        msg = f"travel-time arrays have shape {t.shape}, {u.shape} but the grid is {shape}"
        raise DataError(msg)
    return t, u


@dataclass(frozen=True)
class TravelTimes:
    """Minutes to the nearest eligible urban centre, that centre, and where the times came from."""

    time_min: np.ndarray
    nearest: np.ndarray
    note: str


def travel_times(
    source: TravelTimeSource,
    labels: np.ndarray,
    cell_size_m: float,
    *,
    speed_kmh: float = STRAIGHT_LINE_SPEED_KMH,
) -> TravelTimes:
    """Travel times of every cell to the nearest eligible urban centre, from ``source``.

    Parameters
    ----------
    source : "straight_line" or arrays
        ``"straight_line"`` (distance to the nearest centre cell at
        ``speed_kmh``) or the caller's arrays (see :func:`travel_time_pair`).
    labels : numpy.ndarray
        Eligible urban-centre id per cell (0 elsewhere), as
        :func:`fua.fuas.rules.eligible_centres` gives.
    cell_size_m : float
        Cell side of the grid.
    speed_kmh : float
        Speed of the straight-line proxy.

    Raises
    ------
    ParameterError
        ``source`` is a string other than ``"straight_line"``.
    DataError
        The arrays do not match the grid.
    """
    if isinstance(source, str):
        if source != "straight_line":
            msg = f"travel_time={source!r}: the only named source is 'straight_line'"
            raise ParameterError(msg)
        t, near = straight_line_time(labels, cell_size_m, speed_kmh=speed_kmh)
        return TravelTimes(t, near, f"straight-line distance at {speed_kmh} km/h")
    t, near = travel_time_pair(source, labels.shape)
    return TravelTimes(t, near, "caller's travel-time arrays")
