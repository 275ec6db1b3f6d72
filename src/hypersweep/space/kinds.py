"""Parameter kinds: the leaves of a search space.

Each kind checks its definition (when the space is built, so that the error
can name the parameter's path; at once when it has a label, as hyperopt's
spellings do), draws from its prior, checks a value, and maps values to and
from an *internal* float (log scale for log parameters, the index for
categoricals) that model-based samplers work in. Nothing here knows about studies.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from .._json import jsonable

if TYPE_CHECKING:
    import numpy as np


_TOL = 1e-9


def _number(value: Any, what: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{path}: {what} must be a number, but got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{path}: {what} must be finite, but got {value!r}")
    return out


def _is_integral(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    )


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


class Param:
    """Base of all leaves. ``label`` is an explicit leaf name (hyperopt's spelling)."""

    kind: str = ""
    label: str | None = None

    def check(self, path: str) -> None:
        """Raise ValueError naming ``path`` if the definition is invalid."""

    def _check_labelled(self) -> None:
        """A labelled parameter (hyperopt's spelling) knows its name: check it at once."""
        if self.label is not None:
            self.check(self.label)

    def sample(self, rng: np.random.Generator) -> Any:
        """A draw from the prior."""
        return self.from_unit(rng.random())

    def from_unit(self, u: float) -> Any:
        """The prior's quantile function: maps u in [0, 1) to a value (random and QMC draws)."""
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        raise NotImplementedError

    def grid(self, n_points: int) -> list[Any]:
        raise NotImplementedError

    def to_internal(self, value: Any) -> float:
        """The model-side number for a value: log for log scales, the index for choices."""
        raise NotImplementedError

    def from_internal(self, x: float) -> Any:
        """The value for a model-side number: rounded, snapped to the step and clipped."""
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """The internal range samplers search; Int ranges are padded by half a step.

        Unbounded kinds (Normal, LogNormal) report mu +- 4 sigma, where the prior
        puts all but 6e-5 of its mass.
        """
        raise NotImplementedError

    @property
    def n_choices(self) -> int:
        """How many values a categorical has; 0 for numeric kinds."""
        return 0

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Param)
            and type(self) is type(other)
            and self.to_json() == other.to_json()
        )

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.to_json().items() if k != "kind")
        return f"{type(self).__name__}({body})"


class _Ranged(Param):
    """Shared by Float and Int: a closed range, optionally log-scaled and stepped."""

    def __init__(
        self, low: float, high: float, *, log: bool, step: float | None, label: str | None
    ) -> None:
        self.low = low
        self.high = high
        self.log = bool(log)
        self.step = step
        self.label = label

    def check(self, path: str) -> None:
        low = _number(self.low, "low", path)
        high = _number(self.high, "high", path)
        if low > high:
            raise ValueError(f"{path}: low <= high must hold, but got low={low}, high={high}")
        if self.log and low <= 0:
            raise ValueError(
                f"{path}: a log-scaled range needs low > 0, but got low={low}; "
                "shift the range or drop log=True"
            )
        if self.step is not None and (_number(self.step, "step", path) <= 0):
            raise ValueError(f"{path}: step must be > 0, but got step={self.step}")

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
            self.low, self.high = float(low), float(high)
        if _is_number(step):
            self.step = float(step)  # type: ignore[arg-type]
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
        for name, v in (("low", self.low), ("high", self.high), ("step", self.step)):
            if not _is_integral(v):
                raise ValueError(f"{path}: {name} of an Int must be an integer, but got {v!r}")
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
            self.mu, self.sigma = float(mu), float(sigma)
        if _is_number(step):
            self.step = float(step)  # type: ignore[arg-type]
        self._check_labelled()

    def check(self, path: str) -> None:
        _number(self.mu, "mu", path)
        if _number(self.sigma, "sigma", path) <= 0:
            raise ValueError(f"{path}: sigma must be > 0, but got sigma={self.sigma}")
        if self.step is not None and _number(self.step, "step", path) <= 0:
            raise ValueError(f"{path}: step must be > 0, but got step={self.step}")

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
        v = math.exp(x)
        if self.step is not None:
            v = max(round(v / self.step), 1) * self.step
        return float(v)


