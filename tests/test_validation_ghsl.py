"""Runs the GHSL validation script when ../shared/data is present."""

from pathlib import Path

import pytest

from tests.validation import validate_ghsl

DATA = validate_ghsl.DEFAULT_DATA

pytestmark = pytest.mark.realdata


@pytest.mark.skipif(not (DATA / "touggourt").exists(), reason=f"real data not found at {DATA}")
def test_touggourt_urban_centres_match_official_smod():
    rep = validate_ghsl.Report()
    scores = validate_ghsl.validate_touggourt(DATA, rep)
    assert not rep.failures, rep.failures
    assert scores["touggourt_iou"] == 1.0


@pytest.mark.skipif(not (DATA / "belgium").exists(), reason=f"real data not found at {DATA}")
def test_belgium_level2_sample_matches_flexurba():
    rep = validate_ghsl.Report()
    scores = validate_ghsl.validate_belgium(DATA, rep)
    assert not rep.failures, rep.failures
    assert scores["belgium_R2023A_agree"] == 50


def test_script_skips_cleanly_without_data(tmp_path: Path, capsys):
    assert validate_ghsl.main(["--data", str(tmp_path)]) == 0
    assert "SKIP" in capsys.readouterr().out
