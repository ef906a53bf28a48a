"""``connectivity rank-links``: rank candidate road links, each evaluated alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from connectivity.cli.options import (
    POSITIVE,
    claim_output,
    friendly_errors,
    layer_input,
    network_options,
    network_steps,
    progress_enabled,
    snap_options,
    snap_params,
    write_run_sidecar,
)
from connectivity.errors import ParameterError

__all__ = ["rank_links_cmd"]

#: The files ``rank-links`` writes into ``--out``.
OUTPUT_NAMES = ("ranked_links.gpkg", "ranked_links.csv", "rank_links.json")


def _objective_options(f: Any) -> Any:
    for option in reversed([
        click.option("--objective", type=click.Choice(["minutes", "within", "market_potential"]),
                     default="minutes", show_default=True,
                     help="minutes: person-minutes saved to the nearest destination; within: "
                     "people newly within --within-min; market_potential: change in the "
                     "destinations' market potential over the origins' people."),
        click.option("--within-min", type=POSITIVE, default=60.0, show_default=True,
                     help="Threshold (minutes) of --objective within."),
        click.option("--decay", type=click.Choice(["power", "exp"]), default="power",
                     show_default=True, help="Distance decay of market potential."),
        click.option("--beta", type=POSITIVE, default=1.0, show_default=True,
                     help="Decay parameter: t^-beta (power) or exp(-beta t)."),
        click.option("--speed-kmh", type=POSITIVE, default=80.0, show_default=True,
                     help="Speed of a new link (where the candidates have no speed_kmh)."),
        click.option("--road-class", default="primary", show_default=True,
                     help="Class of a new link (where the candidates have no road_class)."),
        click.option("--join", type=click.Choice(["nodes", "snap"]), default="nodes",
                     show_default=True, help="Join a link's ends to the nearest nodes, or snap "
                     "them onto the nearest edges."),
        click.option("--max-join-m", type=POSITIVE, default=1000.0, show_default=True,
                     help="A link end farther than this from every road is refused."),
        click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
                     help="Links written (the best first)."),
    ]):  # fmt: skip
        f = option(f)
    return f


@click.command("rank-links")
@network_options
@click.option("--candidates", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Candidate links: a line layer in a projected CRS (columns "
              "link_id, speed_kmh, road_class, oneway are used when present).")  # fmt: skip
@click.option("--auto", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Instead of --candidates: places (SEZs, FUA centres, border "
              "crossings; points) that get a straight last-mile link to the nearest corridor "
              "access point (needs --corridors).")  # fmt: skip
@click.option("--place-id", default=None, help="--auto: column with the place ids.")
@click.option("--corridors", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Corridor lines: their access points (nodes within "
              "--corridor-tolerance-m) end the --auto links, and are the destinations when "
              "--destinations is not given.")  # fmt: skip
@click.option("--corridor-tolerance-m", type=POSITIVE, default=1000.0, show_default=True,
              help="Nodes within this distance of a corridor line are its access points.")  # fmt: skip
@layer_input("--origins", "The people: a population raster (.tif: every populated cell) or "
             "points/polygons (each counts 1, or --pop-col).")  # fmt: skip
@click.option("--pop-col", default=None, help="Vector origins: column of people.")
@click.option("--destinations", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Points or polygons to reach (e.g. SEZs); default: the "
              "corridor access points.")  # fmt: skip
@click.option("--destinations-layer", default=None, help="Layer of --destinations.")
@click.option("--dest-id", default=None, help="Column with destination ids.")
@_objective_options
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Output FOLDER: ranked_links.gpkg (styled), ranked_links.csv and "
              "rank_links.json (the sidecar).")  # fmt: skip
@snap_options(with_time=False)
@click.pass_context
@friendly_errors
def rank_links_cmd(ctx: click.Context, **kw: Any) -> None:
    """Rank candidate road links by what each one alone brings.

    \b
    Example (last-mile links from SEZs to the corridors, people within 2 hours):
      connectivity rank-links --network kz.npz --auto sez.gpkg --corridors corridors.gpkg \\
          --origins pop_1km.tif --objective within --within-min 120 \\
          --offroad-speed-kmh 15 --top 20 --out ranked/

    Each link is added alone to the network; benefit is the objective's gain,
    benefit_per_km the gain per km of link (length_km is the cost proxy).
    """
    out: Path = kw["out"]
    _check_inputs(kw)
    if out.exists() and not out.is_dir():
        msg = f"--out is a folder; {str(out)!r} is a file"
        raise ParameterError(msg)
    claim_output(ctx, out, folder=True)
    started = time.time()
    with network_steps(ctx, kw, 4) as (steps, net):
        with steps.step("reading the candidates, origins and destinations"):
            cands, origins, dest, nodes = _inputs(net, kw)
        with steps.step("ranking the links"):
            ranked = _rank(net, cands, origins, dest, nodes, kw, progress_enabled(ctx))
        with steps.step("writing outputs"):
            written = _write(out, ranked, kw, started)
    best = ranked.iloc[0] if len(ranked) else None
    tail = f"; best {best['link_id']} (benefit {best['benefit']:,.1f})" if best is not None else ""
    click.echo(f"{ranked.attrs['n_candidates']:,} candidate links ranked{tail}; wrote "
               f"{', '.join(p.name for p in written)} to {out}")  # fmt: skip


def _check_inputs(kw: dict[str, Any]) -> None:
    """Exactly one source of candidates; corridors where they are needed."""
    if (kw["candidates"] is None) == (kw["auto"] is None):
        msg = "give either --candidates LINES or --auto PLACES (with --corridors)"
        raise ParameterError(msg)
    if kw["corridors"] is None and (kw["auto"] is not None or kw["destinations"] is None):
        msg = "--corridors is needed with --auto and when --destinations is not given"
        raise ParameterError(msg)
    if kw["objective"] == "market_potential" and kw["destinations"] is None:
        msg = (
            "--objective market_potential needs --destinations (the places whose potential counts)"
        )
        raise ParameterError(msg)


def _inputs(net: Any, kw: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    """Candidates (read or made), origins, destinations (or the corridor access nodes)."""
    from connectivity import OriginSet, corridor_access
    from connectivity.io import read_layer
    from connectivity.lastmile import last_mile_candidates

    nodes = access = None
    if kw["corridors"] is not None:
        lines = read_layer(kw["corridors"], None, what="corridors")
        access = corridor_access(net, lines, tolerance_m=kw["corridor_tolerance_m"])
        nodes = access["node"].unique()
    if kw["auto"] is not None:
        places = read_layer(kw["auto"], None, what="places")
        cands = last_mile_candidates(net, places, access, place_id_col=kw["place_id"],
                                     speed_kmh=kw["speed_kmh"], road_class=kw["road_class"])  # fmt: skip
        if cands.empty:
            msg = "every --auto place is on a corridor already: no last-mile link to rank"
            raise ParameterError(msg)
    else:
        cands = read_layer(kw["candidates"], None, what="candidate links")
    origins: Any = kw["origins"]
    if Path(origins).suffix.lower() not in (".tif", ".tiff", ".vrt", ".img"):
        layer = read_layer(origins, kw["origins_layer"], what="origins")
        origins = OriginSet.from_points(net, layer, weights=kw["pop_col"], **snap_params(kw))
    dest = None
    if kw["destinations"] is not None:
        dest = read_layer(kw["destinations"], kw["destinations_layer"], what="destinations")
        dest = OriginSet.from_points(net, dest, id_col=kw["dest_id"], name="destinations",
                                     **snap_params(kw))  # fmt: skip
        nodes = None
    return cands, origins, dest, nodes


def _rank(
    net: Any, cands: Any, origins: Any, dest: Any, nodes: Any, kw: dict[str, Any], progress: bool
) -> Any:
    from connectivity.rank import rank_links

    return rank_links(
        net, cands, origins, dest, nodes=nodes, objective=kw["objective"],
        within_min=kw["within_min"], decay=kw["decay"], beta=kw["beta"],
        speed_kmh=kw["speed_kmh"], road_class=kw["road_class"], join=kw["join"],
        max_join_m=kw["max_join_m"], top=kw["top"], progress=progress, **snap_params(kw),
    )  # fmt: skip


def _write(out: Path, ranked: Any, kw: dict[str, Any], started: float) -> list[Path]:
    """The styled GeoPackage, the CSV and the sidecar, moved into ``out`` together."""
    from connectivity.io import write_layers
    from connectivity.outputs import safe_directory
    from connectivity.rank import ranked_links_style

    layer = ranked.copy()
    for c in layer.columns:  # ids of any type as text (GeoPackage fields are typed)
        if layer[c].dtype == object and c != layer.geometry.name:
            layer[c] = layer[c].map(lambda v: v if v is None else str(v))
    with safe_directory(out, OUTPUT_NAMES, overwrite=kw["overwrite"]) as staging:
        write_layers(staging / OUTPUT_NAMES[0], {"ranked_links": layer},
                     styles={"ranked_links": ranked_links_style(ranked)})  # fmt: skip
        ranked.drop(columns=ranked.geometry.name).to_csv(staging / OUTPUT_NAMES[1], index=False)
        final = [out / n for n in OUTPUT_NAMES[:2]]
        write_run_sidecar(
            staging / OUTPUT_NAMES[2],
            command="rank-links",
            params={**snap_params(kw), **{k: kw[k] for k in (
                "objective", "within_min", "decay", "beta", "speed_kmh", "road_class", "join",
                "max_join_m", "top", "corridor_tolerance_m", "pop_col", "dest_id", "place_id")}},
            inputs={k: kw[k] for k in ("network", "candidates", "auto", "corridors", "origins",
                                       "destinations") if kw[k] is not None},
            outputs=[staging / n for n in OUTPUT_NAMES[:2]],
            started=started,
            extra={"ranking": ranked.attrs},
            overwrite=True,
        )  # fmt: skip
    return [*final, out / OUTPUT_NAMES[2]]
