"""hypersweep.sklearn.HalvingGridSearchCV / HalvingRandomSearchCV against scikit-learn's
own successive-halving searches, and what they add: resuming from storage and
candidates proposed by a sampler."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from scipy import stats
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.metrics import accuracy_score
from sklearn.model_selection import HalvingGridSearchCV as SkGrid
from sklearn.model_selection import HalvingRandomSearchCV as SkRandom
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from hypersweep.sklearn import HalvingGridSearchCV, HalvingRandomSearchCV
from hypersweep.trial import TrialState

from .test_sklearn_compat import assert_scikit_learns_then

ATTRS = (
    "n_resources_", "n_candidates_", "n_remaining_candidates_", "max_resources_",
    "min_resources_", "n_iterations_", "n_possible_iterations_", "n_required_iterations_",
    "best_index_", "best_params_", "best_score_", "n_splits_",
)  # fmt: skip
TREE = DecisionTreeClassifier(random_state=0)
GRID = {
    "max_depth": [1, 2, 3, None],
    "min_samples_split": [2, 8, 16],
    "criterion": ["gini", "entropy"],
}
DISTS = {
    "max_depth": stats.randint(1, 8),
    "min_samples_leaf": stats.randint(1, 10),
    "max_features": stats.uniform(0.2, 0.8),
}


def assert_same(ours: Any, ref: Any) -> None:
    """Every column of cv_results_ (times aside) and every halving attribute."""
    a, b = ours.cv_results_, ref.cv_results_
    assert set(a) == set(b)
    assert {"iter", "n_resources"} <= set(a)
    assert a["params"] == b["params"]
    for key in b:
        if key == "params" or key.endswith("_time"):
            continue
        if key.startswith("param_"):
            assert a[key].tolist() == b[key].tolist(), key
            assert np.ma.getmaskarray(a[key]).tolist() == np.ma.getmaskarray(b[key]).tolist()
        else:
            assert np.asarray(a[key]).dtype.kind == np.asarray(b[key]).dtype.kind, key
            np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-12, err_msg=key)
    for name in ATTRS:
        assert getattr(ours, name) == getattr(ref, name), name


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"min_resources": "smallest"},
        {"min_resources": 20, "aggressive_elimination": True},
        {"factor": 2, "refit": False},
    ],
    ids=["exhaust", "smallest", "int-aggressive", "factor2-norefit"],
)
def test_grid_on_samples_equals_scikit_learns(kw: dict[str, Any]) -> None:
    X, y = load_iris(return_X_y=True)
    ref = SkGrid(TREE, GRID, cv=3, random_state=0, **kw).fit(X, y)
    ours = HalvingGridSearchCV(TREE, GRID, cv=3, random_state=0, **kw).fit(X, y)
    assert_same(ours, ref)
    assert len(ours.n_resources_) > 1  # it did halve
    assert hasattr(ours, "best_estimator_") is hasattr(ref, "best_estimator_")
    if hasattr(ref, "best_estimator_"):
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    # one trial per (candidate, resources) evaluation
    assert len(ours.study_.trials) == sum(ours.n_candidates_)


def test_aggressive_elimination_repeats_the_first_resources() -> None:
    X, y = load_iris(return_X_y=True)
    kw: dict[str, Any] = {"cv": 3, "random_state": 0, "max_resources": 60, "min_resources": 20}
    plain = HalvingGridSearchCV(TREE, GRID, **kw).fit(X, y)
    aggressive = HalvingGridSearchCV(TREE, GRID, aggressive_elimination=True, **kw).fit(X, y)
    # 60 // 20 allows two iterations: 24 candidates would end with 3 left
    assert plain.n_resources_ == [20, 60] and plain.n_remaining_candidates_ == 3
    # aggressive: one more iteration at the first resources, so that only one is left
    assert aggressive.n_resources_ == [20, 20, 60]
    assert aggressive.n_candidates_ == [24, 8, 3]
    assert aggressive.n_remaining_candidates_ == 1


def test_forest_with_n_estimators_as_resource_equals_scikit_learns() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    grid = {"max_depth": [2, 4, None], "max_features": ["sqrt", 0.5, 1.0]}
    kw: dict[str, Any] = {"resource": "n_estimators", "max_resources": 27, "cv": 3}
    forest = RandomForestClassifier(random_state=0)
    ref = SkGrid(forest, grid, random_state=0, **kw).fit(X, y)
    ours = HalvingGridSearchCV(forest, grid, random_state=0, n_jobs=2, **kw).fit(X, y)
    assert_same(ours, ref)
    assert ours.n_resources_ == [3, 9, 27]
    results = ours.cv_results_
    assert [p["n_estimators"] for p in results["params"]] == results["n_resources"].tolist()
    assert ours.best_estimator_.n_estimators == 27


@pytest.mark.parametrize("kw", [{}, {"n_candidates": 10, "min_resources": "exhaust"}])
def test_random_equals_scikit_learns(kw: dict[str, Any]) -> None:
    X, y = load_iris(return_X_y=True)
    ref = SkRandom(TREE, DISTS, cv=3, random_state=0, **kw).fit(X, y)
    ours = HalvingRandomSearchCV(TREE, DISTS, cv=3, random_state=0, **kw).fit(X, y)
    assert_same(ours, ref)


def test_constructors_are_scikit_learns_plus_keyword_only_extras() -> None:
    extras = ["storage", "study_name", "executor"]
    assert_scikit_learns_then(HalvingGridSearchCV, SkGrid, extras)
    assert_scikit_learns_then(HalvingRandomSearchCV, SkRandom, ["sampler", *extras])
    extra = set(HalvingGridSearchCV(TREE, GRID).get_params()) - set(SkGrid(TREE, GRID).get_params())
    assert extra == {"storage", "study_name", "executor"}


class Interrupting:
    """A scorer that counts its calls and raises KeyboardInterrupt (a Ctrl-C) at call
    ``stop``, as a killed run would stop."""

    def __init__(self, stop: int | None = None) -> None:
        self.calls = 0
        self.stop = stop

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        self.calls += 1
        if self.stop is not None and self.calls >= self.stop:
            raise KeyboardInterrupt
        return float(accuracy_score(y, estimator.predict(X)))


@pytest.mark.parametrize("search", ["grid", "random"])
def test_an_interrupted_search_resumes_and_ends_with_the_same_results(
    search: str, tmp_path: Path
) -> None:
    X, y = load_iris(return_X_y=True)
    storage = f"sqlite:///{tmp_path / 'halving.db'}"

    def make(scorer: Any, **kw: Any) -> Any:
        common: dict[str, Any] = {"cv": 3, "scoring": scorer, "return_train_score": False}
        if search == "grid":
            return HalvingGridSearchCV(TREE, GRID, random_state=0, **common, **kw)
        return HalvingRandomSearchCV(TREE, DISTS, random_state=0, **common, **kw)

    full = Interrupting()
    ref = make(full).fit(X, y)
    # killed in the second iteration: the first one is stored, part of the second is not
    stop = 3 * ref.n_candidates_[0] + 2
    with pytest.raises(KeyboardInterrupt):
        make(Interrupting(stop), storage=storage, study_name="h").fit(X, y)
    resumed_scorer = Interrupting()
    resumed = make(resumed_scorer, storage=storage, study_name="h").fit(X, y)
    assert_same(resumed, ref)
    # only the evaluations left ran (the first iteration was stored; the second was
    # interrupted as one batch); the last iteration ran here, so no refresh fold
    assert resumed_scorer.calls == full.calls - 3 * ref.n_candidates_[0]
    states = [t.state for t in resumed.study_.trials]
    assert states.count(TrialState.COMPLETE) == sum(ref.n_candidates_)
    assert all(t.interrupted for t in resumed.study_.trials if t.state is TrialState.FAIL)
    # a finished study: a new fit reads everything and fits one fold to refresh the table
    again_scorer = Interrupting()
    again = make(again_scorer, storage=storage, study_name="h").fit(X, y)
    assert_same(again, ref)
    assert again_scorer.calls == 1


def test_resume_keeps_the_drawn_candidates_without_random_state(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    kw: dict[str, Any] = {"cv": 3, "storage": f"sqlite:///{tmp_path / 'r.db'}", "study_name": "r"}
    first = HalvingRandomSearchCV(TREE, DISTS, **kw).fit(X, y)
    second = HalvingRandomSearchCV(TREE, DISTS, **kw).fit(X, y)
    assert second.cv_results_["params"] == first.cv_results_["params"]
    assert len(second.study_.trials) == len(first.study_.trials)


def test_resume_with_other_settings_is_refused(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    kw: dict[str, Any] = {"storage": f"sqlite:///{tmp_path / 'o.db'}", "study_name": "o"}
    HalvingGridSearchCV(TREE, GRID, cv=3, **kw).fit(X, y)
    other = r"other settings \(n_splits=3, now 4, resources=\[18, 54\], now \[24, 72\]\)"
    with pytest.raises(ValueError, match=other + ".*another study_name"):
        HalvingGridSearchCV(TREE, GRID, cv=4, **kw).fit(X, y)


def test_tpe_proposes_the_first_iteration_reproducibly() -> None:
    X, y = load_iris(return_X_y=True)

    def run(seed: int) -> HalvingRandomSearchCV:
        return HalvingRandomSearchCV(
            TREE, DISTS, n_candidates=9, cv=3, random_state=seed, sampler="tpe"
        ).fit(X, y)

    a, b, c = run(0), run(0), run(1)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    assert a.cv_results_["params"] != c.cv_results_["params"]
    assert a.n_candidates_ == [9, 3]  # 18 samples, then 54: 150 // 18 allows two
    params, itr = a.cv_results_["params"], a.cv_results_["iter"]
    first = [p for p, i in zip(params, itr) if i == 0]
    assert all(1 <= p["max_depth"] <= 7 and 0.2 <= p["max_features"] <= 1.0 for p in first)
    assert all(p in first for p, i in zip(params, itr) if i > 0)  # survivors, not new ones
    # the survivors are the best of iteration 0, as with scikit-learn's own draws
    scores = a.cv_results_["mean_test_score"][itr == 0]
    kept = [p for p, i in zip(params, itr) if i == 1]
    assert min(scores[[first.index(p) for p in kept]]) >= np.sort(scores)[-3]
    assert len(a.study_.trials) == 12


def test_tpe_resumes_inside_the_first_iteration(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    kw: dict[str, Any] = {
        "n_candidates": 9, "cv": 3, "random_state": 0, "sampler": "tpe",
        "return_train_score": False, "storage": f"sqlite:///{tmp_path / 't.db'}",
        "study_name": "t",
    }  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        HalvingRandomSearchCV(TREE, DISTS, scoring=Interrupting(3 * 4 + 1), **kw).fit(X, y)
    scorer = Interrupting()
    search = HalvingRandomSearchCV(TREE, DISTS, scoring=scorer, **kw).fit(X, y)
    assert scorer.calls == 3 * (9 - 4 + 3)  # four candidates were done
    assert search.n_candidates_ == [9, 3]
    assert len(search.cv_results_["params"]) == 12


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"resource": "n_trees", "max_resources": 10}, ValueError,
         "Cannot use resource=n_trees which is not supported by estimator DecisionTreeClassifier"),
        ({"factor": 1}, ValueError, r"'factor' parameter .* range \(1\.0, inf\)"),
        ({"factor": 0.5}, ValueError, r"'factor' parameter .* range \(1\.0, inf\)"),
        ({"resource": "max_depth"}, ValueError, "only be 'n_samples' when max_resources='auto'"),
        ({"resource": "max_depth", "max_resources": 5}, ValueError,
         "Cannot use parameter max_depth as the resource since it is part of the searched"),
        ({"min_resources": 1000}, ValueError,
         "min_resources_=1000 is greater than max_resources_=150"),
        ({"cv": KFold(3, shuffle=True)}, ValueError, "must yield consistent folds"),
        ({"storage": "sqlite:///:memory:"}, ValueError, "storage was given without study_name"),
        ({"executor": "processes"}, ValueError,
         "executor='processes' runs the fits in hypersweep's workers.*give storage="),
        ({"executor": "threads"}, ValueError, "'executor' parameter"),
        ({"scoring": ["accuracy", "f1_macro"]}, ValueError, "'scoring' parameter"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_error(kw: dict[str, Any], error: type, match: str) -> None:
    X, y = load_iris(return_X_y=True)
    with pytest.raises(error, match=match):
        HalvingGridSearchCV(TREE, GRID, **{"cv": 3, **kw}).fit(X, y)


def test_random_both_exhaust_and_misspelt_names_are_refused() -> None:
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="cannot be both set to 'exhaust'"):
        HalvingRandomSearchCV(TREE, DISTS, min_resources="exhaust").fit(X, y)
    with pytest.raises(
        ValueError, match=r"'max_dept' is not a parameter.*Did you mean 'max_depth'"
    ):
        HalvingGridSearchCV(TREE, {"max_dept": [1, 2]}).fit(X, y)


@pytest.mark.parametrize(
    "search",
    [
        HalvingGridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=2,
                            min_resources="smallest"),
        HalvingRandomSearchCV(KNeighborsClassifier(), {"n_neighbors": stats.randint(1, 4)},
                              n_candidates=2, cv=2, random_state=0),
    ],
    ids=["grid", "random"],
)  # fmt: skip
def test_passes_check_estimator(search: Any) -> None:
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, on_fail=None)
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert len(results) > 50 and not failed, failed


def test_hypersweep_worker_processes_give_scikit_learns_results(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    ref = SkGrid(TREE, GRID, cv=3, random_state=0).fit(X, y)
    ours = HalvingGridSearchCV(
        TREE, GRID, cv=3, random_state=0, n_jobs=2, executor="processes",
        storage=f"sqlite:///{tmp_path / 'w.db'}", study_name="w",
    ).fit(X, y)  # fmt: skip
    assert_same(ours, ref)
    trials = ours.study_.trials
    assert len(trials) == sum(ours.n_candidates_)
    assert all(t.state is TrialState.COMPLETE for t in trials)
    pids = {t.system_attrs["worker"]["pid"] for t in trials}
    assert os.getpid() not in pids  # evaluated in hypersweep's worker processes
    with pytest.raises(ValueError, match=r"fit parameters \(sample_weight\) are not passed"):
        HalvingGridSearchCV(
            TREE, GRID, cv=3, executor="processes", storage=f"sqlite:///{tmp_path / 'v.db'}",
            study_name="v",
        ).fit(X, y, sample_weight=np.ones(len(y)))  # fmt: skip


UNION = [
    {"max_depth": stats.randint(1, 8), "criterion": ["gini"]},
    {"min_samples_leaf": stats.randint(1, 10), "criterion": ["entropy", "log_loss"]},
]
WITH_FAILING = {"max_depth": [1, 2, -1, 3, 4], "min_samples_split": [2, 4]}  # -1 cannot fit


@pytest.mark.parametrize(
    ("grid", "space", "kw"),
    [
        (False, UNION, {"random_state": 0}),
        (False, UNION, {"random_state": "state"}),  # a RandomState drawn from as they draw
        (True, WITH_FAILING, {"random_state": 0}),
        (True, WITH_FAILING, {"random_state": 0, "error_score": 0.0, "scoring": "f1_macro",
                              "refit": False}),
    ],
    ids=["list-of-dicts", "randomstate", "failing-fits", "error-score-f1-norefit"],
)  # fmt: skip
def test_more_inputs_equal_scikit_learns(grid: bool, space: Any, kw: dict[str, Any]) -> None:
    X, y = load_iris(return_X_y=True)
    ours_cls, ref_cls = (HalvingGridSearchCV, SkGrid) if grid else (HalvingRandomSearchCV, SkRandom)

    def options() -> dict[str, Any]:
        state = kw.get("random_state")
        return {**kw, "random_state": np.random.RandomState(3) if state == "state" else state}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FitFailedWarning, non-finite scores
        ref = ref_cls(TREE, space, cv=3, **options()).fit(X, y)
        ours = ours_cls(TREE, space, cv=3, **options()).fit(X, y)
    assert_same(ours, ref)
    if space is WITH_FAILING and "error_score" not in kw:
        assert np.isnan(ours.cv_results_["mean_test_score"]).sum() == 2  # ranked last, as theirs


KILLED = """
import os, signal, sys
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score
from sklearn.tree import DecisionTreeClassifier
from hypersweep.sklearn import HalvingGridSearchCV

