"""Run worker loops on a Ray cluster (``pip install ray``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._checks import int_at_least
from ..study.processes import WorkerSpec
from ._workers import run_everywhere


class Ray:
    """``n_workers`` worker loops as Ray tasks (one CPU each), until the budget is used.

    Connects to a running cluster with ``ray.init(address=...)`` first if you
    have one; otherwise Ray starts a local one.

    >>> Ray(n_workers=4).n_workers
    4
    """

    def __init__(self, n_workers: int = 2) -> None:
        self.n_workers = int_at_least("Ray", "n_workers", n_workers, 1)

    def size(self) -> int:
        return self.n_workers

    def run(self, spec: WorkerSpec, objective: Callable[..., Any]) -> None:
        try:
            import ray
        except ImportError:
            raise ImportError("hs.executors.Ray needs Ray: pip install ray") from None
        if not ray.is_initialized():
            ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=True)

        def launch(fn: Callable[..., int], calls: list[tuple[Any, ...]]) -> Any:
            remote = ray.remote(num_cpus=1)(fn)
            return [remote.remote(*args) for args in calls]

        run_everywhere(spec, objective, self.size(), launch, ray.get)
