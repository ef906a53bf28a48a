"""Tests of fua.kazakhstan.datasets: embedded tables, the modelled population surface, proxy roads."""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

import fua
import fua.grid
from connectivity.errors import DataError, FuaError, ParameterError
from fua.kazakhstan import datasets
from fua.kazakhstan import popmodel as _popmodel

OFFICIAL_TOTAL = 19_765_004


# ---------------------------------------------------------------- embedded tables
def test_sez_table_facts():
    sez = datasets.load_sez()
    assert len(sez) == 13
    assert sez["id"].tolist() == list(range(1, 14))
    assert sez.crs.to_epsg() == 4326
    assert sez.geometry.notna().all()
    # the years marked * in the source are flagged unconfirmed
    assert set(sez.loc[~sez["established_confirmed"], "id"]) == {2, 6, 10, 12, 13}
    assert sez["area_ha"].isna().sum() == 3  # New City, PIT, Qyzyljar: not published
    assert (sez["source"].str.len() > 0).all()
    assert sez.set_index("id").loc[12, "invest_per_state_tenge"] == pytest.approx(96.4)


def test_sez_totals_against_summary():
    sez = datasets.load_sez()
    summary = datasets.load_sez_summary().set_index(["metric", "period"])["value"]
    period = "2002 – mid-2022"
    assert summary[("projects", period)] == 308
    assert sez["projects"].sum() == summary[("projects", period)]
    assert summary[("jobs", period)] == 24369
    # The published zone rows sum to 11 jobs fewer than the published total; the
    # data keep both as published and the summary row says so.
    assert sez["jobs"].sum() == 24358
    note = (
        datasets.load_sez_summary().query("metric == 'jobs' and period == @period")["note"].iat[0]
    )
    assert "24 358" in note


def test_regions_population():
    reg = datasets.load_regions()
    assert len(reg) == 20
    assert reg["population_2023"].sum() == OFFICIAL_TOTAL
    assert reg["region_id"].tolist() == list(range(1, 21))
    assert reg["geonames_admin1"].is_unique
    assert reg.loc[reg["region"] == "Almaty region", "admin_centre"].iat[0] == "Konaev"
    assert reg.loc[reg["region"] == "Ulytau", "admin_centre"].iat[0] == "Zhezkazgan"
    assert set(reg.loc[reg["kind"] == "city", "region"]) == {
        "Astana city",
        "Almaty city",
        "Shymkent city",
    }
    outline = shapely.buffer(datasets.kazakhstan_outline(), 0.3)
    assert shapely.within(reg.geometry.values, outline).all()


def test_republic_roads_waypoints():
    wp = datasets.load_republic_roads()
    assert wp["ref"].nunique() == 23
    assert sorted(wp["ref"].unique()) == [f"KAZ{i:02d}" for i in range(1, 24)]
    for _, g in wp.groupby("ref"):
        assert g["seq"].tolist() == list(range(1, len(g) + 1))
        assert g["official_km"].nunique() == 1
    assert set(wp["kind"]) <= {"city", "border", "junction"}
    located = wp["lon"].notna()
    assert (wp.loc[~located, "coord_source"].str.startswith("unlocated")).all()
    assert wp.loc[located, "geometry"].notna().all() and wp.loc[~located, "geometry"].isna().all()
    from_gn = wp["coord_source"].str.startswith("GeoNames")
    assert from_gn.sum() >= 70  # most waypoints are GeoNames places
    assert wp.loc[wp["ref"] == "KAZ06", "place"].iat[0] == "Zhaisan"
    assert wp.loc[wp["ref"] == "KAZ06", "place"].iat[-1] == "Nur Zholy"


def test_straight_roads_not_longer_than_official():
    """Straight lines between waypoints must be shorter than the road (a wrong coordinate shows)."""
    roads = datasets.kazakhstan_roads(access_links=False)
    km = roads.groupby("ref")["length_m"].sum() / 1000
    official = datasets.load_republic_roads().groupby("ref")["official_km"].first()
    ratio = km / official.reindex(km.index)
    assert len(ratio) == 23
    assert (ratio < 1.05).all(), ratio[ratio >= 1.05]
    assert (ratio > 0.3).all()


