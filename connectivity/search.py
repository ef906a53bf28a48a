"""Compiled bounded shortest-path searches (numba kernels).

:func:`bounded_search` is a binary-heap Dijkstra over CSR arrays from several
seed nodes that stops at a time limit and touches only the nodes it reaches.
Its caller owns the distance array: initialise it once to ``inf``, run a
search, read the reached nodes from ``touched[:k]`` and reset exactly those,
so thousands of small searches on a large graph cost what they reach, not
the size of the graph. Passing a baseline distance field instead of ``inf``
gives an improvement-only search (only nodes the seeds reach faster than the
baseline are lowered).

:func:`search_times` is the checked Python entry point for one search.

:func:`reach_kernel` runs one such search per place and adds up the weights
of the places it reaches (within thresholds, or with a distance decay); the
places on the other side hang on the network nodes by their two legs, and
those on the source's own segment are walked in bins along it. It is driven
by :func:`connectivity.routing.reach_sums` (cumulative opportunities and
gravity access).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike

from connectivity._crowded import Crowd, segment_sums
from connectivity.errors import DataError, ParameterError

__all__ = ["bounded_search", "search_times"]


@numba.njit(cache=True, inline="always")
def _heap_push(keys: np.ndarray, vals: np.ndarray, size: int, key: float, val: int) -> None:
    """Push (key, val) on the binary min-heap held in ``keys[:size]``/``vals[:size]``."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val


@numba.njit(cache=True, inline="always")
def _heap_pop_last(keys: np.ndarray, vals: np.ndarray, size: int) -> None:
    """Move the last entry ``keys[size]`` down from the root (after the root was taken)."""
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val


@numba.njit(cache=True)
def bounded_search(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    seeds: np.ndarray,
    seed_dist: np.ndarray,
    dist: np.ndarray,
    limit: float,
    touched: np.ndarray,
) -> int:
    """Dijkstra from several seeds, bounded at ``limit``, on a caller-owned distance array.

    Parameters
    ----------
    indptr, indices, weights : numpy.ndarray
        The graph in CSR form: the out-edges of node ``u`` go to
        ``indices[indptr[u]:indptr[u + 1]]`` with non-negative ``weights``.
    seeds, seed_dist : numpy.ndarray
        Start nodes and their initial distances (a node may appear twice;
        the smaller distance counts).
    dist : numpy.ndarray of float64, length n_nodes
        In/out. ``inf`` everywhere for a fresh search, or a baseline field
        for an improvement-only search. A node is lowered (and its out-edges
        relaxed) only when a new distance is ``< dist[node]`` and ``<= limit``.
    limit : float
        Largest distance kept (``inf`` for an unbounded search).
    touched : numpy.ndarray of int64, length n_nodes
        Out. ``touched[:k]`` are the nodes whose distance was lowered, each
        once, in the order they were settled (non-decreasing distance).

    Returns
    -------
    int
        ``k``, the number of lowered nodes. Reset with ``dist[touched[:k]] = inf``
        to reuse the arrays for the next search.

    Notes
    -----
    A lazy binary heap: a node is pushed each time its distance is lowered
    and stale entries are skipped when popped. Distances are the left-to-right
    float sums along the path, as scipy's Dijkstra computes them, so both
    give bit-identical times.
    """
    cap = max(64, 2 * seeds.size)
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    for s in range(seeds.size):
        d = seed_dist[s]
        node = seeds[s]
        if d < dist[node] and d <= limit:
            dist[node] = d
            _heap_push(keys, vals, size, d, node)
            size += 1
    k = 0
    while size > 0:
        d = keys[0]
        u = vals[0]
        size -= 1
        if size > 0:
            _heap_pop_last(keys, vals, size)
        if d > dist[u]:
            continue  # stale entry: u was lowered again after this push
        touched[k] = u
        k += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                if size == keys.size:
                    keys = np.concatenate((keys, np.empty(size, dtype=np.float64)))
                    vals = np.concatenate((vals, np.empty(size, dtype=np.int64)))
                _heap_push(keys, vals, size, nd, v)
                size += 1
    return k


def _check_nodes(ids: np.ndarray, n: int, name: str) -> None:
    """Refuse node numbers outside ``0..n-1``."""
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        msg = f"{name} must be node numbers in 0..{n - 1}"
        raise DataError(msg)


