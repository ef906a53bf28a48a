"""``fua fetch ghs-pop``: download GHSL population tiles and mosaic them."""

from __future__ import annotations

import math
from pathlib import Path

import click

from connectivity.cli.options import claim_output, progress_enabled
from fua.cli.options import run_cli
from fua.fetch import GHSL_EPOCHS

__all__ = ["fetch_group"]


@click.group("fetch")
def fetch_group() -> None:
    """Download real data (GHSL population tiles) into the cache."""


def _bbox(
    ctx: click.Context, param: click.Parameter, value: tuple[float, ...] | None
) -> tuple[float, ...] | None:
    """``--bbox WEST SOUTH EAST NORTH`` in degrees, west < east and south < north."""
    if not value:
        return None
    w, s, e, n = value
    ok = all(math.isfinite(v) for v in value) and -180 <= w < e <= 180 and -90 <= s < n <= 90
    if not ok:
        msg = (
            f"{' '.join(f'{v:g}' for v in value)} is not a box in degrees: give WEST SOUTH EAST "
            "NORTH with -180 <= west < east <= 180 and -90 <= south < north <= 90"
        )
        raise click.BadParameter(msg, ctx, param)
    return value


def _epoch(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value not in GHSL_EPOCHS:
        msg = f"{value} is not a GHS-POP R2023A epoch; choose one of {', '.join(map(str, GHSL_EPOCHS))}"
        raise click.BadParameter(msg, ctx, param)
    return value


@fetch_group.command("ghs-pop")
@click.option("--country", help="ISO alpha-3 code (KAZ is built in).")
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    metavar="WEST SOUTH EAST NORTH",
    callback=_bbox,
    help="Bounding box in degrees instead of --country.",
)
@click.option(
    "--epoch", type=int, default=2020, show_default=True, callback=_epoch, help="GHS-POP epoch."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output FILE: the mosaic GeoTIFF (default: in the cache).",
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

    if out is not None:
        claim_output(ctx, out, folder=False)
    path = fetch_ghs_pop(
        country=country, bbox=bbox or None, epoch=epoch, out=out, base_url=base_url,
        refresh=refresh, overwrite=overwrite, progress=progress_enabled(ctx),
    )  # fmt: skip
    click.echo(str(path))
