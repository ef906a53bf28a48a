"""Validate the Degree of Urbanisation engine against published GHSL results.

Reads the real data in ``../shared/data`` (or ``--data DIR``) and prints:

* Touggourt (GHSL R2019A): urban-centre cells against the official GHS-SMOD
  class 30 (cell IoU, number of centres, cells, people);
* Belgium (GHSL R2023A with BUILT_S and LAND): the number of urban centres
  with the default (R2023A) rules, and the level-2 class at the 50 sample cells
  that the R package flexurba expects with its defaults, with each
  disagreement explained by the cell's values;
* flexurba's published parameter configurations (Belgium and the Pearl River
  Delta) written as :class:`~fua.degurba.params.DegurbaParams`: a table of
  flexurba parameter → our field and value for each, and the number of urban
  centres each gives on the Belgian data;
* stage 2 (the 581 Belgian municipalities): how many unit classes change
  between the 1 km area weights and 100 m population grids built from the
  1 km grid (``classify_units(..., fine_pop=...)``), and how many could
  change at most, whatever the 100 m grid.

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
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from scipy import ndimage

import fua
from fua.degurba.classify import DegurbaParams, classify_grid
from fua.degurba.units import classify_units, unit_cell_weights

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


def belgium_grid(d: Path) -> fua.PopulationGrid:
    """The Belgian 1 km grid with its land and built-up layers."""
    return fua.read_population(d / "POP.tif", land=d / "LAND.tif", built=d / "BUILT_S.tif")


def validate_belgium(data: Path, rep: Report) -> dict[str, float]:
    d = data / BELGIUM
    sample_path = d / "flexurba_expected_L2_default_sample.json"
    if not (d / "POP.tif").exists() or not sample_path.exists():
        rep.say(f"SKIP Belgium: data not found at {d}")
        return {}
    grid = belgium_grid(d)
    sample = json.loads(sample_path.read_text())
    idx = np.asarray(sample["cell_index_1based_rowmajor"]) - 1
    expected = np.asarray(sample["expected_L2_default_params"])
    out: dict[str, float] = {}
    for name in ("R2023A", "R2023A-2021", "R2022A"):
        res = classify_grid(grid, DegurbaParams.preset(name))
        assert res.level2 is not None  # level 2 is computed by default
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


# -- stage 2 from a fine population grid ------------------------------------------------

#: Cells per 1 km cell side of the 100 m grids built for the stage-2 comparison.
FINE = 10


def disaggregate(pop: np.ndarray, weight: np.ndarray, k: int = FINE) -> np.ndarray:
    """People of each coarse cell spread over its k × k sub-cells, keeping every cell's total.

    The sub-cells share a cell's people in proportion to ``weight`` interpolated
    bilinearly at their centres (a smooth surface across cell edges, so a cell
    beside a dense neighbour puts more people on that side); with a constant
    ``weight`` the people are spread evenly.
    """
    rows, cols = pop.shape
    yy, xx = np.meshgrid(
        (np.arange(rows * k) + 0.5) / k - 0.5, (np.arange(cols * k) + 0.5) / k - 0.5, indexing="ij"
    )
    w = np.clip(ndimage.map_coordinates(weight, [yy, xx], order=1, mode="nearest"), 0, None) + 1e-9
    sums = w.reshape(rows, k, cols, k).sum(axis=(1, 3))
    return w * np.repeat(np.repeat(pop / sums, k, axis=0), k, axis=1)


def _possible_classes(res: Any, units: Any) -> np.ndarray:
    """How many stage-2 classes each unit can take, whatever the people's places inside the cells.

    With the 1 km area weights W, a unit surely holds the people of the cells
    it covers wholly and may hold up to all the people of those it covers in
    part. The centre share is smallest with the partial centre cells' people
    outside and the partial other cells' people inside, and largest the other
    way round (likewise the urban share): bounds that no finer grid can pass.
    """
    w = unit_cell_weights(res.grid, units.to_crs(res.grid.crs), method="area")
    full = w.copy()
    full.data = (full.data >= 1 - 1e-9).astype(float)
    part = w.copy()
    part.data = np.ones_like(part.data)
    pop = res.grid.pop.ravel()
    lvl = res.level1.ravel()
    out = np.zeros(w.shape[0], np.int64)
    bounds = []
    for urban in (lvl == 3, lvl >= 2):
        u_full, u_any = full @ (pop * urban), part @ (pop * urban)
        r_full, r_any = full @ (pop * ~urban), part @ (pop * ~urban)
        with np.errstate(invalid="ignore", divide="ignore"):
            bounds.append((u_full / (u_full + r_any), u_any / (u_any + r_full)))
    (c_lo, c_hi), (u_lo, u_hi) = (np.nan_to_num(b, nan=0.0) for b in bounds)
    out += c_hi >= 0.5  # city possible
    out += (c_lo < 0.5) & (u_hi >= 0.5)  # town possible
    out += (c_lo < 0.5) & (u_lo < 0.5)  # rural possible
    return out


def validate_belgium_units(data: Path, rep: Report) -> dict[str, float]:
    """Stage 2 of the 581 municipalities: 1 km area weights against 100 m population grids.

    Belgium's data hold no 100 m population grid, so three are built from the
    1 km POP.tif, each keeping every 1 km cell's people: evenly spread (the
    1 km area weights must then come back exactly), and spread by the density
    or the built-up share interpolated between cell centres (a model of where
    inside a cell people live). A unit's class can move only through the
    1 km cells it covers in part; the number that could move at all, whatever
    the 100 m grid, is printed too.
    """
    d = data / BELGIUM
    path = d / "municipalities_2024_mollweide.gpkg"
    if not (d / "POP.tif").exists() or not path.exists():
        rep.say(f"SKIP Belgium stage 2: data not found at {d}")
        return {}
    grid = belgium_grid(d)
    res = classify_grid(grid, DegurbaParams())
    units = gpd.read_file(path)
    base = classify_units(res, units, id_col="GID_4")
    counts = base["degurba"].value_counts().to_dict()
    rep.say(f"Belgium stage 2, {len(units)} municipalities, 1 km area weights: {counts}")
    fine_t = grid.transform * Affine.scale(1 / FINE)
    models = {
        "even": np.ones(grid.shape),
        "density": grid.pop,
        "built": grid.built_share if grid.built_share is not None else grid.pop,
    }
    out: dict[str, float] = {}
    for name, weight in models.items():
        fine = fua.PopulationGrid(disaggregate(grid.pop, weight), fine_t, grid.crs)
        for method in ("area", "centroid"):
            got = classify_units(res, units, id_col="GID_4", fine_pop=fine, method=method)
            changed = got["degurba"] != base["degurba"]
            out[f"belgium_units_{name}_{method}_changed"] = int(changed.sum())
            moves = {
                k: int(v)
                for k, v in (base["degurba"] + " -> " + got["degurba"])[changed]
                .value_counts()
                .items()
            }
            rep.say(
                f"  100 m {name:7s} {method:8s}: {int(changed.sum())} of {len(units)} classes "
                f"change {moves}"
            )
            for i in np.flatnonzero(changed):
                rep.say(
                    f"      {units['GID_4'].iloc[i]} {units['NAME_4'].iloc[i]}: centre share "
                    f"{base['pop_centre_share'].iloc[i]:.3f} -> {got['pop_centre_share'].iloc[i]:.3f}, "
                    f"urban {1 - base['pop_rural_share'].iloc[i]:.3f} -> "
                    f"{1 - got['pop_rural_share'].iloc[i]:.3f}"
                )
            if name == "even" and method == "area":
                same = np.allclose(
                    got["pop_centre_share"], base["pop_centre_share"], atol=1e-9, equal_nan=True
                )
                rep.check(
                    not changed.any() and same,
                    "Belgium stage 2: an evenly spread 100 m grid gives the 1 km area weights",
                )
    could = _possible_classes(res, units) > 1
    out["belgium_units_could_change"] = int(could.sum())
    rep.say(
        f"  whatever the 100 m grid: {int(could.sum())} of {len(units)} municipalities could "
        "change class (only those with enough people in 1 km centre or cluster cells they "
        "cover in part)"
    )
    return out


# -- flexurba's published configurations as DegurbaParams ------------------------------

#: flexurba 0.2.2 ``DoU_get_grid_parameters()``: level 1 and level 2 defaults together.
FLEXURBA_DEFAULTS: dict[str, Any] = {
    "UC_density_threshold": 1500, "UC_size_threshold": 50000, "UC_contiguity_rule": 4,
    "UC_built_criterium": True, "UC_built_threshold": 0.2, "built_optimal_data": None,
    "UC_smooth_pop": False, "UC_smooth_pop_window": 5, "UC_gap_fill": True, "UC_max_gap": 15,
    "UC_smooth_edge": True, "UC_smooth_edge_fun": "majority_rule_R2023A",
    "UCL_density_threshold": 300, "UCL_size_threshold": 5000, "UCL_contiguity_rule": 8,
    "UCL_smooth_pop": False,
    "DUC_density_threshold": 1500, "DUC_size_threshold": 5000, "DUC_built_criterium": True,
    "DUC_built_threshold": 0.2, "DUC_contiguity_rule": 4,
    "SDUC_density_threshold": 900, "SDUC_size_threshold": 2500, "SDUC_contiguity_rule": 4,
    "SDUC_buffer_size": 2,
    "SUrb_density_threshold": 300, "SUrb_size_threshold": 5000, "SUrb_contiguity_rule": 8,
    "RC_density_threshold": 300, "RC_size_threshold": 500, "RC_contiguity_rule": 8,
    "LDR_density_threshold": 50,
    "water_land_threshold": 0.5, "water_pop_threshold": 0, "water_built_threshold": 0,
}  # fmt: skip

#: flexurba parameter -> our field, where the value carries over as it is. The
#: level-1 urban-cluster (UCL) and level-2 suburban (SUrb) thresholds both map
#: to our cluster fields: flexurba classifies one level per run, and so do they.
_SAME_VALUE = {
    "UC_density_threshold": "centre_density_min_per_km2",
    "UC_size_threshold": "centre_pop_min",
    "UC_contiguity_rule": "centre_connectivity",
    "UCL_density_threshold": "cluster_density_min_per_km2",
    "UCL_size_threshold": "cluster_pop_min",
    "UCL_contiguity_rule": "cluster_connectivity",
    "SUrb_density_threshold": "cluster_density_min_per_km2",
    "SUrb_size_threshold": "cluster_pop_min",
    "SUrb_contiguity_rule": "cluster_connectivity",
    "DUC_density_threshold": "dense_density_min_per_km2",
    "DUC_size_threshold": "dense_pop_min",
    "DUC_contiguity_rule": "dense_connectivity",
    "SDUC_density_threshold": "semi_dense_density_min_per_km2",
    "SDUC_size_threshold": "semi_dense_pop_min",
    "SDUC_contiguity_rule": "semi_dense_connectivity",
    "SDUC_buffer_size": "semi_dense_buffer_km",
    "RC_density_threshold": "rural_cluster_density_min_per_km2",
    "RC_size_threshold": "rural_cluster_pop_min",
    "RC_contiguity_rule": "rural_cluster_connectivity",
    "LDR_density_threshold": "low_density_min_per_km2",
    "water_land_threshold": "water_land_share_max",
}
#: flexurba parameters that only have their default value in our rules.
_DEFAULT_ONLY = (
    "built_optimal_data",
    "UCL_smooth_pop",
    "water_pop_threshold",
    "water_built_threshold",
)
_SMOOTH_EDGE = {"majority_rule_R2022A": "R2022A", "majority_rule_R2023A": "R2023A"}


@dataclass(frozen=True)
class FlexurbaConfig:
    """One configuration flexurba publishes: its name, region, level and changed parameters."""

    name: str
    region: str
    level: int
    changes: dict[str, Any]


#: Sources (flexurba 0.2.2, commit a99be64): the grids shipped in its
#: inst/extdata (classification1-8) with the parameters its tests pair them
#: with (Belgium 1, 2, 6, 7; Pearl River Delta 3, 4, 5, 8; 7 and 8 as the
#: current tests write them, with the semi-dense thresholds of the 2021 rule
#: spelled out since the defaults moved to the 2024 rule); the README example;
#: vignette 2 (urban-centre density x size x gap filling and edge smoothing).
FLEXURBA_CONFIGS: list[FlexurbaConfig] = [
    FlexurbaConfig("classification6 (defaults)", "Belgium", 2, {}),
    FlexurbaConfig("classification7", "Belgium", 2, {
        "LDR_density_threshold": 70, "UC_smooth_edge": False, "DUC_size_threshold": 6000,
        "SDUC_density_threshold": 300, "SDUC_size_threshold": 5000, "SDUC_contiguity_rule": 8,
        "SDUC_buffer_size": 3}),
    FlexurbaConfig("classification1 (R2022A)", "Belgium", 1, {
        "UC_built_threshold": 0.5, "UC_smooth_edge_fun": "majority_rule_R2022A"}),
    FlexurbaConfig("classification2", "Belgium", 1, {
        "UC_density_threshold": 1000, "UC_size_threshold": 40000, "UC_built_criterium": False,
        "UC_gap_fill": False, "UC_built_threshold": 0.5, "UC_smooth_edge": False,
        "UC_smooth_pop": True, "UC_smooth_pop_window": 3}),
    FlexurbaConfig("README example", "Belgium", 1, {
        "UC_density_threshold": 1250, "UC_size_threshold": 60000}),
    *(
        FlexurbaConfig(f"vignette 2: {d}/{n}/{'gap+smooth' if g else 'neither'}", "Belgium", 1, {
            "UC_density_threshold": d, "UC_size_threshold": n, "UC_gap_fill": g,
            "UC_smooth_edge": g})
        for d in (1500, 2000) for n in (50000, 75000) for g in (True, False)
    ),
    FlexurbaConfig("classification3", "Pearl River Delta", 1, {
        "UCL_density_threshold": 400, "UCL_size_threshold": 7000, "UC_built_threshold": 0.5,
        "UC_contiguity_rule": 8, "UC_smooth_edge_fun": "majority_rule_R2022A"}),
    FlexurbaConfig("classification4", "Pearl River Delta", 1, {
        "UC_density_threshold": 2000, "UCL_size_threshold": 80000, "UC_contiguity_rule": 8,
        "UC_gap_fill": False, "UC_smooth_edge": False, "UC_built_threshold": 0.5}),
    FlexurbaConfig("classification5 (written as codes 30/20/10)", "Pearl River Delta", 1, {
        "UC_density_threshold": 1250, "UCL_size_threshold": 60000, "UC_gap_fill": False,
        "UC_smooth_edge_fun": "majority_rule_R2023A", "UC_built_threshold": 0.5}),
    FlexurbaConfig("classification8", "Pearl River Delta", 2, {
        "UC_size_threshold": 60000, "UC_max_gap": 3, "DUC_density_threshold": 1000,
        "SDUC_density_threshold": 300, "SDUC_size_threshold": 5000, "SDUC_contiguity_rule": 4,
        "SUrb_contiguity_rule": 4}),
]  # fmt: skip


def _coupled_fields(f: dict[str, Any]) -> dict[str, Any]:
    """Our fields for flexurba's switch + value pairs (off is None, 0 or "none")."""
    fun = f["UC_smooth_edge_fun"]
    if f["UC_smooth_edge"] and fun not in _SMOOTH_EDGE:
        msg = f"UC_smooth_edge_fun={fun!r}: only the R2022A and R2023A majority rules exist here"
        raise fua.ParameterError(msg)
    return {
        "centre_built_share_min": float(f["UC_built_threshold"])
        if f["UC_built_criterium"]
        else None,
        "dense_built_share_min": float(f["DUC_built_threshold"])
        if f["DUC_built_criterium"]
        else None,
        "centre_smooth_window": int(f["UC_smooth_pop_window"]) if f["UC_smooth_pop"] else 0,
        "centre_hole_max_km2": float(f["UC_max_gap"]) if f["UC_gap_fill"] else 0.0,
        "centre_smoothing": _SMOOTH_EDGE[fun] if f["UC_smooth_edge"] else "none",
    }


