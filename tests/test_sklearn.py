"""SearchCV against real scikit-learn: GridSearchCV equivalence, TPE quality, resume."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import rankdata

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import hypersweep as hs
from hypersweep.sklearn import CannotWin, SearchCV


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
    assert params["n_trials"] == 7 and params["sampler"] is None and params["cv"] == 3
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
    scores = [k for k in ref.cv_results_ if k.startswith(("split", "mean_t", "std_t"))]
    assert len(scores) == 2 * ref.n_splits_ + 4  # every split, train and test, mean and std
    for key in scores:
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
    values = [float(t.value) for t in stored if t.value is not None]
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
    # pruning follows the refit metric: the running means reported are F1's
    grid = {"C": [1.0, 0.001, 0.01, 10.0]}
    full = SearchCV(SVC(), grid, sampler="grid", scoring=scoring, refit="f1", cv=3).fit(X, y)
    pruned = SearchCV(
        SVC(), grid, sampler="grid", scoring=scoring, refit="f1", cv=3, pruner=CannotWin()
    ).fit(X, y)
    assert pruned.best_params_ == full.best_params_
    stopped = pruned.cv_results_["n_splits_evaluated"] < 3
    assert stopped.any() and np.isnan(pruned.cv_results_["mean_test_acc"][stopped]).all()
    trial = pruned.study_.trials[int(np.flatnonzero(stopped)[0])]
    first_f1 = pruned.cv_results_["split0_test_f1"][trial.number]
    assert trial.intermediate[1] == pytest.approx(first_f1)


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


# --- fold-level pruning ------------------------------------------------------------------


class CountingSVC(SVC):
    """SVC that counts its fits (class-wide: the search fits clones)."""

    fits = 0

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CountingSVC:
        type(self).fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def _worst_case(X: Any, y: Any, seed: int) -> tuple[dict[str, list[float]], list[Any], Any]:
    """A grid whose best cell comes last and folds ordered so that this cell's worst fold
    runs first: the hardest case for a rule that stops candidates after few folds."""
    splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y))
    grid = {"svc__C": [0.01, 0.1, 1.0, 10.0, 100.0], "svc__gamma": [1e-3, 1e-2, 1e-1]}
    ref = GridSearchCV(_svc_pipe(), grid, cv=splits).fit(X, y)
    best = ref.best_params_
    means = ref.cv_results_["mean_test_score"]
    assert (means == means[ref.best_index_]).sum() == 1  # a unique winner
    last = {k: [v for v in vals if v != best[k]] + [best[k]] for k, vals in grid.items()}
    fold_scores = [ref.cv_results_[f"split{i}_test_score"][ref.best_index_] for i in range(5)]
    folds = [splits[i] for i in np.argsort(fold_scores, kind="stable")]
    return last, folds, GridSearchCV(_svc_pipe(), last, cv=folds).fit(X, y)


@pytest.mark.parametrize(
    ("data", "seed"), [("breast_cancer", 1), ("wine", 0)], ids=["breast_cancer", "wine"]
)
def test_cannot_win_is_exact_and_saves_fits(data: str, seed: int) -> None:
    X, y = _breast_cancer() if data == "breast_cancer" else load_wine(return_X_y=True)
    grid, folds, ref = _worst_case(X, y, seed)
    assert ref.best_index_ == len(ref.cv_results_["params"]) - 1
    pipe = make_pipeline(StandardScaler(), CountingSVC())
    CountingSVC.fits = 0
    ours = SearchCV(
        pipe, {k.replace("svc", "countingsvc"): v for k, v in grid.items()}, sampler="grid",
        n_trials=None, cv=folds, pruner=CannotWin(),
    ).fit(X, y)  # fmt: skip
    n_cells = len(ref.cv_results_["params"])
    evaluated = ours.cv_results_["n_splits_evaluated"]
    assert CountingSVC.fits == evaluated.sum() + 1  # + the refit of the best
    assert CountingSVC.fits - 1 <= 5 * n_cells - 5, evaluated  # even here, fits are saved
    assert {k.replace("countingsvc", "svc"): v for k, v in ours.best_params_.items()} == (
        ref.best_params_
    )
    assert ours.best_index_ == ref.best_index_
    assert abs(ours.best_score_ - ref.best_score_) <= 1e-12
    # stopped candidates: NaN splits and mean, ranked last; the others are GridSearchCV's
    stopped = evaluated < 5
    assert stopped.sum() >= 3
    mean = ours.cv_results_["mean_test_score"]
    assert np.isnan(mean[stopped]).all()
    assert (ours.cv_results_["rank_test_score"][stopped] == (~stopped).sum() + 1).all()
    np.testing.assert_allclose(
        mean[~stopped], ref.cv_results_["mean_test_score"][~stopped], rtol=0, atol=1e-12
    )
    # the candidates that ran every fold keep GridSearchCV's order among themselves
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"][~stopped],
        rankdata(-ref.cv_results_["mean_test_score"][~stopped], method="min"),
    )
    for i in range(5):
        split = ours.cv_results_[f"split{i}_test_score"]
        assert np.isnan(split[evaluated <= i]).all()
        np.testing.assert_allclose(
            split[evaluated > i], ref.cv_results_[f"split{i}_test_score"][evaluated > i], atol=0
        )
    states = [t.state for t in ours.study_.trials]
    assert states.count(hs.TrialState.PRUNED) == stopped.sum()
    pruned = [t for t in ours.study_.trials if t.state is hs.TrialState.PRUNED]
    assert all(len(t.intermediate) == len(t.user_attrs["sklearn_cv"]["splits"]) for t in pruned)
    assert ours.study_.best_value == pytest.approx(ours.best_score_, abs=1e-12)


def test_cannot_win_saves_a_fifth_of_the_fits_on_a_grid() -> None:
    X, y = _breast_cancer()
    grid = {
        "svc__C": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0],
        "svc__gamma": [1e-4, 1e-3, 1e-2, 0.1, 1.0],
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ref = GridSearchCV(_svc_pipe(), grid, cv=cv).fit(X, y)
    pipe = make_pipeline(StandardScaler(), CountingSVC())
    CountingSVC.fits = 0
    ours = SearchCV(
        pipe, {k.replace("svc", "countingsvc"): v for k, v in grid.items()}, sampler="grid",
        n_trials=None, cv=cv, pruner=CannotWin(), refit=False,
    ).fit(X, y)  # fmt: skip
    assert CountingSVC.fits == ours.cv_results_["n_splits_evaluated"].sum()
    assert CountingSVC.fits <= 0.8 * 5 * 30, CountingSVC.fits  # measured: 112 of 150
    assert ours.best_index_ == ref.best_index_
    assert abs(ours.best_score_ - ref.best_score_) <= 1e-12


def test_cannot_win_inside_any_of_and_all_of_is_found_and_stays_exact() -> None:
    """SearchCV tells a CannotWin nested in AnyOf / AllOf the number of folds (in a
    copy); on the worst case each combination keeps GridSearchCV's winner."""
    X, y = load_wine(return_X_y=True)
    grid, folds, ref = _worst_case(X, y, 0)

    def run(pruner: hs.pruners.Pruner) -> SearchCV:
        return SearchCV(
            _svc_pipe(), grid, sampler="grid", n_trials=None, cv=folds, pruner=pruner,
            refit=False,
        ).fit(X, y)  # fmt: skip

    rule = CannotWin()
    either = run(hs.pruners.AnyOf(hs.pruners.Median(), rule))
    alone = run(CannotWin())
    both = run(hs.pruners.AllOf(hs.pruners.Median(n_startup_trials=1), CannotWin()))
    assert rule.n_parts is None  # the user's pruner is left as it was
    for search in (either, alone, both):
        assert search.best_index_ == ref.best_index_
        assert abs(search.best_score_ - ref.best_score_) <= 1e-12
    # AnyOf stops more than CannotWin alone (Median adds stops), AllOf fewer (Median
    # vetoes some) but still some (CannotWin acts inside it); measured: 65, 66, 70 of 75
    ran = [int(s.cv_results_["n_splits_evaluated"].sum()) for s in (either, alone, both)]
    assert ran[0] < ran[1] < ran[2] < 5 * len(ref.cv_results_["params"]), ran
    # a CannotWin given its own n_parts must agree with cv
    with pytest.raises(ValueError, match=r"cv gives 5 splits, but CannotWin\(n_parts=3\)"):
        run(hs.pruners.AnyOf(hs.pruners.Median(), CannotWin(n_parts=3)))


