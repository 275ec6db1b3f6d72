"""``fmin``: hyperopt's entry point, run as a hypersweep study.

It keeps hyperopt's contract (``max_evals`` counts the trials object's total, so
passing the same ``Trials`` again continues; ``points_to_evaluate`` run first;
``early_stop_fn``, ``loss_threshold`` and ``timeout`` stop early; an exception in
the objective propagates unless ``catch_eval_exceptions=True``) with one
deliberate change: the returned dict holds real values, a choice's label the
chosen option rather than its index. See docs/migrate-hyperopt.md.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from collections.abc import Callable
from typing import Any

from .algos import sampler_for
from .results import AllTrialsFailed, to_study_result
from .translate import compile_space, space_eval
from .trials import Trials


class _Stop(Exception):
    """Raised by the run's callback to end it early (early_stop_fn, loss_threshold)."""


def seed_from(rstate: Any) -> int | None:
    """A seed for the sampler from hyperopt's ``rstate`` (a numpy Generator, or an int)."""
    if rstate is None:
        env = os.environ.get("HYPEROPT_FMIN_SEED", "")
        return int(env) if env.strip() else None
    if isinstance(rstate, numbers.Integral) and not isinstance(rstate, bool):
        return int(rstate)
    if hasattr(rstate, "integers"):  # numpy.random.Generator
        return int(rstate.integers(2**31 - 1))
    if hasattr(rstate, "randint"):  # the legacy numpy.random.RandomState
        return int(rstate.randint(2**31 - 1))
    raise TypeError(f"rstate must be numpy.random.default_rng(seed), an int or None, "
                    f"got {rstate!r:.80}")  # fmt: skip


def _best_loss(trials: Trials) -> float | None:
    try:
        return float(trials.best_trial["result"]["loss"])
    except AllTrialsFailed:
        return None


def fmin(
    fn: Callable[[Any], Any],
    space: Any,
    algo: Any = None,
    max_evals: int | None = None,
    timeout: float | None = None,
    loss_threshold: float | None = None,
    trials: Trials | None = None,
    rstate: Any = None,
    allow_trials_fmin: bool = True,
    pass_expr_memo_ctrl: bool | None = None,
    catch_eval_exceptions: bool = False,
    verbose: bool = True,
    return_argmin: bool = True,
    points_to_evaluate: list[dict[str, Any]] | None = None,
    max_queue_len: int = 1,
    show_progressbar: bool = True,
    early_stop_fn: Callable[..., Any] | None = None,
    trials_save_file: str = "",
) -> Any:
    """Minimise ``fn`` over ``space``, as hyperopt's ``fmin`` does, on a hypersweep study.

    ``max_evals`` is the total number of trials ``trials`` should hold: a ``Trials``
    passed again continues up to the new total. ``points_to_evaluate`` (label ->
    value; a choice by index or by value) run first when the search is new.
    ``early_stop_fn(trials, *state) -> (stop, state)`` is asked after every trial.
    ``algo``: ``tpe.suggest`` (default), ``rand.suggest``, ``atpe.suggest``,
    ``anneal.suggest``, a ``functools.partial`` of one, or a hypersweep sampler.

    Returns the best trial's values by label, *real values*: a choice's label gives
    the chosen option, not its index (``result.argmin`` has hyperopt's indices);
    :func:`space_eval` accepts it as it is. ``return_argmin=False`` returns
    ``space_eval(space, best)``, the point as the objective received it.
    """
    if pass_expr_memo_ctrl:
        raise NotImplementedError("pass_expr_memo_ctrl (fn(expr, memo, ctrl)) is not supported "
                                  "here; let fn take the sampled point")  # fmt: skip
    if isinstance(space, str):
        raise NotImplementedError(f"space={space!r}: give the space itself (hp nodes)")
    if trials_save_file:
        warnings.warn("trials_save_file is ignored: use Trials(storage='sqlite:///file.db', "
                      "study='name') to keep a search and resume it", stacklevel=2)  # fmt: skip
    seed = seed_from(rstate)
    compiled = compile_space(space)
    trials = Trials() if trials is None else trials
    study = trials.open(compiled, sampler_for(algo, seed), seed)
    if points_to_evaluate and not study.trials:  # as hyperopt: only for a new search
        for point in points_to_evaluate:
            study.enqueue(compiled.to_flat(point))

    def objective(_params: Any, trial: Any) -> Any:
        return to_study_result(fn(compiled.from_flat(trial.flat)[0]))

    early_state: list[Any] = []

    def after_each(_study: Any, _frozen: Any) -> None:
        if loss_threshold is not None:
            best = _best_loss(trials)
            if best is not None and best < loss_threshold:
                raise _Stop
        if early_stop_fn is not None:
            stop, state = early_stop_fn(trials, *early_state)
            early_state[:] = list(state)
            if stop:
                raise _Stop

    logger = logging.getLogger("hypersweep")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        best = _best_loss(trials) if loss_threshold is not None else None
        if best is None or best >= loss_threshold:  # type: ignore[operator]
            if max_evals is None and timeout is None:
                timeout = math.inf  # as hyperopt: no max_evals, no timeout run until stopped
            study.optimize(objective, max_evals, timeout=timeout, callbacks=[after_each],
                           catch=(Exception,) if catch_eval_exceptions else (), fail_fast=0,
                           show_progress=bool(show_progressbar and verbose))  # fmt: skip
    except _Stop:
        pass
    finally:
        logger.setLevel(level)
    if return_argmin:
        if len(trials) == 0:
            raise AllTrialsFailed("there are no trials, so there is no argmin")
        return trials.argmin
    if len(trials) > 0:
        return space_eval(space, trials.argmin)
    return None


__all__ = ["fmin", "seed_from"]
