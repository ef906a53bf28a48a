"""What-if scenarios: changes to a road network, applied without rebuilding it.

* :mod:`~connectivity.scenarios.changes` - the changes: :class:`AddLink`,
  :class:`Upgrade`, :class:`Close`, :class:`BorderCrossing`, :class:`OffroadSpeed`;
* :mod:`~connectivity.scenarios.scenario` - :class:`Scenario` and
  :meth:`Scenario.apply` (a new network, copy-on-write; the base untouched);
* :mod:`~connectivity.scenarios.edit` - the graph edits behind ``apply``;
* :mod:`~connectivity.scenarios.files` - reading changes from a GeoPackage
  layer or a YAML/JSON file (:meth:`Scenario.from_file`);
* :mod:`~connectivity.scenarios.inputs` - what the measures call for their
  ``scenario=`` keyword.

Before/after comparisons are in :mod:`connectivity.comparison`
(:func:`connectivity.compare`).
"""

from connectivity.scenarios.changes import AddLink, BorderCrossing, Close, OffroadSpeed, Upgrade
from connectivity.scenarios.scenario import Scenario, base_edges

__all__ = [
    "AddLink",
    "BorderCrossing",
    "Close",
    "OffroadSpeed",
    "Scenario",
    "Upgrade",
    "base_edges",
]
