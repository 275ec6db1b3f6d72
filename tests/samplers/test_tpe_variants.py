"""The rejected TPE variants kept for the benchmarks (benchmarks/tpe_variants.py):
their defaults are TPE's, and each variant still does what it was measured as."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.samplers.tpe import TPE
from hypersweep.samplers.tpe._observations import Codec

from .test_tpe import _good_xs, _hyperband_history, _observations, _plateau_history

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tpe_variants.py"


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tpe_variants", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tpe_variants"] = module
    spec.loader.exec_module(module)
    return module


def _plateau(low: float = 0.6, high: float = 0.95) -> hs.samplers.History:
    trials = _plateau_history(low, high)
    return hs.samplers.History(
        hs.Direction.MINIMIZE, hs.Space({"x": hs.Float(0, 1)}), lambda: trials
    )


def test_the_default_variant_proposes_what_tpe_proposes(variants: ModuleType) -> None:
    for history in (_plateau(), _plateau(0.70, 0.74)):
        tpe, variant = TPE(seed=0), variants.VariantTPE(seed=0)
        assert [variant.propose(history, n) for n in range(24, 34)] == [
            tpe.propose(history, n) for n in range(24, 34)
        ]
    hb, trials = _hyperband_history()
    history = hs.samplers.History(hs.Direction.MINIMIZE, None, lambda: trials, pruner=hb)
    assert _good_xs(variants.VariantTPE(seed=0), history) == _good_xs(TPE(seed=0), history)


def test_optunas_tie_rule_keeps_proposing_inside_a_plateau(variants: ModuleType) -> None:
    """The failure that made TPE count a plateau once: 110+ of 120 proposals inside."""
    history = _plateau()
    count = 0
    for seed in range(3):
        tpe = variants.VariantTPE(seed=seed, ties="age")
        xs = [tpe.propose(history, number)["x"] for number in range(24, 64)]
        count += sum(0.6 <= x <= 0.95 for x in xs)
    assert count >= 110


@pytest.mark.parametrize(
    ("ties", "tied_share"), [("once", 0.25), ("share", 0.5), ("strict", 0.0), ("age", None)]
)
def test_each_tie_rule_splits_a_boundary_tie(
    variants: ModuleType, ties: str, tied_share: float | None
) -> None:
    tpe = variants.VariantTPE(seed=0, ties=ties, gamma=0.5)  # n_good = 4 of 7
    tpe._obs = _observations([0.3, 0.1, 0.5, 0.5, 0.9, 0.5, 0.5])
    tpe._good = [None]
    share = tpe._shares(np.full((7, 1), np.nan), {"x": Codec(hs.Float(0, 1))})
    assert share[[0, 1, 4]].tolist() == [1.0, 1.0, 0.0]
    expected = [1.0, 1.0, 0.0, 0.0] if tied_share is None else [tied_share] * 4
    assert share[[2, 3, 5, 6]] == pytest.approx(expected)


def test_per_bracket_models_only_the_askers_bracket(variants: ModuleType) -> None:
    hb, trials = _hyperband_history()
    history = hs.samplers.History(hs.Direction.MINIMIZE, None, lambda: trials, pruner=hb)
    tpe = variants.VariantTPE(seed=0, mf_per_bracket=True)
    tpe._refresh(history, 16)
    x, _, numbers = tpe._observed({"x": Codec(hs.Float(0, 1))})
    assert {hb.bracket_of(int(k)) for k in numbers} == {hb.bracket_of(16)}
    assert len(x) == sum(hb.bracket_of(t.number) == hb.bracket_of(16) for t in trials)


def test_every_step_a_budget_needs_no_rungs(variants: ModuleType) -> None:
    _, trials = _hyperband_history()
    history = hs.samplers.History(
        hs.Direction.MINIMIZE, None, lambda: trials, pruner=hs.pruners.Median()
    )
    assert _good_xs(variants.VariantTPE(seed=0, mf_steps=True), history) == pytest.approx(
        [0.75, 0.77, 0.79]
    )
    assert 0.1 in _good_xs(variants.VariantTPE(seed=0), history)


def test_unknown_variants_are_refused(variants: ModuleType) -> None:
    with pytest.raises(ValueError, match="ties must be one of"):
        variants.VariantTPE(ties="oldest")
    with pytest.raises(ValueError, match="mf_min_count must be one of"):
        variants.VariantTPE(mf_min_count="many")
    assert type(variants.make(0, {"gamma": 0.2})) is TPE
    assert type(variants.make(0, {"ties": "age"})) is variants.VariantTPE
