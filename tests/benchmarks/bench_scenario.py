"""Benchmark: Scenario.apply (copy-on-write edits) vs rebuilding the network with the change.

Not collected by pytest. Run from the project root, e.g.::

    /work/venv/bin/python tests/benchmarks/bench_scenario.py --nodes 1000000

The peer is what a user does without scenarios: rebuild the network from
its edited edge list with ``RoadNetwork.from_edges`` (re-reading an OSM
source would be slower still). Both sides give the same travel times
(checked: node times from one node). Changes timed: a 5-vertex link joined
by splitting edges (``AddLink(join="snap")``), an upgrade of every edge in a
box, and closing every edge in a box. Prints seconds, the ratio, the load
average and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_accessibility import synthetic  # noqa: E402

from connectivity import AddLink, Close, RoadNetwork, Scenario, Upgrade  # noqa: E402
from connectivity.routing import multi_source_node_times  # noqa: E402


def rebuilt(net: RoadNetwork) -> RoadNetwork:
    """The peer: ``net`` built again from its edge list (what a scenario saves)."""
    tails = net.edge_tails()
    speed = net.length_m / net.time_min * 0.06
    return RoadNetwork.from_edges(
        net.x, net.y, tails, net.indices, crs=net.crs, speed_kmh=speed, length_m=net.length_m,
        road_class=net.road_class, class_names=net.class_names, oneway=True,
        edge_source_ids=net.edge_source_ids,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1_000_000)
    args = ap.parse_args()
    net = synthetic(args.nodes)
    print(f"network: {net}; load {os.getloadavg()}")
    side = float(np.sqrt(net.n_nodes)) * 1000.0
    mid = side / 2
    changes = {
        "AddLink(snap, 5 vertices)": AddLink(
            shapely.LineString([(mid + 120, mid + 310 + 4000 * k) for k in range(5)]),
            speed_kmh=100, join="snap",
        ),
        "Upgrade(bbox 50 km)": Upgrade(bbox=(0, 0, 50_000, 50_000), speed_kmh=110),
        "Close(bbox 20 km)": Close(bbox=(mid, mid, mid + 20_000, mid + 20_000)),
    }  # fmt: skip
    for label, change in changes.items():
        sc = Scenario([change])
        t0 = time.perf_counter()
        after = sc.apply(net)
        t_apply = time.perf_counter() - t0
        t0 = time.perf_counter()
        peer = rebuilt(after)
        t_peer = time.perf_counter() - t0
        a, _ = multi_source_node_times(after, [0])
        b, _ = multi_source_node_times(peer, [0])
        same = np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
        print(
            f"{label:28s} apply {t_apply:7.3f} s   rebuild {t_peer:7.3f} s   "
            f"ratio {t_peer / t_apply:6.1f}x   same times (rtol 1e-12): {same}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
