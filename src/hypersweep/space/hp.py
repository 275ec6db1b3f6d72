"""hyperopt's spellings, mapped onto hypersweep's parameters.

A hyperopt user's space runs unchanged, with two differences that are the
point: bounds of ``loguniform`` are still given as logs (as in hyperopt) but
the study reports real values, and ``choice`` returns the chosen value, never
its index. Labels become the leaf names, as in hyperopt.

>>> from hypersweep import hp
>>> p = hp.loguniform("lr", -5, 0)
>>> round(p.low, 6), round(p.high, 6)
(0.006738, 1.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .kinds import Categorical, Float, Int, LogNormal, Normal
from .numeric import MAX_LOG


def choice(label: str, options: Sequence[Any]) -> Categorical:
    return Categorical(list(options), label=label)


def uniform(label: str, low: float, high: float) -> Float:
    return Float(low, high, label=label)


def quniform(label: str, low: float, high: float, q: float) -> Float:
    return Float(low, high, step=q, label=label)


def _exp(label: str, name: str, value: Any) -> float:
    """``exp`` of a bound given as a logarithm; ValueError naming the label if it is not one."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (-MAX_LOG <= value <= MAX_LOG)
    ):
        raise ValueError(
            f"{label}: the bounds of loguniform are logarithms and must be numbers within "
            f"+-{MAX_LOG:g} (so that exp() is a positive finite float), but got {name}={value!r}; "
            f"pass log(bound), e.g. loguniform({label!r}, math.log(1e-5), math.log(1))"
        )
    return math.exp(value)


def loguniform(label: str, low: float, high: float) -> Float:
    """``exp(uniform(low, high))``: the bounds are logarithms, as in hyperopt."""
    return Float(_exp(label, "low", low), _exp(label, "high", high), log=True, label=label)


def qloguniform(label: str, low: float, high: float, q: float) -> Float:
    lo, hi = _exp(label, "low", low), _exp(label, "high", high)
    return Float(lo, hi, log=True, step=q, label=label)


def normal(label: str, mu: float, sigma: float) -> Normal:
    return Normal(mu, sigma, label=label)


def qnormal(label: str, mu: float, sigma: float, q: float) -> Normal:
    return Normal(mu, sigma, step=q, label=label)


def lognormal(label: str, mu: float, sigma: float) -> LogNormal:
    return LogNormal(mu, sigma, label=label)


def qlognormal(label: str, mu: float, sigma: float, q: float) -> LogNormal:
    return LogNormal(mu, sigma, step=q, label=label)


def randint(label: str, low: int, high: int | None = None) -> Int:
    """An integer in [0, low) or [low, high): the upper bound is excluded, as in hyperopt."""
    lo, hi = (0, low) if high is None else (low, high)
    integers = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (lo, hi))
    if not integers or hi <= lo:
        raise ValueError(
            f"{label}: randint needs integers low < high (high excluded), but got low={lo!r}, "
            f"high={hi!r}; write e.g. randint({label!r}, 1, 11) for 1 to 10"
        )
    return Int(lo, hi - 1, label=label)


def uniformint(label: str, low: int, high: int) -> Int:
    """An integer in [low, high], both included."""
    return Int(int(low), int(high), label=label)


__all__ = [
    "choice",
    "lognormal",
    "loguniform",
    "normal",
    "qlognormal",
    "qloguniform",
    "qnormal",
    "quniform",
    "randint",
    "uniform",
    "uniformint",
]
