"""Shortest travel times on a :class:`~connectivity.RoadNetwork` (scipy core).

Snapped points enter the graph as *virtual nodes*: a source point becomes a
node with up to two out-edges (to the end nodes of its segment, priced by the
off-road leg plus the travelled fraction of the edge, one-way respected). A
single call of :func:`scipy.sparse.csgraph.dijkstra` with ``min_only=True``
then gives, for every node, the time from the nearest source and *which*
source it is, so "time to the nearest destination" is one pass over the graph
however many destinations there are. Times from many origins *to* their
nearest destination are times on the transposed graph from the destinations.

Unreachable is ``inf`` here; the measures of :mod:`connectivity.measures` turn it
into NaN with counts and reasons.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from connectivity._crowded import Crowd, build_crowd, direct_sums, empty_crowd
from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.progress import bar
from connectivity.search import CUMULATIVE, EXP_DECAY, reach_kernel, stable_order
from connectivity.snapping import Snapped

__all__ = [
    "Nearest",
    "checked_thresholds",
    "direct_pairs",
    "multi_source_node_times",
    "nearest",
    "nearest_node",
    "node_times_from_points",
    "od_blocks",
    "reach_sums",
]

log = logging.getLogger(__name__)

_CSR = tuple[np.ndarray, np.ndarray, np.ndarray]
_BASE_CACHE: weakref.WeakKeyDictionary[RoadNetwork, dict[bool, _CSR]] = weakref.WeakKeyDictionary()

#: Memory budget (MB) for one block of dense Dijkstra output.
DEFAULT_MEMORY_MB = 256


def _check_limit(max_time_min: float | None) -> float:
    if max_time_min is None:
        return np.inf
    if not (max_time_min > 0):  # rejects NaN too
        msg = f"max_time_min must be a positive number of minutes or None, got {max_time_min!r}"
        raise ParameterError(msg)
    return float(max_time_min)


def checked_thresholds(thresholds_min: Sequence[float], name: str = "thresholds_min") -> np.ndarray:
    """Travel-time thresholds as sorted float minutes: finite, positive, each given once.

    Raises :class:`~connectivity.ParameterError` otherwise (a repeated
    threshold would give two columns or polygons of the same name).
    """
    try:
        thr = np.asarray(sorted(float(t) for t in thresholds_min))
    except (TypeError, ValueError):
        thr = np.array([np.nan])
    if thr.size == 0 or not (np.isfinite(thr).all() and (thr > 0).all()):
        msg = f"{name} must be positive minutes, e.g. (15, 30, 60); got {thresholds_min!r}"
        raise ParameterError(msg)
    if np.unique(thr).size < thr.size:
        twice = sorted({f"{t:g}" for t in thr[1:][thr[1:] == thr[:-1]]})
        msg = f"{name} has {', '.join(twice)} more than once; give each threshold once"
        raise ParameterError(msg)
    return thr


def _base(net: RoadNetwork, reverse: bool) -> _CSR:
    """CSR arrays of the network (``reverse``: the transposed graph), cached."""
    per_net = _BASE_CACHE.setdefault(net, {})
    if reverse not in per_net:
        if not reverse:
            per_net[False] = (net.indptr, net.indices, net.time_min)
        else:
            tails = net.edge_tails()
            heads = net.indices.astype("int64")
            order = np.argsort(heads, kind="stable")
            indptr = np.zeros(net.n_nodes + 1, dtype="int64")
            indptr[1:] = np.cumsum(np.bincount(heads, minlength=net.n_nodes))
            per_net[True] = (indptr, tails[order].astype(net.indices.dtype), net.time_min[order])
    return per_net[reverse]


def _graph_with_sources(
    net: RoadNetwork, nodes: np.ndarray, cost: np.ndarray, *, reverse: bool
) -> sp.csr_matrix:
    """The network plus one virtual source node per row of ``nodes``/``cost``.

    Virtual node ``N + i`` has an out-edge to ``nodes[i, k]`` of weight
    ``cost[i, k]`` for every finite cost. Explicit zero weights are kept
    (scipy's csgraph treats stored zeros in a sparse matrix as edges).
    """
    indptr, indices, data = _base(net, reverse)
    n = net.n_nodes
    finite = np.isfinite(cost)
    counts = finite.sum(axis=1)
    extra_ptr = indptr[-1] + np.cumsum(counts)
    all_ptr = np.concatenate([indptr, extra_ptr]).astype("int64")
    all_idx = np.concatenate([indices.astype("int64"), nodes[finite].astype("int64")])
    all_dat = np.concatenate([data, cost[finite]])
    size = n + nodes.shape[0]
    return sp.csr_matrix((all_dat, all_idx, all_ptr), shape=(size, size))


def _nearest_source(
    graph: sp.csr_matrix, sources: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source pass: time from the nearest of ``sources`` to every node, and which.

    Returns ``(dist, src)`` over all nodes of ``graph``; ``src`` is the graph
    node of the nearest source (-9999 where unreached).
    """
    dist, _pred, src = dijkstra(
        graph,
        directed=True,
        indices=sources,
        min_only=True,
        return_predecessors=True,
        limit=limit,
    )
    return dist, src


def _best_entry(origins: Snapped, node_time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per origin, the cheaper of its two entry legs plus the time onward from that node.

    Returns ``(time_min, node)``: the total (``inf`` when neither end leads
    anywhere) and the entry node it uses.
    """
    o_nodes, o_cost = origins.entry_legs()
    safe = np.where(o_nodes >= 0, o_nodes, 0)
    tot = o_cost + node_time[safe]
    j = np.argmin(tot, axis=1)
    rows = np.arange(len(origins))
    return tot[rows, j], safe[rows, j]


def direct_pairs(
    origins: Snapped, destinations: Snapped
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trips that stay on one segment (origin and destination snapped to it).

    Returns ``(origin_pos, dest_pos, time_min)`` for every usable pair on a
    common segment and a finite direct time. Such a trip need not pass an end
    node, so the node-based search alone would overestimate it.
    """
    oi = np.flatnonzero(origins.ok)
    dj = np.flatnonzero(destinations.ok)
    empty = np.array([], dtype="int64")
    if oi.size == 0 or dj.size == 0:
        return empty, empty, np.array([], dtype="float64")
    left = pd.DataFrame({"seg": origins.seg[oi], "o": oi})
    right = pd.DataFrame({"seg": destinations.seg[dj], "d": dj})
    pairs = left.merge(right, on="seg", how="inner")
    if pairs.empty:
        return empty, empty, np.array([], dtype="float64")
    o = pairs["o"].to_numpy()
    d = pairs["d"].to_numpy()
    fo = origins.frac[o]
    fd = destinations.frac[d]
    with np.errstate(invalid="ignore"):
        along_ab = np.where(fd >= fo, (fd - fo) * origins.t_ab[o], np.inf)
        along_ba = np.where(fd <= fo, (fo - fd) * origins.t_ba[o], np.inf)
    # fmin ignores NaN (0 * inf where the points coincide on a one-way edge)
    along = np.fmin(along_ab, along_ba)
    along[np.isnan(along)] = np.inf
    cost = origins.offroad_min[o] + along + destinations.offroad_min[d]
    keep = np.isfinite(cost)
    return o[keep], d[keep], cost[keep]


@dataclass(frozen=True)
class Nearest:
    """Result of :func:`nearest`: per origin, time and position of the nearest destination.

    ``time_min`` is ``inf`` and ``dest`` is -1 where no destination is reachable
    (within ``max_time_min`` when given).
    """

    time_min: np.ndarray
    dest: np.ndarray


def nearest(
    net: RoadNetwork,
    origins: Snapped,
    destinations: Snapped,
    *,
    max_time_min: float | None = None,
) -> Nearest:
    """Time from every origin to its nearest destination, in one Dijkstra pass.

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : Snapped
        Snapped points (see :func:`connectivity.snapping.snap_points`).
    max_time_min : float, optional
        Stop the search at this time; farther origins get ``inf``.

    Returns
    -------
    Nearest

    Notes
    -----
    On the transposed graph each destination is a virtual source whose
    out-edges are its exit legs (reversed); ``dijkstra(min_only=True)`` returns
    ``T(n) = min_j t(n -> j)`` and the argmin ``j`` for every node. An origin's
    time is ``min(entry_a + T(a), entry_b + T(b), direct same-segment trips)``.
    """
    limit = _check_limit(max_time_min)
    n = net.n_nodes
    out_t = np.full(len(origins), np.inf)
    out_d = np.full(len(origins), -1, dtype="int64")
    d_nodes, d_cost = destinations.exit_legs()
    usable = np.flatnonzero(np.isfinite(d_cost).any(axis=1))
    if usable.size and origins.ok.any():
        graph = _graph_with_sources(net, d_nodes, d_cost, reverse=True)
        dist, src = _nearest_source(graph, n + usable, limit)
        out_t, entry = _best_entry(origins, dist)
        out_d = np.where(np.isfinite(out_t), src[entry] - n, -1).astype("int64")
    o, d, c = direct_pairs(origins, destinations)
    if o.size:
        better = c < out_t[o]
        # several destinations may share a segment with one origin: keep the best
        order = np.lexsort((c[better], o[better]))
        ob, db, cb = o[better][order], d[better][order], c[better][order]
        first = np.ones(ob.size, dtype=bool)
        first[1:] = ob[1:] != ob[:-1]
        out_t[ob[first]] = cb[first]
        out_d[ob[first]] = db[first]
    too_far = out_t > limit
    out_t[too_far] = np.inf
    out_d[too_far] = -1
    return Nearest(time_min=out_t, dest=out_d)


def _chunk_size(n_graph: int, n_gather: int, memory_mb: float) -> int:
    per_row = 8.0 * (n_graph + 3 * max(n_gather, 1))
    return max(1, int(memory_mb * 1e6 // per_row))


def od_blocks(
    net: RoadNetwork,
    origins: Snapped,
    destinations: Snapped,
    *,
    max_time_min: float | None = None,
    memory_mb: float = DEFAULT_MEMORY_MB,
    progress: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Origin-destination travel times in memory-bounded blocks.

    Yields ``(origin_pos, dest_pos, block)`` where ``block[r, c]`` is the time
    (minutes, ``inf`` when unreachable or beyond ``max_time_min``) from origin
    ``origin_pos[r]`` to destination ``dest_pos[c]``. Every usable pair
    appears in exactly one block; unusable points (beyond ``max_snap_m``)
    never appear.

    Notes
    -----
    One Dijkstra per point of the *smaller* side: from the origins on the
    graph when there are fewer origins, otherwise from the destinations on
    the transposed graph. The dense output of a batch of searches is bounded
    by ``memory_mb``.
    """
    limit = _check_limit(max_time_min)
    o_nodes, o_cost = origins.entry_legs()
    d_nodes, d_cost = destinations.exit_legs()
    o_use = np.flatnonzero(np.isfinite(o_cost).any(axis=1))
    d_use = np.flatnonzero(np.isfinite(d_cost).any(axis=1))
    if o_use.size == 0 or d_use.size == 0:
        return
    reverse = d_use.size <= o_use.size
    if reverse:
        src_nodes, src_cost, src_use = d_nodes, d_cost, d_use
        snk_nodes, snk_cost, snk_use = o_nodes, o_cost, o_use
    else:
        src_nodes, src_cost, src_use = o_nodes, o_cost, o_use
        snk_nodes, snk_cost, snk_use = d_nodes, d_cost, d_use
    graph = _graph_with_sources(net, src_nodes, src_cost, reverse=reverse)
    n = net.n_nodes
    g0 = snk_nodes[snk_use, 0]
    g1 = snk_nodes[snk_use, 1]
    c0 = snk_cost[snk_use, 0]
    c1 = snk_cost[snk_use, 1]
    g0 = np.where(g0 >= 0, g0, 0)
    g1 = np.where(g1 >= 0, g1, 0)
    po, pd_, pc = direct_pairs(origins, destinations)
    p_src, p_snk = (pd_, po) if reverse else (po, pd_)
    snk_pos = np.full(max(len(origins), len(destinations)), -1, dtype="int64")
    snk_pos[snk_use] = np.arange(snk_use.size)
    step = _chunk_size(graph.shape[0], snk_use.size, memory_mb)
    starts = range(0, src_use.size, step)
    for start in bar(starts, enabled=progress, desc="shortest paths", unit="batch"):
        chunk = src_use[start : start + step]
        dist = dijkstra(graph, directed=True, indices=n + chunk, limit=limit)
        dist = np.atleast_2d(dist)
        block = np.minimum(dist[:, g0] + c0, dist[:, g1] + c1)
        if p_src.size:
            sel = np.isin(p_src, chunk)
            if sel.any():
                r = np.searchsorted(chunk, p_src[sel])
                c = snk_pos[p_snk[sel]]
                np.minimum.at(block, (r, c), pc[sel])
        block[block > limit] = np.inf
        if reverse:
            yield snk_use, chunk, block.T
        else:
            yield chunk, snk_use, block


def node_times_from_points(
    net: RoadNetwork,
    points: Snapped,
    *,
    reverse: bool = False,
    max_time_min: float | None = None,
    min_only: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Times between snapped points and every network node.

    Parameters
    ----------
    reverse : bool
        False: time *from* each point to each node (the point as origin);
        True: time from each node *to* the point.
    min_only : bool
        True: one pass; return the time to/from the nearest point per node.

    Returns
    -------
    (times, which)
        ``min_only=False``: ``times`` has shape (n_points, n_nodes) (rows of
        unusable points are ``inf``) and ``which`` is ``arange(n_points)``.
        ``min_only=True``: ``times`` has shape (n_nodes,) and ``which`` gives
        the position of the nearest point (-1 when none is reachable).
    """
    limit = _check_limit(max_time_min)
    nodes, cost = points.exit_legs() if reverse else points.entry_legs()
    use = np.flatnonzero(np.isfinite(cost).any(axis=1))
    n = net.n_nodes
    if min_only:
        if use.size == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype="int64")
        graph = _graph_with_sources(net, nodes, cost, reverse=reverse)
        dist, src = _nearest_source(graph, n + use, limit)
        which = np.where(np.isfinite(dist[:n]), src[:n] - n, -1).astype("int64")
        return dist[:n], which
    out = np.full((len(points), n), np.inf)
    if use.size:
        graph = _graph_with_sources(net, nodes, cost, reverse=reverse)
        dist = np.atleast_2d(dijkstra(graph, directed=True, indices=n + use, limit=limit))
        out[use] = dist[:, :n]
    return out, np.arange(len(points))


def multi_source_node_times(
    net: RoadNetwork,
    nodes: ArrayLike,
    *,
    reverse: bool = False,
    max_time_min: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One-pass times between a set of network nodes and every node.

    Parameters
    ----------
    nodes : array_like of int
        Seed nodes (e.g. the access points of a corridor).
    reverse : bool
        False: time from the nearest seed to each node; True: time from each
        node to its nearest seed (what "time to the corridor" needs).

    Returns
    -------
    (times, seed)
        ``times`` (n_nodes,), ``inf`` when unreachable; ``seed`` the position
        in ``nodes`` of the nearest seed, -1 when unreachable.
    """
    limit = _check_limit(max_time_min)
    seeds = np.asarray(nodes, dtype="int64").ravel()
    n = net.n_nodes
    if seeds.size == 0:
        msg = "no seed nodes given; check the access points (is the tolerance too small?)"
        raise DataError(msg)
    if seeds.min() < 0 or seeds.max() >= n:
        msg = f"seed nodes must be node numbers in 0..{n - 1}"
        raise DataError(msg)
    indptr, indices, data = _base(net, reverse)
    graph = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    uniq, first = np.unique(seeds, return_index=True)
    dist, src = _nearest_source(graph, uniq, limit)
    pos_of_node = np.full(n, -1, dtype="int64")
    pos_of_node[uniq] = first
    reached = np.isfinite(dist)
    seed = np.full(n, -1, dtype="int64")
    seed[reached] = pos_of_node[src[reached]]
    return dist, seed


def nearest_node(
    net: RoadNetwork,
    origins: Snapped,
    nodes: ArrayLike,
    *,
    max_time_min: float | None = None,
) -> Nearest:
    """Time from every origin to the nearest of some network nodes, in one pass.

    Parameters
    ----------
    net : RoadNetwork
    origins : Snapped
    nodes : array_like of int
        Destination nodes (e.g. the access points of a corridor); reached at
        the node itself, without an off-road leg.
    max_time_min : float, optional
        Stop the search at this time; farther origins get ``inf``.

    Returns
    -------
    Nearest
        ``dest`` is the position in ``nodes`` of the nearest node.

    Notes
    -----
    :func:`multi_source_node_times` on the transposed graph gives every
    node's time to its nearest seed; an origin's time is
    ``min(entry_a + T(a), entry_b + T(b))`` over the ends of its segment.
    """
    node_time, seed = multi_source_node_times(net, nodes, reverse=True, max_time_min=max_time_min)
    time_min, entry = _best_entry(origins, node_time)
    if max_time_min is not None:
        time_min[time_min > max_time_min] = np.inf
    dest = np.where(np.isfinite(time_min), seed[entry], -1).astype("int64")
    return Nearest(time_min=time_min, dest=dest)


def _sink_lists(
    n_nodes: int, nodes: np.ndarray, cost: np.ndarray, seg: np.ndarray, use: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Node -> legs of the sinks hanging there, sorted by leg cost within each node.

    Returns the CSR ``(ptr, sink, cost, other node, other cost, leg, segment)``:
    a sink with two usable legs appears at both of its end nodes.
    """
    j = np.repeat(use, 2)
    leg = np.tile(np.array([0, 1], dtype="int8"), use.size)
    node = nodes[j, leg]
    c = cost[j, leg]
    keep = (node >= 0) & np.isfinite(c)
    j, leg, node, c = j[keep], leg[keep], node[keep].astype("int64"), c[keep]
    by_cost = np.argsort(c)
    order = by_cost[stable_order(node[by_cost], n_nodes)]
    j, leg, node, c = j[order], leg[order], node[order], c[order]
    ptr = np.zeros(n_nodes + 1, dtype="int64")
    ptr[1:] = np.cumsum(np.bincount(node, minlength=n_nodes))
    other = nodes[j, 1 - leg].astype("int64")
    return ptr, j.astype("int64"), c, other, cost[j, 1 - leg], leg, seg[j].astype("int64")


#: Same-segment sinks are binned by position, about this many minutes of road a bin.
_BIN_MIN = 1.0


def _segment_lists(
    snk: Snapped, nodes: np.ndarray, cost: np.ndarray, use: np.ndarray, n_seg: int
) -> tuple[np.ndarray, ...]:
    """Segment -> bins along it -> its sinks by off-road time, with their legs and place.

    Returns ``(seg_bins, bin_ptr, lo, hi, sink, nodes, cost, frac, offroad)``:
    the bins of segment ``g`` are ``seg_bins[g]:seg_bins[g + 1]``, ordered
    along it; bin ``b`` holds entries ``bin_ptr[b]:bin_ptr[b + 1]``, whose
    positions lie in ``[lo[b], hi[b]]``. Empty bins are not kept.
    """
    use = use[snk.seg[use] >= 0]
    seg = snk.seg[use].astype("int64")
    frac = snk.frac[use]
    t_seg = np.fmax(np.where(np.isfinite(snk.t_ab[use]), snk.t_ab[use], np.nan),
                    np.where(np.isfinite(snk.t_ba[use]), snk.t_ba[use], np.nan))  # fmt: skip
    n_on = np.bincount(seg, minlength=n_seg)[seg]
    n_bins = np.maximum(1, np.minimum(np.ceil(np.nan_to_num(t_seg) / _BIN_MIN), np.ceil(n_on / 16)))
    b = np.minimum(np.floor(frac * n_bins), n_bins - 1).astype("int64")
    key = np.unique(np.column_stack([seg, b]), axis=0, return_inverse=True)
    bins, bin_of = key[0], key[1].ravel()
    by_off = np.argsort(snk.offroad_min[use])
    order = by_off[stable_order(bin_of[by_off], bins.shape[0])]
    bin_ptr = np.zeros(bins.shape[0] + 1, dtype="int64")
    bin_ptr[1:] = np.cumsum(np.bincount(bin_of, minlength=bins.shape[0]))
    seg_bins = np.zeros(n_seg + 1, dtype="int64")
    seg_bins[1:] = np.cumsum(np.bincount(bins[:, 0], minlength=n_seg))
    lo = np.full(bins.shape[0], np.inf)
    hi = np.full(bins.shape[0], -np.inf)
    np.minimum.at(lo, bin_of, frac)
    np.maximum.at(hi, bin_of, frac)
    pos = use[order].astype("int64")
    return (seg_bins, bin_ptr, lo, hi, pos, nodes[pos].astype("int64"), cost[pos],
            snk.frac[pos].astype("float64"), snk.offroad_min[pos].astype("float64"))  # fmt: skip


#: Forward searches with a crowd of destinations (one per origin) pay up to this
#: many origins per destination: each sums a crowded segment in O(log n), where a
#: search from a destination walks its places one by one.
_CROWD_MORE_ORIGINS = 4


def _crowd(
    net: RoadNetwork, destinations: Snapped, d_nodes: np.ndarray, d_cost: np.ndarray,
    d_use: np.ndarray, w: np.ndarray, mode: int, par: np.ndarray, own_of: np.ndarray | None,
    forward_ok: bool,
) -> Crowd:  # fmt: skip
    """The destinations' crowded segments, summed in bulk by forward searches (:mod:`connectivity._crowded`).

    Only for cumulative and exponential sums without left-out pairs, only
    with at most :data:`_CROWD_MORE_ORIGINS` times as many origins as
    destinations (``forward_ok``), and only where the crowd holds at least
    half of the destinations (else the per-place scans from the smaller side
    are as good).
    """
    if not forward_ok or own_of is not None or mode not in (CUMULATIVE, EXP_DECAY):
        return empty_crowd(net.n_nodes)
    beta = float(par[0]) if mode == EXP_DECAY else 0.0
    crowd = build_crowd(net.n_nodes, destinations, d_nodes, d_cost, d_use, w, beta)
    return crowd if 2 * crowd.members.size >= d_use.size else empty_crowd(net.n_nodes)


def _direct_crowd(
    crowd: Crowd, origins: Snapped, sources: np.ndarray, limits: np.ndarray, acc: np.ndarray,
    done: np.ndarray,
) -> None:  # fmt: skip
    """Add to ``acc`` what the ``sources`` on crowded segments reach along their own segment."""
    sources = sources[np.isin(origins.seg[sources], crowd.seg)]
    q = np.searchsorted(crowd.seg, origins.seg[sources])
    order = np.argsort(q, kind="stable")
    sources, q = sources[order].astype("int64"), q[order]
    s_ptr = np.zeros(crowd.seg.size + 1, dtype="int64")
    s_ptr[1:] = np.cumsum(np.bincount(q, minlength=crowd.seg.size))
    direct_sums(crowd, s_ptr, sources, origins.frac[sources].astype("float64"),
                origins.offroad_min[sources].astype("float64"), limits, acc, done)  # fmt: skip


#: Searches probed before choosing between compiled scans and dense blocks.
_PROBE = 64
#: Above this share of the network settled per probed search, dense scipy blocks
#: (:func:`od_blocks`, times bit for bit the same) beat the compiled per-place scan.
_DENSE_SHARE = 0.25


def _threaded(
    one: Callable[[np.ndarray, tuple[np.ndarray, ...]], int],
    run: np.ndarray,
    outs: Sequence[tuple[np.ndarray, ...]],
    progress: bool,
) -> None:
    """``one(sources, out)`` over ``run`` on ``len(outs)`` threads (the kernel drops the GIL)."""
    threads = len(outs)
    step = max(1, run.size // 50) if progress else max(1, run.size)
    with ThreadPoolExecutor(threads) as pool:
        for start in bar(range(0, run.size, step), enabled=progress, desc="searches", unit="batch"):
            part = run[start : start + step]
            list(pool.map(one, [part[t::threads].copy() for t in range(threads)], outs))


def _dense_sums(
    net: RoadNetwork, origins: Snapped, destinations: Snapped, w: np.ndarray, rest: np.ndarray,
    forward: bool, mode: int, par: np.ndarray, limit: float, own_of: np.ndarray | None,
    acc: np.ndarray,
) -> None:  # fmt: skip
    """Add the sums of the sources ``rest`` from :func:`od_blocks` (in the same orientation)."""
    o, d = (origins.take(rest), destinations) if forward else (origins, destinations.take(rest))
    wd = w if forward else w[rest]
    for r, c, block in od_blocks(net, o, d, max_time_min=None if np.isinf(limit) else limit):
        rows, cols = (rest[r], c) if forward else (r, rest[c])
        if own_of is not None:  # the left-out pairs
            block = np.where(own_of[rows][:, None] == cols[None, :], np.inf, block)
        if mode == CUMULATIVE:
            for k, x in enumerate(par):
                acc[rows, k] += (block <= x) @ wd[c]
            continue
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            f = (
                np.exp(-par[0] * block)
                if mode == EXP_DECAY
                else np.maximum(block, par[1]) ** -par[0]
            )
        acc[rows, 0] += np.where(np.isfinite(block), f, 0.0) @ wd[c]


def reach_sums(
    net: RoadNetwork,
    origins: Snapped,
    destinations: Snapped,
    weights: np.ndarray,
    *,
    mode: int = CUMULATIVE,
    params: ArrayLike = (),
    max_time_min: float | None = None,
    own_of: np.ndarray | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Per origin, the weights of the destinations it reaches, summed in compiled searches.

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : Snapped
    weights : numpy.ndarray
        One weight per destination.
    mode : int
        :data:`~connectivity.search.CUMULATIVE` (``params``: the sorted
        thresholds; one column each, Σ_j w_j [t_ij <= T]),
        :data:`~connectivity.search.EXP_DECAY` (``params``: ``(beta,)``; Σ_j
        w_j exp(-beta t_ij)) or :data:`~connectivity.search.POWER_DECAY`
        (``params``: ``(beta, min_time_min)``; Σ_j w_j max(t_ij, min)^-beta).
    max_time_min : float, optional
        Destinations farther than this add nothing; the searches stop there.
    own_of : numpy.ndarray, optional
        Per origin, a destination whose pair is left out (-1 for none).
    progress : bool
        Show a bar over batches of searches.

    Returns
    -------
    numpy.ndarray
        Shape (n_origins, n_columns); 0 for origins that reach nothing.

    Notes
    -----
    The trip times are those of :func:`od_blocks` bit for bit: one bounded
    search per point of the smaller side (:func:`connectivity.search.bounded_search`,
    seeded with its two legs; on the transposed graph from the destinations
    when there are no more of them than origins), the other side hung on
    the network nodes by its legs (each point counted once, at its better
    leg), plus the direct trips along a shared segment (:func:`direct_pairs`).
    With exponential decay f(d + c) is taken as f(d) f(c) (equal to rounding).
    Nothing of size origins × destinations is made: each search touches only
    the nodes within ``max_time_min`` and the points hanging there.

    Destinations crowded on one two-way segment (:data:`connectivity._crowded.CROWD_MIN`
    or more, as a modelled surface puts thousands of cells on one access
    link) are summed per segment in O(log n) instead of one by one, by
    forward searches (also on a tie in size), for cumulative and exponential
    sums without left-out pairs (:mod:`connectivity._crowded`). Those sums
    equal the per-pair ones up to rounding, not bit for bit.
    """
    limit = _check_limit(max_time_min)
    par = np.asarray(params, dtype="float64")
    acc = np.zeros((len(origins), par.size if mode == CUMULATIVE else 1))
    o_nodes, o_cost = origins.entry_legs()
    d_nodes, d_cost = destinations.exit_legs()
    o_use = np.flatnonzero(np.isfinite(o_cost).any(axis=1))
    d_use = np.flatnonzero(np.isfinite(d_cost).any(axis=1))
    if o_use.size == 0 or d_use.size == 0:
        return acc
    w = np.asarray(weights, dtype="float64")
    crowd = _crowd(net, destinations, d_nodes, d_cost, d_use, w, mode, par, own_of,
                   o_use.size <= _CROWD_MORE_ORIGINS * d_use.size)  # fmt: skip
    # as od_blocks: search from the smaller side, unless a crowd of destinations pays
    forward = o_use.size < d_use.size or crowd.seg.size > 0
    src, snk = (origins, destinations) if forward else (destinations, origins)
    s_nodes, s_cost, s_use = (o_nodes, o_cost, o_use) if forward else (d_nodes, d_cost, d_use)
    k_nodes, k_cost, k_use = (d_nodes, d_cost, d_use) if forward else (o_nodes, o_cost, o_use)
    k_use = np.setdiff1d(k_use, crowd.members, assume_unique=True)
    indptr, indices, data = _base(net, not forward)
    graph = (indptr.astype("int64"), indices.astype("int64"), data.astype("float64"))
    sinks = _sink_lists(net.n_nodes, k_nodes, k_cost, snk.seg, k_use)
    sinks = (
        *sinks,
        snk.frac[sinks[1]].astype("float64"),
        snk.offroad_min[sinks[1]].astype("float64"),
    )
    segs = _segment_lists(snk, k_nodes, k_cost, k_use, int(max(src.seg.max(), snk.seg.max())) + 1)
    # exp decay: f(d + c) = f(d) f(c), so each leg carries its f(c)
    f_leg = np.exp(-par[0] * sinks[2]) if mode == EXP_DECAY else np.ones(0)
    w_snk = w if forward else np.zeros(len(snk))
    sinks = (*sinks, w_snk[sinks[1]], f_leg)
    segs = (*segs, w_snk[segs[4]])
    legs = (s_nodes.astype("int64"), s_cost, src.seg.astype("int64"))
    here = (src.frac.astype("float64"), src.offroad_min.astype("float64"),
            src.t_ab.astype("float64"), src.t_ba.astype("float64"))  # fmt: skip
    own = np.array([], dtype="int64") if own_of is None else np.asarray(own_of, dtype="int64")
    threads = max(1, min(os.cpu_count() or 1, s_use.size // 64))
    n_leg = 0 if forward else sinks[1].size
    n_seg_rows = 0 if forward else segs[4].size
    acc_leg = np.zeros((threads, n_leg, acc.shape[1]))
    acc_seg = np.zeros((threads, n_seg_rows, acc.shape[1]))

    def one(run: np.ndarray, out: tuple[np.ndarray, ...]) -> int:
        return int(reach_kernel(graph, run, legs, here, sinks, segs, crowd, limits, forward, w,
                                own, mode, par, limit, out))  # fmt: skip

    limits = np.minimum(par, limit) if mode == CUMULATIVE else np.array([limit])
    done = np.zeros((len(src), 2), dtype=bool)  # own crowded segment, summed by the search
    outs = [(acc, acc_leg[t], acc_seg[t], done) for t in range(threads)]
    if crowd.seg.size:  # neighbours one after another: the same segments stay in cache
        s_use = s_use[np.argsort(src.seg[s_use], kind="stable")]
    probe, rest = s_use[:_PROBE].astype("int64"), s_use[_PROBE:].astype("int64")
    settled = one(probe, outs[0])
    dense = settled > _DENSE_SHARE * net.n_nodes * probe.size and k_use.size <= 4 * net.n_nodes
    if dense and rest.size:  # the searches cover the network: scipy's dense blocks are faster
        _dense_sums(net, origins, destinations, w, rest, forward, mode, par, limit, own_of, acc)
    elif rest.size:
        _threaded(one, rest, outs, progress)
    if crowd.seg.size:  # the sources on crowded segments, along them
        _direct_crowd(crowd, origins, probe if dense else s_use, limits, acc, done)
    if not forward:  # per-leg and per-entry rows back to their origins
        for col in range(acc.shape[1]):
            for t in range(threads):
                acc[:, col] += np.bincount(sinks[1], acc_leg[t, :, col], minlength=len(snk))
                acc[:, col] += np.bincount(segs[4], acc_seg[t, :, col], minlength=len(snk))
    return acc
