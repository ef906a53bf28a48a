"""The compiled kernels of ``from_lines`` give what their plain, per-item versions give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import connectivity.build.lines as lines_module
from connectivity.build._end_grid import (
    _MAX_NEAR,
    _SMALL_CELL,
    _flags,
    build_end_grid,
    end_columns,
    end_distance,
    end_flags,
    segments_and_ends,
    segments_near_ends,
)


def _box_gaps(pts: np.ndarray, seg4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(points, segments) gaps in x and in y between each point and each segment's box."""
    ax, ay, dx, dy = seg4.T
    gaps = []
    for a, d, p in ((ax, dx, pts[:, :1]), (ay, dy, pts[:, 1:])):
        lo, hi = np.minimum(a, a + d)[None], np.maximum(a, a + d)[None]
        gaps.append(np.maximum(np.maximum(lo - p, 0.0), p - hi))
    return gaps[0], gaps[1]


def _flags_reference(pts, end_part, seg_part, seg4, radius, near):
    """One end at a time against every segment of another part (no grid): the flag and
    the certainty."""
    ax, ay, dx, dy = seg4.T
    box_x, box_y = _box_gaps(pts, seg4)
    maybe = (box_x**2 + box_y**2 <= (radius + 1e-3) ** 2) & (seg_part[None] != end_part[:, None])
    flag = np.zeros(pts.shape[0], bool)
    sure = np.ones(pts.shape[0], bool)
    for e, (px, py) in enumerate(pts):
        found = []
        for s in np.flatnonzero(maybe[e]):
            ex, ey = px - ax[s], py - ay[s]
            on_end = (ex == 0.0 and ey == 0.0) or (ex == dx[s] and ey == dy[s])
            d, tu = (0.0, 0.0) if on_end else end_distance(px, py, ax[s], ay[s], dx[s], dy[s])
            if d <= radius:
                found.append((d, tu))
        if any(d > radius - 1e-9 for d, _ in found) or len(found) > _MAX_NEAR:
            sure[e] = False
        elif found:
            dmin = min(d for d, _ in found)
            keep = dmin >= radius - 4 * near
            flag[e] = keep or any(0.0 < tu < 1.0 for d, tu in found if d <= dmin + 2 * near)
    return flag, sure


