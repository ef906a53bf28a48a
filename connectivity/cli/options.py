"""What the ``connectivity`` and ``fua`` commands share: group options, errors, inputs, outputs.

* :func:`verbosity_options` and :func:`start_cli` — ``-v``/``-q`` and
  ``--progress/--no-progress`` on a command group, and the logging set-up
  they drive (one rule for both tools: ``-vv`` shows tracebacks).
* :class:`ToolGroup` — the command group of both tools: usage errors (a bad
  option value, a missing argument) are one line with exit code 2.
* :func:`friendly_errors` — library errors as one line and exit code 1; the
  outputs a failed (or interrupted) command was creating are removed
  (:func:`claim_output`, :class:`connectivity.outputs.NewOutputs`).
* :data:`POSITIVE` and :data:`NON_NEGATIVE` — option types for finite numbers
  in range (NaN and infinity are refused too).
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
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connectivity import progress as progress_bars
from connectivity.errors import OutputExistsError, ParameterError, ToolkitError
from connectivity.outputs import NewOutputs
from connectivity.progress import Steps, setup_logging

if TYPE_CHECKING:
    from connectivity.network import RoadNetwork

__all__ = [
    "CLI_ERRORS",
    "CONTEXT_SETTINGS",
    "NON_NEGATIVE",
    "POSITIVE",
    "RASTER_OUT",
    "TRACEBACK_VERBOSITY",
    "VECTOR_OUT",
    "FiniteRange",
    "ToolGroup",
    "check_out",
    "claim_output",
    "echo_parts",
    "file_option",
    "friendly_errors",
    "is_raster_path",
    "layer_input",
    "network_options",
    "network_steps",
    "one_line",
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
#: click's own exits and messages, passed through untouched.
_CLICK_EXITS = (click.ClickException, click.exceptions.Exit, click.Abort)
#: Key of the :class:`NewOutputs` of a running command in ``ctx.meta``.
_NEW_OUTPUTS = "toolkit.new_outputs"


def one_line(text: object) -> str:
    """``text`` on one line (newlines and runs of spaces become one space)."""
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- option types
class FiniteRange(click.FloatRange):
    """A float option in a range that also refuses NaN and infinity (click's range lets NaN by)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return rv


#: A finite number > 0 (speeds, distances, minutes, cell sizes).
POSITIVE = FiniteRange(min=0.0, min_open=True)
#: A finite number >= 0 (areas that may be switched off with 0).
NON_NEGATIVE = FiniteRange(min=0.0)


# --------------------------------------------------------------------------- groups
class _OneLineUsageError(click.UsageError):
    """A usage error shown as one line: ``Error: <message> (see 'fua degurba -h')``."""

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} -h')" if self.ctx is not None else ""
        click.echo(f"Error: {one_line(self.message)}{hint}", file=file, err=True)


def _one_line_usage(exc: click.UsageError) -> click.UsageError:
    if isinstance(exc, (_OneLineUsageError, click.exceptions.NoArgsIsHelpError)):
        return exc
    return _OneLineUsageError(exc.format_message(), exc.ctx)  # exit code 2, as every usage error


