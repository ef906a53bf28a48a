"""Tests of the EU-OECD FUA rules in fua.fuas.commuting (hand-checked small cases)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from fua import CRSError, DataError, ParameterError
from fua.fuas.commuting import FuaParams, commuting_zones
from fua.fuas.rules import apply_rules

CRS = "EPSG:3035"


def squares(nrows: int, ncols: int, size: float = 1000.0) -> gpd.GeoDataFrame:
    """Unit squares named 'r{row}c{col}', row-major, rural by default (100 people)."""
    ids, geoms = [], []
    for r in range(nrows):
        for c in range(ncols):
            ids.append(f"r{r}c{c}")
            geoms.append(shapely.box(c * size, -(r + 1) * size, (c + 1) * size, -r * size))
    return gpd.GeoDataFrame(
        {"uid": ids, "pop": 100.0, "uc_id": 0, "uc_share": 0.0, "uc_pop": 0.0},
        geometry=geoms,
        crs=CRS,
    )


def set_city(
    u: gpd.GeoDataFrame, uid: str, uc: int, share: float, uc_pop: float, pop: float = 100.0
) -> None:
    i = u.index[u["uid"] == uid][0]
    u.loc[i, ["uc_id", "uc_share", "uc_pop", "pop"]] = [uc, share, uc_pop, pop]


def flows(*rows: tuple[str, str, float], employed: dict[str, float] | None = None) -> pd.DataFrame:
    """Long flow table; each origin in ``employed`` gets a self-flow topping it up to that total."""
    df = pd.DataFrame(rows, columns=["origin", "destination", "commuters"])
    if employed:
        out = df.groupby("origin")["commuters"].sum()
        extra = [(o, o, e - out.get(o, 0.0)) for o, e in employed.items()]
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)
    return df


def row_of(res: gpd.GeoDataFrame, uid: str) -> pd.Series:
    return res.loc[res["uid"] == uid].iloc[0]


EMP = {f"r0c{c}": 100.0 for c in range(6)}


def test_city_rule_and_15_percent_rule() -> None:
    u = squares(1, 4)
    set_city(u, "r0c0", 1, 0.72, 80_000)
    set_city(u, "r0c1", 1, 0.49, 80_000)  # just under half in the centre: not a city
    f = flows(("r0c1", "r0c0", 30), ("r0c2", "r0c0", 15), ("r0c3", "r0c0", 14), employed=EMP)
    res = commuting_zones(u, f, id_col="uid")
    a, b, c, d = (row_of(res, x) for x in ("r0c0", "r0c1", "r0c2", "r0c3"))
    assert (a["role"], a["fua_id"], a["city_uc_id"]) == ("city", 1, 1)
    assert a["reason"] == "city of UC 1 (72.0 % of pop in centre)"
    assert (b["role"], b["fua_id"]) == ("commuting", 1)
    assert b["reason"] == "commuting: 30.0 % to FUA 1"
    assert c["role"] == "commuting" and c["share_to_fua"] == pytest.approx(0.15)  # exactly 15 %
    assert (d["role"], d["fua_id"]) == ("none", 0)
    assert d["reason"] == "none: max share 14.0 % < 15.0 % (to FUA 1)"
    assert d["max_share"] == pytest.approx(0.14) and np.isnan(d["share_to_fua"])
    assert res.index.equals(u.index) and "fua_id" not in u.columns  # a copy


@pytest.mark.parametrize(("min_pop", "n_fua"), [(50_000, 1), (100_000, 0)])
def test_min_centre_pop_50k_vs_100k(min_pop: float, n_fua: int) -> None:
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 80_000)
    f = flows(("r0c1", "r0c0", 40), employed=EMP)
    res = commuting_zones(u, f, id_col="uid", params=FuaParams(min_centre_pop=min_pop))
    assert res["fua_id"].max() == n_fua
    if n_fua == 0:
        assert (res["role"] == "none").all()
        assert "80 000 < 100 000 people" in row_of(res, "r0c0")["reason"]


def test_largest_share_wins_and_exact_tie_goes_to_larger_city() -> None:
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 200_000, pop=200)  # larger city -> FUA 1
    set_city(u, "r0c2", 2, 0.9, 60_000, pop=100)  # FUA 2
    res = commuting_zones(
        u, flows(("r0c1", "r0c0", 20), ("r0c1", "r0c2", 30), employed=EMP), id_col="uid"
    )
    assert row_of(res, "r0c2")["fua_id"] == 2
    b = row_of(res, "r0c1")
    assert b["fua_id"] == 2 and b["reason"].startswith(
        "commuting: 30.0 % to FUA 2 (largest of several"
    )
    tie = commuting_zones(
        u, flows(("r0c1", "r0c0", 25), ("r0c1", "r0c2", 25), employed=EMP), id_col="uid"
    )
    b = row_of(tie, "r0c1")
    assert b["fua_id"] == 1 and "exact tie" in b["reason"]


def test_polycentric_merge_one_direction_is_enough() -> None:
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 300_000, pop=300)
    set_city(u, "r0c1", 2, 0.9, 60_000)
    f = flows(("r0c0", "r0c1", 10), ("r0c1", "r0c0", 16), employed=EMP | {"r0c0": 300.0})
    res = commuting_zones(u, f, id_col="uid")
    assert row_of(res, "r0c0")["fua_id"] == row_of(res, "r0c1")["fua_id"] == 1
    assert "polycentric FUA 1 with UC 1" in row_of(res, "r0c1")["reason"]
    # below the threshold both ways: two FUAs
    f2 = flows(("r0c0", "r0c1", 10), ("r0c1", "r0c0", 14), employed=EMP)
    res2 = commuting_zones(u, f2, id_col="uid")
    assert sorted(res2.loc[res2["role"] == "city", "fua_id"]) == [1, 2]


def test_polycentric_merge_iterates_to_a_fixed_point() -> None:
    # C sends 8 % to A and 8 % to B: neither reaches 15 %, but once A and B merge
    # (B -> A 20 %) C sends 16 % to the merged city and joins it too.
    u = squares(1, 4)
    for uid, uc in (("r0c0", 1), ("r0c1", 2), ("r0c2", 3)):
        set_city(u, uid, uc, 0.8, 70_000)
    f = flows(
        ("r0c1", "r0c0", 20),
        ("r0c2", "r0c0", 8),
        ("r0c2", "r0c1", 8),
        ("r0c3", "r0c0", 9),
        ("r0c3", "r0c2", 9),
        employed=EMP,
    )
    res = commuting_zones(u, f, id_col="uid")
    assert set(res.loc[res["role"] == "city", "fua_id"]) == {1}
    # D: 9 % + 9 % to two of the merged cities = 18 % to the FUA: "all its units together"
    d = row_of(res, "r0c3")
    assert d["role"] == "commuting" and d["share_to_fua"] == pytest.approx(0.18)
    # with a higher polycentric threshold nothing merges, and D (9 % each) is out
    res2 = commuting_zones(u, f, id_col="uid", polycentric_threshold=0.25)
    assert res2.loc[res2["role"] == "city", "fua_id"].nunique() == 3
    assert row_of(res2, "r0c3")["role"] == "none"


def _ring(nrows: int, ncols: int, free: set[str]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Centre unit r0c0 is the city; every unit but ``free`` commutes 50 % to it."""
    u = squares(nrows, ncols)
    set_city(u, "r0c0", 1, 0.9, 90_000)
    emp = {x: 100.0 for x in u["uid"]}
    rows = [(x, "r0c0", 50.0 if x not in free else 5.0) for x in u["uid"] if x != "r0c0"]
    return u, flows(*rows, employed=emp)


