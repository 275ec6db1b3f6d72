"""A kernel lock that queues the processes writing one SQLite file (see :class:`WriteGate`)."""

from __future__ import annotations

import os
import threading
from contextlib import suppress

try:
    import fcntl
except ImportError:  # Windows: writers wait in SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]


class WriteGate:
    """Queues this file's writing processes on a kernel lock, before ``BEGIN IMMEDIATE``.

    SQLite's busy handler polls a held write lock with sleeps of 1, 2, 5, ... 100 ms,
    so with many workers a writer often sleeps long after the lock was freed. A
    blocking ``flock`` on a file beside the database wakes the next writer as soon as
    the holder is done. It only orders the writers: SQLite's own lock still guards
    every transaction, so a process that skips the gate (another program, a platform
    without ``flock``, a lock file that cannot be made) stays correct, and the kernel
    drops the lock of a killed process.
    """

    def __init__(self, path: str) -> None:
        self.path = path + "-hslock"
        self._thread_lock = threading.Lock()  # flock does not order threads sharing a file
        self._fd: int | None = None
        self._pid = -1
        self._usable = fcntl is not None

    def _file(self) -> int | None:
        if self._pid != os.getpid():  # a forked child opens its own description
            self._fd, self._pid = None, os.getpid()
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                self._usable = False
        return self._fd

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if not self._usable:
            return
        fd = self._file()
        if fd is not None and fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                self._usable = False

    def __exit__(self, *exc: object) -> None:
        try:
            if self._usable and self._fd is not None and fcntl is not None:
                with suppress(OSError):
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