class ToolGroup(click.Group):
    """The command group of both tools: every usage error is one line (exit code 2)."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise _one_line_usage(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line_usage(exc) from None


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
        @click.group(
            name=prog_name, cls=ToolGroup, help=f.__doc__, context_settings=CONTEXT_SETTINGS
        )
        @click.version_option(package_name="fua-toolkit", prog_name=prog_name)
        @verbosity_options
        @click.pass_context
        def group(ctx: click.Context, verbose: int, quiet: int, progress: bool) -> None:
            start_cli(ctx, verbose=verbose, quiet=quiet, progress=progress, loggers=loggers)

        return group

    return decorate


def progress_enabled(ctx: click.Context) -> bool:
    """Whether to draw progress bars: asked for (not ``--no-progress``/``-q``) and stderr is a terminal.

    Redirected logs (``2> run.log``) therefore never get bar fragments or
    escape codes, also from library functions that draw their own bars.
    """
    asked = bool((ctx.obj or {}).get("progress", True))
    return asked and progress_bars.stderr_is_terminal()


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


def claim_output(ctx: click.Context, path: Path, *, folder: bool) -> Path:
    """Check that ``--out`` can be written, before any work; remove it again if the command fails.

    Parameters
    ----------
    ctx : click.Context
        The running command (wrapped in :func:`friendly_errors`).
    path : pathlib.Path
        The output folder (``folder=True``) or file.
    folder : bool
        Whether ``path`` is a folder of outputs.

    Notes
    -----
    What the command creates under a path it claimed — a new folder, or new
    files beside a file output that start with its stem (its sidecar, a
    Shapefile's companions) — is deleted when the command fails or is
    interrupted (Ctrl-C), so a failed run leaves nothing behind.
    """
    guard = ctx.meta.get(_NEW_OUTPUTS)
    if guard is None:
        guard = ctx.meta[_NEW_OUTPUTS] = NewOutputs()
    return guard.claim(path, folder=folder, what="--out")


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Show errors as one line with exit code 1 (``-vv`` re-raises: traceback); clean up outputs.

    :data:`CLI_ERRORS` are shown as ``Error: <ErrorClass>: <message>``; any
    other exception (a bug) as ``Error: unexpected <ErrorClass>: ...`` with
    the hint to rerun with ``-vv``. Before either, what the command had
    started to create under the paths given to :func:`claim_output` is
    removed (also on Ctrl-C).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        ctx.meta[_NEW_OUTPUTS] = NewOutputs()
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            ctx.meta[_NEW_OUTPUTS].remove()
            if isinstance(exc, _CLICK_EXITS) or not isinstance(exc, Exception):
                raise  # click's own messages and exits, Ctrl-C (click says "Aborted!")
            if ctx.obj and ctx.obj.get("verbose", 0) >= TRACEBACK_VERBOSITY:
                raise
            name = type(exc).__name__
            if isinstance(exc, CLI_ERRORS):
                raise click.ClickException(f"{name}: {one_line(exc)}") from exc
            msg = f"unexpected {name}: {one_line(exc)} (a bug: -vv shows the traceback; please report it)"
            raise click.ClickException(msg) from exc

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
            click.option(
                "--largest-component",
                is_flag=True,
                help="Keep only the largest strongly connected part of the network (the others "
                "are logged). Default: keep every part; trips between parts get no time "
                "(reason 'different network component').",
            ),
        ],
    )


def snap_options(*, with_time: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--max-snap-m``, ``--offroad-speed-kmh`` (``--max-time-min``) and ``--overwrite``."""
    options = [
        click.option(
            "--max-snap-m",
            type=POSITIVE,
            default=2000.0,
            show_default=True,
            help="Points farther than this (metres) from every road are left out "
            "(NaN, with the reason).",
        ),
        click.option(
            "--offroad-speed-kmh",
            type=POSITIVE,
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
                type=POSITIVE,
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

    net = read_network(
        kw["network"],
        crs=kw["network_crs"],
        class_col=kw["class_col"],
        speed_col=kw["speed_col"],
        oneway_col=kw["oneway_col"],
        progress=progress_enabled(ctx),
    )
    return net.largest_component() if kw.get("largest_component") else net


def thresholds_option(default: str, help_text: str) -> Any:
    """``--thresholds``: minutes, comma separated (read with :func:`parse_thresholds`)."""
    return click.option("--thresholds", default=default, show_default=True, help=help_text)


def parse_thresholds(text: str) -> tuple[float, ...]:
    """``"30,60,120"`` as positive minutes, sorted, each once (else one-line :class:`ParameterError`)."""
    from connectivity.routing import checked_thresholds

    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        msg = f"--thresholds must be minutes separated by commas, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg) from None
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        msg = f"--thresholds must be positive minutes, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg)
    return tuple(checked_thresholds(values, "--thresholds").tolist())


def echo_parts(summary: dict[str, Any] | None) -> None:
    """Print one line when the origins and destinations fall on several parts of the network.

    ``summary`` is the ``components`` entry of a result's ``.attrs``
    (:meth:`connectivity.parts.Parts.summary`).
    """
    if summary and summary.get("n_parts_used", 0) > 1:
        from connectivity.parts import describe_parts

        click.echo(describe_parts(summary))


def is_raster_path(path: Path) -> bool:
    """True for raster inputs (GeoTIFF, VRT, ERDAS img)."""
    return path.suffix.lower() in _RASTER_IN


# --------------------------------------------------------------------------- outputs
def check_out(out: Path, allowed: tuple[str, ...], overwrite: bool) -> Path:
    """Check the file ``--out`` before any work; return its sidecar path.

    ``--out`` of these commands is one *file* (its sidecar ``<stem>.json``
    and any companion files go beside it). A folder, a wrong suffix, an
    existing output without ``overwrite`` or a location that cannot be
    written fail here in one line; the command's new files are removed if it
    fails later (:func:`claim_output`).
    """
    example = f"{out / 'result'}{allowed[0]}"
    if out.is_dir() or not out.suffix:
        msg = f"--out is a file ending in {', '.join(allowed)}; {str(out)!r} is a folder name: give e.g. {example!r}"
        raise ParameterError(msg)
    if out.suffix.lower() not in allowed:
        msg = f"--out must end with one of {', '.join(allowed)}; got {out.name!r}"
        raise ParameterError(msg)
    sidecar = out.with_suffix(".json")
    for p in (out, sidecar):
        if p.exists() and not overwrite:
            msg = f"{str(p)!r} exists; use --overwrite to replace it"
            raise OutputExistsError(msg)
    claim_output(click.get_current_context(), out, folder=False)
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
