"""Degree of Urbanisation classes from a population GeoTIFF.

Usage:  python 01_grid_classes_from_geotiff.py [OUT_DIR] [POP.tif]

Without POP.tif the script first writes a small GeoTIFF of the MODELLED
Kazakhstan surface around Almaty (not observed data) and classifies that;
give a GHS-POP / WorldPop file (any CRS) to classify real data. Writes the
level-1 and level-2 class grids (styled for QGIS), urban centres and urban
clusters (GeoPackage) and a JSON sidecar to OUT_DIR (default: a new temp dir,
or $FUA_EXAMPLE_OUT).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import fua
from fua.kazakhstan.datasets import write_kazakhstan_population_window
from fua.outputs.degurba import write_degurba_outputs


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex01-")
    )
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 2:
        pop_tif = Path(sys.argv[2])
    else:
        pop_tif = write_kazakhstan_population_window(
            out / "almaty_MODELLED_pop.tif", (75.5, 42.8, 78.5, 44.5), overwrite=True
        )

    grid = fua.read_population(pop_tif)  # any CRS: reprojected to a 1 km Mollweide grid
    result = fua.classify_grid(grid)  # DegurbaParams() defaults (GHSL R2023A rules)
    centres = fua.urban_centres(result)
    clusters = fua.urban_clusters(result)
    written = write_degurba_outputs(out, result, centres, clusters, overwrite=True)

    print(f"{grid.shape[0]}x{grid.shape[1]} cells, {grid.total_population:,.0f} people")
    print(f"{len(centres)} urban centres, {len(clusters)} urban clusters")
    print(centres[["uc_id", "pop", "area_km2", "density_per_km2"]].to_string(index=False))
    for name, path in written.items():
        print(f"  {name}: {path}")


if __name__ == "__main__":
    main()
