"""`citewatch browse`: Datasette on the store, read-only, looked at in a real browser; the PostgreSQL views."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from citewatch.models import (
    Answer,
    CaptureResult,
    CaptureStatus,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
)
from citewatch.storage import Store
from citewatch.storage.analyst import QUESTIONS, TABLES, sentences_naming

T0 = datetime(2026, 11, 4, 9, tzinfo=UTC)  # a Wednesday: its week starts on Monday 2026-11-02
START_S = 30  # Datasette starts in about two seconds; a bounded wait, then the test fails with its output
ANSWER = "Acme CRM is the usual pick for seed-stage teams. Pricing starts free. Many founders move on to Acme later."


def _png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (solid blue), written by hand: chunks of length, type, data and CRC."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x25\x63\xeb" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _fill(url: str) -> None:
    """Three captures: two answered perplexity runs citing a.com (one flagged engine_changed), one blocked."""
    with Store.open(url) as store:
        for day, (status, warnings, domains) in enumerate(
            [
                (CaptureStatus.answered, [], ["a.com", "b.com"]),
                (CaptureStatus.answered, ["engine_changed: the answer lost its citation markers"], ["a.com"]),
                (CaptureStatus.blocked, [], []),
            ]
        ):
            run_id = store.start_run(kind="test")
            capture_id = store.start_capture(run_id=run_id, prompt="best CRM for startups", engine="perplexity")
            when = T0 + timedelta(hours=day)
            html = f"<html><body><h1>Stored page {capture_id}</h1><p>{ANSWER}</p></body></html>"
            result = CaptureResult(
                engine="perplexity",
                status=status,
                started_at=when,
                finished_at=when,
                html=html,
                screenshot=_png(),
                error="bot wall (Cloudflare challenge) at https://www.perplexity.ai/" if day == 2 else None,
            )
            store.finish_capture(capture_id, result)
            if status is not CaptureStatus.answered:
                continue
            citations = [
                Citation(
                    position=i, kind=CitationKind.chip, url=f"https://{d}/", canonical_url=f"https://{d}/", domain=d
                )
                for i, d in enumerate(domains, start=1)
            ]
            extraction = Extraction(
                engine="perplexity",
                extractor_version="t/1",
                status=ExtractionStatus.answered,
                warnings=warnings,
                answer=Answer(text=ANSWER),
                citations=citations,
            )
            store.save_extraction(capture_id, extraction)


def test_sentences_naming_finds_every_sentence_with_the_term() -> None:
    assert sentences_naming(ANSWER, "acme") == (
        "Acme CRM is the usual pick for seed-stage teams.\nMany founders move on to Acme later."
    )
    assert sentences_naming(ANSWER, "zoho") is None
    assert sentences_naming("", "acme") is None and sentences_naming(ANSWER, "") is None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """`citewatch browse` on a filled store, started as a user starts it, stopped after the test."""
    path = tmp_path / "store.db"
    _fill(f"sqlite:///{path}")
    port = _free_port()
    command = [sys.executable, "-m", "citewatch", "browse", "--db", f"sqlite:///{path}", "--port", str(port)]
    log = tmp_path / "browse.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, env=cli_env, stdout=output, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"citewatch browse did not start: {log.read_text()}")
                time.sleep(0.2)
        yield base, path
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "read-only" in log.read_text()


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the loopback server started here
        return response.status, dict(response.headers), response.read()


@pytest.mark.browser
def test_browse_serves_the_store_read_only_with_descriptions_queries_and_links(served, browser) -> None:
    base, path = served
    before = path.stat().st_mtime_ns
    _, _, body = _get(f"{base}/-/databases.json")
    (database,) = json.loads(body)
    assert database["name"] == "store" and database["is_mutable"] is False  # immutable mode
    page = browser.new_page()
    try:
        page.goto(f"{base}/store/captures")
        assert TABLES["captures"][0].split(":")[0] in page.inner_text("body")  # the table's description
        page.goto(f"{base}/store")
        for question in QUESTIONS:
            assert question.title in page.inner_text("body")  # every canned query is listed

        page.goto(f"{base}/store/captures_needing_attention")
        rows = page.locator("table.rows-and-columns tbody tr")
        assert rows.count() == 2  # the blocked capture and the one whose page changed
        text_of_page = page.inner_text("table.rows-and-columns")
        assert "blocked" in text_of_page and "engine_changed" in text_of_page

        with page.expect_response(lambda r: r.url.endswith("/screenshot")) as shot:
            page.locator("table.rows-and-columns a", has_text="screenshot").first.click()
        assert shot.value.status == 200 and shot.value.headers["content-type"] == "image/png"
        assert page.evaluate("document.images[0].naturalWidth") == 4  # the browser decoded the PNG
        page.go_back()
        with page.expect_response(lambda r: r.url.endswith("/snapshot")) as snapshot:
            page.locator("table.rows-and-columns a", has_text="snapshot").first.click()
        assert "sandbox" in snapshot.value.headers["content-security-policy"]
        assert page.inner_text("h1").startswith("Stored page")  # the stored DOM, rendered

        page.goto(f"{base}/store/brand_mentions?brand=acme")
        cells = page.inner_text("table.rows-and-columns")
        assert "Many founders move on to Acme later." in cells and "Pricing starts free." not in cells

        page.goto(f"{base}/store/top_cited_domains_weekly")
        weekly = page.inner_text("table.rows-and-columns")
        assert "2026-11-02" in weekly and "a.com" in weekly
        first = page.locator("table.rows-and-columns tbody tr").first.inner_text()
        assert "a.com" in first and "2" in first and "1.0" in first  # cited by both answered runs of the week
    finally:
        page.close()
    status, _, body = _get(f"{base}/store.json?sql=select+count(*)+as+n+from+captures")
    assert status == 200 and json.loads(body)["rows"] == [[3]]
    try:
        _get(f"{base}/store.json?sql=delete+from+captures")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400  # only SELECT runs
    else:
        pytest.fail("a DELETE was accepted")
    assert path.stat().st_mtime_ns == before  # nothing written


def test_browse_without_datasette_says_how_to_install_it(tmp_path: Path, cli_env: dict[str, str]) -> None:
    path = tmp_path / "store.db"
    _fill(f"sqlite:///{path}")
    code = (
        "import sys\n"
        "sys.modules['datasette'] = None  # as if the extra were not installed\n"
        "from citewatch.cli import main\n"
        f"sys.argv = ['citewatch', 'browse', '--db', 'sqlite:///{path}']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: citewatch browse needs Datasette: pip install 'citewatch[browse]'"
    ]


def test_browse_needs_a_sqlite_file(cli, tmp_path: Path) -> None:
    missing = cli("browse", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 1 and "no store at" in missing.stderr
    postgres = cli("browse", "--db", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert postgres.returncode == 1 and "citewatch db views" in postgres.stderr


def test_postgresql_views_answer_the_same_questions(cli, postgres_url: str) -> None:
    _fill(postgres_url)
    done = cli("db", "views", "--db", postgres_url)
    assert done.returncode == 0, done.stderr
    assert "created 3 views" in done.stdout
    again = cli("db", "views", "--db", postgres_url)  # safe to run again
    assert again.returncode == 0, again.stderr
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            weekly = connection.execute(
                text(
                    "SELECT week_of, engine, rank, domain, runs_citing, runs, citation_rate "
                    "FROM citewatch_top_cited_domains_weekly"
                )
            ).all()
            attention = connection.execute(
                text("SELECT status, extraction_warnings FROM citewatch_captures_needing_attention")
            ).all()
            sentences = (
                connection.execute(
                    text(
                        "SELECT sentence FROM citewatch_answer_sentences WHERE sentence ILIKE '%acme%' "
                        "ORDER BY capture, sentence_index"
                    )
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert [(str(w), e, r, d, k, n, float(rate)) for w, e, r, d, k, n, rate in weekly] == [
        ("2026-11-02", "perplexity", 1, "a.com", 2, 2, 1.0),
        ("2026-11-02", "perplexity", 2, "b.com", 1, 2, 0.5),
    ]
    assert sorted(status for status, _ in attention) == ["answered", "blocked"]
    assert (
        sentences
        == [
            "Acme CRM is the usual pick for seed-stage teams.",
            "Many founders move on to Acme later.",
        ]
        * 2
    )


def test_sqlite_canned_queries_give_the_same_weekly_counts(tmp_path: Path) -> None:
    """The SQLite text of each question runs on a real store and agrees with the hand count."""
    path = tmp_path / "store.db"
    _fill(f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    weekly = next(q for q in QUESTIONS if q.name == "top_cited_domains_weekly")
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(weekly.sqlite)).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("2026-11-02", "perplexity", 1, "a.com", 2, 2, 1.0),
        ("2026-11-02", "perplexity", 2, "b.com", 1, 2, 0.5),
    ]
