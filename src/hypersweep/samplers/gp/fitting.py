"""Hyperparameters between asks: refit on a schedule, reuse in between.

A MAP fit is the costliest step of an ask once the acquisition is bounded by
``max_points``, yet one more trial barely moves the hyperparameters. So the fit at
``n`` completed trials uses only the first ``anchor(n)`` of them (in trial-number
order): every trial at first, then a new fit every ``n / 16`` or so trials. The fit is
a pure function of that data (its subset is drawn from the seed and the anchor), so a
cached fit and a fresh one in another process or a resumed study are the same
numbers; the cache is keyed by the data itself, never by what this object saw before.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict

import numpy as np

from . import output
from .encoding import Encoding
from .model import Hyper, fit

REFIT_EVERY_TRIAL = 64  # up to here the hyperparameters follow every trial
STEP_SHIFT = 4  # beyond: a refit every 2 ** (floor(log2 n) - 4) trials, about n / 16
_KEEP = 4  # fits remembered (one study needs one; a few cover interleaved spaces)


def anchor(n: int) -> int:
    """How many of the first completed trials the hyperparameters are fit on at ``n``."""
    if n <= REFIT_EVERY_TRIAL:
        return n
    step = 1 << max(int(math.log2(n)) - STEP_SHIFT, 0)
    return n - n % step


def subset(y: np.ndarray, cap: int, rng: np.random.Generator, *, recent: bool) -> np.ndarray:
    """At most ``cap`` indices: the best ones, then the most recent or a random draw."""
    n = len(y)
    if n <= cap:
        return np.arange(n)
    n_best = cap // 2 if recent else cap // 4
    best = np.argsort(y, kind="stable")[:n_best]
    rest = np.setdiff1d(np.arange(n), best)
    more = rest[-(cap - n_best) :] if recent else rng.choice(rest, cap - n_best, replace=False)
    return np.sort(np.concatenate([best, more]))


class FitCache:
    """MAP fits by their exact inputs; a hit returns what a fresh fit would."""

    def __init__(self) -> None:
        self._fits: OrderedDict[bytes, Hyper] = OrderedDict()
        self.hits = self.misses = 0

    def clear(self) -> None:
        self._fits.clear()

    def hyper(
        self, enc: Encoding, x: np.ndarray, y: np.ndarray, *, entropy: int,
        deterministic: bool, max_fit_points: int,
    ) -> Hyper:  # fmt: skip
        """The hyperparameters at ``len(y)`` completed trials (rows in trial order)."""
        a = anchor(len(y))
        xa, ya = np.ascontiguousarray(x[:a]), np.ascontiguousarray(y[:a])
        meta = repr((enc.paths, enc.n_choices.tolist(), entropy, deterministic, max_fit_points))
        key = hashlib.sha256(meta.encode() + xa.tobytes() + ya.tobytes()).digest()
        found = self._fits.get(key)
        if found is not None:
            self.hits += 1
            self._fits.move_to_end(key)
            return found
        self.misses += 1
        ys = output.transform(ya)
        rng = np.random.default_rng((entropy & (2**63 - 1), a, 0x66697421))
        idx = subset(ys, max_fit_points, rng, recent=False)
        hyper = fit(enc.features(xa[idx]), ys[idx], enc.cols, enc.n_dims,
                    deterministic=deterministic)  # fmt: skip
        self._fits[key] = hyper
        while len(self._fits) > _KEEP:
            self._fits.popitem(last=False)
        return hyper
