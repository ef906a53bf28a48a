"""connectivity: road-network accessibility on compact CSR graphs.

Travel times over OSM (or any) road networks from people to destinations:
nearest-destination times, OD matrices, cumulative opportunities, gravity
access, isochrones, and access to transport corridors and border crossings.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from connectivity._errors import (
    ConnectivityError,
    CRSError,
    DataError,
    InputFileError,
    NetworkError,
    OutputExistsError,
    ParameterError,
)
from connectivity.network import RoadNetwork
from connectivity.speeds import KAZAKHSTAN_SPEEDS, SpeedTable

try:
    __version__ = version("fua-toolkit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "KAZAKHSTAN_SPEEDS",
    "CRSError",
    "ConnectivityError",
    "DataError",
    "InputFileError",
    "NetworkError",
    "OutputExistsError",
    "ParameterError",
    "RoadNetwork",
    "SpeedTable",
    "__version__",
]
