"""Output-path checks shared by the writers of :mod:`fua.outputs` (private)."""

from __future__ import annotations

import os
from pathlib import Path

from connectivity.errors import ParameterError

__all__: list[str] = []


def with_suffix(path: str | os.PathLike[str], what: str, *suffixes: str) -> Path:
    """``path`` as a Path, if it ends in one of ``suffixes`` (any case); else ParameterError."""
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        msg = f"{what} {p} must end in {suffixes[0]}"
        raise ParameterError(msg)
    return p
