"""KerasTuner's ``HyperParameters`` on a hypersweep define-by-run trial.

A ``build(hp)`` function asks ``hp.Int(...)``, ``hp.Choice(...)``...; each call
becomes ``trial.suggest_*`` on the running hypersweep trial, so the study's
sampler picks the value. Without a trial (the best values handed back by a
tuner, or a fresh ``HyperParameters()``), each call returns the stored value or
the parameter's default, which is how ``build(best_hp)`` rebuilds the best model.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

_SAMPLINGS = ("linear", "log", "reverse_log")


@dataclass(frozen=True)
class Condition:
    """Active when the parent's current value is one of ``values``."""

    name: str
    values: tuple[Any, ...]

    def holds(self, values: dict[str, Any]) -> bool:
        return self.name in values and values[self.name] in self.values


@dataclass(frozen=True)
class HyperParameter:
    """One registered parameter: its kind, options, default and conditions."""

    name: str
    kind: str  # "Int", "Float", "Choice", "Boolean" or "Fixed"
    default: Any
    options: dict[str, Any] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()

    def grid_values(self, float_points: int = 10) -> list[Any]:
        """Every value a grid search tries (``float_points`` for a Float without step)."""
        o = self.options
        if self.kind == "Fixed":
            return [o["value"]]
        if self.kind == "Boolean":
            return [False, True]
        if self.kind == "Choice":
            return list(o["values"])
        discrete = _discrete(self)
        if discrete is not None:
            return discrete
        lo, hi = o["min_value"], o["max_value"]
        if o["sampling"] == "linear":
            out = [lo + (hi - lo) * i / (float_points - 1) for i in range(float_points)]
        else:
            ratio = math.log(hi / lo)
            out = [lo * math.exp(ratio * i / (float_points - 1)) for i in range(float_points)]
        return sorted({round(v) for v in out}) if self.kind == "Int" else out

    def suggest(self, trial: Any) -> Any:
        """Draw this parameter's value from the hypersweep trial."""
        o, name = self.options, self.name
        if self.kind == "Fixed":
            return o["value"]
        if self.kind == "Boolean":
            return bool(trial.suggest_categorical(name, [False, True]))
        if self.kind == "Choice":
            values = list(o["values"])
            return values[0] if len(values) == 1 else trial.suggest_categorical(name, values)
        discrete = _discrete(self)
        if discrete is not None and (o["sampling"] != "linear" or len(discrete) == 1):
            # KerasTuner's log step multiplies: 32, 64, 128... (a list of choices here)
            return discrete[0] if len(discrete) == 1 else trial.suggest_categorical(name, discrete)
        log = o["sampling"] != "linear"
        if self.kind == "Int":
            return trial.suggest_int(name, o["min_value"], o["max_value"], log=log,
                                     step=o["step"] or 1)  # fmt: skip
        step = o["step"] if not log else None
        return trial.suggest_float(name, o["min_value"], o["max_value"], log=log, step=step)


def _discrete(hp: HyperParameter) -> list[Any] | None:
    """The values of a stepped (or integer) range, None for a continuous Float."""
    o = hp.options
    lo, hi, step = o["min_value"], o["max_value"], o["step"]
    if step is None:
        if hp.kind == "Float" or o["sampling"] != "linear":
            return None if hi > lo else [lo]
        step = 1
    out: list[Any] = []
    if o["sampling"] == "linear":
        n = int(math.floor((hi - lo) / step + 1e-9))
        out = [lo + i * step for i in range(n + 1)]
    else:
        v = lo
        while v <= hi * (1 + 1e-12):
            out.append(v)
            v *= step
    return [int(round(v)) for v in out] if hp.kind == "Int" else out


def _number(name: str, label: str, value: Any, integer: bool) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or (not integer and not math.isfinite(value)):
        kind = "an integer" if integer else "a finite number"
        raise ValueError(f"hp {name!r}: {label} must be {kind}, but got {value!r}")
    return value


