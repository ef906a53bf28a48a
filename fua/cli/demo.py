"""``fua demo``: the whole Kazakhstan case study, offline, into one folder."""

from __future__ import annotations

import time
from pathlib import Path

import click

from connectivity.cli.options import claim_output, overwrite_option, progress_enabled
from fua.cli.options import file_path_option, out_dir_option, run_cli

__all__ = ["demo_cmd"]


@click.command("demo")
@out_dir_option
@file_path_option(
    "--population",
    "A real GHS-POP/WorldPop raster instead of the MODELLED surface (see `fua fetch ghs-pop`).",
)
@click.option(
    "--roads",
    type=click.Path(path_type=Path),
    help="An OSM extract (.osm.pbf) or line layer instead of the embedded network (see `connectivity fetch osm`).",
)
@click.option(
    "--crs",
    default=None,
    help="CRS of every vector layer, e.g. EPSG:4326 (default: the analysis grid's CRS).",
)
@overwrite_option("Replace earlier demo outputs in --out.")
@click.pass_context
@run_cli
def demo_cmd(
    ctx: click.Context,
    out_dir: Path,
    population: Path | None,
    roads: Path | None,
    crs: str | None,
    overwrite: bool,
) -> None:
    """Run the whole Kazakhstan pipeline offline and write a report-ready set of outputs.

    Grid classes -> urban centres -> FUAs (urban centres of 50 000+ and 100 000+) ->
    travel times to SEZs, corridors and border crossings -> metrics. By default on
    the embedded MODELLED population surface and the real trunk roads with PROXY access
    links (labelled as such in every output).

    \b
    Example:
      fua demo --out kz_demo/
      fua demo --out kz_real/ --population GHS_POP_KAZ.tif --roads kazakhstan-latest.osm.pbf

    Writes to the FOLDER --out: report.html (open it in a browser),
    kazakhstan_demo.gpkg, GeoTIFFs with QGIS styles, shapefiles/, tables/, maps/
    and demo.json. The outputs appear together at the end; a run that fails or is
    interrupted (Ctrl-C) leaves nothing behind.
    """
    from fua.kazakhstan.pipeline import run_demo

    claim_output(ctx, out_dir, folder=True)
    t0 = time.perf_counter()
    res = run_demo(
        out_dir,
        population=population,
        roads=roads,
        overwrite=overwrite,
        progress=progress_enabled(ctx),
        crs=crs,
    )
    s = res.summary
    click.echo(f"Population: {s['population_input']}")
    click.echo(f"Roads:      {s['roads_input']}")
    click.echo(
        f"Grid {s['grid_shape'][0]}x{s['grid_shape'][1]} cells, {s['population_total']:,.0f} people, "
        f"{s['n_urban_centres']} urban centres, {s['n_urban_clusters']} urban clusters"
    )
    for k, f in s["fuas"].items():
        share = f["share_in_fuas"]
        top = ", ".join(f"{x['name']} {x['pop'] / 1e6:.2f} M" for x in f["largest"][:3])
        click.echo(
            f"FUAs (centres >= {k}): {f['n_fuas']}, {f['pop_in_fuas']:,.0f} people"
            + (f" ({100 * share:.1f} %)" if share is not None else "")
            + f"; largest: {top}"
        )
    w = s["share_within_max_threshold"]
    shares = ", ".join(f"{k} {100 * v:.0f} %" for k, v in w.items() if k != "threshold_min")
    click.echo(f"People within {w['threshold_min']:g} min of the nearest: {shares}")

    def _m(v: float | None) -> str:
        return "–" if v is None else f"{v:.0f}"

    click.echo(
        f"SEZs: {s['sez_inside_a_fua']} of {len(res.sez)} inside a FUA; median "
        f"{_m(s['sez_median_time_to_corridor_min'])} min to a corridor access point, "
        f"{_m(s['sez_median_time_to_border_min'])} min to a border crossing "
        f"(associations: n = {len(res.sez)}, descriptive only)"
    )
    for note in res.notes:
        click.echo(f"Note: {note}")
    click.echo(f"Done in {time.perf_counter() - t0:.1f} s. Open {res.files['report']}")
