"""Free-flow speed tables by road class, with OSM ``maxspeed`` parsing.

A :class:`SpeedTable` turns a road class (an OSM ``highway`` value such as
``"primary"``) and an optional ``maxspeed`` tag into a speed in km/h.
:data:`KAZAKHSTAN_SPEEDS` holds documented defaults for cars in Kazakhstan;
:data:`WALK_SPEEDS` and :data:`BIKE_SPEEDS` those for walking and cycling.
:func:`network_speeds` picks the default table of an osmnx ``network_type``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from connectivity.errors import ParameterError

__all__ = [
    "BIKE_SPEEDS",
    "KAZAKHSTAN_SPEEDS",
    "WALK_SPEEDS",
    "SpeedTable",
    "as_speed_table",
    "network_speeds",
]

_MPH = 1.609344
_KNOT = 1.852
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_ZONE_NUMBER = re.compile(r"^[A-Za-z]{2}:zone:?(\d+)$", re.IGNORECASE)
# plausible range for a posted car speed limit; anything outside is a tagging error
_MIN_KMH, _MAX_KMH = 2.0, 200.0


def _default_classes() -> dict[str, float]:
    return dict(_KZ_CLASS_KMH)


@dataclass(frozen=True)
class SpeedTable:
    """Speeds (km/h) by road class, plus the rules to read OSM ``maxspeed``.

    Parameters
    ----------
    class_kmh : mapping of str to float
        Free-flow speed per road class (OSM ``highway`` value). A ``*_link``
        class missing from the table gets ``link_factor`` times its parent's speed.
    default_kmh : float
        Speed of a class that is neither in the table nor a link of one.
    urban_kmh, rural_kmh, motorway_kmh : float
        Speeds for the implicit ``maxspeed`` zone values ``"XX:urban"``,
        ``"XX:rural"`` and ``"XX:motorway"`` (any two-letter country code).
    walk_kmh : float
        Speed for ``maxspeed=walk`` (walking pace).
    link_factor : float
        Share of the parent class speed used for ``*_link`` classes absent from
        ``class_kmh`` (0 < f <= 1).
    use_maxspeed : bool
        Use valid ``maxspeed`` tags (True) or only the class table (False).
    maxspeed_multi : {"min", "mean"}
        How a list ``"60;80"`` (lanes or directions with different limits) is
        reduced: ``"min"`` (default, the limit that binds somewhere) or ``"mean"``.
    urban_factor : float
        Multiplier (0 < f <= 1) applied to classes in ``urban_classes`` and to
        ``XX:urban`` zone speeds, a crude allowance for congestion and junction
        delay in towns. 1.0 (default) leaves free-flow speeds unchanged.
    urban_classes : tuple of str
        Classes that are (almost) always inside settlements.
    name : str
        Label stored in provenance metadata.

    Notes
    -----
    Every value is a free-flow cap for a passenger car, not an observed speed:
    effective speeds in cities are lower (signals, congestion), which
    ``urban_factor`` can approximate. ``maxspeed`` parsing follows the OSM wiki
    (Key:maxspeed): plain numbers are km/h; ``"mph"`` and ``"knots"`` units are
    converted; ``"XX:urban"``/``"XX:rural"``/``"XX:motorway"``/
    ``"XX:living_street"`` use the zone speeds of this table; ``"XX:zone30"`` is
    30; ``"walk"`` is ``walk_kmh``; ``"none"`` (no legal limit), ``"signals"``,
    ``"variable"`` and malformed or implausible values (outside 2–200 km/h) fall
    back to the class speed.
    """

    class_kmh: Mapping[str, float] = field(default_factory=_default_classes)
    default_kmh: float = 50.0
    urban_kmh: float = 60.0
    rural_kmh: float = 90.0
    motorway_kmh: float = 110.0
    walk_kmh: float = 5.0
    link_factor: float = 0.6
    use_maxspeed: bool = True
    maxspeed_multi: str = "min"
    urban_factor: float = 1.0
    urban_classes: tuple[str, ...] = ("residential", "living_street", "service")
    name: str = "custom"

    def __post_init__(self) -> None:
        classes = {str(k): float(v) for k, v in dict(self.class_kmh).items()}
        object.__setattr__(self, "class_kmh", MappingProxyType(classes))
        object.__setattr__(self, "urban_classes", tuple(self.urban_classes))
        for key, val in [
            *classes.items(),
            ("default_kmh", self.default_kmh),
            ("urban_kmh", self.urban_kmh),
            ("rural_kmh", self.rural_kmh),
            ("motorway_kmh", self.motorway_kmh),
            ("walk_kmh", self.walk_kmh),
        ]:
            if not (math.isfinite(val) and val > 0):
                msg = f"speed for {key!r} is {val!r}; every speed must be a positive number of km/h"
                raise ParameterError(msg)
        if not 0 < self.link_factor <= 1:
            msg = f"link_factor={self.link_factor!r}; give a share in (0, 1], e.g. 0.6"
            raise ParameterError(msg)
        if not 0 < self.urban_factor <= 1:
            msg = f"urban_factor={self.urban_factor!r}; give a multiplier in (0, 1], e.g. 0.7"
            raise ParameterError(msg)
        if self.maxspeed_multi not in ("min", "mean"):
            msg = f"maxspeed_multi={self.maxspeed_multi!r}; use 'min' or 'mean'"
            raise ParameterError(msg)

    def __hash__(self) -> int:
        rest = tuple(getattr(self, f.name) for f in dataclasses.fields(self)[1:])
        return hash((tuple(sorted(self.class_kmh.items())), *rest))

    # -- changing ----------------------------------------------------------------
    def replace(self, **changes: Any) -> SpeedTable:
        """A copy with fields replaced (``class_kmh`` replaced as a whole)."""
        return dataclasses.replace(self, **changes)

    def with_class_speeds(
        self, speeds: Mapping[str, float] | None = None, **kw: float
    ) -> SpeedTable:
        """A copy with some class speeds changed (merged into ``class_kmh``)."""
        merged = dict(self.class_kmh)
        merged.update(dict(speeds or {}))
        merged.update(kw)
        return dataclasses.replace(self, class_kmh=merged)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["class_kmh"] = dict(self.class_kmh)
        out["urban_classes"] = list(self.urban_classes)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeedTable:
        """Inverse of :meth:`to_dict`; unknown keys raise :class:`ParameterError`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            msg = f"unknown SpeedTable fields {sorted(unknown)}; allowed: {sorted(names)}"
            raise ParameterError(msg)
        kw = dict(data)
        if "urban_classes" in kw:
            kw["urban_classes"] = tuple(kw["urban_classes"])
        return cls(**kw)

    # -- lookups -----------------------------------------------------------------
    def class_speed_kmh(self, road_class: str) -> float:
        """Table speed of a road class (before ``urban_factor``)."""
        road_class = str(road_class)
        if road_class in self.class_kmh:
            return self.class_kmh[road_class]
        if road_class.endswith("_link"):
            parent = road_class[: -len("_link")]
            if parent in self.class_kmh:
                return self.class_kmh[parent] * self.link_factor
        return self.default_kmh

    def parse_maxspeed(self, value: Any) -> float:
        """Speed in km/h of an OSM ``maxspeed`` value, or NaN when not usable."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return math.nan
        if isinstance(value, (list, tuple)):
            parts = [self.parse_maxspeed(v) for v in value]
        else:
            text = str(value).strip()
            if ";" in text or "|" in text:
                parts = [self._parse_one(p) for p in re.split(r"[;|]", text)]
            else:
                return self._parse_one(text)
        good = [p for p in parts if not math.isnan(p)]
        if not good:
            return math.nan
        return min(good) if self.maxspeed_multi == "min" else float(np.mean(good))

    def _parse_one(self, text: str) -> float:
        text = text.strip()
        low = text.lower()
        if not low:
            return math.nan
        if low == "walk":
            return self.walk_kmh
        m = _NUMBER.match(low)
        if m:
            val = float(m.group(1).replace(",", "."))
            unit = (m.group(2) or "").lower()
            val *= _MPH if unit == "mph" else _KNOT if unit == "knots" else 1.0
            return val if _MIN_KMH <= val <= _MAX_KMH else math.nan
        m = _ZONE_NUMBER.match(low)
        if m:
            return float(m.group(1))
        if len(low) > 3 and low[2] == ":" and low[:2].isalpha():
            zone = low[3:]
            zones = {
                "urban": self.urban_kmh * self.urban_factor,
                "rural": self.rural_kmh,
                "motorway": self.motorway_kmh,
                "trunk": self.rural_kmh,
                "living_street": self.class_speed_kmh("living_street"),
            }
            return zones.get(zone, math.nan)
        return math.nan  # "none", "signals", "variable", typos

    def speed_kmh(self, road_class: str, maxspeed: Any = None) -> float:
        """Speed of one edge: a valid ``maxspeed`` if used, else the class speed."""
        if self.use_maxspeed:
            val = self.parse_maxspeed(maxspeed)
            if not math.isnan(val):
                return val
        speed = self.class_speed_kmh(road_class)
        if road_class in self.urban_classes:
            speed *= self.urban_factor
        return speed

    def edge_speeds(
        self, road_class: Iterable[Any], maxspeed: Iterable[Any] | None = None
    ) -> np.ndarray:
        """Vectorised :meth:`speed_kmh` over arrays of classes and ``maxspeed`` values.

        Each distinct (class, maxspeed) pair is parsed once, so a country
        network with millions of edges costs a few thousand parses.
        """
        cls_arr = pd.Series(list(road_class), dtype="object").astype(str)
        if maxspeed is None:
            ms_arr = pd.Series([""] * len(cls_arr), dtype="object")
        else:
            ms_arr = pd.Series(list(maxspeed), dtype="object")
            ms_arr = ms_arr.map(
                lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v
            )
            ms_arr = ms_arr.where(ms_arr.notna(), "").astype(str)
        if len(ms_arr) != len(cls_arr):
            msg = "road_class and maxspeed must have the same length"
            raise ParameterError(msg)
        pairs = pd.MultiIndex.from_arrays([cls_arr.to_numpy(), ms_arr.to_numpy()])
        codes, uniques = pd.factorize(pairs)
        vals = np.array([self.speed_kmh(c, m or None) for c, m in uniques], dtype="float64")
        return vals[codes] if len(codes) else np.zeros(0)


# Class speeds (km/h) for Kazakhstan, free-flow caps for a passenger car.
#   motorway 110: Rules of the Road item 10 (motorways, category I-b); 140 is
#                 allowed only on marked category I-a sections, so not a default.
#   trunk 90:     roads of republican significance are mostly two-lane roads
#                 outside settlements (general limit 90); posted 100/110 sections
#                 come through maxspeed tags.
#   primary 90:   general limit outside settlements.
#   secondary 80, tertiary 70: lower design standard (regional/district roads,
#                 narrower, often poor surface), below the legal 90.
#   unclassified 60: settlement limit; often in villages or gravel.
#   residential 40: effective urban speed below the 60 settlement limit.
#   living_street 20, service 20: residential and courtyard zones (20 km/h).
#   road 50: OSM "highway=road" (unknown type); also default_kmh for any other class.
#   *_link: link_factor (0.6) of the parent (motorway_link 66, trunk_link 54, ...).
_KZ_CLASS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "trunk": 90.0,
    "primary": 90.0,
    "secondary": 80.0,
    "tertiary": 70.0,
    "unclassified": 60.0,
    "residential": 40.0,
    "living_street": 20.0,
    "service": 20.0,
    "road": 50.0,
}

KAZAKHSTAN_SPEEDS = SpeedTable(
    class_kmh=_KZ_CLASS_KMH,
    default_kmh=50.0,
    urban_kmh=60.0,
    rural_kmh=90.0,
    motorway_kmh=110.0,
    name="kazakhstan-2014-rules",
)
"""Default speed table for Kazakhstan (passenger cars, free-flow caps).

