"""Road networks as compact CSR graphs: :class:`RoadNetwork`.

Every edge is a straight segment between its two end nodes (builders split
polylines at every vertex and never simplify), so routing is exact, snapping
a point to an edge is exact and a country network stays a few flat arrays.

Builders: :meth:`RoadNetwork.from_edges` (arrays), :meth:`RoadNetwork.from_osm`
(OSM PBF / XML via pyosmium), :meth:`RoadNetwork.from_osmnx` (osmnx graphs)
and :meth:`RoadNetwork.from_lines` (any line layer). Exporters:
:meth:`RoadNetwork.to_osmnx`, :meth:`RoadNetwork.to_gdfs`, and a fast ``.npz``
cache (:meth:`RoadNetwork.save` / :meth:`RoadNetwork.load`).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from pyproj import CRS
from scipy.sparse.csgraph import connected_components

from connectivity.build.lines import lines_edge_arrays, osmnx_edge_arrays
from connectivity.build.osm import osm_edge_arrays
from connectivity.crs import check_metric_crs
from connectivity.errors import DataError, InputFileError, ParameterError
from connectivity.outputs import jsonable, safe_path
from connectivity.speeds import SpeedTable

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd
    import networkx as nx

__all__ = ["RoadNetwork"]

log = logging.getLogger(__name__)

_NPZ_FORMAT = "fua-toolkit/RoadNetwork/1"


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
        x: ArrayLike,
        y: ArrayLike,
        u: ArrayLike,
        v: ArrayLike,
        *,
        crs: Any,
        speed_kmh: ArrayLike,
        length_m: ArrayLike | None = None,
        road_class: ArrayLike | None = None,
        class_names: tuple[str, ...] | None = None,
        oneway: ArrayLike = False,
        node_source_ids: ArrayLike | None = None,
        edge_source_ids: ArrayLike | None = None,
        meta: dict[str, Any] | None = None,
    ) -> RoadNetwork:
        """Build a network from node coordinates and an edge list.

        Each row ``(u[k], v[k])`` is one road segment; it is added in both
        directions unless ``oneway[k]`` is True. Lengths default to the
        Euclidean length of the segment. Parallel edges keep the fastest.
        """
        crs = check_metric_crs(crs)
        x, y, u, v = _checked_nodes_and_edges(x, y, u, v)
        m = u.size
        if length_m is None:
            length_m = np.hypot(x[v] - x[u], y[v] - y[u])
        length, speed = _checked_lengths_and_speeds(length_m, speed_kmh, m)
        if road_class is None:
            road_class = np.zeros(m, dtype="int16")
            class_names = class_names or ("road",)
        codes = np.broadcast_to(np.asarray(road_class, dtype="int16"), (m,))
        class_names = tuple(class_names or ())
        if class_names and codes.max(initial=0) >= len(class_names):
            msg = "road_class codes must index class_names"
            raise DataError(msg)
        columns = {
            "time_min": length / (speed * 1000.0 / 60.0),
            "length_m": length,
            "road_class": codes,
        }
        if edge_source_ids is not None:
            columns["edge_source_ids"] = np.broadcast_to(np.asarray(edge_source_ids, "int64"), (m,))
        oneway = np.broadcast_to(np.asarray(oneway, dtype=bool), (m,))
        indptr, heads, cols = _fastest_directed_csr(x.size, u, v, oneway, columns)
        return cls(
            x=x,
            y=y,
            indptr=indptr,
            indices=heads.astype("int32" if x.size < 2**31 else "int64"),
            time_min=cols["time_min"],
            length_m=cols["length_m"],
            road_class=cols["road_class"],
            class_names=class_names,
            crs=crs,
            node_source_ids=None
            if node_source_ids is None
            else np.asarray(node_source_ids, "int64"),
            edge_source_ids=cols.get("edge_source_ids"),
            meta=dict(meta or {}),
        )

    # -- builders ----------------------------------------------------------------
    @classmethod
    def from_osm(
        cls,
        path: str | os.PathLike[str],
        *,
        network_type: str = "drive",
        crs: Any = None,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = True,
        progress: bool = False,
    ) -> RoadNetwork:
        """Build a network from an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``).

        Parameters
        ----------
        path : path-like
            OSM PBF or XML file; read with pyosmium (libosmium).
        network_type : {"drive", "drive_service"}
            Way filter, identical to osmnx's filter of the same name.
        crs : CRS-like, optional
            Projected metric CRS of the result. ``None`` picks the UTM zone of
            the data (extent up to 1000 km) or an azimuthal equidistant CRS
            centred on the data (a whole country).
        speeds : SpeedTable or dict, optional
            Speed table (default :data:`~connectivity.KAZAKHSTAN_SPEEDS`); a dict
            of class -> km/h overrides classes of the default table.
        largest_component : bool
            Keep only the largest strongly connected component; the dropped
            ones are logged and recorded in ``meta["components"]``.
        progress : bool
            Show a progress bar while reading ways (on a terminal only).

        Returns
        -------
        RoadNetwork

        Notes
        -----
        Way filter (``network_type="drive"``, from osmnx 2.x
        ``_overpass._get_network_filter``, applied as unanchored regular
        expressions like Overpass): keep ways with ``highway=*`` unless
        ``area`` matches ``yes``; ``access`` matches ``private``; ``highway``
        matches ``abandoned|bridleway|bus_guideway|construction|corridor|
        cycleway|elevator|escalator|footway|no|path|pedestrian|planned|platform|
        proposed|raceway|razed|rest_area|service|services|steps|track``;
        ``motor_vehicle`` or ``motorcar`` match ``no``; ``service`` matches
        ``alley|driveway|emergency_access|parking|parking_aisle|private``.
        ``"drive_service"`` allows ``highway=service`` except parking, parking
        aisles, emergency access and private service roads.

        One-way rules: ``oneway=yes/true/1`` one-way in node order,
        ``oneway=-1/reverse`` against it; ``oneway=reversible/alternating``
        (time-dependent direction) one-way in node order, so both directions
        are never offered at once (osmnx keeps such ways two-way; OSRM drops
        them); ``junction=roundabout/circular`` one-way; ``highway=motorway``
        and ``motorway_link`` one-way unless ``oneway=no`` (implied by OSM).

        Every way is split at every vertex into straight segments (no
        simplification, degree-2 nodes kept). Vertices whose node is missing
        from the file (clipped extracts) cut the way. Segment lengths are
        geodesic on the WGS84 ellipsoid (``pyproj.Geod``), so they do not
        depend on the projection; node coordinates are projected.
        """
        t0 = time.perf_counter()
        kw = osm_edge_arrays(
            path, network_type=network_type, crs=crs, speeds=speeds, progress=progress
        )
        net = cls.from_edges(**kw)
        info = kw["meta"]
        log.info(
            "read %s: %d of %d highway ways kept (%s filter), %d nodes, %d directed edges",
            Path(info["source"]).name, info["n_ways"], info["n_highway_ways"], network_type,
            net.n_nodes, net.n_edges,
        )  # fmt: skip
        if largest_component:
            net = net.largest_component()
        net.meta["build_seconds"] = round(time.perf_counter() - t0, 3)
        return net

    @classmethod
    def from_osmnx(
        cls,
        G: nx.MultiDiGraph,
        *,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = False,
    ) -> RoadNetwork:
        """Build a network from an osmnx ``MultiDiGraph`` (projected or not).

        Parameters
        ----------
        G : networkx.MultiDiGraph
            osmnx graph with node ``x``/``y`` and ``graph["crs"]``. A geographic
            (or Web Mercator) graph is projected to the UTM zone of its data
            (or an azimuthal equidistant CRS for a country), and logged.
        speeds : SpeedTable or dict, optional
            Used for edges without ``travel_time`` or ``speed_kph``.
        largest_component : bool
            Keep only the largest strongly connected component.

        Notes
        -----
        Each directed edge of ``G`` is one directed edge here (osmnx already
        holds both directions of two-way streets). An edge ``geometry`` is
        split into straight segments with interior nodes (source id -1);
        the edge ``length`` (metres) is spread over its segments in
        proportion to their projected lengths. Speed priority: osmnx
        ``travel_time`` (seconds) with ``length``, then ``speed_kph``, then
        ``maxspeed``/``highway`` through the speed table. For list-valued
        attributes of simplified edges the first ``highway``/``osmid`` is used.
        """
        kw = osmnx_edge_arrays(G, speeds)
        net = cls.from_edges(**kw)
        return net.largest_component() if largest_component else net

    @classmethod
    def from_lines(
        cls,
        gdf: gpd.GeoDataFrame,
        *,
        class_col: str | None = None,
        speed_col: str | None = None,
        oneway_col: str | None = None,
        snap_tolerance_m: float = 1.0,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = True,
    ) -> RoadNetwork:
        """Build a network from a line layer (LineString / MultiLineString).

        Parameters
        ----------
        gdf : geopandas.GeoDataFrame
            Road lines with a CRS. Geographic or Web Mercator layers are
            reprojected (UTM zone of the data, or azimuthal equidistant for a
            country) with a logged message.
        class_col : str, optional
            Column of road classes (OSM ``highway`` values or any label);
            without it every line is class ``"road"``.
        speed_col : str, optional
            Column of speeds in km/h; missing/invalid values use the table.
        oneway_col : str, optional
            Column of one-way flags (``yes/true/1`` forward, ``-1`` backward,
            ``no``/empty two-way); default all two-way.
        snap_tolerance_m : float
            Vertices of different lines closer than this become one junction.
        speeds : SpeedTable or dict, optional
            Speed table for lines without ``speed_col`` values.
        largest_component : bool
            Keep only the largest strongly connected component (logged).

        Notes
        -----
        Lines are split at every vertex; all vertices (ends and interior) are
        noded with :func:`connectivity.build.lines.node_vertices` (exact
        coincidence, then single-linkage clustering of vertices of different
        lines within ``snap_tolerance_m`` using a k-d tree). Junction
        coordinates are the mean of their vertices; segment lengths are
        those of the input geometry. Lines that cross without a vertex within
        the tolerance stay unconnected (bridges, or missing vertices).
        ``edge_source_ids`` is the row position of the feature in ``gdf``.
        """
        kw = lines_edge_arrays(
            gdf,
            class_col=class_col,
            speed_col=speed_col,
            oneway_col=oneway_col,
            snap_tolerance_m=snap_tolerance_m,
            speeds=speeds,
        )
        net = cls.from_edges(**kw)
        return net.largest_component() if largest_component else net

    # -- views ------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
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
        if weight not in ("time_min", "length_m"):
            msg = f"weight={weight!r}; use 'time_min' or 'length_m'"
            raise ParameterError(msg)
        data = getattr(self, weight)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    def edge_oneway(self) -> np.ndarray:
        """True for directed edges whose reverse edge does not exist."""
        tails = self.edge_tails().astype("int64")
        heads = self.indices.astype("int64")
        n = self.n_nodes
        fwd = tails * n + heads
        back = heads * n + tails
        return ~np.isin(back, fwd)

    def _segment_once(self, edge_mask: np.ndarray | None = None) -> np.ndarray:
        """Mask of directed edges counting each physical segment once."""
        tails = self.edge_tails().astype("int64")
        heads = self.indices.astype("int64")
        if edge_mask is None:
            edge_mask = np.ones(self.n_edges, bool)
        key = np.minimum(tails, heads) * self.n_nodes + np.maximum(tails, heads)
        idx = np.flatnonzero(edge_mask)
        _, first = np.unique(key[idx], return_index=True)
        out = np.zeros(self.n_edges, bool)
        out[idx[first]] = True
        return out

    def total_length_km(self) -> float:
        """Road length in km, each segment counted once whatever its directions."""
        return float(self.length_m[self._segment_once()].sum() / 1000.0)

    def memory_bytes(self) -> int:
        """Bytes held by the network's arrays (coordinates, CSR, weights, ids)."""
        arrays = [
            self.x, self.y, self.indptr, self.indices, self.time_min, self.length_m,
            self.road_class, self.node_source_ids, self.edge_source_ids,
        ]  # fmt: skip
        return int(sum(a.nbytes for a in arrays if a is not None))

    # -- components -----------------------------------------------------------------
    def component_labels(self, *, connection: str = "strong") -> np.ndarray:
        """Component label per node (0 = largest, then by decreasing size)."""
        if connection not in ("strong", "weak"):
            msg = f"connection={connection!r}; use 'strong' or 'weak'"
            raise ParameterError(msg)
        _, lab = connected_components(self.csr(), directed=True, connection=connection)
        sizes = np.bincount(lab)
        rank = np.empty_like(sizes)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(sizes.size)
        return rank[lab].astype("int64")

    def component_report(self, *, connection: str = "strong") -> pd.DataFrame:
        """One row per component: ``component, n_nodes, n_edges, length_km, share_nodes``.

        Components are numbered 0 (largest) upwards. ``n_edges`` counts directed
        edges with both ends in the component; ``length_km`` counts each road
        segment once. Edges joining two strong components belong to neither.
        """
        lab = self.component_labels(connection=connection)
        k = int(lab.max()) + 1
        tails = self.edge_tails()
        inside = lab[tails] == lab[self.indices]
        once = self._segment_once(inside)
        el = lab[tails]
        return pd.DataFrame(
            {
                "component": np.arange(k),
                "n_nodes": np.bincount(lab, minlength=k),
                "n_edges": np.bincount(el[inside], minlength=k),
                "length_km": np.bincount(el[once], weights=self.length_m[once], minlength=k)
                / 1000.0,
                "share_nodes": np.bincount(lab, minlength=k) / self.n_nodes,
            }
        )

    def largest_component(self, *, connection: str = "strong") -> RoadNetwork:
        """The largest strongly (or weakly) connected component as a new network.

        The dropped components are logged (count, nodes, km) and recorded in
        ``meta["components"]`` of the result, never dropped silently.
        """
        rep = self.component_report(connection=connection)
        lab = self.component_labels(connection=connection)
        keep = lab == 0
        dropped = rep.iloc[1:]
        info = {
            "connection": connection,
            "n_components": len(rep),
            "kept_nodes": int(rep.n_nodes.iloc[0]),
            "kept_length_km": round(float(rep.length_km.iloc[0]), 3),
            "dropped_components": len(dropped),
            "dropped_nodes": int(dropped.n_nodes.sum()),
            "dropped_length_km": round(float(dropped.length_km.sum()), 3),
            "dropped_largest_sizes": [int(s) for s in dropped.n_nodes.iloc[:20]],
        }
        if len(dropped):
            n_dropped = int(dropped.n_nodes.sum())
            level = logging.WARNING if n_dropped > 0.05 * self.n_nodes else logging.INFO
            log.log(
                level,
                "kept the largest %s component (%d of %d nodes); dropped %d components with "
                "%d nodes and %.2f km of road",
                connection, info["kept_nodes"], self.n_nodes, info["dropped_components"],
                info["dropped_nodes"], info["dropped_length_km"],
            )  # fmt: skip
        out = self.subgraph(keep)
        out.meta["components"] = info
        return out

    def subgraph(self, node_mask: np.ndarray) -> RoadNetwork:
        """The network restricted to the nodes in ``node_mask`` (renumbered in order)."""
        keep = np.asarray(node_mask, dtype=bool)
        if keep.shape != (self.n_nodes,):
            msg = f"node_mask must be a boolean array of length {self.n_nodes}"
            raise ParameterError(msg)
        if not keep.any():
            msg = "node_mask selects no node"
            raise DataError(msg)
        new_id = np.cumsum(keep) - 1
        tails = self.edge_tails()
        ek = keep[tails] & keep[self.indices]
        nt = new_id[tails[ek]]
        n = int(keep.sum())
        indptr = np.zeros(n + 1, dtype="int64")
        np.cumsum(np.bincount(nt, minlength=n), out=indptr[1:])
        return RoadNetwork(
            x=self.x[keep],
            y=self.y[keep],
            indptr=indptr,
            indices=new_id[self.indices[ek]].astype(self.indices.dtype),
            time_min=self.time_min[ek],
            length_m=self.length_m[ek],
            road_class=self.road_class[ek],
            class_names=self.class_names,
            crs=self.crs,
            node_source_ids=None if self.node_source_ids is None else self.node_source_ids[keep],
            edge_source_ids=None if self.edge_source_ids is None else self.edge_source_ids[ek],
            meta=dict(self.meta),
        )

    # -- export -----------------------------------------------------------------------
    def to_gdfs(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """``(nodes, edges)`` GeoDataFrames in the network CRS.

        ``nodes``: index ``node``, columns ``x, y, source_id, geometry``.
        ``edges``: one row per directed edge, columns ``u, v, length_m,
        time_min, speed_kmh, road_class, oneway, source_id, geometry``.
        """
        import geopandas as gpd
        import shapely

        nsrc = (
            self.node_source_ids if self.node_source_ids is not None else np.full(self.n_nodes, -1)
        )
        nodes = gpd.GeoDataFrame(
            {"x": self.x, "y": self.y, "source_id": nsrc},
            geometry=shapely.points(self.x, self.y),
            crs=self.crs,
        )
        nodes.index.name = "node"
        u = self.edge_tails()
        v = self.indices.astype("int64")
        coords = np.stack(
            [np.column_stack([self.x[u], self.y[u]]), np.column_stack([self.x[v], self.y[v]])],
            axis=1,
        )
        names = np.asarray(self.class_names, dtype=object)
        esrc = (
            self.edge_source_ids if self.edge_source_ids is not None else np.full(self.n_edges, -1)
        )
        edges = gpd.GeoDataFrame(
            {
                "u": u,
                "v": v,
                "length_m": self.length_m,
                "time_min": self.time_min,
                "speed_kmh": np.divide(
                    self.length_m * 0.06,
                    self.time_min,
                    out=np.zeros(self.n_edges),
                    where=self.time_min > 0,
                ),
                "road_class": names[self.road_class] if names.size else "road",
                "oneway": self.edge_oneway(),
                "source_id": esrc,
            },
            geometry=shapely.linestrings(coords),
            crs=self.crs,
        )
        return nodes, edges

    def to_osmnx(self) -> nx.MultiDiGraph:
        """A networkx ``MultiDiGraph`` in osmnx's conventions (projected).

        Node keys are the OSM node ids when every node has a distinct
        non-negative source id, else the node numbers; nodes carry ``x``, ``y``
        (network CRS) and ``osmid``. Edges carry ``length`` (m), ``travel_time``
        (seconds, as osmnx), ``speed_kph``, ``time_min``, ``highway``,
        ``oneway`` and ``osmid``; ``graph["crs"]`` is the network CRS.
        Meant for city-size networks (one Python object per edge).
        """
        import networkx as nx

        src = self.node_source_ids
        use_src = src is not None and (src >= 0).all() and np.unique(src).size == src.size
        keys = src.tolist() if use_src and src is not None else list(range(self.n_nodes))
        G = nx.MultiDiGraph(crs=self.crs)
        G.add_nodes_from(
            (k, {"x": float(xx), "y": float(yy), "osmid": int(s)})
            for k, xx, yy, s in zip(
                keys, self.x, self.y, src if src is not None else range(self.n_nodes), strict=True
            )
        )
        u = self.edge_tails()
        names = list(self.class_names) or ["road"]
        ow = self.edge_oneway()
        esrc = (
            self.edge_source_ids if self.edge_source_ids is not None else np.full(self.n_edges, -1)
        )
        kmh = np.divide(
            self.length_m * 0.06, self.time_min, out=np.zeros(self.n_edges), where=self.time_min > 0
        )
        G.add_edges_from(
            (
                keys[a],
                keys[b],
                0,
                {
                    "length": float(ln),
                    "travel_time": float(t) * 60.0,
                    "time_min": float(t),
                    "speed_kph": float(s),
                    "highway": names[c],
                    "oneway": bool(o),
                    "osmid": int(e),
                },
            )
            for a, b, ln, t, s, c, o, e in zip(
                u.tolist(), self.indices.tolist(), self.length_m, self.time_min, kmh,
                self.road_class.tolist(), ow, esrc, strict=True,
            )
        )  # fmt: skip
        return G

    # -- cache --------------------------------------------------------------------------
    def save(
        self, path: str | os.PathLike[str], *, overwrite: bool = False, compress: bool = False
    ) -> Path:
        """Write the network to a ``.npz`` file (fast reload with :meth:`load`).

        The file holds the arrays, the CRS as WKT and ``meta`` as JSON; it is
        written through :func:`connectivity.outputs.safe_path` (temporary file,
        then rename), so a failed write leaves nothing behind, and an existing
        file is replaced only with ``overwrite=True``. ``compress=True`` trades
        write time for size.
        """
        p = Path(path)
        if p.suffix != ".npz":
            msg = f"save path {str(p)!r} must end in .npz"
            raise ParameterError(msg)
        arrays: dict[str, Any] = {
            "format": np.array(_NPZ_FORMAT),
            "x": self.x, "y": self.y, "indptr": self.indptr, "indices": self.indices,
            "time_min": self.time_min, "length_m": self.length_m, "road_class": self.road_class,
            "class_names": np.array(self.class_names, dtype=str),
            "crs_wkt": np.array(self.crs.to_wkt()),
            "meta_json": np.array(json.dumps(jsonable(self.meta))),
        }  # fmt: skip
        if self.node_source_ids is not None:
            arrays["node_source_ids"] = self.node_source_ids
        if self.edge_source_ids is not None:
            arrays["edge_source_ids"] = self.edge_source_ids
        with safe_path(p, overwrite=overwrite) as tmp, tmp.open("wb") as fh:
            (np.savez_compressed if compress else np.savez)(fh, **arrays)
        return p

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RoadNetwork:
        """Read a network written by :meth:`save`."""
        p = Path(path)
        if not p.is_file():
            msg = f"network file {str(p)!r} does not exist"
            raise InputFileError(msg)
        try:
            with np.load(p, allow_pickle=False) as z:
                if "format" not in z.files or str(z["format"]) != _NPZ_FORMAT:
                    msg = f"{str(p)!r} is not a RoadNetwork file written by RoadNetwork.save"
                    raise InputFileError(msg)
                d = {k: z[k] for k in z.files}
        except InputFileError:
            raise
        except Exception as exc:
            msg = f"cannot read network file {str(p)!r}: {exc}; re-create it with RoadNetwork.save"
            raise InputFileError(msg) from exc
        return cls(
            x=d["x"], y=d["y"], indptr=d["indptr"], indices=d["indices"],
            time_min=d["time_min"], length_m=d["length_m"], road_class=d["road_class"],
            class_names=tuple(str(c) for c in d["class_names"]),
            crs=CRS.from_wkt(str(d["crs_wkt"])),
            node_source_ids=d.get("node_source_ids"),
            edge_source_ids=d.get("edge_source_ids"),
            meta=json.loads(str(d["meta_json"])),
        )  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} directed edges, "
            f"crs={self.crs.to_string()})"
        )


