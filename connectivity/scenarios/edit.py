"""The edits behind :meth:`Scenario.apply`: new :class:`RoadNetwork` objects, copy-on-write.

Each function takes a network and returns a new one; arrays that do not
change are the same objects (not copies), and the input is never written
to. Nodes are only ever appended, never removed or renumbered, so node ids
(corridor access points, ``nodes=`` of the measures) keep their meaning on
the scenario network. Each function also carries ``base_edge``: for every
edge of the result, the edge of the original network it comes from (-1 for
the edges of an added link), which maps per-edge values (road refs) of the
base network onto the scenario network.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import NamedTuple

import numpy as np
import shapely

from connectivity.build.edges import fastest_directed_csr
from connectivity.errors import DataError, NetworkError
from connectivity.network import RoadNetwork
from connectivity.refs import road_refs
from connectivity.scenarios.changes import AddLink, Selection

__all__ = ["EdgeRefs", "add_link", "close_edges", "select_edges", "upgrade_edges"]

log = logging.getLogger(__name__)

#: Pieces shorter than this (metres) are not made: an end this close to a node joins the node.
_MIN_PIECE_M = 0.01


class EdgeRefs(NamedTuple):
    """Road refs of the base network's edges: code per base edge, codes per normalised ref."""

    codes: np.ndarray
    inverted: dict[str, list[int]]


def _class_code(names: tuple[str, ...], road_class: str) -> tuple[tuple[str, ...], int]:
    """``names`` with ``road_class`` (appended if new) and its code."""
    if road_class in names:
        return names, names.index(road_class)
    return (*names, road_class), len(names)


# ------------------------------------------------------------------ selection
def select_edges(
    net: RoadNetwork,
    sel: Selection,
    base_edge: np.ndarray,
    refs: EdgeRefs | None,
    what: str,
) -> np.ndarray:
    """Boolean mask of the directed edges of ``net`` that ``sel`` picks (refused when none).

    ``ref``: edges coming from a base edge carrying the ref; ``ids``: edges
    whose ``edge_source_ids`` is listed; ``bbox``/``polygon``: edges whose
    segment meets the area (network CRS).
    """
    if sel.ref is not None:
        mask = _by_ref(sel.ref, base_edge, refs, what)
    elif sel.ids is not None:
        mask = _by_ids(net, sel.ids, what)
    else:
        area = sel.area()
        assert area is not None  # a Selection has exactly one selector
        mask = _by_area(net, area)
    if not mask.any():
        msg = (
            f"{what} selects no edge of the network; check the selection and its CRS "
            f"(network in {net.crs.to_string()})"
        )
        raise DataError(msg)
    return mask


def _by_ref(ref: str, base_edge: np.ndarray, refs: EdgeRefs | None, what: str) -> np.ndarray:
    if refs is None:
        msg = (
            f"{what}(ref={ref!r}) needs the road refs of the network's edges: pass edge_refs= "
            "(one ref per directed edge, or a mapping from edge_source_ids to ref) to the "
            "Scenario or to apply(), or --refs-col on the command line"
        )
        raise DataError(msg)
    wanted = [k for r in road_refs(ref) for k in refs.inverted.get(r, [])]
    if not wanted:
        known = sorted(refs.inverted)
        msg = (
            f"{what}: unknown road ref {ref!r}; the network's refs are "
            f"{', '.join(known[:30])}{' ...' if len(known) > 30 else ''}"
        )
        raise DataError(msg)
    on_base = np.isin(refs.codes, wanted)
    return np.where(base_edge >= 0, on_base[np.maximum(base_edge, 0)], False)


def _by_ids(net: RoadNetwork, ids: tuple[int, ...], what: str) -> np.ndarray:
    if net.edge_source_ids is None:
        msg = f"{what}(ids=...) selects by edge_source_ids, which this network does not have"
        raise DataError(msg)
    mask = np.isin(net.edge_source_ids, np.asarray(ids, dtype="int64"))
    missing = sorted(set(ids) - set(np.unique(net.edge_source_ids[mask]).tolist()))
    if missing:
        msg = f"{what}: edge source ids not in the network: {missing[:10]}"
        raise DataError(msg)
    return mask


def _by_area(net: RoadNetwork, area: shapely.Geometry) -> np.ndarray:
    tails = net.edge_tails()
    heads = net.indices
    x0, y0, x1, y1 = net.x[tails], net.y[tails], net.x[heads], net.y[heads]
    minx, miny, maxx, maxy = area.bounds
    cand = np.flatnonzero(
        (np.maximum(x0, x1) >= minx) & (np.minimum(x0, x1) <= maxx)
        & (np.maximum(y0, y1) >= miny) & (np.minimum(y0, y1) <= maxy)
    )  # fmt: skip
    mask = np.zeros(net.n_edges, dtype=bool)
    if cand.size:
        ends = np.stack(
            [np.column_stack([x0[cand], y0[cand]]), np.column_stack([x1[cand], y1[cand]])], axis=1
        )
        shapely.prepare(area)
        mask[cand] = shapely.intersects(area, shapely.linestrings(ends))
    return mask


