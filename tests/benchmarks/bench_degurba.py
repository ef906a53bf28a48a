"""Benchmark: Degree of Urbanisation on national and global 1 km grids.

Run on demand (not collected by pytest)::

    python tests/benchmarks/bench_degurba.py kazakhstan      # ~3 000 x 1 700, levels 1+2
    python tests/benchmarks/bench_degurba.py global          # 18 000 x 36 000, level 1
    python tests/benchmarks/bench_degurba.py gosturban       # side by side with GOSTurban

Each case runs in a fresh subprocess so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from affine import Affine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import clustered_population  # noqa: E402

from fua import PopulationGrid  # noqa: E402
from fua.degurba.classify import classify_grid  # noqa: E402

CASES = {
    "kazakhstan": {"shape": (1700, 3000), "n_cities": 2_000, "dtype": "float64", "level": 2},
    # ~10 000 centres of >= 50 000 people, as in the GHSL's global urban centre database
    "global": {
        "shape": (18_000, 36_000),
        "n_cities": 120_000,
        "largest": 35e6,
        "zipf": 0.75,
        "dtype": "float32",
        "level": 1,
    },
    "global-quarter": {
        "shape": (9_000, 18_000),
        "n_cities": 30_000,
        "largest": 35e6,
        "zipf": 0.75,
        "dtype": "float32",
        "level": 1,
    },
}


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _grid(case: str) -> PopulationGrid:
    spec = CASES[case]
    pop = clustered_population(
        spec["shape"],
        n_cities=spec["n_cities"],
        largest=spec.get("largest", 2e6),
        zipf_exponent=spec.get("zipf", 1.0),
        seed=1,
        dtype=spec["dtype"],
    )
    t = Affine(1000.0, 0.0, -18_000_000.0, 0.0, -1000.0, 9_000_000.0)
    return PopulationGrid(pop, t, "ESRI:54009")


def run_case(case: str, repeat: int) -> dict:
    t0 = time.perf_counter()
    grid = _grid(case)
    t_make = time.perf_counter() - t0
    rss_input = _peak_rss_gb()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = classify_grid(grid, level=CASES[case]["level"])
        times.append(time.perf_counter() - t0)
    return {
        "case": case,
        "shape": list(grid.shape),
        "cells": grid.pop.size,
        "level": CASES[case]["level"],
        "dtype": str(grid.pop.dtype),
        "make_s": round(t_make, 2),
        "classify_s_best": round(min(times), 3),
        "classify_s_all": [round(t, 3) for t in times],
        "n_centres": result.n_centres,
        "n_clusters": result.n_clusters,
        "peak_rss_gb_after_input": round(rss_input, 2),
        "peak_rss_gb": round(_peak_rss_gb(), 2),
    }


def run_gosturban(repeat: int) -> dict:
    """Our levels 1+2 and GOSTurban's urban/dense-urban extents on the same grid."""
    import tempfile

    import rasterio

    try:
        from GOSTurban.UrbanRaster import urbanGriddedPop
    except ImportError as exc:  # pragma: no cover - depends on the machine
        return {"case": "gosturban", "error": f"GOSTurban not importable: {exc}"}
    grid = _grid("kazakhstan")
    ours = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        classify_grid(grid)
        ours.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pop.tif"
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            height=grid.shape[0],
            width=grid.shape[1],
            count=1,
            dtype="float32",
            crs=grid.crs,
            transform=grid.transform,
            nodata=-200,
        ) as dst:
            dst.write(grid.pop.astype("float32"), 1)
        theirs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ug = urbanGriddedPop(str(path))
            ug.calculateUrban(
                densVal=300, totalPopThresh=5000, smooth=False, queen=True, verbose=False
            )
            # smooth=True fails inside GOSTurban 1.0 with rasterio 1.4 (rasterize returns
            # int64, which features.shapes rejects), so the centre step runs unsmoothed
            ug.calculateUrban(
                densVal=1500, totalPopThresh=50000, smooth=False, queen=False, verbose=False
            )
            theirs.append(time.perf_counter() - t0)
    return {
        "case": "gosturban",
        "shape": list(grid.shape),
        "ours_levels_1_2_s": round(min(ours), 3),
        "gosturban_urban_plus_hd_s": round(min(theirs), 3),
        "ratio_gosturban_over_ours": round(min(theirs) / min(ours), 1),
        "note": (
            "GOSTurban computes only urban clusters and high-density clusters (no level 2, no gap "
            "filling or majority rule: its smoothing fails with rasterio 1.4); ours does levels 1 and 2 "
            "with R2023A rules"
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=[*CASES, "gosturban", "all"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--inline", action="store_true", help="run in this process (no subprocess)")
    args = ap.parse_args()
    if args.inline:
        out = (
            run_gosturban(args.repeat)
            if args.case == "gosturban"
            else run_case(args.case, args.repeat)
        )
        print(json.dumps(out))
        return
    cases = [*CASES, "gosturban"] if args.case == "all" else [args.case]
    for case in cases:
        rep = 1 if case.startswith("global") else args.repeat
        cmd = [sys.executable, __file__, case, "--inline", "--repeat", str(rep)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        print(res.stdout.strip() or res.stderr.strip()[-2000:])


if __name__ == "__main__":
    main()
