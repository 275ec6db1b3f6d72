"""TPE: the estimator maths against hand computations and scipy, then the sampler's behaviour."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.samplers.tpe import TPE, parzen
from hypersweep.samplers.tpe._observations import Codec, Observations, rank_key
from hypersweep.trial import FrozenTrial

# --- estimator maths -------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"), [(-1.0, 2.0), (3.0, 4.0), (-40.0, -38.0), (9.0, 9.5), (-0.1, 0.1)]
)
def test_log_mass_matches_scipy_in_both_tails(a: float, b: float) -> None:
    if a > 0:  # upper tail: survival functions keep the digits
        expected = math.log(stats.norm.sf(a) - stats.norm.sf(b))
    else:  # lower tail: log CDFs, as the difference of two tiny numbers underflows
        la, lb = stats.norm.logcdf(a), stats.norm.logcdf(b)
        expected = float(lb + np.log1p(-np.exp(la - lb)))
    assert float(parzen.log_mass(np.array(a), np.array(b))) == pytest.approx(expected, rel=1e-6)


def test_n_good_is_a_capped_linear_fraction() -> None:
    assert [parzen.n_good(n, 0.1, 25) for n in (0, 1, 3, 10, 11, 100, 1000)] == [
        0,
        1,
        1,
        1,
        2,
        10,
        25,
    ]


def test_forgetting_weights_ramp_the_oldest_only() -> None:
    assert np.array_equal(parzen.forgetting_weights(10), np.ones(10))
    w = parzen.forgetting_weights(30)
    assert np.allclose(w[:5], np.linspace(1 / 30, 1, 5)) and np.all(w[5:] == 1)


def test_bandwidths_are_the_larger_neighbour_gap_clipped() -> None:
    mus = np.array([3.0, 0.0, 1.0, 9.9])
    # sorted 0, 1, 3, 9.9: gaps 1, 2, 6.9; ends take their inner gap
    expected = np.array([6.9, 1.0, 2.0, 6.9])
    assert np.allclose(parzen.bandwidths(mus, 0.0, 10.0, 0.5), expected)
    assert np.allclose(parzen.bandwidths(mus, 0.0, 10.0, 2.5), np.clip(expected, 2.5, 10))
    assert np.allclose(parzen.bandwidths(np.array([4.0]), 0.0, 10.0, 0.5), [10.0])


def test_bandwidth_floor_is_optunas_magic_clip_at_alpha_one() -> None:
    for n in (0, 10, 98, 500):
        assert parzen.bandwidth_floor(n, 4.0, 1.0, 0.01) == pytest.approx(4.0 / min(100, n + 2))


def test_numeric_kernel_is_a_truncated_normal() -> None:
    mus, sig = np.array([0.2, 0.9]), np.array([0.3, 0.05])
    dim = parzen.NumericDim(mus, sig, 0.0, 1.0)
    x = np.array([0.0, 0.5, 0.95])
    got = dim.log_pdf(x, None)
    for k in range(2):
        a, b = (0 - mus[k]) / sig[k], (1 - mus[k]) / sig[k]
        want = stats.truncnorm.logpdf(x, a, b, loc=mus[k], scale=sig[k])
        assert np.allclose(got[:, k], want)
    # a discrete value is scored by the kernel's mass over its bin
    lo, hi = np.array([0.4]), np.array([0.6])
    mass = dim.log_pdf(np.array([0.5]), (lo, hi))[0, 0]
    a, b = (0 - 0.2) / 0.3, (1 - 0.2) / 0.3
    want = stats.truncnorm.cdf(0.6, a, b, loc=0.2, scale=0.3) - stats.truncnorm.cdf(
        0.4, a, b, loc=0.2, scale=0.3
    )
    assert mass == pytest.approx(math.log(want))


def test_truncated_draws_stay_in_bounds_with_the_right_mean() -> None:
    rng = np.random.default_rng(0)
    x = parzen.sample_truncnorm(rng, np.full(20000, 0.9), np.full(20000, 0.5), 0.0, 1.0)
    assert x.min() >= 0 and x.max() <= 1
    a, b = (0 - 0.9) / 0.5, (1 - 0.9) / 0.5
    assert x.mean() == pytest.approx(stats.truncnorm.mean(a, b, loc=0.9, scale=0.5), abs=0.01)
    far = parzen.sample_truncnorm(rng, np.array([50.0]), np.array([1.0]), 0.0, 1.0)
    assert 0.9 < far[0] <= 1.0  # deep in the upper tail: still a valid draw near the bound


def test_categorical_table_keeps_own_choice_and_a_uniform_prior_row() -> None:
    table = parzen.categorical_table(np.array([2.0, 0.0]), 3, 0.8)
    assert np.allclose(table, [[0.1, 0.1, 0.8], [0.8, 0.1, 0.1], [1 / 3, 1 / 3, 1 / 3]])
    dim = parzen.CategoricalDim(table)
    assert np.allclose(dim.log_pdf(np.array([2.0])), np.log([[0.8, 0.1, 1 / 3]]))


def test_mixture_density_is_the_weighted_sum_of_product_kernels() -> None:
    d1 = parzen.NumericDim(np.array([0.2, 0.7]), np.array([0.1, 0.2]), 0.0, 1.0)
    d2 = parzen.CategoricalDim(parzen.categorical_table(np.array([1.0]), 2, 0.9)[[0, 1]])
    mix = parzen.Mixture([d1, d2], np.log(np.array([3.0, 1.0])))
    x = np.array([[0.3, 1.0]])
    k0 = math.exp(d1.log_pdf(x[:, 0], None)[0, 0]) * 0.9
    k1 = math.exp(d1.log_pdf(x[:, 0], None)[0, 1]) * 0.5
    assert mix.log_pdf(x, [None, None])[0] == pytest.approx(math.log(0.75 * k0 + 0.25 * k1))
    draws = mix.sample(np.random.default_rng(1), 4000)
    assert draws.shape == (4000, 2) and set(np.unique(draws[:, 1])) <= {0.0, 1.0}
    assert np.mean(draws[:, 0] < 0.45) == pytest.approx(0.75, abs=0.03)


def test_pruned_trials_rank_below_completed_ones() -> None:
    done = FrozenTrial(0, TrialState.COMPLETE, values=(5.0,))
    far = FrozenTrial(1, TrialState.PRUNED, values=(1.0,), intermediate={0: 3.0, 9: 1.0})
    near = FrozenTrial(2, TrialState.PRUNED, values=(0.5,), intermediate={0: 0.5})
    keys = [rank_key(t, 1.0) for t in (near, done, far)]
    assert sorted(keys) == [rank_key(done, 1.0), rank_key(far, 1.0), rank_key(near, 1.0)]


# --- the sampler ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gamma": 0.0}, "0 < gamma <= 1 must hold, but got gamma=0.0"),
        ({"n_candidates": 0}, "n_candidates must be an integer >= 1, but got 0"),
        ({"n_startup_trials": 2.5}, "n_startup_trials must be an integer"),
        ({"prior_weight": -1}, "prior_weight must be a number > 0, but got -1"),
        ({"multivariate": "yes"}, "multivariate must be True or False"),
        ({"categorical_bandwidth": 1.0}, "categorical_bandwidth < 1"),
    ],
)
def test_options_are_validated_with_the_rule_and_value(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TPE(**kwargs)


def _late_distance(sampler: hs.samplers.Sampler, seed: int) -> float:
    r = hs.minimize(lambda p: (p["x"] - 2.0) ** 2, {"x": hs.Float(-10, 10)}, sampler=sampler,
                    n_trials=60, verbosity=0)  # fmt: skip
    return float(np.median([abs(t.params["x"] - 2.0) for t in r.trials[30:]]))


def test_proposals_concentrate_near_the_optimum_far_more_than_random() -> None:
    tpe = np.median([_late_distance(TPE(seed=s), s) for s in range(5)])
    rand = np.median([_late_distance(hs.samplers.Random(seed=s), s) for s in range(5)])
    assert rand > 3.0 and tpe < rand / 3


def test_the_branch_with_the_better_optimum_gets_most_late_trials() -> None:
    a = {"kind": "a", "x": hs.Float(0, 1)}
    b = {"kind": "b", "y": hs.Float(0, 1), "z": hs.Int(0, 5)}
    space = {"model": hs.Categorical([a, b])}

    def loss(p: dict[str, Any]) -> float:
        m = p["model"]
        return (m["x"] - 0.3) ** 2 + 0.2 if m["kind"] == "a" else (m["y"] - 0.6) ** 2 + m["z"] / 50

    r = hs.minimize(loss, space, sampler=TPE(seed=3), n_trials=60, verbosity=0)
    late = [t.params["model"]["kind"] for t in r.trials[30:]]
    assert late.count("b") >= 24
    best = r.best_params["model"]
    assert best["kind"] == "b" and abs(best["y"] - 0.6) < 0.1 and best["z"] == 0


def _closest_pending_pair(liar: bool, seed: int) -> float:
    study = hs.create_study(space={"x": hs.Float(0, 1), "y": hs.Float(0, 1)},
                            sampler=TPE(seed=seed, constant_liar=liar))  # fmt: skip
    study.optimize(lambda p: (p["x"] - 0.5) ** 2 + (p["y"] - 0.5) ** 2, 20)
    pending = np.array([[t.params["x"], t.params["y"]] for t in (study.ask() for _ in range(8))])
    dists = np.linalg.norm(pending[:, None] - pending[None], axis=2)
    return float(dists[np.triu_indices(8, 1)].min())


def test_pending_trials_spread_proposals_out() -> None:
    """Eight workers asking at once: without the liar two of them nearly coincide."""
    with_liar = np.median([_closest_pending_pair(True, s) for s in range(3)])
    without = np.median([_closest_pending_pair(False, s) for s in range(3)])
    assert with_liar > 3 * without


def test_each_finished_trial_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ask costs O(new trials) in encoding, not O(all trials): the complexity, not a timing."""
    counts: dict[int, int] = {}
    original = Observations.add

    def counting(self: Observations, trial: FrozenTrial, sign: float) -> None:
        counts[trial.number] = counts.get(trial.number, 0) + 1
        original(self, trial, sign)

    monkeypatch.setattr(Observations, "add", counting)
    space = {"x": hs.Float(0, 1), "n": hs.Int(1, 9), "c": hs.Categorical(["a", "b"])}
    study = hs.create_study(space=space, sampler=TPE(seed=0))
    study.optimize(lambda p: p["x"] + p["n"], 80)
    assert len(counts) == 79 and set(counts.values()) == {1}  # the last one is never asked after