# ------------------------------------------------------------------ upgrade / close
def upgrade_edges(
    net: RoadNetwork, mask: np.ndarray, speed_kmh: float | None, road_class: str | None
) -> RoadNetwork:
    """New speed (time = length at ``speed_kmh``) and/or class on the edges in ``mask``."""
    changes: dict[str, object] = {"meta": dict(net.meta)}
    if speed_kmh is not None:
        time = net.time_min.copy()
        time[mask] = net.length_m[mask] / (speed_kmh * 1000.0 / 60.0)
        changes["time_min"] = time
    if road_class is not None:
        names, code = _class_code(net.class_names, road_class)
        codes = net.road_class.copy()
        codes[mask] = code
        changes.update(road_class=codes, class_names=names)
    return dataclasses.replace(net, **changes)  # type: ignore[arg-type]


def close_edges(
    net: RoadNetwork, mask: np.ndarray, base_edge: np.ndarray
) -> tuple[RoadNetwork, np.ndarray]:
    """The network without the edges in ``mask`` (nodes kept), and the new ``base_edge``."""
    keep = ~mask
    if not keep.any():
        msg = "the scenario closes every edge of the network"
        raise NetworkError(msg)
    indptr = np.zeros(net.n_nodes + 1, dtype="int64")
    np.cumsum(np.bincount(net.edge_tails()[keep], minlength=net.n_nodes), out=indptr[1:])
    src = net.edge_source_ids
    out = dataclasses.replace(
        net,
        indptr=indptr,
        indices=net.indices[keep],
        time_min=net.time_min[keep],
        length_m=net.length_m[keep],
        road_class=net.road_class[keep],
        edge_source_ids=None if src is None else src[keep],
        meta=dict(net.meta),
    )
    return out, base_edge[keep]


# ------------------------------------------------------------------ add a link
class _End(NamedTuple):
    """How one end of a link joins: at ``node``, by splitting the segment ``a``-``b`` at ``frac``.

    ``node`` and ``a`` are -1 when the end does not join (a dead end).
    """

    node: int
    a: int
    b: int
    frac: float  # from a (a < b)
    dist_m: float  # to where it joins, or to the nearest node/road when it does not


def _nearest_edge(
    net: RoadNetwork, px: float, py: float, within: float
) -> tuple[int, int, float, float]:
    """Nearest segment ``(a, b)`` (``a < b``) to a point, the foot's fraction from ``a`` and
    the distance; ``(-1, -1, nan, d)`` with ``d`` the distance to the network when nothing
    lies within ``within`` metres. Edges are screened by their boxes first (exact).
    """
    tails = net.edge_tails()
    ax, ay = net.x[tails], net.y[tails]
    bx, by = net.x[net.indices], net.y[net.indices]
    near = (
        (np.minimum(ax, bx) <= px + within) & (np.maximum(ax, bx) >= px - within)
        & (np.minimum(ay, by) <= py + within) & (np.maximum(ay, by) >= py - within)
    )  # fmt: skip
    cand = np.flatnonzero(near) if near.any() else np.arange(net.n_edges)
    dx, dy = bx[cand] - ax[cand], by[cand] - ay[cand]
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(
            np.where(len2 > 0, ((px - ax[cand]) * dx + (py - ay[cand]) * dy) / len2, 0), 0, 1
        )
    d = np.hypot(px - ax[cand] - t * dx, py - ay[cand] - t * dy)
    j = int(np.argmin(d))
    if d[j] > within:
        return -1, -1, float("nan"), float(d[j])
    k = int(cand[j])
    a, b, f = int(tails[k]), int(net.indices[k]), float(t[j])
    return (a, b, f, float(d[j])) if a < b else (b, a, 1.0 - f, float(d[j]))


def _join_end(net: RoadNetwork, px: float, py: float, link: AddLink) -> _End:
    if link.join == "nodes":
        d = np.hypot(net.x - px, net.y - py)
        j = int(np.argmin(d))
        return _End(j if d[j] <= link.max_join_m else -1, -1, -1, 0.0, float(d[j]))
    a, b, f, dist = _nearest_edge(net, px, py, link.max_join_m)
    if a < 0:
        return _End(-1, -1, -1, 0.0, dist)
    length = float(np.hypot(net.x[b] - net.x[a], net.y[b] - net.y[a]))
    if f * length < _MIN_PIECE_M:
        return _End(a, -1, -1, 0.0, dist)
    if (1.0 - f) * length < _MIN_PIECE_M:
        return _End(b, -1, -1, 0.0, dist)
    return _End(-1, a, b, f, dist)


