"""Benchmark: ``RoadNetwork.from_osm`` on a country-sized synthetic OSM PBF.

Not collected by pytest. Run from the project root, e.g.::

    python tests/benchmarks/bench_pbf.py --nodes 1000000 --workdir /tmp/pbf
    python tests/benchmarks/bench_pbf.py --nodes 25000000 --workdir /tmp/pbf --pyrosm

Kazakhstan's extract has about 25 M nodes and 3 M ways. The synthetic file
is written with pyosmium's ``SimpleWriter`` (cached in ``--workdir``, never
in the repository):

- a road lattice of ``side x side`` nodes (about 36 % of the nodes), every
  row and column cut into ways of 2-14 nodes (8 on average); ways carry a
  ``highway`` class drawn from realistic shares, 20 % a ``maxspeed``, 5 %
  ``oneway=yes`` and 1 % ``oneway=-1``; 6 % are footways/paths (dropped by
  the ``drive`` filter) and 4 % carry no ``highway`` tag at all (a
  ``waterway`` or nothing) and must be skipped;
- standalone nodes (address points, POIs: the rest of the nodes), a tenth
  of them in closed ``building=yes`` ways (non-road ways to skip).

The reader is timed end to end (file to ``RoadNetwork``; wall and CPU
seconds, the CPU figure being the one to trust on a busy machine), with
peak RSS. ``--old`` times the reader of git ``main`` instead (pass the file
of ``git show main:connectivity/build/osm.py`` as ``--old``).
``--pyrosm`` also times pyrosm's ``get_network("driving")`` when installed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HIGHWAY = {
    "residential": 0.45, "unclassified": 0.14, "tertiary": 0.09, "secondary": 0.06,
    "primary": 0.04, "trunk": 0.02, "motorway": 0.005, "motorway_link": 0.005,
    "track": 0.06, "service": 0.06, "living_street": 0.01, "footway": 0.04, "path": 0.02,
}  # fmt: skip
MAXSPEED = np.array(["30", "40", "50", "60", "90", "110", "60 mph", "none", "RU:urban"])


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _way_splits(side: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Per lattice line, the start positions of its ways (lengths 2-14 nodes, mean 8)."""
    out = []
    for _ in range(2 * side):
        steps = rng.integers(1, 14, size=side)  # segments per way, mean 7
        cuts = np.cumsum(steps)
        out.append(np.concatenate([[0], cuts[cuts < side - 1]]))
    return out


def write_pbf(path: Path, n_nodes: int, seed: int = 0) -> dict[str, int]:
    """Write the synthetic file (see the module docstring); return its counts."""
    import osmium

    rng = np.random.default_rng(seed)
    side = int(np.sqrt(0.36 * n_nodes))
    n_lattice = side * side
    n_extra = max(0, n_nodes - n_lattice)
    # Kazakhstan-like extent: 50-87 E, 41-55 N
    lon0, lat0, span_lon, span_lat = 50.0, 41.0, 37.0, 14.0
    step_lon, step_lat = span_lon / side, span_lat / side
    classes = np.array(list(HIGHWAY))
    shares = np.array(list(HIGHWAY.values()))
    shares = shares / shares.sum()
    n_ways = n_roads = 0
    t0 = time.perf_counter()
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as w:
        for r in range(side):  # lattice nodes, ids 1..side*side, row-major
            jitter = rng.normal(0, 0.2, size=(side, 2))
            lons = lon0 + (np.arange(side) + jitter[:, 0]) * step_lon
            lat = lat0 + (r + jitter[:, 1]) * step_lat
            base = r * side + 1
            for c in range(side):
                w.add_node(osmium.osm.mutable.Node(id=base + c, location=(lons[c], lat[c])))
        xs = rng.uniform(lon0, lon0 + span_lon, n_extra)
        ys = rng.uniform(lat0, lat0 + span_lat, n_extra)
        for k in range(n_extra):  # standalone nodes: every 50th an address point
            tags = {"addr:housenumber": str(k % 200)} if k % 50 == 0 else {}
            w.add_node(
                osmium.osm.mutable.Node(id=n_lattice + 1 + k, location=(xs[k], ys[k]), tags=tags)
            )
        ids = np.arange(1, n_lattice + 1, dtype="int64").reshape(side, side)
        wid = 1
        for li, starts in enumerate(_way_splits(side, rng)):
            line = ids[li] if li < side else ids[:, li - side]
            ends = np.append(starts[1:], side - 1)
            hw = rng.choice(classes, size=starts.size, p=shares)
            kind = rng.random(starts.size)
            for s, e, h, k in zip(
                starts.tolist(), ends.tolist(), hw.tolist(), kind.tolist(), strict=True
            ):
                tags = _road_tags(h, k, rng)
                n_roads += "highway" in tags
                w.add_way(osmium.osm.mutable.Way(id=wid, nodes=line[s : e + 1].tolist(), tags=tags))
                wid += 1
        n_buildings = n_extra // 40  # 4 nodes each, a tenth of the extra nodes
        for b in range(n_buildings):
            first = n_lattice + 1 + 4 * b
            refs = [first, first + 1, first + 2, first + 3, first]
            w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags={"building": "yes"}))
            wid += 1
        n_ways = wid - 1
    print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    return {"nodes": n_lattice + n_extra, "ways": n_ways, "highway_ways": n_roads}


