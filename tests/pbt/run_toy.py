"""Run a toy population from the command line (what the kill and join tests start)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypersweep import pbt, set_verbosity
from tests.pbt.toy import SPACE, train

POPULATION, INTERVAL, TOTAL = 4, 2, 16


def main(url: str, checkpoints: str, mode: str) -> Any:
    set_verbosity(0)
    return pbt.run(train, SPACE, population=POPULATION, interval=INTERVAL, total_steps=TOTAL,
                   checkpoint_dir=checkpoints, storage=url, study_name="toy",
                   synchronous=mode == "sync", seed=1, heartbeat_interval=0.5)  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:4])