def _edge_position(net: RoadNetwork, tail: int, head: int) -> int:
    """CSR position of the edge ``tail -> head``, -1 when there is none."""
    lo, hi = int(net.indptr[tail]), int(net.indptr[tail + 1])
    hit = np.flatnonzero(net.indices[lo:hi] == head)
    return lo + int(hit[0]) if hit.size else -1


_Splits = dict[tuple[int, int], list[tuple[float, int]]]


def _split_pieces(net: RoadNetwork, splits: _Splits) -> tuple[list[int], dict[str, np.ndarray]]:
    """Edges removed by the splits, and the pieces replacing them: ``u``, ``v``, the
    edge ``k`` each comes from and its ``share`` of that edge.
    """
    removed: list[int] = []
    pieces: dict[str, list[np.ndarray]] = {"u": [], "v": [], "k": [], "share": []}
    for (a, b), cuts in splits.items():
        cuts = sorted(set(cuts))
        chain = np.array([a, *(n for _, n in cuts), b], dtype="int64")
        share = np.diff(np.array([0.0, *(f for f, _ in cuts), 1.0]))
        for tail, head, nodes, part in ((a, b, chain, share), (b, a, chain[::-1], share[::-1])):
            k = _edge_position(net, tail, head)
            if k < 0:
                continue
            removed.append(k)
            pieces["u"].append(nodes[:-1])
            pieces["v"].append(nodes[1:])
            pieces["k"].append(np.full(part.size, k, dtype="int64"))
            pieces["share"].append(part)
    empty = {"u": "int64", "v": "int64", "k": "int64", "share": "float64"}
    return removed, {
        key: np.concatenate(parts) if parts else np.zeros(0, empty[key])
        for key, parts in pieces.items()
    }


def _link_nodes(
    net: RoadNetwork, coords: np.ndarray, ends: list[_End]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Splits]:
    """Node ids along the link, coordinates of the new nodes, and the splits to make."""
    n = net.n_nodes
    new_x: list[float] = []
    new_y: list[float] = []
    splits: _Splits = {}

    def new_node(x: float, y: float) -> int:
        new_x.append(x)
        new_y.append(y)
        return n + len(new_x) - 1

    path = []
    for i, (x, y) in enumerate(coords.tolist()):
        end = ends[0] if i == 0 else ends[1] if i == len(coords) - 1 else None
        if end is not None and end.node >= 0:
            path.append(end.node)
        elif end is not None and end.a >= 0:
            key = (end.a, end.b)
            same = [m for f, m in splits.get(key, []) if f == end.frac]
            fx = float(net.x[end.a] + end.frac * (net.x[end.b] - net.x[end.a]))
            fy = float(net.y[end.a] + end.frac * (net.y[end.b] - net.y[end.a]))
            node = same[0] if same else new_node(fx, fy)
            splits.setdefault(key, []).append((end.frac, node))
            path.append(node)
        else:
            path.append(new_node(x, y))
    return np.asarray(path, dtype="int64"), np.asarray(new_x), np.asarray(new_y), splits


