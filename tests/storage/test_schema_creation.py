"""Creating the schema on a new SQLite file: serialised between processes, all or nothing under a kill,
and never done to another application's database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from citewatch.errors import StorageError
from citewatch.storage import Store, upgrade
from citewatch.storage.db import SCHEMA_REVISION, make_engine
from citewatch.storage.tables import Base

OPEN = "import sys; from citewatch.storage import Store; Store.open(sys.argv[1]).close(); print('ok')"


def schema_is_whole(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_two_processes_opening_a_new_file_at_once_both_succeed(tmp_path: Path) -> None:
    for trial in range(3):
        url = f"sqlite:///{tmp_path / f'race{trial}.db'}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [racer.communicate(timeout=120) for racer in racers]
        assert [racer.returncode for racer in racers] == [0, 0], results
        assert schema_is_whole(url)


@pytest.mark.parametrize("delay_s", [0.0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08])
def test_a_kill_during_creation_leaves_no_half_schema(tmp_path: Path, delay_s: float) -> None:
    """Killed `delay_s` after the first write reaches the file's log, that is while the schema is being made."""
    path = tmp_path / "killed.db"
    wal = tmp_path / "killed.db-wal"
    url = f"sqlite:///{path}"
    child = subprocess.Popen([sys.executable, "-c", OPEN, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline and not (wal.exists() and wal.stat().st_size):
        time.sleep(0.0005)
    time.sleep(delay_s)
    child.kill()
    child.wait(timeout=30)
    with Store.open(url) as store:  # whatever the kill interrupted, the next command works
        assert store.list_captures() == []
    assert schema_is_whole(url)


def test_another_applications_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"holds other tables \(invoices\) and no citewatch schema") as refused:
        upgrade(f"sqlite:///{path}")
    assert len(str(refused.value).splitlines()) == 1
    assert path.read_bytes() == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "not switched to WAL"
        assert [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["invoices"]


def test_a_store_with_a_newer_schema_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    Store.open(url).close()
    with sqlite3.connect(tmp_path / "newer.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(StorageError, match=rf"has schema 0099, newer than this citewatch knows \({SCHEMA_REVISION}\)"):
        upgrade(url)
