"""Small inputs for the demo/report tests: a window of the modelled surface, tiny report layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Southern Kazakhstan (Shymkent, Taraz, Turkistan): three SEZs inside.
SOUTH_BBOX = (67.5, 41.2, 74.0, 44.2)


def modelled_window(path: Path, bbox: tuple[float, float, float, float] = SOUTH_BBOX) -> Path:
    """Write the MODELLED surface inside a lon/lat box as a GeoTIFF tagged MODELLED=yes."""
    from fua.kazakhstan.datasets import write_kazakhstan_population_window

    return write_kazakhstan_population_window(path, bbox, dtype="float64")


def report_inputs() -> dict[str, Any]:
    """Tiny layers and tables for write_report: 2 FUAs, 3 SEZs, 1 corridor, 2 borders."""
    crs = "EPSG:4326"
    fuas = gpd.GeoDataFrame(
        {"fua_id": [1, 2], "name": ["Alpha", "Беta <b>"], "pop_total": [500_000.0, 150_000.0],
         "pop_city": [400_000.0, 100_000.0], "area_km2": [900.0, 400.0]},
        geometry=[shapely.box(70, 45, 71, 46), shapely.box(72, 47, 72.6, 47.5)],
        crs=crs,
    ).to_crs("ESRI:54009")  # fmt: skip
    sez = gpd.GeoDataFrame(
        {"name": ["Z1", "Z2", "Z3"], "host_fua_100k": ["Alpha", "Alpha", "Беta <b>"],
         "host_rule_100k": ["contains", "nearest", "contains"],
         "host_minutes_100k": [5.0, 40.0, np.nan], "own_city_is_centre_100k": [True, False, True],
         "projects": [10, 3, 1], "jobs": [900, 50, 20], "invest_per_state_tenge": [2.0, 0.5, 1.2]},
        geometry=shapely.points([70.5, 71.5, 72.3], [45.5, 45.2, 47.2]),
        crs=crs,
        index=pd.Index([1, 2, 3], name="sez_id"),
    )  # fmt: skip
    corridors = gpd.GeoDataFrame(
        {"corridor": ["C1"]}, geometry=[shapely.LineString([(69, 44), (73, 48)])], crs=crs
    )
    borders = gpd.GeoDataFrame(
        {"name": ["B1", "B2"], "country": ["X", "Y"], "road_ref": ["K1", ""]},
        geometry=shapely.points([69, 73.5], [44, 48.5]),
        crs=crs,
    )
    outline = gpd.GeoSeries([shapely.box(68, 43, 75, 49)], crs=crs)
    assoc = pd.DataFrame(
        {"performance": ["jobs"], "access": ["host_minutes_100k"], "spearman_rho": [-1.0],
         "p_value": [np.nan], "n": [2], "note": ["descriptive rank association, n = 2; not causal"]}
    )  # fmt: skip
    national = pd.DataFrame({"100k": [2.0, 0.7]}, index=pd.Index(["n_fuas", "gini"], name="metric"))
    access = pd.DataFrame(
        {"destination": ["SEZ", "SEZ"], "threshold_min": [60.0, 120.0],
         "pop_within": [1.0, 2.0], "share_within": [0.5, 1.0], "pop_total": [2.0, 2.0]}
    )  # fmt: skip
    summary = {
        "population_total": 2_000_000.0,
        "n_urban_centres": 2,
        "fuas": {"100k": {"n_fuas": 2, "share_in_fuas": 0.325}},
        "share_within_max_threshold": {"threshold_min": 120.0, "SEZ": 1.0},
    }
    return {
        "inputs": {"population": "MODELLED test surface", "roads": "PROXY test roads",
                   "population_modelled": True, "roads_proxy": True},
        "notes": ["Population is MODELLED.", "Roads are a PROXY."],
        "summary": summary, "fuas": fuas, "fuas_label": "100k", "sez_table": sez,
        "association": assoc, "national": national, "access_population": access,
        "corridors": corridors, "borders": borders, "outline": outline,
    }  # fmt: skip