def test_same_seed_and_history_give_the_same_proposal() -> None:
    space = {"x": hs.Float(-1, 1), "k": hs.Int(1, 100, log=True), "c": hs.Categorical([1, 2, 3])}
    study = hs.create_study(space=space, sampler=TPE(seed=5))
    study.optimize(lambda p: p["x"] ** 2 + p["k"] / 100 + p["c"], 25)
    first = TPE(seed=5).propose(study.history, 25)
    again = TPE(seed=5).propose(study.history, 25)
    other = TPE(seed=6).propose(study.history, 25)
    assert first == again and first != other


def test_allow_repeats_lets_a_tiny_space_run_past_its_size() -> None:
    space = {"a": hs.Categorical(["x", "y"]), "b": hs.Int(0, 1)}
    with_repeats = hs.minimize(lambda p: p["b"], space, sampler=TPE(seed=0, allow_repeats=True),
                               n_trials=15, verbosity=0)  # fmt: skip
    assert len(with_repeats.trials) == 15
    unique = hs.minimize(lambda p: p["b"], space, sampler=TPE(seed=0), n_trials=15, verbosity=0)
    assert len(unique.trials) == 4


def test_univariate_and_normal_kinds_stay_valid() -> None:
    space = {
        "n": hs.Normal(0, 1, step=0.5),
        "ln": hs.LogNormal(0, 1),
        "q": hs.Float(1, 100, log=True, step=1),
    }
    r = hs.minimize(lambda p: (p["n"] - 1) ** 2 + abs(math.log(p["ln"])) + p["q"], space,
                    sampler=TPE(seed=0, multivariate=False), n_trials=30, verbosity=0)  # fmt: skip
    for t in r.trials:
        hs.Space(space).validate(t.params)


