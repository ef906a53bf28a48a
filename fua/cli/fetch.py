"""``fua fetch ghs-pop``: download GHSL population tiles and mosaic them."""

from __future__ import annotations

from pathlib import Path

import click

from connectivity.cli.options import progress_enabled
from fua.cli.options import run_cli

__all__ = ["fetch_group"]


@click.group("fetch")
def fetch_group() -> None:
    """Download real data (GHSL population tiles) into the cache."""


@fetch_group.command("ghs-pop")
@click.option("--country", help="ISO alpha-3 code (KAZ is built in).")
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    metavar="WEST SOUTH EAST NORTH",
    help="Bounding box in degrees instead of --country.",
)
@click.option("--epoch", type=int, default=2020, show_default=True, help="GHS-POP epoch.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mosaic GeoTIFF (default: in the cache).",
)
@click.option("--base-url", help="Server root (default JRC GHSL; env FUA_GHSL_BASE_URL).")
@click.option("--refresh", is_flag=True, help="Download tiles again even when cached.")
@click.option("--overwrite", is_flag=True, help="Replace an existing mosaic.")
@click.pass_context
@run_cli
def fetch_ghs_pop_cmd(
    ctx: click.Context,
    country: str | None,
    bbox: tuple[float, float, float, float] | None,
    epoch: int,
    out: Path | None,
    base_url: str | None,
    refresh: bool,
    overwrite: bool,
) -> None:
    """Download GHS-POP R2023A 1 km tiles and mosaic them into one GeoTIFF.

    \b
    Example:
      fua fetch ghs-pop --country KAZ
      fua demo --out kz/ --population ~/.cache/fua-toolkit/ghsl/GHS_POP_E2020_GLOBE_R2023A_54009_1000_KAZ.tif
    """
    from fua.fetch import fetch_ghs_pop

    path = fetch_ghs_pop(
        country=country, bbox=bbox or None, epoch=epoch, out=out, base_url=base_url,
        refresh=refresh, overwrite=overwrite, progress=progress_enabled(ctx),
    )  # fmt: skip
    click.echo(str(path))
