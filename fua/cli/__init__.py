"""The ``fua`` command line.

``fua degurba POP.tif --out DIR`` classifies a population grid by the Degree
of Urbanisation and writes class grids, urban centres and clusters, QGIS
styles and a JSON sidecar. Run ``fua COMMAND --help`` for each command.
"""

from __future__ import annotations

import logging
import time
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from connectivity.cli.common import Steps, friendly_errors, setup_logging
from connectivity.errors import ConnectivityError, FuaError, ParameterError

__all__ = ["main"]

log = logging.getLogger("fua")


_LOGGERS = ("fua", "connectivity")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


#: Library errors become one clear line and exit code 1 (traceback with -vv).
run_cli = friendly_errors((FuaError, ConnectivityError, OSError, ValueError), traceback_verbosity=2)


def progress_steps(total: int, *, enabled: bool) -> Steps:
    """A progress bar over the named steps of a run (stderr, off with -q)."""
    return Steps(total, enabled=enabled, loggers=_LOGGERS)


def _coerce(value: str, annotation: Any) -> Any:
    text = value.strip()
    if text.lower() in ("none", "null", ""):
        return None
    hint = str(annotation)
    if "int" in hint and "float" not in hint:
        return int(text)
    if "float" in hint:
        return float(text)
    return text


def parse_params(pairs: tuple[str, ...], base: Any) -> Any:
    """Apply ``key=value`` pairs to a frozen params dataclass, with type coercion."""
    if not pairs:
        return base
    hints = typing.get_type_hints(type(base))
    known = {f.name for f in fields(base)}
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
        except ValueError:
            msg = f"--param {key}: cannot read {value!r} as {hints[key]}"
            raise ParameterError(msg) from None
    return base.replace(**changes)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="fua-toolkit", prog_name="fua")
