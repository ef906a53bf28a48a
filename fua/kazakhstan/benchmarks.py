"""The demo's results beside independent figures, read from one table.

The figures live in ``fua/kazakhstan/data/benchmarks.csv``
(:func:`fua.kazakhstan.datasets.load_benchmarks`, a ``source`` per row); the
demo's ``tables/summary.json`` and report and
``tests/validation/validate_kazakhstan.py`` all read them through here:

* :func:`national_benchmarks` — our FUA counts and the people in them beside
  the OECD's 26 FUAs holding 55 % (compared with our FUAs at 50 000) and the
  draft Forecast Scheme's 18 agglomerations with 11.2 million people
  (compared with our FUAs at 100 000);
* :func:`city_benchmarks` — each major city's urban-centre population in the
  population grid beside its official population.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from fua.degurba.classify import DegurbaResult, urban_centres
from fua.kazakhstan.datasets import kazakhstan_settlements, load_benchmarks

__all__ = ["benchmark_summary", "city_benchmarks", "national_benchmarks"]


def national_benchmarks(
    fuas: Mapping[str, pd.DataFrame], national_population: float
) -> pd.DataFrame:
    """Our FUAs beside the national benchmarks, one row per benchmark.

    Parameters
    ----------
    fuas : mapping of str to DataFrame
        FUAs with ``pop_total`` per threshold label (``"50k"``, ``"100k"``).
    national_population : float
        People on the grid (for the shares).

    Returns
    -------
    pandas.DataFrame
        ``benchmark``, ``compare_with`` (our threshold label), ``n_ours``,
        ``n_theirs``, ``pop_ours``, ``pop_theirs``, ``share_ours``,
        ``share_theirs``, ``source``; NaN where a figure is not published or
        the threshold was not run.
    """
    bench = load_benchmarks()
    rows = []
    for b in bench[bench["kind"] == "national"].itertuples(index=False):
        f = fuas.get(str(b.compare_with))
        pop = round(float(f["pop_total"].sum())) if f is not None else math.nan
        rows.append(
            {
                "benchmark": b.name,
                "compare_with": b.compare_with,
                "n_ours": len(f) if f is not None else math.nan,
                "n_theirs": b.n_areas,
                "pop_ours": pop,
                "pop_theirs": b.population,
                "share_ours": round(pop / national_population, 4)
                if national_population > 0
                else math.nan,
                "share_theirs": b.share,
                "source": b.source,
            }
        )
    return pd.DataFrame(rows)


def _city_cells(names: pd.Series, result: DegurbaResult) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each city's GeoNames point on the grid (-1 where it is off the grid)."""
    places = kazakhstan_settlements().sort_values("population_geonames", ascending=False)
    places = places.drop_duplicates("name").set_index("name")
    lon = places["lon"].reindex(names).to_numpy(dtype=float)
    lat = places["lat"].reindex(names).to_numpy(dtype=float)
    grid = result.grid
    x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(lon, lat)
    t = grid.transform
    col = np.floor((np.asarray(x) - t.c) / t.a)
    row = np.floor((np.asarray(y) - t.f) / t.e)
    ok = np.isfinite(row) & np.isfinite(col)
    ok &= (row >= 0) & (row < grid.shape[0]) & (col >= 0) & (col < grid.shape[1])
    return np.where(ok, row, -1).astype(np.int64), np.where(ok, col, -1).astype(np.int64)


def city_benchmarks(
    result: DegurbaResult, centres: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Each major city's urban-centre population beside its official population.

    Parameters
    ----------
    result : DegurbaResult
        The grid's classes (:func:`fua.classify_grid`).
    centres : geopandas.GeoDataFrame, optional
        Its urban centres (default :func:`fua.urban_centres`).

    Returns
    -------
    pandas.DataFrame
        ``city``, ``uc_id`` (the urban centre holding the cell of the city's
        GeoNames point; 0 when that cell is in none, -1 when it is off the
        grid), ``centre_pop`` (its people; 0 outside every centre, NaN off the
        grid), ``official``, ``ratio`` (centre / official), ``source``.
    """
    bench = load_benchmarks()
    cities = bench[bench["kind"] == "city"].reset_index(drop=True)
    centres = urban_centres(result) if centres is None else centres
    pop_of = centres.set_index("uc_id")["pop"]
    row, col = _city_cells(cities["geonames_name"], result)
    on = row >= 0
    lab = np.full(len(cities), -1, dtype=np.int64)
    lab[on] = np.asarray(result.centre_labels)[row[on], col[on]]
    centre_pop = np.array(
        [math.nan if k < 0 else round(float(pop_of.get(k, 0.0))) if k > 0 else 0.0 for k in lab]
    )
    official = cities["population"].to_numpy(dtype=float)
    return pd.DataFrame(
        {"city": cities["name"], "uc_id": lab, "centre_pop": centre_pop, "official": official,
         "ratio": np.round(centre_pop / official, 3), "source": cities["source"]}
    )  # fmt: skip


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: numpy scalars as Python numbers, whole numbers as int, NaN as None."""
    out = []
    for rec in df.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            row[str(k)] = None if isinstance(v, float) and not math.isfinite(v) else v
        out.append(row)
    return out


def benchmark_summary(
    fuas: Mapping[str, pd.DataFrame], result: DegurbaResult, centres: gpd.GeoDataFrame
) -> dict[str, list[dict[str, Any]]]:
    """The ``benchmarks`` block of the demo's ``summary.json``: ``national`` and ``cities`` rows."""
    national = national_benchmarks(fuas, float(result.grid.total_population))
    return {
        "national": _records(national),
        "cities": _records(city_benchmarks(result, centres)),
    }
