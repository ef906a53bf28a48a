"""The Kazakhstan demo: the whole pipeline in one call, offline, on embedded data.

:func:`run_demo` runs population grid → Degree of Urbanisation (level 2) →
urban centres → functional urban areas (commuting proxy; urban-centre
thresholds of 50 000 and 100 000) → accessibility to special economic zones,
corridors and border crossings → agglomeration metrics → the last-mile
candidates (the straight links to the corridors that would save people the
most minutes, each evaluated alone), and writes what a
planner puts in a report: one GeoPackage with named layers, the class grid
and travel-time grids as GeoTIFFs (QGIS styles beside them), Shapefiles,
CSV/JSON tables, PNG maps and a self-contained HTML report.

By default it runs on the embedded inputs of :mod:`fua.kazakhstan.datasets`:
the **MODELLED** dasymetric population surface (WorldPop 2020, the official
JRC 2025 class grid and OSM places, scaled to the official 2023 regional
totals) and the road network of the **real** OpenStreetMap geometry of the 23
republican roads with **PROXY** access links (there are no regional roads).
``population=`` (a GHS-POP/WorldPop raster) and ``roads=`` (an OSM extract or
a line layer) replace them. Every output says which inputs it rests on, and
sets its results beside independent figures (:mod:`fua.kazakhstan.benchmarks`).
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

from connectivity import OriginSet, RoadNetwork, od_matrix
from connectivity.errors import DataError, InputFileError, OutputExistsError, ParameterError
from connectivity.io import NETWORK_OSM_SUFFIXES, read_layer, read_network, write_sidecar
from connectivity.origins import SnapOptions
from connectivity.outputs import check_writable
from connectivity.progress import Steps
from fua.degurba.classify import DegurbaResult, classify_grid, urban_centres, urban_clusters
from fua.fuas.delineate import FuaResult
from fua.grid import PopulationGrid, read_population
from fua.kazakhstan import datasets, delineation
from fua.kazakhstan import outputs as out_mod
from fua.kazakhstan import roads as kz_roads
from fua.kazakhstan.access import LastMile, accessibility, last_mile, sez_table, with_fallback
from fua.kazakhstan.benchmarks import benchmark_summary
from fua.kazakhstan.outputs import GPKG_NAME
from fua.kazakhstan.surface import MODEL_LABEL
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
        road. Default on the embedded network 60 / 1.3 = 46.2 km/h, the speed
        of its access links (the leg stands for the same unmapped regional
        roads), and 15 km/h on a real network (see
        :mod:`fua.kazakhstan.delineation`).
    max_snap_m : float, optional
        Points farther than this from every road get no travel time. Default
        350 km on the embedded network (every cell of the country gets a
        time) and 10 km on a real network.
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
    last_mile : LastMile or None
        The best last-mile links to the corridors and the FUAs and SEZs they
        bring closer (:func:`fua.kazakhstan.access.last_mile`); None when the
        network has no corridor access point.
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
    last_mile: LastMile | None = None


# ---------------------------------------------------------------- steps
_STEP_NAMES = (
    "population",
    "roads",
    "degree of urbanisation",
    "snapping cells",
    "FUAs",
    "accessibility",
    "SEZ table",
    "last-mile candidates",
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
    check_writable(out, folder=True, what="out_dir")
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
#: Labels of the embedded inputs (written to every output).
_EMBEDDED_POPULATION = (
    "MODELLED population, not observed data (dasymetric: WorldPop 2020, JRC 2025 classes, "
    "OSM places; official 2023 regional totals)"
)
_EMBEDDED_ROADS = (
    "real OSM trunk roads (the 23 republican roads) + PROXY access links, no regional roads"
)


def _load_population(
    population: str | os.PathLike[str] | None,
) -> tuple[PopulationGrid, dict[str, Any]]:
    if population is None:
        grid = datasets.kazakhstan_population()
        return grid, {"population": _EMBEDDED_POPULATION, "population_modelled": True,
                      "population_embedded": True, "population_path": None}  # fmt: skip
    path = Path(population)
    if not path.is_file():
        msg = f"population file {path} does not exist; give a GHS-POP/WorldPop GeoTIFF (see `fua fetch ghs-pop`)"
        raise InputFileError(msg)
    grid = read_population(path)
    _check_in_kazakhstan(grid, path)
    source = _modelled_source(path)
    modelled = source is not None
    label = f"population from {path.name}"
    if source == MODEL_LABEL:
        label = f"MODELLED population surface from {path.name} (a window of the embedded surface; not observed data)"
    elif modelled:
        label = f"MODELLED population surface from {path.name} (not observed data)"
    return grid, {
        "population": label,
        "population_modelled": modelled,
        "population_embedded": source == MODEL_LABEL,
        "population_path": str(path),
    }


#: Share of a given grid's people that must lie in Kazakhstan (outline buffered by 25 km).
MIN_SHARE_IN_KAZAKHSTAN = 0.5


def _check_in_kazakhstan(grid: PopulationGrid, path: Path) -> None:
    """Refuse a population grid of another place: the demo is the Kazakhstan case."""
    import geopandas as gpd
    from rasterio.features import geometry_mask

    outline = gpd.GeoSeries([datasets.kazakhstan_outline()], crs="EPSG:4326")
    inside_kz = outline.to_crs(grid.crs).buffer(25_000.0)
    inside = geometry_mask(
        list(inside_kz), out_shape=grid.shape, transform=grid.transform, invert=True
    )
    pop = np.where(np.isfinite(grid.pop), grid.pop, 0.0)
    total = float(pop.sum())
    share = float(pop[inside].sum()) / total if total > 0 else 0.0
    if share < MIN_SHARE_IN_KAZAKHSTAN:
        area = float(inside.mean())
        msg = (
            f"the population grid {path.name} is not in Kazakhstan: {share:.1%} of its "
            f"{total:,.0f} people ({area:.1%} of its cells) lie inside Kazakhstan's outline; "
            "`fua demo` runs the Kazakhstan case: use `fua degurba` / `fua delineate` for other places"
        )
        raise DataError(msg)


def _modelled_source(path: Path) -> str | None:
    """The ``SOURCE`` tag of a raster tagged as modelled (``MODELLED=yes`` or in ``SOURCE``), else None."""
    try:
        with rasterio.open(path) as src:
            tags = src.tags()
    except rasterio.errors.RasterioError:
        return None
    source = tags.get("SOURCE", "")
    if tags.get("MODELLED", "").lower() == "yes" or "MODELLED" in source.upper():
        return source
    return None


def _load_roads(
    roads: str | os.PathLike[str] | None, *, progress: bool
) -> tuple[RoadNetwork, gpd.GeoDataFrame | None, dict[str, Any]]:
    if roads is None:
        lines = datasets.kazakhstan_roads()
        net = kz_roads.network_from_lines(lines)
        return net, lines, {"roads": _EMBEDDED_ROADS, "roads_proxy": True, "roads_path": None,
                            "roads_tag": "OSM trunk + PROXY access roads"}  # fmt: skip
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


# ---------------------------------------------------------------- pipeline pieces
def _label(threshold: float) -> str:
    return f"{threshold / 1000:g}k"


def _input_notes(inputs: dict[str, Any], snap: SnapOptions) -> list[str]:
    """What the inputs are: what is real, what is modelled, what is a proxy."""
    notes = []
    if inputs["population_modelled"]:
        notes.append(
            "Population is a MODELLED surface, not observed data: WorldPop 2020 counts at 5' "
            "(CC BY 4.0) and the populations of OpenStreetMap places (ODbL) placed on the 1 km "
            "cells with the official JRC GHS-WUP-DEGURBA 2025 classes (CC BY 4.0) and scaled to "
            "the official regional totals of 1 January 2023 (exact). Urban centres and FUAs "
            "inherit its assumptions."
            if inputs["population_embedded"]
            else "Population is a MODELLED surface (tagged so in its file), not observed data: "
            "urban centres and FUAs inherit its assumptions."
        )
    if inputs["roads_proxy"]:
        notes.append(
            "Roads: the trunk roads are real - the OpenStreetMap geometry (ODbL) of the 23 roads "
            "of republican significance, with speeds by the 2014 rules of the road (110 km/h on "
            "motorway sections, 90 outside settlements, 60 through them; KAZ03 and KAZ05 are "
            "schematic and timed at their official length). PROXY: there are no regional or "
            "local roads; settlements reach the trunk roads by straight access links at "
            f"{kz_roads.ACCESS_SPEED_KMH:g} km/h over {kz_roads.DETOUR_FACTOR:g} x their length "
            f"({kz_roads.ACCESS_SPEED_KMH / kz_roads.DETOUR_FACTOR:.0f} km/h), grid cells by a "
            f"straight leg at {snap['offroad_speed_kmh']:.0f} km/h. Times off the trunk roads "
            "are indicative."
        )
    return notes


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
    pts = delineation.centre_points(fuas, centres)
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
    model, model_label = delineation.commuting_model(notes)
    names = delineation.fua_names()
    out = _Fuas({}, {}, {}, {}, model_label)
    for thr in p.centre_pop_thresholds:
        k = _label(thr)
        out.fres[k] = delineation.delineate_at(
            result, centres, cells, net, thr, model=model, names=names
        )
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
    snap = delineation.snap_options(
        embedded=proxy, max_snap_m=p.max_snap_m, offroad_speed_kmh=p.offroad_speed_kmh
    )
    notes.extend(_input_notes(inputs, snap))
    with steps.step("degree of urbanisation"):
        result = classify_grid(grid)
        centres = urban_centres(result)
        clusters = urban_clusters(result)
    with steps.step("snapping cells"):
        cells = delineation.snap_cells(net, grid, snap)
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
            net, cells, acc, fuas.metrics, fuas.points, centres, main=main_k,
            market_beta=p.market_beta, reach_thresholds=p.reach_thresholds_min, notes=notes,
        )  # fmt: skip
    with steps.step("last-mile candidates"):
        lm = last_mile(net, cells, acc, fuas.points[main_k], snap=snap,
                       within_min=max(p.reach_thresholds_min), notes=notes)  # fmt: skip
    national = pd.DataFrame(fuas.national)
    national.index.name = "metric"
    summary = out_mod.summary(
        inputs, grid, result, fuas.metrics, fuas.national, table, acc.population,
        p.reach_thresholds_min,
    )  # fmt: skip
    summary["benchmarks"] = benchmark_summary(fuas.metrics, result, centres)
    if lm is not None:
        best = lm.links.iloc[0]
        summary["last_mile"] = {
            "n_candidates": lm.n_candidates,
            "best_link": str(best["link_id"]),
            "best_place": f"{best['place_kind']}: {best['place']}",
            "best_length_km": round(float(best["length_km"]), 1),
            "best_person_minutes_saved": round(float(best["benefit"])),
            "best_pop_faster": round(float(best["pop_faster"])),
        }
    run = out_mod.Run(
        params=p, inputs=inputs, notes=notes, grid=grid, result=result, centres=centres,
        clusters=clusters, fres=fuas.fres, metrics=fuas.metrics, national=national, sez=acc.sez,
        sez_table=table, association=assoc, access_population=acc.population,
        minutes=acc.minutes, isochrones=acc.isochrones, corridor_lines=acc.corridor_lines,
        corridor_points=acc.corridor_points, borders=acc.borders, road_lines=road_lines,
        summary=summary, main_k=main_k, small_k=small_k, last_mile=lm,
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
    write_sidecar(
        staging / "demo.json",
        params={
            "demo": run.params.to_dict(),
            "snap": record["snap"],
            "degurba": run.result.params.to_dict(),
        },
        inputs=out_mod.sidecar_inputs(run.inputs, run.grid),
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
    crs: str | None = None,
) -> tuple[dict[str, Path], dict[str, float]]:
    """Write everything into a staging folder, then move it into ``out`` in one go."""
    staging = out_mod.staging_dir(out)
    files: dict[str, Path] = {}
    try:
        with steps.step("writing layers"):
            files.update(out_mod.write_layers_and_rasters(run, staging, out, crs=crs))
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
    crs: str | None = None,
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
        ``speed_kmh``/``maxspeed``). Default: the embedded network of
        :func:`fua.kazakhstan.datasets.kazakhstan_roads` (real OSM trunk
        roads, PROXY access links).
    overwrite : bool
        Replace earlier demo outputs in ``out_dir``.
    progress : bool
        Show a progress bar over the steps.
    params : DemoParams, optional
        Thresholds and speeds (defaults documented on :class:`DemoParams`).
    crs : str, optional
        CRS of every vector layer of the deliverables (e.g. ``"EPSG:4326"``);
        default: the analysis grid's CRS. Rasters stay on the analysis grid.

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
    (:class:`connectivity.OriginSet`, settings of
    :func:`fua.kazakhstan.delineation.snap_options`); FUAs by the commuting
    proxy (:func:`fua.kazakhstan.delineation.delineate_at`: network travel
    times from every cell to the nearest eligible centre); minutes from every
    cell to SEZs, corridors and border crossings; per-FUA and national
    metrics (:mod:`fua.metrics`); the SEZ table (host FUA at every threshold
    by :func:`fua.kazakhstan.hosts.sez_hosts`, people within reach by
    :func:`connectivity.cumulative_opportunities`) and its rank correlations
    (n = 13: descriptive only); the last-mile candidates
    (:func:`fua.kazakhstan.access.last_mile`: the 10 links to the corridors
    that save the most person-minutes, by :func:`connectivity.rank_links`,
    with the minutes of the FUAs and SEZs they bring closer); the benchmarks (:mod:`fua.kazakhstan.benchmarks`:
    OECD and Forecast Scheme counts, official city populations) in
    ``tables/summary.json`` and the report. Everything is written to a
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
            run, out, overwrite=overwrite, steps=steps, started_at=t_start, record=record,
            crs=crs,
        )  # fmt: skip
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
        last_mile=run.last_mile,
    )
