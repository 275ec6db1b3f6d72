"""The settings of one optimize run, as one frozen record that workers anywhere receive."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._checks import int_at_least
from ..trial import FrozenTrial

Callback = Callable[[Any, FrozenTrial], None]  # (study, finished trial) -> None
DEFAULT_HEARTBEAT = 10.0  # seconds between beats on SQL storages; dead after 3 missed
FAIL_FAST = 5  # a run whose first this-many trials fail alike stops (optimize(fail_fast=))
# optimize's budget when given no n_trials, n_more or timeout (a grid runs to its end instead):
# the study's total, enough for TPE's model to pay off (10 random startup trials, then 90
# guided ones; see docs/migrate-optuna.md, "Defaults"), and what minimize always used.
DEFAULT_N_TRIALS = 100


@dataclass(frozen=True)
class RunOptions:
    """What ``study.optimize`` was asked to do, checked once, passed to every worker.

    ``n_trials`` is the study's total budget; ``lag`` is set in deterministic mode
    (trial n is chosen from trials up to n - lag); ``fail_fast`` stops a run whose
    first trials all fail with the same error (0: never).

    >>> RunOptions(n_trials=10, retries=1).retries
    1
    """

    n_trials: int | None = None
    timeout: float | None = None
    callbacks: tuple[Callback, ...] = ()
    catch: tuple[type[BaseException], ...] = (Exception,)
    heartbeat_interval: float | None = None
    retries: int = 0
    lag: int | None = None
    fail_fast: int = FAIL_FAST

    def __post_init__(self) -> None:
        n = self.n_trials
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            raise ValueError(f"n_trials must be an integer >= 0 or None, but got {n!r}")
        t = self.timeout
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0 or math.isnan(t)
        ):
            raise ValueError(f"timeout must be a number of seconds > 0 or None, got {t!r}")
        h = self.heartbeat_interval
        if h is not None and (isinstance(h, bool) or not isinstance(h, (int, float)) or h < 0):
            raise ValueError(
                f"heartbeat_interval must be a number of seconds >= 0 (0: off) or None, got {h!r}"
            )
        int_at_least("optimize", "retries", self.retries, 0)
        int_at_least("optimize", "fail_fast", self.fail_fast, 0)
        if self.lag is not None:
            int_at_least("optimize", "lag", self.lag, 1)
        if not isinstance(self.catch, tuple) or not all(
            isinstance(c, type) and issubclass(c, BaseException) for c in self.catch
        ):
            raise ValueError(
                "catch must be a tuple of exception classes, e.g. (ValueError,), "
                f"but got {self.catch!r}"
            )
        for callback in self.callbacks:
            if not callable(callback):
                raise ValueError(f"callbacks must be callables (study, trial), got {callback!r}")
