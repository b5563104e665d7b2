"""The Store on both back ends: captures, artifacts stored once, versioned extractions as rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, event, func, inspect, select

from citewatch.errors import StorageError
from citewatch.models import (
    Answer,
    AnswerBlock,
    BlockKind,
    CaptureResult,
    CaptureStatus,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Mention,
    NetworkRecord,
    OrganicResult,
    Source,
    SourceKind,
)
from citewatch.storage import Store, upgrade
from citewatch.storage import tables as t
from citewatch.storage.db import alembic_config

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def result(html: str | None = "<html><body><p>Answer</p></body></html>", **changes: object) -> CaptureResult:
    base = CaptureResult(
        engine="perplexity",
        status=CaptureStatus.answered,
        started_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        finished_at=datetime(2026, 11, 22, 10, 0, 9, tzinfo=UTC),
        url="https://www.perplexity.ai/search/x",
        html=html,
        screenshot=PNG,
        network=[NetworkRecord(url="https://www.perplexity.ai/rest/sse/perplexity_ask", status=200, body="data: {}")],
        answer_seconds=8.5,
        timings={"answer": 8.5},
        browser_version="156.0",
        locale="en-US",
    )
    return base.model_copy(update=changes)


def extraction(version: str = "perplexity/1", url: str = "https://Example.com/a?utm_source=x") -> Extraction:
    return Extraction(
        engine="perplexity",
        extractor_version=version,
        status=ExtractionStatus.answered,
        answer=Answer(
            text="Acme is good.", blocks=[AnswerBlock(index=0, kind=BlockKind.paragraph, text="Acme is good.")]
        ),
        citations=[
            Citation(
                position=1,
                kind=CitationKind.chip,
                label="example+1",
                url=url,
                canonical_url="https://example.com/a",
                domain="example.com",
                title="Acme review",
                block_index=0,
                char_start=12,
                group="g1",
                visible=True,
            ),
            Citation(position=2, kind=CitationKind.footnote, label="2", url="https://b.net/x", group="g1"),
        ],
        sources=[
            Source(
                position=1,
                kind=SourceKind.listed,
                url=url,
                canonical_url="https://example.com/a",
                domain="example.com",
                title="Acme review",
                site_name="Example",
                snippet="Acme, reviewed.",
                published="2 days ago",
                cited=True,
                visible=False,
            ),
            Source(position=2, kind=SourceKind.card, url="https://c.org/"),
        ],
        mentions=[Mention(text="Acme", block_index=0, char_start=0, list_rank=1)],
        search_queries=["acme review", "acme price"],
        related_questions=["Is Acme cheap?"],
        organic_results=[
            OrganicResult(
                position=1,
                url=url,
                canonical_url="https://example.com/a",
                domain="example.com",
                title="Acme",
                snippet="s",
            )
        ],
    )


def new_capture(store: Store, prompt: str = "best CRM", job_key: str | None = None) -> int:
    run_id = store.start_run(kind="test", label="t")
    return store.start_capture(run_id=run_id, prompt=prompt, engine="perplexity", job_key=job_key)


def test_a_capture_is_running_until_finished_then_round_trips(store: Store) -> None:
    capture_id = new_capture(store)
    assert store.get_capture(capture_id).status == "running"
    store.finish_capture(capture_id, result())
    record = store.get_capture(capture_id)
    assert record.status == "answered" and record.answer_seconds == 8.5 and record.browser_version == "156.0"
    assert record.started_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert set(record.artifacts) == {"dom", "screenshot", "network"}
    assert store.artifact_bytes(record.artifacts["screenshot"]) == PNG
    snapshot = store.load_snapshot(capture_id)
    assert snapshot.html_bytes() == result().html.encode() and snapshot.network == result().network
    assert snapshot.url == "https://www.perplexity.ai/search/x"


def test_identical_artifacts_are_stored_once(store: Store) -> None:
    for _ in range(3):
        store.finish_capture(new_capture(store), result())
    with store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(t.Artifact)) == 3  # dom, png, network
        assert connection.scalar(select(func.count()).select_from(t.CaptureArtifact)) == 9
        assert connection.scalar(select(func.count()).select_from(t.Prompt)) == 1


def test_undecodable_bytes_in_a_page_survive(store: Store) -> None:
    html = b"<html><body>\xff\xfe caf\xc3\xa9</body></html>".decode("utf-8", "surrogateescape")
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result(html=html))
    assert store.load_snapshot(capture_id).html_bytes() == html.encode("utf-8", "surrogateescape")


def test_extractions_are_versioned(store: Store) -> None:
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result())
    first = store.save_extraction(capture_id, extraction("perplexity/1"))
    second = store.save_extraction(capture_id, extraction("perplexity/2", url="https://other.org/b"))
    assert store.extractions(capture_id) == [
        (first, extraction("perplexity/1")),
        (second, extraction("perplexity/2", url="https://other.org/b")),
    ]
    assert store.latest_extraction(capture_id) == extraction("perplexity/2", url="https://other.org/b")
    with store.engine.connect() as connection:
        rows = connection.execute(select(t.ExtractionRow.extractor_version, t.ExtractionRow.answer_text)).all()
        assert rows == [("perplexity/1", "Acme is good."), ("perplexity/2", "Acme is good.")]
        assert connection.scalar(select(func.count()).select_from(t.CitationRow)) == 4


ROW_TABLES: list[tuple[type[t.Base], str]] = [
    (t.CitationRow, "citations"),
    (t.SourceRow, "sources"),
    (t.MentionRow, "mentions"),
    (t.OrganicResultRow, "organic_results"),
]


@pytest.mark.parametrize(("table", "field"), ROW_TABLES, ids=[f for _, f in ROW_TABLES])
def test_row_tables_hold_every_field_of_the_extraction(store: Store, table: type[t.Base], field: str) -> None:
    capture_id = new_capture(store)
    saved = extraction()
    extraction_id = store.save_extraction(capture_id, saved)
    expected = saved.model_dump(mode="json")[field]
    columns = [table.__table__.c[name] for name in expected[0]]  # KeyError if a model field has no column
    with store.engine.connect() as connection:
        query = select(*columns).where(table.__table__.c.extraction_id == extraction_id).order_by(table.__table__.c.id)
        assert [dict(row._mapping) for row in connection.execute(query)] == expected


def test_an_extraction_stores_the_lists_a_report_reads(store: Store) -> None:
    """U_r: cited URLs (canonical first), D_r: their known domains, S_r: sources and cited URLs, organic URLs."""
    extraction_id = store.save_extraction(new_capture(store), extraction())
    with store.engine.connect() as connection:
        row = connection.execute(select(t.RunListsRow).where(t.RunListsRow.extraction_id == extraction_id)).one()
    unit = "\x1f"
    assert row.cited_urls == f"https://example.com/a{unit}https://b.net/x{unit}"
    assert row.cited_domains == f"example.com{unit}"
    assert row.sources == f"https://example.com/a{unit}https://c.org/{unit}https://b.net/x{unit}"
    assert row.organic_urls == f"https://example.com/a{unit}"


def test_search_queries_are_rows_in_order(store: Store) -> None:
    extraction_id = store.save_extraction(new_capture(store), extraction())
    with store.engine.connect() as connection:
        query = select(t.SearchQueryRow.position, t.SearchQueryRow.text).order_by(t.SearchQueryRow.position)
        assert connection.execute(query.where(t.SearchQueryRow.extraction_id == extraction_id)).all() == [
            (1, "acme review"),
            (2, "acme price"),
        ]


def test_nul_characters_are_stored_the_same_on_both_back_ends(store: Store) -> None:
    """PostgreSQL refuses NUL in text and JSONB; an extraction read from a JSON payload may carry one."""
    capture_id = new_capture(store, prompt="crm\x00")
    store.finish_capture(capture_id, result(error="boom\x00", warnings=["w\x00"]))
    with_nul = extraction().model_copy(update={"answer": Answer(text="Acme\x00 is good."), "warnings": ["\x00"]})
    store.save_extraction(capture_id, with_nul)
    record = store.get_capture(capture_id)
    assert (record.prompt, record.error, record.warnings) == ("crm\ufffd", "boom\ufffd", ["w\ufffd"])
    stored = store.latest_extraction(capture_id)
    assert stored is not None and stored.answer.text == "Acme\ufffd is good." and stored.warnings == ["\ufffd"]


def test_a_failed_capture_keeps_what_it_saw(store: Store) -> None:
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result(status=CaptureStatus.blocked, error="bot wall", network=[]))
    record = store.get_capture(capture_id)
    assert record.status == "blocked" and record.error == "bot wall" and set(record.artifacts) == {"dom", "screenshot"}
    assert store.latest_extraction(capture_id) is None


def test_capture_without_a_page_has_no_snapshot(store: Store) -> None:
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result(html=None, screenshot=None, network=[], status=CaptureStatus.error))
    with pytest.raises(StorageError, match="has no stored page"):
        store.load_snapshot(capture_id)


def test_job_keys_are_unique_and_findable(store: Store) -> None:
    capture_id = new_capture(store, job_key="c|slot|perplexity|us|abc|r1#1")
    assert store.find_capture_by_job_key("c|slot|perplexity|us|abc|r1#1").id == capture_id
    assert store.find_capture_by_job_key("nope") is None
    with pytest.raises(StorageError, match=r"(?i)unique|duplicate"):
        new_capture(store, job_key="c|slot|perplexity|us|abc|r1#1")


def test_status_changes_and_abandoned_captures(store: Store) -> None:
    capture_id = new_capture(store)
    store.abandon_capture(capture_id, "worker died")
    assert store.get_capture(capture_id).status == "incomplete"
    assert store.get_capture(capture_id).error == "worker died"
    store.set_capture_status(capture_id, CaptureStatus.no_answer)
    store.abandon_capture(capture_id, "only running captures are abandoned")
    assert store.get_capture(capture_id).status == "no_answer"


def test_listing_and_unknown_ids(store: Store) -> None:
    ids = [new_capture(store, prompt=f"p{i}") for i in range(3)]
    store.finish_capture(ids[1], result(status=CaptureStatus.blocked))
    assert [c.id for c in store.list_captures()] == ids
    assert [c.id for c in store.list_captures(status="blocked")] == [ids[1]]
    assert [c.id for c in store.list_captures(limit=2)] == ids[:2]
    assert store.list_captures(engine="gemini") == []
    with pytest.raises(StorageError, match="no capture with id 999"):
        store.get_capture(999)


def test_runs_are_finished_with_a_status(store: Store) -> None:
    run_id = store.start_run(kind="campaign", campaign="crm", meta={"slot": "2026-11-22"})
    store.finish_run(run_id, status="ok")
    with store.engine.connect() as connection:
        run = connection.execute(select(t.Run.status, t.Run.meta, t.Run.finished_at)).one()
    assert run.status == "ok" and run.meta == {"slot": "2026-11-22"} and run.finished_at is not None


def test_unreachable_database_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match="cannot reach the database at postgresql"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StorageError, match="not a database URL"):
        Store.open("nonsense://x")


class DatabaseFailed(Exception):
    pass


def test_a_failing_extraction_leaves_the_capture_whole(store: Store) -> None:
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result())

    def fail_on_sources(_conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SOURCES"):
            raise DatabaseFailed  # after the extraction and its citations were written, before the commit

    event.listen(store.engine, "before_cursor_execute", fail_on_sources)
    with pytest.raises(DatabaseFailed):
        store.save_extraction(capture_id, extraction())
    event.remove(store.engine, "before_cursor_execute", fail_on_sources)
    assert_capture_whole(store, capture_id)


# The child dies by SIGKILL in the middle of `save_extraction`: its transaction is open, nothing cleans up.
KILLED_MID_EXTRACTION = """
import os, signal, sys
from sqlalchemy import event
from citewatch.models import Extraction
from citewatch.storage import Store, upgrade

