"""Benchmark: cumulative opportunities and gravity access, side by side with the peers.

Not collected by pytest. Run from the project root, e.g.::

    PYTHONPATH=$PWD python tests/benchmarks/bench_cumulative.py --almaty
    PYTHONPATH=$PWD python tests/benchmarks/bench_cumulative.py --synthetic 1000000
    PYTHONPATH=$PWD python tests/benchmarks/bench_cumulative.py --kazakhstan --min-pop 1

Tools, on the same origins and weighted opportunities:

- ``connectivity`` (this commit): :func:`connectivity.cumulative_opportunities`
  and :func:`connectivity.gravity_access` on compiled bounded searches
  (:func:`connectivity.routing.reach_sums`); the first call includes numba's
  compile (or cache load), reported apart from the warm call;
- ``today``: the previous path (one scipy Dijkstra per origin in dense
  blocks, :func:`connectivity.routing.od_blocks`, summed per block), kept
  here verbatim; timed on a sample of origins and extrapolated (``~``);
- ``scipy floor``: scipy's Dijkstra from each origin's nearest node with
  ``limit`` (blocks of 64 sources), then a dense compare and product with
  the node weights; no snapping (sampled and extrapolated);
- ``pandana``: ``Network`` (contraction hierarchy) + ``precompute(T)`` +
  ``aggregate(T, "sum", "flat")`` for every node, build included; points
  are snapped to nodes. Skipped above ``--pandana-max-nodes`` (its
  precompute keeps every node's neighbourhood: 24 GB on the 1 M-node graph).

Every run prints queries (origins) per second including each tool's build,
the ratios, peak RSS and the load average (the machine is shared).

Measured on the shared 2-core machine (h-kernel, 2026-12-06; load in brackets):

- Kazakhstan, 484 106 cells with pop > 1 (96 % of the people) x the same
  cells, 60 min [main 2026-12-06, quiet]: cumulative 7.6 s, gravity
  exp(0.05) cut at 60 min 6.5 s; today's path ~4 775 s and ~6 156 s
  (extrapolated from 200 origins, equal results).
- Kazakhstan, all 2 670 901 cells with pop > 0 [quiet, ``--per-place``]:
  cumulative 25.8 s, gravity 24.8 s; the same with every segment walked
  place by place 100.7 s / 108.2 s (counts identical, gravity within
  1e-14); today ~203 000 s / ~264 000 s. The modelled surface puts up to
  62 k cells on one access link: 3.9e9 reached pairs on one segment, which
  the crowded-segment sums (connectivity/_crowded.py) never walk.
- synthetic 1 M nodes, 10 000 origins x 1 M weighted nodes, 30/60 min
  [load 5]: 40.6 s warm + 6.3 s snapping; today ~861 s; scipy bounded
  floor ~227 s (no snapping).
- Almaty (20 500 nodes), 10 000 origins x every node, 30/60 min [load 3-7]:
  26.2 s (the searches cover the city, so the dense blocks are taken);
  today ~29.7 s; pandana build+precompute+aggregate 38.0 s (3.5 GB).
- numba: first call after a change compiles for 58 s at load 12 (cached
  afterwards: 2 s to load).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_accessibility import _shared_data, pandana_network, synthetic  # noqa: E402

from connectivity import (  # noqa: E402
    OriginSet,
    RoadNetwork,
    cumulative_opportunities,
    gravity_access,
)
from connectivity.routing import od_blocks  # noqa: E402


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Table:
    """Rows of (task, tool, seconds, queries); ratios against the connectivity row."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float, int, str]] = []

    def add(self, task: str, tool: str, seconds: float, queries: int, note: str = "") -> None:
        self.rows.append((task, tool, seconds, queries, note))
        print(
            f"  {task:<40} {tool:<36} {seconds:9.2f} s {queries / seconds:11.0f} q/s  "
            f"peak RSS {rss_mb():,.0f} MB  load {os.getloadavg()[0]:.1f}  {note}",
            flush=True,
        )

    def show(self) -> None:
        print("\n| task | tool | seconds | queries/s | x connectivity | note |")
        print("|---|---|---:|---:|---:|---|")
        ours = {t: s for t, tool, s, _, _ in self.rows if tool == "connectivity"}
        for task, tool, s, q, note in self.rows:
            ref = ours.get(task)
            ratio = f"{s / ref:.1f}" if ref and tool != "connectivity" else ""
            print(f"| {task} | {tool} | {s:.2f} | {q / s:,.0f} | {ratio} | {note} |")
        print(f"\npeak RSS {rss_mb():,.0f} MB; load average {os.getloadavg()}")


# ------------------------------------------------------------------ today's path
def today_cumulative(
    net: RoadNetwork, orig: OriginSet, opp: OriginSet, thr: np.ndarray
) -> np.ndarray:
    """The previous ``cumulative_opportunities`` core (od_blocks, dense blocks), verbatim."""
    acc = np.zeros((len(orig), thr.size))
    for r, c, block in od_blocks(net, orig.snapped, opp.snapped, max_time_min=float(thr.max())):
        wc = opp.weights[c]
        for k, x in enumerate(thr):
            acc[r, k] += (block <= x) @ wc
    return acc


