"""Scoring one configuration over several seeds ("was the best run just a lucky seed?").

With ``repeats=k`` the objective runs k times per trial, each time with its own
derived seed, and the trial's value is one statistic of the k scores, chosen by
``select``. Samplers, pruners and ``best_trial`` then rank configurations by
that statistic without knowing that repeats exist.

- ``"mean"``: the mean of the k scores.
- ``"mean_minus_std"``: the mean moved one (sample) standard deviation towards
  the worse side: mean - std when maximising, mean + std when minimising. A
  configuration that swings a lot pays for it.
- ``"lcb"``: the one-sided 95% Student-t confidence bound of the mean on the
  worse side: mean -/+ t(0.95, k-1) * std / sqrt(k) (lower bound when
  maximising, upper bound when minimising). With k = 2 the t factor is 6.31,
  so it punishes noise hard; it suits k >= 3.

With k = 1 every statistic is the single score (its std is taken as 0).

Pruning sees every repeat (``loop.RepeatCurves``): a learning curve's value at a
step is the mean over the repeats that reached it (a vector report's, per
objective); an objective that reports nothing is judged between repeats, on the
running mean of its scores, by pruners of means over parts
(``CannotWin(n_parts=k)``, ``PairedTest``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from .._stats import mean_std
from ..trial import Direction, FrozenTrial, Reported, is_vector

if TYPE_CHECKING:
    from ..pruners import Pruner

SELECTS = ("mean", "mean_minus_std", "lcb")
LCB_LEVEL = 0.95  # one-sided confidence level of the "lcb" statistic


def check_select(select: object) -> str:
    """``select`` if it names a statistic; else one ValueError listing the choices."""
    if not isinstance(select, str) or select not in SELECTS:
        raise ValueError(
            f"select must be one of {', '.join(repr(s) for s in SELECTS)}, but got {select!r}"
        )
    return select


def check_repeats(repeats: object) -> int:
    return int_at_least("", "repeats", repeats, 1)


def t_quantile(level: float, df: int) -> float:
    """Student t quantile (scipy, imported here so that ``import hypersweep`` stays light)."""
    from scipy import stats

    return float(stats.t.ppf(level, df))


def selected(values: Sequence[float], select: str, direction: Direction) -> float:
    """The statistic ``select`` of ``values``, pessimistic towards ``direction``'s worse side."""
    check_select(select)
    mean, std = mean_std(values)
    if select == "mean" or len(values) == 1:
        return mean
    worse = direction.sign()  # +1 when minimising: larger is worse
    if select == "mean_minus_std":
        return mean + worse * std
    half_width = t_quantile(LCB_LEVEL, len(values) - 1) * std / math.sqrt(len(values))
    return mean + worse * half_width  # "lcb"


def selected_each(
    values: Sequence[Any], select: str, directions: Sequence[Direction]
) -> float | list[float]:
    """:func:`selected` of one objective's scores, or of each objective's (a list) when
    ``values`` holds one list of scores per repeat."""
    if len(directions) == 1:
        return selected(values, select, directions[0])
    return [selected([v[j] for v in values], select, d) for j, d in enumerate(directions)]


def record(
    values: Sequence[Any], seeds: Sequence[int], select: str, direction: Direction
) -> dict[str, Any]:
    """What a trial stores in ``system_attrs["repeats"]`` (also partial, when a repeat failed)."""
    out: dict[str, Any] = {"values": list(values), "seeds": list(seeds), "select": select}
    if values and isinstance(values[0], list):  # several objectives: per objective
        columns = [[v[j] for v in values] for j in range(len(values[0]))]
        out["mean"], out["std"] = (list(x) for x in zip(*map(mean_std, columns), strict=True))
    elif values:
        out["mean"], out["std"] = mean_std(values)
    return out


def repeat_values(trial: FrozenTrial) -> list[float]:
    """The finite scores of a trial's repeats, read back from what :func:`record` stored
    ([] for a trial that was not repeated), for plots, the report and the CLI."""
    stored = trial.system_attrs.get("repeats")
    values = stored.get("values") if isinstance(stored, dict) else None
    if not isinstance(values, list):
        return []
    return [
        float(v)
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ]


def judges_parts(pruner: Pruner | None) -> bool:
    """True if ``pruner`` (or one inside ``AnyOf`` / ``AllOf``) judges a mean over parts."""
    from ..pruners import AllOf, AnyOf, CannotWin, PairedTest

    if isinstance(pruner, (CannotWin, PairedTest)):
        return True
    if isinstance(pruner, (AnyOf, AllOf)):
        return any(judges_parts(p) for p in pruner.pruners)
    return False


def mean_report(reports: Sequence[Reported]) -> Reported:
    """The mean of several repeats' reports at one step (of vector reports: per objective)."""
    if reports and is_vector(reports[0]):
        columns = zip(*reports, strict=True)
        return tuple(math.fsum(c) / len(reports) for c in columns)
    return math.fsum(reports) / len(reports)  # type: ignore[arg-type]
