"""Optuna's distribution records, used by ``study.ask(fixed_distributions)`` and
``create_trial``/``add_trial``: each knows the ``suggest_*`` call it stands for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FloatDistribution:
    low: float
    high: float
    log: bool = False
    step: float | None = None

    def suggest_on(self, trial: Any, name: str) -> Any:
        return trial.suggest_float(name, self.low, self.high, log=self.log, step=self.step)


@dataclass(frozen=True)
class IntDistribution:
    low: int
    high: int
    log: bool = False
    step: int = 1

    def suggest_on(self, trial: Any, name: str) -> Any:
        return trial.suggest_int(name, self.low, self.high, log=self.log, step=self.step)


@dataclass(frozen=True, init=False)
class CategoricalDistribution:
    choices: tuple[Any, ...]

    def __init__(self, choices: Sequence[Any]) -> None:
        if not len(choices):
            raise ValueError("CategoricalDistribution: choices must not be empty")
        object.__setattr__(self, "choices", tuple(choices))

    def suggest_on(self, trial: Any, name: str) -> Any:
        return trial.suggest_categorical(name, list(self.choices))


BaseDistribution = FloatDistribution | IntDistribution | CategoricalDistribution


# Optuna's deprecated distribution names, as the records above
def UniformDistribution(low: float, high: float) -> FloatDistribution:
    return FloatDistribution(low, high)


def LogUniformDistribution(low: float, high: float) -> FloatDistribution:
    return FloatDistribution(low, high, log=True)


def DiscreteUniformDistribution(low: float, high: float, q: float) -> FloatDistribution:
    return FloatDistribution(low, high, step=q)


def IntUniformDistribution(low: int, high: int, step: int = 1) -> IntDistribution:
    return IntDistribution(low, high, step=step)


def IntLogUniformDistribution(low: int, high: int, step: int = 1) -> IntDistribution:
    return IntDistribution(low, high, log=True, step=step)


__all__ = [
    "BaseDistribution",
    "CategoricalDistribution",
    "DiscreteUniformDistribution",
    "FloatDistribution",
    "IntDistribution",
    "IntLogUniformDistribution",
    "IntUniformDistribution",
    "LogUniformDistribution",
    "UniformDistribution",
]
