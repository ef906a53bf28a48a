"""Timings for fua.degurba.vectorize.polygonize_labels: window vs whole-raster tracing.

Run on demand (not collected by pytest):
    /work/venv/bin/python tests/benchmarks/bench_vectorize.py
"""

from __future__ import annotations

import time

import numpy as np
from affine import Affine
from scipy import ndimage

from fua.degurba.vectorize import polygonize_labels

T = Affine(1000.0, 0.0, 4_000_000.0, 0.0, -1000.0, 6_500_000.0)


def few_large(rows: int = 1700, cols: int = 3000, n: int = 200, seed: int = 0) -> np.ndarray:
    """Kazakhstan-sized grid with ~n compact clusters (discs of radius 2-20 cells)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.ogrid[:rows, :cols]
    mask = np.zeros((rows, cols), bool)
    for r, c, rad in zip(
        rng.integers(0, rows, n), rng.integers(0, cols, n), rng.integers(2, 21, n), strict=True
    ):
        r0, r1, c0, c1 = max(r - rad, 0), r + rad + 1, max(c - rad, 0), c + rad + 1
        mask[r0:r1, c0:c1] |= (yy[r0:r1] - r) ** 2 + (xx[:, c0:c1] - c) ** 2 <= rad**2
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    return labels.astype(np.int32)


def many_small(rows: int = 2000, cols: int = 2000, p: float = 0.03, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels, _ = ndimage.label(rng.random((rows, cols)) < p, structure=np.ones((3, 3)))
    return labels.astype(np.int32)


def main() -> None:
    for name, lab in (("few_large", few_large()), ("many_small", many_small())):
        boxes = [s for s in ndimage.find_objects(lab) if s is not None]
        share = sum((s[0].stop - s[0].start) * (s[1].stop - s[1].start) for s in boxes) / lab.size
        print(
            f"{name}: shape={lab.shape} labels={lab.max()} labelled={np.mean(lab > 0):.1%} "
            f"bbox share={share:.1%}"
        )
        results = {}
        for method in ("whole", "windows"):
            best = np.inf
            for _ in range(2):
                t0 = time.perf_counter()
                gdf = polygonize_labels(lab, T, "ESRI:54009", method=method)
                best = min(best, time.perf_counter() - t0)
            results[method] = gdf
            print(f"  {method:8s} {best:6.2f} s  rows={len(gdf)}")
        a, b = results["windows"], results["whole"]
        same = bool((a.label.to_numpy() == b.label.to_numpy()).all()) and bool(
            a.geometry.normalize().geom_equals_exact(b.geometry.normalize(), 0).all()
        )
        print(f"  windows == whole: {same}")


if __name__ == "__main__":
    main()
