"""Reading never writes: a missing file stays missing, a file that is not a hypersweep
database (Optuna's, anyone's) keeps its checksum, and what is refused says why in one
sentence naming the file. Also: URLs without a file, damaged files, study names."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.cli import main
from hypersweep.exceptions import StorageError, StudyNotFound
from hypersweep.storage import Storage, get_storage
from hypersweep.storage.sql import SQLStorage
from hypersweep.trial import Direction, TrialState

MIN = Direction.MINIMIZE
OPTUNA_TABLES = ("studies", "trials", "trial_params", "trial_values", "version_info")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checkpoint(path: Path) -> None:
    """Copy everything in the write-ahead log into the file itself."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def optuna_like(path: Path) -> Path:
    """A SQLite file with Optuna's table names, made with sqlite3 alone."""
    with sqlite3.connect(path) as conn:
        for table in OPTUNA_TABLES:
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO studies (value) VALUES ('theirs')")
    conn.close()
    return path


def real_optuna(path: Path) -> Path:
    """A database written by optuna itself, holding one study with one trial."""
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="theirs", storage=f"sqlite:///{path}")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    del study
    return path


def plain_sqlite(path: Path) -> Path:
    """Somebody else's SQLite file: one table, one row."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")  # a valid, empty SQLite database
    return path


READS: dict[str, Callable[[str], Any]] = {
    "storage.list_studies": lambda url: get_storage(url).list_studies(),
    "storage.get_study": lambda url: get_storage(url).get_study("theirs"),
    "hs.load_study": lambda url: hs.load_study("theirs", storage=url),
    "hs.list_studies": lambda url: hs.list_studies(url),
}


# --- a missing file --------------------------------------------------------------------
@pytest.mark.parametrize("read", sorted(READS))
def test_reading_a_missing_file_creates_nothing(tmp_path: Path, read: str) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(StorageError) as info:
        READS[read](f"sqlite:///{path}")
    message = str(info.value)
    assert f"no study database at {path}" in message
    assert "hs.create_study" in message
    assert files_in(tmp_path) == []


def test_other_calls_on_a_missing_file_create_nothing(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    storage = SQLStorage(f"sqlite:///{path}")
    for call in (
        lambda: storage.delete_study("s"),
        lambda: storage.create_trial(1, state=TrialState.RUNNING),
        lambda: storage.read_trials(1),
    ):
        with pytest.raises(StorageError, match="no study database at"):
            call()
    assert files_in(tmp_path) == []
    storage.close()


def test_creating_a_study_still_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    study = hs.create_study("s", storage=f"sqlite:///{path}")
    assert path.exists()
    assert hs.load_study("s", storage=f"sqlite:///{path}").name == study.name
    assert hs.list_studies(f"sqlite:///{path}") == ["s"]


# --- files that are not hypersweep databases ------------------------------------------
@pytest.mark.parametrize("make", [optuna_like, real_optuna], ids=["optuna_like", "optuna"])
@pytest.mark.parametrize("read", sorted(READS))
def test_reading_an_optuna_database_leaves_it_alone(
    tmp_path: Path, make: Callable[[Path], Path], read: str
) -> None:
    path = make(tmp_path / "optuna.db")
    before, names = sha256(path), files_in(tmp_path)
    with pytest.raises(StorageError) as info:
        READS[read](f"sqlite:///{path}")
    message = str(info.value)
    assert message.startswith(f"{path} is an Optuna database, not a hypersweep one")
    assert "optuna.load_study" in message
    assert sha256(path) == before
    assert files_in(tmp_path) == names


def test_creating_a_study_in_an_optuna_database_is_refused(tmp_path: Path) -> None:
    path = real_optuna(tmp_path / "optuna.db")
    before = sha256(path)
    with pytest.raises(StorageError, match="is an Optuna database"):
        hs.create_study("mine", storage=f"sqlite:///{path}")
    assert sha256(path) == before


@pytest.mark.parametrize("make", [plain_sqlite, empty_file], ids=["plain", "empty"])
@pytest.mark.parametrize("read", sorted(READS))
def test_reading_another_sqlite_file_leaves_it_alone(
    tmp_path: Path, make: Callable[[Path], Path], read: str
) -> None:
    path = make(tmp_path / "other.db")
    before = sha256(path)
    with pytest.raises(StorageError) as info:
        READS[read](f"sqlite:///{path}")
    assert str(info.value).startswith(f"{path} is not a hypersweep database (no hypersweep tables)")
    assert sha256(path) == before
    assert files_in(tmp_path) == ["other.db"]


def test_creating_a_study_in_another_sqlite_file_adds_the_tables(tmp_path: Path) -> None:
    path = plain_sqlite(tmp_path / "other.db")
    hs.create_study("s", storage=f"sqlite:///{path}")  # as before: hs_ tables beside theirs
    assert hs.list_studies(f"sqlite:///{path}") == ["s"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    conn.close()


@pytest.mark.parametrize("make", [optuna_like, plain_sqlite], ids=["optuna_like", "plain"])
def test_cli_studies_leaves_the_file_alone(
    tmp_path: Path, make: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path / "x.db")
    before = sha256(path)
    assert main(["studies", "--storage", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert (
        f"{path} is {'an Optuna' if 'optuna' in make.__name__ else 'not a hypersweep'} database"
        in err
    )
    assert "No studies" not in err
    assert sha256(path) == before


def test_reading_a_hypersweep_database_changes_no_byte(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    url = f"sqlite:///{path}"
    study = hs.create_study("s", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    study.optimize(lambda p: p["x"], n_trials=3, show_progress=False)
    checkpoint(path)
    before = sha256(path)
    loaded = hs.load_study("s", storage=url)
    assert len(loaded.trials) == 3 and hs.list_studies(url) == ["s"]
    assert main(["studies", "--storage", url]) == 0
    assert sha256(path) == before


def test_postgres_database_without_tables_reads_as_no_studies(
    postgres_databases: Callable[[], str],
) -> None:
    # a PostgreSQL database is made by its administrator and often shared: without
    # hypersweep's tables it holds no studies yet (nothing is created by looking)
    import sqlalchemy as sa

    url = postgres_databases()
    assert hs.list_studies(url) == []
    with pytest.raises(hs.StudyNotFound, match="'s'"):
        hs.load_study("s", storage=url)
    storage = SQLStorage(url)
    with pytest.raises(StudyNotFound):
        storage.read_trials(1)
    assert storage.expired(1, 0.0) == []
    with pytest.raises(StorageError, match="no hypersweep tables"):
        storage.delete_study("s")
    storage.close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    engine.dispose()
    hs.create_study("s", storage=url)
    assert hs.list_studies(url) == ["s"]


def test_postgres_optuna_database_is_refused(postgres_databases: Callable[[], str]) -> None:
    import psycopg

    url = postgres_databases()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in OPTUNA_TABLES:
            conn.execute(f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, value TEXT)")
    for call in (lambda: hs.list_studies(url), lambda: hs.create_study("s", storage=url)):
        with pytest.raises(StorageError, match="is an Optuna database, not a hypersweep one"):
            call()
    with psycopg.connect(url) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert tables == set(OPTUNA_TABLES)


# --- URLs without a file, damaged files -----------------------------------------------
@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://"])
def test_sqlite_url_without_a_path_is_refused(url: str) -> None:
    with pytest.raises(StorageError) as info:
        get_storage(url)
    message = str(info.value)
    assert "sqlite:/// needs a file path, e.g. sqlite:///study.db" in message
    assert "storage=None" in message


def damaged_files(tmp_path: Path) -> dict[str, Path]:
    noise = tmp_path / "noise.db"
    noise.write_bytes(os.urandom(64 * 1024))
    whole = tmp_path / "whole.db"
    space = {"x": hs.Float(0, 1)}
    study = hs.create_study("s", storage=f"sqlite:///{whole}", space=space, sampler="random")
    study.optimize(lambda p: p["x"], n_trials=200, show_progress=False)
    checkpoint(whole)
    data = whole.read_bytes()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(data[: len(data) // 3])
    return {"noise": noise, "truncated": truncated}


@pytest.mark.parametrize("kind", ["noise", "truncated"])
@pytest.mark.parametrize(
    "use",
    [
        lambda url: SQLStorage(url),
        lambda url: hs.load_study("s", storage=url),
        lambda url: hs.create_study("s", storage=url, load_if_exists=True),
    ],
    ids=["open", "load_study", "create_study"],
)
def test_a_damaged_file_is_one_sentence(
    tmp_path: Path, kind: str, use: Callable[[str], Any]
) -> None:
    path = damaged_files(tmp_path)[kind]
    before = sha256(path)
    with pytest.raises(StorageError) as info:
        use(f"sqlite:///{path}")
    message = str(info.value)
    assert message.startswith(f"{path} is not a SQLite database, or it is damaged")
    assert f"sqlite3 {path} .recover" in message and "copy" in message
    assert "SELECT" not in message and "[SQL" not in message
    assert sha256(path) == before


def test_a_file_damaged_while_open_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    url = f"sqlite:///{path}"
    storage = SQLStorage(url)
    sid = storage.create_study("s", [MIN]).study_id
    for i in range(300):
        storage.create_trial(sid, state=TrialState.WAITING, params={"i": i, "pad": "x" * 200})
    storage.close()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + os.urandom(len(data) - 4096))  # header kept, pages not
    with pytest.raises(StorageError) as info:
        SQLStorage(url).read_trials(sid)
    message = str(info.value)
    assert "is not a SQLite database, or it is damaged" in message
    assert "[SQL" not in message


# --- study names ----------------------------------------------------------------------
BAD_NAMES = ["", "   ", "two\nlines", "nul\x00byte", "tab\there", "bell\x07", "rtl\u202egnp"]


@pytest.mark.parametrize("name", [*BAD_NAMES, None, 3, b"bytes"], ids=repr)
def test_bad_study_names_are_refused(storage: Storage, name: Any) -> None:
    with pytest.raises(ValueError, match="a study name must be a non-empty string"):
        storage.create_study(name, [MIN])
    assert storage.list_studies() == []


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_hs_create_study_refuses_bad_names(tmp_path: Path, name: str) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    for storage in (None, url):
        with pytest.raises(ValueError, match="without control characters"):
            hs.create_study(name, storage=storage)
    assert files_in(tmp_path) == []  # refused before the file was made


@pytest.mark.parametrize("name", ["ok", "with space", "ünïcødé", "emoji 👨‍👩‍👧", "a-b_c.d/e"])
def test_good_study_names_are_kept(storage: Storage, name: str) -> None:
    storage.create_study(name, [MIN])
    assert storage.get_study(name).name == name


@pytest.mark.parametrize("name", ["nul\x00byte", 3, None], ids=repr)
def test_names_no_study_can_have_are_not_found(storage: Storage, name: Any) -> None:
    storage.create_study("kept", [MIN])
    for call in (storage.get_study, storage.delete_study):
        with pytest.raises(StudyNotFound):
            call(name)
    assert [s.name for s in storage.list_studies()] == ["kept"]


# --- the read-only sqlite3 reader of the CLI (storage.sql.readonly) ----------------------
@pytest.mark.parametrize("make", [optuna_like, plain_sqlite, empty_file],
                         ids=["optuna_like", "plain", "empty"])  # fmt: skip
@pytest.mark.parametrize("command", ["show", "best", "studies"])
def test_cli_reads_of_other_files_say_what_they_said(
    tmp_path: Path, make: Callable[[Path], Path], command: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The reader declines what it does not know, so the full storage's sentence stands,
    and neither changes the file nor adds one beside it."""
    from hypersweep.cli import view_commands
    from hypersweep.cli.parser import build_parser

    path = make(tmp_path / "x.db")
    before, names = sha256(path), files_in(tmp_path)
    url = f"sqlite:///{path}"
    argv = [command, *(["s"] if command != "studies" else []), "--storage", url]
    handler = {"studies": view_commands.cmd_studies_light, "best": view_commands.cmd_best_light,
               "show": view_commands.cmd_show}[command]  # fmt: skip
    with pytest.raises(StorageError, match=r"Optuna database|not a hypersweep database"):
        handler(build_parser().parse_args(argv))
    assert sha256(path) == before and files_in(tmp_path) == names


def test_the_reader_changes_no_byte_of_a_study_file(tmp_path: Path) -> None:
    """Read-only (mode=ro): the file's bytes stay the same after every read it offers."""
    from hypersweep.cli.view_commands import open_reader

    path = tmp_path / "s.db"
    url = f"sqlite:///{path}"
    study = hs.create_study("s", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    study.optimize(lambda p: p["x"], n_trials=5, show_progress=False)
    checkpoint(path)
    before = sha256(path)
    reader = open_reader(url, "s")
    assert reader is not None
    sid = reader.get_study("s").study_id
    assert len(reader.read_trials(sid).trials) == 5 and reader.count_trials(sid) == 5
    assert (
        len(reader.read_page(sid, 1, 2)) == 2 and reader.state_counts(sid)[TrialState.COMPLETE] == 5
    )
    with pytest.raises(StorageError, match="read-only"):
        reader.create_trial(sid, state=TrialState.RUNNING)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader._conn.execute("CREATE TABLE t (x)")
    reader.close()
    assert sha256(path) == before
