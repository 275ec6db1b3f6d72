"""The tuner every KerasTuner search class shares, run as a hypersweep study.

A trial builds the model with ``build(hp)`` (values from the study's sampler),
trains it ``executions_per_trial`` times and scores it as KerasTuner does: the
best epoch's value of the objective metric, averaged over executions. The
study lives in ``directory/project_name/hypersweep.db``, so a rerun resumes; the
best epoch's weights of each trial go next to it, written atomically.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import shutil
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

import hypersweep as hs
from hypersweep.integrations.keras import ReportCallback

from .hyperparameters import HyperParameter, HyperParameters, discover
from .objective import Objective, as_objective
from .oracle import BEST_EPOCH, VALUES, Oracle, describe, results_summary

INPUT_SHAPE = "keras_tuner/input_shape"  # user attribute, to build a model that was unbuilt
WEIGHTS = "best_weights.npz"
# KerasTuner options with no counterpart here: accepted, with a warning, so scripts run
_IGNORED = ("max_retries_per_trial", "max_consecutive_failed_trials", "logger", "tuner_id",
            "distribution_strategy", "max_model_size")  # fmt: skip


class HyperModel:
    """Subclass it: ``build(hp)`` returns a compiled model; override ``fit`` to tune
    training arguments (``batch_size=hp.Choice(...)``) or to train differently."""

    def __init__(self, name: str | None = None, tunable: bool = True) -> None:
        self.name, self.tunable = name, tunable

    def build(self, hp: HyperParameters) -> Any:
        raise NotImplementedError("a HyperModel subclass must define build(self, hp)")

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train ``model``; return its History, a dict of metrics, or the objective's value."""
        return model.fit(*args, **kwargs)


class _Function(HyperModel):
    def __init__(self, build: Callable[[HyperParameters], Any]) -> None:
        super().__init__(getattr(build, "__name__", None))
        self.function = build

    def build(self, hp: HyperParameters) -> Any:
        return self.function(hp)


class ObjectiveNotLogged(ValueError):
    """The objective metric is not among what the model logs each epoch."""


class _BestEpoch(keras.callbacks.Callback):
    """Keep the best epoch's value of the objective and the model's weights then."""

    def __init__(self, objective: Objective) -> None:
        super().__init__()
        self.objective = objective
        self.best: float | None = None
        self.epoch: int | None = None
        self.weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        name = self.objective.name
        if name not in logs:
            raise ObjectiveNotLogged(
                f"the objective {name!r} is not among the metrics the model logs each epoch "
                f"({sorted(logs)}); name one of those, add the metric to model.compile("
                f"metrics=[...]), and for a 'val_' metric pass validation_data or "
                f"validation_split to search()"
            )
        value = float(logs[name])
        if math.isfinite(value) and self.objective.better(value, self.best):
            self.best, self.epoch, self.weights = value, epoch + 1, self.model.get_weights()


