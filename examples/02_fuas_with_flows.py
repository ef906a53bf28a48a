"""Functional urban areas from local units and commuting flows (the EU-OECD definition).

Usage:  python 02_fuas_with_flows.py [OUT_DIR]

Builds a small synthetic region (a 40 x 30 km grid with a city of ~120 000
people and a town of ~25 000), 5 km x 5 km local units and a commuting
matrix from a gravity model, so you can see the input shapes; replace them
with your census grid, municipalities and commuting table. Writes fua.gpkg
(layers fua, fua_city, fua_commuting_zone, units) and fua.json to OUT_DIR.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

import fua
from fua.fuas.commuting import FuaParams
from fua.fuas.delineate import delineate_fuas

CRS = "EPSG:3035"  # ETRS89-LAEA: an equal-area projected CRS in metres


def synthetic_region() -> tuple[fua.PopulationGrid, gpd.GeoDataFrame, pd.DataFrame]:
    rows, cols, cell = 30, 40, 1000.0
    yy, xx = np.mgrid[0:rows, 0:cols] + 0.5
    pop = 9000 * np.exp(-np.hypot(xx - 12, yy - 15) / 2.5)  # the city
    pop += 2500 * np.exp(-np.hypot(xx - 31, yy - 12) / 1.6)  # a town
    pop += 40.0  # rural background
    grid = fua.PopulationGrid(pop=pop, transform=Affine(cell, 0, 0, 0, -cell, rows * cell), crs=CRS)
    # 5 km x 5 km local units
    geoms, ids = [], []
    for i in range(0, rows, 5):
        for j in range(0, cols, 5):
            geoms.append(
                shapely.box(j * cell, (rows - i - 5) * cell, (j + 5) * cell, (rows - i) * cell)
            )
            ids.append(f"U{i // 5:02d}{j // 5:02d}")
    units = gpd.GeoDataFrame({"unit_id": ids}, geometry=geoms, crs=CRS)
    # unit population and a gravity model of commuting: workers go to big, near units
    upop = np.array([pop[(rows - int(g.bounds[3] / cell)):(rows - int(g.bounds[1] / cell)),
                         int(g.bounds[0] / cell):int(g.bounds[2] / cell)].sum() for g in geoms])  # fmt: skip
    c = np.array([[g.centroid.x, g.centroid.y] for g in geoms])
    d_km = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1)) / 1000 + 2.5
    attract = upop[None, :] ** 1.2 * np.exp(-d_km / 2.5)
    share = attract / attract.sum(axis=1, keepdims=True)
    flows = pd.DataFrame(np.round(0.45 * upop[:, None] * share), index=ids, columns=ids)
    return grid, units, flows


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex02-")
    )
    out.mkdir(parents=True, exist_ok=True)
    grid, units, flows = synthetic_region()
    flows.to_csv(out / "commuting_matrix.csv")  # rows: residence, columns: work

    res = delineate_fuas(
        grid,
        units=units,
        flows=flows,
        id_col="unit_id",
        params=FuaParams(min_centre_pop=50_000),  # 100_000 for Kazakhstan's national practice
    )
    written = res.write(out / "fua.gpkg", overwrite=True)
    cols = ["fua_id", "name", "pop_city", "pop_commuting", "pop_total", "area_km2"]
    print(res.fua[cols].to_string(index=False))
    print(res.units["role"].value_counts().to_string())
    for p in written:
        print(f"  {p}")


if __name__ == "__main__":
    main()
