"""Ready-made sub-spaces for the usual deep-learning hyperparameters, in their sensible ranges.

Each function returns a parameter (often a :class:`~hypersweep.Categorical` of
branches) to drop into a search space::

    from hypersweep import presets
    space = {
        "optimizer": presets.optimizer(),
        "batch_size": presets.batch_size(),
        "dropout": presets.dropout(),
        "weight_decay": presets.weight_decay(),
    }

The ranges are the suggested ones: initial learning rate for SGD [1e-2, 1e-1],
for SGD with momentum, Adagrad, RMSprop, Adam, Adamax and Nadam [1e-3, 1e-2],
for Adadelta [1e-2, 1e-1], all log-scaled; batch size up to 1024; weight decay
[0, 1e-4]; dropout [0, 0.5]; kernel sizes 1x1 to 7x7. Where a choice had to be
made (the batch-size floor, how to put 0 in a weight-decay range, what
fine-tuning means), the function's docstring says which and why.

Nothing here imports torch at module level: :func:`torch_optimizer` imports it
when it is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..space.kinds import Categorical, Float, Int

# name -> (lr low, lr high) for training from scratch
LEARNING_RATES: dict[str, tuple[float, float]] = {
    "sgd": (1e-2, 1e-1),
    "momentum": (1e-3, 1e-2),
    "adagrad": (1e-3, 1e-2),
    "rmsprop": (1e-3, 1e-2),
    "adadelta": (1e-2, 1e-1),
    "adam": (1e-3, 1e-2),
    "adamax": (1e-3, 1e-2),
    "nadam": (1e-3, 1e-2),
}
OPTIMIZERS: tuple[str, ...] = tuple(LEARNING_RATES)
# the Adam family's constants: "usually left at their defaults"
BETA_1_RANGE = (0.85, 0.95)
BETA_2 = 0.999
EPSILON = 1e-8
MOMENTUM_RANGE = (0.8, 0.99)
# fine-tuning a trained model: rates one to two orders of magnitude lower
FINE_TUNING_LOW_FACTOR = 1e-2
FINE_TUNING_HIGH_FACTOR = 1e-1

INITIALIZERS: tuple[str, ...] = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
)
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu")
KERNEL_SIZES: tuple[int, ...] = (1, 3, 5, 7)


def learning_rate_range(name: str, *, fine_tuning: bool = False) -> tuple[float, float]:
    """The (low, high) initial learning rate the presets use for optimizer ``name``.

    >>> learning_rate_range("adam")
    (0.001, 0.01)
    >>> learning_rate_range("adam", fine_tuning=True)
    (1e-05, 0.001)
    """
    if name not in LEARNING_RATES:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")
    low, high = LEARNING_RATES[name]
    if fine_tuning:
        # round: 1e-3 * 1e-2 is 1.0000000000000002e-05 in floating point
        low = float(f"{low * FINE_TUNING_LOW_FACTOR:.6g}")
        high = float(f"{high * FINE_TUNING_HIGH_FACTOR:.6g}")
    return low, high


def _branch(name: str, fine_tuning: bool) -> dict[str, Any]:
    low, high = learning_rate_range(name, fine_tuning=fine_tuning)
    branch: dict[str, Any] = {"name": name, "lr": Float(low, high, log=True)}
    if name == "sgd":
        branch["momentum"] = 0.0
    elif name == "momentum":
        branch["momentum"] = Float(*MOMENTUM_RANGE)
    elif name in ("adam", "adamax", "nadam"):
        branch["beta_1"] = Float(*BETA_1_RANGE)
        branch["beta_2"] = BETA_2
        branch["epsilon"] = EPSILON
    return branch


def optimizer(fine_tuning: bool = False, names: Iterable[str] | None = None) -> Categorical:
    """A choice of optimizer, each branch with its own learning-rate range.

    Every branch is a dict ``{"name": ..., "lr": ..., ...}``; the sampled value
    is that dict with real numbers, ready for :func:`torch_optimizer`:

    - ``sgd``: plain SGD, lr log-uniform in [1e-2, 1e-1], momentum 0;
    - ``momentum``: SGD with momentum, lr in [1e-3, 1e-2], momentum in [0.8, 0.99]
      (a tuned value around the usual 0.9; often ranked second in importance);
    - ``adagrad``, ``rmsprop``: lr in [1e-3, 1e-2];
    - ``adadelta``: lr in [1e-2, 1e-1];
    - ``adam``, ``adamax``, ``nadam``: lr in [1e-3, 1e-2], ``beta_1`` in
      [0.85, 0.95] (centred on the default 0.9), ``beta_2`` = 0.999 and
      ``epsilon`` = 1e-8 as constants: they are usually left at
      their defaults and ranks them last in importance. Build your own branch to
      tune them.

    ``fine_tuning=True`` (training on from a trained model) lowers every
    learning-rate range by "one to two orders of magnitude": the lower bound by
    two orders, the upper bound by one (Adam: [1e-5, 1e-3]; SGD: [1e-4, 1e-2]).

    ``names`` keeps only those optimizers, in that order.

    >>> [c["name"] for c in optimizer(names=["adam", "sgd"]).choices]
    ['adam', 'sgd']
    """
    chosen = list(OPTIMIZERS if names is None else names)
    if not chosen:
        raise ValueError("names must list at least one optimizer")
    unknown = [n for n in chosen if n not in LEARNING_RATES]
    if unknown:
        raise ValueError(f"unknown optimizer(s) {unknown}; expected some of {list(OPTIMIZERS)}")
    return Categorical([_branch(n, fine_tuning) for n in chosen])


def batch_size(
    low: int = 16, high: int = 1024, *, powers_of_two: bool = False
) -> Int | Categorical:
    """Batch size, log-uniform in [low, high] so that 16..64 is as likely as 256..1024.

    The usual suggestion is [1, 1024]; the default floor is 16 because batch sizes below
    that mostly just make training slow (a GPU is barely used and batch norm's
    statistics are too noisy), so trials there spend the budget without telling
    much. Pass ``low=1`` to search the full range. ``powers_of_two=True`` gives a
    choice of 16, 32, ... instead.
    """
    if powers_of_two:
        sizes = []
        size = 1
        while size <= high:
            if size >= low:
                sizes.append(size)
            size *= 2
        if not sizes:
            raise ValueError(f"no power of two lies in [{low}, {high}]")
        return Categorical(sizes)
    return Int(low, high, log=True)


def dropout(low: float = 0.0, high: float = 0.5) -> Float:
    """Dropout rate, uniform in [0, 0.5] (linear: 0 must be reachable)."""
    return Float(low, high)


def weight_decay(high: float = 1e-4, *, low: float = 1e-6) -> Categorical:
    """Weight decay in [0, 1e-4]: either exactly 0, or log-uniform in [1e-6, 1e-4].

    0 cannot sit on a log scale, and a linear Float over [0, 1e-4] puts 99% of
    its draws above 1e-6 and only 10% below 1e-5, so the small decays that are
    often best would hardly be tried. The mixture gives "no decay" half of the
    draws and spreads the other half evenly over the orders of magnitude.
    The sampled value is a plain float either way.
    """
    return Categorical([0.0, Float(low, high, log=True)])


def initializer(variance_scaling: bool = True) -> Categorical:
    """Weight initialiser: Glorot / He / LeCun x uniform / normal (keras names).

    With ``variance_scaling=True`` a further branch ``{"name": "variance_scaling",
    "scale": [0.5, 2], "mode": fan_in | fan_out | fan_avg, "distribution":
    truncated_normal | uniform}`` generalises them (scale 1 / fan_avg is Glorot,
    2 / fan_in is He, 1 / fan_in is LeCun). The defaults are usually right:
    tune this last.
    """
    choices: list[Any] = list(INITIALIZERS)
    if variance_scaling:
        choices.append(
            {
                "name": "variance_scaling",
                "scale": Float(0.5, 2.0, log=True),
                "mode": Categorical(["fan_in", "fan_out", "fan_avg"]),
                "distribution": Categorical(["truncated_normal", "uniform"]),
            }
        )
    return Categorical(choices)


def activation(names: Sequence[str] = ACTIVATIONS) -> Categorical:
    """Activation function: relu, tanh, sigmoid, elu, selu, gelu."""
    return Categorical(list(names))


def kernel_size(high: int = 7) -> Categorical:
    """Convolution kernel size: odd sizes 1 (1x1) to 7 (7x7)."""
    return Categorical([k for k in KERNEL_SIZES if k <= high])


_TORCH_CLASSES = {
    "sgd": "SGD",
    "momentum": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamax": "Adamax",
    "nadam": "NAdam",
}


def torch_optimizer(params: dict[str, Any], model_parameters: Any, **kwargs: Any) -> Any:
    """A ``torch.optim`` optimizer for a sampled :func:`optimizer` branch.

    ``params`` is the sampled branch (``{"name": "adam", "lr": ..., "beta_1": ...}``)
    or a dict holding it under ``"optimizer"``; ``model_parameters`` is what
    torch expects (``model.parameters()`` or parameter groups). Extra keyword
    arguments (e.g. ``weight_decay``) go to the optimizer as they are.
    """
    import torch  # lazily: keeps `import hypersweep` light

    if "name" not in params and isinstance(params.get("optimizer"), dict):
        params = params["optimizer"]
    name = params.get("name")
    if name not in _TORCH_CLASSES:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {list(_TORCH_CLASSES)}")
    cls = getattr(torch.optim, _TORCH_CLASSES[name])
    options: dict[str, Any] = {"lr": float(params["lr"])}
    if name in ("sgd", "momentum"):
        options["momentum"] = float(params.get("momentum", 0.0))
    if name in ("adam", "adamax", "nadam"):
        options["betas"] = (
            float(params.get("beta_1", 0.9)),
            float(params.get("beta_2", BETA_2)),
        )
        options["eps"] = float(params.get("epsilon", EPSILON))
    options.update(kwargs)
    return cls(model_parameters, **options)
