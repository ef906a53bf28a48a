"""The ``connectivity`` command line: travel-time accessibility from files.

``connectivity access``      time from every origin to its nearest destination
``connectivity od``          origin-destination travel-time matrix (CSV)
``connectivity isochrones``  reachable-area polygons around sources

Every command reads a road network (OSM file, a line layer, or a saved
``.npz`` network), writes GeoPackage / Shapefile / GeoTIFF / CSV outputs
that refuse to overwrite without ``--overwrite``, and a JSON sidecar with
the parameters, input checksums and timing next to the output.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from connectivity.cli.common import Steps, friendly_errors, setup_logging
from connectivity.errors import ConnectivityError, OutputExistsError, ParameterError

__all__ = ["main"]

log = logging.getLogger("connectivity")

_OSM_SUFFIXES = (".osm", ".pbf", ".bz2", ".gz")
_RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img")
_VECTOR_OUT = (".gpkg", ".shp")


_run = friendly_errors((ConnectivityError, OSError, ValueError), traceback_verbosity=1)


def _steps(total: int, ctx: click.Context) -> Steps:
    return Steps(total, enabled=ctx.obj["progress"], loggers=("connectivity",))


# --------------------------------------------------------------------------- inputs
def _thresholds(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        msg = f"--thresholds must be minutes separated by commas, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg) from None
    if not values or min(values) <= 0:
        msg = f"--thresholds must be positive minutes, e.g. 30,60,120; got {text!r}"
        raise ParameterError(msg)
    return values


def _load_network(path: Path, opts: dict[str, Any]) -> Any:
    from connectivity.network import RoadNetwork

    name = path.name.lower()
    if name.endswith(".npz"):
        return RoadNetwork.load(path)
    if name.endswith(_OSM_SUFFIXES):
        return RoadNetwork.from_osm(path, crs=opts["network_crs"], progress=opts["progress"])
    lines = _read_layer(path, None, "network")
    return RoadNetwork.from_lines(
        lines,
        class_col=opts["class_col"],
        speed_col=opts["speed_col"],
        oneway_col=opts["oneway_col"],
    )


def _read_layer(path: Path, layer: str | None, what: str) -> Any:
    import geopandas as gpd

    from connectivity.errors import InputFileError

    if not path.exists():
        msg = f"{what} file {str(path)!r} does not exist"
        raise InputFileError(msg)
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError/DataLayerError
        msg = f"cannot read the {what} layer {str(path)!r}: {exc}"
        raise InputFileError(msg) from exc
    if len(gdf) == 0:
        msg = f"the {what} layer {str(path)!r} has no features"
        raise InputFileError(msg)
    return gdf


def _is_raster_path(path: Path) -> bool:
    return path.suffix.lower() in _RASTER_SUFFIXES


def _check_out(out: Path, allowed: tuple[str, ...], overwrite: bool) -> Path:
    if out.suffix.lower() not in allowed:
        msg = f"--out must end with one of {', '.join(allowed)}; got {out.name!r}"
        raise ParameterError(msg)
    sidecar = out.with_suffix(".json")
    for p in (out, sidecar):
        if p.exists() and not overwrite:
            msg = f"{str(p)!r} exists; use --overwrite to replace it"
            raise OutputExistsError(msg)
    return sidecar


def _with_attributes(result: Any, source: Any) -> Any:
    """The result with the source layer's own attributes in front (no duplicates)."""
    keep = [c for c in source.columns if c != source.geometry.name and c not in result.columns]
    out = source[keep].join(result)
    return type(result)(out, geometry=result.geometry.name, crs=result.crs)


def _sidecar(
    path: Path,
    *,
    params: dict[str, Any],
    inputs: dict[str, Path],
    outputs: list[Path],
    started: float,
    extra: dict[str, Any],
    overwrite: bool,
) -> None:
    from connectivity.io import write_sidecar

    write_sidecar(
        path,
        params=params,
        inputs=inputs,
        outputs=outputs,
        started_at=started,
        extra=extra,
        tool="connectivity",
        overwrite=overwrite,
    )


