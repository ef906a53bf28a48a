"""Rank candidate road links by what each one alone would bring.

:func:`rank_links` adds every candidate link, one at a time, to the base
network (:class:`connectivity.scenarios.AddLink`, joined as the scenario joins
it) and measures the gain for an objective:

``"minutes"``
    population-weighted minutes saved to the nearest destination;
``"within"``
    people newly within ``within_min`` minutes of a destination;
``"market_potential"``
    the change in the market potential of the destinations (e.g. special
    economic zones) over the origins' population, Σ_i P_i f(t_si) with the
    distance decay of :func:`connectivity.measures.gravity.decay_weights`.

:func:`link_times` gives, per origin, the minutes with each link alone.
:func:`connectivity.lastmile.last_mile_candidates` makes the candidates of a
"last-mile" study: from every place (SEZ, FUA centre, border crossing) that
is not on a corridor, a straight link to the nearest corridor access point.

How it stays fast: the base distance field D (every node's time to the
nearest destination; for market potential one field per destination, from
it) is computed once. A new link can only *lower* distances, and only at
nodes whose shortest path can use it, so each candidate runs an
improvement-only search (:func:`connectivity.search.bounded_search`) seeded
at the link's ends with a copy of D as its starting distances: only nodes
that improve are ever pushed. Only the origins entering the network at those
nodes are re-evaluated. The result is the same as re-running the measure on
the network with the link (tests check it against brute-force re-runs).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.measures.gravity import check_decay, decay_weights
from connectivity.network import RoadNetwork
from connectivity.origins import Origins, OriginSet, PlaceOptions, Places, origin_set, place_sets
from connectivity.progress import bar
from connectivity.qgis import LayerStyle, StyleRange
from connectivity.routing import _base as network_csr
from connectivity.routing import (
    multi_source_node_times,
    nearest,
    nearest_node,
    node_times_from_points,
    od_blocks,
)
from connectivity.scenarios import AddLink, Scenario
from connectivity.search import bounded_search

if TYPE_CHECKING:
    from typing import Unpack

__all__ = [
    "LINK_DEFAULTS",
    "OBJECTIVES",
    "LinkOptions",
    "link_times",
    "rank_links",
    "ranked_links_style",
]

log = logging.getLogger(__name__)

Objective = Literal["minutes", "within", "market_potential"]

#: The objectives of :func:`rank_links` and the unit of their ``benefit``.
OBJECTIVES: dict[str, str] = {
    "minutes": "person-minutes saved to the nearest destination",
    "within": "people newly within within_min minutes of a destination",
    "market_potential": "change in the destinations' market potential (sum over destinations)",
}

#: The standard of a link whose candidate row does not say it.
LINK_DEFAULTS: dict[str, Any] = {"speed_kmh": 80.0, "road_class": "primary", "oneway": False,
                                 "join": "nodes", "max_join_m": 1_000.0}  # fmt: skip


class LinkOptions(PlaceOptions, total=False):
    """:class:`~connectivity.origins.PlaceOptions` and the standard of links (:data:`LINK_DEFAULTS`)."""

    speed_kmh: float
    road_class: str
    oneway: bool
    join: Literal["nodes", "snap"]
    max_join_m: float


#: Times closer than this (minutes) count as equal: a link "helps" only beyond it.
_EPS_MIN = 1e-9


# ---------------------------------------------------------------- candidates joined
@dataclass(frozen=True)
class _Link:
    """The directed edges a candidate adds, in the numbering of the joined network.

    Nodes ``>= n_base`` are new (a split point, a free end); ``u -> v`` takes ``t`` minutes.
    """

    u: np.ndarray
    v: np.ndarray
    t: np.ndarray
    n_base: int


@dataclass(frozen=True)
class _EdgeKeys:
    """The base network's directed edges as sorted ``tail * n + head`` keys with their times."""

    keys: np.ndarray
    time_min: np.ndarray
    n_nodes: int

    @classmethod
    def of(cls, net: RoadNetwork) -> _EdgeKeys:
        keys = net.edge_tails().astype("int64") * net.n_nodes + net.indices.astype("int64")
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], net.time_min[order], net.n_nodes)

    def added(self, joined: RoadNetwork) -> _Link:
        """The edges of ``joined`` the base lacks: to or from a new node, or a new pair or time.

        The scenario keeps the base nodes' numbers and appends new ones; an
        edge split at a join point is replaced by its halves, whose times add
        up to the old one, so the split never shortens a path by itself.
        """
        n = self.n_nodes
        tails = joined.edge_tails().astype("int64")
        heads = joined.indices.astype("int64")
        old = (tails < n) & (heads < n)
        key = np.where(old, tails * n + heads, -1)
        pos = np.minimum(np.searchsorted(self.keys, key), self.keys.size - 1)
        same = (
            old & (self.keys[pos] == key) & (np.abs(self.time_min[pos] - joined.time_min) <= 1e-9)
        )
        fresh = ~same
        return _Link(tails[fresh], heads[fresh], joined.time_min[fresh].astype("float64"), n)


