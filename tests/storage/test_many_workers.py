"""Eight worker processes on one SQLite file: every budgeted trial finishes once, none is
lost or numbered twice, and "database is locked" never reaches the user.

This is the hot path of :mod:`hypersweep.storage.sql.fast` (driver connections instead
of SQLAlchemy Core) under real contention, on 2 cores shared by 8 writers.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import hypersweep as hs
from hypersweep.trial import TrialState

from .processes import in_processes

BUDGET = 400


def run_worker(url: str) -> list[int]:
    """One worker of the study: the numbers of the trials it reported finished."""
    hs.set_verbosity(0)
    done: list[int] = []
    study = hs.load_study("many", storage=url, sampler="random")

    def objective(p: dict[str, Any]) -> float:
        time.sleep(0.002)
        return float(p["x"])

    study.optimize(objective, BUDGET, callbacks=[lambda s, t: done.append(t.number)])
    return done


def test_eight_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    hs.create_study("many", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    reported = in_processes(run_worker, url, workers=8, method="fork")  # errors fail here
    numbers = [n for worker in reported for n in worker]
    assert sorted(numbers) == list(range(BUDGET))  # each once: no duplicate, none lost
    assert sum(1 for worker in reported if worker) >= 2  # the work really was shared
    trials = hs.load_study("many", storage=url).trials
    assert [t.number for t in trials] == list(range(BUDGET))
    assert all(t.state is TrialState.COMPLETE and t.value == t.params["x"] for t in trials)
