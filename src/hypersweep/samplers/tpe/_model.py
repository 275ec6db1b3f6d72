"""What TPE keeps of a group of leaves between asks, so an ask costs O(new trials)
Python work plus a few vectorised numpy passes.

A group's rows (one per finished trial), the rows where every leaf was active, each
numeric column's sorted order and the rows' age order grow as trials finish: a new
row is inserted where it sorts, never re-sorted. A side of the split (the bad
trials, mostly) then reads its sorted columns by filtering these orders with its
mask, which gives exactly what a stable sort of its own rows would. Truncation
masses are remembered per row and bandwidth, so only kernels whose bandwidth moved
are recomputed.

Past ``EXACT_ROWS`` rows a side is no longer modelled kernel by kernel: scoring 24
candidates against every row made an ask at 10,000 trials cost ten times one at
1,000. The candidates are drawn first; the rows nearest each keep their kernels and
the rest are pooled into age blocks (:meth:`GroupCache._summary`). Up to that size
the proposals are exactly those of the full model.
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
NEAR_ROWS = 20  # per candidate
FAR_BLOCKS = 500


class _Rows:
    """A (n, d) float array that grows by rows."""

    def __init__(self, d: int, dtype: type = float) -> None:
        self._a: np.ndarray = np.empty((16, d), dtype=dtype)
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        need = self.n + len(block)
        if need > len(self._a):
            grown = np.empty((max(need, 2 * len(self._a)), self._a.shape[1]), self._a.dtype)
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
        self._columns_sorted = 0  # valid rows the sorted orders hold
        self.age_order = np.empty(0, int)
        self.age_sorted = np.empty(0)
        self._memo_sig = _Rows(len(self.numeric))  # bandwidth a row's mass was computed at
        self._memo_ln = _Rows(len(self.numeric))
        self._memo_lsig = _Rows(len(self.numeric))  # log of that bandwidth
        self._sides: dict[tuple[object, ...], kernels.Kernels] = {}  # small sides, by rows
        self._unit = _Rows(len(self.numeric), np.float32)  # numeric values, ranges 1
        self._norm2 = np.empty(0, np.float32)  # each row's squared length in those units

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
            if len(col.raw) == taken:
                continue
            rows, encoded = col.internal(codec)  # encoded once, shared with the column
            block[rows[taken:] - start, j] = encoded[taken:]
            self._taken[j] = len(rows)
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
        """Bring the age order up to date with valid rows ``first`` onwards."""
        total = len(self.valid)
        if total - first > max(8, first // 8):  # many new rows: sort once (stably)
            self.age_order = np.argsort(self.ages, kind="stable")
            self.age_sorted = self.ages[self.age_order]
            return
        for i in range(first, total):  # after equal values: what a stable sort does
            self.age_order, self.age_sorted = _insert(
                self.age_order, self.age_sorted, i, self.ages[i]
            )

    def _sorted_columns(self) -> None:
        """Bring the numeric columns' sorted orders up to date with every valid row.
        Only an exactly modelled side of ``_SMALL`` rows or more reads them, so they
        are kept on demand: a study past that size never pays for them."""
        vx, total, first = self.vx.view(), len(self.valid), self._columns_sorted
        self._columns_sorted = total
        if total - first > max(8, first // 8):  # many new rows: sort once (stably)
            for k, j in enumerate(self.numeric):
                self.order[k] = np.argsort(vx[:, j], kind="stable")
                self.sorted[k] = vx[self.order[k], j]
            return
        for i in range(first, total):  # after equal values: what a stable sort does
            for k, j in enumerate(self.numeric):
                self.order[k], self.sorted[k] = _insert(self.order[k], self.sorted[k], i, vx[i, j])

    def side(
        self,
        mask: np.ndarray,
        share: np.ndarray,
        pending: np.ndarray,
        codecs: Sequence[Codec],
        cfg: tuple[float, float, float, float],
        at: np.ndarray | None = None,
    ) -> kernels.Kernels:
        """The mixture over valid rows where ``mask`` (their ``share`` of this side) plus
        ``pending`` rows (share 1, newest); equal to :func:`kernels.direct` on them up to
        ``EXACT_ROWS`` rows, summarised above for scoring the points ``at``, if given."""
        m_valid = int(np.count_nonzero(mask))
        if m_valid > EXACT_ROWS and at is not None:
            return self._summary(mask, share, pending, codecs, cfg, at)
        if m_valid < _SMALL:
            return self._small(mask, share, pending, codecs, cfg)
        x = np.vstack([self.vx.view()[mask], pending])
        w = np.concatenate([share[mask], np.ones(len(pending))])
        self._sorted_columns()
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

    def _small(
        self,
        mask: np.ndarray,
        share: np.ndarray,
        pending: np.ndarray,
        codecs: Sequence[Codec],
        cfg: tuple[float, float, float, float],
    ) -> kernels.Kernels:
        """A side of few rows, sorted afresh; the good side of a large study mostly
        keeps its rows from one ask to the next, and then its mixture is reused."""
        rows = np.flatnonzero(mask)
        key = (rows.tobytes(), share[rows].tobytes(), pending.tobytes(), len(pending), cfg)
        found = self._sides.get(key)
        if found is None:
            x = np.vstack([self.vx.view()[rows], pending])
            w = np.concatenate([share[rows], np.ones(len(pending))])
            ages = np.concatenate([self.ages[rows], np.full(len(pending), np.inf)])
            if len(self._sides) >= 4:
                self._sides.clear()
            found = self._sides[key] = kernels.direct(x, ages, w, codecs, cfg)
        return found

    def _summary(
        self,
        mask: np.ndarray,
        share: np.ndarray,
        pending: np.ndarray,
        codecs: Sequence[Codec],
        cfg: tuple[float, float, float, float],
        at: np.ndarray,
    ) -> kernels.Kernels:
        """A side of more than ``EXACT_ROWS`` rows, in a bounded number of kernels.

        What decides the proposal is the side's density at the candidates
        ``at``, (C, d) internal values): the ``NEAR_ROWS`` rows closest to each candidate, and
        the pending ones, keep their own kernels; the rest, in age order, form at most
        ``FAR_BLOCKS`` blocks, each one kernel at its middle row carrying the block's
        total weight. Block sizes are powers of two, so blocks move little between asks."""
        aged = self.age_order[mask[self.age_order]]  # the side's rows, oldest first
        by_age = parzen.forgetting_weights(len(aged) + len(pending))
        w = by_age[: len(aged)] * share[aged]
        d2 = self.distances(at)  # (C, rows); rows of the other side are ignored below
        k = min(NEAR_ROWS, d2.shape[1] - 1)
        flag = np.zeros(d2.shape[1], dtype=bool)
        flag[np.argpartition(d2, k, axis=1)[:, :k].ravel()] = True
        near = flag[aged]
        far = np.flatnonzero(~near)
        size = 1
        while -(-len(far) // size) > FAR_BLOCKS:
            size *= 2
        starts = np.arange(0, len(far), size)
        middles = (starts + np.minimum(starts + size, len(far))) // 2
        rows = np.concatenate([aged[far[middles]], aged[near]])
        blocks = np.add.reduceat(w[far], starts)
        weights = np.concatenate([blocks, w[near], by_age[len(aged) :]])
        x = np.vstack([self.vx.view()[rows], pending])
        order = np.argsort(x[:, self.numeric].T, axis=1)  # any fixed order of ties will do
        kept = np.concatenate([rows, np.full(len(pending) + 1, -1)])
        return kernels.assemble(
            x, order, weights, codecs, cfg, lambda mus, sig: self._log_norm(kept, mus, sig)
        )

    def distances(self, at: np.ndarray) -> np.ndarray:
        """(C, rows) squared distances of the points ``at`` (C, d) to the valid rows,
        over the numeric leaves with ranges scaled to 1."""
        span = np.where(self._high > self._low, self._high - self._low, 1.0)
        done, vx = self._unit.n, self.vx.view()
        if done < len(vx):  # rows are scaled once, when they arrive
            fresh = ((vx[done:, self.numeric] - self._low) / span).astype(np.float32)
            self._unit.add(fresh)
            self._norm2 = np.concatenate((self._norm2, (fresh * fresh).sum(axis=1)))
        c = ((at[:, self.numeric] - self._low) / span).astype(np.float32)
        d2: np.ndarray = (-2.0 * c) @ self._unit.view().T  # single precision: a ranking
        d2 += (c * c).sum(axis=1)[:, None]
        d2 += self._norm2
        return d2

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
