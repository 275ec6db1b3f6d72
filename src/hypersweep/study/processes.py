"""Worker processes for ``study.optimize(n_jobs=k)``: each runs its own ask-run-tell loop.

Objectives are CPU-bound Python, so threads would share one core; processes
don't. Workers share nothing but the storage: each loads the study, asks for
trials (storage caps the shared budget as it creates them), and tells results.
The parent only starts them, shows progress and waits. On Linux they are
forked, so an objective defined in a notebook or as a closure just works.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..samplers.grid import Grid
from ..storage import MemoryStorage, Storage, StudyRecord
from . import progress

if TYPE_CHECKING:
    from ..pruners.base import Pruner
    from ..samplers.base import Sampler
    from ..space.tree import Space
    from .core import Study

logger = logging.getLogger("hypersweep")


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker anywhere needs to join a study: no cache, no open connections.

    It travels by pickle (Dask, Ray) or by fork; the storage pickles as its URL.
    """

    record: StudyRecord
    storage: Storage
    sampler: Sampler
    pruner: Pruner
    space: Space | None
    n_trials: int | None
    options: dict[str, Any]

    @classmethod
    def of(cls, study: Study, n_trials: int | None, options: dict[str, Any]) -> WorkerSpec:
        check_shareable(study, n_trials, options)
        return cls(study._record, study.storage, study.sampler, study.pruner, study.space,
                   n_trials, dict(options))  # fmt: skip


def check_shareable(study: Study, n_trials: int | None, options: dict[str, Any]) -> None:
    """Workers elsewhere need a storage they can reach, and an end."""
    if isinstance(study.storage, MemoryStorage):
        raise ValueError(
            "parallel workers run in separate processes, which must share a storage: "
            "create the study with storage='sqlite:///study.db' (or a PostgreSQL URL)"
        )
    if n_trials is None and options.get("timeout") is None and not isinstance(study.sampler, Grid):
        raise ValueError("parallel workers need an end: give n_trials or timeout (or use a grid)")


def run_worker(spec: WorkerSpec, objective: Callable[..., Any]) -> int:
    """One worker's whole loop, wherever it runs; returns how many trials it finished."""
    from .core import Study

    study = Study(spec.record, spec.storage, spec.sampler, spec.pruner, spec.space)
    study._loop(objective, spec.n_trials, spec.options, show_progress=False)
    return len(study._finished_here)


def run_processes(
    study: Study,
    objective: Callable[..., Any],
    n_trials: int | None,
    n_jobs: int,
    options: dict[str, Any],
    show_progress: bool | None,
) -> None:
    """Run ``n_jobs`` worker processes on ``study`` until its budget is used; then return."""
    import multiprocessing as mp  # here, not at import: it is slow to load

    spec = WorkerSpec.of(study, n_trials, options)
    methods = mp.get_all_start_methods()
    ctx: Any = mp.get_context("fork" if "fork" in methods else "spawn")
    args = (spec, objective)
    workers = [ctx.Process(target=_worker_main, args=args, daemon=False) for _ in range(n_jobs)]
    for w in workers:
        w.start()
    bar = progress.Bar.start(study, n_trials, options["timeout"], show_progress)
    try:
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(timeout=0.25 / len(workers))
            study._refresh()
            bar.update(None)
    except KeyboardInterrupt:
        for w in workers:  # in a terminal they got the Ctrl-C too; make sure of it
            if w.is_alive() and w.pid is not None:
                os.kill(w.pid, signal.SIGINT)
        for w in workers:
            w.join(timeout=30)
        raise
    finally:
        bar.close()
    failed = [w.exitcode for w in workers if w.exitcode not in (0, None)]
    if failed:
        raise RuntimeError(
            f"{len(failed)} of {n_jobs} worker processes stopped with an error (exit codes "
            f"{failed}); their tracebacks are printed above. Finished trials are stored."
        )


def _worker_main(spec: WorkerSpec, objective: Callable[..., Any]) -> None:
    """Entry point of one local worker process."""
    try:
        run_worker(spec, objective)
    except KeyboardInterrupt:
        sys.exit(130)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        time.sleep(0.05)
        sys.exit(1)
