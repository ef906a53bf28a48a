"""File outputs of the demo pipeline (private; see :func:`fua.kazakhstan.pipeline.run_demo`).

Everything is written into a staging folder inside the output directory and
moved into place only when every file has been written, so a failed run
leaves earlier outputs untouched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import OutputExistsError
from connectivity.io import write_layers, write_raster
from fua.kazakhstan import datasets
from fua.kazakhstan.report import DISPLAY_CRS, write_kazakhstan_report
from fua.outputs.degurba import write_class_raster, write_label_raster
from fua.outputs.report import plot_fua_map, plot_minutes_map, plot_rank_size
from fua.outputs.styles import write_minutes_qml

if TYPE_CHECKING:
    from fua.degurba.classify import DegurbaResult
    from fua.fuas.delineate import FuaResult
    from fua.grid import PopulationGrid

__all__: list[str] = []

log = logging.getLogger(__name__)

GPKG_NAME = "kazakhstan_demo.gpkg"


@dataclass(frozen=True, eq=False)
class Run:
    """Everything a demo run computed, for writing."""

    params: Any  # the run's DemoParams
    inputs: dict[str, Any]
    notes: list[str]
    grid: PopulationGrid
    result: DegurbaResult
    centres: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    fres: dict[str, FuaResult]
    metrics: dict[str, gpd.GeoDataFrame]
    main_k: str
    small_k: str
    national: pd.DataFrame
    summary: dict[str, Any]
    sez: gpd.GeoDataFrame
    sez_table: gpd.GeoDataFrame
    association: pd.DataFrame
    minutes: dict[str, np.ndarray]
    access_population: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    corridor_lines: gpd.GeoDataFrame
    road_lines: gpd.GeoDataFrame | None
    corridor_points: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame

    @property
    def proxy(self) -> bool:
        return bool(self.inputs["roads_proxy"])

    @property
    def modelled(self) -> bool:
        return bool(self.inputs["population_modelled"])

    @property
    def data_note(self) -> str:
        return f"{self.inputs['population']}; {self.inputs['roads']}"

    @property
    def tail(self) -> str:
        mod = "MODELLED" if self.modelled else "observed"
        return f"population: {mod}; roads: {'OSM trunk + PROXY access' if self.proxy else 'OSM/line layer'}"


def for_file(gdf: gpd.GeoDataFrame, note: str) -> gpd.GeoDataFrame:
    """A copy that GeoPackage/Shapefile can hold, with a ``data_note`` column."""
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        elif out[c].dtype == bool:
            out[c] = out[c].astype("int8")
    out["data_note"] = note
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def write_layers_and_rasters(run: Run, staging: Path, out: Path) -> dict[str, Path]:
    """GeoPackage, Shapefiles, class / minutes / FUA-label GeoTIFFs with QGIS styles."""
    files: dict[str, Path] = {}
    grid = run.grid
    layers: dict[str, gpd.GeoDataFrame] = {
        "urban_centres": run.centres,
        "urban_clusters": run.clusters,
    }
    for k, m in run.metrics.items():
        layers[f"fua_{k}"] = m
        layers[f"fua_{k}_city"] = run.fres[k].fua_city
        layers[f"fua_{k}_commuting_zone"] = run.fres[k].fua_commuting_zone
    layers["sez_access"] = run.sez_table
    layers["sez_isochrones"] = run.isochrones
    layers["corridors"] = run.corridor_lines
    layers["corridor_access_points"] = run.corridor_points
    layers["border_crossings"] = run.borders
    if run.road_lines is not None:
        layers["roads_proxy" if run.proxy else "roads"] = run.road_lines
    layers = {k: for_file(v, run.data_note) for k, v in layers.items()}
    write_layers(staging / GPKG_NAME, layers)
    files["gpkg"] = out / GPKG_NAME
    keep = ("urban_centres", f"fua_{run.small_k}", f"fua_{run.main_k}", "sez_access",
            "corridors", "border_crossings")  # fmt: skip
    (staging / "shapefiles").mkdir()
    write_layers(staging / "shapefiles", {k: layers[k] for k in keep}, driver="ESRI Shapefile")
    files["shapefiles"] = out / "shapefiles"
    write_class_raster(
        staging / "classes_L2.tif",
        np.asarray(run.result.level2),
        transform=grid.transform,
        crs=grid.crs,
        level=2,
    )
    files["classes_L2"] = out / "classes_L2.tif"
    tags = {
        "population": run.inputs["population"],
        "roads": run.inputs["roads"],
        "units": "minutes",
        "proxy_roads": str(run.proxy),
        "modelled_population": str(run.modelled),
    }
    for key, arr in run.minutes.items():
        name = f"minutes_to_{key}.tif"
        write_raster(
            staging / name,
            arr.astype("float32"),
            transform=grid.transform,
            crs=grid.crs,
            description=f"minutes to the nearest {key} ({run.tail})",
            tags=tags,
        )
        write_minutes_qml(staging / f"minutes_to_{key}.qml")
        files[f"minutes_to_{key}"] = out / name
    lab = run.fres[run.main_k].fua_labels
    if lab is not None:
        write_label_raster(
            staging / "fua_labels_100k.tif",
            lab,
            transform=grid.transform,
            crs=grid.crs,
            description=f"fua_id ({run.main_k} threshold; {run.tail})",
        )
        files["fua_labels"] = out / "fua_labels_100k.tif"
    return files


def write_tables(run: Run, staging: Path, out: Path) -> dict[str, Path]:
    """CSV tables and ``summary.json`` in ``tables/``."""
    tables = staging / "tables"
    tables.mkdir()
    for k, m in run.metrics.items():
        pd.DataFrame(m.drop(columns="geometry")).to_csv(
            tables / f"fua_metrics_{k}.csv", index=False
        )
    run.national.to_csv(tables / "national_metrics.csv")
    pd.DataFrame(run.sez_table.drop(columns="geometry")).to_csv(tables / "sez_access.csv")
    run.association.to_csv(tables / "sez_association.csv", index=False)
    run.access_population.to_csv(tables / "access_population.csv", index=False)
    (tables / "summary.json").write_text(
        json.dumps(run.summary, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8"
    )
    return {"tables": out / "tables"}


def write_maps_and_report(run: Run, staging: Path, out: Path) -> dict[str, Path]:
    """The three PNG maps, the HTML report and ``README.txt``."""
    maps = staging / "maps"
    maps.mkdir()
    grid = run.grid
    outline = gpd.GeoSeries([datasets.kazakhstan_outline()], crs="EPSG:4326")
    thr = run.params.centre_pop_thresholds
    images = {
        "FUAs, SEZs and corridors": maps / "fuas_sez_corridors.png",
        "Minutes to the nearest SEZ": maps / "minutes_to_sez.png",
        "Rank-size plot": maps / "rank_size.png",
    }
    on_map = {"points": run.sez, "outline": outline, "display_crs": DISPLAY_CRS}
    plot_fua_map(images["FUAs, SEZs and corridors"], run.metrics[run.main_k],
                 corridors=run.corridor_lines, borders=run.borders, points_label="SEZs",
                 title=f"FUAs (urban centres ≥ {thr[-1]:,.0f}), SEZs and corridors — {run.tail}",
                 **on_map)  # fmt: skip
    plot_minutes_map(images["Minutes to the nearest SEZ"], run.minutes["sez"],
                     transform=grid.transform, crs=grid.crs,
                     title=f"Minutes to the nearest SEZ — {run.tail}", **on_map)  # fmt: skip
    plot_rank_size(
        images["Rank-size plot"],
        {f"centres ≥ {k}": m["pop_total"].to_numpy() for k, m in run.metrics.items()},
        title=f"Rank-size of FUA populations — {run.tail}",
    )
    write_kazakhstan_report(
        staging / "report.html",
        title="Functional urban areas and SEZ access — Kazakhstan demo",
        inputs=run.inputs,
        notes=run.notes,
        summary=run.summary,
        fuas=run.metrics[run.main_k],
        fuas_label=run.main_k,
        sez_table=run.sez_table,
        association=run.association,
        national=run.national,
        access_population=run.access_population,
        corridors=run.corridor_lines,
        borders=run.borders,
        isochrones=run.isochrones,
        outline=outline,
        minutes=(run.minutes["sez"], grid.transform, grid.crs),
        images=images,
    )
    (staging / "README.txt").write_text(readme(run), encoding="utf-8")
    return {
        "map_fuas": out / "maps" / "fuas_sez_corridors.png",
        "map_minutes": out / "maps" / "minutes_to_sez.png",
        "map_rank_size": out / "maps" / "rank_size.png",
        "report": out / "report.html",
        "readme": out / "README.txt",
    }


def readme(run: Run) -> str:
    """The ``README.txt`` that explains the output folder."""
    s, m = run.small_k, run.main_k
    lines = [
        "fua-toolkit Kazakhstan demo outputs",
        "===================================",
        "",
        f"Population: {run.inputs['population']}",
        f"Roads:      {run.inputs['roads']}",
        "",
        "report.html            open in a browser (works offline): interactive map and tables",
        f"{GPKG_NAME:<22} GeoPackage: urban_centres, urban_clusters, fua_{s}*, fua_{m}*,",
        "                       sez_access, sez_isochrones, corridors, corridor_access_points,",
        "                       border_crossings (and the road lines); every layer has a data_note",
        "classes_L2.tif (+.qml) Degree of Urbanisation level-2 classes (GHSL SMOD codes)",
        "minutes_to_*.tif       minutes to the nearest SEZ / corridor access point / border crossing",
        f"fua_labels_100k.tif    FUA id per cell ({m} threshold)",
        "shapefiles/            the main layers as Shapefiles (+ *_fields.csv full field names)",
        "tables/                CSV/JSON metrics (FUA, national, SEZ access, associations)",
        "maps/                  PNG maps",
        "demo.json              parameters, input/output checksums, timings",
        "",
        "Caveats:",
        *[f"- {n}" for n in run.notes],
        f"- SEZ associations: n = {len(run.sez_table)} zones; descriptive rank correlations, not causal.",
        "",
    ]
    return "\n".join(lines)


def summary(run_inputs: dict[str, Any], grid: PopulationGrid, result: DegurbaResult,
            metrics: dict[str, gpd.GeoDataFrame],
            national: dict[str, dict[str, float]], sez: gpd.GeoDataFrame,
            access_pop: pd.DataFrame, reach_thresholds_min: Sequence[float]) -> dict[str, Any]:  # fmt: skip
    """Headline numbers of a run."""

    def f(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else v

    s: dict[str, Any] = {
        "population_input": run_inputs["population"],
        "roads_input": run_inputs["roads"],
        "grid_shape": list(grid.shape),
        "population_total": float(grid.total_population),
        "n_urban_centres": int(result.n_centres),
        "n_urban_clusters": int(result.n_clusters),
        "fuas": {},
    }
    for k, m in metrics.items():
        nat = national[k]
        top = m.sort_values("pop_total", ascending=False)
        s["fuas"][k] = {
            "n_fuas": len(m),
            "pop_in_fuas": float(m["pop_total"].sum()),
            "share_in_fuas": f(nat.get("share_in_fuas")),
            "largest": [
                {"name": str(r["name"]), "pop": float(r["pop_total"])}
                for _, r in top.head(5).iterrows()
            ],
            "primacy_2": f(nat.get("primacy_2")),
            "zipf_ols": f(nat.get("zipf_ols")),
        }
    t_max = max(reach_thresholds_min)
    sub = access_pop[access_pop["threshold_min"] == t_max]
    s["share_within_max_threshold"] = {
        "threshold_min": t_max,
        **{r["destination"]: float(r["share_within"]) for _, r in sub.iterrows()},
    }
    for col in ("time_to_corridor_min", "time_to_border_min"):
        v = pd.to_numeric(sez[col], errors="coerce").dropna()
        s[f"sez_median_{col}"] = float(v.median()) if len(v) else None
    s["sez_inside_a_fua"] = int((sez[f"host_rule_{list(metrics)[-1]}"] == "contains").sum())
    return s


def staging_dir(out: Path) -> Path:
    """A fresh hidden staging folder inside ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".demo-staging.", dir=out))


def move_into_place(staging: Path, out: Path, *, overwrite: bool) -> None:
    """Move every staged entry into ``out`` (replacing earlier ones when ``overwrite``)."""
    entries = sorted(staging.iterdir())
    clash = [e.name for e in entries if (out / e.name).exists()]
    if clash and not overwrite:
        msg = f"{out} already holds {', '.join(clash[:4])}; pass overwrite=True (--overwrite)"
        raise OutputExistsError(msg)
    for e in entries:
        target = out / e.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(e, target)
    log.info("wrote %d demo outputs to %s", len(entries), out)
