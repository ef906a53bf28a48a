"""Tests of fua.fuas.proxy.model: CommutingModel as a scikit-learn estimator, its threshold, files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from fua import DataError, InputFileError, ParameterError
from fua.fuas.proxy.model import DEFAULT_JSON, CommutingModel, ModelNotFittedError


def _synthetic(n: int = 600, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "time_min": rng.uniform(0, 120, n),
            "log_centre_pop": rng.uniform(np.log(5e4), np.log(2e6), n),
            "log_density": rng.uniform(0, 8, n),
        }
    )
    logit = 3.0 - 0.08 * x["time_min"] + 0.5 * (x["log_centre_pop"] - 12)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return x, y.to_numpy().astype(int)


def _log1p(x: np.ndarray) -> np.ndarray:
    """A function of this module: a type skops does not trust unless told."""
    return np.log1p(x)


# -- a scikit-learn estimator -----------------------------------------------------------


def test_constructor_stores_parameters_only_and_clones() -> None:
    m = CommutingModel(threshold="pop_share", cv=3, n_thresholds=50)
    params = m.get_params(deep=False)
    assert params == {
        "estimator": None, "features": ("time_min", "log_centre_pop", "log_density"),
        "threshold": "pop_share", "cv": 3, "n_thresholds": 50, "random_state": 0,
    }  # fmt: skip
    c = clone(m)
    assert c is not m and c.get_params(deep=False) == params
    assert CommutingModel(**params).get_params(deep=False) == params
    c.set_params(threshold=0.4, cv=2)
    assert c.threshold == 0.4 and m.threshold == "pop_share"
    assert not [k for k in vars(m) if k.endswith("_")]  # nothing fitted before fit


def test_fit_sets_only_underscore_attributes_and_clone_drops_them() -> None:
    x, y = _synthetic()
    m = CommutingModel()
    before = dict(vars(m))
    m.fit(x, y)
    added = set(vars(m)) - set(before)
    assert added and all(k.endswith("_") for k in added), added
    assert {k: vars(m)[k] for k in before} == before  # parameters untouched by fit
    c = clone(m)
    assert not hasattr(c, "estimator_")
    with pytest.raises(ModelNotFittedError, match="not fitted"):
        c.predict(x)


def test_pipeline_and_cross_val_score() -> None:
    x, y = _synthetic()
    pipe = make_pipeline(FunctionTransformer(), CommutingModel(threshold=0.5, features=None))
    scores = cross_val_score(pipe, x.to_numpy(), y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,) and (scores > 0.8).all()
    acc = cross_val_score(CommutingModel(cv=3), x, y, cv=3)  # tuned threshold inside each fold
    assert (acc > 0.7).all()


@pytest.mark.slow
def test_check_estimator() -> None:
    from sklearn.utils.estimator_checks import check_estimator

    unweighted = (
        "the classifier is fitted unweighted by design; weights only enter the threshold "
        "objective and the scores"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(
            CommutingModel(features=None, threshold=0.5, cv=3),
            expected_failed_checks={"check_sample_weight_equivalence_on_dense_data": unweighted},
        )
        check_estimator(
            CommutingModel(features=None, cv=3, n_thresholds=10),
            expected_failed_checks={
                "check_sample_weight_equivalence_on_dense_data": unweighted,
                "check_classifiers_train": "predict applies the tuned threshold, not 0.5",
            },
        )


def test_predict_proba_has_one_column_per_class_and_predict_uses_the_threshold() -> None:
    x, y = _synthetic()
    m = CommutingModel(threshold=0.3).fit(x, y)
    p = m.predict_proba(x)
    assert p.shape == (len(x), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(m.predict(x), (p[:, 1] >= 0.3).astype(int))
    # string labels: the larger one is positive
    ys = np.where(y == 1, "in", "alone")  # "in" > "alone"
    ms = CommutingModel(threshold=0.3).fit(x, ys)
    assert list(ms.classes_) == ["alone", "in"]
    np.testing.assert_array_equal(ms.predict(x), np.where(m.predict(x) == 1, "in", "alone"))


# -- the threshold search (TunedThresholdClassifierCV) -----------------------------------


def test_f1_threshold_maximises_the_fold_mean_weighted_f1_by_brute_force() -> None:
    """The tuned threshold is the best of a brute-force scan of the same objective."""
    x, y = _synthetic()
    w = np.random.default_rng(0).uniform(1, 50, len(y))
    groups = np.arange(len(y)) % 7
    m = CommutingModel(cv=5, n_thresholds=200).fit(x, y, sample_weight=w, groups=groups)
    assert m.threshold_criterion_ == "f1"
    grid = np.linspace(0.02, 0.98, 241)
    folds = []
    for train, test in GroupKFold(5).split(x, y, groups):
        est = CommutingModel(threshold=0.5).fit(x.iloc[train], y[train]).estimator_
        p = est.predict_proba(x.iloc[test].to_numpy())[:, 1]
        folds.append([f1_score(y[test], p >= t, sample_weight=w[test]) for t in grid])
    mean = np.mean(folds, axis=0)
    assert m.cv_scores_["threshold_objective"] == pytest.approx(mean.max(), abs=0.01)
    assert mean[np.abs(grid - m.threshold_).argmin()] == pytest.approx(mean.max(), abs=0.01)
    # the weights matter: unweighted, the objective differs
    m0 = CommutingModel(cv=5, n_thresholds=200).fit(x, y, groups=groups)
    assert m0.cv_scores_["threshold_objective"] != m.cv_scores_["threshold_objective"]


def test_pop_share_criterion_matches_observed_share() -> None:
    x, y = _synthetic(seed=3)
    w = np.random.default_rng(0).uniform(1, 100, len(y))
    m = CommutingModel(threshold="pop_share").fit(x, y, sample_weight=w)
    sc = m.cv_scores_
    assert m.threshold_criterion_ == "pop_share"
    assert sc["predicted_positive_share"] == pytest.approx(sc["observed_positive_share"], abs=0.02)
    assert -0.02 < sc["threshold_objective"] <= 0.0


# -- files: JSON for the logit, skops for any classifier, no pickles ----------------------


def test_json_round_trip(tmp_path: Path) -> None:
    x, y = _synthetic()
    m = CommutingModel().fit(x, y, groups=np.arange(len(y)) % 7)
    coef = m.to_dict()["logit"]["coef"]
    assert coef[0] < 0 and coef[1] > 0  # farther = less likely, bigger centre = more likely
    sc = m.cv_scores_
    assert sc["grouped"] and sc["folds"] == 5 and 0.75 < sc["roc_auc"] <= 1.0
    m2 = CommutingModel.load(m.save(tmp_path / "m.json"))
    np.testing.assert_allclose(m2.predict_proba(x), m.predict_proba(x), rtol=1e-12)
    np.testing.assert_array_equal(m2.predict(x), m.predict(x))
    assert m2.threshold_ == m.threshold_ and m2.threshold_criterion_ == "f1"
    assert m2.cv_scores_["roc_auc"] == sc["roc_auc"]
    assert m2.get_params(deep=False)["threshold"] == "f1"  # a clone re-tunes as the original did
    doc = json.loads((tmp_path / "m.json").read_text())
    assert set(doc) >= {"features", "scaler", "logit", "threshold", "sklearn_version"}


def test_any_classifier_with_skops_and_no_pickles(tmp_path: Path) -> None:
    from sklearn.ensemble import RandomForestClassifier

    x, y = _synthetic(n=200)
    rf = RandomForestClassifier(n_estimators=10, random_state=0)
    m = CommutingModel(rf, threshold=0.5).fit(x, y)
    assert m.threshold_ == 0.5 and m.threshold_criterion_ == "fixed"
    with pytest.raises(ParameterError, match="skops"):
        m.save(tmp_path / "rf.json")
    with pytest.raises(ParameterError, match=r"\.json .* \.skops"):
        m.save(tmp_path / "rf.joblib")
    m2 = CommutingModel.load(m.save(tmp_path / "rf.skops"))
    np.testing.assert_allclose(m2.predict_proba(x), m.predict_proba(x))
    assert isinstance(m2.estimator_, RandomForestClassifier)
    assert m2.get_params(deep=False)["threshold"] == 0.5
    (tmp_path / "old.joblib").write_bytes(b"\x80\x04.")
    with pytest.raises(InputFileError, match="pickles"):
        CommutingModel.load(tmp_path / "old.joblib")


def test_skops_refuses_types_it_is_not_told_to_trust(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    x, y = _synthetic(n=200)
    est = make_pipeline(FunctionTransformer(_log1p), LogisticRegression())
    m = CommutingModel(est, threshold=0.5).fit(x, y)
    path = m.save(tmp_path / "log.skops")
    with pytest.raises(DataError, match=r"not trusted.*_log1p"):
        CommutingModel.load(path)
    m2 = CommutingModel.load(path, trusted=[f"{__name__}._log1p"])
    np.testing.assert_allclose(m2.predict_proba(x), m.predict_proba(x))


def test_default_model_is_the_shipped_logit_exactly() -> None:
    """The default predicts the logistic function of the shipped JSON numbers, threshold as stored."""
    m = CommutingModel.default()
    doc = json.loads(DEFAULT_JSON.read_text())
    assert list(m.features) == ["time_min", "log_centre_pop", "log_density"]
    assert "straight-line" in m.provenance_["travel_time"]
    assert m.threshold_ == doc["threshold"] and m.cv_scores_["roc_auc"] > 0.5
    x, _ = _synthetic(n=50)
    z = (x.to_numpy() - doc["scaler"]["mean"]) / doc["scaler"]["scale"]
    p = 1 / (1 + np.exp(-(z @ np.asarray(doc["logit"]["coef"]) + doc["logit"]["intercept"])))
    np.testing.assert_allclose(m.predict_proba(x)[:, 1], p, rtol=1e-12)
    np.testing.assert_array_equal(m.predict(x), (p >= doc["threshold"]).astype(int))
    assert m.get_params(deep=False)["threshold"] == "f1"


def test_from_fitted_wraps_a_rule() -> None:
    class Rule:
        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            p = (np.asarray(x)[:, 0] <= 60.0).astype(float)
            return np.column_stack([1 - p, p])

    m = CommutingModel.from_fitted(Rule(), threshold=0.5, criterion="stand-in")
    x = pd.DataFrame({"time_min": [10.0, 90.0], "log_centre_pop": 12.0, "log_density": 3.0})
    np.testing.assert_array_equal(m.predict(x), [1, 0])
    assert m.threshold_criterion_ == "stand-in"


def test_model_errors() -> None:
    x, y = _synthetic(n=50)
    with pytest.raises(ParameterError, match="not fitted"):
        CommutingModel().predict_proba(x)
    with pytest.raises(ParameterError, match="predict_proba"):
        CommutingModel(object()).fit(x, y)
    with pytest.raises(DataError, match="two classes"):
        CommutingModel().fit(x, np.zeros(len(x)))
    with pytest.raises(ValueError, match="continuous"):
        CommutingModel().fit(x, np.linspace(0, 1, len(x)))
    m = CommutingModel(threshold=0.5).fit(x, y)
    with pytest.raises(DataError, match="lacks column"):
        m.predict_proba(x.drop(columns="time_min"))
    with pytest.raises(DataError, match="NaN"):
        m.predict_proba(x.assign(time_min=np.inf))
    with pytest.raises(DataError, match="3 columns"):
        m.predict_proba(np.zeros((2, 4)))
    for bad in ("best", 1.5, -0.1):
        with pytest.raises(ParameterError, match="threshold"):
            CommutingModel(threshold=bad).fit(x, y)
    with pytest.raises(InputFileError, match="does not exist"):
        CommutingModel.load("no-such-model.json")
