"""Commuting flows and unit adjacency, as the EU-OECD rules (:mod:`fua.fuas.rules`) read them.

:func:`read_flow_table` reads a long table or a square matrix (DataFrame or
CSV) into one long table with text ids; :func:`flow_matrix` puts it on the
units; :func:`unit_flows` does both for a layer of units and also gives the
employed residents; :func:`adjacency` tells which units touch.

A flow table is read so that it comes out right or fails in one line: the
delimiter (``,`` ``;`` tab ``|``), a decimal comma and a header line are
told from the file; the origin, destination and count columns of a long
table from their names (``origin,destination,commuters``, ``home,work,n``,
``from,to,flow``, ...) or from their content; every cell that is not a
number is named; a matrix must have a work column for each residence row.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from connectivity.errors import DataError, InputFileError, ParameterError

__all__ = [
    "DELIMITERS",
    "LONG_COLUMNS",
    "FlowsLike",
    "adjacency",
    "flow_matrix",
    "read_flow_table",
    "unit_flows",
]

log = logging.getLogger(__name__)

FlowsLike: TypeAlias = pd.DataFrame | str | PathLike[str]
#: The columns of the long table :func:`read_flow_table` returns (and its default names).
LONG_COLUMNS = ("origin", "destination", "commuters")
#: The delimiters a flow CSV may use (told from its first lines).
DELIMITERS = (",", ";", "\t", "|")

#: Words naming the origin (residence), destination (work) and count of a long table.
_ROLE_WORDS: dict[str, frozenset[str]] = {
    "origin": frozenset(
        "origin orig o from home residence res resid residential living source src".split()
    ),
    "destination": frozenset(
        "destination dest d to work workplace job jobs target dst employment".split()
    ),
    "count": frozenset(
        "commuters commuter count counts cnt n nb num number flow flows value values weight "
        "persons people workers trips volume freq frequency amount total".split()
    ),
}
_ROLE_NAMES = {
    "origin": "origin (residence)",
    "destination": "destination (work)",
    "count": "count",
}
_TOTAL_LABEL = re.compile(r"(?i)\s*(total|totals|sum|totaal|totaux|gesamt|insgesamt)\s*")
_COMMA_DECIMAL = r"[+-]?\d+,\d+"
_THOUSANDS_DOT = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"
_POINT_DECIMAL = r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?"
_INT_LIKE_FLOAT = re.compile(r"^([+-]?\d+)\.0*$")
#: How many bad cells or ids an error lists (then a count of the rest).
_SHOW = 5
#: Share of a column's distinct values that must be unit ids for it to count as an id column.
_ID_SHARE = 0.5
#: Share of the headers after the first that must be row (or unit) ids for a table to be a matrix.
_MATRIX_SHARE = 0.8
_FIX_COLUMNS = (
    "name them with columns=(origin, destination, count) in Python or "
    "--flow-cols ORIGIN,DESTINATION,COUNT on the command line"
)


def _norm_ids(values: Any) -> np.ndarray:
    """Ids as strings, so 11001 (int), "11001" and 11001.0 all become "11001".

    Text keeps its leading zeros ("01001" stays "01001"); only a trailing
    ``.0`` is dropped.
    """
    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s) and np.all(np.mod(s.dropna(), 1) == 0):
        s = s.astype("Int64")
    return s.astype(str).str.strip().str.replace(_INT_LIKE_FLOAT, r"\1", regex=True).to_numpy()


def _some(items: Sequence[Any]) -> str:
    """The first few items, comma-separated, and how many more there are."""
    shown = ", ".join(str(x) for x in items[:_SHOW])
    more = len(items) - _SHOW
    return shown + (f" and {more} more" if more > 0 else "")


# -- reading a CSV ----------------------------------------------------------------


@dataclass
class _Table:
    """A flow table before it is read as long or matrix: cells, where it came from, decimal mark.

    ``frame`` holds text cells (a CSV) or any dtype (a DataFrame); ``line0``
    is the file line of its first row (for messages; None for a DataFrame).
    """

    frame: pd.DataFrame
    name: str
    decimal: str = "."
    line0: int | None = None

    def where(self, row: int) -> str:
        """Where row ``row`` (0-based, of ``frame``) is, for a message."""
        return f"line {self.line0 + row}" if self.line0 is not None else f"row {row}"


def _read_text(path: Path) -> str:
    """The text of a flow CSV; one-line errors for missing, empty or binary files."""
    if not path.is_file():
        msg = f"flow table {path} does not exist: give a CSV path or a DataFrame"
        raise InputFileError(msg)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        msg = (
            f"flow table {path} is not a text file (binary data: a spreadsheet?): "
            "save it as CSV (comma, semicolon or tab separated)"
        )
        raise InputFileError(msg)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.info("flow table %s is not UTF-8; read as Latin-1", path)
        text = raw.decode("latin-1")
    if not text.strip():
        msg = (
            f"flow table {path} is empty: it needs a header and one line per flow "
            "(origin,destination,commuters) or a matrix (residence ids in rows, work ids in columns)"
        )
        raise InputFileError(msg)
    return text


def _sniff_delimiter(lines: list[str], path: Path) -> str:
    """The delimiter among :data:`DELIMITERS` that splits the first lines into equal fields.

    A delimiter that gives every line the same number (≥ 2) of fields wins,
    the one giving most fields first (so ``a;b;1,5`` is split on ``;``);
    failing that, the one splitting most lines into ≥ 2 fields (the reader
    then names the ragged line).
    """
    best: tuple[int, int, int] | None = None
    choice = None
    for k, d in enumerate(DELIMITERS):
        counts = [len(row) for row in csv.reader(lines, delimiter=d)]
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (int(all(c == mode for c in counts)), mode, -k)
        if best is None or score > best:
            best, choice = score, d
    if choice is None:
        first = lines[0] if len(lines[0]) <= 60 else lines[0][:57] + "..."
        msg = (
            f"flow table {path}: cannot tell its delimiter, no line splits on any of "
            f"{', '.join(repr(d) for d in DELIMITERS)} (first line {first!r}): "
            "save it with comma, semicolon or tab delimiters"
        )
        raise InputFileError(msg)
    return choice


def _read_cells(text: str, sep: str, path: Path) -> pd.DataFrame:
    """Every cell of a CSV as stripped text ("" when empty), no header taken yet."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=object,
            na_filter=False,  # every cell as text, "" when empty or missing
            skip_blank_lines=True,
            skipinitialspace=True,  # "a, b" and 'a, "b"' as "a", "b"
        )
    except (pd.errors.ParserError, ValueError) as exc:
        msg = (
            f"cannot read flow table {path} with delimiter {sep!r}: "
            f"{str(exc).strip().splitlines()[-1]}; every line needs the same number of fields "
            "(a number written with a thousands separator, 1,234, splits a field: remove the "
            "separator or quote the number)"
        )
        raise InputFileError(msg) from exc
    return frame