def _range(kind: str, name: str, lo: Any, hi: Any, step: Any, sampling: str) -> dict[str, Any]:
    integer = kind == "Int"
    lo, hi = _number(name, "min_value", lo, integer), _number(name, "max_value", hi, integer)
    if lo > hi:
        raise ValueError(
            f"hp.{kind}({name!r}): min_value={lo!r} is greater than max_value={hi!r}; "
            f"give min_value <= max_value"
        )
    if sampling not in _SAMPLINGS:
        raise ValueError(
            f"hp {name!r}: sampling must be one of {list(_SAMPLINGS)}, got {sampling!r}"
        )
    if sampling == "reverse_log":
        raise NotImplementedError(
            f"hp {name!r}: sampling='reverse_log' is not supported by hypersweep's KerasTuner "
            f"interface; use 'log' or 'linear'"
        )
    if sampling == "log" and lo <= 0:
        raise ValueError(f"hp {name!r}: sampling='log' needs min_value > 0, but got {lo!r}")
    if step is not None:
        _number(name, "step", step, integer)
        if step <= 0 or (sampling == "log" and step <= 1):
            need = "> 1 (a log step multiplies)" if sampling == "log" else "> 0"
            raise ValueError(f"hp {name!r}: step must be {need}, but got {step!r}")
    return {"min_value": lo, "max_value": hi, "step": step, "sampling": sampling}


