"""Numba kernels of the contraction hierarchy (:mod:`connectivity.hierarchy`).

Build (Geisberger et al. 2008), in rounds of independent nodes (Vetter 2009):
each round takes the remaining nodes whose priority (edge difference,
contracted neighbours, level) comes before all their neighbours', finds
their shortcuts (:func:`evaluate`, on threads; the graph is only read) and
contracts those whose fresh priority still comes first
(:func:`contract_round`). Contracting ``v`` adds a shortcut ``u -> x`` for
every in-neighbour ``u`` and out-neighbour ``x`` unless a *witness* search
from ``u`` finds a path no longer than ``w(u, v) + w(v, x)``. The witness
searches of a round avoid every node of the round, so each witness is still
in the graph once the round is contracted, whatever the order: the result is
exact and the same for any number of threads. Witness searches are bounded
(a number of settled nodes); one that gives up adds the shortcut, which is
never wrong, only more work at query time.

The remaining graph lives in two edge pools (out-lists and in-lists), one
list per node with its own capacity; a full list moves to the end of its pool
at twice the size, and a full pool is compacted in place. A kernel that runs
out of space returns a negative status and the caller retries with more.

Queries (Knopp et al. 2007): a backward upward search from each destination
writes buckets ``node -> (destination, time)``; a forward upward search from
each origin scans the buckets of the nodes it settles. Both use stall-on-demand.
Tunables are arguments, never module globals (numba freezes globals into its
cache).
"""

from __future__ import annotations

import numba
import numpy as np

INF = np.inf


# ------------------------------------------------------------------ indexed heap
@numba.njit(cache=True, inline="always")
def _put(hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, i: int, key: float,
         node: int) -> None:  # fmt: skip
    """Heap slot ``i`` holds ``node`` with ``key``."""
    hkey[i] = key
    hnode[i] = node
    hpos[node] = i


@numba.njit(cache=True, inline="always")
def _sift_up(hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, i: int) -> None:
    """Move the entry in slot ``i`` up to its place."""
    key, node = hkey[i], hnode[i]
    while i > 0 and hkey[(i - 1) >> 1] > key:
        p = (i - 1) >> 1
        _put(hkey, hnode, hpos, i, hkey[p], hnode[p])
        i = p
    _put(hkey, hnode, hpos, i, key, node)


@numba.njit(cache=True, inline="always")
def _sift_down(hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, i: int, size: int) -> None:
    """Move the entry in slot ``i`` down to its place in ``size`` slots."""
    key, node = hkey[i], hnode[i]
    c = 2 * i + 1
    while c < size:
        c += 1 if c + 1 < size and hkey[c + 1] < hkey[c] else 0
        if hkey[c] >= key:
            break
        _put(hkey, hnode, hpos, i, hkey[c], hnode[c])
        i, c = c, 2 * c + 1
    _put(hkey, hnode, hpos, i, key, node)


@numba.njit(cache=True, inline="always")
def _heap_set(
    hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, size: int, node: int, key: float
) -> int:
    """Insert ``node`` with ``key`` or change its key; returns the new heap size."""
    i = hpos[node]
    if i < 0:
        hkey[size] = key
        hnode[size] = node
        _sift_up(hkey, hnode, hpos, size)
        return size + 1
    old = hkey[i]
    hkey[i] = key
    if key < old:
        _sift_up(hkey, hnode, hpos, i)
    else:
        _sift_down(hkey, hnode, hpos, i, size)
    return size


@numba.njit(cache=True, inline="always")
def _heap_pop(hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, size: int) -> int:
    """Remove the root (read it from ``hnode[0]``/``hkey[0]`` first); returns the new size."""
    hpos[hnode[0]] = -1
    size -= 1
    if size > 0:
        hkey[0] = hkey[size]
        hnode[0] = hnode[size]
        _sift_down(hkey, hnode, hpos, 0, size)
    return size


@numba.njit(cache=True)
def _heap_clear(hnode: np.ndarray, hpos: np.ndarray, size: int) -> None:
    for i in range(size):
        hpos[hnode[i]] = -1


