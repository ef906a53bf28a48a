"""Before and after a :class:`~connectivity.Scenario`: :func:`compare` and :class:`Comparison`.

:func:`compare` runs one time measure on the base network and on the
scenario network with the same origins (snapped once; re-snapped onto the
scenario network, see :mod:`connectivity.scenarios.inputs`) and reports:

* per origin (per grid cell for a population raster): minutes before, after
  and saved (``before - after``; a place that had no time and now has one
  is ``newly_reached``);
* per destination (e.g. per SEZ): the population within each threshold of
  it before and after, and its market potential before and after;
* per group (e.g. per FUA polygon, when ``groups`` is given): population,
  population-weighted mean minutes before and after, and the population
  within each threshold of the nearest destination before and after;
* a national summary of the same.

Market potential is :func:`connectivity.gravity_access` from each
destination to the origins' population: MP_d = Σ_i P_i f(t_di) with, by
default, ``f(t) = t^-1`` (power decay, β = 1, times floored at 1 min), the
default of ``fua.market_potential`` (Harris 1954); ``decay="exp"`` with a
per-minute ``beta`` gives exp(-β t).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS

from connectivity.errors import DataError, ParameterError
from connectivity.io import write_layers, write_raster
from connectivity.measures.corridors import border_access, time_to_corridors
from connectivity.measures.cumulative import cumulative_opportunities
from connectivity.measures.gravity import gravity_access
from connectivity.measures.nearest import raster_time_to_nearest, time_to_nearest
from connectivity.network import RoadNetwork
from connectivity.origins import Origins, OriginSet, PlaceOptions, Places, origin_set
from connectivity.outputs import jsonable, safe_directory, write_sidecar
from connectivity.qgis import default_layer_style, minutes_style, write_minutes_qml
from connectivity.routing import checked_thresholds
from connectivity.scenarios.scenario import Scenario

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["MEASURES", "Comparison", "compare"]

log = logging.getLogger(__name__)

#: The time measures :func:`compare` runs, by name.
MEASURES: dict[str, Callable[..., Any]] = {
    "nearest": time_to_nearest,
    "border": border_access,
    "corridors": time_to_corridors,
}
_BY_FUNCTION = {
    time_to_nearest: "nearest",
    raster_time_to_nearest: "nearest",
    border_access: "border",
    time_to_corridors: "corridors",
}


@dataclass(frozen=True, eq=False)
class Comparison:
    """The differences a scenario makes (see :func:`compare`).

    Attributes
    ----------
    scenario : Scenario
    origins : geopandas.GeoDataFrame
        Per origin: ``pop``, ``time_before``, ``time_after``,
        ``minutes_saved``, ``newly_reached``, ``group`` (with ``groups``).
    minutes_saved_grid : numpy.ndarray or None
        Minutes saved on the raster grid (NaN elsewhere) for raster origins.
    transform, crs
        Of that grid (None for a layer of origins).
    destinations : geopandas.GeoDataFrame or None
        Per destination: ``pop_<T>min_before``, ``..._after``, ``..._change``
        and ``market_potential_before``, ``_after``, ``_change``.
    groups : geopandas.GeoDataFrame or None
        Per group polygon: ``pop``, ``mean_time_before``/``after``,
        ``mean_minutes_saved``, ``pop_<T>min_before``/``after``/``change``.
    summary : dict
        The national figures (see :meth:`summary_frame`).
    params : dict
        The measure and parameters, for sidecars.
    """

    scenario: Scenario
    origins: gpd.GeoDataFrame
    minutes_saved_grid: np.ndarray | None
    transform: Affine | None
    crs: CRS | None
    destinations: gpd.GeoDataFrame | None
    groups: gpd.GeoDataFrame | None
    summary: dict[str, float]
    params: dict[str, Any] = field(default_factory=dict)

    def summary_frame(self) -> pd.DataFrame:
        """The national summary as a two-column table (``indicator``, ``value``)."""
        return pd.DataFrame({"indicator": list(self.summary), "value": list(self.summary.values())})

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"Comparison({self.scenario.name!r}: {len(self.origins):,} origins, "
            f"mean minutes saved {s.get('mean_minutes_saved', float('nan')):.2f})"
        )

    def write(
        self,
        out_dir: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        inputs: Mapping[str, str | os.PathLike[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        started: float | None = None,
    ) -> list[Path]:
        """Write the outputs into ``out_dir``, all or nothing (a staging folder, then moved).

        ``scenario.gpkg`` (layers ``origins``, ``destinations``, ``groups``
        with QGIS styles graduated on minutes saved), ``minutes_saved.tif``
        and its ``.qml`` for raster origins, ``summary.csv``,
        ``destinations.csv``, ``groups.csv`` and the ``scenario.json``
        sidecar (parameters, changes, summary; ``inputs`` files are
        checksummed, ``extra`` added; ``started``: when the run began, a
        ``time.time()``, default now).
        """
        started = time.time() if started is None else started
        layers = {"origins": self.origins}
        if self.destinations is not None:
            layers["destinations"] = self.destinations
        if self.groups is not None:
            layers["groups"] = self.groups
        styles = {
            name: minutes_style(
                default_layer_style(layer.geom_type.iloc[0], name, layer), col, layer[col]
            )
            for name, layer, col in (
                ("origins", self.origins, "minutes_saved"),
                ("groups", self.groups, "mean_minutes_saved"),
            )
            if layer is not None and layer[col].notna().any()
        }
        root = Path(out_dir)
        with safe_directory(root, overwrite=overwrite) as tmp:
            written = write_layers(tmp / "scenario.gpkg", layers, styles=styles)
            if self.minutes_saved_grid is not None:
                assert self.transform is not None  # raster origins carry their grid
                tif = write_raster(
                    tmp / "minutes_saved.tif", self.minutes_saved_grid, transform=self.transform,
                    crs=self.crs, description="minutes saved by the scenario",
                )  # fmt: skip
                written += [
                    tif,
                    write_minutes_qml(tmp / "minutes_saved.qml", data=self.minutes_saved_grid),
                ]
            tables = {"summary": self.summary_frame(), "destinations": self.destinations,
                      "groups": self.groups}  # fmt: skip
            for name, table in tables.items():
                if table is not None:
                    pd.DataFrame(table.drop(columns="geometry", errors="ignore")).to_csv(
                        tmp / f"{name}.csv"
                    )
                    written.append(tmp / f"{name}.csv")
            write_sidecar(
                tmp / "scenario.json",
                params={"scenario": self.scenario.name, **self.params},
                inputs=dict(inputs or {}),
                outputs=written,
                started_at=started,
                extra={
                    "changes": self.scenario.describe(),
                    "summary": jsonable(self.summary),
                    **(extra or {}),
                },
                tool="connectivity",
            )
        return [root / p.name for p in [*written, tmp / "scenario.json"]]


# ------------------------------------------------------------------ compare
def _measure_name(measure: str | Callable[..., Any]) -> str:
    name = _BY_FUNCTION.get(measure) if callable(measure) else measure
    if name not in MEASURES:
        msg = (
            f"compare cannot run measure {measure!r}; use one of {', '.join(MEASURES)} "
            "(time_to_nearest, border_access, time_to_corridors)"
        )
        raise ParameterError(msg)
    return str(name)


def _times(
    name: str, net: RoadNetwork, orig: OriginSet, dest: Any, kw: dict[str, Any], sc: Scenario | None
) -> np.ndarray:
    """Minutes from every origin under the measure ``name`` (NaN where none)."""
    out = MEASURES[name](net, orig, dest, scenario=sc, **kw)
    return out["time_min"].to_numpy(dtype="float64")


def _origin_table(orig: OriginSet, before: np.ndarray, after: np.ndarray) -> gpd.GeoDataFrame:
    out = orig.frame()
    out["pop"] = orig.weights
    out["time_before"] = before
    out["time_after"] = after
    out["minutes_saved"] = before - after
    out["newly_reached"] = np.isnan(before) & ~np.isnan(after)
    return out


def _within(times: np.ndarray, pop: np.ndarray, thr: np.ndarray) -> dict[str, float]:
    return {f"pop_{t:g}min": float(pop[times <= t].sum()) for t in thr}


def _summary(origins: gpd.GeoDataFrame, thr: np.ndarray) -> dict[str, float]:
    pop = origins["pop"].to_numpy(dtype="float64")
    b = origins["time_before"].to_numpy(dtype="float64")
    a = origins["time_after"].to_numpy(dtype="float64")
    both = ~np.isnan(b) & ~np.isnan(a)
    saved = origins["minutes_saved"].to_numpy(dtype="float64")
    w = pop[both].sum()
    out = {
        "population": float(pop.sum()),
        "population_with_time_before": float(pop[~np.isnan(b)].sum()),
        "population_with_time_after": float(pop[~np.isnan(a)].sum()),
        "mean_time_before": float((pop[both] * b[both]).sum() / w) if w else float("nan"),
        "mean_time_after": float((pop[both] * a[both]).sum() / w) if w else float("nan"),
        "mean_minutes_saved": float((pop[both] * saved[both]).sum() / w) if w else float("nan"),
        "max_minutes_saved": float(np.nanmax(saved)) if both.any() else float("nan"),
        "population_faster": float(pop[both & (saved > 1e-9)].sum()),
        "population_slower": float(pop[both & (saved < -1e-9)].sum()),
        "population_newly_reached": float(pop[origins["newly_reached"].to_numpy()].sum()),
    }
    for key, v in _within(b, pop, thr).items():
        out[f"{key}_before"] = v
    for key, v in _within(a, pop, thr).items():
        out[f"{key}_after"] = v
    return out


def _before_after(table: pd.DataFrame, key: str, before: Any, after: Any) -> None:
    table[f"{key}_before"] = before
    table[f"{key}_after"] = after
    table[f"{key}_change"] = np.asarray(after, "float64") - np.asarray(before, "float64")


def _destination_table(
    net: RoadNetwork,
    scenario: Scenario,
    dest: gpd.GeoDataFrame,
    orig: OriginSet,
    thr: np.ndarray,
    gravity: dict[str, Any],
    options: PlaceOptions,
) -> gpd.GeoDataFrame:
    """Per destination: population within each threshold, and market potential, before/after."""
    out = gpd.GeoDataFrame(geometry=dest.geometry.copy(), index=dest.index)
    runs = {}
    for label, sc in (("before", None), ("after", scenario)):
        reach = cumulative_opportunities(
            net, dest, orig, thresholds_min=tuple(thr), scenario=sc, **options
        )
        mp = gravity_access(net, dest, orig, None, scenario=sc, **gravity, **options)
        runs[label] = (reach, mp)
    for t in thr:
        col = f"opp_{t:g}min"
        _before_after(out, f"pop_{t:g}min", runs["before"][0][col], runs["after"][0][col])
    _before_after(out, "market_potential", runs["before"][1]["access"], runs["after"][1]["access"])
    return out


def _group_table(
    origins: gpd.GeoDataFrame, groups: gpd.GeoDataFrame, group_id_col: str | None, thr: np.ndarray
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Per group polygon: population, mean minutes and population within each threshold."""
    if groups.crs is None:
        msg = "groups have no CRS; set it with groups.set_crs(...)"
        raise DataError(msg)
    ids = groups.index if group_id_col is None else pd.Index(groups[group_id_col])
    pts = origins.geometry.to_crs(groups.crs)
    hit = gpd.sjoin(
        gpd.GeoDataFrame(geometry=pts.values, index=np.arange(len(pts)), crs=groups.crs),
        gpd.GeoDataFrame(geometry=groups.geometry.values, crs=groups.crs),
        predicate="intersects",
        how="left",
    )
    hit = hit[~hit.index.duplicated(keep="first")]
    pos = hit["index_right"].to_numpy()
    member = pd.Series(pd.NA, index=origins.index, dtype="object")
    found = ~pd.isna(pos)
    member[found] = ids.to_numpy()[pos[found].astype("int64")]
    rows = []
    for k, gid in enumerate(ids):
        sub = origins[found & (pos == k)]
        rows.append({"group": gid, **_summary(sub, thr)})
    table = pd.DataFrame(rows).set_index("group")
    keep = ["population", "mean_time_before", "mean_time_after", "mean_minutes_saved",
            *[c for c in table.columns if c.startswith("pop_")]]  # fmt: skip
    table = table[keep].rename(columns={"population": "pop"})
    for t in thr:
        table[f"pop_{t:g}min_change"] = table[f"pop_{t:g}min_after"] - table[f"pop_{t:g}min_before"]
    return gpd.GeoDataFrame(table, geometry=groups.geometry.values, crs=groups.crs), member


