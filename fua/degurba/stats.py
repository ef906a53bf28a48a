"""Statistics of labelled urban centres and clusters, accumulated over row blocks.

:func:`label_stats` sums population, cells and land per label and finds each
label's population-weighted centroid; :func:`label_table` turns them into the
columns of an urban-centre or urban-cluster layer; :func:`centres_per_cluster`
counts the centres inside each cluster. Used by
:func:`fua.degurba.classify.urban_centres` (arrays in memory) and
:func:`fua.degurba_to_files` (land read again in windows).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from affine import Affine

from fua.degurba._core import row_slices

__all__ = ["centres_per_cluster", "label_stats", "label_table"]


def label_stats(
    labels: np.ndarray,
    n: int,
    blocks: Iterable[tuple[slice, np.ndarray, np.ndarray | None]],
    transform: Affine,
    cell_area_km2: float,
) -> dict[str, np.ndarray]:
    """Per-label statistics accumulated over row blocks ``(rows, pop, land share or None)``.

    Returns arrays indexed 0..n-1 for labels 1..n: ``pop``, ``n_cells``,
    ``land_km2`` and the population-weighted centroid ``x``, ``y`` in the
    grid's CRS (the cell-centre mean for an unpopulated label).
    """
    acc = {k: np.zeros(n + 1) for k in ("pop", "land", "wr", "wc", "r", "c")}
    cells = np.zeros(n + 1, np.int64)
    for sl, pop, land in blocks:
        lab = labels[sl]
        sel = lab > 0
        if not sel.any():
            continue
        lab = lab[sel]
        rr, cc = np.nonzero(sel)
        r = rr + (sl.start + 0.5)
        c = cc + 0.5
        p = pop[sel].astype(np.float64)
        cells += np.bincount(lab, minlength=n + 1)
        acc["pop"] += np.bincount(lab, weights=p, minlength=n + 1)
        share = np.ones(lab.size) if land is None else land[sel]
        acc["land"] += np.bincount(lab, weights=share * cell_area_km2, minlength=n + 1)
        acc["wr"] += np.bincount(lab, weights=p * r, minlength=n + 1)
        acc["wc"] += np.bincount(lab, weights=p * c, minlength=n + 1)
        acc["r"] += np.bincount(lab, weights=r, minlength=n + 1)
        acc["c"] += np.bincount(lab, weights=c, minlength=n + 1)
    pop = acc["pop"][1:]
    k = np.maximum(cells[1:], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        row = np.where(pop > 0, acc["wr"][1:] / pop, acc["r"][1:] / k)
        col = np.where(pop > 0, acc["wc"][1:] / pop, acc["c"][1:] / k)
    t = transform
    return {
        "pop": pop,
        "n_cells": cells[1:],
        "land_km2": acc["land"][1:],
        "x": t.c + t.a * col + t.b * row,
        "y": t.f + t.d * col + t.e * row,
    }


def label_table(stats: dict[str, np.ndarray], cell_area_km2: float) -> dict[str, np.ndarray]:
    """The columns of an urban-centre or urban-cluster layer, from :func:`label_stats`.

    ``pop``, ``area_km2`` (cells × cell area), ``land_km2``,
    ``density_per_km2`` (people per km² of land, NaN without land),
    ``n_cells``, ``centroid_x`` and ``centroid_y``, in this order.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(stats["land_km2"] > 0, stats["pop"] / stats["land_km2"], np.nan)
    return {
        "pop": stats["pop"],
        "area_km2": stats["n_cells"] * cell_area_km2,
        "land_km2": stats["land_km2"],
        "density_per_km2": density,
        "n_cells": stats["n_cells"],
        "centroid_x": stats["x"],
        "centroid_y": stats["y"],
    }


def centres_per_cluster(
    clusters: np.ndarray, centres: np.ndarray, n_clusters: int, n_centres: int
) -> np.ndarray:
    """Number of urban centres inside each urban cluster (index 0 = cluster 1), in row blocks."""
    n_in = np.zeros(n_clusters, np.int64)
    pairs = []
    for sl in row_slices(clusters.shape):
        cl, ce = clusters[sl], centres[sl]
        both = (cl > 0) & (ce > 0)
        if both.any():
            pairs.append(np.unique(cl[both].astype(np.int64) * (n_centres + 1) + ce[both]))
    if pairs:
        uniq = np.unique(np.concatenate(pairs))
        n_in = np.bincount(uniq // (n_centres + 1), minlength=n_clusters + 1)[1:]
    return n_in
