"""Validation scripts on real data (``../shared/data``, or ``$FUA_SHARED_DATA``)."""

from __future__ import annotations

import os
from pathlib import Path


def default_data() -> Path:
    """``$FUA_SHARED_DATA`` when set, else ``../shared/data`` beside the project."""
    env = os.environ.get("FUA_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
