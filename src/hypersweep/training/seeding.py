"""Fix every source of randomness a training run draws from, so a run can be repeated.

The seed is not a hyperparameter: fix it to make one run reproducible, and
evaluate a configuration over several seeds to see how much it swings.

Keras is seeded only when it is already imported. Importing it here would pick
a backend behind the user's back (``import keras`` fails when ``KERAS_BACKEND``
is unset and TensorFlow is absent), and it is not needed: Keras makes its
unseeded generators from Python's ``random`` when they are first used, and that
is seeded here, so a model built after a later ``import keras`` repeats too.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import zlib


def derive_seed(entropy: int, number: int, repeat: int = 0) -> int:
    """The seed of repeat ``repeat`` of trial ``number`` in a study with ``entropy``.

    Repeat 0 keeps the seed trials always had (so ``repeats=1`` changes nothing);
    later repeats hash their index in, so each repeat draws its own randomness.
    """
    text = f"{entropy}:{number}" if repeat == 0 else f"{entropy}:{number}:{repeat}"
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def seed_everything(seed: int, *, deterministic: bool = True) -> list[str]:
    """Seed Python, NumPy, and PyTorch / TensorFlow when installed, Keras when imported.

    With ``deterministic=True`` it also asks the frameworks for deterministic
    kernels where they offer them (PyTorch warns, rather than fails, on
    operations that have none). Returns the names of what it seeded.

    >>> import random
    >>> _ = seed_everything(7); a = random.random()
    >>> _ = seed_everything(7); a == random.random()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), but got {seed!r}")
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses; this one's hash is fixed
    seeded = ["python"]
    if importlib.util.find_spec("numpy") is not None:
        import numpy as np

        np.random.seed(seed)
        seeded.append("numpy")
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.manual_seed(seed)  # also seeds every CUDA device
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        seeded.append("torch")
    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow as tf

        tf.random.set_seed(seed)
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        seeded.append("tensorflow")
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "utils"):  # see the module docstring
        keras.utils.set_random_seed(seed)  # also drops Keras's global seed generator
        seeded.append("keras")
    return seeded