def _check_flags(xy: np.ndarray, part: np.ndarray, tolerance: float) -> tuple[np.ndarray, ...]:
    seg, ends = segments_and_ends(part)
    pts, end_part, seg_part, seg4 = end_columns(xy, part, seg, ends)
    radius = tolerance + lines_module._NEAR_M
    grid = build_end_grid(seg4, pts, radius)
    got = end_flags(pts, end_part, seg_part, seg4, grid, radius, lines_module._NEAR_M)
    want = _flags_reference(pts, end_part, seg_part, seg4, radius, lines_module._NEAR_M)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    some = pts[np.random.default_rng(len(pts)).random(len(pts)) < 0.05]
    near = segments_near_ends(seg4, some, radius)  # every segment within radius, none far
    box_x, box_y = _box_gaps(some, seg4)
    assert not (near & ~(box_x**2 + box_y**2 <= (radius + 1e-3) ** 2).any(axis=0)).any()
    for px, py in some:
        d = [end_distance(px, py, *seg4[s])[0] for s in np.flatnonzero(~near)]
        assert min(d, default=np.inf) > radius
    ny = int(grid[0][4])
    for bands in ([0, ny // 2, ny], [0, 1, 1, ny], [0, 0, ny, ny]):  # rows in bands
        again = _flags(end_part, seg_part, seg4, grid, radius, lines_module._NEAR_M,
                       np.array(bands, dtype=np.int64), np.zeros(0, bool))  # fmt: skip
        np.testing.assert_array_equal(again[0], got[0])
        np.testing.assert_array_equal(again[1], got[1])
    return got


def _lattice_layer(rng: np.random.Generator, n_lines: int, g: int, step: float):
    """Lines of 2-4 vertices between points of a small lattice (ends shared by many
    lines, equal x at different y), some vertices moved off it a little."""
    xy, part = [], []
    for p in range(n_lines):
        k = int(rng.integers(2, 5))
        v = rng.integers(0, g, (k, 2)).astype(float) * step
        moved = rng.random(k) < 0.2
        v[moved] += rng.choice([0.3, 0.999999, 1.0, 1.000001], (int(moved.sum()), 1)) * 0.7
        xy.append(v)
        part.append(np.full(k, p))
    return np.vstack(xy), np.concatenate(part)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("tolerance", [0.5, 1.0, 5.0])
def test_end_flags_equal_the_per_end_reference(seed: int, tolerance: float) -> None:
    rng = np.random.default_rng(seed)
    xy, part = _lattice_layer(rng, 400, 12, 4.0)
    _check_flags(xy, part, tolerance)


def test_end_flags_equal_the_reference_in_crowded_cells() -> None:
    """Cells of more than ``_SMALL_CELL`` ends (searched by bisection), and ends with
    more than ``_MAX_NEAR`` segments near (unsure), give the reference's flags."""
    xy, part = _lattice_layer(np.random.default_rng(9), 600, 4, 2.0)
    seg, ends = segments_and_ends(part)
    pts, _, _, seg4 = end_columns(xy, part, seg, ends)
    first = build_end_grid(seg4, pts, 0.5)[2]
    assert np.diff(first).max() > _SMALL_CELL
    flag, sure = _check_flags(xy, part, 0.5)
    assert flag.any() and not sure.all()


def test_end_grid_lists_each_cell_by_y() -> None:
    """Each cell lists its ends by y (a cell of at most ``_SMALL_CELL`` by (y, x)),
    crowded cells too: hundreds of ends spread over a cell, and hundreds on one
    horizontal line (more than ``_SMALL_CELL`` in one band of y); the grid's points
    are the ends' points in its order."""
    rng = np.random.default_rng(3)
    spread = rng.uniform(0, 50, (500, 2))
    line = np.c_[rng.uniform(0, 50, 300), np.full(300, 25.0)]
    sparse = rng.uniform(0, 1e5, (2000, 2))
    pts = np.vstack([spread, line, sparse])
    seg4 = np.c_[pts, np.full((pts.shape[0], 2), 10.0)]
    frame, order, first, spts = build_end_grid(seg4, pts, 1.0)
    np.testing.assert_array_equal(np.sort(order), np.arange(pts.shape[0]))
    np.testing.assert_array_equal(spts, pts[order])
    col = np.floor((pts[:, 0] - frame[0]) / frame[2]).astype(np.int64)
    cell = np.floor((pts[:, 1] - frame[1]) / frame[2]).astype(np.int64) * int(frame[3]) + col
    sizes = np.diff(first)
    assert sizes.max() >= 800  # the spread ends and the line share a cell
    for k in np.flatnonzero(sizes):
        rows = order[first[k] : first[k + 1]]
        assert (cell[rows] == k).all()
        x, y = pts[rows, 0], pts[rows, 1]
        assert (np.diff(y) >= 0).all()
        if rows.size <= _SMALL_CELL:
            np.testing.assert_array_equal(np.lexsort((x, y)), np.arange(rows.size))


def test_end_flags_find_segments_across_cells() -> None:
    """Long diagonal lines through a grid of short lines' ends: each end near a long
    line's middle is flagged, whichever cell the long line is listed in."""
    rng = np.random.default_rng(4)
    short = rng.uniform(0, 5000, (3000, 2))
    lines = [np.stack([short, short + rng.normal(0, 20, (3000, 2))], axis=1)]
    for a in rng.uniform(0, 500, (40, 2)):  # 7 km diagonals; short lines end beside some
        lines.append(np.array([[a, a + np.array([4900.0, 4950.0])]]))
    xy = np.concatenate(lines).reshape(-1, 2)
    part = np.repeat(np.arange(xy.shape[0] // 2), 2)
    flag, _ = _check_flags(xy, part, 30.0)
    assert flag.sum() > 20


def test_end_flags_near_steep_long_lines() -> None:
    """Ends beside steep lines longer than a cell, in the column next to the foot's:
    each segment's stretch over a column is grown by the reach on both sides."""
    rng = np.random.default_rng(11)
    lines = []
    for x in rng.uniform(0, 2000, 30):  # 3 km lines, 60 m across: many cells tall
        a, b = np.array([x, 0.0]), np.array([x + 60.0, 3000.0])
        lines.append(np.stack([a, b])[None])
        foot = a + rng.uniform(0, 1, (60, 1)) * (b - a)
        end = foot + np.c_[rng.uniform(-4.9, 4.9, 60), np.zeros(60)]
        lines.append(np.stack([end, end + rng.normal(0, 6, (60, 2))], axis=1))  # short lines
    xy = np.concatenate(lines).reshape(-1, 2)
    part = np.repeat(np.arange(xy.shape[0] // 2), 2)
    flag, _ = _check_flags(xy, part, 5.0)
    assert flag.sum() > 1000


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_lines=st.integers(1, 120),
    g=st.integers(2, 9),
    step=st.sampled_from([0.5, 1.0, 2.0, 30.0]),
    tolerance=st.sampled_from([0.1, 1.0, 3.0]),
)
def test_end_flags_equal_the_reference_on_random_layers(
    seed: int, n_lines: int, g: int, step: float, tolerance: float
) -> None:
    xy, part = _lattice_layer(np.random.default_rng(seed), n_lines, g, step)
    _check_flags(xy, part, tolerance)


_ONEWAY_VALUES = ["yes", "no", "-1", "", "T", "both", "YES", " no "]
_ONEWAY_VALUES += [None, np.nan, True, False, 1, 0, 1.0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_ONEWAY_VALUES), min_size=1, max_size=30))
def test_oneway_codes_equal_the_per_value_loop(values: list) -> None:
    """Whatever the mix (strings only, or with missing values, booleans, numbers)."""
    arr = np.array([*values, "x"], dtype=object)[:-1]  # an object array, never 2-d
    try:
        want = lines_module._oneway_loop(arr)
    except Exception as exc:  # e.g. 1.0 ("1.0" is not understood)
        with pytest.raises(type(exc)):
            lines_module.oneway_codes(arr)
        return
    np.testing.assert_array_equal(lines_module.oneway_codes(arr), want)


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 5001])
def test_key_ranks_in_two_halves_equal_unique(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ranks of two sorted halves merged equal ``np.unique``'s (duplicates across halves)."""
    from connectivity.build import _vertex_groups

    rng = np.random.default_rng(n)
    key = rng.integers(-50, 50, n) * 2**40 + rng.integers(0, 3, n)
    want = np.unique(key, return_inverse=True)
    monkeypatch.setattr(_vertex_groups, "_SPLIT_SORT", 0)
    monkeypatch.setattr(_vertex_groups.numba, "get_num_threads", lambda: 2)
    rank, distinct = _vertex_groups.key_ranks(key)
    np.testing.assert_array_equal(rank, want[1].ravel())
    np.testing.assert_array_equal(distinct, want[0])


@pytest.mark.parametrize("dtype", ["float64", "int16", "int64", "bool", "object"])
def test_doubled_and_kept_equal_concatenate_and_take(dtype: str) -> None:
    from connectivity.build.edges import _doubled_and_kept

    rng = np.random.default_rng(1)
    a = rng.integers(0, 9, 500).astype(dtype)
    back = np.flatnonzero(rng.random(500) < 0.6)
    keep = rng.permutation(500 + back.size)[:300]
    for col in (a, np.broadcast_to(a[:1], (500,))):  # a column, a broadcast one
        want = np.concatenate([col, col[back]])[keep]
        got = _doubled_and_kept(col, back, keep)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), k=st.integers(1, 40))
