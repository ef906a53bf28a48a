"""The compiled kernels of ``from_lines`` give what their plain, per-item versions give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import connectivity.build.lines as lines_module
from connectivity.build._end_grid import (
    _SLACK_M,
    _SMALL_CELL,
    _ends_by_cell,
    _register_all,
    build_end_grid,
    end_columns,
    end_distance,
    end_flags,
    segments_and_ends,
)


def _flags_reference(pts, end_part, seg_part, seg4, grid, radius, near):
    """One end at a time, every segment of its cell: the flag and the certainty."""
    frame, start, cand = grid
    gx0, gy0, side, nx, ny = frame[0], frame[1], frame[2], int(frame[3]), int(frame[4])
    reach2 = (radius + 1e-3) ** 2
    flag = np.zeros(pts.shape[0], bool)
    sure = np.ones(pts.shape[0], bool)
    for e, (px, py) in enumerate(pts):
        col, row = math.floor((px - gx0) / side), math.floor((py - gy0) / side)
        if not (0 <= col < nx and 0 <= row < ny):
            sure[e] = False
            continue
        found = []
        k = row * nx + col
        for s in cand[start[k] : start[k + 1]]:
            ax, ay, dx, dy = seg4[s]
            gx = max(min(ax, ax + dx) - px, 0.0, px - max(ax, ax + dx))
            gy = max(min(ay, ay + dy) - py, 0.0, py - max(ay, ay + dy))
            if gx * gx + gy * gy > reach2 or seg_part[s] == end_part[e]:
                continue
            ex, ey = px - ax, py - ay
            on_end = (ex == 0.0 and ey == 0.0) or (ex == dx and ey == dy)
            d, tu = (0.0, 0.0) if on_end else end_distance(px, py, ax, ay, dx, dy)
            if d > radius:
                continue
            if d > radius - 1e-9 or len(found) == 64:
                sure[e] = False
                break
            found.append((d, tu))
        if not found or not sure[e]:
            continue
        dmin = min(d for d, _ in found)
        keep = dmin >= radius - 4 * near
        flag[e] = keep or any(0.0 < tu < 1.0 for d, tu in found if d <= dmin + 2 * near)
    return flag, sure


def _check_flags(xy: np.ndarray, part: np.ndarray, tolerance: float) -> None:
    seg, ends = segments_and_ends(part)
    pts, end_part, seg_part, seg4 = end_columns(xy, part, seg, ends)
    radius = tolerance + lines_module._NEAR_M
    grid = build_end_grid(seg4, pts, radius)
    args = (pts, end_part, seg_part, seg4, grid, radius, lines_module._NEAR_M)
    got, want = end_flags(*args), _flags_reference(*args)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    for blocks in (2, 3):  # segments registered in several blocks: the same grid
        start, cand = _register_all(seg4, grid[0], radius + _SLACK_M, blocks)
        np.testing.assert_array_equal(start, grid[1])
        np.testing.assert_array_equal(cand, grid[2])


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
    """Cells of more than ``_SMALL_CELL`` ends (left in their order) give the same flags."""
    xy, part = _lattice_layer(np.random.default_rng(9), 1500, 3, 1.0)
    seg, ends = segments_and_ends(part)
    pts = end_columns(xy, part, seg, ends)[0]
    frame = build_end_grid(end_columns(xy, part, seg, ends)[3], pts, 0.5)[0]
    first = _ends_by_cell(pts, frame)[1]
    assert np.diff(first).max() > _SMALL_CELL
    _check_flags(xy, part, 0.5)


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
