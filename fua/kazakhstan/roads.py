"""The embedded trunk road network of Kazakhstan, from the real OSM geometry of its 23 republican roads.

What is real, what is not
-------------------------
* **Real:** the geometry of the 23 roads of republican significance
  (KAZ01–KAZ23; madmaxkz1/kazakhstan-roads-map, © OpenStreetMap
  contributors, ODbL): OSRM routes over OSM for KAZ01, 02, 04 and 06, OSM
  ways tagged ``ref=KAZ..`` for the others. Shipped simplified
  (Douglas–Peucker, ``tolerance_m`` = 150 m in an equidistant conic
  projection, plenty for a 1 km analysis) as ``data/republic_roads_simplified.geojson``.
* **Schematic:** KAZ03 and KAZ05 have only a few waypoints in the source
  (791 km of line for an 860 km road; 210 for 250). They keep their line
  but run at 90 km/h × (line length / official length), so their travel
  time is the official length at 90 km/h.
* **PROXY:** there are no regional or local roads. Settlements reach the
  trunk network by straight *access links* to the nearest trunk point, whose
  time is ``detour_factor`` (1.3, a common circuity of rural roads) times the
  straight length at ``access_speed_kmh`` (60 km/h, a regional-road speed);
  the link carries the equivalent speed 60 / 1.3 = 46.2 km/h on its straight
  line.

Joining
-------
Pieces are noded where they meet or cross (a shared vertex at every
intersection; overpasses are joined too, harmless at 1 km), and every loose end of a piece within ``gap_m`` (5 km) of
another piece gets a straight connector to it (the OSM ways with a ref break
at junctions, roundabouts and bridges): 1 m to 3.2 km in this data. Ends
farther than that (border posts) stay loose. Finally every group of pieces
still cut off from the main network (a road ending at a city's edge while
the next one passes its other side) is joined by one connector between their
closest vertices (≤ ``island_gap_m``, 25 km; 30 m to 850 m in this data).
Connectors run at 60 km/h (they stand for city streets).

Speeds (Rules of the Road, Government Decree No. 1196 of 13 November 2014, §10)
-----------------------------------------------------------------------------
* 60 km/h where the road runs through settlement cells of the official JRC
  GHS-WUP-DEGURBA 2025 grid (classes 13, 21, 22, 23, 30: rural clusters,
  i.e. villages, and urban clusters and centres), the stand-in for "in
  settlements";
* 110 km/h on the dual-carriageway (category I) sections built as motorways:
  Astana–Temirtau–Karaganda (KAZ01, 171 + 14 km) and Astana–Shchuchinsk
  (KAZ02) (Kazinform, 4 Nov 2016; Kazakh Promtransproekt, "Astana –
  Schuchinsk, first category"). Almaty–Kapshagay (104 km, six lanes) is
  listed too but skipped: the KAZ01 geometry leaves Almaty by the western
  road and passes ~50 km from Kapshagay (a section whose ends lie more than
  5 km from its road is skipped);
* 90 km/h elsewhere (outside settlements).

The simplified file is rebuilt with ``python -m fua.kazakhstan.roads --shared
../shared/data --out fua/kazakhstan/data/republic_roads_simplified.geojson``
(needs the raw geometry and the class grid); :func:`kazakhstan_road_network`
reads only package data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.features import shapes
from shapely.ops import substring

from connectivity import RoadNetwork
from connectivity.errors import InputFileError, ParameterError
from connectivity.outputs import file_sha256
from fua.kazakhstan.surface import load_region_seeds

__all__ = [
    "ACCESS_SPEED_KMH",
    "DETOUR_FACTOR",
    "KZ_METRIC",
    "MOTORWAY_SECTIONS",
    "RoadBuildParams",
    "build_road_pieces",
    "kazakhstan_road_lines",
    "kazakhstan_road_network",
    "load_road_pieces",
    "network_from_lines",
]

log = logging.getLogger(__name__)

_PKG = "fua.kazakhstan"
ROADS_FILE = "republic_roads_simplified.geojson"
RAW_FILE = "republic_roads.geojson"
CLASSES_FILE = "ghs_wup_degurba_e2025_r2025a_L2_KAZ_54009_1000m.tif"
#: Equidistant conic CRS for Kazakhstan (metres) in which lengths are measured.
KZ_METRIC = "+proj=eqdc +lat_0=48 +lon_0=67 +lat_1=45 +lat_2=52 +datum=WGS84 +units=m +no_defs"
#: Speed of the regional road an access link stands for (km/h).
ACCESS_SPEED_KMH = 60.0
#: Road length per km of straight line on an access link.
DETOUR_FACTOR = 1.3
#: Dual-carriageway (category I) sections run at 110 km/h: (ref, from, (lon, lat), to, (lon, lat)).
MOTORWAY_SECTIONS: tuple[tuple[str, str, tuple[float, float], str, tuple[float, float]], ...] = (
    ("KAZ01", "Astana", (71.43, 51.13), "Karaganda", (73.10, 49.80)),
    ("KAZ01", "Almaty", (76.95, 43.26), "Kapshagay (Konaev)", (77.06, 43.87)),
    ("KAZ02", "Astana", (71.43, 51.13), "Shchuchinsk", (70.20, 52.93)),
)
_SOURCE = "madmaxkz1/kazakhstan-roads-map (OSM geometry, © OpenStreetMap contributors, ODbL)"


@dataclass(frozen=True)
class RoadBuildParams:
    """Settings of :func:`build_road_pieces` (recorded in the GeoJSON)."""

    tolerance_m: float = 150.0
    gap_m: float = 5000.0
    island_gap_m: float = 25_000.0
    urban_classes: tuple[int, ...] = (13, 21, 22, 23, 30)
    urban_kmh: float = 60.0
    rural_kmh: float = 90.0
    motorway_kmh: float = 110.0


# ---------------------------------------------------------------- building the shipped file
def _parts(raw: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """One row per part, in metres, simplified (ends kept)."""
    g = raw.to_crs(KZ_METRIC)[["ref", "is_schematic", "length_km_official", "geometry"]]
    g = g.explode(index_parts=False).reset_index(drop=True)
    if tolerance_m > 0:
        g["geometry"] = shapely.simplify(g.geometry.values, tolerance_m, preserve_topology=False)
    return g[~g.geometry.is_empty & (g.geometry.length > 0)].reset_index(drop=True)


def _gap_connectors(parts: gpd.GeoDataFrame, gap_m: float) -> list[tuple[str, shapely.LineString]]:
    """Straight connectors from loose part ends to the nearest other part within ``gap_m``."""
    geoms = parts.geometry.values
    tree = shapely.STRtree(geoms)
    out: list[tuple[str, shapely.LineString]] = []
    for i, (ref, line) in enumerate(zip(parts["ref"], geoms, strict=True)):
        for end in (shapely.get_point(line, 0), shapely.get_point(line, -1)):
            near = tree.query(end, predicate="dwithin", distance=gap_m)
            near = near[near != i]
            if near.size == 0:
                continue
            d = shapely.distance(end, geoms[near])
            j = near[np.argmin(d)]
            if d.min() < 1.0:
                continue  # touches another piece already
            target = shapely.line_interpolate_point(
                geoms[j], shapely.line_locate_point(geoms[j], end)
            )
            out.append((ref, shapely.LineString([end, target])))
    return out


def _noded(
    parts: gpd.GeoDataFrame, connectors: list[tuple[str, shapely.LineString]]
) -> gpd.GeoDataFrame:
    """All lines noded at every intersection; each piece keeps the ref of the line it lies on."""
    lines = list(parts.geometry.values) + [c for _, c in connectors]
    refs = list(parts["ref"]) + [r for r, _ in connectors]
    kinds = ["road"] * len(parts) + ["gap"] * len(connectors)
    pieces = np.asarray(shapely.get_parts(shapely.node(shapely.MultiLineString(lines))))
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    tree = shapely.STRtree(lines)
    src = tree.query_nearest(mid, all_matches=False, return_distance=False)[1]
    return gpd.GeoDataFrame(
        {"ref": np.asarray(refs)[src], "piece": np.asarray(kinds)[src]},
        geometry=pieces,
        crs=KZ_METRIC,
    )


def _island_connectors(pieces: gpd.GeoDataFrame, gap_m: float) -> gpd.GeoDataFrame:
    """Join every piece group cut off from the largest one by its closest vertex pair (≤ ``gap_m``).

    Roads that end at a city's edge while the next road passes its other side
    (joined in reality by city streets) would otherwise stay islands.
    """
    net = RoadNetwork.from_lines(pieces, largest_component=False)
    lab = net.component_labels(connection="weak")
    main = np.bincount(lab).argmax()
    on_main = np.flatnonzero(lab == main)
    tree = shapely.STRtree(shapely.points(net.x[on_main], net.y[on_main]))
    rows = []
    for c in np.unique(lab[lab != main]):
        own = np.flatnonzero(lab == c)
        j, d = tree.query_nearest(
            shapely.points(net.x[own], net.y[own]), return_distance=True, all_matches=False
        )
        k = int(np.argmin(d))
        if d[k] > gap_m:
            log.warning(
                "a road group of %d vertices lies %.1f km from the network; left apart",
                own.size,
                d[k] / 1000,
            )
            continue
        a, b = own[j[0][k]], on_main[j[1][k]]
        line = shapely.LineString([(net.x[a], net.y[a]), (net.x[b], net.y[b])])
        ref = pieces["ref"].iat[
            int(shapely.STRtree(pieces.geometry.values).query_nearest(line.interpolate(0))[0])
        ]
        rows.append({"ref": ref, "piece": "gap", "urban": False, "geometry": line})
    extra = gpd.GeoDataFrame(
        rows, columns=["ref", "piece", "urban", "geometry"], geometry="geometry", crs=KZ_METRIC
    )
    return pd.concat([pieces, extra], ignore_index=True) if rows else pieces


def _urban_polygons(classes_path: Path, urban_classes: Sequence[int]) -> shapely.Geometry:
    with rasterio.open(classes_path) as src:
        cls = src.read(1)
        mask = np.isin(cls, list(urban_classes))
        polys = [
            shapely.geometry.shape(g)
            for g, v in shapes(mask.astype(np.uint8), mask=mask, transform=src.transform)
            if v
        ]
        crs = src.crs
    return gpd.GeoSeries(polys, crs=crs).to_crs(KZ_METRIC).union_all()


def _split_urban(pieces: gpd.GeoDataFrame, urban: shapely.Geometry) -> gpd.GeoDataFrame:
    """Split pieces at urban-cell boundaries; ``urban`` True on the inside runs."""
    shapely.prepare(urban)
    rows = []
    for rec in pieces.itertuples(index=False):
        line = rec.geometry
        if not urban.intersects(line):
            rows.append((rec.ref, rec.piece, False, line))
            continue
        for flag, part in ((True, line.intersection(urban)), (False, line.difference(urban))):
            rows.extend(
                (rec.ref, rec.piece, flag, g)
                for g in shapely.get_parts(shapely.line_merge(part))
                if g.length > 0
            )
    return gpd.GeoDataFrame(
        rows, columns=["ref", "piece", "urban", "geometry"], geometry="geometry", crs=KZ_METRIC
    )


def _motorway_zones(raw: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    """300 m corridors around the motorway sections of :data:`MOTORWAY_SECTIONS`, per ref."""
    g = raw.to_crs(KZ_METRIC).set_index("ref")
    pts = (
        gpd.GeoSeries(
            [shapely.Point(xy) for s in MOTORWAY_SECTIONS for xy in (s[2], s[4])], crs="EPSG:4326"
        )
        .to_crs(KZ_METRIC)
        .values
    )
    zones: dict[str, list[shapely.Geometry]] = {}
    for k, (ref, *_rest) in enumerate(MOTORWAY_SECTIONS):
        if ref not in g.index:
            continue
        line = shapely.line_merge(g.geometry[ref])
        if line.geom_type != "LineString":
            line = max(shapely.get_parts(line), key=lambda p: p.length)
        ends = (pts[2 * k], pts[2 * k + 1])
        if max(line.distance(e) for e in ends) > 5000.0:
            log.info(
                "motorway section %s %s-%s is not on the geometry; skipped", ref, _rest[0], _rest[2]
            )
            continue
        a, b = sorted(line.project(e) for e in ends)
        zones.setdefault(ref, []).append(substring(line, a, b).buffer(300.0))
    return {ref: shapely.union_all(z) for ref, z in zones.items()}


def build_road_pieces(
    raw_path: str | os.PathLike[str],
    classes_path: str | os.PathLike[str] | None = None,
    params: RoadBuildParams | None = None,
) -> gpd.GeoDataFrame:
    """Simplify, join and speed the raw republican-road geometry (see the module docstring).

    Parameters
    ----------
    raw_path : path-like
        ``republic_roads.geojson`` (``ref``, ``is_schematic``, ``length_km_official``).
    classes_path : path-like, optional
        The official class grid; without it no piece is urban.
    params : RoadBuildParams, optional
        ``tolerance_m=0`` keeps the raw geometry (the validation reference).

    Returns
    -------
    geopandas.GeoDataFrame
        Pieces in EPSG:4326: ``ref``, ``setting`` ("urban", "rural",
        "motorway", "schematic" or "gap"), ``speed_kmh``, ``length_m``
        (conic metres), ``is_schematic``, ``source``.
    """
    p = params or RoadBuildParams()
    raw = gpd.read_file(raw_path)
    parts = _parts(raw, p.tolerance_m)
    pieces = _noded(parts, _gap_connectors(parts, p.gap_m))
    if classes_path is not None:
        pieces = _split_urban(pieces, _urban_polygons(Path(classes_path), p.urban_classes))
    else:
        pieces["urban"] = False
    pieces = _island_connectors(pieces, p.island_gap_m)
    return _assign_speeds(pieces, raw, p)


def _assign_speeds(
    pieces: gpd.GeoDataFrame, raw: gpd.GeoDataFrame, p: RoadBuildParams
) -> gpd.GeoDataFrame:
    info = raw.set_index("ref")
    geom_km = raw.to_crs(KZ_METRIC).set_index("ref").length / 1000.0
    schematic = info["is_schematic"].astype(bool)
    zones = _motorway_zones(raw)
    mid = shapely.line_interpolate_point(pieces.geometry.values, 0.5, normalized=True)
    on_mw = np.array(
        [ref in zones and zones[ref].contains(m) for ref, m in zip(pieces["ref"], mid, strict=True)]
    )
    is_sch = pieces["ref"].map(schematic).fillna(False).to_numpy(dtype=bool)
    setting = np.where(pieces["urban"], "urban", np.where(on_mw, "motorway", "rural"))
    setting = np.where(is_sch, "schematic", setting)
    setting = np.where(pieces["piece"] == "gap", "gap", setting)
    speed = (
        pd.Series(setting)
        .map(
            {
                "urban": p.urban_kmh,
                "rural": p.rural_kmh,
                "motorway": p.motorway_kmh,
                "gap": p.urban_kmh,
            }
        )
        .to_numpy(dtype=float)
    )
    ratio = (geom_km / info["length_km_official"]).clip(upper=1.0)
    speed = np.where(is_sch, p.rural_kmh * pieces["ref"].map(ratio).to_numpy(dtype=float), speed)
    out = gpd.GeoDataFrame(
        {"ref": pieces["ref"].to_numpy(), "setting": setting, "speed_kmh": np.round(speed, 2),
         "is_schematic": is_sch},
        geometry=pieces.geometry.values, crs=KZ_METRIC,
    )  # fmt: skip
    return _merge_runs(out).to_crs("EPSG:4326")


def _merge_runs(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge consecutive pieces with the same attributes (junction vertices stay as vertices)."""
    keys = ["ref", "setting", "speed_kmh", "is_schematic"]
    rows: list[tuple[Any, ...]] = []
    for key, g in pieces.groupby(keys, sort=True):
        merged = shapely.line_merge(shapely.MultiLineString(list(g.geometry.values)))
        rows.extend((*key, line) for line in shapely.get_parts(merged))
    out = gpd.GeoDataFrame(rows, columns=[*keys, "geometry"], geometry="geometry", crs=pieces.crs)
    out.insert(3, "length_m", np.round(out.geometry.length.to_numpy(), 1))
    return out


