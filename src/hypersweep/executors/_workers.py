"""What the Dask and Ray executors share: launch ``count`` worker loops and wait for all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..study.processes import WorkerSpec, run_worker


def run_everywhere(
    spec: WorkerSpec,
    objective: Callable[..., Any],
    count: int,
    launch: Callable[[Callable[..., int], list[tuple[WorkerSpec, Callable[..., Any]]]], Any],
    wait: Callable[[Any], Sequence[int]],
) -> int:
    """Run ``count`` copies of the worker loop through ``launch`` (one task per call's
    arguments) and ``wait`` for them; a worker's exception is re-raised here. Returns how
    many trials the workers finished together."""
    handles = launch(run_worker, [(spec, objective)] * max(int(count), 1))
    return sum(int(n) for n in wait(handles))
