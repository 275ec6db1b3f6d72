"""Rendering for the terminal: rich tables of studies and trials, the lines about
repeated configurations, and CSV text for ``hypersweep export``.

rich is imported inside the functions, so ``hypersweep --help`` never loads it; the
hypersweep modules imported at the top are those ``import hypersweep`` loads anyway.
A table is built as a :class:`Grid`: rich draws it on a terminal, and in a pipe or a
file, where rich's layout is fixed, :func:`plain_text` draws the same characters without
importing or running rich (rendering 50 rows took rich longer than reading them).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from .._stats import mean_std
from ..history import config_key
from ..storage.base import Valued
from ..trial import TrialState
from .shared import best_of

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.table import Table

    from ..study import Study
    from ..trial import FrozenTrial

STATE_STYLE = {"FAIL": "red", "PRUNED": "yellow", "RUNNING": "dim", "WAITING": "dim"}
RIGHT_ALIGNED = ("#", "value", "duration", "steps", "repeats", "std")


def fmt(value: Any) -> str:
    """A cell: blank for None, 6 significant digits for floats, JSON for containers."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


class Grid:
    """A table to print: a title, columns (header, justification, style) and rows of cell
    texts, with a style per cell where one is wanted (the state cell's colour)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.columns: list[tuple[str, str, str]] = []
        self.rows: list[tuple[list[str], dict[int, str]]] = []

    def add_column(self, header: str, justify: str = "left", style: str = "") -> None:
        self.columns.append((header, justify, style))

    def add_row(self, cells: Sequence[Any], styles: dict[int, str] | None = None) -> None:
        self.rows.append(([fmt(c) for c in cells], styles or {}))

    def to_rich(self) -> Table:
        """The rich table (SIMPLE_HEAD box, title on the left) the CLI has always printed."""
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(title=self.title, box=box.SIMPLE_HEAD, title_justify="left")
        for header, justify, style in self.columns:
            table.add_column(header, justify=cast("JustifyMethod", justify), style=style)
        for cells, styles in self.rows:
            texts = [Text(c) for c in cells]
            for at, style in styles.items():
                texts[at].stylize(style)
            table.add_row(*texts)
        return table


_PLAIN = re.compile(r"[ -~]*")  # printable ASCII: one terminal cell per character
_EMOJI = re.compile(r":[A-Za-z0-9_+-]+:")  # what rich might read as an emoji code


def plain_text(grid: Grid) -> str | None:
    """The text rich prints for ``grid`` on a console that is no terminal, at a width no
    table reaches: blank top and bottom edges, one space of padding each side of a cell,
    a rule of box characters under the header. None where rich would do more than that
    (a non-ASCII or blank-edged cell, markup or emoji codes in a header or the title, a
    title wider than the table, which rich wraps): rich prints those."""
    heads = [h for h, _, _ in grid.columns]
    texts = [grid.title, *heads]
    if any(not _PLAIN.fullmatch(t) or "[" in t or _EMOJI.search(t) for t in texts):
        return None
    cells = [c for row, _ in grid.rows for c in row]
    if not all(_PLAIN.fullmatch(c) and c == c.strip() for c in cells) or not heads:
        return None
    widths = [len(h) for h in heads]
    for row, _ in grid.rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    total = sum(widths) + 3 * len(widths) + 1
    if len(grid.title) > total:
        return None
    blank = " " * total

    def line(row: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if justify == "right" else c.ljust(w)
            for c, w, (_, justify, _) in zip(row, widths, grid.columns, strict=True)
        ]
        return "  " + "   ".join(parts) + "  "

    out = [grid.title.ljust(total), blank, line(heads), " " + "\u2500" * (total - 2) + " "]
    out += [line(row) for row, _ in grid.rows]
    out.append(blank)
    return "\n".join(out) + "\n"


def _pipe() -> bool:
    """Whether rich would see no terminal on stdout (its own tests, by their variables)
    and could write its box characters; elsewhere rich prints."""
    environ = os.environ
    if "TTY_COMPATIBLE" in environ or "FORCE_COLOR" in environ or "ipykernel" in sys.modules:
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    encoding = str(getattr(sys.stdout, "encoding", None) or "").lower()
    try:
        return isatty is not None and not isatty() and encoding.startswith("utf")
    except ValueError:  # a closed stream
        return False


def print_table(table: Grid) -> None:
    """On a terminal, fit the screen; in a pipe or file, never cut a cell short."""
    text = plain_text(table) if _pipe() else None
    if text is not None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        # a table takes its natural width whatever room it has: no need to measure it
        # first (which rendered every cell twice)
        console = Console(width=100_000, highlight=False)
    console.print(table.to_rich())


def study_row(
    study: Study, counts: dict[str, int], valued: Sequence[FrozenTrial]
) -> tuple[Study, dict[str, int], Any]:
    """A row of :func:`summary_table`: the study, its trials per state name, and the best
    value among ``valued`` (its trials, or only those with values; None with several
    objectives)."""
    best = best_of(valued, study.direction)
    return study, counts, None if best is None else best.value


def summary_table(title: str, rows: Sequence[tuple[Study, dict[str, int], Any]]) -> Grid:
    """One row per study from its trials per state (by state name) and best value."""
    table = Grid(title)
    for name in ("study", "direction", "trials", "complete", "pruned", "fail", "running"):
        table.add_column(name, justify="left" if name in ("study", "direction") else "right")
    table.add_column("best value", justify="right")
    for study, counts, best in rows:
        running = counts["RUNNING"] + counts["WAITING"]
        cells = [
            study.name,
            directions_text(study),
            sum(counts.values()),
            counts["COMPLETE"],
            counts["PRUNED"],
            counts["FAIL"],
            running,
            best,
        ]
        table.add_row(cells)
    return table


def objective_names(study: Study) -> list[str] | None:
    """A multi-objective study's objective names (one value column each); None for one."""
    directions = study.record.directions
    if len(directions) <= 1:
        return None
    names = study.record.system_attrs.get("objective_names")
    return list(names) if names else [f"values_{i}" for i in range(len(directions))]


