"""JSON run sidecars and file checksums behind :mod:`connectivity.io`.

Public names are re-exported by :mod:`connectivity.io`; import them from there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
import os
import platform
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

from connectivity.errors import InputFileError, ParameterError
from connectivity.outputs import safe_path

__all__ = ["SIDECAR_SCHEMA", "file_sha256", "read_sidecar", "write_sidecar"]

log = logging.getLogger(__name__)

#: Identifier of the sidecar layout written by :func:`write_sidecar`.
SIDECAR_SCHEMA = "fua-toolkit-sidecar/1"

_SHA_CACHE: dict[tuple[str, int, int], str] = {}
_SHA_CACHE_MAX = 256


def file_sha256(path: str | os.PathLike[str], *, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks (constant memory).

    Parameters
    ----------
    path : path-like
        A regular file.
    chunk_size : int, default 1 MiB
        Bytes read at a time.

    Returns
    -------
    str
        64 lowercase hex characters.

    Notes
    -----
    Digests are cached per process on (resolved path, size, mtime in ns), so
    hashing the same multi-gigabyte input for several sidecars costs one read.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"cannot checksum {p}: it is not a file; check the path"
        raise InputFileError(msg)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key in _SHA_CACHE:
        return _SHA_CACHE[key]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        while block := fh.read(chunk_size):
            h.update(block)
    digest = h.hexdigest()
    if len(_SHA_CACHE) >= _SHA_CACHE_MAX:
        _SHA_CACHE.pop(next(iter(_SHA_CACHE)))
    _SHA_CACHE[key] = digest
    return digest


def _jsonable(obj: Any) -> Any:
    """Convert parameters to strict JSON types (no NaN/Infinity tokens)."""
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)  # "inf", "-inf", "nan"
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [_jsonable(v) for v in items]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, Affine):
        return list(obj)[:6]
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return _jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "to_wkt") and hasattr(obj, "to_string"):  # a CRS
        return obj.to_string()
    log.warning("sidecar: %s value stored as its string form", type(obj).__name__)
    return str(obj)


def _utc(value: dt.datetime | float | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc)  # a naive time is taken as local time
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
    msg = f"started_at must be a datetime or a time.time() float, got {type(value).__name__}"
    raise ParameterError(msg)


def _file_record(path: Path, base: Path) -> dict[str, Any]:
    shown = path.resolve()
    try:
        shown = shown.relative_to(base.resolve())
    except ValueError:
        pass
    if path.is_dir():
        return {"path": str(shown), "kind": "directory", "sha256": None}
    if not path.is_file():
        msg = f"sidecar input/output {path} does not exist; check the path"
        raise InputFileError(msg)
    return {"path": str(shown), "size_bytes": path.stat().st_size, "sha256": file_sha256(path)}


def _library_versions() -> dict[str, str]:
    out = {}
    for dist in (
        "numpy",
        "scipy",
        "pandas",
        "shapely",
        "pyproj",
        "geopandas",
        "pyogrio",
        "rasterio",
    ):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            continue
    try:
        import rasterio

        out["gdal"] = rasterio.__gdal_version__
    except ImportError:  # pragma: no cover
        pass
    return out


def write_sidecar(
    path: str | os.PathLike[str],
    *,
    params: Mapping[str, Any],
    inputs: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] = (),
    outputs: Sequence[str | os.PathLike[str]] = (),
    started_at: dt.datetime | float | None = None,
    extra: Mapping[str, Any] | None = None,
    tool: str = "fua-toolkit",
    overwrite: bool = False,
) -> Path:
    """Write a JSON record of a run so its outputs can be reproduced.

    Parameters
    ----------
    path : path-like
        Output ``.json`` file.
    params : mapping
        The run's parameters (e.g. ``DegurbaParams(...).to_dict()``).
    inputs : mapping of name to path, or sequence of paths
        Input files; each is recorded with its size and SHA-256. A directory
        is recorded without a checksum.
    outputs : sequence of paths
        Output files written by the run (checksummed likewise). Paths inside
        the sidecar's directory are stored relative to it.
    started_at : datetime or float, optional
        When the run started (aware datetime, naive = local time, or a
        ``time.time()`` value); defaults to now (elapsed 0).
    extra : mapping, optional
        Anything else worth keeping (grid shape, counts, notes).
    tool : str, default "fua-toolkit"
        Name recorded as the producer.
    overwrite : bool, default False
        Replace an existing sidecar.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Layout (``schema`` = :data:`SIDECAR_SCHEMA`): ``tool``, ``version``
    (installed ``fua-toolkit`` distribution, else ``"0+unknown"``),
    ``python``, ``platform``, ``libraries``, ``started_at``/``finished_at``
    (ISO 8601, UTC), ``elapsed_s``, ``parameters``, ``inputs``, ``outputs``,
    ``extra``. The file is strict JSON: non-finite floats become the strings
    ``"inf"``, ``"-inf"``, ``"nan"`` (``float()`` reads them back).
    """
    target = Path(path)
    finished = dt.datetime.now(dt.timezone.utc)
    started = _utc(started_at, finished)
    base = target.parent
    if isinstance(inputs, Mapping):
        in_records = [{"name": str(k), **_file_record(Path(v), base)} for k, v in inputs.items()]
    else:
        in_records = [_file_record(Path(v), base) for v in inputs]
    out_records = [_file_record(Path(v), base) for v in outputs]
    try:
        pkg_version = version("fua-toolkit")
    except PackageNotFoundError:
        pkg_version = "0+unknown"
    doc = {
        "schema": SIDECAR_SCHEMA,
        "tool": tool,
        "version": pkg_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": _library_versions(),
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "elapsed_s": round(max((finished - started).total_seconds(), 0.0), 3),
        "parameters": _jsonable(dict(params)),
        "inputs": in_records,
        "outputs": out_records,
        "extra": _jsonable(dict(extra or {})),
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    with safe_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return target


def read_sidecar(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a sidecar written by :func:`write_sidecar`.

    Raises
    ------
    InputFileError
        The file is missing or is not a JSON object.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"sidecar {p} does not exist; check the path"
        raise InputFileError(msg) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"sidecar {p} is not valid JSON ({exc}); it may be truncated or not a sidecar"
        raise InputFileError(msg) from exc
    if not isinstance(doc, dict):
        msg = f"sidecar {p} holds a JSON {type(doc).__name__}, not an object"
        raise InputFileError(msg)
    return doc
