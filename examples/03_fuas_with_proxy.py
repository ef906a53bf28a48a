"""Functional urban areas without commuting data: the commuting proxy with road travel times.

Usage:  python 03_fuas_with_proxy.py [OUT_DIR]

Southern Kazakhstan (Shymkent, Taraz, Turkistan) on the MODELLED population
surface and the road network shipped with the package (real OSM trunk roads,
PROXY access links; both
labelled as such; swap in a GHS-POP tile and an OSM extract for real work).
Travel time from every populated cell to the nearest urban centre of
100 000+ people comes from the road network; the shipped commuting model
(fitted on Belgian flows) turns it into commuting-zone membership.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio.transform
import shapely

import connectivity
import fua
from fua.fuas.commuting import CommutingModel, FuaParams
from fua.fuas.delineate import delineate_fuas

BBOX = (67.5, 41.2, 74.0, 44.2)  # west, south, east, north (degrees)


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex03-")
    )
    out.mkdir(parents=True, exist_ok=True)
    grid = fua.kazakhstan.datasets.kazakhstan_population_window(BBOX)  # MODELLED surface
    result = fua.classify_grid(grid)
    centres = fua.urban_centres(result)
    big = centres[centres["pop"] >= 100_000]

    roads = fua.kazakhstan.datasets.kazakhstan_roads()  # OSM trunk + PROXY access lines (EPSG:4326)
    net = connectivity.RoadNetwork.from_lines(roads, class_col="road_class", speed_col="speed_kmh")

    # destinations: every cell of an eligible urban centre, carrying its uc_id
    lab = np.where(np.isin(result.centre_labels, big["uc_id"]), result.centre_labels, 0)
    rows, cols = np.nonzero(lab)
    xs, ys = rasterio.transform.xy(grid.transform, rows, cols)  # cell centres
    cells = gpd.GeoDataFrame(
        {"uc_id": lab[rows, cols]}, geometry=shapely.points(xs, ys), crs=grid.crs
    )
    tt = connectivity.raster_time_to_nearest(
        net,
        grid,
        cells,
        max_snap_m=150_000,
        offroad_speed_kmh=30,  # proxy: long access legs
    )
    near = np.asarray(cells["uc_id"])[np.maximum(tt.nearest, 0)]
    uc = np.where(tt.nearest >= 0, near, 0)
    minutes = np.where(np.isfinite(tt.time_min), tt.time_min, np.inf).astype("float64")

    res = delineate_fuas(
        result,
        commuting=CommutingModel.default(),
        travel_time=(minutes, uc),
        params=FuaParams(min_centre_pop=100_000),  # Kazakhstan's national practice
        names=fua.kazakhstan.datasets.kazakhstan_settlements().rename(
            columns={"population_geonames": "population"}
        ),
    )
    res.write(out / "fua_proxy_MODELLED_pop_PROXY_roads.gpkg", overwrite=True)
    print(f"{len(big)} urban centres of 100 000+; {res.n_fuas} FUAs")
    print(
        res.fua[["fua_id", "name", "pop_city", "pop_commuting", "pop_total", "area_km2"]].to_string(
            index=False
        )
    )
    print(f"model threshold {res.meta['threshold']:.3f} ({res.meta['threshold_criterion']})")


if __name__ == "__main__":
    main()
