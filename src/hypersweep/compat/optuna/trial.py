"""Optuna's trial objects on hypersweep's: the live ``Trial`` an objective receives,
``FrozenTrial`` records with Optuna's attribute names, ``TrialState`` and ``create_trial``."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Sequence
from typing import Any

import hypersweep as hs

from .distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)


class OptunaEnum(enum.Enum):
    """A member of one of Optuna's enums shows as Optuna's does: ``TrialState.COMPLETE``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    __str__ = __repr__


class TrialState(OptunaEnum):
    """Optuna's trial states (same names and numbers); ``to_hs``/``of`` convert."""

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

    def to_hs(self) -> hs.TrialState:
        return hs.TrialState[self.name]

    @classmethod
    def of(cls, state: Any) -> TrialState:
        """From hypersweep's state, Optuna's own enum (by name) or a name."""
        if isinstance(state, cls):
            return state
        name = getattr(state, "name", state)
        try:
            return cls[str(name).upper()]
        except KeyError:
            raise ValueError(f"unknown trial state {state!r}") from None


def _when(stamp: float | None) -> _dt.datetime | None:
    return None if stamp is None else _dt.datetime.fromtimestamp(stamp)


class FrozenTrial:
    """A finished (or running) trial as stored, under Optuna's attribute names.

    ``record`` is hypersweep's :class:`hypersweep.FrozenTrial` itself.
    """

    def __init__(
        self, record: hs.FrozenTrial, distributions: dict[str, BaseDistribution] | None = None
    ) -> None:
        self.record = record
        self.distributions: dict[str, BaseDistribution] = dict(distributions or {})

    number = property(lambda self: self.record.number)
    value = property(lambda self: self.record.value)
    values = property(lambda self: None if self.record.values is None else list(self.record.values))
    user_attrs = property(lambda self: dict(self.record.user_attrs))
    system_attrs = property(lambda self: dict(self.record.system_attrs))
    intermediate_values = property(lambda self: dict(self.record.intermediate))
    datetime_start = property(lambda self: _when(self.record.started))
    datetime_complete = property(lambda self: _when(self.record.finished))
    last_step = property(lambda self: self.record.last_step)

    @property
    def state(self) -> TrialState:
        return TrialState.of(self.record.state)

    @property
    def params(self) -> dict[str, Any]:
        params = self.record.params
        return dict(params) if isinstance(params, dict) else dict(self.record.flat)

    @property
    def duration(self) -> _dt.timedelta | None:
        seconds = self.record.duration
        return None if seconds is None else _dt.timedelta(seconds=seconds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenTrial) and other.record == self.record

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        values = self.record.values
        shown = f"values={self.values}" if values and len(values) > 1 else f"value={self.value}"
        return (f"FrozenTrial(number={self.number}, state={self.state!r}, {shown}, "
                f"params={self.params})")  # fmt: skip


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, Any] | None = None,
) -> FrozenTrial:
    """A trial record to pass to ``study.add_trial`` (it gets its number there)."""
    if value is not None and values is not None:
        raise ValueError("create_trial: give value or values, not both")
    vals: tuple[float, ...] | None = None if value is None else (float(value),)
    if values is not None:
        vals = tuple(float(v) for v in values)
    params = dict(params or {})
    missing = sorted(set(params) - set(distributions or {}))
    if missing:
        raise ValueError(f"create_trial: the parameters {missing} need a distribution")
    record = hs.FrozenTrial(
        number=-1, state=TrialState.of(state).to_hs(), params=params, flat=dict(params),
        values=vals, user_attrs=dict(user_attrs or {}), system_attrs=dict(system_attrs or {}),
        intermediate={int(k): tuple(map(float, v)) if isinstance(v, (list, tuple)) else float(v)
                      for k, v in (intermediate_values or {}).items()},
    )  # fmt: skip
    return FrozenTrial(record, distributions)


class Trial:
    """The trial an objective receives: Optuna's methods on a :class:`hypersweep.Trial`.

    ``handle`` is the hypersweep trial; ``study`` the compat study running it.
    """

    def __init__(self, handle: hs.Trial, study: Any) -> None:
        self.handle = handle
        self.study = study
        self.datetime_start = _dt.datetime.now()
        self.params: dict[str, Any] = {}
        self.distributions: dict[str, BaseDistribution] = {}

    @property
    def number(self) -> int:
        return self.handle.number

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self.handle.user_attrs)

    def _keep(self, name: str, dist: BaseDistribution, value: Any) -> Any:
        self.params[name] = value
        self.distributions[name] = dist
        return value

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        if step is not None and log:
            raise ValueError("suggest_float: step and log cannot be used together (as in Optuna)")
        value = self.handle.suggest_float(name, low, high, log=log, step=step)
        return self._keep(name, FloatDistribution(low, high, log, step), value)

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        if step != 1 and log:
            raise ValueError("suggest_int: step > 1 and log cannot be used together (as in Optuna)")
        value = self.handle.suggest_int(name, low, high, log=log, step=step)
        return self._keep(name, IntDistribution(low, high, log, step), value)

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        value = self.handle.suggest_categorical(name, choices)
        return self._keep(name, CategoricalDistribution(choices), value)

    # Optuna's deprecated spellings
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        return self.suggest_float(name, low, high, step=q)

    def report(self, value: float | Sequence[float], step: int) -> None:
        """As Optuna's; in a study of several objectives (where Optuna refuses reports),
        one number per objective, which hypersweep's ASHA, Hyperband and Median prune by
        Pareto dominance."""
        self.handle.report(value, step)

    def should_prune(self) -> bool:
        return self.handle.should_prune()

    def set_user_attr(self, key: str, value: Any) -> None:
        self.handle.set_user_attr(key, value)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"


__all__ = ["FrozenTrial", "Trial", "TrialState", "create_trial"]
