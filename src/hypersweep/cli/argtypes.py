"""Argparse ``type=`` converters for option values; the checks themselves are the
package's shared ones (``hypersweep._checks``), so the CLI words a rule as the
library does."""

from __future__ import annotations

import argparse

from .._checks import int_at_least, number_above


def count(text: str) -> int:
    """An integer >= 0 (trials, jobs, retries, a limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    try:
        return int_at_least("", "the value", value, 0)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds(text: str) -> float:
    """A duration in seconds, > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    try:
        return number_above("", "the value", value, 0, what="a number of seconds")
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
