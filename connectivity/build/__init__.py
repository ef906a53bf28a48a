"""Network builders: OSM PBF/XML (``osm``), osmnx graphs, GeoDataFrames and downloads (``osmnx_graphs``), line layers (``lines``), the ``.npz`` file (``npz``) and shared steps (``edges``).

Each builder returns the keyword arguments of
:meth:`connectivity.RoadNetwork.from_edges`; use the ``RoadNetwork.from_*``
class methods or :func:`connectivity.io.read_network` rather than these modules.
"""
