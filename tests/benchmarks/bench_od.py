"""Benchmark: OD matrices, connectivity (today, prepared destinations, CH) vs pandana's CH.

Not collected by pytest. Run from the project root, e.g.::

    python tests/benchmarks/bench_od.py --nodes 1000000
    python tests/benchmarks/bench_od.py --nodes 1000000 --sizes 1000x13,5000x500

For each size ``O x D`` (origins x destinations, random points near the
nodes of the road-like synthetic graph of ``bench_accessibility.py``):

- ``connectivity od_matrix``: today's path, one Dijkstra per point of the
  smaller side on every call;
- ``PreparedDestinations`` build (one Dijkstra per destination, once; the
  destinations of a size are the same for every size with as many, so a
  later size reuses them with new origins) and a query
  (``od_matrix(net, origins, prepared)``: snapping the origins and a
  gather, no search); the query's times are checked to be identical to
  today's (exact float equality) on the destinations today's path ran on;
- ``ContractionHierarchy`` build (once per network), ``prepare`` of the
  destinations (their buckets, once per destination set) and a query
  (``HierarchyDestinations.times``: the bare matrix, ``float32`` above
  ``--frame-max`` pairs, where a DataFrame of float64 would not be
  reasonable; below it also through ``od_matrix``); its times are compared
  with today's on the destinations today's path ran on (max relative
  difference, rounding only);
- pandana: ``Network`` (its contraction hierarchy, built once) and
  ``shortest_path_lengths`` for all O x D node pairs (points snapped to
  nodes; no off-road legs).

Runs too long to do in full are timed on a sample and extrapolated (marked
``~``): today's path on ``--sample-dest`` destinations (its cost grows with
the smaller side), pandana on ``--pandana-max-pairs`` pairs. A prepared field
larger than ``--field-mb`` is refused by the toolkit (reported as such).
Peak RSS is printed after the toolkit's runs and again after pandana's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_accessibility import (
    nearest_nodes,
    pandana_network,
    random_points,
    synthetic,
    timed,
)

from connectivity import (
    ContractionHierarchy,
    ParameterError,
    PreparedDestinations,
    RoadNetwork,
    od_matrix,
)

KW: dict[str, Any] = {"max_snap_m": 2000.0}


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def row(size: str, tool: str, seconds: float, note: str = "") -> None:
    print(f"  {size:<14} {tool:<40} {seconds:10.3f} s  {note}  [{_load()}]", flush=True)


def _places(net: RoadNetwork, n_o: int, n_d: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Origins (new for every size) and destinations (the same for every size with ``n_d``)."""
    origins = random_points(net, n_o, np.random.default_rng(n_o * 7 + n_d))
    return origins, random_points(net, n_d, np.random.default_rng(n_d))


def _today(net: RoadNetwork, origins: Any, dests: Any, k: int, size: str) -> tuple[float, Any]:
    """Today's od_matrix in full (``k >= len(dests)``) or on the first ``k`` destinations."""
    n_o, n_d = len(origins), len(dests)
    if min(n_o, n_d) <= k:
        t, today = timed(lambda: od_matrix(net, origins, dests, **KW))
        row(size, "connectivity od_matrix (today)", t)
        return t, today
    t, today = timed(lambda: od_matrix(net, origins, dests.iloc[:k], **KW))
    row(size, "connectivity od_matrix (today)", t * min(n_o, n_d) / k, f"~ from {k} destinations")
    return t * min(n_o, n_d) / k, today


