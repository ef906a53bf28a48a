"""Snap once, measure many: :class:`OriginSet`, places snapped to a road network.

Snapping is the costly step of an accessibility run on a population grid
(millions of cell centres, each joined to its nearest road segment). An
:class:`OriginSet` does it once and carries everything a measure needs
afterwards: the :class:`~connectivity.Snapped` legs with their reasons, the
labels of the results, a weight per place (population, jobs) and, for raster
cells, their row and column to write results back onto the grid. Every
measure of :mod:`connectivity.measures` takes an OriginSet wherever it takes
origins (and wherever it takes destinations or opportunities); raw layers and
rasters still work, they are turned into an OriginSet on the way in.

Also here: the rules shared by the measures for turning their inputs into
snapped sets (:class:`PlaceOptions`, :func:`origin_set`, :func:`place_sets`),
refusing places none of which joins the network (:func:`check_usable`, but
see :func:`origins_in_chunks`) and repeated destination ids
(:func:`check_unique_ids`), and for the counts and reasons on their results
(:func:`result_attrs`, :func:`unreachable_reasons`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from numpy.typing import ArrayLike, DTypeLike
from pyproj import CRS, Transformer

from connectivity.errors import CRSError, DataError, InputFileError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.parts import DIFFERENT_PART
from connectivity.snapping import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_OFFROAD_SPEED_KMH,
    PolygonPoint,
    Snapped,
    points_to_network_crs,
    snap_xy,
    some_labels,
)
from connectivity.weights import NanWeights, checked_weights

__all__ = [
    "Cells",
    "GridLike",
    "OriginSet",
    "Origins",
    "PlaceOptions",
    "Places",
    "RasterLike",
    "SnapOptions",
    "check_unique_ids",
    "check_usable",
    "origin_set",
    "origins_in_chunks",
    "place_sets",
    "result_attrs",
    "unreachable_reasons",
]

log = logging.getLogger(__name__)


class GridLike(Protocol):
    """A population grid: ``pop`` (2-D people per cell), ``transform`` and ``crs``.

    :class:`fua.PopulationGrid` is one; an optional boolean ``valid``
    attribute marks the cells with data.
    """

    @property
    def pop(self) -> np.ndarray: ...

    @property
    def transform(self) -> Affine: ...

    @property
    def crs(self) -> Any: ...


#: A raster input: a path, ``(array, transform, crs)`` or a population grid.
RasterLike: TypeAlias = str | os.PathLike[str] | tuple[ArrayLike, Affine, Any] | GridLike


@dataclass(frozen=True, eq=False)
class Cells:
    """Where the places of a raster :class:`OriginSet` sit on their grid.

    Attributes
    ----------
    rows, cols : numpy.ndarray
        Row and column of each cell.
    x, y : numpy.ndarray
        Cell centres in the raster's CRS.
    pop_grid : numpy.ndarray
        The whole population grid as read (float64, NaN = nodata).
    transform : affine.Affine
    crs : pyproj.CRS
    """

    rows: np.ndarray
    cols: np.ndarray
    x: np.ndarray
    y: np.ndarray
    pop_grid: np.ndarray
    transform: Affine
    crs: CRS

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the grid."""
        return (int(self.pop_grid.shape[0]), int(self.pop_grid.shape[1]))

    def take(self, idx: np.ndarray) -> Cells:
        """The cells at positions ``idx``."""
        return dataclasses.replace(
            self, rows=self.rows[idx], cols=self.cols[idx], x=self.x[idx], y=self.y[idx]
        )


