"""A paired test for scores that are means over independent parts (CV folds, seeds,
evaluation instances): stop a trial whose parts are significantly worse than the same
parts of the best trial (Wilcoxon's signed-rank test, one-sided)."""

from __future__ import annotations

import math

from .._checks import int_at_least, number_in
from ..history import History
from ..trial import FrozenTrial
from .base import Pruner

REPORTS = ("running_mean", "parts")


def parts_of(trial: FrozenTrial, reports: str = "running_mean") -> dict[int, float]:
    """A trial's part scores by part number, read from its reports.

    ``"running_mean"``: step k holds the mean of the first k parts (what
    ``CannotWin``, ``SearchCV`` and ``repeats`` report), so part k is
    ``k * m_k - (k - 1) * m_(k-1)``, recovered for k = 1, 2, ... up to the first
    missing step. ``"parts"``: step i holds part i's own score (any order, any ids).
    """
    if reports == "parts":
        return {s: v for s, v in trial.intermediate.items() if not math.isnan(v)}
    out: dict[int, float] = {}
    previous = 0.0
    k = 1
    while k in trial.intermediate:
        mean = trial.intermediate[k]
        out[k] = k * mean - (k - 1) * previous
        previous = mean
        k += 1
    return {s: v for s, v in out.items() if not math.isnan(v)}


def signed_rank_p(differences: list[float]) -> float:
    """One-sided p-value of Wilcoxon's signed-rank test that the differences are centred
    above 0: P(W+ >= observed) when each difference's sign is + or - with probability 1/2.

    Zero differences are dropped (Wilcoxon's own rule); ties share their mean rank. Exact
    (enumerating the 2^n sign patterns through the distribution of rank sums) up to 50
    differences, else the normal approximation with the tie correction and continuity
    correction. ``scipy.stats.wilcoxon(d, alternative="greater")`` agrees (tested).
    """
    d = [x for x in differences if x != 0 and not math.isnan(x)]
    n = len(d)
    if n == 0:
        return 1.0
    order = sorted(range(n), key=lambda i: abs(d[i]))
    ranks = [0.0] * n
    i = 0
    ties: list[int] = []
    while i < n:
        j = i
        while j + 1 < n and abs(d[order[j + 1]]) == abs(d[order[i]]):
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        ties.append(j - i + 1)
        i = j + 1
    w_plus = sum(r for r, x in zip(ranks, d) if x > 0)
    if n <= 50:
        doubled = [round(2 * r) for r in ranks]  # mean ranks are halves: integers when doubled
        total = sum(doubled)
        counts = [0] * (total + 1)
        counts[0] = 1
        for r in doubled:
            for s in range(total, r - 1, -1):
                counts[s] += counts[s - r]
        observed = round(2 * w_plus)
        return sum(counts[observed:]) / 2**n
    mean = n * (n + 1) / 4
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in ties) / 48
    z = (w_plus - mean - 0.5) / math.sqrt(var)
    return 0.5 * math.erfc(z / math.sqrt(2))


class PairedTest(Pruner):
    """Stop a trial whose parts so far are significantly worse than the same parts of the
    best complete trial, by a one-sided Wilcoxon signed-rank test at ``p_threshold``.

    For objectives whose value is the mean over independent parts evaluated one after
    another: CV folds (the same folds for every trial, so parts pair exactly),
    evaluation instances, or the seeds of ``create_study(repeats=k)`` (there the
    pairing is by repeat number; the seeds differ per trial, which keeps the test
    valid, as two trials with the same distribution give symmetric differences,
    but gains no variance from pairing). The test uses ranks only, so it holds
    whatever the parts' scale, and one bad fold cannot prune a trial on its own:
    with 5 parts all worse the p-value is 1/32; with 3 it is 1/8, above the default
    threshold, so at least 4 parts are needed at ``p_threshold=0.1``.

    ``reports``: ``"running_mean"`` (default) reads step k as the mean of the first k
    parts, as ``CannotWin``, ``SearchCV`` and repeats report, so both pruners can
    be combined (``AnyOf(CannotWin(), PairedTest())``: the exact bound and the
    statistical test); ``"parts"`` reads step i as part i's own score (optuna's
    WilcoxonPruner convention). Never prunes before ``n_startup_parts`` paired
    parts, nor a trial whose mean over the paired parts is at least as good as
    the best trial's over the same parts.

    Unlike CannotWin this is not exact: at ``p_threshold=0.1`` a trial truly as good
    as the best is stopped at most about 10% of the times it is tested at a given
    number of parts (more over many looks).

    >>> from hypersweep.trial import Direction, TrialState
    >>> best = FrozenTrial(0, TrialState.COMPLETE, values=(0.9,),
    ...                    intermediate={1: 0.9, 2: 0.9, 3: 0.9, 4: 0.9, 5: 0.9})
    >>> t = FrozenTrial(1, TrialState.RUNNING, intermediate={1: 0.8, 2: 0.8, 3: 0.8})
    >>> history = History(Direction.MAXIMIZE, None, lambda: [best, t])
    >>> PairedTest().prune(history, t)  # 3 worse parts: p = 1/8
    False
    >>> t = FrozenTrial(1, TrialState.RUNNING, intermediate={1: 0.8, 2: 0.8, 3: 0.8, 4: 0.8})
    >>> history = History(Direction.MAXIMIZE, None, lambda: [best, t])
    >>> PairedTest().prune(history, t)  # 4 worse parts: p = 1/16
    True
    """

    def __init__(
        self, *, p_threshold: float = 0.1, n_startup_parts: int = 2, reports: str = "running_mean"
    ) -> None:
        self.p_threshold = number_in(
            "PairedTest", "p_threshold", p_threshold, 0.0, 1.0, low_open=True
        )
        self.n_startup_parts = int_at_least("PairedTest", "n_startup_parts", n_startup_parts, 1)
        if reports not in REPORTS:
            raise ValueError(
                f"PairedTest: reports must be 'running_mean' or 'parts', but got {reports!r}"
            )
        self.reports = reports

    def __repr__(self) -> str:
        return (
            f"PairedTest(p_threshold={self.p_threshold!r}, "
            f"n_startup_parts={self.n_startup_parts!r}, reports={self.reports!r})"
        )

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        if trial.last_step is None:
            return False
        sign = history.direction.sign()  # +1 minimise
        complete = [
            t for t in history.complete() if t.value is not None and t.number != trial.number
        ]
        if not complete:
            return False
        best = min(complete, key=lambda t: sign * (t.value or 0.0))
        mine, theirs = parts_of(trial, self.reports), parts_of(best, self.reports)
        common = sorted(set(mine) & set(theirs))
        if len(common) < self.n_startup_parts:
            return False
        worse_by = [sign * (mine[k] - theirs[k]) for k in common]  # > 0: the trial is worse
        if sum(worse_by) <= 0:
            return False
        return signed_rank_p(worse_by) < self.p_threshold