def today_gravity(
    net: RoadNetwork, orig: OriginSet, opp: OriginSet, beta: float, limit: float
) -> np.ndarray:
    """The previous ``gravity_access`` core (exp decay, no own zone), verbatim."""
    acc = np.zeros(len(orig))
    for r, c, block in od_blocks(net, orig.snapped, opp.snapped, max_time_min=limit):
        f = np.where(np.isfinite(block), np.exp(-beta * block), 0.0)
        acc[r] += f @ opp.weights[c]
    return acc


def scipy_floor(
    net: RoadNetwork, nodes: np.ndarray, w_nodes: np.ndarray, thr: np.ndarray
) -> np.ndarray:
    g = sp.csr_matrix((net.time_min, net.indices, net.indptr), shape=(net.n_nodes,) * 2)
    out = np.zeros((nodes.size, thr.size))
    for s in range(0, nodes.size, 64):
        d = dijkstra(g, indices=nodes[s : s + 64], limit=float(thr.max()))
        for k, x in enumerate(thr):
            out[s : s + 64, k] = (d <= x) @ w_nodes
    return out


def node_points(net: RoadNetwork, nodes: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x[nodes], net.y[nodes]), crs=net.crs)


# ------------------------------------------------------------------ one network
def run_network(
    net: RoadNetwork, label: str, n_orig: int, args: argparse.Namespace, table: Table
) -> None:
    """``n_orig`` origins at random nodes, every node an opportunity with a random weight."""
    rng = np.random.default_rng(args.seed)
    thr = np.array([30.0, 60.0])
    o_nodes = rng.choice(net.n_nodes, min(n_orig, net.n_nodes), replace=False)
    w_nodes = rng.integers(0, 100, net.n_nodes).astype(float)
    kw = {"max_snap_m": 1000.0, "offroad_speed_kmh": 5.0}
    t_snap, (orig, opp) = timed(lambda: (
        OriginSet.from_points(net, node_points(net, o_nodes), **kw),
        OriginSet.from_points(net, node_points(net, np.arange(net.n_nodes)), weights=w_nodes, **kw),
    ))  # fmt: skip
    task = f"{label}: {o_nodes.size:,} origins x {net.n_nodes:,} nodes, 30/60 min"
    print(f"{task}: snapping {t_snap:.1f} s")
    t_first, _ = timed(
        lambda: cumulative_opportunities(net, orig.subset(np.arange(2)), opp, None, thr)
    )
    t_new, new = timed(lambda: cumulative_opportunities(net, orig, opp, None, thr))
    print(f"  first call (compile or cache load, 2 origins) {t_first:.2f} s")
    table.add(task, "connectivity", t_new + t_snap, o_nodes.size, f"warm {t_new:.2f} s + snap")
    k = min(args.sample, o_nodes.size)
    t_old, old = timed(lambda: today_cumulative(net, orig.subset(np.arange(k)), opp, thr))
    same = np.array_equal(old, new[["opp_30min", "opp_60min"]].to_numpy()[:k])
    table.add(task, "today (od_blocks)", t_old * o_nodes.size / k + t_snap, o_nodes.size,
              f"~ from {k}; equal: {same}")  # fmt: skip
    t_fl, _ = timed(lambda: scipy_floor(net, o_nodes[:k], w_nodes, thr))
    table.add(
        task,
        "scipy floor (limit, no snapping)",
        t_fl * o_nodes.size / k,
        o_nodes.size,
        f"~ from {k}",
    )
    if args.no_pandana or net.n_nodes > args.pandana_max_nodes:
        print(f"  pandana skipped ({net.n_nodes:,} nodes > --pandana-max-nodes)")
        return
    import pandas as pd

    def pandana_all() -> np.ndarray:
        pnet = pandana_network(net)
        pnet.set(pd.Series(np.arange(net.n_nodes)), variable=pd.Series(w_nodes), name="w")
        pnet.precompute(60)
        return np.column_stack(
            [pnet.aggregate(x, type="sum", decay="flat", name="w").to_numpy() for x in thr]
        )

    t_p, agg = timed(pandana_all)
    ours = new[["opp_30min", "opp_60min"]].to_numpy()
    agree = np.isclose(agg[o_nodes], ours, rtol=1e-3).mean()
    table.add(task, "pandana build+precompute+aggregate", t_p, o_nodes.size,
              f"all {net.n_nodes:,} nodes answered ({net.n_nodes / t_p:,.0f} node q/s); "
              f"{agree:.1%} within 0.1% of ours")  # fmt: skip