def test_corridors_and_borders():
    cor = datasets.load_corridors()
    refs = set(datasets.load_republic_roads()["ref"])
    assert set(cor["road_ref"]) <= refs
    assert cor["lon"].notna().all()
    assert cor["corridor"].nunique() == 7
    bc = datasets.load_border_crossings()
    assert set(bc["kind"]) == {"road", "rail"}
    assert {"Zhaisan", "Nur Zholy", "Kurmangazy", "Dostyk", "Altynkol"} <= set(bc["name"])
    # a post on a trunk road is that road's border waypoint, at the same point
    wp = datasets.load_republic_roads()
    for _, row in bc[bc["road_ref"] != ""].iterrows():
        hit = wp[(wp["ref"] == row["road_ref"]) & (wp["place"] == row["name"])]
        if len(hit):
            assert hit["lon"].iat[0] == row["lon"] and hit["lat"].iat[0] == row["lat"]


# ---------------------------------------------------------------- proxy roads
def _points(names, lonlat):
    return gpd.GeoDataFrame(
        {"name": names}, geometry=shapely.points(np.asarray(lonlat)), crs="EPSG:4326"
    )


def test_proxy_roads_access_links_meet_trunk_vertices():
    pts = _points(["a", "b", "c"], [(72.0, 50.5), (60.0, 47.0), (76.9115, 43.25249)])
    roads = datasets.kazakhstan_roads(settlements=pts)
    assert roads.attrs["proxy"] is True and "PROXY" in roads.attrs["note"]
    assert roads["source"].str.startswith("PROXY").all()
    assert set(roads["road_class"]) == {"trunk", "access"}
    trunk = roads[roads["road_class"] == "trunk"]
    acc = roads[roads["road_class"] == "access"]
    assert (trunk["speed_kmh"] == datasets.TRUNK_SPEED_KMH).all()
    assert (acc["speed_kmh"] == datasets.ACCESS_SPEED_KMH).all()
    # "c" sits on the Almaty waypoint: no zero-length link
    assert set(acc["from_place"]) == {"a", "b"}
    ends = {
        xy
        for g in trunk.geometry
        for xy in shapely.get_coordinates(g).round(9).tolist()
        for xy in [tuple(xy)]
    }
    for g in acc.geometry:
        end = tuple(shapely.get_coordinates(g)[-1].round(9).tolist())
        assert end in ends
    assert (roads["length_m"] > 0).all()
    # splitting at attachment points keeps the trunk length (to 0.1 %)
    plain = datasets.kazakhstan_roads(access_links=False)
    assert trunk["length_m"].sum() == pytest.approx(plain["length_m"].sum(), rel=1e-3)


def test_proxy_roads_bad_speed():
    with pytest.raises(ParameterError, match="trunk_speed_kmh"):
        datasets.kazakhstan_roads(access_links=False, trunk_speed_kmh=0)


# ---------------------------------------------------------------- modelled surface
@pytest.fixture(scope="module")
def surface_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fua-cache")
    datasets.kazakhstan_population(cache_dir=d)
    return d


def test_surface_total_and_labels(surface_dir):
    grid = datasets.kazakhstan_population(cache_dir=surface_dir)
    assert abs(grid.total_population - OFFICIAL_TOTAL) < 1e-6
    assert grid.crs.to_string() == "ESRI:54009"
    assert grid.cell_size_m == 1000.0
    assert grid.transform.c % 1000 == 0 and grid.transform.f % 1000 == 0  # GHSL-aligned
    assert grid.source is not None and grid.source.startswith("MODELLED")
    assert grid.meta["modelled"] is True
    assert grid.meta["n_settlements"] > 250
    assert (grid.pop >= 0).all()
    assert grid.valid is not None and grid.pop[~grid.valid].sum() == 0
    (tif,) = Path(surface_dir).glob("*.tif")
    assert "MODELLED" in tif.name
    with rasterio.open(tif) as src:
        assert src.tags()["MODELLED"] == "yes"
        assert src.tags()["SOURCE"].startswith("MODELLED")
        assert src.dtypes[0] == "float64"