class HyperParameters:
    """The values of one trial, defined as ``build(hp)`` asks for them.

    ``values`` maps each active parameter to its value; ``hp[name]`` and
    ``hp.get(name)`` read one (None when its conditions do not hold).
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.space: list[HyperParameter] = []
        self._by_name: dict[str, HyperParameter] = {}
        self._scopes: list[Condition] = []
        self._source: Callable[[HyperParameter], Any] | None = None
        self.seen_scopes: list[Condition] = []  # every scope entered, for space discovery

    # --- where values come from ----------------------------------------------------
    @classmethod
    def from_values(cls, values: dict[str, Any]) -> HyperParameters:
        """Parameters fixed to ``values`` (others take their defaults), to rebuild a model."""
        hp = cls()
        hp.values = dict(values)
        hp._source = lambda p: hp.values.get(p.name, p.default)
        return hp

    @classmethod
    def drawn_by(cls, source: Callable[[HyperParameter], Any]) -> HyperParameters:
        """Parameters whose values ``source(definition)`` gives (a trial's sampler)."""
        hp = cls()
        hp._source = source
        return hp

    def definition(self, name: str) -> HyperParameter | None:
        """How ``name`` was defined (None if it was not)."""
        return self._by_name.get(name)

    # --- registering ---------------------------------------------------------------
    def _retrieve(self, hp: HyperParameter, parent_name: str | None,
                  parent_values: Any) -> Any:  # fmt: skip
        with self._maybe_scope(parent_name, parent_values):
            conditions = tuple(self._scopes)
        hp = HyperParameter(hp.name, hp.kind, hp.default, hp.options, conditions)
        known = self._by_name.get(hp.name)
        if known is None:
            self._by_name[hp.name] = hp
            self.space.append(hp)
        if not all(c.holds(self.values) for c in conditions):
            return None  # inactive: KerasTuner returns None so that code cannot rely on it
        if hp.name in self.values:  # asked again, or fixed by from_values
            return self.values[hp.name]
        value = self._source(hp) if self._source is not None else hp.default
        self.values[hp.name] = value
        return value

    @contextlib.contextmanager
    def _maybe_scope(self, parent_name: str | None, parent_values: Any) -> Iterator[None]:
        if parent_name is None:
            yield
        else:
            with self.conditional_scope(parent_name, parent_values):
                yield

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Parameters defined inside are active only while ``parent_name``'s value is
        one of ``parent_values``; inactive ones return None."""
        if parent_name not in self._by_name:
            raise ValueError(
                f"conditional_scope({parent_name!r}, ...): no parameter {parent_name!r} is "
                f"defined yet; define it (e.g. hp.Choice({parent_name!r}, [...])) before "
                f"the scope"
            )
        many = isinstance(parent_values, (list, tuple, set))
        condition = Condition(parent_name, tuple(parent_values) if many else (parent_values,))
        self.seen_scopes.append(condition)
        self._scopes.append(condition)
        try:
            yield
        finally:
            self._scopes.pop()

    def is_active(self, name: str | HyperParameter) -> bool:
        hp = self._by_name.get(name if isinstance(name, str) else name.name)
        return hp is not None and all(c.holds(self.values) for c in hp.conditions)

    # --- the parameter kinds -------------------------------------------------------
    def Int(self, name: str, min_value: int, max_value: int, step: int | None = None,
            sampling: str = "linear", default: int | None = None, parent_name: str | None = None,
            parent_values: Any = None) -> Any:  # fmt: skip
        options = _range("Int", name, min_value, max_value, step, sampling)
        hp = HyperParameter(name, "Int", min_value if default is None else default, options)
        return self._retrieve(hp, parent_name, parent_values)

    def Float(self, name: str, min_value: float, max_value: float, step: float | None = None,
              sampling: str = "linear", default: float | None = None,
              parent_name: str | None = None, parent_values: Any = None) -> Any:  # fmt: skip
        options = _range("Float", name, min_value, max_value, step, sampling)
        hp = HyperParameter(name, "Float", min_value if default is None else default, options)
        return self._retrieve(hp, parent_name, parent_values)

    def Choice(self, name: str, values: Sequence[Any], ordered: bool | None = None,
               default: Any = None, parent_name: str | None = None,
               parent_values: Any = None) -> Any:  # fmt: skip
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(
                f"hp.Choice({name!r}): values must be a non-empty list, got {values!r}"
            )
        if len({type(v) for v in values}) > 1 and not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        ):
            raise TypeError(f"hp.Choice({name!r}): values must all be of one type, got {values!r}")
        if default is not None and default not in values:
            raise ValueError(f"hp.Choice({name!r}): default {default!r} is not one of {values!r}")
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        options = {"values": list(values), "ordered": numeric if ordered is None else ordered}
        hp = HyperParameter(name, "Choice", values[0] if default is None else default, options)
        return self._retrieve(hp, parent_name, parent_values)

    def Boolean(self, name: str, default: bool = False, parent_name: str | None = None,
                parent_values: Any = None) -> Any:  # fmt: skip
        return self._retrieve(HyperParameter(name, "Boolean", bool(default)), parent_name,
                              parent_values)  # fmt: skip

    def Fixed(self, name: str, value: Any, parent_name: str | None = None,
              parent_values: Any = None) -> Any:  # fmt: skip
        hp = HyperParameter(name, "Fixed", value, {"value": value})
        return self._retrieve(hp, parent_name, parent_values)

    # --- reading -------------------------------------------------------------------
    def get(self, name: str) -> Any:
        """The value of ``name``; None when its conditions do not hold."""
        if name not in self._by_name and name not in self.values:
            known = sorted(self.values)
            raise KeyError(f"{name!r} is not a defined hyperparameter; known: {known}")
        if name in self._by_name and not self.is_active(name):
            return None
        return self.values.get(name)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name or name in self.values

    def copy(self) -> HyperParameters:
        return HyperParameters.from_values(self.values)

    def __repr__(self) -> str:
        return f"HyperParameters({self.values})"


def discover(build: Callable[[HyperParameters], Any], *, max_builds: int = 32) -> HyperParameters:
    """The search space ``build`` defines: called with defaults, then with each
    conditional scope's parent set to a value that opens it, until nothing new appears
    (KerasTuner explores its initial space the same way)."""
    tried: list[dict[str, Any]] = []
    queue: list[dict[str, Any]] = [{}]
    found = HyperParameters()
    while queue and len(tried) < max_builds:
        forced = queue.pop(0)
        tried.append(forced)
        hp = HyperParameters.drawn_by(_forced(forced))
        build(hp)
        for p in hp.space:
            if p.name not in found._by_name:
                found._by_name[p.name] = p
                found.space.append(p)
                if p.name in hp.values:
                    found.values[p.name] = hp.values[p.name]
        for scope in hp.seen_scopes:
            if scope.holds(hp.values):
                continue
            for value in scope.values:
                option = {**forced, scope.name: value}
                if option not in tried and option not in queue:
                    queue.append(option)
    return found


def _forced(forced: dict[str, Any]) -> Callable[[HyperParameter], Any]:
    return lambda p: forced.get(p.name, p.default)
