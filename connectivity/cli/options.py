"""What the ``connectivity`` and ``fua`` commands share: group options, errors, inputs, outputs.

* :func:`verbosity_options` and :func:`start_cli` — ``-v``/``-q`` and
  ``--progress/--no-progress`` on a command group, and the logging set-up
  they drive (one rule for both tools: ``-vv`` shows tracebacks).
* :func:`friendly_errors` — library errors as one line and exit code 1.
* :func:`run_steps` — the progress bar over the named steps of a command.
* Options and parsers of the ``connectivity`` commands: :func:`network_options`,
  :func:`snap_options`, :func:`parse_thresholds`, :func:`check_out`, and
  :func:`write_run_sidecar` for the JSON record beside every output.

This module is public so that :mod:`fua.cli` can build on it (fua may use
connectivity, never the reverse); it never imports the command groups.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connectivity.errors import OutputExistsError, ParameterError, ToolkitError
from connectivity.progress import Steps, setup_logging

if TYPE_CHECKING:
    from connectivity.network import RoadNetwork

__all__ = [
    "CLI_ERRORS",
    "CONTEXT_SETTINGS",
    "RASTER_OUT",
    "TRACEBACK_VERBOSITY",
    "VECTOR_OUT",
    "check_out",
    "file_option",
    "friendly_errors",
    "is_raster_path",
    "layer_input",
    "network_options",
    "network_steps",
    "output_options",
    "overwrite_option",
    "parse_thresholds",
    "progress_enabled",
    "read_cli_network",
    "run_steps",
    "snap_options",
    "snap_params",
    "start_cli",
    "thresholds_option",
    "tool_group",
    "verbosity_options",
    "write_run_sidecar",
]

log = logging.getLogger("connectivity.cli")

#: click settings of both command groups.
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: ``-v`` given this many times shows the traceback of an error (both tools).
TRACEBACK_VERBOSITY = 2
#: Suffixes of vector and raster outputs.
VECTOR_OUT = (".gpkg", ".shp")
RASTER_OUT = (".tif", ".tiff")
_RASTER_IN = (".tif", ".tiff", ".vrt", ".img")

#: Errors shown as one line: the toolkit's own, and the standard ones they derive from.
CLI_ERRORS: tuple[type[BaseException], ...] = (ToolkitError, OSError, ValueError)


# --------------------------------------------------------------------------- groups
def verbosity_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``-v/--verbose``, ``-q/--quiet`` and ``--progress/--no-progress`` for a command group."""
    f = click.option(
        "--progress/--no-progress",
        default=True,
        show_default=True,
        help="Progress bars on stderr (drawn only when stderr is a terminal; -q hides them).",
    )(f)
    f = click.option(
        "-q", "--quiet", count=True, help="Less log output (errors only) and no progress bars."
    )(f)
    return click.option(
        "-v",
        "--verbose",
        count=True,
        help="More log output: -v INFO, -vv DEBUG and the traceback of an error.",
    )(f)


def start_cli(
    ctx: click.Context, *, verbose: int, quiet: int, progress: bool, loggers: Sequence[str]
) -> None:
    """Set up logging for ``loggers`` and keep the group options in ``ctx.obj``."""
    setup_logging(verbose, quiet, loggers)
    ctx.ensure_object(dict)
    ctx.obj.update(
        verbose=verbose, quiet=quiet, progress=progress and quiet == 0, loggers=tuple(loggers)
    )


def tool_group(
    prog_name: str, loggers: Sequence[str]
) -> Callable[[Callable[[], None]], click.Group]:
    """Make a function (its docstring is the help) the command group of a tool.

    The group gets ``--version``, :func:`verbosity_options` and runs
    :func:`start_cli` for ``loggers``; commands are added with ``add_command``.
    """

    def decorate(f: Callable[[], None]) -> click.Group:
        @click.group(name=prog_name, help=f.__doc__, context_settings=CONTEXT_SETTINGS)
        @click.version_option(package_name="fua-toolkit", prog_name=prog_name)
        @verbosity_options
        @click.pass_context
        def group(ctx: click.Context, verbose: int, quiet: int, progress: bool) -> None:
            start_cli(ctx, verbose=verbose, quiet=quiet, progress=progress, loggers=loggers)

        return group

    return decorate


def progress_enabled(ctx: click.Context) -> bool:
    """Whether the group asked for progress bars (``--no-progress`` and ``-q`` say no)."""
    return bool((ctx.obj or {}).get("progress", True))


def run_steps(ctx: click.Context, total: int) -> Steps:
    """A progress bar over the ``total`` named steps of a command (use it in ``with``)."""
    loggers = (ctx.obj or {}).get("loggers", ("connectivity",))
    return Steps(total, enabled=progress_enabled(ctx), loggers=loggers)