def test_enclave_is_added() -> None:
    u, f = _ring(3, 3, {"r1c1"})
    res = commuting_zones(u, f, id_col="uid")
    e = row_of(res, "r1c1")
    assert (e["fua_id"], e["role"]) == (1, "commuting")
    assert e["reason"] == "enclave in FUA 1 (own max share 5.0 %)"
    off = commuting_zones(u, f, id_col="uid", params=FuaParams(add_enclaves=False))
    assert row_of(off, "r1c1")["role"] == "none"


def test_group_of_two_enclaves_is_added() -> None:
    u, f = _ring(4, 4, {"r1c1", "r1c2"})
    res = commuting_zones(u, f, id_col="uid")
    assert (res.loc[res["uid"].isin(["r1c1", "r1c2"]), "fua_id"] == 1).all()


def test_unit_on_the_outer_border_is_not_an_enclave() -> None:
    # r0c1 touches only FUA units, but its top side is the edge of the study area
    u, f = _ring(2, 3, {"r0c1"})
    res = commuting_zones(u, f, id_col="uid")
    assert row_of(res, "r0c1")["role"] == "none"


def test_exclave_is_dropped() -> None:
    u = squares(1, 4)
    set_city(u, "r0c0", 1, 0.9, 90_000)
    f = flows(("r0c1", "r0c0", 5), ("r0c2", "r0c0", 20), ("r0c3", "r0c0", 20), employed=EMP)
    res = commuting_zones(u, f, id_col="uid")
    for x in ("r0c2", "r0c3"):  # contiguous with each other but not with the city
        r = row_of(res, x)
        assert (r["role"], r["fua_id"]) == ("none", 0)
        assert r["reason"] == "dropped: not contiguous with FUA 1 (20.0 % commute to it)"
    kept = commuting_zones(u, f, id_col="uid", params=FuaParams(drop_exclaves=False))
    assert row_of(kept, "r0c2")["fua_id"] == 1


