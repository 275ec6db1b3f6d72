"""Pruning benchmark: epochs saved and accuracy kept, hypersweep's pruners against optuna's.

Tunes a small MLP on scikit-learn's digits (fixed train/validation split; lr,
hidden units, dropout, weight decay, batch size) with the same sampler in every
row (hypersweep's TPE for hypersweep's pruners, optuna's TPESampler for
optuna's), each trial training up to ``--epochs`` epochs and reporting the
validation accuracy after every epoch (step = epochs trained so far). Per
setting: total epochs trained (deterministic: the main cost figure on a shared,
noisy machine), wall time, and the best validation accuracy (median over seeds
and per seed). The second case is the same through Keras 3 on the torch
backend, smaller because Keras epochs cost more.

``--synthetic`` runs instead the cheap simulated learning curves used to choose
TPE's multi-fidelity settings (many seeds in seconds; see ``pruning_synthetic.py``).

``--replay`` runs the five-task benchmark that chose the default pruner (digits
MLP, a Keras model, a slow starter, noisy scores, a regression; TPE and random
search; every hypersweep pruner and optuna's Median, SuccessiveHalving,
Hyperband and Wilcoxon pruners), replaying cached learning curves: why that is
fair, and its cost compromises, are in ``pruning_replay.py``. Its table is
``benchmarks/results/pruning.txt``.

    python benchmarks/pruning.py --replay --precompute --cache curves.pkl   # train the grids
    python benchmarks/pruning.py --replay --seeds 9 --cache curves.pkl \
        --out benchmarks/results/pruning.txt

    python benchmarks/pruning.py                        # 3 seeds, 40 trials, 30 epochs, both cases
    python benchmarks/pruning.py --quick                # a smoke test (seconds)
    python benchmarks/pruning.py --seeds 5 --no-keras --out benchmarks/results/pruning.txt
    python benchmarks/pruning.py --synthetic --seeds 30
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import hypersweep as hs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pruning_table import Row, Run, table, verdict

BATCHES = (32, 64, 128, 256)


# --- the data and the two trainers ------------------------------------------------


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits scaled to [0, 1], a fixed stratified 75/25 train/validation split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    xt, xv, yt, yv = train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    return xt, xv, yt.astype(np.int64), yv.astype(np.int64)


class Counter:
    """Epochs trained, across every trial of a study."""

    def __init__(self) -> None:
        self.epochs = 0.0


Report = Callable[[float, int], bool]  # (accuracy, epoch) -> stop now?


def config_key(params: dict[str, Any]) -> int:
    """A stable number for a configuration, the same in every process and library."""
    return zlib.crc32(repr(sorted(params.items())).encode())


def training_seed(seed: int, params: dict[str, Any]) -> int:
    """Weights and batches seeded by (seed, config): a configuration trains the same way
    under every pruner and library."""
    return seed * 1_000_003 + config_key(params)


def train_torch(
    params: dict[str, Any],
    data: Any,
    epochs: int,
    seed: int,
    report: Report,
    counter: Counter,
    fraction_at: Callable[[int], float] | None = None,
) -> float:
    """Adam on a one-hidden-layer MLP; returns the last epoch's validation accuracy.
    The weights and batches are seeded by (seed, config), so a configuration trains the
    same way under every pruner and library. ``fraction_at(epoch)``: train that epoch
    on a nested stratified sample of that share of the training data (data fidelity)."""
    import torch
    from hypersweep.fidelity import nested_subsample

    torch.set_num_threads(1)
    xt, xv, yt, yv = data
    torch.manual_seed(training_seed(seed, params))
    model = torch.nn.Sequential(
        torch.nn.Linear(64, params["hidden"]),
        torch.nn.ReLU(),
        torch.nn.Dropout(params["dropout"]),
        torch.nn.Linear(params["hidden"], 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
    loss_fn = torch.nn.CrossEntropyLoss()
    bs = params["batch_size"]
    acc = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        share = 1.0 if fraction_at is None else fraction_at(epoch)
        rows = torch.arange(len(xt))
        if share < 1.0:
            rows = torch.as_tensor(nested_subsample(yt.numpy(), share, seed=seed))
        perm = rows[torch.randperm(len(rows))]
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(xv).argmax(1) == yv).float().mean())
        counter.epochs += len(rows) / len(xt)
        if report(acc, epoch):
            break
    return acc


def torch_data() -> Any:
    import torch

    xt, xv, yt, yv = digits_split()
    return torch.tensor(xt), torch.tensor(xv), torch.tensor(yt), torch.tensor(yv)


def keras_data() -> Any:
    return digits_split()


def train_keras(
    params: dict[str, Any],
    data: Any,
    epochs: int,
    seed: int,
    report: Report,
    counter: Counter,
    callback: Any = None,
) -> float:
    """The same MLP through Keras 3 (torch backend). ``callback`` is the pruning
    callback when the study is hypersweep's; optuna's is driven through ``report``."""
    import keras
    import torch

    torch.set_num_threads(1)
    xt, xv, yt, yv = data
    keras.utils.set_random_seed(training_seed(seed, params) % 2**31)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(params["hidden"], activation="relu"),
            keras.layers.Dropout(params["dropout"]),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(
            learning_rate=params["lr"], weight_decay=params["weight_decay"]
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    class Count(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            counter.epochs += 1

    class Stop(keras.callbacks.Callback):  # optuna's side: report and stop on prune
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if report(float((logs or {})["val_accuracy"]), epoch + 1):
                self.model.stop_training = True

    callbacks = [Count(), callback if callback is not None else Stop()]
    hist = model.fit(
        xt, yt, validation_data=(xv, yv), epochs=epochs, batch_size=params["batch_size"],
        callbacks=callbacks, verbose=0,
    )  # fmt: skip
    return float(hist.history["val_accuracy"][-1])


# --- one study per library ---------------------------------------------------------


def space() -> dict[str, Any]:
    return {
        "lr": hs.Float(1e-4, 1e-1, log=True),
        "hidden": hs.Int(16, 256, log=True),
        "dropout": hs.Float(0.0, 0.5),
        "weight_decay": hs.Float(1e-6, 1e-2, log=True),
        "batch_size": hs.Categorical(list(BATCHES)),
    }


def hs_pruner(name: str, epochs: int) -> hs.pruners.Pruner:
    """none, median, asha, hyperband; asha:MIN_RESOURCE:REDUCTION_FACTOR for a variant."""
    p = hs.pruners
    if name == "asha+data":
        return p.ASHA(max_resource=epochs)
    if name.startswith("asha:"):  # asha:MR:RF, or asha:MR:RF:floor (keep max(1, n // RF))
        mr, rf, *floor = name.split(":")[1:]
        kind = FloorASHA if floor else p.ASHA
        return kind(min_resource=int(mr), reduction_factor=int(rf))
    return {
        "none": lambda: p.NoPruning(),
        "median": lambda: p.Median(),
        "asha": lambda: p.ASHA(),
        "hyperband": lambda: p.Hyperband(max_resource=epochs),
    }[name]()


class FloorASHA(hs.pruners.ASHA):
    """The rejected rounding: keep ``max(1, n // eta)`` of the ``n`` values at a rung
    (fewer epochs, lower accuracy; see the ASHA docstring)."""

    def _kept(self, n: int) -> int:
        return max(1, n // self.reduction_factor)


def optuna_pruner(name: str, epochs: int) -> Any:
    import optuna

    p = optuna.pruners
    return {
        "none": lambda: p.NopPruner(),
        "median": lambda: p.MedianPruner(),
        "asha": lambda: p.SuccessiveHalvingPruner(),
        "hyperband": lambda: p.HyperbandPruner(max_resource=epochs),
    }[name]()


def keras_hs_callback(trial: hs.Trial) -> tuple[Any, str]:
    """hypersweep's Keras callback if it is there, else a minimal inline one."""
    try:
        from hypersweep.integrations.keras import ReportCallback

        return ReportCallback(trial, monitor="val_accuracy"), "hs.integrations.keras.ReportCallback"
    except ImportError:
        import keras

        class Inline(keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                trial.report(float((logs or {})["val_accuracy"]), epoch + 1)
                if trial.should_prune():
                    raise hs.TrialPruned()

        return Inline(), "an inline keras Callback (integrations.keras not available)"


CALLBACK_USED: list[str] = []


def run_hypersweep(case: str, pruner: str, seed: int, n_trials: int, epochs: int, data: Any) -> Run:
    counter = Counter()

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        def report(acc: float, epoch: int) -> bool:
            trial.report(acc, epoch)
            if trial.should_prune():
                raise hs.TrialPruned()
            return False

        if case == "torch":
            fraction_at = None
            if name == "asha+data":  # lower rungs on a sample of the data, at least 1/4
                from hypersweep.fidelity import data_fraction

                pr = study.pruner
                fraction_at = lambda e: data_fraction(pr, e, min_fraction=0.25)  # noqa: E731
            return train_torch(params, data, epochs, seed, report, counter, fraction_at)
        cb, how = keras_hs_callback(trial)
        if how not in CALLBACK_USED:
            CALLBACK_USED.append(how)
        return train_keras(params, data, epochs, seed, report, counter, callback=cb)

    name, _, rule = pruner.partition("/")
    sampler = hs.samplers.TPE(seed=seed, multi_fidelity=rule != "optuna-rule")
    study = hs.create_study(
        direction="maximize", space=space(), sampler=sampler, pruner=hs_pruner(name, epochs)
    )
    start = time.perf_counter()
    study.optimize(objective, n_trials, show_progress=False)
    seconds = time.perf_counter() - start
    n_pruned = sum(t.state is hs.TrialState.PRUNED for t in study.trials)
    return Run(counter.epochs, seconds, float(study.best_value or 0.0), n_pruned)


def run_optuna(case: str, pruner: str, seed: int, n_trials: int, epochs: int, data: Any) -> Run:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    counter = Counter()

    def objective(trial: optuna.Trial) -> float:
        params = {
            "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
            "hidden": trial.suggest_int("hidden", 16, 256, log=True),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
            "batch_size": trial.suggest_categorical("batch_size", list(BATCHES)),
        }
        pruned = []

        def report(acc: float, epoch: int) -> bool:
            trial.report(acc, epoch)
            if trial.should_prune():
                pruned.append(epoch)
                return True
            return False

        train = train_torch if case == "torch" else train_keras
        acc = train(params, data, epochs, seed, report, counter)
        if pruned:
            raise optuna.TrialPruned()
        return acc

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna_pruner(pruner, epochs),
    )  # fmt: skip
    start = time.perf_counter()
    study.optimize(objective, n_trials)
    seconds = time.perf_counter() - start
    n_pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    return Run(counter.epochs, seconds, float(study.best_value), n_pruned)


# --- the table -----------------------------------------------------------------------

LABELS = {"none": "no pruning", "median": "Median", "asha": "ASHA", "hyperband": "Hyperband",
          "asha+data": "ASHA, lower rungs on a data sample (>= 25%)"}  # fmt: skip
OPTUNA_LABELS = {"none": "NopPruner", "median": "MedianPruner",
                 "asha": "SuccessiveHalvingPruner", "hyperband": "HyperbandPruner"}  # fmt: skip


def run_case(
    case: str,
    seeds: int,
    n_trials: int,
    epochs: int,
    with_optuna: bool,
    pruners: Sequence[str],
    first_seed: int = 0,
) -> str:
    data = torch_data() if case == "torch" else keras_data()
    warm = {"lr": 1e-3, "hidden": 16, "dropout": 0.0, "weight_decay": 1e-6, "batch_size": 256}
    (train_torch if case == "torch" else train_keras)(  # imports and first calls, untimed
        warm, data, 1, 0, lambda a, e: False, Counter()
    )
    rows: dict[str, Row] = {}
    for pruner in pruners:
        name, _, rule = pruner.partition("/")
        rule = " (optuna's pruned-trial rule)" if rule else ""
        label = LABELS.get(name) or "ASHA(min_resource={}, reduction_factor={}{})".format(
            *name.split(":")[1:3], ", keep n // eta" if name.endswith(":floor") else ""
        )
        rows[f"hs:{pruner}"] = Row(f"hypersweep TPE{rule} + {label}")
        if with_optuna and not rule and name in OPTUNA_LABELS:
            rows[f"optuna:{pruner}"] = Row(f"optuna TPESampler + {OPTUNA_LABELS[pruner]}")
    for seed in range(first_seed, first_seed + seeds):
        for pruner in pruners:
            rows[f"hs:{pruner}"].runs.append(
                run_hypersweep(case, pruner, seed, n_trials, epochs, data)
            )
            if f"optuna:{pruner}" in rows:
                rows[f"optuna:{pruner}"].runs.append(
                    run_optuna(case, pruner, seed, n_trials, epochs, data)
                )
            print(f"  [{case}] seed {seed} {pruner} done", file=sys.stderr, flush=True)
        done = [r for r in rows.values() if r.runs]
        print(table(done, n_trials * epochs), file=sys.stderr, flush=True)  # so far
    title = (
        f"{'PyTorch' if case == 'torch' else 'Keras 3 (torch backend)'} MLP on digits: "
        f"{n_trials} trials x up to {epochs} epochs, {seeds} seeds "
        f"({first_seed}..{first_seed + seeds - 1})"
    )
    out = [title, table(list(rows.values()), n_trials * epochs)]
    if "hs:none" in rows and "hs:asha" in rows:
        out.append(verdict(rows, n_trials * epochs))
    if case == "keras" and CALLBACK_USED:
        out.append("keras pruning callback: " + ", ".join(CALLBACK_USED))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny: a smoke test")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--keras-trials", type=int, default=None, help="default: --trials / 2")
    parser.add_argument("--keras-epochs", type=int, default=None, help="default: --epochs")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument(
        "--pruners",
        default="none,median,asha,hyperband",
        help="comma-separated; NAME/optuna-rule runs TPE with multi_fidelity=False",
    )
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--only", help="--synthetic: the blocks whose name holds this")
    parser.add_argument("--out", type=Path, help="also write the printed tables here")
    parser.add_argument("--replay", action="store_true", help="the five-task replay benchmark")
    parser.add_argument("--tasks", default="digits,keras,slow,noisy,regression")
    parser.add_argument("--samplers", default="TPE,Random")
    parser.add_argument("--cache", help="--replay: comma-separated curve files (first: written)")
    parser.add_argument("--precompute", action="store_true", help="--replay: train the grids")
    parser.add_argument("--rows", dest="only_rows", help="--replay: rows to run (and none)")
    parser.add_argument("--save", help="--replay: also pickle the rows here (for --combine)")
    parser.add_argument("--combine", help="--replay: comma-separated --save files: tables")
    args = parser.parse_args(argv)
    if args.replay:
        hs.set_verbosity(0)
        from pruning_replay import run_replay
        from pruning_tasks import precompute

        tasks = args.tasks.split(",")
        if args.combine:
            from pruning_replay import combine

            text = combine(args.combine.split(","))
            print(text)
            if args.out:
                args.out.write_text(text + "\n")
            return
        if args.precompute:
            precompute(args.cache, tasks, 3, 20)
            return
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        text = run_replay(tasks, args.samplers.split(","), seeds, 30, 20, args.cache,
                          args.only_rows.split(",") if args.only_rows else None,
                          with_optuna=not args.no_optuna, save=args.save)  # fmt: skip
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
        return
    hs.set_verbosity(0)
    if args.quick:
        args.seeds, args.trials, args.epochs = 1, 4, 3
        args.keras_trials, args.keras_epochs = 2, 2
    if args.synthetic:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from pruning_synthetic import run_synthetic

        text = run_synthetic(args.seeds, args.trials, args.epochs, args.only)
    else:
        pruners = args.pruners.split(",")
        parts = []
        if not args.no_torch:
            parts.append(run_case("torch", args.seeds, args.trials, args.epochs,
                                  not args.no_optuna, pruners, args.first_seed))  # fmt: skip
        if not args.no_keras:
            kt = args.keras_trials or max(2, args.trials // 2)
            ke = args.keras_epochs or args.epochs
            part = run_case("keras", args.seeds, kt, ke, not args.no_optuna, pruners,
                            args.first_seed)  # fmt: skip
            if kt < args.trials:
                part += (
                    f"\n(the Keras case runs {kt} trials instead of {args.trials}: "
                    "Keras epochs are slower)"
                )
            parts.append(part)
        text = "\n\n".join(parts)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
