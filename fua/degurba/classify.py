"""Degree of Urbanisation, levels 1 and 2, on a 1 km population grid.

:func:`classify_grid` returns a :class:`DegurbaResult`: the class grids and
the labels of urban centres and clusters, under the thresholds of a
:class:`~fua.degurba.params.DegurbaParams` (defaults: GHSL Data Package
2023 / R2023A with the July 2024 semi-dense rule); :func:`urban_centres`
and :func:`urban_clusters` return one polygon per centre or cluster with
its statistics. :func:`degurba_result` is the one door by which functions
taking "a grid or its classification" get a classification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from connectivity.errors import DataError, ParameterError
from connectivity.notebook import (
    ExploreLayer,
    crs_label,
    explore_layers,
    grid_to_xarray,
    plot_classes,
    summary_html,
)
from fua.degurba._core import (
    cell_flags,
    classify_flags,
    final_codes,
    row_slices,
    smooth_centre_flags,
)
from fua.degurba.antimeridian import antimeridian_columns
from fua.degurba.clusters import WrapColumns, cluster_sums
from fua.degurba.legend import URBAN_CENTRE_STYLE, URBAN_CLUSTER_STYLE, smod_colours
from fua.degurba.params import DegurbaParams
from fua.degurba.stats import centres_per_cluster, label_stats, label_table
from fua.degurba.vectorize import polygonize_labels
from fua.grid import PopulationGrid

__all__ = [
    "L1_CODES",
    "L2_CODES",
    "DegurbaParams",
    "DegurbaResult",
    "classify_grid",
    "degurba_result",
    "label_statistics",
    "urban_centres",
    "urban_clusters",
]

log = logging.getLogger(__name__)

#: Level-1 codes and names (0 = no data), as in the legends written beside outputs.
L1_CODES: dict[int, str] = {3: "Urban centre", 2: "Urban cluster", 1: "Rural"}
#: Level-2 codes and names of the GHSL SMOD legend (0 = no data).
L2_CODES: dict[int, str] = {
    30: "Urban centre",
    23: "Dense urban cluster",
    22: "Semi-dense urban cluster",
    21: "Suburban or peri-urban",
    13: "Rural cluster",
    12: "Low density rural",
    11: "Very low density rural",
    10: "Water",
}


@dataclass(frozen=True, eq=False)
class DegurbaResult:
    """Output of :func:`classify_grid`.

    Attributes
    ----------
    grid : PopulationGrid
        The input grid.
    params : DegurbaParams
        The thresholds used.
    level1 : numpy.ndarray
        uint8: 3 urban centre, 2 urban cluster, 1 rural, 0 no data.
    level2 : numpy.ndarray or None
        uint8 GHSL SMOD codes 30, 23, 22, 21, 13, 12, 11, 10; 0 no data
        (None when classified with ``level=1``).
    centre_labels : numpy.ndarray
        int32 urban-centre id per cell (0 = none), ids 1..n.
    cluster_labels : numpy.ndarray
        int32 urban-cluster id per cell (0 = none); urban-centre cells are in
        clusters too (8-connected).
    """

    grid: PopulationGrid
    params: DegurbaParams
    level1: np.ndarray
    level2: np.ndarray | None
    centre_labels: np.ndarray
    cluster_labels: np.ndarray

    @property
    def n_centres(self) -> int:
        return int(self.centre_labels.max(initial=0))

    @property
    def n_clusters(self) -> int:
        return int(self.cluster_labels.max(initial=0))

    def class_population(self, level: int = 2) -> dict[int, float]:
        """People per class code."""
        arr = self.level2 if level == 2 else self.level1
        if arr is None:
            msg = "level 2 was not computed: classify with classify_grid(grid, level=2)"
            raise ParameterError(msg)
        sums = cluster_sums(arr, self.grid.pop, 31)
        return {int(c): float(sums[c]) for c in np.unique(arr)}

    # -- notebooks -----------------------------------------------------------------
    @staticmethod
    def legend(level: int = 2) -> list[tuple[int, tuple[int, int, int, int], str]]:
        """(code, RGBA colour, name) of each class of ``level`` (the GHSL SMOD legend)."""
        if level not in (1, 2):
            msg = f"level must be 1 or 2 (Degree of Urbanisation level), got {level!r}"
            raise ParameterError(msg)
        codes, colours = (L2_CODES if level == 2 else L1_CODES), smod_colours(level)
        return [(code, colours[code], name) for code, name in codes.items()]

    def _classes(self, level: int) -> np.ndarray:
        arr = self.level2 if level == 2 else self.level1
        if arr is None or level not in (1, 2):
            msg = f"no level-{level} classes: classify with classify_grid(grid, level=2) for both"
            raise ParameterError(msg)
        return arr

    def _repr_html_(self) -> str:
        g = self.grid
        return summary_html("DegurbaResult", [
            ("grid", f"{g.shape[0]:,} × {g.shape[1]:,} cells of {g.cell_size_m:g} m"),
            ("CRS", crs_label(g.crs)),
            ("levels", "1 and 2" if self.level2 is not None else "1"),
            ("urban centres", self.n_centres),
            ("urban clusters", self.n_clusters),
            ("people", g.total_population),
            ("people in urban centres", float(g.pop[self.centre_labels > 0].sum(dtype="float64"))),
        ])  # fmt: skip

    def plot(self, level: int = 2, *, ax: Any = None, title: str | None = None) -> Any:
        """The class grid in the GHSL SMOD colours, with a legend (matplotlib Axes)."""
        return plot_classes(self._classes(level), self.grid.transform, self.legend(level), ax=ax,
                            title=title or f"Degree of Urbanisation, level {level}")  # fmt: skip

    def to_xarray(self, level: int = 2) -> Any:
        """The class grid as a georeferenced ``xarray.DataArray`` (0 = no data; extra ``[xarray]``).

        The legend is in the CF attributes ``flag_values`` and ``flag_meanings``.
        """
        legend = self.legend(level)
        attrs = {
            "flag_values": [e[0] for e in legend],
            "flag_meanings": " ".join(e[2].lower().replace(" ", "_") for e in legend),
        }
        grid = self.grid
        return grid_to_xarray(self._classes(level), grid.transform, grid.crs,
                              name=f"degurba_level{level}", nodata=0, attrs=attrs)  # fmt: skip

    def explore(self, m: Any = None, *, clusters: bool = True) -> Any:
        """Urban centres (and clusters) on an interactive folium map (extra ``[explore]``)."""
        cols = ("pop", "area_km2", "density_per_km2")
        layers = [ExploreLayer("urban clusters", urban_clusters(self), URBAN_CLUSTER_STYLE,
                               ("cl_id", *cols, "n_centres"))] if clusters else []  # fmt: skip
        layers.append(
            ExploreLayer("urban centres", urban_centres(self), URBAN_CENTRE_STYLE, ("uc_id", *cols))
        )
        return explore_layers(layers, m=m)


# -- the classification ------------------------------------------------------------


def _check_grid(grid: PopulationGrid) -> None:
    if not isinstance(grid, PopulationGrid):
        msg = (
            f"expected a fua.PopulationGrid, got {type(grid).__name__}; "
            "build one with fua.read_population(path) or fua.PopulationGrid(pop, transform, crs)"
        )
        raise DataError(msg)
    pop = grid.pop
    # two cheap reductions instead of full-size boolean temporaries
    if not np.isfinite(pop.sum(dtype="float64")):
        n_bad = int((~np.isfinite(pop)).sum())
        msg = (
            f"population has {n_bad} NaN or infinite cells; mark them as nodata "
            "(valid=False, pop=0), as fua.read_population does"
        )
        raise DataError(msg)
    if pop.size and pop.min() < 0:
        msg = f"population has {int((pop < 0).sum())} negative cells; population must be >= 0"
        raise DataError(msg)
    if abs(grid.cell_size_m - 1000.0) > 1e-6:
        log.warning(
            "the grid has %.0f m cells; the Degree of Urbanisation is defined on 1 km cells "
            "(aggregate with fua.read_population(..., cell_size_m=1000))",
            grid.cell_size_m,
        )


def classify_grid(
    grid: PopulationGrid,
    params: DegurbaParams | Mapping[str, Any] | None = None,
    *,
    level: int = 2,
    wrap_x: bool | WrapColumns = False,
) -> DegurbaResult:
    """Classify every cell by the Degree of Urbanisation (levels 1 and 2).

    Parameters
    ----------
    grid : PopulationGrid
        People per cell on an equal-area 1 km grid, optionally with land and
        built-up shares.
    params : DegurbaParams or dict, optional
        Thresholds; ``DegurbaParams()`` (R2023A with the 2024 semi-dense rule)
        by default; a dict changes those defaults (``{"centre_pop_min": 1e5}``;
        unknown keys raise :class:`~fua.ParameterError`).
    level : {1, 2}
        2 (default) computes both levels; 1 skips the level-2 classes
        (``level2`` is then None), which saves time and memory on global grids.
    wrap_x : bool or (west, east) column arrays
        True joins clusters across the antimeridian of a world grid (the
        per-row edge cells from :func:`fua.degurba.antimeridian.antimeridian_columns`;
        see :mod:`fua.degurba.antimeridian` for what this changes); or explicit
        per-row columns.

    Returns
    -------
    DegurbaResult

    Notes
    -----
    Level 1: urban centres are rook-contiguous cells with density ≥ 1 500
    (or built-up share of land ≥ the built-up threshold) holding ≥ 50 000
    people, edge-smoothed by the majority rule and with holes below 15 km²
    filled (in this order, as flexurba does); urban clusters are
    queen-contiguous cells with density ≥ 300 holding ≥ 5 000 people; the
    rest is rural. Level 2 splits them into SMOD classes, each taking only
    cells not yet classified, in this order: 30 urban centre; 23 dense urban
    cluster (as the centre rule with ≥ 5 000 people, no smoothing); 22
    semi-dense urban cluster (2024 rule: density ≥ 900, ≥ 2 500 people, rook
    contiguity, no cell within 2 km of a 30/23 cell; 2021 rule: urban clusters
    not within 3 km); 21 the remaining urban-cluster cells; 13 rural cluster
    (density ≥ 300, queen, ≥ 500 people); 12 density ≥ 50; 11 the rest; 10
    water (land share < 0.5, no people, no built-up; only among 11). Cells
    without population data and without land become water; others without
    data are 0 (or, with ``nodata_class="rural"``, classified as cells with
    no people, as flexurba does). The flexurba options
    ``centre_smooth_window`` and ``built_share_decimals`` of
    :class:`DegurbaParams` change the urban-centre (and, for the rounding,
    dense-cluster) rules as documented there.
    """
    params = DegurbaParams.coerce(params)
    if level not in (1, 2):
        msg = f"level must be 1 or 2, got {level!r}"
        raise ParameterError(msg)
    _check_grid(grid)
    if grid.built_share is None and params.centre_built_share_min is not None:
        log.info("no built-up layer: urban centres use the density rule only")
    wrap = _wrap_columns(grid, wrap_x)

    flags = np.empty(grid.shape, np.uint8)
    for sl in row_slices(grid.shape):
        flags[sl] = cell_flags(
            grid.pop[sl],
            None if grid.land_share is None else grid.land_share[sl],
            None if grid.built_share is None else grid.built_share[sl],
            params,
            grid.cell_area_km2,
        )
    valid = np.asarray(grid.valid, dtype=bool)
    centre_pop = None
    if params.centre_smooth_window:
        centre_pop = smooth_centre_flags(
            flags, grid.pop, (grid.land_share, grid.built_share), valid, params, grid.cell_area_km2
        )
    core = classify_flags(
        grid.pop,
        flags,
        params,
        cell_size_m=grid.cell_size_m,
        cell_area_km2=grid.cell_area_km2,
        level=level,
        has_land=grid.land_share is not None,
        wrap=wrap,
        centre_pop=centre_pop,
        nodata_class_applied=True,
    )
    del centre_pop
    any_nodata = params.nodata_class == "nodata" and not valid.all()
    level1 = np.empty(grid.shape, np.uint8)
    for sl in row_slices(grid.shape):
        nodata = ~valid[sl] if any_nodata else None
        level2_blk = None if core.level2 is None else core.level2[sl]
        level1[sl] = final_codes(flags[sl], nodata, level2_blk)
    del flags
    log.info(
        "classified %s cells: %d urban centres, %d urban clusters",
        f"{grid.pop.size:,}",
        core.n_centres,
        core.n_clusters,
    )
    return DegurbaResult(
        grid=grid,
        params=params,
        level1=level1,
        level2=core.level2,
        centre_labels=core.centres,
        cluster_labels=core.clusters,
    )


def _wrap_columns(grid: PopulationGrid, wrap_x: bool | WrapColumns) -> WrapColumns | None:
    """The per-row antimeridian columns for ``wrap_x`` (None: no wrap-around)."""
    if wrap_x is False:
        return None
    if wrap_x is True:
        return antimeridian_columns(grid.transform, grid.crs, grid.shape)
    return wrap_x


# -- vector outputs -------------------------------------------------------------------


def degurba_result(
    grid_or_result: PopulationGrid | DegurbaResult,
    params: DegurbaParams | Mapping[str, Any] | None = None,
) -> DegurbaResult:
    """The classification of a grid: classified here, or the given classification.

    Parameters
    ----------
    grid_or_result : PopulationGrid or DegurbaResult
        A grid (classified with :func:`classify_grid` and ``params``), or a
        classification, returned as it is. Any object with the ``grid``,
        ``level1`` and ``centre_labels`` of a :class:`DegurbaResult` is taken
        as a classification.
    params : DegurbaParams or dict, optional
        Thresholds for a grid (a dict as in :func:`classify_grid`); with a
        classification they must be its own.

    Raises
    ------
    DataError
        Neither a grid nor a classification.
    ParameterError
        ``params`` differ from those of the given :class:`DegurbaResult`.
    """
    if isinstance(grid_or_result, PopulationGrid):
        return classify_grid(grid_or_result, params)
    if not all(hasattr(grid_or_result, a) for a in ("grid", "level1", "centre_labels")):
        msg = (
            "grid_or_result must be a PopulationGrid or a DegurbaResult (with grid, level1 and "
            f"centre_labels), got {type(grid_or_result).__name__}"
        )
        raise DataError(msg)
    if params is not None and isinstance(grid_or_result, DegurbaResult):
        params = DegurbaParams.coerce(params)
    if isinstance(grid_or_result, DegurbaResult) and params not in (None, grid_or_result.params):
        msg = "params differ from those of the given DegurbaResult; pass the grid instead to reclassify"
        raise ParameterError(msg)
    return grid_or_result


def label_statistics(result: DegurbaResult, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Per-label population, cells, land area and population-weighted centroid (arrays indexed 1..n)."""
    grid = result.grid
    n = int(labels.max(initial=0))
    land = grid.land_share

    def blocks() -> Iterator[tuple[slice, np.ndarray, np.ndarray | None]]:
        for sl in row_slices(grid.shape):
            share = None if land is None else np.clip(land[sl], 0.0, 1.0)
            yield sl, grid.pop[sl], share

    return label_stats(labels, n, blocks(), grid.transform, grid.cell_area_km2)


