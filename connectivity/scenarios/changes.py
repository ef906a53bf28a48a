"""The changes a :class:`~connectivity.scenarios.Scenario` makes: frozen, checked dataclasses.

* :class:`AddLink` - a new road along a line, joined to the network at its ends;
* :class:`Upgrade` - a new speed and/or class on selected edges;
* :class:`Close` - selected edges removed;
* :class:`BorderCrossing` - a border crossing opened or closed;
* :class:`OffroadSpeed` - another off-network speed inside an area.

Edges are selected (:class:`Upgrade`, :class:`Close`) by exactly one of
``ref`` (a road ref such as ``"KAZ06"``; needs the network's edge refs),
``ids`` (``net.edge_source_ids``: OSM way ids, or line-layer rows for
:meth:`~connectivity.RoadNetwork.from_lines`), ``bbox`` or ``polygon``
(edges meeting the area). Geometries and boxes are in the network CRS unless
the scenario says otherwise (``Scenario(crs=...)``).

Every speed must lie in ``0 < speed_kmh <= 150`` (:data:`MAX_SPEED_KMH`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, TypeAlias

import shapely
from shapely.geometry.base import BaseGeometry

from connectivity.errors import DataError, ParameterError

__all__ = [
    "MAX_SPEED_KMH",
    "AddLink",
    "BorderCrossing",
    "Change",
    "Close",
    "OffroadSpeed",
    "Upgrade",
    "check_speed",
]

#: Highest speed a change may set (km/h): a motorway; beyond it is a typo (m/s, mph...).
MAX_SPEED_KMH = 150.0
#: Default distance within which the end of an added link joins the network (metres).
DEFAULT_MAX_JOIN_M = 500.0

Join = Literal["nodes", "snap"]


def check_speed(speed_kmh: float, what: str) -> float:
    """``speed_kmh`` as a float if ``0 < speed_kmh <= 150``, else :class:`ParameterError`."""
    try:
        value = float(speed_kmh)
    except (TypeError, ValueError):
        value = math.nan
    if not (0.0 < value <= MAX_SPEED_KMH):
        msg = (
            f"{what}: speed_kmh={speed_kmh!r} is out of range; give a speed in km/h with "
            f"0 < speed_kmh <= {MAX_SPEED_KMH:g}"
        )
        raise ParameterError(msg)
    return value


def _check_geometry(geom: object, kinds: tuple[str, ...], what: str) -> BaseGeometry:
    if not isinstance(geom, BaseGeometry) or geom.is_empty or geom.geom_type not in kinds:
        got = geom.geom_type if isinstance(geom, BaseGeometry) else type(geom).__name__
        msg = f"{what} needs a non-empty {' or '.join(kinds)} geometry, got {got}"
        raise DataError(msg)
    if not shapely.get_coordinates(geom).size or not all(
        math.isfinite(c) for c in shapely.get_coordinates(geom).ravel()
    ):
        msg = f"{what}: the geometry has NaN or infinite coordinates"
        raise DataError(msg)
    return geom


@dataclass(frozen=True, kw_only=True)
class Selection:
    """Which edges a change applies to: exactly one of ``ref``, ``ids``, ``bbox``, ``polygon``."""

    ref: str | None = None
    ids: tuple[int, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: BaseGeometry | None = None

    def _check_selection(self, what: str) -> None:
        given = [k for k in ("ref", "ids", "bbox", "polygon") if getattr(self, k) is not None]
        if len(given) != 1:
            msg = (
                f"{what} selects edges by exactly one of ref=, ids=, bbox= or polygon=; "
                f"got {given or 'none'}"
            )
            raise ParameterError(msg)
        if self.ids is not None:
            object.__setattr__(self, "ids", tuple(int(i) for i in self.ids))
            if not self.ids:
                msg = f"{what}: ids= is empty"
                raise ParameterError(msg)
        if self.bbox is not None:
            box = tuple(float(v) for v in self.bbox)
            if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
                msg = (
                    f"{what}: bbox must be (xmin, ymin, xmax, ymax) with min < max, got {self.bbox}"
                )
                raise ParameterError(msg)
            object.__setattr__(self, "bbox", box)
        if self.polygon is not None:
            _check_geometry(self.polygon, ("Polygon", "MultiPolygon"), what)
        if self.ref is not None and not str(self.ref).strip():
            msg = f"{what}: ref= is empty"
            raise ParameterError(msg)

    def area(self) -> BaseGeometry | None:
        """The selection area (``polygon``, or ``bbox`` as a box), None for ``ref``/``ids``."""
        if self.bbox is not None:
            return shapely.box(*self.bbox)
        return self.polygon


@dataclass(frozen=True)
class AddLink:
    """A new road along ``geometry``, joined to the network at its ends.

    Parameters
    ----------
    geometry : shapely LineString
        The road, from one end to the other. Its vertices become nodes and
        each piece between two vertices an edge of length the straight
        distance, at ``speed_kmh``.
    speed_kmh : float
        Speed on the link (0 < speed <= 150).
    road_class : str
        Class of the new edges (added to ``net.class_names`` if new).
    oneway : bool
        Only from the first vertex to the last.
    join : {"nodes", "snap"}
        How an end joins the network: ``"nodes"``, at the nearest existing
        node within ``max_join_m`` (the end moves onto that node); ``"snap"``,
        at the foot of the perpendicular on the nearest edge within
        ``max_join_m``, which is split there (a new node; the two pieces keep
        the edge's class, speed and source id).
    max_join_m : float
        How far an end may be from the network to join it.

    Notes
    -----
    An end with nothing within ``max_join_m`` stays a dead end (logged):
    a last-mile link from a zone off the network is joined at its road end
    only, and places near it snap to it. A link neither of whose ends
    joins is refused ("link touches no road").
    """

    geometry: BaseGeometry
    speed_kmh: float
    road_class: str = "link"
    oneway: bool = False
    join: Join = "nodes"
    max_join_m: float = DEFAULT_MAX_JOIN_M

    def __post_init__(self) -> None:
        _check_geometry(self.geometry, ("LineString",), "AddLink")
        object.__setattr__(self, "speed_kmh", check_speed(self.speed_kmh, "AddLink"))
        if self.join not in ("nodes", "snap"):
            msg = f"AddLink: join={self.join!r}; use 'nodes' or 'snap'"
            raise ParameterError(msg)
        if not (math.isfinite(self.max_join_m) and self.max_join_m >= 0):
            msg = f"AddLink: max_join_m must be a distance >= 0 in metres, got {self.max_join_m!r}"
            raise ParameterError(msg)
        if not str(self.road_class).strip():
            msg = "AddLink: road_class is empty"
            raise ParameterError(msg)


@dataclass(frozen=True, kw_only=True)
class Upgrade(Selection):
    """A new speed and/or road class on the selected edges (a downgrade is allowed too).

    The new travel time of an edge is its length at ``speed_kmh``; with
    ``road_class`` alone, times stay as they are.
    """

    speed_kmh: float | None = None
    road_class: str | None = None

    def __post_init__(self) -> None:
        self._check_selection("Upgrade")
        if self.speed_kmh is None and self.road_class is None:
            msg = "Upgrade changes nothing: give speed_kmh= and/or road_class="
            raise ParameterError(msg)
        if self.speed_kmh is not None:
            object.__setattr__(self, "speed_kmh", check_speed(self.speed_kmh, "Upgrade"))


@dataclass(frozen=True, kw_only=True)
class Close(Selection):
    """The selected edges are removed (both directions of a two-way road when both are selected).

    Nodes stay (numbered as before), so node ids given to measures keep their meaning.
    """

    def __post_init__(self) -> None:
        self._check_selection("Close")


@dataclass(frozen=True)
class BorderCrossing:
    """A border crossing opened (a new destination of border measures) or closed.

    Parameters
    ----------
    name_or_point : str or shapely Point
        The crossing's name (matched against the ids of the crossings layer
        given to :func:`connectivity.border_access`: ``crossing_id_col`` or
        the index) or its location (network CRS unless the scenario says
        otherwise).
    open : bool
        True opens it: a point not in the layer is added as a crossing
        (labelled ``name`` or ``"crossing_<x>_<y>"``); a name must be in the
        layer already (it stays). False closes it: the named crossing, or the
        nearest one within ``match_m`` of the point, is dropped.
    name : str, optional
        Label of a crossing opened at a point.
    match_m : float
        How far a point may be from the crossing it closes (crossing posts
        are often approximate; default 25 km).

    Notes
    -----
    A crossing is a destination of :func:`connectivity.border_access` (and
    of :func:`connectivity.compare` with that measure); closing one does not
    close the road through it (add a :class:`Close` for that).
    """

    name_or_point: str | BaseGeometry
    open: bool = True
    name: str | None = None
    match_m: float = 25_000.0

    def __post_init__(self) -> None:
        if not isinstance(self.name_or_point, str):
            _check_geometry(self.name_or_point, ("Point",), "BorderCrossing")
        elif not self.name_or_point.strip():
            msg = "BorderCrossing: the name is empty"
            raise ParameterError(msg)
        if not (math.isfinite(self.match_m) and self.match_m > 0):
            msg = f"BorderCrossing: match_m must be a positive distance, got {self.match_m!r}"
            raise ParameterError(msg)


@dataclass(frozen=True)
class OffroadSpeed:
    """Another off-network speed inside ``polygon`` (e.g. a new local track network).

    Places inside the polygon reach their road at ``speed_kmh`` instead of
    the measure's ``offroad_speed_kmh`` (the snapping of every measure run
    on the scenario network honours it; the last area listed wins where
    areas overlap). Which road a place joins does not change.
    """

    polygon: BaseGeometry
    speed_kmh: float

    def __post_init__(self) -> None:
        _check_geometry(self.polygon, ("Polygon", "MultiPolygon"), "OffroadSpeed")
        object.__setattr__(self, "speed_kmh", check_speed(self.speed_kmh, "OffroadSpeed"))


#: One change of a scenario.
Change: TypeAlias = AddLink | Upgrade | Close | BorderCrossing | OffroadSpeed
