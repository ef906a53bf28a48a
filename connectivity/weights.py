"""Weights of places (population, jobs, mass): numbers, one per place, NaN refused or 0.

:func:`checked_weights` turns a column or an array into float64 weights, or
fails in one line naming the column and the offending values: text that is
not a number, NaN (refused unless ``nan_weights="zero"``) or infinity. Used
by :class:`connectivity.OriginSet` and by the ``connectivity access`` command
for its ``--pop-col``.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from connectivity.errors import DataError, ParameterError
from connectivity.snapping import some_labels

__all__ = ["NanWeights", "checked_weights"]

log = logging.getLogger(__name__)

#: What to do with NaN weights: refuse them (default) or count them as 0.
NanWeights = Literal["raise", "zero"]


def checked_weights(
    values: ArrayLike | pd.Series,
    ids: pd.Index,
    name: str,
    *,
    column: str | None = None,
    nan_weights: NanWeights = "raise",
) -> np.ndarray:
    """One finite number per place (float64), or a one-line :class:`~connectivity.DataError`.

    Parameters
    ----------
    values : array_like or Series
        The weights (population, jobs, mass): numbers, or text holding numbers.
    ids : pandas.Index
        The places' labels, named in messages.
    name : str
        The places ("origins", "destinations").
    column : str, optional
        The column the weights come from, named in messages.
    nan_weights : {"raise", "zero"}
        NaN (or empty) weights are refused, naming how many and a few ids;
        ``"zero"`` counts them as 0 and logs how many.

    Notes
    -----
    Values that are not numbers (``"abc"``, ``"1,234"``) are refused naming
    the column and one of them; infinite values are refused.
    """
    if nan_weights not in ("raise", "zero"):
        msg = f"nan_weights={nan_weights!r}; use 'raise' (refuse NaN weights) or 'zero'"
        raise ParameterError(msg)
    what = f"weight column {column!r} of the {name}" if column else f"weights of the {name}"
    w = _numbers(values, what)
    if w.size != len(ids):
        msg = f"weights must have one value per {name[:-1]} ({len(ids)}), got {w.size}"
        raise DataError(msg)
    nan = np.isnan(w)
    if nan.any() and nan_weights == "zero":
        log.info("%s: %d NaN values counted as 0 (nan_weights='zero')", what, int(nan.sum()))
        w = np.where(nan, 0.0, w)
    elif nan.any():
        msg = (
            f"{what}: {int(nan.sum()):,} of {w.size:,} values are NaN (ids {some_labels(ids, nan)}); "
            "fill or drop them, or count them as 0 with nan_weights='zero' (--nan-weights zero)"
        )
        raise DataError(msg)
    if np.isinf(w).any():
        msg = f"{what}: infinite values (ids {some_labels(ids, np.isinf(w))}); replace them with numbers"
        raise DataError(msg)
    return w


def _numbers(values: ArrayLike | pd.Series, what: str) -> np.ndarray:
    """``values`` as float64 (None/NA become NaN); text that is not a number is refused."""
    try:
        return np.asarray(values, dtype="float64").ravel()
    except (TypeError, ValueError):
        pass
    raw = pd.Series(np.asarray(values, dtype=object).ravel())
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        msg = (
            f"{what}: {int(bad.sum()):,} values are not numbers, e.g. "
            f"{raw[bad].iloc[0]!r}: convert them (e.g. '1,234' to 1234) or pick another column"
        )
        raise DataError(msg)
    return num.to_numpy(dtype="float64")
