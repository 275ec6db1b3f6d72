"""``atpe.suggest``: an ``algo`` for ``fmin`` (see :mod:`.algos` for what runs)."""

from __future__ import annotations

from .algos import marker

suggest = marker("atpe")

__all__ = ["suggest"]