# --------------------------------------------------------------------------- group
@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="fua-toolkit", prog_name="connectivity")
@click.option("-v", "--verbose", count=True, help="More log output; also show tracebacks.")
@click.option("-q", "--quiet", count=True, help="Less log output and no progress bars.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Road-network travel times: nearest destination, OD matrices, isochrones.

    Distances are measured in the network's projected metric CRS (never Web
    Mercator); inputs in other CRSs are reprojected. Points join the network
    on their nearest road segment through an off-road leg.
    """
    setup_logging(verbose, quiet, ("connectivity",))
    ctx.ensure_object(dict)
    ctx.obj.update(verbose=verbose, quiet=quiet, progress=quiet == 0)


def _network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--network",
            "network",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="Roads: an OSM file (.osm.pbf, .osm, .osm.bz2), a line layer (.gpkg, .shp, "
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
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _snap_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return _snap_options_impl(f, with_time=True)


def _snap_options_no_time(f: Callable[..., Any]) -> Callable[..., Any]:
    return _snap_options_impl(f, with_time=False)


def _snap_options_impl(f: Callable[..., Any], *, with_time: bool) -> Callable[..., Any]:
    opts = [
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
        click.option(
            "--max-time-min",
            type=float,
            default=None,
            help="Stop searching at this many minutes (faster; farther is NaN).",
        ),
        click.option("--overwrite", is_flag=True, help="Replace existing outputs."),
    ]
    if not with_time:
        opts.pop(2)
    for o in reversed(opts):
        f = o(f)
    return f


def _net_opts(ctx: click.Context, kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw[k] for k in ("network_crs", "class_col", "speed_col", "oneway_col")} | {
        "progress": ctx.obj["progress"]
    }


# --------------------------------------------------------------------------- access
@main.command("access")
@_network_options
@click.option(
    "--origins",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Points or polygons (.gpkg, .shp, .geojson; polygons use their centroid) or "
    "a population raster (.tif: every populated cell is an origin).",
)
@click.option("--origins-layer", default=None, help="Layer name in a multi-layer GeoPackage.")
@click.option(
    "--destinations",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Points or polygons to reach, e.g. special economic zones.",
)
@click.option("--destinations-layer", default=None, help="Layer name in a GeoPackage.")
@click.option(
    "--dest-id", default=None, help="Column with destination names/ids (default: feature number)."
)
@click.option(
    "--pop-col", default=None, help="Vector origins: population column for the threshold summary."
)
@click.option(
    "--thresholds",
    default="30,60,120,240",
    show_default=True,
    help="Minutes for the summary of population within reach.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output: .gpkg or .shp for vector origins; .tif (minutes) for a raster.",
)
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
@_snap_options
@click.pass_context
@_run
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
    from connectivity import io
    from connectivity.measures.accessibility import (
        population_within,
        raster_time_to_nearest,
        time_to_nearest,
    )

    out: Path = kw["out"]
    origins_path: Path = kw["origins"]
    raster = _is_raster_path(origins_path)
    sidecar = _check_out(out, (".tif", ".tiff") if raster else _VECTOR_OUT, kw["overwrite"])
    thresholds = _thresholds(kw["thresholds"])
    snap = {
        "max_snap_m": kw["max_snap_m"],
        "offroad_speed_kmh": kw["offroad_speed_kmh"],
        "max_time_min": kw["max_time_min"],
    }
    started = time.time()
    steps = _steps(4, ctx)
    try:
        with steps.step("reading the road network"):
            net = _load_network(kw["network"], _net_opts(ctx, kw))
        with steps.step("reading origins and destinations"):
            dest = _read_layer(kw["destinations"], kw["destinations_layer"], "destinations")
            origins: Any = (
                None if raster else _read_layer(origins_path, kw["origins_layer"], "origins")
            )
        with steps.step("routing"):
            if raster:
                grid = raster_time_to_nearest(
                    net, origins_path, dest, dest_id_col=kw["dest_id"], **snap
                )
                within = population_within(grid, thresholds_min=thresholds)
                attrs = grid.attrs
            else:
                if kw["pop_col"] and kw["pop_col"] not in origins.columns:
                    msg = (
                        f"--pop-col {kw['pop_col']!r} is not a column of the origins; "
                        f"columns are {list(origins.columns)}"
                    )
                    raise ParameterError(msg)
                if kw["dask"]:
                    from connectivity.measures.batch import batch_origins

                    res = batch_origins(
                        net, origins, dest, chunk_size=kw["chunk_size"], client=kw["dask"],
                        dest_id_col=kw["dest_id"], **snap,
                    )  # fmt: skip
                    res.attrs = _batch_attrs(res.attrs)
                else:
                    res = time_to_nearest(net, origins, dest, dest_id_col=kw["dest_id"], **snap)
                pop = origins[kw["pop_col"]].to_numpy(float) if kw["pop_col"] else [1.0] * len(res)
                within = population_within(res["time_min"], pop, thresholds_min=thresholds)
                attrs = res.attrs
        with steps.step("writing outputs"):
            within_csv = out.with_name(out.stem + "_within.csv")
            if raster:
                written = [
                    io.write_raster(
                        out,
                        grid.time_min,
                        transform=grid.transform,
                        crs=grid.crs,
                        nodata=float("nan"),
                        overwrite=kw["overwrite"],
                        description="travel time to nearest destination (min)",
                    )
                ]
            else:
                layer = _with_attributes(res, origins)
                written = io.write_layers(out, {"access": layer}, overwrite=kw["overwrite"])
            with io.safe_path(within_csv, overwrite=kw["overwrite"]) as tmp:
                within.to_csv(tmp, index=False)
            written.append(within_csv)
            _sidecar(
                sidecar,
                params={
                    "command": "access",
                    **snap,
                    "thresholds_min": thresholds,
                    "dest_id": kw["dest_id"],
                    "pop_col": kw["pop_col"],
                },
                inputs={
                    "network": kw["network"],
                    "origins": origins_path,
                    "destinations": kw["destinations"],
                },
                outputs=written,
                started=started,
                extra={
                    "counts": _jsonable(attrs),
                    "network": repr(net),
                    "population_within": within.to_dict(orient="records"),
                },
                overwrite=kw["overwrite"],
            )
    finally:
        steps.close()
    n, bad = attrs["n_origins"], attrs["n_unreachable"]
    click.echo(f"{n:,} origins, {bad:,} without a travel time; wrote {out}")


def _batch_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Sum the per-chunk counts of a Dask batch into one set of counts."""
    chunks = attrs.get("batches", [])
    total: dict[str, Any] = {"n_batches": len(chunks)}
    for key in ("n_origins", "n_unreachable", "n_beyond_snap"):
        total[key] = int(sum(c.get(key, 0) for c in chunks))
    return total


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, (int, float, str, bool, type(None), list)) else str(v))
        for k, v in d.items()
    }


