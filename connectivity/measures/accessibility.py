"""Re-exports for imports written before the measures were split (use :mod:`connectivity.measures`).

``connectivity.measures.accessibility`` held all the measures in one module;
they now live in :mod:`~connectivity.measures.nearest`,
:mod:`~connectivity.measures.od`, :mod:`~connectivity.measures.cumulative` and
:mod:`~connectivity.measures.gravity`.
"""

from connectivity.measures.cumulative import cumulative_opportunities
from connectivity.measures.gravity import decay_weights, gravity_access, internal_time_min
from connectivity.measures.nearest import (
    TravelTimeGrid,
    population_within,
    raster_time_to_nearest,
    time_to_nearest,
)
from connectivity.measures.od import od_matrix, times_to_each

__all__ = [
    "TravelTimeGrid",
    "cumulative_opportunities",
    "decay_weights",
    "gravity_access",
    "internal_time_min",
    "od_matrix",
    "population_within",
    "raster_time_to_nearest",
    "time_to_nearest",
    "times_to_each",
]