def write_road_pieces(
    pieces: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    params: RoadBuildParams,
    inputs: dict[str, str] | None = None,
) -> None:
    """Write the pieces as compact GeoJSON (5 decimals ≈ 1 m) with the build settings and attribution."""
    gj = json.loads(pieces.to_json(drop_id=True))
    for f in gj["features"]:
        f["geometry"]["coordinates"] = [
            [round(x, 5), round(y, 5)] for x, y in f["geometry"]["coordinates"]
        ]
    gj["name"] = "republic_roads_simplified"
    gj["attribution"] = (
        "© OpenStreetMap contributors, ODbL 1.0 (via madmaxkz1/kazakhstan-roads-map)"
    )
    gj["build"] = {
        "recipe": "python -m fua.kazakhstan.roads --shared ../shared/data --out fua/kazakhstan/data/"
        + ROADS_FILE,
        "params": params.__dict__ | {"urban_classes": list(params.urban_classes)},
        "motorway_sections": [list(s) for s in MOTORWAY_SECTIONS],
        "crs_for_lengths": KZ_METRIC,
        "inputs_sha256": inputs or {},
    }
    Path(path).write_text(
        json.dumps(gj, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8"
    )


# ---------------------------------------------------------------- runtime
def load_road_pieces() -> gpd.GeoDataFrame:
    """The shipped trunk pieces (EPSG:4326): ``ref``, ``setting``, ``speed_kmh``, ``length_m``, ``is_schematic``, ``source``."""
    res = resources.files(_PKG).joinpath("data", ROADS_FILE)
    if not res.is_file():
        msg = (
            f"embedded data file fua/kazakhstan/data/{ROADS_FILE} is missing; reinstall fua-toolkit"
        )
        raise InputFileError(msg)
    with resources.as_file(res) as path:
        g = gpd.read_file(path)
    g = g.set_crs("EPSG:4326", allow_override=True)
    g["source"] = _SOURCE
    return g


def _default_settlements() -> gpd.GeoDataFrame:
    s = load_region_seeds()
    return gpd.GeoDataFrame(
        s[["name"]], geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326"
    )


def _access_links(
    trunk: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Split the trunk pieces at the attach points and return them with one link per settlement."""
    if settlements.crs is None:
        msg = "settlements has no CRS; set one (e.g. gdf.set_crs('EPSG:4326'))"
        raise ParameterError(msg)
    pts = settlements.to_crs(KZ_METRIC)
    names = (
        pts["name"].astype(str).to_numpy() if "name" in pts else pts.index.astype(str).to_numpy()
    )
    lines = trunk.geometry.values
    p_idx, s_idx = shapely.STRtree(lines).query_nearest(pts.geometry.values, all_matches=False)
    cuts: dict[int, list[float]] = {}
    links = []
    for pi, si in zip(p_idx, s_idx, strict=True):
        p = pts.geometry.values[pi]
        d = float(lines[si].project(p))
        q = lines[si].interpolate(d)
        if p.distance(q) < 1.0:
            continue
        if 0.0 < d < lines[si].length:
            cuts.setdefault(int(si), []).append(d)
        links.append(
            {
                "from_place": names[pi],
                "to_place": str(trunk["ref"].iat[si]),
                "geometry": shapely.LineString([p, q]),
            }
        )
    rows = []
    for i, rec in enumerate(trunk.itertuples(index=False)):
        marks = sorted(set(cuts.get(i, [])))
        bounds = [0.0, *marks, rec.geometry.length]
        for a, b in itertools.pairwise(bounds):
            if b - a > 0.01:
                rows.append(rec._replace(geometry=substring(rec.geometry, a, b)))
    return gpd.GeoDataFrame(rows, columns=trunk.columns, geometry="geometry", crs=KZ_METRIC), links


def kazakhstan_road_lines(
    settlements: gpd.GeoDataFrame | None = None,
    *,
    access_links: bool = True,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    detour_factor: float = DETOUR_FACTOR,
) -> gpd.GeoDataFrame:
    """The trunk network from real geometry, plus access links, as a line layer.

    Parameters
    ----------
    settlements : geopandas.GeoDataFrame, optional
        Points linked to the network (a ``name`` column is used when present).
        Default: the 296 GeoNames settlements of ``region_seeds_geonames.csv``.
    access_links : bool
        Add the links (the trunk piece is split where a link meets it).
    access_speed_kmh, detour_factor : float
        Regional-road speed and circuity of the links; the straight link runs
        at ``access_speed_kmh / detour_factor``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 lines with the columns of the former proxy
        (:func:`fua.kazakhstan.datasets.kazakhstan_roads`): ``ref`` (KAZxx or
        "access"), ``road_class`` ("trunk" or "access"), ``speed_kmh``,
        ``length_m`` (conic metres), ``from_place``, ``to_place``, ``source``;
        plus ``setting`` and ``detour_factor``. ``attrs`` holds ``proxy``
        (True only for the access links' part) and a ``note``.
    """
    for name, v in (("access_speed_kmh", access_speed_kmh), ("detour_factor", detour_factor)):
        if not np.isfinite(v) or v <= 0 or (name == "detour_factor" and v < 1):
            msg = f"{name} must be a positive number (detour_factor >= 1), got {v!r}"
            raise ParameterError(msg)
    trunk = load_road_pieces().to_crs(KZ_METRIC)
    links: list[dict[str, Any]] = []
    if access_links:
        trunk, links = _access_links(
            trunk, settlements if settlements is not None else _default_settlements()
        )
    t = pd.DataFrame({
        "ref": trunk["ref"], "road_class": "trunk", "speed_kmh": trunk["speed_kmh"].astype(float),
        "from_place": trunk["ref"], "to_place": trunk["ref"], "source": trunk["source"],
        "setting": trunk["setting"], "detour_factor": 1.0,
    })  # fmt: skip
    a = pd.DataFrame({
        "ref": "access", "road_class": "access", "speed_kmh": access_speed_kmh / detour_factor,
        "from_place": [lk["from_place"] for lk in links], "to_place": [lk["to_place"] for lk in links],
        "source": "PROXY: straight access link to the nearest trunk point (fua-toolkit)",
        "setting": "access", "detour_factor": detour_factor,
    }, index=pd.RangeIndex(len(links)))  # fmt: skip
    geoms = list(trunk.geometry.values) + [lk["geometry"] for lk in links]
    gdf = gpd.GeoDataFrame(pd.concat([t, a], ignore_index=True), geometry=geoms, crs=KZ_METRIC)
    gdf.insert(3, "length_m", gdf.geometry.length.to_numpy())
    gdf = gdf.to_crs("EPSG:4326")
    gdf.attrs["proxy"] = bool(access_links)
    gdf.attrs["note"] = (
        "Trunk roads: real OSM geometry of the 23 republican roads (simplified to 150 m; KAZ03 and "
        "KAZ05 schematic), speeds by the 2014 rules. PROXY: no regional roads; settlements reach "
        f"the trunk by straight links at {access_speed_kmh:g} km/h over {detour_factor:g}× the straight length."
    )
    return gdf


def network_from_lines(lines: gpd.GeoDataFrame) -> RoadNetwork:
    """A :class:`connectivity.RoadNetwork` of the lines of :func:`kazakhstan_road_lines`.

    Built in :data:`KZ_METRIC` with the ``road_class`` ("trunk", "access") and
    ``speed_kmh`` columns; lines are joined at shared vertices
    (``snap_tolerance_m`` = 1 m) and the largest strong component is kept.
    ``meta["note"]`` repeats the lines' note.
    """
    net = RoadNetwork.from_lines(
        lines.to_crs(KZ_METRIC), class_col="road_class", speed_col="speed_kmh"
    )
    net.meta["note"] = lines.attrs.get("note", "")
    return net


def kazakhstan_road_network(
    settlements: gpd.GeoDataFrame | None = None, **kwargs: Any
) -> RoadNetwork:
    """:func:`kazakhstan_road_lines` as a network (:func:`network_from_lines`); the demo's network.

    Keyword arguments go to :func:`kazakhstan_road_lines`.
    """
    return network_from_lines(kazakhstan_road_lines(settlements, **kwargs))


# ---------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild the shipped GeoJSON: ``python -m fua.kazakhstan.roads --shared DIR --out FILE``."""
    ap = argparse.ArgumentParser(
        prog="python -m fua.kazakhstan.roads", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--shared", default="../shared/data", help="folder holding kazakhstan/")
    ap.add_argument("--out", default=f"fua/kazakhstan/data/{ROADS_FILE}")
    args = ap.parse_args(argv)
    kz = Path(args.shared) / "kazakhstan"
    params = RoadBuildParams()
    pieces = build_road_pieces(kz / RAW_FILE, kz / CLASSES_FILE, params)
    shas = {f"kazakhstan/{n}": file_sha256(kz / n) for n in (RAW_FILE, CLASSES_FILE)}
    write_road_pieces(pieces, args.out, params, shas)
    km = pieces.groupby("setting")["length_m"].sum() / 1000
    print(f"wrote {args.out}: {len(pieces)} pieces, {Path(args.out).stat().st_size:,} bytes; km by setting: "
          + ", ".join(f"{k} {v:,.0f}" for k, v in km.items()))  # fmt: skip
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
