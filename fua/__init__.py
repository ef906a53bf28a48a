"""fua: functional urban areas from population grids.

Degree of Urbanisation (levels 1 and 2), urban centres and clusters, EU-OECD
functional urban areas with a commuting proxy, and agglomeration metrics.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from fua import agglomeration, datasets
from fua._errors import (
    CRSError,
    DataError,
    FuaError,
    InputFileError,
    OutputExistsError,
    ParameterError,
)
from fua.agglomeration import fua_metrics, market_potential, national_metrics
from fua.commuting import CommutingModel, FuaParams, commuting_zones
from fua.degurba import (
    DegurbaParams,
    DegurbaResult,
    classify_grid,
    urban_centres,
    urban_clusters,
)
from fua.delineate import FuaResult, delineate_fuas
from fua.demo import DemoParams, DemoResult, run_demo
from fua.distributed import aggregate_tiles
from fua.grid import DEFAULT_CRS, PopulationGrid, read_population
from fua.tiles import degurba_to_files
from fua.units import classify_units, unit_population

try:
    __version__ = version("fua-toolkit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "DEFAULT_CRS",
    "CRSError",
    "CommutingModel",
    "DataError",
    "DegurbaParams",
    "DegurbaResult",
    "DemoParams",
    "DemoResult",
    "FuaError",
    "FuaParams",
    "FuaResult",
    "InputFileError",
    "OutputExistsError",
    "ParameterError",
    "PopulationGrid",
    "__version__",
    "agglomeration",
    "aggregate_tiles",
    "classify_grid",
    "classify_units",
    "commuting_zones",
    "datasets",
    "degurba_to_files",
    "delineate_fuas",
    "fua_metrics",
    "market_potential",
    "national_metrics",
    "read_population",
    "run_demo",
    "unit_population",
    "urban_centres",
    "urban_clusters",
]
