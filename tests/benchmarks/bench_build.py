"""Benchmark: network builders and snapping, new code vs the code before and the peers.

Not collected by pytest. Run from the project root, e.g.::

    /work/venv/bin/python tests/benchmarks/bench_build.py --nodes 1000000 --points 1000000

Builders, on the edges of the synthetic road-like graph of
``bench_accessibility.synthetic`` (a perturbed 1 km grid, 5 % one-way):

* ``RoadNetwork.from_edges`` on the edge list;
* ``RoadNetwork.from_lines`` on the same edges as a layer of two-vertex lines
  (a ``oneway`` column), snap tolerance 1 m, after a warm-up call on 2 000
  lines (compiled kernels loaded; its time is printed, and with ``--cold``
  also the time of that call in a run with an empty numba cache, which
  compiles them); every array of the network it builds is compared with the
  one the "before" code builds, nodes and edges put in (x, y) order first
  (:func:`canonical`: the before code numbered nodes in (x, y) order, the
  new one along the Z curve);
* ``RoadNetwork.from_lines`` on the same edges chained into ways of up to 8
  segments (:func:`chained_ways`; 5.4 on average at 1 M nodes), the same
  network with fewer line ends and rows, as in a layer of real roads; its
  arrays are compared with those of the two-vertex layer (junction
  coordinates, means of their vertices, to 1e-6 m; ``edge_source_ids`` left
  out);
* scipy's Dijkstra (``min_only``, 8 sources) on the network ``from_lines``
  built from the two-vertex layer, the sources the same places in either
  code: routing reads the network's arrays in node order, so its speed
  depends on how the builder numbered the nodes. Also, alternating with it
  in the same process, on that network numbered in (x, y) order (as the
  code before numbered it): the fairer side by side;
* ``RoadNetwork.from_lines`` on a layer of dense towns among long rural
  roads (:func:`clustered_lines`, two-vertex lines, no one-way column),
  beside ``from_edges`` on its edges: line ends crowd unevenly, as in a
  country layer;
* with ``--end-test-before FILE`` (an older ``connectivity/build/_end_grid.py``,
  e.g. from ``git show``), the line-end test of ``from_lines`` (grid and
  flags) of that file and of today's, alternating in this process on the
  three layers, their flags compared;
* the time of reading each layer's coordinates and geometry types from GEOS
  (``shapely.get_coordinates``, ``get_type_id``), which ``from_lines`` does
  before any work of its own; pandas' ``factorize`` of its one-way column
  (the distinct values, each then read once); and ``np.sort`` of its
  vertices' millimetre keys (the least a grouping of coincident vertices
  costs). With ``from_edges``, which ``from_lines`` ends with, their sum is
  printed as a floor of ``from_lines`` / ``from_edges``: what it takes before
  any T-junction test or tolerance clustering of its own;
* igraph ``Graph(edges=..., directed=True)`` with a weight attribute (both
  directions of two-way segments), and the scipy CSR floor
  (``csr_matrix((w, (u, v)))``).

Snapping: ``snap_xy`` of ``--points`` points (half exactly on nodes, half
within ~200 m of one), first call (building the segment index) and a second
call (the index reused, as every OriginSet and measure on one network does;
the first call also builds the grid of candidate segments that large queries use);
osmnx ``ox.distance.nearest_edges`` on the graph of a smaller network
(``--osmnx-nodes``) with a sample of points, extrapolated per point (marked ``~``).

"before" is the code at the start of this work: ``--before`` (default
``/work/base2``, commit e894b43) run in a subprocess. Seconds are wall clock
on a shared machine, the builds of the new code the best of ``--repeats``
(default 3; the before code's once); every run prints the load average and
peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

#: Run in a subprocess with the code under test on ``sys.path`` (new or before):
#: times from_edges, from_lines and snapping, prints one JSON line.
WORKER = r"""
import json, resource, sys, time
sys.path[:0] = [ROOT, ROOT + "/tests/benchmarks"]
import geopandas as gpd, numpy as np, shapely
from bench_accessibility import CRS, synthetic
from connectivity import RoadNetwork
from connectivity.snapping import segment_index, snap_xy