def search_times(
    indptr: ArrayLike,
    indices: ArrayLike,
    weights: ArrayLike,
    seeds: ArrayLike,
    seed_dist: ArrayLike,
    *,
    limit: float = np.inf,
) -> np.ndarray:
    """Checked single search: distances from the seeds to every node (``inf`` beyond ``limit``).

    Parameters
    ----------
    indptr, indices, weights : array_like
        CSR graph (e.g. ``net.indptr, net.indices, net.time_min``).
    seeds, seed_dist : array_like
        Start nodes and their initial distances.
    limit : float
        Stop at this distance.

    Returns
    -------
    numpy.ndarray
        Distance of every node, ``inf`` where not reached within ``limit``.

    Raises
    ------
    DataError
        Malformed graph arrays, negative or NaN weights, seeds out of range.
    ParameterError
        A negative or NaN ``limit``.
    """
    ptr = np.ascontiguousarray(indptr, dtype=np.int64)
    idx = np.ascontiguousarray(indices, dtype=np.int64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    s = np.ascontiguousarray(seeds, dtype=np.int64).ravel()
    sd = np.ascontiguousarray(seed_dist, dtype=np.float64).ravel()
    n = ptr.size - 1
    if n < 0 or ptr[0] != 0 or (np.diff(ptr) < 0).any() or ptr[-1] != idx.size:
        msg = "indptr must start at 0, not decrease, and end at len(indices) (a CSR graph)"
        raise DataError(msg)
    if w.size != idx.size:
        msg = f"weights has {w.size} values for {idx.size} edges; give one weight per edge"
        raise DataError(msg)
    _check_nodes(idx, n, "indices")
    if not (w >= 0).all():
        msg = "edge weights must be non-negative numbers (no NaN); Dijkstra needs them"
        raise DataError(msg)
    if s.size != sd.size:
        msg = f"{s.size} seeds but {sd.size} seed distances; give one distance per seed"
        raise DataError(msg)
    _check_nodes(s, n, "seeds")
    if not (limit >= 0):
        msg = f"limit must be a non-negative number (inf for none), got {limit!r}"
        raise ParameterError(msg)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    bounded_search(ptr, idx, w, s, sd, dist, float(limit), touched)
    return dist


# ------------------------------------------------- sums over reached places
#: What :func:`reach_sums` adds per reached pair: the weight where t <= T per
#: threshold, or the weight times a decay f(t) (one column).
CUMULATIVE, EXP_DECAY, POWER_DECAY = 0, 1, 2


@numba.njit(cache=True, inline="always")
def _direct_time(
    fo: float, off_o: float, fd: float, off_d: float, t_ab: float, t_ba: float
) -> float:
    """Trip along one segment from an origin at ``fo`` to a destination at ``fd``.

    The formula of :func:`connectivity.routing.direct_pairs`, operation for
    operation (``fmin`` semantics: NaN from ``0 * inf`` counts as missing).
    """
    along_ab = (fd - fo) * t_ab if fd >= fo else np.inf
    along_ba = (fo - fd) * t_ba if fd <= fo else np.inf
    if np.isnan(along_ab):
        along = along_ba
    elif np.isnan(along_ba):
        along = along_ab
    else:
        along = min(along_ab, along_ba)
    if np.isnan(along):
        along = np.inf
    return off_o + along + off_d


@numba.njit(cache=True, inline="always")
def _add(
    acc: np.ndarray, row: int, w: float, t: float, f: float, mode: int, par: np.ndarray
) -> None:
    """Add the contribution of one reached pair (time ``t``, weight ``w``) to ``acc[row]``.

    ``f`` is exp(-beta t) when the caller has it (factored per leg), else NaN.
    """
    if mode == CUMULATIVE:
        for k in range(par.size):  # par: the thresholds, sorted
            if t <= par[k]:
                acc[row, k] += w
    elif mode == EXP_DECAY:
        acc[row, 0] += w * (np.exp(-par[0] * t) if np.isnan(f) else f)
    else:
        acc[row, 0] += w * max(t, par[1]) ** (-par[0])


@numba.njit(cache=True)
def stable_order(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Positions that sort ``keys`` (ints in ``0..n_keys-1``), stably: a counting sort."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    out = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        out[start[keys[i]]] = i
        start[keys[i]] += 1
    return out


@numba.njit(cache=True, inline="always")
def _take(own_of: np.ndarray, forward: bool, src: int, j: int) -> bool:
    """False for the origin-destination pair left out (``own_of``), else True."""
    if own_of.size == 0:
        return True
    return own_of[src] != j if forward else own_of[j] != src


@numba.njit(cache=True, inline="always")
def _direct(spot: tuple, forward: bool, f_snk: float, off_snk: float) -> float:
    """Direct trip between the source at ``spot`` and a sink on its segment (inf if none)."""
    fs, off_s, tab, tba = spot
    if forward:
        d = _direct_time(fs, off_s, f_snk, off_snk, tab, tba)
    else:
        d = _direct_time(f_snk, off_snk, fs, off_s, tab, tba)
    return d if np.isfinite(d) else np.inf


@numba.njit(cache=True)
def _scan_nodes(
    dist: np.ndarray, touched: np.ndarray, k: int, src: int, seg: int, spot: tuple,
    forward: bool, sinks: tuple, w_src: float, own_of: np.ndarray, mode: int,
    par: np.ndarray, limit: float, acc: np.ndarray, acc_leg: np.ndarray,
) -> None:  # fmt: skip
    """Add every sink reached through the nodes ``touched[:k]``.

    A sink hangs at both ends of its segment; it is counted once, at the leg
    that gives its time (the first leg on a tie), as ``min`` of the two legs;
    a sink on the source's own segment only when this beats the direct trip
    (else :func:`_scan_segment` counts it). Forward: into ``acc[src]`` with
    the sink's weight; else into the leg's own row ``acc_leg[e]`` with the
    source's weight ``w_src`` (rows read in order, summed per sink afterwards).
    """
    ptr, pos, cost, other, ocost, leg, sseg, frac, off, w_leg, f_leg = sinks
    for i in range(k):
        v = touched[i]
        dv = dist[v]
        fv = np.exp(-par[0] * dv) if mode == EXP_DECAY else np.nan
        for e in range(ptr[v], ptr[v + 1]):
            t = dv + cost[e]
            if t > limit:
                break  # the legs at a node are sorted by cost
            u = other[e]
            to = dist[u] + ocost[e] if u >= 0 else np.inf
            if not (t < to or (t == to and leg[e] == 0)):
                continue
            if sseg[e] == seg and not t < _direct(spot, forward, frac[e], off[e]):
                continue
            if _take(own_of, forward, src, pos[e]):
                f = fv * f_leg[e] if mode == EXP_DECAY else np.nan
                if forward:
                    _add(acc, src, w_leg[e], t, f, mode, par)
                else:
                    _add(acc_leg, e, w_src, t, f, mode, par)


@numba.njit(cache=True)
def _scan_bin(
    dist: np.ndarray, b: int, lb: float, src: int, spot: tuple, forward: bool, segs: tuple,
    w_src: float, own_of: np.ndarray, mode: int, par: np.ndarray, limit: float,
    acc: np.ndarray, acc_seg: np.ndarray,
) -> None:  # fmt: skip
    """The sinks of one bin of the source's segment whose direct trip is the shortest.

    ``lb`` is a lower bound of the travelled part of the direct trip to any
    sink of the bin; the bin's sinks are sorted by off-road time.
    """
    bin_ptr, pos, nodes, cost, frac, off, w_seg = (
        segs[1],
        segs[4],
        segs[5],
        segs[6],
        segs[7],
        segs[8],
        segs[9],
    )
    base = spot[1] + lb
    for e in range(bin_ptr[b], bin_ptr[b + 1]):
        if base + off[e] > limit:
            break
        direct = _direct(spot, forward, frac[e], off[e])
        if direct > limit:
            continue
        net = np.inf
        for c in range(2):
            u = nodes[e, c]
            if u >= 0:
                net = min(net, dist[u] + cost[e, c])
        if direct <= net and _take(own_of, forward, src, pos[e]):
            if forward:
                _add(acc, src, w_seg[e], direct, np.nan, mode, par)
            else:
                _add(acc_seg, e, w_src, direct, np.nan, mode, par)


@numba.njit(cache=True)
def _scan_segment(
    dist: np.ndarray, src: int, seg: int, forward: bool, spot: tuple, segs: tuple,
    w_src: float, own_of: np.ndarray, mode: int, par: np.ndarray, limit: float,
    acc: np.ndarray, acc_seg: np.ndarray,
) -> None:  # fmt: skip
    """Add the sinks of the source's own segment reached fastest by the direct trip.

    The segment's sinks lie in bins along it (by position, each bin sorted
    by off-road time, with its smallest and largest position); bins are
    walked outward from the source's and left as soon as even the travelled
    part of the trip passes ``limit``.
    """
    seg_bins, lo, hi = segs[0], segs[2], segs[3]
    fs, off_s, tab, tba = spot
    t_up, t_down = (tab, tba) if forward else (tba, tab)  # towards node b / node a
    first, last = seg_bins[seg], seg_bins[seg + 1]
    home = first
    while home + 1 < last and lo[home + 1] <= fs:
        home += 1
    for b in range(home, last):  # towards node b
        lb = (lo[b] - fs) * t_up if lo[b] > fs else 0.0
        if off_s + lb > limit:
            break
        _scan_bin(dist, b, lb, src, spot, forward, segs, w_src, own_of, mode, par, limit,
                  acc, acc_seg)  # fmt: skip
    for b in range(home - 1, first - 1, -1):  # towards node a
        lb = (fs - hi[b]) * t_down if hi[b] < fs else 0.0
        if off_s + lb > limit:
            break
        _scan_bin(dist, b, lb, src, spot, forward, segs, w_src, own_of, mode, par, limit,
                  acc, acc_seg)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def reach_kernel(
    graph: tuple, run: np.ndarray, legs: tuple, here: tuple, sinks: tuple, segs: tuple,
    crowd: Crowd, limits: np.ndarray, forward: bool, w: np.ndarray, own_of: np.ndarray,
    mode: int, par: np.ndarray, limit: float, out: tuple,
) -> int:  # fmt: skip
    """One bounded search per source in ``run``; add what each reaches to ``out``.

    Runs without the GIL, so threads can share the work (each with its own
    ``acc_leg``/``acc_seg``; forward, each source writes only its own row).

    ``out`` is ``(acc, acc_leg, acc_seg, done)``: rows per source (forward),
    or per sink leg and per same-segment entry (reverse); ``done`` marks the
    sides of a source's own crowded segment its search summed. Returns the number of nodes
    settled over all searches (a measure of work). See
    :func:`connectivity.routing.reach_sums` for the arrays. Forward, the sinks
    of the ``crowd`` segments are summed per segment, one time limit per
    column in ``limits`` (:func:`connectivity._crowded.segment_sums`).
    """
    indptr, indices, weights = graph
    s_nodes, s_cost, s_seg = legs
    acc, acc_leg, acc_seg, done = out
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    seeds = np.empty(2, dtype=np.int64)
    seed_dist = np.empty(2, dtype=np.float64)
    settled = 0
    stamp = np.full(crowd.seg.size, -1, dtype=np.int64)
    for r in range(run.size):
        s = run[r]
        m = 0
        for c in range(2):
            if s_nodes[s, c] >= 0 and np.isfinite(s_cost[s, c]):
                seeds[m] = s_nodes[s, c]
                seed_dist[m] = s_cost[s, c]
                m += 1
        k = bounded_search(indptr, indices, weights, seeds[:m], seed_dist[:m], dist, limit, touched)
        settled += k
        seg = s_seg[s]
        w_src = w[s] if not forward else np.nan
        spot = (here[0][s], here[1][s], here[2][s], here[3][s])
        _scan_nodes(dist, touched, k, s, seg, spot, forward, sinks, w_src, own_of, mode, par,
                    limit, acc, acc_leg)  # fmt: skip
        if crowd.seg.size:
            segment_sums(crowd, dist, touched, k, seg, spot, (s_cost[s, 0], s_cost[s, 1]),
                         limits, stamp, r, acc, s, done)  # fmt: skip
        if seg >= 0:
            _scan_segment(dist, s, seg, forward, spot, segs, w_src, own_of, mode, par, limit,
                          acc, acc_seg)  # fmt: skip
        for i in range(k):
            dist[touched[i]] = np.inf
    return settled
