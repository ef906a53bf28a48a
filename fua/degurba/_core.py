"""Memory-lean core of the Degree of Urbanisation classification.

Every density and water test of the rules is local to a cell, so it is
evaluated once, in row blocks, into one uint8 array of bit flags
(:func:`cell_flags`). Only the cluster-forming steps (labelling, population
sums, smoothing, hole filling, the semi-dense buffer) look at the whole grid;
they read the flags and the population and share two int32 label buffers.
The same core serves :func:`fua.degurba.classify.classify_grid` (arrays in memory) and
:func:`fua.scale.tiles.degurba_to_files` (flags built from raster windows), so the
two give identical results.

Peak memory of a classification, for ``N`` cells: the population (4 or 8 N
bytes) + flags (N) + two int32 label grids (8 N) + the level-2 grid (N) +
one boolean temporary (N) and row-block temporaries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from connectivity.errors import ParameterError
from fua.degurba.clusters import (
    BLOCK_CELLS,
    WrapColumns,
    fill_holes,
    label_clusters,
    majority_smooth,
    select_clusters,
)
from fua.degurba.params import DegurbaParams

__all__ = [
    "CENTRE",
    "CLUSTER",
    "DENSE",
    "IGNORE",
    "LOW",
    "RURAL",
    "SEMI",
    "WATER",
    "Classified",
    "cell_flags",
    "classify_flags",
    "final_codes",
    "moving_mean",
    "row_slices",
    "smooth_centre_flags",
]

log = logging.getLogger(__name__)

# bit flags of the local (per-cell) tests
CENTRE = np.uint8(1)  # urban-centre density or built-up rule; after labelling: is a centre cell
CLUSTER = np.uint8(2)  # urban-cluster density; after labelling: in an urban cluster (ucl)
DENSE = np.uint8(4)  # dense-urban-cluster density or built-up rule
SEMI = np.uint8(8)  # semi-dense density
RURAL = np.uint8(16)  # rural-cluster density
LOW = np.uint8(32)  # low-density rural density
IGNORE = np.uint8(64)  # unpopulated, mostly water (not counted by the R2023A majority rule)
WATER = np.uint8(128)  # permanent water: IGNORE and no built-up


def row_slices(shape: tuple[int, ...], block_cells: int = BLOCK_CELLS) -> Iterator[slice]:
    """Consecutive full-width row blocks of about ``block_cells`` cells."""
    step = max(1, block_cells // max(1, shape[1]))
    for r in range(0, shape[0], step):
        yield slice(r, min(r + step, shape[0]))


def _built_share_test(
    built: np.ndarray, land: np.ndarray | None, built_min: float, decimals: int | None
) -> np.ndarray:
    """Built-up share of land >= built_min (of the cell where there is no land).

    ``decimals``: round the share first (flexurba rounds to 3); None compares
    without dividing, as the GHSL rule is stated.
    """
    if decimals is None:
        if land is None:
            return built >= built_min
        return np.where(land > 0, built >= built_min * land, built >= built_min)
    if land is None:
        share = built
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(land > 0, built / np.where(land > 0, land, 1.0), built)
    return np.round(share, decimals) >= built_min


def _density_test(
    pop: np.ndarray,
    density_min: float,
    built_min: float | None,
    *,
    shares: tuple[np.ndarray | None, np.ndarray | None],
    area: float,
    decimals: int | None = None,
) -> np.ndarray:
    """density >= density_min per km² of land (or built-up share of land >= built_min).

    ``shares``: the land and built-up shares of the cells (either may be None);
    ``decimals``: round the built-up share of land first (None: do not).
    """
    land, built = shares
    if land is None:
        m = pop >= density_min * area
    else:
        lnd = np.clip(land, 0.0, 1.0)
        lnd = np.where(lnd > 0, lnd, 1.0)  # no recorded land: use the whole cell
        m = pop >= density_min * area * lnd
    if built_min is not None and built is not None:
        m |= _built_share_test(built, land, built_min, decimals)
    return m


def cell_flags(
    pop: np.ndarray,
    land: np.ndarray | None,
    built: np.ndarray | None,
    params: DegurbaParams,
    cell_area_km2: float,
) -> np.ndarray:
    """The bit flags of one block of cells (``land``/``built``: shares, or None)."""
    p = params
    a = cell_area_km2
    flags = np.zeros(pop.shape, np.uint8)
    tests = (
        (CENTRE, p.centre_density_min_per_km2, p.centre_built_share_min),
        (CLUSTER, p.cluster_density_min_per_km2, None),
        (DENSE, p.dense_density_min_per_km2, p.dense_built_share_min),
        (SEMI, p.semi_dense_density_min_per_km2, None),
        (RURAL, p.rural_cluster_density_min_per_km2, None),
        (LOW, p.low_density_min_per_km2, None),
    )
    for bit, dens, built_min in tests:
        passed = _density_test(
            pop, dens, built_min, shares=(land, built), area=a, decimals=p.built_share_decimals
        )
        flags[passed] |= bit
    if land is not None:
        ignore = (land < p.water_land_share_max) & (pop <= 0)
        flags[ignore] |= IGNORE
        if built is not None:
            ignore &= built <= 0
        flags[ignore] |= WATER
    return flags


def moving_mean(values: np.ndarray, use: np.ndarray, window: int) -> np.ndarray:
    """``window`` × ``window`` mean of ``values`` over the cells of the window where ``use``.

    Cells outside the grid and cells where ``use`` is False are left out of
    the mean (as ``terra::focal(fun = "mean", na.rm = TRUE)`` leaves out NA);
    a cell whose window has no usable cell gets 0.
    """
    kernel = np.ones((window, window))
    weight = use.astype(np.float64)
    total = ndimage.correlate(np.where(use, values, 0.0), kernel, mode="constant", cval=0.0)
    count = ndimage.correlate(weight, kernel, mode="constant", cval=0.0)
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def smooth_centre_flags(
    flags: np.ndarray,
    pop: np.ndarray,
    shares: tuple[np.ndarray | None, np.ndarray | None],
    valid: np.ndarray,
    params: DegurbaParams,
    cell_area_km2: float,
) -> np.ndarray:
    """Set the CENTRE bit from moving-window means (``params.centre_smooth_window``).

    The density rule is applied to the window mean of the density, taken over
    cells with population data and with land or people (density is undefined
    elsewhere); the built-up rule to the unsmoothed share. Returns the window
    mean of the population (over cells with population data), which decides
    the urban-centre size rule and which cells count as populated in the
    R2023A majority rule. Whole-grid float64 temporaries: an opt-in cost.
    """
    land, built = shares
    window = params.centre_smooth_window
    pop64 = pop.astype(np.float64)
    if land is None:
        density = pop64 / cell_area_km2
        defined = valid
    else:
        lnd = np.clip(land, 0.0, 1.0)
        density = pop64 / (cell_area_km2 * np.where(lnd > 0, lnd, 1.0))
        defined = valid & ((lnd > 0) | (pop64 > 0))
    centre = moving_mean(density, defined, window) >= params.centre_density_min_per_km2
    del density
    if params.centre_built_share_min is not None and built is not None:
        centre |= _built_share_test(
            built, land, params.centre_built_share_min, params.built_share_decimals
        )
    _set_bit(flags, CENTRE, centre)
    return moving_mean(pop64, valid, window)


def _mask(flags: np.ndarray, bit: np.uint8) -> np.ndarray:
    """Full-size boolean ``flags & bit != 0``, built in row blocks."""
    out = np.empty(flags.shape, bool)
    for sl in row_slices(flags.shape):
        np.not_equal(flags[sl] & bit, 0, out=out[sl])
    return out


def _set_bit(flags: np.ndarray, bit: np.uint8, labels: np.ndarray) -> None:
    """Replace ``bit`` of ``flags`` by ``labels > 0`` (row blocks, in place)."""
    inv = np.uint8(~bit & 0xFF)
    for sl in row_slices(flags.shape):
        blk = flags[sl]
        blk &= inv
        blk |= (labels[sl] > 0).view(np.uint8) * bit


def _assign(
    level2: np.ndarray,
    code: int,
    mask: np.ndarray | None = None,
    *,
    flags: np.ndarray | None = None,
    bit: np.uint8 | None = None,
) -> None:
    """level2[level2 == 0 & condition] = code, in row blocks (condition: a mask or a flag bit)."""
    for sl in row_slices(level2.shape):
        blk = level2[sl]
        cond = blk == 0
        if mask is not None:
            cond &= mask[sl] != 0 if mask.dtype != bool else mask[sl]
        if flags is not None and bit is not None:
            cond &= (flags[sl] & bit) != 0
        blk[cond] = code


def _near(core_rows: np.ndarray, semi: np.ndarray, n_semi: int, cells: int) -> np.ndarray:
    """Semi-dense labels with a cell within ``cells`` cells (Chebyshev) of a core cell.

    Row blocks with a halo of ``cells`` rows; dilating by a (2k+1)² square is
    the same as k iterations of the 3×3 dilation.
    """
    too_close = np.zeros(n_semi + 1, bool)
    rows = core_rows.shape[0]
    square = np.ones((2 * cells + 1, 2 * cells + 1), bool)
    for sl in row_slices(core_rows.shape):
        h0, h1 = max(0, sl.start - cells), min(rows, sl.stop + cells)
        core = core_rows[h0:h1]
        if not core.any():
            continue
        near = ndimage.binary_dilation(core, structure=square)[sl.start - h0 : sl.stop - h0]
        blk = semi[sl]
        too_close[np.unique(blk[near & (blk > 0)])] = True
    return too_close


def _select(
    flags: np.ndarray,
    bit: np.uint8,
    pop: np.ndarray,
    *,
    min_size: float,
    connectivity: int,
    out: np.ndarray | None,
    wrap: WrapColumns | None,
) -> tuple[np.ndarray, int]:
    """Clusters of the cells flagged ``bit`` holding at least ``min_size`` people."""
    mask = _mask(flags, bit)
    return select_clusters(
        mask, pop, min_size=min_size, connectivity=connectivity, out=out, wrap=wrap
    )


def _refuse_unhandled(p: DegurbaParams, *, smoothed: bool, nodata: bool) -> None:
    """ParameterError for the flexurba options a caller of :func:`classify_flags` cannot honour."""
    missing = []
    if p.centre_smooth_window and not smoothed:
        missing.append(f"centre_smooth_window={p.centre_smooth_window}")
    if p.nodata_class != "nodata" and not nodata:
        missing.append(f"nodata_class={p.nodata_class!r}")
    if missing:
        msg = (
            f"classify_flags was called with {' and '.join(missing)} but without what it "
            "needs (centre_pop from smooth_centre_flags, nodata_class_applied=True when the "
            "caller writes the no-data class); call fua.classify_grid or fua.degurba_to_files"
        )
        raise ParameterError(msg)


@dataclass
class Classified:
    """Output of :func:`classify_flags`; ``flags`` then has CENTRE = centre cell, CLUSTER = ucl."""

    centres: np.ndarray
    clusters: np.ndarray
    n_centres: int
    n_clusters: int
    level2: np.ndarray | None


def classify_flags(
    pop: np.ndarray,
    flags: np.ndarray,
    params: DegurbaParams,
    *,
    cell_size_m: float,
    cell_area_km2: float,
    level: int,
    has_land: bool,
    wrap: WrapColumns | None = None,
    centre_pop: np.ndarray | None = None,
    nodata_class_applied: bool = False,
) -> Classified:
    """Urban centres, urban clusters and (level 2) the SMOD classes before no-data.

    ``flags`` is modified: its CENTRE bit becomes "is an urban-centre cell" and
    its CLUSTER bit "is in an urban cluster (density rule)". ``wrap`` joins
    clusters across the x wrap-around (labelling and population sums only;
    smoothing, hole filling and the semi-dense buffer treat the grid edge as
    an edge). ``centre_pop``: the smoothed population of
    :func:`smooth_centre_flags`, required when ``params.centre_smooth_window``
    is set (the CENTRE bit must then come from that function too).
    ``nodata_class_applied``: the caller applies ``params.nodata_class``
    (:func:`final_codes` itself always writes 0 where there is no data).
    Options a caller cannot honour raise :class:`~fua.ParameterError`.
    """
    p = params
    _refuse_unhandled(p, smoothed=centre_pop is not None, nodata=nodata_class_applied)
    # -- urban centres ----------------------------------------------------------
    centres, n_centres = _select(
        flags, CENTRE, pop if centre_pop is None else centre_pop,
        min_size=p.centre_pop_min, connectivity=p.centre_connectivity, out=None, wrap=wrap,
    )  # fmt: skip
    log.info(
        "urban centres: %d dense clusters of at least %s people",
        n_centres,
        f"{p.centre_pop_min:,.0f}",
    )
    if n_centres and p.centre_smoothing != "none":
        ignore = _mask(flags, IGNORE) if has_land else None
        if ignore is not None and centre_pop is not None:
            ignore &= centre_pop <= 0  # populated after smoothing: counted
        water = _mask(flags, WATER) if has_land else None
        majority_smooth(
            centres, variant=p.centre_smoothing, ignore=ignore, never_add=water, inplace=True
        )
        del ignore, water
    if n_centres and p.centre_hole_max_km2 > 0:
        fill_holes(centres, max_cells=p.centre_hole_max_km2 / cell_area_km2, inplace=True)
    _set_bit(flags, CENTRE, centres)

    # -- urban clusters (density rule); the scratch buffer is reused below --------
    scratch = np.empty(flags.shape, np.int32)
    _select(
        flags, CLUSTER, pop, min_size=p.cluster_pop_min, connectivity=p.cluster_connectivity,
        out=scratch, wrap=wrap,
    )  # fmt: skip
    _set_bit(flags, CLUSTER, scratch)

    level2 = None
    if level == 2:
        level2 = _level2(pop, flags, p, scratch, cell_size_m=cell_size_m, wrap=wrap)

    # -- level-1 urban clusters: urban-cluster cells and centre cells, 8-connected --
    mask = _mask(flags, np.uint8(CENTRE | CLUSTER))
    clusters, n_clusters = label_clusters(mask, connectivity=8, out=scratch, wrap=wrap)
    del mask
    return Classified(centres, clusters, n_centres, n_clusters, level2)


def _level2(
    pop: np.ndarray,
    flags: np.ndarray,
    p: DegurbaParams,
    scratch: np.ndarray,
    *,
    cell_size_m: float,
    wrap: WrapColumns | None,
) -> np.ndarray:
    """SMOD codes 30, 23, 22, 21, 13, 12, 11 (water and no data are applied later)."""
    level2 = np.zeros(flags.shape, np.uint8)
    _assign(level2, 30, flags=flags, bit=CENTRE)

    _select(
        flags, DENSE, pop, min_size=p.dense_pop_min, connectivity=p.dense_connectivity,
        out=scratch, wrap=wrap,
    )  # fmt: skip
    _assign(level2, 23, scratch)

    semi, n_semi = _select(
        flags, SEMI, pop, min_size=p.semi_dense_pop_min, connectivity=p.semi_dense_connectivity,
        out=scratch, wrap=wrap,
    )  # fmt: skip
    if n_semi:
        buffer_cells = round(p.semi_dense_buffer_km * 1000.0 / cell_size_m)
        core = level2 > 0  # 30 and 23
        if buffer_cells > 0:
            too_close = _near(core, semi, n_semi, buffer_cells)
        else:
            too_close = np.zeros(n_semi + 1, bool)
            too_close[np.unique(semi[core & (semi > 0)])] = True
        del core
        too_close[0] = True
        keep = ~too_close
        for sl in row_slices(level2.shape):
            blk = level2[sl]
            blk[(blk == 0) & keep[semi[sl]]] = 22

    _assign(level2, 21, flags=flags, bit=CLUSTER)
    _select(
        flags, RURAL, pop, min_size=p.rural_cluster_pop_min,
        connectivity=p.rural_cluster_connectivity, out=scratch, wrap=wrap,
    )  # fmt: skip
    _assign(level2, 13, scratch)
    _assign(level2, 12, flags=flags, bit=LOW)
    _assign(level2, 11)
    return level2


def final_codes(
    flags: np.ndarray,
    nodata: np.ndarray | None,
    level2: np.ndarray | None,
) -> np.ndarray:
    """Level-1 codes of a block (from the flags after :func:`classify_flags`), and
    the block of ``level2`` made final in place (water, no data).

    Cells without population data become water (level 2) or stay classified
    as rural/no data as :func:`fua.degurba.classify.classify_grid` documents: level 1 is
    0 where there is no data unless the cell is water.
    """
    level1 = np.ones(flags.shape, np.uint8)
    level1[(flags & CLUSTER) != 0] = 2
    level1[(flags & CENTRE) != 0] = 3
    water = (flags & WATER) != 0
    if nodata is not None:
        level1[nodata & ~water] = 0
    if level2 is not None:
        level2[(level2 == 11) & water] = 10
        if nodata is not None:
            level2[nodata & (level2 != 10)] = 0
    return level1
