"""Quasi-random search: a low-discrepancy sequence spread over the whole space.

Trial ``number`` takes row ``number`` of one seeded sequence whose dimension
is the number of leaves of the static space (inactive leaves leave their
coordinate unused), mapped through each leaf's quantile function
(:meth:`Param.from_unit`). The row depends only on (seed, kind, number), so
parallel workers and resumed studies continue the same sequence; rows are
computed in cached chunks, never by replaying the sequence on each ask.

Scrambled Sobol is the default (scipy's; balanced at n = 2^m: 8, 16, 32...),
scrambled Halton balances at any n. The Deep Learning Tuning Playbook
recommends such designs for exploration and as initial designs for
Bayesian optimisation; :func:`qmc_points` and :func:`unit_point` serve the
latter.
"""

from __future__ import annotations

import functools
import math
import threading
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..exceptions import SpaceExhausted
from ..history import History
from .base import Sampler, _mix, all_values

if TYPE_CHECKING:
    import numpy as np

    from ..space.kinds import Param
    from ..space.tree import Space

KINDS = ("sobol", "halton")
_CHUNK = 1024  # rows per cached block: a power of two keeps Sobol's balance
_MAX_CHUNKS = 32
_ATTEMPTS = 64
_M64 = (1 << 64) - 1
_chunks: OrderedDict[tuple[str, bool, int, int, int], np.ndarray] = OrderedDict()
_lock = threading.Lock()  # engines are stateful and shared


@functools.lru_cache(maxsize=16)
def _engine(kind: str, scramble: bool, seed: int, dim: int) -> Any:
    from scipy.stats import qmc  # lazily: scipy is heavy

    rng = seed & 0x7FFFFFFFFFFFFFFF
    if kind == "sobol":
        return qmc.Sobol(dim, scramble=scramble, rng=rng)
    return qmc.Halton(dim, scramble=scramble, rng=rng)


def _chunk(kind: str, scramble: bool, seed: int, dim: int, index: int) -> np.ndarray:
    key = (kind, scramble, seed, dim, index)
    with _lock:
        block = _chunks.get(key)
        if block is None:
            block = _chunks[key] = _generate(kind, scramble, seed, dim, index)
            if len(_chunks) > _MAX_CHUNKS:
                _chunks.popitem(last=False)
        else:
            _chunks.move_to_end(key)
    return block


def _generate(kind: str, scramble: bool, seed: int, dim: int, index: int) -> np.ndarray:
    import warnings

    engine = _engine(kind, scramble, seed, dim)
    engine.reset()
    if index:
        engine.fast_forward(index * _CHUNK)
    with warnings.catch_warnings():  # every chunk is a power of two long
        warnings.simplefilter("ignore", UserWarning)
        block: np.ndarray = engine.random(_CHUNK)
    block.flags.writeable = False
    return block


def unit_point(
    seed: int, number: int, dim: int, *, kind: str = "sobol", scramble: bool = True
) -> np.ndarray:
    """Row ``number`` of the seeded sequence in [0, 1)^dim (a read-only view).

    >>> p = unit_point(0, 3, 2)
    >>> p.shape, bool(((0 <= p) & (p < 1)).all())
    ((2,), True)
    """
    _check_kind(kind)
    if number < 0 or dim < 1:
        raise ValueError(f"number >= 0 and dim >= 1 must hold, but got {number=}, {dim=}")
    return _chunk(kind, bool(scramble), int(seed), int(dim), number // _CHUNK)[number % _CHUNK]


def qmc_points(
    space: Space, n: int, seed: int, *, start: int = 0, kind: str = "sobol", scramble: bool = True
) -> list[dict[str, Any]]:
    """Flat configurations for rows ``start .. start + n - 1``: an initial design.

    TPE or GP can call this for their startup trials (``start`` = trial number).

    >>> import hypersweep as hs
    >>> points = qmc_points(hs.Space({"x": hs.Float(0, 1), "n": hs.Int(1, 4)}), 4, seed=0)
    >>> len(points), sorted(points[0])
    (4, ['n', 'x'])
    """
    paths = list(space.leaves)
    units = (unit_point_or_empty(seed, i, paths, kind, scramble) for i in range(start, start + n))
    return [point_for(space, paths, unit) for unit in units]


def unit_point_or_empty(
    seed: int, number: int, paths: list[str], kind: str, scramble: bool
) -> dict[str, float]:
    if not paths:
        return {}
    row = unit_point(seed, number, len(paths), kind=kind, scramble=scramble)
    return dict(zip(paths, row.tolist()))


def point_for(space: Space, paths: list[str], unit: dict[str, float]) -> dict[str, Any]:
    """Map unit coordinates to values of the active leaves (the walk skips inactive ones)."""
    return space.resolve(lambda path, p: p.from_unit(unit[path]))[1]


# --- define-by-run: one scrambled radical inverse per leaf -------------------------
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
           89, 97, 101, 103, 107, 109, 113, 127, 131)  # fmt: skip


