"""Checkpoints: a training process killed mid-trial resumes from its saved epoch; the
best trial's weights load at the end; checkpoint files never unpickle objects."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import hypersweep as hs  # noqa: E402
from hypersweep.integrations import checkpoint as ck  # noqa: E402
from hypersweep.integrations import torch as hst  # noqa: E402

from .helpers import mlp, torch_setup, val_loss  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

def run_study(url: str, root: str, name: str, n_trials: int, kill: int = -1) -> hs.Study:
    """Trials of 5 epochs of SGD with momentum on the digits, checkpointed under root.
    With kill >= 0 the process dies (os._exit, as kill -9: nothing is cleaned up) in
    that epoch, after its batches but before it is validated or saved."""
    from .helpers import train_one_epoch

    torch.set_num_threads(1)
    data = dict(torch.load(os.path.join(root, "data.pt"), weights_only=True))
    current: list[Any] = [None]

    def train_epoch(model: Any, opt: Any, params: Any, epoch: int) -> None:
        train_one_epoch(model, opt, data)
        with open(os.path.join(root, f"{name}.log"), "a") as log:
            log.write(f"{current[0]} {epoch}\n")
        if epoch == kill:
            os._exit(9)

    def build(params: Any) -> Any:
        torch.manual_seed(0)  # seed=False below: hs.seed_everything would import keras too
        return mlp()

    inner = hst.objective(
        build, train_epoch, lambda model, p: val_loss(model, data), epochs=5,
        make_optimizer=lambda m, p: torch.optim.SGD(m.parameters(), lr=p["lr"], momentum=0.9),
        checkpoint_dir=root, seed=False,
    )  # fmt: skip

    def objective(params: Any, trial: hs.Trial) -> float:
        current[0] = trial.number
        return inner(params, trial)

    study = hs.create_study(name=name, storage=url, space={"lr": hs.Float(0.05, 0.2)}, seed=0,
                            load_if_exists=True)  # fmt: skip
    study.optimize(objective, n_trials=n_trials, retries=1, show_progress=False)
    return study


SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from tests.integrations.test_checkpoint import run_study
    run_study(sys.argv[1], sys.argv[2], "crash", 2, kill=3)
    """
)


def _epochs_logged(root: Path, name: str) -> dict[int, list[int]]:
    runs: dict[int, list[int]] = {}
    for line in (root / f"{name}.log").read_text().split("\n"):
        if line:
            number, epoch = map(int, line.split())
            runs.setdefault(number, []).append(epoch)
    return runs


