"""The Perplexity extractor on real saved threads (../shared/captures/perplexity; facts in its README).

Counts not in the README were checked by hand with lxml on the files: deep-research's answer panel holds
19 headings, 11 list items (each wrapped in a <p>), 2 tables and 17 other paragraphs, and bolds 10 names,
all in its tables; chat-simple renders 7 KaTeX formulas, each with its TeX source in a MathML annotation.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from citewatch.extract import extract_html
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus

pytestmark = pytest.mark.captures


def read(captures_dir: Path, name: str) -> Extraction:
    return extract_html("perplexity", (captures_dir / "perplexity" / name).read_bytes())


def test_simple_thread(captures_dir: Path) -> None:
    extraction = read(captures_dir, "obsidian-ai-exporter_chat-simple.html")
    assert extraction.status is ExtractionStatus.answered
    # Three markdown-content areas, one per turn, each read once.
    assert "the page holds 3 answer turns; all of them were read" in extraction.warnings
    texts = [b.text for b in extraction.answer.blocks]
    assert texts[:3] == ["はい。", "いいえ。", "いくつか代表的な数式を LaTeX 形式で書きます。"]
    assert all(extraction.answer.text.count(text) == 1 for text in texts[:3])
    assert Counter(b.kind for b in extraction.answer.blocks) == {BlockKind.paragraph: 9}
    # Formulas read as their TeX source, not as KaTeX's visual spans ("x=2a−b±b2−4ac").
    assert texts[3] == "一次方程式の解の例 2x + 3 = 7"
    assert "x = \\dfrac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}" in extraction.answer.text
    assert "−" not in extraction.answer.text
    (citation,) = extraction.citations
    assert citation.kind is CitationKind.chip and citation.label == "perplexity"
    assert citation.url == "https://docs.perplexity.ai/docs/agent-api/presets"
    assert citation.title == "Presets - Perplexity" and citation.domain == "perplexity.ai"
    assert citation.block_index == 0 and extraction.answer.text[: citation.char_start] == "はい。"
    assert [s.canonical_url for s in extraction.sources] == [citation.canonical_url]
    assert "sources panel not captured; sources derived from the citations" in extraction.warnings


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
    assert len({c.group for c in grouped}) == 3
    assert sum("was not expanded" in w for w in extraction.warnings) == 3
    assert not [w for w in extraction.warnings if w.startswith("engine_changed")]
    assert len(extraction.sources) == 17 and all(s.cited for s in extraction.sources)
    assert extraction.sources[0].canonical_url == chips[0].canonical_url  # first-citation order
    assert chips[0].url == "https://www.perplexity.ai/help-center/en/articles/10352155-what-is-perplexity"
    assert chips[0].title == "What is Perplexity? | Perplexity Help Center"
    assert [c.char_start for c in chips] == sorted(c.char_start for c in chips)
    assert all(0 <= c.char_start <= len(extraction.answer.text) for c in chips)
    # The report (a div.prose outside markdown-content) first, then markdown-content-0's closing note.
    blocks = extraction.answer.blocks
    assert blocks[0].kind is BlockKind.heading and blocks[0].text == "Perplexity AI 提供機能まとめ"
    closing = "Perplexity AI の提供機能をレポートにまとめました。"
    assert blocks[-1].text.startswith(closing) and extraction.answer.text.count(closing) == 1
    assert Counter(b.kind for b in blocks) == {
        BlockKind.heading: 19,
        BlockKind.paragraph: 17,
        BlockKind.list_item: 11,
        BlockKind.table: 2,
    }
    assert blocks[4].text.startswith("モード | 概要 | 利用条件\nBest（デフォルト） | ")
    mentions = extraction.mentions
    leads = ["Best（デフォルト）", "Pro Search", "Research（Deep Research）", "Create Files and Apps"]
    assert [m.text for m in mentions][:4] == leads
    assert len(mentions) == 10 and {blocks[m.block_index].kind for m in mentions} == {BlockKind.table}
