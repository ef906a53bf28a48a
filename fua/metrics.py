"""Agglomeration metrics over FUAs or urban centres (METHOD.md §7).

Per FUA: population, area, density, population-weighted density, urban
centres and clusters inside, share of the national population
(:func:`fua_metrics`). National: concentration and rank-size statistics of FUA
sizes (:func:`national_metrics`, :func:`gini`, :func:`theil`,
:func:`herfindahl`, :func:`zipf_ols`, :func:`zipf_mle`). Market potential from
a travel-time matrix (:func:`market_potential`).

Nothing here knows a country: case-study tables (e.g. Kazakhstan's special
economic zones, :mod:`fua.kazakhstan.sez`) are built on top. Travel times are
inputs here: :mod:`connectivity` computes them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS

from connectivity.errors import CRSError, DataError, ParameterError
from connectivity.measures import decay_weights, internal_time_min
from connectivity.measures.gravity import check_decay
from fua.grid import DEFAULT_CRS, PopulationGrid

__all__ = [
    "NATIONAL_METRICS_DOC",
    "PowerLawFit",
    "fua_metrics",
    "gini",
    "herfindahl",
    "market_potential",
    "national_metrics",
    "own_zone_time_min",
    "theil",
    "zipf_mle",
    "zipf_ols",
]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- validation
def _sizes(sizes: Any, name: str = "sizes", *, positive: bool = False) -> np.ndarray:
    x = np.asarray(sizes, dtype="float64").ravel()
    if x.size == 0:
        msg = f"{name} is empty; pass at least one FUA size"
        raise DataError(msg)
    if not np.all(np.isfinite(x)):
        msg = f"{name} has NaN or infinite values; drop or fill them first"
        raise DataError(msg)
    if np.any(x < 0) or (positive and np.any(x <= 0)):
        kind = "positive" if positive else "non-negative"
        msg = f"{name} must be {kind} (people); got minimum {x.min()!r}"
        raise DataError(msg)
    return x


def _nonzero_sizes(sizes: Any, what: str) -> np.ndarray:
    """Valid sizes that do not all equal zero (else ``what`` is undefined)."""
    x = _sizes(sizes)
    if not x.any():
        msg = f"all sizes are zero; {what} is undefined"
        raise DataError(msg)
    return x


# ---------------------------------------------------------------- inequality
def gini(sizes: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of sizes.

    Notes
    -----
    The usual population (not small-sample-corrected) formula, the mean
    absolute difference over twice the mean:
    G = Σ_i Σ_j |x_i − x_j| / (2 n² μ), computed from the sorted sizes as
    G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1)/n. G = 0 for equal sizes and
    (n − 1)/n when one unit holds everything (0.75 for [0, 0, 0, 1]).
    """
    x = np.sort(_nonzero_sizes(sizes, "the Gini coefficient"))
    n, total = x.size, x.sum()
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * total) - (n + 1.0) / n)


def theil(sizes: Sequence[float] | np.ndarray) -> float:
    """Theil T index of sizes.

    Notes
    -----
    T = (1/n) Σ_i (x_i/μ) ln(x_i/μ), with 0·ln 0 = 0 (Theil 1967). 0 for equal
    sizes, ln n when one unit holds everything.
    """
    x = _nonzero_sizes(sizes, "the Theil index")
    r = x / x.mean()
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(terms.mean())


def herfindahl(sizes: Sequence[float] | np.ndarray) -> float:
    """Herfindahl(-Hirschman) index of the size shares.

    Notes
    -----
    H = Σ_i s_i², s_i = x_i / Σ_j x_j; 1/n for equal sizes, 1 for one unit.
    """
    x = _nonzero_sizes(sizes, "the Herfindahl index")
    s = x / x.sum()
    return float(np.sum(s * s))


# ---------------------------------------------------------------- rank-size
@dataclass(frozen=True)
class PowerLawFit:
    """A rank-size (Zipf) or Pareto-tail fit.

    Attributes
    ----------
    exponent : float
        The Zipf/Pareto exponent ζ of P(X > x) ∝ x^−ζ (1 = Zipf's law).
    se : float
        Its standard error.
    n : int
        Sizes used (those ≥ ``xmin``).
    xmin : float
        Threshold.
    method : str
        "ols-rank-1/2" or "mle".
    intercept : float
        OLS intercept a (NaN for the MLE).
    """

    exponent: float
    se: float
    n: int
    xmin: float
    method: str
    intercept: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """As a plain dict."""
        return asdict(self)


