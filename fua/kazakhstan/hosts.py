"""The host FUA of each special economic zone: one rule, one set of columns per threshold.

Rule (issue 10, item 4): at each urban-centre threshold, a zone's host is
the FUA that **contains** it; a zone outside every FUA is hosted by the FUA
**nearest** by travel time. The table says which rule applied, the minutes
to the host, and flags a zone whose own city is not an urban centre at that
threshold (its host is then another city's FUA, e.g. a port zone in a town
below 50 000 people).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import ParameterError

__all__ = ["sez_hosts"]


def _containing(points: gpd.GeoSeries, fuas: gpd.GeoDataFrame, id_col: str) -> pd.Series:
    """FUA id containing each point (NaN outside all); the first FUA by id when several do."""
    hits = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points),
        fuas[[id_col, "geometry"]],
        predicate="within",
        how="left",
    )
    hits = hits.sort_values(id_col, kind="stable")
    return hits.groupby(level=0)[id_col].first().reindex(points.index)


def _own_city_flags(
    cities: gpd.GeoSeries, centres: gpd.GeoDataFrame, threshold: float, tolerance_m: float
) -> pd.Series:
    """True where a city point lies within ``tolerance_m`` of an urban centre of ≥ ``threshold`` people."""
    big = centres.loc[centres["pop"] >= threshold, ["geometry"]]
    if big.empty:
        return pd.Series(False, index=cities.index)
    pts = cities.to_crs(big.crs)
    d = np.array([big.distance(p).min() for p in pts.values])
    return pd.Series(d <= tolerance_m, index=cities.index)


def sez_hosts(
    sez: gpd.GeoDataFrame,
    fuas_by_threshold: Mapping[str, gpd.GeoDataFrame],
    times_to_fuas: Mapping[str, pd.DataFrame],
    *,
    centres: gpd.GeoDataFrame | None = None,
    own_city: gpd.GeoSeries | None = None,
    thresholds: Mapping[str, float] | None = None,
    fua_id_col: str = "fua_id",
    name_col: str = "name",
    city_tolerance_m: float = 1000.0,
) -> pd.DataFrame:
    """Host FUA of every zone at every threshold.

    Parameters
    ----------
    sez : geopandas.GeoDataFrame
        Zones (points; polygons use their representative point), indexed by zone id.
    fuas_by_threshold : mapping of str to GeoDataFrame
        FUA polygons per threshold label (e.g. ``{"50k": …, "100k": …}``) with
        ``fua_id_col`` and ``name_col``.
    times_to_fuas : mapping of str to DataFrame
        Minutes from each zone (rows, the index of ``sez``) to each FUA
        (columns, FUA ids) per label, e.g. from :func:`connectivity.od_matrix`
        to the FUAs' centre points. NaN = unreachable.
    centres : geopandas.GeoDataFrame, optional
        Urban centres with ``pop`` (e.g. :func:`fua.urban_centres`); with
        ``own_city`` it sets the ``own_city_is_centre_*`` flags.
    own_city : geopandas.GeoSeries, optional
        The point of each zone's own city (default: the zone itself).
    thresholds : mapping of str to float, optional
        Population threshold per label (default: read from the label, "50k" → 50 000).
    fua_id_col, name_col : str
        Columns of the FUA tables.
    city_tolerance_m : float
        A city point this close to a centre counts as in it.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sez``; per label ``k``: ``host_fua_id_k``, ``host_fua_k``
        (name), ``host_rule_k`` ("contains", "nearest" or "unreachable"),
        ``host_minutes_k`` (minutes to the host from ``times_to_fuas``) and
        ``own_city_is_centre_k`` (bool, or missing without ``centres``).
    """
    missing = set(fuas_by_threshold) - set(times_to_fuas)
    if missing:
        msg = f"times_to_fuas lacks the labels {sorted(missing)}"
        raise ParameterError(msg)
    pts = sez.geometry.representative_point()
    cities = own_city if own_city is not None else pts.set_crs(sez.crs, allow_override=True)
    out = pd.DataFrame(index=sez.index)
    for k, fuas in fuas_by_threshold.items():
        out = out.join(
            _hosts_at(k, pts.to_crs(fuas.crs), fuas, times_to_fuas[k], fua_id_col, name_col)
        )
        thr = (thresholds or {}).get(k, _threshold_from_label(k))
        if centres is not None:
            out[f"own_city_is_centre_{k}"] = _own_city_flags(cities, centres, thr, city_tolerance_m)
        else:
            out[f"own_city_is_centre_{k}"] = pd.Series(pd.NA, index=sez.index, dtype="boolean")
    return out


def _hosts_at(
    k: str,
    pts: gpd.GeoSeries,
    fuas: gpd.GeoDataFrame,
    times: pd.DataFrame,
    id_col: str,
    name_col: str,
) -> pd.DataFrame:
    inside = _containing(pts, fuas, id_col) if len(fuas) else pd.Series(np.nan, index=pts.index)
    t = times.reindex(index=pts.index, columns=fuas[id_col].to_numpy()).astype(float)
    names = dict(zip(fuas[id_col], fuas[name_col], strict=True))
    rows = []
    for zone in pts.index:
        host, rule = inside.at[zone], "contains"
        if pd.isna(host):
            row = t.loc[zone]
            host, rule = (row.idxmin(), "nearest") if row.notna().any() else (np.nan, "unreachable")
        minutes = float(t.at[zone, host]) if not pd.isna(host) else np.nan
        rows.append((host, names.get(host, ""), rule, minutes))
    cols = [f"host_fua_id_{k}", f"host_fua_{k}", f"host_rule_{k}", f"host_minutes_{k}"]
    return pd.DataFrame(rows, index=pts.index, columns=cols)


def _threshold_from_label(label: str) -> float:
    text = label.strip().lower()
    try:
        return float(text[:-1]) * 1000.0 if text.endswith("k") else float(text)
    except ValueError:
        msg = (
            f"cannot read a population threshold from the label {label!r}; pass thresholds={{...}}"
        )
        raise ParameterError(msg) from None
