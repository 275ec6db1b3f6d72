"""Learning-rate schedules and stopping rules, independent of any framework.

Each schedule is a plain function of the step (epoch or batch) returning the
rate, so it can drive PyTorch (``torch.optim.lr_scheduler.LambdaLR`` with
``lambda step: schedule(step) / initial``), Keras (``LearningRateScheduler``) or a
hand-written loop alike. The stateful rules (:class:`ReduceOnPlateau`,
:class:`EarlyStopping`) take one monitored value per epoch and say what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._checks import int_at_least, number_above

Schedule = Callable[[int], float]


def _positive(name: str, value: float) -> float:
    return number_above("", name, value, 0)


def exponential_decay(
    initial: float, decay_rate: float, decay_steps: int, *, staircase: bool = False
) -> Schedule:
    """``initial * decay_rate ** (step / decay_steps)`` (whole periods with ``staircase``).

    >>> exponential_decay(0.1, 0.5, 10)(20)
    0.025
    """
    initial, decay_rate = _positive("initial", initial), _positive("decay_rate", decay_rate)
    decay_steps = int(_positive("decay_steps", decay_steps))

    def schedule(step: int) -> float:
        periods = step / decay_steps
        return initial * decay_rate ** (math.floor(periods) if staircase else periods)

    return schedule


def piecewise_constant(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[i]`` while ``boundaries[i-1] <= step < boundaries[i]``.

    >>> s = piecewise_constant([10, 20], [0.1, 0.01, 0.001])
    >>> s(0), s(10), s(25)
    (0.1, 0.01, 0.001)
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            f"piecewise_constant needs one more value than boundaries, but got "
            f"{len(values)} values for {len(boundaries)} boundaries"
        )
    if list(boundaries) != sorted(boundaries):
        raise ValueError(f"boundaries must increase, but got {list(boundaries)}")
    bounds, rates = list(boundaries), [float(v) for v in values]

    def schedule(step: int) -> float:
        for boundary, rate in zip(bounds, rates):
            if step < boundary:
                return rate
        return rates[-1]

    return schedule


def polynomial_decay(
    initial: float,
    end: float,
    decay_steps: int,
    *,
    power: float = 1.0,
    cycle: bool = False,
) -> Schedule:
    """From ``initial`` to ``end`` over ``decay_steps`` as ``(1 - t)**power``; then ``end``,
    or, with ``cycle``, again over a period stretched to the next multiple of ``decay_steps``.

    >>> polynomial_decay(0.1, 0.0, 10)(5)
    0.05
    """
    initial, decay_steps = _positive("initial", initial), int(_positive("decay_steps", decay_steps))
    power = _positive("power", power)
    if end < 0:
        raise ValueError(f"end must be >= 0, but got {end!r}")

    def schedule(step: int) -> float:
        period = decay_steps
        if cycle:
            period = decay_steps * max(1, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        return (initial - end) * (1 - step / period) ** power + end

    return schedule


class ReduceOnPlateau:
    """The plateau rule: no improvement in ``patience`` epochs -> multiply the rate by
    ``factor`` (halve it) and go on; stop once it has fallen to ``min_ratio`` (1/1024)
    of where it started.

    >>> r = ReduceOnPlateau(0.1, patience=2)
    >>> [r.update(v) for v in (1.0, 1.0, 1.0, 0.5)]
    [0.1, 0.1, 0.05, 0.05]
    """

    def __init__(
        self,
        initial: float,
        *,
        patience: int = 10,
        factor: float = 0.5,
        min_delta: float = 0.0,
        mode: str = "min",
        min_ratio: float = 1 / 1024,
    ) -> None:
        self.lr = self.initial = _positive("initial", initial)
        int_at_least("", "patience", patience, 1)
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), but got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', but got {mode!r}")
        self.patience, self.factor, self.min_delta = patience, float(factor), float(min_delta)
        self.sign = 1.0 if mode == "min" else -1.0
        self.floor = self.initial * _positive("min_ratio", min_ratio)
        self.best = math.inf
        self.waited = 0
        self.stop = False

    def update(self, value: float) -> float:
        """Take this epoch's monitored value; return the rate for the next epoch."""
        if self.sign * value < self.best - self.min_delta:
            self.best, self.waited = self.sign * value, 0
            return self.lr
        self.waited += 1
        if self.waited >= self.patience:
            self.lr *= self.factor
            self.waited = 0
            if self.lr <= self.floor * (1 + 1e-12):
                self.stop = True
        return self.lr

    def state_dict(self) -> dict[str, Any]:
        """The rule's progress (for checkpoints), restored by :meth:`load_state_dict`."""
        return {"lr": self.lr, "best": self.best, "waited": self.waited, "stop": self.stop}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.lr, self.best = state["lr"], state["best"]
        self.waited, self.stop = state["waited"], state["stop"]


class EarlyStopping:
    """Stop when the monitored value has not improved by ``min_delta`` for ``patience``
    epochs; remembers the best epoch (to restore its weights).

    >>> e = EarlyStopping(patience=2, mode="max")
    >>> [e.update(v) for v in (0.8, 0.9, 0.85, 0.88)], e.best_epoch
    ([False, False, False, True], 1)
    """

    def __init__(self, *, patience: int = 10, min_delta: float = 0.0, mode: str = "min") -> None:
        int_at_least("", "patience", patience, 1)
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', but got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, but got {min_delta!r}")
        self.patience, self.min_delta = patience, float(min_delta)
        self.sign = 1.0 if mode == "min" else -1.0
        self.best = math.inf
        self.best_epoch = -1
        self.epoch = -1
        self.stop = False

    def update(self, value: float) -> bool:
        """Take this epoch's monitored value; True once training should stop (and after)."""
        if self.stop:
            return True
        self.epoch += 1
        if self.sign * value < self.best - self.min_delta:
            self.best, self.best_epoch = self.sign * value, self.epoch
        elif self.epoch - self.best_epoch >= self.patience:
            self.stop = True
        return self.stop

    @property
    def improved(self) -> bool:
        """True if the last value was a new best (the moment to save the weights)."""
        return self.best_epoch == self.epoch

    @property
    def best_value(self) -> float:
        """The best monitored value seen, in the caller's sign."""
        return self.sign * self.best

    def state_dict(self) -> dict[str, Any]:
        """The rule's progress (for checkpoints), restored by :meth:`load_state_dict`."""
        return {"best": self.best, "best_epoch": self.best_epoch, "epoch": self.epoch,
                "stop": self.stop}  # fmt: skip

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.epoch, self.stop = state["epoch"], state["stop"]
