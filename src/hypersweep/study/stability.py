"""Was the best run just a lucky seed? Re-run the leaders over fresh seeds and test.

A search reports the configuration whose run scored best, and with noisy
training (weight initialisation, dropout, shuffling) the best run is partly the
best draw. ``study.stability(objective)`` takes the ``top`` best
distinct configurations, runs each again over ``seeds`` fresh seeds (seeds no
trial and no earlier stability run used; every configuration gets the same
ones), ranks them by their fresh mean, and tests, one-sided at ``alpha``,
whether the new leader beats the runner-up:

- ``"welch"`` (default): Welch's t-test, no equal-variance assumption.
- ``"paired"``: paired t-test on the common seeds; stronger when a seed moves
  every configuration the same way (e.g. it picks the data split).
- ``"mannwhitney"``: Mann-Whitney U, for heavy-tailed scores.

When both samples have no spread (a deterministic objective) the test is
undefined; the p-value is then 0 if the leader's mean is better, else 1.

Verdicts: ``"holds"`` (the search's best is still first, significantly),
``"changed"`` (another configuration is significantly first), ``"noise"`` (the
leader's lead is within seed noise). The re-runs are stored in the study's
``system_attrs["stability"]`` (one entry per call), never as trials: they use no
budget and samplers never see them.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .._checks import int_at_least
from .._stats import mean_std
from ..history import config_key
from ..training.seeding import derive_seed, seed_everything
from ..trial import Direction, FrozenTrial, Reported, TrialState, as_value
from .core import StudyCore as Study
from .handle import Trial
from .loop import adapt_objective

TESTS = {
    "welch": "Welch's t-test",
    "paired": "paired t-test",
    "mannwhitney": "Mann-Whitney U test",
}


@dataclass(frozen=True)
class ConfigStability:
    """One configuration's search result next to its re-runs on fresh seeds."""

    number: int  # the trial that found it
    params: Any
    original: float  # its value in the search
    original_rank: int  # 1 = the search's best
    values: tuple[float, ...]  # one score per fresh seed, in the report's seed order
    mean: float
    std: float  # sample standard deviation (ddof=1)
    rank: int  # by the fresh mean, 1 = best


@dataclass(frozen=True)
class StabilityReport:
    """What :func:`stability` found; ``str(report)`` is a table, ``to_dict()`` is JSON-able."""

    study: str
    direction: Direction
    seeds: tuple[int, ...]
    configs: tuple[ConfigStability, ...]  # by fresh rank
    test: str
    alpha: float
    p_value: float  # one-sided: the leader is better than the runner-up
    verdict: str  # "holds" | "changed" | "noise"
    message: str

    @property
    def leader(self) -> ConfigStability:
        return self.configs[0]

    @property
    def runner_up(self) -> ConfigStability:
        return self.configs[1]

    @property
    def lead_holds(self) -> bool:
        """True when the search's best is still first on fresh seeds, significantly."""
        return self.verdict == "holds"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["direction"] = self.direction.value
        out["seeds"] = list(self.seeds)
        out["configs"] = [{**asdict(c), "values": list(c.values)} for c in self.configs]
        return out

    def __str__(self) -> str:
        head = (
            f"Stability of study {self.study!r} ({self.direction.value}): top {len(self.configs)} "
            f"configurations re-run over {len(self.seeds)} fresh seeds"
        )
        rows = [("rank", "was", "trial", "search value", "fresh mean", "fresh std", "params")]
        for c in self.configs:
            params = repr(c.params)
            rows.append((str(c.rank), str(c.original_rank), f"#{c.number}", f"{c.original:.6g}",
                         f"{c.mean:.6g}", f"{c.std:.3g}",
                         params if len(params) <= 60 else params[:57] + "..."))  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = [head, ""]
        for r in rows:
            cells = [r[i].rjust(widths[i]) for i in range(6)]
            lines.append("  ".join([*cells, r[6]]))
        lines += [
            "",
            f"Test: {TESTS[self.test]}, one-sided, leader #{self.leader.number} vs runner-up "
            f"#{self.runner_up.number}: p = {self.p_value:.3g} (alpha = {self.alpha})",
            f"Verdict: {self.message}",
        ]
        return "\n".join(lines)


