"""``fua degurba``: the Degree of Urbanisation of a population grid, written to a folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connectivity.cli.options import (
    POSITIVE,
    claim_output,
    overwrite_option,
    progress_enabled,
    run_steps,
)
from connectivity.errors import ParameterError
from fua.cli.options import (
    choice_option,
    count,
    file_path_option,
    out_dir_option,
    param_option,
    parse_params,
    run_cli,
)

if TYPE_CHECKING:
    from fua.degurba.classify import DegurbaParams

__all__ = ["degurba_cmd"]


@click.command("degurba")
@click.argument("pop", type=click.Path(dir_okay=False, path_type=Path))
@out_dir_option
@choice_option(
    "--level",
    ["1", "2"],
    "2",
    "1: urban centre / urban cluster / rural. 2: the eight GHSL SMOD classes.",
)
@file_path_option(
    "--land",
    "Permanent-land raster (m² per cell, %, or 0-1 share); density becomes people per km² of land.",
)
@file_path_option(
    "--built",
    "Built-up raster (m² per cell, %, or 0-1 share) for the built-up option of urban centres.",
)
@choice_option(
    "--preset",
    ["R2023A", "R2023A-2021", "R2022A", "manual2021"],
    "R2023A",
    "Published rule set; R2023A uses the July 2024 semi-dense rule.",
)
@param_option("centre_pop_min=100000")
@choice_option("--format", ["gpkg", "shp"], "gpkg", "Vector format for centres and clusters.")
@click.option(
    "--cell-size-m",
    type=POSITIVE,
    default=1000.0,
    show_default=True,
    help="Output cell size (the method uses 1 km).",
)
@click.option(
    "--nodata",
    type=float,
    default=None,
    help="No-data value of POP when the file does not declare it (e.g. -200, 3.4028235e+38, nan).",
)
@click.option(
    "--crs",
    "target_crs",
    default="ESRI:54009",
    show_default=True,
    help="Equal-area CRS of the output grid (input is reprojected, population conserved).",
)
@overwrite_option("Replace existing outputs in --out.")
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
    nodata: float | None,
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

    Writes to the FOLDER --out: classes_L2.tif (+ .qml style), centre_labels.tif,
    cluster_labels.tif, degurba.gpkg (layers urban_centres, urban_clusters)
    and degurba.json (parameters, input checksums, version, timing). A run that
    fails leaves no new files (and no new folder) behind.
    """
    from fua.degurba.classify import DegurbaParams, classify_grid, urban_centres, urban_clusters
    from fua.grid import read_population
    from fua.outputs.degurba import write_degurba_outputs

    p = parse_params(params, DegurbaParams.preset(preset))
    claim_output(ctx, out_dir, folder=True)
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
            nodata,
        )
        return
    t0 = time.perf_counter()
    started = time.time()
    with run_steps(ctx, 4) as steps:
        with steps.step("reading population"):
            grid = read_population(
                pop, land=land, built=built, target_crs=target_crs, cell_size_m=cell_size_m,
                nodata=nodata,
            )  # fmt: skip
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
    click.echo(
        f"{count(result.n_centres, 'urban centre')} ({centres['pop'].sum():,.0f} people), "
        f"{count(result.n_clusters, 'urban cluster')}, grid {grid.shape[0]}x{grid.shape[1]} "
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
    p: DegurbaParams,
    level: str,
    land: Path | None,
    built: Path | None,
    fmt: str,
    cell_size_m: float,
    target_crs: str,
    overwrite: bool,
    dask_address: str | None,
    nodata: float | None = None,
) -> None:
    """``fua degurba`` through :func:`fua.scale.tiles.degurba_to_files` (large grids)."""
    from fua.scale.tiles import degurba_to_files

    if fmt != "gpkg":
        msg = "the tiled path streams polygons to a GeoPackage only: use --format gpkg"
        raise ParameterError(msg)
    info = degurba_to_files(
        pop, out_dir, params=p, level=int(level), land=land, built=built, target_crs=target_crs,
        cell_size_m=cell_size_m, overwrite=overwrite, client=dask_address, progress=progress_enabled(ctx),
        nodata=nodata,
    )  # fmt: skip
    rows, cols = info["shape"]
    click.echo(
        f"{info['n_centres']} urban centres ({info['centre_pop']:,.0f} people), "
        f"{info['n_clusters']} urban clusters, grid {rows}x{cols} "
        f"({info['total_pop']:,.0f} people) in {info['timing_s']['total']:.1f} s (tiled)"
    )
    for name, path in info["outputs"].items():
        click.echo(f"  {name}: {path}")
