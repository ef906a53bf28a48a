"""``connectivity scenario``: what a list of road changes does to travel times."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.cli.options import (
    POSITIVE,
    claim_output,
    friendly_errors,
    is_raster_path,
    layer_input,
    network_options,
    network_steps,
    parse_thresholds,
    snap_options,
    snap_params,
    thresholds_option,
)
from connectivity.errors import OutputExistsError, ParameterError

__all__ = ["scenario_cmd"]


def _choice(name: str, values: tuple[str, ...], help_text: str) -> Any:
    """An option taking one of ``values`` (the first is the default)."""
    choice = click.Choice(list(values))
    return click.option(name, type=choice, default=values[0], show_default=True, help=help_text)


def _edge_refs(kw: dict[str, Any], net: Any) -> dict[int, Any] | None:
    """``--refs-col``: the ref of every line of a line-layer network, by row (its edge source id)."""
    from connectivity.io import read_layer

    col = kw["refs_col"]
    if col is None:
        return None
    if net.meta.get("builder") != "from_lines":
        msg = "--refs-col needs a network read from a line layer (.gpkg, .shp, .geojson)"
        raise ParameterError(msg)
    lines = read_layer(kw["network"], what="network")
    if col not in lines.columns:
        msg = (
            f"--refs-col {col!r} is not a column of the network; columns are {list(lines.columns)}"
        )
        raise ParameterError(msg)
    return dict(enumerate(lines[col].tolist()))


def _origins(net: Any, kw: dict[str, Any]) -> Any:
    """The origins: a raster path as it is, or a layer (an OriginSet weighted by ``--pop-col``)."""
    from connectivity.io import read_layer
    from connectivity.origins import OriginSet

    if is_raster_path(kw["origins"]):
        if kw["pop_col"]:
            msg = "--pop-col is for vector origins; a raster's cells carry their population"
            raise ParameterError(msg)
        return kw["origins"]
    layer = read_layer(kw["origins"], kw["origins_layer"], what="origins")
    if not kw["pop_col"]:
        return layer
    return OriginSet.from_points(
        net, layer, weights=kw["pop_col"], max_snap_m=kw["max_snap_m"],
        offroad_speed_kmh=kw["offroad_speed_kmh"],
    )  # fmt: skip


def _check_out(ctx: click.Context, out: Path, overwrite: bool) -> None:
    """Refuse, before any work, an output folder holding a previous run (without --overwrite)."""
    claim_output(ctx, out, folder=True)
    if (out / "scenario.json").exists() and not overwrite:
        msg = f"{out} holds the outputs of another run (scenario.json); use --overwrite"
        raise OutputExistsError(msg)


@click.command("scenario")
@network_options
@layer_input(
    "--changes",
    "The changes: a GeoPackage layer (one feature per change) or a .yaml/.json file; "
    "fields in connectivity.scenarios.files (change, speed_kmh, road_class, ref, ids, open, "
    "name ...).",
)
@click.option(
    "--refs-col",
    default=None,
    help="Line-layer network: column with road refs (e.g. ref = KAZ06), for changes by ref.",
)
@layer_input(
    "--origins",
    "Population: a raster (.tif, every populated cell) or points/polygons (.gpkg ...).",
)
@click.option("--pop-col", default=None, help="Vector origins: column of people (default 1 each).")
@layer_input("--destinations", "Destinations, e.g. special economic zones or border crossings.")
@click.option("--dest-id", default=None, help="Column with destination names/ids.")
@click.option(
    "--groups",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Polygons to sum the origins by, e.g. FUAs (.gpkg).",
)
@click.option("--groups-layer", default=None, help="Layer name in a multi-layer GeoPackage.")
@click.option("--group-id", default=None, help="Column with group names/ids.")
@_choice(
    "--measure",
    ("nearest", "border"),
    "nearest: minutes to the nearest destination; border: the destinations are border "
    "crossings, opened or closed by the changes.",
)
@thresholds_option("60,120,240", "Minutes for the population within reach, before and after.")
@_choice("--decay", ("power", "exp"), "Market potential decay f(t): t^-beta or exp(-beta t).")
@click.option("--beta", type=POSITIVE, default=1.0, show_default=True, help="Decay parameter.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output FOLDER: scenario.gpkg, minutes_saved.tif (raster origins), summary.csv, "
    "destinations.csv, groups.csv and scenario.json.",
)
@snap_options(with_time=True)
@click.pass_context
@friendly_errors
def scenario_cmd(ctx: click.Context, **kw: Any) -> None:
    """Minutes saved, people within reach and market potential, before and after road changes.

    \b
    Example (upgrade a road and add a last-mile link; 1 km population grid to SEZs):
      connectivity scenario --network roads.gpkg --speed-col speed_kmh --refs-col ref \\
          --changes changes.yaml --origins pop_1km.tif --destinations sez.gpkg \\
          --dest-id name --groups fua.gpkg --group-id fua_id \\
          --offroad-speed-kmh 15 --max-snap-m 20000 --out scenario_out

    \b
    changes.yaml:
      name: last-mile
      crs: EPSG:4326
      changes:
        - {change: upgrade, ref: KAZ06, speed_kmh: 110}
        - {change: add_link, speed_kmh: 80, geometry: "LINESTRING (69.1 42.3, 69.4 42.5)"}
        - {change: close, bbox: "68.0,41.0,68.5,41.5"}

    The network is changed in memory (the file is not touched); origins are
    snapped once and again onto the changed network. Outputs are written
    all together into the folder, with a JSON sidecar of the parameters,
    the changes, the summary and the input checksums.
    """
    from connectivity.comparison import compare
    from connectivity.io import read_layer
    from connectivity.scenarios import Scenario
    from connectivity.scenarios.inputs import scenario_network

    out: Path = kw["out"]
    _check_out(ctx, out, kw["overwrite"])
    thresholds = parse_thresholds(kw["thresholds"])
    started = time.time()
    with network_steps(ctx, kw, 4) as (steps, net):
        with steps.step("reading the changes and places"):
            scenario = Scenario.from_file(
                kw["changes"], layer=kw["changes_layer"], edge_refs=_edge_refs(kw, net)
            )
            scenario_network(net, scenario)  # refuse a bad change before any routing (kept)
            origins = _origins(net, kw)
            dest = read_layer(kw["destinations"], kw["destinations_layer"], what="destinations")
            groups = None if kw["groups"] is None else read_layer(
                kw["groups"], kw["groups_layer"], what="groups"
            )  # fmt: skip
        with steps.step("routing before and after"):
            result = compare(
                net, scenario, kw["measure"], origins, dest, groups=groups,
                group_id_col=kw["group_id"], dest_id_col=kw["dest_id"],
                thresholds_min=thresholds, decay=kw["decay"], beta=kw["beta"],
                **snap_params(kw),
            )  # fmt: skip
        with steps.step("writing outputs"):
            inputs = {k: kw[k] for k in ("network", "changes", "origins", "destinations", "groups")}
            result.write(
                out, overwrite=kw["overwrite"],
                inputs={k: v for k, v in inputs.items() if v is not None},
                extra={"command": "scenario", "network": repr(net)}, started=started,
            )  # fmt: skip
    s = result.summary
    click.echo(
        f"{scenario.name}: {len(scenario)} changes; population-weighted minutes "
        f"{s['mean_time_before']:.1f} -> {s['mean_time_after']:.1f} "
        f"({s['mean_minutes_saved']:.2f} saved); wrote {out}"
    )
