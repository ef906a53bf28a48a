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


def test_every_published_flexurba_configuration_is_a_degurba_params():
    from fua.degurba.params import DegurbaParams

    for cfg in validate_ghsl.FLEXURBA_CONFIGS:
        p = validate_ghsl.flexurba_params(cfg.changes)
        assert DegurbaParams.from_json(p.to_json()) == p
        assert p.built_share_decimals == 3 and p.nodata_class == "rural"
    defaults = validate_ghsl.flexurba_params({})
    assert defaults == DegurbaParams(
        preset_name="flexurba", built_share_decimals=3, nodata_class="rural"
    )
    by_name = {c.name: c for c in validate_ghsl.FLEXURBA_CONFIGS}
    c2 = validate_ghsl.flexurba_params(by_name["classification2"].changes)
    assert (c2.centre_smooth_window, c2.centre_built_share_min, c2.centre_hole_max_km2) == (
        3,
        None,
        0.0,
    )
    assert (c2.centre_density_min_per_km2, c2.centre_pop_min, c2.centre_smoothing) == (
        1000.0,
        40000.0,
        "none",
    )
    c8 = validate_ghsl.flexurba_params(by_name["classification8"].changes)
    assert (c8.cluster_connectivity, c8.centre_hole_max_km2, c8.semi_dense_pop_min) == (
        4,
        3.0,
        5000.0,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"water_pop_threshold": 0.02},
        {"built_optimal_data": "data/global"},
        {"UCL_smooth_pop": True},
        {"UC_smooth_edge_fun": "my_function"},
        {"UC_density": 1500},
    ],
)
def test_flexurba_values_we_cannot_express_raise(changes):
    from fua import ParameterError

    with pytest.raises(ParameterError):
        validate_ghsl.flexurba_params(changes)


@pytest.mark.skipif(not (DATA / "belgium").exists(), reason=f"real data not found at {DATA}")
def test_flexurba_configurations_on_belgium():
    rep = validate_ghsl.Report()
    counts = validate_ghsl.validate_flexurba_configs(DATA, rep)
    assert not rep.failures, rep.failures
    assert len(counts) == len(validate_ghsl.FLEXURBA_CONFIGS)
    assert counts["flexurba_Belgium_classification6 (defaults)_centres"] == 33