@dataclass(frozen=True, eq=False)
class OriginSet:
    """Points, polygons or raster cells snapped once to a road network.

    Build one with :meth:`from_points`, :meth:`from_raster` or
    :meth:`from_any` and pass it to any measure in place of raw origins (or
    destinations, or opportunities): the snapping is not repeated.

    Attributes
    ----------
    snapped : Snapped
        The off-network legs, with ``snapped.reason()`` for unusable places.
    ids : pandas.Index
        Labels of the places in results (the layer's index or ``id_col``;
        the flat cell number ``row * ncols + col`` for raster cells).
    weights : numpy.ndarray
        One weight per place: the ``weights`` given, the cell population for
        raster cells, else 1.
    geometry : geopandas.GeoSeries or None
        The input geometry of a point/polygon layer (its own CRS); None for
        raster cells (see :meth:`frame`).
    cells : Cells or None
        Rows, columns and grid of raster cells; None for a layer.
    network_size : tuple of int
        ``(n_nodes, n_edges)`` of the network snapped to, checked by every
        measure so a set is never used on another network.

    Examples
    --------
    >>> cells = OriginSet.from_raster(net, grid, max_snap_m=10_000, offroad_speed_kmh=15)  # doctest: +SKIP
    >>> to_sez = raster_time_to_nearest(net, cells, sez)  # doctest: +SKIP
    >>> to_border = raster_time_to_nearest(net, cells, borders)  # doctest: +SKIP
    >>> people = cumulative_opportunities(net, sez, cells, thresholds_min=(60,))  # doctest: +SKIP
    """

    snapped: Snapped
    ids: pd.Index
    weights: np.ndarray
    geometry: gpd.GeoSeries | None
    cells: Cells | None
    network_size: tuple[int, int]

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_points(
        cls,
        net: RoadNetwork,
        layer: gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        id_col: str | None = None,
        weights: str | ArrayLike | None = None,
        polygon_point: PolygonPoint = "centroid",
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
        name: str = "origins",
        nan_weights: NanWeights = "raise",
    ) -> OriginSet:
        """Snap a point or polygon layer (any CRS) to ``net``.

        Parameters
        ----------
        net : RoadNetwork
        layer : GeoDataFrame or GeoSeries
            Points, or polygons (their centroid, or with
            ``polygon_point="representative"`` a point inside them). Lines
            and NaN or infinite coordinates are refused; an empty geometry
            is an unusable place (NaN in results, with a reason).
        id_col : str, optional
            Column with unique ids labelling the results (default: the index).
        weights : str or array_like, optional
            A column of ``layer`` or one value per feature (default 1);
            numbers (see :func:`checked_weights`).
        polygon_point : {"centroid", "representative"}
        max_snap_m, offroad_speed_kmh : float
            As in :func:`connectivity.snap_points`.
        name : str
            Used in messages ("origins", "destinations").
        nan_weights : {"raise", "zero"}
            NaN weights are refused, naming how many and a few ids; ``"zero"``
            counts them as 0 (logged).
        """
        if len(layer) == 0:
            msg = f"the {name} layer is empty (no features); check the file and its layer"
            raise DataError(msg)
        index, x, y = points_to_network_crs(layer, net.crs, polygon_point=polygon_point, name=name)
        ids = _layer_ids(layer, id_col, name)
        w = None if weights is None else _layer_weights(layer, weights, ids, name, nan_weights)
        snapped = snap_xy(
            net, x, y, index=index, max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh
        )
        geom = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
        return cls(
            snapped=snapped,
            ids=ids,
            weights=np.ones(len(snapped)) if w is None else w,
            geometry=geom,
            cells=None,
            network_size=(net.n_nodes, net.n_edges),
        )

    @classmethod
    def from_raster(
        cls,
        net: RoadNetwork,
        raster: RasterLike,
        *,
        min_pop: float = 0.0,
        all_cells: bool = False,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
    ) -> OriginSet:
        """Snap the centres of the populated cells of a raster to ``net``.

        Parameters
        ----------
        net : RoadNetwork
        raster : path, (array, transform, crs) or population grid
            A GeoTIFF path, an array with its affine transform and CRS, or an
            object with ``.pop``, ``.transform`` and ``.crs`` such as
            :class:`fua.PopulationGrid` (its ``valid`` mask is honoured).
        min_pop : float
            Cells with population > ``min_pop`` become places.
        all_cells : bool
            Take every cell with data instead (a continuous map).
        max_snap_m, offroad_speed_kmh : float
            As in :func:`connectivity.snap_points`.

        Notes
        -----
        Cell centres are computed from the transform and reprojected to the
        network CRS in bulk; no shapely object is made (see :meth:`frame`).
        The weights are the cell populations (0 for NaN).
        """
        arr, transform, crs = _read_raster(raster)
        finite = np.isfinite(arr)
        if (arr[finite] < 0).any():
            msg = "the population raster has negative values; set them to nodata first"
            raise DataError(msg)
        mask = finite if all_cells else finite & (arr > min_pop)
        rows, cols = np.nonzero(mask)
        if rows.size == 0:
            which = "with data" if all_cells else f"with population > {min_pop}"
            msg = f"the population raster has no cells {which}; check its nodata value and extent"
            raise DataError(msg)
        index = pd.Index(rows.astype("int64") * arr.shape[1] + cols, name="cell")
        snapped, (cx, cy) = _snap_cell_centres(
            net, rows, cols, transform, crs, index=index,
            max_snap_m=max_snap_m, offroad_speed_kmh=offroad_speed_kmh,
        )  # fmt: skip
        return cls(
            snapped=snapped,
            ids=index,
            weights=np.nan_to_num(arr[rows, cols]),
            geometry=None,
            cells=Cells(rows, cols, cx, cy, arr, transform, crs),
            network_size=(net.n_nodes, net.n_edges),
        )

    @classmethod
    def from_any(
        cls,
        net: RoadNetwork,
        obj: Origins,
        *,
        name: str = "origins",
        id_col: str | None = None,
        weights: str | ArrayLike | None = None,
        polygon_point: PolygonPoint = "centroid",
        min_pop: float = 0.0,
        all_cells: bool = False,
        allow_raster: bool = True,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        offroad_speed_kmh: float = DEFAULT_OFFROAD_SPEED_KMH,
        nan_weights: NanWeights = "raise",
    ) -> OriginSet:
        """An OriginSet from a layer (:meth:`from_points`) or a raster (:meth:`from_raster`).

        An OriginSet is returned as it is, not snapped again, after checking
        it belongs to ``net`` (``weights``, one value per place, replace its
        own; its ids cannot change: ``id_col`` is refused).
        """
        snap = {"max_snap_m": max_snap_m, "offroad_speed_kmh": offroad_speed_kmh}
        if isinstance(obj, OriginSet):
            if id_col is not None:
                msg = f"{name}: an OriginSet carries its ids; build it with id_col={id_col!r}"
                raise ParameterError(msg)
            obj.check_network(net, name)
            return obj if weights is None else obj.with_weights(weights, name, nan_weights)
        if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
            return cls.from_points(
                net, obj, id_col=id_col, weights=weights, polygon_point=polygon_point,
                name=name, nan_weights=nan_weights, **snap,
            )  # fmt: skip
        if allow_raster and _is_raster(obj):
            oset = cls.from_raster(net, obj, min_pop=min_pop, all_cells=all_cells, **snap)
            return oset if weights is None else oset.with_weights(weights, name, nan_weights)
        kinds = "a GeoDataFrame/GeoSeries" + (
            ", a raster path or (array, transform, crs)" if allow_raster else ""
        )
        msg = f"{name} must be {kinds} or an OriginSet; got {type(obj).__name__}"
        raise DataError(msg)

    # ------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.snapped)

    def __repr__(self) -> str:
        kind = "raster cells" if self.cells is not None else "places"
        return (
            f"OriginSet({len(self):,} {kind}, {self.snapped.n_beyond:,} beyond "
            f"max_snap_m={self.snapped.max_snap_m:g}, offroad {self.snapped.offroad_speed_kmh:g} km/h)"
        )

    @property
    def ok(self) -> np.ndarray:
        """True where a place joins the network (within ``max_snap_m``)."""
        return self.snapped.ok

    def check_network(self, net: RoadNetwork, name: str = "origins") -> None:
        """Raise :class:`~connectivity.ParameterError` unless this set was snapped to ``net``."""
        if self.network_size != (net.n_nodes, net.n_edges):
            n, m = self.network_size
            msg = (
                f"the {name} OriginSet was snapped to another network ({n:,} nodes, {m:,} edges; "
                f"this one has {net.n_nodes:,} and {net.n_edges:,}); build it with this network"
            )
            raise ParameterError(msg)

    def subset(self, positions: ArrayLike) -> OriginSet:
        """The places at ``positions`` (integer positions or a boolean mask), not re-snapped."""
        idx = np.asarray(positions)
        if idx.dtype != bool:
            idx = idx.astype("int64")
        return dataclasses.replace(
            self,
            snapped=self.snapped.take(idx),
            ids=self.ids[idx],
            weights=self.weights[idx],
            geometry=None if self.geometry is None else self.geometry.iloc[idx],
            cells=None if self.cells is None else self.cells.take(idx),
        )

    def with_weights(
        self, weights: str | ArrayLike, name: str = "origins", nan_weights: NanWeights = "raise"
    ) -> OriginSet:
        """The same places with other weights (one number each; see :func:`checked_weights`)."""
        if isinstance(weights, str):
            msg = (
                f"weights={weights!r} names a column, but the {name} are an OriginSet: "
                "give the column when building it (OriginSet.from_points(..., weights=...)) "
                "or pass one value per place"
            )
            raise ParameterError(msg)
        w = checked_weights(weights, self.ids, name, nan_weights=nan_weights)
        return dataclasses.replace(self, weights=w)

    @property
    def crs(self) -> CRS | None:
        """The CRS of the places as given (the layer's or the raster's)."""
        if self.cells is not None:
            return self.cells.crs
        crs = None if self.geometry is None else self.geometry.crs
        return None if crs is None else CRS.from_user_input(crs)

    def frame(self) -> gpd.GeoDataFrame:
        """The places as a GeoDataFrame indexed like the results of the measures.

        A layer keeps its own geometry and CRS; raster cells get their centre
        points (raster CRS) and the columns ``row``, ``col`` and ``pop``.
        """
        if self.cells is not None:
            c = self.cells
            cols = {"row": c.rows, "col": c.cols, "pop": self.weights}
            geom = gpd.GeoSeries(gpd.points_from_xy(c.x, c.y), index=self.snapped.index, crs=c.crs)
            return gpd.GeoDataFrame(cols, geometry=geom, index=self.snapped.index)
        assert self.geometry is not None  # a layer always carries its geometry
        return gpd.GeoDataFrame(geometry=self.geometry.copy(), index=self.snapped.index)

    def to_grid(
        self, values: ArrayLike, *, fill: Any = np.nan, dtype: DTypeLike = "float32"
    ) -> np.ndarray:
        """Scatter one value per cell back onto the raster grid (``fill`` elsewhere)."""
        if self.cells is None:
            msg = "to_grid needs an OriginSet of raster cells (OriginSet.from_raster)"
            raise ParameterError(msg)
        out = np.full(self.cells.shape, fill, dtype=dtype)
        out[self.cells.rows, self.cells.cols] = values
        return out


