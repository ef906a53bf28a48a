"""Every script in examples/ runs (in a subprocess, on embedded or self-made data) and writes its outputs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))

#: What each script must leave in its output directory.
EXPECTED = {
    "01_grid_classes_from_geotiff.py": [
        "classes_L2.tif",
        "classes_L2.qml",
        "degurba.gpkg",
        "degurba.json",
    ],
    "02_fuas_with_flows.py": ["fua.gpkg", "fua.json", "commuting_matrix.csv"],
    "03_fuas_with_proxy.py": ["fua_proxy_MODELLED_pop_PROXY_roads.gpkg"],
    "04_sez_accessibility.py": ["sez_access.csv", "sez_association.csv", "sez_access.gpkg"],
    "05_metrics_report.py": [
        "report/report.html",
        "report/kazakhstan_demo.gpkg",
        "report/demo.json",
    ],
    "07_scenario.py": [
        "scenario/scenario.gpkg",
        "scenario/minutes_saved.tif",
        "scenario/scenario.json",
    ],
}


def test_every_example_is_listed() -> None:
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}  # fmt: skip
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                       env=env, timeout=180, check=False, cwd=tmp_path)  # fmt: skip
    took = time.perf_counter() - t0
    assert r.returncode == 0, f"{script.name} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    for name in EXPECTED[script.name]:
        assert (tmp_path / name).exists(), f"{script.name} did not write {name}"
    assert r.stdout.strip(), "examples print what they found"
    assert took < 60, f"{script.name} took {took:.0f} s"
