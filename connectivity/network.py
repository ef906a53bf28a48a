"""Road networks as compact CSR graphs: :class:`RoadNetwork`.

Every edge is a straight segment between its two end nodes (builders split
polylines at every vertex and never simplify), so routing is exact, snapping
a point to an edge is exact and a country network stays a few flat arrays.

Builders: :meth:`RoadNetwork.from_edges` (arrays), :meth:`RoadNetwork.from_osm`
(OSM PBF / XML via pyosmium, optionally clipped), downloads through osmnx
(:meth:`RoadNetwork.from_place`, :meth:`RoadNetwork.from_bbox`,
:meth:`RoadNetwork.from_polygon`), :meth:`RoadNetwork.from_osmnx` (osmnx
graphs), :meth:`RoadNetwork.from_gdfs` (node and edge GeoDataFrames) and
:meth:`RoadNetwork.from_lines` (any line layer). Exporters in osmnx's
conventions: :meth:`RoadNetwork.to_osmnx`, :meth:`RoadNetwork.to_gdfs`; and a
fast ``.npz`` cache (:meth:`RoadNetwork.save` / :meth:`RoadNetwork.load`).
"""

from __future__ import annotations

import dataclasses
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

from connectivity._components import weak_labels
from connectivity.build.edges import (
    checked_lengths_and_speeds,
    checked_nodes_and_edges,
    fastest_directed_csr,
)
from connectivity.build.lines import lines_edge_arrays
from connectivity.build.npz import read_network_npz, write_network_npz
from connectivity.build.osm import osm_edge_arrays
from connectivity.build.osmnx_graphs import download_graph, gdfs_edge_arrays, osmnx_edge_arrays
from connectivity.crs import check_metric_crs
from connectivity.errors import DataError, NetworkError, ParameterError
from connectivity.notebook import network_html
from connectivity.outputs import jsonable
from connectivity.speeds import SpeedTable, as_speed_table, network_speeds

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    import networkx as nx
    import shapely

__all__ = ["RoadNetwork"]

