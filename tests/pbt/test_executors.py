"""A population trains on a Dask cluster and on Ray through hypersweep's executors."""

from __future__ import annotations

import os
from pathlib import Path

import distributed
import pytest
import ray

import hypersweep as hs
from hypersweep import pbt

from .test_run import check_lineage
from .toy import SPACE, train


def test_a_population_trains_on_dask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBT_TOY_DELAY", "0.02")  # each worker gets turns to train
    hs.set_verbosity(0)
    url = f"sqlite:///{tmp_path / 'pbt.db'}"
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        result = pbt.run(train, SPACE, population=4, interval=2, total_steps=12, storage=url,
                         checkpoint_dir=tmp_path / "c", executor=hs.executors.Dask(client),
                         seed=0)  # fmt: skip
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    check_lineage(result, 4, 6)
    pids = {t.system_attrs["worker"]["pid"] for t in result.study.trials}
    # the turns ran in the cluster's workers (how many of the two won turns is up to the load)
    assert pids <= worker_pids and os.getpid() not in pids


def test_a_population_trains_on_ray(tmp_path: Path) -> None:
    hs.set_verbosity(0)
    url = f"sqlite:///{tmp_path / 'pbt.db'}"
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True)
    try:
        result = pbt.run(train, SPACE, population=4, interval=2, total_steps=8, storage=url,
                         checkpoint_dir=tmp_path / "c", executor=hs.executors.Ray(n_workers=2),
                         synchronous=False, seed=0)  # fmt: skip
    finally:
        ray.shutdown()
    check_lineage(result, 4, 4)


def test_local_processes_share_the_population(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PBT_TOY_DELAY", "0.02")
    hs.set_verbosity(0)
    url = f"sqlite:///{tmp_path / 'pbt.db'}"
    result = pbt.run(train, SPACE, population=4, interval=2, total_steps=12, storage=url,
                     checkpoint_dir=tmp_path / "c", n_jobs=2, seed=0)  # fmt: skip
    check_lineage(result, 4, 6)
    pids = {t.system_attrs["worker"]["pid"] for t in result.study.trials}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids  # in the worker processes
