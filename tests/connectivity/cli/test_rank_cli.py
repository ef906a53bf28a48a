"""``connectivity rank-links`` on small files written to tmp_path."""

from __future__ import annotations

import json
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

from connectivity.cli import main

UTM = "EPSG:32643"


@pytest.fixture
def files(tmp_path):
    # a corridor road east-west (y = 0, 90 km/h) and a town road (y = 5000, 30 km/h) joined to it
    # only at its far east end by a slow road: a straight link north-south cuts the trip short
    roads = gpd.GeoDataFrame(
        {"highway": ["trunk", "residential", "residential"], "speed": [90.0, 30.0, 30.0]},
        geometry=[
            shapely.LineString([(x, 0) for x in range(0, 10_001, 1000)]),  # a node every km
            shapely.LineString([(x, 5000) for x in range(0, 10_001, 1000)]),
            shapely.LineString([(10_000, 5000), (10_000, 0)]),
        ],
        crs=UTM,
    )
    roads.to_file(tmp_path / "roads.gpkg")
    corridor = gpd.GeoDataFrame({"corridor": ["M1"]},
                                geometry=[shapely.LineString([(0, 0), (10_000, 0)])], crs=UTM)  # fmt: skip
    corridor.to_file(tmp_path / "corridor.gpkg")
    towns = gpd.GeoDataFrame({"name": ["west town", "on the corridor"]},
                             geometry=[shapely.Point(0, 5000), shapely.Point(5000, 10)], crs=UTM)  # fmt: skip
    towns.to_file(tmp_path / "towns.gpkg")
    links = gpd.GeoDataFrame(
        {"link_id": ["west", "middle", "east"], "speed_kmh": [60.0, 60.0, 60.0]},
        geometry=[shapely.LineString([(0, 5000), (0, 0)]),
                  shapely.LineString([(5000, 5000), (5000, 0)]),
                  shapely.LineString([(10_000, 5000), (10_000, 0)])],
        crs=UTM,
    )  # fmt: skip
    links.to_file(tmp_path / "links.gpkg")
    sez = gpd.GeoDataFrame({"name": ["SEZ"]}, geometry=[shapely.Point(0, -10)], crs=UTM)
    sez.to_file(tmp_path / "sez.gpkg")
    pop = np.full((2, 10), 10.0)  # 1 km cells along the town road, y 4000..6000
    with rasterio.open(
        tmp_path / "pop.tif", "w", driver="GTiff", width=10, height=2, count=1, dtype="float64",
        crs=UTM, transform=Affine(1000, 0, 0, 0, -1000, 6000), nodata=-1,
    ) as dst:  # fmt: skip
        dst.write(pop, 1)
    return tmp_path


def _args(d, *more):
    return ["-q", "rank-links", "--network", str(d / "roads.gpkg"), "--class-col", "highway",
            "--speed-col", "speed", "--origins", str(d / "pop.tif"), "--max-snap-m", "2000",
            "--offroad-speed-kmh", "15", *more]  # fmt: skip


def test_candidates_file_to_corridors(files):
    out = files / "ranked"
    res = CliRunner().invoke(main, _args(files, "--candidates", str(files / "links.gpkg"),
                                         "--corridors", str(files / "corridor.gpkg"),
                                         "--top", "2", "--out", str(out)))  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ranked_links.csv")
    # the middle link serves the cells on both sides of it; the east one only speeds up a road
    assert table["link_id"].tolist()[0] == "middle" and len(table) == 2
    assert (table["benefit"] > 0).all() and table["rank"].tolist() == [1, 2]
    assert table["benefit"].is_monotonic_decreasing
    layer = gpd.read_file(out / "ranked_links.gpkg", layer="ranked_links")
    assert len(layer) == 2 and layer.crs == UTM
    with sqlite3.connect(out / "ranked_links.gpkg") as con:
        styles = con.execute("select f_table_name, styleQML from layer_styles").fetchall()
    assert styles[0][0] == "ranked_links" and "rank" in styles[0][1]
    side = json.loads((out / "rank_links.json").read_text())
    assert side["parameters"]["objective"] == "minutes" and side["parameters"]["top"] == 2
    assert side["extra"]["ranking"]["n_candidates"] == 3
    assert {o["path"] for o in side["outputs"]} >= {"ranked_links.gpkg", "ranked_links.csv"}
    # a second run refuses to overwrite
    again = CliRunner().invoke(main, _args(files, "--candidates", str(files / "links.gpkg"),
                                           "--corridors", str(files / "corridor.gpkg"),
                                           "--out", str(out)))  # fmt: skip
    assert again.exit_code != 0 and "overwrite" in again.output


def test_auto_candidates_and_market_potential(files):
    out = files / "auto"
    res = CliRunner().invoke(main, _args(files, "--auto", str(files / "towns.gpkg"),
                                         "--place-id", "name", "--corridors",
                                         str(files / "corridor.gpkg"), "--destinations",
                                         str(files / "sez.gpkg"), "--dest-id", "name", "--objective",
                                         "market_potential", "--out", str(out)))  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ranked_links.csv")
    # the town on the corridor gets no link; the west town's link reaches the corridor's west end
    assert table["place_id"].tolist() == ["west town"]
    assert table.loc[0, "length_km"] == pytest.approx(5.0)
    assert table.loc[0, "benefit"] > 0 and table.loc[0, "best_destination"] == "SEZ"


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ([], "either --candidates"),
        (["--auto", "towns.gpkg"], "--corridors is needed"),
        (
            [
                "--candidates",
                "links.gpkg",
                "--corridors",
                "corridor.gpkg",
                "--objective",
                "market_potential",
            ],
            "needs --destinations",
        ),
    ],
)
def test_bad_options_fail_in_one_line(files, more, message):
    more = [str(files / m) if m.endswith(".gpkg") else m for m in more]
    res = CliRunner().invoke(main, _args(files, *more, "--out", str(files / "x")))
    assert res.exit_code != 0 and message in res.output
    assert not (files / "x").exists()


def test_geographic_candidates_are_refused(files):
    links = gpd.read_file(files / "links.gpkg").to_crs("EPSG:4326")
    links.to_file(files / "links_ll.gpkg")
    res = CliRunner().invoke(main, _args(files, "--candidates", str(files / "links_ll.gpkg"),
                                         "--corridors", str(files / "corridor.gpkg"),
                                         "--out", str(files / "y")))  # fmt: skip
    assert res.exit_code != 0 and "geographic CRS" in res.output
    assert not (files / "y").exists()


def test_vector_origins_with_a_population_column(files):
    people = gpd.GeoDataFrame({"pop": [1000.0, 10.0]},
                              geometry=[shapely.Point(5000, 5100), shapely.Point(9500, 5100)],
                              crs=UTM)  # fmt: skip
    people.to_file(files / "people.gpkg")
    args = _args(files, "--candidates", str(files / "links.gpkg"), "--corridors",
                 str(files / "corridor.gpkg"), "--objective", "within", "--within-min", "10",
                 "--out", str(files / "v"))  # fmt: skip
    args[args.index(str(files / "pop.tif"))] = str(files / "people.gpkg")
    res = CliRunner().invoke(main, [*args, "--pop-col", "pop"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(files / "v" / "ranked_links.csv")
    # the middle link brings the 1000 people at x = 5 km within 10 minutes of the corridor
    assert table.loc[0, "link_id"] == "middle" and table.loc[0, "benefit"] == pytest.approx(1000.0)