def hierarchy(
    ch: ContractionHierarchy, origins: Any, dests: Any, today: Any, size: str,
    args: argparse.Namespace,
) -> dict[str, float]:  # fmt: skip
    """The CH's prepare and query on one size, checked against today's times."""
    out: dict[str, float] = {}
    out["ch_prepare"], prep = timed(lambda: ch.prepare(dests, **KW))
    row(size, "connectivity CH prepare (buckets)", out["ch_prepare"], f"{prep!r}")
    big = len(origins) * len(dests) > args.frame_max
    dtype = "float32" if big else "float64"
    out["ch_query"], mat = timed(lambda: prep.times(origins, dtype=dtype))
    row(size, f"connectivity CH query (times, {dtype})", out["ch_query"], "per query")
    if not big:
        t_frame, frame = timed(lambda: od_matrix(ch.net, origins, prep))
        row(size, "connectivity CH query (od_matrix)", t_frame, "per query")
        mat = frame.to_numpy()
    ref = today.to_numpy()
    got = mat[:, : ref.shape[1]].astype("float64")
    same_nan = np.array_equal(np.isnan(got), np.isnan(ref))
    ok = np.isfinite(ref) & (ref > 0)
    rel = float(np.max(np.abs(got[ok] - ref[ok]) / ref[ok])) if ok.any() else 0.0
    print(f"  {size:<14} CH vs today on {len(origins)} x {ref.shape[1]}: max rel diff {rel:.2e}, "
          f"same NaN: {same_nan}")  # fmt: skip
    if not same_nan or rel > (1e-6 if big else 1e-12):
        raise SystemExit("the contraction hierarchy gave other times than od_matrix")

    print(f"  peak RSS so far {_rss_gb():.2f} GB")
    return out


def ours(
    net: RoadNetwork, n_o: int, n_d: int, args: argparse.Namespace, cache: dict[Any, Any]
) -> dict[str, float]:
    """Today's od_matrix, the prepared destinations and the CH on ``n_o x n_d``; the times.

    Destinations prepared once are reused by later sizes with as many
    destinations (new origins: what the prepared object is for).
    """
    origins, dests = _places(net, n_o, n_d)
    size = f"{n_o}x{n_d}"
    out: dict[str, float] = {}
    out["today"], today = _today(net, origins, dests, args.sample_dest, size)
    if "ch" in cache:
        out.update(hierarchy(cache["ch"], origins, dests, today, size, args))
    if args.no_prepared:
        return out
    if n_d not in cache:
        try:
            t_build, cache[n_d] = timed(
                lambda: PreparedDestinations(net, dests, memory_mb=args.field_mb, **KW)
            )
        except ParameterError as exc:
            print(f"  {size:<14} PreparedDestinations refused: {exc}")
            return out
        row(size, "connectivity PreparedDestinations", t_build, f"{cache[n_d]!r}")
        out["build"] = t_build
    prep = cache[n_d]
    out["query"], fast = timed(lambda: od_matrix(net, origins, prep))
    row(size, "connectivity od_matrix(prepared)", out["query"], "per query")
    cols = today.shape[1]
    same = np.array_equal(fast.iloc[:, :cols].to_numpy(), today.to_numpy(), equal_nan=True)
    print(f"  {size:<14} prepared == today on {n_o} x {cols} (exact): {same}")
    if not same:
        raise SystemExit("prepared destinations gave other times than od_matrix")
    print(f"  peak RSS so far {_rss_gb():.2f} GB")
    return out


