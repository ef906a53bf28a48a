"""Kazakhstan's special economic zones (SEZs): access beside reported performance.

* :func:`sez_access_table` — one row per SEZ: its host FUA, the access
  measures computed with :mod:`connectivity`, and the performance columns of
  :func:`fua.kazakhstan.datasets.load_sez` (Qazindustry, 2002 – mid-2022);
* :func:`association_table` — Spearman rank correlations between performance
  and access columns (n = 13 zones: descriptive only).

Both work on any point layer with the named columns; the defaults are the
Kazakhstan SEZ table's (e.g. investment per tenge of state spending).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Geod, Transformer

from connectivity.errors import CRSError, DataError, ParameterError

__all__ = ["SEZ_PERFORMANCE_COLUMNS", "association_table", "sez_access_table"]

log = logging.getLogger(__name__)
_GEOD = Geod(ellps="WGS84")

#: Reported performance of each zone in :func:`fua.kazakhstan.datasets.load_sez`.
SEZ_PERFORMANCE_COLUMNS = ("projects", "jobs", "invest_per_state_tenge")


def _aligned(
    values: pd.Series | pd.DataFrame, index: pd.Index, name: str
) -> pd.Series | pd.DataFrame:
    missing = index.difference(values.index)
    if len(missing):
        msg = f"{name} has no value for SEZ index labels {list(missing[:5])}; index it like sez (NaN where unknown)"
        raise DataError(msg)
    return values.reindex(index)


def _check_layers(sez: gpd.GeoDataFrame, fuas: gpd.GeoDataFrame, fua_id_col: str) -> None:
    if sez.crs is None or fuas.crs is None:
        msg = "sez and fuas need a CRS; set it with .set_crs(...)"
        raise CRSError(msg)
    if fua_id_col not in fuas.columns:
        msg = f"fuas has no column {fua_id_col!r}; pass fua_id_col="
        raise ParameterError(msg)
    if len(fuas) == 0:
        msg = "fuas is empty; delineate FUAs first"
        raise DataError(msg)


def _host_fuas(
    sez: gpd.GeoDataFrame, fuas: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row of the host FUA of every zone, whether the zone lies inside it, geodesic metres to it."""
    pts = sez.geometry
    if not ProjCRS.from_user_input(sez.crs).equals(fuas.crs):
        log.info("sez reprojected from %s to the FUA CRS %s for the host join", sez.crs, fuas.crs)
        pts = pts.to_crs(fuas.crs)
    tree = shapely.STRtree(fuas.geometry.values)
    p_idx, f_idx = tree.query_nearest(pts.values, all_matches=False)
    host = np.empty(len(sez), dtype=np.int64)
    host[p_idx] = f_idx
    polys = fuas.geometry.values[host]
    within = shapely.covers(polys, pts.values)
    seg = shapely.get_coordinates(shapely.shortest_line(pts.values, polys)).reshape(-1, 2, 2)
    to_ll = Transformer.from_crs(fuas.crs, "EPSG:4326", always_xy=True)
    ax, ay = to_ll.transform(seg[:, 0, 0], seg[:, 0, 1])
    bx, by = to_ll.transform(seg[:, 1, 0], seg[:, 1, 1])
    _, _, dist = _GEOD.inv(ax, ay, bx, by)
    return host, within, np.where(within, 0.0, np.asarray(dist))