#: Origins: a snapped :class:`OriginSet`, a point/polygon layer or a raster.
Origins: TypeAlias = OriginSet | gpd.GeoDataFrame | gpd.GeoSeries | RasterLike
#: Destinations or opportunities: a snapped :class:`OriginSet` or a point/polygon layer.
Places: TypeAlias = OriginSet | gpd.GeoDataFrame | gpd.GeoSeries


# ---------------------------------------------------------------- building blocks
def _is_raster(obj: object) -> bool:
    if isinstance(obj, (str, os.PathLike)):
        return True
    if isinstance(obj, tuple) and len(obj) == 3 and np.ndim(obj[0]) == 2:
        return True
    return all(hasattr(obj, a) for a in ("pop", "transform", "crs"))


def _read_raster(obj: RasterLike) -> tuple[np.ndarray, Affine, CRS]:
    """The population array (float64, NaN = nodata), its transform and CRS."""
    if isinstance(obj, (str, os.PathLike)):
        import rasterio

        try:
            with rasterio.open(obj) as src:
                band = src.read(1, masked=True)
                arr = np.ma.filled(band.astype("float64"), np.nan)
                transform, crs = src.transform, src.crs
        except rasterio.errors.RasterioIOError as exc:
            msg = f"cannot read the population raster {os.fspath(obj)!r}: {exc}"
            raise InputFileError(msg) from exc
    elif isinstance(obj, tuple):
        values, transform, crs = obj
        arr = np.asarray(values, dtype="float64")
    else:  # a population grid
        arr = np.asarray(obj.pop, dtype="float64")
        valid = getattr(obj, "valid", None)
        if valid is not None:
            arr = np.where(np.asarray(valid, bool), arr, np.nan)
        transform, crs = obj.transform, obj.crs
    if crs is None:
        where = f" {os.fspath(obj)!r}" if isinstance(obj, (str, os.PathLike)) else ""
        msg = (
            f"the population raster{where} has no CRS; assign the one it was made in "
            "(e.g. gdal_edit.py -a_srs EPSG:4326 FILE), or pass (array, transform, crs)"
        )
        raise CRSError(msg)
    return arr, transform, CRS.from_user_input(crs)


