"""The thresholds of the EU-OECD functional urban areas: :class:`FuaParams`.

Defaults are those of Dijkstra, Poelman & Veneri (2019), "The EU-OECD
definition of a functional urban area" (OECD Regional Development Working
Papers 2019/11); the rules they feed are in :mod:`fua.fuas.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
        population is flagged (the manual's "greater city" check, 75 %).
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
        for name in (
            "city_share",
            "commuting_threshold",
            "polycentric_threshold",
            "greater_city_share",
        ):
            v = getattr(self, name)
            if not 0.0 < float(v) <= 1.0:
                msg = f"FuaParams.{name}={v} must be a share in (0, 1]"
                raise ParameterError(msg)
        if self.min_centre_pop < 0:
            msg = f"FuaParams.min_centre_pop={self.min_centre_pop} must be ≥ 0"
            raise ParameterError(msg)
        if self.orphan_centres not in ("largest_unit", "flag"):
            msg = (
                f"FuaParams.orphan_centres={self.orphan_centres!r} must be 'largest_unit' or 'flag'"
            )
            raise ParameterError(msg)
        if self.unit_pop_method not in ("area", "centroid"):
            msg = f"FuaParams.unit_pop_method={self.unit_pop_method!r} must be 'area' or 'centroid'"
            raise ParameterError(msg)
        if self.adjacency_tolerance_m < 0 or not 0 <= self.enclave_max_open_share < 1:
            msg = "FuaParams.adjacency_tolerance_m must be ≥ 0 and enclave_max_open_share in [0, 1)"
            raise ParameterError(msg)
        if self.max_iterations < 1:
            msg = f"FuaParams.max_iterations={self.max_iterations} must be ≥ 1"
            raise ParameterError(msg)