Notes
-----
Legal limits used (Rules of the Road of the Republic of Kazakhstan approved by
Government Decree No. 1196 of 13 November 2014, section 10 "Speed of movement";
replaced by Decree No. 758 of 1 September 2023 with the same car limits):
60 km/h in settlements (``urban_kmh``), 20 km/h in residential and courtyard
zones, 90 km/h outside settlements (``rural_kmh``), 110 km/h on motorways
(``motorway_kmh``; up to 140 km/h on marked category I-a sections, not used as
a default). Sources read: adilet.zan.kz/eng/docs/P1400001196 (official
unofficial translation) and summaries of section 10 (24pdd.kz "How fast can I
drive"; the November 2025 amendment keeps 60 km/h for cars in settlements and
sets 50 km/h for trucks and buses). Class values are in ``_KZ_CLASS_KMH``.
"""


#: Walking speed (km/h): 1.33 m/s.
_WALK_KMH = 4.8

WALK_SPEEDS = SpeedTable(
    class_kmh={},
    default_kmh=_WALK_KMH,
    walk_kmh=_WALK_KMH,
    link_factor=1.0,
    use_maxspeed=False,
    urban_classes=(),
    name="walk-4.8kmh",
)
"""Walking: 4.8 km/h (1.33 m/s) on every way of the ``"walk"`` network.

