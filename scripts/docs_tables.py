"""Tables of the documentation site made from measured result files, never typed by hand.

- ``which_sampler_table(text)``: the "which sampler when" table of docs/samplers.md, from
  docs/measured/samplers.txt (written by scripts/measure_samplers.sh, a
  ``hypersweep benchmark`` run of hypersweep's own samplers);
- ``benchmarks_page(root)``: the Benchmarks page, from every benchmarks/results/*.txt and
  docs/measured/*.txt, each with its date, the versions and the machine as far as
  recorded.

The MkDocs hook (scripts/mkdocs_hooks.py) calls both on every build; run this file to
print them: ``python scripts/docs_tables.py [samplers|benchmarks]``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURED = ROOT / "docs" / "measured" / "samplers.txt"
HEADING = re.compile(
    r"^Median log10 simple regret after (?P<n>\d+) trials \((?P<seeds>\d+) seeds\)")

# What each sampler is for; the numbers next to it come from the measured file.
WHEN = {
    "tpe": "the general-purpose choice: any space, conditional branches, pruned trials, "
           "parallel workers",
    "gp": "low-dimensional continuous spaces and small budgets (each proposal costs more)",
    "qmc": "an evenly spread first batch, or a plain baseline better spread than random",
    "evolution": "large mixed spaces and long runs",
    "random": "a baseline, very cheap proposals, or many parallel workers",
    "cmaes": "continuous spaces with correlated parameters and budgets in the hundreds",
    "auto": "when you do not want to choose: picks by the space and the budget",
}


@dataclass
class Block:
    trials: int
    seeds: int
    methods: list[str]
    rows: dict[str, list[str]]  # problem -> cells (as printed)
    mean_rank: list[float]


def parse_benchmark(text: str) -> list[Block]:
    """The tables of a ``hypersweep benchmark`` printout, one per budget."""
    blocks: list[Block] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        found = HEADING.match(line)
        if not found:
            continue
        methods = lines[i + 1].split()[1:]
        rows: dict[str, list[str]] = {}
        ranks: list[float] = []
        for row in lines[i + 2:]:
            if row.startswith("mean rank"):
                ranks = [float(x) for x in row.split()[2:]]
                break
            if not row.strip() or set(row.strip()) == {"-"}:
                continue
            cells = row.split()
            n = len(methods)
            rows[" ".join(cells[:-n])] = cells[-n:]
        blocks.append(Block(int(found["n"]), int(found["seeds"]), methods, rows, ranks))
    return blocks


def header(text: str) -> dict[str, str]:
    """The ``key: value`` lines before the first blank line (date, versions, machine)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def which_sampler_table(text: str) -> str:
    blocks = parse_benchmark(text)
    if not blocks:
        return ""
    meta = header(text)
    methods = blocks[0].methods
    budgets = " / ".join(str(b.trials) for b in blocks)
    out = [
        f"| sampler | use it when | mean rank at {budgets} trials (1 = best of "
        f"{len(methods)}) | problems where it was best at {blocks[-1].trials} trials |",
        "|---|---|---|---|",
    ]
    for j, method in enumerate(methods):
        name = method.split(":", 1)[-1]
        ranks = " / ".join(f"{b.mean_rank[j]:.2f}" for b in blocks)
        best = [p.replace(" (raw)", "") for p, cells in blocks[-1].rows.items()
                if cells[j].endswith("*")]
        out.append(f"| `{name}` | {WHEN.get(name, '')} | {ranks} | {', '.join(best) or '-'} |")
    problems = ", ".join(p.replace(" (raw)", "") for p in blocks[0].rows)
    out += [
        "",
        f"Measured by `bash scripts/measure_samplers.sh` on {meta.get('date', '?')}: "
        f"hypersweep {meta.get('hypersweep', '?')}, Python {meta.get('python', '?')}, "
        f"{meta.get('machine', 'machine not recorded')}; {blocks[0].seeds} seeds per "
        f"problem ({problems}). Ranks are over these samplers only, on median log10 "
        "regret per problem; with so few seeds, differences of less than about half a "
        "rank are noise. The whole printout is on the [Benchmarks](benchmarks.md) page.",
    ]
    return "\n".join(out)


def _git_last(path: Path, fmt: str) -> str | None:
    """``git log -1 --format=FMT`` of the last commit that touched ``path``, if any."""
    try:
        done = subprocess.run(["git", "log", "-1", f"--format={fmt}", "--", str(path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _pinned(root: Path) -> str:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"((?:optuna|optuna-integration|hyperopt)==[^"]+)"', text)
    return ", ".join(dict.fromkeys(pins)) or "none"


def _machine_lines(text: str) -> list[str]:
    words = re.compile(r"\b(machine|cores?|CPUs?|laptop)\b", re.IGNORECASE)
    return [line.strip() for line in text.splitlines() if words.search(line)][:3]


def benchmarks_page(root: Path = ROOT) -> str:
    files = sorted((root / "benchmarks" / "results").glob("*.txt"))
    files += sorted((root / "docs" / "measured").glob("*.txt"))
    out = [
        "# Benchmarks",
        "",
        "Every table below is the printout of a script in this repository, copied from its "
        "result file when the site is built (`scripts/docs_tables.py`), with the date, "
        "versions and machine as far as the file or the repository records them. Rerun "
        "the command a section names to measure on your machine. Peer libraries were "
        f"pinned to {_pinned(root)} (the `benchmark` extra of `pyproject.toml`).",
        "",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root)
        meta = header(text)
        date = meta.get("date") or _git_last(path, "%cs") or "not recorded"
        commit = _git_last(path, "%h")
        said = "; ".join(f'"{line}"' for line in _machine_lines(text))
        machine = meta.get("machine") or (f"as the file says: {said}" if said else "not recorded")
        commands = [line.strip().lstrip("$ ").strip() for line in text.splitlines()
                    if line.strip().startswith(("$ python", "Command:", "command:",
                                                "python benchmarks/"))]
        out += [f"## `{rel}`", "",
                f"- date: {date}{'' if meta.get('date') else ' (last commit of the file)'}",
                "- hypersweep: " + (meta.get("hypersweep") or (
                    f"the code of commit {commit}, where the file was last changed"
                    if commit else "not recorded")),
                f"- machine: {machine}"]
        if meta.get("python"):
            out.append(f"- Python: {meta['python']}")
        for command in list(dict.fromkeys(commands))[:3]:
            command = command.removeprefix("Command:").removeprefix("command:")
            command = command.rstrip(" \\").strip()
            out.append(f"- command: `{command}`")
        out += ["", "```text", text.rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "benchmarks"
    if what == "samplers":
        print(which_sampler_table(MEASURED.read_text(encoding="utf-8")))
    else:
        print(benchmarks_page())