def test_square_matrix_csv_matches_long_table(tmp_path: Path) -> None:
    u = squares(1, 4)
    set_city(u, "r0c0", 1, 0.9, 90_000)
    long = flows(("r0c1", "r0c0", 30), ("r0c2", "r0c0", 16), ("r0c3", "r0c1", 50), employed=EMP)
    mat = long.pivot_table(index="origin", columns="destination", values="commuters", aggfunc="sum")
    path = tmp_path / "m.csv"
    mat.fillna(0).to_csv(path)
    a = commuting_zones(u, long, id_col="uid")
    b = commuting_zones(u, path, id_col="uid")
    cols = ["fua_id", "role", "reason", "employed"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert a["employed"].tolist() == [100.0] * 4


def test_integer_ids_match_text_ids() -> None:
    u = squares(1, 2)
    u["uid"] = [11001, 11002]
    set_city(u, 11001, 1, 0.9, 90_000)  # type: ignore[arg-type]
    f = pd.DataFrame(
        {"origin": ["11002", "11002"], "destination": ["11001", "11002"], "commuters": [20, 80]}
    )
    res = commuting_zones(u, f, id_col="uid")
    assert res["fua_id"].tolist() == [1, 1]


def test_employed_column_and_missing_flows() -> None:
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 90_000)
    u["emp"] = [100.0, 400.0, 100.0]
    f = flows(("r0c1", "r0c0", 40), ("r0c1", "r0c1", 60))
    res = commuting_zones(u, f, id_col="uid", employed_col="emp")
    assert row_of(res, "r0c1")["role"] == "none"  # 40 / 400 = 10 %
    res2 = commuting_zones(u, f, id_col="uid")
    assert row_of(res2, "r0c1")["role"] == "commuting"  # 40 / 100 (row total)
    assert row_of(res2, "r0c2")["reason"] == "none: no employed residents in the flow table"


