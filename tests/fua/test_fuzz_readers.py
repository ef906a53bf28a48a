"""Fuzzing the flows reader and the population reader: the right answer or one clear error.

Hypothesis writes small flow tables (long or matrix; delimiters ``,`` ``;`` tab
``|``; with or without a header; known or neutral column names; integer or
decimal counts, decimal commas; spaces, quotes, CRLF, a BOM; junk cells) and
small rasters (any dtype; Mollweide or lon/lat; no-data declared in the file,
passed as an argument or not at all; fill values, NaN), and checks that each is read exactly as it was
generated, or fails with one :class:`connectivity.ToolkitError` in one line,
never with another exception and never with a silently different result (issue 11).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectivity.errors import ToolkitError
from fua.fuas.flows import read_flow_table
from fua.grid import read_population

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- flow tables ---------------------------------------------------------------------

ID_STYLES = {
    "nis": [f"{11001 + k}" for k in range(8)],
    "text": [f"BE-{k:02d}" for k in range(8)],
    "zeros": [f"0{1001 + k}" for k in range(8)],
}
NAMES = {
    "origin": ["origin", "home", "from", "residence_id", "HomeNIS", "o"],
    "destination": ["destination", "work", "to", "workplace_id", "WorkNIS", "d"],
    "count": ["commuters", "n", "count", "flow", "Persons", "value"],
}
NEUTRAL = ["a", "b", "c", "x", "y", "z", "p", "q", "k", "m", "v1", "v2"]
#: Cells that are not numbers in any notation the reader accepts.
JUNK = ["abc", "n/a", "1.2.3", "--", "1 234", "x1"]


@st.composite
def flow_files(draw: st.DrawFn) -> dict[str, Any]:
    """A flow table, how it is written, and the long table it must read as (or None: an error)."""
    ids = draw(st.sampled_from(sorted(ID_STYLES)).map(ID_STYLES.get))[: draw(st.integers(2, 6))]
    integer = draw(st.booleans())
    count = st.integers(0, 5000) if integer else st.integers(0, 500_000).map(lambda c: c / 100)
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), min_size=1, max_size=12)
    )
    flows = [(o, d, draw(count)) for o, d in pairs]
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    return {
        "ids": ids,
        "flows": flows,
        "integer": integer,
        "sep": sep,
        "decimal": "." if sep == "," else draw(st.sampled_from([".", ","])),
        "shape": draw(st.sampled_from(["long", "matrix"])),
        "header": draw(st.sampled_from(["known", "neutral", "mixed", "none"])),
        "names": [draw(st.sampled_from(NAMES[r])) for r in NAMES],
        "neutral": draw(st.lists(st.sampled_from(NEUTRAL), min_size=3, max_size=3, unique=True)),
        "corner": draw(st.sampled_from(["", "NIS", "id", "code"])),
        "junk": draw(st.none() | st.sampled_from([*JUNK, ""])),
        "junk_at": draw(st.integers(0, 100)),
        "quote": draw(st.booleans()),
        "space": draw(st.booleans()),
        "crlf": draw(st.booleans()),
        "bom": draw(st.booleans()),
    }


def _number(value: float, spec: dict[str, Any]) -> str:
    text = str(int(value)) if spec["integer"] else f"{value:.2f}"
    return text.replace(".", spec["decimal"])


def _long_rows(spec: dict[str, Any]) -> tuple[list[list[str]], pd.DataFrame | None]:
    rows = [[o, d, _number(n, spec)] for o, d, n in spec["flows"]]
    expected = pd.DataFrame(spec["flows"], columns=["origin", "destination", "commuters"])
    if spec["junk"] is not None:
        rows[spec["junk_at"] % len(rows)][2] = spec["junk"]
        expected = None  # a count that is not a number is an error in a long table
    header = {
        "known": spec["names"],
        "neutral": spec["neutral"],
        "mixed": [spec["names"][0], *spec["neutral"][1:]],
        "none": None,
    }[spec["header"]]
    return ([header] if header else []) + rows, expected


def _matrix_rows(spec: dict[str, Any]) -> tuple[list[list[str]], pd.DataFrame | None]:
    ids = spec["ids"]
    m = pd.DataFrame(0.0, index=ids, columns=ids)
    for o, d, n in spec["flows"]:
        m.loc[o, d] += n
    cells = [[_number(v, spec) for v in m.loc[i]] for i in ids]
    if spec["junk"] is not None:
        k = spec["junk_at"] % (len(ids) ** 2)
        cells[k // len(ids)][k % len(ids)] = spec["junk"]
        if spec["junk"] == "":  # an empty matrix cell is 0
            m.iloc[k // len(ids), k % len(ids)] = 0.0
    rows = [[spec["corner"], *ids]] + [[i, *c] for i, c in zip(ids, cells, strict=True)]
    r, c = np.nonzero(m.to_numpy())
    expected = pd.DataFrame(
        {"origin": m.index[r], "destination": m.columns[c], "commuters": m.to_numpy()[r, c]}
    )
    return rows, (expected if spec["junk"] in (None, "") else None)


def _write_flows(spec: dict[str, Any], path: Path) -> pd.DataFrame | None:
    rows, expected = (_long_rows if spec["shape"] == "long" else _matrix_rows)(spec)
    sep = spec["sep"]

    def cell(text: str) -> str:
        if spec["quote"] or (sep in text) or ("," in text and sep == ","):
            text = f'"{text}"'
        return (" " + text) if spec["space"] and sep != "\t" else text

    lines = [sep.join([r[0], *(cell(x) for x in r[1:])]) for r in rows]
    text = ("\r\n" if spec["crlf"] else "\n").join(lines) + "\n"
    path.write_bytes(("\ufeff" if spec["bom"] else "").encode() + text.encode())
    return expected


def _canonical(long: pd.DataFrame) -> list[tuple[str, str, float]]:
    o, d = long["origin"].astype(str), long["destination"].astype(str)
    rows = zip(o, d, long["commuters"], strict=True)
    return sorted((o, d, round(float(n), 6)) for o, d, n in rows)


@FUZZ
@given(spec=flow_files())
def test_flows_reader_is_right_or_fails_clearly(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flows.csv"
        expected = _write_flows(spec, path)
        try:
            got = read_flow_table(path, ids=spec["ids"])
        except ToolkitError as exc:
            assert "\n" not in str(exc)
            assert expected is None, f"a valid table was refused: {exc}\n{path.read_text()}"
            return
    assert expected is not None, f"junk {spec['junk']!r} was read as a number"
    assert _canonical(got) == _canonical(expected)


# -- population rasters ----------------------------------------------------------------

DTYPES = ["uint8", "uint16", "int16", "int32", "float32", "float64"]


def _fills(dtype: str) -> list[float]:
    """Values a producer puts where there are no data, none of them a possible population."""
    kind = np.dtype(dtype).kind
    out = [float(np.iinfo(dtype).max)] if kind in "iu" else []
    if kind in "if":
        out += [-9999.0, -200.0]
    if kind == "f":
        f32 = float(np.finfo(np.float32).max)
        out += [np.nan, f32, -f32, 1e20]
    return out


@st.composite
def rasters(draw: st.DrawFn) -> dict[str, Any]:
    dtype = draw(st.sampled_from(DTYPES))
    shape = (draw(st.integers(2, 7)), draw(st.integers(2, 7)))
    top = min(np.iinfo(dtype).max - 1, 60_000) if np.dtype(dtype).kind in "iu" else 60_000
    values = draw(
        st.lists(st.integers(0, top), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1])
    )
    fill = draw(st.none() | st.sampled_from(_fills(dtype)))
    holes = draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    return {
        "dtype": dtype,
        "values": np.array(values, dtype="float64").reshape(shape),
        "fill": fill,
        "holes": np.array(holes).reshape(shape) if fill is not None else np.zeros(shape, bool),
        "declare": draw(st.sampled_from(["file", "argument", "no"])),
        "cell": draw(st.sampled_from([1000.0, 500.0, "lonlat"])),
    }


def _write_raster(spec: dict[str, Any], path: Path) -> np.ndarray:
    data = spec["values"].astype(spec["dtype"])
    if spec["fill"] is not None:
        data[spec["holes"]] = np.array(spec["fill"]).astype(spec["dtype"])
    cs = spec["cell"]
    if cs == "lonlat":  # 0.01 degree cells (~1 km) near Brussels: reprojected
        crs, transform = "EPSG:4326", Affine(0.01, 0, 4.3, 0, -0.01, 50.9)
    else:  # Mollweide, taken as it is (1 km) or block-summed (500 m)
        crs, transform = "ESRI:54009", Affine(cs, 0, 4_000_000, 0, -cs, 3_000_000)
    profile = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": spec["dtype"], "crs": crs, "transform": transform,
        "nodata": spec["fill"] if spec["declare"] == "file" else None,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return data


@FUZZ
@given(spec=rasters())
def test_population_reader_is_right_or_fails_clearly(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pop.tif"
        _write_raster(spec, path)
        nodata = spec["fill"] if spec["declare"] == "argument" else None
        undeclared = spec["fill"] is not None and spec["declare"] == "no" and spec["holes"].any()
        try:
            g = read_population(path, nodata=nodata)
        except ToolkitError as exc:
            assert "\n" not in str(exc)
            assert undeclared, f"a valid raster was refused: {exc}"
            if not np.isnan(spec["fill"]):
                assert "looks like a no-data value" in str(exc) and "--nodata" in str(exc)
            return
    assert not undeclared, f"the undeclared fill {spec['fill']} was read as people"
    good = ~spec["holes"]
    assert g.total_population == pytest.approx(spec["values"][good].sum(), rel=1e-9, abs=1e-9)
    if spec["cell"] == 1000.0:  # taken as it is: the no-data cells are the holes
        np.testing.assert_array_equal(g.valid, good)
