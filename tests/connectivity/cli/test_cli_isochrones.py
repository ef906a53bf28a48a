"""``connectivity isochrones --method``: the grid default and the exact buffer."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely
from click.testing import CliRunner

from connectivity.cli import main
from tests.connectivity.cli.test_connectivity_cli import _net_args, files  # noqa: F401


def _run(d, name, *extra):
    out = d / name
    r = CliRunner().invoke(
        main,
        [
            "-q", "isochrones", *_net_args(d), "--sources", str(d / "sez.gpkg"),
            "--thresholds", "1,2.5", "--out", str(out), *extra,
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    return gpd.read_file(out, layer="isochrones"), json.loads(out.with_suffix(".json").read_text())


def test_method_and_cell_size_reach_the_result_and_the_sidecar(files):  # noqa: F811
    grid, side = _run(files, "grid.gpkg", "--cell-m", "20")
    exact, side_exact = _run(files, "exact.gpkg", "--method", "buffer")
    assert side["parameters"]["method"] == "auto" and side["parameters"]["cell_m"] == 20
    assert side_exact["parameters"]["method"] == "buffer"
    for g, e in zip(grid.geometry, exact.geometry, strict=True):
        assert shapely.intersection(g, e).area / shapely.union(g, e).area > 0.9
    big = grid.geometry.iloc[1]
    assert big.contains(shapely.Point(1000, 0)) and not big.contains(shapely.Point(1000, 1000))


def test_unknown_method_is_refused(files):  # noqa: F811
    r = CliRunner().invoke(
        main,
        ["isochrones", *_net_args(files), "--sources", str(files / "sez.gpkg"),
         "--method", "hull", "--out", str(files / "x.gpkg")],
    )  # fmt: skip
    assert r.exit_code != 0 and "hull" in r.output
