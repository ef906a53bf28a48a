"""The commuting proxy: a scikit-learn classifier of commuting-zone membership.

:class:`CommutingModel` predicts whether a 1 km cell outside the urban
centres belongs to a commuting zone from its travel time to the nearest
eligible centre, that centre's size and its own density
(:mod:`fua.fuas.proxy.features`); :meth:`CommutingModel.fit_from_flows`
learns it from the EU-OECD flow rules (:func:`fua.fuas.rules.apply_rules`)
where flows exist. It is a scikit-learn estimator (``get_params``,
``set_params``, ``clone``, pipelines, ``cross_val_score``); the probability
threshold is tuned by scikit-learn's ``TunedThresholdClassifierCV``.

Persistence has no pickles: :meth:`CommutingModel.save` writes JSON
parameters for the default logistic-regression pipeline and a skops file
(optional extra ``fua-toolkit[skops]``) for any other classifier.
Re-exported as :class:`fua.CommutingModel`.
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
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

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

__all__ = ["CommutingModel", "ModelNotFittedError"]

log = logging.getLogger(__name__)

FORMAT = "fua-commuting-model"
DEFAULT_JSON = Path(__file__).parent / "data" / "commuting_model_default.json"
#: The threshold rules :meth:`CommutingModel.fit` tunes (besides a fixed number).
CRITERIA = ("f1", "pop_share")


class ModelNotFittedError(ParameterError, NotFittedError):
    """:meth:`CommutingModel.predict` before :meth:`CommutingModel.fit` (also scikit-learn's NotFittedError)."""


def _binary_labels(y: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(the two classes, the labels as 0/1); DataError unless there are exactly two."""
    if y is None:
        msg = "CommutingModel requires y to be passed, but the target y is None"
        raise DataError(msg)
    check_classification_targets(y)  # refuses continuous targets
    y_arr = column_or_1d(y, warn=True)
    if y_arr.shape[0] != n_rows:
        msg = f"{y_arr.shape[0]} labels for {n_rows} feature rows"
        raise DataError(msg)
    classes, y01 = np.unique(y_arr, return_inverse=True)
    if classes.size != 2:
        msg = (
            "labels must hold exactly two classes (in / not in a commuting zone): "
            f"Only binary classification is supported; got {classes.size} class(es)"
        )
        raise DataError(msg)
    return classes, y01


def _default_estimator() -> Pipeline:
    """The default classifier: ``StandardScaler`` then ``LogisticRegression`` (a logit)."""
    return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(max_iter=1000))])


def _share_gap(y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any = None) -> float:
    """Minus the gap between the predicted and the observed (weighted) positive share.

    The ``"pop_share"`` objective: 0 (its maximum) when the cells called
    positive hold the same share of the weight (people) as the positive labels.
    """
    observed = np.average(np.asarray(y_true) == 1, weights=sample_weight)
    predicted = np.average(np.asarray(y_pred) == 1, weights=sample_weight)
    return -abs(float(predicted) - float(observed))


def _not_weighted(estimator: Any) -> Any:
    """``estimator`` (a clone) told not to receive ``sample_weight`` in ``fit``.

    The weights (people) go to the threshold objective only; the classifier
    itself is fitted unweighted, as scikit-learn's metadata routing requires
    saying explicitly (for a Pipeline, of each step).
    """
    steps = [s for _, s in estimator.steps] if isinstance(estimator, Pipeline) else [estimator]
    for step in steps:
        if hasattr(step, "set_fit_request"):
            step.set_fit_request(sample_weight=False)
    return estimator


def _tune_threshold(
    estimator: Any,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    splits: list[tuple[np.ndarray, np.ndarray]],
    criterion: str,
    n_thresholds: int,
) -> tuple[Any, float, float]:
    """(refitted classifier, tuned threshold, mean objective at it) by ``TunedThresholdClassifierCV``.

    The objective (weighted F1 or :func:`_share_gap`) is scored per fold on
    ``n_thresholds`` candidate probabilities and averaged over the folds;
    the classifier is then refitted on all rows.
    """
    import sklearn
    from sklearn.metrics import f1_score, make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(f1_score if criterion == "f1" else _share_gap)
        scorer = scorer.set_score_request(sample_weight=True)
        tuner = TunedThresholdClassifierCV(
            _not_weighted(clone(estimator)),
            scoring=scorer,
            response_method="predict_proba",
            thresholds=n_thresholds,
            cv=splits,
            refit=True,
        )
        tuner.fit(x, y, **({} if w is None else {"sample_weight": w}))
    return tuner.estimator_, float(tuner.best_threshold_), float(tuner.best_score_)


class CommutingModel(ClassifierMixin, BaseEstimator):
    """Probability that a cell (or unit) outside urban centres is in a commuting zone.

    A scikit-learn binary classifier: the constructor only stores its
    parameters (``clone`` and ``get_params``/``set_params`` work), :meth:`fit`
    sets the fitted attributes (ending in ``_``), :meth:`predict_proba`
    returns one column per class and :meth:`predict` applies the tuned
    probability threshold.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Anything with ``fit`` and ``predict_proba``; by default a Pipeline
        of ``StandardScaler`` and ``LogisticRegression`` (a logit, as in
        Moreno-Monroy, Schiavina & Veneri 2021). Cloned by :meth:`fit`.
    features : sequence of str or None
        Feature columns taken (in this order) from a DataFrame ``X``, by
        default ``time_min`` (minutes to the nearest-in-time urban centre),
        ``log_centre_pop`` (ln people of that centre) and ``log_density``
        (ln people per km² of land); extra columns of ``X`` are ignored. An
        array ``X`` must have these columns in this order. ``None``: every
        column of ``X``.
    threshold : {"f1", "pop_share"} or float
        The probability threshold of :meth:`predict`: a fixed number in
        [0, 1], or the rule :meth:`fit` tunes it by (see Notes).
    cv : int
        Number of folds for the threshold search and the out-of-fold scores
        (reduced to the number of groups, or of rows of the rarer class).
    n_thresholds : int
        Candidate thresholds per fold (``TunedThresholdClassifierCV``'s
        ``thresholds``), evenly spaced between the lowest and highest
        probability.
    random_state : int
        Seed of the shuffled stratified folds (ungrouped fits).

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on all rows (labels encoded 0/1).
    threshold_ : float
        The probability at or above which :meth:`predict` says "in a commuting zone".
    threshold_criterion_ : str
        ``"f1"``, ``"pop_share"``, ``"fixed"`` or the name of a stand-in rule.
    classes_ : numpy.ndarray
        The two labels (negative first).
    cv_scores_ : dict
        Out-of-fold scores (ROC AUC, F1, accuracy, positive shares, folds).
    provenance_ : dict
        What the model was fitted on (set by :meth:`fit_from_flows` and its callers).
    training_ : pandas.DataFrame
        The labelled cells (only after :meth:`fit_from_flows`).

    Notes
    -----
    Moreno-Monroy, Schiavina & Veneri (2021, J. Urban Econ. 125, 103242)
    fit a logit of commuting-zone membership of 1 km cells on travel time to
    the nearest urban centre, the centre's size and the cell's density
    (plus GDP per capita across countries) on the EU-OECD FUAs, and keep the
    cells above a calibrated probability that are contiguous with their
    centre. Here labels come from the 15 % flow rule (:func:`fua.commuting_zones`)
    wherever flows exist. The threshold is tuned by scikit-learn's
    ``TunedThresholdClassifierCV`` on cross-validated folds, grouped by the
    nearest urban centre when ``groups`` are given (a whole FUA is held out
    at a time): ``"f1"`` maximises the (population-weighted) F1 averaged
    over the folds, ``"pop_share"`` makes the predicted commuting-zone
    population share closest to the observed one. The reported scores are
    computed on the out-of-fold probabilities of the same folds; F1 and
    accuracy at the tuned threshold are slightly optimistic, the ROC AUC is not.
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        features: Sequence[str] | None = BASE_FEATURES,
        threshold: str | float = "f1",
        cv: int = 5,
        n_thresholds: int = 200,
        random_state: int = 0,
    ) -> None:
        self.estimator = estimator
        self.features = features
        self.threshold = threshold
        self.cv = cv
        self.n_thresholds = n_thresholds
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # a binary classifier
        return tags

    # -- data -------------------------------------------------------------------
    def _matrix(self, x: Any, *, reset: bool) -> np.ndarray:
        """The feature matrix of ``x`` (its ``features`` columns), checked finite."""
        if self.features is not None:
            if isinstance(x, pd.DataFrame):
                check_columns(x, self.features, "features")
                x = x[list(self.features)]
            elif np.ndim(x) != 2 or np.shape(x)[1] != len(self.features):
                msg = (
                    f"features must be a DataFrame with columns {list(self.features)} "
                    f"(or an array of {len(self.features)} columns in that order)"
                )
                raise DataError(msg)
        m = validate_data(self, x, reset=reset, ensure_all_finite=False)
        if not np.isfinite(m).all():
            msg = "features contain NaN or inf (e.g. unreachable cells): drop those rows first"
            raise DataError(msg)
        return np.asarray(m, dtype="float64")

    def _check_params(self) -> str:
        """The threshold rule (``"fixed"`` for a number); ParameterError when a parameter is wrong."""
        if self.estimator is not None and not hasattr(self.estimator, "predict_proba"):
            msg = (
                f"estimator {type(self.estimator).__name__} has no predict_proba: "
                "use a probabilistic classifier"
            )
            raise ParameterError(msg)
        thr = self.threshold
        if isinstance(thr, str):
            if thr not in CRITERIA:
                msg = f"threshold={thr!r} must be 'f1', 'pop_share' or a number in [0, 1]"
                raise ParameterError(msg)
            return thr
        if not (isinstance(thr, int | float | np.number) and 0.0 <= float(thr) <= 1.0):
            msg = f"threshold={thr!r} must be a probability in [0, 1] or 'f1' / 'pop_share'"
            raise ParameterError(msg)
        return "fixed"

    def _splits(self, x: np.ndarray, y: np.ndarray, groups: Any) -> tuple[list[Any], bool]:
        """The cross-validation folds (grouped when ``groups`` are given) and whether grouped.

        An integer ``cv`` gives ``GroupKFold`` with groups, else shuffled
        ``StratifiedKFold``; a splitter or a list of (train, test) pairs is used as is.
        """
        from sklearn.model_selection import GroupKFold, StratifiedKFold, check_cv

        grouped = groups is not None
        if not isinstance(self.cv, int | np.integer):
            splitter = check_cv(self.cv, y, classifier=True)
            return list(splitter.split(x, y, groups)), grouped
        if grouped:
            g = np.asarray(groups)
            k = min(int(self.cv), len(np.unique(g)))
            if k >= 2:
                return list(GroupKFold(n_splits=k).split(x, y, g)), True
        else:
            k = min(int(self.cv), int(np.bincount(y).min()))
            if k >= 2:
                skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)
                return list(skf.split(x, y)), False
        msg = "too few rows (or groups) for cross-validation: need at least 2 per class / group"
        raise DataError(msg)

    # -- fitting ----------------------------------------------------------------
    def fit(
        self, X: Any, y: Any, *, sample_weight: Any = None, groups: Any = None
    ) -> CommutingModel:
        """Fit on features and binary labels; tune the threshold; store out-of-fold scores.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n, len(features))
            The feature columns (``features``).
        y : array-like
            Two labels; the larger one (1, True) means "in a commuting zone".
        sample_weight : array-like, optional
            Weights (e.g. population) for the threshold objective and the
            scores (the classifier itself is fitted unweighted).
        groups : array-like, optional
            Group labels (e.g. the nearest urban centre) for grouped folds.

        Returns
        -------
        CommutingModel
            ``self``, fitted.
        """
        from sklearn.model_selection import cross_val_predict

        criterion = self._check_params()
        x = self._matrix(X, reset=True)
        classes, y01 = _binary_labels(y, x.shape[0])
        w = None if sample_weight is None else np.asarray(sample_weight, dtype="float64")
        splits, grouped = self._splits(x, y01, groups)
        base = self.estimator if self.estimator is not None else _default_estimator()
        oof = cross_val_predict(clone(base), x, y01, cv=splits, method="predict_proba")[:, 1]
        objective = None
        if criterion == "fixed":
            self.estimator_ = clone(base).fit(x, y01)
            self.threshold_ = float(self.threshold)
        else:
            self.estimator_, self.threshold_, objective = _tune_threshold(
                base, x, y01, w, splits, criterion, int(self.n_thresholds)
            )
        self.threshold_criterion_ = criterion
        self.classes_ = classes
        self.cv_scores_ = _oof_scores(y01, oof, w, splits, self.threshold_, grouped)
        self.cv_scores_["threshold_objective"] = objective
        self.provenance_: dict[str, Any] = {}
        log.info("fitted %r; CV scores %s", self, self.cv_scores_)
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
    ) -> CommutingModel:
        """Fit on cells labelled by the EU-OECD flow rules (:func:`fua.commuting_zones`).

        Every populated cell outside the eligible urban centres whose centre
        lies in a unit is labelled 1 when that unit belongs to a FUA (its city
        or its commuting zone) and 0 otherwise; its features are the travel
        time to the nearest eligible centre (``travel_time``, see
        :func:`fua.delineate_fuas`, or the straight-line proxy at
        ``speed_kmh``), that centre's population and the cell's density.
        Folds are grouped by the nearest centre and the threshold objective
        and scores are weighted by cell population. The threshold rule and
        folds are the model's parameters (``threshold``, ``cv``).

        Returns
        -------
        CommutingModel
            ``self``, fitted; ``provenance_`` records the inputs and rules and
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
            sample_weight=feats["pop"].to_numpy(),
            groups=feats["uc_id"].to_numpy(),
        )
        self.training_ = feats
        self.provenance_ = {
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

    @classmethod
    def from_fitted(
        cls,
        estimator: Any,
        *,
        threshold: float,
        criterion: str = "fixed",
        features: Sequence[str] = BASE_FEATURES,
        cv_scores: dict[str, Any] | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> CommutingModel:
        """Wrap a classifier that is already fitted (or a fixed rule) with a threshold.

        ``estimator.predict_proba`` must take the ``features`` columns (in
        order) and return the probabilities of the labels 0 and 1.
        """
        feats = tuple(features)
        rule: str | float = criterion if criterion in CRITERIA else float(threshold)
        m = cls(estimator, features=feats, threshold=rule)
        m._check_params()
        _set_fitted(m, estimator, float(threshold), criterion, feats, np.array([0, 1]))
        m.cv_scores_ = dict(cv_scores or {})
        m.provenance_ = dict(provenance or {})
        return m

    # -- prediction ---------------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of the two classes, shape (n, 2); column 1 = in a commuting zone."""
        if not hasattr(self, "estimator_"):
            msg = "the model is not fitted: call fit(...) or use CommutingModel.default()"
            raise ModelNotFittedError(msg)
        return np.asarray(self.estimator_.predict_proba(self._matrix(X, reset=False)))

    def predict(self, X: Any) -> np.ndarray:
        """The label of each row: the positive one where its probability reaches ``threshold_``."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p >= self.threshold_).astype(int)]

    # -- persistence --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready coefficients, scaler, threshold, scores and provenance (default pipeline only)."""
        import sklearn

        if not hasattr(self, "estimator_"):
            msg = "the model is not fitted: nothing to save"
            raise ParameterError(msg)
        scaler, logit = _logit_parts(self.estimator_)
        if self.features is None or not np.array_equal(self.classes_, [0, 1]):
            msg = "the JSON format needs named features and labels 0/1: save as .skops instead"
            raise ParameterError(msg)
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
            "threshold": self.threshold_,
            "threshold_criterion": self.threshold_criterion_,
            "cv_scores": self.cv_scores_,
            "provenance": self.provenance_,
            "sklearn_version": sklearn.__version__,
            "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CommutingModel:
        """Rebuild a fitted logit model from :meth:`to_dict` output."""
        if d.get("format") != FORMAT:
            msg = f"not a {FORMAT} document (format={d.get('format')!r})"
            raise DataError(msg)
        try:
            feats = [str(f) for f in d["features"]]
            pipe = _logit_pipeline(
                d["scaler"]["mean"],
                d["scaler"]["scale"],
                d["logit"]["coef"],
                float(d["logit"]["intercept"]),
                float(d["logit"].get("C", 1.0)),
            )
            threshold = float(d["threshold"])
        except (KeyError, TypeError, ValueError) as e:
            msg = f"the {FORMAT} document is incomplete or malformed ({e!r}): re-save the model"
            raise DataError(msg) from e
        m = cls.from_fitted(
            pipe,
            threshold=threshold,
            criterion=str(d.get("threshold_criterion", "fixed")),
            features=feats,
            cv_scores=d.get("cv_scores"),
            provenance=d.get("provenance"),
        )
        return m

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the fitted model: ``.json`` (default logit pipeline) or ``.skops`` (any classifier).

        JSON holds the parameters in plain text (:meth:`to_dict`); skops
        (extra ``fua-toolkit[skops]``) stores any scikit-learn classifier
        without pickle. Returns the path.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".json":
            doc = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
            p.write_text(doc + "\n", encoding="utf-8")
            return p
        if suffix == ".skops":
            _skops_dump(self, p)
            return p
        msg = f"save to a .json (default logit) or .skops (any classifier) file, not {p.name!r}"
        raise ParameterError(msg)

    @classmethod
    def load(cls, path: str | PathLike[str], *, trusted: Sequence[str] = ()) -> CommutingModel:
        """Read a model written by :meth:`save` (``.json`` or ``.skops``).

        Parameters
        ----------
        path : path-like
            The model file.
        trusted : sequence of str
            For ``.skops`` files: the types, beyond scikit-learn's own, that
            you trust the file to hold (as ``skops.io.get_untrusted_types``
            names them). Files holding other types are refused.
        """
        p = Path(path)
        if not p.is_file():
            msg = f"model file {p} does not exist"
            raise InputFileError(msg)
        suffix = p.suffix.lower()
        if suffix == ".json":
            try:
                d = json.loads(p.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                msg = f"{p} is not valid JSON: {e}"
                raise InputFileError(msg) from e
            return cls.from_dict(d)
        if suffix == ".skops":
            return _skops_load(cls, p, tuple(trusted))
        msg = (
            f"{p.name}: models are read from .json or .skops files only (pickles such as "
            ".joblib are no longer read: load it with the fua-toolkit version that wrote it "
            "and save it again as .json or .skops)"
        )
        raise InputFileError(msg)

    @classmethod
    def default(cls) -> CommutingModel:
        """The shipped model fitted on Belgium (see its ``provenance_``)."""
        if not DEFAULT_JSON.is_file():
            msg = (
                f"the default coefficients {DEFAULT_JSON} are missing from this installation; "
                "fit them with tests/validation/validate_belgium_fua.py --fit-default"
            )
            raise InputFileError(msg)
        return cls.load(DEFAULT_JSON)


def _set_fitted(
    model: CommutingModel,
    estimator: Any,
    threshold: float,
    criterion: str,
    features: tuple[str, ...] | int,
    classes: np.ndarray,
) -> None:
    """Set the fitted attributes of ``model`` around an already fitted ``estimator``.

    ``features`` are the column names (or, unnamed, their number).
    """
    model.estimator_ = estimator
    model.threshold_ = threshold
    model.threshold_criterion_ = criterion
    model.classes_ = classes
    if isinstance(features, int):
        model.n_features_in_ = features
    else:
        model.n_features_in_ = len(features)
        model.feature_names_in_ = np.asarray(features, dtype=object)


def _oof_scores(
    y: np.ndarray,
    oof: np.ndarray,
    w: np.ndarray | None,
    splits: list[Any],
    threshold: float,
    grouped: bool,
) -> dict[str, Any]:
    """Scores of the out-of-fold probabilities ``oof`` at ``threshold`` (weighted by ``w``)."""
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    pred = oof >= threshold
    fold_auc = [
        float(roc_auc_score(y[test], oof[test]))
        for _, test in splits
        if len(np.unique(y[test])) == 2
    ]
    return {
        "n_rows": int(y.size),
        "n_positive": int(y.sum()),
        "folds": len(splits),
        "grouped": grouped,
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


def _logit_parts(est: Any) -> tuple[StandardScaler, LogisticRegression]:
    """The scaler and logit of the default pipeline; ParameterError for any other classifier."""
    ok = (
        isinstance(est, Pipeline)
        and len(est.steps) == 2
        and isinstance(est.steps[0][1], StandardScaler)
        and isinstance(est.steps[1][1], LogisticRegression)
        and est.steps[1][1].coef_.shape[0] == 1
    )
    if not ok:
        msg = (
            "the JSON format stores only the default StandardScaler + LogisticRegression "
            "pipeline; save other classifiers with model.save('model.skops')"
        )
        raise ParameterError(msg)
    return est.steps[0][1], est.steps[1][1]


def _logit_pipeline(
    mean: Sequence[float], scale: Sequence[float], coef: Sequence[float], intercept: float, c: float
) -> Pipeline:
    """The default pipeline with the given parameters, ready to predict.

    scikit-learn has no constructor from fitted parameters, so the public
    fitted attributes that ``transform`` and ``predict_proba`` read are set:
    the scaler's ``mean_``, ``scale_``, ``var_`` and the logit's ``coef_``,
    ``intercept_``, ``classes_`` (and ``n_features_in_`` of both); no
    private attribute is touched.
    """
    n = len(mean)
    if not len(scale) == len(coef) == n:
        msg = f"{n} means, {len(scale)} scales and {len(coef)} coefficients: they must agree"
        raise DataError(msg)
    pipe = _default_estimator()
    scaler: StandardScaler = pipe.named_steps["scale"]
    logit: LogisticRegression = pipe.named_steps["logit"]
    logit.set_params(C=c)
    scaler.mean_ = np.asarray(mean, dtype="float64")
    scaler.scale_ = np.asarray(scale, dtype="float64")
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = n
    logit.coef_ = np.asarray(coef, dtype="float64").reshape(1, n)
    logit.intercept_ = np.asarray([intercept], dtype="float64")
    logit.classes_ = np.array([0, 1])
    logit.n_features_in_ = n
    return pipe


def _skops() -> Any:
    """``skops.io``, or ParameterError saying how to install it."""
    try:
        import skops.io as sio
    except ImportError as e:
        msg = "saving or loading .skops models needs skops: pip install 'fua-toolkit[skops]'"
        raise ParameterError(msg) from e
    return sio


def _skops_dump(model: CommutingModel, p: Path) -> None:
    """The fitted classifier in skops form, the rest of the model as JSON text beside it."""
    import sklearn

    if not hasattr(model, "estimator_"):
        msg = "the model is not fitted: nothing to save"
        raise ParameterError(msg)
    meta = {
        "params": {k: v for k, v in model.get_params(deep=False).items() if k != "estimator"},
        "threshold": model.threshold_,
        "threshold_criterion": model.threshold_criterion_,
        "classes": model.classes_.tolist(),
        "n_features_in": int(model.n_features_in_),
        "cv_scores": model.cv_scores_,
        "provenance": model.provenance_,
        "sklearn_version": sklearn.__version__,
    }
    meta["params"]["features"] = None if model.features is None else list(model.features)
    doc = {"format": FORMAT, "version": 1, "estimator": model.estimator_, "meta": json.dumps(meta)}
    _skops().dump(doc, p)


def _skops_load(cls: type[CommutingModel], p: Path, trusted: tuple[str, ...]) -> CommutingModel:
    """A model from a skops file, trusting scikit-learn's types and ``trusted`` only."""
    sio = _skops()
    try:
        untrusted = sio.get_untrusted_types(file=p)
    except Exception as e:  # skops raises zipfile / json / key errors on broken files
        msg = f"{p} is not a readable skops file: {e}"
        raise InputFileError(msg) from e
    refused = [t for t in untrusted if not t.startswith("sklearn.") and t not in trusted]
    if refused:
        msg = (
            f"{p} holds types that are not trusted: {refused}; inspect the file and pass "
            "trusted=[...] naming them if you trust its author"
        )
        raise DataError(msg)
    doc = sio.load(p, trusted=list(untrusted))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        msg = f"{p} is not a {FORMAT} skops file"
        raise DataError(msg)
    meta = json.loads(doc["meta"])
    params = meta["params"]
    features = None if params["features"] is None else tuple(params["features"])
    model = cls(**{**params, "features": features, "estimator": clone(doc["estimator"])})
    _set_fitted(
        model, doc["estimator"], float(meta["threshold"]), str(meta["threshold_criterion"]),
        features or int(meta["n_features_in"]), np.asarray(meta["classes"]),
    )  # fmt: skip
    model.cv_scores_ = dict(meta["cv_scores"])
    model.provenance_ = dict(meta["provenance"])
    return model


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
