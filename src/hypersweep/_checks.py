"""Validation of integer options, shared so that every message reads the same way."""

from __future__ import annotations


def int_at_least(owner: str, name: str, value: object, least: int) -> int:
    """``value`` if it is an integer (not a bool) >= ``least``; else one clear ValueError
    naming the owner, the option, the rule and the value received."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}{name} must be an integer >= {least}, but got {value!r}")
    return value


def number_above(
    owner: str, name: str, value: object, bound: float, *, what: str = "a number"
) -> float:
    """``value`` as a float if it is a real number (not a bool, not NaN) > ``bound``; else
    one clear ValueError naming the owner, the option, the rule and the value received."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > bound:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}{name} must be {what} > {bound:g}, but got {value!r}")
    return float(value)
