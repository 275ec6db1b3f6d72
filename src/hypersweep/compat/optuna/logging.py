"""``optuna.logging`` on hypersweep's logger ("hypersweep"): INFO shows each new best,
WARNING keeps only warnings (failed trials)."""

from __future__ import annotations

import logging as _logging

import hypersweep as hs

CRITICAL = _logging.CRITICAL
FATAL = _logging.FATAL
ERROR = _logging.ERROR
WARNING = _logging.WARNING
WARN = _logging.WARN
INFO = _logging.INFO
DEBUG = _logging.DEBUG


def set_verbosity(verbosity: int) -> None:
    """``optuna.logging.set_verbosity(optuna.logging.WARNING)`` and the like."""
    hs.set_verbosity(verbosity)


def get_verbosity() -> int:
    return _logging.getLogger("hypersweep").getEffectiveLevel()


def get_logger(name: str) -> _logging.Logger:
    return _logging.getLogger(name)


def disable_default_handler() -> None:
    """Stop printing to stderr (the records still reach the root logger's handlers)."""
    log = _logging.getLogger("hypersweep")
    for handler in list(log.handlers):
        if isinstance(handler, _logging.StreamHandler):
            log.removeHandler(handler)
    log.propagate = True


def enable_propagation() -> None:
    _logging.getLogger("hypersweep").propagate = True


def disable_propagation() -> None:
    _logging.getLogger("hypersweep").propagate = False


__all__ = [
    "CRITICAL", "DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING", "disable_default_handler",
    "disable_propagation", "enable_propagation", "get_logger", "get_verbosity", "set_verbosity",
]  # fmt: skip
