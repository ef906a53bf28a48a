"""Real-data checks of the network builders (runs tests/validation/validate_networks.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests import ROOT

SCRIPT = ROOT / "tests" / "validation" / "validate_networks.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("validate_networks", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _data_dir(mod: ModuleType) -> Path:
    data = Path(mod.DEFAULT_DATA)
    kz = data / "kazakhstan"
    needed = ("almaty_2013_drive.osm", "almaty_2013.osm.pbf", "republic_roads.geojson")
    missing = [n for n in needed if not (kz / n).is_file()]
    if missing:
        pytest.skip(f"real data not found at {kz.resolve()} ({', '.join(missing)})")
    return data


@pytest.mark.realdata
def test_validation_checks_pass() -> None:
    mod = _load()
    results, failures = mod.run_checks(_data_dir(mod))
    assert failures == []
    almaty_astana = results["pairs"][0]
    assert (almaty_astana["from"], almaty_astana["to"]) == ("Almaty", "Astana")
    assert abs(almaty_astana["km"] - 1208) <= 0.1 * 1208
    assert almaty_astana["snap_m"] == 50.0
    for row in results["osm"]:
        assert row["components_after"] == 1 and row["nodes"] > 15_000


def test_validation_script_skips_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = _load()
    assert mod.main(["--data", str(tmp_path)]) == 0
    assert "SKIP: data not found at" in capsys.readouterr().out
