"""``connectivity access``: travel time from every origin to its nearest destination."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.cli.options import (
    RASTER_OUT,
    VECTOR_OUT,
    check_out,
    echo_parts,
    is_raster_path,
    layer_input,
    network_options,
    network_steps,
    output_options,
    parse_thresholds,
    snap_params,
    thresholds_option,
    write_run_sidecar,
)
from connectivity.errors import ParameterError

__all__ = ["access_cmd"]


@click.command("access")
@network_options
@layer_input(
    "--origins",
    "Points or polygons (.gpkg, .shp, .geojson; polygons use their centroid) or "
    "a population raster (.tif: every populated cell is an origin).",
)
@layer_input(
    "--destinations",
    "Points or polygons to reach, e.g. special economic zones.",
)
@click.option(
    "--dest-id", default=None, help="Column with destination names/ids (default: feature number)."
)
@click.option(
    "--pop-col", default=None, help="Vector origins: population column for the threshold summary."
)
@click.option(
    "--nan-weights",
    type=click.Choice(["raise", "zero"]),
    default="raise",
    show_default=True,
    help="Empty (NaN) values in --pop-col: refuse them, or count them as 0 people.",
)
@thresholds_option("30,60,120,240", "Minutes for the summary of population within reach.")
@click.option(
    "--dask",
    "dask",
    default=None,
    metavar="SCHEDULER_ADDRESS|local",
    help="Vector origins: route chunks of origins as Dask tasks ('local' starts a LocalCluster; "
    "or tcp://host:8786). Needs pip install 'fua-toolkit[dask]'.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=50_000,
    show_default=True,
    help="Origins per Dask task (with --dask).",
)
@output_options(
    "Output FILE: .gpkg or .shp for vector origins; .tif (minutes) for a raster "
    "(<stem>_within.csv and <stem>.json go beside it).",
    with_time=True,
)
def access_cmd(ctx: click.Context, **kw: Any) -> None:
    """Travel time from every origin to its nearest destination.

    \b
    Example (1 km population grid to special economic zones, by car):
      connectivity access --network kazakhstan.osm.pbf --origins pop_1km.tif \\
          --destinations sez.gpkg --dest-id name --offroad-speed-kmh 15 \\
          --out time_to_sez.tif

    Vector output columns: time_min (minutes; empty when unreachable),
    nearest_id, origin_snap_m, dest_snap_m (metres to the road) and reason
    (why a time is missing). A raster output is float32 minutes (nodata for
    unpopulated or unreachable cells); the share of population within each
    threshold goes to <out>_within.csv and the JSON sidecar.
    """
    from connectivity.io import read_layer

    out: Path = kw["out"]
    raster = is_raster_path(kw["origins"])
    sidecar = check_out(out, RASTER_OUT if raster else VECTOR_OUT, kw["overwrite"])
    thresholds = parse_thresholds(kw["thresholds"])
    started = time.time()
    with network_steps(ctx, kw, 4) as (steps, net):
        with steps.step("reading origins and destinations"):
            dest = read_layer(kw["destinations"], kw["destinations_layer"], what="destinations")
            origins = (
                None if raster else read_layer(kw["origins"], kw["origins_layer"], what="origins")
            )
        with steps.step("routing"):
            if origins is None:
                result, within, attrs = _route_raster(net, dest, kw, thresholds)
            else:
                result, within, attrs = _route_vector(net, origins, dest, kw, thresholds)
        with steps.step("writing outputs"):
            written = _write_access(out, result, origins, within, kw["overwrite"])
            write_run_sidecar(
                sidecar,
                command="access",
                params={
                    **snap_params(kw),
                    "thresholds_min": thresholds,
                    "dest_id": kw["dest_id"],
                    "pop_col": kw["pop_col"],
                    "nan_weights": kw["nan_weights"],
                    "largest_component": kw["largest_component"],
                },
                inputs={k: kw[k] for k in ("network", "origins", "destinations")},
                outputs=written,
                started=started,
                extra={
                    "counts": attrs,
                    "network": repr(net),
                    "population_within": within.to_dict(orient="records"),
                },
                overwrite=kw["overwrite"],
            )
    echo_parts(attrs.get("components"))
    n, bad = attrs["n_origins"], attrs["n_unreachable"]
    click.echo(f"{n:,} origins, {bad:,} without a travel time; wrote {out}")


def _route_raster(
    net: Any, dest: Any, kw: dict[str, Any], thresholds: tuple[float, ...]
) -> tuple[Any, Any, dict[str, Any]]:
    """Every populated cell of the origins raster to its nearest destination."""
    from connectivity.measures import population_within, raster_time_to_nearest

    grid = raster_time_to_nearest(
        net, kw["origins"], dest, dest_id_col=kw["dest_id"], **snap_params(kw)
    )
    return grid, population_within(grid, thresholds_min=thresholds), grid.attrs


def _route_vector(
    net: Any, origins: Any, dest: Any, kw: dict[str, Any], thresholds: tuple[float, ...]
) -> tuple[Any, Any, dict[str, Any]]:
    """Every origin feature to its nearest destination (in Dask chunks with ``--dask``)."""
    import numpy as np

    from connectivity.measures import population_within, time_to_nearest
    from connectivity.weights import checked_weights

    pop_col = kw["pop_col"]
    pop = np.ones(len(origins))
    if pop_col:
        if pop_col not in origins.columns:
            msg = (
                f"--pop-col {pop_col!r} is not a column of the origins; "
                f"columns are {list(origins.columns)}"
            )
            raise ParameterError(msg)
        pop = checked_weights(
            origins[pop_col],
            origins.index,
            "origins",
            column=pop_col,
            nan_weights=kw["nan_weights"],
        )
    snap = snap_params(kw)
    if kw["dask"]:
        from connectivity.measures.batch import batch_origins

        res = batch_origins(
            net, origins, dest, chunk_size=kw["chunk_size"], client=kw["dask"],
            dest_id_col=kw["dest_id"], **snap,
        )  # fmt: skip
        res.attrs = _batch_attrs(res.attrs)
    else:
        res = time_to_nearest(net, origins, dest, dest_id_col=kw["dest_id"], **snap)
    within = population_within(res["time_min"], pop, thresholds_min=thresholds)
    return res, within, res.attrs


def _batch_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Sum the per-chunk counts of a Dask batch into one set of counts."""
    from connectivity.parts import merge_parts_summaries

    chunks = attrs.get("batches", [])
    total: dict[str, Any] = {"n_batches": len(chunks)}
    for key in ("n_origins", "n_unreachable", "n_beyond_snap"):
        total[key] = int(sum(c.get(key, 0) for c in chunks))
    total["components"] = merge_parts_summaries([c["components"] for c in chunks])
    return total


def _with_attributes(result: Any, source: Any) -> Any:
    """The result with the source layer's own attributes in front (no duplicates)."""
    keep = [c for c in source.columns if c != source.geometry.name and c not in result.columns]
    out = source[keep].join(result)
    return type(result)(out, geometry=result.geometry.name, crs=result.crs)


def _write_access(out: Path, result: Any, origins: Any, within: Any, overwrite: bool) -> list[Path]:
    """The travel-time raster or layer, and ``<out>_within.csv``."""
    from connectivity import io

    if origins is None:
        written = [
            io.write_raster(
                out,
                result.time_min,
                transform=result.transform,
                crs=result.crs,
                nodata=float("nan"),
                overwrite=overwrite,
                description="travel time to nearest destination (min)",
            )
        ]
    else:
        layer = _with_attributes(result, origins)
        written = io.write_layers(out, {"access": layer}, overwrite=overwrite)
    within_csv = out.with_name(out.stem + "_within.csv")
    with io.safe_path(within_csv, overwrite=overwrite) as tmp:
        within.to_csv(tmp, index=False)
    return [*written, within_csv]
