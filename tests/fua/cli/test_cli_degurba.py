"""`fua degurba` end to end on a small GeoTIFF the test writes."""

import json

import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner

from fua.cli import main


@pytest.fixture
def pop_tif(tmp_path):
    pop = np.zeros((30, 40), dtype="float64")
    pop[5:15, 5:15] = 2_000.0  # an urban centre of 200 000 people
    pop[20:24, 28:33] = 800.0  # an urban cluster of 16 000
    pop[0, 39] = 12.0
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=30,
        width=40,
        count=1,
        dtype="float64",
        crs="ESRI:54009",
        transform=Affine(1000, 0, 0, 0, -1000, 50_000),
        nodata=-200,
    ) as dst:
        dst.write(pop, 1)
    return path


def test_degurba_writes_all_outputs(pop_tif, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["-q", "degurba", str(pop_tif), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 urban centre (200,000 people)" in res.output
    for name in (
        "classes_L1.tif",
        "classes_L2.tif",
        "classes_L2.qml",
        "centre_labels.tif",
        "degurba.gpkg",
        "degurba.json",
    ):
        assert (out / name).exists(), name
    with rasterio.open(out / "classes_L2.tif") as src:
        l2 = src.read(1)
        assert src.colormap(1)[30][:3] == (255, 0, 0)
    assert (l2[5:15, 5:15] == 30).all()
    centres = pyogrio.read_dataframe(out / "degurba.gpkg", layer="urban_centres")
    assert len(centres) == 1 and centres["pop"].iloc[0] == pytest.approx(200_000)
    side = json.loads((out / "degurba.json").read_text())
    assert side["parameters"]["centre_pop_min"] == 50_000
    (entry,) = side["inputs"]
    assert (
        entry["name"] == "pop" and entry["path"].endswith("pop.tif") and len(entry["sha256"]) == 64
    )


def test_degurba_refuses_to_overwrite_and_keeps_old_files(pop_tif, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["-q", "degurba", str(pop_tif), "--out", str(out)]).exit_code == 0
    before = (out / "classes_L2.tif").read_bytes()
    res = runner.invoke(
        main, ["-q", "degurba", str(pop_tif), "--out", str(out), "--param", "centre_pop_min=300000"]
    )
    assert res.exit_code == 1
    assert "overwrite" in res.output
    assert (out / "classes_L2.tif").read_bytes() == before
    res = runner.invoke(
        main,
        [
            "-q",
            "degurba",
            str(pop_tif),
            "--out",
            str(out),
            "--param",
            "centre_pop_min=300000",
            "--overwrite",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "0 urban centres" in res.output
    assert json.loads((out / "degurba.json").read_text())["parameters"]["centre_pop_min"] == 300_000


def test_degurba_level1_and_shapefiles(pop_tif, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        main, ["-q", "degurba", str(pop_tif), "--out", str(out), "--level", "1", "--format", "shp"]
    )
    assert res.exit_code == 0, res.output
    assert (out / "classes_L1.tif").exists() and not (out / "classes_L2.tif").exists()
    assert (out / "urban_centres.shp").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "centre_pop=3"], "unknown parameter 'centre_pop'"),
        (["--param", "centre_pop_min"], "key=value"),
        (["--param", "centre_pop_min=lots"], "cannot read 'lots'"),
    ],
)
def test_degurba_bad_params_give_one_clear_line(pop_tif, tmp_path, args, message):
    res = CliRunner().invoke(
        main, ["-q", "degurba", str(pop_tif), "--out", str(tmp_path / "o"), *args]
    )
    assert res.exit_code == 1
    assert message in res.output
    assert "Traceback" not in res.output


def test_degurba_missing_and_corrupt_inputs(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    for path in (tmp_path / "missing.tif", bad):
        res = CliRunner().invoke(main, ["-q", "degurba", str(path), "--out", str(tmp_path / "o")])
        assert res.exit_code == 1
        assert path.name in res.output


def test_help_explains_inputs():
    res = CliRunner().invoke(main, ["degurba", "--help"])
    assert res.exit_code == 0
    for text in ("--land", "--built", "--param", "KEY=VALUE", "Example", "--overwrite"):
        assert text in res.output


def test_sidecar_reproduces_the_parameters(pop_tif, tmp_path):
    from fua.degurba.classify import DegurbaParams

    out = tmp_path / "out"
    args = [
        "-q",
        "degurba",
        str(pop_tif),
        "--out",
        str(out),
        "--preset",
        "R2022A",
        "--param",
        "centre_pop_min=60000",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    params = DegurbaParams.from_json(out / "degurba.json")
    assert params == DegurbaParams.preset("R2022A").replace(centre_pop_min=60_000)