calls = 0

def scorer(estimator, X, y):
    global calls
    calls += 1
    if calls == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup: the trial stays RUNNING
    return float(accuracy_score(y, estimator.predict(X)))

X, y = load_iris(return_X_y=True)
grid = {"max_depth": [1, 2, 3, None], "min_samples_split": [2, 8, 16],
        "criterion": ["gini", "entropy"]}
HalvingGridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=3, random_state=0,
                    scoring=scorer, return_train_score=False, storage=sys.argv[1],
                    study_name="killed").fit(X, y)
"""


def test_a_killed_search_resumes_with_only_what_is_left(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    X, y = load_iris(return_X_y=True)
    storage = f"sqlite:///{tmp_path / 'killed.db'}"
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    full = Interrupting()
    kw: dict[str, Any] = {"cv": 3, "random_state": 0, "return_train_score": False}
    ref = HalvingGridSearchCV(TREE, GRID, scoring=full, **kw).fit(X, y)
    stop = 3 * ref.n_candidates_[0] + 4  # inside the second iteration
    run = subprocess.run([sys.executable, str(script), storage, str(stop)], check=False)
    assert run.returncode == -signal.SIGKILL
    scorer = Interrupting()
    resumed = HalvingGridSearchCV(
        TREE, GRID, scoring=scorer, storage=storage, study_name="killed", **kw
    ).fit(X, y)
    assert_same(resumed, ref)
    # the first iteration was stored; the second runs as one batch, so all of it again
    assert scorer.calls == full.calls - 3 * ref.n_candidates_[0]
    left = [t for t in resumed.study_.trials if t.interrupted]
    assert len(left) == ref.n_candidates_[1]  # the killed batch's trials, closed on resume
    assert all("left running by a fit that was stopped" in str(t.error) for t in left)