def radical_inverse(number: int, base: int, key: int) -> float:
    """The scrambled van der Corput point ``number`` in ``base``: u in [0, 1).

    Each digit position k gets its own affine permutation d -> (a_k d + c_k) mod base,
    drawn from ``key`` (Matousek's linear scrambling with a digital shift); enough
    digits are kept that base^digits >= 2^32, so trailing zeros are scrambled too.
    """
    digits = math.ceil(32 / math.log2(base))
    u, scale, n = 0.0, 1.0 / base, number
    for k in range(digits):
        h = _mix((key ^ (k * 0x9E3779B97F4A7C15)) & _M64)
        a = 1 + (h % (base - 1)) if base > 2 else 1
        c = (h >> 32) % base
        u += ((a * (n % base) + c) % base) * scale
        n //= base
        scale /= base
    return min(u, 1.0 - 2.0**-53)


def leaf_unit(seed: int, number: int, path: str) -> float:
    """A per-leaf quasi-random coordinate when there is no static space: the base is
    picked by hashing the path (two leaves may share one; their scrambles differ)."""
    crc = zlib.crc32(path.encode())
    key = _mix(((seed & _M64) << 1) ^ (crc << 20) ^ 0x51ED) & _M64
    return radical_inverse(number, _PRIMES[crc % len(_PRIMES)], key)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, but got {kind!r}")


class QMC(Sampler):
    """Quasi-random search: scrambled Sobol (default) or Halton over all leaves.

    Better spread than random search, most of all in the first few dozen
    trials; Sobol is best balanced at powers of two (8, 16, 32 trials), Halton
    at any count. On a space with only discrete leaves a configuration is never
    tried twice (unless ``allow_repeats=True``) and the study stops when every
    one has been tried. Without a static space (define-by-run) each leaf gets
    its own scrambled radical-inverse sequence, the base chosen by its name.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2, {"x": hs.Float(-5, 5)},
    ...                 sampler=hs.samplers.QMC(seed=0), n_trials=16, verbosity=0)
    >>> abs(r.best_params["x"] - 1) < 0.5
    True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        kind: str = "sobol",
        scramble: bool = True,
        allow_repeats: bool = False,
    ) -> None:
        super().__init__(seed=seed)
        _check_kind(kind)
        self.kind = kind
        self.scramble = bool(scramble)
        self.allow_repeats = allow_repeats
        self._paths: dict[int, list[str]] = {}

    def propose(self, history: History, number: int) -> dict[str, Any]:
        space = history.space
        if space is None:
            return {}
        flat = self.point(space, number)
        if self.allow_repeats:
            return flat
        size = self.space_size(space)
        if size is None or not history.seen(flat):
            return flat  # with a continuous leaf a repeat has probability zero
        return self._unseen(history, space, number, size)

    def point(self, space: Space, number: int) -> dict[str, Any]:
        """The configuration of row ``number`` (flat, active leaves only)."""
        paths = self._paths.get(id(space))
        if paths is None:
            paths = self._paths[id(space)] = list(space.leaves)
        unit = unit_point_or_empty(self.entropy, number, paths, self.kind, self.scramble)
        return point_for(space, paths, unit)

    def _unseen(self, history: History, space: Space, number: int, size: int) -> dict[str, Any]:
        """The row was used (a discrete space is filling up): random draws, then a scan."""
        for attempt in range(1, _ATTEMPTS):
            flat = self._draw(space, number + (attempt << 40))
            if not history.seen(flat):
                return flat
        for cell in space.grid(lambda _path, p: all_values(p)):
            if not history.seen(cell):
                return cell
        raise SpaceExhausted(f"all {size} configurations of the space have been tried")

    def _draw(self, space: Space, draw: int) -> dict[str, Any]:
        return space.resolve(lambda path, p: p.from_unit(self.uniform(draw, path)))[1]

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        return param.from_unit(leaf_unit(self.entropy, number, path))
