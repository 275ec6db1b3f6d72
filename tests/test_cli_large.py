"""``hypersweep show``, ``best`` and ``studies`` on large SQLite studies: the right rows,
counts and best trial, read without rebuilding every trial through the space."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.cli import main
from hypersweep.storage import get_storage
from hypersweep.trial import TrialState

SPACE = {
    "x": hs.Float(-5.0, 5.0),
    "model": hs.Categorical(
        [{"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)}, {"kind": "knn", "k": hs.Int(1, 50)}]
    ),
}


def build_study(path: Path, n: int) -> str:
    """A real SQLite study of ``n`` trials written through the storage API (the fastest way:
    no sampler, no objective): mostly COMPLETE with tied values, some FAIL and PRUNED, and
    the last one still RUNNING. Returns the storage URL."""
    url = f"sqlite:///{path}"
    study = hs.create_study("big", storage=url, space=SPACE, sampler="random", seed=0)
    store, sid = get_storage(url), study.record.study_id
    now = time.time()
    for i in range(n):
        x = (i * 79 % 100) / 10 - 5  # 100 distinct x: repeated configurations and ties
        if i % 2:
            flat = {"x": x, "model": "svm", "model.svm.C": 1.0}
            params = {"x": x, "model": {"kind": "svm", "C": 1.0}}
        else:
            flat = {"x": x, "model": "knn", "model.knn.k": i % 50 + 1}
            params = {"x": x, "model": {"kind": "knn", "k": i % 50 + 1}}
        trial = store.create_trial(sid, state=TrialState.RUNNING, flat=flat, params=params)
        if i == n - 1:
            break  # still running
        state = {3: TrialState.FAIL, 7: TrialState.PRUNED}.get(i % 10, TrialState.COMPLETE)
        store.update_trial(
            sid,
            trial.number,
            state=state,
            values=[(x - 1.0) ** 2] if state is TrialState.COMPLETE else None,
            error="Traceback ...\nRuntimeError: boom" if state is TrialState.FAIL else None,
            finished=now,
        )
    store.close()
    return url


def table_numbers(out: str) -> list[int]:
    """The trial numbers of the table rows in ``show`` output."""
    states = {s.value for s in TrialState}
    rows = [line.split() for line in out.splitlines()]
    return [int(r[0]) for r in rows if len(r) > 1 and r[0].isdigit() and r[1] in states]


def check_summaries(url: str, n: int, capsys: pytest.CaptureFixture[str]) -> None:
    """show, best and studies agree with the Study API on the same trials."""
    study = hs.load_study("big", storage=url)
    trials = study.trials
    best = study.best_trial
    assert len(trials) == n and best.number == 40  # x = 1.0 at #40, #140, ...: ties lose

    assert main(["show", "big", "--storage", url]) == 0
    out = capsys.readouterr().out
    assert f"50 of {n} trials" in out
    assert table_numbers(out) == [t.number for t in trials[-50:]]
    assert f"Only the last 50 of {n} trials are listed" in out
    counts = {s: sum(t.state is s for t in trials) for s in TrialState}
    complete, pruned, fail = (counts[TrialState[s]] for s in ("COMPLETE", "PRUNED", "FAIL"))
    assert counts[TrialState.RUNNING] == 1 and pruned == fail == n // 10
    assert f"{n} trials: 1 running, {complete} complete, {pruned} pruned, {fail} fail." in out
    assert f"Best trial: #{best.number} with value 0\n" in out
    assert json.loads(out[out.rindex("with value 0\n") + 13 :]) == best.params

    assert main(["show", "big", "--storage", url, "--sort", "value", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    ranked = sorted((t for t in trials if t.value is not None), key=lambda t: t.value or 0.0)
    assert table_numbers(out) == [t.number for t in ranked[:3]] and "Only the" not in out

    assert main(["best", "big", "--storage", url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"number": best.number, "value": best.value, "params": best.params}

    assert main(["studies", "--storage", url]) == 0
    row = next(r for r in map(str.split, capsys.readouterr().out.splitlines()) if r[:1] == ["big"])
    assert row == ["big", "minimize", str(n), str(complete), str(pruned), str(fail), "1", "0"]


def test_show_best_studies_on_300_trials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = build_study(tmp_path / "big.db", 300)
    check_summaries(url, 300, capsys)
    assert main(["show", "big", "--storage", url, "--all"]) == 0
    out = capsys.readouterr().out
    assert table_numbers(out) == list(range(300)) and "Only the" not in out


def _timed(*argv: str) -> float:
    """The command's CPU seconds (user + system): wall-clock on a loaded machine measures
    the other jobs as much as this one."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "hypersweep", *argv], capture_output=True, text=True, timeout=300
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


