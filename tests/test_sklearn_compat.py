"""hypersweep.sklearn.GridSearchCV / RandomizedSearchCV against scikit-learn's own, on the
examples of scikit-learn's documentation with tiny data (iris, cv=3)."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sklearn.model_selection as skms
from scipy import stats
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

import hypersweep as hs
from hypersweep.sklearn import GridSearchCV, RandomizedSearchCV, SearchCV
from hypersweep.sklearn._space import study_space


def _iris() -> tuple[Any, Any]:
    X, y = load_iris(return_X_y=True)
    return X[::2], y[::2]  # 75 rows, 25 per class


def assert_same_results(ours: Any, ref: Any) -> None:
    """Every column of scikit-learn's cv_results_, in the same candidate order."""
    a, b = ours.cv_results_, ref.cv_results_
    assert set(a) == set(b)
    assert a["params"] == b["params"]
    for key in b:
        if key == "params" or key.endswith("_time"):
            continue
        if key.startswith("param_"):
            assert np.ma.getmaskarray(a[key]).tolist() == np.ma.getmaskarray(b[key]).tolist()
            assert a[key].tolist() == b[key].tolist(), key
        elif key.startswith("rank_"):
            np.testing.assert_array_equal(a[key], b[key])
        else:
            np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-12, err_msg=key)
    for name in ("best_index_", "best_params_", "best_score_", "best_estimator_"):
        assert hasattr(ours, name) is hasattr(ref, name), name  # the same ones are set
    if hasattr(ref, "best_index_"):
        assert ours.best_index_ == ref.best_index_
        assert ours.best_params_ == ref.best_params_
    if hasattr(ref, "best_score_"):
        assert abs(ours.best_score_ - ref.best_score_) <= 1e-12
    assert ours.n_splits_ == ref.n_splits_


SVC_UNION = [
    {"kernel": ["linear"], "C": [0.1, 1, 10]},
    {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.01, 0.1]},
]


@pytest.mark.parametrize(
    ("estimator", "grid", "n_jobs"),
    [
        (SVC(), {"C": [0.1, 1.0, 10.0], "gamma": ["scale", 0.1]}, None),
        (SVC(), SVC_UNION, None),
        (KNeighborsClassifier(), {"n_neighbors": range(1, 8, 2), "p": np.array([1, 2])}, None),
        (SVC(), SVC_UNION, 2),
    ],
    ids=["dict", "list-of-dicts", "range-and-array", "list-of-dicts-n_jobs2"],
)
def test_grid_equals_scikit_learns(estimator: Any, grid: Any, n_jobs: Any) -> None:
    X, y = _iris()
    kw: dict[str, Any] = {"cv": 3, "return_train_score": True, "n_jobs": n_jobs}
    ref = skms.GridSearchCV(estimator, grid, **kw).fit(X, y)
    ours = GridSearchCV(estimator, grid, **kw).fit(X, y)
    assert_same_results(ours, ref)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert len(ours.study_.trials) == len(ref.cv_results_["params"])
    # SearchCV spells the same search with param_grid=
    alias = SearchCV(estimator, param_grid=grid, cv=3, return_train_score=True).fit(X, y)
    assert_same_results(alias, ref)


def assert_scikit_learns_then(ours: type, theirs: type, extras: list[str]) -> None:
    """``ours`` takes scikit-learn's arguments in its order, with its defaults and kinds;
    then ``extras``, keyword-only."""
    mine = inspect.signature(ours).parameters
    ref = inspect.signature(theirs).parameters
    assert list(mine)[: len(ref)] == list(ref)
    assert list(mine)[len(ref) :] == extras
    for name, p in ref.items():
        assert mine[name].kind == p.kind, name
        assert mine[name].default is p.default or mine[name].default == p.default, name
    assert all(mine[n].kind is inspect.Parameter.KEYWORD_ONLY for n in extras)


def test_constructor_is_scikit_learns_plus_keyword_only_extras() -> None:
    extras = ["storage", "study_name", "pruner"]
    assert_scikit_learns_then(GridSearchCV, skms.GridSearchCV, extras)
    assert_scikit_learns_then(RandomizedSearchCV, skms.RandomizedSearchCV, ["sampler", *extras])
    assert RandomizedSearchCV(SVC(), {"C": [1]}).sampler == "random"


def _doubling_c(cv_results: dict[str, Any]) -> int:
    """refit=callable: the smallest C within one standard deviation of the best mean."""
    mean, std = cv_results["mean_test_score"], cv_results["std_test_score"]
    best = int(np.argmax(mean))
    ok = np.flatnonzero(mean >= mean[best] - std[best])
    return int(ok[np.argmin(np.asarray(cv_results["param_C"], dtype=float)[ok])])


