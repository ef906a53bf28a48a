"""Network builders: OSM PBF/XML (``osm``), line layers and osmnx graphs (``lines``), shared steps (``edges``).

Each builder returns the keyword arguments of
:meth:`connectivity.RoadNetwork.from_edges`; use the ``RoadNetwork.from_*``
class methods or :func:`connectivity.io.read_network` rather than these modules.
"""
