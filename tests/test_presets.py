"""presets: sensible ranges as ready sub-spaces, and torch optimizers built from them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep import presets

N = 1000


def draws(definition: Any, n: int = N) -> list[Any]:
    space = hs.Space({"x": definition})
    rng = np.random.default_rng(0)
    return [space.sample(rng)["x"] for _ in range(n)]


def test_every_preset_builds_a_space() -> None:
    space = hs.Space(
        {
            "optimizer": presets.optimizer(),
            "fine": presets.optimizer(fine_tuning=True),
            "batch_size": presets.batch_size(),
            "batch_pow2": presets.batch_size(powers_of_two=True),
            "dropout": presets.dropout(),
            "weight_decay": presets.weight_decay(),
            "init": presets.initializer(),
            "activation": presets.activation(),
            "kernel": presets.kernel_size(),
        }
    )
    value = space.sample(0)
    space.validate(value)
    assert hs.Space.from_json(space.to_json()).to_json() == space.to_json()


@pytest.mark.parametrize("fine_tuning", [False, True])
def test_optimizer_samples_stay_in_their_ranges(fine_tuning: bool) -> None:
    seen = set()
    for branch in draws(presets.optimizer(fine_tuning=fine_tuning)):
        name = branch["name"]
        seen.add(name)
        low, high = presets.learning_rate_range(name, fine_tuning=fine_tuning)
        assert low <= branch["lr"] <= high
        if name in ("adam", "adamax", "nadam"):
            assert 0.85 <= branch["beta_1"] <= 0.95
            assert branch["beta_2"] == 0.999 and branch["epsilon"] == 1e-8
        elif name == "momentum":
            assert 0.8 <= branch["momentum"] <= 0.99
        elif name == "sgd":
            assert branch["momentum"] == 0.0
            assert set(branch) == {"name", "lr", "momentum"}
        else:
            assert set(branch) == {"name", "lr"}
    assert seen == set(presets.OPTIMIZERS)


def test_seed_004_learning_rates() -> None:
    assert presets.learning_rate_range("sgd") == (1e-2, 1e-1)
    assert presets.learning_rate_range("adadelta") == (1e-2, 1e-1)
    for name in ("momentum", "adagrad", "rmsprop", "adam", "adamax", "nadam"):
        assert presets.learning_rate_range(name) == (1e-3, 1e-2)


def test_fine_tuning_ranges_are_lower() -> None:
    for name in presets.OPTIMIZERS:
        low, high = presets.learning_rate_range(name)
        f_low, f_high = presets.learning_rate_range(name, fine_tuning=True)
        assert f_low == pytest.approx(low / 100) and f_high == pytest.approx(high / 10)
    coarse = max(b["lr"] for b in draws(presets.optimizer(names=["adam"])))
    fine = max(b["lr"] for b in draws(presets.optimizer(fine_tuning=True, names=["adam"])))
    assert fine < coarse


def test_optimizer_names_subset_and_errors() -> None:
    assert {b["name"] for b in draws(presets.optimizer(names=["sgd", "adam"]), 200)} == {
        "sgd",
        "adam",
    }
    with pytest.raises(ValueError, match="unknown optimizer"):
        presets.optimizer(names=["adamw"])
    with pytest.raises(ValueError, match="at least one"):
        presets.optimizer(names=[])


def test_batch_size_is_log_scaled_int() -> None:
    values = draws(presets.batch_size())
    assert all(isinstance(v, int) and 16 <= v <= 1024 for v in values)
    # log scale: as many draws in [16, 128) as in [128, 1024]
    assert 0.4 < np.mean([v < 128 for v in values]) < 0.6
    assert all(1 <= v <= 1024 for v in draws(presets.batch_size(low=1)))
    assert set(draws(presets.batch_size(powers_of_two=True))) == {16, 32, 64, 128, 256, 512, 1024}


def test_dropout_and_weight_decay_ranges() -> None:
    assert all(0.0 <= v <= 0.5 for v in draws(presets.dropout()))
    decays = draws(presets.weight_decay())
    assert all(isinstance(v, float) and 0.0 <= v <= 1e-4 for v in decays)
    zeros = sum(v == 0.0 for v in decays)
    assert 400 < zeros < 600
    nonzero = [v for v in decays if v > 0]
    assert min(nonzero) >= 1e-6 and sum(v < 1e-5 for v in nonzero) > len(nonzero) / 3


def test_initializer_activation_kernel() -> None:
    inits = draws(presets.initializer())
    names = {v if isinstance(v, str) else v["name"] for v in inits}
    assert names == {*presets.INITIALIZERS, "variance_scaling"}
    for v in inits:
        if isinstance(v, dict):
            assert 0.5 <= v["scale"] <= 2.0
            assert v["mode"] in ("fan_in", "fan_out", "fan_avg")
            assert v["distribution"] in ("truncated_normal", "uniform")
    assert set(draws(presets.initializer(variance_scaling=False))) == set(presets.INITIALIZERS)
    assert set(draws(presets.activation())) == {"relu", "tanh", "sigmoid", "elu", "selu", "gelu"}
    assert set(draws(presets.kernel_size())) == {1, 3, 5, 7}


def test_presets_tune_end_to_end() -> None:
    space = {"optimizer": presets.optimizer(), "dropout": presets.dropout()}
    result = hs.minimize(
        lambda p: abs(p["optimizer"]["lr"] - 0.005) + p["dropout"],
        space,
        n_trials=30,
        seed=0,
        verbosity=0,
    )
    assert result.best_params["optimizer"]["name"] in presets.OPTIMIZERS


@pytest.mark.parametrize("name", presets.OPTIMIZERS)
def test_torch_optimizer_uses_sampled_values(name: str) -> None:
    torch = pytest.importorskip("torch")
    branch = draws(presets.optimizer(names=[name]), 1)[0]
    model = torch.nn.Linear(3, 1)
    opt = presets.torch_optimizer(branch, model.parameters())
    group = opt.param_groups[0]
    assert group["lr"] == pytest.approx(branch["lr"])
    expected = {
        "sgd": torch.optim.SGD,
        "momentum": torch.optim.SGD,
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adadelta": torch.optim.Adadelta,
        "adam": torch.optim.Adam,
        "adamax": torch.optim.Adamax,
        "nadam": torch.optim.NAdam,
    }[name]
    assert type(opt) is expected
    if name in ("adam", "adamax", "nadam"):
        assert group["betas"] == pytest.approx((branch["beta_1"], 0.999))
        assert group["eps"] == pytest.approx(1e-8)
    if name in ("sgd", "momentum"):
        assert group["momentum"] == pytest.approx(branch["momentum"])
    # one step runs
    model(torch.ones(2, 3)).sum().backward()
    opt.step()


def test_torch_optimizer_accepts_full_params_and_extra_options() -> None:
    torch = pytest.importorskip("torch")
    params = {"optimizer": {"name": "adam", "lr": 1e-3, "beta_1": 0.88}, "dropout": 0.1}
    opt = presets.torch_optimizer(params, torch.nn.Linear(2, 1).parameters(), weight_decay=1e-5)
    group = opt.param_groups[0]
    assert group["betas"] == pytest.approx((0.88, 0.999))
    assert group["weight_decay"] == pytest.approx(1e-5)
    with pytest.raises(ValueError, match="unknown optimizer"):
        presets.torch_optimizer({"name": "lbfgs", "lr": 1.0}, torch.nn.Linear(2, 1).parameters())
