"""Google AI Mode end to end: every replica scenario through capture -> store -> extract, in real Chromium."""

from __future__ import annotations

import pytest

from citewatch.models import CaptureStatus, CitationKind, ExtractionStatus, SourceKind
from citewatch.runner import capture_with_retries
from citewatch.scrapers.base import Target

pytestmark = pytest.mark.browser

SHOES = "best trail running shoes for beginners"


@pytest.fixture
def capture(store, session, fast_retries):
    """Capture one prompt from a replica server the way `citewatch capture` does."""

    def run(server, prompt=SHOES, timeout_s=30, locale="en-US"):
        return capture_with_retries(
            store,
            session,
            "google_ai_mode",
            Target(prompt=prompt, base_url=f"{server.url}/", timeout_s=timeout_s, locale=locale),
            run_id=store.start_run(kind="test"),
            policy=fast_retries,
        )

    return run


def test_normal_answer_opens_the_sources_dialog(store, capture, replica) -> None:
    server = replica("google_ai_mode")
    summary = capture(server)
    assert summary.status is CaptureStatus.answered, summary.error
    record = store.get_capture(summary.capture_id)
    assert "udm=50" in record.url and "hl=en" in record.url
    extraction = summary.extraction
    assert extraction is not None and extraction.status is ExtractionStatus.answered
    assert extraction.warnings == []
    assert [b.kind.value for b in extraction.answer.blocks][:3] == ["paragraph", "heading", "paragraph"]
    chips = extraction.citations
    assert len(chips) == 8 and all(c.kind is CitationKind.chip and c.url for c in chips)
    assert all(c.visible is True for c in chips)
    groups = {c.group for c in chips if c.group}
    assert len(groups) == 2  # a paragraph's button and a list's button each stand for several sources
    # all seven cards of the "7 sites" dialog were read, after the click that opened it
    assert len(extraction.sources) == 7 and all(s.visible is True for s in extraction.sources)
    assert [s.cited for s in extraction.sources].count(False) == 1
    assert {c.canonical_url for c in chips} == {s.canonical_url for s in extraction.sources if s.cited}
    assert extraction.related_questions == ["Are trail shoes good on roads?", "How long do trail shoes last?"]
    assert {"Ridgeline 3", "Cloudpath Trail", "Granite Pro"} <= {m.text for m in extraction.mentions}
    dom = store.load_snapshot(summary.capture_id).html_bytes().decode()
    assert 'role="dialog"' in dom and "data-cw-box" in dom
    assert record.answer_seconds and record.answer_seconds > 0


def test_localised_page_reads_the_same(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode"), prompt="kawa w Gdańsku, coffee near the harbour", locale="pl-PL")
    assert summary.status is CaptureStatus.answered, summary.error
    dom = store.load_snapshot(summary.capture_id).html_bytes().decode()
    assert 'aria-label="4 witryn"' in dom and "View related links" not in dom
    extraction = summary.extraction
    assert extraction.warnings == []
    places = [s for s in extraction.sources if s.kind is SourceKind.place]
    assert [s.title for s in places] == ["Kawiarnia Przystań", "Palarnia Mewa"]
    assert all(s.cited for s in places)


def test_consent_interstitial_is_passed(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode", "consent"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations and summary.extraction.sources


def test_captcha_is_kept_and_not_retried(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode", "captcha"))
    assert summary.status is CaptureStatus.captcha
    assert summary.attempt == 1
    record = store.get_capture(summary.capture_id)
    assert "/sorry/index" in record.url and {"dom", "screenshot"} <= set(record.artifacts)
    assert summary.extraction.status is ExtractionStatus.captcha
    assert len(store.list_captures()) == 1


def test_slow_answer_completes(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode", "slow"), timeout_s=60)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).answer_seconds >= 19


def test_broken_stream_is_incomplete_and_every_attempt_is_kept(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode", "broken"))
    assert summary.status is CaptureStatus.incomplete
    captures = store.list_captures()
    assert [c.attempt for c in captures] == [1, 2, 3]
    assert {c.status for c in captures} == {"incomplete"}
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.error and extraction.answer.text  # the partial answer is kept
    assert any(w.startswith("the engine stopped the answer with an error") for w in extraction.warnings)


def test_answer_without_sources(store, capture, replica) -> None:
    summary = capture(replica("google_ai_mode", "no_sources"))
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.citations == [] and extraction.sources == []
    assert extraction.answer.text and extraction.warnings == []


def test_varying_sources_change_between_runs(store, capture, replica) -> None:
    server = replica("google_ai_mode", "varying", seed=5)
    cited = []
    for _ in range(3):
        summary = capture(server)
        assert summary.status is CaptureStatus.answered, summary.error
        cited.append(frozenset(c.canonical_url for c in summary.extraction.citations))
    assert len(set(cited)) > 1
