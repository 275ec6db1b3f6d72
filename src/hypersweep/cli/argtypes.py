"""Argparse ``type=`` converters for option values; the checks themselves are the
package's shared ones (``hypersweep._checks``), so the CLI words a rule as the
library does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from .._checks import int_at_least, number_above

T = TypeVar("T")


def count(text: str) -> int:
    """An integer >= 0 (trials, jobs, retries, a limit)."""
    return _checked(text, int, "an integer", lambda v: int_at_least("", "the value", v, 0))


def seconds(text: str) -> float:
    """A duration in seconds, > 0."""
    what = "a number of seconds"
    return _checked(text, float, what, lambda v: number_above("", "the value", v, 0, what=what))


def _checked(text: str, parse: Callable[[str], T], expected: str, check: Callable[[T], T]) -> T:
    """``check(parse(text))``, each failure worded as argparse shows a bad option value."""
    try:
        value = parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    try:
        return check(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def port(text: str) -> int:
    """A TCP port, 0..65535 (0: the system picks a free one)."""
    value = count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {value}")
    return value


def csv_list(text: str) -> list[str]:
    """``a, b,c`` -> ["a", "b", "c"]; empty items dropped."""
    return [item.strip() for item in text.split(",") if item.strip()]


def int_list(text: str) -> list[int]:
    """Trial budgets such as ``50,100``: integers >= 1."""
    try:
        values = [int(item) for item in csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 50,100, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected trial counts >= 1 like 50,100, got {text!r}")
    return values
