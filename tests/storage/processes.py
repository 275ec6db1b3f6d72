"""Running a function in several real processes at once, started together."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any


def _worker(
    barrier: Any, results: Any, fn: Callable[..., list[int]], args: tuple[Any, ...]
) -> None:
    try:
        barrier.wait(timeout=60)  # start together, so that the writes really collide
        results.put(("ok", fn(*args)))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def in_processes(
    fn: Callable[..., list[int]], *args: Any, workers: int = 4, method: str = "spawn"
) -> list[list[int]]:
    """Run ``fn(*args)`` in ``workers`` processes at once; return what each returned.

    With "spawn" a storage object among ``args`` travels by pickling, as it will
    to real workers; with "fork" the children inherit it, pooled connections and all.
    """
    ctx = multiprocessing.get_context(method)
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(barrier, results, fn, args)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    errors = [result for kind, result in outcomes if kind == "error"]
    assert not errors, errors[0]
    return [result for _, result in outcomes]
