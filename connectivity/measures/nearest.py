"""Time to the nearest destination: per origin, on a raster grid, and population within.

:func:`time_to_nearest` and :func:`raster_time_to_nearest` share one run
(:func:`_nearest_run`): one Dijkstra pass from all destinations at once on
the transposed graph, whatever their number. Destinations are points or
polygons joined to their road by an off-road leg, or network nodes
themselves (``nodes=``, e.g. the access points of a corridor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from numpy.typing import ArrayLike, DTypeLike
from pyproj import CRS

from connectivity.errors import DataError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.notebook import crs_label, grid_to_xarray, plot_minutes, summary_html
from connectivity.origins import (
    Origins,
    OriginSet,
    PlaceOptions,
    Places,
    check_unique_ids,
    origin_set,
    place_sets,
    result_attrs,
    unreachable_reasons,
)
from connectivity.parts import Parts
from connectivity.routing import Nearest, checked_thresholds, nearest, nearest_node
from connectivity.scenarios.inputs import scenario_inputs
from connectivity.scenarios.scenario import Scenario

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["TravelTimeGrid", "population_within", "raster_time_to_nearest", "time_to_nearest"]


@dataclass(frozen=True, eq=False)
class _NearestRun:
    """Origins, the nearest destination of each and the destinations' facts."""

    orig: OriginSet
    time_min: np.ndarray  # NaN where unreachable
    dest: np.ndarray  # position of the nearest destination, -1 none
    dest_ids: pd.Index
    dest_snap_m: np.ndarray  # per destination
    n_unusable: int
    presnapped: bool  # the caller passed the origins as an OriginSet
    parts: Parts  # origins and destinations on the network's separate parts


def _nearest_run(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places | None,
    nodes: ArrayLike | None,
    options: PlaceOptions,
    *,
    dest_id_col: str | None,
    max_time_min: float | None,
    all_cells: bool = False,
) -> _NearestRun:
    res: Nearest
    if nodes is not None and destinations is None:
        orig = origin_set(net, origins, options, all_cells=all_cells)
        seeds = np.asarray(nodes, dtype="int64").ravel()
        res = nearest_node(net, orig.snapped, seeds, max_time_min=max_time_min)
        ids, snap_m, n_bad = pd.Index(seeds, name="node"), np.zeros(seeds.size), 0
        parts = Parts.of(net, orig.snapped, dest_nodes=seeds)
    elif destinations is not None and nodes is None:
        orig, dest = place_sets(
            net, origins, destinations, options, dest_id_col=dest_id_col, all_cells=all_cells
        )
        check_unique_ids(dest, "destinations")
        res = nearest(net, orig.snapped, dest.snapped, max_time_min=max_time_min)
        ids, snap_m, n_bad = dest.ids, dest.snapped.dist_m, int((~dest.snapped.ok).sum())
        parts = Parts.of(net, orig.snapped, dest.snapped)
    else:
        msg = "give either destinations (points, polygons, an OriginSet) or nodes= (node numbers)"
        raise ParameterError(msg)
    t = np.where(np.isfinite(res.time_min), res.time_min, np.nan)
    presnapped = isinstance(origins, OriginSet)
    return _NearestRun(orig, t, res.dest, ids, snap_m, n_bad, presnapped, parts)