@numba.njit(cache=True, inline="always")
def _relax(x: int, nd: float, limit: float, dist: np.ndarray, touched: np.ndarray, k: int,
           hkey: np.ndarray, hnode: np.ndarray, hpos: np.ndarray, size: int) -> tuple[int, int]:  # fmt: skip
    """Lower ``x`` to ``nd`` if that is better and within ``limit``; returns ``(k, size)``."""
    if nd < dist[x] and nd <= limit:
        if dist[x] == INF:
            touched[k] = x
            k += 1
        dist[x] = nd
        size = _heap_set(hkey, hnode, hpos, size, x, nd)
    return k, size


# ------------------------------------------------------------------ edge pools
@numba.njit(cache=True)
def _compact(start: np.ndarray, ln: np.ndarray, cap: np.ndarray, to: np.ndarray,
             wt: np.ndarray) -> int:  # fmt: skip
    """Move every list to the front of its pool (in place, in order); returns the new top."""
    order = np.argsort(start)
    top = 0
    for k in range(order.size):
        u = order[k]
        if cap[u] == 0:
            start[u] = top
            continue
        s = start[u]
        for e in range(ln[u]):
            to[top + e] = to[s + e]
            wt[top + e] = wt[s + e]
        start[u] = top
        top += cap[u]  # capacities kept: a list never moves past the next one
    return top


@numba.njit(cache=True)
def _list_add(u: int, x: int, w: float, start: np.ndarray, ln: np.ndarray, cap: np.ndarray,
              to: np.ndarray, wt: np.ndarray, tops: np.ndarray, which: int) -> bool:  # fmt: skip
    """Edge ``u -> x`` of weight ``w`` in ``u``'s list (kept at the minimum); False if no room."""
    s = start[u]
    for e in range(s, s + ln[u]):
        if to[e] == x:
            if w < wt[e]:
                wt[e] = w
            return True
    if ln[u] == cap[u]:
        new = max(4, 2 * cap[u])
        if tops[which] + new > to.size:
            tops[which] = _compact(start, ln, cap, to, wt)
            if tops[which] + new > to.size:
                return False
        t = tops[which]
        s = start[u]
        for e in range(ln[u]):
            to[t + e] = to[s + e]
            wt[t + e] = wt[s + e]
        start[u] = t
        cap[u] = new
        tops[which] = t + new
    e = start[u] + ln[u]
    to[e] = x
    wt[e] = w
    ln[u] += 1
    return True


@numba.njit(cache=True)
def _list_remove(u: int, x: int, start: np.ndarray, ln: np.ndarray, to: np.ndarray,
                 wt: np.ndarray) -> None:  # fmt: skip
    s = start[u]
    last = s + ln[u] - 1
    for e in range(s, last + 1):
        if to[e] == x:
            to[e] = to[last]
            wt[e] = wt[last]
            ln[u] -= 1
            return


# ------------------------------------------------------------------ witness searches
@numba.njit(cache=True, inline="always")
def _longest_to_targets(v: int, o_start: np.ndarray, o_len: np.ndarray, o_to: np.ndarray,
                        o_w: np.ndarray, is_tgt: np.ndarray) -> float:  # fmt: skip
    """The longest edge from ``v`` to a node flagged in ``is_tgt`` (0 if none)."""
    w = 0.0
    for e in range(o_start[v], o_start[v] + o_len[v]):
        if is_tgt[o_to[e]] and o_w[e] > w:
            w = o_w[e]
    return w


