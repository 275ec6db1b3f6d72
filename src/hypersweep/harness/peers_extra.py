"""Optional peers beyond optuna and hyperopt: scikit-optimize's gp_minimize and
nevergrad's NGOpt (HEBO and SMAC3 when they can be installed next to hypersweep's
pins; see docs/samplers.md, "Auto").

They take flat spaces of Float, Int and Categorical leaves; a conditional space
raises ValueError, which the runner records as a failed run. Each library is
imported only when its method runs. NGOpt is told the run's budget (it picks its
algorithm from it); the smaller budgets of a report are prefixes of that run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..space.kinds import Categorical, Float, Int

Objective = Callable[[Any], float]

METHODS = {
    "skopt:gp": "gp_minimize(n_initial_points=10), scikit-optimize",
    "nevergrad:ngopt": "NGOpt(budget=n_trials), nevergrad",
}
_MODULES = {"skopt": "skopt", "nevergrad": "nevergrad"}


def check(method: str) -> None:
    """Import the method's library (ImportError if it is missing)."""
    library = method.split(":", 1)[0]
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose from {list(METHODS)}")
    __import__(_MODULES[library])


def flat_space(definition: Any) -> dict[str, Float | Int | Categorical]:
    """The leaves of a flat space (ValueError for branches and other kinds)."""
    if not isinstance(definition, dict):
        raise ValueError("this peer takes a flat dict of Float, Int and Categorical")
    out = {}
    for key, param in definition.items():
        is_choice = isinstance(param, Categorical)
        if is_choice and any(isinstance(c, (dict, list)) for c in param.choices):
            raise ValueError(f"{key}: this peer does not take conditional spaces")
        if not isinstance(param, (Float, Int, Categorical)) or getattr(param, "step", 1) not in (
            None,
            1,
        ):
            raise ValueError(f"{key}: this peer takes Float, Int (step 1) and Categorical only")
        out[str(key)] = param
    return out


def run(
    method: str, definition: Any, objective: Objective, seed: int, n_trials: int
) -> list[float]:
    """The objective values, in trial order (nan for a failed call)."""
    check(method)
    space = flat_space(definition)
    if method == "skopt:gp":
        return _skopt(space, objective, seed, n_trials)
    return _nevergrad(space, objective, seed, n_trials)


def _safe(objective: Objective, params: dict[str, Any]) -> float:
    try:
        value = float(objective(params))
    except Exception:
        return math.nan
    return value


def _skopt(space: dict[str, Any], objective: Objective, seed: int, n_trials: int) -> list[float]:
    from skopt import gp_minimize
    from skopt.space import Categorical as SkCat
    from skopt.space import Integer, Real

    dims: list[Any] = []
    for key, p in space.items():
        if isinstance(p, Categorical):
            dims.append(SkCat(list(range(p.n_choices)), name=key))
        elif isinstance(p, Int):
            dims.append(Integer(p.low, p.high, prior="log-uniform" if p.log else "uniform"))
        else:
            dims.append(Real(p.low, p.high, prior="log-uniform" if p.log else "uniform"))
    keys = list(space)
    values: list[float] = []

    def fn(x: list[Any]) -> float:
        params = {}
        for k, v in zip(keys, x):
            p = space[k]
            params[k] = p.choices[int(v)] if isinstance(p, Categorical) else v
        params = {k: int(v) if isinstance(space[k], Int) else v for k, v in params.items()}
        value = _safe(objective, params)
        values.append(value)
        return value if math.isfinite(value) else 1e30

    gp_minimize(fn, dims, n_calls=n_trials, n_initial_points=min(10, n_trials),
                random_state=seed)  # fmt: skip
    return values


def _nevergrad(
    space: dict[str, Any], objective: Objective, seed: int, n_trials: int
) -> list[float]:
    import nevergrad as ng
    import numpy as np

    _patch_nevergrad_metamodel()

    parts: dict[str, Any] = {}
    for key, p in space.items():
        if isinstance(p, Categorical):
            parts[key] = ng.p.Choice(list(range(p.n_choices)))
        elif p.log:
            parts[key] = ng.p.Log(lower=p.low, upper=p.high)
        else:
            parts[key] = ng.p.Scalar(lower=p.low, upper=p.high)
        if isinstance(p, Int):
            parts[key].set_integer_casting()
    param = ng.p.Dict(**parts)
    param.random_state = np.random.RandomState(seed)
    opt = ng.optimizers.NGOpt(parametrization=param, budget=n_trials, num_workers=1)
    values: list[float] = []
    for _ in range(n_trials):
        cand = opt.ask()
        params = {}
        for k, v in cand.value.items():
            p = space[k]
            if isinstance(p, Categorical):
                params[k] = p.choices[int(v)]
            elif isinstance(p, Int):
                params[k] = int(min(max(round(v), p.low), p.high))
            else:
                params[k] = float(min(max(v, p.low), p.high))
        value = _safe(objective, params)
        values.append(value)
        opt.tell(cand, value if math.isfinite(value) else 1e30)
    return values


def _one_number(x: Any) -> float:
    """float() of a number or of a one-element array (numpy 2 refuses the latter)."""
    import numpy as np

    return float(np.asarray(x, dtype=float).reshape(-1)[0]) if np.size(x) == 1 else float(x)


def _patch_nevergrad_metamodel() -> None:
    """nevergrad 1.0's metamodel calls float() on a one-element prediction array, a
    TypeError under numpy 2 that ends NGOpt's runs on 6-D and larger problems (its
    MetaModel stage); the module's own ``float`` is pointed at :func:`_one_number`."""
    try:
        from nevergrad.optimization import metamodel
    except ImportError:
        return
    metamodel.float = _one_number
