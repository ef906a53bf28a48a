"""Input checks run once at the public entry points of :mod:`fua`.

Each check gathers every problem it finds and raises a single error from
:mod:`connectivity.errors` whose message lists them all and says how to fix them.
The checks return the (possibly normalised) input, so a caller can write
``crs = check_projected_equal_area(crs, "target_crs")``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from pyproj import CRS as ProjCRS

from connectivity.crs import check_metric_crs
from connectivity.crs import projected_core as _projected_core
from connectivity.errors import CRSError, DataError, ParameterError

__all__ = [
    "EQUAL_AREA_METHODS",
    "check_choice",
    "check_columns",
    "check_geodataframe",
    "check_positive",
    "check_projected_equal_area",
    "check_projected_metric",
    "is_equal_area",
    "to_pyproj",
]

#: Projection method names (as PROJ reports them, lower case) that preserve area.
EQUAL_AREA_METHODS = frozenset(
    {
        "mollweide",
        "lambert azimuthal equal area",
        "lambert azimuthal equal area (spherical)",
        "albers equal area",
        "lambert cylindrical equal area",
        "lambert cylindrical equal area (spherical)",
        "equal earth",
        "sinusoidal",
        "goode homolosine",
        "interrupted goode homolosine",
        "eckert iv",
        "eckert vi",
        "behrmann",
        "quartic authalic",
        "hammer-aitoff",
        "bonne",
        "wagner iv",
        "wagner vii",
    }
)
#: The same projections by their PROJ ``+proj=`` short names.
_EQUAL_AREA_PROJ = frozenset(
    {"moll", "laea", "aea", "cea", "eqearth", "sinu", "goode", "igh", "eck4", "eck6"}
    | {"hammer", "bonne", "wag4", "wag7", "qua_aut", "igh_o"}
)

_SUGGEST_CRS = (
    "use an equal-area projected CRS in metres: World Mollweide 'ESRI:54009' "
    "(the GHSL grid, fua.DEFAULT_CRS), 'EPSG:6933' (cylindrical equal area), "
    "or a regional Lambert azimuthal / Albers equal-area CRS such as 'EPSG:3035' for Europe"
)


def to_pyproj(crs: Any, what: str = "crs") -> ProjCRS:
    """Any CRS description (rasterio CRS, pyproj CRS, EPSG code, WKT, PROJ string) as pyproj."""
    if crs is None:
        msg = f"{what} is missing: give a CRS such as 'ESRI:54009' or 'EPSG:3035'"
        raise CRSError(msg)
    if isinstance(crs, ProjCRS):
        return crs
    try:
        return ProjCRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    except Exception as exc:  # pyproj raises CRSError, a ValueError, or TypeError
        msg = f"{what}={crs!r} is not a CRS that PROJ understands ({exc}); {_SUGGEST_CRS}"
        raise CRSError(msg) from exc


def _in_metres(crs: ProjCRS) -> bool:
    units = {ax.unit_name.lower() for ax in crs.axis_info[:2]}
    return bool(units) and units <= {"metre", "meter", "m"}


def is_equal_area(crs: Any) -> bool:
    """True when ``crs`` is a projected CRS whose projection preserves area.

    Notes
    -----
    The projection method that PROJ reports for the CRS (its
    ``coordinate_operation.method_name``) is compared with a list of
    equal-area projections (Mollweide, Lambert azimuthal and cylindrical
    equal area, Albers, Equal Earth, sinusoidal, Goode, Eckert IV/VI, ...);
    a CRS defined by a bare PROJ string is recognised by its ``+proj=`` name.
    Conformal projections (UTM, Lambert conformal conic, Web Mercator) are
    not equal area: their cell areas vary by up to several percent across a
    country, which biases densities.
    """
    core = _projected_core(to_pyproj(crs))
    if not core.is_projected:
        return False
    op = core.coordinate_operation
    method = (op.method_name if op is not None else "").lower()
    if method in EQUAL_AREA_METHODS:
        return True
    with warnings.catch_warnings():  # "you will likely lose information": we only need +proj
        warnings.simplefilter("ignore", UserWarning)
        proj4 = core.to_proj4() or ""
    names = [item[len("+proj=") :] for item in proj4.split() if item.startswith("+proj=")]
    return bool(names) and names[0] in _EQUAL_AREA_PROJ


def check_projected_equal_area(crs: Any, what: str = "crs") -> ProjCRS:
    """Raise :class:`~fua.CRSError` unless ``crs`` is projected, in metres and equal area.

    Returns the CRS as a :class:`pyproj.CRS`.
    """
    pcrs = to_pyproj(crs, what)
    core = _projected_core(pcrs)
    name = f"{pcrs.name!r} ({pcrs.to_string()})"
    problems = []
    if not core.is_projected:
        problems.append(f"{what} {name} is not projected (its units are degrees)")
    else:
        if not _in_metres(core):
            problems.append(f"{what} {name} is not in metres")
        if not is_equal_area(core):
            method = core.coordinate_operation.method_name if core.coordinate_operation else "?"
            problems.append(f"{what} {name} uses the {method} projection, which is not equal area")
    if problems:
        msg = "; ".join(problems) + f": areas and densities need an equal-area grid; {_SUGGEST_CRS}"
        raise CRSError(msg)
    return pcrs


def check_projected_metric(crs: Any, what: str = "crs") -> ProjCRS:
    """Raise :class:`~fua.CRSError` unless ``crs`` is projected in metres and not Web Mercator.

    For distances; areas need :func:`check_projected_equal_area`. The check is
    :func:`connectivity.crs.check_metric_crs`, the one metric-CRS rule of the toolkit.
    """
    return check_metric_crs(to_pyproj(crs, what), what)


def check_columns(df: Any, cols: Iterable[str], what: str = "table") -> None:
    """Raise :class:`~fua.DataError` naming every column of ``cols`` that ``df`` lacks."""
    have = list(getattr(df, "columns", []))
    missing = [c for c in cols if c not in have]
    if missing:
        msg = (
            f"{what} lacks column(s) {missing}; it has {have}: rename the columns "
            "(df.rename(columns={...})) or pass the right column names"
        )
        raise DataError(msg)


def check_geodataframe(
    gdf: Any,
    what: str = "layer",
    *,
    id_col: str | None = None,
    geom_types: Sequence[str] | None = None,
) -> Any:
    """Raise unless ``gdf`` is a non-empty GeoDataFrame in a projected CRS with clean geometry.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer to check.
    what : str
        Its name in messages (the parameter name).
    id_col : str, optional
        A column that must exist, with no missing and no duplicate values.
    geom_types : sequence of str, optional
        Allowed geometry types, e.g. ``("Polygon", "MultiPolygon")``.

    Returns the GeoDataFrame unchanged. A missing or geographic CRS alone
    raises :class:`~fua.CRSError`; any other problem :class:`~fua.DataError`
    (listing all of them).
    """
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{what} must be a geopandas.GeoDataFrame, got {type(gdf).__name__}: read it with geopandas.read_file(path)"
        raise DataError(msg)
    data_problems: list[str] = []
    crs_problems: list[str] = []
    if len(gdf) == 0:
        data_problems.append("it has no rows")
    if gdf.crs is None:
        crs_problems.append("it has no CRS: set it with gdf.set_crs('EPSG:...')")
    elif not gdf.crs.is_projected:
        crs_problems.append(
            f"its CRS {gdf.crs.to_string()} is geographic: reproject with gdf.to_crs('ESRI:54009')"
        )
    geom = gdf.geometry
    null = geom.isna() | geom.is_empty
    if null.any():
        data_problems.append(
            f"{int(null.sum())} rows have no geometry (first index {null[null].index[0]!r}): "
            "drop them with gdf[~gdf.geometry.isna() & ~gdf.geometry.is_empty]"
        )
    if geom_types is not None:
        wrong = ~null & ~geom.geom_type.isin(list(geom_types))
        if wrong.any():
            found = sorted(set(geom[wrong].geom_type))
            data_problems.append(
                f"{int(wrong.sum())} geometries are {found}, expected {list(geom_types)}"
            )
    if id_col is not None:
        if id_col not in gdf.columns:
            data_problems.append(f"it has no id column {id_col!r} (columns: {list(gdf.columns)})")
        else:
            ids = gdf[id_col]
            if ids.isna().any():
                data_problems.append(f"{int(ids.isna().sum())} rows have no {id_col!r}")
            dup = ids[ids.duplicated()]
            if len(dup):
                data_problems.append(f"{id_col!r} has duplicates, e.g. {dup.iloc[0]!r}")
    problems = crs_problems + data_problems
    if problems:
        msg = f"{what}: " + "; ".join(problems)
        raise (DataError if data_problems else CRSError)(msg)
    return gdf


def check_choice(value: Any, choices: Iterable[Any], name: str) -> Any:
    """Raise :class:`~fua.ParameterError` unless ``value`` is one of ``choices``."""
    options = list(choices)
    if value not in options:
        msg = f"{name}={value!r} is not allowed; choose one of {options}"
        raise ParameterError(msg)
    return value


def check_positive(value: Any, name: str) -> float:
    """Raise :class:`~fua.ParameterError` unless ``value`` is a finite number > 0."""
    try:
        num = float(value)
    except (TypeError, ValueError):
        num = float("nan")
    if not np.isfinite(num) or num <= 0:
        msg = f"{name}={value!r} must be a finite number greater than 0"
        raise ParameterError(msg)
    return num