class _Rerun(Trial):
    """A handle replaying a finished trial's configuration with a fresh seed, off the record:
    it stores nothing and is never pruned."""

    def __init__(self, study: Study, frozen: FrozenTrial, seed: int, index: int) -> None:
        super().__init__(
            study, frozen.number, sampler=study.sampler, history=study.history,
            fixed=dict(frozen.flat), proposal={}, report=_keep_nothing, judge=_never,
        )  # fmt: skip
        self._fresh_seed = seed
        self.repeat = index
        if study.space is not None:
            self.flat, self.params = dict(frozen.flat), frozen.params

    @property
    def seed(self) -> int:
        return self._fresh_seed

    def report(self, value: Any, step: int) -> None:
        """Keep ``value`` (a number: stability re-runs single-objective studies only)."""
        self.intermediate[step] = float(value)

    def should_prune(self) -> bool:
        return False


def _keep_nothing(trial: Trial, step: int, value: Reported) -> None:
    """Re-runs store no learning curve."""


def _never(trial: Trial) -> bool:
    return False


def stability(
    study: Study,
    objective: Callable[..., Any],
    top: int = 5,
    seeds: int = 10,
    alpha: float = 0.05,
    *,
    test: str = "welch",
    seed_objective: bool | None = None,
) -> StabilityReport:
    """Re-run the best ``top`` configurations of ``study`` over ``seeds`` fresh seeds and
    test whether the leader's lead holds: "was the best run just a lucky seed?".

    ``objective`` is one ``study.optimize`` accepts; it sees the fresh seed as
    ``trial.seed`` (and its index as ``trial.repeat``). ``seed_objective``
    (default: the study's setting) calls ``hs.seed_everything(seed)`` first.
    Fewer than ``top`` distinct configurations are fine, but at least 2 must
    have finished. An exception in a re-run propagates (with a note naming the
    trial and seed) and nothing is recorded. The re-runs are recorded in the
    study's ``system_attrs["stability"]``, never as trials.
    """
    _check(top, seeds, alpha, test)
    if len(study.directions) > 1:
        raise ValueError(
            f"stability compares one score per seed, but study {study.name!r} has "
            f"{len(study.directions)} objectives; pick one trial with study.select_trial(...) "
            "and re-run it over seeds with repeats, or ask per objective in a "
            "single-objective study"
        )
    leaders = _leaders(study, top)
    fresh = fresh_seeds(study, seeds)
    call = adapt_objective(objective, study)
    seeding = study.seed_objective if seed_objective is None else bool(seed_objective)
    scores = {
        t.number: [_rerun(study, call, t, s, i, seeding) for i, s in enumerate(fresh)]
        for t in leaders
    }
    report = _judge(study, leaders, fresh, scores, test, alpha)
    earlier = study.storage.get_study(study.name).system_attrs.get("stability") or []
    study.set_system_attr("stability", [*earlier, {**report.to_dict(), "time": time.time()}])
    return report


def _check(top: int, seeds: int, alpha: float, test: str) -> None:
    int_at_least("stability", "top", top, 2)
    int_at_least("stability", "seeds", seeds, 2)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"stability: alpha must be a number in (0, 1), but got {alpha!r}")
    if test not in TESTS:
        raise ValueError(f"stability: test must be one of {sorted(TESTS)}, but got {test!r}")


def _leaders(study: Study, top: int) -> list[FrozenTrial]:
    """The ``top`` best COMPLETE trials with distinct configurations, best first."""
    sign = study.direction.sign()
    done = [t for t in study.trials if t.state is TrialState.COMPLETE and t.value is not None]
    done.sort(key=lambda t: (sign * (t.value or 0.0), t.number))
    seen: set[str] = set()
    leaders = []
    for t in done:
        key = config_key(t.flat)
        if key not in seen:
            seen.add(key)
            leaders.append(t)
    if len(leaders) < 2:
        raise ValueError(
            f"stability compares configurations, but study {study.name!r} has "
            f"{len(leaders)} COMPLETE one(s); run more trials first"
        )
    return leaders[:top]


def fresh_seeds(study: Study, n: int) -> list[int]:
    """``n`` seeds that no trial (any repeat) and no earlier stability run of ``study`` used."""
    used: set[int] = set()
    entropy, repeats = study.sampler.entropy, study.repeats
    for t in study.trials:
        used.update(derive_seed(entropy, t.number, r) for r in range(repeats))
        if isinstance(t.system_attrs.get("seed"), int):
            used.add(t.system_attrs["seed"])
        used.update((t.system_attrs.get("repeats") or {}).get("seeds", []))
    for run in study.storage.get_study(study.name).system_attrs.get("stability") or []:
        used.update(run.get("seeds", []))
    fresh: list[int] = []
    for i in itertools.count():
        seed = zlib.crc32(f"{entropy}:stability:{i}".encode()) & 0x7FFFFFFF
        if seed not in used:
            used.add(seed)
            fresh.append(seed)
            if len(fresh) == n:
                return fresh
    raise AssertionError("unreachable")  # itertools.count never ends