def _tail(sizes: Any, xmin: float | None) -> tuple[np.ndarray, float]:
    x = _sizes(sizes, positive=True)
    lo = float(x.min()) if xmin is None else float(xmin)
    if not math.isfinite(lo) or lo <= 0:
        msg = f"xmin must be a positive size, got {xmin!r}"
        raise ParameterError(msg)
    x = np.sort(x[x >= lo])[::-1]
    if x.size < 3:
        msg = f"only {x.size} sizes are ≥ xmin={lo:g}; a rank-size fit needs at least 3: lower xmin"
        raise DataError(msg)
    return x, lo


def zipf_ols(sizes: Sequence[float] | np.ndarray, *, xmin: float | None = None) -> PowerLawFit:
    """Rank-size exponent by OLS with the rank − ½ correction.

    Parameters
    ----------
    sizes : array-like
        Positive sizes (e.g. FUA populations).
    xmin : float, optional
        Use only sizes ≥ ``xmin`` (default: all).

    Returns
    -------
    PowerLawFit
        ``exponent`` b and ``se`` = b·sqrt(2/n).

    Notes
    -----
    Sort sizes in decreasing order, rank i = 1…n, and fit by OLS
    ln(i − ½) = a − b·ln(x_(i)). The ½ shift removes the leading small-sample
    bias of the plain rank regression, and the OLS standard error is wrong
    because ranks are not independent; the asymptotic standard error is
    b·sqrt(2/n) (Gabaix & Ibragimov 2011, "Rank − 1/2: a simple way to improve
    the OLS estimation of tail exponents", Journal of Business & Economic
    Statistics 29(1), 24–39).
    """
    x, lo = _tail(sizes, xmin)
    n = x.size
    y = np.log(np.arange(1, n + 1) - 0.5)
    lx = np.log(x)
    slope, intercept = np.polyfit(lx, y, 1)
    b = -float(slope)
    return PowerLawFit(b, b * math.sqrt(2.0 / n), n, lo, "ols-rank-1/2", float(intercept))


def zipf_mle(sizes: Sequence[float] | np.ndarray, *, xmin: float) -> PowerLawFit:
    """Pareto-tail exponent above ``xmin`` by maximum likelihood (Hill), unbiased form.

    Parameters
    ----------
    sizes : array-like
        Positive sizes.
    xmin : float
        The threshold above which sizes follow P(X > x) = (x/xmin)^−ζ.

    Returns
    -------
    PowerLawFit
        ``exponent`` ζ̂ = (n − 1) / Σ ln(x_i/xmin) and ``se`` = ζ̂ / sqrt(n − 2).

    Notes
    -----
    The maximum-likelihood (Hill) estimator of a continuous power law above a
    known xmin is ζ̂_ML = n / Σ_i ln(x_i/xmin), i.e. α̂ = 1 + ζ̂ for the density
    exponent (Clauset, Shalizi & Newman 2009, "Power-law distributions in
    empirical data", SIAM Review 51(4), 661–703, eq. 3.1). Since
    S = Σ ln(x_i/xmin) is Gamma(n, ζ), E[(n − 1)/S] = ζ: (n − 1)/S is unbiased
    and its exact standard deviation is ζ/sqrt(n − 2); the asymptotic form
    ζ/sqrt(n) is Clauset et al.'s eq. 3.2. The choice of xmin matters and is
    left to the caller (e.g. the national FUA threshold of 100 000).
    """
    if xmin is None:
        msg = "zipf_mle needs xmin (the threshold of the Pareto tail), e.g. xmin=100_000"
        raise ParameterError(msg)
    x, lo = _tail(sizes, xmin)
    n = x.size
    s = float(np.sum(np.log(x / lo)))
    if s <= 0:
        msg = "all sizes equal xmin; the Pareto exponent is undefined"
        raise DataError(msg)
    zeta = (n - 1) / s
    return PowerLawFit(zeta, zeta / math.sqrt(n - 2), n, lo, "mle")


