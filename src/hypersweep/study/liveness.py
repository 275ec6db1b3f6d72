"""Liveness: heartbeats say a running trial is alive; reaping ends the trials of dead workers.

A worker that dies without a word (``kill -9``, a lost machine) leaves its trial
RUNNING forever. While a trial runs, a background thread pushes its expiry
time forward every ``interval`` seconds; any worker that finds a RUNNING trial
past its expiry, or whose process on this host is gone, marks it FAIL
(interrupted), so it gives its budget back and, if the study allows, is retried.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from ..storage import MemoryStorage, Storage
from .core import StudyCore
from .options import DEFAULT_HEARTBEAT

GRACE_FACTOR = 3  # a trial is abandoned after missing this many beats in a row
logger = logging.getLogger("hypersweep")


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


def heartbeat_for(study: StudyCore, interval: float | None) -> Heartbeat | None:
    """A started heartbeat for the trials ``study`` holds (None in memory, or when off)."""
    if interval is None:
        if isinstance(study.storage, MemoryStorage):
            return None  # one process: nobody else could notice a death
        interval = DEFAULT_HEARTBEAT
    if interval == 0:
        return None
    return Heartbeat(study.storage, study.record.study_id, study.running_here, interval).start()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` on this host still runs (a zombie, dead but not yet
    collected by its parent, does not: ``kill(pid, 0)`` alone would say it does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:  # Linux: "pid (name) STATE ..."
            state = f.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS, Windows): trust kill()
    return state not in (b"Z", b"X")


def reap_dead_workers(study: StudyCore, retries: int = 0) -> list[int]:
    """Mark FAIL the RUNNING trials whose worker is gone; return their numbers.

    Gone means: its process on this host has died, or its heartbeat ran out (a
    worker on another machine). Such trials are flagged interrupted, so they use
    no budget and a grid runs their cell again; with ``retries``, each is queued
    again with the same parameters, up to that many times.
    """
    study.refresh()
    host, me = study.worker["host"], os.getpid()
    mine = set(study.running_here())
    reasons: dict[int, str] = {}
    for t in study.running_elsewhere():
        worker = t.system_attrs.get("worker") or {}
        pid = int(worker.get("pid", -1))
        if worker.get("host") == host and pid != me and not pid_alive(pid):
            reasons[t.number] = f"its worker process {pid} died"
    for number in study.storage.expired(study.record.study_id, time.time()):
        if number not in mine:
            reasons.setdefault(number, "its worker stopped sending heartbeats")
    for number, reason in sorted(reasons.items()):
        study.interrupt(number, reason)
        dead = study.cached(number)
        if dead is not None and retries > 0:
            study.retry(dead, retries)
    if reasons:
        logger.warning("Marked trials %s FAIL: their workers were gone.", sorted(reasons))
    return sorted(reasons)
