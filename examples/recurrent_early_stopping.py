"""A recurrent network's hyperparameters, with early stopping and training that resumes.

Data: the 8x8 digits shipped with scikit-learn, read as sentences. Each image
is read row by row and written in run-length code: a "word" is a run of equal
pixels within a row (its ink level, blank / light / dark, and its length, 1
to 8: 24 words), and the blank rows above and below the digit are dropped. No
text corpus ships with scikit-learn or statsmodels; this one has what seed
003's knobs need: sentences of varying length (24 to 51 words, median 37) over
a small vocabulary. ``maxlen`` pads the short ones and truncates the long ones
(keeping the first ``maxlen`` words, so a short maxlen sees only the top of
the digit and loses accuracy while a long one costs time), the embedding size
is how rich each word's vector is, and the units, dropout and batch size are
the network's.

The model is a PyTorch GRU over packed sequences (padding is skipped, not
read), trained with ``hypersweep.integrations.torch``: validation accuracy
is reported every epoch (the median pruner may stop a hopeless trial), early
stopping ends a trial after ``patience`` epochs without improvement and puts
the best epoch's weights back, and every trial keeps a checkpoint.

The other advice for recurrent networks, "do not retrain from scratch to try more epochs":
after the search, the best trial's saved weights are loaded and trained further
(again with early stopping) and saved; the next run of this script resumes the
stored study (no trial is repeated) and continues that saved model again, from
where the previous run stopped.

    python examples/recurrent_early_stopping.py      # 20 trials, up to 20 epochs each
    HYPERSWEEP_EXAMPLE_QUICK=1 python examples/recurrent_early_stopping.py
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

import hypersweep as hs

STUDY = "digits-sequence-gru"
QUICK = bool(os.environ.get("HYPERSWEEP_EXAMPLE_QUICK"))
LEVELS = 3  # blank, light, dark
WIDTH = 8  # pixels in a row: the longest run
VOCABULARY = LEVELS * WIDTH + 1  # words 1..24; 0 is padding
CLASSES = 10
CONTINUED = "continued.pt"  # the best model trained further, next to its trial's checkpoints

SPACE = {
    "maxlen": hs.Categorical([12, 24, 36, 48]),
    "embedding": hs.Categorical([2, 4, 8, 16]),
    "units": hs.Int(8, 64, log=True),
    "dropout": hs.Float(0.0, 0.5),
    "batch_size": hs.Categorical([16, 32, 64]),
    "lr": hs.Float(1e-3, 1e-2, log=True),  # Adam's usual range
}


def to_tokens(image: np.ndarray) -> list[int]:
    """One digit as a sentence: the runs of equal ink within each row, blank rows trimmed."""
    levels = np.ceil(image.reshape(WIDTH, WIDTH) / 16.0 * (LEVELS - 1)).astype(int)
    words: list[int] = []
    for row in levels:
        start = 0
        for end in range(1, WIDTH + 1):
            if end == WIDTH or row[end] != row[start]:
                words.append(1 + int(row[start]) * WIDTH + (end - start - 1))
                start = end
    blank_row = WIDTH  # the word of a run of 8 blank pixels
    first = next(i for i, w in enumerate(words) if w != blank_row)
    last = max(i for i, w in enumerate(words) if w != blank_row)
    return words[first : last + 1]


def pad(sequences: list[list[int]], maxlen: int) -> tuple[np.ndarray, np.ndarray]:
    """Truncate to the first ``maxlen`` tokens, pad with 0 after them; also the true lengths."""
    out = np.zeros((len(sequences), maxlen), dtype=np.int64)
    lengths = np.array([min(len(s), maxlen) for s in sequences], dtype=np.int64)
    for row, (s, n) in enumerate(zip(sequences, lengths)):
        out[row, :n] = s[:n]
    return out, lengths


@functools.lru_cache(maxsize=1)
def data(quick: bool) -> tuple[list[list[int]], np.ndarray, list[list[int]], np.ndarray]:
    """Training and validation sequences (quick: an 800-digit sample)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    sequences = [to_tokens(img) for img in x]
    n = 800 if quick else len(y)
    seq_train, seq_val, y_train, y_val = train_test_split(
        sequences[:n], y[:n], test_size=0.25, stratify=y[:n], random_state=0
    )
    return seq_train, np.asarray(y_train), seq_val, np.asarray(y_val)


def build_model(params: dict[str, Any]) -> Any:
    import torch

    class SequenceClassifier(torch.nn.Module):
        """Embedding -> GRU over the packed (unpadded) tokens -> dropout -> class scores."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(VOCABULARY, params["embedding"], padding_idx=0)
            self.gru = torch.nn.GRU(params["embedding"], params["units"], batch_first=True)
            self.drop = torch.nn.Dropout(params["dropout"])
            self.out = torch.nn.Linear(params["units"], CLASSES)

        def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                self.embed(tokens), lengths, batch_first=True, enforce_sorted=False
            )
            _, last = self.gru(packed)
            return self.out(self.drop(last[-1]))  # type: ignore[no-any-return]

    return SequenceClassifier()


def tensors(params: dict[str, Any], split: str) -> tuple[Any, Any, Any]:
    """(tokens, lengths, labels) of a split, padded to the trial's maxlen."""
    import torch

    seq_train, y_train, seq_val, y_val = data(QUICK)
    seqs, labels = (seq_train, y_train) if split == "train" else (seq_val, y_val)
    tokens, lengths = pad(seqs, params["maxlen"])
    return torch.from_numpy(tokens), torch.from_numpy(lengths), torch.from_numpy(labels)


