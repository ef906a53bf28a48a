"""Functional urban areas in one call: :func:`delineate_fuas`.

It returns a :class:`~fua.fuas.result.FuaResult` (re-exported here).

Two routes (METHOD.md §4–5):

* **flows** (units + commuting flows): the EU-OECD definition — cities from
  the grid classification of local units, commuting zones from the 15 %
  rule (:func:`fua.commuting_zones`);
* **proxy** (a :class:`fua.CommutingModel` + travel times): grid-based FUAs
  as in Moreno-Monroy, Schiavina & Veneri (2021): each eligible urban centre
  plus the populated cells outside centres whose predicted probability
  reaches the model threshold, assigned to the centre closest in time and
  connected to it through cells assigned to the same centre.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from connectivity import OriginSet, RoadNetwork, raster_time_to_nearest
from connectivity.errors import CRSError, DataError, ParameterError
from fua._validate import check_positive
from fua.degurba.classify import DegurbaResult, degurba_result
from fua.degurba.params import DegurbaParams
from fua.degurba.units import check_units, classify_units, unit_cell_weights
from fua.degurba.vectorize import polygonize_labels
from fua.fuas.flows import FlowsLike
from fua.fuas.params import FuaParams
from fua.fuas.proxy.features import cell_features
from fua.fuas.proxy.model import CommutingModel
from fua.fuas.proxy.travel_time import STRAIGHT_LINE_SPEED_KMH, TravelTimeSource, travel_times
from fua.fuas.result import FuaResult
from fua.fuas.rules import apply_rules, eligible_centres
from fua.grid import PopulationGrid

if TYPE_CHECKING:
    from connectivity import RoadNetwork

__all__ = ["FuaResult", "delineate_fuas"]

log = logging.getLogger(__name__)

FUA_COLUMNS = [
    "fua_id",
    "name",
    "pop_city",
    "pop_commuting",
    "pop_total",
    "area_km2",
    "area_city_km2",
    "area_commuting_km2",
    "n_urban_centres",
    "uc_ids",
]


def _area_km2(g: gpd.GeoSeries) -> np.ndarray:
    return np.asarray(g.area, dtype="float64") / 1e6


def _empty_fua(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in FUA_COLUMNS}, geometry=[], crs=crs)


def _names_from_points(fua: gpd.GeoDataFrame, names: gpd.GeoDataFrame) -> pd.Series:
    """Name of the most populous place (``pop`` or ``population`` column) in each FUA."""
    if "name" not in names.columns:
        msg = "the names layer needs a 'name' column (and 'pop' or 'population' to rank places)"
        raise DataError(msg)
    if names.crs is None:
        msg = "the names layer has no CRS: set it with names.set_crs(...)"
        raise CRSError(msg)
    pts = names.to_crs(fua.crs) if names.crs != fua.crs else names
    pcol = next((c for c in ("pop", "population") if c in pts.columns), None)
    pts = pts.assign(_rank=pd.to_numeric(pts[pcol], errors="coerce").fillna(0) if pcol else 0.0)
    j = gpd.sjoin(
        pts[["name", "_rank", "geometry"]], fua[["fua_id", "geometry"]], predicate="within"
    )
    best = j.sort_values("_rank", ascending=False).drop_duplicates("fua_id")
    return best.set_index("fua_id")["name"]


def _finish_names(
    fua: gpd.GeoDataFrame, names: gpd.GeoDataFrame | None, fallback: pd.Series | None
) -> gpd.GeoDataFrame:
    nm = pd.Series("", index=fua.index, dtype=object)
    if fallback is not None:
        nm = fua["fua_id"].map(fallback).fillna("")
    if names is not None and len(fua):
        from_pts = fua["fua_id"].map(_names_from_points(fua, names))
        nm = from_pts.where(from_pts.notna(), nm)
    nm = nm.where(nm.astype(str) != "", "FUA " + fua["fua_id"].astype(str))
    return fua.assign(name=nm.astype(str))


# -- the flows route ------------------------------------------------------------
#: The columns of the units layer of the flows route.
_UNIT_COLUMNS = [
    "pop",
    "degurba",
    "uc_id",
    "uc_share",
    "fua_id",
    "role",
    "city_uc_id",
    "employed",
    "share_to_fua",
    "max_share",
    "best_fua_id",
    "reason",
]


def _dissolve_roles(member: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The FUAs, their cities and their commuting zones: units dissolved by ``fua_id``."""
    geom = member.geometry.name

    def dissolve(sel: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return sel[["fua_id", "pop", geom]].dissolve(by="fua_id", aggfunc="sum").reset_index()

    return {
        "fua": dissolve(member),
        "fua_city": dissolve(member[member["role"] == "city"]),
        "fua_commuting_zone": dissolve(member[member["role"] == "commuting"]),
    }


def _flows_stats(
    parts: dict[str, gpd.GeoDataFrame], member: gpd.GeoDataFrame, centres: pd.DataFrame
) -> pd.DataFrame:
    """One row per FUA: populations, areas, urban centres and the greater-city flag."""
    all_d, city, comm = parts["fua"], parts["fua_city"], parts["fua_commuting_zone"]
    stats = all_d[["fua_id", "pop"]].rename(columns={"pop": "pop_total"})
    stats = stats.merge(
        city[["fua_id", "pop"]].rename(columns={"pop": "pop_city"}), on="fua_id", how="left"
    )
    stats = stats.merge(
        comm[["fua_id", "pop"]].rename(columns={"pop": "pop_commuting"}), on="fua_id", how="left"
    ).fillna({"pop_commuting": 0.0, "pop_city": 0.0})
    stats["area_km2"] = _area_km2(all_d.geometry)
    stats = stats.merge(
        pd.DataFrame({"fua_id": city["fua_id"], "area_city_km2": _area_km2(city.geometry)}),
        on="fua_id",
        how="left",
    ).merge(
        pd.DataFrame({"fua_id": comm["fua_id"], "area_commuting_km2": _area_km2(comm.geometry)}),
        on="fua_id",
        how="left",
    )
    stats["area_commuting_km2"] = stats["area_commuting_km2"].fillna(0.0)
    ucs = (
        member[member["role"] == "city"]
        .groupby("fua_id")["city_uc_id"]
        .agg(lambda s: sorted(set(int(v) for v in s)))
    )
    stats["n_urban_centres"] = stats["fua_id"].map(ucs.map(len)).astype("int32")
    stats["uc_ids"] = stats["fua_id"].map(ucs.map(lambda v: ",".join(map(str, v))))
    flags = centres[centres["fua_id"] > 0].groupby("fua_id")["greater_city_flag"].any()
    stats["greater_city_flag"] = stats["fua_id"].map(flags).fillna(False).astype(bool)
    stats["name"] = ""
    return stats


def _city_names(
    roles: gpd.GeoDataFrame, member: gpd.GeoDataFrame, name_col: str | None
) -> pd.Series | None:
    """The name of each FUA's most populous city unit (by ``fua_id``), when ``name_col`` is given."""
    if name_col is None:
        return None
    if name_col not in roles.columns:
        msg = f"name_col={name_col!r} is not a column of units"
        raise ParameterError(msg)
    cities = member[member["role"] == "city"].sort_values("pop", ascending=False)
    return cities.drop_duplicates("fua_id").set_index("fua_id")[name_col].astype(str)


def _from_flows(
    result: DegurbaResult,
    units: gpd.GeoDataFrame,
    flows: FlowsLike,
    *,
    id_col: str,
    params: FuaParams,
    name_col: str | None,
    names: gpd.GeoDataFrame | None,
    employed_col: str | None,
) -> FuaResult:
    classified = classify_units(result, units, id_col=id_col, method=params.unit_pop_method)
    roles, centres = apply_rules(
        check_units(classified, result.grid, id_col),
        flows,
        id_col=id_col,
        params=params,
        employed_col=employed_col,
    )
    crs = roles.crs
    member = roles[roles["fua_id"] > 0]
    if len(member) == 0:
        empty = _empty_fua(crs)
        log.warning(
            "no FUA found (no urban centre of ≥ %s people with a city)", params.min_centre_pop
        )
        return FuaResult(empty, empty.copy(), empty.copy(), roles, centres, "flows", params, result)
    geom = member.geometry.name
    parts = _dissolve_roles(member)
    stats = _flows_stats(parts, member, centres)
    fallback = _city_names(roles, member, name_col)
    cols = [*FUA_COLUMNS, "greater_city_flag"]

    def layer(d: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        g = gpd.GeoDataFrame(
            stats.merge(d[["fua_id", geom]], on="fua_id", how="inner"), geometry=geom, crs=crs
        )
        g = _finish_names(g, names, fallback)
        return g[[*cols, geom]].sort_values("fua_id").reset_index(drop=True)

    unit_cols = [id_col, *([name_col] if name_col else []), *_UNIT_COLUMNS]
    out_units = roles[[*dict.fromkeys(unit_cols), geom]].to_crs(units.crs)
    layers = {k: layer(d) for k, d in parts.items()}
    return FuaResult(
        layers["fua"],
        layers["fua_city"],
        layers["fua_commuting_zone"],
        out_units,
        centres,
        "flows",
        params,
        result,
        meta={"n_units": len(units)},
    )


# -- the proxy route ------------------------------------------------------------
def _network_times(
    network: RoadNetwork, labels: np.ndarray, grid: PopulationGrid
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes on the road network from every populated cell to the nearest centre cell.

    Destinations are the centres of all cells of the eligible urban centres
    (so the time is to the centre's edge, as with the straight-line proxy);
    the populated cells are one :class:`connectivity.OriginSet` and the times
    one pass of :func:`connectivity.raster_time_to_nearest`.
    """
    import shapely
    from rasterio.transform import xy

    rows, cols = np.nonzero(labels > 0)
    xs, ys = (np.asarray(v, dtype="float64") for v in xy(grid.transform, rows, cols))
    centre_cells = gpd.GeoSeries(shapely.points(xs, ys), crs=grid.crs)
    cells = OriginSet.from_raster(network, grid)
    tt = raster_time_to_nearest(network, cells, centre_cells, dtype="float64")
    reached = tt.nearest >= 0
    t = np.where(reached, tt.time_min, np.inf)
    u = np.where(reached, labels[rows, cols][np.maximum(tt.nearest, 0)], 0).astype(np.int64)
    t[labels > 0] = 0.0
    u[labels > 0] = labels[labels > 0]
    n_bad = int(tt.attrs["n_unreachable"])
    if n_bad:
        log.info("%d populated cells cannot reach an urban centre on the network", n_bad)
    return t, u


def _connected_to_centre(member_uc: np.ndarray, centre_lab: np.ndarray) -> np.ndarray:
    """Keep cells of ``member_uc`` (uc id or 0) joined to a cell of that centre.

    Cells join through 8-neighbours carrying the same centre id; the graph
    of such neighbour pairs is labelled with ``connected_components`` and
    the components holding a cell of their own centre are kept.
    """
    rows, cols = member_uc.shape
    idx = np.arange(rows * cols).reshape(rows, cols)
    heads, tails = [], []
    # right, down, down-right, down-left neighbours (each pair once)
    for a_sl, b_sl in (
        ((slice(None), slice(0, cols - 1)), (slice(None), slice(1, cols))),
        ((slice(0, rows - 1), slice(None)), (slice(1, rows), slice(None))),
        ((slice(0, rows - 1), slice(0, cols - 1)), (slice(1, rows), slice(1, cols))),
        ((slice(0, rows - 1), slice(1, cols)), (slice(1, rows), slice(0, cols - 1))),
    ):
        a, b = member_uc[a_sl], member_uc[b_sl]
        same = (a == b) & (a > 0)
        heads.append(idx[a_sl][same])
        tails.append(idx[b_sl][same])
    r = np.concatenate(heads)
    c = np.concatenate(tails)
    g = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(rows * cols, rows * cols))
    _, comp = connected_components(g, directed=False)
    flat_m = member_uc.ravel()
    flat_c = centre_lab.ravel()
    seed = np.zeros(comp.max() + 1, bool)
    seed[comp[(flat_c > 0) & (flat_c == flat_m)]] = True
    keep = seed[comp].reshape(rows, cols) & (member_uc > 0)
    return np.where(keep, member_uc, 0)


def _proxy_members(
    result: DegurbaResult,
    model: CommutingModel,
    labels: np.ndarray,
    uc_pop: np.ndarray,
    time_min: np.ndarray,
    nearest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(centre id each cell belongs to, 0 = none; predicted probability per cell).

    Centre cells belong to their centre; other populated cells with a
    probability reaching the model threshold to their nearest centre, if
    joined to it (:func:`_connected_to_centre`).
    """
    grid = result.grid
    feats = cell_features(
        result, time_min=time_min, nearest=nearest, uc_pop=uc_pop, centre_mask=labels > 0
    )
    prob = np.zeros(grid.shape)
    member = np.where(labels > 0, labels, 0).astype(np.int64)
    if len(feats):
        p = model.predict_proba(feats)[:, 1]
        prob.ravel()[feats["flat"].to_numpy()] = p
        sel = feats["flat"].to_numpy()[p >= model.threshold_]
        member.ravel()[sel] = nearest.ravel()[sel]
    return _connected_to_centre(member, labels), prob


def _proxy_stats(
    grid: PopulationGrid, order: np.ndarray, city_lab: np.ndarray, comm_lab: np.ndarray
) -> pd.DataFrame:
    """One row per FUA of the proxy route (centre ``order[i]`` is FUA ``i + 1``)."""
    n = order.size
    pop = grid.pop
    cell_km2 = grid.cell_area_km2
    stats = pd.DataFrame({"fua_id": np.arange(1, n + 1), "uc_ids": [str(int(u)) for u in order]})
    for name, lab in (("city", city_lab), ("commuting", comm_lab)):
        stats[f"pop_{name}"] = np.bincount(lab.ravel(), weights=pop.ravel(), minlength=n + 1)[1:]
        stats[f"area_{name}_km2"] = np.bincount(lab.ravel(), minlength=n + 1)[1:] * cell_km2
    stats["pop_total"] = stats["pop_city"] + stats["pop_commuting"]
    stats["area_km2"] = stats["area_city_km2"] + stats["area_commuting_km2"]
    stats["n_urban_centres"] = np.int32(1)
    stats["name"] = ""
    return stats


def _proxy_layer(
    grid: PopulationGrid,
    stats: pd.DataFrame,
    lab: np.ndarray,
    names: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """The polygons of a FUA label grid, with the FUAs' statistics and names."""
    crs = grid.crs
    if not lab.any():
        return _empty_fua(crs)
    poly = polygonize_labels(lab.astype(np.int32), grid.transform, crs).rename(
        columns={"label": "fua_id"}
    )
    g = gpd.GeoDataFrame(stats.merge(poly, on="fua_id"), geometry="geometry", crs=crs)
    g = _finish_names(g, names, None)
    return g[[*FUA_COLUMNS, "geometry"]].reset_index(drop=True)


def _from_model(
    result: DegurbaResult,
    model: CommutingModel,
    *,
    network: RoadNetwork | None,
    travel_time: TravelTimeSource | None,
    params: FuaParams,
    units: gpd.GeoDataFrame | None,
    id_col: str | None,
    names: gpd.GeoDataFrame | None,
    speed_kmh: float,
) -> FuaResult:
    grid: PopulationGrid = result.grid
    labels, uc_pop = eligible_centres(result, params.min_centre_pop)
    if travel_time is not None and network is not None:
        msg = "give either network= or travel_time=, not both"
        raise ParameterError(msg)
    if travel_time is not None:
        tt = travel_times(travel_time, labels, grid.cell_size_m, speed_kmh=speed_kmh)
        t, near, tt_note = tt.time_min, tt.nearest, tt.note
    elif network is not None:
        t, near = _network_times(network, labels, grid)
        tt_note = "road network (connectivity.time_to_nearest)"
    else:
        msg = (
            "the proxy route needs travel times: network=RoadNetwork, travel_time=(time_min, uc_id) "
            "arrays, or travel_time='straight_line'"
        )
        raise ParameterError(msg)
    member, prob = _proxy_members(result, model, labels, uc_pop, t, near)
    ucs = np.unique(labels[labels > 0])
    # FUA ids by centre population, largest first
    order = ucs[np.argsort(-uc_pop[ucs], kind="stable")]
    fua_of_uc = np.zeros(int(labels.max(initial=0)) + 1, np.int64)
    fua_of_uc[order] = np.arange(1, order.size + 1)
    fua_lab = fua_of_uc[member]
    city_lab = np.where(labels > 0, fua_lab, 0)
    comm_lab = np.where(labels == 0, fua_lab, 0)
    stats = _proxy_stats(grid, order, city_lab, comm_lab)
    centres = pd.DataFrame(
        {"uc_id": ucs, "uc_pop": uc_pop[ucs], "fua_id": fua_of_uc[ucs].astype("int32")}
    )
    out_units = (
        _units_on_cells(grid, units, id_col, fua_lab, city_lab)
        if units is not None
        else gpd.GeoDataFrame()
    )
    return FuaResult(
        _proxy_layer(grid, stats, fua_lab, names),
        _proxy_layer(grid, stats, city_lab, names),
        _proxy_layer(grid, stats, comm_lab, names),
        out_units,
        centres,
        "proxy",
        params,
        result,
        fua_labels=fua_lab.astype(np.int32),
        meta={
            "threshold": model.threshold_,
            "threshold_criterion": model.threshold_criterion_,
            "travel_time": tt_note,
            "n_cells_selected": int((comm_lab > 0).sum()),
        },
        probability=prob,
    )


def _units_on_cells(
    grid: PopulationGrid,
    units: gpd.GeoDataFrame,
    id_col: str | None,
    fua_lab: np.ndarray,
    city_lab: np.ndarray,
) -> gpd.GeoDataFrame:
    """Proxy route: a unit joins the FUA holding ≥ 50 % of its people (its city part decides the role)."""
    if id_col is None:
        msg = "id_col is required with units"
        raise ParameterError(msg)
    up = check_units(units, grid, id_col)
    w = unit_cell_weights(grid, up, method="area")
    pop = grid.pop.ravel()
    total = w @ pop
    n_f = int(fua_lab.max(initial=0))
    out = units[[id_col, units.geometry.name]].copy()
    out["pop"] = total
    fua = np.zeros(len(units), np.int64)
    share = np.zeros(len(units))
    city_share = np.zeros(len(units))
    if n_f:
        lab = fua_lab.ravel()
        cells = np.flatnonzero(lab > 0)
        m = sp.csr_matrix((pop[cells], (cells, lab[cells] - 1)), shape=(pop.size, n_f))
        per = (w @ m).toarray()
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(total[:, None] > 0, per / total[:, None], 0.0)
        best = frac.argmax(axis=1)
        share = frac[np.arange(len(units)), best]
        fua = np.where(share >= 0.5, best + 1, 0)
        cl = city_lab.ravel()
        in_city = w @ (pop * (cl > 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            city_share = np.where(total > 0, in_city / total, 0.0)
    role = np.where(fua == 0, "none", np.where(city_share >= 0.5, "city", "commuting"))
    out["fua_id"] = fua.astype("int32")
    out["role"] = role
    out["share_to_fua"] = share
    out["reason"] = [
        f"proxy: {100 * s:.1f} % of pop in FUA {f} cells"
        if f
        else f"none: {100 * s:.1f} % of pop in FUA cells < 50 %"
        for f, s in zip(fua, share, strict=True)
    ]
    return out


def _check_route(
    *,
    flows: FlowsLike | None,
    units: gpd.GeoDataFrame | None,
    id_col: str | None,
    commuting: CommutingModel | None,
    proxy_only: Mapping[str, Any],
    flows_only: Mapping[str, Any],
) -> None:
    """One route, with what it needs and nothing of the other one (never silently ignored)."""
    if flows is not None and commuting is not None:
        msg = (
            "give flows= (EU-OECD route) or commuting= (proxy route), not both: with observed "
            "flows the commuting model is not used"
        )
        raise ParameterError(msg)
    if flows is None and commuting is None:
        msg = (
            "give units= and flows= (EU-OECD definition) or commuting=CommutingModel.default() "
            "with network= or travel_time= (proxy)"
        )
        raise ParameterError(msg)
    if commuting is not None and not isinstance(commuting, CommutingModel):
        msg = (
            f"commuting must be a CommutingModel, got {type(commuting).__name__}: use "
            "CommutingModel.default() or CommutingModel.load(path)"
        )
        raise ParameterError(msg)
    if flows is not None and (units is None or id_col is None):
        msg = "the flows route needs units= and id_col= (the unit id matching the flow ids)"
        raise ParameterError(msg)
    if units is not None and id_col is None:
        msg = "units= needs id_col= (the column with one id per unit)"
        raise ParameterError(msg)
    route, other, unused = (
        ("flows", "proxy", proxy_only) if flows is not None else ("proxy", "flows", flows_only)
    )
    given = [k for k, v in unused.items() if v is not None]
    if given:
        verb = "belongs" if len(given) == 1 else "belong"
        msg = (
            f"{' and '.join(given)} {verb} to the {other} route and would be ignored on the "
            f"{route} route: leave {'it' if len(given) == 1 else 'them'} out"
        )
        raise ParameterError(msg)


def delineate_fuas(
    grid: PopulationGrid | DegurbaResult,
    *,
    units: gpd.GeoDataFrame | None = None,
    flows: FlowsLike | None = None,
    id_col: str | None = None,
    commuting: CommutingModel | None = None,
    network: RoadNetwork | None = None,
    travel_time: TravelTimeSource | None = None,
    params: FuaParams | None = None,
    degurba_params: DegurbaParams | None = None,
    name_col: str | None = None,
    names: gpd.GeoDataFrame | None = None,
    employed_col: str | None = None,
    speed_kmh: float = STRAIGHT_LINE_SPEED_KMH,
    progress: bool = False,
) -> FuaResult:
    """Delineate functional urban areas from a population grid.

    Parameters
    ----------
    grid : PopulationGrid or DegurbaResult
        The population grid (classified here with ``degurba_params``) or an
        existing classification.
    units, flows, id_col : optional
        Local units and commuting flows: the EU-OECD route (see
        :func:`fua.commuting_zones`). With the proxy route, ``units`` are
        optional and get the FUA holding ≥ 50 % of their people.
    commuting : CommutingModel, optional
        The proxy route; use ``CommutingModel.default()`` for the shipped
        Belgian coefficients.
    network : connectivity.RoadNetwork, optional
        Road network for travel times (needs ``connectivity.time_to_nearest``).
    travel_time : tuple, ndarray or "straight_line", optional
        ``(time_min, uc_id)`` 2-D arrays of minutes to the nearest-in-time
        eligible centre and its id, a 3-D array ``(n_centres, rows, cols)``,
        or ``"straight_line"`` (distance to the nearest centre cell at
        ``speed_kmh``, the proxy the default model was fitted with).
    params : FuaParams, optional
        FUA thresholds (``min_centre_pop=100_000`` for Kazakhstan practice).
    degurba_params : DegurbaParams, optional
        Grid classification thresholds.
    name_col : str, optional
        Unit column naming a FUA after its most populous city unit.
    names : GeoDataFrame, optional
        Points with ``name`` (and ``pop``/``population``): a FUA is named
        after the most populous place inside it; else ``name_col``; else "FUA n".
    employed_col : str, optional
        Employed residents per unit (default: row totals of the flows).
    speed_kmh : float
        Speed of the straight-line proxy.
    progress : bool
        Log each step at INFO level (the CLI shows them).

    Returns
    -------
    FuaResult

    Notes
    -----
    Proxy route: cells outside the eligible centres with people, a finite
    time and ``P ≥ model.threshold_`` are assigned to their nearest-in-time
    centre; only those joined to a cell of that centre through cells
    assigned to the same centre (8-neighbours) are kept (Moreno-Monroy,
    Schiavina & Veneri 2021). Holes are not filled and centres are not
    merged into polycentric FUAs on this route.
    """
    p = params or FuaParams()
    say = log.info if progress else log.debug
    speed_kmh = check_positive(speed_kmh, "speed_kmh")
    _check_route(
        flows=flows, units=units, id_col=id_col, commuting=commuting,
        proxy_only={"network": network, "travel_time": travel_time},
        flows_only={"employed_col": employed_col, "name_col": name_col},
    )  # fmt: skip
    say("classifying the grid (Degree of Urbanisation)")
    result = degurba_result(grid, degurba_params)
    if flows is not None and units is not None and id_col is not None:
        say("classifying %d units and applying the commuting rules", len(units))
        return _from_flows(
            result,
            units,
            flows,
            id_col=id_col,
            params=p,
            name_col=name_col,
            names=names,
            employed_col=employed_col,
        )
    assert commuting is not None  # _check_route: one route, a CommutingModel on the proxy one
    say("predicting commuting-zone cells with %r", commuting)
    return _from_model(
        result,
        commuting,
        network=network,
        travel_time=travel_time,
        params=p,
        units=units,
        id_col=id_col,
        names=names,
        speed_kmh=speed_kmh,
    )
