"""Stopping cleanly: SIGTERM ends a run as Ctrl-C does, and workers end when their parent dies.

Both turn into :class:`Stopped` (a ``KeyboardInterrupt``) in the worker's main thread,
so the running trial ends FAIL (interrupted), gives its budget back and is retried or
rerun on resume, and every finished trial stays stored.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

_PR_SET_PDEATHSIG = 1  # prctl option (Linux): a signal for us when our parent dies


class Stopped(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM, or its parent died)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def reason(exc: KeyboardInterrupt) -> str:
    """Why a run was interrupted, for the trial's error."""
    return exc.why if isinstance(exc, Stopped) else "interrupted by the user (Ctrl-C)"


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Stopped` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def end_with_parent(parent: int, interval: float = 0.5) -> None:
    """Make this worker stop when process ``parent`` dies: a parent-death signal on Linux,
    and everywhere a thread that notices being re-parented."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(interval)
        _thread.interrupt_main()  # raises KeyboardInterrupt in the main thread

    if os.getppid() != parent:  # it died before we got here
        raise Stopped("its parent process died")
    threading.Thread(target=watch, name="hypersweep-parent-watch", daemon=True).start()