def test_greater_city_flag_and_orphan_centre() -> None:
    u = squares(1, 4)
    # UC 1: 100 000 people, its only city unit holds 0.9 * 60 000 = 54 %  -> flagged
    set_city(u, "r0c0", 1, 0.9, 100_000, pop=60_000)
    # UC 2: no unit reaches 50 %; r0c3 holds more of it (0.4 * 90 000) than r0c2 (0.45 * 50 000)
    set_city(u, "r0c2", 2, 0.45, 80_000, pop=50_000)
    set_city(u, "r0c3", 2, 0.40, 80_000, pop=90_000)
    f = flows(employed={x: 100.0 for x in u["uid"]})
    res, cen = apply_rules(u, f, id_col="uid", params=FuaParams())
    c1 = cen.set_index("uc_id").loc[1]
    assert c1["greater_city_flag"] and c1["city_coverage"] == pytest.approx(0.54)
    d = row_of(res, "r0c3")
    assert (
        d["role"] == "city" and d["city_uc_id"] == 2 and "largest part of the centre" in d["reason"]
    )
    _, cen2 = apply_rules(u, f, id_col="uid", params=FuaParams(orphan_centres="flag"))
    assert bool(cen2.set_index("uc_id").loc[2, "no_city_flag"])


def test_explicit_city_mapping() -> None:
    u = squares(1, 3)[["uid", "pop", "geometry"]]
    f = flows(("r0c1", "r0c0", 30), employed=EMP)
    res = commuting_zones(u, f, id_col="uid", cities={"r0c0": 7}, centre_pop={7: 60_000})
    assert row_of(res, "r0c0")["city_uc_id"] == 7 and row_of(res, "r0c1")["fua_id"] == 1


def test_params_round_trip_and_errors() -> None:
    p = FuaParams(min_centre_pop=100_000, commuting_threshold=0.2)
    assert FuaParams.from_dict(p.to_dict()) == p
    with pytest.raises(ParameterError, match="unknown FuaParams"):
        FuaParams.from_dict({"nope": 1})
    with pytest.raises(ParameterError, match="commuting_threshold"):
        FuaParams(commuting_threshold=1.5)
    u = squares(1, 2)
    f = flows(employed={"r0c0": 1.0})
    with pytest.raises(CRSError, match="geographic"):
        commuting_zones(u.to_crs("EPSG:4326"), f, id_col="uid")
    with pytest.raises(DataError, match="pop"):
        commuting_zones(u.drop(columns="pop"), f, id_col="uid")
    with pytest.raises(DataError, match="matches a unit id"):
        commuting_zones(u, flows(("x", "y", 1.0)), id_col="uid")
    with pytest.raises(DataError, match="negative"):
        commuting_zones(u, flows(("r0c0", "r0c1", -1.0)), id_col="uid")


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"pop": "many"}, "units['pop'] must hold numbers >= 0: 1 unit(s) do not, e.g. uid 'r0c1'"),
        ({"pop": -5.0}, "units['pop'] must hold numbers >= 0"),
        ({"uc_share": 1.5}, "units['uc_share'] must hold shares between 0 and 1"),
        ({"uc_id": 1.5}, "units['uc_id'] must hold whole numbers >= 0"),
        ({"uc_pop": float("inf")}, "units['uc_pop'] must hold numbers >= 0"),
    ],
)
def test_unit_columns_that_are_not_numbers_fail(change: dict[str, object], phrase: str) -> None:
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 80_000)
    col, value = next(iter(change.items()))
    u[col] = u[col].astype(object)
    u.loc[u["uid"] == "r0c1", col] = value  # once "many" people became 0 silently
    with pytest.raises(DataError, match=re.escape(phrase)):
        commuting_zones(u, flows(("r0c1", "r0c0", 40), employed=EMP), id_col="uid")


def test_cities_and_centre_pop_that_match_nothing_fail() -> None:
    u = squares(1, 3)
    f = flows(("r0c1", "r0c0", 30), employed=EMP)
    # ids matched as text: 'r0c0' names the unit whatever its type in the mapping
    res = commuting_zones(u, f, id_col="uid", cities={" r0c0": 7}, centre_pop={"7": 60_000})
    assert row_of(res, "r0c0")["role"] == "city"
    numbered = u.assign(uid=np.arange(1.0, 4.0))  # ids 1.0, 2.0, 3.0 and mapping keys 1, "2"
    fn = flows((2, 1, 30), employed={1: 100.0, 2: 100.0, 3: 100.0})
    res = commuting_zones(numbered, fn, id_col="uid", cities={1: 7, "2": 7}, centre_pop={7: 6e4})
    assert res["role"].tolist() == ["city", "city", "none"]
    with pytest.raises(DataError, match="no unit id of cities= matches a unit"):
        commuting_zones(u, f, id_col="uid", cities={"R0C0": 7}, centre_pop={7: 60_000})
    with pytest.raises(
        DataError, match=re.escape("centre_pop has no population for urban centre(s) [7]")
    ):
        commuting_zones(u, f, id_col="uid", cities={"r0c0": 7}, centre_pop={8: 60_000})