n_nodes, n_points, tasks, repeats = NODES, POINTS, TASKS, REPEATS
out = {}


def best(fn):  # the result of fn() and its best time over `repeats` calls
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return res, min(times)


def floor_steps(geoms, oneway, tail):  # the least two steps of from_lines can cost
    import pandas as pd
    column = oneway.to_numpy()
    out["oneway_factorize" + tail] = best(lambda: pd.factorize(column))[1]  # its distinct values
    q = np.round(shapely.get_coordinates(geoms) / 1e-3).astype(np.int64)
    key = (q[:, 0] - q[:, 0].min()) << 32 | (q[:, 1] - q[:, 1].min())  # (fits: < 4 295 km)
    out["vertex_sort" + tail] = best(lambda: np.sort(key))[1]  # the vertices' millimetre keys


net = synthetic(n_nodes)
si = segment_index(net)
a, b = si.a, si.b
oneway_ab = np.isfinite(si.t_ab) & ~np.isfinite(si.t_ba)
oneway_ba = np.isfinite(si.t_ba) & ~np.isfinite(si.t_ab)
u, v = np.where(oneway_ba, b, a), np.where(oneway_ba, a, b)
speed = (net.length_m.sum() / net.time_min.sum()) * 0.06
oneway = oneway_ab | oneway_ba
if "build" in tasks:
    RoadNetwork.from_edges(net.x, net.y, u[:2000], v[:2000], crs=CRS, speed_kmh=speed, oneway=oneway[:2000])
    out["from_edges"] = best(
        lambda: RoadNetwork.from_edges(net.x, net.y, u, v, crs=CRS, speed_kmh=speed, oneway=oneway)
    )[1]
    lines = shapely.linestrings(np.stack([np.c_[net.x[u], net.y[u]], np.c_[net.x[v], net.y[v]]], axis=1))
    gdf = gpd.GeoDataFrame({"oneway": np.where(oneway, "yes", "no")}, geometry=lines, crs=CRS)
    t = time.perf_counter()
    RoadNetwork.from_lines(gdf.iloc[:2000], oneway_col="oneway", snap_tolerance_m=1.0)  # warm-up
    out["from_lines_first_2000"] = time.perf_counter() - t  # compiles (or loads) the kernels
    out["geos_coordinates"] = best(
        lambda: (shapely.get_type_id(lines), shapely.get_coordinates(lines, return_index=True))
    )[1]  # what from_lines reads from GEOS before any work of its own
    floor_steps(lines, gdf["oneway"], "")
    built, out["from_lines"] = best(
        lambda: RoadNetwork.from_lines(gdf, oneway_col="oneway", snap_tolerance_m=1.0)
    )
    out["n_lines"] = len(gdf)
    # routing on the network built: Dijkstra from 8 nodes (the same places in either
    # code), whose speed depends on how the builder numbered the nodes
    from scipy.sparse.csgraph import dijkstra
    picks = np.random.default_rng(0).integers(0, net.n_nodes, 8)
    src = [int(np.flatnonzero((built.x == net.x[k]) & (built.y == net.y[k]))[0]) for k in picks]
    adjacency = built.csr()
    # and on the same network numbered in (x, y) order, alternating in this process
    import scipy.sparse as sp
    rank = np.empty(built.n_nodes, dtype=np.int64)
    rank[np.lexsort((built.y, built.x))] = np.arange(built.n_nodes)
    by_xy = sp.csr_matrix(
        (built.time_min, (rank[built.edge_tails()], rank[built.indices])), shape=adjacency.shape
    )
    times = {"dijkstra_8_sources": [], "dijkstra_8_xy_order": []}
    for _ in range(repeats):
        for key, g, s in (("dijkstra_8_sources", adjacency, src),
                          ("dijkstra_8_xy_order", by_xy, rank[src])):  # fmt: skip
            t = time.perf_counter()
            dijkstra(g, indices=s, min_only=True)
            times[key].append(time.perf_counter() - t)
    out.update({k: min(t) for k, t in times.items()})
    arrays = {k: a for k, a in vars(built).items() if isinstance(a, np.ndarray)}
    if OUT:
        np.savez(OUT.replace(".npz", "_lines.npz"), **arrays)
    del gdf, built, adjacency, by_xy
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_build_new", BENCH)  # (this file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    vertices, way_of, way_oneway = mod.chained_ways(u, v, oneway.astype(np.int8))
    ways = gpd.GeoDataFrame(
        {"oneway": np.where(way_oneway == 1, "yes", "no")},
        geometry=shapely.linestrings(np.c_[net.x[vertices], net.y[vertices]], indices=way_of),
        crs=CRS,
    )
    geoms = ways.geometry.values
    out["geos_coordinates_ways"] = best(
        lambda: (shapely.get_type_id(geoms), shapely.get_coordinates(geoms, return_index=True))
    )[1]
    floor_steps(geoms, ways["oneway"], "_ways")
    by_ways, out["from_lines_ways"] = best(
        lambda: RoadNetwork.from_lines(ways, oneway_col="oneway", snap_tolerance_m=1.0)
    )
    out["n_ways"] = len(ways)
    out["ways_same_network"] = all(  # (junctions: means of their vertices, to rounding)
        np.allclose(a, getattr(by_ways, k), rtol=0, atol=1e-6) if k in ("x", "y")
        else np.array_equal(a, getattr(by_ways, k))
        for k, a in arrays.items() if k != "edge_source_ids"
    )
    del ways, by_ways
    # a layer of dense towns among long rural roads: the line-end test on uneven density
    town = mod.clustered_lines(n_nodes)
    towns = gpd.GeoDataFrame(geometry=shapely.linestrings(town), crs=CRS)
    ends, inv = np.unique(town.reshape(-1, 2), axis=0, return_inverse=True)
    tu, tv = inv.reshape(-1, 2).T
    out["from_edges_towns"] = best(
        lambda: RoadNetwork.from_edges(ends[:, 0], ends[:, 1], tu, tv, crs=CRS, speed_kmh=speed)
    )[1]
    by_towns, out["from_lines_towns"] = best(
        lambda: RoadNetwork.from_lines(towns, snap_tolerance_m=1.0)
    )
    out["n_town_lines"] = len(towns)
    out["towns_t_junctions"] = by_towns.meta["n_t_junctions"]
