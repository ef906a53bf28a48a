"""Runs the Kazakhstan validation script when ../shared/data is present (HARD checks asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _find_shared_data
from tests.validation import validate_kazakhstan

pytestmark = pytest.mark.realdata

SHARED = _find_shared_data()


@pytest.mark.slow
@pytest.mark.skipif(
    SHARED is None or not (SHARED / "kazakhstan").is_dir(),
    reason="real data not found: set FUA_SHARED_DATA or put it at ../shared/data (needs kazakhstan/)",
)
def test_kazakhstan_targets_hard_checks_pass(capsys):
    code = validate_kazakhstan.main(["--shared", str(SHARED), "--skip-fuas"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS regional totals exact" in out
    assert "log correlation with WorldPop" in out and "class-30 IoU" in out
    assert "network (the demo's)" in out and "off-road 46.2 km/h" in out  # the demo's settings
    assert "Karaganda: urban centre" in out  # the cities of benchmarks.csv


def test_script_skips_cleanly_without_data(tmp_path: Path, capsys):
    assert validate_kazakhstan.main(["--shared", str(tmp_path)]) == 0
    assert "SKIP" in capsys.readouterr().out
