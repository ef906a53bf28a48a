"""The one error root of the toolkit, shared by :mod:`connectivity` and :mod:`fua`.

Every exception the toolkit raises on purpose is a :class:`ToolkitError` *and* a
standard exception, so ``except connectivity.ToolkitError``,
``except fua.FuaError`` (the same class) and ``except ValueError`` (or
``OSError``) all work, as in rasterio (``RasterioIOError(RasterioError, OSError)``).
``fua`` re-exports these classes; there is no second hierarchy.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "ConnectivityError",
    "DataError",
    "FuaError",
    "InputFileError",
    "NetworkError",
    "OutputExistsError",
    "ParameterError",
    "ToolkitError",
]


class ToolkitError(Exception):
    """Root of every error raised on purpose by ``fua`` and ``connectivity``."""


#: The same class under the names each package used before the two were joined.
ConnectivityError = ToolkitError
FuaError = ToolkitError


class ParameterError(ToolkitError, ValueError):
    """A parameter has a value that is not allowed."""


class DataError(ToolkitError, ValueError):
    """Input data are unusable (negative or NaN population, empty layer, bad weights)."""


class CRSError(ToolkitError, ValueError):
    """A CRS is missing, geographic where metres are needed, Web Mercator, or mismatched."""


class NetworkError(DataError):
    """The road network cannot answer the question (empty, disconnected, no edges)."""


class InputFileError(ToolkitError, OSError):
    """An input file is missing, empty, corrupt or of an unknown format."""


class OutputExistsError(ToolkitError, FileExistsError):
    """An output exists already and ``overwrite`` was not given."""
