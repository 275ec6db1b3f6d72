"""Keras 3 (on the torch backend): callbacks, an epoch loop and tuning a ``create_model`` function.

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
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras

from ._keras_training import (
    CheckpointCallback,
    EarlyStopping,
    LearningRateSchedule,
    Outcome,
    ReduceOnPlateau,
    ReportCallback,
    fit,
)

if TYPE_CHECKING:
    from hypersweep import Trial

__all__ = [
    "CheckpointCallback",
    "EarlyStopping",
    "LearningRateSchedule",
    "Outcome",
    "ReduceOnPlateau",
    "ReportCallback",
    "build_model",
    "classifier",
    "fit",
    "keras_optimizer",
    "objective",
]


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


# --- tune create_model(...) as a scikit-learn grid search would ---------------------
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
    """An objective for ``study.optimize`` that tunes ``create_model`` directly.

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
    a Keras ``create_model`` with its own arguments, given as top-level estimator
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
    arguments, all as top-level names, so a search space reads like a GridSearchCV grid:
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
