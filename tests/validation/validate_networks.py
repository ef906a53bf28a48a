"""Validate RoadNetwork builders on real Kazakhstan data (../shared/data/kazakhstan).

Builds the Almaty OSM extract (XML and PBF) and the republican trunk network
(``republic_roads.geojson``), prints counts, components, lengths, build times
and memory, and checks city-to-city distances along the trunk network:

- Almaty–Astana along KAZ01: official length 1 208 km (within ±10 %).
- Almaty–Shymkent along KAZ06: about 690 km by road (within ±10 %).
- Astana–Kostanay along KAZ03 (schematic geometry, straight chords): a
  plausibility range 500–900 km, at the smallest snap tolerance that joins it.

Exit code 1 when a check fails; "SKIP: data not found at ..." and exit 0 when
the data are absent. ``--synthetic`` also builds a 1.5 M-node grid network and
reports its memory.

Usage: python tests/validation/validate_networks.py [--data DIR] [--synthetic]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from connectivity import RoadNetwork  # noqa: E402
from tests.validation import default_data  # noqa: E402

DEFAULT_DATA = default_data()  # $FUA_SHARED_DATA, else ../shared/data
CITIES = {  # lon, lat
    "Almaty": (76.9286, 43.2567),
    "Astana": (71.4491, 51.1694),
    "Shymkent": (69.5901, 42.3417),
    "Kostanay": (63.6246, 53.2144),
}
# (from, to, reference km, lower, upper, note)
PAIRS = [
    ("Almaty", "Astana", 1208.0, 0.9 * 1208, 1.1 * 1208, "KAZ01 official length"),
    ("Almaty", "Shymkent", 690.0, 0.9 * 690, 1.1 * 690, "KAZ06 road distance"),
    ("Astana", "Kostanay", 700.0, 500.0, 900.0, "KAZ03 schematic: plausibility range"),
]
SNAP_M = 50.0
SNAP_LADDER = (50.0, 200.0, 500.0, 1000.0)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _describe(label: str, net: RoadNetwork, seconds: float) -> dict[str, Any]:
    comp = net.meta.get("components", {})
    rep = net.component_report()
    row = {
        "label": label,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "total_km": round(net.total_length_km(), 1),
        "components_after": len(rep),
        "components_before": comp.get("n_components"),
        "dropped_nodes": comp.get("dropped_nodes"),
        "dropped_km": comp.get("dropped_length_km"),
        "build_s": round(seconds, 2),
        "memory": net.memory_bytes(),
        "crs": net.crs.name,
    }
    print(
        f"{label}: {row['nodes']:,} nodes, {row['edges']:,} directed edges, "
        f"{row['total_km']:,} km, strong components before pruning {row['components_before']} "
        f"(dropped {row['dropped_nodes']} nodes, {row['dropped_km']} km), "
        f"build {row['build_s']} s, memory {_mb(row['memory'])}, CRS {row['crs']}"
    )
    return row


def _city_nodes(net: RoadNetwork) -> dict[str, tuple[int, float]]:
    tr = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    tree = cKDTree(np.column_stack([net.x, net.y]))
    out = {}
    for name, (lon, lat) in CITIES.items():
        d, i = tree.query(tr.transform(lon, lat))
        out[name] = (int(i), float(d))
    return out


def _pair_km(net: RoadNetwork, a: str, b: str) -> tuple[float, float, float]:
    nodes = _city_nodes(net)
    ia, ib = nodes[a][0], nodes[b][0]
    km = dijkstra(net.csr("length_m"), indices=ia)[ib] / 1000.0
    hours = dijkstra(net.csr("time_min"), indices=ia)[ib] / 60.0
    return float(km), float(hours), max(nodes[a][1], nodes[b][1])


def run_checks(data_dir: Path, *, synthetic: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Build everything, print the figures, return ``(results, failures)``."""
    kz = data_dir / "kazakhstan"
    results: dict[str, Any] = {"osm": [], "pairs": []}
    failures: list[str] = []

    for name in ("almaty_2013_drive.osm", "almaty_2013.osm.pbf"):
        t0 = time.perf_counter()
        net = RoadNetwork.from_osm(kz / name, largest_component=True)
        results["osm"].append(_describe(name, net, time.perf_counter() - t0))
    a, b = results["osm"]
    if (
        abs(a["nodes"] - b["nodes"]) > 0.01 * a["nodes"]
        or abs(a["total_km"] - b["total_km"]) > 0.01 * a["total_km"]
    ):
        failures.append("Almaty XML and PBF networks differ by more than 1 % in nodes or km")
    for r in results["osm"]:
        if r["components_after"] != 1 or not 1000 < r["total_km"] < 10000:
            failures.append(
                f"{r['label']}: unexpected network ({r['components_after']} components, {r['total_km']} km)"
            )

    import geopandas as gpd

    roads = gpd.read_file(kz / "republic_roads.geojson").assign(road_class="trunk")
    nets: dict[float, RoadNetwork] = {}
    for tol in SNAP_LADDER:
        t0 = time.perf_counter()
        nets[tol] = RoadNetwork.from_lines(
            roads, class_col="road_class", snap_tolerance_m=tol, largest_component=False
        )
        dt = time.perf_counter() - t0
        rep = nets[tol].component_report()
        print(
            f"republic_roads snap {tol:g} m: {nets[tol].n_nodes:,} nodes, {nets[tol].n_edges:,} directed "
            f"edges, {nets[tol].total_length_km():,.0f} km, {len(rep)} strong components "
            f"(largest {rep.n_nodes.iloc[0]:,} nodes, {rep.share_nodes.iloc[0]:.0%}; "
            f"{nets[tol].meta['n_t_junctions']} T-junctions), build {dt:.2f} s"
        )
        results[f"republic_{tol:g}m"] = {"components": len(rep), "nodes": nets[tol].n_nodes}
    for frm, to, ref, lo, hi, note in PAIRS:
        used = None
        for tol in SNAP_LADDER:
            km, hours, snap = _pair_km(nets[tol], frm, to)
            if np.isfinite(km):
                used = tol
                break
            print(f"  {frm}-{to}: unreachable at snap {tol:g} m")
        ok = used is not None and lo <= km <= hi
        print(
            f"  {frm}-{to}: {km:,.0f} km, {hours:.1f} h at trunk speeds (snap {used} m, city-to-node "
            f"{snap / 1000:.1f} km); reference {ref:,.0f} km ({note}), accepted {lo:,.0f}-{hi:,.0f} km: "
            f"{'OK' if ok else 'FAIL'}"
        )
        results["pairs"].append(
            {"from": frm, "to": to, "km": km, "hours": hours, "snap_m": used, "ok": ok}
        )
        if not ok:
            failures.append(f"{frm}-{to} = {km:.0f} km outside {lo:.0f}-{hi:.0f} km")

    if synthetic:
        results["synthetic"] = synthetic_memory()
        if results["synthetic"]["memory"] >= 2 * 2**30:
            failures.append("synthetic 1.5 M-node network needs 2 GB or more")
    return results, failures


