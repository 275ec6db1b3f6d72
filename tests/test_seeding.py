"""seed_everything makes Python, NumPy and PyTorch draws repeat, and real training too."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs


def draws() -> tuple[float, float]:
    return random.random(), float(np.random.rand())


def test_python_and_numpy_repeat_and_differ_by_seed() -> None:
    hs.seed_everything(3)
    first = draws()
    hs.seed_everything(3)
    assert draws() == first
    hs.seed_everything(4)
    assert draws() != first


@pytest.fixture
def torch_restored() -> Iterator[Any]:
    """seed_everything switches on deterministic kernels process-wide: switch them off after."""
    torch = pytest.importorskip("torch")
    yield torch
    torch.use_deterministic_algorithms(False)


def test_torch_training_repeats_exactly(torch_restored: Any) -> None:
    torch = torch_restored
    from sklearn.datasets import load_iris

    x_np, y_np = load_iris(return_X_y=True)
    x = torch.tensor((x_np - x_np.mean(0)) / x_np.std(0), dtype=torch.float32)
    y = torch.tensor(y_np)

    def train(seed: int) -> list[float]:
        assert "torch" in hs.seed_everything(seed)
        model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(),
                                    torch.nn.Dropout(0.3), torch.nn.Linear(16, 3))  # fmt: skip
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for _ in range(5):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 32):
                idx = perm[i : i + 32]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
            losses.append(loss.item())
        return losses

    assert train(0) == train(0)  # same seed: the same run, to the bit
    assert train(0) != train(1)
    assert torch.are_deterministic_algorithms_enabled()


def test_bad_seeds_are_refused() -> None:
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        hs.seed_everything(-1)
    with pytest.raises(ValueError, match="seed must be an integer"):
        hs.seed_everything(1.5)  # type: ignore[arg-type]


def test_derived_seeds_keep_the_old_value_for_repeat_0_and_differ_per_repeat() -> None:
    from hypersweep.seeding import derive_seed

    assert derive_seed(123, 7) == zlib.crc32(b"123:7") & 0x7FFFFFFF  # what trial.seed always was
    seeds = [derive_seed(123, 7, r) for r in range(20)]
    assert len(set(seeds)) == 20 and all(0 <= s < 2**31 for s in seeds)
    assert derive_seed(123, 7, 1) != derive_seed(124, 7, 1) != derive_seed(123, 8, 1)


# One training run per process, so that no global state (RNGs, deterministic flags, Keras's
# seed generator) can leak from one run into the next. The process starts WITHOUT
# KERAS_BACKEND: seed_everything must then neither import keras (which would fail: no
# TensorFlow here) nor choose a backend; the script sets it afterwards, as a user would.
TRAINING = """
import hashlib, json, os, sys
import hypersweep as hs
seed = int(sys.argv[1])
out = {}
seeded = hs.seed_everything(seed)
out["untouched"] = "keras" not in sys.modules and "KERAS_BACKEND" not in os.environ
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
torch.set_num_threads(1)
x, y = load_breast_cancer(return_X_y=True)
x = ((x - x.mean(0)) / x.std(0)).astype("float32")[:192]
y = y.astype("float32")[:192]

def digest(arrays):
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()

def torch_run():
    model = torch.nn.Sequential(torch.nn.Linear(30, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                                torch.nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)[:, None]
    losses = []
    for _ in range(3):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 32):
            idx = perm[i : i + 32]
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        losses.append(loss.item())
    return {"losses": losses, "weights": digest(p.detach().numpy() for p in model.parameters())}

def keras_run():
    import keras
    layers = keras.layers
    model = keras.Sequential([keras.Input((30,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=32, shuffle=True, verbose=0)
    return {"losses": [float(v) for v in history.history["loss"]],
            "weights": digest(model.get_weights())}

out["torch"] = {**torch_run(), "seeded": seeded}
os.environ["KERAS_BACKEND"] = "torch"
seeded = hs.seed_everything(seed)  # keras not imported yet: it is built from seeded Python
out["keras_imported_after"] = {**keras_run(), "seeded": seeded}
seeded = hs.seed_everything(seed)  # keras imported now: its own generator is reset too
out["keras_imported_before"] = {**keras_run(), "seeded": seeded}
print(json.dumps(out))
"""


@pytest.mark.slow  # three fresh processes importing torch, keras and scikit-learn
def test_real_torch_and_keras_training_is_bit_identical_per_seed(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    pytest.importorskip("sklearn")
    script = tmp_path / "train.py"
    script.write_text(TRAINING)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["OMP_NUM_THREADS"] = "1"
    procs = [
        subprocess.Popen([sys.executable, str(script), str(seed)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in (11, 11, 12)
    ]  # fmt: skip
    runs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        runs.append(json.loads(out.strip().splitlines()[-1]))
    first, again, other = runs
    assert first["untouched"], "seed_everything imported keras or set KERAS_BACKEND"
    assert first["torch"]["seeded"] == ["python", "numpy", "torch"]
    assert "keras" not in first["keras_imported_after"]["seeded"]
    assert "keras" in first["keras_imported_before"]["seeded"]
    for part in ("torch", "keras_imported_after", "keras_imported_before"):
        assert first[part] == again[part], part  # same seed: the same bits
        assert first[part]["weights"] != other[part]["weights"], part
        assert first[part]["losses"] != other[part]["losses"], part
    assert first["keras_imported_after"]["losses"] != first["torch"]["losses"]
