"""Benchmark: isochrone polygons, connectivity (grid default, exact buffer) vs the osmnx recipe.

Not collected by pytest. Run from the project root, e.g.::

    PYTHONPATH=$PWD /work/venv/bin/python tests/benchmarks/bench_isochrones.py
    PYTHONPATH=$PWD /work/venv/bin/python tests/benchmarks/bench_isochrones.py --cells 100,25 --piece-union

Workloads: 13 sources x (20, 40) min on the 2 500-node synthetic road network
of ``bench_accessibility.synthetic`` and 3 sources x (10, 20, 30) min on
Almaty (``almaty_2013.osm.pbf`` in the shared data). Tools, in one run:

* ``connectivity default``: ``method="auto"``, which draws these cities on the
  grid (cells of ``buffer_m / 2``); ``--cells`` adds other cell sizes;
* ``connectivity buffer``: ``method="buffer"``, the exact buffer of the reached
  road pieces (today's definition; before this change it was the default);
* ``piece buffers + union_all``: the same pieces buffered one by one and
  unioned with ``shapely.union_all`` (a candidate, measured for the choice);
* ``osmnx convex`` / ``osmnx concave``: ``nx.ego_graph`` on ``net.to_osmnx()``
  (``travel_time``) from the nearest node, then the convex hull or
  ``shapely.concave_hull(ratio=0.3)`` of the reached nodes (osmnx's recipe;
  the graph conversion is timed apart).

The reference for area and IoU is ``connectivity buffer`` (the reached road
pieces, buffered by 100 m, street blocks under 0.25 km2 filled). ``recall`` is
the share of the reference a tool covers, ``precision`` the share of its area
inside the reference. With ``PYTHONPATH=/work/base2`` (before the change, no
``method``) the script times the old default alone as ``connectivity buffer``.
"""

from __future__ import annotations

import argparse
import inspect
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

# connectivity first, so that PYTHONPATH=/work/base2 times the code before the change
# (bench_accessibility puts this worktree at the front of sys.path)
from connectivity import RoadNetwork
from connectivity.measures.isochrones import isochrones

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_accessibility import _shared_data, random_points, synthetic  # noqa: E402

HAS_METHOD = "method" in inspect.signature(isochrones).parameters
KW: dict[str, Any] = {"max_snap_m": 5000.0, "buffer_m": 100.0}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def piece_union(net: RoadNetwork, sources: Any, thresholds: tuple[float, ...]) -> list[Any]:
    """Candidate: buffer every reached piece on its own, then ``shapely.union_all``."""
    mod = sys.modules["connectivity.measures.isochrones"]
    from connectivity.origins import PlaceOptions, origin_set
    from connectivity.routing import node_times_from_points

    snapped = origin_set(net, sources, PlaceOptions(max_snap_m=KW["max_snap_m"])).snapped
    out = []
    for i in range(len(snapped)):
        one = snapped.take([i])
        times, _ = node_times_from_points(net, one, max_time_min=max(thresholds), min_only=True)
        prev = None
        for t in thresholds:
            own = np.asarray(mod._source_lines(net, one, 0, t, reverse=False), dtype=object)
            lines = np.concatenate([mod.reached_lines(net, times, t), own])
            poly = shapely.union_all(shapely.buffer(lines, KW["buffer_m"], quad_segs=4))
            poly = mod._fill_holes(poly, 250_000.0)
            poly = poly if prev is None else shapely.union(poly, prev)
            prev = poly
            out.append(poly)
    return out


def osmnx_recipe(
    G: Any, sources: Any, thresholds: tuple[float, ...]
) -> dict[str, tuple[float, list[Any]]]:
    """osmnx's isochrone recipe: ego graph by travel time, hull of the reached nodes.

    Returns ``{hull: (seconds, polygons)}``; the seconds of each hull include
    the nearest-node search and every ego graph.
    """
    import networkx as nx
    import osmnx as ox

    t0 = time.perf_counter()
    nodes = ox.distance.nearest_nodes(G, sources.geometry.x.values, sources.geometry.y.values)
    reached = []
    for node in nodes:
        for t in thresholds:
            sub = nx.ego_graph(G, node, radius=t * 60.0, distance="travel_time")
            reached.append(shapely.multipoints([(d["x"], d["y"]) for _, d in sub.nodes(data=True)]))
    search = time.perf_counter() - t0
    s_convex, convex = timed(lambda: [p.convex_hull for p in reached])
    s_concave, concave = timed(lambda: [shapely.concave_hull(p, ratio=0.3) for p in reached])
    return {"convex": (search + s_convex, convex), "concave": (search + s_concave, concave)}


