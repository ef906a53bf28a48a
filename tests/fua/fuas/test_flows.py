"""Reading commuting flows: long tables with any header, matrices, delimiters, bad cells (issue 11).

Every bad flows file must fail in one line naming what is wrong, never come out
as a silently different table; ``BAD_INPUTS`` is the command-line table of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner

from connectivity.errors import DataError, InputFileError, ToolkitError
from fua.cli import main
from fua.fuas.commuting import commuting_zones
from fua.fuas.flows import LONG_COLUMNS, flow_matrix, read_flow_table, unit_flows

CRS = "ESRI:54009"
X0, Y0 = 4_000_000.0, 5_000_000.0
IDS = [f"1100{k}" for k in range(1, 7)]  # six units, NIS-like codes
#: commuters between the units: B->A 30 %, C->A 5 %, D->F 5 %, E->F 30 %, the rest at home
REF = pd.DataFrame(
    [
        ("11002", "11001", 30.0),
        ("11003", "11001", 5.0),
        ("11004", "11006", 5.0),
        ("11005", "11006", 30.0),
        ("11002", "11002", 70.0),
        ("11003", "11003", 95.0),
        ("11004", "11004", 95.0),
        ("11005", "11005", 70.0),
        ("11001", "11001", 100.0),
        ("11006", "11006", 100.0),
    ],
    columns=list(LONG_COLUMNS),
)


def _sorted(long: pd.DataFrame) -> pd.DataFrame:
    out = long[list(LONG_COLUMNS)].astype({"origin": str, "destination": str, "commuters": float})
    return out.sort_values(["origin", "destination"]).reset_index(drop=True)


def _matrix() -> pd.DataFrame:
    m = REF.pivot_table(index="origin", columns="destination", values="commuters", aggfunc="sum")
    return m.reindex(index=IDS, columns=IDS).fillna(0.0)


def _write(tmp_path: Path, text: str, name: str = "flows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _long_text(header: str | None, sep: str = ",", decimal: str = ".") -> str:
    lines = [header] if header is not None else []
    for o, d, n in REF.itertuples(index=False):
        num = f"{n:.1f}".replace(".", decimal)
        lines.append(sep.join([o, d, num]))
    return "\n".join(lines) + "\n"


def _matrix_text(m: pd.DataFrame, sep: str = ",", corner: str = "NIS") -> str:
    rows = [sep.join([corner, *m.columns])]
    rows += [sep.join([i, *(f"{v:g}" for v in m.loc[i])]) for i in m.index]
    return "\n".join(rows) + "\n"


# -- long tables: any header, any delimiter --------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "origin,destination,commuters",
        "home,work,n",
        "origin,destination,count",
        "from,to,flow",
        "HomeNIS,WorkNIS,Persons",
        "residence_code,workplace_code,workers",
        "o,d,value",
    ],
)
def test_long_table_headers_by_name(tmp_path: Path, header: str) -> None:
    got = read_flow_table(_write(tmp_path, _long_text(header)))
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))


@pytest.mark.parametrize(
    ("sep", "decimal"),
    # a comma-delimited file cannot hold unquoted decimal commas
    [(sep, dec) for sep in (",", ";", "\t", "|") for dec in (".", ",") if (sep, dec) != (",", ",")],
)
def test_delimiters_and_decimal_comma(tmp_path: Path, sep: str, decimal: str) -> None:
    text = _long_text("home" + sep + "work" + sep + "n", sep, decimal)
    got = read_flow_table(_write(tmp_path, text))
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))


def test_decimal_comma_with_thousands_dots(tmp_path: Path) -> None:
    text = "home;work;n\n11001;11002;1.234,5\n11002;11001;7,25\n"
    got = read_flow_table(_write(tmp_path, text))
    assert got["commuters"].tolist() == [1234.5, 7.25]


def test_mixed_decimal_marks_fail(tmp_path: Path) -> None:
    text = "home;work;n\n11001;11002;1,5\n11002;11001;2.5\n"
    with pytest.raises(
        DataError, match=r"mixes decimal commas \('1,5'\) and decimal points \('2.5'\)"
    ):
        read_flow_table(_write(tmp_path, text))


def test_headerless_long_table_by_content(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, _long_text(None, ";"))
    with caplog.at_level(logging.WARNING, logger="fua"):
        got = read_flow_table(path, ids=IDS)
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))
    assert "from their content" in caplog.text and "--flow-cols" in caplog.text
    assert _sorted(read_flow_table(path)).equals(_sorted(got))  # same ids in both columns


def test_unknown_names_told_by_content_with_ids(tmp_path: Path) -> None:
    got = read_flow_table(_write(tmp_path, _long_text("a,b,c")), ids=IDS)
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))


def test_text_ids_without_unit_ids(tmp_path: Path) -> None:
    text = "x,y,z\nBE1,BE2,4\nBE2,BE1,3\n"
    got = read_flow_table(_write(tmp_path, text))
    assert got.values.tolist() == [["BE1", "BE2", 4.0], ["BE2", "BE1", 3.0]]


def test_explicit_columns(tmp_path: Path) -> None:
    text = "year,dest,orig,persons,mode\n" + "".join(
        f"2011,{d},{o},{n},car\n" for o, d, n in REF.itertuples(index=False)
    )
    path = _write(tmp_path, text)
    got = read_flow_table(path, columns=("orig", "dest", "persons"))
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))
    with pytest.raises(DataError, match=r"no column\(s\) \['home'\].*its columns are \['year'"):
        read_flow_table(path, columns=("home", "dest", "persons"))


def test_columns_that_cannot_be_told_are_named(tmp_path: Path) -> None:
    text = "a,b,c,e\n1,2,3,4\n5,6,7,8\n"
    with pytest.raises(DataError) as info:
        read_flow_table(_write(tmp_path, text))
    msg = str(info.value)
    assert "columns ['a', 'b', 'c', 'e']" in msg and "origin (residence)" in msg
    assert "--flow-cols" in msg and "\n" not in msg


def test_dataframe_long_with_other_names_and_matrix_with_ids_in_a_column() -> None:
    long = REF.rename(columns={"origin": "home", "destination": "work", "commuters": "n"})
    pd.testing.assert_frame_equal(_sorted(read_flow_table(long)), _sorted(REF))
    m = _matrix().reset_index().rename(columns={"origin": "NIS"})
    pd.testing.assert_frame_equal(_sorted(read_flow_table(m)), _sorted(REF))
    pd.testing.assert_frame_equal(_sorted(read_flow_table(_matrix())), _sorted(REF))


# -- matrices -------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_matrix_csv(tmp_path: Path, sep: str) -> None:
    got = read_flow_table(_write(tmp_path, _matrix_text(_matrix(), sep)))
    pd.testing.assert_frame_equal(_sorted(got), _sorted(REF))
    blank_corner = read_flow_table(_write(tmp_path, _matrix_text(_matrix(), sep, corner="")))
    pd.testing.assert_frame_equal(_sorted(blank_corner), _sorted(REF))


def test_matrix_leading_zero_ids_kept(tmp_path: Path) -> None:
    text = "code,01001,01002\n01001,5,1\n01002,2,7\n"
    got = read_flow_table(_write(tmp_path, text))
    assert set(got["origin"]) == {"01001", "01002"}


def test_matrix_bad_cells_are_named(tmp_path: Path) -> None:
    text = _matrix_text(_matrix()).replace("\n11002,30,70", '\n11002,abc,"1,234"', 1)
    with pytest.raises(DataError) as info:
        read_flow_table(_write(tmp_path, text))
    msg = str(info.value)
    assert "2 cell(s) are not numbers" in msg
    assert "residence 11002, work 11001: 'abc'" in msg
    assert "residence 11002, work 11002: '1,234'" in msg


def test_many_bad_cells_listed_with_a_count(tmp_path: Path) -> None:
    m = _matrix().astype(object)
    m.iloc[:, :] = "x"
    with pytest.raises(DataError, match=r"36 cell\(s\).*and 31 more"):
        read_flow_table(m)


def test_non_square_matrix(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    m = _matrix().drop(columns=["11003", "11004"])
    path = _write(tmp_path, _matrix_text(m))
    with pytest.raises(
        DataError, match=r"not square: 2 residence id\(s\) have no work column \(11003, 11004\)"
    ):
        read_flow_table(path)
    with caplog.at_level(logging.WARNING, logger="fua"):
        got = read_flow_table(path, allow_missing=True)
    assert "2 residence ids have no work column" in caplog.text
    assert got["commuters"].sum() == REF["commuters"].sum() - 95 - 95


def test_totals_row_is_refused(tmp_path: Path) -> None:
    m = _matrix()
    m.loc["Total"] = m.sum()
    with pytest.raises(DataError, match="totals row or column \\('Total'\\)"):
        read_flow_table(_write(tmp_path, _matrix_text(m)))


# -- files that are not flow tables -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error", "phrase"),
    [
        ("", InputFileError, "is empty"),
        ("\n  \n", InputFileError, "is empty"),
        ("home,work,n\n", DataError, "header but no flows"),
        ("home work n\n1 2 3\n", InputFileError, "cannot tell its delimiter"),
        ("home,work,n\n11001,11002,3\n11001,11003,4,5\n", InputFileError, "same number of fields"),
        ("home,work,n\n11001,11002,\n", DataError, "line 2: ''"),
        ("home,work,n\n11001,11002,-3\n", DataError, "negative"),
        ("home,work,n\n11001,11002,inf\n", DataError, "not numbers"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, error: type[Exception], phrase: str) -> None:
    with pytest.raises(error, match=phrase) as info:
        read_flow_table(_write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "flows.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputFileError, match="not a text file"):
        read_flow_table(path)
    with pytest.raises(InputFileError, match="does not exist"):
        read_flow_table(tmp_path / "nope.csv")


def test_ids_that_match_no_unit_are_named() -> None:
    with pytest.raises(DataError, match=r"no residence id .*flow ids 11002, 11003.*unit ids A, B"):
        flow_matrix(REF, np.array(["A", "B"]))
    wrong_work = REF.assign(destination="X" + REF["destination"])
    with pytest.raises(DataError, match=r"no work id .*flow ids X11001"):
        flow_matrix(wrong_work, np.array(IDS))


def test_unit_flows_tells_columns_from_unit_ids(tmp_path: Path) -> None:
    units = pd.DataFrame({"uid": [int(x) for x in IDS]})
    path = _write(tmp_path, _long_text("p|q|r", "|"))
    fm, employed, has = unit_flows(units, path, id_col="uid")
    assert fm.sum() == REF["commuters"].sum() and has.all()
    assert employed.tolist() == [100.0] * 6


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """3 x 12 grid (1 km), urban centres in cols 0-1 and 10-11; six 2-column units."""
    pop = np.full((3, 12), 100.0)
    pop[:, :2] = pop[:, 10:] = 10_000.0
    tif = tmp_path / "pop.tif"
    profile = {"driver": "GTiff", "width": 12, "height": 3, "count": 1, "dtype": "float64"}
    with rasterio.open(
        tif, "w", crs=CRS, transform=Affine(1000, 0, X0, 0, -1000, Y0), **profile
    ) as dst:
        dst.write(pop, 1)
    geoms = [shapely.box(X0 + 2000 * i, Y0 - 3000, X0 + 2000 * (i + 1), Y0) for i in range(6)]
    gpkg = tmp_path / "units.gpkg"
    gpd.GeoDataFrame({"uid": IDS}, geometry=geoms, crs=CRS).to_file(gpkg, layer="units")
    return {"pop": tif, "units": gpkg, "dir": tmp_path}


def _delineate(world: dict[str, Path], flows: Path, *extra: str) -> tuple[int, str, str, Path]:
    out = world["dir"] / "out" / "fua.gpkg"
    args = ["-q", "delineate", str(world["pop"]), "--units", str(world["units"])]
    args += ["--id-col", "uid", "--flows", str(flows), "--out", str(out), *extra]
    r = CliRunner().invoke(main, args)
    return r.exit_code, r.stdout, r.stderr, out


@pytest.mark.parametrize(
    ("text", "extra", "commuting_pop"),
    [
        (_long_text("origin,destination,commuters"), (), [600, 600]),
        (_long_text("home,work,n"), (), [600, 600]),
        (_long_text("a;b;c", ";", ","), (), [600, 600]),
        (_long_text(None, "\t"), (), [600, 600]),
        (_long_text("w,h,k"), ("--flow-cols", "w,h,k"), [600, 600]),
        (_matrix_text(_matrix()), (), [600, 600]),
        # without its own column, 11003's 5 commuters to 11001 are all its workers: it joins
        (_matrix_text(_matrix().drop(columns=["11003"])), ("--allow-missing",), [1200, 600]),
    ],
    ids=["standard", "home-work-n", "semicolon-decimal-comma", "headerless-tab", "flow-cols",
         "matrix", "allow-missing"],
)  # fmt: skip
def test_cli_reads_every_shape(
    world: dict[str, Path], text: str, extra: tuple[str, ...], commuting_pop: list[int]
) -> None:
    code, stdout, stderr, out = _delineate(world, _write(world["dir"], text), *extra)
    assert code == 0, stderr
    assert "2 FUAs (flows)" in stdout
    fua = gpd.read_file(out, layer="fua").sort_values("fua_id")
    assert fua["pop_commuting"].tolist() == commuting_pop


def _csv(text: str) -> Callable[[Path], None]:
    """A maker of the flows file ``{dir}/flows.csv``."""
    return lambda d: _write(d, text)


def _raster(
    name: str, values: np.ndarray, *, x0: float = X0, y0: float = Y0, crs: str = CRS
) -> Callable[[Path], None]:
    """A maker of a 1 km GeoTIFF ``{dir}/<name>`` (no nodata declared)."""

    def make(d: Path) -> None:
        profile = {"driver": "GTiff", "count": 1, "dtype": values.dtype, "crs": crs}
        h, w = values.shape
        t = Affine(1000, 0, x0, 0, -1000, y0)
        with rasterio.open(d / name, "w", height=h, width=w, transform=t, **profile) as dst:
            dst.write(values, 1)

    return make


def _with_fill(dtype: str, fill: float) -> np.ndarray:
    """A 10 x 12 population (a town of 2 000 per km²) whose edge holds an undeclared fill value."""
    a = np.full((10, 12), fill, dtype=dtype)
    a[2:8, 2:10] = 2_000
    return a


DELINEATE = ("delineate", "{dir}/pop.tif", "--units", "{dir}/units.gpkg", "--id-col", "uid")
DELINEATE_OUT = (*DELINEATE, "--flows", "{dir}/flows.csv", "--out", "{dir}/out/fua.gpkg")
DEGURBA_FILL = ("degurba", "{dir}/fill.tif", "--out", "{dir}/out")
DEGURBA_LAND = ("degurba", "{dir}/pop.tif", "--out", "{dir}/out", "--land", "{dir}/land.tif")
F32_MAX = float(np.finfo(np.float32).max)

#: Bad inputs on the command line: (case, maker of the input files in ``{dir}``,
#: arguments (``{dir}`` also holds the ``world`` fixture's pop.tif and units.gpkg),
#: a phrase of the one-line error). Every case must exit 1 with that one line on
#: stderr, no traceback, and leave nothing at ``{dir}/out``.
BAD_INPUTS: list[tuple[str, Callable[[Path], None], tuple[str, ...], str]] = [
    ("empty flows file", _csv(""), DELINEATE_OUT, "is empty"),
    ("flows header only", _csv("home,work,n\n"), DELINEATE_OUT, "header but no flows"),
    (
        "flow columns cannot be told",
        _csv("p,q,r,s\n1,2,3,4\n"),
        DELINEATE_OUT,
        "cannot read flow table",
    ),
    (
        "flow ids match no unit",
        _csv("home,work,n\nX1,X2,3\nX2,X1,4\n"),
        DELINEATE_OUT,
        "no residence id",
    ),
    (
        "flow matrix with text cells",
        _csv(_matrix_text(_matrix()).replace("\n11002,30,70", '\n11002,abc,"1,234"', 1)),
        DELINEATE_OUT,
        "residence 11002, work 11001: 'abc'",
    ),
    (
        "non-square flow matrix",
        _csv(_matrix_text(_matrix().drop(columns=["11003", "11004"]))),
        DELINEATE_OUT,
        "have no work column (11003, 11004)",
    ),
    (
        "ragged flows lines",
        _csv("home,work,n\n11001,11002,3\n11001,11002,1,234\n"),
        DELINEATE_OUT,
        "same number of fields",
    ),
    (
        "mixed decimal marks in flows",
        _csv("home;work;n\n11001;11002;1,5\n11002;11001;2.5\n"),
        DELINEATE_OUT,
        "mixes decimal",
    ),
    (
        "negative flow",
        _csv("home,work,n\n11001,11002,-4\n11002,11001,4\n"),
        DELINEATE_OUT,
        "negative",
    ),
    (
        "--flow-cols naming no column",
        _csv(_long_text("home,work,n")),
        (*DELINEATE_OUT, "--flow-cols", "a,b,c"),
        "no column(s)",
    ),
    (
        "--flow-cols not three names",
        _csv(_long_text("home,work,n")),
        (*DELINEATE_OUT, "--flow-cols", "a,b"),
        "three column",
    ),
    (
        "population with undeclared float32 fill",
        _raster("fill.tif", _with_fill("float32", F32_MAX)),
        DEGURBA_FILL,
        "--nodata 3.4028235e+38",
    ),
    (
        "population with undeclared negative fill",
        _raster("fill.tif", _with_fill("float32", -F32_MAX)),
        DEGURBA_FILL,
        "--nodata -3.4028235e+38",
    ),
    (
        "population with undeclared uint16 fill",
        _raster("fill.tif", _with_fill("uint16", 65535)),
        DEGURBA_FILL,
        "--nodata 65535",
    ),
    (
        "population with undeclared -9999",
        _raster("fill.tif", _with_fill("int16", -9999)),
        DEGURBA_FILL,
        "--nodata -9999",
    ),
    (
        "population with undeclared NaN",
        _raster("fill.tif", _with_fill("float32", np.nan)),
        DEGURBA_FILL,
        "--nodata nan",
    ),
    (
        "land raster of another place",
        _raster("land.tif", np.ones((3, 12), np.float32), x0=X0 + 900_000),
        DEGURBA_LAND,
        "covers 0.0 % of the 36 populated cells",
    ),
    (
        "land raster overlapping a third",
        _raster("land.tif", np.ones((3, 12), np.float32), x0=X0 + 8_000),
        DEGURBA_LAND,
        "covers 33.3 %",
    ),
    (
        "built raster of another place (lon/lat)",
        _raster("built.tif", np.full((3, 12), 0.2, np.float32), x0=100.0, y0=10.0, crs="EPSG:4326"),
        ("degurba", "{dir}/pop.tif", "--out", "{dir}/out", "--built", "{dir}/built.tif"),
        "built layer",
    ),
]


@pytest.mark.parametrize(
    ("make", "argv", "phrase"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_inputs_on_the_command_line(
    world: dict[str, Path],
    make: Callable[[Path], None],
    argv: tuple[str, ...],
    phrase: str,
) -> None:
    d = world["dir"]
    make(d)
    r = CliRunner().invoke(main, ["-q", *(a.format(dir=d) for a in argv)])
    assert r.exit_code == 1, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), r.stderr
    assert phrase in lines[0] and "Traceback" not in r.stderr
    assert not (d / "out").exists()


def test_degurba_nodata_option_is_the_fix(world: dict[str, Path]) -> None:
    d = world["dir"]
    _raster("fill.tif", _with_fill("float32", F32_MAX))(d)
    args = ["-q", "degurba", str(d / "fill.tif"), "--out", str(d / "out"), "--nodata"]
    r = CliRunner().invoke(main, [*args, "3.4028235e+38"])
    assert r.exit_code == 0, r.output
    assert "(96,000 people)" in r.stdout


def test_commuting_zones_with_a_home_work_n_file(tmp_path: Path) -> None:
    """The library route: the flows file with other headers gives the same zones as the standard one."""
    geoms = [shapely.box(1000 * i, 0, 1000 * (i + 1), 1000) for i in range(6)]
    units = gpd.GeoDataFrame({"uid": IDS, "pop": 1000.0}, geometry=geoms, crs="EPSG:3035")
    units["uc_id"] = [1, 0, 0, 0, 0, 2]
    units["uc_share"] = [0.9, 0, 0, 0, 0, 0.9]
    units["uc_pop"] = [90_000.0, 0, 0, 0, 0, 90_000.0]
    a = commuting_zones(units, REF, id_col="uid")
    b = commuting_zones(units, _write(tmp_path, _long_text("home;work;n", ";", ",")), id_col="uid")
    assert a["fua_id"].tolist() == b["fua_id"].tolist() == [1, 1, 0, 0, 2, 2]


def test_errors_are_toolkit_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError):
        read_flow_table(_write(tmp_path, "a\n"))


# -- the Belgian case (real data) ------------------------------------------------------------


def test_realdata_belgium_long_and_semicolon_match_the_matrix(
    shared_data: Path, tmp_path: Path
) -> None:
    d = shared_data / "belgium"
    matrix = d / "commuting_2011_mun.csv"
    if not matrix.exists():
        pytest.skip(f"{matrix} not found")
    ids = gpd.read_file(d / "municipalities_2024_mollweide.gpkg")["GID_4"]
    ref = read_flow_table(matrix, ids=ids)
    assert len(ref) > 10_000 and ref["commuters"].sum() == 4_298_578
    hwn = tmp_path / "home_work_n.csv"
    ref.set_axis(["home", "work", "n"], axis=1).to_csv(hwn, index=False)
    pd.testing.assert_frame_equal(read_flow_table(hwn, ids=ids), ref)
    semi = tmp_path / "semi.csv"
    pd.read_csv(matrix, dtype=str).to_csv(semi, sep=";", index=False)
    pd.testing.assert_frame_equal(read_flow_table(semi, ids=ids), ref)
