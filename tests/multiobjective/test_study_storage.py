"""Multi-objective studies on durable storage: round trips of vectors and constraints on
SQLite and PostgreSQL, worker processes sharing a study, resume, deterministic mode,
repeats, and a study file written before multi-objective studies existed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.trial import FrozenTrial, TrialState

SPACE = {"x": hs.Float(0, 1), "y": hs.Float(0, 1)}
OLD_DB = Path(__file__).resolve().parents[1] / "fixtures" / "schema2.db"


def constrained(p: dict[str, Any]) -> dict[str, Any]:
    return {"loss": (p["x"], (1 - p["x"]) ** 2 + p["y"]), "constraints": {"y_cap": p["y"] - 0.7}}


def brute_front(trials: list[FrozenTrial]) -> list[int]:
    ok = [t for t in trials if t.state is TrialState.COMPLETE and t.feasible]
    out = []
    for t in ok:
        a = t.values or ()
        if not any(all(q <= p for p, q in zip(a, u.values or (), strict=True)) and u.values != a
                   for u in ok):  # fmt: skip
            out.append(t.number)
    return out


def round_trip(url: str) -> None:
    study = hs.create_study("mo", storage=url, directions=["minimize", "minimize"],
                            objective_names=["cost", "risk"], space=SPACE, sampler="random",
                            seed=2)  # fmt: skip
    study.optimize(constrained, n_trials=12)
    back = hs.load_study("mo", storage=url)
    assert back.objective_names == ("cost", "risk")
    assert [t.values for t in back.trials] == [t.values for t in study.trials]
    assert all(isinstance(t.values, tuple) and len(t.values) == 2 for t in back.trials)
    assert [t.system_attrs["constraints"] for t in back.trials] == [
        [t.params["y"] - 0.7] for t in study.trials
    ]
    assert [t.number for t in back.best_trials] == brute_front(back.trials)
    back.optimize(constrained, n_more=3)  # continues with the default sampler
    assert len(hs.load_study("mo", storage=url).trials) == 15


def test_sqlite_round_trip(tmp_path: Path) -> None:
    round_trip(f"sqlite:///{tmp_path / 'mo.db'}")


def test_postgresql_round_trip(postgres_databases: Callable[[], str]) -> None:
    round_trip(postgres_databases())


def test_three_processes_share_a_multi_objective_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'par.db'}"
    # TPE, not the default GP: two asks within the same instant see the same history
    # (neither running trial has params yet), and the GP's L-BFGS-B then lands on the
    # same corner twice (trials 12 and 13 at (0, 0)), which this distinctness check
    # would read as a storage fault
    study = hs.create_study("par", storage=url, directions=["minimize", "minimize"],
                            space=SPACE, seed=0, sampler="tpe")  # fmt: skip
    study.optimize(constrained, n_trials=30, n_jobs=3, show_progress=False)
    trials = hs.load_study("par", storage=url).trials
    assert len(trials) == 30 and len({t.number for t in trials}) == 30
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len({(t.params["x"], t.params["y"]) for t in trials}) == 30
    # run by worker processes, not the caller (how many of the three got a trial is a race)
    assert os.getpid() not in {t.system_attrs["worker"]["pid"] for t in trials}
    assert [t.number for t in study.best_trials] == brute_front(trials)


def stop_at_third(calls: list[int]) -> Callable[[dict[str, Any]], Any]:
    def objective(p: dict[str, Any]) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return constrained(p)

    return objective


def test_an_interrupted_multi_objective_study_resumes_to_its_total(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    study = hs.create_study("k", storage=url, directions=["minimize", "maximize"], space=SPACE,
                            seed=1)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        study.optimize(stop_at_third([]), n_trials=8)
    again = hs.load_study("k", storage=url)
    again.optimize(constrained, n_trials=8)
    done = [t for t in again.trials if t.state is TrialState.COMPLETE]
    assert len(done) == 8 and all(len(t.values or ()) == 2 for t in done)


@pytest.mark.parametrize("make", [hs.samplers.Evolution, lambda seed: hs.samplers.TPE(seed=seed)])
def test_deterministic_workers_repeat_a_multi_objective_study(
    tmp_path: Path, make: Callable[..., Any]
) -> None:
    runs = []
    for i in range(2):
        url = f"sqlite:///{tmp_path / f'det{i}.db'}"
        study = hs.create_study("d", storage=url, directions=["minimize", "minimize"],
                                space=SPACE, sampler=make(seed=7))  # fmt: skip
        study.optimize(constrained, n_trials=16, n_jobs=2, deterministic=True,
                       show_progress=False)  # fmt: skip
        runs.append([(t.number, t.values) for t in study.trials])
    assert runs[0] == runs[1]


def test_repeats_average_each_objective(tmp_path: Path) -> None:
    def noisy(p: dict[str, Any], trial: Any) -> tuple[float, float]:
        return p["x"] + trial.repeat, p["y"] - trial.repeat

    study = hs.create_study(directions=["minimize", "maximize"], space=SPACE, sampler="random",
                            seed=0, repeats=3)  # fmt: skip
    study.optimize(noisy, n_trials=4)
    for t in study.trials:
        assert t.values == pytest.approx((t.params["x"] + 1.0, t.params["y"] - 1.0))
        assert len(t.system_attrs["repeats"]["values"]) == 3


def test_a_study_file_from_before_opens_and_continues(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(OLD_DB, copy)
    url = f"sqlite:///{copy}"
    study = hs.load_study("maximize-plain", storage=url)
    before = study.best_value
    assert study.directions == (hs.load_study("maximize-plain", storage=url).direction,)
    assert len(study.best_trials) == 1 and study.best_trials[0].value == before
    study.optimize(lambda p: p["x"], n_more=2)
    assert len(study.trials) == 6 and study.best_value >= before
    rows = study.to_records()
    assert "value" in rows[0] and not any(k.startswith("values_") for k in rows[0])


KILLED = """
import sys, time
import hypersweep as hs

def objective(p):
    time.sleep(0.05)
    return {"loss": (p["x"], (1 - p["x"]) ** 2 + p["y"]), "constraints": [p["y"] - 0.7]}

study = hs.create_study("crash", storage=sys.argv[1], directions=["minimize", "minimize"],
                        space={"x": hs.Float(0, 1), "y": hs.Float(0, 1)}, seed=0,
                        load_if_exists=True)
study.optimize(objective, n_trials=200)
"""


def test_a_killed_multi_objective_worker_is_resumed_with_nothing_lost(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    url = f"sqlite:///{tmp_path / 'crash.db'}"
    script = tmp_path / "worker.py"
    script.write_text(KILLED)
    proc = subprocess.Popen([sys.executable, str(script), url], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    done: list[FrozenTrial] = []
    while len(done) < 8:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
        try:
            done = [t for t in hs.load_study("crash", storage=url).trials
                    if t.state is TrialState.COMPLETE]  # fmt: skip
        except (hs.StudyNotFound, hs.StorageError):
            done = []
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = {t.number: t.values for t in hs.load_study("crash", storage=url).trials
              if t.state is TrialState.COMPLETE}  # fmt: skip
    study = hs.load_study("crash", storage=url)
    study.optimize(constrained, n_trials=len(before) + 6)
    after = {t.number: t for t in study.trials}
    assert all(after[n].values == v for n, v in before.items())  # nothing lost or changed
    assert not [t for t in after.values() if t.state is TrialState.RUNNING]
    complete = [t for t in after.values() if t.state is TrialState.COMPLETE]
    assert len(complete) == len(before) + 6  # the cut trial gave its budget back
    assert [t.number for t in study.best_trials] == brute_front(list(after.values()))
