"""Run worker loops on a Dask cluster (``pip install "dask[distributed]"``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._checks import int_at_least
from ..study.processes import WorkerSpec
from ._workers import run_everywhere


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
        return sum(self._client().nthreads().values()) or 1

    def run(self, spec: WorkerSpec, objective: Callable[..., Any]) -> None:
        client = self._client()

        def launch(fn: Callable[..., int], calls: list[tuple[Any, ...]]) -> Any:
            specs, objectives = zip(*calls)
            return client.map(fn, specs, objectives, pure=False)

        run_everywhere(spec, objective, self.size(), launch, client.gather)

    def _client(self) -> Any:
        if self.client is not None:
            return self.client
        try:
            import distributed
        except ImportError:
            raise ImportError(
                'hs.executors.Dask needs dask.distributed: pip install "dask[distributed]"'
            ) from None
        return distributed.get_client()
