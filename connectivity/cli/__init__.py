"""The ``connectivity`` command line: one module per command, registered on the group here.

``connectivity access``      time from every origin to its nearest destination (access.py)
``connectivity od``          origin-destination travel-time matrix, CSV (od.py)
``connectivity isochrones``  reachable-area polygons around sources (isochrones.py)
``connectivity fetch osm``   download an OpenStreetMap extract (fetch.py)
``connectivity rank-links``  rank candidate links, each evaluated alone (rank.py)
``connectivity scenario``    before/after a list of road changes (scenario.py)

Every command reads a road network (OSM file, a line layer, or a saved
``.npz`` network) with :func:`connectivity.io.read_network`, writes
GeoPackage / Shapefile / GeoTIFF / CSV outputs that refuse to overwrite
without ``--overwrite``, and a JSON sidecar with the parameters, input
checksums and timing next to the output. Shared options live in
:mod:`connectivity.cli.options`.
"""

from __future__ import annotations

from connectivity.cli.access import access_cmd
from connectivity.cli.build import build_cmd
from connectivity.cli.fetch import fetch_group
from connectivity.cli.isochrones import isochrones_cmd
from connectivity.cli.od import od_cmd
from connectivity.cli.options import tool_group
from connectivity.cli.rank import rank_links_cmd
from connectivity.cli.scenario import scenario_cmd

__all__ = ["main"]


@tool_group("connectivity", loggers=("connectivity",))
def main() -> None:
    """Road-network travel times: nearest destination, OD matrices, isochrones.

    Distances are measured in the network's projected metric CRS (never Web
    Mercator); inputs in other CRSs are reprojected. Points join the network
    on their nearest road segment through an off-road leg.

    Errors are one line; -vv shows their traceback.
    """


main.add_command(access_cmd)
main.add_command(od_cmd)
main.add_command(isochrones_cmd)
main.add_command(fetch_group)
main.add_command(build_cmd)
main.add_command(rank_links_cmd)
main.add_command(scenario_cmd)