@numba.njit(cache=True)
def _witness(src: int, v: int, w_uv: float, excl: np.ndarray, settle_max: int,
             o_start: np.ndarray, o_len: np.ndarray, o_to: np.ndarray, o_w: np.ndarray,
             dist: np.ndarray, touched: np.ndarray, k: int, hkey: np.ndarray,
             hnode: np.ndarray, hpos: np.ndarray, is_tgt: np.ndarray, n_tgt: int) -> int:  # fmt: skip
    """Dijkstra from ``src`` (in-neighbour of ``v``) avoiding ``v`` and the nodes in ``excl``.

    The targets are ``v``'s out-neighbours flagged in ``is_tgt`` (``n_tgt`` of
    them; a settled one is unflagged). The search stops when they are all
    settled, after ``settle_max`` settled nodes, or beyond ``w_uv`` plus the
    longest edge from ``v`` to a target not yet settled (no witness can come
    later). ``touched[:k]`` already have a time (direct edges from ``src``).
    Returns the number of touched nodes (``dist`` of ``touched[:k]`` to reset).
    """
    limit = w_uv + _longest_to_targets(v, o_start, o_len, o_to, o_w, is_tgt)
    size = 0
    for i in range(k):
        size = _heap_set(hkey, hnode, hpos, size, touched[i], dist[touched[i]])
    dist[src] = 0.0
    touched[k] = src
    k += 1
    size = _heap_set(hkey, hnode, hpos, size, src, 0.0)
    settled = 0
    while size > 0:
        u = hnode[0]
        d = hkey[0]
        size = _heap_pop(hkey, hnode, hpos, size)
        if d > limit:
            break
        settled += 1
        if is_tgt[u]:
            is_tgt[u] = False
            n_tgt -= 1
            limit = w_uv + _longest_to_targets(v, o_start, o_len, o_to, o_w, is_tgt)
        if n_tgt <= 0 or settled > settle_max:
            break
        for e in range(o_start[u], o_start[u] + o_len[u]):
            x = o_to[e]
            if x == v or excl[x]:
                continue
            k, size = _relax(x, d + o_w[e], limit, dist, touched, k, hkey, hnode, hpos, size)
    _heap_clear(hnode, hpos, size)
    return k


@numba.njit(cache=True)
def _shortcuts(v: int, settle_max: int, g: tuple, work: tuple, excl: np.ndarray, sc: tuple,
               at: int) -> int:  # fmt: skip
    """The number of shortcuts contracting ``v`` needs; written to ``sc`` from ``at`` if ``at >= 0``.

    ``g`` is ``(o_start, o_len, o_cap, o_to, o_w, i_start, i_len, i_cap, i_to, i_w, tops)``,
    ``work`` is ``(dist, touched, hkey, hnode, hpos, is_tgt, w_v)``, ``sc`` is
    ``(tail, head, time)`` of the shortcuts. A pair ``u -> v -> x`` needs one
    unless a witness search from ``u`` avoiding ``v`` and ``excl`` reaches
    ``x`` in at most ``w(u, v) + w(v, x)``. The graph is only read.
    """
    o_start, o_len, _oc, o_to, o_w, i_start, i_len, _ic, i_to, i_w, _tops = g
    dist, touched, hkey, hnode, hpos, is_tgt, w_v = work
    os_, ol = o_start[v], o_len[v]
    if ol == 0 or i_len[v] == 0:
        return 0
    for e in range(os_, os_ + ol):
        w_v[o_to[e]] = o_w[e]
    count = 0
    for a in range(i_start[v], i_start[v] + i_len[v]):
        u = i_to[a]
        w_uv = i_w[a]
        n_tgt = 0
        for e in range(os_, os_ + ol):
            if o_to[e] != u:
                is_tgt[o_to[e]] = True
                n_tgt += 1
        k = 0  # a direct edge u -> x no longer than through v is a witness: no search for x
        for e in range(o_start[u], o_start[u] + o_len[u]):
            x = o_to[e]
            if is_tgt[x] and o_w[e] <= w_uv + w_v[x]:
                is_tgt[x] = False
                n_tgt -= 1
                dist[x] = o_w[e]
                touched[k] = x
                k += 1
        if n_tgt > 0:
            k = _witness(u, v, w_uv, excl, settle_max, o_start, o_len, o_to, o_w, dist,
                         touched, k, hkey, hnode, hpos, is_tgt, n_tgt)  # fmt: skip
        for e in range(os_, os_ + ol):
            x = o_to[e]
            is_tgt[x] = False
            w = w_uv + o_w[e]
            if x == u or dist[x] <= w:
                continue
            if at >= 0:
                sc[0][at + count] = u
                sc[1][at + count] = x
                sc[2][at + count] = w
            count += 1
        for t in range(k):
            dist[touched[t]] = INF
    return count