def test_median_pruning_with_tpe_never_picks_a_stopped_candidate(tmp_path: Path) -> None:
    X, y = _breast_cancer()
    url = f"sqlite:///{tmp_path / 'prune.db'}"
    space = {
        "svc__C": hs.Float(1e-3, 1e3, log=True),
        "svc__gamma": hs.Float(1e-5, 10.0, log=True),
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def make(n: int) -> SearchCV:
        return SearchCV(
            _svc_pipe(), space, sampler="random", n_trials=n, cv=cv, random_state=0,
            storage=url, study_name="p", pruner=hs.pruners.Median(n_startup_trials=3),
        )  # fmt: skip

    search = make(16).fit(X, y)
    res = search.cv_results_
    stopped = res["n_splits_evaluated"] < 5
    assert stopped.any() and (~stopped).sum() >= 3
    assert np.isnan(res["mean_test_score"][stopped]).all()
    assert res["rank_test_score"][stopped].min() > res["rank_test_score"][~stopped].max()
    assert not stopped[search.best_index_]
    assert search.best_score_ == np.nanmax(res["mean_test_score"])
    # intermediate values are the running means of the splits run
    trial = search.study_.trials[int(np.flatnonzero(stopped)[0])]
    splits = [res[f"split{i}_test_score"][trial.number] for i in range(5)]
    for step, value in trial.intermediate.items():
        assert value == pytest.approx(np.mean(splits[:step]), abs=1e-12)
    # resuming reads the stopped candidates back, NaN splits included
    again = make(18).fit(X, y)
    assert len(again.cv_results_["params"]) == 18
    np.testing.assert_array_equal(
        again.cv_results_["n_splits_evaluated"][:16], res["n_splits_evaluated"]
    )
    np.testing.assert_allclose(
        again.cv_results_["mean_test_score"][:16], res["mean_test_score"], atol=1e-12
    )


def test_pruning_in_parallel_with_groups_and_a_fixed_splitter() -> None:
    X, y = load_wine(return_X_y=True)
    groups = np.arange(len(y)) % 6
    space = {"C": [0.001, 0.01, 1.0, 10.0], "gamma": [1e-4, 1e-2]}
    kw: dict[str, Any] = {"sampler": "grid", "n_trials": None, "cv": GroupKFold(3)}
    ref = GridSearchCV(SVC(), space, cv=GroupKFold(3)).fit(X, y, groups=groups)
    serial = SearchCV(SVC(), space, pruner=CannotWin(), **kw).fit(X, y, groups=groups)
    parallel = SearchCV(SVC(), space, pruner=CannotWin(), n_jobs=2, **kw).fit(X, y, groups=groups)
    for search in (serial, parallel):
        assert search.best_params_ == ref.best_params_
        assert abs(search.best_score_ - ref.best_score_) <= 1e-12
        done = search.cv_results_["n_splits_evaluated"] == 3
        np.testing.assert_allclose(
            search.cv_results_["mean_test_score"][done],
            ref.cv_results_["mean_test_score"][done], atol=1e-12,
        )  # fmt: skip
    # with two workers folds run two at a time: never fewer folds than one at a time
    ran = [s.cv_results_["n_splits_evaluated"] for s in (serial, parallel)]
    assert (ran[1] >= ran[0]).all()
    assert (serial.cv_results_["n_splits_evaluated"] < 3).any()


class OnceSplitter:
    """Shuffles differently at every call, like KFold(shuffle=True) without random_state."""

    def __init__(self) -> None:
        self.calls = 0

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        self.calls += 1
        return KFold(3, shuffle=True, random_state=self.calls).split(X, y)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return 3


def test_every_candidate_sees_the_same_folds() -> None:
    X, y = load_iris(return_X_y=True)
    cv = OnceSplitter()
    search = SearchCV(
        SVC(), {"C": hs.Float(0.1, 10.0)}, sampler="random", n_trials=4, cv=cv,
        pruner=hs.pruners.NoPruning(),
    ).fit(X, y)  # fmt: skip
    assert cv.calls == 1  # one split for four candidates evaluated one fold at a time
    assert search.cv_results_["n_splits_evaluated"].tolist() == [3, 3, 3, 3]


@pytest.mark.parametrize("error_score", [np.nan, 0.0])
def test_a_candidate_whose_fits_all_fail_does_not_end_the_search(error_score: float) -> None:
    X, y = load_iris(return_X_y=True)
    search = SearchCV(
        SVC(), {"C": [1.0, -1.0]}, sampler="grid", n_trials=None, cv=3,
        pruner=CannotWin(), error_score=error_score,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert search.best_params_ == {"C": 1.0}
    failed = search.study_.trials[1]
    assert np.isnan(search.cv_results_["mean_test_score"][1])
    assert search.cv_results_["n_splits_evaluated"][1] == 1  # stopped at the first fold
    # NaN: the mean is NaN whatever follows; 0: (0 + 1 + 1) / 3 cannot beat C=1
    assert failed.state is (hs.TrialState.FAIL if np.isnan(error_score) else hs.TrialState.PRUNED)
    assert "fits failed" in failed.user_attrs["sklearn_cv"]["splits"][0]["fit_error"]


@pytest.mark.parametrize(
    ("estimator", "space"),
    [
        (GaussianNB(), {"var_smoothing": hs.Float(1e-9, 1e-6, log=True)}),
        (Ridge(), {"alpha": hs.Float(0.1, 10.0, log=True), "fit_intercept": [True]}),
        (DecisionTreeClassifier(random_state=0), {"max_depth": hs.Int(1, 4)}),
    ],
    ids=["classifier", "multi-output-regressor", "accepts-nan"],
)
def test_passes_scikit_learns_estimator_checks(estimator: Any, space: dict[str, Any]) -> None:
    """All of check_estimator (about 2 s each): fit leaves ``space`` unchanged, and the
    search takes a 2-d y or NaN in X exactly when its estimator does."""
    from sklearn.utils.estimator_checks import check_estimator

    search = SearchCV(estimator, space, n_trials=2, cv=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, on_fail=None)
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert len(results) > 50 and not failed


def test_fit_leaves_the_space_and_its_parameters_unchanged() -> None:
    X, y = load_iris(return_X_y=True)
    C = hs.Float(0.1, 10.0, log=True)
    kernel = hs.Categorical(["rbf", "linear"])
    space: dict[str, Any] = {"C": C, "kernel": kernel, "gamma": ["scale", 0.1]}
    before = (dict(vars(C)), dict(vars(kernel)))
    search = SearchCV(SVC(), space, sampler="random", n_trials=4, cv=3, random_state=0).fit(X, y)
    assert space == {"C": C, "kernel": kernel, "gamma": ["scale", 0.1]}
    assert (dict(vars(C)), dict(vars(kernel))) == before
    assert set(search.space_) == {"C", "gamma", "kernel"}
    assert search.space_["C"] == C and search.space_["C"] is not C
    assert search.space_["gamma"] == hs.Categorical(["scale", 0.1])


def test_paired_test_prunes_on_real_folds_and_keeps_the_best() -> None:
    """PairedTest takes the fold scores of real CV as its parts: candidates clearly
    worse fold by fold than the best stop early, the winner is the unpruned search's,
    and a ``reports="parts"`` PairedTest is made to read SearchCV's running means (else
    it would test running means as fold scores and stop different candidates)."""
    x, y = load_digits(return_X_y=True)
    x, y = x[:500] / 16.0, y[:500]
    space = {"max_depth": [2, 3, 4, 6, 10], "min_samples_leaf": [1, 8]}
    cv = StratifiedKFold(8, shuffle=True, random_state=0)

    def run(pruner: hs.pruners.Pruner | None) -> SearchCV:
        tree = DecisionTreeClassifier(random_state=0)
        search = SearchCV(tree, space, sampler="tpe", n_trials=10, cv=cv, pruner=pruner,
                          random_state=0, refit=False)  # fmt: skip
        return search.fit(x, y)

    # the grid order would meet the best candidates last; TPE's order mixes them
    full, paired = run(None), run(hs.pruners.PairedTest())
    assert paired.best_params_ == full.best_params_
    evaluated = paired.cv_results_["n_splits_evaluated"]
    assert evaluated.min() < 8 and evaluated.sum() < 10 * 8
    as_parts = run(hs.pruners.PairedTest(reports="parts"))
    assert list(as_parts.cv_results_["n_splits_evaluated"]) == list(evaluated)
