"""Every command fed bad input: one line, a non-zero exit, nothing lost."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from citewatch.models import (
    Answer,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
)
from citewatch.storage import Store

CAMPAIGN = """
name = "bad"
schedule = "0 6 * * *"
[[prompts]]
text = "q"
[engines.perplexity]
base_url = "http://127.0.0.1:9/"
"""


def one_line(done) -> str:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def filled_store(store_capture, path: Path, captures: int = 150) -> None:
    for i in range(captures):
        citations = [
            Citation(
                position=k,
                kind=CitationKind.footnote,
                url=f"https://s{k}.example/{i}",
                canonical_url=f"https://s{k}.example/{i}",
                domain=f"s{k}.example",
            )
            for k in range(1, 6)
        ]
        extraction = Extraction(
            engine="perplexity",
            extractor_version="t",
            status=ExtractionStatus.answered,
            answer=Answer(text="x" * 500),
            citations=citations,
        )
        store_capture(f"sqlite:///{path}", html=f"<p>{i}" * 50, prompt=f"p{i % 5}", extraction=extraction)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage(path: Path) -> None:
    """Overwrite the header of every fifth page after the schema's: b-trees that no longer parse."""
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data) - 4096, 4096 * 5):
        data[offset : offset + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["random", "zeroed", "truncated"])
def test_db_upgrade_and_report_on_a_file_that_is_no_database(cli, tmp_path: Path, kind: str, store_capture) -> None:
    path = tmp_path / f"{kind}.db"
    if kind == "truncated":
        filled_store(store_capture, path, captures=20)
        path.write_bytes(path.read_bytes()[:5000])
    else:
        path.write_bytes(bytes(range(256)) * 32 if kind == "random" else b"\x00" * 8192)
    before = digest(path)
    for command in (["db", "upgrade"], ["report"], ["export"]):
        line = one_line(cli(*command, "--db", f"sqlite:///{path}"))
        assert "not a database" in line or "malformed" in line, line
    assert digest(path) == before


def test_a_damaged_database_is_one_line_everywhere_and_db_upgrade_says_so(cli, tmp_path: Path, store_capture) -> None:
    path = tmp_path / "damaged.db"
    filled_store(store_capture, path)
    damage(path)
    url = f"sqlite:///{path}"
    assert "damaged" in one_line(cli("db", "upgrade", "--db", url))
    for command in (["report"], ["report", "--brands", str(Path(__file__).parents[2] / "examples" / "brands.toml")]):
        assert "malformed" in one_line(cli(*command, "--db", url))


def test_a_url_of_a_database_without_a_driver(cli) -> None:
    line = one_line(cli("report", "--db", "mysql://user:secret@db.example/cw"))
    assert "no driver" in line and "secret" not in line


def test_a_store_with_a_newer_schema(cli, tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    Store.open(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    for command in (["db", "upgrade"], ["report"]):
        assert "newer than this citewatch" in one_line(cli(*command, "--db", f"sqlite:///{path}"))


def test_since_beyond_the_calendar(cli) -> None:
    assert "before year 1" in one_line(cli("report", "--since", "99999999999d"))


@pytest.mark.parametrize(
    ("args", "expected"), [(["--port", "99999"], "not a TCP port"), (["--scenario", "nosuch"], "unknown scenario")]
)
def test_replica_bad_options(cli, args: list[str], expected: str) -> None:
    assert expected in one_line(cli("replica", "perplexity", *args, timeout=60))


@pytest.mark.parametrize("slot", ["not-a-slot", "2026-12-04T07:00Z", "a|b", "r#1", ""])
def test_a_slot_that_is_not_one(cli, tmp_path: Path, slot: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CAMPAIGN)
    assert "slot" in one_line(cli("run", str(path), "--slot", slot, "--dry-run"))


def test_a_slot_of_the_schedule_is_accepted(cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CAMPAIGN)
    done = cli("run", str(path), "--slot", "2026-12-04T06:00Z", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "1 would run" in done.stdout
