"""Writing outputs safely, and the JSON record of a run: the public base of both packages.

* :func:`safe_path` / :func:`safe_directory` — staged writing: write to a
  temporary file (or folder) beside the target and move it into place only
  when the write has succeeded, so a failed run leaves the old file byte for
  byte, or nothing. Both refuse to replace an existing output unless
  ``overwrite=True`` (the overwrite rule of every writer in the toolkit).
* :func:`check_writable` — fail in one line, before any work, when an output
  path cannot be created (a read-only folder, ``/proc/...``, a file in the way).
* :class:`NewOutputs` — remember which output paths a run is about to create
  and remove them again if the run fails or is interrupted, so a failed run
  leaves nothing behind (used by both command lines).
* :func:`remove_quietly` — delete temporary files, logging (not raising) when
  the file system refuses.
* :func:`write_sidecar` / :func:`read_sidecar` — a JSON record of a run:
  parameters, input and output checksums (:func:`file_sha256`), versions and
  timing.
* :func:`jsonable` — parameters, numpy values, paths, CRSs, dataclasses ... as
  strict JSON types (no NaN tokens); used for sidecars and saved networks.

:mod:`connectivity.io` re-exports these names next to its raster and vector
writers.
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
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

from connectivity.errors import InputFileError, OutputExistsError, ParameterError

__all__ = [
    "SIDECAR_SCHEMA",
    "NewOutputs",
    "check_writable",
    "file_sha256",
    "jsonable",
    "read_sidecar",
    "remove_quietly",
    "safe_directory",
    "safe_path",
    "write_sidecar",
]

log = logging.getLogger(__name__)

_OVERWRITE_FIX = "pass overwrite=True (--overwrite on the command line) or choose another path"
#: Files that belong to a Shapefile and must move (or go) with it.
_SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
#: Transient SQLite files that never belong to a finished output.
_TRANSIENT = ("-journal", "-wal", "-shm")


def _check_target(path: Path, *, overwrite: bool) -> None:
    if path.is_dir():
        msg = f"output path {path} is a directory; give a file path inside it"
        raise ParameterError(msg)
    if path.exists() and not overwrite:
        msg = f"output {path} exists already; {_OVERWRITE_FIX}"
        raise OutputExistsError(msg)


def _stale_companions(target: Path, produced: set[str]) -> list[Path]:
    """Old companion files of ``target`` that the new write did not produce.

    Overwriting ``a.shp`` must not leave the previous ``a.cpg`` or ``a.qix``
    beside the new file, nor an old ``a.tif.aux.xml`` with stale statistics.
    """
    if target.suffix.lower() == ".shp":
        names = [target.with_suffix(ext).name for ext in _SHP_SIDECARS]
    else:
        names = []
    names.append(target.name + ".aux.xml")
    return [target.parent / n for n in names if n not in produced and (target.parent / n).is_file()]


def remove_quietly(paths: Iterable[Path]) -> None:
    """Delete files or folders; a missing one is fine, any other failure is logged."""
    for p in paths:
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - depends on the file system
            log.warning("could not remove temporary file %s: %s", p, exc)


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of ``path``'s ancestors (or ``path``) that does not exist yet."""
    missing = None
    for p in (path, *path.parents):
        if p.exists():
            return missing
        missing = p
    return missing


def _make_dirs(path: Path) -> Path | None:
    """``mkdir -p path``; return the outermost folder this call created (None if none)."""
    top = _first_missing(path)
    path.mkdir(parents=True, exist_ok=True)
    return top


def _remove_empty_dirs(top: Path | None, inner: Path) -> None:
    """Remove the empty folders from ``inner`` up to ``top`` (those a failed write created)."""
    if top is None:
        return
    for p in (inner, *inner.parents):
        try:
            p.rmdir()
        except OSError:
            return
        if p == top:
            return


def check_writable(path: str | os.PathLike[str], *, folder: bool, what: str = "output") -> Path:
    """Check, before any work, that the output ``path`` can be created or replaced.

    Parameters
    ----------
    path : path-like
        The output file, or folder when ``folder`` is True. It need not exist;
        missing parent folders would be created by the writers.
    folder : bool
        ``path`` is a folder of outputs (else a file).
    what : str
        How the path is named in the message (``"--out"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ParameterError
        ``path`` is a file where a folder is wanted (or the reverse), one of
        its parents is a file, or the nearest existing folder refuses a new
        file (read-only, no permission, a pseudo file system such as /proc).

    Notes
    -----
    Writability is probed by creating and deleting a hidden temporary file in
    the nearest existing folder: permission bits alone do not tell (root
    ignores them, read-only mounts and /proc refuse anyway).
    """
    p = Path(path)
    if p.exists():
        if folder and not p.is_dir():
            msg = f"{what} {p} is a file; give a folder for the outputs"
            raise ParameterError(msg)
        if not folder and p.is_dir():
            msg = f"{what} {p} is a folder; give a file path inside it"
            raise ParameterError(msg)
    base = p if folder and p.is_dir() else p.parent
    existing = next((a for a in (base, *base.parents) if a.exists()), Path("."))
    if not existing.is_dir():
        msg = f"{what} {p} cannot be created: {existing} is a file, not a folder"
        raise ParameterError(msg)
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=existing)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        msg = (
            f"{what} {p} cannot be written: the folder {existing} does not accept new files "
            f"({reason}); choose a writable location"
        )
        raise ParameterError(msg) from None
    os.close(fd)
    remove_quietly([Path(probe)])
    return p


