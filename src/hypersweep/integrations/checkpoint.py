"""Per-epoch checkpoints of a trial's training, shared by the Keras and PyTorch helpers.

Storage keeps JSON only, so a checkpoint is a file: ``<root>/<study>/<number>/
epoch-00003.pt`` holds the model's weights, the optimizer's state, the epoch, the
monitored history, the state of the training controls (early stopping, plateau)
and the random generators' states (Python, NumPy, torch), all as tensors and plain
Python values. Files are read back with ``torch.load(weights_only=True)``, which
refuses to unpickle arbitrary objects, so a checkpoint cannot run code.

Resuming ("do not retrain from scratch" to try more epochs): when a worker dies, the study
re-queues its trial as a new one with ``system_attrs["retry_of"]`` set to the
original number (``optimize(..., retries=1)``). Checkpoints live in the directory
of the *original* number, so the retry, and a retry of the retry, find the last
epoch saved before the crash and go on from there.

>>> import hypersweep as hs, tempfile
>>> study = hs.create_study(name="doc")
>>> trial = study.ask()
>>> ckpt = Checkpoints(tempfile.mkdtemp(), trial)
>>> _ = ckpt.save(1, {"epoch_note": 1})
>>> ckpt.last_epoch(), ckpt.latest()["epoch_note"]
(1, 1)
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypersweep._checks import int_at_least

if TYPE_CHECKING:
    from hypersweep import FrozenTrial, Study, Trial

__all__ = ["Checkpoints", "load_best", "restore_rng_state", "rng_state", "trial_directory"]

_EPOCH_FILE = re.compile(r"^epoch-(\d+)\.pt$")
FINAL = "final.pt"


def _safe_name(name: str) -> str:
    """A study name usable as one directory name (no separators, no '..')."""
    cleaned = re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip(".")
    return cleaned or "study"


def origin_number(trial: FrozenTrial) -> int:
    """The number whose directory a trial's checkpoints use: the original one for a retry."""
    return int(trial.system_attrs.get("retry_of", trial.number))


def trial_directory(root: str | os.PathLike[str], study_name: str, number: int) -> Path:
    """``<root>/<study>/<number>``: where trial ``number`` of that study keeps checkpoints."""
    return Path(root) / _safe_name(study_name) / str(int(number))


def _frozen(study: Study, number: int) -> FrozenTrial | None:
    return next((t for t in study.trials if t.number == number), None)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "checkpoints are written with torch.save: pip install torch"
        ) from None
    return torch


