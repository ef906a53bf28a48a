"""The accessibility measures, each taking an OriginSet or raw origins.

* :mod:`~connectivity.measures.nearest` - time to the nearest destination
  (:func:`time_to_nearest`, on a grid :func:`raster_time_to_nearest`) and the
  population within thresholds (:func:`population_within`);
* :mod:`~connectivity.measures.od` - OD matrices (:func:`od_matrix`,
  :func:`times_to_each`);
* :mod:`~connectivity.measures.cumulative` - opportunities within T minutes
  (:func:`cumulative_opportunities`);
* :mod:`~connectivity.measures.gravity` - gravity / market-potential access
  (:func:`gravity_access`, :func:`decay_weights`, :func:`internal_time_min`);
* :mod:`~connectivity.measures.corridors` - access points of corridors, time
  to corridors and border crossings;
* :mod:`~connectivity.measures.isochrones` - reachable areas as polygons;
* :mod:`~connectivity.measures.batch` - many networks or origin chunks as Dask tasks.

Origins (and destinations) are an :class:`connectivity.OriginSet`, snapped
once and reused, or a layer/raster that is snapped on the way in.
"""

from connectivity.measures.corridors import border_access, corridor_access, time_to_corridors
from connectivity.measures.cumulative import cumulative_opportunities
from connectivity.measures.gravity import decay_weights, gravity_access, internal_time_min
from connectivity.measures.isochrones import isochrones
from connectivity.measures.nearest import (
    TravelTimeGrid,
    population_within,
    raster_time_to_nearest,
    time_to_nearest,
)
from connectivity.measures.od import od_matrix, times_to_each

__all__ = [
    "TravelTimeGrid",
    "border_access",
    "corridor_access",
    "cumulative_opportunities",
    "decay_weights",
    "gravity_access",
    "internal_time_min",
    "isochrones",
    "od_matrix",
    "population_within",
    "raster_time_to_nearest",
    "time_to_corridors",
    "time_to_nearest",
    "times_to_each",
]