# ---------------------------------------------------------------- national
def national_metrics(
    sizes: Sequence[float] | np.ndarray | pd.Series,
    *,
    national_population: float | None = None,
    top_k: Sequence[int] = (1, 3, 5),
    zipf_xmin: float | None = None,
) -> dict[str, float]:
    """Concentration and rank-size metrics of a country's FUA sizes.

    Parameters
    ----------
    sizes : array-like
        FUA populations (one per FUA).
    national_population : float, optional
        The country's population; gives ``share_in_fuas`` and the top-k shares
        of the national total (NaN when omitted).
    top_k : sequence of int
        k for the shares of the largest k FUAs.
    zipf_xmin : float, optional
        Threshold of the rank-size fits (default: all FUAs; the MLE then uses the
        smallest FUA as xmin).

    Returns
    -------
    dict
        ``n_fuas`` (int), ``pop_in_fuas``, ``share_in_fuas``; for each k
        ``share_top{k}`` (of FUA population) and ``share_top{k}_national``;
        ``primacy_2`` = P1/P2, ``primacy_4`` = P1/(P2 + P3 + P4) (Ginsburg's
        four-city index), ``largest_share_top4`` = P1/(P1 + … + P4);
        ``herfindahl``, ``gini``, ``theil``; the rank-size slope ``zipf_ols``
        (``zipf_ols_se``) over the ``zipf_n`` (int) sizes ≥ ``zipf_xmin``; the
        Pareto-tail exponent ``zipf_mle`` (``zipf_mle_se``) over the
        ``zipf_mle_n`` (int) sizes ≥ ``zipf_mle_xmin`` (NaN when fewer than 3
        FUAs). Shares are fractions 0–1. :data:`NATIONAL_METRICS_DOC` says
        what each key means.

    Notes
    -----
    Formulas in :func:`gini`, :func:`theil`, :func:`herfindahl`,
    :func:`zipf_ols` and :func:`zipf_mle`; primacy after Jefferson (1939)
    and Ginsburg (1961). The two Zipf estimates answer different questions
    and differ in small samples: ``zipf_ols`` is the slope b of the
    rank-size line ln(rank − ½) = a − b ln(size) (Gabaix & Ibragimov 2011),
    ``zipf_mle`` the maximum-likelihood exponent ζ of a Pareto tail above
    ``zipf_mle_xmin``. The Pareto likelihood assumes sizes down to its
    xmin, so the MLE never uses an xmin below the smallest FUA it fits:
    ``zipf_mle_xmin`` is the smallest FUA size ≥ ``zipf_xmin`` (a national
    threshold below every FUA, e.g. 50 000 when the smallest FUA has
    157 671 people, would bias ζ downwards).
    """
    x = np.sort(_sizes(sizes))[::-1]
    total = float(x.sum())
    nat = float("nan") if national_population is None else float(national_population)
    if national_population is not None and (
        not math.isfinite(nat) or nat <= 0 or nat < total * (1 - 1e-9)
    ):
        msg = f"national_population ({national_population!r}) must be positive and at least the FUA total ({total:g})"
        raise ParameterError(msg)
    out: dict[str, float] = {
        "n_fuas": int(x.size),
        "pop_in_fuas": total,
        "share_in_fuas": total / nat,
    }
    for k in top_k:
        if int(k) < 1:
            msg = f"top_k values must be ≥ 1, got {k!r}"
            raise ParameterError(msg)
        top = float(x[: int(k)].sum())
        out[f"share_top{int(k)}"] = top / total if total > 0 else float("nan")
        out[f"share_top{int(k)}_national"] = top / nat
    nan = float("nan")
    out["primacy_2"] = float(x[0] / x[1]) if x.size >= 2 and x[1] > 0 else nan
    out["primacy_4"] = float(x[0] / x[1:4].sum()) if x.size >= 4 and x[1:4].sum() > 0 else nan
    out["largest_share_top4"] = (
        float(x[0] / x[:4].sum()) if x.size >= 4 and x[:4].sum() > 0 else nan
    )
    out["herfindahl"] = herfindahl(x) if total > 0 else nan
    out["gini"] = gini(x) if total > 0 else nan
    out["theil"] = theil(x) if total > 0 else nan
    out.update(_zipf_fits(x[x > 0], zipf_xmin))
    return out