@pytest.mark.parametrize(
    "param",
    [hs.Float(-2, 3), hs.Float(1e-3, 10, log=True), hs.Int(1, 50), hs.Int(2, 4096, log=True),
     hs.Float(0, 1, step=0.25), hs.Categorical(["a", "b"])],
)  # fmt: skip
def test_encoding_many_values_at_once_matches_one_by_one(param: Any) -> None:
    from hypersweep.samplers.tpe._observations import Codec

    codec = Codec(param)
    rng = np.random.default_rng(0)
    values: list[Any] = [param.sample(rng) for _ in range(200)]
    values += [-1e9, 1e9, 0.5, 3, 4097] if not param.n_choices else ["zz"]  # some outside
    one_by_one = np.array([codec.encode(v) for v in values])
    together = codec.encode_many(values)
    np.testing.assert_array_equal(np.isnan(together), np.isnan(one_by_one))
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12)  # np.log vs math.log: 1 ulp


# --- multi-fidelity: pruned trials teach the sampler ------------------------------


def _hyperband_history() -> tuple[hs.pruners.Hyperband, list[FrozenTrial]]:
    """Hand-made curves under Hyperband(1, 27, 3): the full-budget bracket (s = 0) never
    prunes, so its two mediocre trials (x = 0.1, loss 0.8) completed; in the other
    brackets six trials near x = 0.8 reached step 9 with losses 0.30-0.35 and lost
    there to each other, and the rest were cut at their first rung with loss 0.6."""
    hb = hs.pruners.Hyperband(min_resource=1, max_resource=27, reduction_factor=3)
    trials, good_made = [], 0
    for number in range(16):
        s = hb.bracket_of(number)
        if s == 0:
            curve = {step: 0.8 for step in range(1, 28)}
            done = FrozenTrial(number, TrialState.COMPLETE, values=(0.8,), params={"x": 0.1},
                               flat={"x": 0.1}, intermediate=curve)  # fmt: skip
            trials.append(done)
            continue
        first = hb.brackets[s].rungs(27)[0]
        if good_made < 6 and first <= 9:
            loss, x, last = 0.30 + 0.01 * good_made, 0.75 + 0.02 * good_made, 9
            good_made += 1
        else:
            loss, x, last = 0.6, 0.45 + 0.01 * number, first
        curve = {step: loss for step in range(1, last + 1)}
        trials.append(FrozenTrial(number, TrialState.PRUNED, values=(loss,), params={"x": x},
                                  flat={"x": x}, intermediate=curve))  # fmt: skip
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 2 and good_made == 6
    return hb, trials


