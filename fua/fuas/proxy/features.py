"""Features of the commuting proxy: travel time to the nearest urban centre and its size (private).

Used by :class:`fua.CommutingModel` and :func:`fua.delineate_fuas`. Every
feature is computed per populated 1 km cell outside the eligible urban
centres; unit features aggregate the cells of each unit.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage

from connectivity.errors import DataError, ParameterError

__all__: list[str] = []

log = logging.getLogger(__name__)

#: Effective door-to-door speed of the straight-line proxy (km/h): about
#: 60 km/h on roads with a 1.33 detour factor.
STRAIGHT_LINE_SPEED_KMH = 45.0

BASE_FEATURES = ("time_min", "log_centre_pop", "log_density")


def eligible_centres(result: Any, min_centre_pop: float) -> tuple[np.ndarray, np.ndarray]:
    """(labels with only centres of ≥ min_centre_pop people kept, population per uc_id)."""
    labels = np.asarray(result.centre_labels).astype(np.int64)
    n = int(labels.max(initial=0))
    uc_pop = np.bincount(labels.ravel(), weights=result.grid.pop.ravel(), minlength=n + 1)
    uc_pop[0] = 0.0
    keep = uc_pop >= min_centre_pop
    keep[0] = False
    return np.where(keep[labels], labels, 0), uc_pop


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


def travel_time_pair(travel_time: Any, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
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


def cell_features(
    result: Any,
    *,
    time_min: np.ndarray,
    nearest: np.ndarray,
    uc_pop: np.ndarray,
    centre_mask: np.ndarray,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per populated cell outside the centres, with the proxy features.

    Columns: ``flat`` (row-major cell index), ``row``, ``col``, ``pop``,
    ``uc_id`` (nearest centre), ``time_min``, ``log_centre_pop`` (ln of that
    centre's people), ``log_density`` (ln of people per km² of land, at
    least 1 person), and the ``extra`` rasters.
    """
    grid = result.grid
    pop = grid.pop
    sel = (pop > 0) & ~centre_mask & (nearest > 0) & np.isfinite(time_min)
    flat = np.flatnonzero(sel.ravel())
    r, c = np.divmod(flat, pop.shape[1])
    dens = grid.density().ravel()[flat]
    uc = nearest.ravel()[flat]
    df = pd.DataFrame(
        {
            "flat": flat,
            "row": r,
            "col": c,
            "pop": pop.ravel()[flat],
            "uc_id": uc,
            "time_min": time_min.ravel()[flat],
            "log_centre_pop": np.log(np.maximum(uc_pop[uc], 1.0)),
            "log_density": np.log(np.maximum(dens, 1.0)),
        }
    )
    for name, arr in (extra or {}).items():
        a = np.asarray(arr, dtype="float64")
        if a.shape != pop.shape:
            msg = f"extra feature {name!r} has shape {a.shape}, the grid {pop.shape}"
            raise DataError(msg)
        df[name] = a.ravel()[flat]
    return df
