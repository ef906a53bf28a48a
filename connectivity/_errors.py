"""Exceptions raised by :mod:`connectivity`.

Every exception derives from :class:`ConnectivityError` *and* from a standard
exception, so both ``except connectivity.ConnectivityError`` and
``except ValueError`` (or ``OSError``) work.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "ConnectivityError",
    "DataError",
    "InputFileError",
    "NetworkError",
    "OutputExistsError",
    "ParameterError",
]


class ConnectivityError(Exception):
    """Root of every error raised by the connectivity package."""


class ParameterError(ConnectivityError, ValueError):
    """A parameter has a value that is not allowed."""


class DataError(ConnectivityError, ValueError):
    """Input data are unusable (empty layer, NaN coordinates, bad weights)."""


class CRSError(ConnectivityError, ValueError):
    """A CRS is missing, geographic where metres are needed, Web Mercator, or mismatched."""


class NetworkError(ConnectivityError, ValueError):
    """The road network cannot answer the question (empty, disconnected, no edges)."""


class InputFileError(ConnectivityError, OSError):
    """An input file is missing, empty, corrupt or of an unknown format."""


class OutputExistsError(ConnectivityError, FileExistsError):
    """An output exists already and ``overwrite`` was not given."""
