"""Benchmark: connectivity accessibility vs networkx (naive and smart) and pandana.

Not collected by pytest. Run from the project root, e.g.::

    /work/venv/bin/python tests/benchmarks/bench_accessibility.py --nodes 1000000
    /work/venv/bin/python tests/benchmarks/bench_accessibility.py --nodes 250000 --almaty

Tasks (the same on every tool):

1. time from every node to the nearest of 13 destinations ("SEZs");
2. an OD matrix of 1 000 origins x 13 destinations;
3. cumulative opportunities: weighted opportunities (10 000 points) within
   60 minutes of each of 10 000 origins.

The synthetic graph is road-like: a perturbed square grid with 1 km spacing
(local roads 30 km/h, every 10th line a 60 km/h road, every 50th a 90 km/h
highway), 5 % diagonals and a few long links, 5 % one-way. networkx "naive"
is one Dijkstra per origin; "smart" is one per destination (or one
multi-source pass for the nearest). Slow networkx runs are timed on a sample
of sources and extrapolated (marked ``~``). pandana snaps points to nodes
(no edge snapping or off-road legs) and its times include building the
contraction hierarchy. Times are wall-clock seconds on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from connectivity import (  # noqa: E402
    RoadNetwork,
    cumulative_opportunities,
    od_matrix,
    time_to_nearest,
)
from connectivity.routing import multi_source_node_times, node_times_from_points  # noqa: E402
from connectivity.snapping import segment_index, snap_points  # noqa: E402

CRS = "EPSG:32643"


def _shared_data() -> Path:
    """``$FUA_SHARED_DATA``, else ``../shared/data`` beside the project (or a worktree's parent)."""
    env = os.environ.get("FUA_SHARED_DATA")
    for cand in (
        [Path(env)]
        if env
        else [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
    ):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "data"


def synthetic(n_nodes: int, seed: int = 0) -> RoadNetwork:
    """A perturbed-grid road network of about ``n_nodes`` nodes."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n_nodes))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x = (gx * 1000.0 + rng.normal(0, 150, gx.shape)).ravel()
    y = (gy * 1000.0 + rng.normal(0, 150, gy.shape)).ravel()
    ids = np.arange(side * side).reshape(side, side)

    def speed_of(line: np.ndarray) -> np.ndarray:
        return np.where(line % 50 == 0, 90.0, np.where(line % 10 == 0, 60.0, 30.0))

    h_u, h_v = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    v_u, v_v = ids[:-1, :].ravel(), ids[1:, :].ravel()
    h_s = speed_of(gy[:, :-1].ravel())
    v_s = speed_of(gx[:-1, :].ravel())
    d_mask = rng.random((side - 1) * (side - 1)) < 0.05
    d_u = ids[:-1, :-1].ravel()[d_mask]
    d_v = ids[1:, 1:].ravel()[d_mask]
    n_long = max(side // 4, 1)
    l_u = rng.integers(0, side * side, n_long)
    step = rng.integers(-5, 6, (n_long, 2)) * np.array([1, side])
    l_v = np.clip(l_u + step.sum(axis=1), 0, side * side - 1)
    u = np.concatenate([h_u, v_u, d_u, l_u])
    v = np.concatenate([h_v, v_v, d_v, l_v])
    speed = np.concatenate([h_s, v_s, np.full(d_u.size, 30.0), np.full(l_u.size, 90.0)])
    keep = u != v
    u, v, speed = u[keep], v[keep], speed[keep]
    oneway = rng.random(u.size) < 0.05
    return RoadNetwork.from_edges(x, y, u, v, crs=CRS, speed_kmh=speed, oneway=oneway)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def random_points(net: RoadNetwork, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    pick = rng.integers(0, net.n_nodes, n)
    x = net.x[pick] + rng.normal(0, 200, n)
    y = net.y[pick] + rng.normal(0, 200, n)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=net.crs)


def nearest_nodes(net: RoadNetwork, pts: gpd.GeoDataFrame) -> np.ndarray:
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([net.x, net.y]))
    return tree.query(np.column_stack([pts.geometry.x, pts.geometry.y]))[1]


# --------------------------------------------------------------------------- tools
def nx_graph(net: RoadNetwork, reverse: bool = False) -> Any:
    import networkx as nx

    g = nx.DiGraph()
    tails, heads = net.edge_tails(), net.indices
    if reverse:
        tails, heads = heads, tails
    g.add_weighted_edges_from(
        zip(tails.tolist(), heads.tolist(), net.time_min.tolist(), strict=True)
    )
    return g


def pandana_network(net: RoadNetwork) -> Any:
    import pandana
    import pandas as pd

    tails, heads = net.edge_tails(), net.indices.astype("int64")
    return pandana.Network(
        pd.Series(net.x),
        pd.Series(net.y),
        pd.Series(tails),
        pd.Series(heads),
        pd.DataFrame({"time": net.time_min}),
        twoway=False,
    )


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float, str]] = []

    def add(self, task: str, tool: str, seconds: float, note: str = "") -> None:
        self.rows.append((task, tool, seconds, note))
        print(f"  {task:<34} {tool:<34} {seconds:9.2f} s  {note}", flush=True)

    def show(self) -> None:
        print("\n| task | tool | seconds | x slower than connectivity | note |")
        print("|---|---|---:|---:|---|")
        ours = {t: s for t, tool, s, _ in self.rows if tool.startswith("connectivity")}
        for task, tool, s, note in self.rows:
            ref = ours.get(task)
            ratio = f"{s / ref:.1f}" if ref and not tool.startswith("connectivity") else ""
            print(f"| {task} | {tool} | {s:.2f} | {ratio} | {note} |")


def run(net: RoadNetwork, label: str, args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    table = Table()
    print(f"\n== {label}: {net} ==", flush=True)
    sez = random_points(net, 13, rng)
    sez_nodes = nearest_nodes(net, sez)
    origins = random_points(net, args.n_od, rng)
    origin_nodes = nearest_nodes(net, origins)
    cum_o = random_points(net, args.n_cum, rng)
    cum_o_nodes = nearest_nodes(net, cum_o)
    opps = random_points(net, args.n_cum, rng)
    opps["jobs"] = rng.integers(1, 500, len(opps)).astype(float)
    opp_nodes = nearest_nodes(net, opps)
    kw: dict[str, Any] = {"max_snap_m": 5000.0, "offroad_speed_kmh": 15.0}

    # ---- 1. nearest of 13 for every node
    task = "nearest of 13, every node"
    t_core, (t_ours, _) = timed(lambda: multi_source_node_times(net, sez_nodes, reverse=True))
    table.add(task, "connectivity (node seeds)", t_core)

    def ours_snapped() -> Any:
        snapped = snap_points(net, sez, **kw)
        return node_times_from_points(net, snapped, reverse=True, min_only=True)

    t_index, _ = timed(lambda: segment_index(net))
    table.add("build segment index (once per network)", "connectivity", t_index)
    t_snap, _ = timed(ours_snapped)
    table.add(task + " (edge-snapped SEZs)", "connectivity", t_snap)
    if args.api_all_nodes:
        nodes_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x, net.y), crs=net.crs)
        t_api, _ = timed(lambda: time_to_nearest(net, nodes_gdf, sez, **kw))
        table.add(task + " (API, snapping every node)", "connectivity", t_api)

    if not args.no_networkx:
        import networkx as nx

        t_build, g_rev = timed(lambda: nx_graph(net, reverse=True))
        table.add("build graph", "networkx (DiGraph)", t_build)
        t_smart, d = timed(
            lambda: nx.multi_source_dijkstra_path_length(g_rev, set(sez_nodes.tolist()))
        )
        table.add(task, "networkx smart (multi-source)", t_smart)
        ref = np.full(net.n_nodes, np.inf)
        ref[list(d.keys())] = list(d.values())
        diff = np.nanmax(np.abs(np.where(np.isfinite(ref), ref - t_ours, 0)))
        same_inf = bool((np.isinf(ref) == np.isinf(t_ours)).all())
        print(
            f"    agreement with networkx: max |diff| = {diff:.2e} min, same unreachable: {same_inf}"
        )
        k = min(args.nx_sample, 13)
        t_k, _ = timed(
            lambda: [nx.single_source_dijkstra_path_length(g_rev, int(s)) for s in sez_nodes[:k]]
        )
        table.add(
            task,
            "networkx naive (1 Dijkstra / SEZ)",
            t_k * 13 / k,
            "" if k == 13 else f"~ from {k}",
        )
    if not args.no_pandana:
        try:
            t_pb, pnet = timed(lambda: pandana_network(net))
            table.add("build graph", "pandana (CH)", t_pb)

            def pandana_nearest() -> Any:
                pnet.set_pois("sez", args.pandana_maxdist, 1, sez.geometry.x, sez.geometry.y)
                return pnet.nearest_pois(args.pandana_maxdist, "sez", num_pois=1)

            t_pn, _ = timed(pandana_nearest)
            table.add(
                task,
                "pandana nearest_pois",
                t_pn,
                f"maxdist {args.pandana_maxdist:g} min; +build {t_pb:.1f} s",
            )
            table.add(task, "pandana nearest_pois + build", t_pn + t_pb)
        except Exception as exc:  # report, keep the benchmark going
            print(f"    pandana failed: {type(exc).__name__}: {exc}")
            pnet = None
    else:
        pnet = None

    # ---- 2. OD 1000 x 13
    task = f"OD {args.n_od} x 13"
    t_od, _ = timed(lambda: od_matrix(net, origins, sez, **kw))
    table.add(task, "connectivity od_matrix", t_od)
    if not args.no_networkx:

        def nx_od_smart() -> np.ndarray:
            rows = []
            for s_node in sez_nodes:
                dist = nx.single_source_dijkstra_path_length(g_rev, int(s_node))
                rows.append([dist.get(int(o), np.inf) for o in origin_nodes])
            return np.array(rows).T

        t_smart, _ = timed(nx_od_smart)
        table.add(task, "networkx smart (1 / destination)", t_smart)
        g_fwd = g_rev.reverse(copy=False)
        k = min(args.nx_sample, args.n_od)
        t_k, _ = timed(
            lambda: [nx.single_source_dijkstra_path_length(g_fwd, int(o)) for o in origin_nodes[:k]]
        )
        table.add(task, "networkx naive (1 / origin)", t_k * args.n_od / k, f"~ from {k}")
    if pnet is not None:
        a = np.repeat(origin_nodes, 13)
        b = np.tile(sez_nodes, args.n_od)
        t_p, _ = timed(lambda: pnet.shortest_path_lengths(a, b, imp_name="time"))
        table.add(task, "pandana shortest_path_lengths", t_p)
        table.add(task, "pandana + build", t_p + t_pb)

    # ---- 3. cumulative opportunities within 60 min
    task = f"jobs within 60 min, {args.n_cum} origins"
    t_cum, _ = timed(lambda: cumulative_opportunities(net, cum_o, opps, "jobs", (60,), **kw))
    table.add(task, "connectivity cumulative", t_cum)
    if not args.no_networkx:
        w = opps["jobs"].to_numpy()
        jobs_at = np.bincount(opp_nodes, weights=w, minlength=net.n_nodes)
        k = min(args.nx_sample, args.n_cum)

        def nx_cum() -> list[float]:
            out = []
            for o in cum_o_nodes[:k]:
                reach = nx.single_source_dijkstra_path_length(g_fwd, int(o), cutoff=60)
                out.append(float(jobs_at[list(reach.keys())].sum()))
            return out

        t_k, _ = timed(nx_cum)
        table.add(
            task, "networkx (1 Dijkstra / origin, cutoff)", t_k * args.n_cum / k, f"~ from {k}"
        )
    if pnet is not None and net.n_nodes > args.pandana_aggregate_max_nodes:
        print(
            f"    pandana aggregate skipped above {args.pandana_aggregate_max_nodes:,} nodes: its "
            "precompute stores every node's 60-min neighbourhood (killed by the OOM killer at "
            "24 GB on the 1M-node graph); raise --pandana-aggregate-max-nodes to try"
        )
    elif pnet is not None:
        import pandas as pd

        def pandana_cum() -> Any:
            pnet.set(pd.Series(opp_nodes), variable=opps["jobs"], name="jobs")
            pnet.precompute(60)
            agg = pnet.aggregate(60, type="sum", decay="flat", name="jobs")
            return agg.to_numpy()[cum_o_nodes]

        try:
            t_p, _ = timed(pandana_cum)
            table.add(task, "pandana aggregate (all nodes)", t_p)
            table.add(task, "pandana aggregate + build", t_p + t_pb)
        except Exception as exc:
            print(f"    pandana aggregate failed: {type(exc).__name__}: {exc}")
    table.show()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--nodes", type=int, default=1_000_000, help="synthetic graph size")
    p.add_argument("--n-od", type=int, default=1000)
    p.add_argument("--n-cum", type=int, default=10_000)
    p.add_argument(
        "--nx-sample",
        type=int,
        default=3,
        help="networkx sources timed before extrapolating (default 3)",
    )
    p.add_argument(
        "--pandana-maxdist",
        type=float,
        default=600.0,
        help="pandana search radius for nearest_pois, minutes",
    )
    p.add_argument(
        "--pandana-aggregate-max-nodes",
        type=int,
        default=50_000,
        help="skip pandana aggregate on larger graphs (memory)",
    )
    p.add_argument("--no-networkx", action="store_true")
    p.add_argument("--no-pandana", action="store_true")
    p.add_argument(
        "--api-all-nodes",
        action="store_true",
        help="also time time_to_nearest with every node as an origin point",
    )
    p.add_argument(
        "--almaty",
        nargs="?",
        const=str(_shared_data() / "kazakhstan" / "almaty_2013_drive.osm"),
        help="also run on the Almaty OSM network (default: ../shared/data/kazakhstan/...)",
    )
    p.add_argument("--skip-synthetic", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not args.skip_synthetic:
        t, net = timed(lambda: synthetic(args.nodes, args.seed))
        print(f"synthetic network built in {t:.1f} s")
        run(net, f"synthetic {args.nodes:,}", args)
    if args.almaty:
        path = Path(args.almaty)
        if not path.exists():
            print(f"Almaty data not found at {path}; skipped")
            return
        t, net = timed(lambda: RoadNetwork.from_osm(path))
        print(f"Almaty network read in {t:.1f} s")
        run(net, "Almaty (OSM 2013, drive)", args)


if __name__ == "__main__":
    main()
