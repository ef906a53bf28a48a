"""Grid-cell clusters: labelling, cluster sums, hole filling and edge smoothing.

Everything here is vectorised over the grid or over the (small) set of
frontier cells; there are no per-label loops over the whole grid.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import ndimage

from fua._errors import ParameterError

__all__ = [
    "cluster_sums",
    "fill_holes",
    "label_clusters",
    "majority_smooth",
    "select_clusters",
]

log = logging.getLogger(__name__)

_STRUCTURE = {
    4: ndimage.generate_binary_structure(2, 1),
    8: ndimage.generate_binary_structure(2, 2),
}
# the 8 neighbours of a cell as (drow, dcol)
_NEIGHBOURS_8 = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _structure(connectivity: int) -> np.ndarray:
    try:
        return _STRUCTURE[connectivity]
    except KeyError:
        msg = f"connectivity must be 4 (rook) or 8 (queen), got {connectivity!r}"
        raise ParameterError(msg) from None


def label_clusters(mask: np.ndarray, *, connectivity: int) -> tuple[np.ndarray, int]:
    """Label contiguous groups of True cells.

    Returns an int32 label array (0 outside, 1..n inside) and n.
    """
    labels, n = ndimage.label(mask, structure=_structure(connectivity), output=np.int32)
    return labels, int(n)


def cluster_sums(labels: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per label, as an array of length ``n + 1`` (index 0 = background)."""
    return np.bincount(labels.ravel(), weights=values.ravel(), minlength=n + 1)


def select_clusters(
    mask: np.ndarray, size_values: np.ndarray, *, min_size: float, connectivity: int
) -> tuple[np.ndarray, int]:
    """Clusters of ``mask`` whose sum of ``size_values`` is at least ``min_size``.

    Returns consecutive int32 labels (1..k, ordered as found in row-major
    order) and k.
    """
    labels, n = label_clusters(mask, connectivity=connectivity)
    if n == 0:
        return labels, 0
    sums = cluster_sums(labels, size_values, n)
    keep = sums >= min_size
    keep[0] = False
    lookup = np.zeros(n + 1, dtype=np.int32)
    k = int(keep.sum())
    lookup[keep] = np.arange(1, k + 1, dtype=np.int32)
    return lookup[labels], k


def fill_holes(labels: np.ndarray, *, max_cells: float) -> np.ndarray:
    """Fill holes of each cluster that are smaller than ``max_cells`` cells.

    A hole is a 4-connected group of unlabelled cells that does not touch the
    grid edge and whose 4-neighbours all belong to one single cluster (a gap
    bordering two clusters is not a hole of either). Holes with fewer than
    ``max_cells`` cells take that cluster's label.
    """
    background = labels == 0
    holes, n = label_clusters(background, connectivity=4)
    if n == 0:
        return labels.copy()
    # components touching the grid edge are the outside, never holes
    edge = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
    size = np.bincount(holes.ravel(), minlength=n + 1)
    # which cluster labels border each background component (4-neighbours)
    pairs = []
    for a, b in (
        (holes[1:, :], labels[:-1, :]),
        (holes[:-1, :], labels[1:, :]),
        (holes[:, 1:], labels[:, :-1]),
        (holes[:, :-1], labels[:, 1:]),
    ):
        m = (a > 0) & (b > 0)
        pairs.append(np.stack([a[m], b[m]], axis=1))
    p = np.unique(np.concatenate(pairs), axis=0)
    comp, first = np.unique(p[:, 0], return_index=True)
    n_neighbours = np.bincount(p[:, 0], minlength=n + 1)
    owner = np.zeros(n + 1, dtype=labels.dtype)
    owner[comp] = p[first, 1]
    fillable = (n_neighbours == 1) & (size < max_cells)
    fillable[0] = False
    fillable[edge] = False
    out = labels.copy()
    target = fillable[holes]
    out[target] = owner[holes[target]]
    log.debug("filled %d holes (%d cells)", int(fillable.sum()), int(target.sum()))
    return out


