"""Local units on a classified grid: zonal population and the stage-2 classes.

Stage 2 of the Degree of Urbanisation (METHOD.md §3) splits the population of
each local unit (municipality, LAU) by the class of the grid cells it covers:

* **city** (densely populated area): at least 50 % of the unit's population
  lives in urban-centre cells;
* **town or suburb** (intermediate density): not a city, and at least 50 % of
  its population lives in urban-cluster cells (urban centres included, as urban
  centres are urban clusters too);
* **rural**: the rest.

The same per-unit split, kept *per urban centre*, gives the EU-OECD "city"
rule of :mod:`fua.fuas.rules` (≥ 50 % of the population in *one* centre).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.transform
import scipy.sparse as sp
import shapely
from rasterio.features import rasterize
from scipy import ndimage

from connectivity.errors import CRSError, DataError, ParameterError
from fua._raster import GridSpec, Raster, block_factors, open_raster
from fua.degurba.classify import DegurbaResult, degurba_result
from fua.degurba.params import DegurbaParams
from fua.grid import PopulationGrid, read_population

__all__ = [
    "centre_populations",
    "check_units",
    "classify_units",
    "fine_unit_weights",
    "unit_cell_weights",
    "unit_population",
]

log = logging.getLogger(__name__)

PopMethod = Literal["area", "centroid"]
_METHODS = ("area", "centroid")
#: A finer population grid for stage 2: a grid, or the path of a raster.
FinePop = PopulationGrid | str | os.PathLike[str]


# -- input checks -------------------------------------------------------------
def check_units(units: gpd.GeoDataFrame, grid: PopulationGrid, id_col: str) -> gpd.GeoDataFrame:
    """Validate a layer of local units and return it in the grid CRS (reprojected if needed).

    Raises :class:`~fua.DataError` unless ``units`` is a non-empty
    GeoDataFrame of polygons with a unique, non-null ``id_col`` that
    overlaps the grid; :class:`~fua.ParameterError` when ``id_col`` is not a
    column; :class:`~fua.CRSError` when it has no CRS, or a geographic CRS
    whose coordinates are not degrees. Units of which less than half the
    area lies on the grid are accepted with a warning.
    """
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame of polygons, got {type(units).__name__}"
        raise DataError(msg)
    if len(units) == 0:
        msg = "units is empty: give at least one local-unit polygon"
        raise DataError(msg)
    _check_ids(units, id_col)
    if units.crs is None:
        msg = (
            "units have no CRS; set it first, e.g. units = units.set_crs('EPSG:3035') "
            "(the CRS the coordinates are in), then they are reprojected to the grid CRS"
        )
        raise CRSError(msg)
    if units.geometry.isna().any() or units.geometry.is_empty.any():
        msg = "units has missing or empty geometries: drop or repair them first"
        raise DataError(msg)
    geom_types = set(units.geometry.geom_type)
    if not geom_types <= {"Polygon", "MultiPolygon"}:
        msg = f"units must be polygons, got geometry types {sorted(geom_types)}"
        raise DataError(msg)
    _check_degrees(units)
    if units.crs != grid.crs:
        log.info(
            "reprojecting %d units from %s to the grid CRS %s",
            len(units),
            units.crs.to_string(),
            grid.crs.to_string(),
        )
        units = units.to_crs(grid.crs)
    _check_overlap(units, grid)
    return units


def _examples(values: Any, k: int = 3) -> str:
    return ", ".join(repr(v) for v in list(values)[:k])


def _check_ids(units: gpd.GeoDataFrame, id_col: str) -> None:
    """``id_col`` is a column with one value per unit, none missing."""
    if id_col not in units.columns:
        msg = f"id_col={id_col!r} is not a column of units; columns are {list(units.columns)}"
        raise ParameterError(msg)
    ids = units[id_col]
    missing = int(ids.isna().sum())
    dup = pd.unique(ids[ids.duplicated() & ids.notna()])
    problems = []
    if missing:
        problems.append(f"{missing} unit(s) have no {id_col!r}")
    if len(dup):
        problems.append(f"{len(dup)} id(s) are used by several units (e.g. {_examples(dup)})")
    if problems:
        fix = (
            f"drop or dissolve the duplicates (in Python units.dissolve(by={id_col!r})) or choose "
            "another id column"
        )
        msg = f"units[{id_col!r}] must be unique and non-null, one id per local unit: " + "; ".join(
            [*problems, fix]
        )
        raise DataError(msg)


def _check_degrees(units: gpd.GeoDataFrame) -> None:
    """A geographic CRS must hold degrees (metres labelled EPSG:4326 are a common slip)."""
    if not units.crs.is_geographic:
        return
    x0, y0, x1, y1 = units.total_bounds
    if not (-180.0 <= x0 and x1 <= 360.0 and -90.0 <= y0 and y1 <= 90.0):
        msg = (
            f"units are in the geographic CRS {units.crs.to_string()} but their coordinates "
            f"(x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}) are not degrees: set the CRS they are "
            "really in (ogr2ogr -a_srs EPSG:..., or in Python units.set_crs(..., "
            "allow_override=True))"
        )
        raise CRSError(msg)


def _check_overlap(units: gpd.GeoDataFrame, grid: PopulationGrid) -> None:
    """Fail when the units (in the grid CRS) miss the grid; warn when most of them lie off it."""
    geoms = np.asarray(units.geometry.values)
    frame = shapely.box(*grid.bounds)
    shapely.prepare(frame)
    area = shapely.area(geoms)
    on = np.where(shapely.within(geoms, frame), area, 0.0)
    edge = ~shapely.within(geoms, frame) & shapely.intersects(geoms, frame)
    if edge.any():
        on[edge] = shapely.area(shapely.intersection(geoms[edge], frame))
    total = float(area.sum())
    share = float(on.sum()) / total if total > 0 else 0.0
    if share > 0.5:
        return
    if share > 0:
        log.warning(
            "only %.1f %% of the area of the units lies on the population grid: the people of "
            "the rest are not counted (%d of %d units are wholly off the grid)",
            100 * share, int((on == 0).sum()), len(units),
        )  # fmt: skip
        return
    x0, y0, x1, y1 = units.total_bounds
    gx0, gy0, gx1, gy1 = grid.bounds
    msg = (
        f"none of the {len(units)} units overlaps the population grid (0 % of their area lies "
        f"on it): the units span x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g} and the grid x "
        f"{gx0:.6g}..{gx1:.6g}, y {gy0:.6g}..{gy1:.6g} in {grid.crs.to_string()}; give units "
        "and a grid of the same place, and check the CRS of both"
    )
    raise DataError(msg)


def _check_method(method: str) -> None:
    if method not in _METHODS:
        msg = (
            f"method={method!r} is not one of {_METHODS}: use 'area' (area-weighted) or 'centroid'"
        )
        raise ParameterError(msg)


# -- the overlay --------------------------------------------------------------
def _cell_polygons(grid: PopulationGrid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Boxes of the cells (rows, cols), vectorised."""
    t = grid.transform
    x0, y0 = rasterio.transform.xy(t, rows, cols, offset="ul")
    x1, y1 = rasterio.transform.xy(t, rows, cols, offset="lr")
    x0, y0, x1, y1 = (np.asarray(v, dtype="float64") for v in (x0, y0, x1, y1))
    return shapely.box(
        np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1)
    )