@pytest.mark.slow
def test_show_on_twenty_thousand_trials_is_quick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Building the study takes most of this test (about 45 s); show itself took 15 to 60 s
    before it stopped rebuilding every trial and listing every row, and now takes about
    one second (most of it Python starting and the storage's one read of every trial)."""
    url = build_study(tmp_path / "big.db", 20_000)
    check_summaries(url, 20_000, capsys)
    for argv in (["show", "big"], ["best", "big"], ["studies"]):
        seconds = sorted(_timed(*argv, "--storage", url) for _ in range(3))[1]
        assert seconds < 10, f"{argv}: {seconds:.1f} CPU s"  # generous: about 2 s here


# --- show through the storage's light reads (cli.view_commands.cmd_show) -----------------
def light_show(*argv: str) -> int:
    """``hypersweep show ARGV`` run by the light command (parsed by the real parser)."""
    from hypersweep.cli import view_commands
    from hypersweep.cli.parser import build_parser

    return view_commands.cmd_show(build_parser().parse_args(["show", *argv]))


SHOW_VARIANTS = [
    [],
    ["--sort", "value"],
    ["--sort", "value", "--limit", "7"],
    ["--limit", "0"],
    ["--limit", "5000"],
    ["--all"],
    ["--sort", "value", "--all"],
]


def test_light_show_prints_what_show_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same rows, counts, repeated configurations and best trial, line for line."""
    url = build_study(tmp_path / "big.db", 300)
    for extra in SHOW_VARIANTS:
        assert main(["show", "big", "--storage", url, *extra]) == 0
        full = capsys.readouterr().out
        assert light_show("big", "--storage", url, *extra) == 0
        assert capsys.readouterr().out == full, extra
    assert "Configurations run more than once" in full and "Best trial: #40" in full


def test_light_show_of_an_empty_and_a_failed_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'few.db'}"
    study = hs.create_study("few", storage=url, space=SPACE, sampler="random", seed=0)
    for argv in (["few", "--storage", url], ["few", "--storage", url, "--sort", "value"]):
        assert main(["show", *argv]) == 0
        full = capsys.readouterr().out
        assert light_show(*argv) == 0
        assert capsys.readouterr().out == full and "No COMPLETE trial yet." in full
    study.optimize(lambda p: 1 / 0, 2, fail_fast=0, show_progress=False)
    assert light_show("few", "--storage", url) == 0
    out = capsys.readouterr().out
    assert "2 trials: 2 fail." in out and "No COMPLETE trial yet." in out


def test_light_show_reads_only_the_rows_it_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No read of every whole trial: briefs for the counts, 50 trials for the table, one
    for the best; the full read (read_trials) is never called. (The full storage's path:
    the read-only reader is tested below.)"""
    from hypersweep.cli import view_commands
    from hypersweep.storage.sql import SQLStorage

    from .storage.forwarding import Counting

    url = build_study(tmp_path / "big.db", 300)
    opened: list[Counting] = []

    def counting(url: str) -> Counting:
        opened.append(Counting(SQLStorage(url)))
        return opened[-1]

    monkeypatch.setattr(view_commands, "open_reader", lambda *args: None)
    monkeypatch.setattr(view_commands, "open_storage", counting)
    assert light_show("big", "--storage", url) == 0
    assert "Best trial: #40" in capsys.readouterr().out
    calls = opened[0].calls
    assert calls["read_trials"] == 0 and calls["read_briefs"] == 1, calls
    assert calls["read_page"] == 1 and calls["read_numbers"] == 1, calls


def test_light_show_of_an_unknown_study_names_those_there(tmp_path: Path) -> None:
    from hypersweep.exceptions import StudyNotFound

    url = build_study(tmp_path / "big.db", 3)
    with pytest.raises(StudyNotFound, match="studies there: big"):
        light_show("nope", "--storage", url)


def test_repeated_lines_group_exactly_by_config_key_in_first_trial_order() -> None:
    """The cheap bucket key may merge configurations (True and 1), never split one."""
    from types import SimpleNamespace

    from hypersweep.cli.tables import repeated_lines
    from hypersweep.trial import TrialState

    flats = [{"a": True}, {"a": 0.1 + 0.2}, {"a": 1}, {"a": 0.3}, {"a": True}, {"a": 1},
             {"a": [1, 2]}, {"a": [1, 2]}, {"a": float("nan")}, {"a": float("nan")}]  # fmt: skip
    trials = [SimpleNamespace(number=i, state=TrialState.COMPLETE, value=float(i), flat=f)
              for i, f in enumerate(flats)]  # fmt: skip
    lines = repeated_lines(trials, shown=10)
    assert [line.split(":")[0].strip() for line in lines] == [
        "trials #0, #4",
        "trials #1, #3",
        "trials #2, #5",
        "trials #6, #7",
        "trials #8, #9",
    ]


# --- the read-only sqlite3 reader (storage.sql.readonly) against the full storage --------
def mixed_file(path: Path) -> str:
    """Two studies in one SQLite file, written through the storage API: "big" (300 trials:
    COMPLETE, FAIL, PRUNED, one RUNNING, conditional parameters, repeated configurations,
    repeats, constraints, learning curves, floats equal to 12 digits but not in their
    text) and "multi" (two named objectives, a constraint, a Pareto front)."""
    from hypersweep.trial import Direction

    url = build_study(path, 300)
    store = get_storage(url)
    sid = store.get_study("big").study_id
    near = [0.1 + 0.2, 0.3, 0.30000000000000004, 1e-05, 1.0000000000000001e-05]
    for i, x in enumerate(near):  # three configurations by config_key, five texts
        flat = {"model": "svm", "model.svm.C": 1.0, "x": x}  # another key order, too
        t = store.create_trial(sid, state=TrialState.RUNNING, flat=flat,
                               params={"x": x, "model": {"kind": "svm", "C": 1.0}})  # fmt: skip
        attrs = {"repeats": {"values": [1.0, 2.0 + i]}} if i % 2 else {"constraints": [i - 2.5]}
        store.update_trial(sid, t.number, state=TrialState.COMPLETE, values=[-1.0 + i % 2],
                           system_attrs=attrs, intermediate={0: 3.0, 1: 2.0},
                           user_attrs={"note": "é"})  # fmt: skip
    multi = store.create_study("multi", [Direction.MINIMIZE, Direction.MAXIMIZE], space=None,
                               system_attrs={"objective_names": ["loss", "acc"]})  # fmt: skip
    for i in range(12):
        t = store.create_trial(multi.study_id, state=TrialState.RUNNING, flat={"k": i % 4})
        state = TrialState.FAIL if i == 5 else TrialState.COMPLETE
        store.update_trial(
            multi.study_id, t.number, state=state,
            values=None if i == 5 else [float(i % 5), float((i * 7) % 5)],
            system_attrs={"constraints": [1.0]} if i == 3 else None,
        )  # fmt: skip
    store.close()
    return url


COMMANDS = [
    *(["show", "big", *extra] for extra in SHOW_VARIANTS),
    ["show", "multi"],
    ["show", "multi", "--sort", "value"],
    ["studies"],
    ["best", "big"],
    ["best", "multi"],
    ["show", "nope"],
    ["best", "nope"],
]


def run_cli(argv: list[str], url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command through the parser, with the light studies and best commands."""
    from hypersweep.cli import view_commands
    from hypersweep.cli.parser import build_parser

    args = build_parser().parse_args([*argv, "--storage", url])
    handler = {"studies": view_commands.cmd_studies_light,
               "best": view_commands.cmd_best_light}.get(argv[0], args.handler)  # fmt: skip
    try:
        code = handler(args)
    except Exception as exc:  # compared by type and message
        code = f"{type(exc).__name__}: {exc}"
    return code, capsys.readouterr().out


def test_the_reader_prints_what_the_full_storage_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every show variant, studies and best, on both studies: the same text, code and
    error through the read-only reader as through SQLAlchemy; the file unchanged."""
    import hashlib

    from hypersweep.cli import view_commands

    url = mixed_file(tmp_path / "mixed.db")
    path = tmp_path / "mixed.db"
    conn = sqlite3.connect(path)  # everything into the file itself, then hash it
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    checked = hashlib.sha256(path.read_bytes()).hexdigest()
    light = [run_cli(argv, url, capsys) for argv in COMMANDS]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == checked
    with monkeypatch.context() as m:
        m.setattr(view_commands, "open_reader", lambda *args: None)
        full = [run_cli(argv, url, capsys) for argv in COMMANDS]
    for argv, a, b in zip(COMMANDS, light, full, strict=True):
        assert a == b, argv
    shown = dict(zip(map(tuple, COMMANDS), light, strict=True))
    out = shown[("show", "big")][1]
    assert "Configurations run more than once (" in out
    assert "repeats" in out and "feasible" in out and "1 running" in out
    assert "Pareto front (" in shown[("show", "multi")][1]
    assert "StudyNotFound" in str(shown[("show", "nope")][0])


def test_the_reader_opens_only_what_it_knows(tmp_path: Path) -> None:
    """None (the full storage opens it) for URLs with options, missing files, other
    files and schema versions it was not written for; it never raises."""
    import sqlite3

    from hypersweep.cli.view_commands import open_reader

    url = build_study(tmp_path / "s.db", 3)
    assert open_reader(url) is not None and open_reader(url, "big") is not None
    assert open_reader(url, "nope") is None
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    for other in (f"{url}?mode=ro", "sqlite://", "sqlite:///:memory:", missing,
                  "postgresql://u@localhost/db"):  # fmt: skip
        assert open_reader(other) is None, other
    (tmp_path / "notes.db").write_bytes(b"")
    assert open_reader(f"sqlite:///{tmp_path / 'notes.db'}") is None
    (tmp_path / "junk.db").write_bytes(b"not a database at all, not even close" * 100)
    assert open_reader(f"sqlite:///{tmp_path / 'junk.db'}") is None
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("UPDATE hs_version SET version = 99")
    conn.close()
    assert open_reader(url) is None


def test_repeat_candidates_never_split_a_configuration(tmp_path: Path) -> None:
    """Grouped in SQL by the non-float values, the candidates hold every trial that
    shares its configuration_key with another; NaN in a flat leaves it to Python."""
    from hypersweep.cli.view_commands import open_reader
    from hypersweep.history import config_key

    url = build_study(tmp_path / "s.db", 200)
    store = get_storage(url)
    sid = store.get_study("big").study_id
    for x in (0.1 + 0.2, 0.3, float("nan"), float("nan")):
        t = store.create_trial(sid, state=TrialState.RUNNING, flat={"x": x, "model": "q"})
        store.update_trial(sid, t.number, state=TrialState.COMPLETE, values=[1.0])
    done = [t for t in store.read_trials(sid).trials if t.state is TrialState.COMPLETE]
    store.close()
    keys: dict[str, list[int]] = {}
    for t in done:
        keys.setdefault(config_key(t.flat), []).append(t.number)
    shared = {n for numbers in keys.values() if len(numbers) > 1 for n in numbers}
    reader = open_reader(url)
    assert reader is not None
    assert reader.repeat_candidates(sid, ["model", "model.knn.k"]) is None  # NaN: invalid JSON
    assert reader.repeat_candidates(sid, []) is None
    with sqlite3.connect(tmp_path / "s.db") as conn:  # drop the NaN trials
        conn.execute("DELETE FROM hs_trials WHERE flat LIKE '%NaN%'")
    conn.close()
    shared -= {t.number for t in done if t.flat["x"] != t.flat["x"]}
    found = reader.repeat_candidates(sid, ["model", "model.knn.k"])
    assert found is not None and shared <= {b.number for b in found}
    assert len(found) < len(done)  # and it narrowed the search
    reader.close()


def rich_text(grid: Any) -> str:
    """What rich prints for ``grid`` in a pipe (the CLI's own Console settings)."""
    import io

    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=100_000, highlight=False).print(grid.to_rich())
    return out.getvalue()


def test_plain_tables_are_what_rich_prints() -> None:
    """The plain drawing matches rich character for character, and steps aside (None)
    where rich would wrap, parse markup or emoji codes, or measure wide characters."""
    from hypersweep.cli.tables import Grid, plain_text

    def grid(title: str, heads: list[str], rows: list[list[Any]]) -> Grid:
        g = Grid(title)
        for i, h in enumerate(heads):
            g.add_column(h, justify="right" if i % 2 else "left", style="dim" if i else "")
        for r in rows:
            g.add_row(r, {1: "red"} if len(r) > 1 else None)
        return g

    drawn = [
        grid("Study 'a' (x): 3 trials", ["#", "state", "value"],
             [[0, "COMPLETE", 0.5], [12345, "FAIL", None], [7, "PRUNED", 1e-300]]),
        grid("Studies in sqlite:////tmp/a.db", ["study", "trials", "best value", "x"],
             [["s", 1, -2.0, "a b"], ["long study name", 20000, None, ""]]),
        grid("empty", ["#", "state"], []),
        grid("t", ["a_very_long_header_here", "b"], [["x", "y"]]),
        grid("abcdef", ["ab"], [["x"]]),  # a title as wide as the table
    ]  # fmt: skip
    for g in drawn:
        assert plain_text(g) == rich_text(g)
    refused = [
        grid("a title much longer than the little table it heads", ["#"], [[1]]),
        grid("abcdefg", ["ab"], [["x"]]),
        grid("t", ["[bold]x"], [[1]]),
        grid("t :smile:", ["x"], [[1]]),
        grid("t", ["x", "y"], [["é", 1]]),
        grid("t", ["x", "y"], [[" padded", 1]]),
        grid("t", ["x", "y"], [["two\nlines", 1]]),
    ]
    for g in refused:
        assert plain_text(g) is None, g.title
        rich_text(g)  # rich prints them


def test_show_studies_and_best_import_neither_sqlalchemy_nor_rich(tmp_path: Path) -> None:
    """The cost they avoid, checked where it cannot flake: in a fresh process printing to
    a pipe, show and the light studies and best load neither SQLAlchemy nor rich."""
    build_study(tmp_path / "s.db", 30)
    url = "sqlite:///s.db"  # relative, run in tmp_path: a title rich need not wrap
    code = (
        "import sys\n"
        "from hypersweep.cli.parser import build_parser\n"
        "from hypersweep.cli import view_commands as v\n"
        "for argv, run in ((['show', 'big'], v.cmd_show), (['studies'], v.cmd_studies_light),\n"
        "                  (['best', 'big'], v.cmd_best_light)):\n"
        f"    assert run(build_parser().parse_args([*argv, '--storage', {url!r}])) == 0\n"
        "heavy = [m for m in ('sqlalchemy', 'rich', 'numpy') if m in sys.modules]\n"
        "print('heavy:', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "heavy: []" in done.stderr and "Best trial: #" in done.stdout