@click.option("-v", "--verbose", count=True, help="More log output (-vv also shows tracebacks).")
@click.option("-q", "--quiet", count=True, help="Less log output and no progress bars.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Functional urban areas from population grids.

    Degree of Urbanisation (urban centres, urban clusters, rural cells),
    EU-OECD functional urban areas, and agglomeration metrics. Outputs open
    in QGIS: GeoPackage (or Shapefile) layers, GeoTIFF class grids with
    colour tables and .qml styles, and a JSON sidecar recording parameters
    and input checksums.
    """
    setup_logging(verbose, quiet, _LOGGERS)
    ctx.ensure_object(dict)
    ctx.obj.update(verbose=verbose, quiet=quiet, progress=quiet == 0)


#: ``--out DIR`` of the commands that write a folder of outputs
out_dir_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (created if missing).",
)


@main.command("degurba")
@click.argument("pop", type=click.Path(dir_okay=False, path_type=Path))
@out_dir_option
@click.option(
    "--level",
    type=click.Choice(["1", "2"]),
    default="2",
    show_default=True,
    help="1: urban centre / urban cluster / rural. 2: the eight GHSL SMOD classes.",
)
@click.option(
    "--land",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Permanent-land raster (m² per cell, %, or 0-1 share); density becomes people per km² of land.",
)
@click.option(
    "--built",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Built-up raster (m² per cell, %, or 0-1 share) for the built-up option of urban centres.",
)
@click.option(
    "--preset",
    type=click.Choice(["R2023A", "R2023A-2021", "R2022A", "manual2021"]),
    default="R2023A",
    show_default=True,
    help="Published rule set; R2023A uses the July 2024 semi-dense rule.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one threshold, e.g. --param centre_pop_min=100000 (repeatable; see the JSON sidecar for keys).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gpkg", "shp"]),
    default="gpkg",
    show_default=True,
    help="Vector format for centres and clusters.",
)
@click.option(
    "--cell-size-m",
    type=float,
    default=1000.0,
    show_default=True,
    help="Output cell size (the method uses 1 km).",
)
@click.option(
    "--crs",
    "target_crs",
    default="ESRI:54009",
    show_default=True,
    help="Equal-area CRS of the output grid (input is reprojected, population conserved).",
)
@click.option("--overwrite", is_flag=True, help="Replace existing outputs in --out.")
@click.option(
    "--tiled",
    is_flag=True,
    help="File-to-file run with bounded memory (windows, streamed polygons); automatic above 150 M cells.",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="SCHEDULER_ADDRESS|local",
    help="Aggregate a fine input to the grid on this Dask cluster ('local' starts one); implies --tiled.",
)
@click.pass_context
@run_cli
def degurba_cmd(
    ctx: click.Context,
    pop: Path,
    out_dir: Path,
    level: str,
    land: Path | None,
    built: Path | None,
    preset: str,
    params: tuple[str, ...],
    fmt: str,
    cell_size_m: float,
    target_crs: str,
    overwrite: bool,
    tiled: bool,
    dask_address: str | None,
) -> None:
    """Classify POP (any GDAL raster of people per cell) by the Degree of Urbanisation.

    \b
    Example:
      fua degurba GHS_POP_E2020_GLOBE_R2023A_54009_1000.tif --out out/ \\
          --land GHS_LAND.tif --built GHS_BUILT_S.tif

    Writes to OUT: classes_L2.tif (+ .qml style), centre_labels.tif,
    cluster_labels.tif, degurba.gpkg (layers urban_centres, urban_clusters)
    and degurba.json (parameters, input checksums, version, timing).
    """
    from fua.degurba.classify import DegurbaParams, classify_grid, urban_centres, urban_clusters
    from fua.grid import read_population
    from fua.outputs.degurba import write_degurba_outputs

    p = parse_params(params, DegurbaParams.preset(preset))
    if tiled or dask_address or (pop.is_file() and _needs_tiling(pop, cell_size_m)):
        _degurba_tiled(
            ctx,
            pop,
            out_dir,
            p,
            level,
            land,
            built,
            fmt,
            cell_size_m,
            target_crs,
            overwrite,
            dask_address,
        )
        return
    steps = progress_steps(4, enabled=ctx.obj["progress"])
    t0 = time.perf_counter()
    started = time.time()
    try:
        with steps.step("reading population"):
            grid = read_population(
                pop, land=land, built=built, target_crs=target_crs, cell_size_m=cell_size_m
            )
        with steps.step("classifying cells"):
            result = classify_grid(grid, p, level=int(level))
        with steps.step("polygonising"):
            centres = urban_centres(result)
            clusters = urban_clusters(result)
        with steps.step("writing outputs"):
            inputs = {
                "pop": pop,
                **({"land": land} if land else {}),
                **({"built": built} if built else {}),
            }
            written = write_degurba_outputs(
                out_dir,
                result,
                centres,
                clusters,
                fmt=fmt,
                overwrite=overwrite,
                inputs=inputs,
                started_at=started,
            )
    finally:
        steps.close()
    click.echo(
        f"{_count(result.n_centres, 'urban centre')} ({centres['pop'].sum():,.0f} people), "
        f"{_count(result.n_clusters, 'urban cluster')}, grid {grid.shape[0]}x{grid.shape[1]} "
        f"({grid.total_population:,.0f} people) in {time.perf_counter() - t0:.1f} s"
    )
    for name, path in written.items():
        click.echo(f"  {name}: {path}")


def _needs_tiling(pop: Path, cell_size_m: float) -> bool:
    from fua.scale.tiles import needs_tiling

    return needs_tiling(pop, cell_size_m=cell_size_m)


def _degurba_tiled(
    ctx: click.Context,
    pop: Path,
    out_dir: Path,
    p: Any,
    level: str,
    land: Path | None,
    built: Path | None,
    fmt: str,
    cell_size_m: float,
    target_crs: str,
    overwrite: bool,
    dask_address: str | None,
) -> None:
    """``fua degurba`` through :func:`fua.scale.tiles.degurba_to_files` (large grids)."""
    from fua.scale.tiles import degurba_to_files

    if fmt != "gpkg":
        msg = "the tiled path streams polygons to a GeoPackage only: use --format gpkg"
        raise ParameterError(msg)
    info = degurba_to_files(
        pop, out_dir, params=p, level=int(level), land=land, built=built, target_crs=target_crs,
        cell_size_m=cell_size_m, overwrite=overwrite, client=dask_address, progress=ctx.obj["progress"],
    )  # fmt: skip
    rows, cols = info["shape"]
    click.echo(
        f"{info['n_centres']} urban centres ({info['centre_pop']:,.0f} people), "
        f"{info['n_clusters']} urban clusters, grid {rows}x{cols} "
        f"({info['total_pop']:,.0f} people) in {info['timing_s']['total']:.1f} s (tiled)"
    )
    for name, path in info["outputs"].items():
        click.echo(f"  {name}: {path}")


from fua.cli import demo as _demo_cmds  # noqa: E402, F401  (registers `fua demo` and `fua fetch`)
from fua.cli import fuas as _fua_cmds  # noqa: E402, F401  (registers `fua delineate` and `fua commuting-model`)
