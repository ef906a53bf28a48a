"""``connectivity fetch osm``: download an OpenStreetMap extract from Geofabrik."""

from __future__ import annotations

from pathlib import Path

import click

from connectivity.cli.options import claim_output, friendly_errors, progress_enabled
from connectivity.fetch import GEOFABRIK_REGIONS

__all__ = ["fetch_group"]


@click.group("fetch")
def fetch_group() -> None:
    """Download real data (OpenStreetMap extracts) into the cache."""


@fetch_group.command("osm")
@click.option("--country", default="KAZ", show_default=True,
              help=f"ISO alpha-3 code: {', '.join(sorted(GEOFABRIK_REGIONS))}.")  # fmt: skip
@click.option("--region", help="A Geofabrik path instead, e.g. asia/kyrgyzstan.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output FOLDER for the extract (default: the cache).")  # fmt: skip
@click.option("--base-url", help="Server root (default Geofabrik; env CONNECTIVITY_GEOFABRIK_URL).")
@click.option("--refresh", is_flag=True, help="Download again even if the cached file matches.")
@click.pass_context
@friendly_errors
def fetch_osm_cmd(
    ctx: click.Context,
    country: str,
    region: str | None,
    out_dir: Path | None,
    base_url: str | None,
    refresh: bool,
) -> None:
    """Download an OSM extract (.osm.pbf) from Geofabrik, checked against its MD5.

    \b
    Example:
      connectivity fetch osm --country KAZ
      fua demo --out out/ --roads ~/.cache/fua-toolkit/osm/kazakhstan-latest.osm.pbf
    """
    from connectivity.fetch import fetch_osm

    if out_dir is not None:
        claim_output(ctx, out_dir, folder=True)
    path = fetch_osm(country=country, region=region, out_dir=out_dir, base_url=base_url,
                     refresh=refresh, progress=progress_enabled(ctx))  # fmt: skip
    click.echo(str(Path(path).resolve()))  # where the file went, absolute
