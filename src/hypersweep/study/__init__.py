"""The tuning loop: studies, their trials (and the :class:`ReportHook` deciding what a
trial's reports become), the optimize loop and its workers.

See ``docs/architecture.md`` for how the modules of this package stack up.
"""

from __future__ import annotations

from .facade import Study
from .factory import create_study, delete_study, list_studies, load_study
from .handle import ReportHook, Trial

__all__ = [
    "ReportHook",
    "Study",
    "Trial",
    "create_study",
    "delete_study",
    "list_studies",
    "load_study",
]