def sez_access_table(
    sez: gpd.GeoDataFrame,
    fuas: gpd.GeoDataFrame,
    *,
    fua_id_col: str = "fua_id",
    fua_name_col: str | None = None,
    time_to_host_min: pd.Series | None = None,
    reachable_pop: pd.DataFrame | None = None,
    market_potential: pd.Series | None = None,
    time_to_corridor_min: pd.Series | None = None,
    time_to_border_min: pd.Series | None = None,
    extra: Mapping[str, pd.Series] | None = None,
    performance_cols: Sequence[str] = SEZ_PERFORMANCE_COLUMNS,
) -> gpd.GeoDataFrame:
    """One row per SEZ: host FUA, access measures, and reported performance side by side.

    Parameters
    ----------
    sez : geopandas.GeoDataFrame
        Zones (points), e.g. :func:`fua.kazakhstan.datasets.load_sez`; its index is kept.
    fuas : geopandas.GeoDataFrame
        FUA polygons with ``fua_id_col`` (and optionally ``fua_name_col``).
    time_to_host_min : pandas.Series, optional
        Minutes from each zone to its host FUA's centre (index like ``sez``).
    reachable_pop : pandas.DataFrame, optional
        Population reachable in 60/120/240 min (columns copied as given, e.g.
        ``pop_60min``), index like ``sez``.
    market_potential : pandas.Series, optional
        Market potential of each zone (see :func:`fua.metrics.market_potential`).
    time_to_corridor_min, time_to_border_min : pandas.Series, optional
        Minutes to the nearest corridor access point and border crossing.
    extra : mapping of str to pandas.Series, optional
        More access columns.
    performance_cols : sequence of str
        Columns of ``sez`` copied after the access columns (missing ones are
        skipped with a log message); default :data:`SEZ_PERFORMANCE_COLUMNS`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (when present), ``host_fua_id``, ``host_fua_name`` (with
        ``fua_name_col``), ``host_within`` (True inside the FUA, False for the
        nearest one), ``host_distance_m`` (geodesic, 0 inside), the given
        access columns, then the performance columns; SEZ geometry.

    Notes
    -----
    The host FUA is the FUA polygon containing the zone's point, else the
    nearest FUA (distance measured on the WGS84 ellipsoid between the zone and
    the nearest point of the polygon). Coordinates of SEZs are approximate (a
    few km), so a zone just outside a FUA edge is flagged by ``host_within``.
    """
    _check_layers(sez, fuas, fua_id_col)
    host, within, dist = _host_fuas(sez, fuas)
    out = pd.DataFrame(index=sez.index)
    if "name" in sez.columns:
        out["name"] = sez["name"]
    out["host_fua_id"] = fuas[fua_id_col].to_numpy()[host]
    if fua_name_col is not None:
        out["host_fua_name"] = fuas[fua_name_col].to_numpy()[host]
    out["host_within"] = within
    out["host_distance_m"] = dist
    singles = {
        "time_to_host_min": time_to_host_min,
        "market_potential": market_potential,
        "time_to_corridor_min": time_to_corridor_min,
        "time_to_border_min": time_to_border_min,
        **(dict(extra) if extra else {}),
    }
    if reachable_pop is not None:
        rp = _aligned(reachable_pop, sez.index, "reachable_pop")
        for c in rp.columns:
            out[c] = rp[c].to_numpy()
    for name, s in singles.items():
        if s is not None:
            out[name] = _aligned(s, sez.index, name).to_numpy()
    for c in performance_cols:
        if c in sez.columns:
            out[c] = sez[c].to_numpy()
        else:
            log.info("performance column %r is not in sez; skipped", c)
    return gpd.GeoDataFrame(out, geometry=sez.geometry.values, crs=sez.crs)


def association_table(
    df: pd.DataFrame, performance_cols: Sequence[str], access_cols: Sequence[str]
) -> pd.DataFrame:
    """Spearman rank correlations between performance and access columns (descriptive).

    Parameters
    ----------
    df : pandas.DataFrame
        e.g. the output of :func:`sez_access_table`.
    performance_cols, access_cols : sequence of str
        Columns to correlate pairwise.

    Returns
    -------
    pandas.DataFrame
        One row per (performance, access) pair: ``performance``, ``access``,
        ``spearman_rho``, ``p_value``, ``n`` (rows with both values), ``note``;
        ``attrs["note"]`` repeats the caveat.

    Notes
    -----
    ρ is Pearson's correlation of the ranks (ties get average ranks); the
    p-value is scipy.stats.spearmanr's two-sided test against ρ = 0 via the t
    distribution with n − 2 degrees of freedom. With Kazakhstan's n = 13
    zones this is a **descriptive** association: small n, zones of very
    different age and purpose, and access measured today against
    performance accumulated since 2002 — not evidence that access causes
    performance. Pairs with fewer than 3 complete rows get NaN.
    """
    from scipy import stats

    cols = [*performance_cols, *access_cols]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        msg = f"df has no columns {missing}; name existing performance/access columns"
        raise ParameterError(msg)
    rows = []
    for pc in performance_cols:
        for ac in access_cols:
            pair = df[[pc, ac]].apply(pd.to_numeric, errors="coerce").dropna()
            n = len(pair)
            if n >= 3 and pair[pc].nunique() > 1 and pair[ac].nunique() > 1:
                res = stats.spearmanr(pair[pc], pair[ac])
                rho, p = float(res.statistic), float(res.pvalue)
            else:
                rho = p = float("nan")
            note = f"descriptive rank association, n = {n}; not causal"
            rows.append(
                {
                    "performance": pc,
                    "access": ac,
                    "spearman_rho": rho,
                    "p_value": p,
                    "n": n,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows)
    n_all = len(df)
    out.attrs["note"] = (
        f"Spearman rank correlations over n = {n_all} rows (13 SEZs in Kazakhstan): descriptive "
        "associations only; p-values from the t approximation, not adjusted for multiple comparisons"
    )
    return out
