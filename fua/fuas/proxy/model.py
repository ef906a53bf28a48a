"""The commuting proxy: a scikit-learn classifier of commuting-zone membership.

:class:`CommutingModel` predicts whether a 1 km cell outside the urban
centres belongs to a commuting zone from its travel time to the nearest
eligible centre, that centre's size and its own density
(:mod:`fua.fuas.proxy.features`); :meth:`CommutingModel.fit_from_flows`
learns it from the EU-OECD flow rules (:func:`fua.fuas.rules.apply_rules`)
where flows exist. Re-exported as :class:`fua.CommutingModel`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import DataError, InputFileError, ParameterError
from fua._validate import check_columns
from fua.degurba.classify import DegurbaResult, degurba_result
from fua.degurba.units import check_units, classify_units, unit_cell_weights
from fua.fuas.flows import FlowsLike
from fua.fuas.params import FuaParams
from fua.fuas.proxy.features import BASE_FEATURES, cell_features
from fua.fuas.proxy.travel_time import (
    STRAIGHT_LINE_SPEED_KMH,
    TravelTimes,
    TravelTimeSource,
    travel_times,
)
from fua.fuas.rules import apply_rules, eligible_centres
from fua.grid import PopulationGrid

__all__ = ["CommutingModel"]

log = logging.getLogger(__name__)

FORMAT = "fua-commuting-model"
DEFAULT_JSON = Path(__file__).parent / "data" / "commuting_model_default.json"


def _default_estimator() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(max_iter=1000))])


def _best_f1_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    from sklearn.metrics import precision_recall_curve

    prec, rec, thr = precision_recall_curve(y, p, sample_weight=w)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    if thr.size == 0:
        return 0.5
    k = int(np.nanargmax(f1[:-1]))
    return float(thr[k])


def _pop_share_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    """Threshold whose predicted positives hold the same (weighted) share as the labels."""
    ww = np.ones_like(p) if w is None else np.asarray(w, dtype="float64")
    target = float((ww * y).sum() / ww.sum())
    order = np.argsort(-p, kind="stable")
    cum = np.cumsum(ww[order]) / ww.sum()
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(max(k, 0), p.size - 1)
    return float(p[order][k])


class CommutingModel:
    """Probability that a cell (or unit) outside urban centres is in a commuting zone.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Anything with ``fit`` and ``predict_proba``; by default a Pipeline
        of ``StandardScaler`` and ``LogisticRegression`` (a logit, as in
        Moreno-Monroy, Schiavina & Veneri 2021).
    features : sequence of str
        Feature columns, by default ``time_min`` (minutes to the nearest-in-
        time urban centre), ``log_centre_pop`` (ln people of that centre) and
        ``log_density`` (ln people per km² of land); extra columns may follow.
    threshold : float
        Probability at or above which :meth:`predict` says "in a commuting
        zone"; :meth:`fit` replaces it according to its ``threshold`` rule.

    Notes
    -----
    Moreno-Monroy, Schiavina & Veneri (2021, J. Urban Econ. 125, 103242)
    fit a logit of commuting-zone membership of 1 km cells on travel time to
    the nearest urban centre, the centre's size and the cell's density
    (plus GDP per capita across countries) on the EU-OECD FUAs, and keep the
    cells above a calibrated probability that are contiguous with their
    centre. Here labels come from the 15 % flow rule (:func:`fua.commuting_zones`)
    wherever flows exist; the threshold is chosen by a stated criterion on
    out-of-fold (cross-validated) probabilities: ``"f1"`` maximises F1,
    ``"pop_share"`` makes the predicted commuting-zone population share equal
    the observed one. The scores are out-of-fold, with folds grouped by the
    nearest urban centre when ``groups`` are given (so a whole FUA is held
    out at a time); the threshold is tuned on the same out-of-fold
    probabilities, so the F1 and accuracy at that threshold are slightly
    optimistic, the ROC AUC is not.
    """

    def __init__(
        self,
        estimator: Any | None = None,
        *,
        features: Sequence[str] = BASE_FEATURES,
        threshold: float = 0.5,
        threshold_criterion: str = "fixed",
        cv_scores: dict[str, Any] | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        if estimator is not None and not hasattr(estimator, "predict_proba"):
            msg = f"estimator {type(estimator).__name__} has no predict_proba: use a probabilistic classifier"
            raise ParameterError(msg)
        if not 0.0 <= threshold <= 1.0:
            msg = f"threshold={threshold} must be a probability in [0, 1]"
            raise ParameterError(msg)
        self.estimator = estimator if estimator is not None else _default_estimator()
        self.features = tuple(features)
        self.threshold = float(threshold)
        self.threshold_criterion = threshold_criterion
        self.cv_scores = dict(cv_scores or {})
        self.provenance = dict(provenance or {})
        self.fitted = False

    def __repr__(self) -> str:
        return (
            f"CommutingModel(features={list(self.features)}, threshold={self.threshold:.3f} "
            f"({self.threshold_criterion}), fitted={self.fitted})"
        )

    # -- data -------------------------------------------------------------------
    def _matrix(self, x: pd.DataFrame) -> np.ndarray:
        if not isinstance(x, pd.DataFrame):
            msg = f"features must be a DataFrame with columns {list(self.features)}"
            raise DataError(msg)
        check_columns(x, self.features, "features")
        m = x[list(self.features)].to_numpy(dtype="float64")
        if not np.isfinite(m).all():
            msg = "features contain NaN or inf (e.g. unreachable cells): drop those rows first"
            raise DataError(msg)
        return m

    # -- fitting ----------------------------------------------------------------
    def fit(
        self,
        features: pd.DataFrame,
        labels: Any,
        *,
        threshold: str | float = "f1",
        sample_weight: Any = None,
        groups: Any = None,
        cv: int = 5,
        random_state: int = 0,
    ) -> CommutingModel:
        """Fit on features and 0/1 labels; choose the threshold; store out-of-fold scores.

        Parameters
        ----------
        features : pandas.DataFrame
            The feature columns (``self.features``).
        labels : array-like of bool or 0/1
            1 = in a commuting zone.
        threshold : {"f1", "pop_share"} or float
            Rule for the probability threshold (see the class Notes) or a
            fixed value.
        sample_weight : array-like, optional
            Weights (e.g. population) for the threshold rule and the scores
            (the classifier itself is fitted unweighted).
        groups : array-like, optional
            Group labels (e.g. the nearest urban centre) for grouped folds.
        cv : int
            Number of folds (reduced to the number of groups if fewer).
        """
        from sklearn.base import clone
        from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
        from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

        x = self._matrix(features)
        y = np.asarray(labels).astype(int).ravel()
        if y.shape[0] != x.shape[0]:
            msg = f"{y.shape[0]} labels for {x.shape[0]} feature rows"
            raise DataError(msg)
        if set(np.unique(y)) != {0, 1}:
            msg = "labels must contain both classes (some rows in a commuting zone, some not)"
            raise DataError(msg)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype="float64")
        if isinstance(threshold, str) and threshold not in ("f1", "pop_share"):
            msg = f"threshold={threshold!r} must be 'f1', 'pop_share' or a number in [0, 1]"
            raise ParameterError(msg)
        if groups is not None:
            g = np.asarray(groups)
            k = min(cv, len(np.unique(g)))
            splitter: Any = GroupKFold(n_splits=k)
            split_kw: dict[str, Any] = {"groups": g}
        else:
            k = min(cv, int(np.bincount(y).min()))
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
            split_kw = {}
        if k < 2:
            msg = "too few rows (or groups) for cross-validation: need at least 2 per class / group"
            raise DataError(msg)
        oof = cross_val_predict(
            clone(self.estimator), x, y, cv=splitter, method="predict_proba", **split_kw
        )[:, 1]
        if isinstance(threshold, str):
            rule = _best_f1_threshold if threshold == "f1" else _pop_share_threshold
            thr = rule(y, oof, w)
            crit = threshold
        else:
            thr = float(threshold)
            crit = "fixed"
        pred = oof >= thr
        fold_auc = []
        for _, test in splitter.split(x, y, **split_kw):
            if len(np.unique(y[test])) == 2:
                fold_auc.append(float(roc_auc_score(y[test], oof[test])))
        self.estimator.fit(x, y)
        self.threshold = float(thr)
        self.threshold_criterion = crit
        self.cv_scores = {
            "n_rows": int(y.size),
            "n_positive": int(y.sum()),
            "folds": int(k),
            "grouped": groups is not None,
            "roc_auc": float(roc_auc_score(y, oof, sample_weight=w)),
            "roc_auc_unweighted": float(roc_auc_score(y, oof)),
            "roc_auc_fold_mean": float(np.mean(fold_auc)) if fold_auc else None,
            "roc_auc_fold_std": float(np.std(fold_auc)) if fold_auc else None,
            "f1": float(f1_score(y, pred, sample_weight=w)),
            "accuracy": float(accuracy_score(y, pred, sample_weight=w)),
            "weighted_by": "sample_weight" if w is not None else None,
            "observed_positive_share": float(np.average(y, weights=w)),
            "predicted_positive_share": float(np.average(pred, weights=w)),
        }
        self.fitted = True
        log.info("fitted %r; CV scores %s", self, self.cv_scores)
        return self

    def fit_from_flows(
        self,
        grid_or_result: PopulationGrid | DegurbaResult,
        units: gpd.GeoDataFrame,
        flows: FlowsLike,
        *,
        id_col: str,
        travel_time: TravelTimeSource | None = None,
        speed_kmh: float | None = None,
        params: FuaParams | None = None,
        threshold: str | float = "f1",
        cv: int = 5,
    ) -> CommutingModel:
        """Fit on cells labelled by the EU-OECD flow rules (:func:`fua.commuting_zones`).

        Every populated cell outside the eligible urban centres whose centre
        lies in a unit is labelled 1 when that unit belongs to a FUA (its city
        or its commuting zone) and 0 otherwise; its features are the travel
        time to the nearest eligible centre (``travel_time``, see
        :func:`fua.delineate_fuas`, or the straight-line proxy at
        ``speed_kmh``), that centre's population and the cell's density.
        Folds are grouped by the nearest centre and the scores are weighted
        by cell population.

        Returns
        -------
        CommutingModel
            ``self``, fitted; ``provenance`` records the inputs and rules and
            ``training_`` holds the labelled cell table.
        """
        p = params or FuaParams()
        result = degurba_result(grid_or_result)
        classified = classify_units(result, units, id_col=id_col, method=p.unit_pop_method)
        roles, _ = apply_rules(
            check_units(classified, result.grid, id_col), flows, id_col=id_col, params=p
        )
        labels_uc, uc_pop = eligible_centres(result, p.min_centre_pop)
        tt = travel_times(
            "straight_line" if travel_time is None else travel_time,
            labels_uc,
            result.grid.cell_size_m,
            speed_kmh=STRAIGHT_LINE_SPEED_KMH if speed_kmh is None else float(speed_kmh),
        )
        feats = _labelled_cells(result, units, roles, id_col, tt, uc_pop, labels_uc > 0)
        self.fit(
            feats,
            feats["label"].to_numpy(),
            threshold=threshold,
            sample_weight=feats["pop"].to_numpy(),
            groups=feats["uc_id"].to_numpy(),
            cv=cv,
        )
        self.training_ = feats
        self.provenance = {
            **self.provenance,
            "labels": (
                "1 = the cell's unit (by cell centre) is in an EU-OECD FUA (city or commuting "
                "zone) by the 15 % flow rule; cells in the urban centres are excluded"
            ),
            "fua_params": p.to_dict(),
            "travel_time": (
                f"{tt.note}, from each cell centre to the nearest cell of an urban centre "
                f"of >= {p.min_centre_pop:.0f} people"
            ),
            "n_fuas": int(roles["fua_id"].max()),
            "level": "1 km cell",
        }
        return self

    # -- prediction ---------------------------------------------------------------
    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Probability (0–1) of being in a commuting zone, one per row."""
        if not self.fitted:
            msg = "the model is not fitted: call fit(...) or use CommutingModel.default()"
            raise ParameterError(msg)
        return np.asarray(self.estimator.predict_proba(self._matrix(features)))[:, 1]

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """True where the probability reaches the stored threshold."""
        return self.predict_proba(features) >= self.threshold

    # -- persistence --------------------------------------------------------------
    def _logit_parts(self) -> tuple[Any, Any]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        est = self.estimator
        ok = (
            isinstance(est, Pipeline)
            and len(est.steps) == 2
            and isinstance(est.steps[0][1], StandardScaler)
            and isinstance(est.steps[1][1], LogisticRegression)
        )
        if not ok:
            msg = (
                "to_json stores only the default StandardScaler + LogisticRegression pipeline; "
                "save other classifiers with model.save('model.joblib')"
            )
            raise ParameterError(msg)
        return est.steps[0][1], est.steps[1][1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready coefficients, scaler, threshold, scores and provenance."""
        import sklearn

        if not self.fitted:
            msg = "the model is not fitted: nothing to save"
            raise ParameterError(msg)
        scaler, logit = self._logit_parts()
        return {
            "format": FORMAT,
            "version": 1,
            "features": list(self.features),
            "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
            "logit": {
                "coef": logit.coef_.ravel().tolist(),
                "intercept": float(logit.intercept_[0]),
                "C": float(logit.C),
            },
            "threshold": self.threshold,
            "threshold_criterion": self.threshold_criterion,
            "cv_scores": self.cv_scores,
            "provenance": self.provenance,
            "sklearn_version": sklearn.__version__,
            "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }

    def to_json(self, path: str | PathLike[str]) -> Path:
        """Write :meth:`to_dict` as JSON; returns the path."""
        p = Path(path)
        p.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return p

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CommutingModel:
        """Rebuild a fitted logit model from :meth:`to_dict` output."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        if d.get("format") != FORMAT:
            msg = f"not a {FORMAT} document (format={d.get('format')!r})"
            raise DataError(msg)
        feats = list(d["features"])
        n = len(feats)
        scaler = StandardScaler()
        scaler.mean_ = np.asarray(d["scaler"]["mean"], dtype="float64")
        scaler.scale_ = np.asarray(d["scaler"]["scale"], dtype="float64")
        scaler.var_ = scaler.scale_**2
        scaler.n_features_in_ = n
        scaler.n_samples_seen_ = int(d.get("cv_scores", {}).get("n_rows", 1))
        logit = LogisticRegression(C=float(d["logit"].get("C", 1.0)))
        logit.coef_ = np.asarray(d["logit"]["coef"], dtype="float64").reshape(1, n)
        logit.intercept_ = np.asarray([d["logit"]["intercept"]], dtype="float64")
        logit.classes_ = np.array([0, 1])
        logit.n_features_in_ = n
        m = cls(
            Pipeline([("scale", scaler), ("logit", logit)]),
            features=feats,
            threshold=float(d["threshold"]),
            threshold_criterion=str(d.get("threshold_criterion", "fixed")),
            cv_scores=d.get("cv_scores"),
            provenance=d.get("provenance"),
        )
        m.fitted = True
        return m

    @classmethod
    def from_json(cls, path: str | PathLike[str]) -> CommutingModel:
        """Read a model written by :meth:`to_json`."""
        p = _model_file(path)
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            msg = f"{p} is not valid JSON: {e}"
            raise InputFileError(msg) from e
        return cls.from_dict(d)

    def save(self, path: str | PathLike[str]) -> Path:
        """Pickle the whole model (any classifier) with joblib."""
        import joblib

        p = Path(path)
        joblib.dump(self, p)
        return p

    @classmethod
    def load(cls, path: str | PathLike[str]) -> CommutingModel:
        """Load a model written by :meth:`save` (joblib; only load files you trust)."""
        import joblib

        p = _model_file(path)
        m = joblib.load(p)
        if not isinstance(m, cls):
            msg = f"{p} does not hold a CommutingModel"
            raise DataError(msg)
        return m

    @classmethod
    def default(cls) -> CommutingModel:
        """The shipped model fitted on Belgium (see its ``provenance``)."""
        if not DEFAULT_JSON.is_file():
            msg = (
                f"the default coefficients {DEFAULT_JSON} are missing from this installation; "
                "fit them with tests/validation/validate_belgium_fua.py --fit-default"
            )
            raise InputFileError(msg)
        return cls.from_json(DEFAULT_JSON)


def _model_file(path: str | PathLike[str]) -> Path:
    """``path`` as a Path; :class:`~fua.InputFileError` unless it is a file."""
    p = Path(path)
    if p.is_file():
        return p
    msg = f"model file {p} does not exist"
    raise InputFileError(msg)


def _labelled_cells(
    result: DegurbaResult,
    units: gpd.GeoDataFrame,
    roles: gpd.GeoDataFrame,
    id_col: str,
    tt: TravelTimes,
    uc_pop: np.ndarray,
    centre_mask: np.ndarray,
) -> pd.DataFrame:
    """The proxy features of the cells whose centre lies in a unit, labelled by that unit's role.

    ``label`` is 1 when the unit is in a FUA (``roles["fua_id"] > 0``);
    ``unit_id`` is the unit's id.
    """
    grid = result.grid
    feats = cell_features(
        result, time_min=tt.time_min, nearest=tt.nearest, uc_pop=uc_pop, centre_mask=centre_mask
    )
    w = unit_cell_weights(grid, check_units(units, grid, id_col), method="centroid")
    unit_of_cell = np.full(grid.pop.size, -1, dtype=np.int64)
    coo = w.tocoo()
    unit_of_cell[coo.col] = coo.row
    k = unit_of_cell[feats["flat"].to_numpy()]
    feats = feats.loc[k >= 0].copy()
    k = k[k >= 0]
    feats["label"] = (roles["fua_id"].to_numpy()[k] > 0).astype(int)
    feats["unit_id"] = roles[id_col].to_numpy()[k]
    return feats
