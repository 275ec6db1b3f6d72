"""Real processes: a run killed with SIGKILL resumes from its last checkpoints, and two
processes share one population on SQLite and on PostgreSQL."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep import TrialState, pbt

from . import run_toy
from .test_run import check_lineage

SCRIPT = Path(run_toy.__file__)


def start(url: str, ckpt: Path, mode: str, log: Path, delay: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PBT_TOY_DELAY": str(delay), "PBT_TOY_LOG": str(log)}
    return subprocess.Popen([sys.executable, str(SCRIPT), url, str(ckpt), mode], env=env)


def completed(url: str) -> int:
    try:
        study = hs.load_study("toy", storage=url)
    except (hs.StudyNotFound, hs.StorageError):
        return 0  # not created yet
    return len(study.get_trials([TrialState.COMPLETE]))


def starts(log: Path) -> collections.Counter[tuple[int, int]]:
    lines = [line.split() for line in log.read_text().splitlines()]
    return collections.Counter((int(m), int(t)) for m, t, _ in lines)


def check_population(result: pbt.Result) -> None:
    n_intervals = run_toy.TOTAL // run_toy.INTERVAL
    check_lineage(result, run_toy.POPULATION, n_intervals)
    trials = result.study.trials
    scratch = [t for t in trials if t.state is TrialState.COMPLETE
               and t.system_attrs["pbt"]["restore"] is None]  # fmt: skip
    assert len(scratch) == run_toy.POPULATION  # only each member's first turn: no restart
    bad = [t.error for t in trials if t.state is TrialState.FAIL and not t.interrupted]
    assert not bad  # the toy fails any turn restored from the wrong number of steps


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_killed_run_resumes_from_its_last_checkpoints(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ckpt, log = f"sqlite:///{tmp_path / 'pbt.db'}", tmp_path / "ckpt", tmp_path / "log"
    proc = start(url, ckpt, mode, log, delay=0.1)
    deadline = time.monotonic() + 60
    while completed(url) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = completed(url)
    assert 10 <= done_before < 32
    monkeypatch.setenv("PBT_TOY_LOG", str(log))
    result = run_toy.main(url, str(ckpt), mode)
    check_population(result)
    count = starts(log)
    twice = [k for k, n in count.items() if n > 1]
    interrupted = [t for t in result.study.trials if t.interrupted]
    assert len(interrupted) == 1 and "died" in str(interrupted[0].error)
    assert len(twice) <= 1  # only the turn the kill cut short ran again (if it had begun)
    assert sum(count.values()) == len(result.lineage) + len(twice)


def run_two(url: str, tmp_path: Path) -> pbt.Result:
    log = tmp_path / "log"
    procs = [start(url, tmp_path / "ckpt", "async", log, delay=0.05) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    result = pbt.result_of(hs.load_study("toy", storage=url))
    check_population(result)
    assert max(starts(log).values()) == 1  # no turn trained twice
    pids = {t.system_attrs["worker"]["pid"] for t in result.study.trials}
    assert pids == {p.pid for p in procs}  # both processes trained members
    return result


def test_two_processes_share_a_population_on_sqlite(tmp_path: Path) -> None:
    run_two(f"sqlite:///{tmp_path / 'pbt.db'}", tmp_path)


def test_two_processes_share_a_population_on_postgresql(
    tmp_path: Path, postgres_databases: Callable[[], str]
) -> None:
    run_two(postgres_databases(), tmp_path)