Notes
-----
4.8 km/h (3 mph, 1.33 m/s) is the customary average walking speed in
accessibility work: OpenTripPlanner's default ``walkSpeed`` is 1.33 m/s
("avg. human walk speed"), and field studies of pedestrians measured mean
free walking speeds of about 1.25-1.5 m/s (Knoblauch, Pietrucha & Nitzburg
1996, Transportation Research Record 1538). Posted ``maxspeed`` limits are
for vehicles and are ignored (``use_maxspeed=False``); slopes, steps and
crossings are not modelled.
"""

#: Cycling: default speed (km/h) and the slower classes of OSRM's bicycle profile.
_BIKE_KMH = 15.0
_BIKE_CLASS_KMH: dict[str, float] = {
    "track": 12.0,  # unpaved farm and forest tracks
    "path": 13.0,  # multi-use paths
    "pedestrian": 4.0,  # pedestrian zones: the bicycle is pushed
    "steps": 2.0,  # carried (the "bike" filter normally drops steps)
}

BIKE_SPEEDS = SpeedTable(
    class_kmh=_BIKE_CLASS_KMH,
    default_kmh=_BIKE_KMH,
    walk_kmh=4.0,
    link_factor=1.0,
    use_maxspeed=False,
    urban_classes=(),
    name="bike-15kmh",
)
"""Cycling: 15 km/h on roads and cycleways, slower on tracks, paths and pedestrian zones.