def _of_stem(name: str, stem: str) -> bool:
    """``<stem>``, ``<stem>.<ext>`` or ``<stem>_<more>``: a file output and its companions."""
    return name == stem or name.startswith((f"{stem}.", f"{stem}_"))


class NewOutputs:
    """The output paths a run is about to create, removed again if the run fails.

    :meth:`claim` checks an output path with :func:`check_writable` and notes
    what does not exist yet: a missing folder (with any missing parents), or
    for a file, the entries of its folder named ``<stem>.*`` or ``<stem>_*``
    (so a Shapefile's companions, ``<stem>.json`` and ``<stem>_within.csv``
    go too). :meth:`remove` deletes whatever of that the run created; call it
    when the run fails or is interrupted. Paths that existed before the run
    are never touched.

    Examples
    --------
    >>> guard = NewOutputs()                               # doctest: +SKIP
    >>> out = guard.claim("results/", folder=True)         # doctest: +SKIP
    >>> try:                                               # doctest: +SKIP
    ...     run(out)
    ... except BaseException:
    ...     guard.remove()
    ...     raise
    """

    def __init__(self) -> None:
        self._folders: list[Path] = []
        self._files: list[tuple[Path, str, set[str]]] = []

    def claim(self, path: str | os.PathLike[str], *, folder: bool, what: str = "output") -> Path:
        """Check ``path`` (:func:`check_writable`) and remember what the run will create."""
        p = check_writable(path, folder=folder, what=what)
        top = _first_missing(p if folder else p.parent)
        if top is not None:
            self._folders.append(top)
        elif not folder:
            stem = p.stem or p.name
            before = {e.name for e in p.parent.iterdir() if _of_stem(e.name, stem)}
            self._files.append((p.parent, stem, before))
        return p

    def remove(self) -> None:
        """Delete every claimed path that did not exist before the run."""
        for parent, stem, before in self._files:
            if parent.is_dir():
                new = [
                    e for e in parent.iterdir() if _of_stem(e.name, stem) and e.name not in before
                ]
                remove_quietly(new)
        remove_quietly([f for f in self._folders if f.exists()])
        if self._files or self._folders:
            log.debug("removed the outputs of a failed run")


