"""``fua compare-epochs``: the Degree of Urbanisation of several epochs and what changed between them."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from connectivity.cli.options import claim_output, overwrite_option, progress_enabled, run_steps
from connectivity.errors import ParameterError
from fua.cli.options import (
    choice_option,
    count,
    out_dir_option,
    param_option,
    parse_params,
    run_cli,
)

__all__ = ["compare_epochs_cmd", "epochs_of"]

_EPOCH_IN_NAME = re.compile(r"(?:^|[^0-9])E?((?:19|20)[0-9]{2})(?:[^0-9]|$)")


def epochs_of(paths: tuple[Path, ...], given: tuple[int, ...]) -> list[int]:
    """The epoch of each file: ``--epoch`` values in order, else the year in its name (``E1990``)."""
    if given:
        if len(given) != len(paths):
            msg = f"{len(given)} --epoch value(s) for {len(paths)} population file(s): give one per file"
            raise ParameterError(msg)
        out = list(given)
    else:
        out = []
        for p in paths:
            years = _EPOCH_IN_NAME.findall(p.name)
            if len(years) != 1:
                msg = f"cannot tell the epoch of {p.name} from its name: give --epoch YEAR for every file"
                raise ParameterError(msg)
            out.append(int(years[0]))
    if len(set(out)) != len(out):
        msg = f"epochs {out} repeat a year: each file must be a different epoch"
        raise ParameterError(msg)
    return out


@click.command("compare-epochs")
@click.argument("pops", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--epoch",
    "epochs",
    type=int,
    multiple=True,
    help="Epoch (year) of each POP file, in order; repeat it. Default: the year in the file "
    "name (GHS_POP_E1990_...).",
)
@out_dir_option
@choice_option(
    "--preset",
    ["R2023A", "R2023A-2021", "R2022A", "manual2021"],
    "R2023A",
    "Published rule set of the Degree of Urbanisation (the same for every epoch).",
)
@param_option("centre_pop_min=100000")
@click.option(
    "--crs",
    "target_crs",
    default="ESRI:54009",
    show_default=True,
    help="Equal-area CRS of the common 1 km grid every epoch is read onto (population conserved).",
)
@overwrite_option("Replace existing outputs in --out.")
@click.pass_context
@run_cli
def compare_epochs_cmd(
    ctx: click.Context,
    pops: tuple[Path, ...],
    epochs: tuple[int, ...],
    out_dir: Path,
    preset: str,
    params: tuple[str, ...],
    target_crs: str,
    overwrite: bool,
) -> None:
    """Classify POP rasters of several epochs and compare their urban centres.

    \b
    Example:
      fua compare-epochs GHS_POP_E1990.tif GHS_POP_E2020.tif --epoch 1990 --epoch 2020 --out out/

    All files must cover the same grid (GHS-POP epochs share the GHSL
    lattice). Writes to the FOLDER --out: epochs.gpkg (per pair of
    consecutive epochs, the urban centres that appeared, disappeared, merged,
    split or grew, with population and area before and after),
    change_<a>_<b>.tif (+ .qml; level-1 class before and after, code
    10*before+after) and epochs.json (parameters, input checksums).
    """
    from fua.degurba.classify import DegurbaParams, classify_grid
    from fua.epochs import compare_epochs
    from fua.grid import read_population

    if len(pops) < 2:
        msg = "compare-epochs needs at least two population rasters (one per epoch)"
        raise ParameterError(msg)
    years = epochs_of(pops, epochs)
    p = parse_params(params, DegurbaParams.preset(preset))
    claim_output(ctx, out_dir, folder=True)
    t0 = time.perf_counter()
    results = {}
    with run_steps(ctx, len(pops) + 2) as steps:
        for year, pop in sorted(zip(years, pops, strict=True)):
            with steps.step(f"classifying {year}"):
                grid = read_population(pop, target_crs=target_crs, progress=progress_enabled(ctx))
                results[year] = classify_grid(grid, p, level=1)
        with steps.step("comparing epochs"):
            comparison = compare_epochs(results)
        with steps.step("writing outputs"):
            inputs = {f"pop_{y}": path for y, path in zip(years, pops, strict=True)}
            written = comparison.write(out_dir, overwrite=overwrite, inputs=inputs)
    for (a, b), table in comparison.centres.items():
        kinds = table["change"].value_counts()
        text = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "no urban centres"
        click.echo(
            f"{a} -> {b}: {count(results[a].n_centres, 'urban centre')} -> "
            f"{results[b].n_centres}: {text}"
        )
    click.echo(f"compared {len(years)} epochs in {time.perf_counter() - t0:.1f} s")
    for name, path in written.items():
        click.echo(f"  {name}: {path}")
