"""``connectivity build``: build a road network once and save it (``.npz`` or ``.gpkg``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.build.osm import NETWORK_TYPES
from connectivity.cli.options import (
    check_out,
    friendly_errors,
    overwrite_option,
    progress_enabled,
    run_steps,
    write_run_sidecar,
)
from connectivity.errors import ParameterError

__all__ = ["build_cmd", "parse_bbox"]

#: Outputs of ``connectivity build``.
NETWORK_OUT = (".npz", ".gpkg")


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``"W,S,E,N"`` (degrees) as four floats (checked by the builders)."""
    if text is None:
        return None
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        msg = f"--bbox must be WEST,SOUTH,EAST,NORTH in degrees, e.g. 76.85,43.2,77.0,43.3; got {text!r}"
        raise ParameterError(msg)
    return values


def _build(ctx: click.Context, kw: dict[str, Any], area: dict[str, Any]) -> Any:
    """The network of ``NETWORK`` (clipped to ``area``), or downloaded through osmnx."""
    from connectivity.io import NETWORK_OSM_SUFFIXES, read_network
    from connectivity.network import RoadNetwork

    network: Path | None = kw["network"]
    common = {"network_type": kw["network_type"], "crs": kw["crs"]}
    if network is not None:
        if kw["place"] is not None:
            msg = "give NETWORK (a file) or --place (a download), not both"
            raise ParameterError(msg)
        if network.name.lower().endswith(NETWORK_OSM_SUFFIXES):
            return RoadNetwork.from_osm(network, **common, **area, progress=progress_enabled(ctx))
        if area:
            msg = "--bbox and --polygon clip OSM files (.osm.pbf, .osm) and downloads only"
            raise ParameterError(msg)
        return read_network(network, crs=kw["crs"], progress=progress_enabled(ctx))
    if kw["place"] is not None:
        if area:
            msg = "give --place, --bbox or --polygon, not several"
            raise ParameterError(msg)
        return RoadNetwork.from_place(kw["place"], **common)
    if "bbox" in area:
        return RoadNetwork.from_bbox(area["bbox"], **common)
    if "polygon" in area:
        return RoadNetwork.from_polygon(area["polygon"], **common)
    msg = "give NETWORK (an OSM file) or download one with --place, --bbox or --polygon"
    raise ParameterError(msg)


def _save(net: Any, out: Path, overwrite: bool) -> list[Path]:
    if out.suffix.lower() == ".npz":
        return [net.save(out, overwrite=overwrite)]
    from connectivity.io import write_layers

    nodes, edges = net.to_gdfs()
    return write_layers(out, {"edges": edges, "nodes": nodes}, overwrite=overwrite)


@click.command("build")
@click.argument("network", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="net.npz (fast reload) or net.gpkg (layers edges and nodes, osmnx's columns).")  # fmt: skip
@click.option("--bbox", default=None,
              help="WEST,SOUTH,EAST,NORTH (degrees): clip NETWORK to it, or download it.")  # fmt: skip
@click.option("--polygon", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Polygon layer (.gpkg, .geojson, .shp): clip NETWORK to it, or download it.")  # fmt: skip
@click.option("--place", default=None,
              help="Download a place through osmnx (Nominatim, Overpass), e.g. 'Almaty, Kazakhstan'.")  # fmt: skip
@click.option("--network-type", type=click.Choice(NETWORK_TYPES), default="drive",
              show_default=True, help="osmnx's way filter (and default speeds: walk, bike, cars).")  # fmt: skip
@click.option("--crs", default=None,
              help="Projected CRS of the network, e.g. EPSG:32643 (default: UTM zone of the data).")  # fmt: skip
@overwrite_option()
@click.pass_context
@friendly_errors
def build_cmd(ctx: click.Context, **kw: Any) -> None:
    """Build a road network once and save it, for every command's --network.

    NETWORK is an OSM file (.osm.pbf, .osm), a line layer or a saved network;
    without it the network is downloaded through osmnx for --place, --bbox or
    --polygon.

    \b
    Examples:
      connectivity build kazakhstan-latest.osm.pbf --bbox 76.8,43.15,77.05,43.35 --out almaty.npz
      connectivity build --place "Almaty, Kazakhstan" --network-type walk --out walk.gpkg
    """
    from connectivity.io import read_layer

    out: Path = kw["out"]
    sidecar = check_out(out, NETWORK_OUT, kw["overwrite"])
    area: dict[str, Any] = {}
    if kw["bbox"] is not None:
        area["bbox"] = parse_bbox(kw["bbox"])
    if kw["polygon"] is not None:
        area["polygon"] = read_layer(kw["polygon"], what="polygon")
    started = time.time()
    with run_steps(ctx, 2) as steps:
        with steps.step("building the road network"):
            net = _build(ctx, kw, area)
        with steps.step("writing the network"):
            written = _save(net, out, kw["overwrite"])
            params = {k: kw[k] for k in ("bbox", "place", "network_type", "crs")}
            inputs = {k: kw[k] for k in ("network", "polygon") if kw[k] is not None}
            write_run_sidecar(
                sidecar, command="build", params=params, inputs=inputs, outputs=written,
                started=started, overwrite=kw["overwrite"],
                extra={"n_nodes": net.n_nodes, "n_edges": net.n_edges,
                       "length_km": round(net.total_length_km(), 3), "crs": net.crs.to_string()},
            )  # fmt: skip
    click.echo(
        f"{net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
        f"{net.total_length_km():,.1f} km; wrote {out}"
    )
