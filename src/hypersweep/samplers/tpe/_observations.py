"""The encoded history TPE models: append-only, each finished trial encoded once.

optuna's profiling blamed rebuilding arrays from all trials on every ask
(its TPE slows down as a study grows), so a trial is read into columns when it finishes and never
again; an ask then costs one pass to spot new trials plus the numpy maths.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ...space.kinds import Categorical, Float, Int, LogNormal, Normal, Param, param_from_json
from ...trial import TrialState

if TYPE_CHECKING:
    from ...history import History
    from .parzen import NumericDim


class Codec:
    """One parameter's internal scale: bounds, prior kernel, snapping and bins."""

    def __init__(self, param: Param) -> None:
        self.param = param
        self.categorical = isinstance(param, Categorical)
        self.n_choices = param.n_choices
        self.low, self.high = param.bounds()
        self.log = isinstance(param, LogNormal) or bool(getattr(param, "log", False))
        step = getattr(param, "step", None)
        self.half = None if self.categorical or step is None else step / 2
        if isinstance(param, Normal):  # the prior kernel is the user's prior itself
            self.prior = (float(param.mu), float(param.sigma))
        else:  # optuna's: centred, sigma = the whole range
            self.prior = ((self.low + self.high) / 2, max(self.high - self.low, 1e-12))

    def encode(self, value: Any) -> float:
        """The internal number for a value, NaN if the parameter does not hold it."""
        if not self.param.contains(value):
            return math.nan
        return float(self.param.to_internal(value))

    def encode_many(self, values: list[Any]) -> np.ndarray:
        """``encode`` over many values; plain ranges (no step) in one numpy pass,
        which is what makes the first ask on a 100,000-trial study cheap."""
        param = self.param
        if self.categorical or self.half is not None or not isinstance(param, (Float, Int)):
            return np.array([self.encode(v) for v in values], dtype=float)
        if not all(type(v) in (int, float) for v in values):
            return np.array([self.encode(v) for v in values], dtype=float)
        x = np.asarray(values, dtype=float)
        slack = 0.0 if isinstance(param, Int) else 1e-9  # Float.contains' tolerance
        low = param.low - slack * max(1.0, abs(param.low))
        high = param.high + slack * max(1.0, abs(param.high))
        outside = ~((x >= low) & (x <= high))
        if isinstance(param, Int):
            outside |= x != np.round(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(x) if self.log else x.copy()
        out[outside] = math.nan
        return out

    def decode(self, xs: np.ndarray) -> tuple[list[Any], np.ndarray, Any]:
        """Values for internal draws, the snapped internal numbers, and the bins
        (lo, hi) that discrete values are scored on (None when continuous)."""
        values = [self.param.from_internal(float(x)) for x in xs]
        snapped = np.array([self.param.to_internal(v) for v in values], dtype=float)
        if self.half is None:
            return values, snapped, None
        v = np.array(values, dtype=float)
        lo, hi = v - self.half, v + self.half
        if self.log:
            lo, hi = np.log(np.maximum(lo, 1e-300)), np.log(hi)
        return values, snapped, (np.clip(lo, self.low, self.high), np.clip(hi, self.low, self.high))

    def score_form(self, xs: np.ndarray) -> tuple[np.ndarray, Any]:
        """:meth:`decode` without the values: the snapped internal numbers and bins,
        in numpy for plain ranges and choices (what every candidate of every ask needs)."""
        param = self.param
        if self.categorical:
            return np.floor(xs), None
        plain_float = isinstance(param, Float) and param.step is None
        plain_int = isinstance(param, Int) and param.step == 1
        if not (plain_float or plain_int) or not isinstance(param, (Float, Int)):
            _, snapped, bins = self.decode(xs)
            return snapped, bins
        v = np.exp(xs) if self.log else xs
        if plain_int:
            v = np.round(v)
        v = np.clip(v, param.low, param.high)
        snapped = np.log(v) if self.log else v.astype(float)
        if self.half is None:
            return snapped, None
        lo, hi = v - self.half, v + self.half
        if self.log:
            lo, hi = np.log(np.maximum(lo, 1e-300)), np.log(hi)
        return snapped, (np.clip(lo, self.low, self.high), np.clip(hi, self.low, self.high))

    def prior_dim(self) -> NumericDim:
        from .parzen import NumericDim

        mu, sigma = self.prior
        return NumericDim(np.array([mu]), np.array([sigma]), self.low, self.high)


def is_discrete(param: Param) -> bool:
    return isinstance(param, (Categorical, Int)) or getattr(param, "step", None) is not None


class _Grow:
    """An append-only numpy array: appends go to a Python list (cheap), and are moved
    into the array in one vectorised copy when it is next read."""

    def __init__(self, dtype: Any = float) -> None:
        self._buf = np.empty(16, dtype=dtype)
        self._n = 0
        self._pending: list[Any] = []

    @property
    def size(self) -> int:
        return self._n + len(self._pending)

    def append(self, value: Any) -> None:
        self._pending.append(value)

    def extend(self, values: np.ndarray) -> None:
        self._flush()
        self._put(np.asarray(values, dtype=self._buf.dtype))

    def view(self) -> np.ndarray:
        self._flush()
        return self._buf[: self._n]

    def _flush(self) -> None:
        if self._pending:
            values = np.asarray(self._pending, dtype=self._buf.dtype)
            self._pending = []
            self._put(values)

    def _put(self, values: np.ndarray) -> None:
        need = self._n + len(values)
        if need > len(self._buf):
            grown = np.empty(max(need, 2 * len(self._buf)), dtype=self._buf.dtype)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : need] = values
        self._n = need


