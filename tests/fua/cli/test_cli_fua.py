"""Tests of ``fua delineate`` and ``fua commuting-model`` (click.testing.CliRunner)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

import fua
from fua.cli import main
from tests import ROOT

CRS = "ESRI:54009"
X0, Y0 = 4_000_000.0, 5_000_000.0


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """3 x 12 grid (1 km), urban centres in cols 0-1 and 10-11; six 2-column units A-F."""
    pop = np.full((3, 12), 100.0)
    pop[:, :2] = 10_000.0
    pop[:, 10:] = 10_000.0
    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=12,
        height=3,
        count=1,
        dtype="float64",
        crs=CRS,
        transform=Affine(1000, 0, X0, 0, -1000, Y0),
    ) as dst:
        dst.write(pop, 1)
    ids = list("ABCDEF")
    geoms = [shapely.box(X0 + 2000 * i, Y0 - 3000, X0 + 2000 * (i + 1), Y0) for i in range(6)]
    units = gpd.GeoDataFrame(
        {"uid": ids, "label": [f"Town {c}" for c in ids]}, geometry=geoms, crs=CRS
    )
    gpkg = tmp_path / "units.gpkg"
    units.to_file(gpkg, layer="units")
    share = {"B": ("A", 30), "C": ("A", 5), "D": ("F", 5), "E": ("F", 30)}
    rows = [(o, d, n) for o, (d, n) in share.items()] + [
        (o, o, 100 - n) for o, (_, n) in share.items()
    ]
    rows += [("A", "A", 100), ("F", "F", 100)]
    csv = tmp_path / "flows.csv"
    pd.DataFrame(rows, columns=["origin", "destination", "commuters"]).to_csv(csv, index=False)
    return {"pop": tif, "units": gpkg, "flows": csv, "dir": tmp_path}


def test_delineate_with_flows(inputs: dict[str, Path]) -> None:
    out = inputs["dir"] / "fua.gpkg"
    args = [
        "-q",
        "delineate",
        str(inputs["pop"]),
        "--units",
        str(inputs["units"]),
        "--id-col",
        "uid",
    ]
    args += ["--flows", str(inputs["flows"]), "--name-col", "label", "--out", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "2 FUAs (flows)" in r.output
    layers = set(pyogrio.list_layers(out)[:, 0]) - {"layer_styles"}  # QGIS default styles table
    assert layers == {"fua", "fua_city", "fua_commuting_zone", "units"}
    fua = gpd.read_file(out, layer="fua")
    assert sorted(fua["name"]) == ["Town A", "Town F"] and (fua["pop_commuting"] == 600).all()
    side = json.loads((inputs["dir"] / "fua.json").read_text())
    assert side["parameters"]["fua"]["commuting_threshold"] == 0.15
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "exists" in again.output
    assert CliRunner().invoke(main, [*args, "--overwrite"]).exit_code == 0


def test_delineate_min_centre_pop_param(inputs: dict[str, Path]) -> None:
    out = inputs["dir"] / "big.gpkg"
    args = [
        "-q",
        "delineate",
        str(inputs["pop"]),
        "--units",
        str(inputs["units"]),
        "--id-col",
        "uid",
    ]
    args += ["--flows", str(inputs["flows"]), "--out", str(out), "--param", "min_centre_pop=100000"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "0 FUAs" in r.output


def test_delineate_straight_line_proxy_with_default_model(inputs: dict[str, Path]) -> None:
    out = inputs["dir"] / "proxy.gpkg"
    r = CliRunner().invoke(
        main, ["-q", "delineate", str(inputs["pop"]), "--straight-line", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "2 FUAs (proxy)" in r.output
    assert len(gpd.read_file(out, layer="fua")) == 2


def test_delineate_usage_errors(inputs: dict[str, Path]) -> None:
    out = str(inputs["dir"] / "x.gpkg")
    r = CliRunner().invoke(main, ["-q", "delineate", str(inputs["pop"]), "--out", out])
    assert r.exit_code == 1 and "--flows" in r.output
    r = CliRunner().invoke(
        main,
        [
            "-q",
            "delineate",
            str(inputs["pop"]),
            "--flows",
            str(inputs["flows"]),
            "--straight-line",
            "--out",
            out,
        ],
    )
    assert r.exit_code == 1 and "choose one" in r.output


def test_commuting_model_fit_and_score(inputs: dict[str, Path]) -> None:
    model = inputs["dir"] / "m.json"
    args = ["-q", "commuting-model", "fit", str(inputs["pop"]), "--units", str(inputs["units"])]
    args += ["--id-col", "uid", "--flows", str(inputs["flows"]), "--out", str(model), "--cv", "2"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "ROC AUC" in r.output and model.exists()
    doc = json.loads(model.read_text())
    assert doc["cv_scores"]["grouped"] and doc["cv_scores"]["folds"] == 2
    r = CliRunner().invoke(main, ["-q", "commuting-model", "score", str(model)])
    assert r.exit_code == 0 and "threshold" in r.output
    r = CliRunner().invoke(main, ["-q", "commuting-model", "score"])  # the shipped model
    assert r.exit_code == 0 and "straight-line" in r.output
    r = CliRunner().invoke(main, ["-q", "commuting-model", "score", "--pop", str(inputs["pop"])])
    assert r.exit_code == 1 and "together" in r.output


# --------------------------------------------------------------------------- the group
def test_python_m_fua_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fua", "--help"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    for command in ("degurba", "delineate", "commuting-model", "demo", "fetch", "--no-progress"):
        assert command in out
    assert "-vv shows their traceback" in out


def test_fua_no_progress_and_tracebacks(
    inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("connectivity.progress.stderr_is_terminal", lambda: True)
    args = ["delineate", str(inputs["pop"]), "--straight-line"]
    r = CliRunner().invoke(main, ["--no-progress", *args, "--out", str(inputs["dir"] / "a.gpkg")])
    assert r.exit_code == 0, r.output
    assert "step" not in r.stderr
    r = CliRunner().invoke(main, [*args, "--out", str(inputs["dir"] / "b.gpkg")])
    assert r.exit_code == 0 and "step" in r.stderr
    bad = ["delineate", str(inputs["pop"]), "--out", str(inputs["dir"] / "c.gpkg")]
    one = CliRunner().invoke(main, ["-v", *bad])
    assert one.exit_code == 1 and "Error: ParameterError" in one.output
    two = CliRunner().invoke(main, ["-vv", *bad])
    assert two.exit_code == 1 and isinstance(two.exception, fua.ParameterError)
