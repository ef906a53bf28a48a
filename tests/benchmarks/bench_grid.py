"""Timing of fua.read_population on a synthetic fine grid (not collected by pytest).

Run: /work/venv/bin/python tests/benchmarks/bench_grid.py [--size 10000] [--warp]
Aggregates a size x size float32 array of 100 m cells in World Mollweide to
1 km (block sums), or with --warp an unaligned origin (GDAL sum reprojection).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from affine import Affine

import fua


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--warp", action="store_true", help="unaligned origin: GDAL reprojection path")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    a = rng.random((args.size, args.size), dtype=np.float32) * 10
    x0 = 4_000_000.0 + (37.0 if args.warp else 0.0)
    t = Affine(100.0, 0.0, x0, 0.0, -100.0, 5_000_000.0)
    t0 = time.perf_counter()
    g = fua.read_population(a, transform=t, crs="ESRI:54009")
    dt = time.perf_counter() - t0
    rel = abs(g.total_population - float(a.sum(dtype=np.float64))) / float(a.sum(dtype=np.float64))
    print(
        f"{args.size}x{args.size} 100 m -> {g.shape} 1 km ({g.meta['method']}): {dt:.2f} s, rel. total error {rel:.2e}"
    )


if __name__ == "__main__":
    main()
