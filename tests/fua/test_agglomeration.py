"""Tests of fua.metrics (and the SEZ tables of fua.kazakhstan.sez) on hand-computed examples."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity.errors import CRSError, DataError, ParameterError
from fua import PopulationGrid
from fua.kazakhstan.sez import association_table, sez_access_table
from fua.metrics import (
    fua_metrics,
    gini,
    herfindahl,
    market_potential,
    national_metrics,
    own_zone_time_min,
    theil,
    zipf_mle,
    zipf_ols,
)

MOLL = "ESRI:54009"


# ---------------------------------------------------------------- inequality
def test_gini_hand_values():
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0, abs=1e-15)
    # usual (population) formula Σ|xi−xj| / (2 n² μ): 6 / (2·16·0.25) = 0.75
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([1, 2, 3]) == pytest.approx(8 / (2 * 9 * 2))  # Σ|d| = 8


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_gini_matches_double_sum(xs):
    x = np.asarray(xs)
    if x.sum() <= 0:
        with pytest.raises(DataError):
            gini(x)
        return
    direct = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(direct, abs=1e-9)


def test_theil_hand_values():
    assert theil([5, 5, 5]) == pytest.approx(0.0, abs=1e-15)
    assert theil([1, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    assert theil([0, 0, 0, 7]) == pytest.approx(math.log(4))  # one holds all: ln n


def test_herfindahl_hand_values():
    assert herfindahl([1, 1, 2]) == pytest.approx(0.25**2 + 0.25**2 + 0.5**2)
    assert herfindahl([3, 3, 3, 3]) == pytest.approx(0.25)
    assert herfindahl([0, 9]) == pytest.approx(1.0)


def test_inequality_rejects_bad_input():
    with pytest.raises(DataError, match="NaN"):
        gini([1, np.nan])
    with pytest.raises(DataError, match="non-negative"):
        theil([1, -1])
    with pytest.raises(DataError, match="empty"):
        herfindahl([])


# ---------------------------------------------------------------- national
def test_national_metrics_primacy_and_shares():
    m = national_metrics([20, 100, 10, 50, 30], national_population=420)
    assert m["n_fuas"] == 5
    assert m["pop_in_fuas"] == 210
    assert m["share_in_fuas"] == pytest.approx(0.5)
    assert m["share_top1"] == pytest.approx(100 / 210)
    assert m["share_top3"] == pytest.approx(180 / 210)
    assert m["share_top5"] == pytest.approx(1.0)
    assert m["share_top1_national"] == pytest.approx(100 / 420)
    assert m["primacy_2"] == pytest.approx(2.0)
    assert m["primacy_4"] == pytest.approx(100 / (50 + 30 + 20))
    assert m["largest_share_top4"] == pytest.approx(100 / 200)
    assert m["herfindahl"] == pytest.approx(herfindahl([100, 50, 30, 20, 10]))
    assert m["gini"] == pytest.approx(gini([10, 20, 30, 50, 100]))
    assert m["zipf_n"] == 5 and m["zipf_xmin"] == 10


def test_national_metrics_counts_are_ints_and_mle_xmin_is_never_below_the_smallest():
    from fua.metrics import NATIONAL_METRICS_DOC

    sizes = [2_416_906, 1_357_601, 1_316_920, 627_637, 506_293, 157_671]
    m = national_metrics(sizes, zipf_xmin=50_000)
    assert isinstance(m["n_fuas"], int) and isinstance(m["zipf_n"], int)
    assert m["zipf_xmin"] == 50_000 and m["zipf_n"] == 6  # the OLS fits every FUA >= 50 000
    assert m["zipf_mle_xmin"] == 157_671 and m["zipf_mle_n"] == 6
    assert m["zipf_mle"] == pytest.approx(zipf_mle(sizes, xmin=157_671).exponent)
    assert m["zipf_mle"] > zipf_mle(sizes, xmin=50_000).exponent  # the old, biased value
    assert set(m) <= set(NATIONAL_METRICS_DOC)
    assert "SLOPE" in NATIONAL_METRICS_DOC["zipf_ols"]
    assert "EXPONENT" in NATIONAL_METRICS_DOC["zipf_mle"]
    above = national_metrics(sizes, zipf_xmin=600_000)
    assert above["zipf_mle_xmin"] == 627_637 and above["zipf_mle_n"] == 4


def test_national_metrics_small_and_invalid():
    m = national_metrics([5, 3])
    assert (
        math.isnan(m["share_in_fuas"]) and math.isnan(m["primacy_4"]) and math.isnan(m["zipf_ols"])
    )
    assert m["primacy_2"] == pytest.approx(5 / 3)
    with pytest.raises(ParameterError, match="national_population"):
        national_metrics([5, 3], national_population=4)
    with pytest.raises(ParameterError, match="top_k"):
        national_metrics([5, 3], top_k=(0,))


# ---------------------------------------------------------------- rank-size
def test_zipf_ols_exact_zipf_sample():
    n = 1000
    x = 1e6 / np.arange(1, n + 1)  # exact Zipf: size ∝ 1/rank
    fit = zipf_ols(x)
    assert fit.n == n and fit.method == "ols-rank-1/2"
    assert fit.se == pytest.approx(fit.exponent * math.sqrt(2 / n), rel=1e-12)
    assert abs(fit.exponent - 1.0) < fit.se / 2
    # order does not matter, and a threshold keeps the top of the distribution
    rng = np.random.default_rng(1)
    assert zipf_ols(rng.permutation(x)).exponent == pytest.approx(fit.exponent)
    top = zipf_ols(x, xmin=1e4)
    assert top.n == 100 and abs(top.exponent - 1.0) < top.se


def test_zipf_ols_scale_invariant():
    x = 1e6 / np.arange(1, 1001) ** 1.5
    a, b = zipf_ols(x), zipf_ols(7.0 * x)
    assert a.exponent == pytest.approx(b.exponent)
    assert abs(a.exponent - 1 / 1.5) < a.se  # ln rank ≈ −(1/1.5) ln size


def test_zipf_mle_pareto_sample():
    rng = np.random.default_rng(42)
    zeta, xmin, n = 1.2, 1e5, 4000
    x = xmin * (1 + rng.pareto(zeta, n))  # P(X > x) = (x / xmin)^−ζ
    fit = zipf_mle(x, xmin=xmin)
    assert fit.n == n
    assert fit.se == pytest.approx(fit.exponent / math.sqrt(n - 2))
    assert abs(fit.exponent - zeta) < 3 * fit.se
    # sizes below xmin are ignored
    mixed = np.concatenate([x, rng.uniform(1, xmin * 0.99, 500)])
    assert zipf_mle(mixed, xmin=xmin).exponent == pytest.approx(fit.exponent)


def test_zipf_mle_unbiased_in_small_samples():
    """(n − 1)/S is unbiased; the plain MLE n/S is biased up by n/(n − 1)."""
    rng = np.random.default_rng(7)
    zeta, n, reps = 1.0, 10, 20000
    x = 1 + rng.pareto(zeta, (reps, n))
    s = np.log(x).sum(axis=1)
    est = np.array([zipf_mle(row, xmin=1.0).exponent for row in x[:200]])
    np.testing.assert_allclose(est, (n - 1) / s[:200])
    assert ((n - 1) / s).mean() == pytest.approx(zeta, rel=0.02)
    assert (n / s).mean() == pytest.approx(zeta * n / (n - 1), rel=0.02)


def test_zipf_errors():
    with pytest.raises(DataError, match="at least 3"):
        zipf_ols([10, 5, 1], xmin=5)
    with pytest.raises(ParameterError, match="xmin"):
        zipf_mle([10, 5, 1], xmin=None)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="positive"):
        zipf_ols([10, 0, 1])


# ---------------------------------------------------------------- market potential
def _times():
    ids = ["A", "B", "C"]
    t = pd.DataFrame(
        [[0, 10, 20], [10, 0, np.inf], [20, np.inf, 0]], index=ids, columns=ids, dtype=float
    )
    pop = pd.Series({"A": 100.0, "B": 50.0, "C": 10.0})
    return t, pop


def test_market_potential_power_hand_check():
    t, pop = _times()
    own = pd.Series({"A": 5.0, "B": 2.0, "C": 1.0})
    mp = market_potential(t, pop, decay="power", beta=1.0, own_time_min=own)
    assert mp["A"] == pytest.approx(100 / 5 + 50 / 10 + 10 / 20)
    assert mp["B"] == pytest.approx(100 / 10 + 50 / 2)  # C unreachable: 0
    assert mp["C"] == pytest.approx(100 / 20 + 10 / 1)
    no_own = market_potential(t, pop, own_time_min=own, include_own=False)
    assert no_own["A"] == pytest.approx(50 / 10 + 10 / 20)
    assert mp.index.tolist() == ["A", "B", "C"]


def test_market_potential_exponential_and_rectangular():
    t, pop = _times()
    mp = market_potential(t, pop, decay="exp", beta=0.1)  # diagonal 0: f = 1
    assert mp["A"] == pytest.approx(100 + 50 * math.exp(-1) + 10 * math.exp(-2))
    # origins that are not destinations (e.g. SEZs): no own-zone term
    sez = pd.DataFrame({"A": [30.0], "B": [60.0], "C": [np.nan]}, index=["zone1"])
    mp2 = market_potential(sez, pop, decay="power", beta=2.0)
    assert mp2["zone1"] == pytest.approx(100 / 900 + 50 / 3600)


def test_market_potential_errors():
    t, pop = _times()
    with pytest.raises(DataError, match="own_time_min"):
        market_potential(t, pop, decay="power")  # own time 0 with power decay
    with pytest.raises(DataError, match="population"):
        market_potential(t, pop.drop("C"), own_time_min=1.0)
    bad = t.copy()
    bad.loc["A", "B"] = 0.0
    with pytest.raises(DataError, match="zero travel time"):
        market_potential(bad, pop, own_time_min=1.0)
    with pytest.raises(ParameterError, match="decay"):
        market_potential(t, pop, decay="gauss")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="beta"):
        market_potential(t, pop, beta=0)


def test_own_zone_time():
    assert own_zone_time_min(math.pi, speed_kmh=60) == pytest.approx(2 / 3)
    with pytest.raises(ParameterError):
        own_zone_time_min(1.0, speed_kmh=0)


# ---------------------------------------------------------------- per FUA
def _fua_case():
    # 5 x 5 grid of 1 km cells, origin (0, 5000): FUA 1 = 2 x 2 block top-left, FUA 2 = 3 x 3 bottom-right
    pop = np.zeros((5, 5))
    pop[0:2, 0:2] = [[100, 300], [0, 100]]
    pop[2:5, 2:5] = 10.0
    pop[2, 2] = 910.0
    grid = PopulationGrid(pop, Affine(1000, 0, 0, 0, -1000, 5000), MOLL)
    labels = np.zeros((5, 5), dtype=np.int32)
    labels[0:2, 0:2] = 1
    labels[2:5, 2:5] = 2
    fuas = gpd.GeoDataFrame(
        {"fua_id": [1, 2], "pop": [500.0, 990.0]},
        geometry=[shapely.box(0, 3000, 2000, 5000), shapely.box(2000, 0, 5000, 3000)],
        crs=MOLL,
        index=[10, 20],
    )
    return grid, labels, fuas


def test_fua_metrics_hand_check():
    grid, labels, fuas = _fua_case()
    centres = gpd.GeoDataFrame(
        geometry=[shapely.Point(500, 4500), shapely.Point(2500, 2500)], crs=MOLL
    )
    clusters = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(500, 4500),
            shapely.Point(1500, 3500),
            shapely.Point(4500, 500),
            shapely.Point(9e3, 9e3),
        ],
        crs=MOLL,
    )
    out = fua_metrics(fuas, grid=grid, labels=labels, centres=centres, clusters=clusters)
    assert out.index.tolist() == [10, 20]
    assert out["area_km2"].tolist() == pytest.approx([4.0, 9.0])
    assert out["density_per_km2"].tolist() == pytest.approx([125.0, 110.0])
    # Σ p·d / Σ p with 1 km² cells: (100² + 300² + 100²) / 500 = 220
    assert out.loc[10, "pw_density_per_km2"] == pytest.approx(220.0)
    assert out.loc[20, "pw_density_per_km2"] == pytest.approx((910**2 + 8 * 10**2) / 990)
    assert out["n_centres"].tolist() == [1, 1]
    assert out["n_clusters"].tolist() == [2, 1]
    assert out["share_national"].tolist() == pytest.approx([500 / 1490, 990 / 1490])
    assert "area_km2" not in fuas.columns  # input untouched


def test_fua_metrics_geographic_crs_area():
    fuas = gpd.GeoDataFrame(
        {"fua_id": [1], "pop": [1.0]}, geometry=[shapely.box(0, 0, 0.1, 0.1)], crs="EPSG:4326"
    )
    out = fua_metrics(fuas, national_population=10)
    # PROJ's Mollweide is equal-area on the sphere of radius a = 6 378 137 m:
    # area = a² · Δλ · (sin φ2 − sin φ1)
    a = 6378.137
    expected = a**2 * math.radians(0.1) * math.sin(math.radians(0.1))
    assert out["area_km2"].iat[0] == pytest.approx(expected, rel=1e-6)
    assert math.isnan(out["pw_density_per_km2"].iat[0])
    assert out["share_national"].iat[0] == pytest.approx(0.1)


def test_fua_metrics_errors():
    grid, labels, fuas = _fua_case()
    with pytest.raises(ParameterError, match="both grid"):
        fua_metrics(fuas, grid=grid)
    with pytest.raises(DataError, match="shape"):
        fua_metrics(fuas, grid=grid, labels=labels[:4])
    with pytest.raises(ParameterError, match="pop_col"):
        fua_metrics(fuas, pop_col="population")
    other = gpd.GeoDataFrame(geometry=[shapely.Point(0.5, 0.5)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="to_crs"):
        fua_metrics(fuas, centres=other)
    with pytest.raises(CRSError):
        fua_metrics(fuas.set_crs(None, allow_override=True))


# ---------------------------------------------------------------- SEZ tables
def test_metrics_module_is_country_agnostic():
    import fua.metrics

    assert not {"sez_access_table", "association_table"} & set(fua.metrics.__all__)


def test_sez_access_table_host_and_columns():
    _, _, fuas = _fua_case()
    fuas = fuas.assign(name=["North", "South"])
    sez = gpd.GeoDataFrame(
        {"name": ["in1", "in2", "near2"], "projects": [5, 1, 2], "jobs": [50, 10, 20]},
        geometry=[shapely.Point(1000, 4000), shapely.Point(3000, 1000), shapely.Point(5500, 1000)],
        crs=MOLL,
        index=[3, 1, 2],
    )
    times = pd.Series({1: 12.0, 2: 30.0, 3: 5.0})
    reach = pd.DataFrame({"pop_60min": [1e3, 2e3, 3e3]}, index=[1, 2, 3])
    out = sez_access_table(
        sez, fuas, fua_name_col="name", time_to_host_min=times, reachable_pop=reach,
        time_to_border_min=pd.Series({1: 1.0, 2: 2.0, 3: 3.0}),
    )  # fmt: skip
    assert out.index.tolist() == [3, 1, 2]
    assert out["host_fua_id"].tolist() == [1, 2, 2]
    assert out["host_fua_name"].tolist() == ["North", "South", "South"]
    assert out["host_within"].tolist() == [True, True, False]
    # 500 Mollweide metres east of the FUA edge, near (0°, 0°), where the east-west
    # scale of Mollweide is 2√2/π: 555.4 m on the ground
    assert out.loc[2, "host_distance_m"] == pytest.approx(
        500 * math.pi / (2 * math.sqrt(2)), rel=1e-3
    )
    assert out.loc[3, "host_distance_m"] == 0
    assert out["time_to_host_min"].tolist() == [5.0, 12.0, 30.0]
    assert out["pop_60min"].tolist() == [3e3, 1e3, 2e3]
    assert list(out.columns[-3:]) == ["projects", "jobs", "geometry"]
    assert out.crs == sez.crs


def test_sez_access_table_reprojects_points_and_checks_index():
    _, _, fuas = _fua_case()
    sez = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(1000, 4000)], crs=MOLL).to_crs(
        4326
    )
    out = sez_access_table(sez, fuas)
    assert out["host_fua_id"].tolist() == [1] and out.crs.to_epsg() == 4326
    with pytest.raises(DataError, match="index"):
        sez_access_table(sez, fuas, market_potential=pd.Series({99: 1.0}))


def test_association_table():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"jobs": np.arange(13.0), "mp": np.arange(13.0) ** 2, "t": -np.arange(13.0)})
    df["noise"] = rng.permutation(13)
    df.loc[0, "noise"] = np.nan
    out = association_table(df, ["jobs"], ["mp", "t", "noise"]).set_index("access")
    assert out.loc["mp", "spearman_rho"] == pytest.approx(1.0)
    assert out.loc["t", "spearman_rho"] == pytest.approx(-1.0)
    assert out.loc["mp", "p_value"] < 1e-6
    assert out.loc["mp", "n"] == 13 and out.loc["noise", "n"] == 12
    assert -1 <= out.loc["noise", "spearman_rho"] <= 1
    assert out["note"].str.contains("descriptive").all()
    assert "n = 13" in out.attrs["note"] and "descriptive" in out.attrs["note"]
    with pytest.raises(ParameterError, match="columns"):
        association_table(df, ["jobs"], ["missing"])


def test_association_table_degenerate():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0], "c": [1.0, 1.0]})
    out = association_table(df, ["a"], ["b", "c"])
    assert out["spearman_rho"].isna().all()
