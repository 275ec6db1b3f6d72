"""What TPE keeps of a group of leaves between asks, so an ask costs O(new trials)
Python work plus a few vectorised numpy passes.

A group's rows (one per finished trial), the rows where every leaf was active, each
numeric column's sorted order and the rows' age order grow as trials finish: a new
row is inserted where it sorts, never re-sorted. A side of the split (the bad
trials, mostly) then reads its sorted columns by filtering these orders with its
mask, which gives exactly what a stable sort of its own rows would. Truncation
masses are remembered per row and bandwidth, so only kernels whose bandwidth moved
are recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import kernels, parzen

if TYPE_CHECKING:
    from ._observations import Codec, Observations

_SMALL = 64  # sides with fewer rows are sorted afresh: cheaper than filtering the orders
# A side of more rows than this is summarised (see GroupCache._summary), so an ask at
# 10,000 trials costs about what one at 1,000 does; smaller sides are modelled exactly.
EXACT_ROWS = 1000
RECENT_ROWS = 500
OLD_BLOCKS = 500


class _Rows:
    """A (n, d) float array that grows by rows."""

    def __init__(self, d: int) -> None:
        self._a = np.empty((16, d))
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        need = self.n + len(block)
        if need > len(self._a):
            grown = np.empty((max(need, 2 * len(self._a)), self._a.shape[1]))
            grown[: self.n] = self._a[: self.n]
            self._a = grown
        self._a[self.n : need] = block
        self.n = need

    def view(self) -> np.ndarray:
        return self._a[: self.n]


def _insert(
    order: np.ndarray, values: np.ndarray, i: int, v: float
) -> tuple[np.ndarray, np.ndarray]:
    """Insert row ``i`` with value ``v`` after the values equal to it."""
    pos = int(np.searchsorted(values, v, side="right"))
    return (
        np.concatenate((order[:pos], (i,), order[pos:])),
        np.concatenate((values[:pos], (v,), values[pos:])),
    )


class GroupCache:
    """The encoded rows of one group of leaves (under fixed codecs), grown in place."""

    def __init__(self, paths: Sequence[str], codecs: Sequence[Codec]) -> None:
        self.paths = list(paths)
        self.params = [c.param for c in codecs]
        d = len(codecs)
        self.numeric = [j for j, c in enumerate(codecs) if not c.categorical]
        self._low = np.array([codecs[j].low for j in self.numeric], dtype=float)
        self._high = np.array([codecs[j].high for j in self.numeric], dtype=float)
        self.read = 0  # rows of the Observations consumed
        self._taken: dict[int, int] = {}  # per leaf: entries of its column consumed
        self.full = _Rows(d)  # every row, NaN where a leaf was inactive or invalid
        self.valid = np.empty(0, int)  # rows where every leaf holds a value
        self.vx = _Rows(d)  # those rows' values
        self.ages = np.empty(0)  # those rows' trial numbers
        self.order: list[np.ndarray] = [np.empty(0, int) for _ in self.numeric]
        self.sorted: list[np.ndarray] = [np.empty(0) for _ in self.numeric]
        self.age_order = np.empty(0, int)
        self.age_sorted = np.empty(0)
        self._memo_sig = _Rows(len(self.numeric))  # bandwidth a row's mass was computed at
        self._memo_ln = _Rows(len(self.numeric))
        self._memo_lsig = _Rows(len(self.numeric))  # log of that bandwidth

    def matches(self, paths: Sequence[str], codecs: Sequence[Codec]) -> bool:
        return list(paths) == self.paths and all(
            c.param is p or c.param == p for c, p in zip(codecs, self.params)
        )

    def update(self, obs: Observations, codecs: Sequence[Codec]) -> None:
        """Read the rows added to ``obs`` since the last call."""
        n = len(obs)
        if n == self.read:
            return
        start = self.read
        block = np.full((n - start, len(codecs)), np.nan)
        for j, codec in enumerate(codecs):
            col = obs.columns.get(self.paths[j])
            if col is None:
                continue
            taken = self._taken.get(j, 0)
            new_raw = col.raw[taken:]
            if not new_raw:
                continue
            rows = col.rows.view()[taken:]
            if len(new_raw) < 8:  # the usual ask: one new trial, no numpy round trip
                block[rows - start, j] = [codec.encode(v) for v in new_raw]
            else:
                block[rows - start, j] = codec.encode_many(new_raw)
            self._taken[j] = taken + len(new_raw)
        self.full.add(block)
        self.read = n
        ok = ~np.isnan(block).any(axis=1)
        if not ok.any():
            return
        new = np.flatnonzero(ok)
        first = len(self.valid)
        self.valid = np.concatenate((self.valid, new + start))
        self.vx.add(block[ok])
        self.ages = np.append(self.ages, obs.numbers.view()[new + start])
        empty = np.full((len(new), len(self.numeric)), np.nan)
        self._memo_sig.add(empty)
        self._memo_ln.add(empty)
        self._memo_lsig.add(empty)
        self._insert(first)

    def valid_rows(self) -> np.ndarray:
        return self.valid

    def _insert(self, first: int) -> None:
        """Bring the sorted orders up to date with valid rows ``first`` onwards."""
        vx, total = self.vx.view(), len(self.valid)
        if total - first > max(8, first // 8):  # many new rows: sort once (stably)
            for k, j in enumerate(self.numeric):
                self.order[k] = np.argsort(vx[:, j], kind="stable")
                self.sorted[k] = vx[self.order[k], j]
            self.age_order = np.argsort(self.ages, kind="stable")
            self.age_sorted = self.ages[self.age_order]
            return
        for i in range(first, total):  # after equal values: what a stable sort does
            for k, j in enumerate(self.numeric):
                self.order[k], self.sorted[k] = _insert(self.order[k], self.sorted[k], i, vx[i, j])
            self.age_order, self.age_sorted = _insert(
                self.age_order, self.age_sorted, i, self.ages[i]
            )

    def side(
        self,
        mask: np.ndarray,
        share: np.ndarray,
        pending: np.ndarray,
        codecs: Sequence[Codec],
        cfg: tuple[float, float, float, float],
    ) -> kernels.Kernels:
        """The mixture over valid rows where ``mask`` (their ``share`` of this side) plus
        ``pending`` rows (share 1, newest); equal to :func:`kernels.direct` on them up to
        ``EXACT_ROWS`` rows, summarised above."""
        m_valid = int(np.count_nonzero(mask))
        if m_valid > EXACT_ROWS:
            return self._summary(mask, share, pending, codecs, cfg)
        x = np.vstack([self.vx.view()[mask], pending])
        w = np.concatenate([share[mask], np.ones(len(pending))])
        if m_valid < _SMALL:
            ages = np.concatenate([self.ages[mask], np.full(len(pending), np.inf)])
            return kernels.direct(x, ages, w, codecs, cfg)
        rank = np.cumsum(mask) - 1
        order = np.empty((len(self.numeric), len(x)), dtype=int)
        for k, j in enumerate(self.numeric):
            keep = mask[self.order[k]]
            ids = rank[self.order[k][keep]]
            if len(pending):
                vals = self.sorted[k][keep]
                p_order = np.argsort(pending[:, j], kind="stable")
                at = np.searchsorted(vals, pending[p_order, j], side="right")
                ids = np.insert(ids, at, m_valid + p_order)
            order[k] = ids
        age = rank[self.age_order[mask[self.age_order]]]
        age = np.concatenate([age, m_valid + np.arange(len(pending))])
        rows = np.concatenate([np.flatnonzero(mask), np.full(len(pending) + 1, -1)])
        weights = kernels.age_weights(age, w)
        return kernels.assemble(
            x, order, weights, codecs, cfg, lambda mus, sig: self._log_norm(rows, mus, sig)
        )

    def _summary(
        self,
        mask: np.ndarray,
        share: np.ndarray,
        pending: np.ndarray,
        codecs: Sequence[Codec],
        cfg: tuple[float, float, float, float],
    ) -> kernels.Kernels:
        """A side of more than ``EXACT_ROWS`` rows, in a bounded number of kernels: its
        newest ``RECENT_ROWS`` rows and the pending ones as they are, the older rows in
        at most ``OLD_BLOCKS`` blocks of consecutive age, each one kernel at its middle
        row carrying the block's total weight. Block sizes are powers of two counted from
        the oldest row, so the blocks stay put as the side grows (until their size
        doubles) and the mixture changes little from one ask to the next."""
        aged = self.age_order[mask[self.age_order]]  # the side's rows, oldest first
        by_age = parzen.forgetting_weights(len(aged) + len(pending))
        w = by_age[: len(aged)] * share[aged]
        old = len(aged) - RECENT_ROWS
        size = 1
        while -(-old // size) > OLD_BLOCKS:
            size *= 2
        starts = np.arange(0, old, size)
        middles = (starts + np.minimum(starts + size, old)) // 2
        rows = np.concatenate([aged[middles], aged[old:]])
        weights = np.concatenate([np.add.reduceat(w[:old], starts), w[old:], by_age[len(aged) :]])
        x = np.vstack([self.vx.view()[rows], pending])
        order = np.argsort(x[:, self.numeric].T, axis=1)  # any fixed order of ties will do
        kept = np.concatenate([rows, np.full(len(pending) + 1, -1)])
        return kernels.assemble(
            x, order, weights, codecs, cfg, lambda mus, sig: self._log_norm(kept, mus, sig)
        )

    def _log_norm(
        self, rows: np.ndarray, mus: np.ndarray, sig: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Truncation masses and log bandwidths, recomputed only where a row's bandwidth
        changed; ``rows`` are the kernels' valid-row positions (the first ones), -1 for
        the others."""
        lo, hi = self._low, self._high
        k = int(np.count_nonzero(rows >= 0))
        kr = rows[:k]
        out = np.empty(sig.shape)
        log_sig = np.empty(sig.shape)
        rest = slice(k, None)
        out[rest] = parzen.log_mass((lo - mus[rest]) / sig[rest], (hi - mus[rest]) / sig[rest])
        log_sig[rest] = np.log(sig[rest])
        memo_sig, memo_ln = self._memo_sig.view(), self._memo_ln.view()
        memo_lsig = self._memo_lsig.view()
        known, known_lsig = memo_ln[kr], memo_lsig[kr]
        stale = np.nonzero(memo_sig[kr] != sig[:k])
        if len(stale[0]):
            r, d = stale
            s, m = sig[r, d], mus[r, d]
            fresh = parzen.log_mass((lo[d] - m) / s, (hi[d] - m) / s)
            known[r, d] = fresh
            memo_ln[kr[r], d] = fresh
            known_lsig[r, d] = memo_lsig[kr[r], d] = np.log(s)
            memo_sig[kr[r], d] = s
        out[:k] = known
        log_sig[:k] = known_lsig
        return out, log_sig
