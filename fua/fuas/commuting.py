"""Cities and commuting zones from commuting flows (the EU-OECD FUA rules).

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

The commuting proxy for countries without flows, :class:`CommutingModel`,
lives in :mod:`fua.fuas.proxy.model` and is re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from connectivity.errors import CRSError, DataError, ParameterError
from fua._params import ParamsMixin
from fua.fuas.flows import LONG_COLUMNS, FlowsLike, adjacency, flow_matrix, read_flow_table
from fua.fuas.proxy.model import CommutingModel

__all__ = ["CommutingModel", "FuaParams", "commuting_zones"]

log = logging.getLogger(__name__)


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
    orphan_centres: str = "largest_unit"
    add_enclaves: bool = True
    drop_exclaves: bool = True
    adjacency_tolerance_m: float = 1.0
    enclave_max_open_share: float = 0.01
    unit_pop_method: str = "area"
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


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def _int_pop(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        self.parent[max(a, b)] = min(a, b)
        return True


def _city_columns(
    units: pd.DataFrame,
    cities: str | Mapping[Any, int] | pd.Series | None,
    id_col: str,
    centre_pop: Mapping[int, float] | pd.Series | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(uc_id, uc_share, uc_pop, pop) arrays per unit, from columns or the ``cities`` argument."""
    if "pop" not in units.columns:
        msg = "units need a 'pop' column: run fua.classify_units(grid, units, id_col=...) first"
        raise DataError(msg)
    pop = pd.to_numeric(units["pop"], errors="coerce").fillna(0.0).to_numpy(dtype="float64")
    n = len(units)
    if cities is None:
        missing = [c for c in ("uc_id", "uc_share", "uc_pop") if c not in units.columns]
        if missing:
            msg = (
                f"units lack the columns {missing}; run fua.classify_units(...) first, or give "
                "cities= (a column name or a mapping unit id -> urban-centre id)"
            )
            raise DataError(msg)
        uc = units["uc_id"].fillna(0).to_numpy(dtype=np.int64)
        share = units["uc_share"].fillna(0.0).to_numpy(dtype="float64")
        ucp = units["uc_pop"].fillna(0.0).to_numpy(dtype="float64")
    else:
        if isinstance(cities, str):
            if cities not in units.columns:
                msg = f"cities={cities!r} is not a column of units"
                raise ParameterError(msg)
            uc = units[cities].fillna(0).to_numpy(dtype=np.int64)
        else:
            m = pd.Series(cities)
            uc = units[id_col].map(m).fillna(0).to_numpy(dtype=np.int64)
        # an explicit city list: every listed unit is a city of its centre
        share = np.where(uc > 0, 1.0, 0.0)
        if "uc_share" in units.columns and isinstance(cities, str) and cities == "uc_id":
            share = units["uc_share"].fillna(0.0).to_numpy(dtype="float64")
        if centre_pop is not None:
            ucp = pd.Series(uc).map(pd.Series(centre_pop)).fillna(0.0).to_numpy(dtype="float64")
        elif "uc_pop" in units.columns:
            ucp = units["uc_pop"].fillna(0.0).to_numpy(dtype="float64")
        else:
            # the centre population is unknown: the city units' population stands in for it
            ucp = pd.Series(pop).groupby(uc).transform("sum").to_numpy(dtype="float64")
            log.info("no centre populations given: the population of each city's units is used")
    if centre_pop is not None and cities is None:
        ucp = pd.Series(uc).map(pd.Series(centre_pop)).fillna(0.0).to_numpy(dtype="float64")
    if uc.shape != (n,):
        msg = "internal: city columns have the wrong length"
        raise DataError(msg)
    return uc, share, ucp, pop


def _check_projected(units: gpd.GeoDataFrame) -> None:
    if units.crs is None:
        msg = (
            "units have no CRS: set it with units.set_crs(...) (adjacency tolerances are in metres)"
        )
        raise CRSError(msg)
    if units.crs.is_geographic:
        msg = (
            f"units are in the geographic CRS {units.crs.to_string()}: reproject them to a projected "
            "metric CRS first, e.g. units.to_crs('ESRI:54009')"
        )
        raise CRSError(msg)


