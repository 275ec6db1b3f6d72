"""Explore keeps every value inside the space, whatever its kinds; bad spaces are refused."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hypersweep as hs
from hypersweep.pbt import model as pbt_model
from hypersweep.pbt.explore import check_space, clip, perturb, sample_flat
from hypersweep.pbt.model import (
    GainModel,
    Observation,
    confident_pick,
    encode,
    fit,
    numeric_paths,
    ucb_choice,
)
from hypersweep.pbt.population import Population, Settings
from hypersweep.trial import FrozenTrial, TrialState


@st.composite
def leaves(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["float", "logfloat", "stepfloat", "int", "logint", "stepint",
                                 "cat"]))  # fmt: skip
    if kind == "cat":
        return hs.Categorical(draw(st.lists(st.integers(0, 9), min_size=1, max_size=4,
                                            unique=True)))  # fmt: skip
    if kind in ("int", "logint", "stepint"):
        low = draw(st.integers(1, 50))
        high = low + draw(st.integers(1, 200))
        if kind == "stepint":
            step = draw(st.integers(1, high - low))
            return hs.Int(low, high, step=step)
        return hs.Int(low, high, log=kind == "logint")
    low = draw(st.floats(1e-4, 10.0))
    high = low * draw(st.floats(1.01, 1e3))
    if kind == "stepfloat":
        return hs.Float(low, high, step=(high - low) / draw(st.integers(1, 20)))
    return hs.Float(low, high, log=kind == "logfloat")


spaces = st.dictionaries(st.sampled_from("abcdef"), leaves(), min_size=1, max_size=4)


def inside(space: hs.Space, flat: dict[str, Any]) -> None:
    assert set(flat) == set(space.leaves)
    for path, param in space.leaves.items():
        assert param.contains(flat[path]), (path, param, flat[path])
        if isinstance(param, hs.Int):
            assert isinstance(flat[path], int)


@settings(max_examples=150, deadline=None)
@given(spaces, st.integers(0, 2**32 - 1), st.floats(0.0, 1.0),
       st.sampled_from([(0.8, 1.2), (0.5, 2.0), (0.01, 100.0)]))  # fmt: skip
def test_perturbed_values_stay_inside_the_space(definition: Any, seed: int, resample: float,
                                                 factors: tuple[float, float]) -> None:  # fmt: skip
    space = check_space(definition)
    rng = np.random.default_rng(seed)
    flat = sample_flat(space, rng)
    for _ in range(5):  # repeated perturbation walks to the edges and must stay inside
        flat = perturb(flat, space, rng, factors=factors, resample_probability=resample)
        inside(space, flat)
    build = space.build(flat)  # what train receives: real values
    assert space.contains(build)


@settings(max_examples=40, deadline=None)
@given(spaces, st.integers(0, 2**32 - 1))
def test_the_model_choice_stays_inside_the_space(definition: Any, seed: int) -> None:
    space = check_space(definition)
    rng = np.random.default_rng(seed)
    obs = [Observation(sample_flat(space, rng), float(t % 5), float(rng.normal()))
           for t in range(12)]  # fmt: skip
    donor = sample_flat(space, rng)
    chosen = ucb_choice(donor, space, obs, 5.0, rng)
    numeric = {p for p, q in space.leaves.items() if not isinstance(q, hs.Categorical)}
    if not numeric:
        assert chosen is None
        return
    assert chosen is not None and set(chosen) == numeric
    inside(space, {**donor, **chosen})


def test_perturb_multiplies_by_the_factors_without_resampling() -> None:
    space = check_space({"lr": hs.Float(1e-4, 1.0, log=True), "c": hs.Categorical(["a", "b"])})
    rng = np.random.default_rng(0)
    seen = {round(perturb({"lr": 0.01, "c": "a"}, space, rng, resample_probability=0.0)["lr"], 6)
            for _ in range(50)}  # fmt: skip
    assert seen == {0.008, 0.012}
    cats = {perturb({"lr": 0.01, "c": "a"}, space, rng, resample_probability=0.0)["c"]
            for _ in range(20)}  # fmt: skip
    assert cats == {"a"}  # categoricals change only by resampling


def test_resample_probability_is_respected() -> None:
    space = check_space({"x": hs.Float(0.0, 1.0)})
    rng = np.random.default_rng(1)
    n = 2000
    moved = sum(
        not math.isclose(v, 0.4) and not math.isclose(v, 0.6)
        for v in (perturb({"x": 0.5}, space, rng, resample_probability=0.3)["x"] for _ in range(n))
    )
    assert abs(moved / n - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)  # four standard errors


def test_a_small_int_still_moves() -> None:
    space = check_space({"k": hs.Int(1, 4)})
    rng = np.random.default_rng(0)
    values = {perturb({"k": 2}, space, rng, resample_probability=0.0)["k"] for _ in range(40)}
    assert values == {1, 3}


def test_clip_respects_the_edges_and_steps() -> None:
    assert clip(hs.Float(0.1, 1.0, log=True), 5.0) == 1.0
    assert clip(hs.Float(0.0, 1.0, step=0.25), 0.6) == 0.5
    assert clip(hs.Int(0, 10, step=3), 10) == 9


@pytest.mark.parametrize(
    ("space", "match"),
    [
        ({"x": hs.Normal(0, 1)}, "Float, Int and Categorical"),
        ({"m": hs.Categorical([{"a": hs.Float(0, 1)}, {"b": hs.Int(0, 3)}])}, "without branches"),
        ({}, "at least one parameter"),
    ],
)
def test_spaces_pbt_cannot_perturb_are_refused(space: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        check_space(space)


def sparse_observations(space: hs.Space, seed: int) -> list[Observation]:
    """A few intervals with a smooth gain: too few to pin the maximum down, so the UCB
    choice is driven by uncertainty, where a pending proposal matters."""
    rng = np.random.default_rng(seed)
    obs = []
    for t in range(6):
        flat = sample_flat(space, rng)
        u = np.log10(flat["lr"]) / 4.0 + 1.0  # lr on [1e-4, 1] -> [0, 1]
        obs.append(Observation(flat, float(t), float(-((u - 0.6) ** 2) + 0.1 * flat["wd"])))
    return obs


def test_a_pending_proposal_pushes_the_next_one_away() -> None:
    """The batch rule: a second member exploring in the same round, with the same random
    candidates, does not land where the first one (still training) already went."""
    space = check_space({"lr": hs.Float(1e-4, 1.0, log=True), "wd": hs.Float(0.0, 1.0),
                         "k": hs.Int(1, 64, log=True), "s": hs.Float(0.0, 1.0, step=0.1),
                         "c": hs.Categorical(["a", "b"])})  # fmt: skip
    paths = numeric_paths(space)
    far = []
    for seed in range(10):
        obs = sparse_observations(space, seed)
        donor = sample_flat(space, np.random.default_rng(seed + 100))
        first = ucb_choice(donor, space, obs, 6.0, np.random.default_rng(seed))
        assert first is not None
        second = ucb_choice(donor, space, obs, 6.0, np.random.default_rng(seed),
                            pending=[({**donor, **first}, 6.0)])  # fmt: skip
        assert second is not None
        inside(space, {**donor, **second})
        gap = np.abs(encode(first, space, paths) - encode(second, space, paths)).max()
        far.append(gap > 0.1)
    assert sum(far) >= 8  # (same candidates: without the rule every pair is identical)


def test_model_explore_keeps_away_from_turns_still_training(monkeypatch: Any) -> None:
    """Through the population, with the UCB pick (CONFIDENCE=None): the member exploring next
    sees another member's turn that is RUNNING at the same interval and proposes something
    else than it would alone."""
    monkeypatch.setattr(pbt_model, "CONFIDENCE", None)
    space = check_space({"lr": hs.Float(1e-4, 1.0, log=True), "wd": hs.Float(0.0, 1.0)})
    conf = Settings(population=4, interval=1, total_steps=10, checkpoint_dir="/x",
                    explore="model", synchronous=False)  # fmt: skip
    rng = np.random.default_rng(0)
    trials = []
    for turn in range(3):  # four members, three finished turns each; member 3 is the worst
        for m in range(4):
            attrs = {"member": m, "turn": turn, "interval": turn, "attempt": 0,
                     "save": conf.checkpoint(m, turn), "parent": None,
                     "start_score": None if turn == 0 else float(turn + m)}  # fmt: skip
            score = float(turn + 1 + m) if m < 3 else float(turn)
            trials.append(FrozenTrial(len(trials), TrialState.COMPLETE,
                                      flat=sample_flat(space, rng), values=(score,),
                                      system_attrs={"pbt": attrs}))  # fmt: skip
    alone = Population(trials, conf).plan(3, space)
    assert alone.explored == "model" and alone.parent is not None
    busy = FrozenTrial(len(trials), TrialState.RUNNING, flat=alone.flat,  # member 1 trains it
                       system_attrs={"pbt": {**alone.attrs(), "member": 1}})  # fmt: skip
    planned = Population([*trials, busy], conf).plan(3, space)
    assert planned.explored == "model" and planned.interval == alone.interval
    paths = numeric_paths(space)
    assert (
        np.abs(encode(planned.flat, space, paths) - encode(alone.flat, space, paths)).max() > 0.05
    )


def test_late_small_gains_still_steer_the_model() -> None:
    """Early intervals gain a lot whatever the values, late ones little: the model compares
    configurations within a time, so the late preference (u = 0.8) still shows in its mean."""
    grid = np.linspace(0.0, 1.0, 21)[:, None]
    hits = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        x, t, y = rng.random((80, 1)), np.repeat(np.arange(10.0), 8), np.empty(80)
        for i, (u, when) in enumerate(zip(x[:, 0], t)):
            late = 0.01 * (10 - when) - 1e-3 * (u - 0.8) ** 2 + 1e-6 * rng.normal()
            y[i] = 10.0 * (10 - when) + rng.normal() if when < 5 else late
        mean = GainModel(x, t, y).predict(grid, 10.0)[0]
        hits += abs(grid[int(np.argmax(mean)), 0] - 0.8) <= 0.1
    assert hits >= 4


def mixed_population(seed: int, turns: int = 3) -> tuple[Population, Any, list[FrozenTrial]]:
    """Four members, ``turns`` finished turns each, whose gain grows with lr: the worst member
    (3) explores next, by the model, with factors (0.8, 1.25) and no resampling."""
    space = check_space({"lr": hs.Float(1e-4, 1.0, log=True), "wd": hs.Float(1e-3, 1.0)})
    conf = Settings(population=4, interval=1, total_steps=10, checkpoint_dir="/x",
                    explore="model", factors=(0.8, 1.25), resample_probability=0.0,
                    seed=seed)  # fmt: skip
    rng = np.random.default_rng(seed)
    trials, scores = [], [0.0, 0.0, 0.0, -10.0]
    for turn in range(turns):
        for m in range(4):
            flat = sample_flat(space, rng)
            start = None if turn == 0 else scores[m]
            scores[m] += 1.0 + np.log10(flat["lr"]) / 4.0 + 0.01 * rng.normal()
            attrs = {"member": m, "turn": turn, "interval": turn, "attempt": 0, "parent": None,
                     "save": conf.checkpoint(m, turn), "start_score": start}  # fmt: skip
            trials.append(FrozenTrial(len(trials), TrialState.COMPLETE, flat=flat,
                                      values=(scores[m],),
                                      system_attrs={"pbt": attrs}))  # fmt: skip
    return Population(trials, conf), space, trials


def test_model_explore_chooses_among_perturbations_of_the_donor() -> None:
    """The mixing rule: explore ends with one of the moves random explore would make (each
    value the donor's times a factor), never a value elsewhere in the range, whether the
    model overrode the random draw or kept it; and with a gain that grows with lr (six
    intervals of it) the larger lr wins far more often than chance (1/2)."""
    up, how = 0, set()
    for seed in range(40):
        population, space, trials = mixed_population(seed, turns=6)
        plan = population.plan(3, space)
        assert plan.parent is not None
        how.add(plan.explored)
        donor = next(t.flat for t in trials if t.system_attrs["pbt"]["member"] == plan.parent
                     and t.system_attrs["pbt"]["turn"] == plan.parent_turn)  # fmt: skip
        for path in ("lr", "wd"):
            moves = {clip(space.leaves[path], donor[path] * f) for f in (0.8, 1.25)}
            assert plan.flat[path] in moves, (seed, path, donor[path], plan.flat[path])
        up += plan.flat["lr"] > donor["lr"]
    assert how == {"model", "perturb"}
    assert up >= 28  # (chance: 20 of 40; 28 or more has probability 0.008)


def lr_space() -> hs.Space:
    return check_space({"lr": hs.Float(1e-4, 1.0, log=True), "wd": hs.Float(1e-3, 1.0)})


def population_history(seed: int, effect: float) -> list[Observation]:
    """Eight members over eight intervals; each gain is ``effect`` times the lr's position on
    its log range plus unit noise, and a start score that carries no information."""
    space, rng = lr_space(), np.random.default_rng(seed)
    obs = []
    for when in range(8):
        for _ in range(8):
            flat = sample_flat(space, rng)
            u = np.log10(flat["lr"]) / 4.0 + 1.0
            obs.append(Observation(flat, float(when), effect * u + float(rng.normal()),
                                   float(rng.normal())))  # fmt: skip
    return obs


def donor_moves(seed: int) -> list[dict[str, Any]]:
    """Sixteen perturbations of one donor (factors 0.5 and 2: lr down or up), as explore
    draws them; proposal 0 is the random draw."""
    space, rng = lr_space(), np.random.default_rng(seed + 1000)
    donor = {"lr": 0.01, "wd": 0.5}
    return [perturb(donor, space, rng, factors=(0.5, 2.0), resample_probability=0.0)
            for _ in range(16)]  # fmt: skip


def test_without_a_direction_in_the_data_the_model_keeps_the_random_draw() -> None:
    """Pure-noise gains: the model is rarely sure that any proposal beats the random draw,
    so model explore is random explore (about 9 in 10 times, as CONFIDENCE = 0.9 says)."""
    kept = sum(confident_pick(donor_moves(s), lr_space(), population_history(s, 0.0), 8.0)
               in (None, 0) for s in range(20))  # fmt: skip
    assert kept >= 16  # (None: not sure; 0: the draw is the model's best too)


def test_with_a_clear_direction_the_model_moves_that_way() -> None:
    """Gains grow with lr: the proposal explore ends with raises lr far more often than the
    random draw alone does (half the time)."""
    up = 0
    for s in range(20):
        moves = donor_moves(s)
        pick = confident_pick(moves, lr_space(), population_history(s, 4.0), 8.0)
        up += moves[0 if pick is None else pick]["lr"] > 0.01
    assert up >= 16  # (chance: 10 of 20; 16 or more has probability 0.006)


def test_gains_are_taken_net_of_the_starting_score() -> None:
    """Regression to the mean: members whose hyperparameters led (high lr) started from lucky
    readings and fall back, so their raw gain is low although a larger lr gains more. Net of
    the start the model prefers the larger lr; on raw gains it would prefer the smaller."""
    space, up = lr_space(), 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        obs = []
        for when in range(8):
            for _ in range(8):
                flat = sample_flat(space, rng)
                u = np.log10(flat["lr"]) / 4.0 + 1.0
                luck = 2.0 * (u - 0.5) + 0.3 * rng.normal()  # the leaders' lucky readings
                gain = 0.5 * u - luck + 0.1 * rng.normal()
                obs.append(Observation(flat, float(when), gain, luck))
        fitted = fit(space, obs)
        assert fitted is not None
        grid = np.column_stack([np.linspace(0.0, 1.0, 11), np.full(11, 0.5)])
        up += int(np.argmax(fitted[0].predict(grid, 8.0)[0])) >= 8
    assert up >= 7  # (on raw gains: 0 of 10)
