"""Benchmark: aggregating a synthetic 100 m country grid to 1 km, serial vs Dask workers.

Run on demand (not collected by pytest)::

    python tests/benchmarks/bench_dask.py --shape 30000 17000 --tiles 3 2   # large country
    python tests/benchmarks/bench_dask.py --shape 3000 1700 --tiles 1 1     # small

The 100 m grid (Mollweide, float32, uncompressed tiled GeoTIFFs, cut into
``--tiles`` rows x cols files) is written once to ``--workdir`` (not timed).
Then, each in a fresh subprocess: ``fua.read_population`` on the tiles one by
one (the in-memory, one-file path) and ``fua.aggregate_tiles`` with
``client=None`` (in process) and on a LocalCluster of 1 and 2 single-threaded
worker processes. Reported: wall time, total people (conservation), peak
RSS of the driver and the largest worker RSS (sampled every 0.2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

X0, Y0 = 4_000_000.0, 6_000_000.0  # upper-left corner (Mollweide, on 1 km multiples)


def write_tiles(shape: tuple[int, int], tiles: tuple[int, int], workdir: Path) -> list[Path]:
    import rasterio
    from affine import Affine

    rows, cols = shape
    tr, tc = tiles
    rng = np.random.default_rng(0)
    paths = []
    r_edges = np.linspace(0, rows, tr + 1).astype(int)
    c_edges = np.linspace(0, cols, tc + 1).astype(int)
    for i in range(tr):
        for j in range(tc):
            r0, r1, c0, c1 = r_edges[i], r_edges[i + 1], c_edges[j], c_edges[j + 1]
            path = workdir / f"pop100_{i}_{j}.tif"
            paths.append(path)
            if path.exists():
                continue
            t = Affine(100.0, 0, X0 + 100.0 * c0, 0, -100.0, Y0 - 100.0 * r0)
            with rasterio.open(
                path, "w", driver="GTiff", height=r1 - r0, width=c1 - c0, count=1,
                dtype="float32", crs="ESRI:54009", transform=t, nodata=-200.0, tiled=True,
                blockxsize=512, blockysize=512, BIGTIFF="IF_SAFER",
            ) as dst:  # fmt: skip
                step = 2048
                for r in range(0, r1 - r0, step):
                    h = min(step, r1 - r0 - r)
                    blk = rng.exponential(0.5, (h, c1 - c0)).astype(np.float32)
                    blk[rng.random(blk.shape) < 0.3] = 0.0
                    dst.write(blk, 1, window=((r, r + h), (0, c1 - c0)))
    return paths


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run(case: str, paths: list[Path]) -> dict:
    from fua import aggregate_tiles, read_population

    out: dict = {"case": case}
    t0 = time.perf_counter()
    if case == "read_population":
        total = sum(read_population(p).total_population for p in paths)
        out["note"] = "one file at a time (no mosaic)"
    elif case == "serial":
        total = aggregate_tiles(paths).total_population
    else:
        import distributed

        n = int(case.split("-")[1])
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = distributed.Client(cluster)
        t_start = time.perf_counter() - t0
        peak = [0.0]
        stop = threading.Event()

        def sample() -> None:
            import psutil

            while not stop.is_set():
                try:
                    rss = client.run(lambda: psutil.Process().memory_info().rss)
                    peak[0] = max(peak[0], max(rss.values()) / 1024**3)
                except Exception:  # sampling is best effort
                    pass
                time.sleep(0.2)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        total = aggregate_tiles(paths, client=client).total_population
        stop.set()
        th.join()
        client.close()
        cluster.close()
        out["cluster_start_s"] = round(t_start, 2)
        out["max_worker_rss_gb"] = round(peak[0], 2)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["total_pop"] = total
    out["driver_peak_rss_gb"] = round(_peak_rss_gb(), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=2, default=[30_000, 17_000])
    ap.add_argument("--tiles", type=int, nargs=2, default=[3, 2])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/fua_bench_dask"))
    ap.add_argument("--cases", nargs="+", default=["read_population", "serial", "dask-1", "dask-2"])
    ap.add_argument("--inline", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    shape, tiles = (args.shape[0], args.shape[1]), (args.tiles[0], args.tiles[1])
    if args.inline:
        paths = write_tiles(shape, tiles, args.workdir)
        print(json.dumps(run(args.inline, paths)))
        return
    t0 = time.perf_counter()
    paths = write_tiles(shape, tiles, args.workdir)
    print(json.dumps({"write_tiles_s": round(time.perf_counter() - t0, 1), "shape": list(shape),
                      "tiles": [str(p) for p in paths]}))  # fmt: skip
    for case in args.cases:
        cmd = [sys.executable, __file__, "--shape", *map(str, shape), "--tiles", *map(str, tiles),
               "--workdir", str(args.workdir), "--inline", case]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = res.stdout.strip() or res.stderr.strip()[-2000:]
        print(line, "| load:", tuple(round(v, 2) for v in os.getloadavg()), flush=True)


if __name__ == "__main__":
    main()
