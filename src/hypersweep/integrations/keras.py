"""Keras 3 (on the torch backend): callbacks, an epoch loop and seed 001's model function.

The callbacks run the same rules as :mod:`hypersweep.integrations.torch`, taken
from :mod:`hypersweep.schedules`:

- :class:`ReportCallback` reports the monitored value after every epoch (step =
  epochs trained) and stops a trial the pruner gives up on (``hs.TrialPruned``);
- :class:`EarlyStopping`, :class:`ReduceOnPlateau` (halve, stop at 1/1024) and
  :class:`LearningRateSchedule` (any ``hs.schedules`` schedule);
- :class:`CheckpointCallback` saves each epoch (weights, optimizer, random state)
  through :mod:`hypersweep.integrations.checkpoint`.

:func:`fit` wires them into ``model.fit`` and resumes a retried trial from its
last checkpoint; :func:`objective` tunes a ``create_model(**params)`` function
directly; :func:`classifier` wraps it for ``hs.sklearn.SearchCV`` (scikeras).

Importing this module sets ``KERAS_BACKEND=torch`` unless a backend is already
chosen (Keras reads it once, at its own import).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

from hypersweep import TrialPruned, schedules

from .checkpoint import Checkpoints, restore_rng_state, rng_state

if TYPE_CHECKING:
    from hypersweep import Trial

__all__ = [
    "CheckpointCallback",
    "EarlyStopping",
    "LearningRateSchedule",
    "Outcome",
    "ReduceOnPlateau",
    "ReportCallback",
    "classifier",
    "fit",
    "keras_optimizer",
    "objective",
]

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


class EarlyStopping(keras.callbacks.Callback):
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

    @property
    def best_value(self) -> float:
        return self.rule.sign * self.rule.best

    @property
    def best_epoch(self) -> int:
        """Epochs trained when the best value was seen (1-based, like the reported steps)."""
        return self.rule.best_epoch + 1

    @property
    def stopped(self) -> bool:
        return self.rule.stop

    def state_dict(self) -> dict[str, Any]:
        r = self.rule
        weights = None if self.best_weights is None else [_tensor(w) for w in self.best_weights]
        return {"best": r.best, "best_epoch": r.best_epoch, "epoch": r.epoch, "stop": r.stop,
                "weights": weights}  # fmt: skip

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        r = self.rule
        r.best, r.best_epoch, r.epoch, r.stop = (
            state["best"], state["best_epoch"], state["epoch"], state["stop"])  # fmt: skip
        weights = state["weights"]
        self.best_weights = None if weights is None else [w.numpy() for w in weights]


class ReduceOnPlateau(keras.callbacks.Callback):
    """Seed 004's rule: halve the optimizer's rate (``factor``) after ``patience`` epochs
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
        r = self.rule
        return {"initial": r.initial, "lr": r.lr, "best": r.best, "waited": r.waited,
                "stop": r.stop}  # fmt: skip

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rule = schedules.ReduceOnPlateau(state["initial"], **self.options)
        r = self.rule
        r.lr, r.best, r.waited, r.stop = state["lr"], state["best"], state["waited"], state["stop"]
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
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, but got {epochs!r}")
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


# --- optimizers --------------------------------------------------------------------
_KERAS_CLASSES = {
    "sgd": "SGD", "momentum": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
    "adadelta": "Adadelta", "adam": "Adam", "adamax": "Adamax", "nadam": "Nadam",
}  # fmt: skip


def keras_optimizer(spec: Any) -> Any:
    """A Keras optimizer from a name (``"adam"``), an optimizer, or a sampled
    ``hs.presets.optimizer()`` branch (``{"name": "adam", "lr": ..., "beta_1": ...}``)."""
    if not isinstance(spec, Mapping):
        return keras.optimizers.get(spec)
    name = spec.get("name")
    if name not in _KERAS_CLASSES:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {list(_KERAS_CLASSES)}")
    options: dict[str, Any] = {"learning_rate": float(spec["lr"])}
    if name in ("sgd", "momentum"):
        options["momentum"] = float(spec.get("momentum", 0.0))
    if name in ("adam", "adamax", "nadam"):
        options.update(beta_1=float(spec.get("beta_1", 0.9)),
                       beta_2=float(spec.get("beta_2", 0.999)),
                       epsilon=float(spec.get("epsilon", 1e-8)))  # fmt: skip
    return getattr(keras.optimizers, _KERAS_CLASSES[name])(**options)


# --- seed 001: tune create_model(...) ----------------------------------------------
_FIT_PARAMS = ("epochs", "batch_size", "optimizer")


def _arguments(create_model: Callable[..., Any]) -> tuple[set[str], bool]:
    parameters = inspect.signature(create_model).parameters.values()
    names = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return names, any(p.kind is p.VAR_KEYWORD for p in parameters)