def _snap_cell_centres(
    net: RoadNetwork,
    rows: np.ndarray,
    cols: np.ndarray,
    transform: Affine,
    crs: CRS,
    *,
    max_snap_m: float,
    offroad_speed_kmh: float,
    index: pd.Index,
) -> tuple[Snapped, tuple[np.ndarray, np.ndarray]]:
    """Snap the centres of cells (``rows``, ``cols``); also return the centres in ``crs``."""
    t = transform
    cx = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
    cy = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
    x, y = cx, cy
    if not crs.equals(net.crs):
        log.info("reprojecting raster cell centres from %s to %s", crs.to_string(), net.crs)
        x, y = Transformer.from_crs(crs, net.crs, always_xy=True).transform(cx, cy)
    snapped = snap_xy(
        net,
        np.asarray(x),
        np.asarray(y),
        index=index,
        max_snap_m=max_snap_m,
        offroad_speed_kmh=offroad_speed_kmh,
    )
    return snapped, (cx, cy)


def _layer_ids(layer: gpd.GeoDataFrame | gpd.GeoSeries, id_col: str | None, name: str) -> pd.Index:
    if id_col is None:
        return pd.Index(layer.index)
    if not isinstance(layer, gpd.GeoDataFrame) or id_col not in layer.columns:
        cols = list(layer.columns) if isinstance(layer, gpd.GeoDataFrame) else []
        msg = f"{name} have no column {id_col!r}; columns are {cols}"
        raise DataError(msg)
    ids = pd.Index(layer[id_col])
    if ids.has_duplicates:
        dup = ids.duplicated(keep=False)
        msg = (
            f"{name} column {id_col!r} has duplicate values ({some_labels(ids, dup)}); "
            "ids must be unique"
        )
        raise DataError(msg)
    return ids


