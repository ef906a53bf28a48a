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

from fua.kazakhstan.datasets import write_kazakhstan_population_window
from fua.kazakhstan.pipeline import run_demo

BBOX = (67.5, 41.2, 74.0, 44.2)  # west, south, east, north (degrees)


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
        else write_kazakhstan_population_window(
            out / "south_MODELLED_pop.tif", BBOX, overwrite=True
        )
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