def build_model(
    create_model: Callable[..., Any],
    params: Mapping[str, Any],
    *,
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
) -> Any:
    """``create_model`` called with its own arguments from ``params``.

    ``params["optimizer"]`` (a name or a sampled ``hs.presets.optimizer()`` branch, made
    a Keras optimizer by :func:`keras_optimizer`) goes to ``create_model`` when it takes
    an ``optimizer`` argument; otherwise the model is (re)compiled with it and ``loss``
    (or the loss ``create_model`` compiled with) and ``metrics``.
    """
    names, takes_any = _arguments(create_model)
    unknown = sorted(k for k in params if k not in names and k not in _FIT_PARAMS)
    if unknown and not takes_any:
        raise ValueError(
            f"create_model takes no argument(s) {unknown}; its arguments are {sorted(names)}, "
            f"and {list(_FIT_PARAMS)} go to compile and fit"
        )
    args = {k: v for k, v in params.items() if k in names or (takes_any and k not in _FIT_PARAMS)}
    if "optimizer" in params and "optimizer" in names:  # a preset branch becomes an optimizer
        spec = params["optimizer"]
        args["optimizer"] = keras_optimizer(spec) if isinstance(spec, Mapping) else spec
    model = create_model(**args)
    if ("optimizer" in params and "optimizer" not in names) or not model.compiled:
        if loss is None and not model.compiled:
            raise ValueError(
                "create_model returned an uncompiled model: pass loss= (and metrics=) to "
                "compile it, or compile it inside create_model"
            )
        model.compile(optimizer=keras_optimizer(params.get("optimizer", "adam")),
                      loss=loss if loss is not None else model.loss,
                      metrics=list(metrics) if metrics else None)  # fmt: skip
    return model


def objective(
    create_model: Callable[..., Any],
    x: Any,
    y: Any,
    *,
    validation_data: Any = None,
    validation_split: float = 0.0,
    epochs: int = 10,
    batch_size: int = 32,
    monitor: str = "val_loss",
    mode: str = "auto",
    patience: int | None = None,
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    seed: bool = True,
) -> Callable[..., float]:
    """An objective for ``study.optimize`` that tunes ``create_model`` (seed 001) directly.

    Each sampled parameter named like an argument of ``create_model`` goes to it;
    ``epochs``, ``batch_size`` and ``optimizer`` (a name or an ``hs.presets.optimizer()``
    branch) are tunable too and override the defaults given here. The model trains
    with :func:`fit` (report and prune every epoch, early stopping after ``patience``
    epochs if given, checkpoints under ``checkpoint_dir`` if given) and the objective
    returns ``monitor``'s value: the last one, or the best one when early stopping
    restored its weights. Make the study ``direction="maximize"`` when monitoring an
    accuracy.
    """
    if not callable(create_model):
        raise TypeError(f"create_model must be a function returning a model, got {create_model!r}")

    def run(params: Any, trial: Trial | None = None) -> float:
        trial = params if trial is None else trial  # define-by-run: only the trial is passed
        values: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
        if seed:
            import hypersweep as hs

            hs.seed_everything(trial.seed)
        model = (build_model(create_model, values, loss=loss, metrics=metrics) if values
                 else create_model(params))  # fmt: skip
        early = None
        if patience is not None:
            early = EarlyStopping(monitor, mode=mode, patience=patience)
        outcome = fit(
            trial, model, x, y, epochs=int(values.get("epochs", epochs)),
            batch_size=int(values.get("batch_size", batch_size)), monitor=monitor,
            early_stopping=early, checkpoints=checkpoint_dir,
            validation_data=validation_data, validation_split=validation_split,
        )  # fmt: skip
        trial.set_user_attr("epochs_trained", len(outcome.history))
        return outcome.value

    return run


def _build(create_model: Callable[..., Any], meta: Any = None, compile_kwargs: Any = None,
           params: Any = None, **given: Any) -> Any:  # fmt: skip
    """What scikeras calls (through a ``functools.partial``, which it accepts and clones):
    seed 001's ``create_model`` with its own arguments, given as top-level estimator
    parameters as in the old Keras wrapper, and with the estimator's ``optimizer``.

    An integer ``random_state`` seeds Keras and torch here: scikeras seeds only
    Python, NumPy and TensorFlow, so on the torch backend its fits would differ."""
    seed = (params or {}).get("random_state")
    if isinstance(seed, int) and not isinstance(seed, bool):
        keras.utils.set_random_seed(seed)
    names, takes_any = _arguments(create_model)
    args = {k: v for k, v in given.items() if k in names or takes_any}
    if params is not None and "optimizer" in names:
        args["optimizer"] = params["optimizer"]
    if "meta" in names:
        args["meta"] = meta
    return create_model(**args)


def classifier(create_model: Callable[..., Any], **params: Any) -> Any:
    """A scikit-learn classifier (scikeras ``KerasClassifier``) for ``create_model``,
    for ``hs.sklearn.SearchCV`` or GridSearchCV.

    ``params`` hold both scikeras' own parameters (``epochs``, ``batch_size``,
    ``optimizer``, ``loss``, ``verbose``, ``random_state``...) and ``create_model``'s
    arguments, all as top-level names, so a search space reads like seed 001's grid:
    ``{"neurons": [...], "dropout_rate": [...], "epochs": [...], "optimizer": [...]}``.
    ``optimizer`` goes to ``create_model`` when it takes one, else scikeras compiles
    the model with it.
    """
    try:
        from scikeras.wrappers import KerasClassifier
    except ImportError:
        raise ImportError("classifier() needs scikeras: pip install scikeras") from None
    defaults = {k: p.default for k, p in inspect.signature(create_model).parameters.items()
                if p.default is not inspect.Parameter.empty}  # fmt: skip
    params.setdefault("verbose", 0)
    return KerasClassifier(model=functools.partial(_build, create_model), **{**defaults, **params})
