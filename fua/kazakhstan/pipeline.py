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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

from connectivity import (
    OriginSet,
    RoadNetwork,
    od_matrix,
    raster_time_to_nearest,
)
from connectivity.errors import InputFileError, OutputExistsError, ParameterError
from connectivity.io import NETWORK_OSM_SUFFIXES, read_layer, read_network, write_sidecar
from connectivity.origins import SnapOptions
from connectivity.progress import Steps
from fua.degurba.classify import DegurbaResult, classify_grid, urban_centres, urban_clusters
from fua.fuas.commuting import FuaParams
from fua.fuas.delineate import FuaResult, delineate_fuas
from fua.fuas.proxy.model import CommutingModel
from fua.grid import PopulationGrid, read_population
from fua.kazakhstan import datasets
from fua.kazakhstan import outputs as out_mod
from fua.kazakhstan.access import accessibility, sez_table, with_fallback
from fua.kazakhstan.outputs import GPKG_NAME
from fua.metrics import (
    fua_metrics,
    market_potential,
    national_metrics,
    own_zone_time_min,
)

__all__ = ["DemoParams", "DemoResult", "demo_outputs", "run_demo"]

log = logging.getLogger(__name__)


#: Names of the files and folders a demo run writes (all directly inside ``out_dir``).
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
    """Refuse, before any work, an ``out`` that is a file or already holds demo outputs.

    (:func:`connectivity.outputs.safe_directory` stages flat files only; the
    demo writes folders too, so its staging lives in :mod:`fua.kazakhstan.outputs`.)
    """
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
def _load_population(
    population: str | os.PathLike[str] | None,
) -> tuple[PopulationGrid, dict[str, Any]]:
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
    try:
        with rasterio.open(path) as src:
            tags = src.tags()
    except rasterio.errors.RasterioError:
        return False
    return tags.get("MODELLED", "").lower() == "yes" or "MODELLED" in tags.get("SOURCE", "").upper()




def _load_roads(
    roads: str | os.PathLike[str] | None, *, progress: bool
) -> tuple[RoadNetwork, gpd.GeoDataFrame | None, dict[str, Any]]:
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
    net = read_network(
        path,
        class_col=("highway", "road_class", "fclass"),
        speed_col=("speed_kmh", "maxspeed"),
        progress=progress,
    )
    lines = None if path.name.lower().endswith(NETWORK_OSM_SUFFIXES) else read_layer(path)
    return net, lines, info


def _fua_names() -> gpd.GeoDataFrame:
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


def _commuting_model(notes: list[str]) -> tuple[CommutingModel, str]:
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


def _snap_options(p: DemoParams, proxy: bool) -> SnapOptions:
    """Snapping of cells and points: generous on the proxy network, tighter on a real one."""
    return SnapOptions(
        max_snap_m=p.max_snap_m or (150_000.0 if proxy else 10_000.0),
        offroad_speed_kmh=p.offroad_speed_kmh or (30.0 if proxy else 15.0),
    )


def _input_notes(inputs: dict[str, Any]) -> list[str]:
    notes = []
    if inputs["population_modelled"]:
        notes.append(
            "Population is a MODELLED surface (official 2023 regional totals spread from "
            "GeoNames settlements), not observed data: FUAs inherit its assumptions."
        )
    if inputs["roads_proxy"]:
        notes.append(
            "Roads are a PROXY network (straight lines between the waypoints of the 23 roads "
            "of republican significance plus access links): travel times are indicative."
        )
    return notes


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
    result: DegurbaResult,
    centres: gpd.GeoDataFrame,
    cells: OriginSet,
    net: RoadNetwork,
    threshold: float,
    model: CommutingModel,
    names: gpd.GeoDataFrame,
) -> FuaResult:
    """FUAs of the centres of at least ``threshold`` people, by network time to their cells."""
    assert cells.cells is not None
    lab = np.asarray(result.centre_labels)
    keep = centres.loc[centres["pop"] >= threshold, "uc_id"].to_numpy()
    eligible = np.where(np.isin(lab, keep), lab, 0)
    centre_cells = cells.subset(eligible[cells.cells.rows, cells.cells.cols] > 0)
    t = np.full(lab.shape, np.inf)
    uc = np.zeros(lab.shape, dtype=eligible.dtype)
    if centre_cells.ok.any():
        tt = raster_time_to_nearest(net, cells, centre_cells)
        t = np.where(np.isfinite(tt.time_min), tt.time_min, np.inf).astype("float64")
        assert centre_cells.cells is not None
        uc_of = eligible[centre_cells.cells.rows, centre_cells.cells.cols]
        uc = np.where(tt.nearest >= 0, uc_of[np.maximum(tt.nearest, 0)], 0)
    return delineate_fuas(
        result,
        commuting=model,
        travel_time=(t, uc),
        params=FuaParams(min_centre_pop=threshold),
        names=names,
    )


