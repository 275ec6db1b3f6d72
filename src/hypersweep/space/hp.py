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
from collections.abc import Sequence
from typing import Any

from .kinds import Categorical, Float, Int, LogNormal, Normal


def choice(label: str, options: Sequence[Any]) -> Categorical:
    return Categorical(list(options), label=label)


def uniform(label: str, low: float, high: float) -> Float:
    return Float(low, high, label=label)


def quniform(label: str, low: float, high: float, q: float) -> Float:
    return Float(low, high, step=q, label=label)


def loguniform(label: str, low: float, high: float) -> Float:
    """``exp(uniform(low, high))``: the bounds are logarithms, as in hyperopt."""
    return Float(math.exp(low), math.exp(high), log=True, label=label)


def qloguniform(label: str, low: float, high: float, q: float) -> Float:
    return Float(math.exp(low), math.exp(high), log=True, step=q, label=label)


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
    if hi <= lo:
        raise ValueError(f"{label}: randint needs low < high, but got low={lo}, high={hi}")
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
