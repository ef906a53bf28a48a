"""FUAs over time: compare the Degree of Urbanisation (and FUAs) of several epochs.

:func:`compare_epochs` takes one :class:`~fua.DegurbaResult` (or
:class:`~fua.FuaResult`) per epoch, all on the same grid, and reports
between consecutive epochs

* which urban centres (and FUAs) appeared, disappeared, merged, split,
  grew or shrank, with their population and area before and after: objects
  of two epochs are matched when they share at least one cell, and every
  group of objects linked by shared cells is one row;
* a change map: per cell, the level-1 class before and after, coded
  ``10 * before + after`` (1 rural, 2 urban cluster, 3 urban centre; 0 no
  data in either epoch), e.g. 13 = rural became urban centre.

:meth:`EpochComparison.write` writes a styled GeoPackage, one styled
GeoTIFF per pair of epochs and a JSON sidecar.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from scipy.cluster.hierarchy import DisjointSet

from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.io import safe_directory, write_raster, write_sidecar
from connectivity.notebook import summary_html
from fua.degurba.classify import DegurbaResult, urban_centres
from fua.fuas.result import FuaResult
from fua.outputs.styles import ClassStyle, write_qml, write_styled_layers

__all__ = ["TRANSITIONS", "EpochComparison", "compare_epochs", "match_objects", "transition_grid"]

log = logging.getLogger(__name__)

_L1 = {1: "rural", 2: "urban cluster", 3: "urban centre"}
_COLOURS = {
    11: (235, 235, 225, 255), 12: (253, 174, 97, 255), 13: (215, 25, 28, 255),
    21: (171, 217, 233, 255), 22: (190, 190, 180, 255), 23: (165, 0, 38, 255),
    31: (44, 123, 182, 255), 32: (116, 173, 209, 255), 33: (110, 110, 100, 255),
}  # fmt: skip
#: The legend of the change map: code ``10 * before + after`` of the level-1 classes.
TRANSITIONS = tuple(
    ClassStyle(10 * a + b, _COLOURS[10 * a + b], f"{_L1[a]} → {_L1[b]}" if a != b else _L1[a])
    for a in (1, 2, 3)
    for b in (1, 2, 3)
)

EpochResult = DegurbaResult | FuaResult

_OBJECT_COLUMNS = [
    "change", "ids_before", "ids_after", "n_before", "n_after", "pop_before", "pop_after",
    "pop_change", "area_km2_before", "area_km2_after", "area_change_km2",
]  # fmt: skip


@dataclass(frozen=True, eq=False)
class EpochComparison:
    """What changed between consecutive epochs (:func:`compare_epochs`).

    Attributes
    ----------
    epochs : tuple of int
        The epochs, ascending.
    centres : dict of (int, int) to geopandas.GeoDataFrame
        Per pair of consecutive epochs, one row per group of urban centres
        linked by shared cells: ``change`` (appeared, disappeared, grew,
        shrank, same extent, merged, split, merged and split),
        ``ids_before``/``ids_after`` (``uc_id`` of each epoch, comma-separated),
        ``n_before``/``n_after``, ``pop_before``/``pop_after``/``pop_change``
        (people in those centres in each epoch), ``area_km2_before``/
        ``area_km2_after``/``area_change_km2``; the geometry is the later
        extent (the earlier one for centres that disappeared).
    fuas : dict of (int, int) to geopandas.GeoDataFrame
        The same for FUAs (``fua_id``, ``pop_total``, ``area_km2`` of
        :class:`~fua.FuaResult`); empty unless FuaResults were compared.
    change : dict of (int, int) to numpy.ndarray
        The change map of each pair (uint8 codes of :data:`TRANSITIONS`, 0 = no data).
    transform : affine.Affine
    crs : pyproj.CRS
        The grid shared by every epoch.
    population : dict of int to float
        People on the grid in each epoch.
    """

    epochs: tuple[int, ...]
    centres: dict[tuple[int, int], gpd.GeoDataFrame]
    change: dict[tuple[int, int], np.ndarray]
    transform: Affine
    crs: Any
    population: dict[int, float]
    fuas: dict[tuple[int, int], gpd.GeoDataFrame] = field(default_factory=dict)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """The pairs of consecutive epochs."""
        return list(itertools.pairwise(self.epochs))

    def summary(self) -> pd.DataFrame:
        """Count of each kind of change per pair of epochs (rows) for centres and FUAs."""
        rows = []
        for kind, tables in (("urban centres", self.centres), ("FUAs", self.fuas)):
            for (a, b), t in tables.items():
                counts = t["change"].value_counts().to_dict()
                rows.append({"objects": kind, "before": a, "after": b, **counts})
        return pd.DataFrame(rows).fillna(0)

    def _repr_html_(self) -> str:
        rows: list[tuple[str, Any]] = [("epochs", ", ".join(map(str, self.epochs)))]
        for (a, b), t in self.centres.items():
            counts = t["change"].value_counts()
            text = ", ".join(f"{n} {k}" for k, n in counts.items()) or "none"
            rows.append((f"urban centres {a}→{b}", text))
        for (a, b), t in self.fuas.items():
            counts = t["change"].value_counts()
            rows.append((f"FUAs {a}→{b}", ", ".join(f"{n} {k}" for k, n in counts.items())))
        rows += [(f"people {e}", p) for e, p in self.population.items()]
        return summary_html("EpochComparison", rows)

    def write(
        self,
        out_dir: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        inputs: Mapping[str, str | os.PathLike[str]] | None = None,
    ) -> dict[str, Path]:
        """Write ``epochs.gpkg``, ``change_<a>_<b>.tif`` (+ ``.qml``) and ``epochs.json``.

        Parameters
        ----------
        out_dir : path-like
            Output folder (created if missing).
        overwrite : bool
            Replace existing outputs (all are checked before anything is written).
        inputs : dict, optional
            Input files to checksum in the sidecar (e.g. the population rasters).

        Returns
        -------
        dict of str to pathlib.Path
            ``vectors`` (layers ``centres_<a>_<b>`` and ``fuas_<a>_<b>``; empty
            tables are left out), ``change_<a>_<b>`` and ``change_<a>_<b>_style``
            per pair, and ``sidecar``.
        """
        t0 = time.time()
        layers = {f"centres_{a}_{b}": t for (a, b), t in self.centres.items() if len(t)}
        layers.update({f"fuas_{a}_{b}": t for (a, b), t in self.fuas.items() if len(t)})
        names = {"vectors": "epochs.gpkg"} if layers else {}
        for a, b in self.pairs:
            names[f"change_{a}_{b}"] = f"change_{a}_{b}.tif"
            names[f"change_{a}_{b}_style"] = f"change_{a}_{b}.qml"
        names["sidecar"] = "epochs.json"
        root = Path(out_dir)
        with safe_directory(root, list(names.values()), overwrite=overwrite) as st:
            if layers:
                write_styled_layers(st / names["vectors"], layers, crs=self.crs)
            for a, b in self.pairs:
                self._write_change(st / names[f"change_{a}_{b}"], a, b)
                write_qml(st / names[f"change_{a}_{b}_style"], TRANSITIONS)
            produced = sorted(p for p in st.iterdir() if p.name != names["sidecar"])
            write_sidecar(
                st / names["sidecar"],
                params={"epochs": list(self.epochs), "matching": "shared cells"},
                inputs=inputs or {},
                outputs=produced,
                started_at=t0,
                extra={
                    "population": {str(e): p for e, p in self.population.items()},
                    "changes": self.summary().to_dict(orient="records"),
                    "change_map_codes": {str(s.code): s.label for s in TRANSITIONS},
                },
            )
        log.info("wrote the comparison of epochs %s to %s", self.epochs, root)
        return {key: root / name for key, name in names.items()}

    def _write_change(self, path: Path, a: int, b: int) -> None:
        write_raster(
            path,
            self.change[(a, b)],
            transform=self.transform,
            crs=self.crs,
            nodata=0,
            colormap={s.code: s.colour for s in TRANSITIONS},
            category_names={s.code: s.label for s in TRANSITIONS},
            description=f"degurba_level1_{a}_to_{b}",
            tags={"legend": "10 * level-1 class before + class after", "epochs": f"{a} {b}"},
            resampling="nearest",
        )


def compare_epochs(results: Mapping[int, EpochResult]) -> EpochComparison:
    """Compare the urban centres (and FUAs) of several epochs on one grid.

    Parameters
    ----------
    results : mapping of int to DegurbaResult or FuaResult
        One result per epoch (e.g. ``{1990: fua.classify_grid(grid_1990),
        2020: fua.classify_grid(grid_2020)}``), at least two. With
        FuaResults (all of them) the FUAs are compared too.

    Returns
    -------
    EpochComparison

    Raises
    ------
    ParameterError
        Fewer than two epochs, or DegurbaResults mixed with FuaResults.
    DataError, CRSError
        The grids differ in shape, transform or CRS: reproject them onto one
        grid first (e.g. ``fua.read_population(path, target_crs=...)`` of
        GHS-POP epochs, which share the GHSL lattice).
    """
    if not isinstance(results, Mapping) or len(results) < 2:
        msg = "compare_epochs needs a mapping {epoch: result} with at least two epochs"
        raise ParameterError(msg)
    epochs = tuple(sorted(int(e) for e in results))
    if len(set(epochs)) != len(results):
        msg = f"epochs must be distinct integers, got {list(results)}"
        raise ParameterError(msg)
    by_epoch = {int(e): r for e, r in results.items()}
    is_fua = [isinstance(by_epoch[e], FuaResult) for e in epochs]
    if any(is_fua) and not all(is_fua):
        msg = "give DegurbaResults for every epoch or FuaResults for every epoch, not a mix"
        raise ParameterError(msg)
    deg = {e: _degurba(by_epoch[e], e) for e in epochs}
    _check_same_grid(deg, epochs)
    grid = deg[epochs[0]].grid
    frames = {e: urban_centres(deg[e]) for e in epochs}
    centres, change, fuas = {}, {}, {}
    for a, b in itertools.pairwise(epochs):
        centres[(a, b)] = match_objects(
            deg[a].centre_labels, deg[b].centre_labels, frames[a], frames[b], id_col="uc_id"
        )
        change[(a, b)] = transition_grid(deg[a].level1, deg[b].level1)
        if all(is_fua):
            ra, rb = by_epoch[a], by_epoch[b]
            assert isinstance(ra, FuaResult) and isinstance(rb, FuaResult)
            fa, fb = _fua_frame(ra), _fua_frame(rb)
            fuas[(a, b)] = match_objects(_fua_cells(ra), _fua_cells(rb), fa, fb, id_col="fua_id")
    population = {e: float(deg[e].grid.pop.sum(dtype="float64")) for e in epochs}
    return EpochComparison(epochs, centres, change, grid.transform, grid.crs, population, fuas=fuas)


def _degurba(result: EpochResult, epoch: int) -> DegurbaResult:
    if isinstance(result, FuaResult):
        return result.degurba
    if isinstance(result, DegurbaResult):
        return result
    msg = f"epoch {epoch}: expected a DegurbaResult or FuaResult, got {type(result).__name__}"
    raise ParameterError(msg)


def _check_same_grid(deg: Mapping[int, DegurbaResult], epochs: tuple[int, ...]) -> None:
    """DataError/CRSError unless every epoch's grid has the first one's shape, transform and CRS."""
    first = deg[epochs[0]].grid
    for e in epochs[1:]:
        g = deg[e].grid
        if g.shape != first.shape or not g.transform.almost_equals(first.transform, 1e-6):
            msg = (
                f"the grids of epochs {epochs[0]} and {e} differ ({first.shape} cells at "
                f"{tuple(first.transform)[:6]} vs {g.shape} at {tuple(g.transform)[:6]}): "
                "cells are compared one to one, so put every epoch on the same grid first"
            )
            raise DataError(msg)
        if not _same_crs(first.crs, g.crs):
            msg = (
                f"the grids of epochs {epochs[0]} and {e} are in different CRSs "
                f"({first.crs} vs {g.crs}): reproject them onto one grid first"
            )
            raise CRSError(msg)


def _same_crs(a: Any, b: Any) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(a) == CRS.from_user_input(b))


def transition_grid(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The change map: ``10 * before + after`` of two level-1 class grids (0 where either is no data).

    Parameters
    ----------
    before, after : numpy.ndarray
        Level-1 classes (3 urban centre, 2 urban cluster, 1 rural, 0 no data), same shape.

    Returns
    -------
    numpy.ndarray
        uint8 codes of :data:`TRANSITIONS`.
    """
    a = np.asarray(before, dtype=np.uint8)
    b = np.asarray(after, dtype=np.uint8)
    if a.shape != b.shape:
        msg = f"class grids of shapes {a.shape} and {b.shape}: they must be the same grid"
        raise DataError(msg)
    if max(int(a.max(initial=0)), int(b.max(initial=0))) > 3:
        msg = "transition_grid takes level-1 classes (0-3), not level-2 codes: use result.level1"
        raise DataError(msg)
    return np.where((a > 0) & (b > 0), 10 * a + b, 0).astype(np.uint8)


