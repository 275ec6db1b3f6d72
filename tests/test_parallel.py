"""Parallel trials: n_jobs processes, many workers on one study, dead workers, heartbeats."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState

WORKER = textwrap.dedent(
    """
    import sys, time
    import hypersweep as hs

    url, n_trials, kind, pause, name = sys.argv[1:6]
    n_trials, pause = int(n_trials), float(pause)
    space = {"x": hs.Int(0, 9 if kind == "grid" else 9999), "y": hs.Categorical(["a", "b", "c"])}
    sampler = hs.samplers.Grid(n_points=10) if kind == "grid" else hs.samplers.Random(seed=1)
    study = hs.create_study(name, storage=url, space=space, sampler=sampler, load_if_exists=True)

    def objective(p):
        time.sleep(pause)
        return p["x"] + (p["y"] == "b")

    study.optimize(objective, None if kind == "grid" else n_trials, heartbeat_interval=1.0,
                   retries=1)
    """
)


def start_workers(tmp_path: Path, url: str, count: int, n_trials: int, kind: str,
                  pause: float) -> list[subprocess.Popen[bytes]]:  # fmt: skip
    """Start workers on the study named after this test's folder (PostgreSQL is shared)."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    space = {"x": hs.Int(0, 9 if kind == "grid" else 9999), "y": hs.Categorical(["a", "b", "c"])}
    # created once here, so the workers race only on trials
    hs.create_study(tmp_path.name, storage=url, space=space, load_if_exists=True)
    return [
        subprocess.Popen(
            [sys.executable, str(script), url, str(n_trials), kind, str(pause), tmp_path.name],
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]


def finish(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()


def cells(trials: list[hs.FrozenTrial]) -> list[str]:
    return [json.dumps(t.flat, sort_keys=True) for t in trials if t.state is TrialState.COMPLETE]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parallel.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_four_processes_share_one_budget_exactly(tmp_path: Path, url: str) -> None:
    finish(start_workers(tmp_path, url, count=4, n_trials=200, kind="random", pause=0.01))
    trials = hs.load_study(tmp_path.name, storage=url).trials
    assert len(trials) == 200 and all(t.state is TrialState.COMPLETE for t in trials)
    assert [t.number for t in trials] == list(range(200))  # none lost, none twice
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) >= 2  # really concurrent


def test_four_processes_run_each_grid_cell_once(tmp_path: Path, url: str) -> None:
    finish(start_workers(tmp_path, url, count=4, n_trials=0, kind="grid", pause=0.005))
    done = cells(hs.load_study(tmp_path.name, storage=url).trials)
    assert len(done) == len(set(done)) == 30


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_worker_killed_mid_trial_loses_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    url = f"sqlite:///{tmp_path / 'fault.db'}"
    procs = start_workers(tmp_path, url, count=3, n_trials=30, kind="random", pause=0.15)
    deadline = time.monotonic() + 60
    victim = procs[0]
    while time.monotonic() < deadline:  # wait until the victim is inside a trial (values set)
        running = [t for t in hs.load_study(tmp_path.name, storage=url).trials
                   if t.state is TrialState.RUNNING and t.flat
                   and t.system_attrs["worker"]["pid"] == victim.pid]  # fmt: skip
        if running:
            break
        time.sleep(0.02)
    victim.send_signal(sig)
    victim.wait(timeout=30)
    finish(procs[1:])
    trials = hs.load_study(tmp_path.name, storage=url).trials
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    cut = [t for t in trials if t.state is TrialState.FAIL]
    assert len(complete) == 30  # the others completed the whole budget
    assert cut and all(t.interrupted for t in cut)
    assert not [t for t in trials if t.state is TrialState.RUNNING]
    retried = [t for t in complete if t.system_attrs.get("retry_of") is not None]
    if sig is signal.SIGKILL:  # found dead by the others, and run again with the same values
        assert [t.system_attrs["retry_of"] for t in retried] == [t.number for t in cut]
        assert [t.flat for t in retried] == [t.flat for t in cut]


def test_a_silent_remote_worker_is_noticed_by_its_heartbeat(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'remote.db'}"
    study = hs.create_study("r", storage=url, space={"x": hs.Float(0, 1)}, seed=0)
    # a trial left RUNNING by a worker on another machine, whose last beat said "until 1 s ago"
    study.storage.create_trial(
        study.record.study_id, state=TrialState.RUNNING, flat={"x": 0.5}, params={"x": 0.5},
        system_attrs={"worker": {"host": "elsewhere", "pid": 1}}, expires=time.time() - 1,
    )  # fmt: skip
    study.optimize(lambda p: p["x"], 4, retries=1)
    trials = study.trials
    assert trials[0].state is TrialState.FAIL and "heartbeats" in (trials[0].error or "")
    assert trials[1].system_attrs["retry_of"] == 0 and trials[1].params == {"x": 0.5}
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 4


def test_n_jobs_runs_processes_on_a_sql_storage(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"

    def objective(p: dict[str, Any]) -> float:  # a closure: forked workers need no pickling
        time.sleep(0.05)
        return float(p["x"])

    study = hs.create_study("jobs", storage=url, space={"x": hs.Int(0, 100)}, seed=0)
    study.optimize(objective, 16, n_jobs=2)
    trials = study.trials
    assert len(trials) == 16 and all(t.state is TrialState.COMPLETE for t in trials)
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) == 2
    assert len({t.params["x"] for t in trials}) == 16  # no value twice on a discrete space


def test_n_jobs_needs_a_shared_storage() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    with pytest.raises(ValueError, match="must share a storage: create the study with storage="):
        study.optimize(lambda p: p["x"], 4, n_jobs=2)


def test_deterministic_mode_gives_the_same_values_whatever_the_timing(tmp_path: Path) -> None:
    import random

    def objective(p: dict[str, Any]) -> float:
        time.sleep(random.random() * 0.05)  # timing differs from run to run
        return (p["x"] - 0.3) ** 2 + (p["y"] - 0.7) ** 2

    runs = []
    for run in range(2):
        url = f"sqlite:///{tmp_path / f'det{run}.db'}"
        sampler = hs.samplers.TPE(seed=3, n_startup_trials=4)
        study = hs.create_study("d", storage=url, sampler=sampler,
                                space={"x": hs.Float(0, 1), "y": hs.Float(0, 1)})  # fmt: skip
        study.optimize(objective, 16, n_jobs=2, deterministic=True)
        runs.append({t.number: t.params for t in study.trials})
    assert runs[0] == runs[1]
    assert len({json.dumps(p, sort_keys=True) for p in runs[0].values()}) == 16


def _sleepy_x(p: dict[str, float]) -> float:
    time.sleep(0.005)
    return p["x"]


@pytest.mark.parametrize("sampler", ["random", "tpe", "qmc", "cmaes", "evolution"])
def test_parallel_workers_never_repeat_a_continuous_configuration(
    sampler: str, url: str
) -> None:
    """A worker whose guessed trial number went to another worker chooses again for the
    number it got; before, it kept the values drawn for the guess, which the worker holding
    that number drew too (385 distinct of 400 with 2 jobs, 302 with 4 and TPE)."""
    study = hs.create_study(f"dup-{sampler}", storage=url, space={"x": hs.Float(0, 1)},
                            sampler=sampler, seed=0)  # fmt: skip
    study.optimize(_sleepy_x, 200, n_jobs=4)
    xs = [t.params["x"] for t in study.trials if t.state is TrialState.COMPLETE]
    assert len(xs) == 200
    assert len(set(xs)) == 200, f"{200 - len(set(xs))} repeated configurations"
