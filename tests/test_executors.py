"""Executors run worker loops on a real Dask cluster (and on Ray when it is installed)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState


def slow_square(p: dict[str, Any]) -> float:
    time.sleep(0.05)
    return (p["x"] - 3) ** 2


def test_dask_local_cluster_runs_the_budget_exactly_once(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    url = f"sqlite:///{tmp_path / 'dask.db'}"
    study = hs.create_study("dask", storage=url, space={"x": hs.Float(-10, 10)}, seed=0)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        study.optimize(slow_square, 24, executor=hs.executors.Dask(client))
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    trials = study.trials
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    pids = {t.system_attrs["worker"]["pid"] for t in trials}
    assert pids <= worker_pids and len(pids) == 2  # both Dask workers ran trials
    assert study.best_value == min(t.value for t in trials if t.value is not None)


def test_dask_executor_needs_a_shared_storage() -> None:
    pytest.importorskip("distributed")
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    with pytest.raises(ValueError, match="must share a storage"):
        study.optimize(slow_square, 4, executor=hs.executors.Dask(client=object()))


def test_ray_runs_the_budget(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    url = f"sqlite:///{tmp_path / 'ray.db'}"
    study = hs.create_study("ray", storage=url, space={"x": hs.Float(-10, 10)}, seed=0)
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True)
    try:
        study.optimize(slow_square, 12, executor=hs.executors.Ray(n_workers=2))
    finally:
        ray.shutdown()
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 12


def test_executor_options_are_checked() -> None:
    with pytest.raises(ValueError, match="n_workers must be an integer >= 1"):
        hs.executors.Dask(client=None, n_workers=0)
    with pytest.raises(ValueError, match="n_workers must be an integer >= 1"):
        hs.executors.Ray(n_workers=0)
