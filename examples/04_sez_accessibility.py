"""Access of Kazakhstan's 13 special economic zones, beside their reported performance.

Usage:  python 04_sez_accessibility.py [OUT_DIR]

On the road network shipped with the package (real OSM trunk roads, PROXY
access links; use
RoadNetwork.from_osm("kazakhstan-latest.osm.pbf") for every road): minutes
from each SEZ to the nearest corridor access point and border crossing,
people (GeoNames settlement populations) reachable within 60/120/240 min,
the host urban centre (on the MODELLED population surface), and Spearman
rank correlations with projects, jobs and investment per state tenge —
n = 13, descriptive only. Writes sez_access.csv, sez_association.csv and
sez_access.gpkg to OUT_DIR.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

import connectivity
import connectivity.io
import fua
from fua.kazakhstan.sez import association_table, sez_access_table

SNAP: dict[str, Any] = {
    "max_snap_m": 150_000,
    "offroad_speed_kmh": 30,
}  # proxy network: long access legs


def corridor_lines() -> gpd.GeoDataFrame:
    c = fua.kazakhstan.datasets.load_corridors().sort_values(["corridor", "seq"])
    rows = [{"corridor": k, "geometry": shapely.LineString(g.geometry.tolist())}
            for k, g in c.groupby("corridor")]  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=c.crs)


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex04-")
    )
    out.mkdir(parents=True, exist_ok=True)
    sez = fua.kazakhstan.datasets.load_sez().set_index("id")
    settlements = fua.kazakhstan.datasets.kazakhstan_settlements()
    roads = fua.kazakhstan.datasets.kazakhstan_roads(settlements=settlements)
    net = connectivity.RoadNetwork.from_lines(roads, class_col="road_class", speed_col="speed_kmh")

    access = connectivity.corridor_access(
        net, corridor_lines(), corridor_id_col="corridor", tolerance_m=1000, road_classes=("trunk",)
    )
    corr = connectivity.time_to_corridors(net, sez, access, **SNAP)
    borders = fua.kazakhstan.datasets.load_border_crossings()
    bord = connectivity.border_access(
        net, sez, borders[borders["kind"] == "road"], crossing_id_col="name", **SNAP
    )
    reach = connectivity.cumulative_opportunities(
        net, sez, settlements, weights="population_geonames", thresholds_min=(60, 120, 240), **SNAP
    ).rename(columns=lambda c: c.replace("opp_", "pop_"))

    grid = fua.kazakhstan.datasets.kazakhstan_population()  # MODELLED surface
    centres = fua.urban_centres(fua.classify_grid(grid)).rename(columns={"uc_id": "fua_id"})
    table = sez_access_table(
        sez,
        centres,
        reachable_pop=reach[["pop_60min", "pop_120min", "pop_240min"]],
        time_to_corridor_min=corr["time_min"],
        time_to_border_min=bord["time_min"],
        extra={
            "nearest_corridor": corr["nearest_corridor"],
            "nearest_border": bord["nearest_crossing"],
        },
    )
    assoc = association_table(
        table,
        ["projects", "jobs", "invest_per_state_tenge"],
        ["pop_60min", "pop_240min", "time_to_corridor_min", "time_to_border_min"],
    )
    table.drop(columns="geometry").to_csv(out / "sez_access.csv")
    assoc.to_csv(out / "sez_association.csv", index=False)
    connectivity.io.write_layers(
        out / "sez_access.gpkg", {"sez_access_PROXY_roads": table}, overwrite=True
    )
    cols = [
        "name",
        "host_within",
        "pop_240min",
        "time_to_corridor_min",
        "time_to_border_min",
        "jobs",
    ]
    print(table[cols].round(1).to_string())
    print(
        assoc[["performance", "access", "spearman_rho", "p_value", "n"]]
        .round(3)
        .to_string(index=False)
    )
    print(assoc.attrs["note"])


if __name__ == "__main__":
    main()
