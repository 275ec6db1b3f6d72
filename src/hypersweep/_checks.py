"""Validation of integer and number options, shared so that every message reads the same way."""

from __future__ import annotations

import numbers


def int_at_least(owner: str, name: str, value: object, least: int) -> int:
    """``value`` as an int if it is an integer (any ``numbers.Integral``, such as numpy's,
    but not a bool) >= ``least``; else one clear ValueError naming the owner, the option,
    the rule and the value received."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}{name} must be an integer >= {least}, but got {value!r}")
    return int(value)


def number_above(
    owner: str, name: str, value: object, bound: float, *, what: str = "a number"
) -> float:
    """``value`` as a float if it is a real number (not a bool, not NaN) > ``bound``; else
    one clear ValueError naming the owner, the option, the rule and the value received."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > bound:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}{name} must be {what} > {bound:g}, but got {value!r}")
    return float(value)


def number_in(
    owner: str,
    name: str,
    value: object,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float if it is a real number (not a bool, not NaN) in the interval
    from ``low`` to ``high`` (each end closed unless ``*_open``); else one clear
    ValueError naming the owner, the rule and the value received."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = (low < v if low_open else low <= v) and (v < high if high_open else v <= high)
    if not ok:
        prefix = f"{owner}: " if owner else ""
        rule = f"{low:g} {'<' if low_open else '<='} {name} {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{prefix}{rule} must hold, but got {name}={value!r}")
    return float(value)  # type: ignore[arg-type]
