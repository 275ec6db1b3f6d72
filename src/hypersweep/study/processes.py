"""Worker processes for ``study.optimize(n_jobs=k)``: each runs its own ask-run-tell loop.

Objectives are CPU-bound Python, so threads would share one core; processes
don't. Workers share nothing but the storage: each joins the study, asks for
trials (storage caps the shared budget as it creates them), and tells results.
The parent only starts them, shows progress and waits. On Linux they are
forked, so an objective defined in a notebook or as a closure just works.
Dask and Ray executors run the same :func:`run_worker` elsewhere.
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
from typing import Any, Protocol

from ..pruners.base import Pruner
from ..samplers.base import Sampler
from ..samplers.grid import Grid
from ..space import Space
from ..storage import MemoryStorage, Storage, StudyRecord
from . import progress, signals
from .core import StudyCore
from .loop import WorkerLoop
from .options import RunOptions

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
    options: RunOptions
    kind: type[StudyCore] = StudyCore  # the class workers build (the public Study, usually)

    @classmethod
    def of(cls, study: StudyCore, options: RunOptions) -> WorkerSpec:
        """The spec of ``study``; refuses what workers elsewhere could not run."""
        if isinstance(study.storage, MemoryStorage):
            raise ValueError(
                "parallel workers run in separate processes, which must share a storage: "
                "create the study with storage='sqlite:///study.db' (or a PostgreSQL URL)"
            )
        endless = options.n_trials is None and options.timeout is None
        if endless and not isinstance(study.sampler, Grid):
            raise ValueError("parallel workers need an end: give n_trials or timeout (or a grid)")
        return cls(study.record, study.storage, study.sampler, study.pruner, study.space, options,
                   type(study))  # fmt: skip


def run_worker(spec: WorkerSpec, objective: Callable[..., Any]) -> int:
    """One worker's whole loop, wherever it runs; returns how many trials it finished."""
    study = spec.kind(spec.record, spec.storage, spec.sampler, spec.pruner, spec.space)
    return len(WorkerLoop(study, objective, spec.options).run(show_progress=False))


def run_processes(
    study: StudyCore,
    objective: Callable[..., Any],
    spec: WorkerSpec,
    n_jobs: int,
    show_progress: bool | None,
) -> None:
    """Run ``n_jobs`` worker processes on ``study`` until its budget is used; then return."""
    import multiprocessing as mp  # here, not at import: it is slow to load

    methods = mp.get_all_start_methods()
    ctx: Any = mp.get_context("fork" if "fork" in methods else "spawn")
    args = (spec, objective, os.getpid())
    workers = [ctx.Process(target=_worker_main, args=args, daemon=False) for _ in range(n_jobs)]
    for w in workers:
        w.start()
    status = lambda: (study.budget_used(), study.best_so_far())  # noqa: E731
    options = spec.options
    bar = progress.Bar.start(study.name, status, options.n_trials, options.timeout, show_progress)
    try:
        with signals.sigterm_stops():
            while any(w.is_alive() for w in workers):
                for w in workers:
                    w.join(timeout=0.25 / len(workers))
                study.refresh()
                bar.update(None)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the workers interrupt their trials too
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


def _worker_main(spec: WorkerSpec, objective: Callable[..., Any], parent: int) -> None:
    """Entry point of one local worker process; it ends when its parent dies."""
    try:
        signals.end_with_parent(parent)
        run_worker(spec, objective)
    except KeyboardInterrupt:
        sys.exit(130)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        time.sleep(0.05)
        sys.exit(1)


class Executor(Protocol):
    """Runs worker loops somewhere else (``hypersweep.executors``): ``size()`` loops of
    :func:`run_worker` on ``spec``, returning when all have ended."""

    def size(self) -> int:
        """How many worker loops it will run (deterministic mode lags by this much)."""
        ...

    def run(self, spec: WorkerSpec, objective: Callable[..., Any]) -> None: ...
