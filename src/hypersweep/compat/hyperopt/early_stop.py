"""``no_progress_loss``: stop a search whose best loss has not improved for a while."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def no_progress_loss(
    iteration_stop_count: int = 20, percent_increase: float = 0.0
) -> Callable[..., tuple[bool, list[Any]]]:
    """An ``early_stop_fn`` for :func:`fmin`: stop once ``iteration_stop_count`` trials in a
    row have not beaten the best loss by more than ``percent_increase`` percent of it.

    The function it returns takes the trials and the state it returned last time, and
    returns (stop?, new state), as ``fmin`` expects. The first trial counts as one without
    progress, and so does a trial without a loss (failed).
    """

    def stop_fn(trials: Any, best_loss: float | None = None, stale: int = 0
                ) -> tuple[bool, list[Any]]:  # fmt: skip
        docs = trials.trials
        new_loss = docs[-1]["result"].get("loss") if docs else None
        if best_loss is None:
            return False, [new_loss, stale + 1]  # the first trial counts, as in hyperopt
        bar = best_loss - abs(best_loss) * percent_increase / 100.0
        if new_loss is not None and new_loss < bar:
            best_loss, stale = new_loss, 0
        else:
            stale += 1
        return stale >= iteration_stop_count, [best_loss, stale]

    return stop_fn


__all__ = ["no_progress_loss"]