def synthetic_memory(side: int = 1225) -> dict[str, Any]:
    """Build a ``side x side`` two-way grid (1 500 625 nodes at 1225) and report memory."""
    n = side * side
    idx = np.arange(n, dtype="int64").reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    gx, gy = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0)
    t0 = time.perf_counter()
    net = RoadNetwork.from_edges(
        gx.ravel(), gy.ravel(), u, v, crs="EPSG:32643", speed_kmh=60.0,
        road_class=np.zeros(u.size, "int16"), class_names=("residential",),
        node_source_ids=np.arange(n), edge_source_ids=np.arange(u.size),
    )  # fmt: skip
    dt = time.perf_counter() - t0
    mem = net.memory_bytes()
    print(
        f"synthetic grid: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges "
        f"(4 per node, more than a real drive network's ~2.3), built in {dt:.1f} s, "
        f"memory_bytes {_mb(mem)} ({mem / net.n_nodes:.0f} bytes per node)"
    )
    return {"nodes": net.n_nodes, "edges": net.n_edges, "memory": mem, "build_s": dt}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="shared data folder (has kazakhstan/)"
    )
    ap.add_argument("--synthetic", action="store_true", help="also build a 1.5 M-node grid network")
    args = ap.parse_args(argv)
    kz = args.data / "kazakhstan"
    needed = [
        kz / n for n in ("almaty_2013_drive.osm", "almaty_2013.osm.pbf", "republic_roads.geojson")
    ]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        print(f"SKIP: data not found at {missing[0].resolve()}")
        return 0
    _, failures = run_checks(args.data, synthetic=args.synthetic)
    for f in failures:
        print(f"FAIL: {f}")
    print("all checks passed" if not failures else f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
