"""Each schedule's values match its formula; the plateau and stopping rules act as documented."""

from __future__ import annotations

import math

import pytest

from hypersweep import schedules as sch


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_matches_its_formula(staircase: bool) -> None:
    s = sch.exponential_decay(0.2, 0.9, 7, staircase=staircase)
    for step in range(60):
        exponent = math.floor(step / 7) if staircase else step / 7
        assert s(step) == pytest.approx(0.2 * 0.9**exponent, rel=1e-12)


def test_piecewise_constant_switches_at_the_boundaries() -> None:
    s = sch.piecewise_constant([5, 12], [1.0, 0.5, 0.25])
    assert [s(i) for i in (0, 4, 5, 11, 12, 100)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    with pytest.raises(ValueError, match="one more value than boundaries"):
        sch.piecewise_constant([5], [1.0])
    with pytest.raises(ValueError, match="boundaries must increase"):
        sch.piecewise_constant([5, 2], [1.0, 0.5, 0.1])


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_decay_with_and_without_cycling(power: float) -> None:
    plain = sch.polynomial_decay(0.1, 0.001, 10, power=power)
    cycling = sch.polynomial_decay(0.1, 0.001, 10, power=power, cycle=True)
    for step in range(40):
        t = min(step, 10) / 10
        assert plain(step) == pytest.approx((0.1 - 0.001) * (1 - t) ** power + 0.001)
        period = 10 * max(1, math.ceil(step / 10))
        expected = (0.1 - 0.001) * (1 - step / period) ** power + 0.001
        assert cycling(step) == pytest.approx(expected)
    assert plain(10) == pytest.approx(0.001) and plain(30) == pytest.approx(0.001)
    assert cycling(11) > cycling(10)  # a new, longer cycle starts high again


def test_reduce_on_plateau_halves_then_stops_at_one_1024th() -> None:
    rule = sch.ReduceOnPlateau(0.1, patience=3)
    rates = [rule.update(1.0) for _ in range(31)]  # never improves after the first epoch
    assert rates[:3] == [0.1, 0.1, 0.1]
    assert rates[3] == pytest.approx(0.05) and rates[6] == pytest.approx(0.025)
    assert rule.lr == pytest.approx(0.1 / 1024) and rule.stop  # 10 halvings, then stop
    assert not sch.ReduceOnPlateau(0.1, patience=3).stop


def test_reduce_on_plateau_keeps_the_rate_while_improving_and_respects_the_mode() -> None:
    rule = sch.ReduceOnPlateau(0.01, patience=2, mode="max", min_delta=0.01)
    assert [rule.update(v) for v in (0.5, 0.6, 0.7, 0.705, 0.706)] == [0.01, 0.01, 0.01, 0.01,
                                                                      0.005]  # fmt: skip


def test_early_stopping_counts_patience_from_the_best_epoch() -> None:
    stop = sch.EarlyStopping(patience=3, min_delta=0.05)
    decisions = [stop.update(v) for v in (1.0, 0.8, 0.79, 0.78, 0.9, 0.7)]
    assert decisions == [False, False, False, False, True, True]
    assert stop.best_epoch == 1  # 0.79 and 0.78 did not beat 0.8 by min_delta
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        sch.EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        sch.ReduceOnPlateau(0.1, mode="up")


def test_a_schedule_drives_a_real_torch_optimizer() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = sch.exponential_decay(0.1, 0.5, 2)
    lr_sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: schedule(step) / 0.1)
    seen = []
    for _ in range(6):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        lr_sched.step()
    assert seen == pytest.approx([schedule(i) for i in range(6)])


def test_rules_resume_from_their_state_dict_as_if_never_stopped() -> None:
    values = [1.0, 0.9, 0.95, 0.97, 0.8, 0.99, 0.98, 0.97, 0.96, 0.95]
    for make in (
        lambda: sch.EarlyStopping(patience=3),
        lambda: sch.ReduceOnPlateau(0.1, patience=2),
    ):
        whole, first = make(), make()
        expected = [whole.update(v) for v in values]
        got = [first.update(v) for v in values[:4]]
        second = make()
        second.load_state_dict(first.state_dict())
        got += [second.update(v) for v in values[4:]]
        assert got == expected
        assert second.state_dict() == whole.state_dict()