def test_a_killed_training_process_resumes_from_its_saved_epoch(tmp_path: Path) -> None:
    root = tmp_path / "ckpt"
    root.mkdir()
    torch.save(torch_setup(), root / "data.pt")  # the child skips importing scikit-learn
    (tmp_path / "train.py").write_text(SCRIPT)
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    # Killed in epoch index 3: epochs 1-3 are saved, the 4th is lost with the process.
    # A budget of 2, not 1: Study.optimize stops when queued trials fill the whole budget,
    # so a retry queued for the last slot would not run (reported to study.py's owner).
    proc = subprocess.run([sys.executable, str(tmp_path / "train.py"), url, str(root), str(ROOT)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert proc.returncode == 9, proc.stderr[-3000:]
    crashed = hs.load_study("crash", storage=url)
    assert [t.state for t in crashed.trials] == [hs.TrialState.RUNNING]
    assert ck.trial_directory(root, "crash", 0).joinpath("epoch-00003.pt").exists()

    run_study(url, str(root), "crash", 2)  # this process is the rerun: it resumes
    run_study(url, str(root), "clean", 1)  # the same trial, never killed

    runs = _epochs_logged(root, "crash")
    assert runs[0] == [0, 1, 2, 3]  # the first process died in its 4th epoch
    assert runs[1] == [3, 4]  # the retry trained only the two missing epochs
    assert runs[2] == [0, 1, 2, 3, 4]  # (the second trial of the budget: a fresh one)
    crashed = hs.load_study("crash", storage=url)
    dead, retry = crashed.trials[0], crashed.trials[1]
    assert dead.state is hs.TrialState.FAIL and dead.interrupted
    assert retry.state is hs.TrialState.COMPLETE and retry.system_attrs["retry_of"] == 0
    assert retry.user_attrs["resumed_at_epoch"] == 3 and retry.user_attrs["epochs_trained"] == 5

    # weights, optimizer momentum and the shuffling generator all continued exactly
    clean = hs.load_study("clean", storage=url).trials[0]
    assert _epochs_logged(root, "clean")[0] == [0, 1, 2, 3, 4]
    assert clean.params == retry.params
    assert retry.intermediate == clean.intermediate and len(clean.intermediate) == 5
    assert retry.value == clean.value

    # the best trial's weights come back from its final checkpoint
    best = hs.load_study("clean", storage=url)
    model = mlp()
    state = ck.load_best(best, root, model)
    assert state["epoch"] == 5
    torch.set_num_threads(1)
    assert val_loss(model, torch_setup()) == pytest.approx(best.best_value, rel=1e-6)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol 5")  # the tampered file's
def test_checkpoints_keep_the_newest_epochs_and_load_only_weights(tmp_path: Path) -> None:
    study = hs.create_study(name="a/b")  # a separator in the name stays one directory
    trial = study.ask()
    ckpt = ck.Checkpoints(tmp_path, trial, keep=2)
    assert ckpt.directory == tmp_path / "a_b" / "0"
    for epoch in (1, 2, 3):
        ckpt.save(epoch, {"w": torch.full((2,), float(epoch))})
    assert ckpt.epochs() == [2, 3] and ckpt.last_epoch() == 3
    latest = ckpt.latest()
    assert latest is not None and torch.equal(latest["w"], torch.full((2,), 3.0))
    assert trial.user_attrs["checkpoint_dir"] == str(ckpt.directory)

    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    with open(ckpt.path(4), "wb") as f:  # a tampered file: torch.save of an object
        torch.save({"model": Evil()}, f, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(pickle.UnpicklingError):
        ckpt.latest()
    assert not (tmp_path / "pwned").exists()
    with pytest.raises(ValueError, match="keep must be an integer >= 1"):
        ck.Checkpoints(tmp_path, trial, keep=0)
    with pytest.raises(ValueError, match=r"Checkpoints\.save: epoch must be an integer >= 0"):
        ckpt.save(-1, {})


def test_rng_state_round_trips_through_a_weights_only_file(tmp_path: Path) -> None:
    import random

    import numpy as np

    ckpt = ck.Checkpoints(tmp_path, hs.create_study().ask())
    ckpt.save(1, {"rng": ck.rng_state()})
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    state = ckpt.latest()
    assert state is not None
    ck.restore_rng_state(state["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_load_best_says_where_it_looked(tmp_path: Path) -> None:
    study = hs.create_study(name="empty")
    study.tell(study.ask(), 1.0)
    with pytest.raises(FileNotFoundError, match="no checkpoint of the best trial 0"):
        ck.load_best(study, tmp_path)
    with pytest.raises(TypeError, match="cannot load list weights into a Linear"):
        ck.load_weights(torch.nn.Linear(1, 1), [1.0])


def test_objective_checkpoints_and_load_best_in_process(tmp_path: Path) -> None:
    data = torch_setup()
    from .helpers import train_one_epoch

    objective = hst.objective(
        lambda p: mlp(p["hidden"]),
        lambda m, o, p, e: train_one_epoch(m, o, data),
        lambda m, p: val_loss(m, data),
        make_optimizer=lambda m, p: torch.optim.SGD(m.parameters(), lr=0.3),
        epochs=3, patience=1, checkpoint_dir=tmp_path,
    )  # fmt: skip
    study = hs.create_study(name="s", space={"hidden": hs.Int(8, 32)}, seed=3)
    study.optimize(objective, n_trials=3, show_progress=False)
    model = mlp(study.best_params["hidden"])
    state = ck.load_best(study, tmp_path, model)
    assert val_loss(model, data) == pytest.approx(study.best_value, rel=1e-6)
    curve = study.best_trial.intermediate  # early stopping restored the best epoch's weights
    assert state["epoch"] == min(curve, key=lambda step: curve[step])
    assert state["epochs_trained"] == len(curve) == study.best_trial.user_attrs["epochs_trained"]
    assert json.dumps(study.best_trial.user_attrs)  # storage holds JSON only


def test_a_fresh_trial_never_resumes_from_files_it_did_not_write(tmp_path: Path) -> None:
    data = torch_setup()
    from .helpers import train_one_epoch

    def run() -> hst.Outcome:
        trial = hs.create_study(name="same").ask()  # trial 0 of a new study of that name
        torch.manual_seed(0)
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        return hst.train(trial, model, opt, lambda e: train_one_epoch(model, opt, data),
                         lambda: val_loss(model, data), epochs=3, checkpoints=tmp_path)

    first = run()
    assert ck.trial_directory(tmp_path, "same", 0).joinpath("epoch-00003.pt").exists()
    second = run()  # same directory, but not a retry: trains from scratch
    assert (second.resumed_at, second.epochs_run) == (0, 3) == (first.resumed_at, 3)
