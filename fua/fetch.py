"""Download GHS-POP population tiles (GHSL R2023A, 1 km, World Mollweide) with caching.

:func:`fetch_ghs_pop` finds the GHSL tiles that cover a country or a
bounding box, downloads the zipped GeoTIFF tiles (or reuses them from the
cache), checks them, and mosaics the part inside the box into one GeoTIFF
that :func:`fua.read_population` and ``fua demo --population`` read.

Tiles follow the GHSL R2023A tiling of World Mollweide (ESRI:54009):
1000 km × 1000 km tiles numbered from row 1 at y = 9 000 000 m (north) and
column 1 at x = −18 041 000 m (west), ``…_V1_0_R{row}_C{col}.zip``, e.g.
https://jeodpp.jrc.ec.europa.eu/ftp/jrc-opendata/GHSL/GHS_POP_GLOBE_R2023A/GHS_POP_E2020_GLOBE_R2023A_54009_1000/V1-0/tiles/GHS_POP_E2020_GLOBE_R2023A_54009_1000_V1_0_R4_C19.zip
(Switzerland). The server is JRC's open-data FTP over HTTPS unless
``base_url=`` or the ``FUA_GHSL_BASE_URL`` environment variable says
otherwise (tests point it at a local server).

GHSL data © European Union, 1995–2023, reuse authorised with acknowledgement
(Schiavina, Freire, Carioli, MacManus 2023: GHS-POP R2023A, JRC,
doi:10.2905/2FF68A52-5B5B-4A22-8F40-C41DA8332CFE).
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from connectivity.cache import cache_root
from connectivity.errors import DataError, InputFileError, OutputExistsError, ParameterError
from connectivity.fetch import cached_download
from connectivity.outputs import file_sha256, safe_path

__all__ = [
    "GHSL_BASE_URL",
    "GHSL_EPOCHS",
    "fetch_ghs_pop",
    "ghsl_pop_url",
    "ghsl_tiles",
]

log = logging.getLogger(__name__)

#: Root of the GHSL open-data server.
GHSL_BASE_URL = "https://jeodpp.jrc.ec.europa.eu/ftp/jrc-opendata/GHSL"
#: Epochs of GHS-POP R2023A (observed to 2020, projected 2025 and 2030).
GHSL_EPOCHS = tuple(range(1975, 2031, 5))
_TILE_M = 1_000_000.0
_X0, _Y0 = -18_041_000.0, 9_000_000.0
_N_ROWS, _N_COLS = 18, 36
_MOLLWEIDE = "ESRI:54009"


def _country_bbox(country: str) -> tuple[float, float, float, float]:
    if country.upper() != "KAZ":
        msg = (
            f"--country {country!r}: only KAZ is built in (its outline ships with the package); "
            "give --bbox WEST SOUTH EAST NORTH (degrees) for other areas"
        )
        raise ParameterError(msg)
    from fua.kazakhstan.datasets import kazakhstan_outline

    w, s, e, n = kazakhstan_outline().bounds
    pad = 0.25
    return (w - pad, s - pad, e + pad, n + pad)


def _bbox_mollweide(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    w, s, e, n = (float(v) for v in bbox)
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        msg = f"bbox {bbox!r} must be WEST SOUTH EAST NORTH in degrees with west < east, south < north"
        raise ParameterError(msg)
    lon = np.concatenate(
        [np.linspace(w, e, 50), np.full(50, e), np.linspace(e, w, 50), np.full(50, w)]
    )
    lat = np.concatenate(
        [np.full(50, s), np.linspace(s, n, 50), np.full(50, n), np.linspace(n, s, 50)]
    )
    x, y = Transformer.from_crs("EPSG:4326", _MOLLWEIDE, always_xy=True).transform(lon, lat)
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def ghsl_tiles(bbox: Sequence[float], *, mollweide: bool = False) -> list[tuple[int, int]]:
    """(row, column) of the GHSL tiles that intersect a bounding box.

    Parameters
    ----------
    bbox : (west, south, east, north)
        In degrees (EPSG:4326), or in metres of World Mollweide with ``mollweide=True``.

    Returns
    -------
    list of (int, int)
        1-based rows (from the north) and columns (from the west), sorted.

    Notes
    -----
    Tile (r, c) covers x ∈ [x0 + (c−1)·L, x0 + c·L], y ∈ [y0 − r·L, y0 − (r−1)·L]
    with L = 1000 km, x0 = −18 041 000 m, y0 = 9 000 000 m (GHSL R2023A tiling).
    The edges of a geographic box are densified before projecting, since
    Mollweide bends meridians.
    """
    x1, y1, x2, y2 = (float(v) for v in bbox) if mollweide else _bbox_mollweide(bbox)
    c1 = max(1, math.floor((x1 - _X0) / _TILE_M) + 1)
    c2 = min(_N_COLS, math.floor((x2 - _X0) / _TILE_M) + 1)
    r1 = max(1, math.floor((_Y0 - y2) / _TILE_M) + 1)
    r2 = min(_N_ROWS, math.floor((_Y0 - y1) / _TILE_M) + 1)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _base(base_url: str | None) -> str:
    return (base_url or os.environ.get("FUA_GHSL_BASE_URL") or GHSL_BASE_URL).rstrip("/")


def _stem(epoch: int) -> str:
    return f"GHS_POP_E{epoch}_GLOBE_R2023A_54009_1000"


def ghsl_pop_url(row: int, col: int, *, epoch: int = 2020, base_url: str | None = None) -> str:
    """URL of one GHS-POP R2023A 1 km tile (zip)."""
    if epoch not in GHSL_EPOCHS:
        msg = f"epoch {epoch} is not a GHS-POP R2023A epoch; choose one of {GHSL_EPOCHS}"
        raise ParameterError(msg)
    stem = _stem(epoch)
    return f"{_base(base_url)}/GHS_POP_GLOBE_R2023A/{stem}/V1-0/tiles/{stem}_V1_0_R{row}_C{col}.zip"


def _tile_cache(out_dir: str | os.PathLike[str] | None) -> Path:
    """The tile cache: ``out_dir``, else ``ghsl/`` in the toolkit's user cache."""
    folder = Path(out_dir) if out_dir is not None else cache_root() / "ghsl"
    return cache_root(folder, hint="pass out_dir=... or set FUA_CACHE_DIR")