def add_link(
    net: RoadNetwork, link: AddLink, base_edge: np.ndarray
) -> tuple[RoadNetwork, np.ndarray]:
    """The network with ``link`` added (see :class:`AddLink`), and the new ``base_edge``."""
    coords = shapely.get_coordinates(link.geometry)
    coords = coords[np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]]
    ends = [_join_end(net, float(x), float(y), link) for x, y in (coords[0], coords[-1])]
    joined = [e.node >= 0 or e.a >= 0 for e in ends]
    if not any(joined):
        msg = (
            f"link touches no road: its ends are {ends[0].dist_m:,.0f} m and "
            f"{ends[1].dist_m:,.0f} m from the network (max_join_m={link.max_join_m:g}, "
            f"join={link.join!r}); check the link's CRS or raise max_join_m"
        )
        raise DataError(msg)
    for which, end, ok in zip(("first", "last"), ends, joined, strict=True):
        if not ok:
            log.info("the %s end of the link (%.0f m from the network) is a dead end", which,
                     end.dist_m)  # fmt: skip
    path, new_x, new_y, splits = _link_nodes(net, coords, ends)
    path = path[np.r_[True, path[1:] != path[:-1]]]
    if path.size < 2:
        msg = "the link joins the network at one node only (zero length); check its geometry"
        raise DataError(msg)
    x = np.concatenate([net.x, new_x])
    y = np.concatenate([net.y, new_y])
    removed, pieces = _split_pieces(net, splits)
    lu, lv = path[:-1], path[1:]
    if not link.oneway:
        lu, lv = np.concatenate([lu, path[1:]]), np.concatenate([lv, path[:-1]])
    link_len = np.hypot(x[lv] - x[lu], y[lv] - y[lu])
    names, code = _class_code(net.class_names, link.road_class)
    k, share, m_link = pieces["k"], pieces["share"], lu.size
    src = net.edge_source_ids
    new_cols = {
        "time_min": np.concatenate([net.time_min[k] * share,
                                    link_len / (link.speed_kmh * 1000.0 / 60.0)]),
        "length_m": np.concatenate([net.length_m[k] * share, link_len]),
        "road_class": np.concatenate([net.road_class[k],
                                      np.full(m_link, code, net.road_class.dtype)]),
        "base_edge": np.concatenate([base_edge[k], np.full(m_link, -1, "int64")]),
    }  # fmt: skip
    if src is not None:
        new_cols["edge_source_ids"] = np.concatenate([src[k], np.full(m_link, -1, "int64")])
    u = np.concatenate([pieces["u"], lu])
    v = np.concatenate([pieces["v"], lv])
    keep = np.ones(net.n_edges, dtype=bool)
    keep[removed] = False
    old_cols = {
        "time_min": net.time_min, "length_m": net.length_m, "road_class": net.road_class,
        "base_edge": base_edge, **({} if src is None else {"edge_source_ids": src}),
    }  # fmt: skip
    indptr, heads, cols = _merged_csr(net, x.size, keep, old_cols, u, v, new_cols)
    nsrc = net.node_source_ids
    out = dataclasses.replace(
        net,
        x=x,
        y=y,
        indptr=indptr,
        indices=heads.astype(net.indices.dtype),
        time_min=cols["time_min"],
        length_m=cols["length_m"],
        road_class=cols["road_class"],
        class_names=names,
        node_source_ids=None
        if nsrc is None
        else np.concatenate([nsrc, np.full(x.size - nsrc.size, -1, nsrc.dtype)]),
        edge_source_ids=cols.get("edge_source_ids"),
        meta=dict(net.meta),
    )
    return out, cols["base_edge"]


def _merged_csr(
    net: RoadNetwork,
    n: int,
    keep: np.ndarray,
    old_cols: dict[str, np.ndarray],
    u: np.ndarray,
    v: np.ndarray,
    new_cols: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The kept edges of ``net`` with the new edges ``u -> v`` inserted, in CSR order.

    The result is what :func:`~connectivity.build.edges.fastest_directed_csr`
    gives for all of them (sorted by tail then head; of parallel edges the
    fastest, an existing edge winning a tie), without sorting the millions of
    kept edges again: each new edge is inserted at its place.
    """
    tails = net.edge_tails()[keep]
    heads = net.indices[keep].astype("int64")
    key_old = tails * n + heads
    if key_old.size > 1 and not (np.diff(key_old) > 0).all():  # not a sorted CSR: sort it all
        cols = {c: np.concatenate([a[keep], new_cols[c]]) for c, a in old_cols.items()}
        return fastest_directed_csr(
            n, np.concatenate([tails, u]), np.concatenate([heads, v]),
            np.ones(tails.size + u.size, bool), cols,
        )  # fmt: skip
    kept = {c: a[keep] for c, a in old_cols.items()}
    order = np.lexsort((new_cols["time_min"], v, u))
    u, v = u[order], v[order]
    new = {c: a[order] for c, a in new_cols.items()}
    key_new = u * n + v
    first = np.r_[True, key_new[1:] != key_new[:-1]]
    u, v, key_new = u[first], v[first], key_new[first]
    new = {c: a[first] for c, a in new.items()}
    pos = np.searchsorted(key_old, key_new)
    hit = pos < key_old.size
    hit[hit] = key_old[pos[hit]] == key_new[hit]
    faster = hit.copy()
    faster[hit] = new["time_min"][hit] < kept["time_min"][pos[hit]]
    for c in kept:  # a faster new edge replaces the existing one in place
        if faster.any():
            kept[c] = kept[c].copy()
            kept[c][pos[faster]] = new[c][faster]
    add = ~hit
    heads_out = np.insert(heads, pos[add], v[add])
    cols_out = {c: np.insert(kept[c], pos[add], new[c][add]) for c in kept}
    counts = np.bincount(tails, minlength=n) + np.bincount(u[add], minlength=n)
    indptr = np.zeros(n + 1, dtype="int64")
    np.cumsum(counts, out=indptr[1:])
    return indptr, heads_out, cols_out