def _layer_weights(
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    weights: str | ArrayLike,
    ids: pd.Index,
    name: str,
    nan_weights: NanWeights,
) -> np.ndarray:
    if not isinstance(weights, str):
        return checked_weights(weights, ids, name, nan_weights=nan_weights)
    if not isinstance(layer, gpd.GeoDataFrame) or weights not in layer.columns:
        cols = list(layer.columns) if isinstance(layer, gpd.GeoDataFrame) else []
        msg = f"{name} have no weight column {weights!r}; columns are {cols}"
        raise DataError(msg)
    return checked_weights(layer[weights], ids, name, column=weights, nan_weights=nan_weights)


# ---------------------------------------------------------------- used by the measures
class SnapOptions(TypedDict):
    """How places join the network (keywords of :meth:`OriginSet.from_points` / ``from_raster``)."""

    max_snap_m: float
    offroad_speed_kmh: float


class PlaceOptions(TypedDict, total=False):
    """The keywords every measure takes for the raw origins and destinations it snaps.

    Keys
    ----
    max_snap_m : float
        Places farther than this from every road are unusable (origins get
        NaN and a ``reason``). Default 2000 m, or the value an
        :class:`OriginSet` passed in was snapped with.
    offroad_speed_kmh : float
        Speed of the straight leg between a place and its road. Default 5
        km/h (walking), or the value of an OriginSet passed in.
    polygon_point : {"centroid", "representative"}
        The point used for polygons.
    min_pop : float
        Raster origins: cells with population > ``min_pop`` are origins.
    nan_weights : {"raise", "zero"}
        NaN weights of destinations or opportunities are refused (default),
        or counted as 0 with ``"zero"`` (see :func:`checked_weights`).
    """

    max_snap_m: float | None
    offroad_speed_kmh: float | None
    polygon_point: PolygonPoint
    min_pop: float
    nan_weights: NanWeights


