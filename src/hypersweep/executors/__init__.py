"""Where worker loops run when one machine's processes are not enough.

``study.optimize(objective, n_trials, executor=hs.executors.Dask(client))`` runs
one worker loop per Dask worker thread; ``hs.executors.Ray(n_workers)`` does the
same on a Ray cluster. Workers own no state: they ask and tell through the
study's SQL storage, which every machine must reach (PostgreSQL, or SQLite on a
shared disk for one machine). Dask and Ray are imported only when used.
"""

from __future__ import annotations

from .dask import Dask
from .ray import Ray

__all__ = ["Dask", "Ray"]