class _Column:
    """One leaf's values over the finished trials where it was active."""

    def __init__(self) -> None:
        self.rows = _Grow(int)
        self.raw: list[Any] = []
        self._codec: Codec | None = None
        self._encoded = _Grow(float)
        self._nans = 0  # entries of _encoded that are NaN (outside the codec's range)

    def internal(self, codec: Codec) -> tuple[np.ndarray, np.ndarray]:
        """(rows, internal values) under ``codec``; only new entries are converted."""
        self._catch_up(codec)
        return self.rows.view(), self._encoded.view()

    def outside(self, codec: Codec) -> int:
        """How many entries ``codec``'s parameter does not hold (counted as encoded)."""
        self._catch_up(codec)
        return self._nans

    def _catch_up(self, codec: Codec) -> None:
        if self._codec is not codec and (self._codec is None or self._codec.param != codec.param):
            self._codec, self._encoded, self._nans = codec, _Grow(float), 0
        self._codec = codec
        new = self.raw[self._encoded.size :]
        if len(new) >= 8:
            encoded = codec.encode_many(new)
            self._nans += int(np.count_nonzero(np.isnan(encoded)))
            self._encoded.extend(encoded)
        else:  # the usual ask: one new trial, no numpy round trip
            for v in new:
                e = codec.encode(v)
                self._nans += e != e
                self._encoded.append(e)