@numba.njit(cache=True, nogil=True)
def evaluate(nodes: np.ndarray, part: np.ndarray, settle_max: int, g: tuple, work: tuple,
             excl: np.ndarray, coef: np.ndarray, cn: np.ndarray, level: np.ndarray,
             sc: tuple, at: np.ndarray, count: np.ndarray, prio: np.ndarray) -> None:  # fmt: skip
    """Shortcuts and priority of ``nodes[i]`` for each ``i`` in ``part`` (threads share nothing).

    The priority is ``coef · (edge difference, contracted neighbours, level)``;
    into ``prio[i]``, the shortcut count into ``count[i]`` and the shortcuts
    into ``sc`` from ``at[i]`` (not kept where ``at[i] < 0``).
    """
    for i in part:
        v = nodes[i]
        c = _shortcuts(v, settle_max, g, work, excl, sc, at[i])
        count[i] = c
        ed = c - g[1][v] - g[6][v]
        prio[i] = coef[0] * ed + coef[1] * cn[v] + coef[2] * level[v]


@numba.njit(cache=True, inline="always")
def _before(p: float, v: int, q: float, x: int) -> bool:
    """Node ``v`` of priority ``p`` comes before ``x`` of priority ``q`` (ties: lower id)."""
    return p < q or (p == q and v < x)


@numba.njit(cache=True)
def _first_among_neighbours(v: int, p: float, prio: np.ndarray, g: tuple) -> bool:
    """``v`` at priority ``p`` comes before each of its remaining neighbours."""
    o_start, o_len, _oc, o_to, _ow, i_start, i_len, _ic, i_to, _iw, _tops = g
    for e in range(o_start[v], o_start[v] + o_len[v]):
        if not _before(p, v, prio[o_to[e]], o_to[e]):
            return False
    for e in range(i_start[v], i_start[v] + i_len[v]):
        if not _before(p, v, prio[i_to[e]], i_to[e]):
            return False
    return True


@numba.njit(cache=True)
def local_minima(remaining: np.ndarray, prio: np.ndarray, g: tuple) -> np.ndarray:
    """The remaining nodes whose priority comes before all their neighbours' (independent)."""
    out = np.empty(remaining.size, dtype=np.int64)
    k = 0
    for v in remaining:
        if _first_among_neighbours(v, prio[v], prio, g):
            out[k] = v
            k += 1
    return out[:k]


@numba.njit(cache=True)
def _detach(v: int, g: tuple, up: tuple, n_up: np.ndarray) -> bool:
    """Record ``v``'s remaining edges as upward ones and remove ``v`` from its neighbours' lists."""
    o_start, o_len, o_cap, o_to, o_w, i_start, i_len, i_cap, i_to, i_w, _tops = g
    _f_ptr, f_head, f_w, _b_ptr, b_head, b_w = up
    if n_up[0] + o_len[v] > f_head.size or n_up[1] + i_len[v] > b_head.size:
        return False
    for e in range(o_start[v], o_start[v] + o_len[v]):
        f_head[n_up[0]] = o_to[e]
        f_w[n_up[0]] = o_w[e]
        n_up[0] += 1
        _list_remove(o_to[e], v, i_start, i_len, i_to, i_w)
    for e in range(i_start[v], i_start[v] + i_len[v]):
        b_head[n_up[1]] = i_to[e]
        b_w[n_up[1]] = i_w[e]
        n_up[1] += 1
        _list_remove(i_to[e], v, o_start, o_len, o_to, o_w)
    o_cap[v] = 0
    i_cap[v] = 0
    o_len[v] = 0
    i_len[v] = 0
    return True


@numba.njit(cache=True, inline="always")
def _bump(x: int, v: int, prio: np.ndarray, cn: np.ndarray, level: np.ndarray,
          coef: np.ndarray) -> None:  # fmt: skip
    """Neighbour ``x`` of the contracted ``v``: one more contracted neighbour, level above ``v``."""
    cn[x] += 1
    lv = max(level[x], level[v] + 1)
    prio[x] += coef[1] + coef[2] * (lv - level[x])
    level[x] = lv