def flexurba_params(changes: dict[str, Any]) -> DegurbaParams:
    """flexurba's defaults changed by ``changes``, as DegurbaParams.

    flexurba always rounds the built-up share of land to 3 decimals and
    classifies cells without population data as rural: the translation sets
    ``built_share_decimals=3`` and ``nodata_class="rural"``. Raises
    :class:`~fua.ParameterError` for a value our rules cannot express.
    """
    unknown = (
        set(changes) - set(FLEXURBA_DEFAULTS) - {"UC_smooth_pop_window", "UCL_smooth_pop_window"}
    )
    if unknown:
        raise fua.ParameterError(f"unknown flexurba parameter(s) {sorted(unknown)}")
    f = {**FLEXURBA_DEFAULTS, **changes}
    fixed = [k for k in _DEFAULT_ONLY if f[k] != FLEXURBA_DEFAULTS[k]]
    if fixed:
        raise fua.ParameterError(f"flexurba {fixed} have no DegurbaParams equivalent")
    ours: dict[str, Any] = {ours: f[theirs] for theirs, ours in _SAME_VALUE.items()}
    for key in ("cluster_density_min_per_km2", "cluster_pop_min", "cluster_connectivity"):
        ucl = next(t for t, o in _SAME_VALUE.items() if o == key and t.startswith("UCL"))
        surb = next(t for t, o in _SAME_VALUE.items() if o == key and t.startswith("SUrb"))
        # one of the two is changed at most (a level-1 or a level-2 configuration)
        ours[key] = f[surb] if surb in changes else f[ucl]
    ours = {k: float(v) if isinstance(v, int) and not k.endswith("_connectivity") else v
            for k, v in ours.items()}  # fmt: skip
    ours.update(_coupled_fields(f))
    return DegurbaParams(
        preset_name="flexurba", built_share_decimals=3, nodata_class="rural", **ours
    )


