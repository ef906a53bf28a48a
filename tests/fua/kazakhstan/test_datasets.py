"""Tests of fua.kazakhstan.datasets: embedded tables, the MODELLED surface, the embedded roads, benchmarks."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

import fua
import fua.grid
from connectivity import RoadNetwork
from connectivity.errors import DataError, FuaError, ParameterError
from fua.kazakhstan import datasets, roads

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


def test_trunk_roads_follow_the_real_geometry():
    """Real OSM geometry: each road's km is near its official length (schematic ones shorter)."""
    lines = datasets.kazakhstan_roads(access_links=False)
    assert lines.attrs["proxy"] is False
    assert set(lines["road_class"]) == {"trunk"}
    assert lines["source"].str.contains("OpenStreetMap").all()
    km = lines.groupby("ref")["length_m"].sum() / 1000
    official = datasets.load_republic_roads().groupby("ref")["official_km"].first()
    ratio = km / official.reindex(km.index)
    assert len(ratio) == 23
    schematic = ratio.index.isin(["KAZ03", "KAZ05"])
    assert ((ratio[~schematic] > 0.95) & (ratio[~schematic] < 1.3)).all(), ratio
    assert (ratio[schematic] < 1.0).all()
    assert set(lines["speed_kmh"]) >= {datasets.TRUNK_SPEED_KMH, 60.0, 110.0}


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


# ---------------------------------------------------------------- the embedded road network
def _points(names, lonlat):
    return gpd.GeoDataFrame(
        {"name": names}, geometry=shapely.points(np.asarray(lonlat)), crs="EPSG:4326"
    )


def test_embedded_roads_real_trunk_proxy_access():
    pts = _points(["a", "b"], [(72.0, 50.5), (60.0, 47.0)])
    lines = datasets.kazakhstan_roads(settlements=pts)
    assert lines.attrs["proxy"] is True
    assert "PROXY" in lines.attrs["note"] and "real OSM geometry" in lines.attrs["note"]
    trunk = lines[lines["road_class"] == "trunk"]
    acc = lines[lines["road_class"] == "access"]
    assert not trunk["source"].str.startswith("PROXY").any()
    assert acc["source"].str.startswith("PROXY").all() and list(acc["from_place"]) == ["a", "b"]
    assert np.allclose(acc["speed_kmh"], datasets.ACCESS_SPEED_KMH / roads.DETOUR_FACTOR)
    assert (acc["detour_factor"] == roads.DETOUR_FACTOR).all()
    # splitting the trunk where the links meet it keeps its length (to 0.01 %)
    plain = datasets.kazakhstan_roads(access_links=False)
    assert trunk["length_m"].sum() == pytest.approx(plain["length_m"].sum(), rel=1e-4)
    # every link ends on the trunk: the network is one strongly connected piece
    full = RoadNetwork.from_lines(lines, class_col="road_class", speed_col="speed_kmh",
                                  largest_component=False)  # fmt: skip
    assert roads.network_from_lines(lines).n_nodes == full.n_nodes


def test_embedded_roads_default_links_every_settlement():
    lines = datasets.kazakhstan_roads()
    linked = set(lines.loc[lines["road_class"] == "access", "from_place"])
    names = set(datasets.kazakhstan_settlements()["name"])
    assert len(linked) > 0.9 * len(names) and linked <= names  # the rest sit on a trunk road


def test_embedded_roads_bad_parameters():
    with pytest.raises(ParameterError, match="access_speed_kmh"):
        datasets.kazakhstan_roads(access_speed_kmh=0)
    with pytest.raises(ParameterError, match="detour_factor"):
        datasets.kazakhstan_roads(detour_factor=0.9)


# ---------------------------------------------------------------- the MODELLED surface
def test_settlements_are_the_pinned_geonames_copy():
    s = datasets.kazakhstan_settlements()
    assert len(s) == 296 and s["geonameid"].is_unique
    assert s.crs.to_epsg() == 4326 and s["region"].notna().all()
    assert set(s["region_id"]) == set(range(1, 21))
    assert s["source"].str.contains("GeoNames").all()
    sez = datasets.load_sez()
    assert set(sez["city_geonameid"]) <= set(s["geonameid"])  # every zone's own city is a place
    assert set(sez["city"]) <= set(s["name"])


def test_surface_is_the_shipped_model():
    grid = datasets.kazakhstan_population()
    assert grid.total_population == pytest.approx(OFFICIAL_TOTAL, abs=0.01)
    assert grid.crs.to_string() == "ESRI:54009"
    assert grid.cell_size_m == 1000.0
    assert grid.transform.c % 1000 == 0 and grid.transform.f % 1000 == 0  # GHSL-aligned
    assert grid.source is not None and grid.source.startswith("MODELLED")
    assert grid.meta["modelled"] is True and grid.meta["array_sha256"]
    assert grid.pop.dtype == np.float32 and (grid.pop >= 0).all()
    assert grid.valid is not None and grid.pop[~grid.valid].sum() == 0


