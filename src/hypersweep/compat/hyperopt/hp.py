"""hyperopt's ``hp`` spellings: each gives a labelled node of a compat space.

The parameters behind them are hypersweep's own (``hs.hp``): ``loguniform``
bounds are logarithms and ``randint``'s upper bound is excluded, as in hyperopt.
``pchoice`` draws its options with the given probabilities (see
:mod:`.translate` for how); ``choice`` and ``pchoice`` give the objective the
chosen option itself, never its index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import hypersweep as hs

from .nodes import Choice, Leaf, PChoice


def _label(label: Any, spelling: str) -> str:
    if not isinstance(label, str) or not label:
        raise TypeError(f"hp.{spelling}: the label must be a non-empty string, got {label!r}")
    return label


def choice(label: str, options: Sequence[Any]) -> Choice:
    """One of ``options``, each as likely; the objective gets the option, not its index."""
    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or not options:
        raise ValueError(f"hp.choice({label!r}): options must be a non-empty list")
    return Choice(_label(label, "choice"), options)


def pchoice(label: str, p_options: Sequence[tuple[float, Any]]) -> PChoice:
    """One of the options of ``[(probability, option), ...]``, drawn with those probabilities."""
    _label(label, "pchoice")
    pairs = list(p_options)
    if not pairs or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise ValueError(
            f"hp.pchoice({label!r}): give a non-empty list of (probability, option) pairs"
        )
    probs = [float(p) for p, _ in pairs]
    if any(not 0.0 <= p <= 1.0 for p in probs) or abs(sum(probs) - 1.0) > 1e-6:
        raise ValueError(
            f"hp.pchoice({label!r}): the probabilities must lie in [0, 1] and sum to 1, "
            f"but got {probs}"
        )
    return PChoice(label, probs, [o for _, o in pairs])


def _leaf(make: Callable[..., Any], label: Any, *bounds: Any) -> Leaf:
    """The node of ``hs.hp``'s parameter ``make(label, *bounds)``, named as its spelling;
    the label is checked first."""
    spelling = make.__name__
    return Leaf(_label(label, spelling), make(label, *bounds), spelling)


def uniform(label: str, low: float, high: float) -> Leaf:
    return _leaf(hs.hp.uniform, label, low, high)


def quniform(label: str, low: float, high: float, q: float) -> Leaf:
    return _leaf(hs.hp.quniform, label, low, high, q)


def loguniform(label: str, low: float, high: float) -> Leaf:
    """``exp(uniform(low, high))``: ``low`` and ``high`` are logarithms."""
    return _leaf(hs.hp.loguniform, label, low, high)


def qloguniform(label: str, low: float, high: float, q: float) -> Leaf:
    return _leaf(hs.hp.qloguniform, label, low, high, q)


def normal(label: str, mu: float, sigma: float) -> Leaf:
    return _leaf(hs.hp.normal, label, mu, sigma)


def qnormal(label: str, mu: float, sigma: float, q: float) -> Leaf:
    return _leaf(hs.hp.qnormal, label, mu, sigma, q)


def lognormal(label: str, mu: float, sigma: float) -> Leaf:
    return _leaf(hs.hp.lognormal, label, mu, sigma)


def qlognormal(label: str, mu: float, sigma: float, q: float) -> Leaf:
    return _leaf(hs.hp.qlognormal, label, mu, sigma, q)


def randint(label: str, low: int, high: int | None = None) -> Leaf:
    """An integer in ``[0, low)`` (one bound) or ``[low, high)``: the top is excluded."""
    return _leaf(hs.hp.randint, label, low, high)


def uniformint(label: str, low: int, high: int, q: float = 1.0) -> Leaf:
    """An integer in ``[low, high]``, both included (``q`` other than 1 is a step)."""
    _label(label, "uniformint")
    if q == 1.0:
        param = hs.hp.uniformint(label, low, high)
    else:
        param = hs.Int(int(low), int(high), step=int(q), label=label)
    return Leaf(label, param, "uniformint")


# hypersweep's own hp spellings, every one of which is spelled here too, and pchoice
__all__ = ["pchoice"]
__all__ += hs.hp.__all__