def directions_text(study: Study) -> str:
    """The study's direction, or "maximize accuracy, minimize latency_ms" for several objectives."""
    names = objective_names(study)
    if names is None:
        return str(study.record.directions[0].value)
    return ", ".join(f"{d.value} {n}" for d, n in zip(study.record.directions, names,
                                                      strict=True))  # fmt: skip


def columns(study: Study, trials: Sequence[FrozenTrial]) -> tuple[list[str], list[str]]:
    """Parameter paths (in the space's order) and user-attribute keys used by ``trials``."""
    used: dict[str, None] = {}
    for t in trials:
        used.update(dict.fromkeys(t.flat))
    order = list(study.space.leaves) if study.space is not None else []
    params = [p for p in order if p in used] + [p for p in used if p not in order]
    attrs: dict[str, None] = {}
    for t in trials:
        attrs.update(dict.fromkeys(t.user_attrs))
    return params, list(attrs)


def error_line(trial: FrozenTrial) -> str:
    """The line of an error that says what went wrong (a traceback's last one)."""
    lines = (trial.error or "").strip().splitlines()
    return lines[-1] if lines else ""


def trial_table(study: Study, trials: Sequence[FrozenTrial], title: str) -> Grid:
    """Rows of trials; steps, repeats and error columns only when some trial has them."""
    from ..study.repeats import repeat_values

    params, attrs = columns(study, trials)
    steps = any(t.intermediate for t in trials)
    repeats = any(repeat_values(t) for t in trials)
    errors = any(t.error for t in trials)
    table = Grid(title)
    names = objective_names(study)
    constrained = any(t.system_attrs.get("constraints") for t in trials)
    values = names or ["value"]
    heads = ["#", "state", *values, *(["feasible"] if constrained else []), "duration"]
    heads += ["steps"] if steps else []
    heads += [*(["repeats", "std"] if repeats else []), *params]
    for name in heads:
        right = name in RIGHT_ALIGNED or (names is not None and name in names)
        table.add_column(name, justify="right" if right else "left")
    for key in attrs:
        table.add_column(f"attrs.{key}", style="dim")
    if errors:
        table.add_column("error", style="red")
    for t in trials:
        duration = f"{t.duration:.2f}s" if t.duration is not None else ""
        fits = t.values is not None and len(t.values) == len(values)
        got: list[Any] = list(t.values or ()) if fits else []
        cells: list[Any] = [t.number, t.state.value, *(got or [None] * len(values))]
        cells += [("yes" if t.feasible else "no") if t.values else None] if constrained else []
        cells += [duration]
        cells += [len(t.intermediate) or None] if steps else []
        if repeats:
            scores = repeat_values(t)
            cells += [len(scores) or None, _sample_std(scores)]
        cells += [t.flat.get(p) for p in params] + [t.user_attrs.get(k) for k in attrs]
        cells += [error_line(t)] if errors else []
        style = STATE_STYLE.get(t.state.value, "")
        table.add_row(cells, {1: style} if style else None)
    return table


