"""PyTorch controls on real training (200 digits rows, a 64-16-10 MLP, a few epochs)."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
torch = pytest.importorskip("torch")

import hypersweep as hs  # noqa: E402
from hypersweep import presets  # noqa: E402
from hypersweep.integrations import torch as hst  # noqa: E402

from .helpers import mlp, torch_setup, train_one_epoch, val_loss  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return torch_setup()


def _weights(model: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_report_prunes_a_hopeless_trial_and_keeps_its_curve(data: dict[str, Any]) -> None:
    study = hs.create_study(
        space={"lr": hs.Float(1e-7, 1.0, log=True)},
        pruner=hs.pruners.Median(n_startup_trials=2), seed=0,
    )  # fmt: skip
    for lr in (0.5, 0.3, 1e-7):  # the last one cannot learn in 4 epochs
        study.enqueue({"lr": lr})

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        torch.manual_seed(0)
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=params["lr"])
        for epoch in range(4):
            train_one_epoch(model, opt, data)
            hst.report(trial, val_loss(model, data), epoch)
        return val_loss(model, data)

    # a budget one above the queue: optimize does not yet run queued trials filling it all
    study.optimize(objective, n_trials=4, show_progress=False)
    good, good2, bad = study.trials[:3]
    assert [t.state for t in (good, good2, bad)] == [hs.TrialState.COMPLETE] * 2 + [
        hs.TrialState.PRUNED
    ]
    assert sorted(good.intermediate) == [1, 2, 3, 4] == sorted(good2.intermediate)
    assert list(bad.intermediate) == [1]  # stopped after its first epoch
    assert bad.intermediate[1] > max(good.intermediate[1], good2.intermediate[1])
    assert bad.value == bad.intermediate[1]
    assert good.value == pytest.approx(good.intermediate[4])


class _Scripted:
    """validate() returning fixed values while the model really trains; remembers
    the weights it saw at each epoch."""

    def __init__(self, model: Any, values: list[float]) -> None:
        self.model, self.values, self.seen = model, values, []  # type: list[Any]

    def __call__(self) -> float:
        self.seen.append(_weights(self.model))
        return self.values[len(self.seen) - 1]


@pytest.mark.parametrize(
    ("mode", "values", "min_delta", "best_epoch", "stop_after"),
    [
        ("min", [1.0, 0.8, 0.9, 0.85, 0.7, 0.6], 0.0, 2, 4),
        ("max", [0.5, 0.6, 0.65, 0.64, 0.66, 0.9], 0.02, 3, 5),  # 0.66 beats 0.65 by < 0.02
    ],
)
def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best_weights(
    data: dict[str, Any], mode: str, values: list[float], min_delta: float, best_epoch: int,
    stop_after: int,
) -> None:
    torch.manual_seed(1)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    trial = hs.create_study(direction="minimize" if mode == "min" else "maximize").ask()
    early = hst.EarlyStopping(model, mode=mode, patience=2, min_delta=min_delta)
    validate = _Scripted(model, values)
    out = hst.train(trial, model, opt, lambda e: train_one_epoch(model, opt, data), validate,
                    epochs=len(values), early_stopping=early)  # fmt: skip
    assert out.stopped_early and len(out.history) == stop_after == out.epochs_run
    assert early.best_epoch == best_epoch and out.value == values[best_epoch - 1]
    restored = _weights(model)
    assert _same(restored, validate.seen[best_epoch - 1])
    assert not _same(restored, validate.seen[-1])  # training did move the weights
    assert sorted(trial.intermediate) == list(range(1, stop_after + 1))


def test_reduce_on_plateau_halves_every_group_and_stops_at_1_1024(data: dict[str, Any]) -> None:
    torch.manual_seed(2)
    model = mlp()
    groups = hst.param_groups(model, {"0": 0.1, "2": 0.01})
    opt = torch.optim.SGD(groups, lr=1.0)
    plateau = hst.ReduceOnPlateau(opt, patience=2)
    used: list[list[float]] = []

    def epoch(e: int) -> None:
        used.append([g["lr"] for g in opt.param_groups])
        train_one_epoch(model, opt, data)

    trial = hs.create_study().ask()
    out = hst.train(trial, model, opt, epoch, lambda: 1.0, epochs=100,
                    reduce_on_plateau=plateau)  # fmt: skip
    # epoch 0 sets the best; every 2 epochs without improvement halve; 10 halvings = 1/1024
    assert len(out.history) == 21 and out.stopped_early
    for e, (a, b) in enumerate(used):
        factor = 2.0 ** -((e - 1) // 2) if e else 1.0
        assert (a, b) == (pytest.approx(0.1 * factor, rel=1e-12), pytest.approx(0.01 * factor))
    assert [g["lr"] for g in opt.param_groups] == [0.1 / 1024, 0.01 / 1024]


def test_improvement_resets_the_plateau_count() -> None:
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    plateau = hst.ReduceOnPlateau(opt, patience=2, mode="max")
    for v in (0.5, 0.5, 0.6, 0.6, 0.6):
        plateau.step(v)
    assert opt.param_groups[0]["lr"] == 0.05  # one halving: the 0.6 restarted the count


@pytest.mark.parametrize(
    "schedule",
    [
        hs.schedules.exponential_decay(0.1, 0.5, 2),
        hs.schedules.piecewise_constant([2, 4], [0.1, 0.03, 0.001]),
        hs.schedules.polynomial_decay(0.1, 0.01, 3, power=2.0, cycle=True),
    ],
)
def test_schedules_set_the_formula_values(data: dict[str, Any], schedule: Any) -> None:
    torch.manual_seed(3)
    model = mlp()
    opt = torch.optim.SGD(hst.param_groups(model, {"0": 0.01}, default=0.1), lr=0.1)
    sched = hst.LearningRateSchedule(opt, schedule)
    used: list[list[float]] = []

    def epoch(e: int) -> None:
        used.append([g["lr"] for g in opt.param_groups])
        train_one_epoch(model, opt, data)

    hst.train(hs.create_study().ask(), model, opt, epoch, lambda: val_loss(model, data),
              epochs=6, schedule=sched)  # fmt: skip
    # the default group (lr = schedule(0)) follows the schedule exactly; layer 0 at a tenth
    assert [u[1] for u in used] == [schedule(e) for e in range(6)]
    assert [u[0] for u in used] == pytest.approx([schedule(e) / 10 for e in range(6)], rel=1e-12)


def test_param_groups_put_each_parameter_in_its_layer_group() -> None:
    net = torch.nn.Sequential()
    net.add_module("features", torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)))
    net.add_module("head", torch.nn.Linear(4, 2))
    net.add_module("extra", torch.nn.Linear(2, 2))
    groups = hst.param_groups(net, {"features": 1e-4, "features.1": 1e-3, "head": 1e-2},
                              default=0.1, weight_decay=1e-5)  # fmt: skip
    by_id = {id(p): g["lr"] for g in groups for p in g["params"]}
    f0, f1 = net.features[0], net.features[1]  # type: ignore[index]
    assert by_id[id(f0.weight)] == by_id[id(f0.bias)] == 1e-4
    assert by_id[id(f1.weight)] == by_id[id(f1.bias)] == 1e-3  # the longer prefix wins
    assert by_id[id(net.head.weight)] == 1e-2 and by_id[id(net.extra.bias)] == 0.1
    assert len(by_id) == len(list(net.parameters()))  # each parameter exactly once
    assert all(g["weight_decay"] == 1e-5 for g in groups)
    opt = torch.optim.Adam(groups, lr=0.5)
    assert [g["lr"] for g in opt.param_groups] == [1e-4, 1e-3, 1e-2, 0.1]
    with pytest.raises(ValueError, match=r"no parameter matches the prefix\(es\) \['feature'\]"):
        hst.param_groups(net, {"feature": 1e-3})
    # without a default the rest takes the optimizer's own rate
    rest = hst.param_groups(net, {"head": 1e-2})[-1]
    assert "lr" not in rest and torch.optim.SGD([rest], lr=0.7).param_groups[0]["lr"] == 0.7


def test_a_zero_rate_layer_does_not_move_while_the_others_learn(data: dict[str, Any]) -> None:
    torch.manual_seed(4)
    model = mlp()
    before = _weights(model)
    opt = torch.optim.SGD(hst.param_groups(model, hst.layerwise_lrs(model, 0.5, decay=0.0 + 1e-9)),
                          lr=1.0)  # fmt: skip
    assert [g["lr"] for g in opt.param_groups] == [pytest.approx(0.5e-9), 0.5]
    for g in opt.param_groups[:1]:
        g["lr"] = 0.0
    train_one_epoch(model, opt, data)
    after = _weights(model)
    assert torch.equal(before["0.weight"], after["0.weight"])
    assert not torch.equal(before["2.weight"], after["2.weight"])
    assert hst.layerwise_lrs(model, 0.01, decay=0.5) == {"0": 0.005, "2": 0.01}


def test_objective_from_a_builder_and_a_training_step(data: dict[str, Any]) -> None:
    objective = hst.objective(
        lambda p: mlp(p["hidden"]),
        lambda model, opt, p, epoch: train_one_epoch(model, opt, data, batch=p["batch"]),
        lambda model, p: val_loss(model, data),
        epochs="epochs",
    )
    space = {"hidden": hs.Int(8, 24), "batch": 50, "epochs": hs.Int(2, 3),
             "optimizer": presets.optimizer(names=["adam", "sgd"])}  # fmt: skip
    study = hs.create_study(space=space, sampler="random", seed=0)
    study.optimize(objective, n_trials=3, show_progress=False)
    for t in study.trials:
        assert t.state is hs.TrialState.COMPLETE
        assert sorted(t.intermediate) == list(range(1, t.params["epochs"] + 1))
        assert t.value == t.intermediate[t.params["epochs"]]
        assert t.user_attrs["epochs_trained"] == t.params["epochs"]
    # same trial seed -> same result: the objective is reproducible
    again = hs.create_study(space=space, sampler="random", seed=0)
    again.optimize(objective, n_trials=1, show_progress=False)
    assert again.trials[0].value == study.trials[0].value


def test_objective_define_by_run_with_early_stopping(data: dict[str, Any]) -> None:
    def build(trial: hs.Trial) -> Any:
        return mlp(trial.suggest_int("hidden", 8, 16))

    objective = hst.objective(
        build, lambda m, o, t, e: train_one_epoch(m, o, data), lambda m, t: val_loss(m, data),
        make_optimizer=lambda m, t: torch.optim.SGD(m.parameters(), lr=t.suggest_float(
            "lr", 0.05, 0.2, log=True)),
        epochs=4, patience=1,
    )  # fmt: skip
    study = hs.create_study(seed=1)
    study.optimize(objective, n_trials=2, show_progress=False)
    for t in study.trials:
        assert set(t.params) == {"hidden", "lr"}
        assert t.value == min(t.intermediate.values())  # the restored best epoch's value


def test_bad_input_is_one_clear_error(data: dict[str, Any]) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trial = hs.create_study().ask()
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        hst.train(trial, model, opt, lambda e: None, lambda: 0.0, epochs=0)
    with pytest.raises(ValueError, match="either schedule or reduce_on_plateau"):
        hst.train(trial, model, opt, lambda e: None, lambda: 0.0, epochs=1,
                  schedule=hst.LearningRateSchedule(opt, hs.schedules.exponential_decay(
                      0.1, 0.5, 1)), reduce_on_plateau=hst.ReduceOnPlateau(opt))  # fmt: skip
    with pytest.raises(TypeError, match="schedule must be a function of the epoch"):
        hst.LearningRateSchedule(opt, 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        hst.EarlyStopping(model, patience=0)
    with pytest.raises(ValueError, match="no make_optimizer given"):
        hst.objective(lambda p: mlp(), lambda *a: None, lambda *a: 0.0)({"x": 1}, trial)
