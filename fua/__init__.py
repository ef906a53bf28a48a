"""fua: functional urban areas from population grids.

Degree of Urbanisation (levels 1 and 2), urban centres and clusters, EU-OECD
functional urban areas with a commuting proxy, and agglomeration metrics.
"""

from __future__ import annotations

import logging
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from connectivity.errors import (
    CRSError,
    DataError,
    FuaError,
    InputFileError,
    NetworkError,
    OutputExistsError,
    ParameterError,
    ToolkitError,
)
from fua import metrics
from fua.degurba.classify import (
    DegurbaParams,
    DegurbaResult,
    classify_grid,
    urban_centres,
    urban_clusters,
)
from fua.degurba.units import classify_units, unit_population
from fua.epochs import EpochComparison, compare_epochs
from fua.fuas.commuting import CommutingModel, FuaParams, commuting_zones
from fua.fuas.delineate import FuaResult, delineate_fuas
from fua.fuas.flows import read_flow_table
from fua.grid import DEFAULT_CRS, PopulationGrid, read_population
from fua.kazakhstan import datasets
from fua.kazakhstan.pipeline import DemoParams, DemoResult, run_demo
from fua.metrics import fua_metrics, market_potential, national_metrics
from fua.scale.distributed import aggregate_tiles
from fua.scale.tiles import degurba_to_files

try:
    __version__ = version("fua-toolkit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    # ``fua.agglomeration`` was renamed ``fua.metrics`` (its Kazakhstan tables
    # moved to ``fua.kazakhstan.sez``); the old name still works, with a warning.
    if name == "agglomeration":
        warnings.warn(
            "fua.agglomeration is now fua.metrics; the old name will be removed",
            FutureWarning,
            stacklevel=2,
        )
        return metrics
    raise AttributeError(f"module 'fua' has no attribute {name!r}")

__all__ = [
    "DEFAULT_CRS",
    "CRSError",
    "CommutingModel",
    "DataError",
    "DegurbaParams",
    "DegurbaResult",
    "DemoParams",
    "DemoResult",
    "EpochComparison",
    "FuaError",
    "FuaParams",
    "FuaResult",
    "InputFileError",
    "NetworkError",
    "OutputExistsError",
    "ParameterError",
    "PopulationGrid",
    "ToolkitError",
    "__version__",
    "aggregate_tiles",
    "classify_grid",
    "classify_units",
    "commuting_zones",
    "compare_epochs",
    "datasets",
    "degurba_to_files",
    "delineate_fuas",
    "fua_metrics",
    "market_potential",
    "metrics",
    "national_metrics",
    "read_flow_table",
    "read_population",
    "run_demo",
    "unit_population",
    "urban_centres",
    "urban_clusters",
]
