"""The Degree of Urbanisation on a population grid (levels 1 and 2, and stage 2 on local units).

* :mod:`~fua.degurba.params`: :class:`DegurbaParams`, every threshold, and its presets;
* :mod:`~fua.degurba.classify`: :func:`classify_grid` (a :class:`DegurbaResult`),
  :func:`urban_centres` and :func:`urban_clusters` (one polygon per centre or cluster);
* :mod:`~fua.degurba.units`: stage 2, local units classed city / town or suburb /
  rural (:func:`classify_units`), and their population (:func:`unit_population`);
* :mod:`~fua.degurba.clusters`: labelling, cluster sums, hole filling, majority smoothing;
* :mod:`~fua.degurba.stats`: population, land and centroid of each centre or cluster;
* :mod:`~fua.degurba.vectorize`: label and class rasters to polygons;
* :mod:`~fua.degurba.antimeridian`: which cells of a world grid touch across ±180°;
* :mod:`~fua.degurba.legend`: the class colours (GHSL SMOD) of every map, style and plot;
* ``_core``: the memory-lean flag core shared with :func:`fua.degurba_to_files`.

Nothing here imports :mod:`fua.scale` or :mod:`fua.fuas`: they build on it.
"""

from fua.degurba.antimeridian import antimeridian_columns
from fua.degurba.classify import (
    L1_CODES,
    L2_CODES,
    DegurbaResult,
    classify_grid,
    degurba_result,
    urban_centres,
    urban_clusters,
)
from fua.degurba.params import DegurbaParams
from fua.degurba.units import classify_units, unit_population
from fua.degurba.vectorize import polygonize_classes, polygonize_labels

__all__ = [
    "L1_CODES",
    "L2_CODES",
    "DegurbaParams",
    "DegurbaResult",
    "antimeridian_columns",
    "classify_grid",
    "classify_units",
    "degurba_result",
    "polygonize_classes",
    "polygonize_labels",
    "unit_population",
    "urban_centres",
    "urban_clusters",
]