def _snap_options(options: PlaceOptions, *inputs: object) -> SnapOptions:
    """The snapping of one measure call.

    A value given is used, else that of the first :class:`OriginSet` among
    ``inputs``, else the default. A value given must match every OriginSet
    among ``inputs`` (they are not snapped again).
    """
    unknown = sorted(set(options) - set(PlaceOptions.__annotations__))
    if unknown:
        msg = f"unexpected keyword argument(s) {', '.join(unknown)}"
        raise TypeError(msg)
    sets = [s for s in inputs if isinstance(s, OriginSet)]
    out: dict[str, float] = {}
    for key, given, default in (
        ("max_snap_m", options.get("max_snap_m"), DEFAULT_MAX_SNAP_M),
        ("offroad_speed_kmh", options.get("offroad_speed_kmh"), DEFAULT_OFFROAD_SPEED_KMH),
    ):
        used = [float(getattr(s.snapped, key)) for s in sets]
        if given is None:
            out[key] = used[0] if used else default
            continue
        other = [u for u in used if u != float(given)]
        if other:
            msg = (
                f"{key}={given:g} but an OriginSet passed in was snapped with {key}={other[0]:g}; "
                f"leave {key} out or build the OriginSet with the same value"
            )
            raise ParameterError(msg)
        out[key] = float(given)
    return SnapOptions(max_snap_m=out["max_snap_m"], offroad_speed_kmh=out["offroad_speed_kmh"])


#: True while a measure runs on one chunk of a larger set of origins (:func:`origins_in_chunks`).
_IN_CHUNKS: ContextVar[bool] = ContextVar("connectivity_origins_in_chunks", default=False)


@contextmanager
def origins_in_chunks() -> Iterator[None]:
    """Inside, origins none of which joins the network give no-time results, not an error.

    For one chunk of a larger set of origins whose other chunks may join
    (:func:`connectivity.measures.batch.batch_origins`, which checks the
    whole set itself). Outside, :func:`origin_set` refuses such origins.
    """
    token = _IN_CHUNKS.set(True)
    try:
        yield
    finally:
        _IN_CHUNKS.reset(token)


def origin_set(
    net: RoadNetwork,
    origins: Origins,
    options: PlaceOptions,
    *,
    name: str = "origins",
    id_col: str | None = None,
    all_cells: bool = False,
    others: tuple[object, ...] = (),
) -> OriginSet:
    """The origins of a measure call as an :class:`OriginSet` (snapped now unless they are one).

    ``options`` are the call's :class:`PlaceOptions`; ``others`` the call's
    other inputs, whose OriginSets lend their snapping to raw origins. When
    none of the origins joins the network, :class:`~connectivity.DataError`
    (:func:`check_usable`), except inside :func:`origins_in_chunks`.
    """
    oset = OriginSet.from_any(
        net, origins, name=name, id_col=id_col, polygon_point=options.get("polygon_point", "centroid"),
        min_pop=options.get("min_pop", 0.0), all_cells=all_cells,
        **_snap_options(options, origins, *others),
    )  # fmt: skip
    if not _IN_CHUNKS.get():
        check_usable(oset, net, name, warn=False)
    return oset


def place_sets(
    net: RoadNetwork,
    origins: Origins,
    destinations: Places,
    options: PlaceOptions,
    *,
    origin_id_col: str | None = None,
    dest_id_col: str | None = None,
    weights: str | ArrayLike | None = None,
    dest_name: str = "destinations",
    all_cells: bool = False,
) -> tuple[OriginSet, OriginSet]:
    """Origins and destinations (or opportunities) of a measure call as OriginSets.

    Both are snapped alike (see :class:`PlaceOptions`). Destinations must be
    a layer or an OriginSet. At least one origin and one destination must
    join the network (else :class:`~connectivity.DataError`, see
    :func:`check_usable`); a warning counts the unusable places of a raw
    destination layer.
    """
    orig = origin_set(
        net, origins, options, id_col=origin_id_col, all_cells=all_cells, others=(destinations,)
    )
    dest = OriginSet.from_any(
        net, destinations, name=dest_name, id_col=dest_id_col, weights=weights,
        polygon_point=options.get("polygon_point", "centroid"), allow_raster=False,
        nan_weights=options.get("nan_weights", "raise"),
        **_snap_options(options, origins, destinations),
    )  # fmt: skip
    check_usable(dest, net, dest_name, warn=not isinstance(destinations, OriginSet))
    return orig, dest


