"""Features of the commuting proxy: travel time to the nearest urban centre, its size, density.

Used by :class:`fua.CommutingModel` and :func:`fua.delineate_fuas`. Every
feature is computed per populated 1 km cell outside the eligible urban
centres (:func:`fua.fuas.rules.eligible_centres`); the travel times come
from :func:`fua.fuas.proxy.travel_time.travel_times`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from connectivity.errors import DataError
from fua.degurba.classify import DegurbaResult

__all__ = ["BASE_FEATURES", "cell_features"]

log = logging.getLogger(__name__)

#: The features of the shipped model, in order.
BASE_FEATURES = ("time_min", "log_centre_pop", "log_density")


def cell_features(
    result: DegurbaResult,
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
