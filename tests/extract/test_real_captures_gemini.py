"""The Gemini extractor on real saved pages (../shared/captures/gemini; facts in its README)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from citewatch.extract import extract_html
from citewatch.extract._urls import canonical_url
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus, SourceKind

pytestmark = pytest.mark.captures

CHAT = "obsidian-ai-exporter_chat-simple.html"
REPORT = "obsidian-ai-exporter_deep-research.html"


def read(captures_dir: Path, name: str) -> Extraction:
    return extract_html("gemini", (captures_dir / "gemini" / name).read_bytes())


def test_simple_chat_has_no_web_citations(captures_dir: Path) -> None:
    extraction = read(captures_dir, CHAT)
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == ["the page holds 3 answer turns; only the last one was read"]
    assert extraction.citations == [] and extraction.sources == []
    text = extraction.answer.text
    assert text.startswith("承知いたしました。いくつか代表的な数式を LaTeX 形式で表示します。")
    assert text.endswith("他にご希望の特定の分野（統計学、行列、微積分など）の数式はありますか？")
    assert "Gemini の回答" not in text and "あなたのプロンプト" not in text  # screen-reader headings
    # Formulas read as their LaTeX source, not as KaTeX's span soup.
    assert "アインシュタインの質能等価性: E = mc^2" in text
    assert r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}" in text
    kinds = [b.kind for b in extraction.answer.blocks]
    assert kinds == [BlockKind.paragraph, BlockKind.heading, *[BlockKind.list_item] * 5, BlockKind.paragraph]
    assert [(m.text, m.list_rank) for m in extraction.mentions][:2] == [
        ("アインシュタインの質能等価性", 1),
        ("二次方程式の解の公式", 2),
    ]


def test_deep_research_footnotes_resolve_to_the_used_sources(captures_dir: Path) -> None:
    extraction = read(captures_dir, REPORT)
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == []
    footnotes = extraction.citations
    assert len(footnotes) == 63 and all(c.kind is CitationKind.footnote for c in footnotes)
    labels = Counter(c.label for c in footnotes)
    assert len(labels) == 24 and labels["22"] == 7 and labels["3"] == 6 and max(int(k) for k in labels) == 37
    assert all(c.url for c in footnotes)
    assert len({c.canonical_url for c in footnotes}) == 24
    # 1-based: index 1 is the first used source; 28 sits after the passage about D2Snap's DOM downsampling.
    first = footnotes[0]
    assert (first.label, first.domain) == ("1", "nber.org")
    assert first.url == "https://www.nber.org/system/files/working_papers/w34202/w34202.pdf"
    d2snap = next(c for c in footnotes if c.label == "28")
    assert d2snap.url == "https://arxiv.org/html/2508.04412v1"
    assert d2snap.title == "Beyond Pixels: Exploring DOM Downsampling for LLM-Based Web Agents - arXiv"
    assert "D2Snap のような DOM ダウンサンプリングアルゴリズムである" in extraction.answer.text[: d2snap.char_start]
    assert footnotes == sorted(footnotes, key=lambda c: c.char_start or 0)


def test_deep_research_sources_are_the_used_then_unused_lists(captures_dir: Path) -> None:
    extraction = read(captures_dir, REPORT)
    sources = extraction.sources
    assert len(sources) == 63 and [s.position for s in sources] == list(range(1, 64))
    used = [s for s in sources if s.kind is SourceKind.listed]
    unused = [s for s in sources if s.kind is SourceKind.unused]
    assert len(used) == 37 and all(s.cited for s in used)
    assert len(unused) == 26 and not any(s.cited for s in unused)
    assert sources[:37] == used
    assert (used[1].site_name, used[1].url) == ("arxiv.org", "https://arxiv.org/pdf/2506.12594?")
    assert {c.canonical_url for c in extraction.citations} <= {s.canonical_url for s in used}
    # The same 63 addresses the page lists twice: the source lists and the thoughts panel's browse chips.
    tree = etree.HTML((captures_dir / "gemini" / REPORT).read_bytes())
    hrefs = tree.xpath("//a[@data-test-id='browse-web-item-link' or @data-test-id='browse-chip-link']/@href")
    assert len(hrefs) == 134
    assert {canonical_url(h) for h in hrefs} == {s.canonical_url for s in sources}


def test_deep_research_answer_is_the_report_only(captures_dir: Path) -> None:
    extraction = read(captures_dir, REPORT)
    text = extraction.answer.text
    assert text.startswith("Deep Research インターフェースの技術的設計")
    assert "製品インターフェースの特定" not in text  # a thought header of the collapsed thinking panel
    assert "Google スプレッドシートにエクスポート" not in text  # the table's export button
    assert "新しいウィンドウで開く" not in text
    tables = [b for b in extraction.answer.blocks if b.kind is BlockKind.table]
    assert len(tables) == 5 and tables[0].text.startswith("UI セクション | 主な機能と役割")
    assert all(0 <= c.char_start <= len(text) for c in extraction.citations if c.char_start is not None)