@numba.njit(cache=True)
def _contract(v: int, n_sc: int, at: int, sc: tuple, g: tuple, up: tuple, n_up: np.ndarray,
              r: int, state: tuple, coef: np.ndarray) -> bool:  # fmt: skip
    """Add ``v``'s shortcuts, give it rank ``r`` and remove it; False when out of room.

    ``state`` is ``(prio, cn, level, order, done)``; the neighbours' priorities
    rise by their contracted-neighbour and level terms (the rest is
    re-evaluated when they come up).
    """
    o_start, o_len, o_cap, o_to, o_w, i_start, i_len, i_cap, i_to, i_w, tops = g
    prio, cn, level, order, done = state
    for j in range(at, at + n_sc):
        u, x, w = sc[0][j], sc[1][j], sc[2][j]
        if not _list_add(u, x, w, o_start, o_len, o_cap, o_to, o_w, tops, 0):
            return False
        if not _list_add(x, u, w, i_start, i_len, i_cap, i_to, i_w, tops, 1):
            return False
    up[0][r] = n_up[0]
    up[3][r] = n_up[1]
    order[r] = v
    done[v] = True
    lo, lo_b = n_up[0], n_up[1]
    if not _detach(v, g, up, n_up):
        return False
    for e in range(lo, n_up[0]):
        _bump(up[1][e], v, prio, cn, level, coef)
    for e in range(lo_b, n_up[1]):
        _bump(up[4][e], v, prio, cn, level, coef)
    return True


@numba.njit(cache=True)
def contract_round(nodes: np.ndarray, fresh: np.ndarray, count: np.ndarray, at: np.ndarray,
                   sc: tuple, g: tuple, up: tuple, n_up: np.ndarray, r: int, state: tuple,
                   coef: np.ndarray) -> int:  # fmt: skip
    """Contract the evaluated ``nodes`` that still come first among their neighbours.

    ``nodes`` are independent (no two adjacent) and their shortcuts were
    found by witness searches that avoid all of them, so contracting any
    subset of them in any order is exact. A node whose fresh priority no
    longer comes first keeps it for the next round; if none does, the one
    of lowest fresh priority is contracted (progress). Returns the next rank,
    or -1 when an edge pool is out of room.

    ``up`` is ``(f_ptr, f_head, f_w, b_ptr, b_head, b_w)``: the upward out-edges
    and the upward in-edges of each node, in rank order (``f_ptr[r]`` starts
    the edges of ``order[r]``; heads are node ids); ``n_up`` counts them.
    """
    prio = state[0]
    best = 0
    r0 = r
    for i in range(nodes.size):
        v = nodes[i]
        prio[v] = fresh[i]
        if _before(fresh[i], v, fresh[best], nodes[best]):
            best = i
        if _first_among_neighbours(v, fresh[i], prio, g):
            if not _contract(v, count[i], at[i], sc, g, up, n_up, r, state, coef):
                return -1
            r += 1
    if r == r0 and nodes.size:
        if not _contract(nodes[best], count[best], at[best], sc, g, up, n_up, r, state, coef):
            return -1
        r += 1
    up[0][r] = n_up[0]
    up[3][r] = n_up[1]
    return r


# ------------------------------------------------------------------ queries
@numba.njit(cache=True)
def _up_search(ptr: np.ndarray, head: np.ndarray, w: np.ndarray, s_ptr: np.ndarray,
               s_head: np.ndarray, s_w: np.ndarray, seeds: np.ndarray, seed_d: np.ndarray,
               limit: float, dist: np.ndarray, touched: np.ndarray, hkey: np.ndarray,
               hnode: np.ndarray, hpos: np.ndarray, settled: np.ndarray) -> tuple[int, int]:  # fmt: skip
    """Upward Dijkstra from ``seeds`` (ranks) with stall-on-demand over ``s_*``.

    Returns ``(n_settled, n_touched)``: ``settled[:n_settled]`` are the
    unstalled settled nodes (their time in ``dist``); reset ``dist`` of
    ``touched[:n_touched]`` to ``inf`` afterwards.
    """
    size = 0
    nt = 0
    for i in range(seeds.size):
        s = seeds[i]
        d = seed_d[i]
        if s >= 0 and d < dist[s] and d <= limit:
            if dist[s] == INF:
                touched[nt] = s
                nt += 1
            dist[s] = d
            size = _heap_set(hkey, hnode, hpos, size, s, d)
    ns = 0
    while size > 0:
        u = hnode[0]
        d = hkey[0]
        size = _heap_pop(hkey, hnode, hpos, size)
        stalled = False
        for e in range(s_ptr[u], s_ptr[u + 1]):
            if dist[s_head[e]] + s_w[e] < d:
                stalled = True
                break
        if stalled:
            continue
        settled[ns] = u
        ns += 1
        for e in range(ptr[u], ptr[u + 1]):
            nt, size = _relax(head[e], d + w[e], limit, dist, touched, nt, hkey, hnode, hpos, size)
    return ns, nt


