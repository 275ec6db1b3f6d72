"""Run worker loops on a Dask cluster (``pip install "dask[distributed]"``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least

if TYPE_CHECKING:
    from ..study.core import Study


class Dask:
    """One worker loop per Dask worker thread (or ``n_workers`` loops), until the budget is used.

    >>> Dask(client=None, n_workers=2).n_workers
    2
    """

    def __init__(self, client: Any, *, n_workers: int | None = None) -> None:
        if n_workers is not None:
            int_at_least("Dask", "n_workers", n_workers, 1)
        self.client = client
        self.n_workers = n_workers

    def size(self) -> int:
        if self.n_workers is not None:
            return self.n_workers
        import distributed

        client = self.client or distributed.get_client()
        return sum(client.nthreads().values()) or 1

    def run(
        self,
        study: Study,
        objective: Callable[..., Any],
        n_trials: int | None,
        options: dict[str, Any],
    ) -> None:
        try:
            import distributed
        except ImportError:
            raise ImportError(
                'hs.executors.Dask needs dask.distributed: pip install "dask[distributed]"'
            ) from None
        from ..study.processes import WorkerSpec, run_worker

        spec = WorkerSpec.of(study, n_trials, options)  # checks the storage is shareable
        client = self.client or distributed.get_client()
        count = self.size()
        futures = client.map(run_worker, [spec] * count, objective=objective, pure=False)
        client.gather(futures)  # re-raises a worker's exception here, with its traceback
