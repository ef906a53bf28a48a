"""Grid-wide travel times for the demo pipeline (private).

The demo needs travel times from every 1 km cell of a country to several
destination sets (urban centres, SEZs, corridor access points, border
crossings) and from each SEZ to every cell. Snapping ~3 million cell
centres to the road network is the costly step, so it is done once here
(:func:`snap_cells`) and the snapped cells are reused with the routing
primitives of :mod:`connectivity.routing` (one Dijkstra pass per
destination set, memory-bounded blocks for point-to-cells times).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.network import RoadNetwork
from connectivity.origins import snap_cell_centres
from connectivity.routing import nearest, od_blocks
from connectivity.snapping import Snapped, snap_points
from fua.grid import PopulationGrid

__all__: list[str] = []

log = logging.getLogger(__name__)

_ARRAY_FIELDS = (
    "x",
    "y",
    "seg",
    "node_a",
    "node_b",
    "frac",
    "t_ab",
    "t_ba",
    "snap_x",
    "snap_y",
    "dist_m",
    "offroad_min",
    "ok",
)


@dataclass(frozen=True, eq=False)
class CellAccess:
    """The populated (valid) cells of a grid, snapped once to a road network.

    ``rows``/``cols`` locate each snapped cell on the grid; ``pop`` is its
    population; ``snapped`` holds the off-network legs.
    """

    rows: np.ndarray
    cols: np.ndarray
    pop: np.ndarray
    shape: tuple[int, int]
    snapped: Snapped

    @property
    def n_cells(self) -> int:
        return int(self.rows.size)

    def to_grid(self, values: np.ndarray, *, fill: Any = np.nan, dtype: Any = "float32") -> Any:
        """Scatter one value per cell back onto the grid (``fill`` elsewhere)."""
        out = np.full(self.shape, fill, dtype=dtype)
        out[self.rows, self.cols] = values
        return out

    def flat_index(self) -> np.ndarray:
        """Row-major cell numbers (``row * ncols + col``)."""
        return self.rows.astype(np.int64) * self.shape[1] + self.cols


def subset(snapped: Snapped, idx: np.ndarray) -> Snapped:
    """The snapped points at positions ``idx`` (a new :class:`Snapped`)."""
    changes = {f: getattr(snapped, f)[idx] for f in _ARRAY_FIELDS}
    return dataclasses.replace(snapped, index=pd.RangeIndex(len(idx)), **changes)


def snap_cells(
    net: RoadNetwork, grid: PopulationGrid, *, max_snap_m: float, offroad_speed_kmh: float
) -> CellAccess:
    """Snap the centre of every valid cell with people to the nearest road segment.

    Cell centres are reprojected from the grid CRS to the network CRS once
    (vectorised pyproj); cells with no population and no ``valid`` flag are
    skipped, so the result covers the country, not its bounding box.
    """
    mask = np.isfinite(grid.pop) & (grid.pop > 0)
    if grid.valid is not None:
        mask |= np.asarray(grid.valid, dtype=bool)
        mask &= np.isfinite(grid.pop)
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        msg = "the population grid has no valid cell; check its nodata value and extent"
        raise DataError(msg)
    snapped, _ = snap_cell_centres(
        net, rows, cols, grid.transform, grid.crs,
        max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh,
    )  # fmt: skip
    n_far = int((~snapped.ok).sum())
    if n_far:
        log.info(
            "%d of %d cells are farther than %.0f km from the road network (no travel time)",
            n_far,
            rows.size,
            max_snap_m / 1000,
        )
    pop = np.where(np.isfinite(grid.pop[rows, cols]), grid.pop[rows, cols], 0.0)
    return CellAccess(rows, cols, pop, grid.shape, snapped)


def snap(
    net: RoadNetwork, points: gpd.GeoDataFrame, *, max_snap_m: float, offroad_speed_kmh: float
) -> Snapped:
    """Snap a point layer with the demo's snapping parameters."""
    return snap_points(
        net, points, max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh, name="points"
    )


def nearest_on_grid(
    net: RoadNetwork, cells: CellAccess, destinations: Snapped
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from every cell to its nearest destination, and that destination's position.

    Returns two grids: float32 minutes (NaN where unreachable or not a cell)
    and int32 positions in ``destinations`` (-1 where none).
    """
    res = nearest(net, cells.snapped, destinations)
    t = np.where(np.isfinite(res.time_min), res.time_min, np.nan)
    return cells.to_grid(t), cells.to_grid(res.dest, fill=-1, dtype="int32")


def reach_from_points(
    net: RoadNetwork,
    points: Snapped,
    cells: CellAccess,
    thresholds_min: Sequence[float],
) -> np.ndarray:
    """Population of the cells reachable from each point within each threshold.

    Returns an array (n_points, n_thresholds); points that cannot be snapped
    get NaN. The search from each point stops at the largest threshold.

    Notes
    -----
    Cumulative opportunities A_k(T) = Σ_c P_c · 1(t_kc ≤ T) (Geurs & van Wee
    2004) over the snapped cells, with t from
    :func:`connectivity.routing.od_blocks` (off-network legs included).
    """
    thr = np.asarray(sorted(float(v) for v in thresholds_min))
    out = np.zeros((len(points), thr.size))
    for r, c, block in od_blocks(net, points, cells.snapped, max_time_min=float(thr.max())):
        w = cells.pop[c]
        for k, x in enumerate(thr):
            out[r, k] += (block <= x) @ w
    out[~points.ok] = np.nan
    return out


def nodes_on_grid(net: RoadNetwork, cells: CellAccess, nodes: np.ndarray) -> np.ndarray:
    """Minutes from every cell to the nearest of some network nodes (e.g. corridor access points).

    One multi-source Dijkstra on the transposed graph from the nodes
    (:func:`connectivity.routing.multi_source_node_times`); a cell's time is
    the cheaper of its two entry legs plus the node time there. Returns a
    float32 grid, NaN where unreachable.
    """
    from connectivity.routing import multi_source_node_times

    t_node, _ = multi_source_node_times(net, np.asarray(nodes, dtype="int64"), reverse=True)
    legs_nodes, legs_cost = cells.snapped.entry_legs()
    safe = np.where(legs_nodes >= 0, legs_nodes, 0)
    tot = np.min(legs_cost + t_node[safe], axis=1)
    return cells.to_grid(np.where(np.isfinite(tot), tot, np.nan))