def _checked_candidates(
    net: RoadNetwork, candidates: gpd.GeoDataFrame, id_col: str | None
) -> gpd.GeoDataFrame:
    """The candidate lines in the network CRS, with a ``link_id`` column; refuse bad ones."""
    crs = getattr(candidates, "crs", None)
    refusals = (
        (not isinstance(candidates, gpd.GeoDataFrame) or len(candidates) == 0, DataError,
         "candidates must be a non-empty GeoDataFrame of lines (or see last_mile_candidates)"),
        (crs is None, CRSError,
         "the candidate links have no CRS; set it with candidates.set_crs(...)"),
        (crs is not None and CRS.from_user_input(crs).is_geographic, CRSError,
         f"the candidate links are in a geographic CRS ({getattr(crs, 'name', crs)}): their "
         "lengths would be in degrees; reproject them to a metric CRS, e.g. "
         "candidates.to_crs(net.crs)"),
    )  # fmt: skip
    for refused, error, msg in refusals:
        if refused:
            raise error(msg)
    if id_col is not None and id_col not in candidates.columns:
        msg = f"candidates have no column {id_col!r}; columns are {list(candidates.columns)}"
        raise DataError(msg)
    out = candidates.to_crs(net.crs)
    geom = out.geometry.values
    kind = shapely.get_type_id(geom)
    if not np.isin(kind, (1, 5)).all() or shapely.is_empty(geom).any():
        bad = out.index[~np.isin(kind, (1, 5)) | shapely.is_empty(geom)][:3].tolist()
        msg = f"candidate links must be (non-empty) lines; not so for {bad}"
        raise DataError(msg)
    length = shapely.length(geom)
    if not (length > 0).all():
        bad = out.index[~(length > 0)][:3].tolist()
        msg = f"candidate links {bad} have zero length; give a line between two distinct points"
        raise DataError(msg)
    ids = out.index if id_col is None else pd.Index(out[id_col])
    if "link_id" in out.columns and id_col is None:
        ids = pd.Index(out["link_id"])
    if ids.has_duplicates:
        msg = f"candidate link ids repeat ({ids[ids.duplicated()][:3].tolist()}); give unique ids"
        raise DataError(msg)
    out = out.drop(columns=[c for c in ("link_id", "length_km") if c in out.columns])
    out.insert(0, "link_id", ids.to_numpy())
    out.insert(1, "length_km", length / 1000.0)
    return out


def _flag(value: Any) -> bool:
    """A one-way flag from a layer: True, 1, "yes", "true" (any case) are one-way."""
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1")
    return bool(value) and not (isinstance(value, float) and np.isnan(value))


