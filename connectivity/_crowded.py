"""Places crowded on one two-way road segment, summed in bulk by :func:`~connectivity.routing.reach_sums`.

A modelled surface can put tens of thousands of places on one segment (the
embedded Kazakhstan network joins every cell to its nearest road, up to 62 k
cells on one access link). Walking such a segment place by place for every
search that reaches it costs ~10⁹ pairs a country; this module answers the
same sums in O(log n) per segment reached.

On a segment with one time ``t`` both ways, a place at position ``f`` with
off-road time ``o`` is reached from node a in ``ca = f t + o`` and from node
b in ``cb = (1 - f) t + o``. A search that reaches a at ``da`` and b at
``db`` takes each place at its better leg; as ``ca - cb = (2f - 1) t`` grows
along the segment, the places taken from a are those before a split index
``k`` (ties to a, as :func:`~connectivity.search.reach_kernel` does). The
places within ``T`` by leg a are the ``ca``-cheapest ones (a prefix of the
places sorted by ``ca``, found by bisection with the very test ``da + ca <= T``)
less those of them at index ``k`` or later; the running maximum of the index
over the sorted prefix says whether there are any, and blocks of
:data:`BLOCK` places along the segment, each sorted by ``ca``, subtract them.
Leg b is the mirror image. A weight carries ``exp(-beta c)`` of its leg, so
``exp(-beta da)`` times a prefix sum is the decayed sum (``beta = 0``:
cumulative counts).

A source on the segment itself travels along it, ``off_s + |f - fs| t + o``:
leaving by one end and coming back by the same end is never faster (that
leg is its own). Going round to the other end can be, where another road
joins the two ends faster; its search shows it (the end is reached sooner
than by the source's own leg) and that side is summed with both legs
(:func:`_own_segment`). All other sources of a segment are summed at once
(:func:`direct_sums`): an offline sweep, sources by their base time, places
inserted by leg cost into a Fenwick tree over positions.

Sums equal the per-pair ones up to rounding: a place is counted at the same
leg and with the same time, except that a leg whose two times tie to the
last bit may be the other one, and a direct trip is computed as a base plus
a leg (``(off_s - fs t) + (fd t + o)``, not ``off_s + (fd - fs) t + o``).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from connectivity.snapping import Snapped

#: A segment is summed in bulk from this many places on it.
CROWD_MIN = 32
#: Places per block along a crowded segment (see the module docstring).
BLOCK = 64
#: A segment stays per place where beta times its minutes could overflow ``exp``.
_MAX_EXPONENT = 600.0


class Crowd(NamedTuple):
    """Crowded segments and their places (index ``q`` for a segment, positions within it).

    Per segment: ``seg``, ``node_a``, ``node_b``, ``t`` and the range
    ``ptr[q]:ptr[q + 1]`` of its places in position order (``frac``, legs
    ``ca``/``cb``, weights times the leg's decay ``wa``/``wb``). Over each such
    range, ``ca_sorted`` holds the legs a ascending, ``ca_cum`` the inclusive
    running sums of their ``wa``, ``ca_at`` their position index and
    ``ca_max_at`` its running maximum (leg b: ``cb_*`` with the running
    minimum ``cb_min_at``). ``blk_*`` are the same sorted legs and running
    sums within each block of ``block`` positions. ``node_ptr``/``node_q``
    list the crowded segments ending at each node; ``members`` the places.
    """

    seg: np.ndarray
    node_a: np.ndarray
    node_b: np.ndarray
    t: np.ndarray
    ptr: np.ndarray
    frac: np.ndarray
    ca: np.ndarray
    cb: np.ndarray
    wa: np.ndarray
    wb: np.ndarray
    ca_sorted: np.ndarray
    ca_cum: np.ndarray
    ca_at: np.ndarray
    ca_max_at: np.ndarray
    cb_sorted: np.ndarray
    cb_cum: np.ndarray
    cb_at: np.ndarray
    cb_min_at: np.ndarray
    blk_ca: np.ndarray
    blk_ca_cum: np.ndarray
    blk_cb: np.ndarray
    blk_cb_cum: np.ndarray
    node_ptr: np.ndarray
    node_q: np.ndarray
    members: np.ndarray
    beta: float
    block: int


# ------------------------------------------------------------- building
@numba.njit(cache=True)
def _ranges_cumsum(vals: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Inclusive running sums of ``vals`` restarted at each range ``starts[i]:ends[i]``."""
    out = np.empty_like(vals)
    for r in range(starts.size):
        run = 0.0
        for i in range(starts[r], ends[r]):
            run += vals[i]
            out[i] = run
    return out


@numba.njit(cache=True)
def _ranges_running(idx: np.ndarray, ptr: np.ndarray, take_max: bool) -> np.ndarray:
    """Running maximum (or minimum) of ``idx`` restarted at each range of ``ptr``."""
    out = np.empty_like(idx)
    for q in range(ptr.size - 1):
        run = idx[ptr[q]] if ptr[q] < ptr[q + 1] else 0
        for i in range(ptr[q], ptr[q + 1]):
            run = max(run, idx[i]) if take_max else min(run, idx[i])
            out[i] = run
    return out


@numba.njit(cache=True)
def _group_max(vals: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Largest of ``vals`` per ``group`` (0 for an empty group)."""
    out = np.zeros(n_groups)
    for i in range(vals.size):
        out[group[i]] = max(out[group[i]], vals[i])
    return out


@numba.njit(cache=True)
def _sorted_within(key: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Positions that sort ``key`` within each range ``starts[i]:ends[i]`` (stably)."""
    out = np.arange(key.size)
    for r in range(starts.size):
        a, b = starts[r], ends[r]
        out[a:b] = a + np.argsort(key[a:b], kind="mergesort")
    return out


def _crowded_places(
    snk: Snapped, nodes: np.ndarray, cost: np.ndarray, use: np.ndarray, beta: float, min_size: int
) -> np.ndarray:
    """Places of ``use`` on segments that qualify: two-way, one time, ``min_size`` or more places."""
    j = use[snk.seg[use] >= 0]
    t = snk.t_ab[j]
    ok = np.isfinite(cost[j]).all(axis=1) & (nodes[j] >= 0).all(axis=1)
    ok &= (nodes[j, 0] != nodes[j, 1]) & np.isfinite(t) & (t == snk.t_ba[j])
    j = j[ok]
    if j.size == 0:
        return j
    seg = snk.seg[j].astype("int64")
    n_seg = int(seg.max()) + 1
    crowded = np.bincount(seg, minlength=n_seg) >= min_size
    if beta > 0:  # exp(beta t) and exp(-beta c) must stay finite and nonzero
        crowded &= beta * _group_max(cost[j].max(axis=1) + snk.t_ab[j], seg, n_seg) < _MAX_EXPONENT
    return j[crowded[seg]]


def _run_starts(a: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``a`` starts."""
    return np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if a.size else np.zeros(0, dtype="int64")


def build_crowd(
    n_nodes: int,
    snk: Snapped,
    nodes: np.ndarray,
    cost: np.ndarray,
    use: np.ndarray,
    w: np.ndarray,
    beta: float,
) -> Crowd:
    """The crowded segments among the places ``use`` of ``snk`` (legs ``nodes``/``cost``).

    ``w`` is one weight per place; ``beta`` the decay rate (0: plain sums).
    """
    j = _crowded_places(snk, nodes, cost, use, beta, CROWD_MIN)
    j = j[np.argsort(snk.seg[j], kind="stable")]
    seg_all = snk.seg[j].astype("int64")
    first = _run_starts(seg_all)
    segs = seg_all[first]
    ptr = np.append(first, j.size).astype("int64")
    j = j[_sorted_within(snk.frac[j], first, ptr[1:])]  # along each segment
    q_of = np.repeat(np.arange(segs.size), np.diff(ptr))
    ca, cb = cost[j, 0].astype("float64"), cost[j, 1].astype("float64")
    wa = w[j] * np.exp(-beta * ca)
    wb = w[j] * np.exp(-beta * cb)
    rel = np.arange(j.size) - ptr[q_of]  # position index within the segment
    blk = ptr[q_of] + rel // BLOCK * BLOCK  # where each place's block starts
    at = _run_starts(blk)
    b_start = blk[at]
    b_end = np.minimum(b_start + BLOCK, ptr[q_of[at] + 1])
    by: dict[str, tuple[np.ndarray, ...]] = {}
    for name, leg, wl in (("ca", ca, wa), ("cb", cb, wb)):
        o = _sorted_within(leg, first, ptr[1:])
        by[name] = (leg[o], _ranges_cumsum(wl[o], first, ptr[1:]), rel[o])
        ob = _sorted_within(leg, b_start, b_end)
        by["blk_" + name] = (leg[ob], _ranges_cumsum(wl[ob], b_start, b_end))
    ca_at, cb_at = by["ca"][2], by["cb"][2]
    ends_nodes = np.concatenate([snk.node_a[j[first]], snk.node_b[j[first]]]).astype("int64")
    by_node = np.argsort(ends_nodes, kind="stable")
    node_ptr = np.zeros(n_nodes + 1, dtype="int64")
    node_ptr[1:] = np.cumsum(np.bincount(ends_nodes, minlength=n_nodes))
    return Crowd(
        seg=segs, node_a=snk.node_a[j[first]].astype("int64"),
        node_b=snk.node_b[j[first]].astype("int64"), t=snk.t_ab[j[first]].astype("float64"),
        ptr=ptr, frac=snk.frac[j].astype("float64"), ca=ca, cb=cb, wa=wa, wb=wb,
        ca_sorted=by["ca"][0], ca_cum=by["ca"][1], ca_at=ca_at,
        ca_max_at=_ranges_running(ca_at, ptr, True),
        cb_sorted=by["cb"][0], cb_cum=by["cb"][1], cb_at=cb_at,
        cb_min_at=_ranges_running(cb_at, ptr, False),
        blk_ca=by["blk_ca"][0], blk_ca_cum=by["blk_ca"][1],
        blk_cb=by["blk_cb"][0], blk_cb_cum=by["blk_cb"][1],
        node_ptr=node_ptr, node_q=(by_node % segs.size).astype("int64"),
        members=np.sort(j), beta=float(beta), block=BLOCK,
    )  # fmt: skip


def empty_crowd(n_nodes: int) -> Crowd:
    """No crowded segment (every place is walked one by one)."""
    i, f = np.zeros(0, dtype="int64"), np.zeros(0)
    return Crowd(i, i, i, f, np.zeros(1, dtype="int64"), f, f, f, f, f, f, f, i, i, f, f, i, i,
                 f, f, f, f, np.zeros(n_nodes + 1, dtype="int64"), i, i, 0.0, BLOCK)  # fmt: skip


# ------------------------------------------------------------- querying
@numba.njit(cache=True, inline="always")
def _count(vals: np.ndarray, s: int, e: int, base: float, limit: float) -> int:
    """How many of the ascending ``vals[s:e]`` have ``base + v <= limit``."""
    if s == e or base + vals[s] > limit:
        return 0
    if base + vals[e - 1] <= limit:
        return e - s
    lo, hi = s + 1, e - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if base + vals[mid] <= limit:
            lo = mid + 1
        else:
            hi = mid
    return lo - s


@numba.njit(cache=True, inline="always")
def _head(cum: np.ndarray, s: int, m: int) -> float:
    """Sum of the first ``m`` of a range starting at ``s`` (``cum``: its running sums)."""
    return cum[s + m - 1] if m > 0 else 0.0


@numba.njit(cache=True)
def _range_sum(
    leg: np.ndarray, wl: np.ndarray, blk: np.ndarray, blk_cum: np.ndarray, s: int, e: int,
    i0: int, i1: int, d: float, limit: float, bl: int,
) -> float:  # fmt: skip
    """Σ ``wl`` over the places ``i0:i1`` of the segment at ``s:e`` with ``d + leg <= limit``.

    Whole blocks of ``bl`` places by bisection of their sorted legs
    (``blk``, running sums ``blk_cum``), the rest place by place.
    """
    total = 0.0
    i = i0
    while i < i1:
        b1 = min(i // bl * bl + bl, e - s)
        if i % bl == 0 and b1 <= i1:
            total += _head(blk_cum, s + i, _count(blk, s + i, s + b1, d, limit))
            i = b1
            continue
        for j in range(i, min(b1, i1)):
            if d + leg[s + j] <= limit:
                total += wl[s + j]
        i = min(b1, i1)
    return total


@numba.njit(cache=True)
def _sum_a(c: Crowd, q: int, k: int, da: float, limit: float) -> float:
    """Σ ``wa`` over the places of segment ``q`` with index below ``k`` and ``da + ca <= limit``.

    All the ``ca``-cheapest within ``limit``, less those at ``k`` or later.
    """
    s, e = c.ptr[q], c.ptr[q + 1]
    m = _count(c.ca_sorted, s, e, da, limit)
    if m == 0 or c.ca_max_at[s + m - 1] < k:
        return _head(c.ca_cum, s, m)
    hi = c.ca_max_at[s + m - 1]
    return c.ca_cum[s + m - 1] - _range_sum(
        c.ca, c.wa, c.blk_ca, c.blk_ca_cum, s, e, k, hi + 1, da, limit, c.block
    )


@numba.njit(cache=True)
def _sum_b(c: Crowd, q: int, k: int, db: float, limit: float) -> float:
    """Σ ``wb`` over the places of segment ``q`` with index ``k`` or more and ``db + cb <= limit``."""
    s, e = c.ptr[q], c.ptr[q + 1]
    m = _count(c.cb_sorted, s, e, db, limit)
    if m == 0 or c.cb_min_at[s + m - 1] >= k:
        return _head(c.cb_cum, s, m)
    lo = c.cb_min_at[s + m - 1]
    return c.cb_cum[s + m - 1] - _range_sum(
        c.cb, c.wb, c.blk_cb, c.blk_cb_cum, s, e, lo, k, db, limit, c.block
    )


@numba.njit(cache=True, inline="always")
def _split(c: Crowd, q: int, da: float, db: float, lo: int, hi: int) -> int:
    """Where, among places ``lo:hi`` of segment ``q``, leg a (at ``da``) stops being taken."""
    if not np.isfinite(db):
        return hi
    if not np.isfinite(da):
        return lo
    s = c.ptr[q]
    while lo < hi:  # da + ca <= db + cb holds before the split (ties to a)
        mid = (lo + hi) >> 1
        if da + c.ca[s + mid] <= db + c.cb[s + mid]:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, inline="always")
def _decay(c: Crowd, d: float) -> float:
    return np.exp(-c.beta * d) if np.isfinite(d) else 0.0


@numba.njit(cache=True)
def _two_legs(
    c: Crowd, q: int, lo: int, hi: int, da: float, db: float, limit: float
) -> float:  # fmt: skip
    """Σ over places ``lo:hi`` of segment ``q`` of w·exp(-beta t), t = min(da + ca, db + cb) <= limit."""
    split = _split(c, q, da, db, lo, hi)
    total = 0.0
    if split > lo:
        part = _sum_a(c, q, split, da, limit)
        if lo > 0:
            part -= _sum_a(c, q, lo, da, limit)
        total += _decay(c, da) * part
    n = c.ptr[q + 1] - c.ptr[q]
    if split < hi:
        part = _sum_b(c, q, split, db, limit)
        if hi < n:
            part -= _sum_b(c, q, hi, db, limit)
        total += _decay(c, db) * part
    return total


@numba.njit(cache=True)
def _own_segment(
    c: Crowd, q: int, spot: tuple, leg_a: float, leg_b: float, da: float, db: float,
    limits: np.ndarray, acc: np.ndarray, row: int, done: np.ndarray,
) -> None:  # fmt: skip
    """The source's own segment where the search found a way round (``done[row]``: sides summed).

    The direct trip to a place at or after the source is ``(off_s - fs t) + ca``
    (leaving by node a and coming back is never faster, as ``da >= off_s``);
    by node b it is ``db + cb``, faster only if ``db`` beats the source's own
    leg to b. The side before the source mirrors this. Sides without a way
    round are left to :func:`direct_sums`.
    """
    fs, off_s, t = spot[0], spot[1], c.t[q]
    s, n = c.ptr[q], c.ptr[q + 1] - c.ptr[q]
    k = np.searchsorted(c.frac[s : s + n], fs)  # the first place at or after the source
    if db < leg_b:
        done[row, 0] = True
        for col in range(limits.size):
            acc[row, col] += _two_legs(c, q, k, n, off_s - fs * t, db, limits[col])
    if da < leg_a:
        done[row, 1] = True
        for col in range(limits.size):
            acc[row, col] += _two_legs(c, q, 0, k, da, off_s - (1.0 - fs) * t, limits[col])


@numba.njit(cache=True)
def segment_sums(
    c: Crowd, dist: np.ndarray, touched: np.ndarray, k: int, own_seg: int, spot: tuple,
    legs: tuple, limits: np.ndarray, stamp: np.ndarray, r: int, acc: np.ndarray, row: int,
    done: np.ndarray,
) -> None:  # fmt: skip
    """Add to ``acc[row]`` the places of the crowded segments one search reached.

    ``dist``/``touched[:k]``: the search; ``limits``: one time limit per
    column of ``acc``; ``stamp``: per segment, the last ``r`` that summed it
    (a segment is reached from both ends). The source's own segment
    (``own_seg``, at ``spot``, with leg costs ``legs``) is left to
    :func:`direct_sums` unless the search found a way round (:func:`_own_segment`).
    """
    for i in range(k):
        v = touched[i]
        for p in range(c.node_ptr[v], c.node_ptr[v + 1]):
            q = c.node_q[p]
            if stamp[q] == r:
                continue
            stamp[q] = r
            da, db = dist[c.node_a[q]], dist[c.node_b[q]]
            if c.seg[q] == own_seg:
                _own_segment(c, q, spot, legs[0], legs[1], da, db, limits, acc, row, done)
                continue
            n = c.ptr[q + 1] - c.ptr[q]
            for col in range(limits.size):
                acc[row, col] += _two_legs(c, q, 0, n, da, db, limits[col])


@numba.njit(cache=True, inline="always")
def _fenwick_add(tree: np.ndarray, i: int, v: float) -> None:
    i += 1
    while i < tree.size:
        tree[i] += v
        i += i & -i


@numba.njit(cache=True, inline="always")
def _fenwick_head(tree: np.ndarray, n: int) -> float:
    """Sum of the first ``n`` positions."""
    total = 0.0
    while n > 0:
        total += tree[n]
        n -= n & -n
    return total


@numba.njit(cache=True)
def _sweep(
    c: Crowd, q: int, leg_b: bool, base: np.ndarray, split: np.ndarray, limit: float,
    tree: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Per source of segment ``q``: Σ w·exp(-beta leg) over its places on one side within ``limit``.

    Leg a (``leg_b`` False): the places at index ``split`` or more with
    ``base + ca <= limit``; leg b: those below ``split`` with ``base + cb <= limit``.
    Sources in order of falling ``base``, places inserted by rising leg.
    """
    s, e = c.ptr[q], c.ptr[q + 1]
    n = e - s
    tree[: n + 1] = 0.0
    legs = c.cb_sorted if leg_b else c.ca_sorted
    at = c.cb_at if leg_b else c.ca_at
    wl = c.wb if leg_b else c.wa
    out = np.zeros(base.size)
    p = s
    for i in np.argsort(-base, kind="mergesort"):
        while p < e and base[i] + legs[p] <= limit:
            pos = at[p] if leg_b else n - 1 - at[p]  # leg a: reversed, a suffix is a head
            _fenwick_add(tree, pos, wl[s + at[p]])
            p += 1
        out[i] = _fenwick_head(tree, split[i] if leg_b else n - split[i])
    return out


@numba.njit(cache=True)
def direct_sums(
    c: Crowd, s_ptr: np.ndarray, s_row: np.ndarray, s_frac: np.ndarray, s_off: np.ndarray,
    limits: np.ndarray, acc: np.ndarray, done: np.ndarray,
) -> None:  # fmt: skip
    """Add to ``acc`` what sources on crowded segments reach along their own segment.

    Sources ``s_ptr[q]:s_ptr[q + 1]`` lie on segment ``q`` (rows ``s_row`` of
    ``acc``, position ``s_frac``, off-road ``s_off``). A place at or after the
    source is reached in ``(off_s - fs t) + ca``, one before it in
    ``(off_s - (1 - fs) t) + cb``. Sides ``done`` (after, before) by the
    searches are skipped.
    """
    tree = np.zeros(int(np.max(np.diff(c.ptr))) + 1 if c.ptr.size > 1 else 1)
    for q in range(s_ptr.size - 1):
        a, b = s_ptr[q], s_ptr[q + 1]
        if a == b:
            continue
        t, fr = c.t[q], s_frac[a:b]
        split = np.searchsorted(c.frac[c.ptr[q] : c.ptr[q + 1]], fr)  # first place at or after
        base_a = s_off[a:b] - fr * t
        base_b = s_off[a:b] - (1.0 - fr) * t
        fa, fb = np.exp(-c.beta * base_a), np.exp(-c.beta * base_b)
        for col in range(limits.size):
            got_a = fa * _sweep(c, q, False, base_a, split, limits[col], tree)
            got_b = fb * _sweep(c, q, True, base_b, split, limits[col], tree)
            for i in range(b - a):
                row = s_row[a + i]
                acc[row, col] += (0.0 if done[row, 0] else got_a[i]) + (
                    0.0 if done[row, 1] else got_b[i]
                )
