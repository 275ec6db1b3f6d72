"""Keras callbacks and the epoch loop behind :mod:`hypersweep.integrations.keras`.

Import them from there (its ``__all__`` lists them); this module only keeps ``keras.py`` small.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

from hypersweep import TrialPruned, schedules
from hypersweep._checks import int_at_least

from ._readout import EarlyStoppingReadout
from .checkpoint import Checkpoints, restore_rng_state, rng_state

if TYPE_CHECKING:
    from hypersweep import Trial

_HIGHER_IS_BETTER = ("acc", "accuracy", "auc", "precision", "recall", "f1")


def _mode(monitor: str, mode: str) -> str:
    if mode == "auto":
        return "max" if monitor.split("_")[-1].lower() in _HIGHER_IS_BETTER else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min', 'max' or 'auto', but got {mode!r}")
    return mode


def _monitored(logs: Mapping[str, Any] | None, monitor: str) -> float:
    logs = logs or {}
    if monitor not in logs:
        raise ValueError(
            f"monitor {monitor!r} is not in this epoch's logs {sorted(logs)}; pass "
            f"validation_data (or validation_split) to fit for 'val_*' names, or monitor "
            f"one of those"
        )
    return float(logs[monitor])


def _lr(model: Any) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


class ReportCallback(keras.callbacks.Callback):
    """Report ``logs[monitor]`` as ``trial.report(value, step=epoch + 1)`` after every
    epoch; when the pruner says so, stop training and raise ``hs.TrialPruned`` (out of
    ``model.fit``, so the objective ends there and the study records PRUNED)."""

    def __init__(self, trial: Trial, monitor: str = "val_loss", *, prune: bool = True) -> None:
        super().__init__()
        self.trial, self.monitor, self.prune = trial, monitor, prune
        self.values: list[float] = []

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        value = _monitored(logs, self.monitor)
        self.values.append(value)
        self.trial.report(value, step=epoch + 1)
        if self.prune and self.trial.should_prune():
            self.model.stop_training = True
            raise TrialPruned(f"trial {self.trial.number} pruned after {epoch + 1} epochs")


class EarlyStopping(EarlyStoppingReadout, keras.callbacks.Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    with ``restore_best_weights`` the model ends with the best epoch's weights (also
    when training ran out of epochs first). One object per training run: its state
    carries over a resume rather than being reset at ``on_train_begin``."""

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        mode: str = "auto",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.rule = schedules.EarlyStopping(
            patience=patience, min_delta=min_delta, mode=_mode(monitor, mode)
        )
        self.restore_best_weights = restore_best_weights
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        stop = self.rule.update(_monitored(logs, self.monitor))
        if self.rule.improved and self.restore_best_weights:
            self.best_weights = self.model.get_weights()
        if stop:
            self.model.stop_training = True

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        weights = None if self.best_weights is None else [_tensor(w) for w in self.best_weights]
        return {**self.rule.state_dict(), "weights": weights}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rule.load_state_dict(state)
        weights = state["weights"]
        self.best_weights = None if weights is None else [w.numpy() for w in weights]


class ReduceOnPlateau(keras.callbacks.Callback):
    """The plateau rule: halve the optimizer's rate (``factor``) after ``patience`` epochs
    without improvement of ``monitor``; stop training once the rate has fallen to
    ``min_ratio`` (1/1024) of the rate at the start."""

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        mode: str = "auto",
        patience: int = 10,
        factor: float = 0.5,
        min_delta: float = 0.0,
        min_ratio: float = 1 / 1024,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        # validate now; the starting rate is only known when training begins
        self.options: dict[str, Any] = dict(
            patience=patience, factor=factor, min_delta=min_delta, mode=_mode(monitor, mode),
            min_ratio=min_ratio,
        )
        self.rule = schedules.ReduceOnPlateau(1.0, **self.options)
        self.started = False

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        if not self.started:  # a resumed run keeps the state loaded from its checkpoint
            self.rule = schedules.ReduceOnPlateau(_lr(self.model), **self.options)
            self.started = True

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self.model.optimizer.learning_rate = self.rule.update(_monitored(logs, self.monitor))
        if self.rule.stop:
            self.model.stop_training = True

    @property
    def stopped(self) -> bool:
        return self.rule.stop

    def state_dict(self) -> dict[str, Any]:
        return {"initial": self.rule.initial, **self.rule.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rule = schedules.ReduceOnPlateau(state["initial"], **self.options)
        self.rule.load_state_dict(state)
        self.started = True


class LearningRateSchedule(keras.callbacks.Callback):
    """Set the optimizer's rate to ``schedule(epoch)`` (0-based) before each epoch, for
    any ``hs.schedules`` schedule; ``rates`` keeps what was set."""

    def __init__(self, schedule: Callable[[int], float]) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"schedule must be a function of the epoch, e.g. "
                f"hs.schedules.exponential_decay(0.1, 0.5, 10), but got {schedule!r}"
            )
        self.schedule = schedule
        self.rates: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        rate = float(self.schedule(epoch))
        self.model.optimizer.learning_rate = rate
        self.rates.append(rate)


# --- checkpoints -------------------------------------------------------------------
def _tensor(array: Any) -> Any:
    import torch

    return torch.from_numpy(np.array(keras.ops.convert_to_numpy(array), copy=True))


def _optimizer_built(model: Any) -> Any:
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return optimizer