def time_to_nearest(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places | None = None,
    *,
    nodes: ArrayLike | None = None,
    dest_id_col: str | None = None,
    max_time_min: float | None = None,
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> gpd.GeoDataFrame:
    """Travel time from every origin to its nearest destination, and which one.

    Parameters
    ----------
    net : RoadNetwork
        Road network in a projected metric CRS.
    origins : OriginSet, GeoDataFrame, GeoSeries or raster
        An :class:`~connectivity.OriginSet` (snapped once, reused); points;
        polygons (their centroid or representative point); or a population
        raster as a path, ``(array, transform, crs)`` or a ``PopulationGrid``
        (every cell with population > ``min_pop`` is an origin at its centre).
    destinations : OriginSet, GeoDataFrame or GeoSeries
        Points or polygons (e.g. special economic zones).
    nodes : array_like of int, optional
        Instead of ``destinations``: network node numbers (e.g. corridor access
        points from :func:`connectivity.corridor_access`), reached at the node
        without an off-road leg; ``nearest_id`` is then the node number.
    dest_id_col : str, optional
        Column of ``destinations`` with their ids (default: its index).
    max_time_min : float, optional
        Search horizon; faster when small. Farther origins get NaN.
    **options
        How raw origins and destinations join the network
        (:class:`~connectivity.origins.PlaceOptions`): ``max_snap_m`` (default
        2000 m; farther places are unusable, origins then get NaN and a
        ``reason``), ``offroad_speed_kmh`` (default 5), ``polygon_point``
        (``"centroid"`` or ``"representative"``), ``min_pop`` (raster
        origins: cells with population > ``min_pop``). An OriginSet passed
        in keeps its own snapping.
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    GeoDataFrame
        Indexed like ``origins`` (raster: flat cell number ``row * ncols + col``)
        with the origin geometry and ``time_min`` (NaN when unreachable),
        ``nearest_id``, ``origin_snap_m``, ``dest_snap_m`` and ``reason``
        (why a time is missing: beyond ``max_snap_m``, ``"different network
        component"`` when no destination is on the origin's part of the
        network, beyond ``max_time_min``, or one-way roads); ``.attrs`` holds
        ``n_unreachable``, ``n_beyond_snap``, the parameters and
        ``components``, the origins and destinations on each separate part of
        the network (:meth:`connectivity.parts.Parts.summary`).

    Raises
    ------
    DataError
        When no origin or no destination joins the network (within
        ``max_snap_m``), or destination ids repeat.

    Notes
    -----
    One Dijkstra pass on the transposed graph from all destinations at once
    (:func:`connectivity.routing.nearest`); a trip is
    ``offroad(origin) + road time + offroad(destination)``.
    """
    net, origins, destinations = scenario_inputs(net, scenario, origins, destinations)
    run = _nearest_run(
        net, origins, destinations, nodes, options, dest_id_col=dest_id_col,
        max_time_min=max_time_min,
    )  # fmt: skip
    orig, t = run.orig, run.time_min
    out = orig.frame()
    found = run.dest >= 0
    ids = pd.Series(pd.NA, index=out.index, dtype="object")
    ids[found] = run.dest_ids.to_numpy()[run.dest[found]]
    out["time_min"] = t
    out["nearest_id"] = ids.infer_objects() if found.all() else ids
    out["origin_snap_m"] = orig.snapped.dist_m
    dsnap = np.full(len(out), np.nan)
    dsnap[found] = run.dest_snap_m[run.dest[found]]
    out["dest_snap_m"] = dsnap
    out["reason"] = unreachable_reasons(orig.snapped, t, max_time_min, run.parts.apart)
    out.attrs = result_attrs(
        orig.snapped,
        t,
        presnapped=run.presnapped,
        max_time_min=max_time_min,
        n_destinations=len(run.dest_ids),
        n_destinations_unusable=run.n_unusable,
        components=run.parts.summary(),
    )
    return out


@dataclass(frozen=True)
class TravelTimeGrid:
    """Travel time to the nearest destination on a raster grid.

    Attributes
    ----------
    time_min : numpy.ndarray
        float32 minutes (or the ``dtype`` asked for); NaN for cells that are
        not origins or are unreachable.
    nearest : numpy.ndarray
        int32 position of the nearest destination in ``nearest_ids``; -1 none.
    nearest_ids : tuple
        Destination ids by position.
    pop : numpy.ndarray
        The population grid (NaN = nodata).
    transform : affine.Affine
    crs : pyproj.CRS
    attrs : dict
        Counts and parameters (as on :func:`time_to_nearest` results).
    """

    time_min: np.ndarray
    nearest: np.ndarray
    nearest_ids: tuple[Any, ...]
    pop: np.ndarray
    transform: Affine
    crs: CRS
    attrs: dict[str, Any] = field(default_factory=dict)

    # -- notebooks ----------------------------------------------------------------
    def _repr_html_(self) -> str:
        t = np.asarray(self.time_min)
        timed = np.isfinite(t)
        span = f"{np.nanmin(t):.1f} – {np.nanmax(t):.1f}" if timed.any() else "–"
        return summary_html("TravelTimeGrid", [
            ("grid", f"{t.shape[0]:,} × {t.shape[1]:,} cells of {abs(self.transform.a):g} m"),
            ("CRS", crs_label(self.crs)),
            ("destinations", len(self.nearest_ids)),
            ("cells with a time", int(timed.sum())),
            ("minutes (min – max)", span),
            *self._scalar_attrs().items(),
        ])  # fmt: skip

    def _scalar_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in self.attrs.items() if isinstance(v, (int, float, str, np.number))}

    def plot(self, *, ax: Any = None, title: str | None = None) -> Any:
        """The minutes in the classes of the maps and QGIS styles (matplotlib Axes)."""
        return plot_minutes(self.time_min, self.transform, ax=ax, title=title)

    def to_xarray(self) -> Any:
        """The minutes as a georeferenced ``xarray.DataArray`` (NaN = no time; extra ``[xarray]``)."""
        return grid_to_xarray(self.time_min, self.transform, self.crs, name="time_min",
                              nodata=np.nan, attrs={"units": "minutes", **self._scalar_attrs()})  # fmt: skip