def match_objects(
    before: np.ndarray,
    after: np.ndarray,
    frame_before: pd.DataFrame,
    frame_after: pd.DataFrame,
    *,
    id_col: str,
) -> gpd.GeoDataFrame:
    """One row per group of objects of two epochs linked by shared cells (see :class:`EpochComparison`).

    Parameters
    ----------
    before, after : numpy.ndarray
        Label grids (object id per cell, 0 = none) of the two epochs.
    frame_before, frame_after : geopandas.GeoDataFrame
        One row per object: ``id_col``, ``pop`` (or ``pop_total``), ``area_km2``, geometry.
    id_col : str
        The id column matching the label values.
    """
    both = (before > 0) & (after > 0)
    links = np.unique(np.stack([before[both], after[both]]), axis=1)
    ids_a = [int(i) for i in frame_before[id_col]]
    ids_b = [int(i) for i in frame_after[id_col]]
    sets = DisjointSet([("a", i) for i in ids_a] + [("b", j) for j in ids_b])
    for i, j in links.T:
        sets.merge(("a", int(i)), ("b", int(j)))
    fa, fb = frame_before.set_index(id_col), frame_after.set_index(id_col)
    pop_a, pop_b = _pop_column(fa), _pop_column(fb)
    rows, geoms = [], []
    for group in sets.subsets():
        a = sorted(i for side, i in group if side == "a")
        b = sorted(j for side, j in group if side == "b")
        area_a = float(fa.loc[a, "area_km2"].sum())
        area_b = float(fb.loc[b, "area_km2"].sum())
        p_a, p_b = float(fa.loc[a, pop_a].sum()), float(fb.loc[b, pop_b].sum())
        rows.append([
            _kind(len(a), len(b), area_a, area_b), ",".join(map(str, a)), ",".join(map(str, b)),
            len(a), len(b), p_a, p_b, p_b - p_a, area_a, area_b, area_b - area_a,
        ])  # fmt: skip
        geoms.append((fb.loc[b] if b else fa.loc[a]).geometry.union_all())
    crs = frame_after.crs if len(frame_after) else frame_before.crs
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=_OBJECT_COLUMNS), geometry=geoms or None, crs=crs
    )
    if out.empty:
        return gpd.GeoDataFrame(
            columns=[*_OBJECT_COLUMNS, "geometry"], geometry="geometry", crs=crs
        )
    order = out["ids_before"].str.split(",").str[0].replace("", np.nan).astype(float)
    out = out.assign(_a=order.fillna(np.inf), _b=out["ids_after"].str.split(",").str[0])
    return out.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"]).reset_index(drop=True)


