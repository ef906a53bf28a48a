"""Exceptions raised by :mod:`fua`.

Every exception derives from :class:`FuaError` *and* from a standard exception,
so ``except fua.FuaError`` and ``except ValueError`` (or ``OSError``) both work,
as in rasterio (``RasterioIOError(RasterioError, OSError)``).
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "DataError",
    "FuaError",
    "InputFileError",
    "OutputExistsError",
    "ParameterError",
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
