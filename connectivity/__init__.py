"""connectivity: road-network accessibility on compact CSR graphs.

Travel times over OSM (or any) road networks from people to destinations:
nearest-destination times, OD matrices, cumulative opportunities, gravity
access, isochrones, and access to transport corridors and border crossings.
Origins are snapped to the network once (:class:`OriginSet`) and reused by
every measure (:mod:`connectivity.measures`).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from connectivity.comparison import Comparison, compare
from connectivity.errors import (
    ConnectivityError,
    CRSError,
    DataError,
    InputFileError,
    NetworkError,
    OutputExistsError,
    ParameterError,
    ToolkitError,
)
from connectivity.hierarchy import ContractionHierarchy
from connectivity.io import read_network
from connectivity.lastmile import last_mile_candidates
from connectivity.measures import (
    TravelTimeGrid,
    border_access,
    corridor_access,
    cumulative_opportunities,
    gravity_access,
    internal_time_min,
    isochrones,
    od_matrix,
    population_within,
    raster_time_to_nearest,
    time_to_corridors,
    time_to_nearest,
    times_to_each,
)
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet
from connectivity.prepared import PreparedDestinations
from connectivity.rank import link_times, rank_links
from connectivity.scenarios import (
    AddLink,
    BorderCrossing,
    Close,
    OffroadSpeed,
    Scenario,
    Upgrade,
)
from connectivity.snapping import Snapped, snap_points
from connectivity.speeds import (
    BIKE_SPEEDS,
    KAZAKHSTAN_SPEEDS,
    WALK_SPEEDS,
    SpeedTable,
    network_speeds,
)

try:
    __version__ = version("fua-toolkit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BIKE_SPEEDS",
    "KAZAKHSTAN_SPEEDS",
    "WALK_SPEEDS",
    "AddLink",
    "BorderCrossing",
    "CRSError",
    "Close",
    "Comparison",
    "ConnectivityError",
    "ContractionHierarchy",
    "DataError",
    "InputFileError",
    "NetworkError",
    "OffroadSpeed",
    "OriginSet",
    "OutputExistsError",
    "ParameterError",
    "PreparedDestinations",
    "RoadNetwork",
    "Scenario",
    "Snapped",
    "SpeedTable",
    "ToolkitError",
    "TravelTimeGrid",
    "Upgrade",
    "__version__",
    "border_access",
    "compare",
    "corridor_access",
    "cumulative_opportunities",
    "gravity_access",
    "internal_time_min",
    "isochrones",
    "last_mile_candidates",
    "link_times",
    "network_speeds",
    "od_matrix",
    "population_within",
    "rank_links",
    "raster_time_to_nearest",
    "read_network",
    "snap_points",
    "time_to_corridors",
    "time_to_nearest",
    "times_to_each",
]
