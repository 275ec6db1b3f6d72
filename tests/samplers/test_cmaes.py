"""CMA-ES: the update converges, the margin keeps integers moving, plateaus restart a run,
BIPOP alternates doubled and small local populations, and the state is a function of the
stored trials alone."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.samplers.cmaes import _core
from hypersweep.samplers.cmaes.sampler import CMAES


def _run_core(f: Any, n: int, generations: int, seed: int) -> _core.State:
    rng = np.random.default_rng(seed)
    state = _core.initial(np.full(n, 0.5), 0.25, _core.default_population(n))
    for _ in range(generations):
        xs = np.array([_core.draw(state, rng) for _ in range(state.lam)])
        state = _core.update(state, xs, np.array([f(x) for x in xs]))
    return state


@pytest.mark.parametrize("seed", range(3))
def test_update_converges_on_an_ill_conditioned_ellipsoid(seed: int) -> None:
    """Rank-one + rank-mu learn the 1:1000 axis ratio; without them, 200 generations
    stay far from 1e-8 (an isotropic step is held back by the steep axis)."""
    target = np.array([0.2, 0.7, 0.35, 0.6])
    scales = 10.0 ** np.arange(4)  # 1 .. 1000 along the axes

    def f(x: np.ndarray) -> float:
        return float(np.sum((scales * (x - target)) ** 2))

    state = _run_core(f, 4, 200, seed)
    assert f(state.mean) < 1e-8
    # the learnt covariance follows the inverse Hessian: axis 0 is the widest
    widths = np.sqrt(np.diag(state.cov))
    assert widths[0] > 300 * widths[3]


def test_step_size_grows_on_a_linear_slope_and_shrinks_at_an_optimum() -> None:
    """Cumulative step-size adaptation: sigma grows while successive steps agree."""
    rng = np.random.default_rng(0)
    state = _core.initial(np.full(3, 0.5), 0.01, 7)
    for _ in range(15):
        xs = np.array([_core.draw(state, rng) for _ in range(state.lam)])
        state = _core.update(state, xs, -xs[:, 0])  # downhill along x0: toward the bound
    assert state.sigma > 0.02
    converged = _run_core(lambda x: float(np.sum((x - 0.3) ** 2)), 3, 80, 0)
    assert converged.sigma < 1e-4


def test_injected_points_are_clipped_to_a_bounded_step() -> None:
    """A point far outside the distribution moves the mean by a bounded amount."""
    state = _core.initial(np.full(2, 0.5), 1e-3, 6)
    xs = np.full((6, 2), 0.5)
    xs[0] = [1.0, 1.0]  # 500 sigmas away, and the best
    new = _core.update(state, xs, np.arange(6.0))
    limit = math.sqrt(2) + 2 * 2 / 4
    assert np.linalg.norm(new.mean - state.mean) <= 1e-3 * limit + 1e-12


def test_own_draws_are_used_at_full_length_and_injected_ones_clipped() -> None:
    """Clipping is for points from elsewhere: a long step the distribution drew itself
    moves the mean in full (clipping it held the step size back on slopes)."""
    state = _core.initial(np.full(2, 0.5), 1e-3, 6)
    xs = np.full((6, 2), 0.5)
    xs[0] = [0.5 + 4e-3, 0.5]  # 4 sigmas away, and the best
    fs = np.arange(6.0)
    own = _core.update(state, xs, fs, injected=np.zeros(6, dtype=bool))
    clipped = _core.update(state, xs, fs, injected=np.ones(6, dtype=bool))
    w0 = state.weights.w[0]
    assert own.mean[0] - 0.5 == pytest.approx(w0 * 4e-3)
    assert clipped.mean[0] - 0.5 == pytest.approx(w0 * 1e-3 * (math.sqrt(2) + 1))


def test_negative_weights_keep_the_covariance_volume_and_speed_up_a_valley() -> None:
    """Active CMA (Hansen's tutorial, eq. 53): the worse half gets negative weights
    chosen so that c1 + c_mu * sum(w) = 0, and on a narrow rotated valley the learnt
    covariance reaches 1e-8 in fewer generations than with the positive half alone."""
    w = _core.Weights.make(6, 10)
    assert len(w.w) == 10 and w.w[: w.mu].sum() == pytest.approx(1.0)
    assert np.all(w.w[w.mu :] < 0)
    assert w.c_1 + w.c_mu * w.w.sum() == pytest.approx(0.0, abs=1e-12)

    rotation = np.linalg.qr(np.random.default_rng(7).standard_normal((6, 6)))[0]
    scales = 10.0 ** np.linspace(0, 3, 6)

    def f(x: np.ndarray) -> float:
        return float(np.sum((scales * (rotation @ (x - 0.4))) ** 2))

    def generations(active: bool, seed: int) -> int:
        rng = np.random.default_rng(seed)
        state = _core.initial(np.full(6, 0.5), 0.2, 10)
        if not active:
            passive = replace(state.weights, w=np.maximum(state.weights.w, 0.0))
            state = replace(state, weights=passive)
        for g in range(1, 2000):
            xs = np.array([_core.draw(state, rng) for _ in range(state.lam)])
            state = _core.update(state, xs, np.array([f(x) for x in xs]))
            if f(state.mean) < 1e-8:
                return g
        return 2000

    ratios = [generations(True, s) / generations(False, s) for s in range(2)]
    assert max(ratios) < 0.9


def test_a_small_step_still_refines_before_the_restart() -> None:
    """IPOP restarts on the step size only once it is below 1e-11 of the range: at 1e-6
    the runs stopped about 1e-6 of the range from the optimum (regret 1e-4 on Ackley)."""
    state = _core.initial(np.full(3, 0.4), 1e-8, 7)
    assert not _core.should_restart(state)
    assert _core.should_restart(replace(state, sigma=1e-12))


def test_leave_probability_matches_the_normal_cdf() -> None:
    grid = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    # mean on a value, thresholds 0.1 away each side: 2 * P(Z > 1) for sd 0.1
    assert _core.leave_probability(0.5, 0.1, grid) == pytest.approx(2 * (1 - 0.8413447), abs=1e-6)
    # the last value can be left only downwards
    assert _core.leave_probability(0.9, 0.1, grid) == pytest.approx(1 - 0.8413447, abs=1e-6)


def _integer_far(p: dict[str, Any]) -> float:
    """Continuous part converges fast; the integers must walk from 10 to 2 and 17."""
    return (
        100 * (p["x"] - 0.3) ** 2
        + 100 * (p["y"] + 0.4) ** 2
        + (p["n"] - 2) ** 2
        + (p["m"] - 17) ** 2 / 4
    )


INT_SPACE = {"x": hs.Float(-1, 1), "y": hs.Float(-1, 1), "n": hs.Int(0, 20), "m": hs.Int(0, 20)}


@pytest.mark.parametrize("seed", range(3))
def test_margin_keeps_integer_dimensions_alive(seed: int) -> None:
    sampler = CMAES(seed=seed)
    study = hs.create_study(space=INT_SPACE, sampler=sampler)
    study.optimize(_integer_far, 600)
    assert study.best_params["n"] == 2 and study.best_params["m"] == 17
    alpha = 1 / (4 * sampler.state(study.history).lam)
    assert min(_leave_probabilities(sampler, study.history)) >= alpha * (1 - 1e-6)


def _leave_probabilities(sampler: CMAES, history: Any) -> list[float]:
    state = sampler.state(history)
    enc = sampler._encoding(history)
    assert enc is not None
    sd = state.marginal_sd()
    return [_core.leave_probability(state.mean[j], sd[j], g)
            for j, g in enumerate(enc.grids) if g is not None]  # fmt: skip


def test_without_the_margin_integers_freeze() -> None:
    """The same run with margin=False: once the continuous part has converged the
    integers' chance to move is far below alpha, the freezing the margin prevents."""
    probs = {}
    for margin in (True, False):
        sampler = CMAES(seed=0, margin=margin)
        study = hs.create_study(space=INT_SPACE, sampler=sampler)
        study.optimize(_integer_far, 600)  # long enough for the steps to shrink
        probs[margin] = min(_leave_probabilities(sampler, study.history))
    alpha = 1 / (4 * _core.default_population(4))
    assert probs[True] >= alpha * (1 - 1e-6)
    assert probs[False] < alpha / 10


def _rastrigin(p: dict[str, float]) -> float:
    x = np.array([p["a"], p["b"]])
    return float(10 * 2 + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def test_restarts_double_the_population_on_a_multimodal_function() -> None:
    """On Rastrigin a small first step ends in a local basin; IPOP then restarts with
    population 6, 12, 24, ... and never ends worse than without restarts. (With active
    CMA the first descent already reaches the basins at 1 or 2 on these seeds, so the
    restarts seldom beat it within 1,000 trials.)"""
    space = {"a": hs.Float(-4.0, 5.12), "b": hs.Float(-4.0, 5.12)}
    for seed in range(2):  # 2 x 2,000 trials: the slowest test of this file
        sampler = CMAES(seed=seed, sigma0=0.05, restarts="ipop")
        study = hs.create_study(space=space, sampler=sampler)
        study.optimize(_rastrigin, 1000)
        state = sampler.state(study.history)
        assert state.restarts >= 1
        assert state.lam == _core.default_population(2) * 2**state.restarts
        without = hs.minimize(_rastrigin, space, n_trials=1000, verbosity=0,
                              sampler=CMAES(seed=seed, sigma0=0.05, restarts=False))  # fmt: skip
        assert study.best_value <= without.best_value + 1e-6  # the same basin, or a better one


def test_a_flat_generation_restarts_the_run() -> None:
    """TolFun: once a whole generation has one value (a plateau), the run restarts after
    half of 10 + 30 n / lam generations, not after the step has collapsed."""
    n = 3
    state = _core.initial(np.full(n, 0.5), 0.2, _core.default_population(n))
    rng = np.random.default_rng(0)
    generations = 0
    while not _core.should_restart(state):
        xs = np.array([_core.draw(state, rng) for _ in range(state.lam)])
        state = _core.update(state, xs, np.full(state.lam, 7.0))
        generations += 1
    flat_for = 10 + math.ceil(30 * n / state.lam)
    assert generations == flat_for // 2
    assert float(np.max(state.marginal_sd())) > _core.TOL_X  # the step had not collapsed
    varied = _core.update(state, xs, np.linspace(7.0, 8.0, state.lam))
    assert not _core.should_restart(replace(varied, bests=varied.bests[-3:]))


def test_a_stagnating_study_restarts_from_its_trials() -> None:
    """A hand-made plateau: the sampler's state (read from the trials) has restarted,
    with a new random mean and the spent trials counted to the regimes."""
    sampler = CMAES(seed=1)
    study = hs.create_study(space={"x": hs.Float(0, 1), "y": hs.Float(0, 1)}, sampler=sampler)
    study.optimize(lambda p: 1.0, 120)
    state = sampler.state(study.history)
    assert state.restarts >= 2
    assert sum(state.spent) + state.generation * state.lam <= 120
    assert sum(state.spent) > 0


def test_bipop_alternates_small_local_runs_with_doubled_populations() -> None:
    """Hansen (2009): after the first run (large regime) come small runs, population
    lam0 (lam_L / (2 lam0))^(u0^2) and step sigma0 10^(-2 u1), while the small regime
    has used fewer trials than the large one; then the population doubles."""
    lam0, sigma0 = 8, 0.2
    first = replace(_core.initial(np.full(4, 0.5), sigma0, lam0), generation=30)
    run = _core.next_run(first, lam0, sigma0, (0.5, 0.25))
    assert run.small and run.spent == (240, 0) and run.doublings == 0
    assert run.lam == int(8 * 0.5**0.25) == 6
    assert run.sigma == pytest.approx(sigma0 * 10**-0.5)
    small = replace(_core.initial(np.full(4, 0.5), run.sigma, run.lam), generation=10,
                    spent=run.spent, small=True)  # fmt: skip
    again = _core.next_run(small, lam0, sigma0, (1.0, 0.0))
    assert again.small and again.spent == (240, 60) and again.lam == 4  # 8 * (1/2)^1
    assert again.sigma == sigma0
    spent = replace(small, generation=40)  # 240 trials: the small regime has caught up
    big = _core.next_run(spent, lam0, sigma0, (0.5, 0.5))
    assert not big.small and big.lam == 16 and big.sigma == sigma0 and big.doublings == 1
    # with a large population lam_L = 16 behind it, a small run can reach lam_L / 2
    after = replace(_core.initial(np.full(4, 0.5), sigma0, 16), generation=20,
                    spent=big.spent, doublings=1)  # fmt: skip
    assert _core.next_run(after, lam0, sigma0, (1.0, 0.0)).lam == 8
    assert _core.next_run(after, lam0, sigma0, (0.0, 1.0)).lam == lam0  # u0 = 0: lam0
    ipop = _core.next_run(first, lam0, sigma0, (0.5, 0.5), bipop=False)
    assert not ipop.small and ipop.lam == 16


def test_the_sampler_restarts_follow_its_bipop_rule() -> None:
    """Each restart of a real run takes the population and step next_run gives for the
    previous run's state (with u hashed from the seed and restart count)."""
    sampler = CMAES(seed=4)
    study = hs.create_study(space={"x": hs.Float(0, 1), "y": hs.Float(0, 1)}, sampler=sampler)
    study.optimize(lambda p: 1.0, 150)
    history = study.history
    enc = sampler._encoding(history)
    assert enc is not None
    usable = sampler._usable(history, enc, 0)
    state, done, seen = sampler._start(history, enc, 0), 0, 0
    while done + state.lam <= len(usable):
        new = sampler._advance(state, usable[done : done + state.lam], enc)
        done += state.lam
        if new.restarts > state.restarts:
            seen += 1
            before = _core.update(
                state, *_chunk(sampler, state, usable[done - state.lam : done], enc)
            )
            assert _core.should_restart(before)
            expected = sampler._restart(before, 2)
            assert (new.lam, new.sigma, new.small) == (expected.lam, expected.sigma, expected.small)
            if new.small:
                assert 2 <= new.lam <= before.lam and new.sigma <= sampler.sigma0
                assert new.sigma >= sampler.sigma0 / 100
            else:
                assert new.lam == _core.default_population(2) * 2**new.doublings
        state = new
    assert seen >= 2


def _chunk(sampler: CMAES, state: _core.State, chunk: Any, enc: Any) -> Any:
    drawn = [sampler._generated(state, number, x, enc) for number, x, _ in chunk]
    xs = np.array([x for x, _ in drawn])
    return xs, np.array([f for _, _, f in chunk]), np.array([not own for _, own in drawn])


def test_a_resumed_study_replays_its_restarts(tmp_path: Path) -> None:
    """Restarts are rebuilt from the stored trials: a study stopped after its first
    restart and resumed proposes what an uninterrupted one does, with the same runs."""
    space = {"x": hs.Float(-1, 1), "y": hs.Float(-1, 1)}

    def plateau(p: dict[str, Any]) -> float:
        return float(round(p["x"] ** 2 + p["y"] ** 2, 1))  # flat terraces: restarts fire

    straight = hs.create_study(space=space, sampler="cmaes", seed=2)
    straight.optimize(plateau, 200)
    sampler = straight.sampler
    assert isinstance(sampler, CMAES)
    end = sampler.state(straight.history)
    assert end.restarts >= 2
    url = f"sqlite:///{tmp_path / 'r.db'}"
    first = hs.create_study("r", storage=url, space=space, sampler="cmaes", seed=2)
    first.optimize(plateau, 100)  # the first run ended at trial 84
    again = hs.load_study("r", storage=url, sampler="cmaes", space=space)
    again.optimize(plateau, 200)
    assert [t.params for t in again.trials] == [t.params for t in straight.trials]
    cold = CMAES(seed=sampler.entropy).state(again.history)
    assert (cold.restarts, cold.lam, cold.sigma, cold.spent) == (
        end.restarts, end.lam, end.sigma, end.spent)  # fmt: skip


def test_resumed_study_proposes_what_an_uninterrupted_one_does(tmp_path: Path) -> None:
    space = {"x": hs.Float(-3, 3), "n": hs.Int(0, 9), "c": hs.Categorical(["a", "b"])}

    def f(p: dict[str, Any]) -> float:
        return (p["x"] - 1) ** 2 + abs(p["n"] - 6) + (p["c"] == "b")

    straight = hs.create_study(space=space, sampler="cmaes", seed=3)
    straight.optimize(f, 40)
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = hs.create_study("s", storage=url, space=space, sampler="cmaes", seed=3)
    first.optimize(f, 27)
    again = hs.load_study("s", storage=url, sampler="cmaes", space=space)
    again.optimize(f, 40)
    assert [t.params for t in again.trials] == [t.params for t in straight.trials]
    # a fresh sampler (no cached generations) reads the same state from the trials
    cold = CMAES(seed=straight.sampler.entropy)
    warm = straight.sampler
    assert isinstance(warm, CMAES)
    a, b = cold.state(straight.history), warm.state(straight.history)
    assert np.array_equal(a.mean, b.mean) and a.sigma == b.sigma


def test_tell_order_does_not_change_the_state() -> None:
    """Parallel workers finish in any order; the generation is the same set of trials."""
    space = {"x": hs.Float(-3, 3), "y": hs.Float(-3, 3)}

    def run(order: Any) -> Any:
        study = hs.create_study(space=space, sampler=CMAES(seed=5))
        for _ in range(3):
            trials = [study.ask() for _ in range(6)]
            for t in order(trials):
                study.tell(t, (t.params["x"] - 1) ** 2 + t.params["y"] ** 2)
        return study.ask().params

    assert run(list) == run(lambda ts: list(reversed(ts)))


def test_running_trials_are_ignored_until_they_finish() -> None:
    space = {"x": hs.Float(-3, 3), "y": hs.Float(-3, 3)}
    sampler = CMAES(seed=0)
    study = hs.create_study(space=space, sampler=sampler)
    study.optimize(lambda p: p["x"] ** 2 + p["y"] ** 2, 12)
    before = sampler.state(study.history)
    for _ in range(20):
        study.ask()  # never told
    after = sampler.state(study.history)
    assert np.array_equal(before.mean, after.mean) and before.generation == after.generation


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="sigma0"):
        CMAES(sigma0=0)
    with pytest.raises(ValueError, match="independent"):
        CMAES(independent="gp")


def test_unit_cube_round_trips_every_numeric_kind_and_keeps_grids() -> None:
    """The encoding CMA-ES and the GP share: values survive encode/decode, a point's
    roundtrip lands where its decoded values lie (a grid position for discrete leaves)
    and stays there, and only small discrete leaves carry a grid."""
    from hypersweep.samplers.unit_cube import MAX_GRID, UnitCube

    leaves = {
        "x": hs.Float(-2, 3), "lr": hs.Float(1e-5, 1e-1, log=True), "n": hs.Int(1, 9),
        "b": hs.Int(8, 1024, log=True), "q": hs.Float(0, 1, step=0.25),
        "g": hs.Normal(0, 1), "s": hs.LogNormal(0, 0.5), "big": hs.Int(0, MAX_GRID * 2),
    }  # fmt: skip
    cube = UnitCube(leaves)
    flat = {"x": 0.5, "lr": 1e-3, "n": 4, "b": 100, "q": 0.75, "g": 0.3, "s": 1.2, "big": 77}
    assert cube.decode(cube.encode(flat)) == pytest.approx(flat)
    assert [g is not None for g in cube.grids] == [False, False, True, True, True, False,
                                                   False, False]  # fmt: skip
    assert cube.grids[2] is not None and np.allclose(cube.grids[2], (np.arange(9) + 0.5) / 9)
    for point in np.random.default_rng(0).random((40, cube.n_dims)) * 1.2 - 0.1:
        moved = cube.roundtrip(point)
        assert np.allclose(cube.roundtrip(moved), moved, atol=1e-12)
        assert all(leaves[p].contains(v) for p, v in cube.decode(moved).items())
        for d, grid in enumerate(cube.grids):
            if grid is not None:
                assert np.min(np.abs(grid - moved[d])) < 1e-12


def test_unit_cube_docstring_example_runs() -> None:
    import doctest

    from hypersweep.samplers import unit_cube

    assert doctest.testmod(unit_cube, raise_on_error=True).attempted > 0


def test_orthogonal_normals_are_orthogonal_in_blocks_and_standard_normal_overall() -> None:
    rng = np.random.default_rng(0)
    z = _core.orthogonal_normals(rng, 7, 3)
    for block in (z[0:3], z[3:6]):
        gram = block @ block.T
        assert np.max(np.abs(gram - np.diag(np.diag(gram)))) < 1e-9
    many = np.concatenate([_core.orthogonal_normals(rng, 10, 5) for _ in range(400)])
    assert abs(float(np.mean(np.sum(many**2, axis=1))) - 5) < 0.3  # chi^2_5 lengths
    assert np.allclose(many.mean(axis=0), 0, atol=0.1)
    assert np.allclose(many.var(axis=0), 1, atol=0.15)


def test_a_generation_takes_orthogonal_directions_and_is_read_back_as_its_own() -> None:
    """Trials asked together (running) hold successive slots of the generation's
    orthogonal set; once told, the replay recognises every one as its own draw."""
    space = {k: hs.Float(0.0, 1.0) for k in "abc"}
    sampler = CMAES(seed=1, sigma0=0.01)
    study = hs.create_study(space=space, sampler=sampler)
    start = sampler.state(study.history)
    trials = [study.ask() for _ in range(start.lam)]  # 7: blocks of 3, 3 and 1
    zs = np.array([[(t.params[k] - 0.5) / 0.01 for k in "abc"] for t in trials])
    for block in (zs[0:3], zs[3:6]):
        gram = block @ block.T
        assert np.max(np.abs(gram - np.diag(np.diag(gram)))) < 1e-6
    enc = sampler._encoding(study.history)
    assert enc is not None
    for t in trials:
        x = np.array([t.params[k] for k in "abc"])
        assert sampler._generated(start, t.number, x, enc)[1]
    for t in trials:
        study.tell(t, sum((v - 0.3) ** 2 for v in t.params.values()))
    assert sampler.state(study.history).generation == 1
