"""Patience, Threshold and their composition on hand-made curves."""

from __future__ import annotations

import doctest
import math

import pytest

import hypersweep as hs
from hypersweep.history import History
from hypersweep.pruners import AllOf, AnyOf, NoPruning, Patience, Pruner, Threshold
from hypersweep.trial import FrozenTrial

from .helpers import curve, history, running

NAN, INF = math.nan, math.inf


def decide(pruner: Pruner, values: dict[int, float], direction: str = "minimize") -> bool:
    t = running(0, values)
    return pruner.prune(history([t], direction), t)


def prefixes(pruner: Pruner, values: list[float], direction: str = "minimize") -> list[bool]:
    """The decision after each report of a curve."""
    return [decide(pruner, curve(*values[: i + 1]), direction) for i in range(len(values))]


# --- Patience --------------------------------------------------------------------


def test_patience_counts_reports_since_the_best_improved() -> None:
    p = Patience(patience=2)
    # best 5 at step 1; steps 2, 3 do not beat it; step 4 does; 5, 6 do not
    assert prefixes(p, [9, 5, 6, 5, 4, 4, 7]) == [False, False, False, True, False, False, True]


def test_patience_maximize_mirrors_minimize() -> None:
    p = Patience(patience=2)
    values = [9, 5, 6, 5, 4, 4, 7]
    assert prefixes(p, [-v for v in values], "maximize") == prefixes(p, values)
    assert prefixes(p, values, "maximize") == [False, False, True, True, True, True, True]


def test_patience_min_delta_requires_a_real_improvement() -> None:
    # (dyadic values: exact in binary) gains of 0.0625 and 0.125 do not count, 0.375 does
    assert prefixes(Patience(patience=2, min_delta=0.125), [1, 0.9375, 0.875, 0.5, 0.4375]) == [
        False, False, True, False, False,
    ]  # fmt: skip
    assert prefixes(Patience(patience=1, min_delta=0.125), [1, 0.875, 0.5]) == [False, True, False]
    assert prefixes(Patience(patience=1), [1.0, 0.875, 0.75]) == [False, False, False]


def test_patience_warmup_and_nan() -> None:
    assert prefixes(Patience(patience=1, warmup_steps=3), [1, 1, 1, 1, 1]) == [
        False, False, False, True, True,
    ]  # fmt: skip
    assert prefixes(Patience(patience=2), [1, NAN, NAN, 0.5]) == [False, False, True, False]
    assert decide(Patience(patience=1), {}) is False


def test_patience_uses_step_order_not_insertion_order() -> None:
    assert decide(Patience(patience=1), {2: 1.0, 0: 3.0, 1: 2.0}) is False
    assert decide(Patience(patience=1), {2: 3.0, 0: 1.0, 1: 2.0}) is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patience": 0}, "Patience: patience must be an integer >= 1, but got 0"),
        ({"patience": 1.5}, "Patience: patience must be an integer >= 1, but got 1.5"),
        ({"patience": True}, "Patience: patience must be an integer >= 1, but got True"),
        (
            {"patience": 2, "min_delta": -0.1},
            "min_delta must be a finite number >= 0, but got -0.1",
        ),
        ({"patience": 2, "min_delta": NAN}, "min_delta must be a finite number >= 0, but got nan"),
        ({"patience": 2, "warmup_steps": -1}, "warmup_steps must be an integer >= 0, but got -1"),
    ],
)
def test_patience_validates_options(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        Patience(**kwargs)  # type: ignore[arg-type]


# --- Threshold -------------------------------------------------------------------


def test_threshold_bounds_are_inclusive_and_absolute() -> None:
    t = Threshold(lower=0.0, upper=1.0)
    for direction in ("minimize", "maximize"):
        got = [decide(t, {0: v}, direction) for v in (-0.1, 0.0, 0.5, 1.0, 1.1)]
        assert got == [True, False, False, False, True]


def test_threshold_judges_only_the_latest_value() -> None:
    assert decide(Threshold(upper=1.0), {0: 5.0, 1: 0.5}) is False
    assert decide(Threshold(upper=1.0), {0: 0.5, 1: 5.0}) is True
    assert (
        decide(Threshold(upper=1.0), {1: 5.0, 0: 0.5}) is True
    )  # the largest step, not the last key


def test_threshold_prunes_nan_and_inf_even_without_bounds() -> None:
    t = Threshold()
    assert [decide(t, {0: v}) for v in (NAN, INF, -INF, 1e300, -1e300)] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert decide(Threshold(lower=-INF, upper=INF), {0: INF}) is True


def test_threshold_warmup() -> None:
    assert prefixes(Threshold(upper=0.0, warmup_steps=2), [1, 1, 1]) == [False, False, True]
    assert decide(Threshold(upper=0.0), {}) is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"lower": 2.0, "upper": 1.0},
            "Threshold: lower must be <= upper, but got lower=2.0, upper=1.0",
        ),
        ({"lower": NAN}, "Threshold: lower must be a number or None, but got nan"),
        ({"upper": "1"}, "Threshold: upper must be a number or None, but got '1'"),
        ({"warmup_steps": -2}, "Threshold: warmup_steps must be an integer >= 0, but got -2"),
    ],
)
def test_threshold_validates_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        Threshold(**kwargs)  # type: ignore[arg-type]


