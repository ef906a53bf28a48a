"""``connectivity od``: origin-destination matrix of travel times (CSV)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.cli.options import (
    check_out,
    echo_parts,
    layer_input,
    network_options,
    network_steps,
    output_options,
    progress_enabled,
    snap_params,
    write_run_sidecar,
)

__all__ = ["od_cmd"]


@click.command("od")
@network_options
@layer_input(
    "--origins",
    "Origin points or polygons (.gpkg, .shp, .geojson).",
)
@click.option("--origin-id", default=None, help="Column with origin ids (default: row number).")
@layer_input(
    "--destinations",
    "Destination points or polygons.",
)
@click.option("--dest-id", default=None, help="Column with destination ids.")
@click.option("--long", "long_format", is_flag=True,
              help="Write one row per pair (origin, destination, time_min) instead of a matrix.")  # fmt: skip
@output_options(
    "Output FILE, .csv: rows = origins, columns = destinations, minutes (<stem>.json beside it).",
    with_time=True,
)
def od_cmd(ctx: click.Context, **kw: Any) -> None:
    """Origin-destination matrix of travel times in minutes (CSV).

    \b
    Example (regional capitals to special economic zones):
      connectivity od --network roads.gpkg --class-col highway \\
          --origins capitals.gpkg --origin-id name \\
          --destinations sez.gpkg --dest-id name --out od.csv

    Empty cells are unreachable pairs or points beyond --max-snap-m.
    """
    from connectivity.io import read_layer, safe_path
    from connectivity.measures import od_matrix

    out: Path = kw["out"]
    sidecar = check_out(out, (".csv",), kw["overwrite"])
    snap = snap_params(kw)
    started = time.time()
    with network_steps(ctx, kw, 3) as (steps, net):
        with steps.step("routing"):
            a = read_layer(kw["origins"], kw["origins_layer"], what="origins")
            b = read_layer(kw["destinations"], kw["destinations_layer"], what="destinations")
            mat = od_matrix(
                net, a, b, a_id_col=kw["origin_id"], b_id_col=kw["dest_id"],
                progress=progress_enabled(ctx), **snap,
            )  # fmt: skip
        with steps.step("writing outputs"):
            table = mat
            if kw["long_format"]:
                long = mat.rename_axis(index="origin", columns="destination")
                table = long.melt(ignore_index=False, value_name="time_min").reset_index()
            with safe_path(out, overwrite=kw["overwrite"]) as tmp:
                table.to_csv(tmp, index=not kw["long_format"])
            write_run_sidecar(
                sidecar,
                command="od",
                params={
                    **snap,
                    "long": kw["long_format"],
                    "largest_component": kw["largest_component"],
                },
                inputs={k: kw[k] for k in ("network", "origins", "destinations")},
                outputs=[out],
                started=started,
                extra={"counts": mat.attrs, "shape": list(mat.shape)},
                overwrite=kw["overwrite"],
            )
    echo_parts(mat.attrs.get("components"))
    click.echo(
        f"{mat.shape[0]:,} x {mat.shape[1]:,} matrix, "
        f"{mat.attrs['n_pairs_unreachable']:,} pairs without a time; wrote {out}"
    )