def _stripped(cells: np.ndarray) -> np.ndarray:
    """Cells as stripped text in an object array; "" where empty or missing."""
    flat = cells.ravel()
    missing = pd.isna(flat)
    return np.array(
        ["" if m else str(x).strip() for x, m in zip(flat, missing, strict=True)], dtype=object
    )


def _decimal_mark(frame: pd.DataFrame, sep: str, path: Path) -> str:
    """The decimal mark of a CSV: "," when a non-comma CSV writes 1,5; else "."."""
    if sep == ",":
        return "."
    cells = pd.Series(_stripped(frame.to_numpy()), dtype=object)
    comma = cells.str.fullmatch(_COMMA_DECIMAL) | cells.str.fullmatch(_THOUSANDS_DOT)
    comma &= cells.str.contains(",", regex=False)
    if not comma.any():
        return "."
    point = cells.str.fullmatch(_POINT_DECIMAL) & ~cells.str.fullmatch(_THOUSANDS_DOT)
    if point.any():
        msg = (
            f"flow table {path} mixes decimal commas ({cells[comma].iloc[0]!r}) and decimal "
            f"points ({cells[point].iloc[0]!r}): write all numbers with one decimal mark"
        )
        raise DataError(msg)
    return ","


def _is_number(cells: pd.Series, decimal: str) -> np.ndarray:
    """Which text cells are numbers (with this decimal mark)."""
    values, bad = _to_numbers(cells, decimal)
    return ~bad & ~np.isnan(values)


