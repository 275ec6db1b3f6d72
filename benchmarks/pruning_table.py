"""The pruning benchmark's figures: one study's cost and result, and the tables."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Run:
    """One study: its cost and its best validation accuracy."""

    epochs: float  # with data fidelity, an epoch on a fraction f of the data counts f
    seconds: float
    best: float
    n_pruned: int


@dataclass
class Row:
    label: str
    runs: list[Run] = field(default_factory=list)


def table(rows: Sequence[Row], full_epochs: int) -> str:
    """Median over seeds, then every seed's figures."""
    width = max(len(r.label) for r in rows)
    lines = [
        f"{'setting':{width}s} {'epochs':>7s} {'% of max':>8s} {'wall s':>7s} {'best acc':>8s} "
        f"{'pruned':>6s}  per seed: epochs / best acc",
    ]
    for row in rows:
        e = statistics.median(r.epochs for r in row.runs)
        w = statistics.median(r.seconds for r in row.runs)
        b = statistics.median(r.best for r in row.runs)
        p = statistics.median(r.n_pruned for r in row.runs)
        seeds = "  ".join(f"{r.epochs:.0f}/{100 * r.best:.2f}" for r in row.runs)
        lines.append(
            f"{row.label:{width}s} {e:7.0f} {100 * e / full_epochs:7.1f}% {w:7.1f} "
            f"{100 * b:7.2f}% {p:6.0f}  {seeds}"
        )
    return "\n".join(lines)


def verdict(rows: dict[str, Row], full_epochs: int) -> str:
    """The issue's target, checked on the medians over seeds."""

    def med(row: Row, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in row.runs)

    base = med(rows["hs:none"], "best")
    asha_acc, asha_ep = med(rows["hs:asha"], "best"), med(rows["hs:asha"], "epochs")
    lines = [
        f"ASHA best accuracy {100 * asha_acc:.2f}% vs no pruning {100 * base:.2f}%: "
        f"{100 * (asha_acc - base):+.2f} points (target >= -0.50): "
        f"{'met' if asha_acc >= base - 0.005 else 'NOT met'}",
        f"ASHA epochs {asha_ep:.0f} = {100 * asha_ep / med(rows['hs:none'], 'epochs'):.1f}% of "
        f"no pruning's (target <= 35%): "
        f"{'met' if asha_ep <= 0.35 * med(rows['hs:none'], 'epochs') else 'NOT met'}",
    ]
    if "optuna:asha" in rows:
        o_acc, o_ep = med(rows["optuna:asha"], "best"), med(rows["optuna:asha"], "epochs")
        lines.append(
            f"vs optuna SuccessiveHalving ({100 * o_acc:.2f}%, {o_ep:.0f} epochs): accuracy "
            f"{'at least as good' if asha_acc >= o_acc else 'WORSE'}, epochs "
            f"{'at most as many' if asha_ep <= o_ep else 'MORE'}"
        )
    return "\n".join(lines)
