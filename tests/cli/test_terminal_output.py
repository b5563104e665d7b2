"""`show` and `extract` never send a page's escape sequences or markup to the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from citewatch.models import (
    Answer,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Source,
    SourceKind,
)

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
HOSTILE = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1b[31mred\x1b[0m \x9b2J \x07[link=http://evil.example/]x[/link]"
RAW = ("\x1b", "\x9b", "\x07")


def test_show_strips_escape_sequences_and_markup(cli, db_url: str, store_capture) -> None:
    capture_id = store_capture(
        db_url,
        prompt=f"prompt {HOSTILE}",
        error=f"error {HOSTILE}",
        extraction=Extraction(
            engine="perplexity",
            extractor_version="test",
            status=ExtractionStatus.answered,
            warnings=[f"warning {HOSTILE}"],
            answer=Answer(text=f"answer {HOSTILE}"),
            citations=[Citation(position=1, kind=CitationKind.footnote, label=HOSTILE, title=HOSTILE)],
            sources=[Source(position=1, kind=SourceKind.listed, url="https://a.example/", title=HOSTILE)],
        ),
    )
    table = cli("show", str(capture_id))
    assert table.returncode == 0, table.stderr
    assert not [c for c in RAW if c in table.stdout], repr(table.stdout)
    assert "[link=http://evil.example/]" in table.stdout, "markup is shown as text, not obeyed"
    as_json = cli("show", str(capture_id), "--format", "json")
    assert as_json.returncode == 0 and not [c for c in RAW if c in as_json.stdout]
    assert json.loads(as_json.stdout)["extraction"]["answer"]["text"] == f"answer {HOSTILE}", "JSON keeps the value"


def test_extract_strips_escape_sequences(cli, tmp_path: Path) -> None:
    page = (FIXTURES / "perplexity" / "lists-and-mentions" / "page.html").read_text(encoding="utf-8")
    at = page.index("</li>")
    (tmp_path / "page.html").write_text(page[:at] + HOSTILE + page[at:], encoding="utf-8")
    for output in ("table", "json"):
        done = cli("extract", "perplexity", str(tmp_path / "page.html"), "--format", output)
        assert done.returncode == 0, done.stderr
        assert not [c for c in RAW if c in done.stdout], repr(done.stdout)
