"""What the user sees while a study runs: a log line per new best, a bar in a terminal.

The bar (rich, imported only when shown) appears only when stderr is a
terminal and verbosity allows; logs go through the "hypersweep" logger.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from ..trial import Direction, FrozenTrial, TrialState

logger = logging.getLogger("hypersweep")
_handler: logging.Handler | None = None


def set_verbosity(level: int | str) -> None:
    """0 (or "WARNING") silences the new-best messages; 1 (or "INFO") shows them.

    Also accepts any logging level name or number.
    """
    levels = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}
    if isinstance(level, int) and level in levels:
        logger.setLevel(levels[level])
    else:
        logger.setLevel(level if isinstance(level, int) else str(level).upper())
    ensure_handler()


def ensure_handler() -> None:
    """Print to stderr unless the application configured logging itself."""
    global _handler
    if _handler is None and not logger.handlers and not logging.getLogger().handlers:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter("[hypersweep %(asctime)s] %(message)s", "%H:%M:%S"))
        logger.addHandler(_handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def _short(params: Any) -> str:
    text = repr(params)
    return text if len(text) <= 200 else text[:197] + "..."


def announce(direction: Direction, trial: FrozenTrial, previous_best: FrozenTrial | None) -> None:
    """Log a new best (INFO), a failure (WARNING is left to the caller), else DEBUG."""
    if trial.state is not TrialState.COMPLETE or not logger.isEnabledFor(logging.INFO):
        logger.debug("Trial %d ended %s.", trial.number, trial.state.value)
        return
    if trial.values is not None and len(trial.values) > 1:  # a front has no single best
        logger.debug("Trial %d finished with values %s.", trial.number, list(trial.values))
        return
    if not trial.feasible:
        logger.debug("Trial %d finished infeasible with value %.6g.", trial.number, trial.value)
        return
    sign = direction.sign()
    prev = previous_best.value if previous_best is not None else None
    if prev is None or (trial.value is not None and sign * trial.value < sign * prev):
        logger.info(
            "Trial %d: new best value %.6g with %s", trial.number, trial.value, _short(trial.params)
        )
    else:
        logger.debug("Trial %d finished with value %.6g.", trial.number, trial.value)


Status = Callable[[], "tuple[int, FrozenTrial | None]"]


class Bar:
    """A progress bar with the best value so far and an ETA; a no-op when not shown."""

    def __init__(self, progress: Any, task: Any, status: Status) -> None:
        self._progress, self._task, self._status = progress, task, status

    @classmethod
    def start(
        cls,
        name: str,
        status: Status,
        n_trials: int | None,
        timeout: float | None,
        show: bool | None,
    ) -> Bar:
        """``status()`` gives (trials used of the budget, best trial so far) when drawn."""
        if show is None:
            show = sys.stderr.isatty() and logger.getEffectiveLevel() <= logging.INFO
        if not show:
            return cls(None, None, status)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("best {task.fields[best]}"),
            transient=False,
            console=Console(stderr=True),  # stdout stays clean for results and JSON
        )
        progress.start()
        total = n_trials if n_trials is not None else None
        task = progress.add_task(name, total=total, best="-", start_time=time.time())
        return cls(progress, task, status)

    def update(self, trial: FrozenTrial | None) -> None:
        if self._progress is None:
            return
        used, best = self._status()
        shown = f"{best.value:.6g}" if best is not None and best.value is not None else "-"
        self._progress.update(self._task, completed=used, best=shown)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def why_no_best(name: str, trials: list[FrozenTrial]) -> str:
    """Why a study has no best trial, and what to do about it."""
    if not trials:
        return (f"study {name!r} has no COMPLETE trial yet, so there is no best one; "
                f"run study.optimize(...) first")  # fmt: skip
    if any(t.state is TrialState.COMPLETE for t in trials):
        return (
            f"study {name!r} has COMPLETE trials but none feasible (a constraint > 0 in "
            "each), so there is no best one; run more trials or loosen the constraints"
        )
    failed = [t for t in trials if t.state is TrialState.FAIL and t.error]
    first = failed[0].error.splitlines()[0] if failed and failed[0].error else None
    return (
        f"study {name!r} has {len(trials)} trials but none COMPLETE, so there is no best one"
        + (f" (trial {failed[0].number} failed with {first})" if first else "")
        + "; fix the objective, then run more with study.optimize(objective, n_more=k)"
    )
