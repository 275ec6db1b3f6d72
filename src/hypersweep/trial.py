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
    ``intermediate`` maps a step to the number reported there, or, in a study of
    several objectives that reports vectors (``trial.report([acc, latency], step)``),
    to a tuple of one number per objective.
    """

    number: int
    state: TrialState
    params: Any = None
    flat: dict[str, Any] = field(default_factory=dict)
    values: tuple[float, ...] | None = None
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    intermediate: dict[int, Any] = field(default_factory=dict)  # float, or a tuple: Reported
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    trial_id: int = -1

    @property
    def value(self) -> float | None:
        """The single objective's value; a trial of several objectives has ``values``."""
        if self.values is None:
            return None
        if len(self.values) > 1:
            raise RuntimeError(
                f"trial {self.number} has {len(self.values)} objective values: read "
                "trial.values (and study.best_trials for the Pareto front), not trial.value"
            )
        return self.values[0]

    @property
    def feasible(self) -> bool:
        """True unless a stored constraint is > 0 (Optuna's rule); no constraints: True."""
        found = self.system_attrs.get("constraints")
        return not found or all(c <= 0 for c in found)

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


Reported = float | tuple[float, ...]  # one report: a number, or a vector (several objectives)


def is_vector(value: object) -> bool:
    """True for a vector report (a tuple, or the list JSON storage gives back)."""
    return isinstance(value, (tuple, list))


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


def as_values(result: Any, n: int) -> tuple[tuple[float, ...] | None, dict[str, Any], str | None]:
    """:func:`as_value` for a study of ``n`` objectives: a sequence of n numbers, or a dict
    whose "loss" is one. One objective: a number (or a one-item sequence)."""
    if (
        n == 1
        and not isinstance(result, (list, tuple))
        and not (isinstance(result, dict) and isinstance(result.get("loss"), (list, tuple)))
    ):
        one, first, problem = as_value(result)
        return (None if one is None else (one,)), first, problem
    extra: dict[str, Any] = {}
    if isinstance(result, dict):
        _, extra, problem = as_value({**result, "loss": 0.0} if "loss" in result else result)
        if problem is not None:
            return None, extra, problem
        result = result["loss"]
    if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__len__"):
        return (
            None,
            extra,
            (
                f"this study has {n} objectives, so the objective must return a sequence of {n} "
                f"numbers (or a dict whose 'loss' is one), but returned {result!r:.80}"
            ),
        )
    items = list(result)
    if len(items) != n:
        return (
            None,
            extra,
            (
                f"this study has {n} objectives, but the objective returned {len(items)} values: "
                f"{result!r:.80}"
            ),
        )
    out = []
    for i, item in enumerate(items):
        value, _, problem = as_value(item)
        if problem is not None or value is None:
            return None, extra, f"objective {i}: {problem}"
        out.append(value)
    return tuple(out), extra, None


def constraints_of(given: Any) -> tuple[list[str], list[float]]:
    """Constraint names and values from a result's "constraints" entry: a dict name ->
    value, or a list (named c0, c1, ...). Raises ValueError saying what is wrong."""
    if isinstance(given, dict):
        pairs = [(str(k), v) for k, v in given.items()]
    elif isinstance(given, (list, tuple)):
        pairs = [(f"c{i}", v) for i, v in enumerate(given)]
    else:
        raise ValueError(
            "'constraints' must be a dict of name -> number or a list of numbers (feasible "
            f"when <= 0), but got {given!r:.80}"
        )
    for name, v in pairs:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(float(v)):
            raise ValueError(f"constraint {name!r} must be a number (not NaN), but got {v!r:.40}")
    return [k for k, _ in pairs], [float(v) for _, v in pairs]


def outcome(
    result: Any,
    state: TrialState | str | None,
    error: str | None,
    steps: dict[int, Any],
    n: int = 1,
) -> tuple[TrialState, tuple[float, ...] | None, dict[str, Any], str | None]:
    """How a trial ends, from what ``tell`` got: (state, values, extra entries, error).

    No state: the objective's result decides (COMPLETE, or FAIL if it is no score; ``n``
    objectives: a sequence of n numbers);
    PRUNED keeps the last reported value of ``steps`` (a vector report: its numbers, one
    per objective); FAIL keeps ``error``.
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
        if not steps:
            return state, None, {}, None
        last = steps[max(steps)]
        return state, (tuple(map(float, last)) if is_vector(last) else (last,)), {}, None
    if state is TrialState.FAIL:
        return state, None, {}, error or "marked FAIL by the caller"
    values, extra, problem = as_values(result, n)
    if problem is not None or values is None:
        return TrialState.FAIL, None, extra, problem
    return TrialState.COMPLETE, values, extra, None


def constraint_attrs(
    extra: dict[str, Any], during: dict[str, float]
) -> tuple[dict[str, Any], str | None]:
    """The system attributes of a trial's constraints: those set during the objective
    (``trial.set_constraint``) merged with a result's "constraints" entry (popped from
    ``extra``, which wins on a shared name). Names sorted, so every trial lists them in
    one order; a list alone keeps its own. Returns ({}, reason) when they are malformed."""
    given = extra.pop("constraints", None)
    if given is None and not during:
        return {}, None
    names: list[str] = []
    values: list[float] = []
    if given is not None:
        try:
            names, values = constraints_of(given)
        except ValueError as exc:
            return {}, str(exc)
    merged = {**during, **dict(zip(names, values, strict=True))}
    order = names if not during and isinstance(given, (list, tuple)) else sorted(merged)
    return {"constraints": [merged[k] for k in order], "constraint_names": order}, None