def compare(
    net: RoadNetwork,
    scenario: Scenario,
    measure: str | Callable[..., Any],
    origins: Origins,
    destinations: Places | pd.DataFrame,
    *,
    groups: gpd.GeoDataFrame | None = None,
    group_id_col: str | None = None,
    dest_id_col: str | None = None,
    thresholds_min: Sequence[float] = (60, 120, 240),
    decay: Literal["exp", "power"] = "power",
    beta: float = 1.0,
    max_time_min: float | None = None,
    **options: Unpack[PlaceOptions],
) -> Comparison:
    """Run ``measure`` before and after ``scenario`` and report the differences.

    Parameters
    ----------
    net : RoadNetwork
        The base network (untouched).
    scenario : Scenario
    measure : {"nearest", "border", "corridors"} or the function
        :func:`~connectivity.time_to_nearest` (or
        :func:`~connectivity.raster_time_to_nearest`),
        :func:`~connectivity.border_access` or :func:`~connectivity.time_to_corridors`.
    origins : OriginSet, layer or raster
        Where people are; raster cells (or ``weights`` of an OriginSet)
        carry the population.
    destinations : layer, OriginSet, or access points
        Destinations of ``"nearest"``, crossings of ``"border"`` (a layer,
        so crossings can open and close), the :func:`~connectivity.corridor_access`
        frame of ``"corridors"``.
    groups : GeoDataFrame, optional
        Polygons (e.g. FUAs) to sum origins by (an origin belongs to the
        first polygon its point lies in or touches).
    group_id_col, dest_id_col : str, optional
        Id columns (default: the index).
    thresholds_min : sequence of float
        The "population within T minutes" thresholds.
    decay, beta : market potential decay (see the module notes)
    max_time_min : float, optional
        Search horizon of the time measure.
    **options
        How raw places join the network (:class:`~connectivity.origins.PlaceOptions`).

    Returns
    -------
    Comparison
        ``.origins``, ``.minutes_saved_grid`` (raster origins),
        ``.destinations`` (when the destinations of ``"nearest"`` are a layer), ``.groups``, ``.summary``; ``.write(out_dir)``.
    """
    name = _measure_name(measure)
    if not isinstance(scenario, Scenario):
        msg = f"scenario must be a connectivity.Scenario, got {type(scenario).__name__}"
        raise ParameterError(msg)
    thr = checked_thresholds(thresholds_min)
    orig = origin_set(net, origins, options)
    kw: dict[str, Any] = {"max_time_min": max_time_min, **options}
    if name != "corridors":
        kw["crossing_id_col" if name == "border" else "dest_id_col"] = dest_id_col
    before = _times(name, net, orig, destinations, kw, None)
    after = _times(name, net, orig, destinations, kw, scenario)
    table = _origin_table(orig, before, after)
    grid = None if orig.cells is None else orig.to_grid(table["minutes_saved"].to_numpy())
    group_table = None
    if groups is not None:
        group_table, member = _group_table(table, groups, group_id_col, thr)
        table["group"] = member
    dest_table = None
    if name == "nearest" and isinstance(destinations, gpd.GeoDataFrame):
        layer = destinations if dest_id_col is None else destinations.set_index(dest_id_col)
        gravity = {"decay": decay, "beta": beta}
        dest_table = _destination_table(net, scenario, layer, orig, thr, gravity, options)
    params = {"measure": name, "thresholds_min": thr.tolist(), "decay": decay, "beta": beta,
              "max_time_min": max_time_min, **{k: v for k, v in options.items()}}  # fmt: skip
    return Comparison(
        scenario=scenario,
        origins=table,
        minutes_saved_grid=grid,
        transform=None if orig.cells is None else orig.cells.transform,
        crs=None if orig.cells is None else orig.cells.crs,
        destinations=dest_table,
        groups=group_table,
        summary=_summary(table, thr),
        params=params,
    )
