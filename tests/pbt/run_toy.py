"""Run a toy population from the command line (what the kill and join tests start)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypersweep import pbt, set_verbosity
from tests.pbt.toy import SPACE, train

if __name__ == "__main__":
    url, checkpoints, synchronous = sys.argv[1], sys.argv[2], sys.argv[3] == "sync"
    set_verbosity(0)
    pbt.run(train, SPACE, population=4, interval=2, total_steps=16, checkpoint_dir=checkpoints,
            storage=url, study_name="toy", synchronous=synchronous, seed=1,
            heartbeat_interval=0.5)  # fmt: skip
