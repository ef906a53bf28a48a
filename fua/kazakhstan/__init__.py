"""The Kazakhstan case study, written as a client of the library's public APIs.

It delineates the functional urban areas of Kazakhstan and relates the
access of its 13 special economic zones (SEZs) to their reported
performance, using only public names of :mod:`fua` and :mod:`connectivity`:

* :mod:`~fua.kazakhstan.datasets` — embedded tables (regions, SEZs, trunk
  roads, corridors, border crossings, benchmarks, outline) and the offline
  inputs: the MODELLED 1 km population surface and the road network;
* :mod:`~fua.kazakhstan.surface` — the dasymetric model behind that surface
  (WorldPop 2020, the JRC 2025 class grid, OSM places; shipped pre-built);
* :mod:`~fua.kazakhstan.roads` — the trunk network from the real OSM geometry
  of the 23 republican roads, with PROXY access links;
* :mod:`~fua.kazakhstan.delineation` — how the demo snaps cells and
  delineates FUAs (shared with the validation script);
* :mod:`~fua.kazakhstan.hosts` and :mod:`~fua.kazakhstan.sez` — each SEZ's
  host FUA (one rule), the SEZ access table and its rank correlations;
* :mod:`~fua.kazakhstan.benchmarks` — the results beside the OECD's and the
  Forecast Scheme's counts and the official city populations;
* :mod:`~fua.kazakhstan.pipeline` — :func:`run_demo`, the whole run
  (``fua demo``);
* :mod:`~fua.kazakhstan.outputs` and :mod:`~fua.kazakhstan.report` — the
  demo's files and its HTML report page.

The public names of :mod:`~fua.kazakhstan.datasets` (the data loaders) are
re-exported here.
"""

from fua.kazakhstan import datasets
from fua.kazakhstan.datasets import (  # noqa: F401 (re-exported: __all__ below)
    ACCESS_SPEED_KMH,
    TRUNK_SPEED_KMH,
    cache_directory,
    kazakhstan_outline,
    kazakhstan_population,
    kazakhstan_population_window,
    kazakhstan_region_labels,
    kazakhstan_roads,
    kazakhstan_settlements,
    load_benchmarks,
    load_border_crossings,
    load_corridors,
    load_regions,
    load_republic_roads,
    load_sez,
    load_sez_summary,
    write_kazakhstan_population_window,
)

__all__ = list(datasets.__all__)
