"""Reading road networks and layers; safe, QGIS-friendly writers: rasters, vector layers, sidecars.

Every writer here refuses to overwrite an existing output unless
``overwrite=True`` is given, and writes to a temporary file in the target
directory first, moving it into place with :func:`os.replace` only when the
write has succeeded. A failed or interrupted run therefore leaves either the
old file, byte for byte, or nothing — never a half-written output.

* :func:`write_raster` — Cloud-Optimised GeoTIFF (deflate, tiled, overviews),
  with an optional colour table and category names for class grids.
* :func:`write_layers` — named layers into one GeoPackage, or one Shapefile
  per layer with ASCII field names of at most 10 bytes and an alias CSV.
* :func:`write_sidecar` / :func:`read_sidecar` — a JSON record of a run:
  parameters, input checksums, versions and timing.
* :func:`safe_path` / :func:`safe_directory` — the temporary-file-then-rename
  machinery the writers use, for other writers to reuse (from
  :mod:`connectivity.outputs`).
* :func:`read_network` — the one road-network loader: a saved ``.npz``
  network, any line layer, or an OpenStreetMap PBF/XML file.
* :func:`read_layer` — a vector layer with one-line errors (missing file,
  unreadable format, no features).

This module knows nothing of functional urban areas; :mod:`fua.outputs.degurba` builds the
Degree of Urbanisation outputs on top of it.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

from connectivity.build.osm import OSM_SUFFIXES
from connectivity.crs import check_metric_crs
from connectivity.errors import CRSError, DataError, InputFileError, ParameterError
from connectivity.network import RoadNetwork
from connectivity.outputs import (
    SIDECAR_SCHEMA,
    file_sha256,
    read_sidecar,
    safe_directory,
    safe_path,
    write_sidecar,
)
from connectivity.qgis import (
    STYLE_TABLE,
    LayerStyle,
    in_one_crs,
    layer_style,
    style_qml,
    write_gpkg_styles,
)
from connectivity.speeds import SpeedTable

__all__ = [
    "LAYER_DRIVERS",
    "NETWORK_OSM_SUFFIXES",
    "SIDECAR_SCHEMA",
    "file_sha256",
    "read_layer",
    "read_network",
    "read_sidecar",
    "safe_directory",
    "safe_path",
    "shapefile_field_names",
    "write_layers",
    "write_raster",
    "write_sidecar",
]

log = logging.getLogger(__name__)

#: Vector file suffixes understood by :func:`write_layers` and their OGR drivers.
LAYER_DRIVERS: Mapping[str, str] = {".gpkg": "GPKG", ".shp": "ESRI Shapefile"}

_COG_BLOCK = 512

#: File-name endings :func:`read_network` reads as OpenStreetMap (PBF or XML, maybe compressed).
NETWORK_OSM_SUFFIXES = (*OSM_SUFFIXES, ".bz2", ".gz")

ColumnChoice = str | Sequence[str] | None


# --------------------------------------------------------------------------- reading


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_layer(
    path: str | os.PathLike[str], layer: str | None = None, *, what: str = "input"
) -> Any:
    """Read a vector layer (GeoPackage, Shapefile, GeoJSON, ...) with one-line errors.

    Parameters
    ----------
    path : path-like
        Any vector source GDAL reads.
    layer : str, optional
        Layer name in a multi-layer source (default: the first layer).
    what : str, default "input"
        How the layer is named in error messages (``"origins"``, ``"network"``).

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        The path does not exist, GDAL cannot read it, or the layer has no features.

    Notes
    -----
    Without ``layer``, a source with several layers is read from its first
    layer and a one-line warning names it and the others (GDAL's own
    "more than one layer" warning is not passed on).
    """
    import geopandas as gpd

    p = Path(path)
    if not p.exists():
        msg = f"{what} file {str(p)!r} does not exist"
        raise InputFileError(msg)
    try:
        gdf = gpd.read_file(p, layer=layer or _first_layer(p, what))
    except InputFileError:
        raise
    except Exception as exc:  # pyogrio raises its own DataSourceError/DataLayerError
        msg = f"cannot read the {what} layer {str(p)!r}: {_one_line(exc)}"
        raise InputFileError(msg) from exc
    if len(gdf) == 0:
        msg = f"the {what} layer {str(p)!r} has no features"
        raise InputFileError(msg)
    return gdf


def _first_layer(path: Path, what: str) -> str | None:
    """The first layer of a multi-layer source, with a warning naming the others (else None)."""
    import pyogrio

    try:
        names = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # not a vector source: read_file gives the one-line error
        log.debug("cannot list the layers of %s: %s", path, exc)
        return None
    names = [n for n in names if n != STYLE_TABLE]  # QGIS's styles, not data
    if len(names) <= 1:
        return names[0] if names else None
    log.warning(
        "the %s file %s has %d layers; reading the first, %r (others: %s); choose one with "
        "layer= (on the command line: the --...-layer option)",
        what, path.name, len(names), names[0], ", ".join(names[1:6]),
    )  # fmt: skip
    return names[0]


def _pick_column(columns: Any, choice: ColumnChoice) -> str | None:
    """``choice`` itself, or the first of a sequence of names that ``columns`` holds."""
    if choice is None or isinstance(choice, str):
        return choice
    return next((c for c in choice if c in columns), None)


def read_network(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: Any = None,
    class_col: ColumnChoice = None,
    speed_col: ColumnChoice = None,
    oneway_col: ColumnChoice = None,
    speeds: SpeedTable | Mapping[str, float] | None = None,
    progress: bool = False,
) -> RoadNetwork:
    """Read a road network from a file, whatever its format.

    Parameters
    ----------
    path : path-like
        A network saved with :meth:`RoadNetwork.save` (``.npz``); an
        OpenStreetMap file (``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.bz2``,
        ``.osm.gz``, ``.osm.xml``), read with :meth:`RoadNetwork.from_osm`; or
        any line layer GDAL reads (GeoPackage, Shapefile, GeoJSON, ...), read
        with :meth:`RoadNetwork.from_lines`.
    layer : str, optional
        Line layers: the layer of a multi-layer source.
    crs : CRS-like, optional
        Projected metric CRS of the result. OSM files are projected to it;
        line layers are reprojected to it. Default: a metric layer keeps its
        CRS; OSM and longitude/latitude data get the UTM zone of the data, or
        an azimuthal equidistant CRS for a whole country. A saved network
        keeps its CRS (a different ``crs`` raises :class:`CRSError`).
    class_col, speed_col, oneway_col : str or sequence of str, optional
        Line layers: the columns of road classes (OSM ``highway`` values),
        speeds in km/h and one-way flags (see :meth:`RoadNetwork.from_lines`).
        A sequence names candidates: the first column the layer has is used
        (none, if it has none of them).
    speeds : SpeedTable or dict, optional
        Speed table for OSM ways and for lines without a speed.
    progress : bool, default False
        OSM files: a progress bar over the ways (on a terminal only).

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputFileError
        The file does not exist, is empty, has no features, or is in a format
        that is neither a saved network, OSM nor a readable line layer.
    CRSError
        ``crs`` is not a projected metric CRS, or differs from a saved network's.

    Examples
    --------
    >>> net = read_network("kazakhstan-latest.osm.pbf", crs="EPSG:32642")  # doctest: +SKIP
    >>> net = read_network("roads.gpkg", class_col=("highway", "fclass"))  # doctest: +SKIP
    """
    p = Path(path)
    if not p.exists():
        msg = (
            f"network file {str(p)!r} does not exist; give an OSM extract (.osm.pbf, e.g. from "
            "`connectivity fetch osm`), a line layer (.gpkg, .shp, .geojson) or a saved .npz network"
        )
        raise InputFileError(msg)
    out_crs = None if crs is None else check_metric_crs(crs)
    name = p.name.lower()
    if name.endswith(".npz"):
        net = RoadNetwork.load(p)
        if out_crs is not None and not net.crs.equals(out_crs):
            msg = (
                f"the saved network {str(p)!r} is in {net.crs.to_string()}, not "
                f"{out_crs.to_string()}; drop crs= or rebuild the network in that CRS"
            )
            raise CRSError(msg)
        return net
    if name.endswith(NETWORK_OSM_SUFFIXES):
        return RoadNetwork.from_osm(p, crs=out_crs, speeds=speeds, progress=progress)
    if layer is None and _is_saved_graph(p):  # nodes + edges, as `connectivity build` writes
        return RoadNetwork.from_gdfs(
            read_layer(p, "nodes", what="network"),
            read_layer(p, "edges", what="network"),
            crs=out_crs,
            speeds=speeds,
        )
    lines = read_layer(p, layer, what="network")
    if out_crs is not None and lines.crs is not None:
        lines = lines.to_crs(out_crs)
    return RoadNetwork.from_lines(
        lines,
        class_col=_pick_column(lines.columns, class_col),
        speed_col=_pick_column(lines.columns, speed_col),
        oneway_col=_pick_column(lines.columns, oneway_col),
        speeds=speeds,
    )


def _is_saved_graph(path: Path) -> bool:
    """True for a GeoPackage with ``nodes`` and ``edges`` layers (:meth:`RoadNetwork.to_gdfs`)."""
    if path.suffix.lower() != ".gpkg":
        return False
    import pyogrio

    return {"nodes", "edges"} <= {str(n) for n, _ in pyogrio.list_layers(path)}


# --------------------------------------------------------------------------- rasters


def _as_crs(crs: Any) -> Any:
    from rasterio.crs import CRS

    if crs is None:
        msg = "crs is required; pass the grid's CRS (e.g. grid.crs or 'ESRI:54009')"
        raise CRSError(msg)
    try:
        return crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    except Exception as exc:
        msg = (
            f"crs {crs!r} is not a CRS rasterio understands ({exc}); pass an EPSG/ESRI code or WKT"
        )
        raise CRSError(msg) from exc


def _check_colormap(
    colormap: Mapping[int, Sequence[int]], dtype: np.dtype[Any], bands: int
) -> dict[int, tuple[int, int, int, int]]:
    if bands != 1 or dtype not in (np.dtype("uint8"), np.dtype("uint16")):
        msg = (
            f"a colour table needs a single-band uint8 or uint16 raster, got {bands} band(s) of "
            f"{dtype}; cast the class grid with .astype('uint8') or drop colormap"
        )
        raise ParameterError(msg)
    info = np.iinfo(dtype)
    out: dict[int, tuple[int, int, int, int]] = {}
    for code, colour in colormap.items():
        rgba = tuple(int(c) for c in colour)
        if not info.min <= int(code) <= info.max:
            msg = f"colormap code {code} does not fit in {dtype}"
            raise ParameterError(msg)
        if len(rgba) == 3:
            rgba = (*rgba, 255)
        if len(rgba) != 4 or not all(0 <= c <= 255 for c in rgba):
            msg = f"colormap[{code}] = {colour!r}; give (r, g, b) or (r, g, b, a) with values 0-255"
            raise ParameterError(msg)
        out[int(code)] = (rgba[0], rgba[1], rgba[2], rgba[3])
    return out


def _check_nodata(nodata: float | None, dtype: np.dtype[Any]) -> float | None:
    if nodata is None:
        return None
    if np.issubdtype(dtype, np.floating):
        return float(nodata)
    info = np.iinfo(dtype)
    if not (float(nodata).is_integer() and info.min <= nodata <= info.max):
        msg = f"nodata={nodata!r} cannot be stored in a {dtype} raster; choose a value in [{info.min}, {info.max}]"
        raise ParameterError(msg)
    return float(nodata)


def write_raster(
    path: str | os.PathLike[str],
    array: np.ndarray,
    *,
    transform: Affine,
    crs: Any,
    nodata: float | None = None,
    colormap: Mapping[int, Sequence[int]] | None = None,
    category_names: Mapping[int, str] | None = None,
    overwrite: bool = False,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    resampling: str | None = None,
) -> Path:
    """Write an array as a Cloud-Optimised GeoTIFF that QGIS opens styled.

    Parameters
    ----------
    path : path-like
        Output ``.tif``/``.tiff`` file.
    array : numpy.ndarray
        2-D (rows, cols) or 3-D (bands, rows, cols). Booleans are written as
        uint8.
    transform : affine.Affine
        Upper-left-corner transform of the grid.
    crs : rasterio.crs.CRS or str
        The grid's CRS; required, never assumed.
    nodata : float, optional
        Value marking cells without data; must fit the dtype. Float rasters
        default to NaN (declared, so QGIS and GDAL leave those cells blank).
    colormap : mapping of int to (r, g, b[, a]), optional
        Colour table for a single-band uint8/uint16 class grid; QGIS shows
        it as a paletted layer.
    category_names : mapping of int to str, optional
        Class names; stored as band tags ``class_<code>`` and as a JSON band
        tag ``categories``.
    overwrite : bool, default False
        Replace an existing file.
    tags : mapping, optional
        Dataset-level metadata tags (values are stored as strings).
    description : str, optional
        Band description (shown by QGIS as the band name).
    resampling : str, optional
        Overview resampling; defaults to ``"nearest"`` for integer rasters
        (class codes and labels must never be averaged) and ``"average"``
        for floating point.

    Returns
    -------
    pathlib.Path
        The written file.

    Notes
    -----
    With GDAL >= 3.1 the GDAL ``COG`` driver writes the file: 512×512 tiles,
    DEFLATE compression and internal overviews down to one tile, laid out so
    that a reader can fetch tiles by HTTP range requests (GDAL COG driver
    documentation, https://gdal.org/drivers/raster/cog.html). Otherwise a
    tiled GeoTIFF with overviews is built and copied with
    ``COPY_SRC_OVERVIEWS=YES``, the older recipe for the same layout.
    """
    import rasterio

    arr = np.asarray(array)
    if arr.dtype == bool:
        arr = arr.astype("uint8")
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or 0 in arr.shape:
        msg = f"array must be 2-D (rows, cols) or 3-D (bands, rows, cols) and non-empty, got shape {np.shape(array)}"
        raise DataError(msg)
    if not isinstance(transform, Affine):
        msg = f"transform must be an affine.Affine, got {type(transform).__name__}; use grid.transform"
        raise ParameterError(msg)
    target = Path(path)
    if target.suffix.lower() not in (".tif", ".tiff"):
        msg = f"raster output {target} must end in .tif or .tiff (a Cloud-Optimised GeoTIFF is written)"
        raise ParameterError(msg)
    rcrs = _as_crs(crs)
    nd = _check_nodata(nodata, arr.dtype)
    if nd is None and np.issubdtype(arr.dtype, np.floating):
        nd = float("nan")  # a float raster always declares its nodata
    cmap = None if colormap is None else _check_colormap(colormap, arr.dtype, arr.shape[0])
    integer = np.issubdtype(arr.dtype, np.integer)
    method = (resampling or ("nearest" if integer else "average")).lower()
    bands, height, width = arr.shape
    profile: dict[str, Any] = {
        "width": width,
        "height": height,
        "count": bands,
        "dtype": arr.dtype.name,
        "crs": rcrs,
        "transform": transform,
        "nodata": nd,
    }
    band_tags: dict[str, str] = {}
    if category_names:
        band_tags = {f"class_{int(k)}": str(v) for k, v in category_names.items()}
        band_tags["categories"] = json.dumps(
            {str(int(k)): str(v) for k, v in category_names.items()}, ensure_ascii=False
        )

    def fill(dst: Any) -> None:
        dst.write(arr)
        if cmap is not None:
            dst.write_colormap(1, cmap)
        if description:
            for b in range(1, bands + 1):
                dst.set_band_description(b, description)
        if band_tags:
            dst.update_tags(1, **band_tags)
        if tags:
            dst.update_tags(**{str(k): str(v) for k, v in tags.items()})

    opts = {
        "compress": "DEFLATE",
        "blocksize": _COG_BLOCK,
        "resampling": method.upper(),
        "bigtiff": "IF_SAFER",
    }
    if cmap is None:
        opts["predictor"] = "YES"
    # GDAL's COG driver (GDAL >= 3.1; every rasterio >= 1.3.9 wheel ships GDAL 3.6+)
    with safe_path(target, overwrite=overwrite) as tmp:
        with rasterio.open(tmp, "w", driver="COG", **profile, **opts) as dst:
            fill(dst)
    log.info("wrote raster %s (%d×%d, %s)", target, height, width, arr.dtype)
    return target


# --------------------------------------------------------------------------- vector layers

# Russian and Kazakh Cyrillic to ASCII (BGN/PCGN-like; Kazakh letters to their
# nearest Latin letter). Used only to make Shapefile field and file names.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i", "є": "ye", "ї": "yi", "ў": "u",
}  # fmt: skip
_SHP_FIELD_BYTES = 10


def _ascii_name(name: str, *, fallback: str) -> str:
    """Transliterate to ASCII letters, digits and underscores."""
    chars = []
    for ch in str(name):
        low = ch.lower()
        if low in _CYRILLIC:
            rep = _CYRILLIC[low]
            chars.append(rep.capitalize() if ch != low else rep)
        else:
            chars.append(ch)
    text = unicodedata.normalize("NFKD", "".join(chars)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9A-Za-z_]+", "_", text)
    text = re.sub(r"_+", "_", text).strip("_")
    if not text:
        text = fallback
    if text[0].isdigit():
        text = "f" + text
    return text


def shapefile_field_names(columns: Iterable[Any]) -> dict[str, str]:
    """Map column names to unique ASCII Shapefile field names of ≤ 10 bytes.

    Parameters
    ----------
    columns : iterable
        Column names in order (the geometry column excluded).

    Returns
    -------
    dict
        ``{original_name: shapefile_name}``, same order as ``columns``.

    Notes
    -----
    dBASE field names hold at most 10 *bytes*; GDAL truncates longer ones
    itself, and a UTF-8 Cyrillic letter takes 2 bytes, so ``"население"``
    would be cut to 5 letters (or mid-letter) and clash with its
    neighbours. Here names are transliterated to ASCII first (Russian and
    Kazakh Cyrillic, accents stripped with NFKD), anything but letters,
    digits and ``_`` becomes ``_``, a leading digit gets an ``f`` prefix,
    then the name is cut to 10 characters (= 10 bytes, being ASCII). Clashes
    — compared case-insensitively, as dBASE does — get a ``_1``, ``_2`` …
    suffix within the 10 bytes.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = _ascii_name(str(col), fallback="field")[:_SHP_FIELD_BYTES]
        cand, i = base, 1
        while cand.lower() in used:
            suffix = f"_{i}"
            cand = base[: _SHP_FIELD_BYTES - len(suffix)] + suffix
            i += 1
        used.add(cand.lower())
        out[str(col)] = cand
    return out


def _resolve_vector_target(path: Path, driver: str | None) -> tuple[str, bool]:
    """Return (driver, is_directory)."""
    allowed = ", ".join(LAYER_DRIVERS)
    suffix = path.suffix.lower()
    if driver is not None and driver not in LAYER_DRIVERS.values():
        msg = f"driver={driver!r} is not supported; use one of {sorted(LAYER_DRIVERS.values())}"
        raise ParameterError(msg)
    if suffix in LAYER_DRIVERS:
        found = LAYER_DRIVERS[suffix]
        if driver is not None and driver != found:
            msg = f"driver={driver!r} does not match the suffix of {path} ({found}); drop driver or change the suffix"
            raise ParameterError(msg)
        return found, False
    if driver == "ESRI Shapefile" and (suffix == "" or path.is_dir()):
        return driver, True
    if suffix == "" or path.is_dir():
        msg = (
            f"{path} is a folder name, not a vector file: give a file ending in {allowed} "
            f"(e.g. {path / ('layers' + next(iter(LAYER_DRIVERS)))}), or pass "
            "driver='ESRI Shapefile' for one Shapefile per layer in that folder"
        )
        raise ParameterError(msg)
    msg = (
        f"cannot tell the vector format of {path}: the suffix {suffix!r} is not one of "
        f"{allowed}; use a .gpkg file, a .shp file, or a directory with driver='ESRI Shapefile'"
    )
    raise ParameterError(msg)


def _frame_for_writing(gdf: Any) -> Any:
    """Named index levels become columns (as geopandas' ``to_file`` does)."""
    if any(n is not None for n in gdf.index.names):
        return gdf.reset_index()
    return gdf


def _check_layers(layers: Mapping[str, Any]) -> None:
    import geopandas as gpd

    if not isinstance(layers, Mapping) or not layers:
        msg = "layers must be a non-empty dict {layer_name: GeoDataFrame}"
        raise ParameterError(msg)
    seen: set[str] = set()
    for name, gdf in layers.items():
        if not isinstance(name, str) or not name.strip():
            msg = f"layer names must be non-empty strings, got {name!r}"
            raise ParameterError(msg)
        if name.lower() in seen:
            msg = f"layer name {name!r} is used twice (names are compared case-insensitively); rename one"
            raise ParameterError(msg)
        seen.add(name.lower())
        if not isinstance(gdf, gpd.GeoDataFrame):
            msg = f"layer {name!r} is a {type(gdf).__name__}, not a GeoDataFrame; wrap it with geopandas.GeoDataFrame(..., geometry=..., crs=...)"
            raise ParameterError(msg)
        if gdf.crs is None:
            msg = f"layer {name!r} has no CRS; set it with gdf.set_crs(...) before writing"
            raise CRSError(msg)


def write_layers(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    driver: str | None = None,
    overwrite: bool = False,
    crs: Any = None,
    styles: Mapping[str, LayerStyle] | None = None,
) -> list[Path]:
    """Write named GeoDataFrames as a GeoPackage or as Shapefiles that open styled in QGIS.

    Parameters
    ----------
    path : path-like
        ``*.gpkg``: every layer in one GeoPackage, under its name.
        ``*.shp``: one layer is written to that file; several layers to
        ``<stem>_<layer>.shp`` beside it. A directory (no suffix) with
        ``driver="ESRI Shapefile"``: one ``<layer>.shp`` per layer in it.
    layers : dict of str to geopandas.GeoDataFrame
        Layer name to data; each needs a CRS.
    driver : {"GPKG", "ESRI Shapefile"}, optional
        Normally taken from the suffix; needed for a directory.
    overwrite : bool, default False
        Replace existing outputs. All targets are checked before writing.
    crs : CRS-like, optional
        The one CRS of every layer written (layers in another CRS are
        reprojected). Default: the first layer's CRS.
    styles : dict of str to LayerStyle, optional
        QGIS styles by layer name; other layers get
        :func:`connectivity.qgis.default_layer_style`.

    Returns
    -------
    list of pathlib.Path
        The GeoPackage, or the ``.shp`` files followed by their alias CSVs
        and their ``.qml`` styles.

    Raises
    ------
    ParameterError
        Unknown suffix or driver, bad layer names, a non-GeoDataFrame.
    CRSError
        A layer without a CRS.
    OutputExistsError
        An output exists and ``overwrite`` is False.

    Notes
    -----
    Written with pyogrio. Named index levels are written as columns; an
    unnamed index is not written. An empty GeoDataFrame is written as an
    empty layer with its columns (geometry type "Unknown" in a GeoPackage)
    and a warning is logged. A GeoPackage is written whole into a
    temporary file and renamed once. Every layer is written in one CRS,
    named as :func:`connectivity.qgis.named_crs` says (``ESRI:54009``, not
    an anonymous "unknown"), and carries a QGIS default style: in the
    GeoPackage's ``layer_styles`` table, or as a ``<layer>.qml`` beside the
    Shapefile.

    Shapefiles are written in UTF-8 with a ``.cpg`` file; field names go
    through :func:`shapefile_field_names` (ASCII, ≤ 10 bytes, unique). The
    ``.qml`` gives each field its full name as alias (QGIS shows it), and a
    ``<layer>_fields.csv`` (UTF-8 with BOM, so Excel shows Cyrillic; columns
    ``shapefile_name, full_name``) maps them back for other GIS.
    """
    target = Path(path)
    drv, is_dir = _resolve_vector_target(target, driver)
    _check_layers(layers)
    layers = in_one_crs(layers, crs)
    chosen = {name: layer_style(name, gdf, styles) for name, gdf in layers.items()}
    for name, gdf in layers.items():
        if len(gdf) == 0:
            log.warning("layer %r is empty; writing it with its columns only", name)
    if drv == "GPKG":
        with safe_path(target, overwrite=overwrite) as tmp:
            for name, gdf in layers.items():
                _write_frame(_frame_for_writing(gdf), tmp, layer=name, driver="GPKG")
            write_gpkg_styles(tmp, {name: style_qml(st) for name, st in chosen.items()})
        log.info("wrote %d layer(s) to %s", len(layers), target)
        return [target]
    if is_dir:
        out_dir = target
        stems = {name: _ascii_name(name, fallback="layer") for name in layers}
    else:
        out_dir = target.parent
        if len(layers) == 1:
            stems = {name: target.stem for name in layers}
        else:
            stems = {
                name: f"{target.stem}_{_ascii_name(name, fallback='layer')}" for name in layers
            }
    if len({s.lower() for s in stems.values()}) != len(stems):
        msg = f"layer names {list(layers)} give clashing Shapefile names {list(stems.values())}; rename the layers"
        raise ParameterError(msg)
    names = [n for s in stems.values() for n in (f"{s}.shp", f"{s}_fields.csv", f"{s}.qml")]
    with safe_directory(out_dir, names, overwrite=overwrite) as staging:
        for name, gdf in layers.items():
            _write_shapefile(_frame_for_writing(gdf), staging, stems[name], chosen[name])
    log.info("wrote %d Shapefile layer(s) to %s", len(layers), out_dir)
    return [
        out_dir / f"{s}{end}" for end in (".shp", "_fields.csv", ".qml") for s in stems.values()
    ]


def _write_frame(gdf: Any, path: Path, *, layer: str, driver: str, **kwargs: Any) -> None:
    import pyogrio

    pyogrio.write_dataframe(gdf, path, layer=layer, driver=driver, **kwargs)


def _write_shapefile(gdf: Any, directory: Path, stem: str, style: LayerStyle) -> None:
    geom = gdf.geometry.name
    columns = [c for c in gdf.columns if c != geom]
    if any(not isinstance(c, str) for c in columns):
        gdf = gdf.rename(columns={c: str(c) for c in columns})
        columns = [str(c) for c in columns]
    mapping = shapefile_field_names(columns)
    if style.attribute in mapping:  # a graduated style reads the short field name
        style = dataclasses.replace(style, attribute=mapping[style.attribute])
    renamed = gdf.rename(columns=mapping)
    _write_frame(
        renamed, directory / f"{stem}.shp", layer=stem, driver="ESRI Shapefile", encoding="UTF-8"
    )
    with open(directory / f"{stem}_fields.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["shapefile_name", "full_name"])
        writer.writerows((short, full) for full, short in mapping.items())
    aliases = {short: full for full, short in mapping.items()}
    (directory / f"{stem}.qml").write_text(style_qml(style, aliases), encoding="utf-8")