def _manifest(root: Path) -> dict[str, Any]:
    p = root / "manifest.json"
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return d if isinstance(d, dict) else {}


def _check_zip(path: Path, url: str) -> None:
    """Every member of a downloaded zip passes its CRC check (else the file is deleted)."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except zipfile.BadZipFile as exc:
        path.unlink(missing_ok=True)
        msg = f"{url} is not a valid zip file ({exc}); try again"
        raise InputFileError(msg) from exc
    if bad is not None:
        path.unlink(missing_ok=True)
        msg = f"{url}: member {bad} fails its CRC check; try again"
        raise InputFileError(msg)


def _tile(
    url: str, root: Path, manifest: dict[str, Any], *, refresh: bool, progress: bool
) -> Path | None:
    """The cached zip of a tile (downloaded if needed); None when the server has no such tile.

    The SHA-256 recorded in the manifest is the tile's known hash (pooch's
    registry): a cached tile that no longer matches is downloaded again and
    must match it. A tile without a record (or with ``refresh``) is
    downloaded anew and recorded.
    """
    name = url.rsplit("/", 1)[1]
    sha = (manifest.get(name) or {}).get("sha256")
    known = None if refresh or not sha else f"sha256:{sha}"
    try:
        path, downloaded = cached_download(
            url, root / name, known_hash=known, refresh=known is None, progress=progress
        )
    except InputFileError as exc:
        if "HTTP 404" in str(exc):
            log.info("no GHSL tile at %s (ocean or outside the data); skipped", url)
            return None
        raise
    if not downloaded:
        log.debug("cache hit %s", path)
        return path
    _check_zip(path, url)
    manifest[name] = {"url": url, "size": path.stat().st_size, "sha256": file_sha256(path),
                      "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def fetch_ghs_pop(
    *,
    country: str | None = None,
    bbox: Sequence[float] | None = None,
    epoch: int = 2020,
    out: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Download GHS-POP R2023A 1 km tiles for a country or box and mosaic them into one GeoTIFF.

    Parameters
    ----------
    country : str, optional
        ``"KAZ"`` (its outline ships with the package, padded by 0.25°).
    bbox : (west, south, east, north), optional
        Degrees; instead of ``country``.
    epoch : int
        GHS-POP epoch (default 2020).
    out : path-like, optional
        The mosaic (default ``<cache>/GHS_POP_E{epoch}_GLOBE_R2023A_54009_1000_<name>.tif``).
    out_dir : path-like, optional
        Tile cache (default ``ghsl/`` in :func:`connectivity.cache.cache_root`).
    base_url : str, optional
        Server root (default JRC; or ``FUA_GHSL_BASE_URL``).
    refresh : bool
        Download tiles again even when cached.
    overwrite : bool
        Replace an existing mosaic.
    progress : bool
        Show download progress bars.

    Returns
    -------
    pathlib.Path
        The mosaic GeoTIFF (ESRI:54009, 1 km, people per cell, nodata −200
        as in GHSL), cropped to the box on the tile grid.

    Notes
    -----
    Downloads go through :func:`connectivity.fetch.cached_download` (pooch:
    retries, staged files). Every downloaded zip is checked (zip CRC of each
    member) and its SHA-256 is recorded in ``manifest.json`` in the tile
    cache, which serves as pooch's hash registry: a cached tile is reused
    only while it still matches, and a tile downloaded again must match it
    (GHSL publishes no per-tile checksum). Tiles the server does not have (HTTP 404: open ocean) are
    skipped. The mosaic is written through :func:`connectivity.outputs.safe_path`
    (temporary file, then rename).
    """
    import rasterio
    from rasterio.merge import merge

    if (country is None) == (bbox is None):
        msg = "give country= (e.g. 'KAZ') or bbox=(west, south, east, north), not both or neither"
        raise ParameterError(msg)
    box = _country_bbox(country) if country is not None else tuple(float(v) for v in bbox)  # type: ignore[union-attr]
    tiles = ghsl_tiles(box)
    root = _tile_cache(out_dir)
    label = country.upper() if country else "bbox_" + "_".join(f"{v:g}" for v in box)
    target = Path(out) if out is not None else root / f"{_stem(epoch)}_{label}.tif"
    if target.exists() and not overwrite:
        msg = f"{target} exists; pass overwrite=True (--overwrite) to rebuild it"
        raise OutputExistsError(msg)
    manifest = _manifest(root)
    zips = []
    for r, c in tiles:
        z = _tile(ghsl_pop_url(r, c, epoch=epoch, base_url=base_url), root, manifest,
                  refresh=refresh, progress=progress)  # fmt: skip
        if z is not None:
            zips.append(z)
    if not zips:
        msg = f"no GHS-POP tile covers {box}; check the box (degrees: west south east north)"
        raise DataError(msg)
    srcs = []
    try:
        for z in zips:
            with zipfile.ZipFile(z) as zf:
                tifs = [n for n in zf.namelist() if n.lower().endswith(".tif")]
            if not tifs:
                msg = f"{z} holds no GeoTIFF; delete it and fetch again"
                raise InputFileError(msg)
            srcs.append(rasterio.open(f"zip://{z}!/{tifs[0]}"))
        x1, y1, x2, y2 = _bbox_mollweide(box)
        res = srcs[0].res[0]
        bounds = (math.floor(x1 / res) * res, math.floor(y1 / res) * res,
                  math.ceil(x2 / res) * res, math.ceil(y2 / res) * res)  # fmt: skip
        arr, transform = merge(srcs, bounds=bounds, nodata=-200.0)
        profile = {
            "driver": "GTiff", "height": arr.shape[1], "width": arr.shape[2], "count": 1,
            "dtype": arr.dtype.name, "crs": srcs[0].crs, "transform": transform,
            "nodata": -200.0, "compress": "deflate", "tiled": True,
        }  # fmt: skip
    finally:
        for s in srcs:
            s.close()
    with safe_path(target, overwrite=overwrite) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(arr)
        dst.update_tags(SOURCE=f"GHS-POP R2023A epoch {epoch} (JRC), tiles "
                        + ", ".join(f"R{r}_C{c}" for r, c in tiles),
                        BBOX_LONLAT=json.dumps(list(box)))  # fmt: skip
    log.info("GHS-POP %d mosaic of %d tile(s) -> %s", epoch, len(zips), target)
    return target
