"""The user cache folder shared by fua and connectivity (downloads, built surfaces)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from connectivity.errors import InputFileError

__all__ = ["APP_NAME", "cache_root"]

#: The name of the toolkit's folders (platformdirs ``appname``).
APP_NAME = "fua-toolkit"


def cache_root(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    env: Sequence[str] = ("FUA_CACHE_DIR",),
    hint: str = "pass cache_dir=... or set FUA_CACHE_DIR",
) -> Path:
    """The cache folder, created if needed.

    Order: ``cache_dir`` if given; the first set variable of ``env``; else the
    platform's user cache folder from ``platformdirs.user_cache_dir("fua-toolkit")``
    (``$XDG_CACHE_HOME/fua-toolkit`` or ``~/.cache/fua-toolkit`` on Linux,
    ``~/Library/Caches/fua-toolkit`` on macOS,
    ``%LOCALAPPDATA%\\fua-toolkit\\Cache`` on Windows). ``hint`` ends the
    error message when the folder cannot be created.
    """
    named = next((os.environ[v] for v in env if os.environ.get(v)), None)
    if cache_dir is not None:
        path = Path(cache_dir)
    elif named:
        path = Path(named)
    else:
        path = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the cache directory {path}: {exc}; {hint}"
        raise InputFileError(msg) from exc
    return path
