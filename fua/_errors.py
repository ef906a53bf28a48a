"""Exceptions raised by :mod:`fua`.

Every exception derives from :class:`FuaError` *and* from a standard exception,
so ``except fua.FuaError`` and ``except ValueError`` (or ``OSError``) both work,
as in rasterio (``RasterioIOError(RasterioError, OSError)``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from connectivity import _errors as cerr

__all__ = [
    "CRSError",
    "DataError",
    "FuaError",
    "InputFileError",
    "OutputExistsError",
    "ParameterError",
    "fua_errors",
]


class FuaError(Exception):
    """Root of every error raised by the fua package."""


class ParameterError(FuaError, ValueError):
    """A parameter has a value the method does not allow."""


class DataError(FuaError, ValueError):
    """Input data are unusable (negative or NaN population, empty layer, mismatched grids)."""


class CRSError(FuaError, ValueError):
    """A coordinate reference system is missing, geographic where an area is needed, or mismatched."""


class InputFileError(FuaError, OSError):
    """An input file is missing, empty, corrupt or of an unknown format."""


class OutputExistsError(FuaError, FileExistsError):
    """An output exists already and ``overwrite`` was not given."""


_F = TypeVar("_F", bound=Callable[..., Any])


def fua_errors(func: _F) -> _F:
    """Re-raise errors from :mod:`connectivity` as the matching fua errors.

    So ``except fua.FuaError`` (or ``fua.OutputExistsError``) catches every
    failure of a fua function that calls into connectivity; the original is
    kept as ``__cause__``.
    """
    pairs: tuple[tuple[type[Exception], type[Exception]], ...] = (
        (cerr.OutputExistsError, OutputExistsError),
        (cerr.InputFileError, InputFileError),
        (cerr.CRSError, CRSError),
        (cerr.DataError, DataError),
        (cerr.ParameterError, ParameterError),
    )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except cerr.ConnectivityError as exc:
            for theirs, ours in pairs:
                if isinstance(exc, theirs):
                    raise ours(str(exc)) from exc
            raise

    return wrapper  # type: ignore[return-value]
