"""Writers of the files a run leaves behind, and the one home of their QGIS styles.

* :mod:`~fua.outputs.styles` — the QGIS styles of fua's outputs: paletted
  class rasters (the Degree of Urbanisation legends, FUA ids), minute rasters,
  the style of every vector layer the toolkit writes, and
  :func:`write_styled_layers`, the writer of vector deliverables (one named
  CRS, a default style per layer in a GeoPackage's ``layer_styles`` table or
  in a ``.qml`` beside each Shapefile);
* :mod:`~fua.outputs.degurba` — the Degree of Urbanisation files: class and
  label rasters, vectors and a JSON sidecar (:func:`write_degurba_outputs`);
* :mod:`~fua.outputs.report` — PNG maps and a self-contained HTML report
  built from generic map layers and tables (no country in it);
* :mod:`~fua.outputs.notebook` — how a :class:`fua.FuaResult` shows itself
  in a notebook (its table and ``explore()`` map).

The FUA layers themselves are written by :meth:`fua.FuaResult.write`; the
generic safe writers (COG, GeoPackage, Shapefile, sidecar) live in
:mod:`connectivity.io`, the symbols, CRS names and minute ramps they use in
:mod:`connectivity.qgis`, the notebook helpers of every result in
:mod:`connectivity.notebook`. The main writers are re-exported here.
"""

from fua.outputs.degurba import write_class_raster, write_degurba_outputs, write_label_raster
from fua.outputs.report import (
    MapLayer,
    MinutesLayer,
    ReportTable,
    plot_fua_map,
    plot_minutes_map,
    plot_rank_size,
    write_report,
)
from fua.outputs.styles import smod_legend, write_minutes_qml, write_qml, write_styled_layers

__all__ = [
    "MapLayer",
    "MinutesLayer",
    "ReportTable",
    "plot_fua_map",
    "plot_minutes_map",
    "plot_rank_size",
    "smod_legend",
    "write_class_raster",
    "write_degurba_outputs",
    "write_label_raster",
    "write_minutes_qml",
    "write_qml",
    "write_report",
    "write_styled_layers",
]
