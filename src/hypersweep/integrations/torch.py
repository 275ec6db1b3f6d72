"""PyTorch: the usual training-time controls for a hand-written loop.

PyTorch has no callback system, so each control is a small object the loop calls
once per epoch, built on :mod:`hypersweep.schedules` (the same rules as the Keras
callbacks):

- :func:`report` stores the epoch's value and raises ``hs.TrialPruned`` when the
  pruner says so;
- :class:`EarlyStopping` says when to stop and puts the best weights back;
- :class:`ReduceOnPlateau` halves every parameter group's rate after ``patience``
  epochs without improvement and says stop once it is 1/1024 of the start;
- :class:`LearningRateSchedule` sets the rates from an ``hs.schedules`` schedule;
- :func:`param_groups` / :func:`layerwise_lrs` give each layer its own rate.

:func:`train` runs the epoch loop with all of them and with checkpoints (a retried
trial resumes from its last saved epoch); :func:`objective` turns a model-building
function and a training step into an objective for ``study.optimize``.

>>> import torch, hypersweep as hs
>>> from hypersweep.integrations import torch as hst
>>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
>>> groups = hst.param_groups(net, {"0": 1e-4, "2": 1e-3})
>>> [g["lr"] for g in torch.optim.SGD(groups, lr=0.1).param_groups]
[0.0001, 0.001]
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from hypersweep import TrialPruned, schedules
from hypersweep._checks import int_at_least

from ._readout import EarlyStoppingReadout
from .checkpoint import Checkpoints, restore_rng_state, rng_state

if TYPE_CHECKING:
    from hypersweep import Trial

__all__ = [
    "EarlyStopping",
    "LearningRateSchedule",
    "Outcome",
    "ReduceOnPlateau",
    "layerwise_lrs",
    "objective",
    "param_groups",
    "report",
    "train",
]


def report(trial: Trial, value: float, epoch: int) -> None:
    """Report the value after ``epoch`` (0-based) as step ``epoch + 1`` (epochs trained,
    the resource pruners compare) and raise ``hs.TrialPruned`` if the trial should stop."""
    trial.report(float(value), step=epoch + 1)
    if trial.should_prune():
        raise TrialPruned(f"trial {trial.number} pruned after {epoch + 1} epochs")


def _clone_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class EarlyStopping(EarlyStoppingReadout):
    """Stop when the monitored value has not improved by ``min_delta`` for ``patience``
    epochs; with ``restore_best_weights`` keep a copy of the best epoch's weights and
    put them back with :meth:`restore` (``train`` does that at the end).

    ``step(value)`` returns True once training should stop.
    """

    def __init__(
        self,
        module: torch.nn.Module,
        *,
        mode: str = "min",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        self.module = module
        self.rule = schedules.EarlyStopping(patience=patience, min_delta=min_delta, mode=mode)
        self.restore_best_weights = restore_best_weights
        self.best_weights: dict[str, torch.Tensor] | None = None

    def step(self, value: float) -> bool:
        stop = self.rule.update(float(value))
        if self.rule.improved and self.restore_best_weights:
            self.best_weights = _clone_state(self.module)
        return stop

    def restore(self) -> None:
        """Load the best epoch's weights into the module (no-op before any epoch)."""
        if self.best_weights is not None:
            self.module.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {**self.rule.state_dict(), "weights": self.best_weights}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rule.load_state_dict(state)
        self.best_weights = state["weights"]


