"""The Kazakhstan input builders on small synthetic data: surface, roads, SEZ hosts."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

from connectivity import RoadNetwork
from fua.kazakhstan import hosts, roads, surface

MOLL = "ESRI:54009"
# a 40 x 30 km lattice near Karaganda, GHSL-aligned
X0, Y0 = 5_260_000.0, 5_560_000.0
T = Affine(1000.0, 0.0, X0, 0.0, -1000.0, Y0)
SHAPE = (30, 40)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(MOLL, "EPSG:4326", always_xy=True).transform(x, y)
    return float(lon), float(lat)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, object]:
    cls = np.full(SHAPE, 11, dtype=np.int16)
    cls[10:16, 8:14] = 30  # a town
    cls[9:17, 7:15][(cls[9:17, 7:15] != 30)] = 21
    cls[20:26, 28:34] = 10  # a lake
    cls[5, 30] = 13
    with rasterio.open(tmp_path / "classes.tif", "w", driver="GTiff", height=SHAPE[0], width=SHAPE[1],
                       count=1, dtype="int16", crs=MOLL, transform=T, nodata=-200) as dst:  # fmt: skip
        dst.write(cls, 1)
    lon0, lat1 = _lonlat(X0 - 20_000, Y0 + 20_000)
    lon1, lat0 = _lonlat(X0 + 60_000, Y0 - 50_000)
    step = 5 / 60
    nx, ny = int(np.ceil((lon1 - lon0) / step)), int(np.ceil((lat1 - lat0) / step))
    wt = Affine(step, 0, lon0, 0, -step, lat1)
    counts = np.full((ny, nx), 500.0, dtype=np.float32)
    counts[0, 0] = -99999.0
    with rasterio.open(tmp_path / "wp.tif", "w", driver="GTiff", height=ny, width=nx, count=1,
                       dtype="float32", crs="EPSG:4326", transform=wt, nodata=-99999.0) as dst:  # fmt: skip
        dst.write(counts, 1)
    town = _lonlat(X0 + 11_500, Y0 - 13_500)
    village = _lonlat(X0 + 30_500, Y0 - 5_500)
    lonely = _lonlat(X0 + 3_500, Y0 - 27_500)
    places = gpd.GeoDataFrame(
        {"place": ["town", "village", "village"], "population": ["60000", None, "700"], "name": ["T", "V", "L"]},
        geometry=[shapely.Point(town), shapely.Point(village), shapely.Point(lonely)], crs="EPSG:4326",
    )  # fmt: skip
    places.to_file(tmp_path / "places.geojson", driver="GeoJSON")
    west, east = _lonlat(X0 + 2_000, Y0 - 15_000), _lonlat(X0 + 35_000, Y0 - 15_000)
    seeds = pd.DataFrame(
        {"lon": [west[0], east[0]], "lat": [west[1], east[1]], "region_id": [1, 2]}
    )
    regions = pd.DataFrame({"region_id": [1, 2], "region": ["West", "East"], "kind": ["region", "region"],
                            "population_2023": [123_457.0, 45_678.0]})  # fmt: skip
    a, b = _lonlat(X0 - 5_000, Y0 + 5_000), _lonlat(X0 + 45_000, Y0 - 35_000)
    outline = shapely.box(
        a[0] - 0.2, b[1] - 0.2, b[0] + 0.1, a[1] + 0.2
    )  # all but a sheared corner
    return {"paths": (tmp_path / "wp.tif", tmp_path / "classes.tif", tmp_path / "places.geojson"),
            "regions": regions, "seeds": seeds, "outline": outline, "cls": cls}  # fmt: skip


def _build(inputs: dict[str, object], **kw: object) -> surface.DasymetricSurface:
    return surface.build_dasymetric_surface(
        *inputs["paths"],
        inputs["regions"],
        seeds=inputs["seeds"],
        outline=inputs["outline"],
        **kw,  # type: ignore[misc, arg-type]
    )


def test_surface_conserves_regional_totals_exactly(inputs):
    s = _build(inputs)
    assert s.pop.dtype == np.float32
    for rid, total in ((1, 123_457.0), (2, 45_678.0)):
        assert s.pop[s.region == rid].sum(dtype=np.float64) == pytest.approx(total, abs=0.01)
    assert {1, 2} <= set(np.unique(s.region).tolist()) <= {0, 1, 2}
    assert np.all(s.pop[s.region == 0] == 0)  # outside the outline


def test_surface_is_zero_on_water_and_dense_in_the_town(inputs):
    s = _build(inputs)
    cls = inputs["cls"]
    assert np.all(s.pop[cls == 10] == 0)
    assert s.pop[cls == 30].mean() > 10 * s.pop[cls == 11].mean()
    assert s.pop[5, 30] > s.pop[cls == 11].mean()  # the village's cell


def test_surface_is_deterministic_and_round_trips(inputs, tmp_path):
    a, b = _build(inputs), _build(inputs)
    assert surface.array_sha256(a.pop) == surface.array_sha256(b.pop)
    rec = surface.write_surface(a, tmp_path / "s.tif", inputs={"x": 1})
    assert rec["array_sha256"] == surface.array_sha256(a.pop)
    grid = surface.dasymetric_population(tmp_path / "s.tif")
    assert grid.meta["modelled"] and grid.source.startswith("MODELLED")
    np.testing.assert_array_equal(grid.pop, a.pop)
    labels, _table = surface.dasymetric_region_labels(tmp_path / "s.tif")
    np.testing.assert_array_equal(labels, a.region)


def test_surface_params_are_checked():
    with pytest.raises(Exception, match="settlement_share"):
        surface.SurfaceParams(settlement_share=1.5)


def test_shipped_surface_matches_its_record():
    grid = surface.dasymetric_population()
    rec = json.loads(
        Path(surface.__file__)
        .with_name("data")
        .joinpath("population_1km_modelled.json")
        .read_text()
    )
    assert surface.array_sha256(grid.pop) == rec["array_sha256"] == grid.meta["array_sha256"]
    _, table = surface.dasymetric_region_labels()
    np.testing.assert_allclose(table["population_model"], table["population_2023"], atol=0.01)


# ---------------------------------------------------------------- roads
@pytest.fixture
def raw_roads(tmp_path: Path, inputs) -> Path:
    def ll(x: float, y: float) -> tuple[float, float]:
        return _lonlat(X0 + x, Y0 - y)

    west_east = shapely.MultiLineString(
        [[ll(-30_000, 13_000), ll(10_000, 13_000)], [ll(10_300, 13_000), ll(60_000, 13_000)]]
    )  # a 300 m gap
    north_south = shapely.MultiLineString([[ll(25_000, -20_000), ll(25_000, 60_000)]])  # crosses it
    schematic = shapely.MultiLineString([[ll(25_000, 60_000), ll(90_000, 60_000)]])
    g = gpd.GeoDataFrame(
        {"ref": ["KAZ90", "KAZ91", "KAZ92"], "is_schematic": [False, False, True],
         "length_km_official": [90.0, 80.0, 80.0]},
        geometry=[west_east, north_south, schematic], crs="EPSG:4326",
    )  # fmt: skip
    g.to_file(tmp_path / "raw.geojson", driver="GeoJSON")
    return tmp_path / "raw.geojson"


def test_road_pieces_joined_and_speeds_by_rule(raw_roads, inputs):
    pieces = roads.build_road_pieces(raw_roads, inputs["paths"][1])
    assert set(pieces["setting"]) == {"urban", "rural", "schematic", "gap"}
    assert set(pieces.loc[pieces["setting"] == "urban", "speed_kmh"]) == {60.0}
    assert set(pieces.loc[pieces["setting"] == "rural", "speed_kmh"]) == {90.0}
    sch = pieces.loc[pieces["setting"] == "schematic"]
    line_km = sch.to_crs(roads.KZ_METRIC).length.sum() / 1000
    assert sch["speed_kmh"].iat[0] == pytest.approx(90 * line_km / 80.0, rel=1e-3)
    urban_ref = set(pieces.loc[pieces["setting"] == "urban", "ref"])
    assert urban_ref == {"KAZ90"}  # only the west-east road crosses the town
    net = RoadNetwork.from_lines(pieces.to_crs(roads.KZ_METRIC), class_col="setting", speed_col="speed_kmh",
                                 largest_component=False)  # fmt: skip
    assert len(set(net.component_labels())) == 1  # gap closed, crossing noded


def test_shipped_network_has_access_links_and_is_connected():
    pts = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[shapely.Point(69.0, 47.0), shapely.Point(80.0, 50.0)],
                           crs="EPSG:4326")  # fmt: skip
    lines = roads.kazakhstan_road_lines(pts)
    acc = lines[lines["road_class"] == "access"]
    assert list(acc["from_place"]) == ["A", "B"]
    assert np.allclose(acc["speed_kmh"], roads.ACCESS_SPEED_KMH / roads.DETOUR_FACTOR)
    trunk = lines[lines["road_class"] == "trunk"]
    assert {"rural", "urban", "motorway", "schematic"} <= set(trunk["setting"])
    assert set(trunk.loc[trunk["setting"] == "motorway", "speed_kmh"]) == {110.0}
    assert set(trunk.loc[trunk["ref"] == "KAZ02", "setting"]) >= {"motorway", "rural"}
    net = roads.kazakhstan_road_network(pts)
    full = RoadNetwork.from_lines(
        lines, class_col="road_class", speed_col="speed_kmh", largest_component=False
    )
    assert net.n_nodes == full.n_nodes  # one strongly connected network
    assert net.total_length_km() > 15_000


def test_road_lines_check_parameters():
    with pytest.raises(Exception, match="detour_factor"):
        roads.kazakhstan_road_lines(access_links=False, detour_factor=0.5)


# ---------------------------------------------------------------- SEZ hosts
def test_sez_hosts_one_rule_one_set_of_columns():
    crs = "EPSG:3857"
    fuas = gpd.GeoDataFrame({"fua_id": [1, 2], "name": ["Big", "Port"]},
                            geometry=[shapely.box(0, 0, 10, 10), shapely.box(100, 0, 110, 10)], crs=crs)  # fmt: skip
    sez = gpd.GeoDataFrame({"zone": ["in big", "in port", "outside", "cut off"]},
                           geometry=[shapely.Point(5, 5), shapely.Point(105, 5), shapely.Point(50, 5),
                                     shapely.Point(500, 500)], crs=crs, index=[11, 12, 13, 14])  # fmt: skip
    times = pd.DataFrame(
        {1: [10.0, 90.0, 40.0, np.nan], 2: [95.0, 5.0, 30.0, np.nan]}, index=sez.index
    )
    centres = gpd.GeoDataFrame({"pop": [120_000.0, 60_000.0]},
                               geometry=[shapely.box(2, 2, 8, 8), shapely.box(102, 2, 108, 8)], crs=crs)  # fmt: skip
    out = hosts.sez_hosts(sez, {"50k": fuas, "100k": fuas.iloc[:1]}, {"50k": times, "100k": times},
                          centres=centres, city_tolerance_m=1.0)  # fmt: skip
    assert list(out["host_rule_50k"]) == ["contains", "contains", "nearest", "unreachable"]
    assert list(out["host_fua_50k"]) == ["Big", "Port", "Port", ""]
    assert out.loc[13, "host_minutes_50k"] == 30.0
    assert list(out["host_rule_100k"])[:3] == ["contains", "nearest", "nearest"]
    assert list(out["host_fua_100k"])[:3] == ["Big", "Big", "Big"]
    assert list(out["own_city_is_centre_50k"]) == [True, True, False, False]
    assert list(out["own_city_is_centre_100k"]) == [True, False, False, False]
    no_centres = hosts.sez_hosts(sez, {"50k": fuas}, {"50k": times})
    assert no_centres["own_city_is_centre_50k"].isna().all()