def test_refit_callable_and_multi_metric() -> None:
    X, y = _iris()
    grid = {"C": [0.01, 0.1, 1.0, 10.0]}
    ref = skms.GridSearchCV(SVC(), grid, cv=3, refit=_doubling_c).fit(X, y)
    ours = GridSearchCV(SVC(), grid, cv=3, refit=_doubling_c).fit(X, y)
    assert_same_results(ours, ref)
    assert ours.best_index_ != int(np.argmax(ours.cv_results_["mean_test_score"]))  # it mattered
    assert ours.best_estimator_.C == ref.best_estimator_.C

    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    for refit in ("f1", False):
        ref = skms.GridSearchCV(SVC(), grid, cv=3, scoring=scoring, refit=refit).fit(X, y)
        ours = GridSearchCV(SVC(), grid, cv=3, scoring=scoring, refit=refit).fit(X, y)
        assert_same_results(ours, ref)
        assert hasattr(ours, "best_estimator_") is bool(refit)
    # the randomized search with several metrics and a callable refit
    search = RandomizedSearchCV(
        SVC(), {"C": stats.loguniform(0.01, 10)}, n_iter=3, cv=3, scoring=["accuracy", "f1_macro"],
        refit=lambda r: int(np.argmax(r["mean_test_f1_macro"])), random_state=0,
    ).fit(X, y)  # fmt: skip
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_f1_macro"]))


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_randomized_draws_n_iter_inside_the_supports_reproducibly(sampler: str) -> None:
    X, y = _iris()
    dists = {"C": stats.loguniform(1e-2, 1e2), "degree": stats.randint(1, 4)}

    def run(seed: int) -> RandomizedSearchCV:
        return RandomizedSearchCV(
            SVC(), dists, n_iter=6, cv=3, random_state=seed, sampler=sampler
        ).fit(X, y)

    a, b, c = run(0), run(0), run(1)
    params = a.cv_results_["params"]
    assert len(params) == 6 and len(a.study_.trials) == 6
    assert all(1e-2 <= p["C"] <= 1e2 and p["degree"] in (1, 2, 3) for p in params)
    assert all(isinstance(p["degree"], int) for p in params)
    assert len({p["C"] for p in params}) == 6
    assert b.cv_results_["params"] == params  # random_state=int repeats the run
    assert c.cv_results_["params"] != params
    np.testing.assert_allclose(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"], atol=0
    )
    assert a.best_score_ == np.max(a.cv_results_["mean_test_score"])
    # the study searched the same laws: a log-uniform Float and an Int
    assert a.space_["C"] == hs.Float(1e-2, 1e2, log=True)
    assert a.space_["degree"] == hs.Int(1, 3)


def test_distributions_map_onto_parameters_or_their_quantile() -> None:
    space = {
        "C": stats.uniform(1, 2),  # [1, 3]
        "tol": stats.norm(0.5, 0.1),
        "gamma": stats.expon(scale=0.1),  # no hypersweep twin: searched by quantile
        "degree": stats.poisson(3),  # discrete, by quantile: ints
        "coef0": stats.loguniform(1, 10, loc=1),  # shifted: no longer log-uniform
    }
    cands = study_space(space, SVC())
    assert cands.space["C"] == hs.Float(1.0, 3.0)
    assert cands.space["tol"] == hs.Normal(0.5, 0.1)
    for key in ("gamma", "degree", "coef0"):
        assert cands.space[key] == {"quantile": hs.Float(0.0, 1.0)}
    X, y = _iris()
    search = RandomizedSearchCV(SVC(kernel="poly"), {"gamma": space["gamma"], "degree":
                                space["degree"], "coef0": space["coef0"]}, n_iter=40, cv=2,
                                random_state=0, refit=False)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    params = search.cv_results_["params"]
    gammas = np.array([p["gamma"] for p in params])
    assert (gammas > 0).all() and 0.05 < np.median(gammas) < 0.1  # expon(0.1): median 0.069
    assert all(isinstance(p["degree"], int) and p["degree"] >= 0 for p in params)
    assert all(2 <= p["coef0"] <= 11 for p in params)
    trial = search.study_.trials[0]
    u = trial.params["gamma"]["quantile"]  # the study keeps the quantile
    assert params[0]["gamma"] == pytest.approx(stats.expon(scale=0.1).ppf(u))


def test_a_distribution_without_ppf_is_refused_in_one_sentence() -> None:
    class Coin:
        def rvs(self, random_state: Any = None) -> int:
            return 1

    X, y = _iris()
    search = RandomizedSearchCV(SVC(), {"C": Coin()}, n_iter=2, cv=3)
    with pytest.raises(ValueError, match=r"for 'C' cannot be searched because it has an rvs "
                       r"method but no ppf.*uniform, loguniform, randint and norm"):  # fmt: skip
        search.fit(X, y)


