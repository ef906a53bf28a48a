"""``fua delineate`` and ``fua commuting-model`` (fit, score): functional urban areas."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connectivity.cli.options import (
    VECTOR_OUT,
    FiniteRange,
    check_out,
    claim_output,
    file_option,
    overwrite_option,
    progress_enabled,
    run_steps,
)
from connectivity.errors import ParameterError
from fua.cli.options import (
    grid_options,
    opt_path,
    param_option,
    parse_params,
    pop_argument,
    read_grid,
    read_units,
    run_cli,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from fua.fuas.commuting import CommutingModel
    from fua.fuas.delineate import FuaResult

__all__ = ["commuting_model_group", "delineate_cmd", "flow_options"]


def flow_options(f: Any) -> Any:
    """``--flow-cols O,D,N`` and ``--allow-missing``: how a flows CSV is read."""
    f = click.option(
        "--allow-missing",
        is_flag=True,
        help="Accept a flow matrix lacking work columns for some residence ids (nobody works there).",
    )(f)
    return click.option(
        "--flow-cols",
        default=None,
        metavar="ORIGIN,DESTINATION,COUNT",
        help="Columns of a long flows CSV, e.g. home,work,n (default: told by name or content).",
    )(f)


def _read_flows(
    flows: Path, units: gpd.GeoDataFrame, id_col: str, flow_cols: str | None, allow_missing: bool
) -> pd.DataFrame:
    """The flows CSV as a long table, its columns told with the help of the unit ids."""
    from fua.fuas.flows import LONG_COLUMNS, read_flow_table

    columns: tuple[str, ...] = LONG_COLUMNS
    if flow_cols is not None:
        columns = tuple(c.strip() for c in flow_cols.split(","))
        if len(columns) != 3 or not all(columns):
            msg = (
                f"--flow-cols needs three column names ORIGIN,DESTINATION,COUNT, got {flow_cols!r}"
            )
            raise ParameterError(msg)
    if id_col not in units.columns:
        msg = (
            f"--id-col {id_col!r} is not a column of --units; its columns are {list(units.columns)}"
        )
        raise ParameterError(msg)
    return read_flow_table(flows, columns=columns, ids=units[id_col], allow_missing=allow_missing)


@click.command("delineate")
@pop_argument
@file_option("--out", "Output FILE, .gpkg (or .shp); <stem>.json goes beside it.")
@opt_path("--units", "Local-unit polygons (GeoPackage, Shapefile, ...).")
@click.option("--id-col", default=None, help="Unit id column of --units matching the flow ids.")
@opt_path(
    "--flows",
    "Commuting flows CSV: long (origin,destination,commuters; home,work,n; ...) or a square matrix.",
)
@flow_options
@opt_path("--roads", "Road network for the proxy: OSM .pbf/.osm or a line layer.")
@click.option(
    "--straight-line", is_flag=True, help="Proxy with straight-line travel times (no roads)."
)
@opt_path("--model", "Commuting-model JSON (default: the shipped Belgian fit).")
@click.option(
    "--name-col", default=None, help="Unit column naming a FUA after its largest city unit."
)
@opt_path(
    "--names", "Point layer with name (+ pop/population) to name FUAs after their largest place."
)
@grid_options
@param_option("min_centre_pop=100000")
@overwrite_option()
@click.pass_context
@run_cli
def delineate_cmd(
    ctx: click.Context,
    pop: Path,
    out: Path,
    units: Path | None,
    id_col: str | None,
    flows: Path | None,
    flow_cols: str | None,
    allow_missing: bool,
    roads: Path | None,
    straight_line: bool,
    model: Path | None,
    name_col: str | None,
    names: Path | None,
    land: Path | None,
    built: Path | None,
    target_crs: str,
    params: tuple[str, ...],
    overwrite: bool,
) -> None:
    """Delineate functional urban areas from POP (people per cell).

    \b
    EU-OECD definition (units and commuting flows):
      fua delineate POP.tif --units LAU.gpkg --id-col LAU_ID --flows flows.csv --out fua.gpkg
    Commuting proxy (road network or straight lines):
      fua delineate POP.tif --roads kazakhstan.osm.pbf --out fua.gpkg --param min_centre_pop=100000
      fua delineate POP.tif --straight-line --out fua.gpkg

    --out is one FILE: a GeoPackage with layers fua, fua_city, fua_commuting_zone
    (and units), or Shapefiles <stem>_<layer>.shp beside a .shp name; the JSON
    sidecar <stem>.json goes beside it. A folder name fails before any work.
    """
    from connectivity.io import read_layer
    from fua.fuas.commuting import FuaParams
    from fua.fuas.delineate import delineate_fuas

    p = parse_params(params, FuaParams())
    proxy = _check_method(units, flows, roads, straight_line)
    check_out(out, VECTOR_OUT, overwrite)
    progress = progress_enabled(ctx)
    t0 = time.perf_counter()
    with run_steps(ctx, 4) as steps:
        with steps.step("reading inputs"):
            grid = read_grid(pop, land, built, target_crs, progress)
            u = read_units(units, id_col) if units is not None else None
            nm = read_layer(names, what="names") if names is not None else None
            method: dict[str, Any] = {"flows": None}
            if flows is not None and u is not None and id_col is not None:
                method["flows"] = _read_flows(flows, u, id_col, flow_cols, allow_missing)
        if proxy:
            with steps.step("building the road network" if roads else "straight-line times"):
                method = _proxy_inputs(roads, model, progress=progress)
        with steps.step("delineating"):
            res = delineate_fuas(
                grid, units=u, id_col=id_col, params=p, name_col=name_col, names=nm,
                progress=progress, **method,
            )  # fmt: skip
        with steps.step("writing"):
            given = {"units": units, "flows": flows, "roads": roads, "model": model}
            inputs = {"pop": pop} | {k: v for k, v in given.items() if v is not None}
            written = res.write(out, overwrite=overwrite, inputs=inputs)
    _echo_fuas(res, written, time.perf_counter() - t0)


def _check_method(
    units: Path | None, flows: Path | None, roads: Path | None, straight_line: bool
) -> bool:
    """True for the commuting proxy, False for flows; one-line errors for a wrong mix."""
    proxy = roads is not None or straight_line
    if flows is None and not proxy:
        msg = "give --flows (with --units, --id-col) or a proxy: --roads FILE or --straight-line"
        raise ParameterError(msg)
    if flows is not None and proxy:
        msg = "--flows and --roads/--straight-line are two different methods: choose one"
        raise ParameterError(msg)
    if flows is not None and units is None:
        msg = "--flows needs --units and --id-col"
        raise ParameterError(msg)
    return proxy


def _proxy_inputs(roads: Path | None, model: Path | None, *, progress: bool) -> dict[str, Any]:
    """The commuting model and travel-time source of the proxy (a road network or straight lines)."""
    from connectivity.io import read_network
    from fua.fuas.commuting import CommutingModel

    kw: dict[str, Any] = {
        "commuting": CommutingModel.load(model) if model else CommutingModel.default()
    }
    if roads is not None:
        kw["network"] = read_network(roads, progress=progress)
    else:
        kw["travel_time"] = "straight_line"
    return kw


def _echo_fuas(res: FuaResult, written: list[Path], seconds: float) -> None:
    total = res.fua["pop_total"].sum() if res.n_fuas else 0.0
    click.echo(f"{res.n_fuas} FUAs ({res.method}), {total:,.0f} people, in {seconds:.1f} s")
    for _, r in res.fua.sort_values("pop_total", ascending=False).head(10).iterrows():
        click.echo(f"  {r['fua_id']:>3} {r['name']}: {r['pop_total']:,.0f}")
    for path in written:
        click.echo(f"  wrote {path}")


@click.group("commuting-model")
def commuting_model_group() -> None:
    """Fit or score the commuting proxy (a logit of commuting-zone membership)."""


_PROBABILITY = FiniteRange(min=0.0, max=1.0, min_open=True, max_open=True)


def _threshold(ctx: click.Context, param: click.Parameter, value: str) -> str | float:
    """``--threshold``: ``f1``, ``pop_share`` or a probability in (0, 1)."""
    if value in ("f1", "pop_share"):
        return value
    try:
        return float(_PROBABILITY.convert(value, param, ctx))
    except click.BadParameter as exc:
        msg = f"{value!r} is neither f1, pop_share nor a probability between 0 and 1"
        raise click.BadParameter(msg, ctx, param) from exc


@commuting_model_group.command("fit")
@pop_argument
@click.option(
    "--units", required=True, type=click.Path(exists=True, path_type=Path), help="Local units."
)
@click.option("--id-col", required=True, help="Unit id column matching the flow ids.")
@click.option(
    "--flows", required=True, type=click.Path(exists=True, path_type=Path), help="Flows CSV."
)
@flow_options
@file_option("--out", "Output FILE: the model .json.")
@grid_options
@click.option(
    "--threshold",
    default="f1",
    show_default=True,
    callback=_threshold,
    help="f1, pop_share or a probability between 0 and 1.",
)
@click.option(
    "--cv",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Cross-validation folds (grouped by centre), at least 2.",
)
@param_option("min_centre_pop=100000")
@overwrite_option("Replace an existing model file.")
@click.pass_context
@run_cli
def fit_cmd(
    ctx: click.Context,
    pop: Path,
    units: Path,
    id_col: str,
    flows: Path,
    flow_cols: str | None,
    allow_missing: bool,
    out: Path,
    land: Path | None,
    built: Path | None,
    target_crs: str,
    threshold: str | float,
    cv: int,
    params: tuple[str, ...],
    overwrite: bool,
) -> None:
    """Fit the proxy on cells labelled by the EU-OECD flow rules (straight-line travel time)."""
    from connectivity.errors import OutputExistsError
    from fua.fuas.commuting import CommutingModel, FuaParams

    if out.exists() and not overwrite:
        msg = f"{out} exists already; pass --overwrite or choose another path"
        raise OutputExistsError(msg)
    if out.suffix.lower() != ".json":
        msg = f"--out is the model FILE and ends in .json; got {out.name!r}"
        raise ParameterError(msg)
    p = parse_params(params, FuaParams())
    claim_output(ctx, out, folder=False)
    thr = threshold
    grid = read_grid(pop, land, built, target_crs, progress_enabled(ctx))
    u = read_units(units, id_col)
    long = _read_flows(flows, u, id_col, flow_cols, allow_missing)
    m = CommutingModel(threshold=thr, cv=cv).fit_from_flows(grid, u, long, id_col=id_col, params=p)
    m.provenance_["data"] = {"pop": str(pop), "units": str(units), "flows": str(flows)}
    m.save(out)
    _echo_scores(m)
    click.echo(f"  wrote {out}")


def _echo_scores(m: CommutingModel) -> None:
    sc = m.cv_scores_
    click.echo(
        f"threshold {m.threshold_:.3f} ({m.threshold_criterion_}); out-of-fold ROC AUC "
        f"{sc.get('roc_auc', float('nan')):.3f}, F1 {sc.get('f1', float('nan')):.3f}, "
        f"accuracy {sc.get('accuracy', float('nan')):.3f} ({sc.get('n_rows', 0)} rows, "
        f"{sc.get('folds', 0)} folds{', grouped' if sc.get('grouped') else ''})"
    )


@commuting_model_group.command("score")
@click.argument(
    "model", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@opt_path("--pop", "Population raster: score the model on new data with flows.")
@opt_path("--units", "Local units of the new data.")
@click.option("--id-col", default=None, help="Unit id column.")
@opt_path("--flows", "Flows CSV of the new data.")
@flow_options
@grid_options
@click.pass_context
@run_cli
def score_cmd(
    ctx: click.Context,
    model: Path | None,
    pop: Path | None,
    units: Path | None,
    id_col: str | None,
    flows: Path | None,
    flow_cols: str | None,
    allow_missing: bool,
    land: Path | None,
    built: Path | None,
    target_crs: str,
) -> None:
    """Show a model's stored scores (default: the shipped model), or score it on new data."""
    import numpy as np

    from fua.fuas.commuting import CommutingModel

    m = CommutingModel.load(model) if model else CommutingModel.default()
    click.echo(repr(m))
    _echo_scores(m)
    for key in ("travel_time", "labels", "limitations"):
        if key in m.provenance_:
            click.echo(f"  {key}: {m.provenance_[key]}")
    given = [v is not None for v in (pop, units, id_col, flows)]
    if any(given) and not all(given):
        msg = "scoring on new data needs --pop, --units, --id-col and --flows together"
        raise ParameterError(msg)
    if all(given):
        from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

        grid = read_grid(pop, land, built, target_crs, progress_enabled(ctx))  # type: ignore[arg-type]
        u = read_units(units, id_col)  # type: ignore[arg-type]
        long = _read_flows(flows, u, id_col, flow_cols, allow_missing)  # type: ignore[arg-type]
        probe = CommutingModel(features=m.features, threshold=0.5, cv=2)
        probe.fit_from_flows(grid, u, long, id_col=id_col)  # type: ignore[arg-type]
        t = probe.training_
        prob = m.predict_proba(t)[:, 1]
        y = t["label"].to_numpy()
        w = t["pop"].to_numpy()
        pred = prob >= m.threshold_
        auc = roc_auc_score(y, prob, sample_weight=w) if len(np.unique(y)) == 2 else float("nan")
        click.echo(
            f"on the new data ({len(y)} cells, population-weighted): ROC AUC {auc:.3f}, "
            f"F1 {f1_score(y, pred, sample_weight=w):.3f}, accuracy {accuracy_score(y, pred, sample_weight=w):.3f}"
        )