def test_surface_regions_match_official():
    grid = datasets.kazakhstan_population()
    labels, table = datasets.kazakhstan_region_labels()
    assert labels.shape == grid.shape
    sums = np.bincount(labels.ravel(), weights=grid.pop.ravel().astype(float), minlength=21)
    official = datasets.load_regions().set_index("region_id")["population_2023"]
    np.testing.assert_allclose(sums[official.index.to_numpy()], official.to_numpy(), atol=0.01)
    assert set(table["region_id"]) == set(range(1, 21))
    assert (table["area_km2_model"] > 500).all()
    assert table["area_km2_model"].sum() == pytest.approx(2.72e6, rel=0.03)


def _cell_of(grid, lon, lat):
    x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(lon, lat)
    c, r = ~grid.transform * (x, y)
    return int(r), int(c)


def test_surface_densities_realistic():
    grid = datasets.kazakhstan_population()
    dens = grid.density()
    r, c = _cell_of(grid, 76.9115, 43.25249)  # Almaty
    almaty_peak = dens[r - 5 : r + 6, c - 5 : c + 6].max()
    assert 5_000 <= almaty_peak <= 40_000  # urban-centre densities, not a village
    r, c = _cell_of(grid, 75.32287, 51.72371)  # Ekibastuz, ~125 000 people
    assert 2_000 <= dens[r - 3 : r + 4, c - 3 : c + 4].max() <= 20_000
    inside = grid.valid
    assert np.median(dens[inside]) < 20  # thin in the steppe


def test_population_window_cuts_the_surface(tmp_path):
    bbox = (67.5, 41.2, 74.0, 44.2)  # southern Kazakhstan
    grid = datasets.kazakhstan_population()
    win = datasets.kazakhstan_population_window(bbox)
    c0, r0 = ~grid.transform @ (win.transform.c, win.transform.f)
    r0, c0 = round(r0), round(c0)
    h, w = win.shape
    assert np.array_equal(win.pop, grid.pop[r0 : r0 + h, c0 : c0 + w])
    assert win.crs == grid.crs and win.source == grid.source
    assert np.array_equal(win.valid, grid.valid[r0 : r0 + h, c0 : c0 + w])
    xs, ys = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(
        [bbox[0], bbox[2]], [bbox[1], bbox[3]]
    )
    left, bottom, right, top = win.bounds
    assert left <= min(xs) and right >= max(xs) and bottom <= min(ys) and top >= max(ys)
    tif = datasets.write_kazakhstan_population_window(tmp_path / "w.tif", bbox, dtype="float64")
    with rasterio.open(tif) as src:
        assert src.tags()["MODELLED"] == "yes" and src.tags()["SOURCE"] == grid.source
        band = src.read(1)
        assert src.nodata == -200.0 and src.transform == win.transform
    assert np.array_equal(band[win.valid], win.pop[win.valid])
    assert (band[~win.valid] == -200.0).all()
    with pytest.raises(fua.OutputExistsError):
        datasets.write_kazakhstan_population_window(tif, bbox)
    with pytest.raises(ParameterError, match="west < east"):
        datasets.kazakhstan_population_window((74.0, 41.2, 67.5, 44.2))
    with pytest.raises(DataError, match="overlap"):
        datasets.kazakhstan_population_window((-10, 40, -5, 45))


def test_benchmarks_table():
    b = datasets.load_benchmarks()
    assert (b["source"].str.len() > 20).all()
    nat = b[b["kind"] == "national"].set_index("compare_with")
    assert nat.loc["50k", "n_areas"] == 26 and nat.loc["50k", "share"] == 0.55
    assert nat.loc["100k", "n_areas"] == 18 and nat.loc["100k", "population"] == 11_200_000
    cities = b[b["kind"] == "city"]
    assert list(cities["name"]) == ["Almaty", "Astana", "Shymkent", "Aktobe", "Karaganda"]
    assert set(cities["geonames_name"]) <= set(datasets.kazakhstan_settlements()["name"])
    official = datasets.load_regions().set_index("region")["population_2023"]
    for city in ("Almaty", "Astana", "Shymkent"):  # the cities of republican significance
        row = cities[cities["name"] == city]
        assert row["population"].iat[0] == official[f"{city} city"]


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
    path = tmp_path / "real.tif"
    pop = np.arange(12, dtype="float64").reshape(3, 4)
    with rasterio.open(path, "w", driver="GTiff", height=3, width=4, count=1, dtype="float64",
                       crs="ESRI:54009", transform=Affine(1000, 0, 5_000_000, 0, -1000, 5_000_000)) as dst:  # fmt: skip
        dst.write(pop, 1)
    grid = datasets.kazakhstan_population(path=path)
    assert grid.total_population == pytest.approx(pop.sum())
    assert not grid.meta.get("modelled", False)
    with pytest.raises(FuaError):  # InputFileError is a FuaError
        datasets.kazakhstan_population(path=tmp_path / "missing.tif")