def _delineate_from_flows(
    units: gpd.GeoDataFrame,
    flows: FlowsLike,
    *,
    id_col: str,
    params: FuaParams,
    cities: str | Mapping[Any, int] | pd.Series | None = None,
    employed_col: str | None = None,
    centre_pop: Mapping[int, float] | pd.Series | None = None,
    flow_columns: Sequence[str] = LONG_COLUMNS,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The EU-OECD rules; returns (units with roles, one row per urban centre)."""
    _check_projected(units)
    if id_col not in units.columns:
        msg = f"id_col={id_col!r} is not a column of units"
        raise ParameterError(msg)
    if units[id_col].isna().any() or units[id_col].duplicated().any():
        msg = f"units[{id_col!r}] must be unique and non-null"
        raise DataError(msg)
    n = len(units)
    uc, share, ucp, pop = _city_columns(units, cities, id_col, centre_pop)
    long = read_flow_table(flows, columns=flow_columns)
    fm, outflow, has_flows = flow_matrix(long, units[id_col].to_numpy())
    if employed_col is not None:
        if employed_col not in units.columns:
            msg = f"employed_col={employed_col!r} is not a column of units"
            raise ParameterError(msg)
        employed = pd.to_numeric(units[employed_col], errors="coerce").fillna(0.0).to_numpy(float)
    else:
        employed = outflow
    reason = np.full(n, "", dtype=object)

    # -- 1. cities ---------------------------------------------------------------
    tol = 1e-12
    candidate = (uc > 0) & (share >= params.city_share - tol)
    big = ucp >= params.min_centre_pop
    is_city = candidate & big
    city_uc = np.where(is_city, uc, 0)
    orphan_note: dict[int, str] = {}
    all_ucs = np.unique(uc[uc > 0])
    centre_rows = []
    for c in all_ucs:
        members = uc == c
        c_pop = float(ucp[members][0])
        if c_pop < params.min_centre_pop:
            centre_rows.append((c, c_pop, 0.0, False, "too small"))
            continue
        if not (city_uc == c).any():
            if params.orphan_centres == "largest_unit":
                in_c = np.where(members & (city_uc == 0), share * pop, -1.0)
                top = int(np.argmax(in_c))
                if in_c[top] > 0:
                    city_uc[top] = c
                    is_city[top] = True
                    orphan_note[top] = (
                        f"city of UC {c} (holds the largest part of the centre; {_pct(share[top])} "
                        f"of its pop in the centre, no unit reaches {_pct(params.city_share)})"
                    )
            if not (city_uc == c).any():
                log.warning(
                    "urban centre %d (%s people) has no city unit: no FUA", c, _int_pop(c_pop)
                )
                centre_rows.append((c, c_pop, 0.0, True, "no city unit"))
                continue
        cov = float((share * pop)[city_uc == c].sum() / c_pop) if c_pop > 0 else 0.0
        flag = cov < params.greater_city_share - tol
        if flag:
            log.warning(
                "urban centre %d: its city units hold only %s of its %s people (< %s): "
                "flagged as a greater-city case",
                c,
                _pct(cov),
                _int_pop(c_pop),
                _pct(params.greater_city_share),
            )
        centre_rows.append((c, c_pop, cov, flag, "city"))
    for k in np.flatnonzero(is_city):
        reason[k] = orphan_note.get(
            int(k), f"city of UC {city_uc[k]} ({_pct(share[k])} of pop in centre)"
        )
    small_note = np.full(n, "", dtype=object)
    for k in np.flatnonzero(candidate & ~big):
        small_note[k] = (
            f" (mostly in UC {uc[k]} with {_int_pop(ucp[k])} < {_int_pop(params.min_centre_pop)} "
            "people: no FUA of its own)"
        )

    # -- 2. polycentric merging (to a fixed point) -------------------------------
    centres = np.unique(city_uc[city_uc > 0])
    g_of_centre = {int(c): i for i, c in enumerate(centres)}
    n_g = len(centres)
    uf = _UnionFind(n_g)
    city_idx = np.flatnonzero(city_uc > 0)
    city_g = np.array([g_of_centre[int(c)] for c in city_uc[city_idx]], dtype=np.int64)
    for _ in range(params.max_iterations):
        root = np.array([uf.find(int(g)) for g in city_g], dtype=np.int64)
        m = sp.csr_matrix((np.ones(city_idx.size), (city_idx, root)), shape=(n, max(n_g, 1)))
        to_group = (fm @ m).tocsr()  # units × groups: commuters to each group's city
        c2c = (m.T @ to_group).toarray()
        eg = m.T @ employed
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(eg[:, None] > 0, c2c / eg[:, None], 0.0)
        np.fill_diagonal(s, 0.0)
        gi, gj = np.nonzero(s >= params.polycentric_threshold - tol)
        merged = False
        for a, b in zip(gi, gj, strict=True):
            if uf.union(int(a), int(b)):
                merged = True
                group = [str(centres[x]) for x in range(n_g) if uf.find(x) == uf.find(int(a))]
                log.info(
                    "polycentric merge of UC %s: %s of employed residents commute from one to the other",
                    ", ".join(group),
                    _pct(s[a, b]),
                )
        if not merged:
            break
    else:
        log.warning("polycentric merging did not converge in %d iterations", params.max_iterations)
    root = np.array([uf.find(int(g)) for g in city_g], dtype=np.int64)

    # FUA ids: 1 = largest city population
    roots = np.unique(root)
    city_pop_by_root = {int(r): float(pop[city_idx[root == r]].sum()) for r in roots}
    order = sorted(roots, key=lambda r: (-city_pop_by_root[int(r)], int(r)))
    fua_of_root = {int(r): i + 1 for i, r in enumerate(order)}
    n_fua = len(order)
    fua = np.zeros(n, dtype=np.int64)
    fua[city_idx] = [fua_of_root[int(r)] for r in root]
    ucs_of_fua = {
        f: sorted(int(c) for c in np.unique(city_uc[fua == f])) for f in range(1, n_fua + 1)
    }
    for k in city_idx:
        others = [c for c in ucs_of_fua[int(fua[k])] if c != city_uc[k]]
        if others:
            reason[k] += f"; polycentric FUA {fua[k]} with UC {', '.join(map(str, others))}"
    role = np.where(fua > 0, "city", "none").astype(object)

    # -- 3. commuting zones ------------------------------------------------------
    if n_fua:
        mf = sp.csr_matrix(
            (np.ones(city_idx.size), (city_idx, fua[city_idx] - 1)), shape=(n, n_fua)
        )
        to_fua = (fm @ mf).toarray()
    else:
        to_fua = np.zeros((n, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(employed[:, None] > 0, to_fua / employed[:, None], 0.0)
    # ties: FUA ids are ordered by city population, argmax keeps the first (largest) one
    rounded = np.round(shares, 12)
    best = np.argmax(rounded, axis=1) + 1 if n_fua else np.zeros(n, np.int64)
    max_share = rounded.max(axis=1) if n_fua else np.zeros(n)
    own_share = np.zeros(n)
    if n_fua:
        own_share[city_idx] = shares[city_idx, fua[city_idx] - 1]
    n_above = (rounded >= params.commuting_threshold - tol).sum(axis=1) if n_fua else np.zeros(n)
    cz = (fua == 0) & (max_share >= params.commuting_threshold - tol) & (employed > 0)
    fua[cz] = best[cz]
    role[cz] = "commuting"
    for k in np.flatnonzero(cz):
        reason[k] = f"commuting: {_pct(max_share[k])} to FUA {best[k]}"
        if n_above[k] > 1:
            alts = [
                f"FUA {j + 1} {_pct(rounded[k, j])}"
                for j in np.flatnonzero(rounded[k] >= params.commuting_threshold - tol)
                if j + 1 != best[k]
            ]
            tied = np.isclose(rounded[k], max_share[k], rtol=0, atol=1e-12).sum() > 1
            tie = " (exact tie: the FUA with the larger city)" if tied else ""
            reason[k] += f" (largest of several: also {', '.join(alts)}){tie}"
    for k in np.flatnonzero(fua == 0):
        if employed[k] <= 0:
            reason[k] = (
                "none: no employed residents in the flow table"
                if not has_flows[k]
                else "none: 0 employed residents"
            )
        elif n_fua == 0:
            reason[k] = "none: no FUA city in the data"
        else:
            reason[k] = (
                f"none: max share {_pct(max_share[k])} < {_pct(params.commuting_threshold)}"
                + (f" (to FUA {best[k]})" if max_share[k] > 0 else "")
            )
        reason[k] += small_note[k]

    # -- 4. exclaves and enclaves ------------------------------------------------
    geoms = np.asarray(units.geometry.values)
    adj = adjacency(geoms, tolerance_m=params.adjacency_tolerance_m).tocoo()
    if params.drop_exclaves and n_fua:
        same = (fua[adj.row] == fua[adj.col]) & (fua[adj.row] > 0)
        g = sp.csr_matrix((np.ones(int(same.sum())), (adj.row[same], adj.col[same])), shape=(n, n))
        _, comp = connected_components(g, directed=False)
        comp_has_city = np.zeros(comp.max() + 1, bool)
        comp_has_city[comp[role == "city"]] = True
        drop = (role == "commuting") & ~comp_has_city[comp]
        for k in np.flatnonzero(drop):
            reason[k] = (
                f"dropped: not contiguous with FUA {fua[k]} ({_pct(max_share[k])} commute to it)"
            )
        fua[drop] = 0
        role[drop] = "none"
        if drop.any():
            log.info("%d commuting units dropped as exclaves", int(drop.sum()))
    if params.add_enclaves and n_fua:
        _add_enclaves(geoms, adj, fua, role, reason, max_share, best, params)

    out = units.copy()
    out["fua_id"] = fua.astype("int32")
    out["role"] = role.astype(str)
    out["city_uc_id"] = np.where(role == "city", city_uc, 0).astype("int32")
    out["employed"] = employed
    share_to_fua = np.full(n, np.nan)
    if n_fua:
        inf = fua > 0
        share_to_fua[inf] = shares[np.flatnonzero(inf), fua[inf] - 1]
    out["share_to_fua"] = share_to_fua
    out["max_share"] = max_share
    out["best_fua_id"] = np.where(max_share > 0, best, 0).astype("int32")
    out["reason"] = reason.astype(str)
    cen = pd.DataFrame(centre_rows, columns=["uc_id", "uc_pop", "city_coverage", "flag", "status"])
    cen["greater_city_flag"] = cen["flag"] & (cen["status"] == "city")
    cen["no_city_flag"] = cen["status"] == "no city unit"
    cen = cen.drop(columns="flag")
    fua_of_uc = {c: f for f, cs in ucs_of_fua.items() for c in cs}
    cen["fua_id"] = cen["uc_id"].map(fua_of_uc).fillna(0).astype("int32")
    return out, cen


def _add_enclaves(
    geoms: np.ndarray,
    adj: sp.coo_matrix,
    fua: np.ndarray,
    role: np.ndarray,
    reason: np.ndarray,
    max_share: np.ndarray,
    best: np.ndarray,
    params: FuaParams,
) -> None:
    """Add groups of non-FUA units wholly surrounded by one FUA (in place on the arrays)."""
    n = len(geoms)
    free = fua == 0
    both_free = free[adj.row] & free[adj.col]
    g = sp.csr_matrix(
        (np.ones(int(both_free.sum())), (adj.row[both_free], adj.col[both_free])), shape=(n, n)
    )
    _, comp = connected_components(g, directed=False)
    edge = free[adj.row] & ~free[adj.col]
    pairs = pd.DataFrame({"comp": comp[adj.row[edge]], "fua": fua[adj.col[edge]]}).drop_duplicates()
    counts = pairs.groupby("comp")["fua"].agg(["nunique", "first"])
    cands = counts[counts["nunique"] == 1]
    tol = params.adjacency_tolerance_m
    for k_comp, row in cands.iterrows():
        f = int(row["first"])
        members = np.flatnonzero(free & (comp == k_comp))
        hull = shapely.union_all(geoms[members])
        fua_geom = shapely.union_all(geoms[fua == f]).buffer(max(tol, 1e-6))
        boundary = hull.boundary
        per = boundary.length
        open_len = boundary.difference(fua_geom).length
        if per > 0 and open_len <= params.enclave_max_open_share * per:
            fua[members] = f
            role[members] = "commuting"
            for k in members:
                reason[k] = f"enclave in FUA {f} (own max share {_pct(max_share[k])})"
            log.info("%d units added to FUA %d as enclaves", members.size, f)


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
    Rules (Dijkstra, Poelman & Veneri 2019; METHOD.md §4), with ``s_ij`` the
    share of the employed residents of ``i`` working in ``j``:

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
    if not isinstance(units_with_pop, gpd.GeoDataFrame) or len(units_with_pop) == 0:
        msg = "units_with_pop must be a non-empty GeoDataFrame of local units"
        raise DataError(msg)
    out, _ = _delineate_from_flows(
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