def _good_xs(tpe: TPE, history: hs.samplers.base.History) -> list[float]:
    from hypersweep.samplers.tpe._observations import Codec

    tpe._refresh(history, len(history.trials))
    x, share, _ = tpe._observed({"x": Codec(hs.Float(0, 1))})
    return sorted(float(v) for v in x[share > 0, 0])


def test_rung_values_pick_the_good_set_across_completed_and_pruned_trials() -> None:
    """optuna's rule puts the two mediocre completed trials in the good set (3 of 16);
    ranking everyone at rung 9, the largest budget reached by enough trials, does not."""
    hb, trials = _hyperband_history()
    history = hs.samplers.base.History(hs.Direction.MINIMIZE, None, lambda: trials, pruner=hb)
    assert _good_xs(TPE(seed=0), history) == pytest.approx([0.75, 0.77, 0.79])
    assert 0.1 in _good_xs(TPE(seed=0, multi_fidelity=False), history)
    flipped = [
        FrozenTrial(t.number, t.state, values=(-t.values[0],), params=t.params, flat=t.flat,
                    intermediate={s: -v for s, v in t.intermediate.items()})
        for t in trials if t.values
    ]  # fmt: skip
    maximize = hs.samplers.base.History(hs.Direction.MAXIMIZE, None, lambda: flipped, pruner=hb)
    assert _good_xs(TPE(seed=0), maximize) == pytest.approx([0.75, 0.77, 0.79])
    # proposals follow: new trials land near 0.8, not near the mediocre completed ones
    space = hs.Space({"x": hs.Float(0, 1)})
    with_space = hs.samplers.base.History(hs.Direction.MINIMIZE, space, lambda: trials, pruner=hb)

    def near_bad(tpe: TPE) -> int:
        xs = [tpe.propose(with_space, number)["x"] for number in range(16, 76)]
        return sum(abs(x - 0.1) < 0.15 for x in xs)

    assert near_bad(TPE(seed=1, n_startup_trials=5)) <= 3
    assert near_bad(TPE(seed=1, n_startup_trials=5, multi_fidelity=False)) >= 12