# -- from_edges steps ------------------------------------------------------------------
def _checked_nodes_and_edges(
    x: ArrayLike, y: ArrayLike, u: ArrayLike, v: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Node coordinates (float64) and edge end points (int64), checked."""
    xa = np.ascontiguousarray(x, dtype="float64")
    ya = np.ascontiguousarray(y, dtype="float64")
    ua = np.asarray(u, dtype="int64")
    va = np.asarray(v, dtype="int64")
    n, m = xa.size, ua.size
    if ya.size != n or va.size != m:
        msg = "x/y and u/v must have matching lengths"
        raise DataError(msg)
    if n == 0 or m == 0:
        msg = "the network has no nodes or no edges; check the input layer and its filters"
        raise DataError(msg)
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        msg = "node coordinates contain NaN or infinite values"
        raise DataError(msg)
    if ua.min() < 0 or va.min() < 0 or ua.max() >= n or va.max() >= n:
        msg = "edge end points must index existing nodes (0 <= u, v < number of nodes)"
        raise DataError(msg)
    return xa, ya, ua, va


def _checked_lengths_and_speeds(
    length_m: ArrayLike, speed_kmh: ArrayLike, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-edge lengths (finite, >= 0) and speeds (finite, > 0), broadcast to ``m`` edges."""
    length = np.broadcast_to(np.asarray(length_m, dtype="float64"), (m,))
    speed = np.broadcast_to(np.asarray(speed_kmh, dtype="float64"), (m,))
    if not (np.isfinite(speed).all() and (speed > 0).all()):
        msg = "speed_kmh must be finite and positive on every edge"
        raise DataError(msg)
    if (length < 0).any() or not np.isfinite(length).all():
        msg = "length_m must be finite and non-negative"
        raise DataError(msg)
    return length, speed


def _fastest_directed_csr(
    n: int, u: np.ndarray, v: np.ndarray, oneway: np.ndarray, columns: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """CSR of the directed edges: two-way segments in both directions, no self loops,
    and of parallel edges only the fastest (``columns["time_min"]``).

    ``columns`` are per-edge arrays (``time_min`` required). Returns
    ``(indptr, heads, columns)`` with every column in CSR order.
    """
    back = ~oneway
    uu = np.concatenate([u, v[back]])
    vv = np.concatenate([v, u[back]])
    cols = {k: np.concatenate([a, a[back]]) for k, a in columns.items()}

    def take(index: np.ndarray) -> None:
        nonlocal uu, vv
        uu, vv = uu[index], vv[index]
        for k, a in cols.items():
            cols[k] = a[index]

    take(uu != vv)
    take(np.lexsort((cols["time_min"], vv, uu)))
    first = np.ones(uu.size, bool)
    first[1:] = (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])
    take(first)
    indptr = np.zeros(n + 1, dtype="int64")
    np.add.at(indptr, uu + 1, 1)
    return np.cumsum(indptr), vv, cols
