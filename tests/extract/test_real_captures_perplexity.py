"""The Perplexity extractor on real saved threads (../shared/captures/perplexity; facts in its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewatch.extract import extract_html
from citewatch.models import CitationKind, ExtractionStatus

pytestmark = pytest.mark.captures


def read(captures_dir: Path, name: str):
    return extract_html("perplexity", (captures_dir / "perplexity" / name).read_bytes())


def test_simple_thread(captures_dir: Path) -> None:
    extraction = read(captures_dir, "obsidian-ai-exporter_chat-simple.html")
    assert extraction.status is ExtractionStatus.answered
    assert "the page holds 3 answer turns; all of them were read" in extraction.warnings
    (citation,) = extraction.citations
    assert citation.kind is CitationKind.chip
    assert citation.url == "https://docs.perplexity.ai/docs/agent-api/presets"
    assert citation.title == "Presets - Perplexity" and citation.domain == "perplexity.ai"
    assert extraction.answer.text.startswith("はい")
    assert extraction.answer.text[: citation.char_start] == "はい。"
    assert [s.canonical_url for s in extraction.sources] == [citation.canonical_url]


def test_research_report(captures_dir: Path) -> None:
    extraction = read(captures_dir, "obsidian-ai-exporter_deep-research.html")
    assert extraction.status is ExtractionStatus.answered
    chips = extraction.citations
    assert len(chips) == 30 and all(c.kind is CitationKind.chip for c in chips)
    with_url = [c for c in chips if c.url]
    assert len(with_url) == 27
    assert len({c.canonical_url for c in with_url}) == 17
    grouped = [c for c in chips if c.group]
    assert [c.label for c in grouped] == ["perplexity+1"] * 3 and not any(c.url for c in grouped)
    assert sum("was not expanded" in w for w in extraction.warnings) == 3
    assert not [w for w in extraction.warnings if w.startswith("engine_changed")]
    assert len(extraction.sources) == 17 and all(s.cited for s in extraction.sources)
    assert chips[0].url == "https://www.perplexity.ai/help-center/en/articles/10352155-what-is-perplexity"
    assert chips[0].title == "What is Perplexity? | Perplexity Help Center"
    assert extraction.answer.text.startswith("Perplexity AI")
    assert all(0 <= c.char_start <= len(extraction.answer.text) for c in chips)
    assert len(extraction.answer.blocks) > 20