def _changed_fields(params: DegurbaParams) -> dict[str, Any]:
    base = DegurbaParams().to_dict()
    return {k: v for k, v in params.to_dict().items() if k != "preset_name" and v != base[k]}


def validate_flexurba_configs(data: Path, rep: Report) -> dict[str, float]:
    """The table flexurba parameter -> DegurbaParams field, and centre counts on Belgium."""
    defaults = flexurba_params({})
    extra = _changed_fields(defaults)
    rep.check(
        extra == {"built_share_decimals": 3, "nodata_class": "rural"},
        "flexurba defaults = DegurbaParams() (R2023A) + built_share_decimals=3, "
        f"nodata_class='rural' (differences: {extra})",
    )
    d = data / BELGIUM
    grid = None
    if (d / "POP.tif").exists():
        grid = belgium_grid(d)
    else:
        rep.say(f"SKIP flexurba configurations on Belgium: data not found at {d}")
    out: dict[str, float] = {}
    rep.say("flexurba configuration -> DegurbaParams (fields changed from the flexurba defaults)")
    for cfg in FLEXURBA_CONFIGS:
        params = flexurba_params(cfg.changes)
        rep.say(f"  {cfg.region}, {cfg.name} (level {cfg.level}):")
        mine = {k: v for k, v in _changed_fields(params).items() if k not in extra}
        for theirs, value in cfg.changes.items():
            rep.say(f"      {theirs} = {value!r}")
        rep.say(f"    -> {', '.join(f'{k}={v!r}' for k, v in mine.items()) or '(the defaults)'}")
        if grid is not None:
            n = classify_grid(grid, params, level=cfg.level).n_centres
            out[f"flexurba_{cfg.region}_{cfg.name}_centres"] = n
            rep.say(f"    on Belgium: {n} urban centres")
    rep.say(
        "  not expressible (none of these configurations changes them): "
        + ", ".join(_DEFAULT_ONLY)
        + " (only their defaults: a fixed built-up threshold, no cluster smoothing, water with "
        "no people and no built-up)"
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
    validate_belgium_units(args.data, rep)
    validate_flexurba_configs(args.data, rep)
    if rep.failures:
        print(f"{len(rep.failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