def _label_frame(result: DegurbaResult, labels: np.ndarray, id_col: str) -> gpd.GeoDataFrame:
    """One row per label: its id, the columns of :func:`~fua.degurba.stats.label_table`, its polygon."""
    grid = result.grid
    stats = label_statistics(result, labels)
    polys = polygonize_labels(labels, grid.transform, grid.crs)
    ids = np.arange(1, stats["pop"].size + 1)
    return gpd.GeoDataFrame(
        {id_col: ids, **label_table(stats, grid.cell_area_km2)},
        geometry=polys.set_index("label").geometry.reindex(ids).to_numpy(),
        crs=grid.crs,
    )


def urban_centres(
    grid_or_result: PopulationGrid | DegurbaResult,
    params: DegurbaParams | Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """One row per urban centre.

    Returns
    -------
    geopandas.GeoDataFrame
        ``uc_id`` (as in ``centre_labels``), ``pop``, ``area_km2`` (cell
        area), ``land_km2``, ``density_per_km2`` (people per km² of land),
        ``n_cells``, ``centroid_x``/``centroid_y`` (population-weighted, grid
        CRS) and the polygon (holes that were not filled are kept).
    """
    result = degurba_result(grid_or_result, params)
    return _label_frame(result, result.centre_labels, "uc_id")


def urban_clusters(
    grid_or_result: PopulationGrid | DegurbaResult,
    params: DegurbaParams | Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """One row per urban cluster (centre cells included), with ``cl_id`` and the
    columns of :func:`urban_centres`, plus ``n_centres`` inside."""
    result = degurba_result(grid_or_result, params)
    gdf = _label_frame(result, result.cluster_labels, "cl_id")
    gdf["n_centres"] = centres_per_cluster(
        result.cluster_labels,
        result.centre_labels,
        len(gdf),
        int(result.centre_labels.max(initial=0)),
    )
    return gdf
