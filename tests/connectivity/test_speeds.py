"""Tests of connectivity.speeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectivity import KAZAKHSTAN_SPEEDS, ParameterError, SpeedTable
from connectivity.speeds import BIKE_SPEEDS, WALK_SPEEDS, as_speed_table, network_speeds

T = KAZAKHSTAN_SPEEDS


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("60", 60.0),
        ("60 km/h", 60.0),
        ("60kmh", 60.0),
        ("30 mph", 30 * 1.609344),
        ("RU:urban", 60.0),
        ("KZ:urban", 60.0),
        ("RU:rural", 90.0),
        ("KZ:rural", 90.0),
        ("RU:motorway", 110.0),
        ("RU:living_street", 20.0),
        ("DE:zone30", 30.0),
        ("walk", 5.0),
        ("60;80", 60.0),
        (["40", "60"], 40.0),
    ],
)
def test_parse_maxspeed(value: object, kmh: float) -> None:
    assert T.parse_maxspeed(value) == pytest.approx(kmh)


@pytest.mark.parametrize(
    "value", ["none", "signals", "variable", "abc", "999", "0", "", None, float("nan")]
)
def test_parse_maxspeed_unusable(value: object) -> None:
    assert math.isnan(T.parse_maxspeed(value))


def test_list_mean_option() -> None:
    assert T.replace(maxspeed_multi="mean").parse_maxspeed("60;80") == pytest.approx(70.0)
    assert T.parse_maxspeed("60;none") == 60.0  # unusable parts ignored


def test_class_table_values() -> None:
    expected = {
        "motorway": 110, "trunk": 90, "primary": 90, "secondary": 80, "tertiary": 70,
        "unclassified": 60, "residential": 40, "living_street": 20, "service": 20,
    }  # fmt: skip
    for cls, kmh in expected.items():
        assert T.class_speed_kmh(cls) == kmh
    assert T.class_speed_kmh("primary_link") == pytest.approx(0.6 * 90)
    assert T.class_speed_kmh("motorway_link") == pytest.approx(66.0)
    assert T.class_speed_kmh("unknown_thing") == T.default_kmh
    assert (T.urban_kmh, T.rural_kmh, T.motorway_kmh) == (60.0, 90.0, 110.0)


def test_speed_kmh_priority_and_urban_factor() -> None:
    assert T.speed_kmh("primary", "50") == 50.0
    assert T.speed_kmh("primary", "none") == 90.0  # no legal limit: class speed
    assert T.speed_kmh("primary") == 90.0
    slow = T.replace(urban_factor=0.5)
    assert slow.speed_kmh("residential") == 20.0
    assert slow.speed_kmh("primary") == 90.0
    assert slow.speed_kmh("primary", "KZ:urban") == 30.0
    assert T.replace(use_maxspeed=False).speed_kmh("primary", "50") == 90.0


def test_edge_speeds_vectorised_matches_scalar() -> None:
    classes = ["primary", "trunk_link", "foo", "residential", "primary"]
    maxspeed = [None, "", "50", None, ["60", "80"]]
    got = T.edge_speeds(classes, maxspeed)
    want = [T.speed_kmh(c, m if m != "" else None) for c, m in zip(classes, maxspeed, strict=True)]
    np.testing.assert_allclose(got, [90, 54, 50, 40, 60])
    np.testing.assert_allclose(got, want)
    assert T.edge_speeds([]).size == 0
    with pytest.raises(ParameterError):
        T.edge_speeds(["primary"], [None, None])


def test_overrides_and_round_trip() -> None:
    t2 = T.with_class_speeds({"trunk": 100.0}, primary=95.0)
    assert (t2.class_speed_kmh("trunk"), t2.class_speed_kmh("primary")) == (100.0, 95.0)
    assert T.class_speed_kmh("trunk") == 90.0  # original untouched (frozen)
    assert SpeedTable.from_dict(t2.to_dict()) == t2
    assert hash(SpeedTable.from_dict(T.to_dict())) == hash(T)
    assert as_speed_table(None) is T
    assert as_speed_table({"residential": 30}).class_speed_kmh("residential") == 30.0
    assert as_speed_table(t2) is t2
    with pytest.raises(ParameterError):
        as_speed_table(42)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="unknown"):
        SpeedTable.from_dict({"bogus": 1})
    with pytest.raises(AttributeError):
        T.default_kmh = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "kw",
    [
        {"default_kmh": 0},
        {"class_kmh": {"a": -1}},
        {"link_factor": 1.5},
        {"urban_factor": 0},
        {"maxspeed_multi": "max"},
    ],
)
def test_invalid_tables(kw: dict[str, object]) -> None:
    with pytest.raises(ParameterError):
        SpeedTable(**kw)  # type: ignore[arg-type]


@given(st.floats(min_value=2, max_value=200, allow_nan=False))
def test_numeric_maxspeed_round_trip(v: float) -> None:
    assert T.parse_maxspeed(f"{v:.1f}") == pytest.approx(round(v, 1))
    assert T.parse_maxspeed(f"{v:.1f} mph") == pytest.approx(round(v, 1) * 1.609344) or (
        round(v, 1) * 1.609344 > 200
    )


def test_walk_and_bike_tables() -> None:
    classes = ["primary", "motorway_link", "residential", "footway", "unknown"]
    np.testing.assert_allclose(WALK_SPEEDS.edge_speeds(classes, ["60"] * 5), 4.8)
    bike = BIKE_SPEEDS.edge_speeds([*classes, "track", "path", "pedestrian"], None)
    np.testing.assert_allclose(bike, [15, 15, 15, 15, 15, 12, 13, 4])
    assert BIKE_SPEEDS.speed_kmh("primary", "10") == 15.0  # car limits are ignored
    assert network_speeds("walk") is WALK_SPEEDS and network_speeds("bike") is BIKE_SPEEDS
    for network_type in ("drive", "drive_service", "all", "all_public"):
        assert network_speeds(network_type) is KAZAKHSTAN_SPEEDS
    merged = as_speed_table({"track": 8.0}, BIKE_SPEEDS)
    assert merged.speed_kmh("track") == 8.0 and merged.speed_kmh("primary") == 15.0
    assert as_speed_table(None, WALK_SPEEDS) is WALK_SPEEDS
    assert SpeedTable.from_dict(BIKE_SPEEDS.to_dict()) == BIKE_SPEEDS