def json_key(value: Any) -> Any:
    """A JSON-able stand-in for a categorical choice, stable across processes
    (:func:`hypersweep._json.jsonable`: tuples become lists, classes and functions
    their qualified name, anything else its repr)."""
    return jsonable(value)


class Categorical(Param):
    """One of a list of choices. A choice is a plain value or a sub-space (a branch).

    Samplers see each choice through a JSON-able *key*: the value itself when it
    is JSON, a branch's label (its first constant string, e.g. "svm") for
    sub-spaces. Users always get the real value back.

    >>> Categorical(["relu", "tanh"]).contains("tanh")
    True
    """

    kind = "categorical"

    def __init__(self, choices: Sequence[Any], *, label: str | None = None) -> None:
        self._not_a_list = isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence)
        self.choices = [] if self._not_a_list else list(choices)
        self.label = label
        # the space compiler replaces these with branch labels where choices are sub-spaces
        self.keys: list[Any] = [json_key(c) for c in self.choices]
        self._check_labelled()

    def check(self, path: str) -> None:
        if self._not_a_list:
            raise ValueError(f"{path}: choices must be a list of values or sub-spaces")
        if not self.choices:
            raise ValueError(f"{path}: a Categorical needs at least one choice, but got []")

    def set_keys(self, keys: list[Any], path: str) -> None:
        seen: list[Any] = []
        for k in keys:
            if k in seen:
                raise ValueError(
                    f"{path}: choices must be distinct, but {k!r} appears more than once"
                )
            seen.append(k)
        self.keys = keys

    def index_of(self, key: Any) -> int:
        for i, k in enumerate(self.keys):
            if k == key and isinstance(k, bool) == isinstance(key, bool):
                return i
        raise KeyError(key)

    def from_unit(self, u: float) -> Any:
        return self.keys[min(int(u * len(self.keys)), len(self.keys) - 1)]

    def contains(self, value: Any) -> bool:
        try:
            self.index_of(value)
            return True
        except KeyError:
            return False

    def grid(self, n_points: int) -> list[Any]:
        return list(self.keys)

    def to_internal(self, value: Any) -> float:
        return float(self.index_of(value))

    def bounds(self) -> tuple[float, float]:
        return 0.0, float(len(self.keys) - 1)

    @property
    def n_choices(self) -> int:
        return len(self.keys)

    def from_internal(self, x: float) -> Any:
        return self.keys[int(x)]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "choices": list(self.keys)}


class Repeat:
    """A variable-length list of copies of a sub-space; the length is tuned too.

    >>> Repeat({"neurons": Int(8, 256, log=True)}, min=1, max=4).max
    4
    """

    def __init__(self, template: Any, *, min: int = 1, max: int = 4) -> None:
        self.template = template
        self.min = min
        self.max = max

    def check(self, path: str) -> None:
        for name, v in (("min", self.min), ("max", self.max)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{path}: {name} of a Repeat must be an integer, but got {v!r}")
        if self.min < 0 or self.min > self.max:
            raise ValueError(
                f"{path}: 0 <= min <= max must hold, but got min={self.min}, max={self.max}"
            )

    def __repr__(self) -> str:
        return f"Repeat({self.template!r}, min={self.min}, max={self.max})"


def param_from_json(data: dict[str, Any]) -> Param:
    """Inverse of ``Param.to_json`` for leaf kinds (categorical choices as keys)."""
    kind = data.get("kind")
    args = {k: v for k, v in data.items() if k != "kind"}
    if kind == "float":
        return Float(**args)
    if kind == "int":
        return Int(**args)
    if kind == "normal":
        return Normal(**args)
    if kind == "lognormal":
        return LogNormal(**args)
    if kind == "categorical":
        return Categorical(args["choices"])
    raise ValueError(f"unknown parameter kind {kind!r}")
