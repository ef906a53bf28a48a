"""The EU-OECD rules of a functional urban area, one function per rule.

A functional urban area (FUA) is a city plus its commuting zone (Dijkstra,
Poelman & Veneri 2019, "The EU-OECD definition of a functional urban area",
OECD Regional Development Working Papers 2019/11; METHOD.md §4):

* :func:`large_centres` — only urban centres of at least 50 000 people
  (``min_centre_pop``) give a FUA; :func:`eligible_centres` applies it to
  the centre labels of a grid (the proxy route);
* :func:`city_units` — a **city** is the set of local units with at least
  50 % of their population in *one* such centre;
* :func:`merge_polycentric` — cities sending at least 15 % of their employed
  residents to another city are merged into one **polycentric** FUA
  (repeated to a fixed point);
* :func:`commuting_zone` — the **commuting zone** is the set of units
  sending at least 15 % of their employed residents to the city (all its
  units together), a unit above the threshold for several cities going to
  the largest share;
* :func:`exclaves` and :func:`enclaves` — commuting units not contiguous
  with their FUA are dropped, groups of units wholly surrounded by one FUA
  join it.

:func:`apply_rules` applies them in this order to a layer of local units
and a commuting-flow table, and says for every unit why it ended where it
did; :func:`fua.commuting_zones` and :func:`fua.delineate_fuas` (flows
route) and :meth:`fua.CommutingModel.fit_from_flows` all go through it.
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
from scipy.cluster.hierarchy import DisjointSet
from scipy.sparse.csgraph import connected_components

from connectivity.errors import DataError, ParameterError
from fua._validate import check_geodataframe
from fua.degurba.classify import DegurbaResult
from fua.degurba.units import centre_populations
from fua.fuas.flows import LONG_COLUMNS, FlowsLike, adjacency, unit_flows
from fua.fuas.params import FuaParams

__all__ = [
    "Cities",
    "CommutingShares",
    "apply_rules",
    "city_units",
    "commuting_zone",
    "eligible_centres",
    "enclaves",
    "exclaves",
    "large_centres",
    "merge_polycentric",
]

log = logging.getLogger(__name__)

#: Shares are compared with their thresholds with this tolerance (15 % is 15 %).
_TOL = 1e-12


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def _int_pop(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


# -- the 50 000 rule ------------------------------------------------------------------


def large_centres(centre_pop: np.ndarray | float, min_centre_pop: float) -> np.ndarray:
    """The size rule: True for urban centres of at least ``min_centre_pop`` people.

    50 000 in the EU-OECD definition; Kazakhstan's national practice uses 100 000.
    """
    return np.asarray(centre_pop) >= min_centre_pop


def eligible_centres(result: DegurbaResult, min_centre_pop: float) -> tuple[np.ndarray, np.ndarray]:
    """The size rule on a grid: (centre labels keeping only large centres, people per uc_id).

    Labels of smaller centres become 0; the population array is indexed by
    uc_id (index 0 = 0).
    """
    labels = np.asarray(result.centre_labels).astype(np.int64)
    uc_pop = centre_populations(result)
    uc_pop[0] = 0.0
    keep = large_centres(uc_pop, min_centre_pop)
    keep[0] = False
    return np.where(keep[labels], labels, 0), uc_pop


# -- cities -------------------------------------------------------------------------


@dataclass
class Cities:
    """The city units of each urban centre (:func:`city_units`).

    Attributes
    ----------
    city_uc : numpy.ndarray
        Per unit: the urban centre whose city it belongs to, 0 for none.
    centres : pandas.DataFrame
        One row per urban centre: ``uc_id``, ``uc_pop``, ``city_coverage``
        (share of the centre's people in its city units), ``status``
        ("city", "too small", "no city unit"), ``greater_city_flag`` and
        ``no_city_flag``.
    reason : numpy.ndarray
        Per unit: why it is a city unit ("" for others).
    note : numpy.ndarray
        Per unit mostly in a centre too small for a FUA: a note saying so.
    """

    city_uc: np.ndarray
    centres: pd.DataFrame
    reason: np.ndarray
    note: np.ndarray


def city_units(
    uc_id: np.ndarray,
    uc_share: np.ndarray,
    uc_pop: np.ndarray,
    pop: np.ndarray,
    params: FuaParams,
) -> Cities:
    """The city rule: units with at least ``city_share`` of their people in one large centre.

    Parameters
    ----------
    uc_id, uc_share, uc_pop, pop : numpy.ndarray
        Per unit: the urban centre holding most of its people (0 = none), the
        share of its people in that centre, the centre's population, and the
        unit's population (the columns of :func:`fua.classify_units`).
    params : FuaParams
        ``city_share``, ``min_centre_pop``, ``orphan_centres`` and
        ``greater_city_share``.

    Notes
    -----
    A large centre with no unit reaching ``city_share`` gets, with
    ``orphan_centres="largest_unit"``, the unit holding most of its people
    as its city; a centre whose city units hold less than
    ``greater_city_share`` of its people is flagged (the "greater city" case).
    """
    candidate = (uc_id > 0) & (uc_share >= params.city_share - _TOL)
    big = large_centres(uc_pop, params.min_centre_pop)
    city_uc = np.where(candidate & big, uc_id, 0)
    reason = np.full(uc_id.size, "", dtype=object)
    rows = []
    for c in np.unique(uc_id[uc_id > 0]):
        members = uc_id == c
        c_pop = float(uc_pop[members][0])
        if not large_centres(c_pop, params.min_centre_pop):
            rows.append((c, c_pop, 0.0, False, "too small"))
            continue
        if not (city_uc == c).any() and params.orphan_centres == "largest_unit":
            in_c = np.where(members & (city_uc == 0), uc_share * pop, -1.0)
            top = int(np.argmax(in_c))
            if in_c[top] > 0:
                city_uc[top] = c
                reason[top] = (
                    f"city of UC {c} (holds the largest part of the centre; {_pct(uc_share[top])} "
                    f"of its pop in the centre, no unit reaches {_pct(params.city_share)})"
                )
        if not (city_uc == c).any():
            log.warning("urban centre %d (%s people) has no city unit: no FUA", c, _int_pop(c_pop))
            rows.append((c, c_pop, 0.0, True, "no city unit"))
            continue
        rows.append((c, c_pop, *_city_coverage(c, c_pop, city_uc, uc_share * pop, params), "city"))
    for k in np.flatnonzero((city_uc > 0) & (reason == "")):
        reason[k] = f"city of UC {city_uc[k]} ({_pct(uc_share[k])} of pop in centre)"
    note = np.full(uc_id.size, "", dtype=object)
    for k in np.flatnonzero(candidate & ~big):
        note[k] = (
            f" (mostly in UC {uc_id[k]} with {_int_pop(uc_pop[k])} < "
            f"{_int_pop(params.min_centre_pop)} people: no FUA of its own)"
        )
    centres = pd.DataFrame(rows, columns=["uc_id", "uc_pop", "city_coverage", "flag", "status"])
    centres["greater_city_flag"] = centres["flag"] & (centres["status"] == "city")
    centres["no_city_flag"] = centres["status"] == "no city unit"
    return Cities(city_uc, centres.drop(columns="flag"), reason, note)


def _city_coverage(
    c: int, c_pop: float, city_uc: np.ndarray, in_centre: np.ndarray, params: FuaParams
) -> tuple[float, bool]:
    """(share of centre ``c``'s people in its city units, whether that is a greater-city case)."""
    cov = float(in_centre[city_uc == c].sum() / c_pop) if c_pop > 0 else 0.0
    flag = cov < params.greater_city_share - _TOL
    if flag:
        log.warning(
            "urban centre %d: its city units hold only %s of its %s people (< %s): "
            "flagged as a greater-city case",
            c,
            _pct(cov),
            _int_pop(c_pop),
            _pct(params.greater_city_share),
        )
    return cov, flag


# -- polycentric cities -------------------------------------------------------------


def _min_roots(uf: DisjointSet) -> dict[int, int]:
    """Each element's group, labelled by its smallest member (a stable label across merges)."""
    return {int(x): min(int(m) for m in s) for s in uf.subsets() for x in s}


def merge_polycentric(
    city_uc: np.ndarray,
    flows: sp.csr_matrix,
    employed: np.ndarray,
    pop: np.ndarray,
    *,
    threshold: float,
    max_iterations: int = 100,
) -> np.ndarray:
    """The polycentric rule: one FUA per group of cities commuting ≥ ``threshold`` to each other.

    Parameters
    ----------
    city_uc : numpy.ndarray
        Per unit: the urban centre whose city it belongs to (0 = not a city unit).
    flows : scipy.sparse matrix
        Commuters between units (rows = residence, columns = work).
    employed : numpy.ndarray
        Employed residents per unit.
    pop : numpy.ndarray
        People per unit, to number the FUAs.
    threshold : float
        Share of a city's employed residents working in another city that
        merges the two (either direction is enough).
    max_iterations : int
        Bound on the merging rounds.

    Returns
    -------
    numpy.ndarray
        Per unit: its FUA id (0 for units that are not city units), numbered
        1, 2, ... by decreasing city population.

    Notes
    -----
    A city is all the city units of one centre. Shares are recomputed for
    the merged groups and the merging repeats until no pair qualifies, so a
    city sending 8 % to each of two cities that merge joins them (16 %).
    """
    n = city_uc.size
    centres = np.unique(city_uc[city_uc > 0])
    g_of_centre = {int(c): i for i, c in enumerate(centres)}
    n_g = len(centres)
    uf = DisjointSet(range(n_g))
    city_idx = np.flatnonzero(city_uc > 0)
    city_g = np.array([g_of_centre[int(c)] for c in city_uc[city_idx]], dtype=np.int64)
    for _ in range(max_iterations):
        canon = _min_roots(uf)
        root = np.array([canon[int(g)] for g in city_g], dtype=np.int64)
        m = sp.csr_matrix((np.ones(city_idx.size), (city_idx, root)), shape=(n, max(n_g, 1)))
        to_group = (flows @ m).tocsr()  # units × groups: commuters to each group's city
        c2c = (m.T @ to_group).toarray()
        eg = m.T @ employed
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(eg[:, None] > 0, c2c / eg[:, None], 0.0)
        np.fill_diagonal(s, 0.0)
        gi, gj = np.nonzero(s >= threshold - _TOL)
        merged = False
        for a, b in zip(gi, gj, strict=True):
            if uf.merge(int(a), int(b)):
                merged = True
                group = [str(centres[x]) for x in sorted(uf.subset(int(a)))]
                log.info(
                    "polycentric merge of UC %s: %s of employed residents commute from one to the other",
                    ", ".join(group),
                    _pct(s[a, b]),
                )
        if not merged:
            break
    else:
        log.warning("polycentric merging did not converge in %d iterations", max_iterations)
    canon = _min_roots(uf)
    root = np.array([canon[int(g)] for g in city_g], dtype=np.int64)
    # FUA ids: 1 = largest city population
    roots = np.unique(root)
    city_pop_by_root = {int(r): float(pop[city_idx[root == r]].sum()) for r in roots}
    order = sorted(roots, key=lambda r: (-city_pop_by_root[int(r)], int(r)))
    fua_of_root = {int(r): i + 1 for i, r in enumerate(order)}
    fua = np.zeros(n, dtype=np.int64)
    fua[city_idx] = [fua_of_root[int(r)] for r in root]
    return fua


# -- commuting zones ------------------------------------------------------------------


@dataclass
class CommutingShares:
    """Where each unit's employed residents work, as shares (:func:`commuting_zone`).

    Attributes
    ----------
    shares : numpy.ndarray
        Units × FUAs: share of the unit's employed residents working in the
        FUA's city (all its units together).
    best : numpy.ndarray
        Per unit: the FUA (1..n) of the largest share (ties: the FUA with the
        larger city, i.e. the smaller id).
    max_share : numpy.ndarray
        Per unit: that largest share, rounded to 12 decimals.
    """

    shares: np.ndarray
    best: np.ndarray
    max_share: np.ndarray

    def above(self, threshold: float) -> np.ndarray:
        """Units × FUAs: True where the (rounded) share reaches ``threshold``."""
        return np.round(self.shares, 12) >= threshold - _TOL


def commuting_zone(
    fua: np.ndarray,
    flows: sp.csr_matrix,
    employed: np.ndarray,
    *,
    threshold: float,
) -> tuple[np.ndarray, CommutingShares]:
    """The commuting-zone rule: units sending ≥ ``threshold`` of their workers to a city join its FUA.

    Parameters
    ----------
    fua : numpy.ndarray
        Per unit: the FUA of its city (0 for units that are not city units),
        as :func:`merge_polycentric` returns.
    flows : scipy.sparse matrix
        Commuters between units (rows = residence, columns = work).
    employed : numpy.ndarray
        Employed residents per unit.
    threshold : float
        Share of a unit's employed residents working in a FUA's city.

    Returns
    -------
    fua : numpy.ndarray
        A copy of ``fua`` with the commuting-zone units added to the FUA of
        their largest share (an exact tie goes to the FUA with the larger
        city, the smaller id).
    shares : CommutingShares
        The shares behind the decision.
    """
    n = fua.size
    n_fua = int(fua.max(initial=0))
    city_idx = np.flatnonzero(fua > 0)
    if n_fua:
        mf = sp.csr_matrix(
            (np.ones(city_idx.size), (city_idx, fua[city_idx] - 1)), shape=(n, n_fua)
        )
        to_fua = (flows @ mf).toarray()
    else:
        to_fua = np.zeros((n, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(employed[:, None] > 0, to_fua / employed[:, None], 0.0)
    # ties: FUA ids are ordered by city population, argmax keeps the first (largest) one
    rounded = np.round(shares, 12)
    best = np.argmax(rounded, axis=1) + 1 if n_fua else np.zeros(n, np.int64)
    max_share = rounded.max(axis=1) if n_fua else np.zeros(n)
    joins = (fua == 0) & (max_share >= threshold - _TOL) & (employed > 0)
    out = fua.copy()
    out[joins] = best[joins]
    return out, CommutingShares(shares, best, max_share)


# -- exclaves and enclaves --------------------------------------------------------------


def exclaves(fua: np.ndarray, is_city: np.ndarray, adj: sp.spmatrix) -> np.ndarray:
    """The exclave rule: True for commuting units not joined to a city unit of their FUA.

    Units join through neighbours (``adj``, :func:`fua.fuas.flows.adjacency`)
    that belong to the same FUA.
    """
    n = fua.size
    adj = adj.tocoo()
    same = (fua[adj.row] == fua[adj.col]) & (fua[adj.row] > 0)
    g = sp.csr_matrix((np.ones(int(same.sum())), (adj.row[same], adj.col[same])), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    comp_has_city = np.zeros(comp.max() + 1, bool)
    comp_has_city[comp[is_city]] = True
    return (fua > 0) & ~is_city & ~comp_has_city[comp]


def enclaves(
    geoms: np.ndarray,
    adj: sp.spmatrix,
    fua: np.ndarray,
    *,
    tolerance_m: float,
    max_open_share: float,
) -> list[tuple[int, np.ndarray]]:
    """The enclave rule: groups of units outside every FUA that one FUA surrounds.

    Parameters
    ----------
    geoms : numpy.ndarray
        Unit polygons (projected CRS, metres).
    adj : scipy.sparse matrix
        Unit adjacency (:func:`fua.fuas.flows.adjacency`).
    fua : numpy.ndarray
        Per unit: its FUA (0 = none).
    tolerance_m : float
        The FUA's outline is buffered by this much (gaps between polygons).
    max_open_share : float
        Share of a group's outline that may lie outside the FUA (slivers);
        a group on the coast or the border of the study area is not enclosed.

    Returns
    -------
    list of (fua_id, unit indices)
        The groups to add, in order; a group's FUA already includes the
        groups before it when its outline is tested.
    """
    n = len(geoms)
    adj = adj.tocoo()
    work = fua.copy()
    free = work == 0
    both_free = free[adj.row] & free[adj.col]
    g = sp.csr_matrix(
        (np.ones(int(both_free.sum())), (adj.row[both_free], adj.col[both_free])), shape=(n, n)
    )
    _, comp = connected_components(g, directed=False)
    edge = free[adj.row] & ~free[adj.col]
    pairs = pd.DataFrame({"comp": comp[adj.row[edge]], "fua": work[adj.col[edge]]})
    counts = pairs.drop_duplicates().groupby("comp")["fua"].agg(["nunique", "first"])
    found = []
    for k_comp, row in counts[counts["nunique"] == 1].iterrows():
        f = int(row["first"])
        members = np.flatnonzero(free & (comp == k_comp))
        boundary = shapely.union_all(geoms[members]).boundary
        fua_geom = shapely.union_all(geoms[work == f]).buffer(max(tolerance_m, 1e-6))
        per = boundary.length
        if per > 0 and boundary.difference(fua_geom).length <= max_open_share * per:
            work[members] = f
            found.append((f, members))
            log.info("%d units added to FUA %d as enclaves", members.size, f)
    return found


# -- the rules in order ---------------------------------------------------------------


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
    pop = _numbers(units, "pop", id_col)
    if cities is None:
        missing = [c for c in ("uc_id", "uc_share", "uc_pop") if c not in units.columns]
        if missing:
            msg = (
                f"units lack the columns {missing}; run fua.classify_units(...) first, or give "
                "cities= (a column name or a mapping unit id -> urban-centre id)"
            )
            raise DataError(msg)
        uc = _numbers(units, "uc_id", id_col, kind="ids").astype(np.int64)
        share = _numbers(units, "uc_share", id_col, kind="shares")
        ucp = _numbers(units, "uc_pop", id_col)
        if centre_pop is not None:
            ucp = _centre_pop(uc, centre_pop)
        return uc, share, ucp, pop
    if isinstance(cities, str):
        if cities not in units.columns:
            msg = f"cities={cities!r} is not a column of units"
            raise ParameterError(msg)
        uc = _numbers(units, cities, id_col, kind="ids").astype(np.int64)
    else:
        uc = _cities_from_mapping(units[id_col], cities)
    # an explicit city list: every listed unit is a city of its centre
    share = np.where(uc > 0, 1.0, 0.0)
    if "uc_share" in units.columns and isinstance(cities, str) and cities == "uc_id":
        share = _numbers(units, "uc_share", id_col, kind="shares")
    if centre_pop is not None:
        ucp = _centre_pop(uc, centre_pop)
    elif "uc_pop" in units.columns:
        ucp = _numbers(units, "uc_pop", id_col)
    else:
        # the centre population is unknown: the city units' population stands in for it
        ucp = pd.Series(pop).groupby(uc).transform("sum").to_numpy(dtype="float64")
        log.info("no centre populations given: the population of each city's units is used")
    return uc, share, ucp, pop


def _numbers(units: pd.DataFrame, col: str, id_col: str, *, kind: str = "numbers") -> np.ndarray:
    """A column as float64: ``numbers`` >= 0, ``shares`` in 0-1 or whole ``ids`` >= 0.

    Missing values are 0 (a unit without people has NaN shares); text,
    infinite and out-of-range values fail, naming a unit that has one.
    """
    raw = units[col]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    given = raw.notna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = given & ~(np.isfinite(num) & (num >= 0))
        if kind == "shares":
            bad |= given & (num > 1)
        elif kind == "ids":
            bad |= given & (np.mod(num, 1) != 0)
    if bad.any():
        k = int(np.argmax(bad))
        rule = {"numbers": "numbers >= 0", "shares": "shares between 0 and 1"}.get(
            kind, "whole numbers >= 0 (0 = none)"
        )
        msg = (
            f"units[{col!r}] must hold {rule}: {int(bad.sum())} unit(s) do not, e.g. "
            f"{id_col} {units[id_col].iloc[k]!r} has {raw.iloc[k]!r}"
        )
        raise DataError(msg)
    return np.where(given, num, 0.0)


def _cities_from_mapping(ids: pd.Series, cities: Mapping[Any, int] | pd.Series) -> np.ndarray:
    """The urban centre of each unit from a mapping unit id -> centre (ids matched as text)."""
    by_text = {_id_text(k): v for k, v in dict(cities).items()}
    text = ids.map(_id_text)
    unknown = sorted(set(by_text) - set(text))
    if len(unknown) == len(by_text):
        msg = (
            f"no unit id of cities= matches a unit (e.g. {unknown[:3]}, units have "
            f"{text.iloc[:3].tolist()}): give the ids of the units' id column"
        )
        raise DataError(msg)
    if unknown:
        log.warning(
            "%d ids of cities= are not units and are ignored: %s", len(unknown), unknown[:5]
        )
    mapped = text.map(by_text)
    uc = pd.to_numeric(mapped, errors="coerce")
    if (uc.isna() & mapped.notna()).any() or (uc.fillna(0) < 0).any() or (uc % 1 > 0).any():
        msg = "cities= must map unit ids to urban-centre ids (whole numbers >= 1)"
        raise DataError(msg)
    return uc.fillna(0).to_numpy(dtype=np.int64)


def _id_text(v: Any) -> str:
    """An id as text, as the flow table's ids are matched: 11001, 11001.0 and "11001" agree."""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _centre_pop(uc: np.ndarray, centre_pop: Mapping[int, float] | pd.Series) -> np.ndarray:
    """The population of each unit's centre from ``centre_pop``; every centre must be in it."""
    table = pd.Series(centre_pop, dtype="float64")
    table.index = pd.to_numeric(table.index, errors="coerce")
    centres = np.unique(uc[uc > 0])
    missing = [int(c) for c in centres if c not in table.index]
    if missing:
        msg = (
            f"centre_pop has no population for urban centre(s) {missing[:5]} "
            f"({len(missing)} of {centres.size}): give every centre's people (uc_id -> people)"
        )
        raise DataError(msg)
    return pd.Series(uc).map(table).fillna(0.0).to_numpy(dtype="float64")


def _centres_of_fuas(fua: np.ndarray, city_uc: np.ndarray) -> dict[int, list[int]]:
    """The urban centres of each FUA, by FUA id (from its city units)."""
    n_fua = int(fua.max(initial=0))
    return {f: sorted(int(c) for c in np.unique(city_uc[fua == f])) for f in range(1, n_fua + 1)}


def _zone_reasons(
    reason: np.ndarray,
    joined: np.ndarray,
    cs: CommutingShares,
    threshold: float,
) -> None:
    """Why each unit of ``joined`` is in a commuting zone (in place on ``reason``)."""
    above = cs.above(threshold)
    rounded = np.round(cs.shares, 12)
    for k in np.flatnonzero(joined):
        reason[k] = f"commuting: {_pct(cs.max_share[k])} to FUA {cs.best[k]}"
        if above[k].sum() > 1:
            alts = [
                f"FUA {j + 1} {_pct(rounded[k, j])}"
                for j in np.flatnonzero(above[k])
                if j + 1 != cs.best[k]
            ]
            tied = np.isclose(rounded[k], cs.max_share[k], rtol=0, atol=1e-12).sum() > 1
            tie = " (exact tie: the FUA with the larger city)" if tied else ""
            reason[k] += f" (largest of several: also {', '.join(alts)}){tie}"


def _none_reasons(
    reason: np.ndarray,
    fua: np.ndarray,
    cs: CommutingShares,
    employed: np.ndarray,
    has_flows: np.ndarray,
    notes: np.ndarray,
    threshold: float,
) -> None:
    """Why each unit outside every FUA is outside (in place on ``reason``)."""
    n_fua = cs.shares.shape[1]
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
            reason[k] = f"none: max share {_pct(cs.max_share[k])} < {_pct(threshold)}" + (
                f" (to FUA {cs.best[k]})" if cs.max_share[k] > 0 else ""
            )
        reason[k] += notes[k]


def _contiguity(
    units: gpd.GeoDataFrame,
    fua: np.ndarray,
    role: np.ndarray,
    reason: np.ndarray,
    max_share: np.ndarray,
    params: FuaParams,
) -> None:
    """The exclave and enclave rules, in place on ``fua``, ``role`` and ``reason``."""
    if not fua.any():
        return
    geoms = np.asarray(units.geometry.values)
    adj = adjacency(geoms, tolerance_m=params.adjacency_tolerance_m)
    if params.drop_exclaves:
        drop = exclaves(fua, role == "city", adj)
        for k in np.flatnonzero(drop):
            reason[k] = (
                f"dropped: not contiguous with FUA {fua[k]} ({_pct(max_share[k])} commute to it)"
            )
        fua[drop] = 0
        role[drop] = "none"
        if drop.any():
            log.info("%d commuting units dropped as exclaves", int(drop.sum()))
    if params.add_enclaves:
        found = enclaves(
            geoms, adj, fua, tolerance_m=params.adjacency_tolerance_m,
            max_open_share=params.enclave_max_open_share,
        )  # fmt: skip
        for f, members in found:
            fua[members] = f
            role[members] = "commuting"
            for k in members:
                reason[k] = f"enclave in FUA {f} (own max share {_pct(max_share[k])})"


def _warn_without_flows(ids: np.ndarray, has_flows: np.ndarray, pop: np.ndarray) -> None:
    """Say which people-holding units have no row in the flow table (they cannot commute)."""
    lost = (pop > 0) & ~has_flows
    if lost.any():
        log.warning(
            "%d of %d units with people have no row in the flow table (e.g. %s): they cannot "
            "join a commuting zone; if they should have flows, check that the flow table uses "
            "the same id codes (leading zeros: '01001' vs '1001')",
            int(lost.sum()), int((pop > 0).sum()), ", ".join(repr(v) for v in ids[lost][:3]),
        )  # fmt: skip


def apply_rules(
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
    """The EU-OECD rules in order, on local units and their commuting flows.

    Parameters are those of :func:`fua.commuting_zones`.

    Returns
    -------
    units : geopandas.GeoDataFrame
        A copy of ``units`` with ``fua_id``, ``role``, ``city_uc_id``,
        ``employed``, ``share_to_fua``, ``max_share``, ``best_fua_id`` and
        ``reason`` (see :func:`fua.commuting_zones`).
    centres : pandas.DataFrame
        One row per urban centre (the ``centres`` of :class:`Cities`) with
        the ``fua_id`` it ended in (0 = none).
    """
    check_geodataframe(units, "units", id_col=id_col)
    uc, share, ucp, pop = _city_columns(units, cities, id_col, centre_pop)
    fm, employed, has_flows = unit_flows(
        units, flows, id_col=id_col, employed_col=employed_col, columns=flow_columns
    )
    _warn_without_flows(units[id_col].to_numpy(), has_flows, pop)
    found = city_units(uc, share, ucp, pop, params)
    city_fua = merge_polycentric(
        found.city_uc, fm, employed, pop,
        threshold=params.polycentric_threshold, max_iterations=params.max_iterations,
    )  # fmt: skip
    ucs_of_fua = _centres_of_fuas(city_fua, found.city_uc)
    reason = found.reason.copy()
    for k in np.flatnonzero(city_fua > 0):
        others = [c for c in ucs_of_fua[int(city_fua[k])] if c != found.city_uc[k]]
        if others:
            reason[k] += f"; polycentric FUA {city_fua[k]} with UC {', '.join(map(str, others))}"
    fua, cs = commuting_zone(city_fua, fm, employed, threshold=params.commuting_threshold)
    joined = fua != city_fua
    role = np.where(city_fua > 0, "city", np.where(joined, "commuting", "none")).astype(object)
    _zone_reasons(reason, joined, cs, params.commuting_threshold)
    _none_reasons(reason, fua, cs, employed, has_flows, found.note, params.commuting_threshold)
    _contiguity(units, fua, role, reason, cs.max_share, params)
    out = units.copy()
    out["fua_id"] = fua.astype("int32")
    out["role"] = role.astype(str)
    out["city_uc_id"] = np.where(role == "city", found.city_uc, 0).astype("int32")
    out["employed"] = employed
    share_to_fua = np.full(len(units), np.nan)
    inf = fua > 0
    share_to_fua[inf] = cs.shares[np.flatnonzero(inf), fua[inf] - 1]
    out["share_to_fua"] = share_to_fua
    out["max_share"] = cs.max_share
    out["best_fua_id"] = np.where(cs.max_share > 0, cs.best, 0).astype("int32")
    out["reason"] = reason.astype(str)
    fua_of_uc = {c: f for f, cs_ in ucs_of_fua.items() for c in cs_}
    centres = found.centres
    centres["fua_id"] = centres["uc_id"].map(fua_of_uc).fillna(0).astype("int32")
    return out, centres