def _road_tags(highway: str, u: float, rng: np.random.Generator) -> dict[str, str]:
    if u < 0.02:
        return {"waterway": "stream"}
    if u < 0.04:
        return {}
    tags = {"highway": highway}
    if u < 0.24:
        tags["maxspeed"] = str(rng.choice(MAXSPEED))
    if 0.24 <= u < 0.29:
        tags["oneway"] = "yes"
    elif 0.29 <= u < 0.30:
        tags["oneway"] = "-1"
    if 0.30 <= u < 0.31:
        tags["access"] = "private"
    return tags


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, default=1_000_000, help="nodes in the file")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_pbf"))
    ap.add_argument("--pyrosm", action="store_true", help="also time pyrosm")
    ap.add_argument("--old", type=Path, help="an older osm.py whose read_osm_ways to time")
    ap.add_argument("--save", type=Path, help="save the network arrays (.npz) for comparisons")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"synthetic_{args.nodes}.osm.pbf"
    if not path.exists():
        counts = write_pbf(path, args.nodes)
        print(f"file: {counts}")
    import osmnx  # noqa: F401  (its import, ~5 s, is not the reader's time)

    from connectivity import RoadNetwork

    if args.old:
        _use_old_reader(args.old)
    print(_load())
    t0, c0 = time.perf_counter(), time.process_time()
    net = RoadNetwork.from_osm(path)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"connectivity from_osm: {t:.1f} s wall, {cpu:.1f} s CPU, {net.n_nodes:,} nodes, {net.n_edges:,} edges, "
        f"{net.meta['n_ways']:,} ways kept of {net.meta['n_highway_ways']:,} highway ways; "
        f"peak RSS {_rss_mb():,.0f} MB; {_load()}"
    )
    if args.save:
        np.savez(
            args.save, x=net.x, y=net.y, indptr=net.indptr, indices=net.indices,
            time_min=net.time_min, length_m=net.length_m, node_source_ids=net.node_source_ids,
            edge_source_ids=net.edge_source_ids,
        )  # fmt: skip
    if args.pyrosm:
        _pyrosm(path, cpu)


def _use_old_reader(old: Path) -> None:
    """Make ``from_osm`` use ``read_osm_ways`` of the module file ``old``."""
    import importlib.util

    import connectivity.build.osm as current

    spec = importlib.util.spec_from_file_location("osm_old", old)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {old}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["osm_old"] = module
    spec.loader.exec_module(module)
    current.read_osm_ways = module.read_osm_ways
    print(f"timing the reader of {old}")


def _pyrosm(path: Path, ours: float) -> None:
    try:
        import pyrosm
    except ImportError:
        print("pyrosm not installed; skipped")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    nodes, edges = pyrosm.OSM(str(path)).get_network("driving", nodes=True)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"pyrosm get_network(driving): {t:.1f} s wall, {cpu:.1f} s CPU, {len(nodes):,} nodes, "
        f"{len(edges):,} edges (GeoDataFrames); CPU ratio pyrosm/connectivity {cpu / ours:.1f}; "
        f"peak RSS {_rss_mb():,.0f} MB; {_load()}"
    )


if __name__ == "__main__":
    main()
