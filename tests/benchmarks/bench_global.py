"""Benchmark: Degree of Urbanisation levels 1 + 2 on a synthetic global 1 km grid.

Run on demand (not collected by pytest); each case runs in a fresh subprocess
so its peak memory (max RSS) is its own::

    python tests/benchmarks/bench_global.py memory         # classify_grid, in memory
    python tests/benchmarks/bench_global.py files          # fua.scale.tiles.degurba_to_files
    python tests/benchmarks/bench_global.py files --shape 9000 18000   # a quarter

``files`` first writes the synthetic grid as a tiled, deflate-compressed
float32 GeoTIFF (not timed), then times reading, classifying, writing the
class and label GeoTIFFs and the GeoPackage layers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from affine import Affine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import clustered_population  # noqa: E402

GLOBAL = (18_000, 36_000)


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _pop(shape: tuple[int, int]):
    scale = shape[0] * shape[1] / (GLOBAL[0] * GLOBAL[1])
    return clustered_population(
        shape,
        n_cities=max(100, int(120_000 * scale)),
        largest=35e6,
        zipf_exponent=0.75,
        seed=1,
        dtype="float32",
    )


TRANSFORM = Affine(1000.0, 0.0, -18_000_000.0, 0.0, -1000.0, 9_000_000.0)


def run_memory(shape: tuple[int, int]) -> dict:
    from fua import PopulationGrid
    from fua.degurba.classify import classify_grid

    grid = PopulationGrid(_pop(shape), TRANSFORM, "ESRI:54009")
    rss_input = _peak_rss_gb()
    t0 = time.perf_counter()
    result = classify_grid(grid, level=2)
    t = time.perf_counter() - t0
    return {
        "case": "memory",
        "shape": list(shape),
        "levels": "1+2",
        "classify_s": round(t, 1),
        "n_centres": result.n_centres,
        "n_clusters": result.n_clusters,
        "peak_rss_gb_after_input": round(rss_input, 2),
        "peak_rss_gb": round(_peak_rss_gb(), 2),
    }


def _write_input(shape: tuple[int, int], path: Path) -> None:
    import numpy as np
    import rasterio

    pop = _pop(shape)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=shape[0],
        width=shape[1],
        count=1,
        dtype="float32",
        crs="ESRI:54009",
        transform=TRANSFORM,
        nodata=-200.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        BIGTIFF="IF_SAFER",
    ) as dst:
        step = 1024
        for r in range(0, shape[0], step):
            blk = pop[r : r + step]
            dst.write(np.ascontiguousarray(blk), 1, window=((r, r + blk.shape[0]), (0, shape[1])))


def run_files(shape: tuple[int, int], workdir: Path) -> dict:
    from fua.scale.tiles import degurba_to_files

    src = workdir / "pop.tif"
    t0 = time.perf_counter()
    if not src.exists():
        # write the input in a child process so its memory is not counted here
        subprocess.run(
            [
                sys.executable,
                __file__,
                "write-input",
                "--shape",
                *map(str, shape),
                "--out",
                str(src),
            ],
            check=True,
        )
    t_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    info = degurba_to_files(src, workdir / "out", level=2, overwrite=True)
    t = time.perf_counter() - t0
    return {
        "case": "files",
        "shape": list(shape),
        "levels": "1+2",
        "write_input_s": round(t_write, 1),
        "degurba_to_files_s": round(t, 1),
        "steps_s": info["timing_s"],
        "n_centres": info["n_centres"],
        "n_clusters": info["n_clusters"],
        "peak_rss_gb": round(_peak_rss_gb(), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=["memory", "files", "write-input"])
    ap.add_argument("--shape", type=int, nargs=2, default=list(GLOBAL))
    ap.add_argument("--workdir", type=Path, help="keep inputs/outputs here (default: a temp dir)")
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--inline", action="store_true", help="run in this process")
    args = ap.parse_args()
    shape = (args.shape[0], args.shape[1])
    if args.case == "write-input":
        _write_input(shape, args.out)
        return
    if not args.inline:
        cmd = [sys.executable, __file__, args.case, "--inline", "--shape", *map(str, shape)]
        if args.workdir:
            cmd += ["--workdir", str(args.workdir)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        out = res.stdout.strip() or res.stderr.strip()[-3000:]
        print(out, "| load:", os.getloadavg())
        return
    if args.case == "memory":
        print(json.dumps(run_memory(shape)))
        return
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_files(shape, args.workdir)))
    else:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            print(json.dumps(run_files(shape, Path(tmp))))


if __name__ == "__main__":
    main()
