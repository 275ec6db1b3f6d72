"""One-call tuning, in the style of hyperopt's ``fmin``, returning real values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..pruners.base import Pruner
from ..samplers.base import Sampler
from ..storage import Storage
from ..trial import FrozenTrial
from .facade import Study
from .factory import create_study
from .options import Callback
from .progress import set_verbosity


@dataclass(frozen=True)
class Result:
    """What :func:`minimize` / :func:`maximize` return."""

    best_params: Any
    best_value: float
    best_trial: FrozenTrial
    trials: list[FrozenTrial]
    study: Study


def minimize(
    objective: Callable[..., Any],
    space: Any,
    *,
    sampler: str | Sampler | None = None,
    n_trials: int | None = None,
    seed: int | None = None,
    storage: str | Storage | None = None,
    study: str | None = None,
    timeout: float | None = None,
    callbacks: Sequence[Callback] | None = None,
    catch: tuple[type[BaseException], ...] = (Exception,),
    pruner: Pruner | None = None,
    verbosity: int | None = None,
    direction: str = "minimize",
    repeats: int | None = None,
    select: str | None = None,
    seed_objective: bool | None = None,
) -> Result:
    """Minimise ``objective(params)`` over ``space``; rerunning it resumes the named study.

    The defaults are hypersweep's own, chosen on the shipped benchmark (see
    :func:`hypersweep.create_study`): ``sampler=None`` is TPE, ``pruner=None`` is
    ``hs.pruners.default_pruner()`` (it acts only on objectives that report), and
    ``n_trials=None`` runs 100 trials, a grid sampler's whole grid, or, with a
    ``timeout``, as many as fit in it.

    ``n_trials`` is the study's total: if ``study`` already exists in ``storage``,
    only the missing trials are run. ``repeats=k`` scores each configuration over
    k seeds and ``select`` chooses the statistic that ranks them ("mean",
    "mean_minus_std", "lcb"); ``seed_objective=True`` seeds the frameworks with
    ``trial.seed`` before each call (see :func:`hypersweep.create_study`).

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 2) ** 2, {"x": hs.Float(-5, 5)}, n_trials=30,
    ...                 seed=0, verbosity=0)
    >>> round(r.best_params["x"])
    2
    """
    if verbosity is not None:
        set_verbosity(verbosity)
    st = create_study(
        study,
        storage=storage,
        direction=direction,
        sampler=sampler,
        pruner=pruner,
        space=space,
        load_if_exists=True,
        seed=seed,
        repeats=repeats,
        select=select,
        seed_objective=seed_objective,
    )
    st.optimize(objective, n_trials, timeout=timeout, callbacks=callbacks, catch=catch)
    best = st.best_trial
    return Result(best.params, best.value or 0.0, best, st.trials, st)


def maximize(objective: Callable[..., Any], space: Any, **kwargs: Any) -> Result:
    """Like :func:`minimize`, for scores where higher is better (accuracy, AUC...)."""
    return minimize(objective, space, direction="maximize", **kwargs)


def fmin(
    fn: Callable[..., Any],
    space: Any,
    algo: str | Sampler | None = None,
    max_evals: int = 100,
    *,
    seed: int | None = None,
    **kwargs: Any,
) -> Any:
    """hyperopt's ``fmin``, except that it returns real values, never choice indices.

    ``algo=None`` is TPE, as in hyperopt (and :func:`minimize`).
    """
    return minimize(fn, space, sampler=algo, n_trials=max_evals, seed=seed, **kwargs).best_params
