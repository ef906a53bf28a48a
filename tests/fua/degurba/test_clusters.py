"""Hand-checkable cases for the cluster primitives."""

import numpy as np
import pytest

from fua import ParameterError
from fua.degurba.clusters import fill_holes, label_clusters, majority_smooth, select_clusters


def test_diagonal_contact_is_one_cluster_only_with_queen_contiguity():
    mask = np.zeros((4, 4), bool)
    mask[0:2, 0:2] = True
    mask[2:4, 2:4] = True  # touches the first block at one corner
    assert label_clusters(mask, connectivity=4)[1] == 2
    assert label_clusters(mask, connectivity=8)[1] == 1


def test_select_clusters_threshold_is_inclusive():
    mask = np.zeros((3, 7), bool)
    mask[1, 0:2] = True
    mask[1, 4:6] = True
    pop = np.zeros((3, 7))
    pop[1, 0:2] = 25_000.0  # 50 000 in all
    pop[1, 4] = 25_000.0
    pop[1, 5] = 24_999.0  # 49 999 in all
    labels, n = select_clusters(mask, pop, min_size=50_000, connectivity=4)
    assert n == 1
    assert labels[1, 0] == labels[1, 1] == 1
    assert labels[1, 4] == labels[1, 5] == 0


def _ring(size: int, hole: tuple[int, int]) -> np.ndarray:
    """A square cluster (label 1) with a rectangular hole in the middle."""
    labels = np.zeros((size + 4, size + 4), np.int32)
    labels[2 : size + 2, 2 : size + 2] = 1
    hr, hc = hole
    r0 = 2 + (size - hr) // 2
    c0 = 2 + (size - hc) // 2
    labels[r0 : r0 + hr, c0 : c0 + hc] = 0
    return labels


def test_hole_of_14_cells_is_filled_and_of_16_is_not():
    small = _ring(10, (2, 7))
    big = _ring(10, (4, 4))
    assert (small == 0).sum() - (fill_holes(small, max_cells=15) == 0).sum() == 14
    assert (fill_holes(big, max_cells=15) == big).all()


def test_gap_between_two_clusters_is_not_a_hole():
    labels = np.zeros((7, 7), np.int32)
    labels[1:6, 1:6] = 1
    labels[3, 2:5] = 0  # the gap
    labels[4:6, 1:6] = 2  # the lower part belongs to another cluster
    labels[1:3, 1:6] = 1
    # the gap row touches cluster 1 above and cluster 2 below
    labels[3, 1] = 1
    labels[3, 5] = 1
    out = fill_holes(labels, max_cells=15)
    assert (out[3, 2:5] == 0).all()


def test_hole_touching_grid_edge_is_outside():
    labels = np.ones((5, 5), np.int32)
    labels[0, 2] = 0
    labels[1, 2] = 0
    assert (fill_holes(labels, max_cells=15) == labels).all()


def _with_neighbours(n_in: int) -> np.ndarray:
    """A 5x5 grid whose centre cell has exactly ``n_in`` of its 8 neighbours in cluster 1."""
    labels = np.zeros((5, 5), np.int32)
    ring = [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3), (3, 2), (3, 1), (2, 1)]
    for r, c in ring[:n_in]:
        labels[r, c] = 1
    return labels


def test_majority_rule_r2022a_five_of_eight():
    five = majority_smooth(_with_neighbours(5), variant="R2022A")
    four = majority_smooth(_with_neighbours(4), variant="R2022A")
    assert five[2, 2] == 1
    assert four[2, 2] == 0


def test_majority_rule_r2023a_ignores_water_neighbours():
    labels = _with_neighbours(4)
    assert majority_smooth(labels, variant="R2023A")[2, 2] == 0  # 4 of 8 is no majority
    ignore = np.zeros_like(labels, bool)
    ignore[2, 3 - 0] = False
    ignore[3, 3] = False
    # make one of the non-cluster neighbours an ignored (unpopulated water) cell
    free = [(r, c) for r in (1, 2, 3) for c in (1, 2, 3) if (r, c) != (2, 2) and labels[r, c] == 0]
    ignore[free[0]] = True
    assert majority_smooth(labels, variant="R2023A", ignore=ignore)[2, 2] == 1  # 4 of 7


def test_majority_rule_r2023a_never_adds_water():
    labels = np.ones((3, 3), np.int32)
    labels[1, 1] = 0
    water = np.zeros((3, 3), bool)
    water[1, 1] = True
    assert majority_smooth(labels, variant="R2023A", never_add=water)[1, 1] == 0
    assert majority_smooth(labels, variant="R2022A", never_add=water)[1, 1] == 1


def test_majority_rule_iterates_until_stable():
    # B=(2,3) has 5 cluster neighbours and joins in round 1; A=(2,2) has 4 and
    # gets its fifth from B in round 2
    labels = np.zeros((6, 6), np.int32)
    for rc in [(1, 1), (1, 2), (1, 3), (2, 1), (1, 4), (2, 4), (3, 4)]:
        labels[rc] = 1
    one_round = majority_smooth(labels, variant="R2022A", max_iter=1)
    assert one_round[2, 3] == 1 and one_round[2, 2] == 0
    out = majority_smooth(labels, variant="R2022A")
    assert out[2, 3] == 1 and out[2, 2] == 1
    assert (out > 0).sum() == (labels > 0).sum() + 2


def test_bad_connectivity_and_variant():
    with pytest.raises(ParameterError, match=r"4 \(rook\) or 8"):
        label_clusters(np.zeros((2, 2), bool), connectivity=6)
    with pytest.raises(ParameterError, match="R2022A"):
        majority_smooth(np.zeros((2, 2), np.int32), variant="R2099")
