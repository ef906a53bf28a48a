"""Scenario files: a GeoPackage layer or a small YAML/JSON file, one change per feature/entry.

Fields (columns of the layer, keys of an entry):

``change`` (required)
    ``add_link``, ``upgrade``, ``close``, ``border_crossing`` or
    ``offroad_speed`` (also the class names, ``AddLink`` ...).
``geometry``
    The link line (``add_link``), the selection polygon (``upgrade``,
    ``close``), the crossing point (``border_crossing``), the area
    (``offroad_speed``). In YAML/JSON: WKT text or a GeoJSON geometry.
``speed_kmh``
    km/h, ``0 < speed_kmh <= 150`` (``add_link``, ``offroad_speed``;
    optional for ``upgrade``).
``road_class``
    Class of a new link or of upgraded edges.
``ref``, ``ids``, ``bbox``
    Edge selection of ``upgrade``/``close`` instead of a polygon: a road ref
    (e.g. ``KAZ06``), source ids (a list, or text ``"12;15;20"``), a box
    ``xmin,ymin,xmax,ymax`` (in the file's CRS).
``oneway``, ``join``, ``max_join_m``
    Of ``add_link`` (``join`` is ``nodes`` or ``snap``).
``open``, ``name``, ``match_m``
    Of ``border_crossing`` (a crossing named without a point: ``name``).

The CRS is the layer's (GeoPackage) or the top-level ``crs`` key (YAML/JSON:
``{"name": ..., "crs": "EPSG:4326", "changes": [...]}``, or a bare list of
changes). Geometries are reprojected to the network's CRS when the scenario
is applied; a file without a CRS is taken to be in the network's CRS. Empty
fields (NULL, NaN, "") are left out.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import shapely
import yaml
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from connectivity.errors import DataError, InputFileError
from connectivity.io import read_layer
from connectivity.scenarios.changes import (
    AddLink,
    BorderCrossing,
    Change,
    Close,
    OffroadSpeed,
    Upgrade,
)

__all__ = ["CHANGE_NAMES", "change_from_record", "read_changes"]

#: File name of each change type.
CHANGE_NAMES: dict[str, type] = {
    "add_link": AddLink,
    "upgrade": Upgrade,
    "close": Close,
    "border_crossing": BorderCrossing,
    "offroad_speed": OffroadSpeed,
}
_ALIASES = {cls.__name__.lower(): key for key, cls in CHANGE_NAMES.items()}
_FIELDS = {
    "add_link": ("speed_kmh", "road_class", "oneway", "join", "max_join_m"),
    "upgrade": ("speed_kmh", "road_class", "ref", "ids", "bbox"),
    "close": ("ref", "ids", "bbox"),
    "border_crossing": ("open", "name", "match_m"),
    "offroad_speed": ("speed_kmh",),
}
_GEOMETRY_FIELD = {
    "add_link": "geometry",
    "upgrade": "polygon",
    "close": "polygon",
    "border_crossing": "name_or_point",
    "offroad_speed": "polygon",
}


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_bool(value: Any, key: str, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f"):
        return False
    msg = f"{where}: {key}={value!r} is not true/false"
    raise DataError(msg)


def _as_ids(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        return tuple(int(float(v)) for v in value.replace(",", ";").split(";") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),)


def _as_bbox(value: Any) -> tuple[float, ...]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    return tuple(float(v) for v in parts)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "speed_kmh": float,
    "max_join_m": float,
    "match_m": float,
    "ids": _as_ids,
    "bbox": _as_bbox,
    "road_class": str,
    "ref": str,
    "join": str,
    "name": str,
}


def _geometry(value: Any, where: str) -> BaseGeometry | None:
    if _empty(value):
        return None
    if isinstance(value, BaseGeometry):
        return None if value.is_empty else value
    try:
        if isinstance(value, Mapping):
            return shapely.from_geojson(json.dumps(value))
        return shapely.from_wkt(str(value))
    except shapely.errors.GEOSException as exc:
        msg = f"{where}: the geometry is neither WKT nor GeoJSON ({exc})"
        raise DataError(msg) from exc


def change_from_record(record: Mapping[str, Any], where: str) -> Change:
    """One change from a record of the documented fields (``where`` names it in errors)."""
    kind_raw = record.get("change")
    if _empty(kind_raw):
        msg = f"{where}: no 'change' field; use one of {', '.join(CHANGE_NAMES)}"
        raise DataError(msg)
    text = str(kind_raw).strip().lower()
    kind = _ALIASES.get(text.replace("_", ""), text)
    if kind not in CHANGE_NAMES:
        msg = f"{where}: unknown change type {kind_raw!r}; use one of {', '.join(CHANGE_NAMES)}"
        raise DataError(msg)
    kw: dict[str, Any] = {}
    for key in _FIELDS[kind]:
        value = record.get(key)
        if _empty(value):
            continue
        try:
            kw[key] = (
                _as_bool(value, key, where) if key in ("open", "oneway") else _CONVERT[key](value)
            )
        except (TypeError, ValueError) as exc:
            msg = f"{where}: {key}={value!r} is not valid ({exc})"
            raise DataError(msg) from exc
    unknown = sorted(
        k for k, v in record.items()
        if k not in (*_FIELDS[kind], "change", "geometry") and not _empty(v)
    )  # fmt: skip
    if unknown:
        msg = f"{where}: field(s) {unknown} do not apply to {kind}; its fields are {_FIELDS[kind]}"
        raise DataError(msg)
    geom = _geometry(record.get("geometry"), where)
    if kind == "border_crossing":
        geom = geom if geom is not None else kw.pop("name", None)
    if geom is not None:
        kw[_GEOMETRY_FIELD[kind]] = geom
    try:
        return CHANGE_NAMES[kind](**kw)
    except TypeError as exc:
        msg = f"{where}: {kind} is missing a field ({exc}); see connectivity.scenarios.files"
        raise DataError(msg) from exc
    except (DataError, ValueError) as exc:
        msg = f"{where}: {exc}"
        raise type(exc)(msg) from exc


def _read_text(path: Path) -> tuple[list[Mapping[str, Any]], CRS | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        msg = f"cannot read the scenario file {str(path)!r}: {' '.join(str(exc).split())}"
        raise InputFileError(msg) from exc
    if isinstance(doc, list):
        doc = {"changes": doc}
    if not isinstance(doc, Mapping) or not isinstance(doc.get("changes"), list):
        msg = f"the scenario file {str(path)!r} needs a list 'changes' (or is a list of changes)"
        raise DataError(msg)
    crs = None if _empty(doc.get("crs")) else CRS.from_user_input(doc["crs"])
    return list(doc["changes"]), crs, doc.get("name")


def read_changes(
    path: str | os.PathLike[str], *, layer: str | None = None
) -> tuple[list[Change], CRS | None, str]:
    """The changes, their CRS (None: the network's) and a name, read from ``path``.

    A ``.yaml``/``.yml``/``.json`` file is read as text; anything else as a
    vector layer (GeoPackage, GeoJSON, Shapefile) through
    :func:`connectivity.io.read_layer`.
    """
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml", ".json"):
        if not p.exists():
            msg = f"scenario file {str(p)!r} does not exist"
            raise InputFileError(msg)
        records, crs, name = _read_text(p)
    else:
        gdf = read_layer(p, layer, what="scenario")
        crs = None if gdf.crs is None else CRS.from_user_input(gdf.crs)
        geom_name = gdf.geometry.name
        records = [
            {**{k: v for k, v in row.items() if k != geom_name}, "geometry": row[geom_name]}
            for row in gdf.to_dict("records")
        ]
        name = None
    if not records:
        msg = f"the scenario file {str(p)!r} has no changes"
        raise DataError(msg)
    changes = [
        change_from_record(r if isinstance(r, Mapping) else {}, f"{p.name}: change {i}")
        for i, r in enumerate(records)
    ]
    return changes, crs, str(name or p.stem)
