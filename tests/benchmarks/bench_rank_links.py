"""Benchmark: rank_links (improvement-only searches) vs the naive re-run, Kazakhstan case.

Not collected by pytest. Run from the project root::

    PYTHONPATH=$PWD /work/venv/bin/python tests/benchmarks/bench_rank_links.py
    PYTHONPATH=$PWD /work/venv/bin/python tests/benchmarks/bench_rank_links.py --market

The case: the demo's network (:func:`fua.kazakhstan.roads.kazakhstan_road_network`,
6 425 nodes), every populated 1 km cell of the embedded population surface as
an origin (an OriginSet snapped once, as the demo snaps its cells), the
corridor access points of :func:`fua.kazakhstan.access.corridor_points` as
destinations, and 200 last-mile candidates
(:func:`connectivity.rank.last_mile_candidates` from the SEZs, border
crossings and the largest settlements) at 80 km/h.

incremental  ``rank_links(objective="minutes")`` (base field once; per link an
             improvement-only search and the origins at the lowered nodes)
naive        per link: ``Scenario([AddLink]).apply(net)`` and the measure
             re-run from scratch on the same snapped cells
             (:func:`connectivity.routing.nearest_node`), timed on a sample
             of links and extrapolated to all of them (marked ``~``)

``--market`` also times the market-potential objective (one field per SEZ;
the naive side re-runs the SEZ-to-cell searches of gravity access).
Wall-clock seconds on a shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from connectivity import OriginSet  # noqa: E402
from connectivity.lastmile import last_mile_candidates  # noqa: E402
from connectivity.rank import rank_links  # noqa: E402
from connectivity.routing import nearest_node, od_blocks  # noqa: E402
from connectivity.scenarios import AddLink, Scenario  # noqa: E402
from fua.kazakhstan import datasets, delineation  # noqa: E402
from fua.kazakhstan.access import corridor_lines, corridor_points  # noqa: E402
from fua.kazakhstan.roads import kazakhstan_road_network  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _candidates(net, access, n: int):
    """``n`` last-mile links: SEZs and road border crossings first, then the largest settlements."""
    sez = datasets.load_sez()[["name", "geometry"]]
    borders = datasets.load_border_crossings()
    borders = borders[borders["kind"] == "road"][["name", "geometry"]]
    towns = datasets.kazakhstan_settlements().sort_values("population_geonames", ascending=False)
    places = pd.concat(
        [sez.assign(kind="sez"), borders.assign(kind="border"),
         towns[["name", "geometry"]].assign(kind="settlement")],
        ignore_index=True,
    )  # fmt: skip
    places.index = pd.Index([f"{k}:{i}" for i, k in enumerate(places["kind"])], name="place")
    cands = last_mile_candidates(net, places, access, speed_kmh=80.0, road_class="primary")
    return cands.head(n)


def _naive(net, cells, nodes, cands, sample: int) -> tuple[float, np.ndarray]:
    """Seconds per link of apply + a full re-run, and the benefits of the sampled links."""
    keep = cells.ok & (cells.weights > 0)
    w = cells.weights[keep]
    t0 = nearest_node(net, cells.snapped, nodes).time_min[keep]
    out = []
    start = time.perf_counter()
    for _, row in cands.head(sample).iterrows():
        change = AddLink(row.geometry, speed_kmh=row["speed_kmh"], road_class=row["road_class"],
                         oneway=False, join="nodes", max_join_m=1_000.0)  # fmt: skip
        t1 = nearest_node(Scenario([change]).apply(net), cells.snapped, nodes).time_min[keep]
        both = np.isfinite(t0) & np.isfinite(t1)
        out.append(float(w[both] @ (t0[both] - t1[both])))
    return (time.perf_counter() - start) / sample, np.asarray(out)


def _naive_market(net, cells, sez, cands, sample: int) -> float:
    """Seconds per link of apply + the SEZ-to-cell searches of gravity access."""
    start = time.perf_counter()
    for _, row in cands.head(sample).iterrows():
        change = AddLink(row.geometry, speed_kmh=row["speed_kmh"], road_class=row["road_class"],
                         oneway=False, join="nodes", max_join_m=1_000.0)  # fmt: skip
        joined = Scenario([change]).apply(net)
        for _r, _c, _block in od_blocks(joined, sez.snapped, cells.snapped):
            pass
    return (time.perf_counter() - start) / sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--links", type=int, default=200)
    ap.add_argument("--sample", type=int, default=10, help="links timed on the naive side")
    ap.add_argument("--market", action="store_true", help="also the market-potential objective")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    t = time.perf_counter()
    net = kazakhstan_road_network()
    grid = datasets.kazakhstan_population()
    snap = delineation.snap_options(embedded=True, max_snap_m=None, offroad_speed_kmh=None)
    cells = OriginSet.from_raster(net, grid, **snap)  # every populated cell
    access = corridor_points(net, corridor_lines(), proxy=True)
    nodes = access["node"].unique()
    cands = _candidates(net, access, args.links)
    print(f"set-up (network, {len(cells):,} populated cells snapped once, {len(cands)} "
          f"candidates): {time.perf_counter() - t:.1f} s; network {net.n_nodes:,} nodes")  # fmt: skip

    t = time.perf_counter()
    ranked = rank_links(net, cands, cells, nodes=nodes, objective="minutes")
    inc = time.perf_counter() - t
    per_link, naive_benefit = _naive(net, cells, nodes, cands, args.sample)
    naive = per_link * len(cands)
    by_id = ranked.set_index("link_id")["benefit"]
    same = np.allclose(by_id.loc[cands["link_id"].head(args.sample)].to_numpy(), naive_benefit,
                       rtol=1e-9, atol=1e-6)  # fmt: skip
    print(f"minutes to corridors, {len(cands)} links x {ranked.attrs['n_origins']:,} origins:")
    print(f"  incremental rank_links   {inc:8.1f} s  ({ranked.attrs['timings_s']})")
    print(f"  naive apply + re-run    ~{naive:8.1f} s  ({per_link:.2f} s/link x {len(cands)}, "
          f"timed on {args.sample})")  # fmt: skip
    print(f"  ratio naive / incremental  {naive / inc:6.1f} x; sampled benefits identical: {same}")
    print(f"  top 3: {ranked[['link_id', 'length_km', 'benefit']].head(3).to_dict('records')}")
    if args.market:
        sez = OriginSet.from_points(net, datasets.load_sez(), **snap)
        t = time.perf_counter()
        mp = rank_links(net, cands, cells, sez, objective="market_potential")
        inc_m = time.perf_counter() - t
        naive_m = _naive_market(net, cells, sez, cands, max(2, args.sample // 5)) * len(cands)
        print(f"market potential of {len(sez)} SEZs:")
        print(f"  incremental rank_links   {inc_m:8.1f} s  ({mp.attrs['timings_s']})")
        print(f"  naive apply + re-run    ~{naive_m:8.1f} s (searches only, extrapolated)")
        print(f"  ratio naive / incremental  {naive_m / inc_m:6.1f} x")
    print(f"peak RSS {_rss_mb():,.0f} MB; load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
