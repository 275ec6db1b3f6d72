"""Numeric kinds: bounded ranges (Float, Int) and Gaussian priors (Normal, LogNormal)."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from .base import _TOL, Param, _check_flag, _is_integral, _is_number, _number

EXACT_INT = 2**53  # the largest magnitude of an Int: every integer up to it is an exact float
MAX_LOG = 700.0  # LogNormal needs |mu| + 8 sigma <= MAX_LOG: exp() of its draws stays finite
SIGMAS = 8  # how far out a Gaussian prior's draws are checked to stay finite


def _as_float(value: Any) -> Any:
    """``float(value)``, or ``value`` itself if it is too large for a float (check() says so)."""
    try:
        return float(value)
    except OverflowError:
        return value


class _Ranged(Param):
    """Shared by Float and Int: a closed range, optionally log-scaled and stepped."""

    def __init__(
        self, low: float, high: float, *, log: bool, step: float | None, label: str | None
    ) -> None:
        self.low = low
        self.high = high
        self.log = bool(log)
        self.log_given = log  # checked to be a bool (log="yes" must not pass for True)
        self.step = step
        self.label = label

    def check(self, path: str) -> None:
        _check_flag(self.log_given, "log", path)
        low = _number(self.low, "low", path)
        high = _number(self.high, "high", path)
        if low > high:
            raise ValueError(
                f"{path}: low <= high must hold, but got low={low}, high={high}; swap them"
            )
        if not math.isfinite(high - low):
            raise ValueError(
                f"{path}: high - low must be a finite float, but low={low}, high={high} span "
                f"more than the largest float; narrow the range or rescale the parameter"
            )
        if self.log and low <= 0:
            raise ValueError(
                f"{path}: a log-scaled range needs low > 0, but got low={low}; "
                "shift the range or drop log=True"
            )
        if self.step is None:
            return
        step = _number(self.step, "step", path)
        if step <= 0:
            raise ValueError(
                f"{path}: step must be > 0, but got step={self.step}; give a positive step "
                f"or leave it out"
            )
        if high > low and step > high - low:
            raise ValueError(
                f"{path}: step must be at most high - low = {high - low}, but got "
                f"step={self.step}, which leaves only low={low} to try; give a smaller step"
            )
        if not math.isfinite((high - low) / step):
            raise ValueError(
                f"{path}: (high - low) / step must be a finite float, but step={self.step} "
                f"is too small for low={low}, high={high}; give a larger step"
            )

    # internal scale: log for log ranges, identity otherwise
    def _lo_hi(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low), math.log(self.high)
        return float(self.low), float(self.high)

    def to_internal(self, value: Any) -> float:
        return math.log(value) if self.log else float(value)

    def bounds(self) -> tuple[float, float]:
        return self._lo_hi()

    def _snap(self, v: float) -> float:
        v = min(max(v, self.low), self.high)
        if self.step is not None:
            k = round((v - self.low) / self.step)
            v = self.low + k * self.step
            if v > self.high + _TOL:
                v -= self.step
        return v

    def _on_grid(self, v: float) -> bool:
        if self.step is None:
            return True
        k = (v - self.low) / self.step
        return abs(k - round(k)) <= 1e-6

    def from_unit(self, u: float) -> Any:
        bounds = self.__dict__.get("_bounds")
        if bounds is None:
            bounds = self.__dict__["_bounds"] = self._lo_hi()
        lo, hi = bounds
        return self.from_internal(lo + (hi - lo) * u)

    def grid(self, n_points: int) -> list[Any]:
        lo, hi = self._lo_hi()
        n = max(int(n_points), 1)
        xs = [lo + (hi - lo) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
        out: list[Any] = []
        for i, x in enumerate(xs):
            # the ends exactly, not exp(log(low)) with its rounding error
            v = (
                self.low
                if (i == 0 and n > 1)
                else self.high
                if i == n - 1
                else self.from_internal(x)
            )
            if v not in out:
                out.append(v)
        return out


class Float(_Ranged):
    """A real number in [low, high]; ``log=True`` samples evenly in log space, ``step`` quantises.

    >>> Float(1e-5, 1e-1, log=True).contains(0.01)
    True
    """

    kind = "float"

    def __init__(
        self,
        low: float,
        high: float,
        *,
        log: bool = False,
        step: float | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(low, high, log=log, step=step, label=label)
        if _is_number(low) and _is_number(high):
            self.low, self.high = _as_float(low), _as_float(high)
        if _is_number(step):
            self.step = _as_float(step)
        self._check_labelled()

    def from_internal(self, x: float) -> float:
        v = math.exp(x) if self.log else float(x)
        if self.step is None:  # the common case, on every draw: clip only
            return self.low if v < self.low else self.high if v > self.high else v
        return float(self._snap(v))

    def contains(self, value: Any) -> bool:
        if not _is_number(value):
            return False
        v = float(value)
        return (
            self.low - _TOL * max(1.0, abs(self.low))
            <= v
            <= self.high + _TOL * max(1.0, abs(self.high))
        ) and self._on_grid(v)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return out


class Int(_Ranged):
    """An integer in [low, high] (both included); ``log=True`` favours small values.

    >>> Int(16, 512, step=16).contains(48)
    True
    """

    kind = "int"

    def __init__(
        self,
        low: int,
        high: int,
        *,
        log: bool = False,
        step: int = 1,
        label: str | None = None,
    ) -> None:
        super().__init__(low, high, log=log, step=step, label=label)
        if all(_is_integral(v) for v in (low, high, step)):
            self.low, self.high, self.step = int(low), int(high), int(step)
        self._check_labelled()

    def check(self, path: str) -> None:
        given: tuple[tuple[str, Any], ...] = (
            ("low", self.low),
            ("high", self.high),
            ("step", self.step),
        )
        for name, v in given:
            if not _is_integral(v):
                raise ValueError(
                    f"{path}: {name} of an Int must be an integer, but got {name}={v!r:.80}; "
                    f"use Float for real numbers"
                )
            if abs(int(v)) > EXACT_INT:
                raise ValueError(
                    f"{path}: {name} of an Int must lie within +-2**53 (where floats hold "
                    f"every integer exactly), but got {name}={v!r:.80}; rescale the "
                    f"parameter, or choose among listed values with Categorical"
                )
        if self.log and self.step != 1:
            raise ValueError(
                f"{path}: an Int cannot be both log-scaled and stepped (got step={self.step}); "
                "use Float(..., log=True, step=...) and round it yourself"
            )
        super().check(path)

    def _lo_hi(self) -> tuple[float, float]:
        # pad by half a step so that the end points are as likely as inner values
        s = float(self.step or 1)
        if self.log:
            return math.log(self.low - 0.5 + 1e-9), math.log(self.high + 0.5)
        return self.low - s / 2, self.high + s / 2

    def from_internal(self, x: float) -> int:
        v = math.exp(x) if self.log else float(x)
        if self.step == 1:  # the common case, on every draw: round and clip only
            n = round(v)
            return int(self.low if n < self.low else self.high if n > self.high else n)
        return int(round(self._snap(v)))

    def grid(self, n_points: int) -> list[Any]:
        count = (self.high - self.low) // (self.step or 1) + 1
        if count <= n_points:
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        lo, hi = super()._lo_hi()
        n = max(int(n_points), 1)
        out: list[Any] = []
        for i in range(n):
            x = lo + (hi - lo) * (i / (n - 1) if n > 1 else 0.5)
            v = int(round(self._snap(math.exp(x) if self.log else x)))
            if v not in out:
                out.append(v)
        return out

    def contains(self, value: Any) -> bool:
        if not _is_integral(value):
            return False
        number = int(float(value))
        return bool(self.low <= number <= self.high) and self._on_grid(float(number))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step != 1:
            out["step"] = self.step
        return out


class Normal(Param):
    """An unbounded real with a Gaussian prior N(mu, sigma); ``step`` quantises."""

    kind = "normal"

    def __init__(
        self, mu: float, sigma: float, *, step: float | None = None, label: str | None = None
    ) -> None:
        self.mu, self.sigma, self.step, self.label = mu, sigma, step, label
        if _is_number(mu) and _is_number(sigma):
            self.mu, self.sigma = _as_float(mu), _as_float(sigma)
        if _is_number(step):
            self.step = _as_float(step)
        self._check_labelled()

    def check(self, path: str) -> None:
        mu = _number(self.mu, "mu", path)
        sigma = _number(self.sigma, "sigma", path)
        if sigma <= 0:
            raise ValueError(
                f"{path}: sigma must be > 0, but got sigma={self.sigma}; give a positive spread"
            )
        reach = abs(mu) + SIGMAS * sigma
        if not reach <= self._max_reach:
            raise ValueError(
                f"{path}: |mu| + {SIGMAS}*sigma must be at most {self._max_reach:g} "
                f"{self._why_reach}, but got mu={self.mu}, sigma={self.sigma}; "
                f"give a smaller sigma or rescale the parameter"
            )
        if self.step is not None and _number(self.step, "step", path) <= 0:
            raise ValueError(
                f"{path}: step must be > 0, but got step={self.step}; give a positive step "
                f"or leave it out"
            )

    _max_reach = 1e307
    _why_reach = "(so that draws and the range samplers search stay finite floats)"

    def _quantise(self, v: float) -> float:
        return v if self.step is None else round(v / self.step) * self.step

    def from_unit(self, u: float) -> float:
        u = min(max(u, 1e-12), 1 - 1e-12)
        return self.from_internal(NormalDist(self.mu, self.sigma).inv_cdf(u))

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(float(value)):
            return False
        if self.step is None:
            return True
        k = float(value) / self.step
        return abs(k - round(k)) <= 1e-6

    def grid(self, n_points: int) -> list[Any]:
        n = max(int(n_points), 1)
        dist = NormalDist(self.mu, self.sigma)
        qs = [(i + 0.5) / n for i in range(n)]
        out: list[Any] = []
        for q in qs:
            v = self._quantise(dist.inv_cdf(q))
            if v not in out:
                out.append(v)
        return out

    def to_internal(self, value: Any) -> float:
        return float(value)

    def from_internal(self, x: float) -> float:
        return float(self._quantise(float(x)))

    def bounds(self) -> tuple[float, float]:
        return self.mu - 4 * self.sigma, self.mu + 4 * self.sigma

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "mu": self.mu, "sigma": self.sigma}
        if self.step is not None:
            out["step"] = self.step
        return out


class LogNormal(Normal):
    """A positive real whose logarithm is N(mu, sigma), as hyperopt's ``lognormal``."""

    kind = "lognormal"
    _max_reach = MAX_LOG
    _why_reach = "(so that exp() of every draw is a positive finite float)"

    def contains(self, value: Any) -> bool:
        return _is_number(value) and float(value) > 0 and super().contains(value)

    def grid(self, n_points: int) -> list[Any]:
        n = max(int(n_points), 1)
        dist = NormalDist(self.mu, self.sigma)
        out: list[Any] = []
        for i in range(n):
            v = self.from_internal(dist.inv_cdf((i + 0.5) / n))
            if v not in out:
                out.append(v)
        return out

    def to_internal(self, value: Any) -> float:
        return math.log(value)

    def from_internal(self, x: float) -> float:
        v = math.exp(min(x, 709.0))  # a model may propose beyond the checked range
        if self.step is not None:
            v = max(round(v / self.step), 1) * self.step
        return float(v)