def unit_cell_weights(
    grid: PopulationGrid,
    units: gpd.GeoDataFrame,
    *,
    method: PopMethod = "area",
    cells: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Sparse matrix W (n_units × n_cells) of the share of each cell in each unit.

    ``W[i, k]`` is the fraction of the area of flat cell ``k`` (row-major) that
    lies inside unit ``i`` (``method="area"``), or 1 when the cell centre lies
    in unit ``i`` (``method="centroid"``). Only the cells flagged in ``cells``
    (flat boolean mask; default: populated cells) get weights. Units must
    already be in the grid CRS.
    """
    _check_method(method)
    rows_n, cols_n = grid.shape
    n_cells = rows_n * cols_n
    mask = (grid.pop.ravel() > 0) if cells is None else np.asarray(cells, bool).ravel()
    flat = np.flatnonzero(mask)
    geoms = np.asarray(units.geometry.values)
    n_units = len(geoms)
    if flat.size == 0:
        return sp.csr_matrix((n_units, n_cells))
    r, c = np.divmod(flat, cols_n)
    if method == "centroid":
        xs, ys = rasterio.transform.xy(grid.transform, r, c, offset="center")
        pts = shapely.points(np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64"))
        tree = shapely.STRtree(pts)
        ui, ci = tree.query(geoms, predicate="intersects")
        # a centre on a shared boundary is in two units: keep the first unit only
        _, first = np.unique(ci, return_index=True)
        ui, ci = ui[first], ci[first]
        w = np.ones(ui.size)
    else:
        boxes = _cell_polygons(grid, r, c)
        tree = shapely.STRtree(boxes)
        shapely.prepare(geoms)
        ui, ci = tree.query(geoms, predicate="intersects")
        inside = shapely.contains_properly(geoms[ui], boxes[ci])
        w = np.ones(ui.size)
        edge = ~inside
        if edge.any():
            cut = shapely.intersection(geoms[ui[edge]], boxes[ci[edge]])
            w[edge] = shapely.area(cut) / shapely.area(boxes[ci[edge]])
        keep = w > 0
        ui, ci, w = ui[keep], ci[keep], w[keep]
        # overlapping units (bad topology) could give a cell more than its area
        tot = np.bincount(ci, weights=w, minlength=flat.size)
        over = tot > 1.0 + 1e-9
        if over.any():
            log.warning(
                "%d cells are covered more than once by overlapping units; their shares are "
                "rescaled to sum to 1 (repair the unit topology to avoid this)",
                int(over.sum()),
            )
            w = w / np.where(over[ci], tot[ci], 1.0)
    return sp.csr_matrix((w, (ui, flat[ci])), shape=(n_units, n_cells))


def unit_population(
    grid: PopulationGrid,
    units: gpd.GeoDataFrame,
    *,
    id_col: str,
    method: PopMethod = "area",
) -> pd.DataFrame:
    """Zonal population of local units on a population grid.

    Parameters
    ----------
    grid : PopulationGrid
        People per cell.
    units : geopandas.GeoDataFrame
        Local-unit polygons with a CRS (reprojected to the grid CRS, with a
        log line, when it differs).
    id_col : str
        Column of ``units`` with a unique id per unit.
    method : {"area", "centroid"}
        ``"area"``: each cell's population is split among the units by the
        share of the cell's area inside each unit (exact polygon overlay).
        ``"centroid"``: a cell's whole population goes to the unit containing
        the cell centre.

    Returns
    -------
    pandas.DataFrame
        Index of ``units``; columns ``id_col`` and ``pop``.

    Notes
    -----
    The area-weighted overlay is exact: the cells are boxes in an STRtree,
    each unit queries the boxes it intersects, boxes lying wholly inside a unit
    get weight 1 (``contains_properly``) and only boundary boxes are clipped
    (``shapely.intersection``), all vectorised in shapely 2. It assumes people
    are spread evenly inside a cell. Population of cells outside every unit
    (sea, abroad) is not assigned; the amount is logged. The EU-OECD practice
    assigns a cell to the unit of its centroid unless a finer split is
    available (Dijkstra, Poelman & Veneri 2019), which is ``method="centroid"``.
    """
    units_p = check_units(units, grid, id_col)
    _check_method(method)
    w = unit_cell_weights(grid, units_p, method=method)
    pop = w @ grid.pop.ravel()
    _log_unassigned(grid.pop.ravel(), w)
    return pd.DataFrame({id_col: units[id_col].to_numpy(), "pop": pop}, index=units.index)


def _log_unassigned(pop: np.ndarray, w: sp.csr_matrix) -> None:
    total = float(pop.sum(dtype=np.float64))
    assigned = float((w @ pop).sum())
    if total > 0 and total - assigned > 1e-6 * total:
        log.info(
            "%.0f of %.0f people (%.2f %%) live in cells outside every unit and are not assigned",
            total - assigned,
            total,
            100 * (total - assigned) / total,
        )


# -- the fine population grid ---------------------------------------------------
@dataclass(frozen=True)
class _Cells:
    """What stage 2 splits: cell shares per unit, and per cell its people, class and centre."""

    w: sp.csr_matrix  # units × cells
    pop: np.ndarray
    level1: np.ndarray
    labels: np.ndarray


def _coarse_cells(result: DegurbaResult, units: gpd.GeoDataFrame, method: PopMethod) -> _Cells:
    """The cells of the classification itself (today's default: 1 km area or centre weights)."""
    grid: PopulationGrid = result.grid
    return _Cells(
        unit_cell_weights(grid, units, method=method),
        grid.pop.ravel(),
        np.asarray(result.level1).ravel(),
        np.asarray(result.centre_labels).ravel().astype(np.int64),
    )


def _read_fine(fine_pop: FinePop, grid: PopulationGrid) -> PopulationGrid:
    """The fine population grid as a :class:`PopulationGrid` at its own resolution."""
    if isinstance(fine_pop, PopulationGrid):
        return fine_pop
    if not isinstance(fine_pop, (str, os.PathLike)):
        msg = (
            f"fine_pop must be a PopulationGrid or the path of a population raster, got "
            f"{type(fine_pop).__name__}"
        )
        raise ParameterError(msg)
    with open_raster(fine_pop, what="fine population") as src:
        spec = Raster(src.name, src.shape, src.transform, src.crs, src.nodata)
    _nest_factors(spec, grid)  # refuse before reading a grid that does not nest
    # already in the grid CRS at its own cell size: read as it is, no resampling
    return read_population(fine_pop, target_crs=grid.crs, cell_size_m=abs(spec.transform.a))


def _nest_factors(fine: Raster, grid: PopulationGrid) -> tuple[int, int, int, int]:
    """(ky, kx, row offset, col offset) of a fine grid nesting in the grid; else DataError."""
    factors = block_factors(fine, GridSpec(grid.transform, grid.shape, grid.crs))
    if factors is None:
        t, g = fine.transform, grid.transform
        msg = (
            f"the fine population grid {fine.name} does not nest in the {grid.cell_size_m:g} m "
            f"grid of the classification: it must be in the same CRS ({fine.crs.to_string()} vs "
            f"{grid.crs.to_string()}), north-up, with a cell size that divides "
            f"{grid.cell_size_m:g} m (got {t.a:g} x {-t.e:g} m) and its origin on the fine "
            f"lattice of the grid (origin x {t.c:.10g}, y {t.f:.10g} vs x {g.c:.10g}, "
            f"y {g.f:.10g}); use GHS-POP 100 m with GHS-POP 1 km (same CRS), or put it on a "
            "nesting grid first (gdalwarp -t_srs/-tr/-tap)"
        )
        raise DataError(msg)
    return factors


def _coarse_index(
    fine_shape: tuple[int, int], grid: PopulationGrid, factors: tuple[int, ...]
) -> np.ndarray:
    """Flat index of the grid cell holding each fine cell (-1: off the grid)."""
    ky, kx, r_off, c_off = factors
    rows = (np.arange(fine_shape[0]) - r_off) // ky
    cols = (np.arange(fine_shape[1]) - c_off) // kx
    rows = np.where((rows >= 0) & (rows < grid.shape[0]), rows, -1)
    cols = np.where((cols >= 0) & (cols < grid.shape[1]), cols, -1)
    idx = rows[:, None] * grid.shape[1] + cols[None, :]
    idx[(rows[:, None] < 0) | (cols[None, :] < 0)] = -1
    return idx.ravel()


def _check_fine_total(pop: np.ndarray, idx: np.ndarray, grid: PopulationGrid) -> None:
    """Log how far the fine grid's people differ from the grid's, and those off the grid."""
    on = idx >= 0
    off = float(pop[~on].sum())
    if off > 0:
        log.warning(
            "%.0f people of the fine population grid lie outside the classified grid: they have "
            "no class and are not counted",
            off,
        )
    fine_total = float(pop[on].sum())
    total = grid.total_population
    if total > 0 and abs(fine_total - total) > 0.01 * total:
        log.warning(
            "the fine population grid holds %.0f people on the classified grid, which holds "
            "%.0f (%.1f %% apart): check that both are of the same epoch and release",
            fine_total,
            total,
            100 * (fine_total - total) / total,
        )


def _edge_cells(geoms: np.ndarray, grid: PopulationGrid) -> np.ndarray:
    """Cells that a unit boundary may cross (True), as a boolean grid.

    The boundaries are cut into pieces no longer than half a cell, every
    vertex marks its cell, and the marks are widened by one cell: a piece
    crossing a cell has both ends in that cell or its 8 neighbours. Plain
    arithmetic, so no boundary is missed (GDAL's ``all_touched`` line burning
    can miss lines that run along a cell edge).
    """
    rows, cols = grid.shape
    lines = shapely.segmentize(shapely.boundary(geoms), 0.5 * grid.cell_size_m)
    xy = shapely.get_coordinates(lines)
    c, r = ~grid.transform * (xy[:, 0], xy[:, 1])
    r, c = np.floor(r).astype(np.int64) + 1, np.floor(c).astype(np.int64) + 1
    keep = (r >= 0) & (r <= rows + 1) & (c >= 0) & (c <= cols + 1)
    marks = np.zeros((rows + 2, cols + 2), bool)  # one cell of margin off the grid
    marks[r[keep], c[keep]] = True
    marks = ndimage.binary_dilation(marks, structure=np.ones((3, 3), bool))
    return marks[1:-1, 1:-1]


def fine_unit_weights(
    fine: PopulationGrid, units: gpd.GeoDataFrame, *, method: PopMethod = "area"
) -> sp.csr_matrix:
    """Sparse matrix W (n_units × n_fine_cells) of the share of each fine cell in each unit.

    As :func:`unit_cell_weights`, for the populated cells of a fine grid
    (units already in its CRS), without a polygon per cell: the units are
    burnt onto the grid (a cell goes to the unit holding its centre, the
    first unit where two share it), which is the whole answer for
    ``method="centroid"`` (GHSL's rasterisation of the units). For
    ``method="area"`` only the cells that a unit boundary may cross
    (:func:`_edge_cells`) get exact area shares from
    :func:`unit_cell_weights`; every other cell lies wholly in the unit of
    its centre (weight 1) or outside every unit.
    """
    _check_method(method)
    shape = fine.shape
    geoms = np.asarray(units.geometry.values)
    n_units, n_cells = len(geoms), shape[0] * shape[1]
    # burnt last wins: burn in reverse order so that the first unit keeps a shared cell
    burn = [(g, i + 1) for i, g in reversed(list(enumerate(geoms)))]
    owner = rasterize(burn, out_shape=shape, transform=fine.transform, fill=0, dtype="int32")
    owner = owner.ravel()
    populated = fine.pop.ravel() > 0
    if method == "centroid":
        inner = populated & (owner > 0)
        w_edge = sp.csr_matrix((n_units, n_cells))
    else:
        edge = _edge_cells(geoms, fine).ravel()
        inner = populated & (owner > 0) & ~edge
        w_edge = unit_cell_weights(fine, units, method="area", cells=populated & edge)
    flat = np.flatnonzero(inner)
    w_in = sp.csr_matrix((np.ones(flat.size), (owner[flat] - 1, flat)), shape=(n_units, n_cells))
    return (w_in + w_edge).tocsr()


def _fine_cells(
    result: DegurbaResult, fine_pop: FinePop, units: gpd.GeoDataFrame, method: PopMethod
) -> _Cells:
    """The fine cells, each with the class and centre of the grid cell it lies in."""
    grid: PopulationGrid = result.grid
    fine = _read_fine(fine_pop, grid)
    spec = Raster(fine.source or "fine_pop", fine.shape, fine.transform, fine.crs, None)
    idx = _coarse_index(fine.shape, grid, _nest_factors(spec, grid))
    pop = fine.pop.ravel()
    _check_fine_total(pop, idx, grid)
    on = idx >= 0
    safe = np.where(on, idx, 0)
    level1 = np.where(on, np.asarray(result.level1).ravel()[safe], 0).astype(np.uint8)
    labels = np.where(on, np.asarray(result.centre_labels).ravel()[safe], 0).astype(np.int64)
    pop = np.where(on, pop, 0.0)  # people off the classified grid have no class
    log.info(
        "stage 2 on a fine grid of %d x %d cells (%g m) nested in the %g m classification",
        *fine.shape, fine.cell_size_m, grid.cell_size_m,
    )  # fmt: skip
    return _Cells(
        fine_unit_weights(fine.with_(pop=pop.reshape(fine.shape)), units, method=method),
        pop,
        level1,
        labels,
    )


# -- classification -----------------------------------------------------------
def centre_populations(result: DegurbaResult) -> np.ndarray:
    """Population of each urban centre: index = uc_id (index 0 = outside every centre)."""
    labels = np.asarray(result.centre_labels).ravel()
    n = int(labels.max()) if labels.size else 0
    return np.bincount(labels, weights=result.grid.pop.ravel(), minlength=n + 1)


def _check_shares(city_share: float, town_share: float) -> None:
    for name, v in (("city_share", city_share), ("town_share", town_share)):
        if not (isinstance(v, Real) and 0.0 < float(v) <= 1.0):
            msg = f"{name}={v!r} must be a share in (0, 1]"
            raise ParameterError(msg)


def _dominant_centre(cells: _Cells, n_uc: int) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the urban centre holding most of its people (0 = none) and their number."""
    n_units = cells.w.shape[0]
    uc_id = np.zeros(n_units, dtype=np.int64)
    uc_in = np.zeros(n_units)
    if n_uc == 0:
        return uc_id, uc_in
    inc = np.flatnonzero(cells.labels > 0)
    p = sp.csr_matrix((cells.pop[inc], (inc, cells.labels[inc] - 1)), shape=(cells.pop.size, n_uc))
    per_uc = (cells.w @ p).tocsr()  # units × centres, people
    if per_uc.nnz:
        dense_arg = np.asarray(per_uc.argmax(axis=1)).ravel()
        best = np.asarray(per_uc.max(axis=1).todense()).ravel()
        has = best > 0
        uc_id[has] = dense_arg[has] + 1
        uc_in[has] = best[has]
    return uc_id, uc_in


def classify_units(
    grid_or_result: PopulationGrid | DegurbaResult,
    units: gpd.GeoDataFrame,
    *,
    id_col: str,
    method: PopMethod = "area",
    city_share: float = 0.5,
    town_share: float = 0.5,
    degurba_params: DegurbaParams | None = None,
    fine_pop: FinePop | None = None,
) -> gpd.GeoDataFrame:
    """Classify local units as city, town/suburb or rural (Degree of Urbanisation stage 2).

    Parameters
    ----------
    grid_or_result : PopulationGrid or DegurbaResult
        A grid (classified with :func:`fua.degurba.classify.classify_grid` and
        ``degurba_params``) or an existing classification.
    units : geopandas.GeoDataFrame
        Local-unit polygons with a CRS.
    id_col : str
        Unique id column of ``units``.
    method : {"area", "centroid"}
        How cells are split among units (see :func:`unit_population`); with
        ``fine_pop``, how the fine cells are.
    city_share, town_share : float
        Thresholds (0–1) of the shares in urban centres and in urban clusters.
    degurba_params : DegurbaParams, optional
        Thresholds of the grid classification (see :func:`fua.degurba.classify.degurba_result`).
    fine_pop : PopulationGrid or path, optional
        A finer population grid (GHS-POP 100 m with the 1 km classification,
        as GHSL and flexurba's ``DoU_preprocess_units`` do) that splits each
        unit's people: every fine cell takes the class and urban centre of
        the grid cell it lies in, and the unit's shares are sums of fine-cell
        people inside the unit. It must nest in the classified grid: same
        CRS, north-up, a cell size dividing the grid's, origin on the fine
        lattice of the grid (else :class:`~fua.DataError`; it is not
        resampled). Default: the people of the classified grid itself.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` (same index, original CRS) with columns

        - ``pop``: people in the unit (of ``fine_pop`` when given);
        - ``pop_centre_share``: share in urban-centre cells (level 1 = 3);
        - ``pop_cluster_share``: share in urban-cluster cells that are not
          urban centre (level 1 = 2);
        - ``pop_rural_share``: share in rural or no-data cells (the three
          shares sum to 1);
        - ``uc_id``: the urban centre holding most of the unit's people
          (0 = none), ``uc_share``: share of the unit's people in that centre,
          ``uc_pop``: that centre's total population (on the classified grid);
        - ``degurba``: ``"city"``, ``"town_suburb"`` or ``"rural"``.

        Units without people get NaN shares and ``"rural"``.

    Raises
    ------
    ParameterError
        A share outside (0, 1], an unknown ``method``, or ``fine_pop`` neither
        a grid nor a path.
    DataError
        ``fine_pop`` does not nest in the classified grid (and the errors of
        :func:`check_units`).

    Notes
    -----
    City: ``pop_centre_share ≥ city_share``; town/suburb: not a city and
    ``pop_centre_share + pop_cluster_share ≥ town_share`` (urban centres are
    part of urban clusters); rural: the rest ("Applying the Degree of
    Urbanisation", 2021, ch. 2, stage 2). Population per unit and class is
    ``W @ (pop · 1[class])`` with the sparse cell-share matrix ``W`` of
    :func:`unit_population` (of :func:`fine_unit_weights` with ``fine_pop``);
    the per-centre split is ``W @ P`` with the sparse cell × centre matrix
    ``P``. The 1 km area weights spread a cell's people evenly over it, so a
    unit that an urban-centre cell covers only in part gets that part of its
    people; a fine grid puts them where they live (GHSL Data Package 2023,
    §2.7.2.3).
    """
    _check_shares(city_share, town_share)
    _check_method(method)
    result = degurba_result(grid_or_result, degurba_params)
    units_p = check_units(units, result.grid, id_col)
    if fine_pop is None:
        cells = _coarse_cells(result, units_p, method)
    else:
        cells = _fine_cells(result, fine_pop, units_p, method)
    _log_unassigned(cells.pop, cells.w)
    total = cells.w @ cells.pop
    centre = cells.w @ (cells.pop * (cells.level1 == 3))
    cluster = cells.w @ (cells.pop * (cells.level1 == 2))
    uc_pop_all = centre_populations(result)
    uc_id, uc_in = _dominant_centre(cells, uc_pop_all.size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_centre = np.where(total > 0, centre / total, np.nan)
        s_cluster = np.where(total > 0, cluster / total, np.nan)
        s_uc = np.where(total > 0, uc_in / total, np.nan)
    s_rural = np.where(total > 0, np.clip(1.0 - s_centre - s_cluster, 0.0, 1.0), np.nan)
    cls = np.full(len(units_p), "rural", dtype=object)
    tol = 1e-12
    town = (s_centre + s_cluster) >= town_share - tol
    city = s_centre >= city_share - tol
    cls[np.nan_to_num(town, nan=0).astype(bool)] = "town_suburb"
    cls[np.nan_to_num(city, nan=0).astype(bool)] = "city"
    if (total <= 0).any():
        log.info("%d units have no people: classed rural with NaN shares", int((total <= 0).sum()))
    out = units.copy()
    out["pop"] = total
    out["pop_centre_share"] = s_centre
    out["pop_cluster_share"] = s_cluster
    out["pop_rural_share"] = s_rural
    out["uc_id"] = uc_id.astype("int32")
    out["uc_share"] = s_uc
    out["uc_pop"] = uc_pop_all[uc_id] * (uc_id > 0)
    out["degurba"] = cls.astype(str)
    return out
