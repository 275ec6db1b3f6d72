"""Heartbeats: a running trial says it is alive, so other workers can tell when it is not.

A worker that dies without a word (``kill -9``, a lost machine) leaves its trial
RUNNING forever. While a trial runs, a background thread pushes its expiry
time forward every ``interval`` seconds; any worker that finds a RUNNING trial
past its expiry marks it FAIL (interrupted), so it gives its budget back and,
if the study allows, is retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from ..storage import Storage

GRACE_FACTOR = 3  # a trial is abandoned after missing this many beats in a row


class Heartbeat:
    """Beats for the trials ``running()`` returns, until :meth:`stop`."""

    def __init__(
        self,
        storage: Storage,
        study_id: int,
        running: Callable[[], Iterable[int]],
        interval: float,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"heartbeat_interval must be > 0 seconds, but got {interval!r}")
        self.interval = float(interval)
        self._storage, self._study_id, self._running = storage, study_id, running
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hypersweep-heartbeat", daemon=True)

    def expiry(self, now: float | None = None) -> float:
        """When a trial beating now counts as abandoned."""
        return (time.time() if now is None else now) + GRACE_FACTOR * self.interval

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            numbers = list(self._running())
            if numbers:
                try:
                    self._storage.touch(self._study_id, numbers, self.expiry())
                except Exception:  # a missed beat is retried next time; never kill the worker
                    continue
