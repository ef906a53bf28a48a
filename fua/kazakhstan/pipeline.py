"""The Kazakhstan demo: the whole pipeline in one call, offline, on embedded data.

:func:`run_demo` runs population grid → Degree of Urbanisation (level 2) →
urban centres → functional urban areas (commuting proxy; urban-centre
thresholds of 50 000 and 100 000) → accessibility to special economic zones,
corridors and border crossings → agglomeration metrics, and writes what a
planner puts in a report: one GeoPackage with named layers, the class grid
and travel-time grids as GeoTIFFs (QGIS styles beside them), Shapefiles,
CSV/JSON tables, PNG maps and a self-contained HTML report.

By default it runs on the **MODELLED** Kazakhstan population surface and the
**PROXY** trunk road network of :mod:`fua.kazakhstan.datasets`; ``population=`` (a
GHS-POP/WorldPop raster) and ``roads=`` (an OSM extract or a line layer)
replace them. Every output says which inputs it rests on.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import DataError, InputFileError, OutputExistsError, ParameterError
from connectivity.progress import Steps

__all__ = ["DemoParams", "DemoResult", "demo_outputs", "run_demo"]

log = logging.getLogger(__name__)

#: Names of the files and folders a demo run writes (all directly inside ``out_dir``).
GPKG_NAME = "kazakhstan_demo.gpkg"  # same name as fua.kazakhstan.outputs.GPKG_NAME
_TOP_LEVEL = (
    GPKG_NAME,
    "classes_L2.tif",
    "classes_L2.qml",
    "minutes_to_sez.tif",
    "minutes_to_sez.qml",
    "minutes_to_corridor.tif",
    "minutes_to_corridor.qml",
    "minutes_to_border.tif",
    "minutes_to_border.qml",
    "fua_labels_100k.tif",
    "shapefiles",
    "tables",
    "maps",
    "report.html",
    "demo.json",
    "README.txt",
)


def demo_outputs() -> tuple[str, ...]:
    """Names of the files and folders that :func:`run_demo` writes into ``out_dir``."""
    return _TOP_LEVEL


@dataclass(frozen=True)
class DemoParams:
    """Settings of the demo pipeline (recorded in ``demo.json``).

    Parameters
    ----------
    centre_pop_thresholds : tuple of float
        Smallest urban centre that gives a FUA: 50 000 (EU-OECD) and 100 000
        (Kazakhstan's national practice). The SEZ table uses the last one.
    reach_thresholds_min : tuple of float
        Travel-time thresholds for the population reachable from each SEZ.
    offroad_speed_kmh : float, optional
        Speed of the straight leg between a cell or point and the nearest
        road. Default 30 km/h with the proxy network (the leg stands in for
        the local roads the proxy lacks) and 15 km/h with a real network.
    max_snap_m : float, optional
        Points farther than this from every road get no travel time. Default
        150 km with the proxy network (access links reach only GeoNames
        settlements) and 10 km with a real network.
    market_beta : float
        Exponent of the power decay f(t) = t^−β of market potential (Harris 1954).
    own_zone_speed_kmh : float
        Speed of the internal trip of a FUA in its market potential.
    """

    centre_pop_thresholds: tuple[float, ...] = (50_000.0, 100_000.0)
    reach_thresholds_min: tuple[float, ...] = (60.0, 120.0, 240.0)
    offroad_speed_kmh: float | None = None
    max_snap_m: float | None = None
    market_beta: float = 1.0
    own_zone_speed_kmh: float = 30.0

    def __post_init__(self) -> None:
        if not self.centre_pop_thresholds or min(self.centre_pop_thresholds) <= 0:
            msg = "centre_pop_thresholds must hold positive populations, e.g. (50_000, 100_000)"
            raise ParameterError(msg)
        if not self.reach_thresholds_min or min(self.reach_thresholds_min) <= 0:
            msg = "reach_thresholds_min must hold positive minutes, e.g. (60, 120, 240)"
            raise ParameterError(msg)
        for name in ("offroad_speed_kmh", "max_snap_m"):
            v = getattr(self, name)
            if v is not None and not (np.isfinite(v) and v > 0):
                msg = f"DemoParams.{name}={v!r} must be a positive number or None (default)"
                raise ParameterError(msg)
        if not self.market_beta > 0 or not self.own_zone_speed_kmh > 0:
            msg = "market_beta and own_zone_speed_kmh must be positive"
            raise ParameterError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        d = asdict(self)
        d["centre_pop_thresholds"] = list(self.centre_pop_thresholds)
        d["reach_thresholds_min"] = list(self.reach_thresholds_min)
        return d


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What :func:`run_demo` computed and wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
    files : dict of str to pathlib.Path
        Every written file by a short key (``gpkg``, ``report``, ``map_fuas``…).
    summary : dict
        Headline numbers (printed by ``fua demo``).
    fuas : dict of str to geopandas.GeoDataFrame
        FUAs with their metrics per threshold label (``"50k"``, ``"100k"``).
    national : pandas.DataFrame
        National metrics, one column per threshold label.
    sez : geopandas.GeoDataFrame
        The SEZ table (access beside performance).
    association : pandas.DataFrame
        Spearman rank correlations of SEZ performance and access (n = 13).
    access_population : pandas.DataFrame
        National population within each threshold of an SEZ, corridor, border.
    inputs : dict
        Labels of the population and road inputs (``modelled``, ``proxy``).
    notes : list of str
        Caveats and any step that ran in a reduced form.
    timings_s : dict of str to float
    """

    out_dir: Path
    files: dict[str, Path]
    summary: dict[str, Any]
    fuas: dict[str, gpd.GeoDataFrame]
    national: pd.DataFrame
    sez: gpd.GeoDataFrame
    association: pd.DataFrame
    access_population: pd.DataFrame
    inputs: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- steps
_STEP_NAMES = (
    "population",
    "roads",
    "degree of urbanisation",
    "snapping cells",
    "FUAs",
    "accessibility",
    "SEZ table",
    "writing layers",
    "maps and report",
)


def _check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        msg = f"--out {out} is a file; give a directory"
        raise ParameterError(msg)
    if overwrite or not out.exists():
        return
    clash = [n for n in _TOP_LEVEL if (out / n).exists()]
    if clash:
        msg = (
            f"{out} already holds demo outputs ({', '.join(clash[:4])}…); "
            "pass overwrite=True (fua demo --overwrite) or choose another directory"
        )
        raise OutputExistsError(msg)


# ---------------------------------------------------------------- inputs
def _load_population(population: str | os.PathLike[str] | None) -> tuple[Any, dict[str, Any]]:
    from fua.grid import read_population
    from fua.kazakhstan import datasets

    if population is None:
        grid = datasets.kazakhstan_population()
        label = "MODELLED population surface (not observed data)"
        return grid, {"population": label, "population_modelled": True, "population_path": None}
    path = Path(population)
    if not path.is_file():
        msg = f"population file {path} does not exist; give a GHS-POP/WorldPop GeoTIFF (see `fua fetch ghs-pop`)"
        raise InputFileError(msg)
    grid = read_population(path)
    modelled = _tagged_modelled(path)
    label = (
        f"MODELLED population surface from {path.name} (not observed data)"
        if modelled
        else f"population from {path.name}"
    )
    return grid, {
        "population": label,
        "population_modelled": modelled,
        "population_path": str(path),
    }


def _tagged_modelled(path: Path) -> bool:
    """True when a raster's tags say it is a modelled surface (``MODELLED=yes`` or in ``SOURCE``)."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            tags = src.tags()
    except rasterio.errors.RasterioError:
        return False
    return tags.get("MODELLED", "").lower() == "yes" or "MODELLED" in tags.get("SOURCE", "").upper()


_OSM_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz")


def _load_roads(
    roads: str | os.PathLike[str] | None, *, progress: bool
) -> tuple[Any, gpd.GeoDataFrame | None, dict[str, Any]]:
    from connectivity import RoadNetwork
    from fua.kazakhstan import datasets

    if roads is None:
        lines = datasets.kazakhstan_roads()
        net = RoadNetwork.from_lines(lines, class_col="road_class", speed_col="speed_kmh")
        label = "PROXY road network (straight trunk lines between waypoints; not a road map)"
        lines = lines.assign(data_note="PROXY road network: straight lines, not a road map")
        return net, lines, {"roads": label, "roads_proxy": True, "roads_path": None}
    path = Path(roads)
    if not path.exists():
        msg = f"roads file {path} does not exist; give an OSM extract (.osm.pbf, see `connectivity fetch osm`) or a line layer"
        raise InputFileError(msg)
    info = {
        "roads": f"road network from {path.name}",
        "roads_proxy": False,
        "roads_path": str(path),
    }
    if path.name.lower().endswith(_OSM_SUFFIXES):
        net = RoadNetwork.from_osm(path, progress=progress)
        return net, None, info
    lines = gpd.read_file(path)
    cls = next((c for c in ("highway", "road_class", "fclass") if c in lines.columns), None)
    spd = next((c for c in ("speed_kmh", "maxspeed") if c in lines.columns), None)
    net = RoadNetwork.from_lines(lines, class_col=cls, speed_col=spd)
    return net, lines, info


def _fua_names() -> gpd.GeoDataFrame:
    from fua.kazakhstan import datasets

    s = datasets.kazakhstan_settlements()
    return s[["name", "population_geonames", "geometry"]].rename(
        columns={"population_geonames": "population"}
    )


class _TimeRule:
    """Stand-in classifier while the default commuting coefficients are missing.

    P = 1 when the first feature (minutes to the nearest centre) is ≤ 60, else 0.
    """

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = (np.asarray(x)[:, 0] <= 60.0).astype("float64")
        return np.column_stack([1.0 - p, p])


def _commuting_model(notes: list[str]) -> Any:
    from fua.fuas.commuting import CommutingModel

    try:
        return CommutingModel.default(), "default logit (shipped coefficients)"
    except (InputFileError, OSError) as exc:
        note = (
            "the shipped commuting-model coefficients are not available in this build; "
            "commuting zones use a stand-in rule: cells within 60 min of their nearest urban "
            "centre (still contiguous with it)"
        )
        log.warning("%s (%s)", note, exc)
        notes.append(note)
        m = CommutingModel(_TimeRule(), threshold=0.5, threshold_criterion="stand-in: t ≤ 60 min")
        m.fitted = True
        return m, "stand-in rule: ≤ 60 min to the nearest centre"


# ---------------------------------------------------------------- pipeline pieces
def _label(threshold: float) -> str:
    return f"{threshold / 1000:g}k"


def _centre_points(fuas: gpd.GeoDataFrame, centres: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One point per FUA: the population-weighted centroid of its first urban centre."""
    first = fuas["uc_ids"].astype(str).str.split(r"[;, ]+").str[0].astype(int)
    c = centres.set_index("uc_id")
    pts = shapely.points(
        c.loc[first, "centroid_x"].to_numpy(), c.loc[first, "centroid_y"].to_numpy()
    )
    return gpd.GeoDataFrame(
        {"fua_id": fuas["fua_id"].to_numpy(), "name": fuas["name"].to_numpy()},
        geometry=pts,
        crs=fuas.crs,
        index=pd.Index(fuas["fua_id"].to_numpy(), name="fua_id"),
    )


def _delineate(
    result: Any,
    centres: gpd.GeoDataFrame,
    cells: Any,
    net: Any,
    threshold: float,
    model: Any,
    names: gpd.GeoDataFrame,
) -> Any:
    from fua.fuas.commuting import FuaParams
    from fua.fuas.delineate import delineate_fuas
    from fua.kazakhstan import _access as acc

    lab = np.asarray(result.centre_labels)
    keep = centres.loc[centres["pop"] >= threshold, "uc_id"].to_numpy()
    eligible = np.where(np.isin(lab, keep), lab, 0)
    pos = cells.to_grid(np.arange(cells.n_cells), fill=-1, dtype="int64")
    rr, cc = np.nonzero(eligible > 0)
    p = pos[rr, cc]
    rr, cc, p = rr[p >= 0], cc[p >= 0], p[p >= 0]
    dest = acc.subset(cells.snapped, p)
    t, which = acc.nearest_on_grid(net, cells, dest)
    uc = np.where(which >= 0, eligible[rr, cc][np.maximum(which, 0)], 0)
    t = np.where(np.isfinite(t), t, np.inf).astype("float64")
    return delineate_fuas(
        result,
        commuting=model,
        travel_time=(t, uc),
        params=FuaParams(min_centre_pop=threshold),
        names=names,
    )


def _fua_metrics(
    fres: Any,
    result: Any,
    centres: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame,
    net: Any,
    params: DemoParams,
    snap_kw: dict[str, Any],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    from connectivity.measures.accessibility import od_matrix
    from fua.metrics import fua_metrics, market_potential, own_zone_time_min

    fuas = fres.fua
    grid = result.grid
    m = fua_metrics(
        fuas,
        pop_col="pop_total",
        grid=grid,
        labels=fres.fua_labels,
        centres=centres,
        clusters=clusters,
        national_population=grid.total_population,
    )
    pts = _centre_points(fuas, centres)
    if len(fuas) >= 2:
        nan = pd.DataFrame(np.nan, index=pts.index, columns=pts.index)
        times = _try(lambda: od_matrix(net, pts, pts, **snap_kw), nan, notes, "FUA-FUA times")
        pop = pd.Series(fuas["pop_total"].to_numpy(), index=pts.index)
        own = pd.Series(
            own_zone_time_min(fuas["area_km2"].to_numpy(), speed_kmh=params.own_zone_speed_kmh),
            index=pts.index,
        )
        mp = market_potential(times, pop, beta=params.market_beta, own_time_min=own)
        m["market_potential"] = mp.to_numpy()
    else:
        m["market_potential"] = np.nan
    return m, pts


def _sez_table(
    sez: gpd.GeoDataFrame,
    fuas: gpd.GeoDataFrame,
    pts: gpd.GeoDataFrame,
    fuas_small: gpd.GeoDataFrame,
    net: Any,
    cells: Any,
    corridor_pts: gpd.GeoDataFrame,
    borders: gpd.GeoDataFrame,
    params: DemoParams,
    snap_kw: dict[str, Any],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    from connectivity.measures.accessibility import od_matrix
    from connectivity.measures.corridors import border_access, time_to_corridors
    from fua.kazakhstan import _access as acc
    from fua.metrics import association_table, market_potential, sez_access_table

    base = sez_access_table(sez, fuas, fua_name_col="name")
    nan = pd.DataFrame(np.nan, index=sez.index, columns=pts.index)
    times = _try(lambda: od_matrix(net, sez, pts, **snap_kw), nan, notes, "SEZ-FUA times")
    host_t = pd.Series(
        [times.loc[i, h] for i, h in zip(sez.index, base["host_fua_id"], strict=True)],
        index=sez.index,
    )
    snapped = acc.snap(net, sez, **snap_kw)
    reach = acc.reach_from_points(net, snapped, cells, params.reach_thresholds_min)
    reach_df = pd.DataFrame(
        reach,
        index=sez.index,
        columns=[f"pop_{t:g}min" for t in sorted(params.reach_thresholds_min)],
    )
    lab = times.rename(columns=lambda c: f"fua_{c}")
    mp = market_potential(
        lab,
        pd.Series(fuas["pop_total"].to_numpy(), index=[f"fua_{i}" for i in fuas["fua_id"]]),
        beta=params.market_beta,
        include_own=False,
    )
    none = pd.DataFrame(
        {"time_min": np.nan, "nearest_corridor": "", "nearest_crossing": ""}, index=sez.index
    )
    corr = (
        _try(lambda: time_to_corridors(net, sez, corridor_pts, **snap_kw), none, notes, "corridors")
        if len(corridor_pts)
        else none
    )
    bord = _try(
        lambda: border_access(net, sez, borders, crossing_id_col="name", **snap_kw),
        none,
        notes,
        "border crossings",
    )
    small = sez_access_table(sez, fuas_small, fua_name_col="name")
    table = sez_access_table(
        sez,
        fuas,
        fua_name_col="name",
        time_to_host_min=host_t,
        reachable_pop=reach_df,
        market_potential=mp,
        time_to_corridor_min=corr["time_min"],
        time_to_border_min=bord["time_min"],
        extra={
            "nearest_corridor": corr["nearest_corridor"].astype(str),
            "nearest_border": bord["nearest_crossing"].astype(str),
            "host_fua_50k": small["host_fua_name"],
        },
    )
    access_cols = [
        "time_to_host_min",
        *reach_df.columns,
        "market_potential",
        "time_to_corridor_min",
        "time_to_border_min",
    ]
    assoc = association_table(table, ["projects", "jobs", "invest_per_state_tenge"], access_cols)
    return table, assoc


def _try(fn: Any, fallback: Any, notes: list[str], what: str) -> Any:
    """``fn()``, or ``fallback`` with a note when the network cannot reach the points at all."""
    try:
        return fn()
    except DataError as exc:
        note = f"{what}: no travel times ({exc})"
        log.warning(note)
        notes.append(note)
        return fallback


def _corridor_lines() -> gpd.GeoDataFrame:
    """Corridor lines through their ordered places (EPSG:4326)."""
    from fua.kazakhstan import datasets

    c = datasets.load_corridors()
    c = c[c.geometry.notna() & ~c.geometry.is_empty].sort_values(["corridor", "seq"])
    rows = [
        {"corridor": k, "road_refs": ";".join(dict.fromkeys(g["road_ref"].astype(str))),
         "geometry": shapely.LineString(g.geometry.tolist())}
        for k, g in c.groupby("corridor", sort=True)
    ]  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=c.crs)


#: OSM classes a corridor is joined from on a real network.
_MAIN_ROADS = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")


def _isochrone_bands(
    minutes: np.ndarray, grid: Any, thresholds: Sequence[float]
) -> gpd.GeoDataFrame:
    from fua.degurba.vectorize import polygonize_labels

    thr = sorted(float(t) for t in thresholds)
    band = np.zeros(minutes.shape, dtype=np.int32)
    finite = np.isfinite(minutes)
    for k in range(len(thr) - 1, -1, -1):
        band[finite & (minutes <= thr[k])] = k + 1
    poly = polygonize_labels(band, grid.transform, grid.crs, connectivity=8)
    lo = [0.0, *thr[:-1]]
    poly["from_min"] = [lo[int(v) - 1] for v in poly["label"]]
    poly["to_min"] = [thr[int(v) - 1] for v in poly["label"]]
    return poly.rename(columns={"label": "band"})


def _access_population(
    grids: dict[str, np.ndarray], pop: np.ndarray, thresholds: Sequence[float]
) -> pd.DataFrame:
    from connectivity.measures.accessibility import population_within

    frames = []
    for name, t in grids.items():
        df = population_within(t, pop, thresholds)
        df.insert(0, "destination", name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- the run
def run_demo(
    out_dir: str | os.PathLike[str],
    *,
    population: str | os.PathLike[str] | None = None,
    roads: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool = False,
    params: DemoParams | None = None,
) -> DemoResult:
    """Run the whole Kazakhstan pipeline and write a planner's set of outputs to ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Output directory (created if missing). See :func:`demo_outputs`.
    population : path-like, optional
        A real population raster (GHS-POP, WorldPop; any CRS, read with
        :func:`fua.read_population`). Default: the MODELLED 1 km surface of
        :func:`fua.kazakhstan.datasets.kazakhstan_population`.
    roads : path-like, optional
        An OSM extract (``.osm.pbf``/``.osm``) or a line layer (GeoPackage,
        Shapefile, GeoJSON with ``highway``/``road_class`` and optional
        ``speed_kmh``/``maxspeed``). Default: the PROXY trunk network of
        :func:`fua.kazakhstan.datasets.kazakhstan_roads`.
    overwrite : bool
        Replace earlier demo outputs in ``out_dir``.
    progress : bool
        Show a progress bar over the steps.
    params : DemoParams, optional
        Thresholds and speeds (defaults documented on :class:`DemoParams`).

    Returns
    -------
    DemoResult

    Raises
    ------
    OutputExistsError
        ``out_dir`` holds demo outputs and ``overwrite`` is False (checked
        before any work).

    Notes
    -----
    Steps (METHOD.md §1–7): Degree of Urbanisation level 2 (:func:`fua.classify_grid`);
    urban centres; FUAs by the commuting proxy (:func:`fua.delineate_fuas`
    with network travel times from every cell to the nearest eligible
    centre); travel times on the road network with off-network legs
    (:mod:`connectivity.routing`); per-FUA and national metrics
    (:mod:`fua.metrics`); the SEZ table and its rank correlations
    (n = 13: descriptive only). Everything is written to a staging folder
    inside ``out_dir`` and moved into place at the end, so a failed run
    leaves earlier outputs untouched.
    """
    from connectivity.io import write_sidecar
    from connectivity.measures.corridors import corridor_access
    from fua.degurba.classify import classify_grid, urban_centres, urban_clusters
    from fua.kazakhstan import _access as acc
    from fua.kazakhstan import datasets
    from fua.kazakhstan import outputs as out_mod

    t_start = time.time()
    p = params or DemoParams()
    out = Path(out_dir)
    _check_out_dir(out, overwrite)
    notes: list[str] = []
    steps = Steps(len(_STEP_NAMES), enabled=progress, loggers=("fua", "connectivity"))
    try:
        with steps.step("population"):
            grid, info_pop = _load_population(population)
        with steps.step("roads"):
            net, road_lines, info_roads = _load_roads(roads, progress=progress)
        inputs = {**info_pop, **info_roads}
        proxy = bool(inputs["roads_proxy"])
        snap_kw = {
            "max_snap_m": p.max_snap_m or (150_000.0 if proxy else 10_000.0),
            "offroad_speed_kmh": p.offroad_speed_kmh or (30.0 if proxy else 15.0),
        }
        if inputs["population_modelled"]:
            notes.append(
                "Population is a MODELLED surface (official 2023 regional totals spread from "
                "GeoNames settlements), not observed data: FUAs inherit its assumptions."
            )
        if proxy:
            notes.append(
                "Roads are a PROXY network (straight lines between the waypoints of the 23 roads "
                "of republican significance plus access links): travel times are indicative."
            )
        with steps.step("degree of urbanisation"):
            result = classify_grid(grid)
            centres = urban_centres(result)
            clusters = urban_clusters(result)
        with steps.step("snapping cells"):
            cells = acc.snap_cells(net, grid, **snap_kw)
        with steps.step("FUAs"):
            model, model_label = _commuting_model(notes)
            names = _fua_names()
            fres: dict[str, Any] = {}
            metrics: dict[str, gpd.GeoDataFrame] = {}
            points: dict[str, gpd.GeoDataFrame] = {}
            national: dict[str, dict[str, float]] = {}
            from fua.metrics import national_metrics

            for thr in p.centre_pop_thresholds:
                k = _label(thr)
                fres[k] = _delineate(result, centres, cells, net, thr, model, names)
                metrics[k], points[k] = _fua_metrics(
                    fres[k], result, centres, clusters, net, p, snap_kw, notes
                )
                sizes = metrics[k]["pop_total"].to_numpy()
                national[k] = (
                    national_metrics(
                        sizes, national_population=grid.total_population, zipf_xmin=thr
                    )
                    if len(sizes)
                    else {}
                )
            main_k = _label(p.centre_pop_thresholds[-1])
            small_k = _label(p.centre_pop_thresholds[0])
        with steps.step("accessibility"):
            sez = datasets.load_sez()
            sez.index = pd.Index(sez["id"].to_numpy(), name="sez_id")
            corridor_lines = _corridor_lines()
            corridor_pts = corridor_access(
                net,
                corridor_lines,
                corridor_id_col="corridor",
                tolerance_m=1_000.0 if proxy else 5_000.0,
                road_classes=("trunk",)
                if proxy
                else tuple(c for c in _MAIN_ROADS if c in net.class_names) or None,
            )
            if len(corridor_pts) == 0:
                notes.append("no road node lies near an international corridor in this network")
            borders = datasets.load_border_crossings()
            borders = borders[(borders["kind"] == "road") & borders.geometry.notna()]
            minutes: dict[str, np.ndarray] = {
                "sez": acc.nearest_on_grid(net, cells, acc.snap(net, sez, **snap_kw))[0],
                "corridor": acc.nodes_on_grid(net, cells, corridor_pts["node"].unique())
                if len(corridor_pts)
                else np.full(grid.shape, np.nan, dtype="float32"),
                "border": acc.nearest_on_grid(net, cells, acc.snap(net, borders, **snap_kw))[0],
            }
            access_pop = _access_population(
                {"SEZ": minutes["sez"], "corridor access point": minutes["corridor"],
                 "border crossing": minutes["border"]},
                np.where(np.isfinite(grid.pop), grid.pop, 0.0),
                p.reach_thresholds_min,
            )  # fmt: skip
            iso = _isochrone_bands(minutes["sez"], grid, p.reach_thresholds_min)
        with steps.step("SEZ table"):
            sez_table, assoc = _sez_table(
                sez, metrics[main_k], points[main_k], metrics[small_k], net, cells,
                corridor_pts, borders, p, snap_kw, notes,
            )  # fmt: skip

        national_df = pd.DataFrame(national)
        national_df.index.name = "metric"
        summary = out_mod.summary(
            inputs, grid, result, metrics, national, sez_table, access_pop, p.reach_thresholds_min
        )
        run = out_mod.Run(
            params=p, inputs=inputs, notes=notes, grid=grid, result=result, centres=centres,
            clusters=clusters, fres=fres, metrics=metrics, national=national_df, sez=sez,
            sez_table=sez_table, association=assoc, access_population=access_pop,
            minutes=minutes, isochrones=iso, corridor_lines=corridor_lines,
            corridor_points=corridor_pts, borders=borders, road_lines=road_lines,
            summary=summary, main_k=main_k, small_k=small_k,
        )  # fmt: skip
        staging = out_mod.staging_dir(out)
        files: dict[str, Path] = {}
        try:
            with steps.step("writing layers"):
                files.update(out_mod.write_layers_and_rasters(run, staging, out))
                files.update(out_mod.write_tables(run, staging, out))
            with steps.step("maps and report"):
                files.update(out_mod.write_maps_and_report(run, staging, out))
            timings = dict(steps.timings)
            produced = sorted(q for q in staging.rglob("*") if q.is_file())
            used = {"population": inputs["population_path"], "roads": inputs["roads_path"]}
            write_sidecar(
                staging / "demo.json",
                params={"demo": p.to_dict(), "snap": snap_kw, "degurba": result.params.to_dict()},
                inputs={k: v for k, v in used.items() if v},
                outputs=produced,
                started_at=t_start,
                extra={
                    "inputs": inputs,
                    "commuting_model": model_label,
                    "notes": notes,
                    "summary": summary,
                    "timings_s": timings,
                    "network": {"n_nodes": net.n_nodes, "n_edges": net.n_edges},
                },
                overwrite=True,
            )
            files["sidecar"] = out / "demo.json"
            out_mod.move_into_place(staging, out, overwrite=overwrite)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        steps.close()
    summary["wall_time_s"] = round(time.time() - t_start, 1)
    return DemoResult(
        out_dir=out,
        files=files,
        summary=summary,
        fuas=metrics,
        national=national_df,
        sez=sez_table,
        association=assoc,
        access_population=access_pop,
        inputs=inputs,
        notes=notes,
        timings_s=timings,
    )
