"""Cities and commuting zones from commuting flows: :func:`commuting_zones` (EU-OECD).

A functional urban area (FUA) is a city plus its commuting zone (Dijkstra,
Poelman & Veneri 2019, "The EU-OECD definition of a functional urban area",
OECD Regional Development Working Papers 2019/11; METHOD.md §4):

1. a **city** is the set of local units with at least 50 % of their
   population in *one* urban centre of at least 50 000 people;
2. cities sending at least 15 % of their employed residents to another city
   are merged into one **polycentric** FUA (repeated to a fixed point);
3. the **commuting zone** is the set of units sending at least 15 % of their
   employed residents to the city (all its units together), a unit above the
   threshold for several cities going to the largest share;
4. **enclaves** (units wholly surrounded by one FUA) join it and
   **exclaves** (units not contiguous with their FUA) are dropped.

Each rule is one function of :mod:`fua.fuas.rules`. :class:`FuaParams`
(:mod:`fua.fuas.params`) and the commuting proxy for countries without
flows, :class:`CommutingModel` (:mod:`fua.fuas.proxy.model`), are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from fua.fuas.flows import LONG_COLUMNS, FlowsLike
from fua.fuas.params import FuaParams
from fua.fuas.proxy.model import CommutingModel
from fua.fuas.rules import apply_rules

__all__ = ["CommutingModel", "FuaParams", "commuting_zones"]


def commuting_zones(
    units_with_pop: gpd.GeoDataFrame,
    flows: FlowsLike,
    *,
    id_col: str,
    cities: str | Mapping[Any, int] | pd.Series | None = None,
    threshold: float | None = None,
    polycentric_threshold: float | None = None,
    employed_col: str | None = None,
    centre_pop: Mapping[int, float] | pd.Series | None = None,
    params: FuaParams | None = None,
    flow_columns: Sequence[str] = LONG_COLUMNS,
) -> gpd.GeoDataFrame:
    """Cities, polycentric merges and commuting zones from commuting flows (EU-OECD).

    Parameters
    ----------
    units_with_pop : geopandas.GeoDataFrame
        Local units in a projected CRS, with ``pop`` and (unless ``cities``
        is given) the ``uc_id``, ``uc_share`` and ``uc_pop`` columns of
        :func:`fua.classify_units`.
    flows : DataFrame or path
        Commuters as a long table (``flow_columns``: origin = residence,
        destination = work, commuters), or a square matrix (index =
        residence ids, columns = work ids, diagonal = working in one's own
        unit), or a CSV of either shape. Ids are matched as text.
    id_col : str
        Unit id column matching the flow ids.
    cities : str or mapping, optional
        Override of the city rule: a column of units, or a mapping unit id
        -> urban-centre id, naming the city units (0 / missing = not a city).
    threshold, polycentric_threshold : float, optional
        Override ``params.commuting_threshold`` / ``params.polycentric_threshold``.
    employed_col : str, optional
        Column of employed residents; by default the total of a unit's row of
        the flow table (flows to every destination, own unit included).
    centre_pop : mapping, optional
        Population of each urban centre (uc_id -> people); overrides ``uc_pop``.
    params : FuaParams, optional
        All thresholds (defaults of the EU-OECD definition).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of the units with ``fua_id`` (0 = none; 1 = the FUA with the
        largest city population), ``role`` ("city", "commuting", "none"),
        ``city_uc_id``, ``employed``, ``share_to_fua`` (share of employed
        residents working in the FUA's city), ``max_share`` and
        ``best_fua_id`` (largest share to any FUA city and that FUA), and
        ``reason`` (why, in words).

    Notes
    -----
    Rules (Dijkstra, Poelman & Veneri 2019; METHOD.md §4; one function each
    in :mod:`fua.fuas.rules`), with ``s_ij`` the share of the employed
    residents of ``i`` working in ``j``:

    - city of centre c: units with ``uc_id = c``, ``uc_share ≥ city_share``
      and ``uc_pop ≥ min_centre_pop``; a centre whose city units hold less
      than ``greater_city_share`` of it is flagged (greater-city case); one
      with no such unit gets the unit holding most of it
      (``orphan_centres="largest_unit"``) or none (``"flag"``);
    - polycentric: cities (groups of city units) with ``s ≥
      polycentric_threshold`` in either direction are merged, shares are
      recomputed for the merged groups and the merging repeats until no pair
      qualifies;
    - commuting zone: non-city units with ``max_f s_{i, city(f)} ≥
      threshold`` join the FUA of the largest share; an exact tie goes to
      the FUA with the larger city population;
    - exclaves: commuting units not connected to a city unit of their FUA
      through units of the same FUA (queen adjacency) are dropped;
      enclaves: connected groups of non-FUA units whose neighbours all belong
      to one FUA and whose outline is covered by it are added.
    """
    p = params or FuaParams()
    changes: dict[str, Any] = {}
    if threshold is not None:
        changes["commuting_threshold"] = threshold
    if polycentric_threshold is not None:
        changes["polycentric_threshold"] = polycentric_threshold
    if changes:
        p = FuaParams.from_dict({**p.to_dict(), **changes})
    out, _ = apply_rules(
        units_with_pop,
        flows,
        id_col=id_col,
        params=p,
        cities=cities,
        employed_col=employed_col,
        centre_pop=centre_pop,
        flow_columns=flow_columns,
    )
    return out