if "snap" in tasks:
    fresh = synthetic(n_nodes)  # no cached segment index
    rng = np.random.default_rng(5)
    pick = rng.integers(0, fresh.n_nodes, n_points)
    half = n_points // 2
    x = np.r_[fresh.x[pick[:half]], fresh.x[pick[half:]] + rng.normal(0, 200, n_points - half)]
    y = np.r_[fresh.y[pick[:half]], fresh.y[pick[half:]] + rng.normal(0, 200, n_points - half)]
    t = time.perf_counter()
    s1 = snap_xy(fresh, x, y)
    out["snap_first"] = time.perf_counter() - t
    t = time.perf_counter()
    snap_xy(fresh, x, y)
    out["snap_again"] = time.perf_counter() - t
    if OUT:
        np.savez(OUT, seg=s1.seg, frac=s1.frac, dist=s1.dist_m)
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


@numba.njit  # (no cache: the workers load this file by path)
def chained_ways(
    u: np.ndarray, v: np.ndarray, oneway: np.ndarray, most: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments ``u -> v`` chained greedily into ways of up to ``most`` segments, each of
    one one-way code (a one-way way follows its segments' direction).

    Returns ``(vertices, way_of, way_oneway)``: the node of every way vertex, the
    way of each, and the code of each way; every segment is in exactly one way.
    """
    n = max(u.max(), v.max()) + 1
    m = u.size
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        start[u[e] + 1] += 1
        start[v[e] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    fill = start[:-1].copy()
    inc = np.empty(2 * m, dtype=np.int64)
    for e in range(m):
        inc[fill[u[e]]] = e
        fill[u[e]] += 1
        inc[fill[v[e]]] = e
        fill[v[e]] += 1
    used = np.zeros(m, dtype=np.bool_)
    vertices = np.empty(2 * m, dtype=np.int64)
    way_of = np.empty(2 * m, dtype=np.int64)
    codes = np.empty(m, dtype=np.int8)
    back = np.empty(most, dtype=np.int64)
    k = w = 0
    for e in range(m):
        if used[e]:
            continue
        used[e] = True
        n_back, cur, size = 0, u[e], 1  # first backwards from u[e], then on from v[e]
        while size < most:
            nxt = _next_segment(cur, e, start, inc, u, v, oneway, used, False)
            if nxt < 0:
                break
            cur = u[nxt] if v[nxt] == cur else v[nxt]
            back[n_back] = cur
            n_back += 1
            size += 1
        for i in range(n_back - 1, -1, -1):
            vertices[k], way_of[k] = back[i], w
            k += 1
        vertices[k], way_of[k] = u[e], w
        vertices[k + 1], way_of[k + 1] = v[e], w
        k += 2
        cur = v[e]
        while size < most:
            nxt = _next_segment(cur, e, start, inc, u, v, oneway, used, True)
            if nxt < 0:
                break
            cur = v[nxt] if u[nxt] == cur else u[nxt]
            vertices[k], way_of[k] = cur, w
            k += 1
            size += 1
        codes[w] = oneway[e]
        w += 1
    return vertices[:k].copy(), way_of[:k].copy(), codes[:w].copy()


@numba.njit
def _next_segment(
    cur: int,
    e: int,
    start: np.ndarray,
    inc: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    oneway: np.ndarray,
    used: np.ndarray,
    forward: bool,
) -> int:
    """An unused segment at node ``cur`` with the one-way code of ``e`` that a way
    may take on from it (forward: leaving ``cur``; backward: entering it), marked used."""
    for i in range(start[cur], start[cur + 1]):
        f = inc[i]
        if used[f] or oneway[f] != oneway[e]:
            continue
        if oneway[e] and (u[f] if forward else v[f]) != cur:
            continue
        used[f] = True
        return f
    return -1


def clustered_lines(n_nodes: int, seed: int = 0) -> np.ndarray:
    """``(m, 2, 2)`` two-vertex lines: 95 % in 50 towns, each a jittered 50 m lattice
    (about ``n_nodes`` lattice points in all), the rest long rural roads (about 4 km,
    anywhere in a 1 000 km square; one that ends within 1 m of a town street is a
    T-junction).

    Line ends crowd in the towns: the line-end test of ``from_lines`` meets
    uneven density, as in a country layer, not a uniform lattice.
    """
    rng = np.random.default_rng(seed)
    g = max(int(np.sqrt(n_nodes / 50)), 2)
    ii, jj = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    idx = ii * g + jj
    pairs = np.vstack(
        [np.c_[idx[:-1].ravel(), idx[1:].ravel()], np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]]
    )
    lines = []
    for centre in rng.uniform(0, 1e6, (50, 2)):
        p = centre + np.c_[ii.ravel(), jj.ravel()] * 50.0 + rng.normal(0, 2, (g * g, 2))
        lines.append(np.stack([p[pairs[:, 0]], p[pairs[:, 1]]], axis=1))
    n_rural = sum(len(t) for t in lines) // 19
    a = rng.uniform(0, 1e6, (n_rural, 2))
    lines.append(np.stack([a, a + rng.normal(0, 3000, (n_rural, 2))], axis=1))
    return np.concatenate(lines)


def canonical(net: Any) -> list[np.ndarray]:
    """The arrays of a network (saved by the worker) with its nodes numbered in (x, y)
    order and its edges in (tail, head) order: equal for one network numbered two ways."""
    x, y, indptr = net["x"], net["y"], net["indptr"]
    order = np.lexsort((y, x))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    tail = rank[np.repeat(np.arange(x.size), np.diff(indptr))]
    head = rank[net["indices"]]
    edges = np.lexsort((head, tail))
    per_node = [net[k][order] for k in ("x", "y", "node_source_ids") if k in net.files]
    per_edge = [
        net[k][edges]
        for k in sorted(net.files)
        if k not in ("x", "y", "node_source_ids", "indptr", "indices")
    ]
    return [*per_node, tail[edges], head[edges], *per_edge]


def worker(
    root: Path,
    nodes: int,
    points: int,
    tasks: str,
    out: str = "",
    cache: str = "",
    repeats: int = 1,
) -> dict[str, Any]:
    """Run :data:`WORKER` with the code at ``root``; its timings (``cache``: an empty
    numba cache directory, so the kernels compile; builds: the best of ``repeats``)."""
    code = (
        WORKER.replace("ROOT", repr(str(root)))
        .replace("NODES", str(nodes))
        .replace("POINTS", str(points))
        .replace("TASKS", repr(tasks))
        .replace("OUT", repr(out))
        .replace("REPEATS", str(repeats))
        .replace("BENCH", repr(str(Path(__file__).resolve())))
    )
    env = dict(os.environ, PYTHONPATH=str(root))
    if cache:
        env["NUMBA_CACHE_DIR"] = cache
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=str(root)
    )
    for line in run.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    msg = f"worker at {root} failed:\n{run.stderr[-3000:]}"
    raise RuntimeError(msg)


def peers_build(nodes: int) -> dict[str, float]:
    """igraph and the scipy CSR floor on the edges of the synthetic graph."""
    import igraph
    import scipy.sparse as sp

    sys.path[:0] = [str(ROOT), str(HERE)]
    from bench_accessibility import synthetic

    net = synthetic(nodes)
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    heads = net.indices.astype("int64")
    w = net.time_min
    out = {}
    t = time.perf_counter()
    g = igraph.Graph(n=net.n_nodes, edges=np.column_stack([tails, heads]), directed=True)
    g.es["weight"] = w
    out["igraph"] = time.perf_counter() - t
    t = time.perf_counter()
    sp.csr_matrix((w, (tails, heads)), shape=(net.n_nodes, net.n_nodes))
    out["scipy_csr"] = time.perf_counter() - t
    return out


def osmnx_snap(nodes: int, sample: int) -> float:
    """Seconds per point of ``ox.distance.nearest_edges`` (graph and STRtree included)."""
    import osmnx as ox

    sys.path[:0] = [str(ROOT), str(HERE)]
    from bench_accessibility import synthetic

    net = synthetic(nodes)
    g = net.to_osmnx()
    rng = np.random.default_rng(5)
    pick = rng.integers(0, net.n_nodes, sample)
    x = net.x[pick] + rng.normal(0, 200, sample)
    y = net.y[pick] + rng.normal(0, 200, sample)
    t = time.perf_counter()
    ox.distance.nearest_edges(g, x, y)
    return (time.perf_counter() - t) / sample


def end_test_side_by_side(nodes: int, old_file: Path, repeats: int) -> list[tuple[str, str, float]]:
    """The line-end test (grid and flags) of ``connectivity.build._end_grid`` beside an
    older version of that module (``old_file``), alternating in this process, on the
    two-vertex, ways and towns layers; the flags of both are checked equal."""
    import types

    sys.path[:0] = [str(ROOT), str(HERE)]
    from bench_accessibility import synthetic

    from connectivity.build import _end_grid as new_mod
    from connectivity.snapping import segment_index

    old_mod = types.ModuleType("old_end_grid")  # compiled afresh: no numba cache by its file
    source = old_file.read_text(encoding="utf-8").replace("cache=True", "cache=False")
    exec(compile(source, str(old_file), "exec"), old_mod.__dict__)
    net = synthetic(nodes)
    si = segment_index(net)
    a, b = si.a, si.b
    vertices, way_of, _ = chained_ways(a, b, np.zeros(a.size, np.int8))
    two = np.arange(a.size).repeat(2)  # the part of each vertex of a two-vertex layer
    towns = clustered_lines(nodes)
    layers = {  # (vertices, part of each)
        "two-vertex": (np.c_[net.x[a], net.y[a], net.x[b], net.y[b]].reshape(-1, 2), two),
        "ways": (np.c_[net.x[vertices], net.y[vertices]], way_of),
        "towns": (towns.reshape(-1, 2), np.arange(towns.shape[0]).repeat(2)),
    }
    rows = []
    for name, (xy, part) in layers.items():
        seg, ends = new_mod.segments_and_ends(part)
        pts, end_part, seg_part, seg4 = new_mod.end_columns(xy, part, seg, ends)
        times: dict[str, list[float]] = {"old": [], "new": []}
        flags = {}
        for _ in range(repeats):
            for code, mod in (("old", old_mod), ("new", new_mod)):
                t = time.perf_counter()
                grid = mod.build_end_grid(seg4, pts, 1.0)
                flags[code] = mod.end_flags(pts, end_part, seg_part, seg4, grid, 1.0, 1e-6)
                times[code].append(time.perf_counter() - t)
        same = all(np.array_equal(x, y) for x, y in zip(flags["old"], flags["new"], strict=True))
        print(f"line-end test, {name}: old == new flags: {same}")
        rows += [(f"end_test_{name}", code, min(t)) for code, t in times.items()]
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--nodes", type=int, default=1_000_000)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--before", type=Path, default=Path("/work/base2"))
    p.add_argument("--osmnx-nodes", type=int, default=62_500)
    p.add_argument("--osmnx-sample", type=int, default=20_000)
    p.add_argument(
        "--repeats", type=int, default=3, help="builds of the new code timed: the best (before: 1)"
    )
    p.add_argument("--skip", default="", help="comma list of: build, snap, before, peers, osmnx")
    p.add_argument(
        "--end-test-before",
        type=Path,
        help="an older connectivity/build/_end_grid.py: its line-end test beside today's, "
        "alternating in this process (e.g. git show bfba13f:connectivity/build/_end_grid.py)",
    )
    p.add_argument(
        "--cold", action="store_true", help="compile the kernels (empty numba cache) first"
    )
    args = p.parse_args()
    skip = set(args.skip.split(","))
    tasks = ",".join(t for t in ("build", "snap") if t not in skip)
    print(f"load average before: {os.getloadavg()}; numba threads {numba.get_num_threads()}")
    rows: list[tuple[str, str, float | str]] = []
    if args.cold and "build" in tasks:
        with tempfile.TemporaryDirectory() as cache:
            cold = worker(ROOT, 2000, 0, "build", cache=cache)
        rows.append(("from_lines_first_2000", "new, cold", cold["from_lines_first_2000"]))
    if tasks:
        new = worker(
            ROOT, args.nodes, args.points, tasks, "/tmp/bench_build_new.npz", repeats=args.repeats
        )
        rows += [(k, "new", v) for k, v in new.items()]
    if tasks and "before" not in skip and args.before.is_dir():
        old = worker(args.before, args.nodes, args.points, tasks, "/tmp/bench_build_old.npz")
        rows += [(k, "before", v) for k, v in old.items()]
        if "snap" in tasks:
            a, b = np.load("/tmp/bench_build_new.npz"), np.load("/tmp/bench_build_old.npz")
            same = all(np.array_equal(a[k], b[k], equal_nan=True) for k in a.files)
            print(f"snapping new == before (segment, fraction, distance): {same}")
        if "build" in tasks:
            a = np.load("/tmp/bench_build_new_lines.npz")
            b = np.load("/tmp/bench_build_old_lines.npz")
            same = set(a.files) == set(b.files) and all(
                np.array_equal(x, y) for x, y in zip(canonical(a), canonical(b), strict=True)
            )
            print(f"from_lines new == before (every array of the network, nodes by (x, y)): {same}")
    if "peers" not in skip and "build" in tasks:
        rows += [(k, "peer", v) for k, v in peers_build(args.nodes).items()]
    if args.end_test_before:
        rows += end_test_side_by_side(args.nodes, args.end_test_before, args.repeats)
    if "osmnx" not in skip and "snap" in tasks:
        per_point = osmnx_snap(args.osmnx_nodes, args.osmnx_sample)
        rows.append(("snap_osmnx", f"~ x{args.points:,} pts", per_point * args.points))
    print(f"\n{args.nodes:,} nodes, {args.points:,} points")
    print(f"{'task':<22}{'code':<16}{'value':>12}")
    for task, code, value in rows:
        shown = f"{value:12.3f}" if isinstance(value, float) else f"{value!s:>12}"
        print(f"{task:<22}{code:<16}{shown}")
    by = {(t, c): v for t, c, v in rows}
    ratios = [
        ("from_lines / from_edges (new)", ("from_lines", "new"), ("from_edges", "new")),
        ("from_lines ways / from_edges", ("from_lines_ways", "new"), ("from_edges", "new")),
        ("GEOS coordinates / from_edges", ("geos_coordinates", "new"), ("from_edges", "new")),
        ("same, ways / from_edges", ("geos_coordinates_ways", "new"), ("from_edges", "new")),
        ("from_lines ways before / new", ("from_lines_ways", "before"), ("from_lines_ways", "new")),
        ("from_lines towns / from_edges", ("from_lines_towns", "new"), ("from_edges_towns", "new")),
        (
            "line-end test two-vertex old / new",
            ("end_test_two-vertex", "old"),
            ("end_test_two-vertex", "new"),
        ),
        ("line-end test ways old / new", ("end_test_ways", "old"), ("end_test_ways", "new")),
        ("line-end test towns old / new", ("end_test_towns", "old"), ("end_test_towns", "new")),
        (
            "from_lines towns before / new",
            ("from_lines_towns", "before"),
            ("from_lines_towns", "new"),
        ),
        ("from_lines before / new", ("from_lines", "before"), ("from_lines", "new")),
        ("from_edges before / new", ("from_edges", "before"), ("from_edges", "new")),
        (
            "Dijkstra: (x, y) / Z order (new)",
            ("dijkstra_8_xy_order", "new"),
            ("dijkstra_8_sources", "new"),
        ),
        (
            "Dijkstra on it: before / new",
            ("dijkstra_8_sources", "before"),
            ("dijkstra_8_sources", "new"),
        ),
        ("from_edges new / igraph", ("from_edges", "new"), ("igraph", "peer")),
        ("from_edges new / scipy CSR", ("from_edges", "new"), ("scipy_csr", "peer")),
        ("snap first: before / new", ("snap_first", "before"), ("snap_first", "new")),
        ("snap again: before / new", ("snap_again", "before"), ("snap_again", "new")),
    ]
    print()
    for label, num, den in ratios:
        if num in by and den in by:
            print(f"{label:<32}{float(by[num]) / float(by[den]):8.2f}x")
    for layer, tail in (("two-vertex", ""), ("ways", "_ways")):  # the floor of the 3x target
        steps = [f"geos_coordinates{tail}", f"oneway_factorize{tail}", f"vertex_sort{tail}"]
        if all((k, "new") in by for k in [*steps, "from_edges"]):
            floor = sum(float(by[k, "new"]) for k in steps) + float(by["from_edges", "new"])
            ratio = floor / float(by["from_edges", "new"])
            print(f"floor, {layer}: GEOS read + one-way column + vertex sort + from_edges "
                  f"= {floor:.3f} s, {ratio:.2f}x from_edges")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS (this process, peers): {rss:.0f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
