"""What-if: a last-mile link to a special economic zone and a faster trunk road.

Usage:  python 07_scenario.py [OUT_DIR]

On the road network shipped with the package (real OSM trunk roads, PROXY
access links) and the MODELLED population surface cut to southern
Kazakhstan: the Chemical Park Taraz SEZ lies about 40 km from the nearest
trunk road. The scenario adds a straight 80 km/h last-mile link from the
SEZ to that road (joined by splitting the road where the link meets it) and
raises the speed of that trunk road to 110 km/h. ``connectivity.compare``
runs the time to the nearest SEZ from every populated 1 km cell before and
after, and reports minutes saved, people within 60/120/240 min of each SEZ
and its market potential, per urban centre and for the region. Writes
scenario.gpkg, minutes_saved.tif, summary.csv, destinations.csv, groups.csv
and scenario.json to OUT_DIR/scenario.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.ops import nearest_points

import connectivity
import fua

BBOX = (67.5, 41.2, 74.0, 44.2)  # southern Kazakhstan: west, south, east, north (degrees)
SNAP: dict[str, Any] = {"max_snap_m": 150_000, "offroad_speed_kmh": 30}  # proxy network
SEZ_ID = 9  # Chemical Park Taraz


def last_mile(
    sez: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, crs: Any
) -> tuple[shapely.LineString, str]:
    """A straight line from the SEZ to the nearest point of a trunk road, and that road's ref."""
    trunk = roads[roads["road_class"] == "trunk"].to_crs(crs)
    site = sez.to_crs(crs).geometry.loc[SEZ_ID]
    nearest = trunk.distance(site).idxmin()
    _, on_road = nearest_points(site, trunk.geometry.loc[nearest])
    return shapely.LineString([site, on_road]), str(trunk.loc[nearest, "ref"])


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex07-")
    )
    out.mkdir(parents=True, exist_ok=True)
    roads = fua.kazakhstan.datasets.kazakhstan_roads()  # OSM trunk + PROXY access (EPSG:4326)
    net = connectivity.RoadNetwork.from_lines(roads, class_col="road_class", speed_col="speed_kmh")
    refs = dict(enumerate(roads["ref"]))  # edge_source_ids of from_lines = row of the layer
    sez = fua.kazakhstan.datasets.load_sez().set_index("id")
    link, ref = last_mile(sez, roads, net.crs)
    scenario = connectivity.Scenario(
        [
            connectivity.AddLink(link, speed_kmh=80, road_class="access", join="snap"),
            connectivity.Upgrade(ref=ref, speed_kmh=110),
        ],
        name=f"last-mile link to SEZ {SEZ_ID} + {ref} at 110 km/h",
        edge_refs=refs,
    )
    grid = fua.kazakhstan.datasets.kazakhstan_population_window(BBOX)  # MODELLED surface
    centres = fua.urban_centres(fua.classify_grid(grid))
    result = connectivity.compare(
        net, scenario, "nearest", grid, sez.assign(name=sez["name"].str[:30]),
        groups=centres, group_id_col="uc_id", dest_id_col="name", **SNAP,
    )  # fmt: skip
    written = result.write(out / "scenario", overwrite=True)

    s = result.summary
    print(f"{scenario.name}: link {link.length / 1000:.1f} km")
    print(f"people: {s['population']:,.0f} in {len(result.origins):,} cells")
    print(
        f"population-weighted minutes to the nearest SEZ: {s['mean_time_before']:.1f} -> "
        f"{s['mean_time_after']:.1f} (max saved {s['max_minutes_saved']:.0f} min, "
        f"{s['population_faster']:,.0f} people faster, {s['population_slower']:,.0f} slower: "
        "their cell now joins the new link, its nearest road)"
    )
    for t in (60, 120, 240):
        print(
            f"  within {t} min of an SEZ: {s[f'pop_{t}min_before']:,.0f} -> "
            f"{s[f'pop_{t}min_after']:,.0f}"
        )
    dest = result.destinations
    assert dest is not None
    changed = dest[dest["market_potential_change"].abs() > 1e-6]
    cols = ["pop_120min_before", "pop_120min_after", "market_potential_before",
            "market_potential_after"]  # fmt: skip
    print("SEZs whose reach changed:")
    print(changed[cols].round(0).to_string())
    groups = result.groups
    assert groups is not None
    top = groups.sort_values("mean_minutes_saved", ascending=False).head(5)
    print("urban centres with the most minutes saved:")
    print(top[["pop", "mean_time_before", "mean_time_after", "mean_minutes_saved"]].round(1))
    print(f"wrote {len(written)} files to {out / 'scenario'}")


if __name__ == "__main__":
    main()
