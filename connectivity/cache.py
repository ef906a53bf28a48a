"""The user cache folder shared by fua and connectivity (downloads, built surfaces)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from connectivity.errors import InputFileError

__all__ = ["cache_root"]


def cache_root(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    env: Sequence[str] = ("FUA_CACHE_DIR",),
    hint: str = "pass cache_dir=... or set FUA_CACHE_DIR",
) -> Path:
    """The cache folder, created if needed.

    Order: ``cache_dir`` if given; the first set variable of ``env``;
    ``$XDG_CACHE_HOME/fua-toolkit``; on Windows ``%LOCALAPPDATA%/fua-toolkit/Cache``;
    on macOS ``~/Library/Caches/fua-toolkit``; else ``~/.cache/fua-toolkit``
    (the platformdirs conventions). ``hint`` ends the error message when the
    folder cannot be created.
    """
    named = next((os.environ[v] for v in env if os.environ.get(v)), None)
    if cache_dir is not None:
        path = Path(cache_dir)
    elif named:
        path = Path(named)
    elif os.environ.get("XDG_CACHE_HOME"):
        path = Path(os.environ["XDG_CACHE_HOME"]) / "fua-toolkit"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        path = Path(os.environ["LOCALAPPDATA"]) / "fua-toolkit" / "Cache"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Caches" / "fua-toolkit"
    else:
        path = Path.home() / ".cache" / "fua-toolkit"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the cache directory {path}: {exc}; {hint}"
        raise InputFileError(msg) from exc
    return path
