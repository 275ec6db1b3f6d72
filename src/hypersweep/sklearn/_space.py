"""SearchCV's ``space`` and ``random_state`` turned into the study's space and seed.

Checked before any fit runs, so that a misspelt parameter name fails at once with the
valid names and a close match, not after minutes of cross-validation.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..space.kinds import Categorical, Param


def study_space(space: Any, estimator: Any) -> dict[str, Param]:
    """The hypersweep space: keys sorted (ParameterGrid's order), lists as Categorical."""
    if not isinstance(space, Mapping) or not space:
        raise ValueError(
            "SearchCV: space must be a non-empty dict of parameter names to hypersweep "
            f"parameters or lists of values, e.g. {{'C': hs.Float(1e-3, 1e3, log=True)}}; "
            f"got {space!r}"
        )
    known = set(estimator.get_params(deep=True))
    out: dict[str, Param] = {}
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
        elif isinstance(value, (list, tuple, np.ndarray)):
            choices = list(value)
            if not choices:
                raise ValueError(f"SearchCV: the list of values for {key!r} is empty")
            out[key] = Categorical(choices)
        else:
            raise ValueError(
                f"SearchCV: the value for {key!r} must be a hypersweep parameter "
                f"(hs.Float, hs.Int, hs.Categorical...) or a list of values, but got "
                f"{value!r}"
            )
    return out


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
