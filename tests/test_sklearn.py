"""SearchCV against real scikit-learn: GridSearchCV equivalence, TPE quality, resume."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import hypersweep as hs
from hypersweep.sklearn import SearchCV


def _breast_cancer() -> tuple[Any, Any]:
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(y), 300, replace=False))
    return X[keep], y[keep]


def _svc_pipe() -> Any:
    return make_pipeline(StandardScaler(), SVC())


def test_get_params_and_clone_round_trip() -> None:
    space = {"svc__C": hs.Float(0.01, 100, log=True), "svc__kernel": ["rbf", "linear"]}
    search = SearchCV(_svc_pipe(), space, n_trials=7, cv=3, random_state=1)
    params = search.get_params(deep=False)
    assert params["space"] is space
    assert params["n_trials"] == 7 and params["sampler"] == "tpe" and params["cv"] == 3
    copy = clone(search)
    assert copy.get_params(deep=False).keys() == params.keys()
    assert copy.n_trials == 7 and copy.random_state == 1
    copy.set_params(n_trials=3, estimator__svc__C=2.0)
    assert copy.n_trials == 3 and copy.estimator.named_steps["svc"].C == 2.0
    assert search.n_trials == 7  # the original is untouched


def test_init_stores_arguments_unchanged() -> None:
    space: dict[str, Any] = {"C": [1, 2]}
    search = SearchCV(SVC(), space, sampler="grid", scoring="accuracy", error_score="raise")
    assert search.space is space and search.sampler == "grid"
    assert search.scoring == "accuracy" and search.error_score == "raise"


DATASETS = [
    pytest.param(
        load_iris,
        _svc_pipe,
        {"svc__C": [0.1, 1.0, 10.0], "svc__gamma": ["scale", 0.01, 0.1]},
        StratifiedKFold(4, shuffle=True, random_state=0),
        id="iris-svc",
    ),
    pytest.param(
        load_wine,
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        {
            "logisticregression__C": [0.01, 0.1, 1.0, 10.0],
            "logisticregression__fit_intercept": [True, False],
        },
        KFold(3, shuffle=True, random_state=1),
        id="wine-logreg",
    ),
    pytest.param(
        _breast_cancer,
        _svc_pipe,
        {"svc__C": [0.1, 1.0, 10.0], "svc__kernel": ["rbf", "linear"]},
        StratifiedKFold(5, shuffle=True, random_state=2),
        id="breast_cancer-svc",
    ),
]


@pytest.mark.parametrize(("load", "make", "grid", "cv"), DATASETS)
def test_grid_matches_gridsearchcv(load: Any, make: Any, grid: Any, cv: Any) -> None:
    if load is _breast_cancer:
        X, y = load()
    else:
        X, y = load(return_X_y=True)
    ref = GridSearchCV(make(), grid, cv=cv, return_train_score=True).fit(X, y)
    ours = SearchCV(
        make(), grid, sampler="grid", n_trials=None, cv=cv, return_train_score=True
    ).fit(X, y)
    assert ours.best_params_ == ref.best_params_
    assert ours.best_index_ == ref.best_index_
    assert ours.cv_results_["params"] == ref.cv_results_["params"]
    assert set(ours.cv_results_) == set(ref.cv_results_)
    for key in ("mean_test_score", "std_test_score", "mean_train_score", "split0_test_score"):
        np.testing.assert_allclose(ours.cv_results_[key], ref.cv_results_[key], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], ref.cv_results_["rank_test_score"]
    )
    assert abs(ours.best_score_ - ref.best_score_) <= 1e-12
    assert ours.n_splits_ == ref.n_splits_ and ours.refit_time_ >= 0
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.score(X, y) == ref.score(X, y)
    # the study holds one trial per cell
    assert len(ours.study_.trials) == len(ref.cv_results_["params"])


def test_grid_with_n_trials_stops_at_the_grid_size() -> None:
    X, y = load_iris(return_X_y=True)
    search = SearchCV(SVC(), {"C": [0.5, 1.0]}, sampler="grid", n_trials=50, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 2


def test_tpe_close_to_the_grid_on_breast_cancer() -> None:
    X, y = _breast_cancer()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    grid = {"svc__C": [0.01, 0.1, 1.0, 10.0, 100.0], "svc__gamma": [1e-4, 1e-3, 1e-2, 1e-1]}
    ref = GridSearchCV(_svc_pipe(), grid, cv=cv).fit(X, y)
    space = {
        "svc__C": hs.Float(0.01, 100.0, log=True),
        "svc__gamma": hs.Float(1e-4, 1e-1, log=True),
    }
    search = SearchCV(_svc_pipe(), space, sampler="tpe", n_trials=15, cv=cv, random_state=0)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 15
    assert search.best_score_ >= ref.best_score_ - 0.02, (search.best_score_, ref.best_score_)
    assert search.study_.best_value == pytest.approx(search.best_score_)
    assert search.predict(X).shape == y.shape


def test_seeded_search_repeats() -> None:
    X, y = load_iris(return_X_y=True)
    space = {"C": hs.Float(0.01, 100.0, log=True)}
    a = SearchCV(SVC(), space, sampler="random", n_trials=4, cv=3, random_state=3).fit(X, y)
    b = SearchCV(SVC(), space, sampler="random", n_trials=4, cv=3, random_state=3).fit(X, y)
    assert a.cv_results_["params"] == b.cv_results_["params"]


def test_resume_from_sqlite(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    url = f"sqlite:///{tmp_path / 'search.db'}"
    space = {"svc__C": hs.Float(0.01, 100.0, log=True), "svc__gamma": ["scale", 0.01, 0.1]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def make(n: int) -> SearchCV:
        return SearchCV(
            _svc_pipe(), space, sampler="tpe", n_trials=n, cv=cv, random_state=0,
            storage=url, study_name="svc", return_train_score=True,
        )  # fmt: skip

    first = make(6).fit(X, y)
    assert len(hs.load_study("svc", storage=url).trials) == 6
    first_params = first.cv_results_["params"]
    first_means = first.cv_results_["mean_test_score"]

    second = make(10).fit(X, y)
    stored = hs.load_study("svc", storage=url).trials
    assert len(stored) == 10  # only 4 more were run
    assert len(second.cv_results_["params"]) == 10
    assert second.cv_results_["params"][:6] == first_params
    np.testing.assert_allclose(second.cv_results_["mean_test_score"][:6], first_means, atol=1e-12)
    assert "split2_train_score" in second.cv_results_
    values = [t.value for t in stored]
    np.testing.assert_allclose(second.cv_results_["mean_test_score"], values, atol=1e-12)
    assert second.best_score_ == pytest.approx(max(values))

    # a budget already spent: nothing new is run, results still cover every trial
    third = make(10).fit(X, y)
    assert len(hs.load_study("svc", storage=url).trials) == 10
    np.testing.assert_allclose(
        third.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"], atol=1e-12
    )


def test_refit_false_leaves_no_best_estimator() -> None:
    X, y = load_iris(return_X_y=True)
    search = SearchCV(SVC(), {"C": [0.1, 1.0]}, sampler="grid", refit=False, cv=3).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert not hasattr(search, "refit_time_")
    assert set(search.best_params_) == {"C"}
    with pytest.raises(AttributeError):
        search.predict(X)


def test_bad_space_key_is_a_clear_error() -> None:
    X, y = load_iris(return_X_y=True)
    search = SearchCV(_svc_pipe(), {"svc__CC": [1.0, 2.0]}, cv=3)
    with pytest.raises(ValueError, match=r"'svc__CC' is not a parameter of Pipeline") as info:
        search.fit(X, y)
    assert "get_params().keys()" in str(info.value)
    assert "svc__C" in str(info.value)  # the close match is suggested


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space": {"C": 3.0}}, "must be a hypersweep parameter"),
        ({"space": {"C": []}}, "is empty"),
        ({"space": {}}, "non-empty dict"),
        ({"storage": "sqlite://", "study_name": None}, "without study_name"),
        ({"n_trials": None}, "only meaningful with sampler='grid'"),
        ({"sampler": "nope"}, "unknown sampler"),
    ],
)
def test_argument_errors(kwargs: dict[str, Any], message: str) -> None:
    X, y = load_iris(return_X_y=True)
    args: dict[str, Any] = {"space": {"C": [1.0]}, "cv": 3, "n_trials": 2, **kwargs}
    space = args.pop("space")
    with pytest.raises(ValueError, match=message):
        SearchCV(SVC(), space, **args).fit(X, y)


def test_parallel_folds_match_serial() -> None:
    X, y = load_iris(return_X_y=True)
    space = {"C": hs.Float(0.1, 10.0, log=True)}
    kw: dict[str, Any] = {"sampler": "random", "n_trials": 3, "cv": 3, "random_state": 0}
    serial = SearchCV(SVC(), space, **kw).fit(X, y)
    parallel = SearchCV(SVC(), space, n_jobs=2, **kw).fit(X, y)
    assert serial.cv_results_["params"] == parallel.cv_results_["params"]
    np.testing.assert_allclose(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"], atol=1e-12
    )


def test_multimetric_needs_refit_name() -> None:
    X, y = load_iris(return_X_y=True)
    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    search = SearchCV(SVC(), {"C": [0.1, 1.0]}, sampler="grid", scoring=scoring, refit="f1", cv=3)
    search.fit(X, y)
    assert "mean_test_acc" in search.cv_results_ and "rank_test_f1" in search.cv_results_
    assert search.best_score_ == pytest.approx(search.study_.best_value)


def test_fitted_search_pickles_without_its_study() -> None:
    import pickle

    X, y = load_iris(return_X_y=True)
    search = SearchCV(SVC(), {"C": [0.1, 1.0]}, sampler="grid", cv=3).fit(X, y)
    again = pickle.loads(pickle.dumps(search))
    assert again.best_params_ == search.best_params_
    np.testing.assert_array_equal(again.predict(X), search.predict(X))
    assert not hasattr(again, "study_")


def test_an_error_in_cv_leaves_the_trial_to_be_rerun(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    url = f"sqlite:///{tmp_path / 'err.db'}"
    kw: dict[str, Any] = {"sampler": "grid", "cv": 3, "storage": url, "study_name": "g"}
    with pytest.raises(ValueError):
        SearchCV(SVC(), {"C": [1.0, -1.0]}, error_score="raise", **kw).fit(X, y)
    trials = hs.load_study("g", storage=url).trials
    assert all(t.interrupted for t in trials)
    search = SearchCV(SVC(), {"C": [1.0, -1.0]}, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about the failed fits and NaN scores
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.isnan(search.cv_results_["mean_test_score"][1])
    assert search.best_params_ == {"C": 1.0}
