"""A storage that implements only the abstract methods, by forwarding them to another
storage, and counts the calls: the base class's defaults of every other method run on
it, and tests can see which reads a caller made."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypersweep.storage import MemoryStorage, Storage

ABSTRACT = sorted(Storage.__abstractmethods__)


class Forwarding(Storage):
    """Forwards the abstract methods to ``inner`` (a MemoryStorage unless given)."""

    def __init__(self, inner: Storage | None = None) -> None:
        self.inner = inner if inner is not None else MemoryStorage()
        self.calls: Counter[str] = Counter()

    def close(self) -> None:
        self.inner.close()


def _forward(name: str) -> Any:
    def method(self: Forwarding, *args: Any, **kwargs: Any) -> Any:
        self.calls[name] += 1
        return getattr(self.inner, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in ABSTRACT:
    setattr(Forwarding, _name, _forward(_name))
Forwarding.__abstractmethods__ = frozenset()


class Counting(Forwarding):
    """Forwards every storage method, the large-study reads too, counting each call."""


for _name in ("read_briefs", "count_trials", "read_page", "read_numbers"):
    setattr(Counting, _name, _forward(_name))