log = logging.getLogger(__name__)


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
        x, y, u, v = checked_nodes_and_edges(x, y, u, v)
        m = u.size
        if length_m is None:
            length_m = np.hypot(x[v] - x[u], y[v] - y[u])
        length, speed = checked_lengths_and_speeds(length_m, speed_kmh, m)
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
        indptr, heads, cols = fastest_directed_csr(x.size, u, v, oneway, columns)
        if heads.size == 0:
            msg = (
                "the network has no edges: every segment joins a node to itself (zero length); "
                "check the input's geometry and CRS"
            )
            raise NetworkError(msg)
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
        bbox: Sequence[float] | None = None,
        polygon: Any = None,
        largest_component: bool = False,
        progress: bool = False,
    ) -> RoadNetwork:
        """Build a network from an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``).

        Parameters
        ----------
        path : path-like
            OSM PBF or XML file; read with pyosmium (libosmium).
        network_type : {"drive", "drive_service", "walk", "bike", "all", "all_public"}
            Way filter: osmnx's filter of the same name, read from the
            installed osmnx (``osmnx._overpass._get_network_filter``).
        crs : CRS-like, optional
            Projected metric CRS of the result. ``None`` picks the UTM zone of
            the data (extent up to 1000 km) or an azimuthal equidistant CRS
            centred on the data (a whole country).
        speeds : SpeedTable or dict, optional
            Speed table; default :func:`~connectivity.speeds.network_speeds`
            of the network type (:data:`~connectivity.KAZAKHSTAN_SPEEDS` for
            cars, :data:`~connectivity.speeds.WALK_SPEEDS`,
            :data:`~connectivity.speeds.BIKE_SPEEDS`); a dict of class -> km/h
            overrides classes of that table.
        bbox : (west, south, east, north), optional
            Keep only the part inside this box (degrees).
        polygon : shapely Polygon / MultiPolygon (degrees) or GeoDataFrame, optional
            Keep only the part inside this polygon (instead of ``bbox``).
        largest_component : bool, default False
            Keep only the largest strongly connected component (the dropped
            ones are logged and recorded in ``meta["components"]``). By
            default every part is kept: routing stays within each part, a
            trip between parts has no time ("different network component"),
            and the parts are logged and recorded in ``meta["components"]``.
        progress : bool
            Show a progress bar while reading ways (on a terminal only).

        Returns
        -------
        RoadNetwork

        Notes
        -----
        Way filter: ways with ``highway=*`` whose tags pass osmnx's Overpass
        filter of ``network_type`` (for ``"drive"``: not ``area=yes``, not
        ``access=private``, no footways, paths, tracks, service roads...),
        applied as unanchored regular expressions like Overpass.

        One-way rules: ``oneway=yes/true/1`` one-way in node order,
        ``oneway=-1/reverse`` against it; ``oneway=reversible/alternating``
        (time-dependent direction) one-way in node order, so both directions
        are never offered at once (osmnx keeps such ways two-way; OSRM drops
        them); ``junction=roundabout/circular`` one-way; ``highway=motorway``
        and ``motorway_link`` one-way unless ``oneway=no`` (implied by OSM).
        In osmnx's bidirectional network types (``"walk"``) every way is two-way.

        Clipping (``bbox``/``polygon``) works as osmnx's truncation with
        ``truncate_by_edge=False``: ways with no vertex in the box are skipped
        while the file is read, and a segment is kept only when both its nodes
        are inside the area (or on its boundary).

        Every way is split at every vertex into straight segments (no
        simplification, degree-2 nodes kept). Vertices whose node is missing
        from the file (clipped extracts) cut the way. Segment lengths are
        geodesic on the WGS84 ellipsoid (``pyproj.Geod``), so they do not
        depend on the projection; node coordinates are projected.
        """
        t0 = time.perf_counter()
        kw = osm_edge_arrays(
            path, network_type=network_type, crs=crs, speeds=speeds, bbox=bbox, polygon=polygon,
            progress=progress,
        )  # fmt: skip
        net = cls.from_edges(**kw)
        info = kw["meta"]
        log.info(
            "read %s: %d of %d highway ways kept (%s filter), %d nodes, %d directed edges",
            Path(info["source"]).name, info["n_ways"], info["n_highway_ways"], network_type,
            net.n_nodes, net.n_edges,
        )  # fmt: skip
        return net._finished(largest_component, t0)

    def _finished(self, largest_component: bool, t0: float | None = None) -> RoadNetwork:
        """The largest component if asked (else every part, noted), with the build time in ``meta``."""
        net = self.largest_component() if largest_component else self._parts_noted()
        if t0 is not None:
            net.meta["build_seconds"] = round(time.perf_counter() - t0, 3)
        return net

    def _parts_noted(self) -> RoadNetwork:
        """This network, its separate (weakly connected) parts logged and in ``meta["components"]``."""
        sizes = np.bincount(self.component_labels(connection="weak"))
        sizes = np.sort(sizes)[::-1]
        self.meta["components"] = {
            "connection": "weak", "n_components": int(sizes.size), "kept": "all",
            "largest_sizes": [int(s) for s in sizes[:20]],
        }  # fmt: skip
        if sizes.size > 1:
            log.info(
                "the network has %d separate parts (the largest has %d of %d nodes); all kept: "
                "trips between parts get no time (largest_component=True keeps the largest only)",
                sizes.size, sizes[0], self.n_nodes,
            )  # fmt: skip
        return self

    @classmethod
    def from_place(
        cls,
        query: str | dict[str, str] | list[Any],
        *,
        network_type: str = "drive",
        crs: Any = None,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = False,
    ) -> RoadNetwork:
        """Download the network of a place through osmnx (Nominatim, then Overpass).

        Parameters
        ----------
        query : str, dict or list
            Place name(s) geocoded to a boundary polygon by Nominatim, as
            ``osmnx.graph_from_place`` takes them (e.g. ``"Almaty, Kazakhstan"``).
        network_type : {"drive", "drive_service", "walk", "bike", "all", "all_public"}
            osmnx's way filter, sent to Overpass.
        crs, speeds, largest_component
            As in :meth:`from_osm` (default speeds by network type).

        Returns
        -------
        RoadNetwork

        Notes
        -----
        Downloads with ``osmnx.graph_from_place(..., simplify=False,
        retain_all=True)`` and builds with :meth:`from_osmnx`; the servers are
        ``osmnx.settings.nominatim_url`` and ``osmnx.settings.overpass_url``, and
        osmnx caches the responses (in ``osmnx/`` of the toolkit's cache folder
        unless ``osmnx.settings.cache_folder`` is set). Lengths are osmnx's
        great-circle lengths, so they differ from :meth:`from_osm`'s geodesic
        ones by less than 0.5 %; osmnx keeps ``oneway=reversible`` ways and
        motorways without a ``oneway`` tag two-way.
        """
        return cls._downloaded(network_type, crs, speeds, largest_component, place=query)

    @classmethod
    def from_bbox(
        cls,
        bbox: Sequence[float],
        *,
        network_type: str = "drive",
        crs: Any = None,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = False,
    ) -> RoadNetwork:
        """Download the network inside ``bbox = (west, south, east, north)`` (degrees) through osmnx.

        As :meth:`from_place`, with ``osmnx.graph_from_bbox``.
        """
        return cls._downloaded(network_type, crs, speeds, largest_component, bbox=bbox)

    @classmethod
    def from_polygon(
        cls,
        polygon: shapely.Polygon | shapely.MultiPolygon | gpd.GeoDataFrame,
        *,
        network_type: str = "drive",
        crs: Any = None,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = False,
    ) -> RoadNetwork:
        """Download the network inside a polygon through osmnx.

        ``polygon`` is a shapely (Multi)Polygon in longitude/latitude, or a
        GeoDataFrame/GeoSeries (reprojected and united). As :meth:`from_place`,
        with ``osmnx.graph_from_polygon``.
        """
        return cls._downloaded(network_type, crs, speeds, largest_component, polygon=polygon)

    @classmethod
    def _downloaded(
        cls,
        network_type: str,
        crs: Any,
        speeds: SpeedTable | Mapping[str, float] | None,
        largest_component: bool,
        **where: Any,
    ) -> RoadNetwork:
        t0 = time.perf_counter()
        G = download_graph(network_type, **where)
        table = as_speed_table(speeds, network_speeds(network_type))
        kw = osmnx_edge_arrays(G, table, crs)
        kw["meta"].update(network_type=network_type, download=jsonable(where))
        net = cls.from_edges(**kw)
        log.info(
            "downloaded the %s network through osmnx: %d nodes, %d directed edges",
            network_type, net.n_nodes, net.n_edges,
        )  # fmt: skip
        return net._finished(largest_component, t0)

    @classmethod
    def from_osmnx(
        cls,
        G: nx.MultiDiGraph,
        *,
        crs: Any = None,
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
        crs : CRS-like, optional
            Projected metric CRS of the result instead.
        speeds : SpeedTable or dict, optional
            Used for edges without ``travel_time`` or ``speed_kph``.
        largest_component : bool, default False
            Keep only the largest strongly connected component; as in :meth:`from_osm`.

        Notes
        -----
        Reads osmnx's attributes: node keys (OSM ids; negative keys are
        synthetic ids and become -1), edge ``length`` (m), ``travel_time``
        (s), ``speed_kph``, ``highway``, ``maxspeed``, ``osmid`` and
        ``geometry``. Each directed edge of ``G`` is one directed edge here
        (osmnx already holds both directions of two-way streets). An edge
        ``geometry`` is split into straight segments with interior nodes
        (source id -1); the edge ``length`` is spread over its segments in
        proportion to their projected lengths. Speed priority: ``travel_time``
        with ``length``, then ``speed_kph``, then ``maxspeed``/``highway``
        through the speed table. For list-valued attributes of simplified
        edges the first ``highway``/``osmid`` is used.
        """
        kw = osmnx_edge_arrays(G, speeds, crs)
        return cls.from_edges(**kw)._finished(largest_component)

    @classmethod
    def from_gdfs(
        cls,
        nodes: gpd.GeoDataFrame,
        edges: gpd.GeoDataFrame,
        *,
        crs: Any = None,
        speeds: SpeedTable | Mapping[str, float] | None = None,
        largest_component: bool = False,
    ) -> RoadNetwork:
        """Build a network from ``(nodes, edges)`` GeoDataFrames, the inverse of :meth:`to_gdfs`.

        Takes what :meth:`to_gdfs` and ``osmnx.graph_to_gdfs`` write, also as
        read back from a GeoPackage (index levels as columns): nodes with
        ``osmid`` (index or column) and point geometry; edges with ``u``,
        ``v`` and the attributes :meth:`from_osmnx` reads. Vectorised (no
        graph object), so it suits country networks.
        """
        kw = gdfs_edge_arrays(nodes, edges, speeds, crs)
        return cls.from_edges(**kw)._finished(largest_component)

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
        largest_component: bool = False,
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
        largest_component : bool, default False
            Keep only the largest strongly connected component; as in
            :meth:`from_osm` (by default every part is kept and logged).

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
        return cls.from_edges(**kw)._finished(largest_component)

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
        if connection == "weak":
            lab = weak_labels(self.indptr, self.indices)
        else:
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

    # -- export (osmnx's conventions) -------------------------------------------------
    def node_ids(self) -> np.ndarray:
        """The osmnx id of every node: its OSM id, or ``-(node number + 1)`` where it has none.

        Negative ids are synthetic (OSM ids are positive); if source ids repeat,
        every node gets its synthetic id.
        """
        ids = -np.arange(1, self.n_nodes + 1, dtype="int64")
        src = self.node_source_ids
        if src is not None:
            with_src = np.where(src >= 0, src, ids)
            if np.unique(with_src).size == with_src.size:
                ids = with_src
        return ids

    def street_count(self) -> np.ndarray:
        """Physical streets meeting at each node (osmnx's ``street_count``): distinct neighbours."""
        once = self._segment_once()
        ends = np.concatenate([self.edge_tails()[once], self.indices[once]])
        return np.bincount(ends, minlength=self.n_nodes).astype("int64")

    def edge_columns(self) -> dict[str, np.ndarray]:
        """Per-edge values in osmnx's names and units, in CSR order.

        ``u``, ``v`` (:meth:`node_ids`), ``key`` (0: parallel edges keep the
        fastest), ``osmid`` (the OSM way id; ``source_id`` when the edges do
        not come from OSM, e.g. :meth:`from_lines` feature rows), ``highway``
        (road class), ``oneway`` (no reverse edge), ``length`` (m),
        ``speed_kph`` and ``travel_time`` (s).
        """
        ids = self.node_ids()
        names = np.asarray(self.class_names or ("road",), dtype=object)
        esrc = self.edge_source_ids
        builder = self.meta.get("builder")
        id_name = self.meta.get(
            "edge_id_column", "osmid" if builder in ("from_osm", "from_osmnx") else "source_id"
        )
        return {
            "u": ids[self.edge_tails()], "v": ids[self.indices], "key": np.zeros(self.n_edges, "int64"),
            id_name: np.full(self.n_edges, -1, "int64") if esrc is None else esrc,
            "highway": names[self.road_class], "oneway": self.edge_oneway(),
            "length": self.length_m,
            "speed_kph": np.divide(self.length_m * 0.06, self.time_min, out=np.zeros(self.n_edges),
                                   where=self.time_min > 0),
            "travel_time": self.time_min * 60.0,
        }  # fmt: skip

    def to_gdfs(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """``(nodes, edges)`` GeoDataFrames in the network CRS, as ``osmnx.graph_to_gdfs``.

        ``nodes``: indexed by ``osmid`` (:meth:`node_ids`), columns ``x``, ``y``,
        ``street_count``, ``geometry``. ``edges``: one row per directed edge, indexed by ``(u, v,
        key)``, with the columns of :meth:`edge_columns` and a straight line
        ``geometry``. :meth:`from_gdfs` reads them back, and
        ``osmnx.graph_from_gdfs`` makes an osmnx graph of them.
        """
        import geopandas as gpd
        import shapely

        nodes = gpd.GeoDataFrame(
            {"x": self.x, "y": self.y, "street_count": self.street_count()},
            index=pd.Index(self.node_ids(), name="osmid"),
            geometry=shapely.points(self.x, self.y),
            crs=self.crs,
        )
        cols = self.edge_columns()
        index = pd.MultiIndex.from_arrays(
            [cols.pop("u"), cols.pop("v"), cols.pop("key")], names=["u", "v", "key"]
        )
        tails, heads = self.edge_tails(), self.indices
        ends = np.stack([np.column_stack([self.x[tails], self.y[tails]]),
                         np.column_stack([self.x[heads], self.y[heads]])], axis=1)  # fmt: skip
        edges = gpd.GeoDataFrame(
            cols, index=index, geometry=shapely.linestrings(ends), crs=self.crs
        )
        return nodes, edges

    def to_osmnx(self) -> nx.MultiDiGraph:
        """A networkx ``MultiDiGraph`` in osmnx's conventions (projected).

        Nodes are keyed by :meth:`node_ids` and carry ``x``, ``y`` (network
        CRS) and ``street_count``; edges ``(u, v, 0)`` carry the values of :meth:`edge_columns`
        (``length`` m, ``travel_time`` s, ``speed_kph``, ``highway``, ``oneway``,
        ``osmid``); ``graph["crs"]`` is the network CRS. osmnx functions
        (``shortest_path``, ``graph_to_gdfs``, ``nearest_nodes``, ``project_graph``)
        accept it, and :meth:`from_osmnx` reads it back. Meant for city-size
        networks (one Python object per edge).
        """
        import networkx as nx

        G = nx.MultiDiGraph(crs=self.crs)
        G.add_nodes_from(
            (k, {"x": xx, "y": yy, "street_count": c})
            for k, xx, yy, c in zip(
                self.node_ids().tolist(),
                self.x.tolist(),
                self.y.tolist(),
                self.street_count().tolist(),
                strict=True,
            )
        )
        cols = {k: a.tolist() for k, a in self.edge_columns().items()}
        u, v, key = cols.pop("u"), cols.pop("v"), cols.pop("key")
        names = list(cols)
        G.add_edges_from(
            (a, b, k, dict(zip(names, row, strict=True)))
            for a, b, k, row in zip(u, v, key, zip(*cols.values(), strict=True), strict=True)
        )
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
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return write_network_npz(path, fields, overwrite=overwrite, compress=compress)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RoadNetwork:
        """Read a network written by :meth:`save`."""
        return cls(**read_network_npz(path))

    def __repr__(self) -> str:
        return (
            f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} directed edges, "
            f"crs={self.crs.to_string()})"
        )

    def _repr_html_(self) -> str:
        return network_html(self)