# --------------------------------------------------------------------------- od
@main.command("od")
@_network_options
@click.option(
    "--origins",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Origin points or polygons (.gpkg, .shp, .geojson).",
)
@click.option("--origins-layer", default=None, help="Layer name in a GeoPackage.")
@click.option("--origin-id", default=None, help="Column with origin ids (default: row number).")
@click.option(
    "--destinations",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Destination points or polygons.",
)
@click.option("--destinations-layer", default=None, help="Layer name in a GeoPackage.")
@click.option("--dest-id", default=None, help="Column with destination ids.")
@click.option(
    "--long",
    "long_format",
    is_flag=True,
    help="Write one row per pair (origin, destination, time_min) instead of a matrix.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output .csv: rows = origins, columns = destinations, minutes.",
)
@_snap_options
@click.pass_context
@_run
def od_cmd(ctx: click.Context, **kw: Any) -> None:
    """Origin-destination matrix of travel times in minutes (CSV).

    \b
    Example (regional capitals to special economic zones):
      connectivity od --network roads.gpkg --class-col highway \\
          --origins capitals.gpkg --origin-id name \\
          --destinations sez.gpkg --dest-id name --out od.csv

    Empty cells are unreachable pairs or points beyond --max-snap-m.
    """
    from connectivity import io
    from connectivity.measures.accessibility import od_matrix

    out: Path = kw["out"]
    sidecar = _check_out(out, (".csv",), kw["overwrite"])
    snap = {
        "max_snap_m": kw["max_snap_m"],
        "offroad_speed_kmh": kw["offroad_speed_kmh"],
        "max_time_min": kw["max_time_min"],
    }
    started = time.time()
    steps = _steps(3, ctx)
    try:
        with steps.step("reading the road network"):
            net = _load_network(kw["network"], _net_opts(ctx, kw))
        with steps.step("routing"):
            a = _read_layer(kw["origins"], kw["origins_layer"], "origins")
            b = _read_layer(kw["destinations"], kw["destinations_layer"], "destinations")
            mat = od_matrix(
                net,
                a,
                b,
                a_id_col=kw["origin_id"],
                b_id_col=kw["dest_id"],
                progress=ctx.obj["progress"],
                **snap,
            )
        with steps.step("writing outputs"):
            table = mat
            if kw["long_format"]:
                long = mat.rename_axis(index="origin", columns="destination")
                table = long.melt(ignore_index=False, value_name="time_min").reset_index()
            with io.safe_path(out, overwrite=kw["overwrite"]) as tmp:
                table.to_csv(tmp, index=not kw["long_format"])
            _sidecar(
                sidecar,
                params={"command": "od", **snap, "long": kw["long_format"]},
                inputs={
                    "network": kw["network"],
                    "origins": kw["origins"],
                    "destinations": kw["destinations"],
                },
                outputs=[out],
                started=started,
                extra={"counts": _jsonable(mat.attrs), "shape": list(mat.shape)},
                overwrite=kw["overwrite"],
            )
    finally:
        steps.close()
    click.echo(
        f"{mat.shape[0]:,} x {mat.shape[1]:,} matrix, "
        f"{mat.attrs['n_pairs_unreachable']:,} pairs without a time; wrote {out}"
    )