def _header_row(
    frame: pd.DataFrame, decimal: str, columns: Sequence[str], ids: set[str] | None
) -> bool:
    """Whether the first row of a CSV is a header.

    It is when it holds the explicit ``columns``; it is not when its first
    two cells are unit ids (a flow, however odd its count); it is when it is
    the only row. Otherwise it is
    when it is text above a column of numbers (``home,work,n`` above
    ``11001,11002,5``; ``NIS`` or an empty corner above matrix row ids), when
    it repeats the first column's ids (a matrix header), or when no column
    holds numbers at all.
    """
    row0 = pd.Series(_stripped(frame.iloc[0].to_numpy()), index=frame.columns)
    if set(columns) <= set(row0):
        return True
    if ids is not None and len(row0) >= 3 and set(_norm_ids(row0.iloc[:2])) <= ids:
        return False
    if len(frame) < 2:
        return True
    body = frame.iloc[1:51]
    any_numeric = False
    for c in frame.columns[:20]:
        col = body[c][_stripped(body[c].to_numpy()) != ""]
        if len(col) == 0:
            continue
        numeric = bool(_is_number(col, decimal).mean() >= 0.5)
        any_numeric |= numeric
        if numeric and not bool(_is_number(pd.Series([row0[c]]), decimal)[0]):
            return True
    head_ids, row_ids = set(_norm_ids(row0.iloc[1:])), set(_norm_ids(frame.iloc[1:, 0]))
    matrix_header = len(head_ids) >= 2 and len(head_ids & row_ids) >= _MATRIX_SHARE * len(head_ids)
    return matrix_header or not any_numeric


def _csv_table(path: Path, columns: Sequence[str], ids: set[str] | None) -> _Table:
    """A flow CSV as a :class:`_Table`: delimiter and decimal mark told, header taken."""
    text = _read_text(path)
    sample = [ln for ln in text.splitlines() if ln.strip()][:50]
    sep = _sniff_delimiter(sample, path)
    frame = _read_cells(text, sep, path)
    decimal = _decimal_mark(frame, sep, path)
    if _header_row(frame, decimal, columns, ids):
        names = [c or f"column {k + 1}" for k, c in enumerate(_stripped(frame.iloc[0].to_numpy()))]
        frame = frame.iloc[1:].set_axis(names, axis=1).reset_index(drop=True)
        line0 = 2
    else:
        frame = frame.set_axis([f"column {k + 1}" for k in range(frame.shape[1])], axis=1)
        line0 = 1
    if len(frame) == 0:
        msg = f"flow table {path} has a header but no flows: add one line per flow"
        raise DataError(msg)
    if sep != "," or decimal != ".":
        log.info("flow table %s: delimiter %r, decimal mark %r", path, sep, decimal)
    return _Table(frame, str(path), decimal, line0)


# -- numbers ----------------------------------------------------------------------