def test_population_window_cuts_the_surface(surface_dir, tmp_path):
    bbox = (67.5, 41.2, 74.0, 44.2)  # southern Kazakhstan
    grid = datasets.kazakhstan_population(cache_dir=surface_dir)
    win = datasets.kazakhstan_population_window(bbox, cache_dir=surface_dir)
    c0, r0 = ~grid.transform @ (win.transform.c, win.transform.f)
    r0, c0 = round(r0), round(c0)
    h, w = win.shape
    assert np.array_equal(win.pop, grid.pop[r0 : r0 + h, c0 : c0 + w])
    assert win.crs == grid.crs and win.source == grid.source
    assert np.array_equal(win.valid, grid.valid[r0 : r0 + h, c0 : c0 + w])
    # the box's corners lie inside the window
    xs, ys = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(
        [bbox[0], bbox[2]], [bbox[1], bbox[3]]
    )
    left, bottom, right, top = win.bounds
    assert left <= min(xs) and right >= max(xs) and bottom <= min(ys) and top >= max(ys)
    tif = datasets.write_kazakhstan_population_window(
        tmp_path / "w.tif", bbox, dtype="float64", cache_dir=surface_dir
    )
    with rasterio.open(tif) as src:
        assert src.tags()["MODELLED"] == "yes" and "MODELLED" in src.tags()["SOURCE"]
        band = src.read(1)
        assert src.nodata == -200.0 and src.transform == win.transform
    assert np.array_equal(band[win.valid], win.pop[win.valid])
    assert (band[~win.valid] == -200.0).all()
    with pytest.raises(fua.OutputExistsError):
        datasets.write_kazakhstan_population_window(tif, bbox, cache_dir=surface_dir)
    with pytest.raises(ParameterError, match="west < east"):
        datasets.kazakhstan_population_window((74.0, 41.2, 67.5, 44.2), cache_dir=surface_dir)
    with pytest.raises(DataError, match="overlap"):
        datasets.kazakhstan_population_window((-10, 40, -5, 45), cache_dir=surface_dir)


def test_surface_regions_match_official(surface_dir):
    grid = datasets.kazakhstan_population(cache_dir=surface_dir)
    labels, table = datasets.kazakhstan_region_labels(cache_dir=surface_dir)
    assert labels.shape == grid.shape
    sums = np.bincount(labels.ravel(), weights=grid.pop.ravel(), minlength=21)
    official = datasets.load_regions().set_index("region_id")["population_2023"]
    np.testing.assert_allclose(sums[official.index.to_numpy()], official.to_numpy(), rtol=1e-9)
    assert set(table["region_id"]) == set(range(1, 21))
    # Voronoi areas: every region has land; the country ≈ 2.7 million km²
    assert (table["area_km2_model"] > 500).all()
    assert table["area_km2_model"].sum() == pytest.approx(2.72e6, rel=0.03)


def _cell_of(grid, lon, lat):
    x, y = Transformer.from_crs("EPSG:4326", "ESRI:54009", always_xy=True).transform(lon, lat)
    c, r = _popmodel._apply(~grid.transform, x, y)
    return int(r), int(c)


def test_surface_densities_realistic(surface_dir):
    grid = datasets.kazakhstan_population(cache_dir=surface_dir)
    dens = grid.density()
    r, c = _cell_of(grid, 76.9115, 43.25249)  # Almaty
    almaty_peak = dens[r - 5 : r + 6, c - 5 : c + 6].max()
    assert 10_000 <= almaty_peak <= 15_000
    r, c = _cell_of(grid, 75.32287, 51.72371)  # Ekibastuz, ~120 000 in GeoNames
    assert 3_000 <= dens[r - 3 : r + 4, c - 3 : c + 4].max() <= 5_000
    assert dens.max() == pytest.approx(almaty_peak)  # the largest city is the densest
    # some population everywhere in the country, thin in the steppe
    inside = grid.valid
    assert (grid.pop[inside] > 0).all()
    assert np.median(dens[inside]) < 20


def test_surface_cache_hit_and_refresh(surface_dir, monkeypatch):
    (tif,) = Path(surface_dir).glob("*.tif")
    mtime = tif.stat().st_mtime_ns

    def boom(*a, **k):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(_popmodel, "build_surface", boom)
    grid = datasets.kazakhstan_population(cache_dir=surface_dir)
    assert tif.stat().st_mtime_ns == mtime
    assert grid.meta["cache_path"] == str(tif)
    with pytest.raises(AssertionError, match="rebuilt"):
        datasets.kazakhstan_population(cache_dir=surface_dir, refresh=True)
    assert tif.exists() and tif.stat().st_mtime_ns == mtime  # a failed rebuild leaves the cache


