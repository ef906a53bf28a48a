"""Output paths: checked before any work, nothing left behind on failure; tables that say what they are.

connectivity.outputs (check_writable, NewOutputs, safe_path/safe_directory
cleanup, sidecar input records), connectivity.io's folder-name message, and
the demo's staging and table helpers in fua.kazakhstan.outputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from rasterio.crs import CRS

from connectivity import io as cio
from connectivity.errors import ParameterError
from connectivity.outputs import NewOutputs, check_writable, read_sidecar, write_sidecar
from fua.kazakhstan import outputs as kz


# --------------------------------------------------------------------------- check_writable
def test_check_writable_accepts_new_paths_and_leaves_no_probe(tmp_path: Path) -> None:
    assert check_writable(tmp_path / "a" / "b", folder=True) == tmp_path / "a" / "b"
    assert check_writable(tmp_path / "x.gpkg", folder=False) == tmp_path / "x.gpkg"
    assert list(tmp_path.iterdir()) == []


def test_check_writable_refuses_in_one_line(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    cases = [
        (Path("/proc/fua-toolkit-test/out"), True, "cannot be written"),
        (f, True, "is a file; give a folder"),
        (tmp_path, False, "is a folder; give a file"),
        (f / "sub" / "x.gpkg", False, "is a file, not a folder"),
    ]
    for path, folder, phrase in cases:
        with pytest.raises(ParameterError, match=phrase) as info:
            check_writable(path, folder=folder, what="--out")
        assert "\n" not in str(info.value) and str(info.value).startswith("--out ")


# --------------------------------------------------------------------------- NewOutputs
def test_new_outputs_removes_what_the_run_created_only(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("old")
    (tmp_path / "res.json").write_text("old sidecar")
    guard = NewOutputs()
    guard.claim(tmp_path / "new" / "deeper", folder=True)
    guard.claim(tmp_path / "res.gpkg", folder=False)
    (tmp_path / "new" / "deeper").mkdir(parents=True)
    (tmp_path / "new" / "deeper" / "half.tif").write_text("partial")
    for name in ("res.gpkg", "res_within.csv", "result_other.txt"):
        (tmp_path / name).write_text("new")
    guard.remove()
    # the new folder (from its outermost new parent) and the new files of stem "res" are gone;
    # what existed before, and files of another stem, stay
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.txt",
        "res.json",
        "result_other.txt",
    ]
    assert (tmp_path / "res.json").read_text() == "old sidecar"


def test_new_outputs_leaves_an_existing_folder(tmp_path: Path) -> None:
    guard = NewOutputs()
    guard.claim(tmp_path, folder=True)
    (tmp_path / "x.txt").write_text("x")
    guard.remove()
    assert (tmp_path / "x.txt").exists()


# --------------------------------------------------------------------------- safe writers
def test_safe_path_failure_removes_the_folders_it_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "x.txt"
    with pytest.raises(RuntimeError):
        with cio.safe_path(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []


def test_safe_directory_failure_removes_the_folder_it_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "outputs"
    with pytest.raises(KeyboardInterrupt):
        with cio.safe_directory(out, ["a.txt"]) as st:
            (st / "a.txt").write_text("half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with cio.safe_directory(out, ["a.txt"]) as st:
        (st / "a.txt").write_text("done")
    assert (out / "a.txt").read_text() == "done"


@pytest.mark.parametrize("name", ["fuas", "fuas/"])
def test_write_layers_to_a_folder_name_says_so(tmp_path: Path, name: str) -> None:
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs="EPSG:32643")
    with pytest.raises(ParameterError, match="is a folder name") as info:
        cio.write_layers(tmp_path / name, {"fua": gdf})
    assert "(none)" not in str(info.value) and "layers.gpkg" in str(info.value)


def test_sidecar_accepts_ready_input_records(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("a\n1\n")
    rec = {"source": "package data", "sha256": "ab" * 32, "size_bytes": 4}
    side = write_sidecar(tmp_path / "run.json", params={}, inputs={"file": f, "embedded": rec})
    doc = read_sidecar(side)
    assert [i["name"] for i in doc["inputs"]] == ["file", "embedded"]
    assert doc["inputs"][1] == {"name": "embedded", **rec}
    assert len(doc["inputs"][0]["sha256"]) == 64
    with pytest.raises(ParameterError, match="sha256"):
        write_sidecar(tmp_path / "bad.json", params={}, inputs={"x": {"source": "no digest"}})


# --------------------------------------------------------------------------- the demo's folder
def test_demo_staging_beside_a_new_folder_is_renamed_whole(tmp_path: Path) -> None:
    out = tmp_path / "kz"
    staging = kz.staging_dir(out)
    assert staging.parent == tmp_path and not out.exists()
    (staging / "tables").mkdir()
    (staging / "tables" / "t.csv").write_text("x")
    kz.move_into_place(staging, out, overwrite=False)
    assert (out / "tables" / "t.csv").read_text() == "x" and not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kz"]
    assert (out.stat().st_mode & 0o777) != 0o700 or (tmp_path.stat().st_mode & 0o777) == 0o700


def test_demo_staging_inside_an_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("mine")
    staging = kz.staging_dir(tmp_path)
    assert staging.parent == tmp_path
    (staging / "report.html").write_text("new")
    kz.move_into_place(staging, tmp_path, overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "report.html"]


def test_sidecar_inputs_list_embedded_data_with_checksums(tmp_path: Path) -> None:
    from fua.grid import PopulationGrid

    grid = PopulationGrid(
        pop=np.ones((2, 2)),
        transform=Affine(1000, 0, 0, 0, -1000, 0),
        crs=CRS.from_user_input("ESRI:54009"),
    )
    labels = {"population_path": None, "roads_path": None}
    rec = kz.sidecar_inputs(labels, grid)
    names = set(rec)
    assert "population (MODELLED surface)" in names
    assert {"embedded sez.csv", "embedded republic_roads.csv", "embedded corridors.csv"} <= names
    assert all(len(v["sha256"]) == 64 for v in rec.values())
    side = write_sidecar(tmp_path / "demo.json", params={}, inputs=rec)
    assert len(json.loads(side.read_text())["inputs"]) == len(rec)
    given = kz.sidecar_inputs({"population_path": "pop.tif", "roads_path": "r.pbf"}, grid)
    assert given["population"] == "pop.tif" and given["roads"] == "r.pbf"


# --------------------------------------------------------------------------- tables
def test_tidy_table_people_and_counts_are_integers_shares_four_decimals() -> None:
    df = pd.DataFrame(
        {
            "pop_total": [2416905.674, np.nan],
            "n_clusters": [6.0, 1.0],
            "share_national": [0.122282073608, 0.0686871],
            "time_to_host_min": [5.412288457, 19.9322],
            "host_distance_m": [372833.42, 0.0],
            "area_km2": [4322.04, 3.0],
            "market_potential": [59349.6925, 1.0],
            "spearman_rho": [-0.434918065, 0.5],
            "name": ["Almaty", "Astana"],
        }
    )
    t = kz.tidy_table(df)
    text = t.to_csv(index=False)
    assert "2416906," in text and ",6,0.1223,5.41,372833,4322.0,59349.7,-0.4349,Almaty" in text
    assert str(t["pop_total"].dtype) == "Int64" and pd.isna(t["pop_total"].iloc[1])


def test_tidy_numbers_in_json() -> None:
    assert kz.tidy_number(17, "n_fuas") == 17
    assert kz.tidy_number(17.0, "n_fuas") == 17 and isinstance(kz.tidy_number(17.0, "n_fuas"), int)
    assert kz.tidy_number(0.43719022, "share_in_fuas") == 0.4372
    assert kz.tidy_number(19765003.99999987, "population_total") == 19765004
    assert kz.tidy_number(float("nan"), "zipf_ols") is None
    assert kz.tidy_number(True, "host_within") is True


def test_no_time_tags_count_populated_cells_without_time() -> None:
    minutes = np.array([[1.0, np.nan], [np.nan, 3.0]])
    pop = np.array([[5.0, 0.0], [7.0, np.nan]])
    tags = kz._no_time_tags(minutes, pop)
    assert tags["cells_without_time"] == "2" and tags["populated_cells_without_time"] == "1"
    assert tags["people_without_time"] == "7" and "NaN" in tags["nodata_meaning"]
    assert not math.isnan(float(tags["people_without_time"]))
