"""The table report in a terminal of 80, 120 and 200 columns, and as plain text off a terminal.

At any width: no line is longer than the terminal, no table is cut off at its right edge, names (engines,
domains, brands) are never broken, and headers take at most two lines (they wrap between words only).
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from citewatch.analysis.report import build_report
from citewatch.cli.report import print_tables, table_console
from citewatch.models import (
    CaptureResult,
    CaptureStatus,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Source,
    SourceKind,
)
from citewatch.storage import Store
from citewatch.storage.queries import RunFilter

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PROMPT = "which project management tools do small remote agencies recommend for client work in 2026"
ENGINES = ("google_ai_mode", "perplexity")
DOMAINS = ("a-very-long-domain-name-for-reviews.example", "b.com", "c.org")
BOX = set("┏┓┗┛┃━│─┡┩└┘╇┼")


def _fill(db_url: str) -> None:
    """Two engines, two prompts (one long), three runs each; perplexity lists a source it does not cite."""
    with Store.open(db_url) as store:
        for engine in ENGINES:
            for prompt in (PROMPT, "crm"):
                for day in range(3):
                    run_id = store.start_run(kind="test")
                    capture_id = store.start_capture(run_id=run_id, prompt=prompt, engine=engine)
                    when = T0 + timedelta(days=day)
                    result = CaptureResult(
                        engine=engine, status=CaptureStatus.answered, started_at=when, finished_at=when
                    )
                    store.finish_capture(capture_id, result)
                    domains = DOMAINS[: 1 + day]
                    urls = [f"https://{d}/page-{day}" for d in domains]
                    extraction = Extraction(
                        engine=engine,
                        extractor_version="t/1",
                        status=ExtractionStatus.answered,
                        citations=[
                            Citation(position=i, kind=CitationKind.chip, url=u, canonical_url=u, domain=d)
                            for i, (u, d) in enumerate(zip(urls, domains, strict=True), start=1)
                        ],
                        sources=[
                            Source(
                                position=1,
                                kind=SourceKind.listed,
                                url="https://unused.example/",
                                domain="unused.example",
                            )
                        ]
                        if engine == "perplexity"
                        else [],
                    )
                    store.save_extraction(capture_id, extraction)


@pytest.fixture
def report(db_url: str):
    _fill(db_url)
    with Store.open(db_url) as store:
        return build_report(store, RunFilter())


def _render(report, width: int, *, wide: bool = False) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None, highlight=False)
    print_tables(report, console, wide=wide)
    return buffer.getvalue().splitlines()


def _header_heights(lines: list[str]) -> list[int]:
    """Lines between each table's top border and the rule under its header."""
    heights, top = [], None
    for index, line in enumerate(lines):
        if line.startswith("┏"):
            top = index
        elif line.startswith("┡") and top is not None:
            heights.append(index - top - 1)
    return heights


@pytest.mark.parametrize("width", [80, 120, 200])
@pytest.mark.parametrize("wide", [False, True])
def test_tables_fit_the_terminal(report, width: int, wide: bool) -> None:
    lines = _render(report, width, wide=wide)
    assert max(map(len, lines)) <= width
    rows = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert rows and all(line.rstrip()[-1] in "┓┃┩│┘" for line in rows), "a table is cut off at its right edge"
    heights = _header_heights(lines)
    assert heights and max(heights) <= 2, heights
    cells = [cell.strip() for line in rows for cell in re.split("[│┃]", line)]
    for name in (*ENGINES, *DOMAINS):
        assert name in cells, f"{name} is broken or missing"
    assert not any(cell.startswith("google_") and cell != "google_ai_mode" for cell in cells)
    assert not any(cell in ("ai_mode", "mode", "_mode") for cell in cells)
    # the prompt wraps between words, never inside one
    words = set(PROMPT.split())
    prompt_cells = [c for c in cells if c and set(c.split()) <= words]
    assert prompt_cells and all(set(c.split()) <= words for c in prompt_cells)


def test_default_is_narrow_and_wide_adds_the_rest(report) -> None:
    narrow, wide = "\n".join(_render(report, 120)), "\n".join(_render(report, 120, wide=True))
    for header in ("pairwise J", "change", "runs needed"):
        assert header in narrow
    for header in ("consec. J", "RBO", "SERP top 10", "same set"):
        assert header not in narrow and header in wide
    assert "more columns: --wide" in narrow and "more columns" not in wide
    assert "cited of retrieved" in wide and "75%" not in narrow.split("Per prompt")[0]


def test_plain_text_off_a_terminal(report) -> None:
    buffer = io.StringIO()
    print_tables(report, table_console(buffer, to_terminal=False), wide=True)  # as for a pipe or -o report.txt
    lines = buffer.getvalue().splitlines()
    assert not BOX & set("".join(lines)), "box drawing in plain output"
    assert any(line.startswith("google_ai_mode") and PROMPT in line for line in lines)  # one line, never wrapped
    at = next(i for i, line in enumerate(lines) if line.startswith("engine") and "pairwise J" in line)
    header, row = lines[at], next(line for line in lines[at:] if line.startswith("perplexity"))
    assert header.index("runs needed") + len("runs needed") == len(row.rstrip())  # right-aligned under it


def test_the_command_is_plain_through_a_pipe_and_boxed_in_a_terminal(cli, cli_env, db_url: str) -> None:
    _fill(db_url)
    piped = cli("report")
    assert piped.returncode == 0, piped.stderr
    assert not BOX & set(piped.stdout) and "google_ai_mode" in piped.stdout

    screen = _in_terminal([sys.executable, "-m", "citewatch", "report"], {**cli_env, "COLUMNS": "120"})
    assert "┏" in screen and "google_ai_mode" in screen
    assert max(len(line) for line in screen.splitlines()) <= 120


def _in_terminal(command: list[str], env: dict[str, str]) -> str:
    """What `command` prints to a pseudo-terminal (its stdout is a tty, as in a user's shell)."""
    main, child = pty.openpty()
    process = subprocess.Popen(command, stdout=child, stderr=subprocess.DEVNULL, env=env)
    os.close(child)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        process.wait(timeout=60)
        os.close(main)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
