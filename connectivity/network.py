"""Road networks as compact CSR graphs: :class:`RoadNetwork`.

Every edge is a straight segment between its two end nodes (builders split
polylines at their vertices), so snapping a point to an edge is exact and
edge lengths are the Euclidean lengths in the projected CRS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from pyproj import CRS

from connectivity._errors import CRSError, DataError

__all__ = ["RoadNetwork"]

log = logging.getLogger(__name__)


def _check_metric_crs(crs: Any) -> CRS:
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        msg = (
            f"network CRS {crs.to_string()} is geographic (degrees); project the network to a "
            "metric CRS first (e.g. a UTM zone, or EPSG:6933/ESRI:54009 for a whole country)"
        )
        raise CRSError(msg)
    if crs.to_epsg() in (3857, 900913, 3785):
        msg = (
            "network CRS is Web Mercator (EPSG:3857), which inflates lengths about 1.5x at "
            "Kazakhstan's latitudes; project to a UTM zone or an equal-distance CRS instead"
        )
        raise CRSError(msg)
    return crs


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph in CSR form with travel times in minutes.

    Attributes
    ----------
    x, y : numpy.ndarray
        Node coordinates (float64) in ``crs`` (projected metres).
    indptr, indices : numpy.ndarray
        CSR structure: the out-edges of node ``i`` are ``indptr[i]:indptr[i+1]``
        and ``indices[k]`` is the head node of edge ``k``.
    time_min, length_m : numpy.ndarray
        Travel time (minutes) and length (metres) of each directed edge, in CSR order.
    road_class : numpy.ndarray
        Integer code per edge into ``class_names``.
    class_names : tuple of str
        Road class names (e.g. OSM ``highway`` values).
    crs : pyproj.CRS
        Projected metric CRS of the coordinates.
    node_source_ids : numpy.ndarray, optional
        Source id per node (OSM node id), int64.
    edge_source_ids : numpy.ndarray, optional
        Source id per edge (OSM way id or feature index), int64, in CSR order.
    meta : dict
        Provenance: builder, speed table, dropped components, and so on.
    """

    x: np.ndarray
    y: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_min: np.ndarray
    length_m: np.ndarray
    road_class: np.ndarray
    class_names: tuple[str, ...]
    crs: CRS
    node_source_ids: np.ndarray | None = None
    edge_source_ids: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        *,
        crs: Any,
        speed_kmh: np.ndarray | float,
        length_m: np.ndarray | None = None,
        road_class: np.ndarray | None = None,
        class_names: tuple[str, ...] | None = None,
        oneway: np.ndarray | bool = False,
        node_source_ids: np.ndarray | None = None,
        edge_source_ids: np.ndarray | None = None,
        meta: dict[str, Any] | None = None,
    ) -> RoadNetwork:
        """Build a network from node coordinates and an edge list.

        Each row ``(u[k], v[k])`` is one road segment; it is added in both
        directions unless ``oneway[k]`` is True. Lengths default to the
        Euclidean length of the segment. Parallel edges keep the fastest.
        """
        crs = _check_metric_crs(crs)
        x = np.ascontiguousarray(x, dtype="float64")
        y = np.ascontiguousarray(y, dtype="float64")
        u = np.asarray(u, dtype="int64")
        v = np.asarray(v, dtype="int64")
        n = x.size
        m = u.size
        if y.size != n or v.size != m:
            msg = "x/y and u/v must have matching lengths"
            raise DataError(msg)
        if n == 0 or m == 0:
            msg = "the network has no nodes or no edges; check the input layer and its filters"
            raise DataError(msg)
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            msg = "node coordinates contain NaN or infinite values"
            raise DataError(msg)
        if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
            msg = "edge end points must index existing nodes (0 <= u, v < number of nodes)"
            raise DataError(msg)
        if length_m is None:
            length_m = np.hypot(x[v] - x[u], y[v] - y[u])
        length_m = np.broadcast_to(np.asarray(length_m, dtype="float64"), (m,))
        speed = np.broadcast_to(np.asarray(speed_kmh, dtype="float64"), (m,))
        if not (np.isfinite(speed).all() and (speed > 0).all()):
            msg = "speed_kmh must be finite and positive on every edge"
            raise DataError(msg)
        if (length_m < 0).any() or not np.isfinite(length_m).all():
            msg = "length_m must be finite and non-negative"
            raise DataError(msg)
        time_min = length_m / (speed * 1000.0 / 60.0)
        if road_class is None:
            road_class = np.zeros(m, dtype="int16")
            class_names = class_names or ("road",)
        road_class = np.broadcast_to(np.asarray(road_class, dtype="int16"), (m,))
        class_names = tuple(class_names or ())
        if class_names and road_class.max(initial=0) >= len(class_names):
            msg = "road_class codes must index class_names"
            raise DataError(msg)
        ow = np.broadcast_to(np.asarray(oneway, dtype=bool), (m,))
        esrc = (
            None
            if edge_source_ids is None
            else np.broadcast_to(np.asarray(edge_source_ids, "int64"), (m,))
        )

        back = ~ow
        uu = np.concatenate([u, v[back]])
        vv = np.concatenate([v, u[back]])
        tt = np.concatenate([time_min, time_min[back]])
        ll = np.concatenate([length_m, length_m[back]])
        cc = np.concatenate([road_class, road_class[back]])
        ee = None if esrc is None else np.concatenate([esrc, esrc[back]])

        # drop self loops; keep the fastest of parallel edges
        keep = uu != vv
        uu, vv, tt, ll, cc = uu[keep], vv[keep], tt[keep], ll[keep], cc[keep]
        ee = None if ee is None else ee[keep]
        order = np.lexsort((tt, vv, uu))
        uu, vv, tt, ll, cc = uu[order], vv[order], tt[order], ll[order], cc[order]
        ee = None if ee is None else ee[order]
        first = np.ones(uu.size, bool)
        first[1:] = (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])
        uu, vv, tt, ll, cc = uu[first], vv[first], tt[first], ll[first], cc[first]
        ee = None if ee is None else ee[first]
        indptr = np.zeros(n + 1, dtype="int64")
        np.add.at(indptr, uu + 1, 1)
        indptr = np.cumsum(indptr)
        return cls(
            x=x,
            y=y,
            indptr=indptr,
            indices=vv.astype("int32" if n < 2**31 else "int64"),
            time_min=tt,
            length_m=ll,
            road_class=cc,
            class_names=class_names,
            crs=crs,
            node_source_ids=None
            if node_source_ids is None
            else np.asarray(node_source_ids, "int64"),
            edge_source_ids=ee,
            meta=dict(meta or {}),
        )

    # -- views ------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.size)

    def edge_tails(self) -> np.ndarray:
        """Tail node of each directed edge, in CSR order."""
        return np.repeat(np.arange(self.n_nodes), np.diff(self.indptr))

    def csr(self, weight: str = "time_min") -> sp.csr_matrix:
        """The adjacency as a scipy CSR matrix weighted by ``time_min`` or ``length_m``."""
        data = getattr(self, weight)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    def __repr__(self) -> str:
        return (
            f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} directed edges, "
            f"crs={self.crs.to_string()})"
        )