def _kind(n_a: int, n_b: int, area_a: float, area_b: float) -> str:
    """The change of a group of ``n_a`` earlier and ``n_b`` later objects."""
    if n_a == 0:
        return "appeared"
    if n_b == 0:
        return "disappeared"
    if n_a > 1:
        return "merged" if n_b == 1 else "merged and split"
    if n_b > 1:
        return "split"
    if np.isclose(area_a, area_b):
        return "same extent"
    return "grew" if area_b > area_a else "shrank"


def _pop_column(frame: pd.DataFrame) -> str:
    return "pop_total" if "pop_total" in frame.columns else "pop"


def _fua_frame(result: FuaResult) -> gpd.GeoDataFrame:
    """The FUAs of ``result`` with ``fua_id``, ``pop_total``, ``area_km2`` and geometry."""
    from fua._validate import check_columns

    check_columns(result.fua, ("fua_id", "pop_total", "area_km2"), "FuaResult.fua")
    return result.fua


def _fua_cells(result: FuaResult) -> np.ndarray:
    """FUA id per grid cell: the proxy's ``fua_labels``, else the FUA polygons by cell centre."""
    if result.fua_labels is not None:
        return np.asarray(result.fua_labels)
    grid = result.degurba.grid
    if result.fua.empty:
        return np.zeros(grid.shape, dtype=np.int32)
    from rasterio.features import rasterize

    fua = result.fua.to_crs(grid.crs)
    shapes = zip(fua.geometry, fua["fua_id"].astype(int), strict=True)
    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=0, dtype="int32")