def _zipf_fits(pos: np.ndarray, zipf_xmin: float | None) -> dict[str, float]:
    """The OLS rank-size slope and the MLE tail exponent of :func:`national_metrics`."""
    nan = float("nan")
    lo = float(pos.min()) if zipf_xmin is None and pos.size else zipf_xmin
    ols: PowerLawFit | None
    mle: PowerLawFit | None
    try:
        ols = zipf_ols(pos, xmin=lo)
        tail = pos[pos >= ols.xmin]
        mle = zipf_mle(tail, xmin=float(tail.min()))
    except DataError:
        ols = mle = None
    return {
        "zipf_ols": ols.exponent if ols else nan,
        "zipf_ols_se": ols.se if ols else nan,
        "zipf_n": int(ols.n) if ols else nan,
        "zipf_xmin": float(ols.xmin) if ols else nan,
        "zipf_mle": mle.exponent if mle else nan,
        "zipf_mle_se": mle.se if mle else nan,
        "zipf_mle_n": int(mle.n) if mle else nan,
        "zipf_mle_xmin": float(mle.xmin) if mle else nan,
    }


#: What each key of :func:`national_metrics` means (units; shares are fractions 0–1).
NATIONAL_METRICS_DOC: dict[str, str] = {
    "n_fuas": "number of FUAs",
    "pop_in_fuas": "people living in FUAs",
    "share_in_fuas": "share (0-1) of the national population living in FUAs",
    "share_top1": "share (0-1) of the FUA population in the largest FUA",
    "share_top3": "share (0-1) of the FUA population in the 3 largest FUAs",
    "share_top5": "share (0-1) of the FUA population in the 5 largest FUAs",
    "share_top1_national": "share (0-1) of the national population in the largest FUA",
    "share_top3_national": "share (0-1) of the national population in the 3 largest FUAs",
    "share_top5_national": "share (0-1) of the national population in the 5 largest FUAs",
    "primacy_2": "primacy: largest FUA / second largest (Jefferson 1939)",
    "primacy_4": "four-city primacy: P1 / (P2 + P3 + P4) (Ginsburg 1961)",
    "largest_share_top4": "P1 / (P1 + P2 + P3 + P4)",
    "herfindahl": "Herfindahl index of FUA sizes (1/n equal ... 1 one FUA)",
    "gini": "Gini coefficient of FUA sizes (0 equal ... (n-1)/n one FUA)",
    "theil": "Theil T index of FUA sizes (0 equal ... ln n one FUA)",
    "zipf_ols": "rank-size SLOPE b by OLS of ln(rank - 1/2) on ln(size), FUAs >= zipf_xmin "
    "(Gabaix & Ibragimov 2011); 1 = Zipf's law",
    "zipf_ols_se": "standard error of zipf_ols, b*sqrt(2/n)",
    "zipf_n": "FUAs in the OLS rank-size fit",
    "zipf_xmin": "smallest size admitted to the OLS fit (people; the threshold given)",
    "zipf_mle": "Pareto tail EXPONENT zeta by maximum likelihood (Hill, unbiased), FUAs >= "
    "zipf_mle_xmin (Clauset et al. 2009); 1 = Zipf's law",
    "zipf_mle_se": "standard error of zipf_mle, zeta/sqrt(n-2)",
    "zipf_mle_n": "FUAs in the MLE fit",
    "zipf_mle_xmin": "xmin of the MLE (people): the smallest FUA fitted, never below the "
    "smallest FUA, since the Pareto likelihood assumes sizes down to xmin",
}


# ---------------------------------------------------------------- per FUA
def _area_km2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if gdf.crs is None:
        msg = "the FUA layer has no CRS; set it (gdf.set_crs(...)) before measuring areas"
        raise CRSError(msg)
    crs = ProjCRS.from_user_input(gdf.crs)
    if crs.is_geographic or "Mercator" in crs.name:
        log.info(
            "FUA areas measured in World Mollweide (ESRI:54009): the layer CRS %s is not equal-area",
            crs.name,
        )
        return np.asarray(gdf.geometry.to_crs(DEFAULT_CRS.to_wkt()).area) / 1e6
    return np.asarray(gdf.geometry.area) / 1e6


