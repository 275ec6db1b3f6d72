"""Forecast pruning: stop a trial only when the curves of finished peers that stood where
it stands, and its own pace, both say it will not beat the best final value."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial, TrialState
from .base import Pruner


class Forecast(Pruner):
    """Prune a trial whose optimistic forecasts of its final value do not beat the best.

    Three checks, in order; any one stops the trial.

    Twins (``twins=True``): a trial that has reported exactly what a complete or a
    pruned trial reported, at two steps at least, is that configuration again, trained
    deterministically: it can only end as that one did, which cannot beat the best (a
    tie cannot win), so it stops.

    Rungs (``rungs``, ASHA-like): at a rung step, a trial outside the best ``keep``
    share of every trial that reached that step (running, pruned or complete; two
    rivals at least; ranked by level) stops, unless its own pace (below) beats the best
    value: the best final value, or before any trial is complete the best value anyone
    reported. This judges from the first trials on and caps the epochs that slow
    climbers the forecast cannot yet rule out would take; the pace keeps a steep one.

    Forecast: where a trial stands at step ``s`` is its level, the mean of its last
    ``window`` reports (one noisy epoch neither condemns nor saves it). Each complete
    peer ``j`` moved from its own level at ``s`` to its final value by ``final_j -
    level_j(s)``. The peers whose last ``window`` reports lie closest to the trial's
    lend it their moves: the nearest half of the complete trials, at least 3 and at
    most 8 (or ``n_neighbors`` of them if given). The most favourable of their moves
    (or the one at ``quantile`` of favourability), added to the trial's level, is the
    peers' forecast. A trial still climbing gets a second forecast from its own pace: if
    each of its last ``trend`` steps gained (at step 2, its one step), the smallest gain
    ``g`` kept up at half the pace to the last step, ``level + g (T - s) / 2``. The trial
    stops when neither forecast beats the best final value so far. The forecast needs
    ``min_trials`` complete trials, and judges nothing at or past their last step.

    Nothing is pruned before step ``grace``. Why peers: a slow starter is judged by
    other slow starters (which did climb) and a fast starter that overfits by others that
    fell back, so no curve family has to fit every task. Why the nearest half and the
    pace: with few finished trials the far peers' moves are the most generous and the
    least relevant, while a steady climber whose peers by value all stalled is told by
    its own pace. How the defaults were chosen, and what each part saves, is in the
    pruning benchmark's results (``benchmarks/results/pruning.txt``) and
    ``docs/pruning.md``.

    >>> from hypersweep.trial import Direction
    >>> done = [FrozenTrial(i, TrialState.COMPLETE, values=(v[-1],),
    ...                     intermediate=dict(enumerate(v, 1)))
    ...         for i, v in enumerate([[0.2, 0.5, 0.9], [0.6, 0.7, 0.7], [0.1, 0.1, 0.1]])]
    >>> slow = FrozenTrial(3, TrialState.RUNNING, intermediate={1: 0.2, 2: 0.55})
    >>> flat = FrozenTrial(4, TrialState.RUNNING, intermediate={1: 0.1, 2: 0.1})
    >>> history = History(Direction.MAXIMIZE, None, lambda: [*done, slow, flat])
    >>> rule = Forecast(min_trials=3, window=1, grace=1, rungs=())
    >>> rule.prune(history, slow), rule.prune(history, flat)
    (False, True)
    """

    def __init__(
        self,
        *,
        n_neighbors: int | None = None,
        min_trials: int = 6,
        window: int = 3,
        grace: int = 2,
        trend: int = 2,
        quantile: float = 1.0,
        rungs: Sequence[int] = (2, 4, 8),
        keep: float = 0.5,
        twins: bool = True,
    ) -> None:
        if n_neighbors is not None:
            int_at_least("Forecast", "n_neighbors", n_neighbors, 1)
        self.n_neighbors = n_neighbors
        self.min_trials = int_at_least("Forecast", "min_trials", min_trials, 1)
        self.window = int_at_least("Forecast", "window", window, 1)
        self.grace = int_at_least("Forecast", "grace", grace, 0)
        self.trend = int_at_least("Forecast", "trend", trend, 0)
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)):
            raise TypeError(f"Forecast: quantile must be a number, but got {quantile!r}")
        if not 0.0 <= quantile <= 1.0:
            raise ValueError(
                f"Forecast: 0 <= quantile <= 1 must hold, but got quantile={quantile!r}; "
                "1.0 lends the most favourable neighbour's move"
            )
        self.quantile = float(quantile)
        self.rungs = tuple(int_at_least("Forecast", "rungs", r, 1) for r in rungs)
        if not 0.0 < keep <= 1.0:
            raise ValueError(
                f"Forecast: 0 < keep <= 1 must hold, but got keep={keep!r}; "
                "0.5 keeps the better half at each rung"
            )
        self.keep = float(keep)
        self.twins = bool(twins)

    def __repr__(self) -> str:
        return (
            f"Forecast(n_neighbors={self.n_neighbors}, min_trials={self.min_trials}, "
            f"window={self.window}, grace={self.grace}, trend={self.trend}, "
            f"quantile={self.quantile}, rungs={self.rungs}, keep={self.keep}, twins={self.twins})"
        )

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.grace:
            return False
        sign = history.direction.sign()  # +1 minimise: compare losses
        steps = [s for s in range(step - self.window + 1, step + 1) if s in trial.intermediate]
        mine = level(trial, steps, sign)
        if not math.isfinite(mine):
            return False
        peers = [
            t
            for t in history.trials
            if t.state is TrialState.COMPLETE and t.value is not None and t.number != trial.number
        ]
        last = [t.last_step or 0 for t in peers]
        if last and min(last) <= step:
            return False  # at or past the full budget of finished trials
        if self.twins and self._retraces(history, trial, step):
            return True
        if step in self.rungs and self._below_rung(history, trial, steps, mine, peers, sign):
            return True
        if len(peers) < self.min_trials:
            return False
        best = min(sign * (t.value or 0.0) for t in peers)
        if mine + self._peer_move(trial, peers, steps, sign) < best:
            return False
        return not self._climbs_to(trial, step, mine, max(last), best, sign)

    def _peer_move(
        self, trial: FrozenTrial, peers: list[FrozenTrial], steps: list[int], sign: float
    ) -> float:
        """The nearest peers' move (signed: negative improves) at ``quantile`` of
        favourability, interpolated between the sorted moves (1.0: the best one)."""
        scored = []
        for t in peers:
            if not all(s in t.intermediate for s in steps):
                continue
            gap = sum(abs(t.intermediate[s] - trial.intermediate[s]) for s in steps)
            move = sign * (t.value or 0.0) - level(t, steps, sign)
            if math.isfinite(gap) and math.isfinite(move):
                scored.append((gap, move))
        if len(scored) < self.min_trials:
            return -math.inf  # too few comparable peers: no verdict
        scored.sort()
        k = self.n_neighbors or min(8, max(3, len(scored) // 2))
        moves = sorted(move for _, move in scored[:k])
        at = (1.0 - self.quantile) * (len(moves) - 1)
        low = int(at)
        high = min(low + 1, len(moves) - 1)
        return moves[low] + (moves[high] - moves[low]) * (at - low)

    def _retraces(self, history: History, trial: FrozenTrial, step: int) -> bool:
        """True if the trial has so far reported exactly what a pruned or a complete
        trial reported: it can at best end as that one did, which settles nothing new
        (a twin of the best only ties it, and a tie cannot win)."""
        settled = (TrialState.PRUNED, TrialState.COMPLETE)
        return any(
            t.number != trial.number and t.state in settled and _twin(trial, t, step)
            for t in history.trials
        )

    def _below_rung(
        self,
        history: History,
        trial: FrozenTrial,
        steps: list[int],
        mine: float,
        peers: list[FrozenTrial],
        sign: float,
    ) -> bool:
        """True if, among every other trial that reached this rung, the trial's level
        is outside the best ``keep`` share, and its own pace does not beat the best."""
        rivals = [
            level(t, steps, sign)
            for t in history.trials
            if t.number != trial.number and all(s in t.intermediate for s in steps)
        ]
        rivals = [v for v in rivals if math.isfinite(v)]
        if len(rivals) < 2:
            return False
        ahead = sum(v < mine for v in rivals)
        if ahead < math.ceil(self.keep * (len(rivals) + 1)):
            return False
        done = [sign * (t.value or 0.0) for t in peers]
        seen = [
            sign * v
            for t in history.trials
            if t.number != trial.number
            for v in t.intermediate.values()
            if math.isfinite(v)
        ]
        best = min(done) if done else min(seen, default=math.inf)
        end = max((t.last_step or 0 for t in history.trials), default=0)
        return not self._climbs_to(trial, steps[-1], mine, end, best, sign)

    def _climbs_to(
        self, trial: FrozenTrial, step: int, mine: float, end: int, best: float, sign: float
    ) -> bool:
        """True if the trial gained at each of its last ``trend`` steps, and half its
        smallest gain per step, kept up to ``end``, would beat ``best``."""
        if self.trend == 0:
            return False
        span = max(1, min(self.trend, step - 1))
        steps = range(step - span, step + 1)
        if not all(s in trial.intermediate for s in steps):
            return False
        values = [sign * trial.intermediate[s] for s in steps]
        if not all(math.isfinite(v) for v in values):
            return False
        gain = min(a - b for a, b in itertools.pairwise(values))
        return gain > 0 and mine - 0.5 * gain * (end - step) < best


def level(trial: FrozenTrial, steps: Sequence[int], sign: float) -> float:
    """The mean of ``trial``'s signed reports at ``steps`` (NaN if it has none there)."""
    values = [sign * trial.intermediate[s] for s in steps if s in trial.intermediate]
    return math.fsum(values) / len(values) if values else math.nan


def _twin(trial: FrozenTrial, peer: FrozenTrial, step: int) -> bool:
    """True if ``peer`` reported the same values as ``trial`` at each of the trial's
    steps up to ``step`` or to the peer's last step, whichever comes first, and at two
    steps at least: the same configuration, trained deterministically, retraced."""
    end = min(step, peer.last_step if peer.last_step is not None else -1)
    mine = [s for s in trial.intermediate if s <= end]
    if len(mine) < 2:
        return False
    for s in mine:
        a, b = trial.intermediate[s], peer.intermediate.get(s)
        if b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True