# --- composition -----------------------------------------------------------------


class Fixed(Pruner):
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls = 0

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        self.calls += 1
        return self.answer


@pytest.mark.parametrize("answers", [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
def test_composition_truth_tables(answers: tuple[int, int, int]) -> None:
    pruners = [Fixed(bool(a)) for a in answers]
    assert decide(AnyOf(*pruners), {0: 1.0}) is any(answers)
    assert decide(AllOf(*pruners), {0: 1.0}) is all(answers)
    assert decide(AnyOf(pruners[0]), {0: 1.0}) is bool(answers[0])
    assert decide(AllOf(pruners[0]), {0: 1.0}) is bool(answers[0])


def test_composition_nests_and_combines_real_pruners() -> None:
    p = AnyOf(Patience(patience=2), Threshold(upper=10.0))
    assert prefixes(p, [5, 4, 11]) == [False, False, True]  # too high
    assert prefixes(p, [5, 4, 4, 4.5]) == [False, False, False, True]  # stalled
    both = AllOf(Patience(patience=1), Threshold(upper=10.0))
    assert prefixes(both, [5, 11, 4, 12]) == [False, True, False, True]
    assert decide(AllOf(AnyOf(Fixed(False), Fixed(True)), NoPruning()), {0: 1.0}) is False


def test_composition_validates_arguments() -> None:
    with pytest.raises(ValueError, match="AnyOf: needs at least one pruner, but got none"):
        AnyOf()
    with pytest.raises(ValueError, match="AllOf: argument 1 must be a Pruner, but got 'median'"):
        AllOf(NoPruning(), "median")  # type: ignore[arg-type]


def test_patience_in_a_study_stops_plateaus() -> None:
    def objective(trial: hs.Trial) -> float:
        stall = trial.suggest_int("stall", 1, 8)
        value = 10.0
        for step in range(10):
            if step < stall:
                value -= 1.0
            trial.report(value, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return value

    study = hs.create_study(seed=0, pruner=AnyOf(Patience(patience=3), Threshold(upper=100)))
    study.optimize(objective, 12)
    for t in study.trials:
        stall = t.params["stall"]
        if stall <= 7:  # improvements end at step stall - 1: pruned 3 reports later
            assert t.state is hs.TrialState.PRUNED and t.last_step == stall + 2
        else:
            assert t.state is hs.TrialState.COMPLETE and t.last_step == 9


@pytest.mark.parametrize("module", ["patience", "threshold", "compose"])
def test_docstring_examples_run(module: str) -> None:
    import importlib

    mod = importlib.import_module(f"hypersweep.pruners.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
