"""Benchmark: FUAs by the commuting proxy on the Kazakhstan-sized embedded grid.

Run on demand (not collected by pytest)::

    python tests/benchmarks/bench_fua_proxy.py [--population GHS_POP.tif] [--roads roads.osm.pbf]

Times, on the embedded MODELLED 1 km surface (1 623 x 3 207 cells) and the
PROXY trunk network unless files are given: the Degree of Urbanisation, the
road network build, and ``fua.delineate_fuas(..., commuting=CommutingModel.default(),
network=net)`` with the travel times from every populated cell to the nearest
urban centre included, for the 50 000 and 100 000 centre thresholds.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import connectivity  # noqa: E402
import fua  # noqa: E402
from fua.fuas.commuting import CommutingModel, FuaParams  # noqa: E402
from fua.fuas.delineate import delineate_fuas  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=Path, default=None)
    ap.add_argument("--roads", type=Path, default=None)
    args = ap.parse_args()
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    grid = fua.kazakhstan.datasets.kazakhstan_population(path=args.population)
    t["population_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = fua.classify_grid(grid)
    t["degurba_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if args.roads:
        net = connectivity.RoadNetwork.from_osm(args.roads)
    else:
        lines = fua.kazakhstan.datasets.kazakhstan_roads()
        net = connectivity.RoadNetwork.from_lines(
            lines, class_col="road_class", speed_col="speed_kmh"
        )
    t["network_s"] = time.perf_counter() - t0
    model = CommutingModel.default()
    out = {"grid": list(grid.shape), "n_centres": result.n_centres}
    for threshold in (50_000, 100_000):
        t0 = time.perf_counter()
        res = delineate_fuas(
            result, commuting=model, network=net, params=FuaParams(min_centre_pop=threshold)
        )
        t[f"fuas_{threshold}_s"] = time.perf_counter() - t0
        out[f"n_fuas_{threshold}"] = res.n_fuas
        out[f"pop_in_fuas_{threshold}"] = round(float(res.fua["pop_total"].sum()))
    out.update({k: round(v, 2) for k, v in t.items()})
    out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