@contextmanager
def safe_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Write to a temporary file, then move it to ``path`` on success.

    Parameters
    ----------
    path : path-like
        The final output. Its parent directory is created if missing.
    overwrite : bool, default False
        Replace an existing ``path``. Without it an existing file raises
        :class:`~connectivity.OutputExistsError` before anything is written.

    Yields
    ------
    pathlib.Path
        A hidden temporary path in the same directory with the same suffix
        (``.<stem>.<token>.tmp<suffix>``), so drivers chosen by suffix work
        and :func:`os.replace` stays on one file system (atomic on POSIX).

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    ParameterError
        ``path`` is a directory.

    Notes
    -----
    Every file the writer created next to the temporary path with the same
    prefix moves with it: a Shapefile's ``.shx``/``.dbf``/``.prj``/``.cpg``,
    a GDAL ``.aux.xml``. When overwriting, old companions of ``path`` that the
    new write did not produce (for example a stale ``.cpg``) are removed. If
    the body raises, all temporary files are deleted and an existing ``path``
    is left untouched, byte for byte, and parent folders this call created
    are removed again.
    """
    target = Path(path)
    _check_target(target, overwrite=overwrite)
    created = _make_dirs(target.parent)
    prefix = f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp"
    tmp = target.parent / (prefix + target.suffix)

    def temporaries() -> list[Path]:
        if not target.parent.is_dir():
            return []
        return [p for p in target.parent.iterdir() if p.name.startswith(prefix)]

    try:
        yield tmp
        if not tmp.exists():
            msg = f"the writer did not create {tmp.name}; nothing was written to {target}"
            raise InputFileError(msg)
        moves: list[tuple[Path, Path]] = []
        for p in temporaries():
            rest = p.name[len(prefix) :]
            if rest.endswith(_TRANSIENT):
                continue
            moves.append((p, target.parent / (target.stem + rest)))
        for _, dst in moves:
            if dst != target:
                _check_target(dst, overwrite=overwrite)
        stale = _stale_companions(target, {dst.name for _, dst in moves})
        for src, dst in moves:
            os.replace(src, dst)
        remove_quietly(stale)
    except BaseException:
        remove_quietly(temporaries())
        _remove_empty_dirs(created, target.parent)
        raise
    finally:
        remove_quietly(temporaries())


@contextmanager
def safe_directory(
    out_dir: str | os.PathLike[str],
    names: Sequence[str] = (),
    *,
    overwrite: bool = False,
) -> Iterator[Path]:
    """Stage several outputs in a hidden directory, then move them in together.

    Parameters
    ----------
    out_dir : path-like
        Directory that receives the outputs (created if missing).
    names : sequence of str
        File names the caller means to write, checked *before* anything is
        written, so a refused overwrite costs nothing.
    overwrite : bool, default False
        Replace existing files in ``out_dir``.

    Yields
    ------
    pathlib.Path
        An empty staging directory inside ``out_dir``; write the outputs into
        it under their final names (subdirectories are not supported).

    Raises
    ------
    OutputExistsError
        One of ``names`` (or another file written to the staging directory)
        exists in ``out_dir`` and ``overwrite`` is False. Nothing is moved.

    Notes
    -----
    All targets are checked before the first move, so a refusal never leaves
    a mix of old and new files. The moves themselves are individual
    :func:`os.replace` calls: a crash *during* the final moves (after every
    output was written successfully) can leave some files replaced. When the
    body fails, ``out_dir`` (and its parents) are removed again if this call
    created them: a failed run leaves no empty output folder.
    """
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        msg = f"output directory {root} is a file; give a directory path"
        raise ParameterError(msg)
    for name in names:
        _check_target(root / name, overwrite=overwrite)
    created = _make_dirs(root)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging.", suffix=".tmp", dir=root))
    except BaseException:
        _remove_empty_dirs(created, root)
        raise
    try:
        yield staging
        produced = sorted(p for p in staging.iterdir() if not p.name.endswith(_TRANSIENT))
        if any(p.is_dir() for p in produced):
            msg = "safe_directory supports files only; write files, not subdirectories"
            raise ParameterError(msg)
        for p in produced:
            _check_target(root / p.name, overwrite=overwrite)
        names_out = {p.name for p in produced}
        stale = [s for p in produced for s in _stale_companions(root / p.name, names_out)]
        for p in produced:
            os.replace(p, root / p.name)
        remove_quietly(stale)
    except BaseException:
        remove_quietly([staging])
        _remove_empty_dirs(created, root)
        raise
    finally:
        remove_quietly([staging])


# --------------------------------------------------------------------------- run sidecars

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


def jsonable(obj: Any) -> Any:
    """``obj`` as strict JSON types (no NaN/Infinity tokens).

    Non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``
    (``float()`` reads them back); numpy scalars and arrays, sets (sorted),
    paths, dates, :class:`affine.Affine`, objects with ``to_dict()``,
    dataclasses and CRSs are converted; anything else is stored as its
    string form, with a warning.
    """
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)  # "inf", "-inf", "nan"
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [jsonable(v) for v in items]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, Affine):
        return list(obj)[:6]
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "to_wkt") and hasattr(obj, "to_string"):  # a CRS
        return obj.to_string()
    log.warning("JSON: %s value stored as its string form", type(obj).__name__)
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


def _input_record(value: Any, base: Path) -> dict[str, Any]:
    """A file's record, or a ready record (a mapping with a ``sha256``) as given."""
    if isinstance(value, Mapping):
        if "sha256" not in value:
            msg = f"an input record needs a 'sha256' entry, got keys {sorted(value)}"
            raise ParameterError(msg)
        return jsonable(dict(value))
    return _file_record(Path(value), base)


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
        "scikit-learn",
        "networkx",
        "osmnx",
        "osmium",
        "pooch",
        "fua-toolkit",
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
    inputs: Mapping[str, str | os.PathLike[str] | Mapping[str, Any]]
    | Sequence[str | os.PathLike[str]] = (),
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
        is recorded without a checksum. A value may also be a ready record,
        a mapping with at least ``sha256`` (e.g. data embedded in a package:
        ``{"source": "fua/kazakhstan/data/sez.csv", "sha256": ...}``).
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
        in_records = [{"name": str(k), **_input_record(v, base)} for k, v in inputs.items()]
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
        "parameters": jsonable(dict(params)),
        "inputs": in_records,
        "outputs": out_records,
        "extra": jsonable(dict(extra or {})),
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