def kazakhstan(args: argparse.Namespace, table: Table) -> None:
    """Every populated cell as origin and as opportunity (its population), 60 min."""
    from fua.kazakhstan import datasets, delineation, roads

    t_net, net = timed(roads.kazakhstan_road_network)
    grid = datasets.kazakhstan_population()
    snap = delineation.snap_options(embedded=True)  # as the demo (fua/kazakhstan/pipeline.py)
    t_snap, cells = timed(lambda: OriginSet.from_raster(net, grid, min_pop=args.min_pop, **snap))
    n = len(cells.snapped)
    task = f"Kazakhstan {n:,} cells (pop > {args.min_pop:g}) x cells, 60 min"
    print(f"{task}: network {t_net:.1f} s ({net.n_nodes:,} nodes), snapping {t_snap:.1f} s")
    beta = args.beta
    few = cells.subset(np.arange(min(n, 300)))
    t_first, _ = timed(lambda: (cumulative_opportunities(net, few, few, None, (60,)),
                                gravity_access(net, few, few, None, beta=beta, max_time_min=60.0)))  # fmt: skip
    print(f"  first calls (compile or cache load, 300 cells) {t_first:.2f} s")
    t_c, cum = timed(lambda: cumulative_opportunities(net, cells, cells, None, (60,)))
    table.add(task + " cumulative", "connectivity", t_c, n)
    t_g, grav = timed(lambda: gravity_access(net, cells, cells, None, beta=beta, max_time_min=60.0))
    table.add(task + f" gravity exp({beta:g}) cut 60", "connectivity", t_g, n)
    if args.per_place:  # the same call with every crowded segment walked place by place
        import connectivity._crowded as crowded

        bulk, crowded.CROWD_MIN = crowded.CROWD_MIN, np.iinfo(np.int64).max
        try:
            t_c1, cum1 = timed(lambda: cumulative_opportunities(net, cells, cells, None, (60,)))
            t_g1, grav1 = timed(
                lambda: gravity_access(net, cells, cells, None, beta=beta, max_time_min=60.0)
            )
        finally:
            crowded.CROWD_MIN = bulk
        a, b = cum["opp_60min"].to_numpy(), cum1["opp_60min"].to_numpy()
        table.add(task + " cumulative", "connectivity per place", t_c1, n,
                  f"identical to the bulk sums: {np.array_equal(a, b, equal_nan=True)}")  # fmt: skip
        a, b = grav["access"].to_numpy(), grav1["access"].to_numpy()
        rel = np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
        table.add(task + f" gravity exp({beta:g}) cut 60", "connectivity per place", t_g1, n,
                  f"max relative difference to the bulk sums {rel:.1e}")  # fmt: skip
    k = min(args.sample, n)
    pick = np.random.default_rng(args.seed).choice(n, k, replace=False)
    part = cells.subset(pick)
    t_o, old = timed(lambda: today_cumulative(net, part, cells, np.array([60.0])))
    same = np.allclose(old[:, 0], cum["opp_60min"].to_numpy()[pick], rtol=1e-12)
    table.add(
        task + " cumulative", "today (od_blocks)", t_o * n / k, n, f"~ from {k}; equal: {same}"
    )
    t_o, old = timed(lambda: today_gravity(net, part, cells, beta, 60.0))
    same = np.allclose(old, grav["access"].to_numpy()[pick], rtol=1e-10)
    table.add(task + f" gravity exp({beta:g}) cut 60", "today (od_blocks)", t_o * n / k, n,
              f"~ from {k}; equal: {same}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--almaty", nargs="?", const=str(_shared_data() / "kazakhstan" / "almaty_2013.osm.pbf")
    )
    p.add_argument(
        "--synthetic", type=int, default=0, help="nodes of the synthetic graph (0: none)"
    )
    p.add_argument("--kazakhstan", action="store_true")
    p.add_argument("--min-pop", type=float, default=0.0, help="Kazakhstan: cells with pop > this")
    p.add_argument("--beta", type=float, default=0.05, help="exp decay per minute")
    p.add_argument(
        "--per-place",
        action="store_true",
        help="Kazakhstan: also time the per-place scans (no crowded segments) and compare",
    )
    p.add_argument("--n-orig", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=200, help="origins timed for the slow paths")
    p.add_argument("--pandana-max-nodes", type=int, default=300_000)
    p.add_argument("--no-pandana", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    print(f"load average at start {os.getloadavg()}")
    table = Table()
    if args.almaty:
        t, net = timed(lambda: RoadNetwork.from_osm(args.almaty))
        print(f"Almaty network read in {t:.1f} s: {net.n_nodes:,} nodes")
        run_network(net, "Almaty", args.n_orig, args, table)
    if args.synthetic:
        t, net = timed(lambda: synthetic(args.synthetic, args.seed))
        print(f"synthetic network built in {t:.1f} s")
        run_network(net, f"synthetic {net.n_nodes:,}", args.n_orig, args, table)
    if args.kazakhstan:
        kazakhstan(args, table)
    table.show()


if __name__ == "__main__":
    main()
