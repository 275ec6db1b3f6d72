"""``anneal.suggest``: an ``algo`` for ``fmin`` (see :mod:`.algos` for what runs)."""

from __future__ import annotations

from .algos import marker

suggest = marker("anneal")

__all__ = ["suggest"]
