"""hyperopt's interface on hypersweep: change the import, keep the script.

>>> from hypersweep.compat.hyperopt import fmin, tpe, hp, STATUS_OK
>>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
...             max_evals=30, rstate=0, show_progressbar=False, verbose=False)
>>> round(best["x"])
1

What maps to what, and the one deliberate difference (``fmin`` returns the
chosen options, not their indices), is in docs/migrate-hyperopt.md.
"""

from __future__ import annotations

import functools

from . import anneal, atpe, early_stop, hp, pyll, rand, tpe
from .driver import fmin
from .early_stop import no_progress_loss
from .results import (
    JOB_STATE_CANCEL,
    JOB_STATE_DONE,
    JOB_STATE_ERROR,
    JOB_STATE_NEW,
    JOB_STATE_RUNNING,
    JOB_STATES,
    STATUS_FAIL,
    STATUS_NEW,
    STATUS_OK,
    STATUS_RUNNING,
    STATUS_STRINGS,
    STATUS_SUSPENDED,
    AllTrialsFailed,
    InvalidLoss,
    InvalidResultStatus,
)
from .translate import Best, space_eval
from .trials import Trials

partial = functools.partial  # hyperopt.partial: fix an algorithm's options

__all__ = [
    "JOB_STATES",
    "JOB_STATE_CANCEL",
    "JOB_STATE_DONE",
    "JOB_STATE_ERROR",
    "JOB_STATE_NEW",
    "JOB_STATE_RUNNING",
    "STATUS_FAIL",
    "STATUS_NEW",
    "STATUS_OK",
    "STATUS_RUNNING",
    "STATUS_STRINGS",
    "STATUS_SUSPENDED",
    "AllTrialsFailed",
    "Best",
    "InvalidLoss",
    "InvalidResultStatus",
    "Trials",
    "anneal",
    "atpe",
    "early_stop",
    "fmin",
    "hp",
    "no_progress_loss",
    "partial",
    "pyll",
    "rand",
    "space_eval",
    "tpe",
]
