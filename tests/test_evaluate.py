"""evaluate: validation objectives during the search, the test set once at the end."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep import evaluate

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    KFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402


def logreg(p: dict[str, Any]) -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(C=p["C"], max_iter=2000))


def tree(p: dict[str, Any]) -> Any:
    return DecisionTreeClassifier(max_depth=p["max_depth"], random_state=0)


SPACE = {"C": hs.Float(1e-3, 1e2, log=True)}


@pytest.fixture(scope="module")
def cancer() -> tuple[Any, Any]:
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def wine() -> tuple[Any, Any]:
    return load_wine(return_X_y=True)


def test_kfold_matches_cross_val_score(cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    objective = evaluate.kfold(logreg, X, y, cv=5, random_state=3)
    out = objective({"C": 0.5})
    expected = cross_val_score(
        logreg({"C": 0.5}), X, y, cv=StratifiedKFold(5, shuffle=True, random_state=3)
    )
    assert out["fold_scores"] == pytest.approx(list(expected))
    assert out["score"] == pytest.approx(expected.mean())
    assert out["std"] == pytest.approx(expected.std())
    assert out["loss"] == pytest.approx(-expected.mean())


def test_kfold_scoring_and_repeats(wine: tuple[Any, Any]) -> None:
    X, y = wine
    objective = evaluate.kfold(tree, X, y, cv=3, repeats=2, scoring="f1_macro", random_state=1)
    out = objective({"max_depth": 3})
    expected = cross_val_score(
        tree({"max_depth": 3}),
        X,
        y,
        cv=RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=1),
        scoring="f1_macro",
    )
    assert len(out["fold_scores"]) == 6
    assert out["fold_scores"] == pytest.approx(list(expected))
    assert out["std"] == pytest.approx(expected.std())


def test_kfold_regression_uses_plain_kfold_and_splitters() -> None:
    X, y = load_diabetes(return_X_y=True)
    objective = evaluate.kfold(
        lambda p: Ridge(alpha=p["alpha"]), X, y, cv=4, scoring="neg_mean_squared_error"
    )
    out = objective({"alpha": 0.1})
    expected = cross_val_score(
        Ridge(alpha=0.1),
        X,
        y,
        cv=KFold(4, shuffle=True, random_state=0),
        scoring="neg_mean_squared_error",
    )
    assert out["score"] == pytest.approx(expected.mean())
    assert out["loss"] > 0  # minus a negated error: the error itself
    splitter = KFold(3)
    by_splitter = evaluate.kfold(lambda p: Ridge(alpha=p["alpha"]), X, y, cv=splitter)
    assert by_splitter({"alpha": 0.1})["fold_scores"] == pytest.approx(
        list(cross_val_score(Ridge(alpha=0.1), X, y, cv=splitter))
    )


def test_kfold_rejects_bad_repeats(wine: tuple[Any, Any]) -> None:
    X, y = wine
    with pytest.raises(ValueError, match="evaluate: repeats must be an integer >= 1, but got 0"):
        evaluate.kfold(tree, X, y, repeats=0)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, but got True"):
        evaluate.kfold(tree, X, y, repeats=True)
    with pytest.raises(ValueError, match="repeats"):
        evaluate.kfold(tree, X, y, cv=KFold(3), repeats=2)


def test_holdout_matches_a_manual_split(cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    objective = evaluate.holdout(logreg, X, y, validation=0.25, random_state=7)
    out = objective({"C": 1.0})
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y)
    expected = logreg({"C": 1.0}).fit(X_tr, y_tr).score(X_val, y_val)
    assert out["score"] == pytest.approx(expected)
    assert out["loss"] == pytest.approx(-expected)
    # the same split for every trial
    assert objective({"C": 1.0})["score"] == pytest.approx(expected)


def test_studies_minimise_and_maximise_end_to_end(cancer: tuple[Any, Any]) -> None:
    X, y = cancer
    objective = evaluate.kfold(logreg, X, y, cv=3)
    r = hs.minimize(objective, SPACE, n_trials=8, seed=0, verbosity=0)
    best = r.best_trial
    assert r.best_value == pytest.approx(-best.user_attrs["score"])
    assert len(best.user_attrs["fold_scores"]) == 3
    assert best.user_attrs["score"] == max(t.user_attrs["score"] for t in r.trials)
    assert best.user_attrs["score"] > 0.9

    hold = evaluate.holdout(tree, X, y)
    r2 = hs.maximize(
        lambda p: hold(p)["score"], {"max_depth": hs.Int(1, 8)}, n_trials=6, seed=0, verbosity=0
    )
    assert r2.best_value == max(t.value for t in r2.trials if t.value is not None)


def test_final_test_records_once(cancer: tuple[Any, Any], tmp_path: Path) -> None:
    X, y = cancer
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    objective = evaluate.kfold(logreg, X_train, y_train, cv=3)
    r = hs.minimize(objective, SPACE, n_trials=6, seed=0, storage=url, study="s", verbosity=0)
    score = evaluate.final_test(r.study, logreg, X_train, y_train, X_test, y_test)
    expected = logreg(r.best_params).fit(X_train, y_train).score(X_test, y_test)
    assert score == pytest.approx(expected)

    reloaded = hs.load_study("s", storage=url)
    record = reloaded.user_attrs["final_test"]
    assert record["score"] == pytest.approx(expected)
    assert record["trial"] == r.best_trial.number
    assert record["params"]["C"] == pytest.approx(r.best_params["C"])
    assert record["validation_score"] == pytest.approx(r.best_trial.user_attrs["score"])
    assert record["n_train"] == len(y_train) and record["n_test"] == len(y_test)
    assert record["runs"] == 1 and record["scoring"] == "score" and record["time"]

    with pytest.raises(evaluate.TestSetAlreadyUsed, match="used once"):
        evaluate.final_test(reloaded, logreg, X_train, y_train, X_test, y_test)
    assert isinstance(evaluate.TestSetAlreadyUsed("x"), hs.HypersweepError)

    again = evaluate.final_test(
        reloaded, logreg, X_train, y_train, X_test, y_test, scoring="roc_auc", force=True
    )
    record = hs.load_study("s", storage=url).user_attrs["final_test"]
    assert record["runs"] == 2 and record["scoring"] == "roc_auc"
    assert record["score"] == pytest.approx(again)


def test_final_test_needs_a_finished_trial(wine: tuple[Any, Any]) -> None:
    X, y = wine
    study = hs.create_study(space={"max_depth": hs.Int(1, 5)})
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        evaluate.final_test(study, tree, X, y, X, y)
    assert "final_test" not in study.user_attrs


def test_objectives_work_with_numpy_free_inputs(wine: tuple[Any, Any]) -> None:
    X, y = wine
    objective = evaluate.holdout(tree, X.tolist(), list(y), validation=0.3)
    assert 0.0 <= objective({"max_depth": 2})["score"] <= 1.0
    assert np.isfinite(evaluate.kfold(tree, X.tolist(), list(y), cv=3)({"max_depth": 2})["std"])


def test_concurrent_first_calls_share_one_split(wine: tuple[Any, Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    X, y = wine
    objective = evaluate.kfold(tree, X, y, cv=3)
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(objective, [{"max_depth": 2}] * 8))
    assert all(len(o["fold_scores"]) == 3 for o in outs)
    assert objective.splits is not None and len(objective.splits) == 3
    assert all(o["fold_scores"] == outs[0]["fold_scores"] for o in outs)


def test_objectives_pickle_and_keep_their_split(wine: tuple[Any, Any]) -> None:
    X, y = wine
    objective = evaluate.holdout(tree, X, y)
    first = objective({"max_depth": 3})
    clone = pickle.loads(pickle.dumps(objective))
    assert clone({"max_depth": 3})["score"] == pytest.approx(first["score"])
    folds = pickle.loads(pickle.dumps(evaluate.kfold(tree, X, y, cv=3)))
    assert len(folds({"max_depth": 3})["fold_scores"]) == 3


def test_parallel_workers_on_sqlite(cancer: tuple[Any, Any], tmp_path: Path) -> None:
    X, y = cancer
    url = f"sqlite:///{tmp_path / 'par.db'}"
    study = hs.create_study(name="par", storage=url, space=SPACE, seed=0)
    study.optimize(evaluate.kfold(logreg, X, y, cv=3), 6, n_jobs=2)
    done = study.get_trials([hs.TrialState.COMPLETE])
    assert len(done) == 6
    assert all(len(t.user_attrs["fold_scores"]) == 3 for t in done)