def _sample_std(values: Sequence[float]) -> float | None:
    """The repeats' sample standard deviation; blank below two scores."""
    return mean_std(values)[1] if len(values) >= 2 else None


class Configured(Valued, Protocol):
    """What grouping by configuration reads: a FrozenTrial, or a storage brief read
    with its flat values (``read_briefs(..., flat=True)``)."""

    @property
    def flat(self) -> dict[str, Any] | None: ...


def _rough_key(flat: dict[str, Any]) -> Any:
    """A key equal whenever ``config_key`` is (floats to the same 12 digits), cheaper
    to build; it may also match configurations config_key tells apart (True and 1)."""
    try:
        return frozenset((k, f"{v:.12g}" if type(v) is float else v) for k, v in flat.items())
    except TypeError:  # an unhashable value (a list): the exact key
        return config_key(flat)


def repeated_lines(trials: Sequence[Configured], shown: int = 5) -> list[str]:
    """One line per configuration run more than once: its trials, mean and spread.

    "The same configuration" is ``hypersweep.history.config_key``, the rule the
    samplers and plots use, so the CLI groups trials exactly as they do.
    """
    buckets: dict[Any, list[Configured]] = {}
    for t in trials:  # a cheap key first: config_key's JSON only where two trials meet
        if t.state is TrialState.COMPLETE and t.value is not None and t.flat:
            buckets.setdefault(_rough_key(t.flat), []).append(t)
    groups: dict[str, list[Configured]] = {}
    for bucket in buckets.values():
        if len(bucket) > 1:
            for t in bucket:
                groups.setdefault(config_key(t.flat or {}), []).append(t)
    groups = dict(sorted(groups.items(), key=lambda item: item[1][0].number))
    lines = []
    for members in (g for g in groups.values() if len(g) > 1):
        mean, std = mean_std([float(t.value or 0.0) for t in members], ddof=0)
        numbers = ", ".join(f"#{t.number}" for t in members)
        lines.append(f"  trials {numbers}: mean {mean:.6g}, std {std:.3g}")
    if len(lines) > shown:
        lines = [*lines[:shown], f"  ... and {len(lines) - shown} more"]
    return lines


def csv_text(records: list[dict[str, Any]]) -> str:
    """Trial records as CSV: fixed columns first, then params_*, user_attrs_*, the rest,
    and error last; nested values as JSON."""
    import csv
    import io

    seen: dict[str, int] = {}
    for row in records:
        for key in row:
            seen.setdefault(key, len(seen))

    def group(key: str) -> tuple[int, int]:
        head = ("number", "state", "value", "started", "finished", "duration")
        if key in head:
            return 0, head.index(key)
        if key == "error":
            return 4, 0
        rank = 1 if key.startswith("params_") else 2 if key.startswith("user_attrs_") else 3
        return rank, seen[key]

    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=sorted(seen, key=group), restval="", lineterminator="\n"
    )
    writer.writeheader()
    for row in records:
        writer.writerow(
            {
                k: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
                for k, v in row.items()
            }
        )
    return out.getvalue()
