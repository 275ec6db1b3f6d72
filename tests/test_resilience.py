"""A study survives kill -9 and Ctrl-C: finished trials stay, resume completes the budget."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep import TrialState

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import hypersweep as hs

    def objective(p):
        time.sleep(0.05)
        return (p["x"] - 0.5) ** 2

    hs.minimize(objective, {"x": hs.Float(0, 1)}, n_trials=int(sys.argv[2]), seed=0,
                storage=sys.argv[1], study="crash", verbosity=0)
    """
)


def objective(p: dict[str, float]) -> float:
    return (p["x"] - 0.5) ** 2


def start_worker(tmp_path: Path, url: str, n_trials: int) -> subprocess.Popen[bytes]:
    script = tmp_path / "worker.py"
    script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), url, str(n_trials)],
                            stderr=subprocess.PIPE)  # fmt: skip


def wait_for_complete(url: str, count: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            trials = hs.load_study("crash", storage=url).trials
        except (hs.StudyNotFound, hs.StorageError):  # the worker has not created it yet
            trials = []
        if sum(t.state is TrialState.COMPLETE for t in trials) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not make progress")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_or_interrupted_study_resumes_with_nothing_lost(
    tmp_path: Path, sig: signal.Signals
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    proc = start_worker(tmp_path, url, 40)
    wait_for_complete(url, 8, proc)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    before = {t.number: t for t in hs.load_study("crash", storage=url).trials}
    finished = {n: t for n, t in before.items() if t.state is TrialState.COMPLETE}
    assert len(finished) >= 8
    # the signal may land between two trials; then nothing was running (rare but possible)
    running = [t for t in before.values() if t.state is TrialState.RUNNING]
    cut = [t for t in before.values() if t.state is TrialState.FAIL]
    if sig is signal.SIGINT:  # Ctrl-C: the running trial was closed as FAIL, flagged interrupted
        assert not running and len(cut) <= 1
        assert all(t.interrupted and "Ctrl-C" in (t.error or "") for t in cut)
    else:  # kill -9: the running trial is left RUNNING until someone notices its worker died
        assert len(running) <= 1 and not cut
    n_cut = len(cut) + len(running)

    result = hs.minimize(objective, {"x": hs.Float(0, 1)}, n_trials=40, storage=url,
                         study="crash", verbosity=0)  # fmt: skip
    after = {t.number: t for t in result.trials}
    for n, t in finished.items():  # every finished trial intact
        assert after[n].state is TrialState.COMPLETE
        assert after[n].value == t.value and after[n].params == t.params
    cut = [t for t in after.values() if t.state is TrialState.FAIL]
    assert len(cut) == n_cut and all(t.interrupted for t in cut)
    assert sum(t.state is TrialState.COMPLETE for t in after.values()) == 40
    assert not [t for t in after.values() if t.state is TrialState.RUNNING]


def test_keyboard_interrupt_in_process_marks_the_trial_and_reraises() -> None:
    calls = {"n": 0}

    def objective(p: dict[str, float]) -> float:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return p["x"]

    study = hs.create_study(space={"x": hs.Float(0, 1)})
    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, 10)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.FAIL]
    study.optimize(objective, 10)  # the interrupted trial did not use up budget
    assert [t.state for t in study.trials].count(TrialState.COMPLETE) == 10