def test_lists_only_with_n_iter_above_the_grid_size_warn_and_run_each_once() -> None:
    X, y = _iris()
    search = RandomizedSearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, n_iter=5, cv=3, random_state=0)
    with pytest.warns(UserWarning, match="only 3 distinct candidates"):
        search.fit(X, y)
    assert sorted(p["C"] for p in search.cv_results_["params"]) == [0.1, 1.0, 10.0]


class CountingSVC(SVC):
    """SVC that counts its fits (class-wide: the search fits clones)."""

    fits = 0

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CountingSVC:
        type(self).fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def test_resumed_from_sqlite_runs_only_the_new_candidates(tmp_path: Path) -> None:
    X, y = _iris()
    url = f"sqlite:///{tmp_path / 'compat.db'}"
    CountingSVC.fits = 0
    GridSearchCV(CountingSVC(), {"C": [0.1, 1.0]}, cv=3, storage=url, study_name="g").fit(X, y)
    assert CountingSVC.fits == 2 * 3 + 1  # 2 cells x 3 folds + the refit
    CountingSVC.fits = 0
    grid = {"C": [0.1, 1.0, 10.0]}
    again = GridSearchCV(CountingSVC(), grid, cv=3, storage=url, study_name="g").fit(X, y)
    assert CountingSVC.fits == 3 + 1  # only the new cell, then the refit
    assert_same_results(again, skms.GridSearchCV(CountingSVC(), grid, cv=3).fit(X, y))
    assert len(hs.load_study("g", storage=url).trials) == 3

    def randomized(n_iter: int) -> RandomizedSearchCV:
        return RandomizedSearchCV(
            CountingSVC(), {"C": stats.loguniform(0.01, 10)}, n_iter=n_iter, cv=3,
            random_state=0, storage=url, study_name="r",
        )  # fmt: skip

    first = randomized(3).fit(X, y)
    CountingSVC.fits = 0
    second = randomized(5).fit(X, y)
    assert CountingSVC.fits == 2 * 3 + 1
    assert second.cv_results_["params"][:3] == first.cv_results_["params"]
    assert len(second.cv_results_["params"]) == 5


def test_searchcv_aliases() -> None:
    X, y = _iris()
    dists = {"C": stats.loguniform(0.01, 10)}
    ours = SearchCV(SVC(), param_distributions=dists, n_iter=4, sampler="random", cv=3,
                    random_state=0).fit(X, y)  # fmt: skip
    same = RandomizedSearchCV(SVC(), dists, n_iter=4, cv=3, random_state=0).fit(X, y)
    assert ours.cv_results_["params"] == same.cv_results_["params"]
    for kwargs, message in [
        ({"space": {"C": [1.0]}, "param_grid": {"C": [1.0]}}, "space, param_grid"),
        ({}, "none of them"),
        ({"space": {"C": [1.0]}, "n_iter": 3, "n_trials": 4}, "disagree"),
    ]:
        with pytest.raises(ValueError, match=message):
            SearchCV(SVC(), cv=3, **kwargs).fit(X, y)


@pytest.mark.parametrize(
    "search",
    [
        GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=2),
        RandomizedSearchCV(
            KNeighborsClassifier(),
            {"n_neighbors": stats.randint(1, 4)},
            n_iter=2,
            cv=2,
            random_state=0,
        ),
    ],
    ids=["grid", "randomized"],
)
def test_passes_check_estimator(search: Any) -> None:
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, on_fail=None)
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert len(results) > 50 and not failed, failed


@pytest.mark.parametrize(
    "ref",
    [
        skms.GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, cv=3, return_train_score=True,
                          error_score=0.0, refit=False),
        skms.RandomizedSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 3, 5, 7]},
                                n_iter=4, cv=3, random_state=0, scoring="f1_macro"),
    ],
    ids=["grid", "randomized"],
)  # fmt: skip
def test_searchcv_takes_a_scikit_learn_search_s_arguments_as_they_are(ref: Any) -> None:
    X, y = _iris()
    params = ref.get_params(deep=False)  # every constructor argument, by scikit-learn's name
    ours = SearchCV(**params).fit(X, y)
    ref.fit(X, y)
    # the grid is searched as a grid; the randomized one's four lists are its whole space
    assert sorted(map(str, ours.cv_results_["params"])) == sorted(
        map(str, ref.cv_results_["params"])
    )
    if isinstance(ref, skms.GridSearchCV):
        assert_same_results(ours, ref)