class Checkpoints:
    """The checkpoints of one running trial: save one per epoch, read the latest back.

    Only a retry resumes: a fresh trial clears what its directory holds (left by a
    deleted study of the same name, say), so it never starts from foreign weights.
    ``keep`` is how many epoch files stay on disk (the newest ones); writes go to a
    temporary file first and are renamed, so a crash mid-write never leaves a
    truncated checkpoint behind.
    """

    def __init__(self, root: str | os.PathLike[str], trial: Trial, *, keep: int = 1) -> None:
        int_at_least("Checkpoints", "keep", keep, 1)
        frozen = _frozen(trial.study, trial.number)
        self.number = trial.number
        self.origin = origin_number(frozen) if frozen is not None else trial.number
        self.directory = trial_directory(root, trial.study.name, self.origin)
        self.keep = keep
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.is_retry:  # files left by an older study of the same name are not ours
            for stale in [*self.directory.glob("epoch-*.pt"), self.directory / FINAL]:
                stale.unlink(missing_ok=True)
        trial.set_user_attr("checkpoint_dir", str(self.directory))

    @property
    def is_retry(self) -> bool:
        """True when this trial re-runs an earlier (crashed) one and shares its directory."""
        return self.origin != self.number

    def epochs(self) -> list[int]:
        """The epochs (numbers of epochs trained) that have a checkpoint, oldest first."""
        found = (_EPOCH_FILE.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def last_epoch(self) -> int | None:
        saved = self.epochs()
        return saved[-1] if saved else None

    def path(self, epoch: int) -> Path:
        return self.directory / f"epoch-{epoch:05d}.pt"

    def save(self, epoch: int, state: Mapping[str, Any]) -> Path:
        """Write the state after ``epoch`` epochs (tensors and plain values only)."""
        int_at_least("Checkpoints.save", "epoch", epoch, 0)
        target = self.path(epoch)
        _atomic_save({**state, "epoch": epoch}, target)
        for old in self.epochs()[: -self.keep]:
            self.path(old).unlink(missing_ok=True)
        return target

    def save_final(self, state: Mapping[str, Any]) -> Path:
        """Write the weights the trial ends with (e.g. restored best ones): what
        :func:`load_best` returns. The helpers store ``model``, ``value``, ``epoch`` (how
        many epochs those weights had trained) and ``epochs_trained`` (in all)."""
        target = self.directory / FINAL
        _atomic_save(dict(state), target)
        return target

    def latest(self) -> dict[str, Any] | None:
        """The newest epoch checkpoint, or None when none was saved yet."""
        epoch = self.last_epoch()
        return None if epoch is None else load(self.path(epoch))


def _atomic_save(state: dict[str, Any], target: Path) -> None:
    torch = _torch()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, target)


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint file with ``weights_only=True``: tensors and plain values only."""
    state = _torch().load(Path(path), weights_only=True, map_location="cpu")
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a hypersweep checkpoint (expected a dict)")
    return state


# --- random generators -------------------------------------------------------------
def rng_state() -> dict[str, Any]:
    """Python's, NumPy's and torch's global generator states as tensors and tuples."""
    torch = _torch()
    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with torch in practice
        return state
    raw: Any = np.random.get_state(legacy=True)
    kind, keys, pos, has_gauss, cached = raw
    state["numpy"] = (str(kind), torch.from_numpy(keys.astype("int64")), int(pos),
                      int(has_gauss), float(cached))  # fmt: skip
    return state


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Put back what :func:`rng_state` saved, so training continues the same random stream."""
    torch = _torch()
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if "numpy" in state:
        import numpy as np

        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))


# --- the best trial ----------------------------------------------------------------
def load_best(
    study: Study, root: str | os.PathLike[str], model: Any = None, *, epoch: int | None = None
) -> dict[str, Any]:
    """The checkpoint of the study's best trial; its weights go into ``model`` when given.

    Reads the trial's ``final.pt`` (the weights it ended with) or, failing that, its
    newest epoch (or ``epoch``). ``model`` may be a ``torch.nn.Module`` or a Keras
    model.
    """
    best = study.best_trial
    directory = trial_directory(root, study.name, origin_number(best))
    if epoch is not None:
        path = directory / f"epoch-{epoch:05d}.pt"
    elif (directory / FINAL).exists():
        path = directory / FINAL
    else:
        saved = sorted(p.name for p in directory.glob("epoch-*.pt")) if directory.is_dir() else []
        if not saved:
            raise FileNotFoundError(
                f"no checkpoint of the best trial {best.number} in {directory}; train with "
                f"checkpoints under {root!s} (Checkpoints / checkpoint_dir=) to keep them"
            )
        path = directory / saved[-1]
    state = load(path)
    if model is not None:
        load_weights(model, state["model"])
    return state


def load_weights(model: Any, weights: Any) -> None:
    """Load saved weights into a torch module (a state dict) or a Keras model (a list)."""
    if hasattr(model, "load_state_dict") and isinstance(weights, Mapping):
        model.load_state_dict(weights)
    elif hasattr(model, "set_weights") and isinstance(weights, (list, tuple)):
        model.set_weights([w.numpy() if hasattr(w, "numpy") else w for w in weights])
    else:
        raise TypeError(
            f"cannot load {type(weights).__name__} weights into a {type(model).__name__}; "
            f"expected a torch.nn.Module or a Keras model"
        )
