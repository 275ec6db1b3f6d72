"""``sample(space, rng)``: one draw from a compat space's prior, as hyperopt's helper."""

from __future__ import annotations

from typing import Any

from ..translate import compile_space


def sample(space: Any, rng: Any = None) -> Any:
    """A value of ``space`` drawn from its prior (``rng``: a numpy Generator, a seed or None)."""
    return compile_space(space).sample(rng)


__all__ = ["sample"]
