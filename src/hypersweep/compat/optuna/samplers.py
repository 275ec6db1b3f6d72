"""Optuna's sampler constructors, each returning the hypersweep sampler that does the job.

The names are functions, not classes: ``TPESampler(seed=0)`` gives an
``hs.samplers.TPE``. Options hypersweep has no counterpart for are refused
with a sentence when they change results and ignored with a warning when
they only tune them. For several objectives, ``NSGAIISampler`` and
``NSGAIIISampler`` give ``hs.samplers.Evolution`` with NSGA-II's or NSGA-III's
survival, and ``TPESampler`` works as it is (hypersweep's TPE splits trials by
Pareto rank, as Optuna's does).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import hypersweep as hs

BaseSampler = hs.samplers.Sampler


def _ignored(sampler: str, *, stacklevel: int = 3, **given: Any) -> None:
    """Warn of the options given (not None), at the line that called the sampler: by
    default the caller of the caller of this function."""
    names = [name for name, value in given.items() if value is not None]
    if names:
        warnings.warn(f"{sampler}: {', '.join(names)} has no counterpart in hypersweep and is "
                      f"ignored", UserWarning, stacklevel=stacklevel)  # fmt: skip


def _refuse_constraints(sampler: str, constraints_func: Any) -> None:
    if constraints_func is not None:
        raise NotImplementedError(
            f"{sampler}: constraints_func is not supported by hypersweep.compat.optuna yet"
        )


def TPESampler(
    *,
    consider_prior: bool | None = None,
    prior_weight: float | None = None,
    consider_magic_clip: bool | None = None,
    consider_endpoints: bool | None = None,
    n_startup_trials: int = 10,
    n_ei_candidates: int = 24,
    gamma: Any = None,
    weights: Any = None,
    seed: int | None = None,
    multivariate: bool | None = None,
    group: bool = False,
    warn_independent_sampling: bool | None = None,
    constant_liar: bool = True,
    constraints_func: Any = None,
) -> BaseSampler:
    """``hs.samplers.TPE``. hypersweep's TPE always models parameters jointly and handles
    conditional (grouped) spaces, so ``multivariate`` and ``group`` are accepted and need
    nothing; ``gamma`` and ``weights`` callables are ignored with a warning (hypersweep
    uses a fixed good fraction)."""
    _refuse_constraints("TPESampler", constraints_func)
    _ignored("TPESampler", gamma=gamma, weights=weights, consider_magic_clip=consider_magic_clip,
             consider_endpoints=consider_endpoints)  # fmt: skip
    del consider_prior, multivariate, group, warn_independent_sampling
    return hs.samplers.TPE(
        seed=seed, n_startup_trials=n_startup_trials, n_candidates=n_ei_candidates,
        prior_weight=1.0 if prior_weight is None else prior_weight, constant_liar=constant_liar,
    )  # fmt: skip


def RandomSampler(seed: int | None = None) -> BaseSampler:
    """``hs.samplers.Random``; like every hypersweep sampler it never repeats a configuration
    of a finite space (Optuna's may)."""
    return hs.samplers.Random(seed=seed)


def GridSampler(search_space: Mapping[str, Sequence[Any]], seed: int | None = None) -> BaseSampler:
    """``hs.samplers.Grid`` over exactly these values: each combination runs once, then the
    study stops (also across processes and resumes). The cells run in the grid's order, not
    in Optuna's seeded random order."""
    return hs.samplers.Grid(dict(search_space), seed=seed)


def GPSampler(
    *,
    seed: int | None = None,
    independent_sampler: Any = None,
    n_startup_trials: int = 10,
    deterministic_objective: bool = False,
    constraints_func: Any = None,
    warn_independent_sampling: bool = True,
) -> BaseSampler:
    """``hs.samplers.GP``; parameters outside the model are drawn at random
    (``independent_sampler`` is ignored with a warning)."""
    _refuse_constraints("GPSampler", constraints_func)
    _ignored("GPSampler", independent_sampler=independent_sampler)
    del warn_independent_sampling
    return hs.samplers.GP(
        seed=seed, n_startup_trials=n_startup_trials,
        deterministic_objective=deterministic_objective,
    )  # fmt: skip


def QMCSampler(
    *,
    qmc_type: str = "sobol",
    scramble: bool = False,
    seed: int | None = None,
    independent_sampler: Any = None,
    warn_asynchronous_seeding: bool = True,
    warn_independent_sampling: bool = True,
) -> BaseSampler:
    """``hs.samplers.QMC(kind=qmc_type, scramble=scramble)`` ("sobol" or "halton")."""
    _ignored("QMCSampler", independent_sampler=independent_sampler)
    del warn_asynchronous_seeding, warn_independent_sampling
    return hs.samplers.QMC(seed=seed, kind=qmc_type, scramble=scramble)


def CmaEsSampler(
    *,
    x0: dict[str, Any] | None = None,
    sigma0: float | None = None,
    n_startup_trials: int = 1,
    independent_sampler: Any = None,
    warn_independent_sampling: bool = True,
    seed: int | None = None,
    consider_pruned_trials: bool = False,
    restart_strategy: str | None = None,
    popsize: int | None = None,
    inc_popsize: int = -1,
    use_separable_cma: bool = False,
    with_margin: bool = False,
    lr_adapt: bool = False,
    source_trials: Any = None,
) -> BaseSampler:
    """hypersweep's CMA-ES (``hs.samplers.CMAES``) with Optuna's meanings: no restarts
    unless ``restart_strategy`` is given ("ipop" or "bipop": both run IPOP here),
    ``with_margin`` for integer parameters, ``popsize``, and ``x0`` as the first mean.
    ``sigma0`` is an absolute step in Optuna and a fraction of each range here, so it is
    ignored with a warning (the default, a sixth of each range, matches Optuna's)."""
    _ignored("CmaEsSampler", sigma0=sigma0, independent_sampler=independent_sampler,
             source_trials=source_trials)  # fmt: skip
    del n_startup_trials, warn_independent_sampling, consider_pruned_trials, inc_popsize
    del use_separable_cma, lr_adapt
    return hs.samplers.CMAES(seed=seed, popsize=popsize, x0=x0,
                             restarts=restart_strategy is not None,
                             margin=with_margin)  # fmt: skip


def _refuse(sampler: str, **given: Any) -> None:
    names = [name for name, value in given.items() if value is not None]
    if names:
        raise NotImplementedError(
            f"{sampler}: {', '.join(names)} changes what the sampler does and has no "
            f"counterpart in hypersweep.compat.optuna; leave it out to use hypersweep's "
            f"NSGA operators"
        )


_NSGA_IGNORED = {"mutation": None, "crossover": None, "swapping_prob": 0.5,
                 "dividing_parameter": 3}  # fmt: skip
"""Optuna's NSGA options that only tune the operators, with their defaults: another value
is ignored with a warning."""
_NSGA_REFUSED = ("constraints_func", "reference_points", "elite_population_selection_strategy",
                 "child_generation_strategy", "after_trial_strategy")  # fmt: skip
"""Optuna's NSGA options that change what the sampler does: a value is refused."""


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (default is not None and value == default)


def _nsga(name: str, survival: str, given: Mapping[str, Any]) -> BaseSampler:
    """The ``hs.samplers.Evolution`` of an NSGA constructor's arguments (its ``locals()``)."""
    _refuse(name, **{key: given[key] for key in _NSGA_REFUSED if key in given})
    changed = {key: given[key] for key, default in _NSGA_IGNORED.items()
               if key in given and not _is_default(given[key], default)}  # fmt: skip
    _ignored(name, stacklevel=4, **changed)  # 4: past this function, at the user's call
    return hs.samplers.Evolution(
        seed=given["seed"], population_size=given["population_size"],
        mutation_rate=given["mutation_prob"], crossover_rate=given["crossover_prob"],
        survival=survival,
    )  # fmt: skip


def NSGAIISampler(
    *,
    population_size: int = 50,
    mutation: Any = None,
    mutation_prob: float | None = None,
    crossover: Any = None,
    crossover_prob: float = 0.9,
    swapping_prob: float = 0.5,
    seed: int | None = None,
    constraints_func: Any = None,
    elite_population_selection_strategy: Any = None,
    child_generation_strategy: Any = None,
    after_trial_strategy: Any = None,
) -> BaseSampler:
    """``hs.samplers.Evolution(survival="nsga2")``: non-dominated sorting and crowding
    distance, with Optuna's population size, mutation and crossover probabilities.
    ``mutation``, ``crossover`` and ``swapping_prob`` (operator choices) are ignored with
    a warning; constraints (use ``trial.set_constraint`` in the objective instead) and the
    strategy callables are refused."""
    return _nsga("NSGAIISampler", "nsga2", locals())


def NSGAIIISampler(
    *,
    population_size: int = 50,
    mutation: Any = None,
    mutation_prob: float | None = None,
    crossover: Any = None,
    crossover_prob: float = 0.9,
    swapping_prob: float = 0.5,
    seed: int | None = None,
    constraints_func: Any = None,
    reference_points: Any = None,
    dividing_parameter: int = 3,
    elite_population_selection_strategy: Any = None,
    child_generation_strategy: Any = None,
    after_trial_strategy: Any = None,
) -> BaseSampler:
    """``hs.samplers.Evolution(survival="nsga3")``: NSGA-III's niching around Das-Dennis
    reference directions (hypersweep picks their number; ``dividing_parameter`` is ignored
    with a warning, given ``reference_points`` refused); otherwise as :func:`NSGAIISampler`."""
    return _nsga("NSGAIIISampler", "nsga3", locals())


def MOTPESampler(
    *, seed: int | None = None, n_startup_trials: int = 10, **ignored: Any
) -> BaseSampler:
    """Removed from Optuna 4 in favour of ``TPESampler``, which handles several objectives;
    here too: an ``hs.samplers.TPE`` (other options are ignored with a warning)."""
    _ignored("MOTPESampler", **ignored)
    return TPESampler(seed=seed, n_startup_trials=n_startup_trials)


__all__ = [
    "BaseSampler",
    "CmaEsSampler",
    "GPSampler",
    "GridSampler",
    "MOTPESampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
]
