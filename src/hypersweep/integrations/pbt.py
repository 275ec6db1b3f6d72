"""``train(config, interval)`` functions for :func:`hypersweep.pbt.run`, for PyTorch and Keras.

A population member's state is one checkpoint file, ``<interval.save>/state.pt``,
written atomically (a temporary file, then a rename, so a kill never leaves half a
file) and read back with ``torch.load(weights_only=True)`` through
:func:`hypersweep.integrations.checkpoint.load`. It holds the model's weights, the
optimizer's state and the random generators' states, so a copied member goes on
exactly where its donor stopped; the hyperparameters of the new interval are then
written into the optimizer (loading its state would otherwise bring back the donor's).

>>> import torch, tempfile, pathlib, hypersweep as hs
>>> from hypersweep.integrations import pbt as hsp
>>> x, y = torch.randn(32, 3), torch.randn(32, 1)
>>> def build(config):
...     model = torch.nn.Linear(3, 1)
...     return model, torch.optim.SGD(model.parameters(), lr=config["lr"])
>>> def fit(model, optimizer, config, steps):
...     for _ in range(steps):
...         optimizer.zero_grad(); torch.nn.functional.mse_loss(model(x), y).backward()
...         optimizer.step()
>>> score = lambda model: -torch.nn.functional.mse_loss(model(x), y).item()
>>> train = hsp.torch_train(build, fit, score)
>>> result = hs.pbt.run(train, {"lr": hs.Float(1e-3, 0.1, log=True)}, population=2,
...                     interval=5, total_steps=10, checkpoint_dir=tempfile.mkdtemp())
>>> result.best_checkpoint.joinpath("state.pt").exists()
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .checkpoint import load, load_weights, restore_rng_state, rng_state

__all__ = ["OPTIMIZER_KEYS", "STATE", "keras_train", "torch_train"]

STATE = "state.pt"
# config keys written into every optimizer parameter group (Keras: optimizer attributes)
OPTIMIZER_KEYS = ("lr", "weight_decay", "momentum")
KERAS_KEYS = {"lr": "learning_rate", "learning_rate": "learning_rate",
              "weight_decay": "weight_decay", "momentum": "momentum"}  # fmt: skip


def save_state(state: dict[str, Any], directory: Path) -> Path:
    """``state`` as ``directory/state.pt``, replaced atomically."""
    import torch

    target = Path(directory) / STATE
    tmp = target.with_name(f".{STATE}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, target)
    return target


def load_state(directory: Path) -> dict[str, Any]:
    path = Path(directory) / STATE
    if not path.exists():
        raise FileNotFoundError(
            f"no {STATE} in {directory}: the member to restore was not trained with "
            f"hypersweep.integrations.pbt (or its checkpoint was deleted)"
        )
    return load(path)


def torch_train(
    build: Callable[[Any], tuple[Any, Any]],
    fit: Callable[[Any, Any, Any, int], Any],
    score: Callable[[Any], float],
    *,
    optimizer_keys: Sequence[str] = OPTIMIZER_KEYS,
) -> Callable[[Any, Any], float]:
    """A PBT ``train`` from three functions: ``build(config) -> (model, optimizer)``,
    ``fit(model, optimizer, config, steps)`` (train that many steps) and ``score(model)``.

    Before ``fit``, the config's values of ``optimizer_keys`` ("lr", "weight_decay",
    "momentum") are written into every parameter group, so explored values take effect
    on a copied optimizer; any other hyperparameter is ``fit``'s to use.
    """

    def train(config: Any, interval: Any) -> float:
        model, optimizer = build(config)
        if interval.restore is not None:
            state = load_state(interval.restore)
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            restore_rng_state(state["rng"])
        else:
            import torch

            torch.manual_seed(interval.seed)
        for group in optimizer.param_groups:
            for key in optimizer_keys:
                if key in config and key in group:
                    group[key] = config[key]
        model.train()
        fit(model, optimizer, config, interval.steps)
        model.eval()
        save_state({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "rng": rng_state(), "step": interval.start_step + interval.steps},
                   interval.save)  # fmt: skip
        return float(score(model))

    return train


def keras_train(
    build: Callable[[Any], Any],
    fit: Callable[[Any, Any, int], Any],
    score: Callable[[Any], float],
) -> Callable[[Any, Any], float]:
    """A PBT ``train`` for a Keras model: ``build(config)`` returns a compiled model,
    ``fit(model, config, steps)`` trains it that many steps (e.g. ``model.fit(...,
    epochs=steps)``), ``score(model)`` evaluates it. Weights and optimizer variables are
    saved as tensors; "lr" / "learning_rate", "weight_decay" and "momentum" of the config
    are written into the optimizer after a restore."""

    def train(config: Any, interval: Any) -> float:
        import torch

        model = build(config)
        optimizer = model.optimizer
        if interval.restore is not None:
            state = load_state(interval.restore)
            load_weights(model, state["weights"])
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            saved = state["optimizer"]
            if len(saved) == len(optimizer.variables):
                for variable, value in zip(optimizer.variables, saved):
                    variable.assign(value.numpy())
            restore_rng_state(state["rng"])
        for key, attr in KERAS_KEYS.items():
            if key in config and hasattr(optimizer, attr):
                current = getattr(optimizer, attr)
                if hasattr(current, "assign"):
                    current.assign(float(config[key]))
                else:
                    setattr(optimizer, attr, float(config[key]))
        fit(model, config, interval.steps)
        tensors = lambda xs: [torch.as_tensor(_numpy(x)) for x in xs]  # noqa: E731
        save_state({"weights": tensors(model.get_weights()),
                    "optimizer": tensors(optimizer.variables), "rng": rng_state(),
                    "step": interval.start_step + interval.steps}, interval.save)  # fmt: skip
        return float(score(model))

    return train


def _numpy(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "numpy"):
        value = value.numpy()
    elif hasattr(value, "value") and hasattr(value.value, "cpu"):
        value = value.value.detach().cpu().numpy()
    return np.array(value, copy=True)