@contextmanager
def network_steps(
    ctx: click.Context, kw: dict[str, Any], total: int
) -> Iterator[tuple[Steps, RoadNetwork]]:
    """:func:`run_steps` whose first step reads the road network of :func:`network_options`."""
    with run_steps(ctx, total) as steps:
        with steps.step("reading the road network"):
            net = read_cli_network(ctx, kw)
        yield steps, net


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Show :data:`CLI_ERRORS` as one line with exit code 1; ``-vv`` re-raises (traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except CLI_ERRORS as exc:
            if ctx.obj and ctx.obj.get("verbose", 0) >= TRACEBACK_VERBOSITY:
                raise
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc

    return wrapper


# --------------------------------------------------------------------------- inputs
def file_option(name: str, help_text: str) -> Any:
    """A required file option (``--origins``, ``--out`` ...)."""
    return click.option(
        name, required=True, type=click.Path(dir_okay=False, path_type=Path), help=help_text
    )


def layer_input(name: str, help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A required vector input ``--<name>`` and its ``--<name>-layer`` (read with ``read_layer``)."""
    layer = click.option(
        f"{name}-layer", default=None, help="Layer name in a multi-layer GeoPackage."
    )
    return lambda f: file_option(name, help_text)(layer(f))


def overwrite_option(help_text: str = "Replace existing outputs.") -> Any:
    """``--overwrite``: replace existing outputs (refused without it)."""
    return click.option("--overwrite", is_flag=True, help=help_text)


def _add_options(f: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        f = option(f)
    return f


def network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--network`` and the options of :func:`connectivity.io.read_network`."""
    return _add_options(
        f,
        [
            file_option(
                "--network",
                "Roads: an OSM file (.osm.pbf, .osm, .osm.bz2), a line layer (.gpkg, .shp, "
                ".geojson) or a network saved as .npz.",
            ),
            click.option(
                "--network-crs",
                default=None,
                help="Projected CRS for an OSM network, e.g. EPSG:32643 (default: the "
                "UTM zone of the data, or an equidistant CRS for a country).",
            ),
            click.option(
                "--class-col",
                default=None,
                help="Line layer: column of road classes (OSM highway values).",
            ),
            click.option("--speed-col", default=None, help="Line layer: column of speeds in km/h."),
            click.option(
                "--oneway-col",
                default=None,
                help="Line layer: column of one-way flags (yes/1, -1, no).",
            ),
        ],
    )


def snap_options(*, with_time: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--max-snap-m``, ``--offroad-speed-kmh`` (``--max-time-min``) and ``--overwrite``."""
    options = [
        click.option(
            "--max-snap-m",
            type=float,
            default=2000.0,
            show_default=True,
            help="Points farther than this (metres) from every road are left out "
            "(NaN, with the reason).",
        ),
        click.option(
            "--offroad-speed-kmh",
            type=float,
            default=5.0,
            show_default=True,
            help="Speed (km/h) of the straight leg from a point to its road: 5 = "
            "walking; use 15-20 for car access from 1 km grid cells.",
        ),
    ]
    if with_time:
        options.append(
            click.option(
                "--max-time-min",
                type=float,
                default=None,
                help="Stop searching at this many minutes (faster; farther is NaN).",
            )
        )
    options.append(overwrite_option())
    return lambda f: _add_options(f, options)


def output_options(
    out_help: str, *, with_time: bool
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out``, :func:`snap_options`; the command gets the context and one-line errors.

    Put it right above the command function, below the command's own options.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.pass_context(friendly_errors(f))
        f = snap_options(with_time=with_time)(f)
        return file_option("--out", out_help)(f)

    return decorate


def snap_params(kw: dict[str, Any]) -> dict[str, Any]:
    """The snapping (and time-limit) options given to a command, by their library names."""
    names = ("max_snap_m", "offroad_speed_kmh", "max_time_min")
    return {k: kw[k] for k in names if k in kw}


def read_cli_network(ctx: click.Context, kw: dict[str, Any]) -> RoadNetwork:
    """The road network named by :func:`network_options`."""
    from connectivity.io import read_network

    return read_network(
        kw["network"],
        crs=kw["network_crs"],
        class_col=kw["class_col"],
        speed_col=kw["speed_col"],
        oneway_col=kw["oneway_col"],
        progress=progress_enabled(ctx),
    )


def thresholds_option(default: str, help_text: str) -> Any:
    """``--thresholds``: minutes, comma separated (read with :func:`parse_thresholds`)."""
    return click.option("--thresholds", default=default, show_default=True, help=help_text)


def parse_thresholds(text: str) -> tuple[float, ...]:
    """``"30,60,120"`` as positive minutes."""
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        msg = f"--thresholds must be minutes separated by commas, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg) from None
    if not values or min(values) <= 0:
        msg = f"--thresholds must be positive minutes, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg)
    return values


def is_raster_path(path: Path) -> bool:
    """True for raster inputs (GeoTIFF, VRT, ERDAS img)."""
    return path.suffix.lower() in _RASTER_IN


# --------------------------------------------------------------------------- outputs
def check_out(out: Path, allowed: tuple[str, ...], overwrite: bool) -> Path:
    """Check ``--out`` (suffix, existing file) before any work; return its sidecar path."""
    if out.suffix.lower() not in allowed:
        msg = f"--out must end with one of {', '.join(allowed)}; got {out.name!r}"
        raise ParameterError(msg)
    sidecar = out.with_suffix(".json")
    for p in (out, sidecar):
        if p.exists() and not overwrite:
            msg = f"{str(p)!r} exists; use --overwrite to replace it"
            raise OutputExistsError(msg)
    return sidecar


def write_run_sidecar(
    path: Path,
    *,
    command: str,
    params: dict[str, Any],
    inputs: dict[str, Path],
    outputs: list[Path],
    started: float,
    extra: dict[str, Any],
    overwrite: bool,
) -> None:
    """The JSON record of a ``connectivity`` command (:func:`connectivity.outputs.write_sidecar`)."""
    from connectivity.outputs import write_sidecar

    write_sidecar(
        path,
        params={"command": command, **params},
        inputs=inputs,
        outputs=outputs,
        started_at=started,
        extra=extra,
        tool="connectivity",
        overwrite=overwrite,
    )
