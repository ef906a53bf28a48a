"""Colours of the Degree of Urbanisation classes, for every map, style and plot.

The codes and names are :data:`fua.degurba.classify.L2_CODES` and
:data:`~fua.degurba.classify.L1_CODES` (``DegurbaResult.legend(level)`` joins
them); the QGIS legends built from both live in :mod:`fua.outputs.styles`.
This module imports nothing from ``fua``, so the classification itself can
colour its plots and maps.
"""

from __future__ import annotations

from connectivity.qgis import LayerStyle

__all__ = [
    "SMOD_L1_COLOURS",
    "SMOD_L2_COLOURS",
    "URBAN_CENTRE_STYLE",
    "URBAN_CLUSTER_STYLE",
    "smod_colours",
]

RGBA = tuple[int, int, int, int]

#: GHSL SMOD level-2 colours (R2023A) by code, as in ``DegurbaResult.level2``:
#: the GHS-SMOD class table (``#ff0000`` urban centre … ``#7ab6f5`` water) as
#: published for JRC/GHSL/P2023A/GHS_SMOD.
SMOD_L2_COLOURS: dict[int, RGBA] = {
    30: (255, 0, 0, 255),
    23: (115, 38, 0, 255),
    22: (168, 112, 0, 255),
    21: (255, 255, 0, 255),
    13: (55, 86, 35, 255),
    12: (171, 205, 102, 255),
    11: (205, 245, 122, 255),
    10: (122, 182, 245, 255),
}

#: Level-1 colours by code, as in ``DegurbaResult.level1``. GHSL publishes no
#: separate level-1 palette in the sources checked: 3 takes the level-2 urban
#: centre red, 2 an orange between the level-2 cluster colours, 1 the level-2
#: low-density-rural green.
SMOD_L1_COLOURS: dict[int, RGBA] = {
    3: (255, 0, 0, 255),
    2: (255, 170, 0, 255),
    1: (171, 205, 102, 255),
}


def smod_colours(level: int) -> dict[int, RGBA]:
    """Colour by class code of Degree of Urbanisation ``level`` (1 or 2)."""
    return SMOD_L2_COLOURS if level == 2 else SMOD_L1_COLOURS


#: Urban centre polygons: the level-2 urban centre red, translucent (QGIS and maps).
URBAN_CENTRE_STYLE = LayerStyle("fill", (*SMOD_L2_COLOURS[30][:3], 140), (150, 0, 0, 255))
#: Urban cluster polygons: the level-1 cluster orange, translucent.
URBAN_CLUSTER_STYLE = LayerStyle("fill", (*SMOD_L1_COLOURS[2][:3], 90), (200, 120, 0, 255))
