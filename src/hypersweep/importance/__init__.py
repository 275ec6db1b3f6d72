"""Which hyperparameters matter: fANOVA-style and permutation importance of a study's trials."""

from __future__ import annotations

from .table import Column, TrialTable, trial_table

__all__ = ["Column", "TrialTable", "trial_table"]
