"""``connectivity isochrones``: polygons of the area reachable within each threshold."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.cli.options import (
    NON_NEGATIVE,
    POSITIVE,
    VECTOR_OUT,
    check_out,
    layer_input,
    network_options,
    network_steps,
    output_options,
    parse_thresholds,
    progress_enabled,
    snap_params,
    thresholds_option,
    write_run_sidecar,
)

__all__ = ["isochrones_cmd"]


@click.command("isochrones")
@network_options
@layer_input(
    "--sources",
    "Points (or polygons) to draw isochrones around.",
)
@click.option("--source-id", default=None, help="Column with source names/ids.")
@thresholds_option("15,30,60", "Minutes, comma separated; one nested polygon per threshold.")
@click.option(
    "--method",
    type=click.Choice(["auto", "grid", "buffer"]),
    default="auto",
    show_default=True,
    help="grid: the cells of a --cell-m grid within --buffer-m of a reached road, one pass for "
    "all thresholds (fast; edges follow the cells); buffer: the exact buffer of the reached "
    "roads (slow on a city); auto: grid, or buffer where the reached roads are sparse over a "
    "large area (a country's trunk roads over hours).",
)
@click.option(
    "--buffer-m",
    type=POSITIVE,
    default=100.0,
    show_default=True,
    help="Half-width (metres) of the band drawn around reached roads.",
)
@click.option(
    "--cell-m",
    type=POSITIVE,
    default=None,
    help="Grid cell size in metres for --method grid [default: half of --buffer-m].",
)
@click.option(
    "--fill-holes-m2",
    type=NON_NEGATIVE,
    default=250_000.0,
    show_default=True,
    help="Fill enclosed holes smaller than this (m²), e.g. street blocks; 0 keeps all.",
)
@click.option("--combine", is_flag=True, help="One polygon per threshold for all sources.")
@click.option(
    "--reverse",
    is_flag=True,
    help="Area from which the source is reached (travel TO it; matters on one-ways).",
)
@output_options(
    "Output FILE, .gpkg or .shp (polygons in the network CRS); <stem>.json beside it.",
    with_time=False,
)
def isochrones_cmd(ctx: click.Context, **kw: Any) -> None:
    """Polygons of the area reachable within each threshold from each source.

    \b
    Example:
      connectivity isochrones --network almaty.osm.pbf --sources sez.gpkg \\
          --source-id name --thresholds 15,30,60 --out sez_isochrones.gpkg

    Each polygon is the reached roads (edges cut where the time runs out)
    widened by --buffer-m: the cells of a --cell-m grid within --buffer-m
    of them, or their exact buffer (--method); thresholds are nested.
    """
    from connectivity.io import read_layer, write_layers
    from connectivity.measures.isochrones import isochrones

    out: Path = kw["out"]
    sidecar = check_out(out, VECTOR_OUT, kw["overwrite"])
    thresholds = parse_thresholds(kw["thresholds"])
    params = {
        **snap_params(kw),
        **{
            k: kw[k]
            for k in ("method", "buffer_m", "cell_m", "fill_holes_m2", "combine", "reverse")
        },
    }
    started = time.time()
    with network_steps(ctx, kw, 3) as (steps, net):
        with steps.step("isochrones"):
            src = read_layer(kw["sources"], kw["sources_layer"], what="sources")
            iso = isochrones(
                net, src, thresholds, source_id_col=kw["source_id"],
                progress=progress_enabled(ctx), **params,
            )  # fmt: skip
        with steps.step("writing outputs"):
            written = write_layers(out, {"isochrones": iso}, overwrite=kw["overwrite"])
            write_run_sidecar(
                sidecar,
                command="isochrones",
                params={
                    **params,
                    "thresholds_min": thresholds,
                    "largest_component": kw["largest_component"],
                },
                inputs={"network": kw["network"], "sources": kw["sources"]},
                outputs=written,
                started=started,
                extra={"n_polygons": len(iso)},
                overwrite=kw["overwrite"],
            )
    click.echo(f"{len(iso):,} isochrone polygons; wrote {out}")
