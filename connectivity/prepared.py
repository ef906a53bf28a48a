"""Destinations prepared once for many OD queries: a node-to-destination time field.

:func:`~connectivity.od_matrix` runs one Dijkstra per point of the smaller
side on every call. When the destinations stay and the origins change (a
planner's OD tables, scenario after scenario), that work can be done once:
:class:`PreparedDestinations` keeps, for every network node and destination,
the time from the node to the destination (one search per destination on
the transposed graph, the very searches ``od_matrix`` runs). A query with
new origins is then a gather: per origin the cheaper of its two entry legs
plus the field at the entry node. These are bit for bit the times
``od_matrix`` computes whenever it searches from the destinations (at least
as many usable origins as destinations); with fewer origins it searches
forward from them, and its sums, added in the other order, may differ in
the last bit.

The field holds ``n_nodes x n_destinations`` numbers: 8 bytes each
(``dtype="float64"``, exact) or 4 (``"float32"``, times rounded to about 7
significant digits). It is refused beyond ``memory_mb``.

Example
-------
>>> prep = PreparedDestinations(net, sez_layer)          # doctest: +SKIP
>>> od_matrix(net, towns, prep)                          # doctest: +SKIP
>>> times_to_each(net, villages, prep)                   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import numpy as np

from connectivity.errors import ParameterError
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet, PlaceOptions, Places, check_unique_ids, origin_set
from connectivity.progress import bar
from connectivity.routing import DEFAULT_MEMORY_MB, direct_pairs, node_times_from_points
from connectivity.snapping import Snapped

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["DEFAULT_FIELD_MB", "PreparedDestinations"]

log = logging.getLogger(__name__)

#: Default memory budget (MB) of a prepared time field.
DEFAULT_FIELD_MB = 4096

FieldDtype = Literal["float64", "float32"]


def _query_limit(max_time_min: float | None, prepared: float) -> float:
    """The time limit of one query: at most the one the field was prepared with."""
    if max_time_min is None:
        return prepared
    if not (max_time_min > 0):  # rejects NaN too
        msg = f"max_time_min must be a positive number of minutes or None, got {max_time_min!r}"
        raise ParameterError(msg)
    if max_time_min > prepared:
        msg = (
            f"max_time_min={max_time_min:g} is beyond the {prepared:g} minutes the destinations "
            f"were prepared for; prepare them with max_time_min={max_time_min:g} (or None)"
        )
        raise ParameterError(msg)
    return float(max_time_min)


def _checked_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        msg = f"workers must be a whole number of threads >= 1 or None, got {workers!r}"
        raise ParameterError(msg)
    return int(workers)


class _Destinations:
    """Destinations snapped once for repeated OD queries: what the prepared kinds share.

    Sets ``net``, ``options`` (the snapping, used again for the origins),
    ``places`` (ids unique), ``max_time_min`` and ``usable`` (positions in
    ``places`` of the destinations that join the network).
    """

    def __init__(
        self,
        net: RoadNetwork,
        destinations: Places,
        dest_id_col: str | None,
        max_time_min: float | None,
        options: PlaceOptions,
    ) -> None:
        self.net = net
        self.options = options
        self.places: OriginSet = origin_set(
            net, destinations, options, name="destinations", id_col=dest_id_col
        )
        check_unique_ids(self.places, "destinations")
        self.max_time_min = max_time_min
        self._limit = _query_limit(max_time_min, np.inf)
        _, cost = self.places.snapped.exit_legs()
        self.usable = np.flatnonzero(np.isfinite(cost).any(axis=1))

    def __len__(self) -> int:
        return len(self.places)


class PreparedDestinations(_Destinations):
    """Destinations with the time from every network node to each of them, for fast OD queries.

    Parameters
    ----------
    net : RoadNetwork
    destinations : GeoDataFrame, GeoSeries or OriginSet
        As :func:`~connectivity.od_matrix` takes them (ids unique).
    dest_id_col : str, optional
        Column of destination ids (default: the index).
    max_time_min : float, optional
        Prepare times up to this limit only (queries may ask for less).
    dtype : {"float64", "float32"}
        ``"float64"`` (default) gives the times of ``od_matrix`` (see the module notes);
        ``"float32"`` halves the memory, times rounded to ~7 digits.
    memory_mb : float
        Refuse (:class:`~connectivity.ParameterError`) a field larger than this.
    workers : int, optional
        Threads searching at once (default: the number of CPUs); the times
        do not depend on it.
    progress : bool
        Show a progress bar over the searches.
    **options
        Snapping of the destinations (:class:`~connectivity.origins.PlaceOptions`);
        origins of later queries are snapped alike.

    Notes
    -----
    Building costs one Dijkstra per usable destination (what one
    ``od_matrix`` call costs today); each query then costs
    ``O(n_origins x n_destinations)`` gathers, no search.
    """

    def __init__(
        self,
        net: RoadNetwork,
        destinations: Places,
        *,
        dest_id_col: str | None = None,
        max_time_min: float | None = None,
        dtype: FieldDtype = "float64",
        memory_mb: float = DEFAULT_FIELD_MB,
        workers: int | None = None,
        progress: bool = False,
        **options: Unpack[PlaceOptions],
    ) -> None:
        if dtype not in ("float64", "float32"):
            msg = f"dtype must be 'float64' (exact) or 'float32' (half the memory), got {dtype!r}"
            raise ParameterError(msg)
        super().__init__(net, destinations, dest_id_col, max_time_min, options)
        need_mb = net.n_nodes * self.usable.size * np.dtype(dtype).itemsize / 1e6
        if need_mb > memory_mb:
            msg = (
                f"preparing {self.usable.size:,} destinations on {net.n_nodes:,} nodes needs "
                f"{need_mb:,.0f} MB ({dtype}), over memory_mb={memory_mb:,.0f}; raise memory_mb, "
                "use dtype='float32' (half), prepare fewer destinations, or call od_matrix "
                "with the destinations themselves (one search per destination each call)"
            )
            raise ParameterError(msg)
        self.field = self._build(np.dtype(dtype), _checked_workers(workers), progress)

    def _build(self, dtype: np.dtype, workers: int, progress: bool) -> np.ndarray:
        """The (n_nodes, n_usable) field of node-to-destination times (``inf``: none).

        Batches of destinations are searched by ``workers`` threads (scipy's
        Dijkstra releases the GIL); each batch fills its own columns, so the
        field does not depend on ``workers``.
        """
        n = self.net.n_nodes
        field = np.empty((n, self.usable.size), dtype=dtype)
        step = max(1, int(DEFAULT_MEMORY_MB * 1e6 // (8.0 * 2 * (n + 1) * workers)))
        snapped = self.places.snapped

        def fill(start: int) -> None:
            cols = slice(start, start + step)
            times, _ = node_times_from_points(
                self.net, snapped.take(self.usable[cols]), reverse=True,
                max_time_min=self.max_time_min,
            )  # fmt: skip
            field[:, cols] = times.T

        starts = range(0, self.usable.size, step)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = pool.map(fill, starts)
            for _ in bar(done, enabled=progress, total=len(starts), desc="destinations"):
                pass
        log.info(
            "prepared %d destinations on %d nodes (%.0f MB)",
            self.usable.size,
            n,
            field.nbytes / 1e6,
        )
        return field

    def __repr__(self) -> str:
        return (
            f"PreparedDestinations({len(self.places):,} destinations, {self.usable.size:,} usable, "
            f"{self.net.n_nodes:,} nodes, {self.field.dtype}, {self.field.nbytes / 1e6:,.0f} MB)"
        )

    def check_network(self, net: RoadNetwork) -> None:
        """Refuse a network other than the one the destinations were prepared on."""
        if net is not self.net:
            msg = (
                "these destinations were prepared on another RoadNetwork object; prepare them "
                "on the network you query (PreparedDestinations(net, destinations))"
            )
            raise ParameterError(msg)

    def blocks(
        self,
        origins: Snapped,
        *,
        max_time_min: float | None = None,
        memory_mb: float = DEFAULT_MEMORY_MB,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Origin-destination times in blocks, as :func:`connectivity.routing.od_blocks` yields them.

        Yields ``(origin_pos, dest_pos, block)``; ``block[r, c]`` is the time
        (minutes, ``inf`` when unreachable or beyond ``max_time_min``) from
        origin ``origin_pos[r]`` to destination ``dest_pos[c]`` (positions in
        ``self.places``). A block holds at most ``memory_mb`` of times.
        """
        limit = _query_limit(max_time_min, self._limit)
        o_nodes, o_cost = origins.entry_legs()
        o_use = np.flatnonzero(np.isfinite(o_cost).any(axis=1))
        if o_use.size == 0 or self.usable.size == 0:
            return
        po, pd_, pc = direct_pairs(origins, self.places.snapped)
        d_col = np.full(len(self.places), -1, dtype="int64")
        d_col[self.usable] = np.arange(self.usable.size)
        step = max(1, int(memory_mb * 1e6 // (8.0 * 3 * self.usable.size)))
        for start in range(0, o_use.size, step):
            chunk = o_use[start : start + step]
            g = np.where(o_nodes[chunk] >= 0, o_nodes[chunk], 0)
            c = o_cost[chunk]
            block = np.minimum(
                self.field[g[:, 0]] + c[:, 0, None], self.field[g[:, 1]] + c[:, 1, None]
            )
            sel = np.isin(po, chunk)
            if sel.any():
                rows = np.searchsorted(chunk, po[sel])
                np.minimum.at(block, (rows, d_col[pd_[sel]]), pc[sel])
            block[block > limit] = np.inf
            yield chunk, self.usable, block
