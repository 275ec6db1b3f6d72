"""`hypersweep worker STUDY`: more workers join a study that `hypersweep run` started."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.cli import main

CONFIG = textwrap.dedent(
    """
    objective: slow_objective:objective
    sampler: tpe
    seed: 0
    n_trials: 24
    study: joined
    space:
      x: !float {low: -5, high: 5}
      k: !int {low: 1, high: 4}
    """
)
OBJECTIVE = textwrap.dedent(
    """
    import time

    def objective(params):
        time.sleep(0.05)
        return (params["x"] - 1) ** 2 + params["k"]
    """
)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    (tmp_path / "tune.yaml").write_text(CONFIG)
    (tmp_path / "slow_objective.py").write_text(OBJECTIVE)
    monkeypatch.chdir(tmp_path)
    return tmp_path, f"sqlite:///{tmp_path / 'shared.db'}"


def test_workers_in_other_processes_complete_the_stored_budget(setup: tuple[Path, str]) -> None:
    _, url = setup
    assert main(["run", "tune.yaml", "--storage", url, "--n-trials", "4", "-q"]) == 0
    # the study remembers its objective, sampler and folder: workers need only its name
    command = [sys.executable, "-m", "hypersweep", "worker", "joined", "--storage", url,
               "--n-trials", "24", "-q"]  # fmt: skip
    workers = [subprocess.Popen(command, cwd="/", stderr=subprocess.PIPE) for _ in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()
    trials = hs.load_study("joined", storage=url).trials
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    assert len({t.system_attrs["worker"]["pid"] for t in trials[4:]}) == 2


def test_worker_needs_an_objective_for_studies_made_in_python(
    setup: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = setup
    hs.create_study("plain", storage=url, space={"x": hs.Float(0, 1)})
    assert main(["worker", "plain", "--storage", url]) == 2
    assert "pass --objective module:function" in capsys.readouterr().err
    code = main(["worker", "plain", "--storage", url, "--objective", "slow_objective:objective",
                 "--n-trials", "3", "-q"])  # fmt: skip
    assert code == 0  # the objective reads params["k"], which this space lacks...
    study = hs.load_study("plain", storage=url)
    assert len(study.trials) == 3 and all(t.state is TrialState.FAIL for t in study.trials)
    assert "KeyError" in (study.trials[0].error or "")  # ...so every trial failed, on record


def test_run_with_jobs_uses_several_processes(setup: tuple[Path, str]) -> None:
    _, url = setup
    assert main(["run", "tune.yaml", "--storage", url, "--jobs", "2", "-q"]) == 0
    trials = hs.load_study("joined", storage=url).trials
    assert len(trials) == 24
    assert len({t.system_attrs["worker"]["pid"] for t in trials}) == 2