def test_without_learning_curves_or_rungs_the_split_is_optunas() -> None:
    _, trials = _hyperband_history()
    bare = [FrozenTrial(t.number, t.state, values=t.values, params=t.params, flat=t.flat)
            for t in trials]  # fmt: skip
    no_rungs = hs.samplers.base.History(
        hs.Direction.MINIMIZE, None, lambda: trials, pruner=hs.pruners.Median()
    )
    no_curves = hs.samplers.base.History(
        hs.Direction.MINIMIZE, None, lambda: bare, pruner=hs.pruners.ASHA()
    )
    for history in (no_curves, no_rungs):
        old = _good_xs(TPE(seed=0, multi_fidelity=False), history)
        assert _good_xs(TPE(seed=0), history) == old


def test_the_value_at_a_rung_is_the_first_report_at_or_past_it() -> None:
    from hypersweep.samplers.tpe._fidelity import value_at

    assert value_at({1: 0.9, 5: 0.4, 7: 0.3}, 3) == 0.4 and value_at({1: 0.9}, 3) is None


def test_rungs_inside_anyof_teach_like_the_pruner_alone() -> None:
    """TPE reads the rungs through ``Pruner.fidelity()``: Patience adds none."""
    hb, trials = _hyperband_history()
    both = hs.pruners.AnyOf(hs.pruners.Patience(patience=3), hb)
    alone = hs.samplers.base.History(hs.Direction.MINIMIZE, None, lambda: trials, pruner=hb)
    combined = hs.samplers.base.History(hs.Direction.MINIMIZE, None, lambda: trials, pruner=both)
    assert _good_xs(TPE(seed=0), combined) == _good_xs(TPE(seed=0), alone)


# --- ties at the good/bad boundary -------------------------------------------------


def _observations(losses: list[float]) -> Observations:
    obs = Observations()
    for number, loss in enumerate(losses):
        obs.add(FrozenTrial(number, TrialState.COMPLETE, values=(loss,), params={"x": 0.1},
                            flat={"x": 0.1}), 1.0)  # fmt: skip
    return obs


