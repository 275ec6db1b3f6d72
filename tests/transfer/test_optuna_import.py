"""An Optuna study, with pruned, failed and enqueued trials, imports exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.exceptions import HypersweepError
from hypersweep.storage import get_storage
from hypersweep.transfer import import_optuna
from hypersweep.trial import TrialState

from .helpers import all_trials

optuna = pytest.importorskip("optuna")


def optuna_study(url: str) -> Any:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="opt", storage=url, direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2),
    )  # fmt: skip
    study.set_user_attr("dataset", "iris")

    def objective(trial: Any) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        units = trial.suggest_int("units", 8, 64, step=8)
        act = trial.suggest_categorical("act", ["relu", "tanh", None])
        drop = trial.suggest_float("drop", 0.0, 0.5, step=0.1)
        trial.set_user_attr("units_x2", units * 2)
        if trial.number == 3:
            raise ValueError("bad luck")
        for step in range(4):
            trial.report(lr * step + drop, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return lr * units + (act is None)

    study.optimize(objective, n_trials=12, catch=(ValueError,))
    study.enqueue_trial({"lr": 0.01, "units": 16, "act": "relu", "drop": 0.2})
    return study


def test_an_optuna_study_imports_exactly_and_the_file_is_untouched(tmp_path: Path) -> None:
    db = tmp_path / "optuna.db"
    src = optuna_study(f"sqlite:///{db}")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    dst = get_storage(f"sqlite:///{tmp_path / 'hs.db'}")
    import_optuna(f"sqlite:///{db}", "opt", dst, new_name="imported")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest  # reading never wrote
    mine = all_trials(dst, "imported")
    theirs = src.get_trials(deepcopy=False)
    assert len(mine) == len(theirs) == 13
    names = {s.name: s for s in TrialState}
    for a, b in zip(mine, theirs):
        assert a.number == b.number
        assert a.state is names[b.state.name]
        assert a.flat == b.params or (a.state is TrialState.WAITING and a.system_attrs["enqueued"])
        assert a.values == (None if b.values is None else tuple(b.values))
        assert a.intermediate == b.intermediate_values
        assert a.user_attrs == b.user_attrs
        start = b.datetime_start
        assert a.started == (None if start is None else pytest.approx(start.timestamp()))
    assert {t.state for t in mine} >= {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL,
                                       TrialState.WAITING}  # fmt: skip
    space = mine[0].system_attrs["space"]
    assert space["lr"] == {"kind": "float", "low": 1e-4, "high": 1e-1, "log": True}
    assert space["units"] == {"kind": "int", "low": 8, "high": 64, "step": 8}
    assert space["drop"]["step"] == 0.1
    record = dst.get_study("imported")
    assert record.directions == (hs.Direction.MAXIMIZE,)
    assert record.user_attrs == {"dataset": "iris"}


def test_the_imported_study_resumes_with_hypersweep(tmp_path: Path) -> None:
    db = tmp_path / "optuna.db"
    src = optuna_study(f"sqlite:///{db}")
    url = f"sqlite:///{tmp_path / 'hs.db'}"
    import_optuna(f"sqlite:///{db}", "opt", url)
    study = hs.load_study("opt", storage=url, sampler="tpe", seed=0)
    assert study.best_value == pytest.approx(src.best_value)
    seen: list[dict[str, Any]] = []

    def objective(trial: Any) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        units = trial.suggest_int("units", 8, 64, step=8)
        act = trial.suggest_categorical("act", ["relu", "tanh", None])
        trial.suggest_float("drop", 0.0, 0.5, step=0.1)
        seen.append(dict(trial.flat))
        return float(lr * units + (act is None))

    study.optimize(objective, n_trials=16)
    # Optuna's enqueued trial runs first, with its values
    assert seen[0] == {"lr": 0.01, "units": 16, "act": "relu", "drop": 0.2}
    assert len(study.trials) == 16


def test_missing_file_or_study_is_one_clear_error(tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'h.db'}"
    with pytest.raises(HypersweepError, match="no Optuna database"):
        import_optuna(f"sqlite:///{tmp_path / 'none.db'}", "x", target)
    assert not (tmp_path / "none.db").exists()
    optuna_study(f"sqlite:///{tmp_path / 'o.db'}")
    with pytest.raises(HypersweepError, match=r"holds \['opt'\]"):
        import_optuna(f"sqlite:///{tmp_path / 'o.db'}", "other", target)


def test_a_multi_objective_optuna_study_keeps_its_directions_and_front(tmp_path: Path) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{tmp_path / 'mo.db'}"
    src = optuna.create_study(study_name="mo", storage=url, directions=["maximize", "minimize"],
                              sampler=optuna.samplers.RandomSampler(seed=1))  # fmt: skip
    src.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=15)
    target = f"sqlite:///{tmp_path / 'hs.db'}"
    import_optuna(url, "mo", target)
    mine = hs.load_study("mo", storage=target)
    assert mine.directions == (hs.Direction.MAXIMIZE, hs.Direction.MINIMIZE)
    assert {t.number for t in mine.best_trials} == {t.number for t in src.best_trials}
