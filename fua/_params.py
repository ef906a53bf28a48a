"""Behaviour shared by the frozen parameter dataclasses (DegurbaParams, FuaParams).

Parameters are plain frozen dataclasses; this mixin gives them a validated
``replace``, a dict/JSON round trip, reading back from a run's sidecar, and
:meth:`ParamsMixin.coerce`, which lets a function take a params object or a
plain dict of its fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from connectivity.errors import InputFileError, ParameterError

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
    def coerce(cls: type[P], value: Any, what: str = "params") -> P:
        """``value`` as parameters: itself, the defaults for None, or a dict of fields changed.

        A dict changes the default values (``DegurbaParams().replace(**d)``);
        unknown keys raise :class:`~fua.ParameterError` naming them.
        """
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            return cls().replace(**dict(value))
        msg = (
            f"{what} must be a {cls.__name__} or a dict of its fields, got {type(value).__name__}: "
            f"e.g. {cls.__name__}(...) or {{'field': value}}"
        )
        raise ParameterError(msg)

    @classmethod
    def from_json(cls: type[P], text_or_path: str | Path) -> P:
        """From a JSON string, a JSON file, or a run sidecar (its ``parameters``).

        Text starting with ``{`` is read as JSON; anything else is a path,
        and a path that does not exist raises :class:`~fua.InputFileError`.
        """
        text = str(text_or_path)
        path = None if text.lstrip().startswith("{") else Path(text)
        if path is not None:
            try:
                found = path.is_file()
            except OSError:  # e.g. a name too long to be a path
                found = False
            if not found:
                msg = f"no such file: {path} ({cls.__name__}.from_json takes a JSON file or JSON text)"
                raise InputFileError(msg)
            text = path.read_text(encoding="utf-8")
        where = "the JSON text" if path is None else str(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            raise (ParameterError(msg) if path is None else InputFileError(msg)) from None
        if not isinstance(data, dict):
            msg = f"{where} holds a JSON {type(data).__name__}, not an object of {cls.__name__} fields"
            raise ParameterError(msg)
        for key in ("parameters", "params"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
        return cls.from_dict(data)
