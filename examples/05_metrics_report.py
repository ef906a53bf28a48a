"""Agglomeration metrics, maps and the HTML report: the demo pipeline on one region.

Usage:  python 05_metrics_report.py [OUT_DIR] [POP.tif] [ROADS]

Runs fua.kazakhstan.pipeline.run_demo (what `fua demo` does for the whole country) with the
MODELLED population surface cut to southern Kazakhstan, so it finishes in
seconds; pass a GHS-POP GeoTIFF (and an OSM extract) to run it on real data.
Then prints the per-FUA and national metrics it computed. Open
OUT_DIR/report.html in a browser.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer

import fua
from fua.kazakhstan.pipeline import run_demo

BBOX = (67.5, 41.2, 74.0, 44.2)  # west, south, east, north (degrees)


def modelled_window(path: Path, bbox: tuple[float, float, float, float]) -> Path:
    """Write the MODELLED surface inside a lon/lat box as a GeoTIFF (tagged as modelled)."""
    grid = fua.kazakhstan.datasets.kazakhstan_population()
    x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(
        [bbox[0], bbox[2], bbox[0], bbox[2]], [bbox[1], bbox[1], bbox[3], bbox[3]]
    )
    cols, rows = zip(*(~grid.transform @ (a, b) for a, b in zip(x, y, strict=True)), strict=True)
    r0, r1 = max(int(min(rows)), 0), min(int(np.ceil(max(rows))), grid.shape[0])
    c0, c1 = max(int(min(cols)), 0), min(int(np.ceil(max(cols))), grid.shape[1])
    pop = np.where(np.asarray(grid.valid)[r0:r1, c0:c1], grid.pop[r0:r1, c0:c1], -200.0).astype(
        "float32"
    )
    with rasterio.open(
        path, "w", driver="GTiff", height=pop.shape[0], width=pop.shape[1], count=1,
        dtype="float32", crs=grid.crs, transform=grid.transform @ grid.transform.translation(c0, r0),
        nodata=-200.0,
    ) as dst:  # fmt: skip
        dst.write(pop, 1)
        dst.update_tags(SOURCE="MODELLED population surface (fua-toolkit), not observed data")
    return path


def main() -> None:
    out = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("FUA_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="fua-ex05-")
    )
    out.mkdir(parents=True, exist_ok=True)
    pop = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else modelled_window(out / "south_MODELLED_pop.tif", BBOX)
    )
    roads = sys.argv[3] if len(sys.argv) > 3 else None
    res = run_demo(out / "report", population=pop, roads=roads, overwrite=True)

    for k, m in res.fuas.items():
        print(f"FUAs with urban centres of {k}+ people:")
        cols = [
            "name",
            "pop_total",
            "area_km2",
            "density_per_km2",
            "pw_density_per_km2",
            "market_potential",
        ]
        print(m.sort_values("pop_total", ascending=False)[cols].round(1).to_string(index=False))
    print(res.national.round(3).to_string())
    print(f"report: {res.files['report']}")


if __name__ == "__main__":
    main()
