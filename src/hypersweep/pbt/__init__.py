"""Population-based training (Jaderberg et al., 2017) on hypersweep's studies.

>>> import hypersweep as hs, tempfile
>>> def train(config, interval):
...     import json, pathlib
...     state = json.loads((interval.restore / "s.json").read_text()) if interval.restore else 0
...     state += config["lr"] * interval.steps
...     (interval.save / "s.json").write_text(json.dumps(state))
...     return state
>>> result = hs.pbt.run(train, {"lr": hs.Float(0.1, 1.0)}, population=4, interval=2,
...                     total_steps=6, checkpoint_dir=tempfile.mkdtemp(), seed=0)
>>> [s.interval for s in result.schedule]
[0, 1, 2]
"""

from __future__ import annotations

from .explore import check_space, perturb
from .lineage import Step
from .run import Result, replay, result_of, run
from .worker import Interval

__all__ = ["Interval", "Result", "Step", "check_space", "perturb", "replay", "result_of", "run"]
