"""The Degree of Urbanisation at world scale: file to file, and many tiles with Dask.

* :mod:`~fua.scale.tiles`: :func:`degurba_to_files` classifies a global 1 km
  raster file to GeoTIFFs and a GeoPackage with bounded memory (row windows,
  streamed polygons, staged writing); :func:`~fua.scale.tiles.label_tiled`
  labels tile by tile;
* :mod:`~fua.scale.distributed`: :func:`aggregate_tiles` mosaics many fine
  population tiles onto the 1 km equal-area grid, on a Dask cluster or locally.

Both read rasters through :mod:`fua._raster` and classify with the same code
as :func:`fua.classify_grid` (:mod:`fua.degurba`).
"""

from fua.scale.distributed import aggregate_tiles
from fua.scale.tiles import degurba_to_files

__all__ = ["aggregate_tiles", "degurba_to_files"]
