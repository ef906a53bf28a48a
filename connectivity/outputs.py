"""Temporary-file-then-rename machinery behind :mod:`connectivity.io`.

Public names are re-exported by :mod:`connectivity.io`; import them from there.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from connectivity.errors import InputFileError, OutputExistsError, ParameterError

__all__ = ["safe_directory", "safe_path"]

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


def _remove_quietly(paths: Iterable[Path]) -> None:
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
    is left untouched, byte for byte.
    """
    target = Path(path)
    _check_target(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp"
    tmp = target.parent / (prefix + target.suffix)

    def temporaries() -> list[Path]:
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
        _remove_quietly(stale)
    finally:
        _remove_quietly(temporaries())


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
    output was written successfully) can leave some files replaced.
    """
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        msg = f"output directory {root} is a file; give a directory path"
        raise ParameterError(msg)
    for name in names:
        _check_target(root / name, overwrite=overwrite)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging.", suffix=".tmp", dir=root))
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
        _remove_quietly(stale)
    finally:
        _remove_quietly([staging])