@numba.njit(cache=True)
def _search_arrays(n: int) -> tuple:
    """Fresh ``(dist, touched, settled, hkey, hnode, hpos)`` for searches on ``n`` nodes."""
    return (np.full(n, INF), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
            np.empty(n), np.empty(n, dtype=np.int64), np.full(n, -1, dtype=np.int64))  # fmt: skip


@numba.njit(cache=True, nogil=True)
def bucket_entries(up: tuple, seeds: np.ndarray, seed_d: np.ndarray, cols: np.ndarray,
                   limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Backward upward searches from the destinations ``cols`` (seeds ``seeds[cols]``, ranks).

    Returns the bucket entries ``(node, column, time)`` in search order.
    """
    f_ptr, f_head, f_w, b_ptr, b_head, b_w = up
    dist, touched, settled, hkey, hnode, hpos = _search_arrays(f_ptr.size - 1)
    cap = max(1024, 256 * cols.size)
    node = np.empty(cap, dtype=np.int64)
    col = np.empty(cap, dtype=np.int64)
    t = np.empty(cap)
    m = 0
    for c in cols:
        ns, nt = _up_search(b_ptr, b_head, b_w, f_ptr, f_head, f_w, seeds[c], seed_d[c], limit,
                            dist, touched, hkey, hnode, hpos, settled)  # fmt: skip
        if m + ns > cap:
            cap = 2 * (m + ns)
            node = np.concatenate((node[:m], np.empty(cap - m, dtype=np.int64)))
            col = np.concatenate((col[:m], np.empty(cap - m, dtype=np.int64)))
            t = np.concatenate((t[:m], np.empty(cap - m)))
        for i in range(ns):
            node[m] = settled[i]
            col[m] = c
            t[m] = dist[settled[i]]
            m += 1
        for i in range(nt):
            dist[touched[i]] = INF
    return node[:m], col[:m], t[:m]


@numba.njit(cache=True)
def bucket_csr(n: int, node: np.ndarray, col: np.ndarray, t: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The entries grouped by node (counting sort): ``(ptr, column, time)``."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(node.size):
        ptr[node[i] + 1] += 1
    for u in range(n):
        ptr[u + 1] += ptr[u]
    fill = ptr[:-1].copy()
    c_out = np.empty(node.size, dtype=np.int32)
    t_out = np.empty(node.size)
    for i in range(node.size):
        k = fill[node[i]]
        c_out[k] = col[i]
        t_out[k] = t[i]
        fill[node[i]] = k + 1
    return ptr, c_out, t_out


@numba.njit(cache=True, nogil=True)
def scan_origins(up: tuple, seeds: np.ndarray, seed_d: np.ndarray, rows: np.ndarray,
                 buckets: tuple, limit: float, out: np.ndarray, out_rows: np.ndarray) -> None:  # fmt: skip
    """Forward upward search from each origin ``rows[i]``; times into ``out[out_rows[i]]``.

    ``out`` holds ``inf`` beforehand; an entry is lowered to the best
    ``forward time + bucket time`` found (at most ``limit``).
    """
    f_ptr, f_head, f_w, b_ptr, b_head, b_w = up
    bk_ptr, bk_col, bk_t = buckets
    dist, touched, settled, hkey, hnode, hpos = _search_arrays(f_ptr.size - 1)
    row = np.full(out.shape[1], INF)
    for i in range(rows.size):
        r = rows[i]
        ns, nt = _up_search(f_ptr, f_head, f_w, b_ptr, b_head, b_w, seeds[r], seed_d[r], limit,
                            dist, touched, hkey, hnode, hpos, settled)  # fmt: skip
        for k in range(ns):
            u = settled[k]
            d = dist[u]
            for e in range(bk_ptr[u], bk_ptr[u + 1]):
                c = bk_col[e]
                x = d + bk_t[e]
                if x < row[c]:
                    row[c] = x
        for i2 in range(nt):
            dist[touched[i2]] = INF
        o = out_rows[i]
        for c in range(row.size):
            if row[c] <= limit:
                out[o, c] = row[c]
            row[c] = INF