def check_usable(oset: OriginSet, net: RoadNetwork, name: str, *, warn: bool) -> None:
    """Refuse places none of which joins the network; with ``warn``, log how many do not.

    The error names the closest place's distance to a road and both CRSs,
    the usual cause being places in another CRS than they say (or another
    country).
    """
    snapped = oset.snapped
    n_bad = int((~snapped.ok).sum())
    if n_bad == len(snapped):
        far = snapped.dist_m[np.isfinite(snapped.dist_m)]
        nearest_m = f"; the closest is {far.min():,.0f} m from a road" if far.size else ""
        own = "unknown CRS" if oset.crs is None else oset.crs.to_string()
        msg = (
            f"none of the {n_bad:,} {name} is within max_snap_m={snapped.max_snap_m:g} m of the "
            f"network{nearest_m}; check the CRS ({name} in {own}, network in "
            f"{net.crs.to_string()}) and that both cover the same area, or raise max_snap_m"
        )
        raise DataError(msg)
    if n_bad and warn:
        log.warning(
            "%d of %d %s are unusable (beyond max_snap_m or without geometry)",
            n_bad,
            len(snapped),
            name,
        )


def check_unique_ids(oset: OriginSet, name: str) -> None:
    """Refuse repeated ids of places whose ids label the results (columns, ``nearest_id``)."""
    dup = oset.ids.duplicated(keep=False)
    if dup.any():
        msg = (
            f"the {name} ids repeat ({some_labels(oset.ids, dup)}), so results could not say "
            f"which one is meant; give a column of unique ids (dest_id_col=, --dest-id) or "
            f"reset the index"
        )
        raise DataError(msg)


def unreachable_reasons(
    snapped: Snapped,
    time_min: np.ndarray,
    max_time_min: float | None,
    apart: np.ndarray,
) -> np.ndarray:
    """Why each origin has no time ("" where it has one), as an object array.

    ``apart`` marks the origins with no destination on their part of the
    network (:attr:`connectivity.parts.Parts.apart`): their reason is
    :data:`~connectivity.parts.DIFFERENT_PART`. Others on the network without
    a time found none within ``max_time_min``, or none along the one-way
    roads leaving their place.
    """
    reason = snapped.reason()
    lost = snapped.ok & ~np.isfinite(time_min)
    reason[lost] = (
        f"no destination within max_time_min={max_time_min:g}"
        if max_time_min is not None
        else "no destination reachable along one-way roads (a one-way dead end or trap)"
    )
    reason[lost & apart] = DIFFERENT_PART
    return reason


def result_attrs(
    snapped: Snapped, time_min: np.ndarray, *, presnapped: bool = False, **extra: Any
) -> dict[str, Any]:
    """The counts and parameters stored in a result's ``.attrs``; origins without a time are logged.

    With ``presnapped`` (the caller passed an :class:`OriginSet`, snapped
    before and reused) the origins beyond ``max_snap_m`` are known already:
    only those snapped yet unreachable are logged, so a set used by several
    measures does not repeat the same warning.
    """
    n_unreach = int((~np.isfinite(time_min)).sum())
    n_logged = n_unreach - snapped.n_beyond if presnapped else n_unreach
    if n_logged:
        log.warning(
            "%d of %d origins have no travel time (%d beyond max_snap_m)",
            n_unreach,
            len(snapped),
            snapped.n_beyond,
        )
    return {
        "n_origins": len(snapped),
        "n_on_network": int(snapped.ok.sum()),
        "n_unreachable": n_unreach,
        "n_beyond_snap": snapped.n_beyond,
        "max_snap_m": snapped.max_snap_m,
        "offroad_speed_kmh": snapped.offroad_speed_kmh,
        **extra,
    }
