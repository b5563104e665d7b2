"""The ChatGPT extractor on real saved pages (../shared/captures/chatgpt; facts in its README).

Counts not in the README were checked by hand with lxml on the files: the conversation's 32 pills are all in
the research answer (message e9b10b50…), 26 labelled `help.openai.com` and 6 `openai.com`; its assistant
messages hold 5 headings (h1/h2) and 8 KaTeX formulas (the last answer), each with its TeX source.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from citewatch.extract import extract_html, extract_snapshot
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus, NetworkRecord, Snapshot, SourceKind

pytestmark = pytest.mark.captures

CONVERSATION = "obsidian-ai-exporter_chat-simple.html"
HELP_PAGE = "https://help.openai.com/en/articles/9260256-chatgpt-capabilities-overview"


def read(captures_dir: Path, name: str) -> Extraction:
    return extract_html("chatgpt", (captures_dir / "chatgpt" / name).read_bytes())


def test_logged_in_conversation(captures_dir: Path) -> None:
    extraction = read(captures_dir, CONVERSATION)
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == ["the page holds 6 assistant turns; all of them were read"]
    pills = extraction.citations
    assert len(pills) == 32 and all(c.kind is CitationKind.chip for c in pills)
    assert Counter(c.label for c in pills) == {"help.openai.com": 26, "openai.com": 6}
    # utm_source and the #:~:text= fragments are dropped: 3 distinct pages behind the 32 pills.
    assert Counter(c.canonical_url for c in pills) == {
        HELP_PAGE: 26,
        "https://openai.com/index/gpt-4-research/": 5,
        "https://openai.com/index/hello-gpt-4o/": 1,
    }
    first = pills[0]
    assert first.url == f"{HELP_PAGE}#:~:text=,concepts" and first.domain == "openai.com"
    assert extraction.answer.text[: first.char_start].endswith("多様なタスクに対応します")
    assert [c.position for c in pills] == list(range(1, 33))
    assert not any(c.group for c in pills)  # a saved page without capture marks: no popover was paged
    assert [s.canonical_url for s in extraction.sources] == list(dict.fromkeys(c.canonical_url for c in pills))
    assert all(s.cited and s.kind is SourceKind.listed for s in extraction.sources)


def test_conversation_blocks_and_formulas(captures_dir: Path) -> None:
    extraction = read(captures_dir, CONVERSATION)
    blocks = extraction.answer.blocks
    assert [b.text for b in blocks[:2]] == ["はい", "いいえ"]
    headings = [b.text for b in blocks if b.kind is BlockKind.heading]
    assert len(headings) == 5 and headings[0] == "ChatGPTの機能概要"
    # Formulas read as their TeX source, not as KaTeX's visual spans.
    assert "一次方程式： ax + b = 0" in [b.text for b in blocks]
    assert "\\int e^{x}\\,dx = e^{x} + C" in extraction.answer.text
    assert blocks[-1].text == "必要であれば、特定分野（物理・機械学習・暗号など）の数式も表示できます。"
    assert {"質問回答や概念説明", "文章生成・編集"} <= {m.text for m in extraction.mentions}
    assert "You said" not in extraction.answer.text and "ChatGPT said" not in extraction.answer.text


def test_cloudflare_block_page(captures_dir: Path) -> None:
    extraction = read(captures_dir, "seanbetts_chatgpt_backend-anon_403_cloudflare.html")
    assert extraction.status is ExtractionStatus.blocked
    assert extraction.citations == [] and extraction.answer.text == ""


def test_logged_out_home_is_not_an_answer(captures_dir: Path) -> None:
    extraction = read(captures_dir, "seanbetts_chatgpt_anon_home_2025-11-27.html")
    assert extraction.status is ExtractionStatus.no_answer
    assert extraction.warnings == [] and extraction.citations == [] and extraction.sources == []


def test_anonymous_network_log_with_its_refused_calls(captures_dir: Path) -> None:
    log = json.loads((captures_dir / "chatgpt" / "seanbetts_chatgpt_anon_network_capture_2025-11-27.json").read_text())
    assert len(log["responses"]) == 22
    records = [
        NetworkRecord(url=r["url"], status=r["status"], content_type=r.get("content_type") or None, body=r["body"])
        for r in log["responses"]
    ]
    home = log["responses"][0]["body"]
    extraction = extract_snapshot(Snapshot(engine="chatgpt", html=home, url="https://chatgpt.com/", network=records))
    # The home page shows no answer because every /backend-anon/* call got Cloudflare's 403 body.
    assert extraction.status is ExtractionStatus.blocked
    (warning,) = extraction.warnings
    assert warning.startswith("a backend call was refused by a bot wall (HTTP 403 at https://chatgpt.com/backend-anon/")
    # Without the network log the same page is only a logged-out home.
    assert extract_html("chatgpt", home).status is ExtractionStatus.no_answer
