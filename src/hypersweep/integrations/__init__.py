"""Where models meet the tuner: training-time helpers for Keras and PyTorch.

Each framework has its own module, imported explicitly so that ``import
hypersweep`` never loads torch or keras:

- :mod:`hypersweep.integrations.keras`: callbacks (report and prune, early
  stopping, reduce on plateau, schedules, checkpoints), an objective for a
  ``create_model`` function and a scikit-learn classifier for ``SearchCV``;
- :mod:`hypersweep.integrations.torch`: the same controls as objects for a
  hand-written loop, per-layer learning rates, an epoch loop and an objective
  built from a model-building function and a training step;
- :mod:`hypersweep.integrations.checkpoint`: per-epoch checkpoints of a trial
  (files, loaded with ``torch.load(weights_only=True)``), resuming a retried
  trial from its last saved epoch, and loading the best trial's weights;
- :mod:`hypersweep.integrations.pbt`: a population-based-training ``train``
  function from a model builder, a fit step and a score, for Keras and PyTorch.

All of them use only hypersweep's public API (``Trial``, ``Study``,
``hs.schedules``, ``hs.TrialPruned``), so Keras and PyTorch follow the same rules.
"""

from __future__ import annotations

__all__ = ["checkpoint", "keras", "pbt", "torch"]


def __getattr__(name: str) -> object:
    if name in __all__:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hypersweep.integrations' has no attribute {name!r}")