def test_cache_directory_env(monkeypatch, tmp_path):
    monkeypatch.setenv("FUA_CACHE_DIR", str(tmp_path / "c1"))
    assert datasets.cache_directory() == tmp_path / "c1"
    assert (tmp_path / "c1").is_dir()
    assert datasets.cache_directory(tmp_path / "c2") == tmp_path / "c2"
    monkeypatch.delenv("FUA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name != "nt":
        assert datasets.cache_directory() == tmp_path / "xdg" / "fua-toolkit"


def test_path_uses_read_population(monkeypatch, tmp_path):
    sentinel = fua.PopulationGrid(np.ones((2, 2)), Affine(1000, 0, 0, 0, -1000, 0), "ESRI:54009")
    seen = []

    def fake(path):
        seen.append(path)
        return sentinel

    monkeypatch.setattr(fua.grid, "read_population", fake, raising=False)
    out = datasets.kazakhstan_population(path=tmp_path / "ghs.tif")
    assert out is sentinel and seen == [tmp_path / "ghs.tif"]


def test_real_grid_replaces_the_modelled_surface(tmp_path):
    import rasterio
    from affine import Affine

    path = tmp_path / "real.tif"
    pop = np.arange(12, dtype="float64").reshape(3, 4)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=3,
        width=4,
        count=1,
        dtype="float64",
        crs="ESRI:54009",
        transform=Affine(1000, 0, 5_000_000, 0, -1000, 5_000_000),
    ) as dst:
        dst.write(pop, 1)
    grid = datasets.kazakhstan_population(path=path)
    assert grid.total_population == pytest.approx(pop.sum())
    assert not grid.meta.get("modelled", False)
    with pytest.raises(FuaError):  # InputFileError is a FuaError
        datasets.kazakhstan_population(path=tmp_path / "missing.tif")


# ---------------------------------------------------------------- the model on a toy case
def _toy():
    regions = pd.DataFrame(
        {
            "region_id": [1, 2],
            "region": ["West", "East"],
            "kind": ["region", "region"],
            "population_2023": [150_000.0, 40_000.0],
            "geonames_admin1": ["01", "02"],
        }
    )
    st = pd.DataFrame(
        {
            "geonameid": [1, 2, 3],
            "name": ["big", "small", "east"],
            "lon": [60.0, 60.3, 61.0],
            "lat": [48.0, 48.1, 48.0],
            "population_geonames": [100_000.0, 20_000.0, 50_000.0],
            "admin1": ["01", "01", "02"],
            "region_id": [1, 1, 2],
        }
    )
    outline = shapely.box(59.5, 47.6, 61.5, 48.4)
    return regions, st, outline


def test_toy_model_conserves_and_scales(caplog):
    regions, st, outline = _toy()
    with caplog.at_level("INFO", logger="fua.kazakhstan.popmodel"):
        s = _popmodel.build_surface(regions, outline, settlements=st)
    sums = np.bincount(s.region.ravel(), weights=s.pop.ravel(), minlength=3)
    np.testing.assert_allclose(sums[1:], [150_000, 40_000], rtol=1e-12)
    # East's settlement (50 000) exceeds its total (40 000): scaled by 0.8, no remainder
    reg = s.regions.set_index("region_id")
    assert reg.loc[2, "settlement_scale"] == pytest.approx(0.8)
    assert reg.loc[2, "remainder"] == 0
    assert reg.loc[1, "remainder"] == pytest.approx(30_000)
    assert "exceed the official total" in caplog.text
    assert (s.pop[s.region == 0] == 0).all()
    # the density profile peaks at the big settlement
    dens = s.pop / 1.0
    r, c = np.unravel_index(np.argmax(dens), dens.shape)
    x, y = _popmodel._apply(s.transform, c + 0.5, r + 0.5)
    lon, lat = Transformer.from_crs("ESRI:54009", "EPSG:4326", always_xy=True).transform(x, y)
    assert math.hypot(lon - 60.0, lat - 48.0) < 0.03


def test_toy_model_profile_shape():
    """D0 and b follow D0 = D_ref (P/P_ref)^α and 2π D0 b² = P."""
    p = _popmodel.PopModelParams()
    d0 = p.d0_ref_per_km2 * (2e6 / p.p_ref) ** p.d0_exponent
    b = math.sqrt(2e6 / (2 * math.pi * d0))
    assert 2 * math.pi * d0 * b**2 == pytest.approx(2e6)
    assert 9_000 < d0 < 11_000 and 4 < b < 6


def test_toy_model_no_settlements_in_region():
    regions, st, outline = _toy()
    with pytest.raises(DataError, match="East"):
        _popmodel.build_surface(regions, outline, settlements=st[st["region_id"] == 1])
