"""Tests of ``fua compare-epochs`` on two hand-made GHS-POP-like rasters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner

from fua import ParameterError
from fua.cli import main
from fua.cli.epochs import epochs_of


def _pop_tif(path: Path, blocks: list[tuple[int, int, int, int]]) -> Path:
    pop = np.full((30, 30), 50.0, dtype="float32")
    for r0, c0, h, w in blocks:
        pop[r0 : r0 + h, c0 : c0 + w] = 5000.0
    with rasterio.open(path, "w", driver="GTiff", width=30, height=30, count=1, dtype="float32",
                       crs="ESRI:54009", transform=Affine(1000, 0, 1_000_000, 0, -1000, 5_030_000),
                       nodata=-200) as dst:  # fmt: skip
        dst.write(pop, 1)
    return path


def test_compare_epochs_command(tmp_path: Path) -> None:
    a = _pop_tif(tmp_path / "GHS_POP_E1990_clip.tif", [(3, 3, 4, 4), (3, 10, 4, 4)])
    b = _pop_tif(tmp_path / "GHS_POP_E2020_clip.tif", [(3, 3, 4, 11), (12, 3, 4, 4)])
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["-q", "compare-epochs", str(b), str(a), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "1990 -> 2020: 2 urban centres -> 2: 1 merged, 1 appeared" in r.output
    assert {p.name for p in out.iterdir()} == {
        "epochs.gpkg", "change_1990_2020.tif", "change_1990_2020.qml", "epochs.json",
    }  # fmt: skip
    side = json.loads((out / "epochs.json").read_text())
    assert side["parameters"]["epochs"] == [1990, 2020] and {i["name"] for i in side["inputs"]} == {
        "pop_1990",
        "pop_2020",
    }
    r = CliRunner().invoke(main, ["-q", "compare-epochs", str(a), str(b), "--out", str(out)])
    assert r.exit_code != 0 and "exists" in r.output
    r = CliRunner().invoke(main, ["-q", "compare-epochs", str(a), "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "at least two" in r.output


def test_epochs_from_options_or_names() -> None:
    files = (Path("GHS_POP_E1975_GLOBE.tif"), Path("pop_2030.tif"))
    assert epochs_of(files, ()) == [1975, 2030]
    assert epochs_of(files, (1, 2)) == [1, 2]
    with pytest.raises(ParameterError, match="one per file"):
        epochs_of(files, (1,))
    with pytest.raises(ParameterError, match="--epoch YEAR"):
        epochs_of((Path("a.tif"), Path("b.tif")), ())
    with pytest.raises(ParameterError, match="repeat"):
        epochs_of(files, (2000, 2000))
