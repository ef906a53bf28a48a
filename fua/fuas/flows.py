"""Commuting flows and unit adjacency, as the EU-OECD rules (:mod:`fua.fuas.rules`) read them.

:func:`read_flow_table` reads a long table or a square matrix (DataFrame or
CSV) into one long table with text ids; :func:`flow_matrix` puts it on the
units; :func:`unit_flows` does both for a layer of units and also gives the
employed residents; :func:`adjacency` tells which units touch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from connectivity.errors import DataError, InputFileError, ParameterError

__all__ = ["LONG_COLUMNS", "FlowsLike", "adjacency", "flow_matrix", "read_flow_table", "unit_flows"]

log = logging.getLogger(__name__)

FlowsLike: TypeAlias = pd.DataFrame | str | PathLike[str]
LONG_COLUMNS = ("origin", "destination", "commuters")


def _norm_ids(values: Any) -> np.ndarray:
    """Ids as strings, so 11001 (int) and "11001" (text) match; 11001.0 -> "11001"."""
    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s) and np.all(np.mod(s.dropna(), 1) == 0):
        s = s.astype("Int64")
    return s.astype(str).str.strip().to_numpy()


def read_flow_table(flows: FlowsLike, *, columns: Sequence[str] = LONG_COLUMNS) -> pd.DataFrame:
    """Flows as a long table (origin, destination, commuters) with string ids.

    Accepts a long DataFrame with the three ``columns``, a square matrix
    DataFrame (index = residence ids, columns = work ids), or a CSV path of
    either shape (a CSV whose header has the three long column names is read
    as a long table; any other CSV as a square matrix with ids in the first
    column and in the header).
    """
    if isinstance(flows, str | PathLike):
        path = Path(flows)
        if not path.is_file():
            msg = f"flow table {path} does not exist: give a CSV path or a DataFrame"
            raise InputFileError(msg)
        head = pd.read_csv(path, nrows=0)
        if all(c in head.columns for c in columns):
            flows = pd.read_csv(path, dtype={columns[0]: str, columns[1]: str})
        else:
            flows = pd.read_csv(path, index_col=0)
    if not isinstance(flows, pd.DataFrame):
        msg = f"flows must be a DataFrame or a CSV path, got {type(flows).__name__}"
        raise DataError(msg)
    o, d, n = columns
    if all(c in flows.columns for c in columns):
        long = pd.DataFrame(
            {
                "origin": _norm_ids(flows[o].to_numpy()),
                "destination": _norm_ids(flows[d].to_numpy()),
                "commuters": pd.to_numeric(flows[n], errors="coerce").to_numpy(dtype="float64"),
            }
        )
    else:
        mat = flows.apply(pd.to_numeric, errors="coerce")
        if mat.shape[1] < 1 or mat.isna().all().all():
            msg = (
                "flows is neither a long table with columns "
                f"{list(columns)} nor a numeric square matrix (rows = residence, columns = work)"
            )
            raise DataError(msg)
        vals = mat.to_numpy(dtype="float64")
        r, c = np.nonzero(np.nan_to_num(vals) != 0)
        long = pd.DataFrame(
            {
                "origin": _norm_ids(mat.index.to_numpy())[r],
                "destination": _norm_ids(mat.columns.to_numpy())[c],
                "commuters": vals[r, c],
            }
        )
    bad = ~np.isfinite(long["commuters"].to_numpy())
    if bad.any():
        msg = f"{int(bad.sum())} flows have a missing or non-numeric number of commuters: fix them or drop them"
        raise DataError(msg)
    if (long["commuters"] < 0).any():
        msg = "flows contain negative numbers of commuters: commuters must be ≥ 0"
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
    if not has.any():
        msg = (
            "no residence id of the flow table matches a unit id: check that the ids are "
            "the same codes (e.g. NIS/LAU codes) in both"
        )
        raise DataError(msg)
    return m, totals, has


def unit_flows(
    units: pd.DataFrame,
    flows: FlowsLike,
    *,
    id_col: str,
    employed_col: str | None = None,
    columns: Sequence[str] = LONG_COLUMNS,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The flows between ``units`` (:func:`flow_matrix`), their employed residents, and who has flows.

    The employed residents are the ``employed_col`` column when given, else
    each unit's outflow total (own unit and outside destinations included).
    """
    long = read_flow_table(flows, columns=columns)
    fm, outflow, has_flows = flow_matrix(long, units[id_col].to_numpy())
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
