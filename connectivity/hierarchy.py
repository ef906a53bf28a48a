"""Contraction hierarchy of a road network, for fast many-to-many travel times.

:class:`ContractionHierarchy` is built once per :class:`~connectivity.RoadNetwork`
(Geisberger et al. 2008): every node gets a rank, and shortcuts are added so
that a shortest path always climbs to its highest node and then descends.
A search then only follows *upward* edges, settling a few hundred to a few
thousand nodes instead of the whole network.

:meth:`ContractionHierarchy.prepare` hangs a set of destinations on it
(Knopp et al. 2007): one backward upward search per destination writes
*buckets* ``node -> (destination, time)``. Each origin is then one forward
upward search that reads the buckets of the nodes it settles. The result,
:class:`HierarchyDestinations`, is accepted by :func:`~connectivity.od_matrix`
and :func:`~connectivity.times_to_each` as destinations (like
:class:`~connectivity.PreparedDestinations`, whose memory grows with nodes ×
destinations; the buckets grow with destinations × search space), and its
:meth:`~HierarchyDestinations.times` returns the bare matrix (``float32`` on
request) for problems too large for a DataFrame.

Times equal those of ``od_matrix`` up to float rounding: a shortcut's time is
the sum of its edges, added in another order than along the path. Snapped
points enter and leave the network by their two legs, and trips between
points on one segment are added as :func:`connectivity.routing.direct_pairs`
finds them, as in ``od_matrix``.

Example
-------
>>> ch = ContractionHierarchy(net)                       # doctest: +SKIP
>>> shops = ch.prepare(shop_layer)                       # doctest: +SKIP
>>> od_matrix(net, homes, shops)                         # doctest: +SKIP
>>> ch.prepare(cells).times(cells, dtype="float32")      # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import numpy as np

from connectivity._ch_kernels import (
    bucket_csr,
    bucket_entries,
    contract_round,
    evaluate,
    local_minima,
    scan_origins,
)
from connectivity.errors import ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import PlaceOptions, Places, origin_set
from connectivity.prepared import _checked_workers, _Destinations, _query_limit
from connectivity.progress import bar
from connectivity.routing import DEFAULT_MEMORY_MB, _threaded, direct_pairs
from connectivity.snapping import Snapped

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["DEFAULT_BUCKET_MB", "ContractionHierarchy", "HierarchyDestinations"]

log = logging.getLogger(__name__)

#: Default memory budget (MB) of the buckets of one destination set.
DEFAULT_BUCKET_MB = 4096
#: Bytes a bucket entry costs while the buckets are built (node, column, time; then sorted).
_ENTRY_BYTES = 36
#: Room of the edge pools and upward arrays, in multiples of the network's edges (doubled
#: and the contraction run again when it runs out).
_POOL_FACTOR = 3.0
#: Destinations searched first to estimate the size of the buckets.
_PROBE = 64
#: Nodes a thread evaluates at least in a contraction round (fewer: one thread).
_ROUND_SPLIT = 8

OutDtype = Literal["float64", "float32"]
_Up = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _simple_edges(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The directed edges without self-loops, each node pair once at its smallest time."""
    tails = net.edge_tails().astype("int64")
    heads = net.indices.astype("int64")
    w = net.time_min.astype("float64")
    keep = tails != heads
    tails, heads, w = tails[keep], heads[keep], w[keep]
    order = np.lexsort((w, heads, tails))
    tails, heads, w = tails[order], heads[order], w[order]
    first = np.ones(tails.size, dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    return tails[first], heads[first], w[first]


def _pool(n: int, owner: np.ndarray, other: np.ndarray, w: np.ndarray, factor: float) -> tuple:
    """One node-list edge pool: ``(start, len, cap, to, w)``, lists in node order, room to grow."""
    order = np.argsort(owner, kind="stable")
    ln = np.bincount(owner, minlength=n).astype("int64")
    cap = ln + 2
    start = np.zeros(n, dtype="int64")
    start[1:] = np.cumsum(cap)[:-1]
    size = int(max(cap.sum() * factor, cap.sum() + 16))
    to = np.empty(size, dtype="int64")
    wt = np.empty(size)
    o = owner[order]
    first = np.cumsum(ln) - ln  # where each node's edges begin in the sorted order
    pos = start[o] + np.arange(owner.size) - first[o]
    to[pos] = other[order]
    wt[pos] = w[order]
    return start, ln, cap, to, wt, int(cap.sum())


class _Evaluator:
    """Shortcuts and priorities of a set of nodes on threads (one work space each)."""

    def __init__(self, pool: ThreadPoolExecutor, workers: int, n: int, g: tuple,
                 excl: np.ndarray, coef: np.ndarray, state: tuple) -> None:  # fmt: skip
        self.pool, self.workers, self.g, self.excl, self.coef = pool, workers, g, excl, coef
        self.cn, self.level = state[1], state[2]
        self.works = [(np.full(n, np.inf), np.empty(n, dtype="int64"), np.empty(n),
                       np.empty(n, dtype="int64"), np.full(n, -1, dtype="int64"),
                       np.zeros(n, dtype=bool), np.empty(n)) for _ in range(workers)]  # fmt: skip

    def __call__(self, nodes: np.ndarray, settle: int, *, keep: bool) -> tuple:
        """``(priority, count, at, shortcuts)`` of ``nodes`` (shortcuts only if ``keep``)."""
        o_len, i_len = self.g[1], self.g[6]
        room = o_len[nodes] * i_len[nodes] if keep else np.zeros(nodes.size, dtype="int64")
        at = np.cumsum(room) - room if keep else np.full(nodes.size, -1, dtype="int64")
        size = int(room.sum())
        sc = (np.empty(size, dtype="int64"), np.empty(size, dtype="int64"), np.empty(size))
        prio, count = np.empty(nodes.size), np.empty(nodes.size, dtype="int64")
        threads = min(self.workers, max(1, nodes.size // _ROUND_SPLIT))

        def one(t: int) -> None:
            evaluate(nodes, np.arange(t, nodes.size, threads), settle, self.g, self.works[t],
                     self.excl, self.coef, self.cn, self.level, sc, at, count, prio)  # fmt: skip

        if threads > 1:
            list(self.pool.map(one, range(threads)))
        else:
            one(0)
        return prio, count, at, sc


class ContractionHierarchy:
    """A contraction hierarchy of a road network, built once, for many-to-many queries.

    Parameters
    ----------
    net : RoadNetwork
        The network (one-way edges respected; of parallel edges the fastest counts).
    witness_settled : tuple of int
        Settled-node limits of the witness searches for the first ranking of
        all nodes and in the contraction rounds. Larger: fewer shortcuts, slower build. A
        search that gives up adds its shortcut (never a wrong time).
    priority : tuple of float
        Weights of edge difference, contracted neighbours and level in a
        node's contraction priority.
    workers : int, optional
        Threads finding shortcuts at once (default: the number of CPUs). The
        hierarchy is the same for any number.
    progress : bool
        Show a progress bar of the nodes contracted (on a terminal).

    Attributes
    ----------
    rank : numpy.ndarray
        Contraction rank of each node (0 first).
    n_shortcuts : int
        Edges added by the contraction.
    build_s : float
        Seconds the build took.
    n_evaluations : int
        Nodes whose shortcuts were found in the contraction rounds (a node whose
        fresh priority no longer came first is found again later).
    n_rounds : int
        Contraction rounds.
    """

    def __init__(
        self,
        net: RoadNetwork,
        *,
        witness_settled: tuple[int, int] = (20, 1000),
        priority: tuple[float, float, float] = (1.0, 0.0, 1.0),
        workers: int | None = None,
        progress: bool = True,
    ) -> None:
        if len(witness_settled) != 2 or min(witness_settled) < 1:
            msg = f"witness_settled must be two positive node counts, got {witness_settled!r}"
            raise ParameterError(msg)
        self.net = net
        self.workers = _checked_workers(workers)
        self.progress = progress
        t0 = time.perf_counter()
        n_base = self._build(net, tuple(int(s) for s in witness_settled), tuple(priority))
        self.build_s = time.perf_counter() - t0
        self.n_shortcuts = int(self.up[0][-1] + self.up[3][-1]) - n_base
        log.info("contraction hierarchy: %d nodes, %d shortcuts, %.1f s", net.n_nodes,
                 self.n_shortcuts, self.build_s)  # fmt: skip

    def _build(self, net: RoadNetwork, settle: tuple[int, ...], coef: tuple[float, ...]) -> int:
        """Contract every node; sets ``rank`` and the upward graphs ``up`` in rank order."""
        n = net.n_nodes
        tails, heads, w = _simple_edges(net)
        factor = _POOL_FACTOR
        edges = (tails, heads, w)
        with ThreadPoolExecutor(self.workers) as pool:
            while (built := self._contract(pool, n, edges, factor, settle, coef)) is None:
                factor *= 2
                log.info("contraction ran out of edge room; again with %.0fx", factor)
        up, order = built
        self.rank = np.empty(n, dtype="int64")
        self.rank[order] = np.arange(n)
        f_ptr, b_ptr = up[0], up[3]
        self.up: _Up = (f_ptr, self.rank[up[1][: f_ptr[n]]], up[2][: f_ptr[n]].copy(),
                        b_ptr, self.rank[up[4][: b_ptr[n]]], up[5][: b_ptr[n]].copy())  # fmt: skip
        return int(tails.size)

    def _contract(
        self, pool: ThreadPoolExecutor, n: int, edges: tuple[np.ndarray, ...], factor: float,
        settle: tuple[int, ...], coef: tuple[float, ...],
    ) -> tuple[_Up, np.ndarray] | None:  # fmt: skip
        """Contract in rounds of independent nodes; ``(up, order)``, or None when out of room.

        Each round takes the nodes whose priority comes before all their
        neighbours', finds their shortcuts on threads (witness searches avoid
        every node of the round) and contracts those still first.
        """
        tails, heads, w = edges
        out, inn = _pool(n, tails, heads, w, factor), _pool(n, heads, tails, w, factor)
        g = (*out[:5], *inn[:5], np.array([out[5], inn[5]], dtype="int64"))
        m_up = int(factor * 2 * tails.size) + 16
        up = (np.zeros(n + 1, dtype="int64"), np.empty(m_up, dtype="int64"), np.empty(m_up),
              np.zeros(n + 1, dtype="int64"), np.empty(m_up, dtype="int64"), np.empty(m_up))  # fmt: skip
        prio, order, done = np.empty(n), np.empty(n, dtype="int64"), np.zeros(n, dtype=bool)
        state = (prio, np.zeros(n), np.zeros(n), order, done)
        excl = np.zeros(n, dtype=bool)
        run = _Evaluator(pool, self.workers, n, g, excl, np.array(coef, dtype="float64"), state)
        remaining = np.arange(n, dtype="int64")
        prio[:] = run(remaining, settle[0], keep=False)[0]
        n_up = np.zeros(2, dtype="int64")
        r, self.n_evaluations, self.n_rounds = 0, 0, 0
        with bar(enabled=self.progress, total=n, desc="contracting", unit="node") as shown:
            while remaining.size:
                nodes = local_minima(remaining, prio, g)
                excl[nodes] = True
                fresh, count, at, sc = run(nodes, settle[1], keep=True)
                r_next = contract_round(nodes, fresh, count, at, sc, g, up, n_up, r, state,
                                        run.coef)  # fmt: skip
                excl[nodes] = False
                if r_next < 0:
                    return None
                shown.update(r_next - r)
                r = r_next
                remaining = remaining[~done[remaining]]
                self.n_evaluations += nodes.size
                self.n_rounds += 1
        return up, order

    def __repr__(self) -> str:
        up = f"{int(self.up[0][-1] + self.up[3][-1]):,} upward edges"
        made = f"{self.n_shortcuts:,} shortcuts, built in {self.build_s:.1f} s"
        return f"ContractionHierarchy({self.net.n_nodes:,} nodes, {up}, {made})"

    def check_network(self, net: RoadNetwork) -> None:
        """Refuse a network other than the one the hierarchy was built on."""
        if net is self.net:
            return
        msg = "this contraction hierarchy was built on another RoadNetwork object; build one on "
        raise ParameterError(msg + "the network you query (ContractionHierarchy(net))")

    def seeds(self, nodes: np.ndarray) -> np.ndarray:
        """Ranks of the leg nodes of snapped points (-1 stays -1)."""
        return np.where(nodes >= 0, self.rank[np.where(nodes >= 0, nodes, 0)], -1)

    def prepare(
        self,
        destinations: Places,
        *,
        dest_id_col: str | None = None,
        max_time_min: float | None = None,
        memory_mb: float = DEFAULT_BUCKET_MB,
        workers: int | None = None,
        **options: Unpack[PlaceOptions],
    ) -> HierarchyDestinations:
        """Destinations hung on the hierarchy (see :class:`HierarchyDestinations`)."""
        return HierarchyDestinations(
            self, destinations, dest_id_col=dest_id_col, max_time_min=max_time_min,
            memory_mb=memory_mb, workers=workers, **options,
        )  # fmt: skip


class HierarchyDestinations(_Destinations):
    """Destinations with their buckets on a :class:`ContractionHierarchy`, for fast OD queries.

    Parameters
    ----------
    hierarchy : ContractionHierarchy
    destinations : GeoDataFrame, GeoSeries or OriginSet
        As :func:`~connectivity.od_matrix` takes them (ids unique).
    dest_id_col : str, optional
        Column of destination ids (default: the index).
    max_time_min : float, optional
        Buckets up to this time only (queries may ask for less): smaller and faster.
    memory_mb : float
        Refuse (:class:`~connectivity.ParameterError`) buckets estimated larger than this.
    workers : int, optional
        Threads searching at once (default: the number of CPUs).
    **options
        Snapping of the destinations (:class:`~connectivity.origins.PlaceOptions`);
        origins of later queries are snapped alike.
    """

    def __init__(
        self,
        hierarchy: ContractionHierarchy,
        destinations: Places,
        *,
        dest_id_col: str | None = None,
        max_time_min: float | None = None,
        memory_mb: float = DEFAULT_BUCKET_MB,
        workers: int | None = None,
        **options: Unpack[PlaceOptions],
    ) -> None:
        super().__init__(hierarchy.net, destinations, dest_id_col, max_time_min, options)
        self.hierarchy = hierarchy
        self.workers = _checked_workers(workers)
        nodes, cost = self.places.snapped.exit_legs()
        seeds = hierarchy.seeds(nodes[self.usable])
        self._buckets = self._fill(seeds, cost[self.usable], memory_mb)

    def _fill(self, seeds: np.ndarray, cost: np.ndarray, memory_mb: float) -> tuple:
        """The buckets: a backward search per destination, entries grouped by node."""
        up, limit = self.hierarchy.up, self._limit
        cols = np.arange(self.usable.size, dtype="int64")
        probe = bucket_entries(up, seeds, cost, cols[:_PROBE], limit)
        need_mb = probe[0].size / max(1, min(_PROBE, cols.size)) * cols.size * _ENTRY_BYTES / 1e6
        if need_mb > memory_mb:
            msg = (
                f"the buckets of {cols.size:,} destinations need about {need_mb:,.0f} MB, over "
                f"memory_mb={memory_mb:,.0f}; raise memory_mb, give max_time_min, or prepare "
                "the destinations in parts"
            )
            raise ParameterError(msg)
        rest = cols[_PROBE:]
        parts = [rest[t :: self.workers].copy() for t in range(self.workers)]  # one signature
        with ThreadPoolExecutor(self.workers) as pool:
            found = [probe, *pool.map(lambda c: bucket_entries(up, seeds, cost, c, limit), parts)]
        node, col, t = (np.concatenate([f[k] for f in found]) for k in range(3))
        log.info("buckets of %d destinations: %d entries", cols.size, node.size)
        return bucket_csr(self.hierarchy.rank.size, node, col, t)

    def __repr__(self) -> str:
        return (
            f"HierarchyDestinations({len(self.places):,} destinations, {self.usable.size:,} "
            f"usable, {self._buckets[1].size:,} bucket entries)"
        )

    def check_network(self, net: RoadNetwork) -> None:
        """Refuse a network other than the one the hierarchy was built on."""
        self.hierarchy.check_network(net)

    def _times_into(self, origins: Snapped, rows: np.ndarray, out: np.ndarray, out_rows: np.ndarray,
              limit: float) -> None:  # fmt: skip
        """Times from ``origins[rows]`` into ``out[out_rows]`` (columns: the usable destinations).

        ``out`` holds ``inf`` beforehand and keeps it beyond ``limit``. One
        forward search per origin, on threads, then the trips along a shared
        segment (:func:`~connectivity.routing.direct_pairs`).
        """
        nodes, cost = origins.entry_legs()
        seeds = self.hierarchy.seeds(nodes)
        where = np.full(len(origins), -1, dtype="int64")
        where[rows] = out_rows
        threads = max(1, min(self.workers, rows.size // 16))

        def one(part: np.ndarray, _: tuple[np.ndarray, ...]) -> int:
            scan_origins(self.hierarchy.up, seeds, cost, part, self._buckets, limit, out,
                         where[part])  # fmt: skip
            return 0

        _threaded(one, rows.astype("int64"), [()] * threads, False)
        col = np.full(len(self.places), -1, dtype="int64")
        col[self.usable] = np.arange(self.usable.size)
        po, pd_, pc = direct_pairs(origins.take(rows), self.places.snapped)
        keep = (pc <= limit) & (col[pd_] >= 0)  # as od_blocks: usable destinations only
        np.minimum.at(out, (out_rows[po[keep]], col[pd_[keep]]), pc[keep].astype(out.dtype))

    def _usable_origins(self, origins: Snapped) -> np.ndarray:
        _, cost = origins.entry_legs()
        return np.flatnonzero(np.isfinite(cost).any(axis=1))

    def blocks(
        self,
        origins: Snapped,
        *,
        max_time_min: float | None = None,
        memory_mb: float = DEFAULT_MEMORY_MB,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Origin-destination times in blocks, as :func:`connectivity.routing.od_blocks` yields them.

        Yields ``(origin_pos, dest_pos, block)``: ``block[r, c]`` is the time
        in minutes (``inf``: none within ``max_time_min``) from origin
        ``origin_pos[r]`` to the destination at position ``dest_pos[c]`` of
        ``self.places``; at most ``memory_mb`` of times a block.
        """
        limit = _query_limit(max_time_min, self._limit)
        use = self._usable_origins(origins)
        step = max(1, int(memory_mb * 1e6 // (8.0 * 2 * max(1, self.usable.size))))
        for start in range(0, use.size if self.usable.size else 0, step):
            rows = use[start : start + step]
            block = np.full((rows.size, self.usable.size), np.inf)
            self._times_into(origins, rows, block, np.arange(rows.size), limit)
            yield rows, self.usable, block

    def times(
        self,
        origins: Places,
        *,
        max_time_min: float | None = None,
        dtype: OutDtype = "float64",
    ) -> np.ndarray:
        """The bare origins × destinations matrix of minutes (NaN: no time), no DataFrame.

        ``origins`` are snapped as the destinations were (an
        :class:`~connectivity.OriginSet` is used as it is); rows and columns
        follow the order of ``origins`` and ``self.places``. ``dtype="float32"``
        halves the memory (times rounded to about 7 significant digits).
        """
        if dtype not in ("float64", "float32"):
            msg = f"dtype must be 'float64' or 'float32', got {dtype!r}"
            raise ParameterError(msg)
        limit = _query_limit(max_time_min, self._limit)
        snapped = origin_set(self.net, origins, self.options, name="origins").snapped
        use = self._usable_origins(snapped)
        out = np.full((len(snapped), self.usable.size), np.inf, dtype=dtype)
        self._times_into(snapped, use, out, use, limit)
        if self.usable.size < len(self.places):
            full = np.full((len(snapped), len(self.places)), np.inf, dtype=dtype)
            full[:, self.usable] = out
            out = full
        out[np.isinf(out)] = np.nan
        return out
