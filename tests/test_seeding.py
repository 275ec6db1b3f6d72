"""seed_everything makes Python, NumPy and PyTorch draws repeat, and real training too."""

from __future__ import annotations

import random
from collections.abc import Iterator
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
