"""Synthetic, realistically clustered population grids for benchmarks.

Cities follow a Zipf size distribution and a negative-exponential density
profile (Clark 1951) around their centres; a thin rural background fills the
land. Used by the benchmarks only (tests build their own small grids).
"""

from __future__ import annotations

import numpy as np


def clustered_population(
    shape: tuple[int, int],
    *,
    n_cities: int,
    largest: float = 2_000_000.0,
    rural_density: float = 5.0,
    land_fraction: float = 0.35,
    zipf_exponent: float = 1.0,
    seed: int = 0,
    dtype: str = "float64",
) -> np.ndarray:
    """People per 1 km cell: ``n_cities`` towns/cities plus rural background.

    City ``k`` (1-based rank) has ``largest / k ** zipf_exponent`` people spread as
    ``D0 exp(-r / b)`` with the scale ``b = 0.6 km (size / 10 000) ** 0.35``,
    so that big cities have dense cores (peak ~20 000 /km² at 2 M people,
    ~9 000 at 100 000, ~4 000 at 10 000).
    """
    rng = np.random.default_rng(seed)
    rows, cols = shape
    pop = np.zeros(shape, dtype=dtype)
    # rural background on a blocky "land" mask (coarse random field)
    block = 64
    coarse = rng.random((rows // block + 1, cols // block + 1)) < land_fraction
    land = np.repeat(np.repeat(coarse, block, axis=0), block, axis=1)[:rows, :cols]
    step = max(1, (1 << 22) // cols)  # row blocks: no full-size float64 temporaries
    for r in range(0, rows, step):
        noise = rng.exponential(rural_density, size=(min(step, rows - r), cols))
        pop[r : r + step] = land[r : r + step] * noise
    ranks = np.arange(1, n_cities + 1)
    sizes = largest / ranks**zipf_exponent
    cy = rng.integers(0, rows, n_cities)
    cx = rng.integers(0, cols, n_cities)
    for size, y, x in zip(sizes, cy, cx, strict=True):
        b = 0.6 * (size / 10_000.0) ** 0.35
        rad = int(min(6 * b, 60)) + 1
        y0, y1 = max(0, y - rad), min(rows, y + rad + 1)
        x0, x1 = max(0, x - rad), min(cols, x + rad + 1)
        yy, xx = np.ogrid[y0 - y : y1 - y, x0 - x : x1 - x]
        w = np.exp(-np.hypot(yy, xx) / b)
        pop[y0:y1, x0:x1] += (size * w / w.sum()).astype(dtype)
    return pop
