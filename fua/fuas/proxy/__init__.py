"""The commuting proxy: FUAs where no commuting flows are published.

* :mod:`~fua.fuas.proxy.model`: :class:`CommutingModel`, a classifier of
  commuting-zone membership of 1 km cells, fitted where flows exist
  (:meth:`~CommutingModel.fit_from_flows`) and shipped fitted on Belgium
  (:meth:`~CommutingModel.default`);
* :mod:`~fua.fuas.proxy.features`: its features per cell (travel time,
  centre size, density);
* :mod:`~fua.fuas.proxy.travel_time`: where the travel times come from
  (the caller's arrays or the straight-line proxy; :func:`travel_times`).
"""

from fua.fuas.proxy.model import CommutingModel
from fua.fuas.proxy.travel_time import (
    STRAIGHT_LINE_SPEED_KMH,
    TravelTimes,
    TravelTimeSource,
    travel_times,
)

__all__ = [
    "STRAIGHT_LINE_SPEED_KMH",
    "CommutingModel",
    "TravelTimeSource",
    "TravelTimes",
    "travel_times",
]
