"""SearchCV's ``space`` and ``random_state`` turned into the study's space and seed.

Checked before any fit runs, so that a misspelt parameter name fails at once with the
valid names and a close match, not after minutes of cross-validation.

A space is a dict or, as scikit-learn's ``param_grid`` / ``param_distributions``, a
list of dicts: a union of sub-spaces, not a product. The study then searches one
categorical ``UNION`` whose choices ``grid0``, ``grid1``... are the dicts (a grid runs
them one after the other, in ParameterGrid's order). :class:`Candidates` turns a
trial's parameters back into the estimator's.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..space.kinds import Categorical, Float, Param
from ._distributions import QUANTILE, Quantile, from_distribution, is_distribution

UNION = "sklearn_grid"  # the study's parameter choosing one dict of a list of dicts


class Candidates:
    """The study's space for a SearchCV space, and the way back to estimator parameters."""

    def __init__(self, space: dict[str, Any], quantiles: list[dict[str, Quantile]]) -> None:
        self.space = space  # what the study searches
        self.quantiles = quantiles  # per dict: parameters searched through their quantile
        self.union = UNION in space and len(quantiles) > 1
        self.n_cells = _n_cells(space)

    def to_estimator(self, trial: Any) -> dict[str, Any]:
        """A trial's parameters (a live or frozen trial) as the estimator's
        (``set_params`` keywords)."""
        params = trial.params
        if self.union:
            index = int(str(trial.flat[UNION]).removeprefix("grid"))
            values, quantiles = dict(params[UNION]), self.quantiles[index]
        else:
            values, quantiles = dict(params), self.quantiles[0]
        for key, q in quantiles.items():
            values[key] = q.value(values[key][QUANTILE])
        return values


def study_space(space: Any, estimator: Any) -> Candidates:
    """The hypersweep space: keys sorted (ParameterGrid's order), lists as Categorical,
    distributions as parameters; a list of dicts as a union of sub-spaces."""
    parts = list(space) if isinstance(space, (list, tuple)) else [space]
    if not parts:
        raise ValueError(_empty(space))
    known = set(estimator.get_params(deep=True))
    dicts, quantiles = [], []
    for part in parts:
        d, q = _one(part, known, estimator)
        dicts.append(d)
        quantiles.append(q)
    if len(dicts) == 1:
        return Candidates(dicts[0], quantiles)
    union = Categorical({f"grid{i}": d for i, d in enumerate(dicts)})
    return Candidates({UNION: union}, quantiles)


def _empty(space: Any) -> str:
    return (
        "SearchCV: space must be a non-empty dict (or a list of such dicts) of parameter "
        f"names to hypersweep parameters, lists of values or scipy.stats distributions, "
        f"e.g. {{'C': hs.Float(1e-3, 1e3, log=True)}}; got {space!r:.200}"
    )


def _one(space: Any, known: set[str], estimator: Any) -> tuple[dict[str, Any], dict[str, Quantile]]:
    if not isinstance(space, Mapping) or not space:
        raise ValueError(_empty(space))
    out: dict[str, Any] = {}
    quantiles: dict[str, Quantile] = {}
    for key in sorted(space):
        value = space[key]
        if not isinstance(key, str) or key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"SearchCV: {key!r} is not a parameter of {type(estimator).__name__}."
                f"{hint} The valid names are estimator.get_params().keys() "
                f"(pipeline steps as 'step__param')."
            )
        if isinstance(value, Param):
            out[key] = value
        elif isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
            choices = list(value)  # a list, tuple, range or numpy array of values
            if not choices:
                raise ValueError(f"SearchCV: the list of values for {key!r} is empty")
            out[key] = Categorical(choices)
        elif is_distribution(value):
            mapped = from_distribution(value, key)
            if isinstance(mapped, Quantile):
                quantiles[key] = mapped
                out[key] = {QUANTILE: Float(0.0, 1.0)}
            else:
                out[key] = mapped
        else:
            raise ValueError(
                f"SearchCV: the value for {key!r} must be a hypersweep parameter "
                f"(hs.Float, hs.Int, hs.Categorical...), a list of values or a scipy.stats "
                f"distribution, but got {value!r}"
            )
    return out, quantiles


def _n_cells(space: dict[str, Any]) -> int | None:
    """The number of distinct candidates when every parameter is a list, else None."""
    parts = space[UNION].choices if UNION in space else [space]
    total = 0
    for part in parts:
        sizes = [len(v.choices) if type(v) is Categorical else None for v in part.values()]
        if any(s is None for s in sizes):
            return None
        total += math.prod(s for s in sizes if s is not None)
    return total


def study_seed(random_state: Any) -> int | None:
    """The study's seed from scikit-learn's ``random_state`` (None, an int or a RandomState)."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(
        f"SearchCV: random_state must be None, an int or a RandomState; got {random_state!r}"
    )
