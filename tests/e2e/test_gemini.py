"""Gemini end to end: every replica scenario through capture -> store -> extract, in real Chromium."""

from __future__ import annotations

import json
import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import etree

from citewatch.config import get_settings
from citewatch.models import CaptureStatus, CitationKind, ExtractionStatus, SourceKind
from citewatch.runner import capture_with_retries
from citewatch.scrapers.base import Target
from citewatch.scrapers.gemini import save_auth

pytestmark = pytest.mark.browser

PROMPT = "How do I start composting at home?"


@pytest.fixture
def capture(store, session, fast_retries):
    """Capture one prompt from a replica server the way `citewatch capture` does."""

    def run(server, prompt=PROMPT, timeout_s=30):
        return capture_with_retries(
            store,
            session,
            "gemini",
            Target(prompt=prompt, base_url=f"{server.url}/app", timeout_s=timeout_s),
            run_id=store.start_run(kind="test"),
            policy=fast_retries,
        )

    return run


def dom_of(store, summary):
    return etree.HTML(store.load_snapshot(summary.capture_id).html_bytes())


def engine_changed(extraction):
    return [w for w in extraction.warnings if w.startswith("engine_changed")]


def test_normal_answer_opens_every_chip_and_the_sources_dialog(store, capture, replica) -> None:
    summary = capture(replica("gemini"))
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.answered and extraction.warnings == []
    assert extraction.answer.text.startswith("Home composting turns kitchen scraps")
    assert "Gemini said" not in extraction.answer.text and "Show thinking" not in extraction.answer.text
    chips = [c for c in extraction.citations if c.kind is CitationKind.chip]
    assert chips and all(c.url and c.visible is True for c in chips)
    first_chip = [c.url for c in chips if c.group == "chip-1"]
    assert first_chip == [
        "https://www.rhs.org.uk/soil-composts-mulches/composting",
        "https://www.epa.gov/recycle/composting-home",
    ]
    links = [c for c in extraction.citations if c.kind is CitationKind.inline_link]
    assert [c.url for c in links] == [
        "https://wrap.org.uk/taking-action/food-drink/composting",
        "https://www.rhs.org.uk/soil-composts-mulches/composting",
    ]  # utm_source=gemini dropped
    # The Sources dialog lists one site no chip cites.
    uncited = [s.url for s in extraction.sources if not s.cited]
    assert uncited == ["https://www.theguardian.com/environment/composting"]
    dom = dom_of(store, summary)
    marked = dom.xpath("//*[@data-cw-group-urls]")
    assert [el.tag for el in marked] == ["source-inline-chip"] * 6 + ["sources-list"]
    assert json.loads(marked[0].get("data-cw-group-urls"))[1]["url"] == "https://www.epa.gov/recycle/composting-home"
    record = store.get_capture(summary.capture_id)
    assert set(record.artifacts) == {"dom", "screenshot", "network", "page_archive"}
    assert record.url.split("/app/")[1]  # the conversation's own URL
    network = store.load_snapshot(summary.capture_id).network
    assert any("StreamGenerate" in n.url and '"done": true' in n.body for n in network)
    assert store.latest_extraction(summary.capture_id) == extraction


def test_consent_and_try_gemini_gates_are_passed(store, capture, replica) -> None:
    summary = capture(replica("gemini", "consent"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations


def test_google_sorry_page_is_a_captcha_kept_and_not_retried(store, capture, replica) -> None:
    summary = capture(replica("gemini", "captcha"))
    assert summary.status is CaptureStatus.captcha
    assert summary.attempt == 1 and len(store.list_captures()) == 1
    record = store.get_capture(summary.capture_id)
    assert "/sorry/index" in record.url and {"dom", "screenshot"} <= set(record.artifacts)
    assert summary.extraction.status is ExtractionStatus.captcha


def test_signed_out_page_points_to_auth(store, capture, replica) -> None:
    summary = capture(replica("gemini", "login"))
    assert summary.status is CaptureStatus.login_required
    assert "citewatch auth gemini" in summary.error
    assert summary.extraction.status is ExtractionStatus.login_required
    assert len(store.list_captures()) == 1


def test_slow_answer_completes(store, capture, replica) -> None:
    summary = capture(replica("gemini", "slow"), timeout_s=60)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).answer_seconds >= 19


def test_broken_stream_is_incomplete_and_every_attempt_is_kept(store, capture, replica) -> None:
    summary = capture(replica("gemini", "broken"))
    assert summary.status is CaptureStatus.incomplete
    captures = store.list_captures()
    assert [c.attempt for c in captures] == [1, 2, 3] and {c.status for c in captures} == {"incomplete"}
    for record in captures:  # the partial answer of each attempt is stored
        assert b"model-response" in store.load_snapshot(record.id).html_bytes()


def test_answer_without_sources(store, capture, replica) -> None:
    summary = capture(replica("gemini", "no_sources"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations == [] and summary.extraction.sources == []
    assert summary.extraction.answer.text and summary.extraction.warnings == []


def test_varying_sources_change_between_runs(store, capture, replica) -> None:
    server = replica("gemini", "varying", seed=3)
    cited = []
    for _ in range(3):
        summary = capture(server)
        assert summary.status is CaptureStatus.answered
        cited.append(tuple(c.canonical_url for c in summary.extraction.citations if c.kind is CitationKind.chip))
    assert len(set(cited)) > 1


def test_deep_research_report_with_used_and_unused_sources(store, capture, replica) -> None:
    summary = capture(replica("gemini", "deep_research"), prompt="State of grid batteries in 2026")
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.answer.text.startswith("Grid Batteries in 2026")
    assert "I've completed your research" not in extraction.answer.text  # the chat line beside the panel
    footnotes = extraction.citations
    assert len(footnotes) == 10 and all(c.kind is CitationKind.footnote and c.url for c in footnotes)
    iron_air = next(c for c in footnotes if c.label == "5")
    assert iron_air.url == "https://formenergy.com/technology/battery-technology/"
    used = [s for s in extraction.sources if s.kind is SourceKind.listed]
    unused = [s for s in extraction.sources if s.kind is SourceKind.unused]
    assert len(used) == 6 and all(s.cited for s in used)
    assert len(unused) == 3 and not any(s.cited for s in unused)
    assert all(s.visible is True for s in extraction.sources)  # the unused list was expanded before marking
    assert not engine_changed(extraction)


def test_aria_busy_stuck_does_not_stop_the_capture(store, capture, replica) -> None:
    summary = capture(replica("gemini", "aria_busy_stuck"))
    assert summary.status is CaptureStatus.answered, summary.error
    markdown = dom_of(store, summary).xpath("//model-response//message-content/div")[0]
    assert markdown.get("aria-busy") == "true"
    assert summary.extraction.answer.text.endswith("RHS guide to making compost")


def test_save_auth_writes_a_private_session(replica) -> None:
    server = replica("gemini")
    # Its own browser, in its own thread: the sync API refuses to start inside pytest-playwright's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        saving = pool.submit(save_auth, base_url=f"{server.url}/app", wait=threading.Event().wait, headless=True)
        path = saving.result(timeout=120)
    assert path == get_settings().auth_dir / "gemini.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "cookies" in json.loads(path.read_text())