def _count_inside(fuas: gpd.GeoDataFrame, pts: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if pts.crs is None or fuas.crs is None or not ProjCRS.from_user_input(pts.crs).equals(fuas.crs):
        msg = f"{name} CRS ({pts.crs}) differs from the FUA CRS ({fuas.crs}); reproject with {name}.to_crs(fuas.crs)"
        raise CRSError(msg)
    rep = pts.geometry.representative_point().values
    tree = shapely.STRtree(fuas.geometry.values)
    _, poly = tree.query(rep, predicate="within")
    return np.bincount(poly, minlength=len(fuas))


def fua_metrics(
    fuas: gpd.GeoDataFrame,
    *,
    pop_col: str = "pop",
    id_col: str = "fua_id",
    grid: PopulationGrid | None = None,
    labels: np.ndarray | None = None,
    centres: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    national_population: float | None = None,
) -> gpd.GeoDataFrame:
    """Per-FUA (or per urban centre) agglomeration metrics.

    Parameters
    ----------
    fuas : geopandas.GeoDataFrame
        One polygon per FUA with a population column and an id column.
    pop_col, id_col : str
        Column names of population and of the FUA id (the values of ``labels``).
    grid : PopulationGrid, optional
        The population grid, for the population-weighted density.
    labels : numpy.ndarray, optional
        Integer array on ``grid`` with the FUA id of each cell (0 = none).
    centres, clusters : geopandas.GeoDataFrame, optional
        Urban centres and urban clusters (same CRS as ``fuas``); counted inside
        each FUA by their representative point.
    national_population : float, optional
        For ``share_national``; defaults to the grid total when a grid is given.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``fuas`` (same index) with ``area_km2``, ``density_per_km2``,
        ``pw_density_per_km2`` (NaN without grid and labels), ``n_centres``,
        ``n_clusters`` (absent when not given) and ``share_national``.

    Notes
    -----
    Area in km² in the layer's CRS when it is projected and not Mercator,
    else in World Mollweide. Density = population / area. Population-weighted
    density over the FUA's cells c: Σ_c p_c·d_c / Σ_c p_c, with d_c the cell's
    density per km² of land (:meth:`PopulationGrid.density`); it is the density
    at which the average resident lives (Craig 1984; Ottensmann 2018).
    """
    for col in (pop_col, id_col):
        if col not in fuas.columns:
            msg = f"fuas has no column {col!r}; pass pop_col=/id_col= naming its population and id columns"
            raise ParameterError(msg)
    pop = _sizes(fuas[pop_col].to_numpy(), pop_col)
    out = fuas.copy()
    area = _area_km2(fuas)
    out["area_km2"] = area
    out["density_per_km2"] = np.divide(pop, area, out=np.full(pop.shape, np.nan), where=area > 0)
    out["pw_density_per_km2"] = np.nan
    if (grid is None) != (labels is None):
        msg = "pass both grid= and labels= (a FUA-id raster on that grid) for the population-weighted density"
        raise ParameterError(msg)
    if grid is not None and labels is not None:
        lab = np.asarray(labels)
        if lab.shape != grid.shape:
            msg = f"labels has shape {lab.shape} but the grid is {grid.shape}; rasterise the FUA ids on the grid"
            raise DataError(msg)
        if not np.issubdtype(lab.dtype, np.integer):
            msg = f"labels must be an integer array of FUA ids, got dtype {lab.dtype}"
            raise DataError(msg)
        ids = fuas[id_col].to_numpy().astype(np.int64)
        p, d = grid.pop.ravel(), grid.density().ravel()
        flat = lab.ravel().astype(np.int64)
        keep = flat > 0
        size = int(max(flat.max(initial=0), ids.max(initial=0))) + 1
        sp = np.bincount(flat[keep], weights=p[keep], minlength=size)
        spd = np.bincount(flat[keep], weights=(p * d)[keep], minlength=size)
        valid_ids = (ids > 0) & (ids < size)
        pw = np.full(ids.shape, np.nan)
        num, den = spd[ids[valid_ids]], sp[ids[valid_ids]]
        pw[valid_ids] = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
        out["pw_density_per_km2"] = pw
        if national_population is None:
            national_population = grid.total_population
    if centres is not None:
        out["n_centres"] = _count_inside(fuas, centres, "centres")
    if clusters is not None:
        out["n_clusters"] = _count_inside(fuas, clusters, "clusters")
    nat = np.nan if national_population is None else float(national_population)
    out["share_national"] = pop / nat
    return out


# ---------------------------------------------------------------- market potential
def own_zone_time_min(area_km2: pd.Series | np.ndarray | float, *, speed_kmh: float) -> Any:
    """Internal travel time of a zone: (2/3)·sqrt(area/π) at ``speed_kmh``, in minutes.

    Notes
    -----
    The average distance from the centre of a disc of the zone's area to its
    points is (2/3)·r, r = sqrt(area/π) (Head & Mayer 2000, "Non-Europe: the
    magnitude and causes of market fragmentation in the EU", Weltwirtschaftliches
    Archiv 136; Keeble, Owens & Thompson 1982). The formula itself is
    :func:`connectivity.internal_time_min`, which takes m².
    """
    if not speed_kmh > 0:
        msg = f"speed_kmh must be positive, got {speed_kmh!r}"
        raise ParameterError(msg)
    out = internal_time_min(np.asarray(area_km2, dtype=float) * 1e6, speed_kmh)
    return out if np.ndim(out) else float(out)


def market_potential(
    times: pd.DataFrame,
    population: pd.Series,
    *,
    decay: Literal["power", "exp"] = "power",
    beta: float = 1.0,
    own_time_min: pd.Series | float | None = None,
    include_own: bool = True,
) -> pd.Series:
    """Market potential (effective density) MP_i = Σ_j P_j f(t_ij) from a travel-time matrix.

    Parameters
    ----------
    times : pandas.DataFrame
        Travel times in minutes, index = origins i, columns = destinations j
        (``inf``/NaN = unreachable: contributes nothing). Zones that are both
        origin and destination carry the same label.
    population : pandas.Series
        P_j indexed by destination label (every column of ``times`` needed).
    decay : {"power", "exp"}
        f(t) = t^−β (Harris 1954) or exp(−β t) (β per minute).
    beta : float
        Decay parameter (> 0).
    own_time_min : pandas.Series or float, optional
        Internal time t_ii of each origin for the own-zone term (see
        :func:`own_zone_time_min`). Default: the matrix diagonal (the entry
        with the origin's own label as column).
    include_own : bool
        Include the own-zone term P_i f(t_ii).

    Returns
    -------
    pandas.Series
        ``market_potential`` per origin (index of ``times``), in people
        (exponential) or people per minute^β (power).

    Notes
    -----
    MP_i = P_i f(t_ii) + Σ_{j≠i} P_j f(t_ij) (Harris 1954, "The market as a
    factor in the localization of industry in the United States", Annals of
    the AAG 44; effective density in Graham 2007). The own-zone term needs a
    positive internal time with power decay; zero times between different
    zones raise with power decay (f(0) is infinite).
    """
    check_decay(decay, beta)
    missing = [c for c in times.columns if c not in population.index]
    if missing:
        msg = f"population has no value for destinations {missing[:5]}; index it by the matrix column labels"
        raise DataError(msg)
    t = times.to_numpy(dtype=float, copy=True)
    t[np.isnan(t)] = np.inf
    if np.any(t < 0):
        msg = "times has negative travel times; check the matrix (minutes, ≥ 0)"
        raise DataError(msg)
    p = _sizes(population.reindex(times.columns).to_numpy(), "population")
    own = times.index.to_numpy()[:, None] == times.columns.to_numpy()[None, :]
    if own_time_min is not None:
        if isinstance(own_time_min, pd.Series):
            tii = own_time_min.reindex(times.index).to_numpy(dtype=float)
            if np.any(np.isnan(tii)):
                msg = "own_time_min lacks some origins of times; index it by the matrix index"
                raise DataError(msg)
        else:
            tii = np.full(len(times.index), float(own_time_min))
        rows, cols = np.nonzero(own)
        t[rows, cols] = tii[rows]
    if not include_own:
        t[own] = np.inf
    if decay == "power":
        if np.any((t == 0) & ~own):
            msg = "zero travel time between different zones with power decay (f(0) = inf); use decay='exp'"
            raise DataError(msg)
        if include_own and np.any((t == 0) & own):
            msg = "own-zone time is 0 with power decay; pass own_time_min= (e.g. own_zone_time_min(area, speed_kmh=...))"
            raise DataError(msg)
    f = decay_weights(t, decay=decay, beta=beta)
    n_unreach = int(np.isinf(t[~own]).sum())
    if n_unreach:
        log.info(
            "market potential: %d unreachable origin–destination pairs contribute 0", n_unreach
        )
    return pd.Series(f @ p, index=times.index, name="market_potential")
