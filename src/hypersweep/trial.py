"""The trial record every layer passes around: a frozen dataclass, never a dict of dicts."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any


class TrialState(enum.Enum):
    """Life cycle: WAITING (enqueued) -> RUNNING -> COMPLETE | PRUNED | FAIL."""

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    PRUNED = "PRUNED"
    FAIL = "FAIL"

    __hash__ = object.__hash__  # members are singletons; Enum's default hash is slow Python

    @property
    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class Direction(enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def parse(cls, value: str | Direction) -> Direction:
        if isinstance(value, Direction):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(
                f"direction must be 'minimize' or 'maximize', but got {value!r}"
            ) from None

    def sign(self) -> float:
        """Multiply a value by this to turn every study into a minimisation."""
        return 1.0 if self is Direction.MINIMIZE else -1.0


@dataclass(frozen=True)
class FrozenTrial:
    """One trial as stored.

    ``params`` holds real values nested like the space; ``flat`` holds the same
    values keyed by leaf path ("model.svm.C"), which is what samplers read.
    ``values`` is a tuple so that multi-objective studies need no schema change.
    """

    number: int
    state: TrialState
    params: Any = None
    flat: dict[str, Any] = field(default_factory=dict)
    values: tuple[float, ...] | None = None
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    intermediate: dict[int, float] = field(default_factory=dict)
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    trial_id: int = -1

    @property
    def value(self) -> float | None:
        return None if self.values is None else self.values[0]

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    @property
    def interrupted(self) -> bool:
        """True for a trial stopped by Ctrl-C or a dead worker: it does not use up budget."""
        return bool(self.system_attrs.get("interrupted"))

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate) if self.intermediate else None


_DEFAULTS: dict[str, Any] = {
    "params": None,
    "values": None,
    "intermediate": {},
    "started": None,
    "finished": None,
    "error": None,
    "trial_id": -1,
}


def new_trial(**fields: Any) -> FrozenTrial:
    """Build a FrozenTrial without the dataclass ``__init__`` (storage does this per trial).

    Callers pass number, state, flat, user_attrs and system_attrs; the rest default.
    """
    new = object.__new__(FrozenTrial)
    values = dict(_DEFAULTS)
    values["intermediate"] = {}
    values.update(fields)
    new.__dict__.update(values)
    return new


def evolve(trial: FrozenTrial, **changes: Any) -> FrozenTrial:
    """``dataclasses.replace`` without its per-field checks: on the hot path of every trial."""
    new = object.__new__(FrozenTrial)
    fields = dict(trial.__dict__)
    fields.update(changes)
    new.__dict__.update(fields)
    return new


def as_value(result: Any) -> tuple[float | None, dict[str, Any], str | None]:
    """Turn what an objective returned into (value, extra info, reason it failed).

    Accepts a number, or a dict with "loss" (hyperopt's convention, optionally
    with "status": "ok" | "fail") plus any extra JSON-able entries.
    """
    if type(result) is float:  # the common case, checked first
        if result != result:
            return None, {}, "the objective returned NaN"
        return result, {}, None
    extra: dict[str, Any] = {}
    if isinstance(result, dict):
        extra = {k: v for k, v in result.items() if k not in ("loss", "status")}
        status = result.get("status", "ok")
        if status not in ("ok", "fail"):
            return None, extra, f"status must be 'ok' or 'fail', but got {status!r}"
        if status == "fail":
            return None, extra, "the objective returned status 'fail'"
        if "loss" not in result:
            return (
                None,
                extra,
                "a dict result needs a 'loss' entry, but got keys " + repr(sorted(result)),
            )
        result = result["loss"]
    if isinstance(result, (bool, str, bytes)) or not hasattr(result, "__float__"):
        return (
            None,
            extra,
            (
                "the objective must return a number or a dict with 'loss', but returned "
                f"{type(result).__name__} {result!r:.80}"
            ),
        )
    try:
        value = float(result)
    except (TypeError, ValueError) as exc:  # e.g. a tensor with more than one element
        return None, extra, f"could not turn the objective's result into a number: {exc}"
    except OverflowError:  # e.g. 10**400: an int beyond any float
        return None, extra, f"the objective returned {result!r:.40}, too large for a float"
    if math.isnan(value):
        return None, extra, "the objective returned NaN"
    return value, extra, None


def outcome(
    result: Any, state: TrialState | str | None, error: str | None, steps: dict[int, float]
) -> tuple[TrialState, tuple[float, ...] | None, dict[str, Any], str | None]:
    """How a trial ends, from what ``tell`` got: (state, values, extra entries, error).

    No state: the objective's result decides (COMPLETE, or FAIL if it is no score);
    PRUNED keeps the last reported value of ``steps``; FAIL keeps ``error``.
    """
    given = state
    if isinstance(state, str):
        state = {s.value: s for s in TrialState}.get(state.upper())
    if given is not None and (not isinstance(state, TrialState) or not state.is_finished):
        raise ValueError(
            f"tell: state must be COMPLETE, PRUNED or FAIL (or None to let the result decide), "
            f"but got {given!r}"
        )
    if state is TrialState.PRUNED:
        return state, ((steps[max(steps)],) if steps else None), {}, None
    if state is TrialState.FAIL:
        return state, None, {}, error or "marked FAIL by the caller"
    value, extra, problem = as_value(result)
    if problem is not None or value is None:
        return TrialState.FAIL, None, extra, problem
    return TrialState.COMPLETE, (float(value),), extra, None