def _join_all(
    net: RoadNetwork,
    cands: gpd.GeoDataFrame,
    defaults: dict[str, Any],
    *,
    progress: bool,
) -> list[_Link]:
    """Each candidate joined to the base network alone (:class:`~connectivity.scenarios.AddLink`)."""
    links = []
    base = _EdgeKeys.of(net)
    rows = cands.to_dict("records")
    for row in bar(rows, enabled=progress, desc="joining links", unit="link"):
        change = AddLink(
            row[cands.geometry.name],
            speed_kmh=float(row.get("speed_kmh", defaults["speed_kmh"])),
            road_class=str(row.get("road_class", defaults["road_class"])),
            oneway=_flag(row.get("oneway", defaults["oneway"])),
            join=defaults["join"],
            max_join_m=defaults["max_join_m"],
        )
        link = base.added(Scenario([change]).apply(net))
        if link.u.size == 0:  # it only repeats a road as fast as the new link: no gain
            log.info("candidate link %r adds no faster edge to the network", row["link_id"])
        links.append(link)
    return links


# ---------------------------------------------------------------- improvement-only search
@dataclass(frozen=True)
class _Graph:
    """CSR arrays a field is searched on (forward, or transposed for times *to* a set)."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    reverse: bool

    @classmethod
    def of(cls, net: RoadNetwork, reverse: bool) -> _Graph:
        indptr, indices, weights = network_csr(net, reverse)
        return cls(
            np.ascontiguousarray(indptr, dtype="int64"),
            np.ascontiguousarray(indices, dtype="int64"),
            np.ascontiguousarray(weights, dtype="float64"),
            reverse,
        )


def _gadget_seeds(
    link: _Link, graph: _Graph, dist: np.ndarray, extra: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Relax the link's own edges (Bellman-Ford: a handful) and return the base nodes they lower.

    ``extra`` holds the values of the link's new nodes (updated in place).
    """
    n = link.n_base
    src, dst = (link.v, link.u) if graph.reverse else (link.u, link.v)
    seeds: dict[int, float] = {}
    changed = True
    while changed:
        changed = False
        for s, d, w in zip(src.tolist(), dst.tolist(), link.t.tolist(), strict=True):
            value = (dist[s] if s < n else extra[s - n]) + w
            if d >= n:
                if value < extra[d - n]:
                    extra[d - n] = value
                    changed = True
            elif value < dist[d] and value < seeds.get(d, np.inf):
                seeds[d] = value
    return np.fromiter(seeds, dtype="int64"), np.fromiter(seeds.values(), dtype="float64")