def raster_time_to_nearest(
    net: RoadNetwork,
    raster: Origins,
    destinations: Places | None = None,
    *,
    nodes: ArrayLike | None = None,
    dest_id_col: str | None = None,
    max_time_min: float | None = None,
    all_cells: bool = False,
    dtype: DTypeLike = "float32",
    scenario: Scenario | None = None,
    **options: Unpack[PlaceOptions],
) -> TravelTimeGrid:
    """Minutes to the nearest destination for every populated cell of a raster.

    Parameters are those of :func:`time_to_nearest`; ``raster`` is a raster
    (path, ``(array, transform, crs)``, ``PopulationGrid``) or an
    :class:`~connectivity.OriginSet` of its cells
    (:meth:`~connectivity.OriginSet.from_raster`). ``all_cells=True`` also
    computes unpopulated (but valid) cells of a raw raster, for a continuous
    map; ``dtype`` is that of ``time_min`` (float64 keeps every digit).
    scenario : Scenario, optional
        Run on ``scenario.apply(net)`` (see :mod:`connectivity.scenarios.inputs`).

    Returns
    -------
    TravelTimeGrid
        ``.time_min`` is on the raster's grid (write it with
        ``connectivity.io.write_raster(path, g.time_min, transform=g.transform,
        crs=g.crs)``).
    """
    net, raster, destinations = scenario_inputs(net, scenario, raster, destinations)
    if isinstance(raster, (gpd.GeoDataFrame, gpd.GeoSeries)) or (
        isinstance(raster, OriginSet) and raster.cells is None
    ):
        msg = "raster_time_to_nearest needs raster cells; use time_to_nearest for a layer"
        raise ParameterError(msg)
    run = _nearest_run(
        net, raster, destinations, nodes, options, dest_id_col=dest_id_col,
        max_time_min=max_time_min, all_cells=all_cells,
    )  # fmt: skip
    orig = run.orig
    assert orig.cells is not None
    return TravelTimeGrid(
        time_min=orig.to_grid(run.time_min, dtype=dtype),
        nearest=orig.to_grid(run.dest, fill=-1, dtype="int32"),
        nearest_ids=tuple(run.dest_ids.tolist()),
        pop=orig.cells.pop_grid,
        transform=orig.cells.transform,
        crs=orig.cells.crs,
        attrs=result_attrs(
            orig.snapped,
            run.time_min,
            presnapped=run.presnapped,
            max_time_min=max_time_min,
            n_destinations=len(run.dest_ids),
            components=run.parts.summary(),
        ),
    )


def population_within(
    times: TravelTimeGrid | np.ndarray | pd.Series,
    pop: np.ndarray | pd.Series | None = None,
    thresholds_min: Sequence[float] = (30, 60, 120, 240),
    *,
    by: np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Population within each travel-time threshold, and its share.

    Parameters
    ----------
    times : TravelTimeGrid or array_like
        Minutes per cell/origin; NaN = unreachable (counted as beyond every
        threshold, so shares are of the *whole* population).
    pop : array_like, optional
        Population per cell/origin (same shape); default ``times.pop``.
    thresholds_min : sequence of float
        Thresholds in minutes (inclusive: ``t <= T``).
    by : array_like, optional
        Group label per cell/origin (e.g. region codes); one block of rows per group.

    Returns
    -------
    DataFrame
        Columns ``threshold_min``, ``pop_within``, ``share_within``,
        ``pop_total`` (and the group column ``by`` when given).
    """
    if isinstance(times, TravelTimeGrid):
        t = np.asarray(times.time_min, dtype="float64")
        p = np.asarray(times.pop if pop is None else pop, dtype="float64")
    else:
        if pop is None:
            msg = "pop is required when times is an array"
            raise ParameterError(msg)
        t = np.asarray(times, dtype="float64")
        p = np.asarray(pop, dtype="float64")
    if t.shape != p.shape:
        msg = f"times {t.shape} and pop {p.shape} must have the same shape"
        raise DataError(msg)
    thr = checked_thresholds(thresholds_min)
    p = np.where(np.isfinite(p), p, 0.0).ravel()
    t = t.ravel()
    labels = np.zeros(t.size, dtype="int64") if by is None else np.asarray(by).ravel()
    if labels.size != t.size:
        msg = "by must have one label per cell/origin"
        raise DataError(msg)
    frame = pd.DataFrame({"g": labels, "t": t, "p": p})
    rows = []
    for g, sub in frame.groupby("g", sort=True):
        total = float(sub["p"].sum())
        tv = sub["t"].to_numpy()
        pv = sub["p"].to_numpy()
        for x in thr:
            within = float(pv[~np.isnan(tv) & (tv <= x)].sum())
            share = within / total if total > 0 else np.nan
            rows.append(
                {
                    "by": g,
                    "threshold_min": x,
                    "pop_within": within,
                    "share_within": share,
                    "pop_total": total,
                }
            )
    out = pd.DataFrame(rows)
    if by is None:
        out = out.drop(columns="by")
    return out
