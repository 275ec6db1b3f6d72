"""The progress bar shows in a terminal, with the best value, and stays out of pipes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import hypersweep as hs
    hs.minimize(lambda p: (p["x"] - 0.25) ** 2, {"x": hs.Float(0, 1)}, n_trials=30, seed=0)
    print("done")
    """
)


def run_with_stderr(stderr: int) -> tuple[str, str]:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                            stderr=stderr, env={**os.environ, "COLUMNS": "120"})  # fmt: skip
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    return out.decode(), (err or b"").decode()


def read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0.5)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


def test_bar_with_best_so_far_in_a_terminal() -> None:
    master, slave = os.openpty()
    try:
        out, _ = run_with_stderr(slave)
        terminal = read_all(master)
    finally:
        os.close(master)
        os.close(slave)
    assert out.strip() == "done"  # nothing of the bar on stdout
    assert "30/30" in terminal and "best" in terminal
    assert "new best value" in terminal  # and the log lines


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    out, err = run_with_stderr(subprocess.PIPE)
    assert out.strip() == "done"
    assert "30/30" not in err
    assert "Trial 0: new best value" in err  # logs still say when a new best is found