class ReduceOnPlateau:
    """The plateau rule on a torch optimizer: after ``patience`` epochs without
    improvement multiply every parameter group's rate by ``factor`` (halve it); once the
    rates have fallen to ``min_ratio`` (1/1024) of where they started, ``step`` returns
    True (stop). Groups keep their ratios, so per-layer rates stay per layer."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        *,
        mode: str = "min",
        patience: int = 10,
        factor: float = 0.5,
        min_delta: float = 0.0,
        min_ratio: float = 1 / 1024,
    ) -> None:
        self.optimizer = optimizer
        self.initial_lrs = [float(g["lr"]) for g in optimizer.param_groups]
        # the rule runs on a multiplier starting at 1, applied to each group's rate
        self.rule = schedules.ReduceOnPlateau(
            1.0, patience=patience, factor=factor, min_delta=min_delta, mode=mode,
            min_ratio=min_ratio,
        )  # fmt: skip

    def step(self, value: float) -> bool:
        multiplier = self.rule.update(float(value))
        for group, initial in zip(self.optimizer.param_groups, self.initial_lrs):
            group["lr"] = initial * multiplier
        return self.rule.stop

    @property
    def multiplier(self) -> float:
        return self.rule.lr

    def state_dict(self) -> dict[str, Any]:
        return self.rule.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.rule.load_state_dict(state)


class LearningRateSchedule:
    """Set the rates from an ``hs.schedules`` schedule before each epoch.

    Each group gets ``schedule(epoch) * (its rate at construction / schedule(0))``:
    a single group built with ``lr=schedule(0)`` follows the schedule exactly, and
    per-layer groups keep their ratios.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, schedule: Callable[[int], float]) -> None:
        if not callable(schedule):
            raise TypeError(
                f"schedule must be a function of the epoch, e.g. "
                f"hs.schedules.exponential_decay(0.1, 0.5, 10), but got {schedule!r}"
            )
        start = float(schedule(0))
        if not start > 0:
            raise ValueError(f"schedule(0) must be > 0 to scale the groups, but got {start!r}")
        self.optimizer, self.schedule = optimizer, schedule
        self.scales = [float(g["lr"]) / start for g in optimizer.param_groups]

    def apply(self, epoch: int) -> float:
        """Set the rates for ``epoch`` (0-based); return ``schedule(epoch)``."""
        rate = float(self.schedule(epoch))
        for group, scale in zip(self.optimizer.param_groups, self.scales):
            group["lr"] = rate if scale == 1.0 else rate * scale
        return rate


