"""Tests of fua.fuas.delineate: both routes on tiny grids, writing, and the Belgian validation."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from fua import CRSError, DataError, FuaResult, OutputExistsError, ParameterError
from fua.fuas.commuting import CommutingModel, FuaParams
from fua.fuas.delineate import delineate_fuas
from tests import ROOT
from tests._fua_fixtures import CRS, make_result, strips
from tests.validation import default_data

DATA = default_data()

# 3 rows x 6 cols; urban centre 1 = cols 0-1 (6 cells x 10 000 people), 100 people elsewhere
POP = np.full((3, 6), 100.0)
POP[:, :2] = 10_000.0
LABELS = np.zeros((3, 6), np.int32)
LABELS[:, :2] = 1


def _units() -> gpd.GeoDataFrame:
    u = strips([0, 2000, 4000, 6000], 3000, ["A", "B", "C"])
    u["name"] = ["Alpha", "Beta", "Gamma"]
    return u


def _flows() -> pd.DataFrame:
    rows = [("A", "A", 100), ("B", "A", 30), ("B", "B", 70), ("C", "A", 5), ("C", "C", 95)]
    return pd.DataFrame(rows, columns=["origin", "destination", "commuters"])


def test_flows_route_by_hand() -> None:
    res = delineate_fuas(
        make_result(POP, LABELS), units=_units(), flows=_flows(), id_col="uid", name_col="name"
    )
    assert res.method == "flows" and res.n_fuas == 1
    f = res.fua.iloc[0]
    assert f["name"] == "Alpha" and f["n_urban_centres"] == 1 and f["uc_ids"] == "1"
    assert f["pop_city"] == pytest.approx(60_000) and f["pop_commuting"] == pytest.approx(600)
    assert f["pop_total"] == pytest.approx(f["pop_city"] + f["pop_commuting"])
    assert f["area_km2"] == pytest.approx(12.0) and f["area_city_km2"] == pytest.approx(6.0)
    assert res.fua_city.iloc[0]["geometry"].area == pytest.approx(6e6)
    assert len(res.fua_commuting_zone) == 1
    assert res.units.set_index("uid")["role"].to_dict() == {
        "A": "city",
        "B": "commuting",
        "C": "none",
    }
    assert res.units.crs == _units().crs and res.fua.crs == res.units.crs


def test_names_layer_wins_over_unit_names() -> None:
    places = gpd.GeoDataFrame(
        {"name": ["Small", "Big"], "population": [10, 5000]},
        geometry=[shapely.Point(500, 500), shapely.Point(2500, 1500)],
        crs=CRS,
    )
    res = delineate_fuas(
        make_result(POP, LABELS), units=_units(), flows=_flows(), id_col="uid", names=places
    )
    assert res.fua["name"].tolist() == ["Big"]


def test_min_centre_pop_removes_the_fua() -> None:
    res = delineate_fuas(
        make_result(POP, LABELS),
        units=_units(),
        flows=_flows(),
        id_col="uid",
        params=FuaParams(min_centre_pop=100_000),
    )
    assert res.n_fuas == 0 and (res.units["role"] == "none").all()


def _hand_model(threshold: float = 0.5) -> CommutingModel:
    # P = logistic(2 - time_min): 1 min -> 0.73, 2 min -> 0.5, 3 min -> 0.27
    return CommutingModel.from_dict(
        {
            "format": "fua-commuting-model",
            "features": ["time_min", "log_centre_pop", "log_density"],
            "scaler": {"mean": [0.0, 0.0, 0.0], "scale": [1.0, 1.0, 1.0]},
            "logit": {"coef": [-1.0, 0.0, 0.0], "intercept": 2.0},
            "threshold": threshold,
        }
    )


def _straight_line(**kw: object) -> FuaResult:
    """The proxy route on the hand-made grid, straight line at 60 km/h (1 minute per km)."""
    return delineate_fuas(
        make_result(POP, LABELS),
        commuting=_hand_model(),
        travel_time="straight_line",
        speed_kmh=60.0,
        **kw,
    )


def test_proxy_route_straight_line_by_hand() -> None:
    # 60 km/h: minutes = km to the nearest centre cell; cols 2, 3 are 1 and 2 km away
    res = _straight_line()
    assert res.method == "proxy" and res.n_fuas == 1
    assert res.fua_labels is not None and res.probability is not None
    np.testing.assert_array_equal(res.fua_labels[0], [1, 1, 1, 1, 0, 0])
    f = res.fua.iloc[0]
    assert f["pop_commuting"] == pytest.approx(600) and f["area_km2"] == pytest.approx(12.0)
    assert res.fua.geometry.iloc[0].area == pytest.approx(12e6)
    assert res.probability[0, 2] == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_proxy_route_keeps_only_cells_connected_to_their_centre() -> None:
    pop = POP.copy()
    pop[:, 3] = 0.0  # an empty column cuts col 4-5 off the centre
    t = np.tile(np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0]), (3, 1))  # everything "close"
    uc = np.ones((3, 6), np.int64)
    res = delineate_fuas(make_result(pop, LABELS), commuting=_hand_model(), travel_time=(t, uc))
    assert res.fua_labels is not None
    np.testing.assert_array_equal(res.fua_labels[1], [1, 1, 1, 0, 0, 0])


def test_proxy_route_units_summary() -> None:
    res = _straight_line(units=_units(), id_col="uid")
    roles = res.units.set_index("uid")["role"].to_dict()
    assert roles == {"A": "city", "B": "commuting", "C": "none"}


def test_write_gpkg_and_sidecar(tmp_path: Path) -> None:
    res = delineate_fuas(make_result(POP, LABELS), units=_units(), flows=_flows(), id_col="uid")
    out = tmp_path / "fua.gpkg"
    files = res.write(out)
    names = set(pyogrio.list_layers(out)[:, 0]) - {"layer_styles"}  # QGIS's style table
    assert names == {"fua", "fua_city", "fua_commuting_zone", "units"}
    assert files[-1] == tmp_path / "fua.json" and files[-1].exists()
    back = gpd.read_file(out, layer="units")
    assert back["reason"].iloc[1] == "commuting: 30.0 % to FUA 1"
    # QGIS default styles stored in the GeoPackage (its layer_styles table)
    import sqlite3

    with sqlite3.connect(out) as con:
        rows = con.execute(
            "SELECT f_table_name, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
    assert {r[0] for r in rows} == names and all(r[1] == 1 for r in rows)
    assert all("<renderer-v2" in r[2] for r in rows)
    with pytest.raises(OutputExistsError):
        res.write(out)
    res.write(out, overwrite=True)
    with sqlite3.connect(out) as con:
        assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] == 4


def test_write_shapefiles_with_qml_styles(tmp_path: Path) -> None:
    res = delineate_fuas(make_result(POP, LABELS), units=_units(), flows=_flows(), id_col="uid")
    files = res.write(tmp_path / "shp", driver="ESRI Shapefile")
    qmls = sorted(p.name for p in files if p.suffix == ".qml")
    assert qmls == ["fua.qml", "fua_city.qml", "fua_commuting_zone.qml", "units.qml"]
    for q in qmls:
        assert (tmp_path / "shp" / q.replace(".qml", ".shp")).exists()


@pytest.mark.parametrize("name", ["fua.gpkg", "deeper/fua.gpkg", "fua.shp", "shp"])
def test_a_failed_write_leaves_nothing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectivity.io

    res = delineate_fuas(make_result(POP, LABELS), units=_units(), flows=_flows(), id_col="uid")
    (tmp_path / "notes.txt").write_text("not ours")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C after the layers, before the sidecar

    monkeypatch.setattr(connectivity.io, "write_sidecar", interrupted)
    driver = "ESRI Shapefile" if name == "shp" else None
    with pytest.raises(KeyboardInterrupt):
        res.write(tmp_path / name, driver=driver)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_route_errors() -> None:
    r = make_result(POP, LABELS)
    with pytest.raises(ParameterError, match="flows"):
        delineate_fuas(r)
    with pytest.raises(ParameterError, match="id_col"):
        delineate_fuas(r, units=_units(), flows=_flows())
    with pytest.raises(ParameterError, match="travel times"):
        delineate_fuas(r, commuting=_hand_model())
    with pytest.raises(ParameterError, match="straight_line"):
        delineate_fuas(r, commuting=_hand_model(), travel_time="fast")
    # both routes at once, with or without units: the model would be ignored
    for units in (None, _units()):
        with pytest.raises(ParameterError, match="not both"):
            delineate_fuas(r, units=units, id_col="uid", flows=_flows(), commuting=_hand_model())
    # an argument of the other route is refused, not silently ignored
    with pytest.raises(ParameterError, match="travel_time belongs to the proxy route"):
        delineate_fuas(r, units=_units(), id_col="uid", flows=_flows(), travel_time="straight_line")
    with pytest.raises(ParameterError, match="commuting must be a CommutingModel"):
        delineate_fuas(r, commuting="default", travel_time="straight_line")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="units= needs id_col="):
        delineate_fuas(r, commuting=_hand_model(), travel_time="straight_line", units=_units())
    with pytest.raises(ParameterError, match="speed_kmh"):
        delineate_fuas(r, commuting=_hand_model(), travel_time="straight_line", speed_kmh=0)
    with pytest.raises(ParameterError, match="name_col belongs to the flows route"):
        delineate_fuas(r, commuting=_hand_model(), travel_time="straight_line", name_col="name")


def test_units_of_another_place_or_with_bad_ids_fail_in_one_line() -> None:
    r = make_result(POP, LABELS)
    far = _units().set_geometry(_units().geometry.translate(1e6, 1e6))
    bad = {
        "overlaps the population grid (0 %": far,
        "2 id(s) are used by several units (e.g. 'A', 'B')": pd.concat(
            [_units(), _units().iloc[:2]], ignore_index=True
        ),
        "not degrees": _units().set_crs("EPSG:4326", allow_override=True),
        "units is empty": _units().iloc[:0],
    }
    for phrase, units in bad.items():
        for route in (
            {"flows": _flows()},
            {"commuting": _hand_model(), "travel_time": "straight_line"},
        ):
            with pytest.raises((DataError, CRSError), match=re.escape(phrase)) as info:
                delineate_fuas(r, units=units, id_col="uid", **route)  # type: ignore[arg-type]
            assert "\n" not in str(info.value)


@pytest.mark.realdata
def test_belgium_validation_script() -> None:
    if not (DATA / "belgium" / "commuting_2011_mun.csv").exists():
        pytest.skip(f"Belgian data not found at {DATA} (set FUA_SHARED_DATA)")
    spec = importlib.util.spec_from_file_location(
        "validate_belgium_fua", ROOT / "tests" / "validation" / "validate_belgium_fua.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.run(DATA, cv=3)
    assert not out["failures"], out["failures"]
    assert 10 <= out["n_fuas"] <= 25
    assert out["model"].cv_scores_["roc_auc"] > 0.75


def test_proxy_route_on_a_road_network() -> None:
    from connectivity import RoadNetwork

    # one road along the middle row, through the cell centres, 60 km/h (1 min per km)
    x = np.arange(6) * 1000.0 + 500.0
    y = np.full(6, 1500.0)
    net = RoadNetwork.from_edges(x, y, np.arange(5), np.arange(1, 6), crs=CRS, speed_kmh=60.0)
    res = delineate_fuas(make_result(POP, LABELS), commuting=_hand_model(), network=net)
    assert res.fua_labels is not None
    # middle row: 1 and 2 minutes away are kept (P >= 0.5); the other rows need a
    # 1 km off-road leg at 5 km/h (12 min) and stay out
    np.testing.assert_array_equal(res.fua_labels[1], [1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(res.fua_labels[0], [1, 1, 0, 0, 0, 0])
    assert "road network" in res.meta["travel_time"]
