"""The ``fua`` command line: the group here, one module per command, shared options in ``options``.

``fua degurba``           Degree of Urbanisation of a population grid (degurba.py)
``fua delineate``         functional urban areas, from flows or the proxy (fuas.py)
``fua commuting-model``   fit or score the commuting proxy (fuas.py)
``fua demo``              the whole Kazakhstan case study offline (demo.py)
``fua fetch ghs-pop``     download GHSL population tiles (fetch.py)
``fua compare-epochs``    urban centres of several epochs and what changed (epochs.py)

Run ``fua COMMAND --help`` for each command.
"""

from __future__ import annotations

from connectivity.cli.options import tool_group
from fua.cli.degurba import degurba_cmd
from fua.cli.demo import demo_cmd
from fua.cli.epochs import compare_epochs_cmd
from fua.cli.fetch import fetch_group
from fua.cli.fuas import commuting_model_group, delineate_cmd
from fua.cli.options import LOGGERS

__all__ = ["main"]


@tool_group("fua", loggers=LOGGERS)
def main() -> None:
    """Functional urban areas from population grids.

    Degree of Urbanisation (urban centres, urban clusters, rural cells),
    EU-OECD functional urban areas, and agglomeration metrics. Outputs open
    in QGIS: GeoPackage (or Shapefile) layers, GeoTIFF class grids with
    colour tables and .qml styles, and a JSON sidecar recording parameters
    and input checksums.

    Errors are one line; -vv shows their traceback.
    """


main.add_command(degurba_cmd)
main.add_command(delineate_cmd)
main.add_command(commuting_model_group)
main.add_command(demo_cmd)
main.add_command(fetch_group)
main.add_command(compare_epochs_cmd)
