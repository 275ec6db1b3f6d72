"""The pruner contract: decide, from the trials so far, whether a running trial should stop.

Pruners are pure: they read the history and the trial's reported values and
return a decision; the study acts on it.
"""

from __future__ import annotations

import abc

from ..history import Fidelity, History
from ..trial import FrozenTrial


class Pruner(abc.ABC):
    """Called by ``Trial.should_prune()`` after the objective reported a value."""

    @abc.abstractmethod
    def prune(self, history: History, trial: FrozenTrial) -> bool:
        """True if ``trial`` (RUNNING, with its intermediate values) should stop now."""

    def fidelity(self) -> Fidelity | None:
        """Where this pruner compares trials (rungs, brackets, full budget), read by
        multi-fidelity samplers and data fidelity; None: nowhere in particular."""
        return None


class NoPruning(Pruner):
    """Never prune: every trial runs to the end."""

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        return False