def peer(pnet: Any, net: RoadNetwork, n_o: int, n_d: int, args: argparse.Namespace) -> float:
    """pandana shortest_path_lengths on all pairs (or a sample of origins, extrapolated)."""
    origins, dests = _places(net, n_o, n_d)
    o_nodes, d_nodes = nearest_nodes(net, origins), nearest_nodes(net, dests)
    k = max(1, min(n_o, args.pandana_max_pairs // n_d))
    a = np.repeat(o_nodes[:k], n_d)
    b = np.tile(d_nodes, k)
    t, _ = timed(lambda: pnet.shortest_path_lengths(a, b, imp_name="time"))
    t_all = t * n_o / k
    row(
        f"{n_o}x{n_d}",
        "pandana shortest_path_lengths",
        t_all,
        "" if k == n_o else f"~ from {k} origins",
    )
    return t_all


def _warm_up(args: argparse.Namespace) -> None:
    """Compile the CH kernels on a small network, so that no timing below includes it."""
    small = synthetic(400)
    origins, dests = _places(small, 30, 20)
    prep = ContractionHierarchy(small).prepare(dests, **KW)
    prep.times(origins, dtype="float32")
    prep.times(origins)
    od_matrix(small, origins, prep)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--sizes", default="1000x13,5000x500,20000x500,20000x20000")
    ap.add_argument("--sample-dest", type=int, default=50, help="beyond: today's path on a sample")
    ap.add_argument(
        "--field-mb", type=float, default=8000.0, help="memory budget of a prepared field"
    )
    ap.add_argument("--pandana-max-pairs", type=int, default=3_000_000)
    ap.add_argument("--no-pandana", action="store_true")
    ap.add_argument("--no-prepared", action="store_true", help="skip PreparedDestinations")
    ap.add_argument("--no-ch", action="store_true", help="skip the contraction hierarchy")
    ap.add_argument("--frame-max", type=float, default=5e7, help="beyond: CH times in float32")
    args = ap.parse_args()
    sizes = [(int(o), int(d)) for o, d in (s.split("x") for s in args.sizes.split(","))]
    print(_load())
    t_net, net = timed(lambda: synthetic(args.nodes))
    print(f"synthetic network: {net.n_nodes:,} nodes, {net.n_edges:,} edges ({t_net:.1f} s)")
    cache: dict[Any, Any] = {}
    t_ch = float("nan")
    if not args.no_ch:
        t_warm, _ = timed(lambda: _warm_up(args))
        print(f"numba kernels compiled or loaded from the cache (first use): {t_warm:.1f} s")
        t_ch, cache["ch"] = timed(lambda: ContractionHierarchy(net))
        print(f"connectivity CH build: {t_ch:.1f} s  {cache['ch']!r}  [{_load()}]")
        print(f"  peak RSS after CH build {_rss_gb():.2f} GB")
    results = {s: ours(net, *s, args, cache) for s in sizes}
    cache.clear()
    print(f"peak RSS after connectivity: {_rss_gb():.2f} GB")
    peers: dict[tuple[int, int], float] = {}
    t_pb = float("nan")
    if not args.no_pandana:
        t_pb, pnet = timed(lambda: pandana_network(net))
        print(f"pandana Network (CH build): {t_pb:.1f} s  [{_load()}]")
        peers = {s: peer(pnet, net, *s, args) for s in sizes}
        print(f"peak RSS after pandana: {_rss_gb():.2f} GB")
    _table(results, peers, t_pb, t_ch)
    print(f"builds once per network: pandana {t_pb:.1f} s / connectivity CH {t_ch:.1f} s = "
          f"{t_pb / t_ch:.2f}x (both on all {os.cpu_count()} CPUs)")  # fmt: skip
    print(_load())


def _table(
    results: dict[Any, dict[str, float]], peers: dict[Any, float], t_pb: float, t_ch: float
) -> None:
    """The markdown summary: seconds per tool and the query ratios."""
    nan = float("nan")
    print(
        "\n| OD | today od_matrix | prepared build | prepared query | CH build | CH prepare | "
        "CH query | pandana build | pandana query | pandana/CH query | today/(CH prepare+query) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s, r in results.items():
        p = peers.get(s, nan)
        cq, cp = r.get("ch_query", nan), r.get("ch_prepare", nan)
        print(
            f"| {s[0]:,} x {s[1]:,} | {r['today']:.2f} | {r.get('build', nan):.2f} | "
            f"{r.get('query', nan):.3f} | {t_ch:.1f} | {cp:.2f} | {cq:.3f} | {t_pb:.1f} | "
            f"{p:.2f} | {p / cq:.1f} | {r['today'] / (cp + cq):.1f} |"
        )


if __name__ == "__main__":
    main()