def scores(polys: list[Any], ref: list[Any]) -> tuple[float, float, float, float]:
    """Total area (km2), mean IoU, recall and precision against ``ref``."""
    a = np.asarray(polys, dtype=object)
    b = np.asarray(ref, dtype=object)
    inter = shapely.area(shapely.intersection(a, b))
    union = shapely.area(shapely.union(a, b))
    area = shapely.area(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (
            float(area.sum() / 1e6),
            float(np.nanmean(inter / union)),
            float(inter.sum() / shapely.area(b).sum()),
            float(inter.sum() / area.sum()),
        )


def run(net: RoadNetwork, label: str, n_src: int, thr: tuple[float, ...], args: Any) -> None:
    print(f"\n== {label}: {net}; {n_src} sources x {thr} min; load {os.getloadavg()} ==")
    sources = random_points(net, n_src, np.random.default_rng(args.seed))
    rows: list[tuple[str, float, list[Any]]] = []
    default_drawn = ""

    def add(tool: str, seconds: float, polys: list[Any]) -> None:
        rows.append((tool, seconds, polys))
        print(f"  {tool:<34} {seconds:8.2f} s   peak RSS {rss_mb():7.0f} MB", flush=True)

    if HAS_METHOD:
        isochrones(net, sources.iloc[:1], (1.0,), **KW)  # compile the numba kernels
        cells = [None] + [float(c) for c in args.cells.split(",") if c]
        for cell in cells:
            s, iso = timed(lambda c=cell: isochrones(net, sources, thr, cell_m=c, **KW))
            if cell is None:
                default_drawn = "{grid} / {buffer} sources".format(**iso.attrs["drawn_by"])
            size = f"cell {iso.attrs['cell_m']:g} m" if iso.attrs["cell_m"] else "buffer"
            name = "default, auto" if cell is None else "grid"
            add(f"connectivity {name} ({size})", s, list(iso.geometry))
        s, iso = timed(lambda: isochrones(net, sources, thr, method="buffer", **KW))
    else:
        s, iso = timed(lambda: isochrones(net, sources, thr, **KW))
    add("connectivity buffer", s, list(iso.geometry))
    if not HAS_METHOD:
        return
    if args.piece_union:
        s, polys = timed(lambda: piece_union(net, sources, thr))
        add("piece buffers + union_all", s, polys)
    s_build, G = timed(net.to_osmnx)
    print(f"  (net.to_osmnx(): {s_build:.2f} s, not counted below)")
    hulls = osmnx_recipe(G, sources, thr)
    add("osmnx ego_graph + convex hull", *hulls["convex"])
    add("osmnx ego_graph + concave hull", *hulls["concave"])
    ref = next(p for tool, _, p in rows if tool == "connectivity buffer")
    default = rows[0]
    print(
        f"\n| tool ({label}) | seconds | x default | area km2 | IoU vs buffer | recall | precision | IoU vs default |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for tool, sec, polys in rows:
        area, iou, rec, prec = scores(polys, ref)
        iou_grid = scores(polys, default[2])[1]
        print(
            f"| {tool} | {sec:.2f} | {sec / default[1]:.1f} | {area:.1f} | {iou:.3f} "
            f"| {rec:.3f} | {prec:.3f} | {iou_grid:.3f} |"
        )
    print("(osmnx: each hull's seconds include the nearest nodes and every ego_graph)")
    print(f"(the default drew {default_drawn} with grid / exact buffer)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--cells", default="", help="other grid cell sizes to compare with the default, e.g. 100,25"
    )
    ap.add_argument(
        "--piece-union", action="store_true", help="also time the piece-union candidate"
    )
    ap.add_argument("--no-almaty", action="store_true")
    args = ap.parse_args()
    print(f"load {os.getloadavg()}; connectivity from {sys.modules['connectivity'].__file__}")
    run(synthetic(2500), "synthetic 2 500 nodes", 13, (20.0, 40.0), args)
    pbf = _shared_data() / "kazakhstan" / "almaty_2013.osm.pbf"
    if not args.no_almaty and pbf.exists():
        s, net = timed(lambda: RoadNetwork.from_osm(pbf))
        print(f"\n(Almaty network read in {s:.1f} s)")
        run(net, "Almaty", 3, (10.0, 20.0, 30.0), args)
    print(f"\nload {os.getloadavg()}; peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
