"""Stopping cleanly: SIGTERM ends the running trial as Ctrl-C does, workers die with their
parent, and a zombie worker counts as dead. Real processes throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.study.liveness import pid_alive

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import hypersweep as hs

    url, n_jobs = sys.argv[1], int(sys.argv[2])
    study = hs.create_study("s", storage=url, space={"x": hs.Float(0, 1)}, seed=0,
                            load_if_exists=True)

    def objective(p):
        time.sleep(0.4)
        return p["x"]

    study.optimize(objective, 500, n_jobs=n_jobs, heartbeat_interval=1.0)
    """
)


def _start(tmp_path: Path, n_jobs: int) -> tuple[subprocess.Popen[bytes], str]:
    url = f"sqlite:///{tmp_path / 'signals.db'}"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), url, str(n_jobs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    return proc, url


def _wait_for_complete(url: str, count: int, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            trials = hs.load_study("s", storage=url).trials
        except hs.HypersweepError:
            trials = []
        if sum(t.state is TrialState.COMPLETE for t in trials) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} trials completed in {limit} s")


def test_sigterm_ends_the_running_trial_as_interrupted(tmp_path: Path) -> None:
    proc, url = _start(tmp_path, n_jobs=1)
    _wait_for_complete(url, 2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    assert proc.returncode != 0
    trials = hs.load_study("s", storage=url).trials
    assert not [t.number for t in trials if t.state is TrialState.RUNNING]
    cut = [t for t in trials if t.state is TrialState.FAIL]
    assert len(cut) == 1 and cut[0].interrupted and "SIGTERM" in (cut[0].error or "")


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    proc, url = _start(tmp_path, n_jobs=2)
    _wait_for_complete(url, 4)
    proc.kill()  # SIGKILL: the parent can do nothing about it
    proc.wait(timeout=10)
    workers = {t.system_attrs["worker"]["pid"] for t in hs.load_study("s", storage=url).trials}
    assert len(workers) == 2 and proc.pid not in workers
    deadline = time.monotonic() + 10
    while any(pid_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if pid_alive(pid)], "orphaned workers still run"
    trials = hs.load_study("s", storage=url).trials
    assert not [t.number for t in trials if t.state is TrialState.RUNNING]
    assert len(trials) < 100  # they stopped at once, far from the budget of 500
    assert all(t.interrupted for t in trials if t.state is TrialState.FAIL)


def test_a_zombie_process_counts_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while pid_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # exited but not collected (no wait yet): a zombie
    try:
        os.kill(child.pid, 0)  # the kernel still has it ...
        assert not pid_alive(child.pid)  # ... but it runs no more
    finally:
        child.wait()
    assert not pid_alive(child.pid)