def majority_smooth(
    labels: np.ndarray,
    *,
    variant: str = "R2023A",
    ignore: np.ndarray | None = None,
    never_add: np.ndarray | None = None,
    max_iter: int = 1000,
) -> np.ndarray:
    """Iterative majority-rule edge smoothing of labelled clusters.

    Parameters
    ----------
    labels : numpy.ndarray
        int32 cluster labels, 0 outside clusters.
    variant : {"R2023A", "R2022A"}
        ``"R2022A"``: a cell joins a cluster when at least 5 of its 8
        neighbours belong to that one cluster. ``"R2023A"``: a cell joins a
        cluster when that cluster holds more than half of its *valid*
        neighbours; neighbours in ``ignore`` (unpopulated cells that are mostly
        water) do not count, and cells in ``never_add`` (permanent water) are
        never added.
    ignore, never_add : numpy.ndarray of bool, optional
        Masks used by the R2023A variant (ignored by R2022A).
    max_iter : int
        Safety bound on the number of rounds.

    Returns
    -------
    numpy.ndarray
        A new label array with the added cells.

    Notes
    -----
    Rounds are synchronous: every candidate cell is judged on the labels at
    the start of the round, and the round's additions become visible in the
    next round, repeated until no cell is added (GHSL Data Package 2022 and
    2023; the R2023A counting follows the flexurba implementation). Cells
    outside the grid count as valid neighbours outside every cluster. Only
    cells next to the previous round's additions are examined again, so the
    cost is proportional to the frontier, not to the grid.
    """
    if variant not in ("R2022A", "R2023A"):
        msg = f"variant must be 'R2022A' or 'R2023A', got {variant!r}"
        raise ParameterError(msg)
    rows, cols = labels.shape
    width = cols + 2
    lab = np.zeros((rows + 2, width), dtype=labels.dtype)
    lab[1:-1, 1:-1] = labels
    flat = lab.ravel()
    offsets = np.array([dr * width + dc for dr, dc in _NEIGHBOURS_8], dtype=np.int64)

    def _pad(mask: np.ndarray | None) -> np.ndarray:
        out = np.zeros((rows + 2, width), dtype=bool)
        if mask is not None:
            out[1:-1, 1:-1] = mask
        return out.ravel()

    r2023 = variant == "R2023A"
    invalid = _pad(ignore) | _pad(never_add) if r2023 else _pad(None)
    blocked = _pad(never_add) if r2023 else _pad(None)
    inside = _pad(np.ones(labels.shape, bool))

    seeds = np.flatnonzero(flat)
    for it in range(max_iter):
        cand = np.unique((seeds[:, None] + offsets[None, :]).ravel())
        cand = cand[inside[cand] & (flat[cand] == 0) & ~blocked[cand]]
        if cand.size == 0:
            break
        nb_idx = cand[:, None] + offsets[None, :]
        nb = flat[nb_idx]  # (K, 8) neighbour labels, 0 = none
        # count, for each neighbour position, how many neighbours share its label
        same = (nb[:, :, None] == nb[:, None, :]).sum(axis=2)
        same = np.where(nb > 0, same, 0)
        best = same.argmax(axis=1)
        count = same[np.arange(cand.size), best]
        winner = nb[np.arange(cand.size), best]
        if r2023:
            # a neighbour already in a cluster always counts; an unclustered one
            # counts unless it is an ignored (mostly water, unpopulated) cell
            n_valid = ((nb > 0) | ~invalid[nb_idx]).sum(axis=1)
            add = (count > 0) & (2 * count > n_valid)
        else:
            add = count >= 5
        if not add.any():
            break
        seeds = cand[add]
        flat[seeds] = winner[add]
        log.debug("majority rule round %d: %d cells added", it + 1, seeds.size)
    return lab[1:-1, 1:-1].copy()
