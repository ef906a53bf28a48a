"""What the ``fua`` commands share: options, ``--param`` parsing and input readers.

Group options (``-v``, ``-q``, ``--progress/--no-progress``), one-line
errors and the step bar come from :mod:`connectivity.cli.options`, so both
command lines behave alike.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from connectivity.cli.options import friendly_errors
from connectivity.errors import ParameterError

if TYPE_CHECKING:
    import geopandas as gpd

    from fua.grid import PopulationGrid

__all__ = [
    "LOGGERS",
    "choice_option",
    "count",
    "file_path_option",
    "grid_options",
    "opt_path",
    "out_dir_option",
    "param_option",
    "parse_params",
    "pop_argument",
    "read_grid",
    "read_units",
    "run_cli",
]

#: The loggers the ``fua`` command sets up (the toolkit's two packages).
LOGGERS = ("fua", "connectivity")

#: Library errors become one clear line and exit code 1 (traceback with -vv).
run_cli = friendly_errors

#: ``--out DIR`` of the commands that write a folder of outputs (``degurba``, ``demo``).
out_dir_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output FOLDER (created when the outputs are written; nothing is left in it if the run fails).",
)

#: The population raster argument ``POP`` of the FUA commands.
pop_argument = click.argument("pop", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def opt_path(name: str, help_text: str) -> Any:
    """An optional ``--name PATH`` option whose file must exist."""
    return click.option(
        name, type=click.Path(exists=True, path_type=Path), default=None, help=help_text
    )


def file_path_option(name: str, help_text: str) -> Any:
    """An optional ``--name FILE`` (checked when it is read, with a one-line error)."""
    return click.option(name, type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def choice_option(name: str, choices: Sequence[str], default: str, help_text: str) -> Any:
    """``--name`` with one of ``choices`` (``--format`` is stored as ``fmt``)."""
    decls = (name, "fmt") if name == "--format" else (name,)
    return click.option(
        *decls, type=click.Choice(list(choices)), default=default, show_default=True, help=help_text
    )


def param_option(example: str) -> Any:
    """``--param KEY=VALUE`` (repeatable): override one field of a params dataclass."""
    return click.option(
        "--param",
        "params",
        multiple=True,
        metavar="KEY=VALUE",
        help=f"Override one parameter, e.g. --param {example} (repeatable).",
    )


def grid_options(f: Any) -> Any:
    """``--land``, ``--built`` and ``--crs``: how the FUA commands read the population grid."""
    f = click.option(
        "--crs",
        "target_crs",
        default="ESRI:54009",
        show_default=True,
        help="Equal-area working CRS.",
    )(f)
    f = opt_path("--built", "Built-up raster on the population grid.")(f)
    return opt_path("--land", "Permanent-land raster on the population grid.")(f)


def count(n: int, noun: str) -> str:
    """``"1 urban centre"``, ``"3 urban centres"``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _coerce(value: str, annotation: Any) -> Any:
    text = value.strip()
    if text.lower() in ("none", "null", ""):
        return None
    hint = str(annotation)
    if "bool" in hint:
        flags = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if text.lower() not in flags:
            msg = "must be true or false"
            raise ValueError(msg)
        return flags[text.lower()]
    if "int" in hint and "float" not in hint:
        number: float = int(text)
    elif "float" in hint:
        number = float(text)
    else:
        return text
    if not (math.isfinite(number) and number >= 0):
        msg = "must be a finite number >= 0"
        raise ValueError(msg)
    return number


P = TypeVar("P")


def parse_params(pairs: tuple[str, ...], base: P) -> P:
    """Apply ``key=value`` pairs to a frozen params dataclass, with type coercion.

    Numbers must be finite and non-negative (every count, density, share,
    distance and area of the Degree of Urbanisation and FUA parameters is);
    the dataclass checks its own finer ranges.
    """
    if not pairs:
        return base
    hints = typing.get_type_hints(type(base))
    known = {f.name for f in fields(base)}  # type: ignore[arg-type]
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            msg = f"--param expects key=value, got {pair!r} (e.g. --param centre_pop_min=100000)"
            raise ParameterError(msg)
        if key not in known:
            msg = f"unknown parameter {key!r}; known: {', '.join(sorted(known))}"
            raise ParameterError(msg)
        try:
            changes[key] = _coerce(value, hints[key])
        except ValueError as exc:
            why = (
                str(exc)
                if str(exc).startswith("must")
                else f"cannot read {value!r} as {hints[key]}"
            )
            msg = f"--param {key}={value}: {why}"
            raise ParameterError(msg) from None
    return base.replace(**changes)  # type: ignore[attr-defined]


def read_grid(
    pop: Path, land: Path | None, built: Path | None, crs: str, progress: bool
) -> PopulationGrid:
    """The population grid of a FUA command (``--land``, ``--built``, ``--crs``)."""
    from fua.grid import read_population

    return read_population(pop, land=land, built=built, target_crs=crs, progress=progress)


def read_units(path: Path, id_col: str | None) -> gpd.GeoDataFrame:
    """The local units of ``--units``; ``--id-col`` is required with them."""
    from connectivity.io import read_layer

    if id_col is None:
        msg = "--units needs --id-col (the unit id column matching the flow ids)"
        raise ParameterError(msg)
    return read_layer(path, what="units")