def test_group_stats_equal_numpy(seed: int, n: int, k: int) -> None:
    """Means as ``np.bincount`` sums, the last row's part, and "more than one part"."""
    from connectivity.build._vertex_groups import group_stats

    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    group[:k] = np.arange(min(k, n))  # most groups used
    k = int(group.max()) + 1
    xy = rng.normal(0, 1e5, (n, 2))
    part = rng.integers(0, 4, n)
    means, part_of, multi = group_stats(group, xy, part, k)
    count = np.bincount(group, minlength=k)
    used = count > 0
    for j in range(2):
        want = np.bincount(group, weights=xy[:, j], minlength=k)[used] / count[used]
        np.testing.assert_array_equal(means[used, j], want)
    last = np.full(k, -1)
    last[group] = part  # the last row wins
    np.testing.assert_array_equal(part_of, last)
    parts = [set(part[group == g]) for g in range(k)]
    np.testing.assert_array_equal(multi, [len(p) > 1 for p in parts])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), step=st.integers(2, 12))
def test_near_cells_equal_the_pairwise_test(seed: int, n: int, step: int) -> None:
    from connectivity.build._vertex_groups import near_cells

    rng = np.random.default_rng(seed)
    cells = np.unique(rng.integers(0, 3 * n, n))
    count = rng.integers(1, 3, cells.size)
    want = count > 1
    for off in (1, step - 1, step, step + 1):
        hit = np.isin(cells + off, cells)
        want |= hit | np.isin(cells - off, cells)
    np.testing.assert_array_equal(near_cells(cells, count, step), want)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), m=st.integers(0, 400))
def test_pair_components_and_joined_means_equal_scipy_and_numpy(seed: int, n: int, m: int) -> None:
    """Union-find labels are scipy's ``connected_components`` labels; each node's mean
    is ``pts`` for a node of one point, else the ``np.bincount`` sums of its vertices
    (in row order) over their number, as the NumPy steps computed them."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from connectivity._components import pair_components
    from connectivity.build._vertex_groups import joined_means

    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)  # self pairs and repeats too
    label, k = pair_components(i, j, n)
    want_k, want = connected_components(
        sp.coo_matrix((np.ones(m, bool), (i, j)), shape=(n, n)), directed=False
    )
    assert k == want_k
    np.testing.assert_array_equal(label, want)
    inv = np.r_[np.arange(n), rng.integers(0, n, 2 * n)]  # every point has a vertex
    xy = rng.normal(0, 1e5, (inv.size, 2))
    pts = np.column_stack([np.bincount(inv, weights=xy[:, c]) / np.bincount(inv) for c in range(2)])
    node_xy, rows = joined_means(xy, label[inv], label, pts, k)
    size = np.bincount(label, minlength=k)
    np.testing.assert_array_equal(rows, np.flatnonzero(size[label[inv]] > 1))
    node = label[inv]
    for c in range(2):
        sums = np.bincount(node[rows], weights=xy[rows, c], minlength=k)
        want_c = np.where(size > 1, sums / np.maximum(np.bincount(node[rows], minlength=k), 1), 0)
        want_c[label[size[label] == 1]] = pts[size[label] == 1, c]
        np.testing.assert_array_equal(node_xy[:, c], want_c)
