"""YAML run configs: a study described in a file, run with ``hypersweep run CONFIG.yaml``.

The file is read with a *safe* loader (no YAML tag can run code); the only
code a config names is its objective's ``module:function``, which the user
asked for. Parameters are written with tags so that a space reads naturally::

    objective: train:objective        # train.py next to this file
    direction: maximize               # or, for several: directions: [maximize, minimize]
    n_trials: 50
    space:
      lr: !float {low: 1.0e-4, high: 1.0e-1, log: true}
      model: !choice
        - {kind: knn, n_neighbors: !int {low: 1, high: 30}}
        - {kind: svm, C: !float {low: 1.0e-3, high: 1.0e3, log: true}}
      dense: !repeat {of: {units: !int {low: 8, high: 128, log: true}}, min: 1, max: 3}

The long form written by ``Space.to_json`` (``{__hs__: float, low: 0, high: 1}``)
is accepted too.

Inside: ``loader`` reads the YAML, ``tags`` builds parameters, ``fields`` checks
each key, ``makers`` names the sampler and pruner, ``run`` runs the study.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..defaults import DEFAULT_STORAGE
from . import fields
from .loader import read_yaml
from .makers import pruner_for, sampler_for
from .run import import_objective, run_config
from .schema import ConfigError, RunConfig
from .tags import parse_space


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ConfigError(f"{file}: cannot read the config: {exc}") from None


def load_config(path: str | os.PathLike[str]) -> RunConfig:
    """Read, check and resolve a run config; raise :class:`ConfigError` saying what to fix."""
    file = Path(path)
    raw = read_yaml(_read_text(file), str(file))
    fields.check_keys(file, raw)
    sampler = fields.sampler(file, raw)  # checked first, as before the split
    directions, names = fields.objectives(file, raw)
    if directions is not None and "sampler" not in raw:
        sampler = fields.default_sampler(len(directions))
    select = raw.get("select")
    return RunConfig(
        path=file,
        objective=fields.objective(file, raw["objective"]),
        objective_ref=str(raw["objective"]),
        space=fields.space(file, raw["space"]),
        direction=fields.one_of(
            file, "direction", raw.get("direction", "minimize"), ("minimize", "maximize")
        ),
        directions=directions,
        objective_names=names,
        sampler=sampler,
        seed=fields.integer(file, "seed", raw.get("seed"), 0),
        grid_points=fields.integer(file, "grid_points", raw.get("grid_points"), 1),
        grid_rounds=fields.integer(file, "grid_rounds", raw.get("grid_rounds"), 1) or 1,
        pruner=fields.pruner(file, raw.get("pruner")),
        repeats=fields.integer(file, "repeats", raw.get("repeats"), 1),
        select=None
        if select is None
        else fields.one_of(file, "select", select, ("mean", "mean_minus_std", "lcb")),
        n_trials=fields.integer(file, "n_trials", raw.get("n_trials"), 0),
        timeout=fields.timeout(file, raw.get("timeout")),
        study=fields.text(file, "study", raw.get("study"), file.stem) or file.stem,
        storage=fields.text(file, "storage", raw.get("storage"), None),
    )


__all__ = [
    "DEFAULT_STORAGE",
    "ConfigError",
    "RunConfig",
    "import_objective",
    "load_config",
    "parse_space",
    "pruner_for",
    "run_config",
    "sampler_for",
]