store = Store.open(sys.argv[1])

@event.listens_for(store.engine, "before_cursor_execute")
def die(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("INSERT INTO SOURCES"):
        os.kill(os.getpid(), signal.SIGKILL)

store.save_extraction(int(sys.argv[2]), Extraction.model_validate_json(sys.stdin.read()))
"""


def test_a_process_killed_mid_extraction_leaves_the_capture_whole(store: Store) -> None:
    capture_id = new_capture(store)
    store.finish_capture(capture_id, result())
    child = subprocess.run(
        [sys.executable, "-c", KILLED_MID_EXTRACTION, store.url, str(capture_id)],
        input=extraction().model_dump_json(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert_capture_whole(store, capture_id)


def assert_capture_whole(store: Store, capture_id: int) -> None:
    """The capture and its snapshot as `finish_capture` committed them; no trace of the lost extraction."""
    record = store.get_capture(capture_id)
    assert record.status == "answered" and set(record.artifacts) == {"dom", "screenshot", "network"}
    assert store.load_snapshot(capture_id).html_bytes() == result().html.encode()
    assert store.extractions(capture_id) == []
    with store.engine.connect() as connection:
        for table in (t.ExtractionRow, t.CitationRow, t.SourceRow, t.RunListsRow):
            assert connection.scalar(select(func.count()).select_from(table)) == 0
    store.save_extraction(capture_id, extraction())  # the store goes on working
    assert store.latest_extraction(capture_id) == extraction()


def test_upgrading_an_older_store_gives_its_extractions_their_lists(db_url: str) -> None:
    """Migration 0002 fills `run_lists` for the extractions already stored, as storing them now does."""
    with Store.open(db_url) as store:
        for version in ("perplexity/1", "perplexity/2"):
            store.save_extraction(new_capture(store), extraction(version))
        with store.engine.connect() as connection:
            written = connection.execute(select(t.RunListsRow).order_by(t.RunListsRow.extraction_id)).all()
        command.downgrade(alembic_config(db_url), "0001")
        assert "run_lists" not in inspect(store.engine).get_table_names()
        upgrade(db_url, store.engine)
        with store.engine.connect() as connection:
            assert connection.execute(select(t.RunListsRow).order_by(t.RunListsRow.extraction_id)).all() == written
    assert len(written) == 2 and written[0].cited_urls


def test_lone_surrogates_are_stored_the_same_on_both_back_ends(store: Store) -> None:
    run_id = store.start_run(kind="capture")
    capture_id = store.start_capture(run_id=run_id, prompt="p", engine="gemini")
    extraction = Extraction(
        engine="gemini",
        extractor_version="gemini/1",
        status=ExtractionStatus.answered,
        answer=Answer(text="half \ud800 a pair"),
        sources=[Source(position=1, kind=SourceKind.listed, url="https://a.example/", title="\udc00 title")],
    )
    store.save_extraction(capture_id, extraction)
    stored = store.latest_extraction(capture_id)
    assert stored is not None
    assert stored.answer.text == "half \ufffd a pair" and stored.sources[0].title == "\ufffd title"