def test_a_tie_across_the_boundary_is_one_observation_spread_over_its_rows() -> None:
    losses = [0.3, 0.1, 0.5, 0.5, 0.9, 0.5, 0.5]  # sorted: 0.1, 0.3, then four 0.5s
    obs = _observations(losses)
    tied = [2, 3, 5, 6]
    once = obs.good_shares(4, once=True)
    assert once[[1, 0]].tolist() == [1.0, 1.0] and once[4] == 0.0
    assert once[tied] == pytest.approx([0.25] * 4)
    assert obs.good_shares(4)[tied].tolist() == [1.0, 1.0, 0.0, 0.0]  # the oldest two
    # the split depends on values only: the same losses in reverse trial order
    back = _observations(losses[::-1]).good_shares(4, once=True)[::-1]
    assert back == pytest.approx(once)
    assert not np.array_equal(_observations(losses[::-1]).good_shares(4)[::-1],
                              obs.good_shares(4))  # fmt: skip
    # ties that do not straddle the boundary change nothing
    for n_good in (1, 2):
        assert np.array_equal(obs.good_shares(n_good, once=True), obs.good_shares(n_good))
        assert obs.tie_block(n_good) is None
    assert sorted(obs.tie_block(4).tolist()) == tied  # type: ignore[union-attr]
    inside = _observations([0.1, 0.1, 0.2, 0.4])
    assert inside.good_shares(3, once=True).tolist() == [1.0, 1.0, 1.0, 0.0]


def _plateau_history(low: float = 0.6, high: float = 0.95) -> list[FrozenTrial]:
    """16 trials of equal best scores (x in [low, high]), 8 worse ones."""
    plateau, worse = list(np.linspace(low, high, 16)), list(np.linspace(0.02, 0.5, 8))
    trials = []
    for number in range(24):
        x, loss = (worse.pop(0), 1.0) if number % 3 == 2 else (plateau.pop(0), 0.0)
        trials.append(FrozenTrial(number, TrialState.COMPLETE, values=(loss,),
                                  params={"x": float(x)}, flat={"x": float(x)}))  # fmt: skip
    return trials


def test_a_plateau_of_tied_best_scores_does_not_hold_the_search() -> None:
    """The old split (oldest tied trials good) kept every proposal inside the plateau
    already sampled; counted once, the plateau leaves room to look elsewhere."""
    trials = _plateau_history()
    history = hs.samplers.base.History(
        hs.Direction.MINIMIZE, hs.Space({"x": hs.Float(0, 1)}), lambda: trials
    )

    count = 0
    for seed in range(3):
        tpe = TPE(seed=seed)
        xs = [tpe.propose(history, number)["x"] for number in range(24, 64)]
        count += sum(0.6 <= x <= 0.95 for x in xs)
    assert count <= 40  # of 120; optuna's split: 110 or more (test_tpe_variants.py)


def test_a_narrow_tie_is_refined_as_before() -> None:
    """Equal scores packed in 4% of the range look like neighbours that a coarse score
    rounds alike (accuracy on a small data set), not a plateau: the split is optuna's."""
    trials = _plateau_history(0.70, 0.74)
    history = hs.samplers.base.History(
        hs.Direction.MINIMIZE, hs.Space({"x": hs.Float(0, 1)}), lambda: trials
    )
    tpe = TPE(seed=0)
    _, share = _good_xs(tpe, history), tpe._observed({"x": Codec(hs.Float(0, 1))})[1]
    assert set(share.tolist()) == {0.0, 1.0}  # the oldest tied trials good, as optuna's
    proposed = [tpe.propose(history, number)["x"] for number in range(24, 44)]
    assert sum(0.65 <= x <= 0.8 for x in proposed) >= 15  # still refining the tie


def test_a_wide_tie_counts_as_one_observation() -> None:
    history = hs.samplers.base.History(
        hs.Direction.MINIMIZE, hs.Space({"x": hs.Float(0, 1)}), _plateau_history
    )
    tpe = TPE(seed=0)
    _good_xs(tpe, history)
    share = tpe._observed({"x": Codec(hs.Float(0, 1))})[1]
    tied = share[(share > 0) & (share < 1)]
    assert len(tied) == 16 and tied.sum() == pytest.approx(1.0)
