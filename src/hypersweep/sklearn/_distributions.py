"""scipy.stats frozen distributions (RandomizedSearchCV's ``param_distributions``) as
hypersweep parameters.

The common ones map onto a parameter of the same law: ``uniform`` onto ``hs.Float``,
``loguniform`` (``reciprocal``) onto ``hs.Float(log=True)``, ``randint`` onto
``hs.Int``, ``norm`` onto ``hs.Normal``. Every mapping is checked against the
distribution's own quantiles, so a shifted or rescaled one that no longer has that law
falls through to the general rule: any other distribution with a ``ppf`` (inverse CDF)
is searched through its quantile, ``hs.Float(0, 1)``, the value being ``ppf(quantile)``.
That draws exactly the distribution's law (what ``.rvs`` would), seeded and stored by
the study like any other parameter, and model-based samplers learn on the quantile.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from ..space.kinds import Float, Int, Normal, Param

QUANTILE = "quantile"  # the leaf under a parameter searched through its quantile
_PROBES = (0.1, 0.25, 0.5, 0.75, 0.9)
_EDGE = 1e-12  # a quantile of exactly 0 or 1 would give an infinite value


def is_distribution(value: Any) -> bool:
    """Whether ``value`` is a distribution object (RandomizedSearchCV's test: an ``rvs``)."""
    return hasattr(value, "rvs") and callable(value.rvs)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _same_law(dist: Any, quantile: Any) -> bool:
    try:
        return all(_close(float(dist.ppf(q)), float(quantile(q))) for q in _PROBES)
    except (ValueError, OverflowError, ZeroDivisionError):
        return False


def _known(dist: Any, key: str) -> Param | None:
    """The hypersweep parameter with the same law as ``dist``, if it is a common one."""
    name = getattr(getattr(dist, "dist", None), "name", None)
    try:
        lo, hi = (float(v) for v in dist.support())
    except (AttributeError, TypeError, ValueError):
        return None
    param: Param | None = None
    quantile: Any = None
    if name == "uniform" and math.isfinite(lo) and math.isfinite(hi) and lo < hi:
        param = Float(lo, hi)

        def quantile(q: float) -> float:
            return lo + q * (hi - lo)

    elif name in ("loguniform", "reciprocal") and 0 < lo < hi < math.inf:
        param = Float(lo, hi, log=True)

        def quantile(q: float) -> float:
            return math.exp(math.log(lo) + q * (math.log(hi) - math.log(lo)))

    elif name == "randint" and lo <= hi:
        param = Int(int(lo), int(hi))

        def quantile(q: float) -> float:  # smallest k with (k - lo + 1) / n >= q
            return lo + math.ceil(q * (hi - lo + 1) - 1e-9) - 1 if q > 0 else lo - 1

    elif name == "norm":
        mu, sigma = float(dist.mean()), float(dist.std())
        if sigma > 0:
            param = Normal(mu, sigma)
            quantile = NormalDist(mu, sigma).inv_cdf
    if param is None or not _same_law(dist, quantile):
        return None
    try:
        param.check(key)
    except ValueError:
        return None  # e.g. a normal too wide for hs.Normal: searched by its quantile
    return param


class Quantile:
    """A distribution searched through its quantile: ``value(u) = ppf(u)``."""

    def __init__(self, dist: Any) -> None:
        self.dist = dist
        self.discrete = _is_discrete(dist)

    def value(self, u: float) -> Any:
        v = float(self.dist.ppf(min(max(float(u), _EDGE), 1.0 - _EDGE)))
        return int(round(v)) if self.discrete else v


def _is_discrete(dist: Any) -> bool:
    try:
        from scipy.stats import rv_discrete
    except ImportError:  # pragma: no cover - scikit-learn requires scipy
        return False
    return isinstance(getattr(dist, "dist", None), rv_discrete)


def from_distribution(dist: Any, key: str) -> Param | Quantile:
    """A common distribution's hypersweep parameter, else its quantile mapping; a
    distribution without ``ppf`` is refused with the supported kinds named."""
    known = _known(dist, key)
    if known is not None:
        return known
    if callable(getattr(dist, "ppf", None)):
        try:
            float(dist.ppf(0.5))
        except (TypeError, ValueError) as exc:
            raise ValueError(_refusal(dist, key, f"its ppf failed ({exc})")) from None
        return Quantile(dist)
    raise ValueError(_refusal(dist, key, "it has an rvs method but no ppf (inverse CDF)"))


def _refusal(dist: Any, key: str, why: str) -> str:
    return (
        f"SearchCV: the distribution {dist!r:.80} for {key!r} cannot be searched because "
        f"{why}; give a scipy.stats frozen distribution (uniform, loguniform, randint and "
        f"norm map onto hs.Float / hs.Int / hs.Normal, any other with a ppf is searched "
        f"through its quantile), a list of values, or a hypersweep parameter"
    )
