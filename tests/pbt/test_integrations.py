"""The PyTorch and Keras train functions: a copy carries weights, optimizer state and random
state over, and the new interval's hyperparameters replace the donor's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.datasets import load_digits

import hypersweep as hs
from hypersweep import pbt
from hypersweep.integrations import checkpoint
from hypersweep.integrations import pbt as hsp
from hypersweep.pbt import Interval

torch.set_num_threads(1)  # tiny models: threads only contend on a shared machine
digits = load_digits()
X = torch.tensor(digits.data[:400] / 16.0, dtype=torch.float32)
Y = torch.tensor(digits.target[:400])
XV = torch.tensor(digits.data[1400:] / 16.0, dtype=torch.float32)
YV = torch.tensor(digits.target[1400:])


def build(config: dict[str, Any]) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9,
                          weight_decay=config["weight_decay"])  # fmt: skip
    return model, opt


def fit(model: torch.nn.Module, opt: torch.optim.Optimizer, config: Any, steps: int) -> None:
    for _ in range(steps):
        idx = torch.randint(0, len(X), (64,))
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X[idx]), Y[idx]).backward()
        opt.step()


def accuracy(model: torch.nn.Module) -> float:
    with torch.no_grad():
        return float((model(XV).argmax(1) == YV).float().mean())


SPACE = {"lr": hs.Float(1e-3, 0.5, log=True), "weight_decay": hs.Float(1e-6, 1e-2, log=True)}


def interval(tmp: Path, name: str, restore: Path | None, steps: int, start: int = 0) -> Interval:
    save = tmp / name
    save.mkdir()
    return Interval(0, 0, 0, start, steps, restore, save, seed=1)


def test_a_torch_copy_continues_the_donor_with_the_new_hyperparameters(tmp_path: Path) -> None:
    train = hsp.torch_train(build, fit, accuracy)
    train({"lr": 0.1, "weight_decay": 1e-4}, interval(tmp_path, "a", None, 20))
    donor = checkpoint.load(tmp_path / "a" / hsp.STATE)  # weights_only loading
    train({"lr": 0.02, "weight_decay": 1e-3}, interval(tmp_path, "b", tmp_path / "a", 0, 20))
    copy = checkpoint.load(tmp_path / "b" / hsp.STATE)
    for k, v in donor["model"].items():
        assert torch.equal(v, copy["model"][k])
    group = copy["optimizer"]["param_groups"][0]
    assert group["lr"] == 0.02 and group["weight_decay"] == 1e-3
    assert group["momentum"] == 0.9  # not in the config: the donor's stays
    assert copy["optimizer"]["state"]  # the momentum buffers came along
    assert copy["step"] == 20


def test_pbt_trains_a_torch_mlp_on_digits(tmp_path: Path) -> None:
    hs.set_verbosity(0)
    result = pbt.run(hsp.torch_train(build, fit, accuracy), SPACE, population=4, interval=15,
                     total_steps=60, checkpoint_dir=tmp_path, seed=0)  # fmt: skip
    first = [s.score for s in result.lineage if s.turn == 0]
    assert result.best_score > max(first)  # more training, better members
    assert result.best_score > 0.6  # chance is 0.1
    for s in result.lineage:  # every turn ran with its own hyperparameters
        saved = checkpoint.load(Path(result.study.trials[s.number].system_attrs["pbt"]["save"])
                                / hsp.STATE)  # fmt: skip
        assert saved["optimizer"]["param_groups"][0]["lr"] == s.params["lr"]
        assert saved["step"] == s.end_step


def test_a_keras_copy_continues_the_donor_with_the_new_learning_rate(tmp_path: Path) -> None:
    import keras

    x, y = digits.data[:200] / 16.0, digits.target[:200]

    def build_keras(config: Any) -> Any:
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(10)])  # fmt: skip
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=keras.optimizers.Adam(config["lr"]), loss=loss)
        return model

    def fit_keras(model: Any, config: Any, steps: int) -> None:
        if steps:
            model.fit(x, y, batch_size=64, epochs=steps, verbose=0)

    score = lambda model: -float(model.evaluate(x, y, verbose=0))  # noqa: E731
    train = hsp.keras_train(build_keras, fit_keras, score)
    train({"lr": 0.01}, interval(tmp_path, "a", None, 2))
    donor = checkpoint.load(tmp_path / "a" / hsp.STATE)
    seen: list[Any] = []

    def fit_and_look(model: Any, config: Any, steps: int) -> None:
        seen.append((float(np.asarray(model.optimizer.learning_rate)),
                     int(np.asarray(model.optimizer.iterations))))  # fmt: skip

    hsp.keras_train(build_keras, fit_and_look, score)(
        {"lr": 0.003}, interval(tmp_path, "b", tmp_path / "a", 0, 2)
    )
    copy = checkpoint.load(tmp_path / "b" / hsp.STATE)
    for a, b in zip(donor["weights"], copy["weights"], strict=True):
        assert torch.equal(a, b)
    assert seen[0][0] == np.float32(0.003)
    assert seen[0][1] == 2 * 4  # the donor's Adam step count came along (200 / 64: 4 batches)
