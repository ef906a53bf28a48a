"""Behaviour shared by the frozen parameter dataclasses (DegurbaParams, FuaParams).

Parameters are plain frozen dataclasses; this mixin gives them a validated
``replace``, a dict/JSON round trip, and reading back from a run's sidecar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from connectivity.errors import ParameterError

__all__ = ["ParamsMixin"]

P = TypeVar("P", bound="ParamsMixin")


class ParamsMixin:
    """Mixin for frozen dataclasses of parameters."""

    @classmethod
    def _field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def _check_keys(cls, keys: Any) -> None:
        unknown = set(keys) - set(cls._field_names())
        if unknown:
            msg = f"unknown {cls.__name__} field(s) {sorted(unknown)}; known: {cls._field_names()}"
            raise ParameterError(msg)

    def replace(self: P, **changes: Any) -> P:
        """A copy with some fields changed (validated again)."""
        self._check_keys(changes)
        return replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable)."""
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[P], data: Mapping[str, Any]) -> P:
        """Inverse of :meth:`to_dict`; unknown keys raise."""
        cls._check_keys(data)
        return cls(**dict(data))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls: type[P], text_or_path: str | Path) -> P:
        """From a JSON string, a JSON file, or a run sidecar (its ``parameters``)."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{") and Path(text).exists():
            text = Path(text).read_text(encoding="utf-8")
        data = json.loads(text)
        for key in ("parameters", "params"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
        return cls.from_dict(data)
