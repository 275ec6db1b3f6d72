"""The sampler contract: pure decision makers.

A sampler sees the space, the trials so far and the direction (a
:class:`History`), never the study or its storage. Randomness comes from a
generator derived from ``(seed, trial number)``, so the same seed on the same
history gives the same answer, whichever worker asks and in whatever order.
"""

from __future__ import annotations

import abc
import math
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from ..history import History

if TYPE_CHECKING:
    import numpy as np

    from ..space.kinds import Param
    from ..space.tree import Space


_M64 = (1 << 64) - 1
_TWO_53 = 2.0**-53
_SALTS: dict[str, int] = {}


def _mix(z: int) -> int:
    """splitmix64's finaliser: a cheap, well-mixed 64-bit hash."""
    z = (z + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def finite_size(space: Space | None, limit: int = 1_000_000) -> int | None:
    """How many distinct configurations a space holds, or None if it is continuous
    (or larger than ``limit``): the spaces where a sampler can run out of new points."""
    if space is None:
        return None
    counts = []
    for param in space.leaves.values():
        n = _count_values(param)
        if n is None:
            return None
        counts.append(n)
    if math.prod(counts) > limit * 10:  # an upper bound; skip enumerating huge spaces
        return None
    cells = space.grid(lambda _path, p: all_values(p))
    return len(cells) if len(cells) <= limit else None


def _count_values(param: Param) -> int | None:
    from ..space.kinds import Categorical, Float, Int

    if isinstance(param, Categorical):
        return param.n_choices
    if isinstance(param, Int):
        return int((param.high - param.low) // (param.step or 1)) + 1
    if isinstance(param, Float) and param.step is not None:
        return int(round((param.high - param.low) / param.step)) + 1
    return None


def all_values(param: Param) -> list[Any]:
    """Every value of a discrete parameter (one point for a continuous one)."""
    n = _count_values(param)
    return param.grid(n if n is not None else 1)


class Sampler(abc.ABC):
    """Base of all samplers.

    The study calls :meth:`propose` once when a trial starts (for decisions made
    jointly over the whole space, such as a grid cell), then :meth:`sample` for
    each active leaf the proposal did not cover, in the order the objective or
    the space walk asks for them.
    """

    def __init__(self, *, seed: int | None = None) -> None:
        self.seed = seed
        self._entropy = seed if seed is not None else secrets.randbits(63)
        self._mixed = _mix(self._entropy & _M64)
        self._rngs: dict[int, np.random.Generator] = {}

    def reseed(self, seed: int) -> None:
        """Called by the study on resume, to continue the stored seed's sequence."""
        self.seed = seed
        self._entropy = seed
        self._mixed = _mix(seed & _M64)
        self._rngs.clear()

    @property
    def entropy(self) -> int:
        return self._entropy

    def rng(self, number: int) -> np.random.Generator:
        """The generator for trial ``number``: same seed and number, same draws."""
        gen = self._rngs.get(number)
        if gen is None:
            if len(self._rngs) > 64:
                self._rngs.clear()
            import numpy as np  # lazily: keeps `import hypersweep` light

            gen = self._rngs[number] = np.random.default_rng((self._entropy, number))
        return gen

    def uniform(self, number: int, path: str) -> float:
        """A uniform draw in [0, 1) fixed by (seed, trial number, leaf path).

        A counter-based hash (splitmix64), so it costs well under a microsecond
        and does not depend on the order in which leaves are asked for.
        """
        salt = _SALTS.get(path)
        if salt is None:
            salt = _SALTS[path] = zlib.crc32(path.encode())
        # splitmix64's finaliser, inlined: this runs for every leaf of every trial
        z = ((self._mixed ^ (number & _M64) ^ (salt << 32)) + 0x9E3779B97F4A7C15) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return ((z ^ (z >> 31)) >> 11) * _TWO_53

    def propose(self, history: History, number: int) -> dict[str, Any]:
        """Values decided jointly for trial ``number``; the default decides nothing."""
        return {}

    @abc.abstractmethod
    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        """One value (a categorical's key) for leaf ``path`` of trial ``number``."""

    def unique_configs(self, history: History) -> bool:
        """True if no two trials may hold one configuration (grid cells, discrete spaces).

        The study then has storage enforce it, so that concurrent workers cannot
        both run one configuration. The default: on a finite (all-discrete) static
        space, unless the sampler was built with ``allow_repeats=True``.
        """
        space = history.space
        if space is None or getattr(self, "allow_repeats", False):
            return False
        return self.space_size(space) is not None

    def space_size(self, space: Space) -> int | None:
        """:func:`finite_size` of ``space``, remembered: samplers ask on every trial."""
        cached = self.__dict__.get("_space_size")
        if cached is None or cached[0] is not space:
            cached = self.__dict__["_space_size"] = (space, finite_size(space))
        return cached[1]

    def is_exhausted(self, history: History) -> bool:
        """True when the sampler has nothing new left to try (a finished grid)."""
        return False