# --------------------------------------------------------------------------- isochrones
@main.command("isochrones")
@_network_options
@click.option(
    "--sources",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Points (or polygons) to draw isochrones around.",
)
@click.option("--sources-layer", default=None, help="Layer name in a GeoPackage.")
@click.option("--source-id", default=None, help="Column with source names/ids.")
@click.option(
    "--thresholds",
    default="15,30,60",
    show_default=True,
    help="Minutes, comma separated; one nested polygon per threshold.",
)
@click.option(
    "--buffer-m",
    type=float,
    default=100.0,
    show_default=True,
    help="Half-width (metres) of the band drawn around reached roads.",
)
@click.option(
    "--fill-holes-m2",
    type=float,
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
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output .gpkg or .shp (polygons in the network CRS).",
)
@_snap_options_no_time
@click.pass_context
@_run
def isochrones_cmd(ctx: click.Context, **kw: Any) -> None:
    """Polygons of the area reachable within each threshold from each source.

    \b
    Example:
      connectivity isochrones --network almaty.osm.pbf --sources sez.gpkg \\
          --source-id name --thresholds 15,30,60 --out sez_isochrones.gpkg

    Each polygon is the reached roads (edges cut where the time runs out)
    buffered by --buffer-m; thresholds are nested.
    """
    from connectivity import io
    from connectivity.measures.isochrones import isochrones

    out: Path = kw["out"]
    sidecar = _check_out(out, _VECTOR_OUT, kw["overwrite"])
    thresholds = _thresholds(kw["thresholds"])
    params = {
        "max_snap_m": kw["max_snap_m"],
        "offroad_speed_kmh": kw["offroad_speed_kmh"],
        "buffer_m": kw["buffer_m"],
        "fill_holes_m2": kw["fill_holes_m2"],
        "combine": kw["combine"],
        "reverse": kw["reverse"],
    }
    started = time.time()
    steps = _steps(3, ctx)
    try:
        with steps.step("reading the road network"):
            net = _load_network(kw["network"], _net_opts(ctx, kw))
        with steps.step("isochrones"):
            src = _read_layer(kw["sources"], kw["sources_layer"], "sources")
            iso = isochrones(
                net,
                src,
                thresholds,
                source_id_col=kw["source_id"],
                progress=ctx.obj["progress"],
                **params,
            )
        with steps.step("writing outputs"):
            written = io.write_layers(out, {"isochrones": iso}, overwrite=kw["overwrite"])
            _sidecar(
                sidecar,
                params={"command": "isochrones", **params, "thresholds_min": thresholds},
                inputs={"network": kw["network"], "sources": kw["sources"]},
                outputs=written,
                started=started,
                extra={"n_polygons": len(iso)},
                overwrite=kw["overwrite"],
            )
    finally:
        steps.close()
    click.echo(f"{len(iso):,} isochrone polygons; wrote {out}")


from connectivity.fetch import fetch_group  # noqa: E402  (the fetch commands live with the downloads)

main.add_command(fetch_group, name="fetch")

if __name__ == "__main__":  # pragma: no cover
    main()