Notes
-----
Values of the bicycle profile of OSRM (``profiles/bicycle.lua``:
``default_speed = 15`` km/h for every road class and cycleways, ``track``
12, ``path`` 13, pushing the bicycle at ``walking_speed = 4`` km/h on
pedestrian ways, ``steps`` 2). 15 km/h is a moderate urban cycling speed
(OpenTripPlanner's default ``bikeSpeed`` of 5 m/s = 18 km/h is for
fitter riders). Car ``maxspeed`` tags are ignored (``use_maxspeed=False``);
surface and slope are not modelled.
"""

#: Default speed table of each osmnx ``network_type`` (cars for the rest).
_NETWORK_SPEEDS = {"walk": WALK_SPEEDS, "bike": BIKE_SPEEDS}


def network_speeds(network_type: str) -> SpeedTable:
    """The default speed table of an osmnx ``network_type``.

    ``"walk"`` gives :data:`WALK_SPEEDS`, ``"bike"`` :data:`BIKE_SPEEDS`; the
    car network types (``"drive"``, ``"drive_service"``) and ``"all"`` /
    ``"all_public"`` give :data:`KAZAKHSTAN_SPEEDS`.
    """
    return _NETWORK_SPEEDS.get(network_type, KAZAKHSTAN_SPEEDS)


def as_speed_table(
    speeds: SpeedTable | Mapping[str, float] | None, default: SpeedTable | None = None
) -> SpeedTable:
    """Normalise a ``speeds=`` argument.

    ``None`` gives ``default`` (:data:`KAZAKHSTAN_SPEEDS` unless given, e.g.
    ``network_speeds("walk")``); a :class:`SpeedTable` is returned as is; a
    mapping of class to km/h is merged into ``default``.
    """
    base = KAZAKHSTAN_SPEEDS if default is None else default
    if speeds is None:
        return base
    if isinstance(speeds, SpeedTable):
        return speeds
    if isinstance(speeds, Mapping):
        return base.with_class_speeds(speeds)
    msg = f"speeds must be a SpeedTable, a dict of class -> km/h, or None; got {type(speeds).__name__}"
    raise ParameterError(msg)
