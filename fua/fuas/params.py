"""The thresholds of the EU-OECD functional urban areas: :class:`FuaParams`.

Defaults are those of Dijkstra, Poelman & Veneri (2019), "The EU-OECD
definition of a functional urban area" (OECD Regional Development Working
Papers 2019/11); the rules they feed are in :mod:`fua.fuas.rules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np

from connectivity.errors import ParameterError
from fua._params import ParamsMixin

__all__ = ["FuaParams"]


@dataclass(frozen=True)
class FuaParams(ParamsMixin):
    """Thresholds of the EU-OECD FUA definition (defaults of Dijkstra et al. 2019).

    Parameters
    ----------
    min_centre_pop : float
        Smallest urban centre (people) that gives a FUA: 50 000 in the
        EU-OECD definition; Kazakhstan's national practice uses 100 000.
    city_share : float
        A unit is part of the city of an urban centre when at least this
        share of its population lives in that one centre.
    commuting_threshold : float
        Share of a unit's employed residents working in a city that puts
        the unit in the city's commuting zone.
    polycentric_threshold : float
        Share of a city's employed residents working in another city that
        merges the two into one polycentric FUA.
    greater_city_share : float
        An urban centre whose cities hold less than this share of its
        population is flagged (the manual's "greater city" check, 75 %;
        0 flags none).
    orphan_centres : {"largest_unit", "flag"}
        An urban centre large enough for a FUA but with no unit reaching
        ``city_share``: ``"largest_unit"`` makes the unit holding most of
        the centre's population its city (Eurostat's territorial typologies
        manual, city step 1); ``"flag"`` gives it no city and no FUA.
    add_enclaves, drop_exclaves : bool
        Apply the enclave and exclave rules.
    adjacency_tolerance_m : float
        Polygons closer than this (metres) are neighbours.
    enclave_max_open_share : float
        An enclave's boundary may be uncovered by its FUA over at most this
        share of its length (slivers); a unit on the coast or the national
        border is therefore not an enclave.
    unit_pop_method : {"area", "centroid"}
        How grid population is split among units (:func:`fua.unit_population`).
    max_iterations : int
        Bound on the polycentric merging loop.

    Raises
    ------
    ParameterError
        On construction (and :meth:`replace`, :meth:`from_dict`), naming
        every field outside its range: populations are finite numbers > 0,
        shares lie between 0 and 1, choices are one of those listed above.
    """

    min_centre_pop: float = 50_000
    city_share: float = 0.5
    commuting_threshold: float = 0.15
    polycentric_threshold: float = 0.15
    greater_city_share: float = 0.75
    orphan_centres: Literal["largest_unit", "flag"] = "largest_unit"
    add_enclaves: bool = True
    drop_exclaves: bool = True
    adjacency_tolerance_m: float = 1.0
    enclave_max_open_share: float = 0.01
    unit_pop_method: Literal["area", "centroid"] = "area"
    max_iterations: int = 100

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}, got {getattr(self, name)!r}"
            for name, (ok, rule) in _RULES.items()
            if not ok(getattr(self, name))
        ]
        if problems:
            msg = "invalid FuaParams: " + "; ".join(problems)
            raise ParameterError(msg)
        for name in _RULES:  # numpy numbers as plain Python ones: to_json() must work
            v = getattr(self, name)
            if isinstance(v, np.generic):
                object.__setattr__(self, name, v.item())


def _number(v: object) -> bool:
    """A real, finite number (not a bool, not text)."""
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v))


#: The allowed values of every field: field -> (test, the rule in words).
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "min_centre_pop": (lambda v: _number(v) and v > 0, "a number of people > 0"),
    **{
        name: ((lambda v: _number(v) and 0 < v <= 1), "a share in (0, 1]")
        for name in ("city_share", "commuting_threshold", "polycentric_threshold")
    },
    "greater_city_share": (lambda v: _number(v) and 0 <= v <= 1, "a share in [0, 1]"),
    "orphan_centres": (lambda v: v in ("largest_unit", "flag"), "'largest_unit' or 'flag'"),
    "add_enclaves": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "drop_exclaves": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "adjacency_tolerance_m": (lambda v: _number(v) and v >= 0, "a distance in metres >= 0"),
    "enclave_max_open_share": (lambda v: _number(v) and 0 <= v < 1, "a share in [0, 1)"),
    "unit_pop_method": (lambda v: v in ("area", "centroid"), "'area' or 'centroid'"),
    "max_iterations": (
        lambda v: isinstance(v, Integral) and not isinstance(v, bool) and int(v) >= 1,
        "a whole number >= 1",
    ),
}
