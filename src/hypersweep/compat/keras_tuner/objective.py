"""``kt.Objective`` and the direction KerasTuner infers from a metric's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Keras metric and loss names (after "val_" and a "_1" suffix are removed), by direction.
_MAX = {
    "acc", "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "auc", "precision",
    "recall", "f1_score", "fbeta_score", "r2_score", "iou", "mean_iou", "one_hot_iou",
    "binary_iou", "cosine_similarity", "true_positives", "true_negatives",
    "precision_at_recall", "recall_at_precision", "sensitivity_at_specificity",
    "specificity_at_sensitivity",
}  # fmt: skip
_MIN = {
    "loss", "mse", "mae", "mape", "msle", "rmse", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "root_mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_focal_crossentropy", "kl_divergence", "kld",
    "kullback_leibler_divergence", "hinge", "squared_hinge", "categorical_hinge", "poisson",
    "log_cosh", "logcosh", "huber", "false_positives", "false_negatives",
}  # fmt: skip


@dataclass(frozen=True)
class Objective:
    """The metric to optimise and whether lower (``"min"``) or higher (``"max"``) is better."""

    name: str
    direction: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Objective: name must be a metric name, got {self.name!r}")
        if self.direction not in ("min", "max"):
            raise ValueError(
                f"Objective({self.name!r}): direction must be 'min' or 'max', "
                f"got {self.direction!r}"
            )

    @property
    def study_direction(self) -> str:
        return "minimize" if self.direction == "min" else "maximize"

    def better(self, a: float, b: float | None) -> bool:
        """True if ``a`` beats ``b`` (anything beats None)."""
        return b is None or (a < b if self.direction == "min" else a > b)

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'


def infer_direction(metric: str) -> str | None:
    """``"min"`` for losses and errors, ``"max"`` for accuracies, AUC, precision...;
    None when the name says nothing."""
    base = re.sub(r"_\d+$", "", metric.lower().removeprefix("val_"))
    if base in _MAX:
        return "max"
    if base in _MIN:
        return "min"
    if "loss" in base or "error" in base or "crossentropy" in base:
        return "min"
    if "accuracy" in base:
        return "max"
    return None


def as_objective(objective: Any) -> Objective:
    """An ``Objective`` from a metric name, an ``Objective``, or None (``"val_loss"``)."""
    if objective is None:
        return Objective("val_loss", "min")
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, (list, tuple)):
        raise NotImplementedError(
            "a list of objectives (KerasTuner sums them) is not supported: give one metric "
            "name or one kt.Objective"
        )
    if not isinstance(objective, str):
        raise TypeError(f"objective must be a metric name or a kt.Objective, got {objective!r}")
    direction = infer_direction(objective)
    if direction is None:
        raise ValueError(
            f"cannot tell whether objective {objective!r} should be minimized or maximized; "
            f"pass kt.Objective({objective!r}, direction='min') (or 'max')"
        )
    return Objective(objective, direction)