class Observations:
    """Finished trials as rows (number, rank key) and leaves as columns."""

    def __init__(self) -> None:
        self.numbers = _Grow(float)
        self._keys = [_Grow(float) for _ in range(3)]
        self._start = 0  # trials[:_start] are all finished and encoded
        self.columns: dict[str, _Column] = {}
        self.defined: dict[str, Any] = {}  # define-by-run: the latest JSON of each name
        self.pending: list[dict[str, Any]] = []
        self._known: set[int] = set()
        self._sets: dict[frozenset[str], None] = {}  # distinct sets of active leaves
        self._groups: dict[str, tuple[str, ...]] | None = None
        self._order: np.ndarray | None = None
        self._ranked: list[tuple[float, float, float]] = []  # rank keys in order()'s order
        self._row_keys: list[tuple[float, float, float]] = []
        self._nan = False  # a NaN rank key: bisect cannot place rows, lexsort every time
        self._shares: dict[tuple[int, bool], np.ndarray] = {}  # good_shares, until a row is added
        self._params: dict[str, Param] | None = None
        self.curves: list[dict[int, float] | None] = []  # signed learning curves, per row
        self.finals = _Grow(float)  # signed final values, NaN unless completed
        self.vectors: list[tuple[float, ...] | None] = []  # completed trials' values
        self.violation = _Grow(float)  # total constraint violation (0: feasible)
        self.max_step = -1  # the furthest step any finished trial reported
        self._at: dict[float, _Grow] = {}  # budget -> each row's value there, grown by rows

    def __len__(self) -> int:
        return self.numbers.size

    def sync(self, history: History, number: int) -> None:
        """Encode trials finished since the last call; note the running ones (pending)."""
        sign = history.direction.sign()
        self.pending = []
        trials = history.trials
        start = self._start
        if start > len(trials) or (start and trials[start - 1].number not in self._known):
            start = 0  # the list changed under us (trials deleted): scan it all once
        settled = True
        for t in trials[start:]:
            if settled and t.state.is_finished:
                start += 1
            else:
                settled = False
            if t.number in self._known:
                continue
            if t.state is TrialState.RUNNING:
                if t.number != number and t.flat:
                    self.pending.append(t.flat)
            elif t.state is TrialState.COMPLETE or t.state is TrialState.PRUNED:
                self.add(t, sign)
            elif t.state is TrialState.FAIL:
                self._known.add(t.number)  # failures teach nothing: skipped, once
        self._start = start

    def add(self, trial: Any, sign: float) -> None:
        """Encode one finished trial: its rank key and its active leaves."""
        self._known.add(trial.number)
        row = self.numbers.size
        self.numbers.append(trial.number)
        key = rank_key(trial, sign)
        self._row_keys.append(key)
        for grow, k in zip(self._keys, key):
            grow.append(k)
        curve = trial.intermediate
        self.curves.append({s: sign * float(v) for s, v in curve.items()} if curve else None)
        if curve:
            self.max_step = max(self.max_step, max(curve))
        values = trial.values if trial.state is TrialState.COMPLETE else None
        single = values is not None and len(values) == 1
        self.finals.append(sign * float(values[0]) if single else math.nan)  # type: ignore[index]
        self.vectors.append(values)
        found = trial.system_attrs.get("constraints")
        self.violation.append(sum(max(float(c), 0.0) for c in found if c == c) if found else 0.0)
        columns = self.columns
        for path, value in trial.flat.items():
            col = columns.get(path)
            if col is None:
                col = columns[path] = _Column()
            col.rows.append(row)
            col.raw.append(value)
        # leaves active in exactly the same trials form a group; only a set of active
        # leaves not seen before can split a group, so most trials cost nothing here
        active = frozenset(trial.flat)
        if active not in self._sets:
            self._sets[active] = None
            self._groups = None
        space = trial.system_attrs.get("space")
        if space and any(self.defined.get(k) != v for k, v in space.items()):
            self.defined.update(space)
            self._params = None  # a new or redefined leaf: parse again
        self._shares = {}

    def values_at(self, budget: float) -> np.ndarray:
        """Each row's signed value on reaching ``budget`` (NaN: never reached); rows
        are finished, so only rows added since the last call are read."""
        from ._fidelity import values_at_many

        grow = self._at.get(budget)
        if grow is None:
            grow = self._at[budget] = _Grow(float)
        if grow.size < len(self.curves):
            grow.extend(values_at_many(self.curves[grow.size :], budget))
        return grow.view()

    def order(self) -> np.ndarray:
        """Rows best first: completed by value, then pruned by furthest step and value
        (a stable sort: equal keys keep their row order). A few new rows are inserted
        where they sort; the first call, or many new rows, sort once."""
        n = len(self)
        done = 0 if self._order is None else len(self._order)
        if done == n and self._order is not None:
            return self._order
        new = self._row_keys[done:]
        self._nan = self._nan or any(k != k for key in new for k in key)
        if self._order is None or n - done > 8 or self._nan:  # NaN keys: lexsort's order
            first, second, third = (k.view() for k in self._keys)
            self._order = np.lexsort((third, second, first))
            self._ranked = [self._row_keys[i] for i in self._order.tolist()]
            return self._order
        order = self._order
        for row, key in enumerate(new, start=done):
            pos = bisect.bisect_right(self._ranked, key)
            self._ranked.insert(pos, key)
            order = np.concatenate((order[:pos], (row,), order[pos:]))
        self._order = order
        return order

    def good_shares(self, n_good: int, *, once: bool = False) -> np.ndarray:
        """Each row's share of the good set: 1 for the best ``n_good`` rows, 0 for the
        rest, except the rows of a tie straddling the boundary (equal rank keys).

        A tie carries no ranking, so which tied rows are good is arbitrary: by
        default the oldest (optuna's stable sort). ``once``: the tied block is one
        piece of evidence, one observation's weight spread evenly over its rows,
        however many times it was sampled (the rest goes to the bad side).
        """
        cached = self._shares.get((n_good, once))
        if cached is None:
            cached = self._shares[(n_good, once)] = self._good_shares(n_good, once)
        return cached

    def shares_among(self, rows: np.ndarray, n_good: int) -> np.ndarray:
        """1 for the best ``n_good`` of ``rows`` by rank key, 0 for the others: the
        split among the trials that still fit a narrowed space."""
        keys = [self._row_keys[i] for i in rows.tolist()]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        out = np.zeros(len(keys))
        out[order[:n_good]] = 1.0
        return out

    def tie_block(self, n_good: int) -> np.ndarray | None:
        """Rows tied across the good/bad boundary (best first), or None."""
        run = self._tie_run(n_good)
        return None if run is None else self.order()[run[0] : run[1] + 1]

    def _good_shares(self, n_good: int, once: bool) -> np.ndarray:
        n = len(self)
        shares = np.zeros(n)
        order = self.order()
        shares[order[: max(n_good, 0)]] = 1.0
        run = self._tie_run(n_good) if once else None
        if run is None:
            return shares
        lo, hi = run
        shares[order[lo : hi + 1]] = min(n_good - lo, 1) / (hi + 1 - lo)
        return shares

    def _tie_run(self, n_good: int) -> tuple[int, int] | None:
        """Positions (lo, hi) in rank order of the rows tied with the last good row,
        if the tie straddles the boundary (hi >= n_good); None otherwise."""
        n = len(self)
        if n_good <= 0 or n_good >= n:
            return None
        self.order()
        ranked = self._ranked
        edge = ranked[n_good - 1]
        tol = [1e-12 * max(1.0, abs(e)) for e in edge]

        def same(key: tuple[float, float, float]) -> bool:
            return all(k == e or abs(k - e) <= t for k, e, t in zip(key, edge, tol))

        lo, hi = n_good - 1, n_good - 1
        while lo > 0 and same(ranked[lo - 1]):
            lo -= 1
        while hi + 1 < n and same(ranked[hi + 1]):
            hi += 1
        return (lo, hi) if hi >= n_good else None

    def group_of(self, path: str) -> tuple[str, ...]:
        """The leaves active in exactly the trials where ``path`` was (``path`` first)."""
        if self._groups is None:
            sets = list(self._sets)
            by_pattern: dict[tuple[bool, ...], list[str]] = {}
            for p in self.columns:  # leaves in first-seen order
                by_pattern.setdefault(tuple(p in s for s in sets), []).append(p)
            self._groups = {p: tuple(g) for g in by_pattern.values() for p in g}
        members = self._groups.get(path, ())
        return (path, *[p for p in members if p != path])

    def params(self) -> dict[str, Param]:
        """Define-by-run leaves as last defined (static spaces use their own leaves)."""
        if self._params is None:
            self._params = {p: param_from_json(d) for p, d in self.defined.items()}
        return self._params


def rank_key(trial: Any, sign: float) -> tuple[float, float, float]:
    """Sort key: (0, loss, 0) for completed trials; (1, -last step, loss) for pruned
    ones, so a pruned trial ranks below every completed one (optuna's rule)."""
    if trial.state is TrialState.COMPLETE:
        values = trial.values
        if values is None or len(values) != 1:  # several objectives: split by Pareto rank
            return (0.0, 0.0, 0.0)
        return (0.0, sign * float(values[0]), 0.0)
    steps = trial.intermediate
    if not steps:
        return (1.0, math.inf, math.inf)
    last = max(steps)
    value = steps[last]
    loss = sign * float(value) if value == value else math.inf
    return (1.0, -float(last), loss)