def _improve(link: _Link, graph: _Graph, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The field with the link added, and the nodes whose value it lowered.

    Improvement-only: ``dist`` starts as a copy of ``base`` and the search
    pushes a node only when its time drops. The link's edges are relaxed
    again after each search until no base node improves (a path may leave
    and re-enter the link's new nodes).
    """
    dist = base.copy()
    if link.u.size == 0:
        return dist, np.zeros(0, dtype="int64")
    extra = np.full(max(int(max(link.u.max(), link.v.max())) + 1 - link.n_base, 0), np.inf)
    touched: list[np.ndarray] = []
    buf = np.empty(graph.indices.size + base.size, dtype="int64")
    for _ in range(link.t.size + 2):
        seeds, seed_dist = _gadget_seeds(link, graph, dist, extra)
        if seeds.size == 0:
            break
        k = bounded_search(
            graph.indptr, graph.indices, graph.weights, seeds, seed_dist, dist, np.inf, buf
        )
        touched += [seeds, buf[: min(int(k), buf.size)].copy()]
    if not touched:
        return dist, np.zeros(0, dtype="int64")
    return dist, np.unique(np.concatenate(touched))


# ---------------------------------------------------------------- origins at nodes
def _node_to_places(nodes: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, place positions) of the places whose legs reach each node."""
    rows = np.repeat(np.arange(nodes.shape[0]), nodes.shape[1])
    flat = nodes.ravel()
    keep = flat >= 0
    order = np.argsort(flat[keep], kind="stable")
    places = rows[keep][order]
    indptr = np.zeros(n_nodes + 1, dtype="int64")
    indptr[1:] = np.cumsum(np.bincount(flat[keep], minlength=n_nodes))
    return indptr, places


@numba.njit(cache=True)
def _improved_places(
    touched: np.ndarray,
    indptr: np.ndarray,
    places: np.ndarray,
    leg_nodes: np.ndarray,
    leg_cost: np.ndarray,
    dist: np.ndarray,
    t0: np.ndarray,
    seen: np.ndarray,
    stamp: int,
    out_pos: np.ndarray,
    out_t: np.ndarray,
) -> int:
    """The places with a leg at a ``touched`` node whose time drops below ``t0``.

    A place's time is the better of its two legs plus the field at the leg's
    node. Each place is looked at once (``seen[p] == stamp`` marks it, so the
    marks need no reset between calls). Writes ``out_pos[:m]``, ``out_t[:m]``
    and returns ``m``.
    """
    m = 0
    for i in range(touched.size):
        node = touched[i]
        for j in range(indptr[node], indptr[node + 1]):
            p = places[j]
            if seen[p] == stamp:
                continue
            seen[p] = stamp
            t = np.inf
            for leg in range(2):
                a = leg_nodes[p, leg]
                if a >= 0 and leg_cost[p, leg] + dist[a] < t:
                    t = leg_cost[p, leg] + dist[a]
            if t < t0[p]:
                out_pos[m] = p
                out_t[m] = t
                m += 1
    return m


@dataclass(frozen=True)
class _Legs:
    """How places join the network: two legs each, which places each node serves, work arrays."""

    nodes: np.ndarray  # (n, 2), -1 none
    cost: np.ndarray  # (n, 2), inf none
    indptr: np.ndarray
    places: np.ndarray
    seen: np.ndarray  # per place, the stamp of the last call that looked at it
    stamp: np.ndarray  # one counter
    out_pos: np.ndarray
    out_t: np.ndarray

    @classmethod
    def of(cls, nodes: np.ndarray, cost: np.ndarray, n_nodes: int) -> _Legs:
        indptr, places = _node_to_places(nodes, n_nodes)
        n = nodes.shape[0]
        return cls(
            np.ascontiguousarray(nodes, dtype="int64"), np.ascontiguousarray(cost, dtype="float64"),
            indptr, places.astype("int64"), np.zeros(n, dtype="int64"), np.zeros(1, dtype="int64"),
            np.empty(n, dtype="int64"), np.empty(n, dtype="float64"),
        )  # fmt: skip

    def improved(
        self, touched: np.ndarray, dist: np.ndarray, t0: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the places that got faster (their legs reach a ``touched`` node), new times."""
        if touched.size == 0:
            return np.zeros(0, dtype="int64"), np.zeros(0)
        self.stamp[0] += 1
        m = _improved_places(touched, self.indptr, self.places, self.nodes, self.cost, dist, t0,
                             self.seen, int(self.stamp[0]), self.out_pos, self.out_t)  # fmt: skip
        return self.out_pos[:m].copy(), self.out_t[:m].copy()


# ---------------------------------------------------------------- objectives
@dataclass(frozen=True)
class _Nearest:
    """Minutes from every origin to the nearest destination, before any link, ready to update."""

    graph: _Graph  # transposed: the field is each node's time *to* the nearest destination
    field: np.ndarray
    legs: _Legs
    t0: np.ndarray  # per origin, inf when unreachable
    w: np.ndarray
    within_min: float

    @classmethod
    def build(
        cls, net: RoadNetwork, orig: OriginSet, dest: OriginSet | None, nodes: np.ndarray | None,
        within_min: float,
    ) -> _Nearest:  # fmt: skip
        if dest is None:
            assert nodes is not None
            field = multi_source_node_times(net, nodes, reverse=True)[0]
            t0 = nearest_node(net, orig.snapped, nodes).time_min
        else:
            field = node_times_from_points(net, dest.snapped, reverse=True, min_only=True)[0]
            t0 = nearest(net, orig.snapped, dest.snapped).time_min
        legs = _Legs.of(*orig.snapped.entry_legs(), net.n_nodes)
        return cls(_Graph.of(net, reverse=True), field, legs, t0, orig.weights, within_min)

    def base(self) -> dict[str, float]:
        reach = np.isfinite(self.t0)
        return {
            "pop_total": float(self.w.sum()),
            "pop_unreachable": float(self.w[~reach].sum()),
            "pop_weighted_mean_min": float(np.average(self.t0[reach], weights=self.w[reach]))
            if self.w[reach].sum() > 0
            else float("nan"),
            "pop_within": float(self.w[self.t0 <= self.within_min].sum()),
        }

    def after(self, link: _Link) -> tuple[np.ndarray, np.ndarray]:
        """The origins the link can change (positions) and their times with it."""
        dist, touched = _improve(link, self.graph, self.field)
        return self.legs.improved(touched, dist, self.t0)

    def score(self, link: _Link) -> dict[str, Any]:
        pos, t1 = self.after(link)
        t0 = self.t0[pos]
        w = self.w[pos]
        better = t1 < t0 - _EPS_MIN
        was = np.isfinite(t0)
        gain = better & was
        saved = np.zeros(pos.size)
        saved[gain] = t0[gain] - t1[gain]
        return {
            "pop_minutes_saved": float(w @ saved),
            "pop_faster": float(w[better & was].sum()),
            "pop_newly_reachable": float(w[better & ~was].sum()),
            "max_minutes_saved": float(saved.max()) if saved.size else 0.0,
            "pop_newly_within": float(w[(t1 <= self.within_min) & ~(t0 <= self.within_min)].sum()),
        }


@dataclass(frozen=True)
class _Market:
    """Market potential of each destination over the origins' people, ready to update."""

    graph: _Graph  # forward: field s is the time *from* destination s to every node
    fields: np.ndarray  # (n_dest, n_nodes)
    legs: _Legs  # the origins as the places reached (exit legs)
    t0: np.ndarray  # (n_dest, n_origins)
    w: np.ndarray
    ids: pd.Index
    decay: dict[str, Any]

    @classmethod
    def build(
        cls, net: RoadNetwork, orig: OriginSet, dest: OriginSet, decay: dict[str, Any]
    ) -> _Market:
        use = np.flatnonzero(dest.ok)
        if use.size == 0:
            msg = (
                "no destination joins the network (within max_snap_m); market potential needs them"
            )
            raise DataError(msg)
        dest = dest.subset(use)
        fields = node_times_from_points(net, dest.snapped, reverse=False)[0]
        t0 = np.full((len(dest), len(orig)), np.inf)
        for r, c, block in od_blocks(net, dest.snapped, orig.snapped):
            t0[np.ix_(r, c)] = block
        legs = _Legs.of(*orig.snapped.exit_legs(), net.n_nodes)
        return cls(_Graph.of(net, reverse=False), fields, legs, t0, orig.weights, dest.ids, decay)

    def potential(self, t: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.decay["decay"] == "power" and self.decay["beta"] == 1.0:  # 1/t: no pow() calls
            with np.errstate(divide="ignore"):
                return (1.0 / np.maximum(t, self.decay["min_time_min"])) @ w
        return decay_weights(t, **self.decay) @ w

    def base(self) -> dict[str, float]:
        return {"market_potential_total": float(self.potential(self.t0, self.w).sum())}

    def score(self, link: _Link) -> dict[str, Any]:
        change = np.zeros(len(self.ids))
        for s in range(len(self.ids)):
            dist, touched = _improve(link, self.graph, self.fields[s])
            pos, t1 = self.legs.improved(touched, dist, self.t0[s])
            w = self.w[pos]
            change[s] = self.potential(t1, w) - self.potential(self.t0[s, pos], w)
        best = int(np.argmax(change))
        return {
            "mp_change": float(change.sum()),
            "n_destinations_gaining": int((change > 0).sum()),
            "best_destination": self.ids[best] if change[best] > 0 else None,
            "best_destination_change": float(change[best]),
        }


#: The component that is the ``benefit`` of each objective.
_BENEFIT = {"minutes": "pop_minutes_saved", "within": "pop_newly_within",
            "market_potential": "mp_change"}  # fmt: skip


def _check_objective(objective: str, within_min: float, decay: dict[str, Any]) -> None:
    if objective not in OBJECTIVES:
        msg = f"objective must be one of {sorted(OBJECTIVES)}, got {objective!r}"
        raise ParameterError(msg)
    if objective == "within" and not (np.isfinite(within_min) and within_min > 0):
        msg = f"within_min must be positive minutes, got {within_min!r}"
        raise ParameterError(msg)
    if objective == "market_potential":
        check_decay(decay["decay"], decay["beta"])
        if decay["decay"] == "power" and not (decay["min_time_min"] > 0):
            msg = "min_time_min must be > 0 with power decay (t^-beta is infinite at 0)"
            raise ParameterError(msg)


def _evaluator(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places | None,
    nodes: ArrayLike | None,
    objective: str,
    within_min: float,
    decay: dict[str, Any],
    options: PlaceOptions,
) -> _Nearest | _Market:
    """The objective's base state: fields, origins' legs and times before any link."""
    if (destinations is None) == (nodes is None):
        msg = "give either destinations (points, polygons, an OriginSet) or nodes= (node numbers)"
        raise ParameterError(msg)
    if objective == "market_potential":
        if destinations is None:
            msg = "objective='market_potential' needs destinations (places), not nodes="
            raise ParameterError(msg)
        orig, dest = place_sets(net, origins, destinations, options)
        return _Market.build(net, _usable(orig), dest, decay)
    if destinations is not None:
        orig, dest = place_sets(net, origins, destinations, options)
        return _Nearest.build(net, _usable(orig), dest, None, within_min)
    seeds = np.asarray(nodes, dtype="int64").ravel()
    orig = origin_set(net, origins, options)
    return _Nearest.build(net, _usable(orig), None, seeds, within_min)


def _usable(orig: OriginSet) -> OriginSet:
    """The origins that join the network and carry people (the others cannot gain)."""
    keep = orig.ok & (orig.weights > 0)
    if not keep.any():
        msg = "no origin joins the network with a positive weight; check max_snap_m and weights"
        raise DataError(msg)
    return orig if keep.all() else orig.subset(keep)


# ---------------------------------------------------------------- the ranking
def rank_links(
    net: RoadNetwork,
    candidates: gpd.GeoDataFrame,
    origins: Origins,
    destinations: Places | None = None,
    *,
    nodes: ArrayLike | None = None,
    objective: Objective = "minutes",
    within_min: float = 60.0,
    decay: Literal["exp", "power"] = "power",
    beta: float = 1.0,
    min_time_min: float = 1.0,
    speed_kmh: float = 80.0,
    road_class: str = "primary",
    oneway: bool = False,
    join: Literal["nodes", "snap"] = "nodes",
    max_join_m: float = 1_000.0,
    id_col: str | None = None,
    top: int | None = None,
    progress: bool = False,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Evaluate each candidate link alone against the base network; the best first.

    Parameters
    ----------
    net : RoadNetwork
        The base network (left untouched).
    candidates : GeoDataFrame
        Candidate links: lines in a projected CRS (reprojected to the
        network's). Optional columns ``link_id`` (or ``id_col``),
        ``speed_kmh``, ``road_class`` and ``oneway`` override the defaults
        per link. :func:`connectivity.lastmile.last_mile_candidates` makes
        them for a last-mile study.
    origins : OriginSet, layer or raster
        The people: an :class:`~connectivity.OriginSet` (e.g. every populated
        cell), points or a raster; weighted by population (cells) or by the
        set's weights. Places that do not join the network or weigh 0 are left out.
    destinations : OriginSet, GeoDataFrame or GeoSeries, optional
        What people travel to (e.g. special economic zones). Or ``nodes``.
    nodes : array_like of int, optional
        Instead of ``destinations``: network nodes, e.g. corridor access
        points (:func:`connectivity.corridor_access`). Not for market potential.
    objective : {"minutes", "within", "market_potential"}
        ``benefit`` is: person-minutes saved to the nearest destination; people
        newly within ``within_min`` minutes of one; or the change in the
        destinations' market potential Σ_s Σ_i P_i f(t_si) (summed over the
        destinations ``s``; the origins are the masses).
    within_min : float, default 60
        Threshold of ``"within"`` (the other objectives report it too).
    decay, beta, min_time_min
        Distance decay of market potential
        (:func:`connectivity.measures.gravity.decay_weights`): default
        ``t ** -1`` with times floored at 1 minute (people per minute).
    speed_kmh, road_class, oneway : default 80 km/h, "primary", two-way
        The standard of a link where the candidates do not say.
    join, max_join_m : default "nodes", 1000 m
        How a link joins the network (:class:`connectivity.scenarios.AddLink`):
        its ends to the nearest nodes, or snapped onto the nearest edges.
    id_col : str, optional
        Column of link ids (default ``link_id`` when present, else the index).
    top : int, optional
        Keep the ``top`` best links (default all).
    progress : bool
        Progress bar over the candidates.
    **options
        How raw origins and destinations join the network
        (:class:`~connectivity.origins.PlaceOptions`).

    Returns
    -------
    GeoDataFrame
        One row per link, sorted by ``benefit`` (descending; ties by
        ``link_id``): ``rank``, ``link_id``, ``length_km`` (the cost proxy),
        ``benefit``, ``benefit_per_km``, the objective's components
        (``pop_minutes_saved``, ``pop_faster``, ``pop_newly_reachable``,
        ``max_minutes_saved``, ``pop_newly_within``; or ``mp_change``,
        ``n_destinations_gaining``, ``best_destination``,
        ``best_destination_change``), the candidates' other columns and the
        line geometry (network CRS). ``.attrs`` holds the objective, its
        unit, the base figures and the timings.

    Raises
    ------
    DataError
        A candidate that is not a line, has zero length, repeats an id or
        touches no road (within ``max_join_m``).
    CRSError
        Candidates without a CRS or in a geographic CRS.

    Notes
    -----
    Links are evaluated one at a time, never together. Origins keep their
    base snapping: a link is a connector between its two ends, so people
    reach it at its ends (a place beside the new road does not join it
    halfway). The result equals re-running the measure on
    ``Scenario([AddLink(...)]).apply(net)`` for each link with the origins
    snapped as on the base network; see the module docstring for the
    improvement-only search that makes it fast.
    """
    started = time.perf_counter()
    if top is not None and not (isinstance(top, (int, np.integer)) and top > 0):
        msg = f"top must be a positive number of links or None, got {top!r}"
        raise ParameterError(msg)
    dec = {"decay": decay, "beta": beta, "min_time_min": min_time_min}
    _check_objective(objective, within_min, dec)
    cands = _checked_candidates(net, candidates, id_col)
    defaults = {"speed_kmh": speed_kmh, "road_class": road_class, "oneway": oneway,
                "join": join, "max_join_m": max_join_m}  # fmt: skip
    ev = _evaluator(net, origins, destinations, nodes, objective, within_min, dec, options)
    t_base = time.perf_counter()
    links = _join_all(net, cands, defaults, progress=progress)
    t_join = time.perf_counter()
    rows = [ev.score(link) for link in bar(links, enabled=progress, desc="links", unit="link")]
    t_score = time.perf_counter()
    return _ranked(cands, rows, objective, top, attrs={
        "objective": objective,
        "benefit_unit": OBJECTIVES[objective],
        "within_min": within_min,
        **({"decay": decay, "beta": beta, "min_time_min": min_time_min}
           if objective == "market_potential" else {}),
        "base": ev.base(),
        "n_candidates": len(cands),
        "n_origins": int(ev.w.size),
        "timings_s": {"base_fields": round(t_base - started, 3),
                      "joining": round(t_join - t_base, 3),
                      "evaluating": round(t_score - t_join, 3)},
    })  # fmt: skip


def _ranked(
    cands: gpd.GeoDataFrame,
    rows: list[dict[str, Any]],
    objective: str,
    top: int | None,
    attrs: dict[str, Any],
) -> gpd.GeoDataFrame:
    """The candidates with their scores, best first."""
    scores = pd.DataFrame(rows, index=cands.index)
    benefit = scores[_BENEFIT[objective]].to_numpy(dtype="float64")
    benefit = np.where(np.abs(benefit) < 1e-9, 0.0, benefit)
    out = cands[["link_id", "length_km"]].copy()
    out["benefit"] = benefit
    out["benefit_per_km"] = benefit / cands["length_km"].to_numpy()
    out = pd.concat([out, scores], axis=1)
    rest = [c for c in cands.columns if c not in out.columns and c != cands.geometry.name]
    out = pd.concat([out, cands[rest]], axis=1)
    out = gpd.GeoDataFrame(out, geometry=cands.geometry.values, crs=cands.crs)
    out = out.sort_values(["benefit", "link_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.reset_index(drop=True)
    if top is not None:
        out = out.head(int(top))
    out.attrs = attrs
    return out


def ranked_links_style(ranked: pd.DataFrame) -> LayerStyle:
    """A QGIS style for :func:`rank_links` output: thick lines graduated by ``rank``.

    Ranks 1-5 dark red, 6-10 red, 11-20 orange, the rest grey (for
    :func:`connectivity.io.write_layers` ``styles=``).
    """
    top = float(max(int(ranked["rank"].max()) if len(ranked) else 1, 21))
    classes = ((0.0, 5.0, (165, 0, 38, 255), "rank 1-5"), (5.0, 10.0, (227, 26, 28, 255), "rank 6-10"),
               (10.0, 20.0, (253, 141, 60, 255), "rank 11-20"), (20.0, top, (150, 150, 150, 255), "rank > 20"))  # fmt: skip
    return LayerStyle(kind="line", colour=(165, 0, 38, 255), width_mm=1.2, attribute="rank",
                      ranges=tuple(StyleRange(lo, hi, c, lab) for lo, hi, c, lab in classes))  # fmt: skip


def link_times(
    net: RoadNetwork,
    candidates: gpd.GeoDataFrame,
    origins: Origins,
    destinations: Places | None = None,
    *,
    nodes: ArrayLike | None = None,
    id_col: str | None = None,
    **options: Unpack[LinkOptions],
) -> pd.DataFrame:
    """Minutes from every origin to its nearest destination, before and with each link alone.

    Parameters are those of :func:`rank_links` (few origins suit it: one
    column per link); ``options`` holds the link standard (``speed_kmh``,
    ``road_class``, ``oneway``, ``join``, ``max_join_m``, defaults as in
    :func:`rank_links`) and how raw places join the network. Returns a
    DataFrame indexed by the origin ids with ``base`` (no link) and one
    column per ``link_id``; NaN where unreachable. Origins keep their base
    snapping, as in :func:`rank_links`.
    """
    standard = {k: options.pop(k, v) for k, v in LINK_DEFAULTS.items()}  # type: ignore[misc]
    if (destinations is None) == (nodes is None):
        msg = "give either destinations (points, polygons, an OriginSet) or nodes= (node numbers)"
        raise ParameterError(msg)
    cands = _checked_candidates(net, candidates, id_col)
    if destinations is not None:
        orig, dest = place_sets(net, origins, destinations, options)
        ev = _Nearest.build(net, orig, dest, None, np.inf)
    else:
        orig = origin_set(net, origins, options)
        ev = _Nearest.build(net, orig, None, np.asarray(nodes, dtype="int64").ravel(), np.inf)
    cols: dict[Any, np.ndarray] = {"base": ev.t0}
    for lid, link in zip(cands["link_id"], _join_all(net, cands, standard, progress=False),
                         strict=True):  # fmt: skip
        t = ev.t0.copy()
        pos, t1 = ev.after(link)
        t[pos] = t1
        cols[str(lid) if not isinstance(lid, (int, np.integer)) else lid] = t
    out = pd.DataFrame(cols, index=orig.ids)
    return out.where(np.isfinite(out))
