"""Row windows of the file-to-file classification (:func:`fua.scale.tiles.degurba_to_files`).

The steps that read a population raster and its land / built-up layers in
row windows, and write the class grids back in row windows, so that only
what the cluster-forming steps need is held in memory:

* :func:`share_reader` reads land or built-up rows as shares of each cell;
* :func:`read_windows` reads the population (float32), the cell flags and
  the no-data bits (:class:`NoDataBits`);
* :func:`smooth_windows` applies ``DegurbaParams.centre_smooth_window`` (the
  moving-window mean of flexurba's ``UC_smooth_pop``) one row window at a
  time, each with a halo of ``window // 2`` rows of context above and below
  (the mean of a cell looks that far), so each window gives exactly the rows
  a whole-grid pass would give;
* :func:`write_grids` writes the level-1 / level-2 / label GeoTIFFs, with
  cells without population data as 0 or, with ``nodata_class="rural"``,
  classified like any cell without people (a per-cell rule);
* :func:`layer_columns` gives the columns of the urban-centre and
  urban-cluster layers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

from connectivity.errors import DataError
from fua._raster import PopulationCheck, Raster, RasterInput, open_raster, share_units, share_values
from fua._validate import check_choice
from fua.degurba._core import Classified, cell_flags, final_codes, row_slices, smooth_centre_flags
from fua.degurba.params import DegurbaParams
from fua.degurba.stats import centres_per_cluster, label_stats, label_table
from fua.outputs.styles import smod_legend

__all__ = [
    "NoDataBits",
    "ShareReader",
    "cell_area_km2",
    "grid_profile",
    "layer_columns",
    "read_windows",
    "share_reader",
    "smooth_windows",
    "write_grids",
]

#: Reads the rows of a land or built-up layer as shares (0-1) of each cell.
ShareReader = Callable[[slice], np.ndarray]


def share_reader(
    layer: RasterInput | None,
    what: str,
    units: str,
    fill: float,
    pop: Raster,
    stack: ExitStack,
) -> ShareReader | None:
    """A function rows -> share block (or None) for a land/built file on the population grid."""
    if layer is None:
        return None
    check_choice(units, ("auto", "m2", "percent", "share"), f"{what}_units")
    src = stack.enter_context(open_raster(layer, what=what))
    if src.shape != pop.shape or not src.transform.almost_equals(pop.transform):
        msg = (
            f"the {what} layer {src.name} is not on the population grid ({src.shape} vs "
            f"{pop.shape}, or another origin/cell size); put it on that grid first, e.g. with "
            f"fua.read_population(pop, {what}=...) or gdalwarp -tr/-te"
        )
        raise DataError(msg)
    _, divisor = share_units(src, units, what)

    def read(sl: slice) -> np.ndarray:
        chunk = src.read(sl.start, sl.stop, 0, src.shape[1])
        return np.clip(share_values(chunk, src.nodata, divisor, fill), 0.0, 1.0)

    return read


def grid_profile(src: Raster, dtype: str, nodata: float | None) -> dict[str, Any]:
    """GeoTIFF profile of an output grid: tiled, deflate, on the population grid."""
    return {
        "driver": "GTiff",
        "height": src.shape[0],
        "width": src.shape[1],
        "count": 1,
        "dtype": dtype,
        "crs": src.crs,
        "transform": src.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "zlevel": 1,
        "BIGTIFF": "IF_SAFER",
        "NUM_THREADS": "ALL_CPUS",
    }


def cell_area_km2(src: Raster) -> float:
    return abs(src.transform.a * src.transform.e) / 1e6


@dataclass
class NoDataBits:
    """Which cells of the population grid have data, packed 8 cells a byte."""

    bits: np.ndarray
    cols: int
    any_nodata: bool = False

    def mask(self, sl: slice) -> np.ndarray | None:
        """True where rows ``sl`` have no data (None when every cell of the grid has data)."""
        if not self.any_nodata:
            return None
        return ~np.unpackbits(self.bits[sl], axis=1, count=self.cols).astype(bool)

    def valid(self, sl: slice) -> np.ndarray:
        """True where rows ``sl`` have data."""
        mask = self.mask(sl)
        n = len(range(*sl.indices(self.bits.shape[0])))
        return np.ones((n, self.cols), bool) if mask is None else ~mask


def read_windows(
    src: Raster,
    params: DegurbaParams,
    read_land: ShareReader | None,
    read_built: ShareReader | None,
) -> tuple[np.ndarray, np.ndarray, NoDataBits]:
    """Read the population in row windows: (population as float32, cell flags, no-data bits)."""
    shape = src.shape
    area = cell_area_km2(src)
    pop32 = np.empty(shape, np.float32)
    flags = np.empty(shape, np.uint8)
    nodata = NoDataBits(np.empty((shape[0], (shape[1] + 7) // 8), np.uint8), shape[1])
    check = PopulationCheck(src)
    for sl in row_slices(shape):
        chunk = check(src.read(sl.start, sl.stop, 0, shape[1]), sl.start, 0)
        valid = ~np.isnan(chunk)
        nodata.any_nodata |= not valid.all()
        nodata.bits[sl] = np.packbits(valid, axis=1)
        pop32[sl] = np.where(valid, chunk, 0.0)
        del chunk
        flags[sl] = cell_flags(
            pop32[sl],
            None if read_land is None else read_land(sl),
            None if read_built is None else read_built(sl),
            params,
            area,
        )
    check.raise_if_bad()
    return pop32, flags, nodata


def smooth_windows(
    src: Raster,
    flags: np.ndarray,
    pop32: np.ndarray,
    nodata: NoDataBits,
    shares: tuple[ShareReader | None, ShareReader | None],
    params: DegurbaParams,
) -> np.ndarray:
    """Set the CENTRE bit of ``flags`` from moving-window means, row window by row window.

    The same rule as :func:`fua.degurba.classify.classify_grid` with
    ``params.centre_smooth_window`` (:func:`fua.degurba._core.smooth_centre_flags`),
    computed on each row window with ``window // 2`` rows of halo above and
    below: every mean of a window's own rows sees exactly the cells a
    whole-grid pass sees (beyond the grid edge there are none in either).
    The land and built-up layers are read again for the halo rows.

    Returns
    -------
    numpy.ndarray of float64
        The window mean of the population, which decides the urban-centre
        size rule (one float64 grid: the cost of the option).
    """
    read_land, read_built = shares
    half = params.centre_smooth_window // 2
    rows = src.shape[0]
    area = cell_area_km2(src)
    centre_pop = np.empty(src.shape, np.float64)
    for sl in row_slices(src.shape):
        halo = slice(max(0, sl.start - half), min(rows, sl.stop + half))
        own = slice(sl.start - halo.start, sl.stop - halo.start)
        block = flags[halo].copy()  # only its CENTRE bit is rewritten
        land = None if read_land is None else read_land(halo)
        built = None if read_built is None else read_built(halo)
        smoothed = smooth_centre_flags(
            block, pop32[halo], (land, built), nodata.valid(halo), params, area
        )
        flags[sl] = block[own]
        centre_pop[sl] = smoothed[own]
    return centre_pop


def write_grids(
    folder: Path,
    names: dict[str, str],
    src: Raster,
    flags: np.ndarray,
    nodata: NoDataBits | None,
    core: Classified,
) -> None:
    """The class and label GeoTIFFs, written in row windows (level 2 made final on the way).

    ``nodata`` None: cells without population data are classified like any
    cell without people (``nodata_class="rural"``); else they get 0 (level 2:
    0 unless water).
    """
    dtypes = {
        "classes_L1": "uint8",
        "classes_L2": "uint8",
        "centre_labels": "int32",
        "cluster_labels": "int32",
    }
    arrays = {
        "classes_L2": core.level2,
        "centre_labels": core.centres,
        "cluster_labels": core.clusters,
    }
    with ExitStack() as stack:
        dsts = {
            k: stack.enter_context(
                rasterio.open(folder / names[k], "w", **grid_profile(src, dt, 0))
            )
            for k, dt in dtypes.items()
            if k in names
        }
        for sl in row_slices(src.shape):
            l2 = None if core.level2 is None else core.level2[sl]
            l1 = final_codes(flags[sl], None if nodata is None else nodata.mask(sl), l2)
            window = ((sl.start, sl.stop), (0, src.shape[1]))
            dsts["classes_L1"].write(l1, 1, window=window)
            for k, arr in arrays.items():
                if k in dsts and arr is not None:
                    dsts[k].write(np.ascontiguousarray(arr[sl]), 1, window=window)
        for k, lvl in (("classes_L1", 1), ("classes_L2", 2)):
            if k in dsts:  # the same colour table as fua.outputs.degurba.write_class_raster
                dsts[k].write_colormap(1, {st.code: st.colour for st in smod_legend(lvl)})


def layer_columns(
    src: Raster,
    pop32: np.ndarray,
    core: Classified,
    read_land: ShareReader | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The columns of the urban-centre and urban-cluster layers (land read again in windows)."""
    area = cell_area_km2(src)

    def blocks() -> Iterator[tuple[slice, np.ndarray, np.ndarray | None]]:
        for sl in row_slices(src.shape):
            yield sl, pop32[sl], None if read_land is None else read_land(sl)

    c_stats = label_stats(core.centres, core.n_centres, blocks(), src.transform, area)
    k_stats = label_stats(core.clusters, core.n_clusters, blocks(), src.transform, area)
    n_in = centres_per_cluster(core.clusters, core.centres, core.n_clusters, core.n_centres)
    return label_table(c_stats, area), {**label_table(k_stats, area), "n_centres": n_in}