class Tuner:
    """Search ``hypermodel``'s space; the subclasses choose the sampler and pruner."""

    prunes = False  # Hyperband reports every epoch to its pruner

    def __init__(
        self,
        hypermodel: HyperModel | Callable[[HyperParameters], Any] | None = None,
        objective: str | Objective | None = None,
        max_trials: int | None = 10,
        *,
        executions_per_trial: int = 1,
        seed: int | None = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        directory: str | os.PathLike[str] | None = None,
        project_name: str | None = None,
        overwrite: bool = False,
        optimizer: Any = None,
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        **others: Any,
    ) -> None:
        unknown = sorted(set(others) - set(_IGNORED))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected argument(s) {unknown}")
        for name in others:
            warnings.warn(f"{type(self).__name__}: {name} has no counterpart in hypersweep and "
                          f"is ignored", stacklevel=3)  # fmt: skip
        if isinstance(hypermodel, HyperModel):
            self.hypermodel = hypermodel
        elif callable(hypermodel):
            self.hypermodel = _Function(hypermodel)
        else:
            raise TypeError(
                f"hypermodel must be a build(hp) function or a kt.HyperModel, got {hypermodel!r}"
            )
        self.objective = as_objective(objective)
        counts = (("executions_per_trial", executions_per_trial), ("max_trials", max_trials))
        for label, n in counts:
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
                raise ValueError(f"{label} must be an integer >= 1, got {n!r}")
        self.executions_per_trial, self.max_trials = executions_per_trial, max_trials
        self.seed = seed
        self.preset, self.tune_new_entries = hyperparameters, tune_new_entries
        self.allow_new_entries = allow_new_entries
        self.compile_args = {k: v for k, v in (("optimizer", optimizer), ("loss", loss),
                                                ("metrics", metrics)) if v is not None}  # fmt: skip
        self.directory = Path(directory if directory is not None else ".")
        self.project_name = project_name or "untitled_project"
        self.project_dir = self.directory / self.project_name
        if overwrite and self.project_dir.exists():
            shutil.rmtree(self.project_dir)
        self.space = discover(self._build)
        self.searched()  # a name hyperparameters= forbids fails here, before any trial
        self.project_dir.mkdir(parents=True, exist_ok=True)
        database = (self.project_dir / "hypersweep.db").resolve()
        self.study = hs.create_study(
            self.project_name, storage=f"sqlite:///{database}",
            direction=self.objective.study_direction, sampler=self.make_sampler(),
            pruner=self.make_pruner(), load_if_exists=True,
        )  # fmt: skip
        self.oracle = Oracle(self.study, self.objective, self.n_trials())

    # --- what the subclasses decide -------------------------------------------------
    def make_sampler(self) -> Any:
        return hs.samplers.Random(seed=self.seed)

    def make_pruner(self) -> Any:
        return None

    def n_trials(self) -> int | None:
        return self.max_trials

    def fit_overrides(self) -> dict[str, Any]:
        return {}

    def before_search(self) -> None:
        """Called before each search (GridSearch queues its cells here)."""

    def grid_names(self) -> set[str] | None:
        """Names the sampler covers (a grid); others keep their defaults. None: all."""
        return None

    # --- the space -------------------------------------------------------------------
    def effective(self, p: HyperParameter) -> HyperParameter:
        """``p`` as the search uses it: ``hyperparameters=`` overrides, and without
        ``tune_new_entries`` a parameter it does not name stays at its default."""
        if self.preset is None:
            return p
        given = self.preset.definition(p.name)
        if given is not None:
            return HyperParameter(p.name, given.kind, given.default, given.options, p.conditions)
        if not self.allow_new_entries:
            raise ValueError(
                f"build(hp) defines {p.name!r}, which hyperparameters= does not name, and "
                f"allow_new_entries=False; add it to hyperparameters or allow new entries"
            )
        if not self.tune_new_entries:
            return HyperParameter(p.name, "Fixed", p.default, {"value": p.default}, p.conditions)
        return p

    def searched(self) -> list[HyperParameter]:
        """The parameters of the discovered space, as the search uses them."""
        return [self.effective(p) for p in self.space.space]

    def conditional(self) -> bool:
        return any(p.conditions for p in self.space.space)

    def _draw(self, trial: hs.Trial) -> Callable[[HyperParameter], Any]:
        names = self.grid_names()

        def draw(p: HyperParameter) -> Any:
            p = self.effective(p)
            if names is not None and p.name not in names:
                return p.default
            return p.suggest(trial)

        return draw

    # --- building and training ----------------------------------------------------
    def _build(self, hp: HyperParameters) -> Any:
        model = self.hypermodel.build(hp)
        if model is None or not hasattr(model, "fit"):
            raise TypeError(f"build(hp) must return a Keras model, but it returned {model!r}")
        if self.compile_args:
            model.compile(**self.compile_args)
        return model

    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Run trials until the study holds its budget; the arguments go to ``fit``."""
        callbacks = list(fit_kwargs.pop("callbacks", None) or [])
        verbose = fit_kwargs.get("verbose", 1)
        self.before_search()
        fatal: list[BaseException] = []

        def objective(trial: hs.Trial) -> float:
            try:
                return self._run_trial(trial, fit_args, fit_kwargs, callbacks)
            except ObjectiveNotLogged as exc:
                fatal.append(exc)
                raise

        def after(study: Any, frozen: hs.FrozenTrial) -> None:
            if fatal:  # a mistake every trial would repeat: stop with it at once
                raise fatal[0]

        log = logging.getLogger("hypersweep")  # verbose=0: no new-best lines either
        level = log.level
        if not verbose:
            log.setLevel(logging.WARNING)
        try:
            self.study.optimize(objective, n_trials=self.n_trials(), callbacks=[after],
                                show_progress=False)  # fmt: skip
        finally:
            log.setLevel(level)

    def _run_trial(self, trial: hs.Trial, args: tuple[Any, ...], kwargs: dict[str, Any],
                   callbacks: list[Any]) -> float:  # fmt: skip
        hp = HyperParameters.drawn_by(self._draw(trial))
        scores: list[float] = []
        best: tuple[float, int | None, list[np.ndarray]] | None = None
        try:
            for execution in range(self.executions_per_trial):
                keras.utils.set_random_seed((trial.seed + execution) % 2**32)
                model = self._build(hp)
                tracker = _BestEpoch(self.objective)
                run = [_copied(c) for c in callbacks] + [tracker]
                if self.prunes and execution == 0:  # one learning curve per trial
                    run.append(ReportCallback(trial, self.objective.name))
                options = {**kwargs, **self.fit_overrides(), "callbacks": run}
                result = self.hypermodel.fit(hp, model, *args, **options)
                score = _score(result, tracker, self.objective)
                scores.append(score)
                value = tracker.best if tracker.best is not None else score
                if best is None or self.objective.better(value, best[0]):
                    weights = tracker.weights
                    best = (value, tracker.epoch, weights or model.get_weights())
                if args and hasattr(args[0], "shape"):  # to build a model that builds lazily
                    trial.set_user_attr(INPUT_SHAPE, [None, *args[0].shape[1:]])
        finally:
            trial.set_user_attr(VALUES, hp.values)
        if best is not None:
            trial.set_user_attr(BEST_EPOCH, best[1])
            self._save(trial.number, best[2])
        return float(np.mean(scores))

    def trial_dir(self, number: int) -> Path:
        return self.project_dir / f"trial_{number:04d}"

    def _save(self, number: int, weights: list[np.ndarray]) -> None:
        """Write the weights to a temporary file, then rename: a reader never sees half."""
        folder = self.trial_dir(number)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{WEIGHTS}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            np.savez(f, *weights)
        os.replace(tmp, folder / WEIGHTS)

    # --- results ------------------------------------------------------------------
    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list[Any]:
        """The best trials' models, rebuilt with their values and given the weights of
        their best epoch (saved during the search)."""
        models = []
        for trial in self.oracle.get_best_trials(num_models):
            path = self.trial_dir(trial.record.number) / WEIGHTS
            if not path.exists():
                raise FileNotFoundError(
                    f"trial {trial.trial_id} has no saved weights at {path}; was the project "
                    f"directory moved or cleaned? Rebuild with tuner.hypermodel.build("
                    f"tuner.get_best_hyperparameters()[0]) and train it again"
                )
            model = self._build(HyperParameters.from_values(trial.hyperparameters.values))
            with np.load(path) as data:
                weights = [data[f"arr_{i}"] for i in range(len(data.files))]
            shape = trial.record.user_attrs.get(INPUT_SHAPE)
            if not model.weights and shape:
                model.build(tuple(shape))
            model.set_weights(weights)
            models.append(model)
        return models

    def search_space_summary(self, extended: bool = False) -> None:
        print("Search space summary")
        print(f"Default search space size: {len(self.space.space)}")
        for p in self.searched():
            print(describe(p))

    def results_summary(self, num_trials: int = 10) -> None:
        print(results_summary(self.oracle, str(self.project_dir), num_trials))


def _copied(callback: Any) -> Any:
    """A fresh copy per execution, as KerasTuner makes (the original if it cannot be copied)."""
    try:
        return copy.deepcopy(callback)
    except Exception:
        return callback


def _score(result: Any, tracker: _BestEpoch, objective: Objective) -> float:
    """The execution's score: what ``fit`` returned if it is a value or a dict of them,
    else the best epoch's value of the objective."""
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    if isinstance(result, dict):
        if objective.name not in result:
            raise ObjectiveNotLogged(
                f"fit returned {sorted(result)}, without the objective {objective.name!r}"
            )
        value = result[objective.name]
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        return float(min(values) if objective.direction == "min" else max(values))
    if tracker.best is not None:
        return tracker.best
    history = getattr(result, "history", None)
    if isinstance(history, dict) and history.get(objective.name):
        return _score(history, tracker, objective)
    raise ObjectiveNotLogged(
        f"no value of the objective {objective.name!r} was seen: pass the callbacks that "
        f"HyperModel.fit receives on to model.fit, or return the History or the value"
    )
