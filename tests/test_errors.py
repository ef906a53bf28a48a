"""One error root: every error the toolkit raises on purpose is a ToolkitError.

Each case below drives one public entry point of ``fua`` or ``connectivity``
into a deliberate failure and checks that the exception is an instance of
the one root (importable as ``connectivity.ToolkitError``, ``fua.FuaError``
and ``connectivity.ConnectivityError``: one class) *and* of the standard
exception its kind promises.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

import connectivity
import fua
from tests._fua_fixtures import CRS, make_grid


def test_one_root_under_every_name() -> None:
    assert fua.FuaError is connectivity.ConnectivityError is connectivity.ToolkitError
    assert fua.ToolkitError is connectivity.ToolkitError
    for name in ("CRSError", "DataError", "ParameterError", "InputFileError", "OutputExistsError"):
        assert getattr(fua, name) is getattr(connectivity, name)
    assert issubclass(connectivity.NetworkError, connectivity.DataError)


def _line_net(x0: float = 0.0) -> connectivity.RoadNetwork:
    lines = gpd.GeoDataFrame(
        {"highway": ["primary", "primary"]},
        geometry=[shapely.LineString([(x0, 0), (x0 + 5000, 0)]),
                  shapely.LineString([(x0 + 5000, 0), (x0 + 10000, 0)])],
        crs=CRS,
    )  # fmt: skip
    return connectivity.RoadNetwork.from_lines(lines, class_col="highway")


def _saved_net(tmp: Path) -> Path:
    path = tmp / "net.npz"
    _line_net().save(path)
    return path


def _points(xy: list[tuple[float, float]], crs: str = CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in xy], crs=crs)


def _town() -> Any:
    pop = np.zeros((12, 12))
    pop[3:9, 3:9] = 2000.0  # one urban centre of 72 000 people
    pop[pop == 0] = 10.0
    return make_grid(pop)


def _far_away_network_fuas() -> None:
    fua.delineate_fuas(
        _town(), commuting=fua.CommutingModel.default(), network=_line_net(x0=5_000_000.0)
    )


def _existing_output(tmp: Path) -> None:
    out = tmp / "fuas.gpkg"
    res = fua.delineate_fuas(_town(), commuting=fua.CommutingModel.default(),
                             travel_time="straight_line")  # fmt: skip
    res.write(out)
    res.write(out)


CASES: dict[str, tuple[Callable[[Path], Any], type[Exception], type[Exception]]] = {
    # fua: grids and the Degree of Urbanisation
    "population from a missing file": (
        lambda t: fua.read_population(t / "missing.tif"), fua.InputFileError, OSError),
    "negative population": (
        lambda t: fua.classify_grid(make_grid(np.full((3, 3), -1.0))), fua.DataError, ValueError),
    "population grid in degrees": (
        lambda t: fua.PopulationGrid(pop=np.ones((3, 3)), transform=make_grid(np.ones((3, 3))).transform,
                                     crs="EPSG:4326"), fua.CRSError, ValueError),
    "unknown DEGURBA parameter": (
        lambda t: fua.DegurbaParams().replace(no_such_threshold=1), fua.ParameterError, ValueError),
    "DEGURBA preset that does not exist": (
        lambda t: fua.DegurbaParams.preset("R1999Z"), fua.ParameterError, ValueError),
    # fua: FUAs
    "FUA proxy over a network far from the grid": (
        lambda t: _far_away_network_fuas(), fua.DataError, ValueError),
    "FUA with flows but no units": (
        lambda t: fua.delineate_fuas(_town(), flows=[(1, 2, 3)]), fua.ParameterError, ValueError),
    "FUA output exists": (_existing_output, fua.OutputExistsError, FileExistsError),
    # fua: metrics
    "market potential with an unknown decay": (
        lambda t: fua.market_potential(
            __import__("pandas").DataFrame([[1.0]]), __import__("pandas").Series([1.0]), decay="cubic"
        ), fua.ParameterError, ValueError),
    "national metrics of no sizes": (
        lambda t: fua.national_metrics([]), fua.DataError, ValueError),
    # connectivity: networks
    "network in Web Mercator": (
        lambda t: connectivity.read_network(_saved_net(t), crs="EPSG:3857"),
        connectivity.CRSError, ValueError),
    "network from a missing file": (
        lambda t: connectivity.read_network(t / "missing.gpkg"), connectivity.InputFileError, OSError),
    "speed table with a negative speed": (
        lambda t: connectivity.SpeedTable({"primary": -5.0}), connectivity.ParameterError, ValueError),
    # connectivity: measures
    "destinations all off the network": (
        lambda t: connectivity.time_to_nearest(
            _line_net(), _points([(100, 10)]), _points([(9e6, 9e6)]), max_snap_m=100),
        connectivity.DataError, ValueError),
    "negative snapping distance": (
        lambda t: connectivity.time_to_nearest(
            _line_net(), _points([(100, 10)]), _points([(900, 10)]), max_snap_m=-1),
        connectivity.ParameterError, ValueError),
    "origins in another CRS than declared": (
        lambda t: connectivity.OriginSet.from_points(_line_net(), _points([(100, 10)], crs=None)),
        connectivity.CRSError, ValueError),
    "gravity with beta 0": (
        lambda t: connectivity.gravity_access(
            _line_net(), _points([(100, 10)]), _points([(900, 10)]), None, beta=0.0),
        connectivity.ParameterError, ValueError),
    "isochrones with no thresholds": (
        lambda t: connectivity.isochrones(_line_net(), _points([(100, 10)]), []),
        connectivity.ParameterError, ValueError),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_every_public_error_is_a_toolkit_error(case: str, tmp_path: Path) -> None:
    call, kind, standard = CASES[case]
    with pytest.raises(connectivity.ToolkitError) as info:
        call(tmp_path)
    err = info.value
    assert isinstance(err, kind), f"{case}: {type(err).__name__}: {err}"
    assert isinstance(err, standard) and isinstance(err, fua.FuaError)
    assert str(err), f"{case}: an error with no message"
