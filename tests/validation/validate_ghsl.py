"""Validate the Degree of Urbanisation engine against published GHSL results.

Reads the real data in ``../shared/data`` (or ``--data DIR``) and prints:

* Touggourt (GHSL R2019A): urban-centre cells against the official GHS-SMOD
  class 30 (cell IoU, number of centres, cells, people);
* Belgium (GHSL R2023A with BUILT_S and LAND): the number of urban centres
  with the default (R2023A) rules, and the level-2 class at the 50 sample cells
  that the R package flexurba expects with its defaults, with each
  disagreement explained by the cell's values.

Exit status 1 if a check fails, 0 otherwise ("SKIP" lines when data are absent).

Usage::

    python tests/validation/validate_ghsl.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio

import fua
from fua.degurba.classify import DegurbaParams, classify_grid

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script
from tests.validation import default_data

DEFAULT_DATA = default_data()  # $FUA_SHARED_DATA, else ../shared/data
TOUGGOURT = "touggourt"
BELGIUM = "belgium"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text)

    def check(self, ok: bool, text: str) -> None:
        self.say(("PASS " if ok else "FAIL ") + text)
        if not ok:
            self.failures.append(text)


def validate_touggourt(data: Path, rep: Report) -> dict[str, float]:
    d = data / TOUGGOURT
    pop_path = d / "touggourt_GHS_POP_E2015_GLOBE_R2019A_54009_1K_V1_0.tif"
    smod_path = d / "touggourt_GHS_SMOD_POP2015_GLOBE_R2019A_54009_1K_V2_0.tif"
    if not (pop_path.exists() and smod_path.exists()):
        rep.say(f"SKIP Touggourt: data not found at {d}")
        return {}
    grid = fua.read_population(pop_path)
    with rasterio.open(smod_path) as src:
        smod = src.read(1)
    result = classify_grid(grid, DegurbaParams())
    ours = result.centre_labels > 0
    ref = smod == 30
    iou = float((ours & ref).sum() / max((ours | ref).sum(), 1))
    people = float(grid.pop[ours].sum())
    rep.say(
        f"Touggourt R2019A: {result.n_centres} urban centres, {int(ours.sum())} cells, "
        f"{people:,.0f} people; official class 30: {int(ref.sum())} cells, "
        f"{float(grid.pop[ref].sum()):,.0f} people"
    )
    rep.check(iou == 1.0, f"Touggourt urban-centre cell IoU = {iou:.4f} (expected 1.0)")
    rep.check(result.n_centres == 2 and int(ours.sum()) == 35, "Touggourt: 2 centres, 35 cells")
    rep.check(
        abs(people - 192_454) < 1, f"Touggourt: {people:,.1f} people in centres (expected 192 454)"
    )
    return {"touggourt_iou": iou, "touggourt_centres": result.n_centres, "touggourt_pop": people}


def _explain(grid: fua.PopulationGrid, r: int, c: int) -> str:
    land = grid.land_share[r, c] if grid.land_share is not None else 1.0
    built = grid.built_share[r, c] if grid.built_share is not None else 0.0
    return (
        f"pop {grid.pop[r, c]:.1f}, land share {land:.3f}, density {grid.density()[r, c]:.1f}/km², "
        f"built share {built:.3f}"
    )


def validate_belgium(data: Path, rep: Report) -> dict[str, float]:
    d = data / BELGIUM
    sample_path = d / "flexurba_expected_L2_default_sample.json"
    if not (d / "POP.tif").exists() or not sample_path.exists():
        rep.say(f"SKIP Belgium: data not found at {d}")
        return {}
    grid = fua.read_population(d / "POP.tif", land=d / "LAND.tif", built=d / "BUILT_S.tif")
    sample = json.loads(sample_path.read_text())
    idx = np.asarray(sample["cell_index_1based_rowmajor"]) - 1
    expected = np.asarray(sample["expected_L2_default_params"])
    out: dict[str, float] = {}
    for name in ("R2023A", "R2023A-2021", "R2022A"):
        res = classify_grid(grid, DegurbaParams.preset(name))
        got = res.level2.ravel()[idx]
        agree = int((got == expected).sum())
        rep.say(
            f"Belgium {name}: {res.n_centres} urban centres; flexurba sample cells agreeing: {agree}/50"
        )
        for i in np.flatnonzero(got != expected):
            r, c = divmod(int(idx[i]), grid.shape[1])
            rep.say(
                f"    cell {idx[i] + 1} (row {r}, col {c}): flexurba {expected[i]}, ours {got[i]} ({_explain(grid, r, c)})"
            )
        out[f"belgium_{name}_centres"] = res.n_centres
        out[f"belgium_{name}_agree"] = agree
        if name == "R2023A":
            rep.check(agree == 50, f"Belgium default: {agree}/50 sample cells agree with flexurba")
            no_built = classify_grid(grid, DegurbaParams().replace(centre_built_share_min=None))
            tag = "PASS" if res.n_centres == 31 else "DIFF"
            rep.say(
                f"{tag} Belgium default: {res.n_centres} urban centres (published flexurba count: 31); "
                f"{no_built.n_centres} without the built-up option"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with touggourt/ and belgium/"
    )
    args = ap.parse_args(argv)
    rep = Report()
    validate_touggourt(args.data, rep)
    validate_belgium(args.data, rep)
    if rep.failures:
        print(f"{len(rep.failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
