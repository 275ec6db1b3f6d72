"""What Keras' and PyTorch's early stopping report alike, read off the shared rule."""

from __future__ import annotations

from hypersweep import schedules


class EarlyStoppingReadout:
    """The best value, its epoch (1-based, like the reported steps) and whether the
    rule said stop; mixed into both frameworks' ``EarlyStopping``."""

    rule: schedules.EarlyStopping

    @property
    def best_value(self) -> float:
        return self.rule.best_value

    @property
    def best_epoch(self) -> int:
        """Epochs trained when the best value was seen (1-based, like the reported steps)."""
        return self.rule.best_epoch + 1

    @property
    def stopped(self) -> bool:
        return self.rule.stop