class CheckpointCallback(keras.callbacks.Callback):
    """Save a checkpoint after every epoch: weights, optimizer variables, the random
    generators, the monitored history and the ``controls``' state (tensors only)."""

    def __init__(
        self,
        checkpoints: Checkpoints,
        *,
        monitor: str = "val_loss",
        controls: Sequence[Any] = (),
        history: list[float] | None = None,
    ) -> None:
        super().__init__()
        self.checkpoints, self.monitor, self.controls = checkpoints, monitor, list(controls)
        self.history = history if history is not None else []

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self.history.append(_monitored(logs, self.monitor))
        self.checkpoints.save(epoch + 1, {
            "model": [_tensor(w) for w in self.model.get_weights()],
            "optimizer": [_tensor(v) for v in _optimizer_built(self.model).variables],
            "rng": rng_state(),
            "history": list(self.history),
            "controls": [c.state_dict() for c in self.controls],
        })  # fmt: skip


class _RestoreRng(keras.callbacks.Callback):
    """Put the saved generators back as the first resumed epoch begins, not before fit:
    fit's own set-up draws from torch's generator, which the uninterrupted run did once."""

    def __init__(self, state: Mapping[str, Any]) -> None:
        super().__init__()
        self.state: Mapping[str, Any] | None = state

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self.state is not None:
            restore_rng_state(self.state)
            self.state = None


def _resume(
    trial: Trial,
    ckpt: Checkpoints,
    model: Any,
    controls: Sequence[Any],
    history: list[float],
    rng: list[Mapping[str, Any]],
) -> int:
    state = ckpt.latest()
    if state is None:
        return 0
    model.set_weights([w.numpy() for w in state["model"]])
    variables = _optimizer_built(model).variables
    if len(variables) != len(state["optimizer"]):
        raise ValueError(
            f"the checkpoint in {ckpt.directory} holds {len(state['optimizer'])} optimizer "
            f"variables but this model's optimizer has {len(variables)}: it was saved by a "
            f"different model or optimizer"
        )
    for variable, value in zip(variables, state["optimizer"]):
        variable.assign(value.numpy())
    for control, saved in zip(controls, state["controls"]):
        control.load_state_dict(saved)
    restore_rng_state(state["rng"])  # and again as the first epoch begins (_RestoreRng)
    rng.append(state["rng"])
    history.extend(float(v) for v in state["history"])
    for step, value in enumerate(history, start=1):
        trial.report(value, step=step)
    trial.set_user_attr("resumed_at_epoch", int(state["epoch"]))
    return int(state["epoch"])


# --- the epoch loop ----------------------------------------------------------------
@dataclass
class Outcome:
    """What :func:`fit` did: the value to return to the study and how it got there."""

    value: float  # the best value with restored weights, else the last one
    history: list[float] = field(default_factory=list)  # monitored value per epoch
    epochs_run: int = 0  # epochs trained by this call
    resumed_at: int = 0  # epochs already trained before it (from a checkpoint)
    stopped_early: bool = False


def fit(
    trial: Trial,
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    epochs: int,
    monitor: str = "val_loss",
    early_stopping: EarlyStopping | None = None,
    reduce_on_plateau: ReduceOnPlateau | None = None,
    schedule: LearningRateSchedule | None = None,
    checkpoints: Checkpoints | str | os.PathLike[str] | None = None,
    callbacks: Sequence[Any] = (),
    prune: bool = True,
    **fit_kwargs: Any,
) -> Outcome:
    """``model.fit`` with reporting and pruning every epoch, the given controls and
    per-epoch checkpoints. A retried trial whose original saved checkpoints continues
    from the last one (``initial_epoch``), with weights, optimizer, controls and random
    state restored. Other keyword arguments go to ``model.fit``.
    """
    int_at_least("keras.fit", "epochs", epochs, 1)
    if schedule is not None and reduce_on_plateau is not None:
        raise ValueError("pass either schedule or reduce_on_plateau: both would set the rate")
    controls = [c for c in (early_stopping, reduce_on_plateau) if c is not None]
    history: list[float] = []
    ckpt = checkpoints
    if ckpt is not None and not isinstance(ckpt, Checkpoints):
        ckpt = Checkpoints(ckpt, trial)
    resumed_rng: list[Mapping[str, Any]] = []
    start = _resume(trial, ckpt, model, controls, history, resumed_rng) if ckpt else 0
    report = ReportCallback(trial, monitor, prune=prune)
    # the schedule sets the rate first; the user's callbacks may add the monitored metric
    chain: list[Any] = [*([schedule] if schedule else []), *callbacks, *controls]
    if ckpt is not None:
        chain.append(CheckpointCallback(ckpt, monitor=monitor, controls=controls,
                                        history=history))  # fmt: skip
    if resumed_rng:
        chain.insert(0, _RestoreRng(resumed_rng[0]))
    chain.append(report)  # last: a pruned epoch is saved and its controls updated first
    stopped = any(getattr(c, "stopped", False) for c in controls)
    if start < epochs and not stopped:
        fit_kwargs.setdefault("verbose", 0)
        model.fit(x, y, epochs=epochs, initial_epoch=start, callbacks=chain, **fit_kwargs)
    elif early_stopping is not None:  # nothing left to train: still restore the best
        early_stopping.set_model(model)
        early_stopping.on_train_end()
    if ckpt is None:
        history.extend(report.values)
    value, weights_epoch = (history[-1] if history else math.nan), len(history)
    if early_stopping is not None and early_stopping.restore_best_weights and history:
        value, weights_epoch = early_stopping.best_value, early_stopping.best_epoch
    if ckpt is not None:  # "epoch": how many epochs the saved weights had trained
        ckpt.save_final({"model": [_tensor(w) for w in model.get_weights()], "value": value,
                         "epoch": weights_epoch, "epochs_trained": len(history)})  # fmt: skip
    stopped = any(getattr(c, "stopped", False) for c in controls)
    return Outcome(value, history, len(history) - start, start, stopped)