def test_units_without_flows_are_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    # a flow table that covers only r0c0 (e.g. its ids are other codes for the rest)
    u = squares(1, 3)
    set_city(u, "r0c0", 1, 0.9, 80_000)
    f = flows(("r0c0", "r0c0", 50))
    with caplog.at_level("WARNING", logger="fua.fuas.rules"):
        res = commuting_zones(u, f, id_col="uid")
    assert "2 of 3 units with people have no row in the flow table (e.g. 'r0c1', 'r0c2')" in (
        caplog.text
    )
    assert row_of(res, "r0c1")["reason"] == "none: no employed residents in the flow table"


@pytest.mark.parametrize(
    ("changes", "phrases"),
    [
        ({"min_centre_pop": float("nan")}, ["min_centre_pop must be a number of people > 0"]),
        ({"min_centre_pop": 0}, ["min_centre_pop must be a number of people > 0, got 0"]),
        ({"min_centre_pop": "50000"}, ["min_centre_pop"]),
        ({"city_share": 0.0}, ["city_share must be a share in (0, 1]"]),
        ({"polycentric_threshold": float("inf")}, ["polycentric_threshold"]),
        ({"greater_city_share": -0.1}, ["greater_city_share must be a share in [0, 1]"]),
        ({"enclave_max_open_share": 1.0}, ["enclave_max_open_share must be a share in [0, 1)"]),
        ({"adjacency_tolerance_m": -1.0}, ["adjacency_tolerance_m must be a distance"]),
        ({"max_iterations": 0}, ["max_iterations must be a whole number >= 1"]),
        ({"max_iterations": 2.5}, ["max_iterations"]),
        ({"orphan_centres": "drop"}, ["orphan_centres must be 'largest_unit' or 'flag'"]),
        ({"unit_pop_method": "mean"}, ["unit_pop_method must be 'area' or 'centroid'"]),
        ({"add_enclaves": "false"}, ["add_enclaves must be True or False"]),
        # every bad field in one message
        (
            {"min_centre_pop": -5, "commuting_threshold": 1.5, "drop_exclaves": None},
            ["min_centre_pop", "commuting_threshold", "drop_exclaves"],
        ),
    ],
)
def test_fua_params_refuse_values_outside_their_range(
    changes: dict[str, object], phrases: list[str]
) -> None:
    for make in (lambda: FuaParams(**changes), lambda: FuaParams().replace(**changes)):  # type: ignore[arg-type]
        with pytest.raises(ParameterError) as info:
            make()
        text = str(info.value)
        assert text.startswith("invalid FuaParams: ") and "\n" not in text
        assert all(p in text for p in phrases), text
    with pytest.raises(ParameterError, match="invalid FuaParams"):
        FuaParams.from_dict({**FuaParams().to_dict(), **changes})


def test_fua_params_check_every_field() -> None:
    from dataclasses import fields

    from fua.fuas.params import _RULES

    assert list(_RULES) == [f.name for f in fields(FuaParams)]


def test_fua_params_accept_the_edges_and_numpy_numbers() -> None:
    p = FuaParams(
        min_centre_pop=np.float64(1.0), city_share=1.0, greater_city_share=0.0,
        enclave_max_open_share=0.0, adjacency_tolerance_m=0, max_iterations=np.int64(1),
        add_enclaves=np.bool_(False),
    )  # fmt: skip
    assert FuaParams.from_json(p.to_json()) == p