def train_epoch(model: Any, optimizer: Any, params: dict[str, Any], epoch: int) -> None:
    import torch

    tokens, lengths, labels = tensors(params, "train")
    order = torch.randperm(len(labels))  # seeded per trial by the integration
    for start in range(0, len(order), params["batch_size"]):
        rows = order[start : start + params["batch_size"]]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(tokens[rows], lengths[rows]), labels[rows])
        loss.backward()
        optimizer.step()


def validate(model: Any, params: dict[str, Any]) -> float:
    """Validation accuracy (the monitored metric: higher is better)."""
    tokens, lengths, labels = tensors(params, "val")
    return float((model(tokens, lengths).argmax(1) == labels).float().mean())


def make_optimizer(model: Any, params: dict[str, Any]) -> Any:
    import torch

    return torch.optim.Adam(model.parameters(), lr=params["lr"])


def continue_best(
    study: hs.Study, checkpoints: Path, more_epochs: int, patience: int, seed: int
) -> tuple[int, float, int, float]:
    """Train the best configuration further from its saved weights, not from scratch.

    Starts from the model a previous run continued (``continued.pt``) if there is
    one for this best trial, else from the trial's own final checkpoint (its best
    epoch). Early stopping already ended that training, so it goes on at a tenth
    of the trial's learning rate (sensible ranges: fine-tuning rates one to two orders
    lower). Returns (epochs before, accuracy before, epochs after, accuracy after).
    """
    import torch

    from hypersweep import presets
    from hypersweep.integrations import checkpoint
    from hypersweep.integrations import torch as hst

    best = study.best_trial
    params = dict(best.params)
    model = build_model(params)
    saved = checkpoint.trial_directory(checkpoints, study.name, best.number) / CONTINUED
    state = checkpoint.load(saved) if saved.exists() else None
    if state is None or state.get("trial") != best.number:
        state = checkpoint.load_best(study, checkpoints)
    model.load_state_dict(state["model"])
    start_epoch = int(state["epoch"])
    model.eval()
    with torch.no_grad():
        before = validate(model, params)
    hs.seed_everything(seed + start_epoch)  # a new stream for the new epochs
    fine_lr = params["lr"] * presets.FINE_TUNING_HIGH_FACTOR
    optimizer = make_optimizer(model, {**params, "lr": fine_lr})
    early = hst.EarlyStopping(model, mode="max", patience=patience)
    early.step(before)  # the starting weights count: continuing never makes the model worse
    for epoch in range(start_epoch + 1, start_epoch + more_epochs + 1):
        model.train()
        train_epoch(model, optimizer, params, epoch)
        model.eval()
        with torch.no_grad():
            if early.step(validate(model, params)):
                break
    early.restore()
    model.eval()
    with torch.no_grad():
        after = validate(model, params)
    epochs_after = start_epoch + early.best_epoch - 1  # best_epoch counts the start as 1
    state = {"model": model.state_dict(), "epoch": epochs_after, "trial": best.number}
    torch.save(state, saved)
    return start_epoch, before, epochs_after, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///hypersweep.db", help="storage URL")
    parser.add_argument("--study", default=STUDY, help="study name")
    parser.add_argument("--checkpoints", default="checkpoints", help="checkpoint directory")
    parser.add_argument("--n-trials", type=int, default=4 if QUICK else 20)
    parser.add_argument("--epochs", type=int, default=6 if QUICK else 20, help="per trial, at most")
    parser.add_argument("--patience", type=int, default=2 if QUICK else 4)
    parser.add_argument("--more-epochs", type=int, default=3 if QUICK else 20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    from hypersweep.integrations import torch as hst

    if QUICK:
        torch.set_num_threads(1)
    objective = hst.objective(
        build_model,
        train_epoch,
        validate,
        epochs=args.epochs,
        make_optimizer=make_optimizer,
        mode="max",
        patience=args.patience,
        checkpoint_dir=args.checkpoints,
    )
    study = hs.create_study(
        args.study,
        storage=args.storage,
        direction="maximize",
        sampler="tpe",
        space=SPACE,
        pruner=hs.pruners.Median(n_startup_trials=3, n_warmup_steps=2),
        load_if_exists=True,
        seed=args.seed,
    )
    done = len(study.trials)
    study.optimize(objective, n_trials=max(0, args.n_trials - done))

    print(f"{len(study.trials)} trials ({len(study.trials) - done} new this run):")
    for t in sorted(study.trials, key=lambda t: -(t.value if t.value is not None else -1)):
        epochs = t.user_attrs.get("epochs_trained", len(t.intermediate))
        print(
            f"  trial {t.number:2d} {t.state.value:<8} val acc "
            f"{t.value if t.value is not None else float('nan'):.4f} after {epochs:2d} epochs: "
            f"maxlen={t.params['maxlen']} embedding={t.params['embedding']} "
            f"units={t.params['units']}"
        )
    best = study.best_trial
    start, before, after_epochs, after = continue_best(
        study, Path(args.checkpoints), args.more_epochs, args.patience, args.seed
    )
    print(f"\nbest trial {best.number}: validation accuracy {best.value:.4f}")
    print(
        f"continued from the saved model at epoch {start} (val acc {before:.4f}) "
        f"to epoch {after_epochs} (val acc {after:.4f}), not retrained from scratch"
        + ("" if after_epochs > start else "; no later epoch was better, the saved model stays")
    )
    print("best parameters:")
    print(json.dumps(best.params, indent=2))


if __name__ == "__main__":
    main()
