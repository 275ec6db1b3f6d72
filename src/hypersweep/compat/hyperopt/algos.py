"""hyperopt's ``algo`` arguments, mapped onto hypersweep's samplers.

``tpe.suggest``, ``rand.suggest``, ``atpe.suggest`` and ``anneal.suggest`` are
markers: :func:`sampler_for` reads which one (and the keyword arguments of a
``functools.partial`` around it) and builds the sampler. They never run
hyperopt's algorithms:

- ``tpe.suggest`` -> ``hs.samplers.TPE`` with hyperopt's 20 random start-up trials
  (``n_startup_jobs``); ``gamma``, ``n_EI_candidates`` and ``prior_weight`` map to
  ``gamma``, ``n_candidates`` and ``prior_weight``.
- ``rand.suggest`` -> ``hs.samplers.Random``.
- ``atpe.suggest`` -> the same TPE (hypersweep has no adaptive TPE), with a warning.
- ``anneal.suggest`` -> ``hs.samplers.Evolution`` (mutations around good trials,
  the nearest thing to annealing's shrinking neighbourhoods), with a warning.

Like hyperopt's algorithms, they may propose a configuration again
(``allow_repeats=True``), so ``max_evals`` runs in full on small discrete spaces.
A hypersweep sampler (``"tpe"``, ``"gp"``, ``hs.samplers.QMC(seed=0)``) is accepted
as ``algo`` too and used as given.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import hypersweep as hs

ALGO_ATTR = "hypersweep_algo"
HYPEROPT_STARTUP = 20  # hyperopt's n_startup_jobs default
_TPE_KEYWORDS = {"n_startup_jobs": "n_startup_trials", "gamma": "gamma",
                 "n_EI_candidates": "n_candidates", "prior_weight": "prior_weight"}  # fmt: skip
_IGNORED = {"verbose", "linear_forgetting", "seed"}


def marker(name: str) -> Callable[..., Any]:
    """The ``suggest`` of hyperopt's module ``name``: something to pass as ``algo``."""

    def suggest(*args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{name}.suggest only names an algorithm for hypersweep.compat.hyperopt.fmin; "
            f"it does not run on its own"
        )

    suggest.__qualname__ = suggest.__name__ = "suggest"
    suggest.__module__ = f"hypersweep.compat.hyperopt.{name}"
    setattr(suggest, ALGO_ATTR, name)
    return suggest


def unwrap(algo: Any) -> tuple[Any, dict[str, Any]]:
    """(the function inside any ``functools.partial`` layers, their merged keywords)."""
    kwargs: dict[str, Any] = {}
    while isinstance(algo, functools.partial):
        if algo.args:
            raise TypeError(f"algo={algo!r}: give the algorithm's options as keywords")
        kwargs = {**algo.keywords, **kwargs}
        algo = algo.func
    return algo, kwargs


def sampler_for(algo: Any, seed: int | None) -> Any:
    """The hypersweep sampler for hyperopt's ``algo`` (None: TPE, as hyperopt)."""
    if isinstance(algo, (str, hs.samplers.Sampler)):
        return hs.samplers.from_name(algo, seed=seed)
    fn, kwargs = unwrap(algo)
    name = "tpe" if fn is None else getattr(fn, ALGO_ATTR, None)
    if name is None:
        raise TypeError(
            f"algo={algo!r:.80} is not one of tpe.suggest, rand.suggest, atpe.suggest or "
            f"anneal.suggest (from hypersweep.compat.hyperopt); custom hyperopt algorithms "
            f"do not run here, pass a hypersweep sampler instead (algo='gp', "
            f"hs.samplers.QMC(seed=0), ...)"
        )
    unknown = set(kwargs) - set(_TPE_KEYWORDS) - _IGNORED
    if name == "rand":
        unknown = set(kwargs) - _IGNORED
    if unknown:
        warnings.warn(f"{name}.suggest: the options {sorted(unknown)} have no equivalent here "
                      f"and are ignored", stacklevel=3)  # fmt: skip
    if name == "rand":
        return hs.samplers.Random(seed=seed, allow_repeats=True)
    if name == "anneal":
        warnings.warn("anneal.suggest runs as hypersweep's Evolution sampler (mutations "
                      "around the best trials); there is no simulated annealing here",
                      stacklevel=3)  # fmt: skip
        return hs.samplers.Evolution(seed=seed, allow_repeats=True)
    if name == "atpe":
        warnings.warn("atpe.suggest runs as hypersweep's TPE (there is no adaptive TPE here)",
                      stacklevel=3)  # fmt: skip
    options = {_TPE_KEYWORDS[k]: v for k, v in kwargs.items() if k in _TPE_KEYWORDS}
    options.setdefault("n_startup_trials", HYPEROPT_STARTUP)
    return hs.samplers.TPE(seed=seed, allow_repeats=True, **options)