def _fua_metrics(
    fres: FuaResult,
    result: DegurbaResult,
    centres: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame,
    net: RoadNetwork,
    params: DemoParams,
    snap: SnapOptions,
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Metrics of each FUA (market potential from FUA-to-FUA network times) and its point."""
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
        at = OriginSet.from_points(net, pts, **snap)
        times = with_fallback(lambda: od_matrix(net, at, at), nan, notes, "FUA-FUA times")
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


@dataclass(frozen=True, eq=False)
class _Fuas:
    """The FUAs of every centre threshold (keys ``"50k"``, ``"100k"``...)."""

    fres: dict[str, FuaResult]
    metrics: dict[str, gpd.GeoDataFrame]
    points: dict[str, gpd.GeoDataFrame]
    national: dict[str, dict[str, float]]
    model_label: str


def _all_fuas(
    result: DegurbaResult,
    centres: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame,
    cells: OriginSet,
    net: RoadNetwork,
    p: DemoParams,
    snap: SnapOptions,
    notes: list[str],
) -> _Fuas:
    model, model_label = _commuting_model(notes)
    names = _fua_names()
    out = _Fuas({}, {}, {}, {}, model_label)
    for thr in p.centre_pop_thresholds:
        k = _label(thr)
        out.fres[k] = _delineate(result, centres, cells, net, thr, model, names)
        out.metrics[k], out.points[k] = _fua_metrics(
            out.fres[k], result, centres, clusters, net, p, snap, notes
        )
        sizes = out.metrics[k]["pop_total"].to_numpy()
        out.national[k] = (
            national_metrics(sizes, national_population=result.grid.total_population, zipf_xmin=thr)
            if len(sizes)
            else {}
        )
    return out


# ---------------------------------------------------------------- the run
def _compute(
    p: DemoParams,
    population: str | os.PathLike[str] | None,
    roads: str | os.PathLike[str] | None,
    *,
    progress: bool,
    steps: Steps,
    notes: list[str],
) -> tuple[out_mod.Run, dict[str, Any]]:
    """Every step up to the tables; returns what is written and the sidecar's extra facts."""
    with steps.step("population"):
        grid, info_pop = _load_population(population)
    with steps.step("roads"):
        net, road_lines, info_roads = _load_roads(roads, progress=progress)
    inputs = {**info_pop, **info_roads}
    proxy = bool(inputs["roads_proxy"])
    snap = _snap_options(p, proxy)
    notes.extend(_input_notes(inputs))
    with steps.step("degree of urbanisation"):
        result = classify_grid(grid)
        centres = urban_centres(result)
        clusters = urban_clusters(result)
    with steps.step("snapping cells"):
        # every cell with data, populated or not: the minutes rasters are continuous maps
        cells = OriginSet.from_raster(net, grid, all_cells=True, **snap)
    with steps.step("FUAs"):
        fuas = _all_fuas(result, centres, clusters, cells, net, p, snap, notes)
    main_k = _label(p.centre_pop_thresholds[-1])
    small_k = _label(p.centre_pop_thresholds[0])
    with steps.step("accessibility"):
        acc = accessibility(
            net, grid, cells, thresholds=p.reach_thresholds_min, snap=snap, proxy=proxy,
            notes=notes,
        )  # fmt: skip
    with steps.step("SEZ table"):
        table, assoc = sez_table(
            net, cells, acc, fuas.metrics[main_k], fuas.points[main_k], fuas.metrics[small_k],
            market_beta=p.market_beta, reach_thresholds=p.reach_thresholds_min, notes=notes,
        )  # fmt: skip
    national = pd.DataFrame(fuas.national)
    national.index.name = "metric"
    summary = out_mod.summary(
        inputs, grid, result, fuas.metrics, fuas.national, table, acc.population,
        p.reach_thresholds_min,
    )  # fmt: skip
    run = out_mod.Run(
        params=p, inputs=inputs, notes=notes, grid=grid, result=result, centres=centres,
        clusters=clusters, fres=fuas.fres, metrics=fuas.metrics, national=national, sez=acc.sez,
        sez_table=table, association=assoc, access_population=acc.population,
        minutes=acc.minutes, isochrones=acc.isochrones, corridor_lines=acc.corridor_lines,
        corridor_points=acc.corridor_points, borders=acc.borders, road_lines=road_lines,
        summary=summary, main_k=main_k, small_k=small_k,
    )  # fmt: skip
    record = {
        "snap": snap,
        "commuting_model": fuas.model_label,
        "network": {"n_nodes": net.n_nodes, "n_edges": net.n_edges},
    }
    return run, record


def _write_sidecar(
    run: out_mod.Run,
    staging: Path,
    started_at: float,
    record: dict[str, Any],
    timings: dict[str, float],
) -> None:
    """``demo.json``: parameters, inputs, every staged output, notes, summary and timings."""
    produced = sorted(q for q in staging.rglob("*") if q.is_file())
    used = {"population": run.inputs["population_path"], "roads": run.inputs["roads_path"]}
    write_sidecar(
        staging / "demo.json",
        params={
            "demo": run.params.to_dict(),
            "snap": record["snap"],
            "degurba": run.result.params.to_dict(),
        },
        inputs={k: v for k, v in used.items() if v},
        outputs=produced,
        started_at=started_at,
        extra={
            "inputs": run.inputs,
            "commuting_model": record["commuting_model"],
            "notes": run.notes,
            "summary": run.summary,
            "timings_s": timings,
            "network": record["network"],
        },
        overwrite=True,
    )


def _write(
    run: out_mod.Run,
    out: Path,
    *,
    overwrite: bool,
    steps: Steps,
    started_at: float,
    record: dict[str, Any],
) -> tuple[dict[str, Path], dict[str, float]]:
    """Write everything into a staging folder, then move it into ``out`` in one go."""
    staging = out_mod.staging_dir(out)
    files: dict[str, Path] = {}
    try:
        with steps.step("writing layers"):
            files.update(out_mod.write_layers_and_rasters(run, staging, out))
            files.update(out_mod.write_tables(run, staging, out))
        with steps.step("maps and report"):
            files.update(out_mod.write_maps_and_report(run, staging, out))
        timings = dict(steps.timings)
        _write_sidecar(run, staging, started_at, record, timings)
        files["sidecar"] = out / "demo.json"
        out_mod.move_into_place(staging, out, overwrite=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files, timings


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
    urban centres; the grid's cells snapped once to the roads
    (:class:`connectivity.OriginSet`); FUAs by the commuting proxy
    (:func:`fua.delineate_fuas` with network travel times from every cell to
    the nearest eligible centre, :func:`connectivity.raster_time_to_nearest`);
    minutes from every cell to SEZs, corridors and border crossings; per-FUA
    and national metrics (:mod:`fua.metrics`); the SEZ table (people within
    reach by :func:`connectivity.cumulative_opportunities`) and its rank
    correlations (n = 13: descriptive only). Everything is written to a
    staging folder inside ``out_dir`` and moved into place at the end, so a
    failed run leaves earlier outputs untouched.
    """
    t_start = time.time()
    p = params or DemoParams()
    out = Path(out_dir)
    _check_out_dir(out, overwrite)
    notes: list[str] = []
    steps = Steps(len(_STEP_NAMES), enabled=progress, loggers=("fua", "connectivity"))
    try:
        run, record = _compute(p, population, roads, progress=progress, steps=steps, notes=notes)
        files, timings = _write(
            run, out, overwrite=overwrite, steps=steps, started_at=t_start, record=record
        )
    finally:
        steps.close()
    run.summary["wall_time_s"] = round(time.time() - t_start, 1)
    return DemoResult(
        out_dir=out,
        files=files,
        summary=run.summary,
        fuas=run.metrics,
        national=run.national,
        sez=run.sez_table,
        association=run.association,
        access_population=run.access_population,
        inputs=run.inputs,
        notes=notes,
        timings_s=timings,
    )
