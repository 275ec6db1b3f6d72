"""optuna and hyperopt adapters: the same space, the same objective, their samplers.

A hypersweep space definition (dicts, Float, Int, Categorical, branches) is
translated once per library, so that every library searches the same space:
same bounds, log scales, integers, choices and conditional branches. Both
libraries are imported only here, and only when a peer method runs.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

from ..space.kinds import Categorical, Float, Int, Param
from ..space.tree import branch_label

Objective = Callable[[Any], float]

# method name -> what it is (for the table's legend)
OPTUNA_METHODS = {
    "optuna:tpe": "TPESampler() default: multivariate, constant liar",
    "optuna:tpe-univariate": "TPESampler(multivariate=False): independent per parameter",
    "optuna:gp": "GPSampler() (needs torch)",
    "optuna:cmaes": "CmaEsSampler() (needs the cmaes package)",
    "optuna:random": "RandomSampler()",
}
HYPEROPT_METHODS = {"hyperopt:tpe": "tpe.suggest", "hyperopt:rand": "rand.suggest"}


def _unsupported(obj: Any) -> ValueError:
    return ValueError(f"the benchmark adapters do not translate {obj!r} (use Float, Int, "
                      "Categorical, dicts and branches)")  # fmt: skip


# --- optuna: define-by-run ---------------------------------------------------------------
def optuna_suggest(trial: Any, definition: Any, path: str = "") -> Any:
    """Suggest every active parameter of ``definition``; return values nested like it."""
    if isinstance(definition, dict):
        return {
            k: optuna_suggest(trial, v, f"{path}.{k}" if path else str(k))
            for k, v in definition.items()
        }
    if isinstance(definition, Float):
        return trial.suggest_float(
            path, definition.low, definition.high, log=definition.log, step=definition.step
        )
    if isinstance(definition, Int):
        return trial.suggest_int(
            path, definition.low, definition.high, step=definition.step, log=definition.log
        )
    if isinstance(definition, Categorical):
        if not any(isinstance(c, dict) for c in definition.choices):
            return trial.suggest_categorical(path, definition.choices)
        labels = [branch_label(c, i) for i, c in enumerate(definition.choices)]
        label = trial.suggest_categorical(path, labels)
        return optuna_suggest(trial, definition.choices[labels.index(label)], f"{path}.{label}")
    if isinstance(definition, (Param, list, tuple)):
        raise _unsupported(definition)
    return definition  # a constant


def run_optuna(
    method: str, definition: Any, objective: Objective, seed: int, n_trials: int,
    timeout: float | None,
) -> list[float]:  # fmt: skip
    """The objective values, in trial order (nan for a failed trial)."""
    import optuna

    optuna.logging.set_verbosity(logging.ERROR)
    kind = method.split(":", 1)[1]
    if kind == "tpe":
        sampler: Any = optuna.samplers.TPESampler(seed=seed)
    elif kind == "tpe-univariate":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=False)
    elif kind == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    elif kind == "cmaes":
        sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    elif kind == "gp":
        import torch

        torch.set_num_threads(1)
        sampler = optuna.samplers.GPSampler(seed=seed)
    else:
        raise ValueError(f"unknown optuna method {method!r}: choose from {list(OPTUNA_METHODS)}")
    study = optuna.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature and fallback warnings
        study.optimize(
            lambda t: objective(optuna_suggest(t, definition)),
            n_trials=n_trials,
            timeout=timeout,
            catch=(Exception,),
        )
    return [math.nan if t.value is None else float(t.value) for t in study.trials]


# --- hyperopt: an hp.* graph -------------------------------------------------------------
def hyperopt_space(definition: Any, path: str = "") -> Any:
    """The hp.* expression for ``definition``; fmin hands the objective nested real values.

    Integers are ``quniform(low - 0.5, high + 0.5, 1)`` (qloguniform for log ones), so
    every integer is as likely as in hypersweep and optuna, and hyperopt's TPE treats
    them as ordered (``hp.randint`` would make them unordered choices).
    """
    from hyperopt import hp
    from hyperopt.pyll import scope

    if isinstance(definition, dict):
        return {
            k: hyperopt_space(v, f"{path}.{k}" if path else str(k)) for k, v in definition.items()
        }
    if isinstance(definition, Float):
        lo, hi = definition.low, definition.high
        if definition.step is not None:
            if definition.log:
                return hp.qloguniform(path, math.log(lo), math.log(hi), definition.step)
            return hp.quniform(path, lo, hi, definition.step)
        if definition.log:
            return hp.loguniform(path, math.log(lo), math.log(hi))
        return hp.uniform(path, lo, hi)
    if isinstance(definition, Int):
        lo, hi, step = definition.low, definition.high, int(definition.step or 1)
        if definition.log:
            raw = hp.qloguniform(path, math.log(lo - 0.5 + 1e-9), math.log(hi + 0.5), 1)
        else:
            raw = hp.quniform(path, lo - step / 2, hi + step / 2, step)
        return scope.int(scope.minimum(scope.maximum(raw, lo), hi))
    if isinstance(definition, Categorical):
        if not any(isinstance(c, dict) for c in definition.choices):
            return hp.choice(path, list(definition.choices))
        labels = [branch_label(c, i) for i, c in enumerate(definition.choices)]
        return hp.choice(
            path,
            [hyperopt_space(c, f"{path}.{lab}") for c, lab in zip(definition.choices, labels)],
        )
    if isinstance(definition, (Param, list, tuple)):
        raise _unsupported(definition)
    return definition


def run_hyperopt(
    method: str, definition: Any, objective: Objective, seed: int, n_trials: int,
    timeout: float | None,
) -> list[float]:  # fmt: skip
    """The objective values, in trial order (nan for a failed trial)."""
    import numpy as np
    from hyperopt import STATUS_FAIL, STATUS_OK, Trials, fmin, rand, tpe

    algos = {"hyperopt:tpe": tpe.suggest, "hyperopt:rand": rand.suggest}
    if method not in algos:
        raise ValueError(f"unknown hyperopt method {method!r}: choose from {list(algos)}")

    def fn(params: Any) -> dict[str, Any]:
        try:
            return {"loss": float(objective(params)), "status": STATUS_OK}
        except Exception:
            return {"status": STATUS_FAIL}

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    trials = Trials()
    fmin(
        fn,
        hyperopt_space(definition),
        algo=algos[method],
        max_evals=n_trials,
        trials=trials,
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
        timeout=None if timeout is None else max(1, math.ceil(timeout)),
    )
    return [math.nan if r.get("status") != STATUS_OK else float(r["loss"]) for r in trials.results]


def hyperopt_time_per_trial(space: Any, objective: Objective, n: int, window: int) -> float:
    """Seconds per trial of hyperopt's tpe over the last ``window`` of ``n`` trials."""
    import numpy as np
    from hyperopt import Trials, fmin, tpe

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    trials = Trials()
    rng = np.random.default_rng(0)
    kwargs: dict[str, Any] = {"algo": tpe.suggest, "trials": trials, "show_progressbar": False}
    fmin(objective, hyperopt_space(space), max_evals=n - window, rstate=rng, **kwargs)
    start = time.perf_counter()
    fmin(objective, hyperopt_space(space), max_evals=n, rstate=rng, **kwargs)
    return (time.perf_counter() - start) / window


def optuna_time_per_trial(
    method: str, space: Any, objective: Objective, n: int, window: int
) -> float:
    """Seconds per trial (ask + tell via optimize) over the last ``window`` of ``n`` trials."""
    import optuna

    optuna.logging.set_verbosity(logging.ERROR)
    multivariate = None if method == "optuna:tpe" else False
    study = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=0, multivariate=multivariate)
    )

    def fn(trial: Any) -> float:
        return objective(optuna_suggest(trial, space))

    study.optimize(fn, n_trials=n - window)
    start = time.perf_counter()
    study.optimize(fn, n_trials=window)
    return (time.perf_counter() - start) / window