def _rerun(
    study: Study,
    call: Callable[[Trial], Any],
    frozen: FrozenTrial,
    seed: int,
    index: int,
    seeding: bool,
) -> float:
    where = f"the stability re-run of trial {frozen.number}'s configuration with seed {seed}"
    if seeding:
        seed_everything(seed)
    try:
        result = call(_Rerun(study, frozen, seed, index))
    except Exception as exc:
        getattr(exc, "add_note", lambda _: None)(f"(hypersweep: in {where})")  # Python 3.11+
        raise
    value, _, problem = as_value(result)
    if problem is not None or value is None:
        raise ValueError(f"{where} gave no score: {problem}")
    return value


def _judge(
    study: Study,
    leaders: list[FrozenTrial],
    fresh: list[int],
    scores: dict[int, list[float]],
    test: str,
    alpha: float,
) -> StabilityReport:
    sign = study.direction.sign()
    stats = {n: mean_std(v) for n, v in scores.items()}
    order = sorted(range(len(leaders)), key=lambda i: (sign * stats[leaders[i].number][0], i))
    configs = []
    for rank, i in enumerate(order):
        t = leaders[i]
        mean, std = stats[t.number]
        configs.append(ConfigStability(t.number, t.params, float(t.value or 0.0), i + 1,
                                       tuple(scores[t.number]), mean, std, rank + 1))  # fmt: skip
    first, second = configs[0], configs[1]
    p = one_sided_p(test, first.values, second.values, study.direction)
    verdict, message = _verdict(configs, p, alpha, test, len(fresh))
    return StabilityReport(study.name, study.direction, tuple(fresh), tuple(configs), test,
                           float(alpha), p, verdict, message)  # fmt: skip


def one_sided_p(
    test: str, better: Sequence[float], worse: Sequence[float], direction: Direction
) -> float:
    """p-value of "``better`` scores better than ``worse``" (scipy, imported here)."""
    from scipy import stats

    sign = direction.sign()  # compare as losses: lower is better
    a, b = [sign * v for v in better], [sign * v for v in worse]
    with warnings.catch_warnings():  # near-constant samples: handled below, not worth a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        if test == "welch":
            p = float(stats.ttest_ind(a, b, equal_var=False, alternative="less").pvalue)
        elif test == "paired":
            p = float(stats.ttest_rel(a, b, alternative="less").pvalue)
        else:
            p = float(stats.mannwhitneyu(a, b, alternative="less").pvalue)
    if math.isnan(p):  # no spread at all: the means alone decide
        return 0.0 if sum(a) / len(a) < sum(b) / len(b) else 1.0
    return p


def _verdict(
    configs: list[ConfigStability], p: float, alpha: float, test: str, n: int
) -> tuple[str, str]:
    first, second = configs[0], configs[1]
    best = next(c for c in configs if c.original_rank == 1)
    stat = f"{TESTS[test]}, one-sided p = {p:.3g}"
    if p >= alpha:
        return "noise", (
            f"within seed noise: over {n} fresh seeds the lead of trial #{first.number} "
            f"(mean {first.mean:.6g}) over #{second.number} (mean {second.mean:.6g}) is not "
            f"significant ({stat} >= {alpha}); the best run was probably a lucky seed, so "
            f"treat these configurations as tied or run more seeds"
        )
    if first is best:
        return "holds", (
            f"lead holds: the search's best, trial #{first.number}, stays first over {n} fresh "
            f"seeds (mean {first.mean:.6g} vs {second.mean:.6g} for #{second.number}; "
            f"{stat} < {alpha})"
        )
    return "changed", (
        f"ranking changed: over {n} fresh seeds trial #{first.number} (mean {first.mean:.6g}) "
        f"beats #{second.number} ({stat} < {alpha}), while the search's best, trial "
        f"#{best.number}, ranks {best.rank} (mean {best.mean:.6g} vs {best.original:.6g} in the "
        f"search): its best run was probably a lucky seed"
    )