# --- per-layer learning rates ------------------------------------------------------
def param_groups(
    module: torch.nn.Module,
    lrs: Mapping[str, float],
    *,
    default: float | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Optimizer parameter groups with a learning rate per layer name or prefix.

    A parameter named ``features.0.weight`` takes the rate of the longest matching
    prefix (``features.0`` before ``features``); parameters no prefix matches form a
    last group with ``default`` (or, if None, the optimizer's own ``lr``). ``options``
    (e.g. ``weight_decay``) are added to every group.
    """
    if not lrs:
        raise ValueError("lrs must map at least one layer name or prefix to a learning rate")
    named = list(module.named_parameters())
    prefixes = sorted(lrs, key=len, reverse=True)
    groups: dict[str, list[torch.nn.Parameter]] = {p: [] for p in lrs}
    rest: list[torch.nn.Parameter] = []
    for name, param in named:
        owner = next((p for p in prefixes if name == p or name.startswith(p + ".")), None)
        (groups[owner] if owner is not None else rest).append(param)
    unused = [p for p, ps in groups.items() if not ps]
    if unused:
        layers = sorted({n.rsplit(".", 1)[0] for n, _ in named})
        raise ValueError(f"no parameter matches the prefix(es) {unused}; the module's layers "
                         f"are {layers}")  # fmt: skip
    result = [{"params": ps, "lr": float(lrs[p]), **options} for p, ps in groups.items()]
    if rest:
        last: dict[str, Any] = {"params": rest, **options}
        if default is not None:
            last["lr"] = float(default)
        result.append(last)
    return result


def layerwise_lrs(module: torch.nn.Module, top: float, *, decay: float = 0.5) -> dict[str, float]:
    """Discriminative rates: the last child with parameters gets ``top``, each earlier
    one ``decay`` times the next (earlier layers learn general features and move less).

    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    >>> layerwise_lrs(net, 0.01, decay=0.1)
    {'0': 0.001, '2': 0.01}
    """
    if not 0 < decay <= 1:
        raise ValueError(f"decay must be in (0, 1], but got {decay!r}")
    names = [n for n, child in module.named_children() if any(True for _ in child.parameters())]
    if not names:
        raise ValueError("the module has no child with parameters to give a rate to")
    return {n: top * decay ** (len(names) - 1 - i) for i, n in enumerate(names)}


# --- the epoch loop ----------------------------------------------------------------
@dataclass
class Outcome:
    """What :func:`train` did: the value to return to the study and how it got there."""

    value: float  # the best value with restored weights, else the last one
    history: list[float] = field(default_factory=list)  # one value per epoch, from epoch 1
    epochs_run: int = 0  # epochs trained by this call (less than len(history) after a resume)
    resumed_at: int = 0  # epochs already trained when this call started (from a checkpoint)
    stopped_early: bool = False


def train(
    trial: Trial,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    train_epoch: Callable[[int], Any],
    validate: Callable[[], float],
    *,
    epochs: int,
    early_stopping: EarlyStopping | None = None,
    reduce_on_plateau: ReduceOnPlateau | None = None,
    schedule: LearningRateSchedule | None = None,
    checkpoints: Checkpoints | str | os.PathLike[str] | None = None,
) -> Outcome:
    """Run ``epochs`` epochs: ``train_epoch(epoch)`` trains one, ``validate()`` returns
    the monitored value; report and prune after each, apply the controls, save a
    checkpoint. With checkpoints from a crashed original (a retry), training continues
    after its last saved epoch, with weights, optimizer, controls and random state restored.
    """
    int_at_least("torch.train", "epochs", epochs, 1)
    if schedule is not None and reduce_on_plateau is not None:
        raise ValueError("pass either schedule or reduce_on_plateau: both would set the rate")
    ckpt = checkpoints
    if ckpt is not None and not isinstance(ckpt, Checkpoints):
        ckpt = Checkpoints(ckpt, trial)
    history: list[float] = []
    start = _resume(trial, ckpt, model, optimizer, early_stopping, reduce_on_plateau, history)
    stopped = bool(early_stopping and early_stopping.stopped) or bool(
        reduce_on_plateau and reduce_on_plateau.rule.stop
    )
    epoch = start
    while epoch < epochs and not stopped:
        if schedule is not None:
            schedule.apply(epoch)
        model.train()
        train_epoch(epoch)
        model.eval()
        with torch.no_grad():
            value = float(validate())
        history.append(value)
        trial.report(value, step=epoch + 1)
        stopped = bool(early_stopping and early_stopping.step(value))
        stopped = bool(reduce_on_plateau and reduce_on_plateau.step(value)) or stopped
        epoch += 1
        if ckpt is not None:
            ckpt.save(epoch, _state(model, optimizer, early_stopping, reduce_on_plateau, history))
        if trial.should_prune():
            raise TrialPruned(f"trial {trial.number} pruned after {epoch} epochs")
    value, weights_epoch = (history[-1] if history else math.nan), epoch
    if early_stopping is not None and early_stopping.restore_best_weights and history:
        early_stopping.restore()
        value, weights_epoch = early_stopping.best_value, early_stopping.best_epoch
    if ckpt is not None:  # "epoch": how many epochs the saved weights had trained
        ckpt.save_final({"model": _clone_state(model), "value": value, "epoch": weights_epoch,
                         "epochs_trained": epoch})  # fmt: skip
    return Outcome(value, history, epoch - start, start, stopped)


def _state(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    early: EarlyStopping | None,
    plateau: ReduceOnPlateau | None,
    history: list[float],
) -> dict[str, Any]:
    return {
        "model": _clone_state(model),
        "optimizer": optimizer.state_dict(),
        "rng": rng_state(),
        "history": list(history),
        "early_stopping": early.state_dict() if early is not None else None,
        "reduce_on_plateau": plateau.state_dict() if plateau is not None else None,
    }


def _resume(
    trial: Trial,
    ckpt: Checkpoints | None,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    early: EarlyStopping | None,
    plateau: ReduceOnPlateau | None,
    history: list[float],
) -> int:
    """Load the newest checkpoint, if any; return the number of epochs it had trained."""
    state = ckpt.latest() if ckpt is not None else None
    if state is None:
        return 0
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    restore_rng_state(state["rng"])
    if early is not None and state.get("early_stopping") is not None:
        early.load_state_dict(state["early_stopping"])
    if plateau is not None and state.get("reduce_on_plateau") is not None:
        plateau.load_state_dict(state["reduce_on_plateau"])
    history.extend(float(v) for v in state["history"])
    for step, value in enumerate(history, start=1):  # the retry's curve is complete too
        trial.report(value, step=step)
    trial.set_user_attr("resumed_at_epoch", int(state["epoch"]))
    return int(state["epoch"])


# --- an objective from a model builder and a training step -------------------------
def objective(
    build_model: Callable[[Any], torch.nn.Module],
    train_epoch: Callable[[torch.nn.Module, torch.optim.Optimizer, Any, int], Any],
    validate: Callable[[torch.nn.Module, Any], float],
    *,
    epochs: int | str = 10,
    make_optimizer: Callable[[torch.nn.Module, Any], torch.optim.Optimizer] | None = None,
    mode: str = "min",
    patience: int | None = None,
    min_delta: float = 0.0,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    seed: bool = True,
) -> Callable[..., float]:
    """An objective for ``study.optimize`` from a model builder and a training step.

    For each trial: ``hs.seed_everything(trial.seed)`` (unless ``seed=False``),
    ``model = build_model(params)``, an optimizer from ``make_optimizer(model, params)``
    (default: ``hs.presets.torch_optimizer`` on ``params["optimizer"]``, a sampled
    ``hs.presets.optimizer()`` branch), then per epoch ``train_epoch(model, optimizer,
    params, epoch)`` and ``validate(model, params)`` through :func:`train`: reported,
    pruned, early-stopped after ``patience`` epochs (if given), checkpointed under
    ``checkpoint_dir`` (if given). ``epochs`` is a number or the name of a parameter
    holding one. The objective returns the monitored value (the best one when
    early stopping restored its weights).

    With a static space ``params`` is the sampled dict; define-by-run it is the
    :class:`~hypersweep.Trial`, so ``build_model`` can call ``trial.suggest_*``.
    """
    for name, fn in (("build_model", build_model), ("train_epoch", train_epoch),
                     ("validate", validate)):  # fmt: skip
        if not callable(fn):
            raise TypeError(f"{name} must be a function, but got {fn!r}")

    def run(params: Any, trial: Trial | None = None) -> float:
        trial = params if trial is None else trial  # define-by-run: only the trial is passed
        if seed:
            import hypersweep as hs

            hs.seed_everything(trial.seed)
        model = build_model(params)
        optimizer = _optimizer(model, params, make_optimizer)
        n_epochs = params[epochs] if isinstance(epochs, str) else epochs
        early = None
        if patience is not None:
            early = EarlyStopping(model, mode=mode, patience=patience, min_delta=min_delta)
        outcome = train(
            trial, model, optimizer,
            lambda epoch: train_epoch(model, optimizer, params, epoch),
            lambda: validate(model, params),
            epochs=int(n_epochs), early_stopping=early,
            checkpoints=checkpoint_dir,
        )  # fmt: skip
        trial.set_user_attr("epochs_trained", len(outcome.history))
        return outcome.value

    return run


def _optimizer(
    model: torch.nn.Module,
    params: Any,
    make: Callable[[torch.nn.Module, Any], torch.optim.Optimizer] | None,
) -> torch.optim.Optimizer:
    if make is not None:
        return make(model, params)
    branch = params.get("optimizer") if isinstance(params, Mapping) else None
    if not isinstance(branch, Mapping):
        raise ValueError(
            "objective: no make_optimizer given and params has no 'optimizer' branch; put "
            "'optimizer': hs.presets.optimizer() in the space or pass make_optimizer="
        )
    from hypersweep.training import presets

    optimizer: torch.optim.Optimizer = presets.torch_optimizer(dict(branch), model.parameters())
    return optimizer

