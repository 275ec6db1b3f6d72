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
    """What :func:`minimize` / :func:`maximize` return.

    With several objectives (``directions=``), ``best_trial`` and ``best_params`` are
    the knee of the front (``study.select_trial()``), ``best_trials`` the whole front, and
    ``best_value`` raises: read ``best_values``.
    """

    best_params: Any
    best_values: tuple[float, ...]
    best_trial: FrozenTrial
    trials: list[FrozenTrial]
    study: Study

    @property
    def best_value(self) -> float:
        if len(self.best_values) > 1:
            raise RuntimeError(
                f"this study has {len(self.best_values)} objectives: read result.best_values "
                "(the knee's), or result.best_trials for the whole front"
            )
        return self.best_values[0]

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The feasible Pareto front (one objective: the trials tied for the best)."""
        return self.study.best_trials


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
    direction: str | None = None,
    directions: Sequence[str] | None = None,
    objective_names: Sequence[str] | None = None,
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
    ``directions=["maximize", "minimize"]`` (with ``objective_names``) tunes several
    objectives at once: the objective returns one number per direction, and the
    result's best trial is the knee of the Pareto front (see :class:`Result`).

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
        directions=directions,
        objective_names=objective_names,
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
    best = st.best_trial if len(st.directions) == 1 else st.select_trial()
    return Result(best.params, tuple(best.values or (0.0,)), best, st.trials, st)


def maximize(objective: Callable[..., Any], space: Any, **kwargs: Any) -> Result:
    """Like :func:`minimize`, for scores where higher is better (accuracy, AUC...); with
    ``directions=`` it is the same as :func:`minimize` (the directions say it all)."""
    if "directions" in kwargs:
        return minimize(objective, space, **kwargs)
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