def _to_numbers(cells: pd.Series, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Cells as float64 (NaN where empty) and a mask of cells that are not numbers.

    Text with ``decimal=","`` reads ``1,5`` as 1.5 and ``1.234,5`` as
    1234.5; with ``"."``, ``1,234`` is not a number (it is named, never
    read as 1 or 1234). NaN and infinity written out are not numbers either.
    """
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        values = cells.to_numpy(dtype="float64")
        return values, np.isinf(values)
    raw = cells.to_numpy(dtype=object)
    if decimal == ".":
        empty = raw == ""
        try:  # fast path: every cell a number or empty
            values = np.where(empty, np.nan, raw).astype("float64")
        except (TypeError, ValueError):
            pass
        else:
            nan = np.isnan(values)
            empty[nan] |= pd.isna(raw[nan])  # None / NaN in a DataFrame of objects
            bad = ~empty & ~np.isfinite(values)
            values[bad] = np.nan
            return values, bad
    text = _stripped(raw)
    empty = text == ""
    wrong = np.zeros(len(text), bool)
    if decimal == ",":
        s = pd.Series(text, dtype=object)
        s = s.where(~s.str.fullmatch(_THOUSANDS_DOT), s.str.replace(".", "", regex=False))
        wrong |= s.str.contains(".", regex=False).to_numpy(dtype=bool)
        text = s.str.replace(",", ".", regex=False).to_numpy(dtype=object)
    filled = np.where(empty, "nan", text)
    try:
        values = filled.astype("float64")
    except (TypeError, ValueError):  # some cells are not numbers: find them
        numbers = pd.to_numeric(pd.Series(filled, dtype=object), errors="coerce")
        values = numbers.to_numpy(dtype="float64", copy=True)
    bad = ~empty & (wrong | ~np.isfinite(values))
    values[bad | empty] = np.nan
    return values, bad


def _bad_cells(what: str, where: list[str], values: list[Any], n_bad: int) -> DataError:
    """The error naming the first cells that are not numbers."""
    shown = "; ".join(f"{w}: {v!r}" for w, v in zip(where[:_SHOW], values[:_SHOW], strict=False))
    more = f" and {n_bad - _SHOW} more" if n_bad > _SHOW else ""
    msg = (
        f"{what}: {n_bad} cell(s) are not numbers of commuters ({shown}{more}): write plain "
        "numbers (no thousands separators, no text; an empty matrix cell counts as 0)"
    )
    return DataError(msg)


# -- telling the columns ------------------------------------------------------------


def _words(name: str) -> set[str]:
    """The words of a column name: ``homeNIS`` -> {home, nis}; ``from_id`` -> {from, id}."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return {w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w}


def _columns_by_name(names: Sequence[str]) -> dict[str, str]:
    """The roles whose column is named unambiguously (one column, and it names one role)."""
    found: dict[str, list[str]] = {role: [] for role in _ROLE_WORDS}
    for name in names:
        roles = [r for r, words in _ROLE_WORDS.items() if _words(name) & words]
        if len(roles) == 1:
            found[roles[0]].append(name)
    return {role: cols[0] for role, cols in found.items() if len(cols) == 1}


def _id_share(values: pd.Series, ids: set[str]) -> float:
    """Share of a column's distinct values that are unit ids."""
    distinct = set(_norm_ids(values.dropna().unique()))
    distinct.discard("")
    return len(distinct & ids) / len(distinct) if distinct else 0.0


def _same_ids(a: pd.Series, b: pd.Series) -> bool:
    """Whether two columns hold mostly the same values (origin and destination ids)."""
    sa, sb = set(_norm_ids(a.unique())), set(_norm_ids(b.unique()))
    return len(sa & sb) >= _ID_SHARE * min(len(sa), len(sb))


def _columns_by_content(
    table: _Table, ids: set[str] | None, known: dict[str, str]
) -> dict[str, str]:
    """Fill the roles that names did not give: id columns by their values, the count by numbers.

    With unit ids, an id column is one whose distinct values are mostly
    (:data:`_ID_SHARE`) unit ids; without them, one of text, or (in a table
    of three columns of numbers) the first two when they share their values.
    The count is the one remaining column of numbers. Origin and destination
    not named are taken in column order.
    """
    frame = table.frame
    free = [c for c in frame.columns if c not in known.values()]
    numeric = {c: float(_is_number(frame[c], table.decimal).mean()) >= 0.9 for c in free}
    if ids is not None:
        id_cols = [c for c in free if _id_share(frame[c], ids) >= _ID_SHARE]
    else:
        id_cols = [c for c in free if not numeric[c]]
        if not id_cols and len(free) == 3 and _same_ids(frame[free[0]], frame[free[1]]):
            id_cols = free[:2]
    counts = [c for c in free if numeric[c] and c not in id_cols]
    out = dict(known)
    for role in ("origin", "destination"):
        if role not in out and id_cols:
            out[role] = id_cols.pop(0)
    if "count" not in out and len(counts) == 1:
        out["count"] = counts[0]
    return out


def _named_columns(table: _Table, columns: Sequence[str]) -> tuple[str, str, str] | None:
    """(origin, destination, count) given explicitly or by their names, or None."""
    names = [str(c) for c in table.frame.columns]
    if tuple(columns) != LONG_COLUMNS:
        missing = [c for c in columns if c not in names]
        if missing:
            msg = (
                f"flow table {table.name} has no column(s) {missing} (columns={list(columns)}); "
                f"its columns are {names}"
            )
            raise DataError(msg)
        return columns[0], columns[1], columns[2]
    if all(c in names for c in LONG_COLUMNS):
        return LONG_COLUMNS
    by_name = _columns_by_name(names)
    if len(by_name) < 3:
        return None
    found = (by_name["origin"], by_name["destination"], by_name["count"])
    log.info("flow table %s: columns %s read as origin, destination, count", table.name, found)
    return found


def _content_columns(table: _Table, ids: set[str] | None) -> tuple[str, str, str] | None:
    """(origin, destination, count) told by content (names helping), or None."""
    by_name = _columns_by_name([str(c) for c in table.frame.columns])
    roles = _columns_by_content(table, ids, by_name)
    if len(roles) < 3:
        return None
    found = (roles["origin"], roles["destination"], roles["count"])
    by_order = not ({"origin", "destination"} & by_name.keys())
    log.warning(
        "flow table %s: columns %r, %r, %r taken as origin (residence), destination (work) and "
        "count from their content%s; if that is wrong, %s",
        table.name, *found, " (the first id column as the residence)" if by_order else "",
        _FIX_COLUMNS,
    )  # fmt: skip
    return found


def _looks_like_matrix(table: _Table, ids: set[str] | None) -> bool:
    """Whether the headers after the first are ids: of the first column, or of the units."""
    frame = table.frame
    if frame.shape[1] < 2:
        return False
    heads = set(_norm_ids(pd.Series([str(c) for c in frame.columns[1:]])))
    rows = set(_norm_ids(frame.iloc[:, 0]))
    if len(heads & rows) >= _MATRIX_SHARE * len(heads):
        return True
    return ids is not None and len(heads & ids) >= _MATRIX_SHARE * len(heads)


def _cannot_tell(table: _Table) -> DataError:
    names = [str(c) for c in table.frame.columns]
    by_name = _columns_by_name(names)
    named = ", ".join(f"{_ROLE_NAMES[r]} {c!r}" for r, c in by_name.items())
    needed = [_ROLE_NAMES[r] for r in _ROLE_WORDS if r not in by_name]
    msg = (
        f"cannot read flow table {table.name}: it has columns {names}"
        + (f" (recognised: {named})" if named else "")
        + f"; a long table needs {', '.join(needed) or 'one column per role'} "
        "(e.g. origin,destination,commuters or home,work,n) and a matrix needs residence ids in "
        f"the first column and the same ids as the other headers: {_FIX_COLUMNS}"
    )
    return DataError(msg)


# -- long table and matrix ------------------------------------------------------------


def _long_flows(table: _Table, cols: tuple[str, str, str]) -> pd.DataFrame:
    """The long table from its (origin, destination, count) columns; names bad cells."""
    o, d, n = cols
    frame = table.frame
    values, bad = _to_numbers(frame[n], table.decimal)
    bad |= np.isnan(values)  # an empty count is not 0 in a long table
    if bad.any():
        rows = np.flatnonzero(bad)
        raise _bad_cells(
            f"flow table {table.name}, column {n!r}",
            [table.where(int(r)) for r in rows[:_SHOW]],
            [frame[n].iloc[r] for r in rows[:_SHOW]],
            len(rows),
        )
    long = pd.DataFrame(
        {
            "origin": _norm_ids(frame[o].to_numpy()),
            "destination": _norm_ids(frame[d].to_numpy()),
            "commuters": values,
        }
    )
    no_id = long[["origin", "destination"]].isin(["", "nan", "<NA>", "None"]).any(axis=1)
    if no_id.any():
        rows = np.flatnonzero(no_id.to_numpy())
        msg = (
            f"flow table {table.name}: {len(rows)} flow(s) have no origin or destination id "
            f"({_some([table.where(int(r)) for r in rows])}): fill in the ids or drop those lines"
        )
        raise DataError(msg)
    return long


def _matrix_values(frame: pd.DataFrame, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """The cells of a matrix as float64 (NaN where empty) and the mask of cells that are not numbers."""
    if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        values = frame.to_numpy(dtype="float64")
        return values, np.isinf(values)
    values, bad = _to_numbers(pd.Series(frame.to_numpy(dtype=object).ravel()), decimal)
    return values.reshape(frame.shape), bad.reshape(frame.shape)


def _matrix_flows(table: _Table, row_ids: np.ndarray, allow_missing: bool) -> pd.DataFrame:
    """The long table of a matrix (rows residence, columns work); names bad cells and missing ids."""
    frame = table.frame
    col_ids = _norm_ids(pd.Series([str(c) for c in frame.columns]))
    totals = [x for x in [*row_ids, *col_ids] if _TOTAL_LABEL.fullmatch(str(x))]
    if totals:
        msg = (
            f"flow matrix {table.name} has a totals row or column ({totals[0]!r}): remove it, "
            "it would be counted as commuters"
        )
        raise DataError(msg)
    vals, bad = _matrix_values(frame, table.decimal)
    if bad.any():
        r, c = np.nonzero(bad)
        cells = list(zip(r[:_SHOW], c[:_SHOW], strict=True))
        raise _bad_cells(
            f"flow matrix {table.name}",
            [f"residence {row_ids[i]}, work {col_ids[j]}" for i, j in cells],
            [frame.iat[i, j] for i, j in cells],
            len(r),
        )
    have = set(col_ids)
    missing = [x for x in dict.fromkeys(row_ids) if x not in have]
    if missing and not allow_missing:
        msg = (
            f"flow matrix {table.name} is not square: {len(missing)} residence id(s) have no "
            f"work column ({_some(missing)}); add the columns, or pass allow_missing=True "
            "(--allow-missing) to count nobody working there"
        )
        raise DataError(msg)
    if missing:
        log.warning(
            "flow matrix %s: %d residence ids have no work column (nobody counted as working there)",
            table.name, len(missing),
        )  # fmt: skip
    r, c = np.nonzero(np.nan_to_num(vals) != 0)
    return pd.DataFrame({"origin": row_ids[r], "destination": col_ids[c], "commuters": vals[r, c]})


def _split_matrix(table: _Table) -> tuple[_Table, np.ndarray]:
    """A matrix whose first column holds the residence ids, as (cells, row ids)."""
    first = table.frame.columns[0]
    rest = _Table(table.frame.drop(columns=first), table.name, table.decimal, table.line0)
    return rest, _norm_ids(table.frame[first].to_numpy())


def _load(
    flows: FlowsLike, columns: Sequence[str], ids: set[str] | None
) -> tuple[_Table, np.ndarray | None]:
    """The table of a CSV path or DataFrame, and the row ids of a DataFrame matrix (its index)."""
    if isinstance(flows, str | PathLike):
        table = _csv_table(Path(flows), columns, ids)
        row_ids = None
    elif isinstance(flows, pd.DataFrame):
        index = flows.index
        default = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0
        table = _Table(flows, "(DataFrame)")
        row_ids = None if default else _norm_ids(index.to_numpy())
    else:
        msg = f"flows must be a DataFrame or a CSV path, got {type(flows).__name__}"
        raise DataError(msg)
    names = [str(c) for c in table.frame.columns]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        msg = f"flow table {table.name} has duplicate column names {dup[:_SHOW]}: each column (work id) needs its own"
        raise DataError(msg)
    return table, row_ids


def read_flow_table(
    flows: FlowsLike,
    *,
    columns: Sequence[str] = LONG_COLUMNS,
    ids: Sequence[Any] | np.ndarray | pd.Series | None = None,
    allow_missing: bool = False,
) -> pd.DataFrame:
    """Flows as a long table (origin, destination, commuters) with string ids.

    Parameters
    ----------
    flows : DataFrame or path
        A long table (one row per flow), a square matrix DataFrame (index =
        residence ids, columns = work ids), or a CSV of either shape.
    columns : (origin, destination, count)
        The columns of a long table. By default (:data:`LONG_COLUMNS`) they
        are found by name (``origin,destination,commuters``,
        ``home,work,n``, ``from,to,flow``, ...) or, failing that, by content
        (two id columns and one column of numbers; origin first, with a
        warning); other names must exist.
    ids : sequence, optional
        The unit ids the flows refer to: lets the content tell id columns,
        a header line and a matrix header (:func:`unit_flows` and the
        command line pass them).
    allow_missing : bool
        Accept a matrix in which some residence ids have no work column
        (nobody works there); by default that fails, naming the ids.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination`` (text ids) and ``commuters``
        (float64, ≥ 0); a matrix gives one row per non-zero cell.

    Raises
    ------
    InputFileError
        The file is missing, empty, binary, or its lines split unevenly.
    DataError
        The columns cannot be told (the error names those found and those
        needed), a cell is not a number (named: line or residence/work ids
        and value), a matrix is not square or has a totals row, counts are
        negative.

    Notes
    -----
    A CSV may be delimited by ``,`` ``;`` tab or ``|`` (told from its first
    50 lines) and, when not comma-delimited, use decimal commas (``1,5``;
    ``1.234,5``); its first line is a header unless it looks like data
    (numbers where the column below holds numbers, or two unit ids). An
    empty matrix cell counts as 0; an empty count in a long table is an error.
    """
    id_set = None if ids is None else set(_norm_ids(pd.Series(list(ids))))
    table, row_ids = _load(flows, columns, id_set)
    cols = _named_columns(table, columns)
    if cols is not None:
        long = _long_flows(table, cols)
    elif row_ids is not None:
        long = _matrix_flows(table, row_ids, allow_missing)
    elif _looks_like_matrix(table, id_set) or len(table.frame.columns) < 3:
        long = _matrix_flows(*_split_matrix(table), allow_missing)
    elif (cols := _content_columns(table, id_set)) is not None:
        long = _long_flows(table, cols)
    else:
        raise _cannot_tell(table)
    negative = long["commuters"] < 0
    if negative.any():
        first = long[negative].iloc[0]
        msg = (
            f"flows contain {int(negative.sum())} negative numbers of commuters "
            f"(e.g. {first['commuters']:g} from {first['origin']} to {first['destination']}): "
            "commuters must be ≥ 0"
        )
        raise DataError(msg)
    return long


def flow_matrix(
    long: pd.DataFrame, ids: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Sparse flow matrix over ``ids`` (rows residence, columns work), outflow totals, has-data mask.

    The outflow total of a unit counts every flow from it, including flows to
    destinations that are not among ``ids`` (abroad, other regions): it is the
    number of employed residents when no employed column is given.
    """
    index = pd.Index(_norm_ids(ids))
    oi = index.get_indexer(long["origin"].to_numpy())
    di = index.get_indexer(long["destination"].to_numpy())
    w = long["commuters"].to_numpy(dtype="float64")
    known_o = oi >= 0
    n = len(index)
    _check_matches(long, index, known_o, di >= 0)
    totals = np.bincount(oi[known_o], weights=w[known_o], minlength=n)
    has = np.bincount(oi[known_o], minlength=n) > 0
    inside = known_o & (di >= 0)
    m = sp.csr_matrix((w[inside], (oi[inside], di[inside])), shape=(n, n))
    m.sum_duplicates()
    n_orig_unknown = len(set(long["origin"][~known_o]))
    if n_orig_unknown:
        log.info("%d residence ids of the flow table are not units and are ignored", n_orig_unknown)
    out_w = w[known_o & (di < 0)].sum()
    if out_w > 0:
        log.info("%.0f commuters work outside the units (counted as employed residents)", out_w)
    return m, totals, has


def _check_matches(
    long: pd.DataFrame, index: pd.Index, known_o: np.ndarray, known_d: np.ndarray
) -> None:
    """Fail when no residence (or no work) id of the flows is a unit id, naming ids of both."""
    for side, known, col in (("residence", known_o, "origin"), ("work", known_d, "destination")):
        if len(long) and not known.any():
            theirs = list(dict.fromkeys(long[col].to_numpy()))
            msg = (
                f"no {side} id of the flow table matches a unit id (flow ids {_some(theirs)}; "
                f"unit ids {_some(list(index))}): check that both use the same codes "
                "(e.g. NIS/LAU codes) and that --id-col / id_col is the right column"
            )
            raise DataError(msg)
    if len(long) == 0:
        msg = "the flow table has no flows (a matrix of zeros?): every unit would have no commuters"
        raise DataError(msg)


def unit_flows(
    units: pd.DataFrame,
    flows: FlowsLike,
    *,
    id_col: str,
    employed_col: str | None = None,
    columns: Sequence[str] = LONG_COLUMNS,
    allow_missing: bool = False,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The flows between ``units`` (:func:`flow_matrix`), their employed residents, and who has flows.

    The employed residents are the ``employed_col`` column when given, else
    each unit's outflow total (own unit and outside destinations included).
    ``columns`` and ``allow_missing`` are those of :func:`read_flow_table`.
    """
    ids = units[id_col].to_numpy()
    long = read_flow_table(flows, columns=columns, ids=ids, allow_missing=allow_missing)
    fm, outflow, has_flows = flow_matrix(long, ids)
    if employed_col is None:
        return fm, outflow, has_flows
    if employed_col not in units.columns:
        msg = f"employed_col={employed_col!r} is not a column of units"
        raise ParameterError(msg)
    employed = pd.to_numeric(units[employed_col], errors="coerce").fillna(0.0).to_numpy(float)
    return fm, employed, has_flows


def adjacency(geoms: np.ndarray, *, tolerance_m: float = 1.0) -> sp.csr_matrix:
    """Symmetric boolean adjacency of polygons that touch or overlap (within ``tolerance_m``).

    Units sharing a boundary or a corner are neighbours ("queen"
    contiguity); the small tolerance absorbs slivers and gaps between
    polygons digitised separately.
    """
    if tolerance_m < 0:
        msg = f"tolerance_m={tolerance_m} must be ≥ 0"
        raise ParameterError(msg)
    g = np.asarray(geoms)
    gb = shapely.buffer(g, tolerance_m / 2.0) if tolerance_m > 0 else g
    tree = shapely.STRtree(gb)
    a, b = tree.query(gb, predicate="intersects")
    keep = a != b
    n = len(g)
    m = sp.csr_matrix((np.ones(int(keep.sum()), bool), (a[keep], b[keep])), shape=(n, n))
    return (m + m.T).astype(bool).tocsr()
