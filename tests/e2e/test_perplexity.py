"""Perplexity end to end: every replica scenario through capture -> store -> extract, in real Chromium."""

from __future__ import annotations

import json

import pytest

from citewatch.models import CaptureStatus, CitationKind, ExtractionStatus
from citewatch.runner import capture_with_retries
from citewatch.scrapers.base import Target

pytestmark = pytest.mark.browser


@pytest.fixture
def capture(store, session, fast_retries):
    """Capture one prompt from a replica server the way `citewatch capture` does."""

    def run(server, prompt="best CRM for SaaS startups", timeout_s=30):
        return capture_with_retries(
            store,
            session,
            "perplexity",
            Target(prompt=prompt, base_url=f"{server.url}/", timeout_s=timeout_s),
            run_id=store.start_run(kind="test"),
            policy=fast_retries,
        )

    return run


def test_normal_answer_is_stored_and_extracted(store, capture, replica) -> None:
    summary = capture(replica("perplexity"))
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction is not None and extraction.status is ExtractionStatus.answered
    assert extraction.answer.text and len(extraction.answer.blocks) > 1
    assert extraction.citations and all(c.url and c.domain for c in extraction.citations)
    chips = [c for c in extraction.citations if c.kind is CitationKind.chip]
    assert chips and {c.kind for c in extraction.citations} <= {CitationKind.chip, CitationKind.inline_link}
    # citations were marked before the Links tab hid the answer; sources after it opened
    assert all(c.visible is True for c in chips)
    assert extraction.sources and all(s.visible is True for s in extraction.sources)
    cited = {c.canonical_url for c in extraction.citations}
    assert {s.canonical_url for s in extraction.sources if s.cited} == cited & {
        s.canonical_url for s in extraction.sources
    }
    assert not [w for w in extraction.warnings if w.startswith("engine_changed")]
    record = store.get_capture(summary.capture_id)
    assert set(record.artifacts) == {"dom", "screenshot", "network", "page_archive"}
    assert record.answer_seconds and record.answer_seconds > 0
    snapshot = store.load_snapshot(summary.capture_id)
    assert any("/rest/sse/perplexity_ask" in n.url and "COMPLETED" in n.body for n in snapshot.network)
    assert store.latest_extraction(summary.capture_id) == extraction


def test_grouped_chips_are_expanded_into_every_source(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "grouped"))
    assert summary.status is CaptureStatus.answered, summary.error
    groups: dict[str, list[str]] = {}
    for citation in summary.extraction.citations:
        if citation.group:
            groups.setdefault(citation.group, []).append(citation.url)
    assert groups, "the grouped scenario has +N chips"
    dom = store.load_snapshot(summary.capture_id).html_bytes().decode()
    for urls in groups.values():
        assert len(urls) == len(set(urls)) > 1
    assert dom.count("data-cw-group-urls") == len(groups)


def test_consent_banner_is_dismissed(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "consent"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations


def test_cloudflare_wall_is_blocked_kept_and_not_retried(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "cloudflare"))
    assert summary.status is CaptureStatus.blocked
    assert summary.attempt == 1
    record = store.get_capture(summary.capture_id)
    assert record.status == "blocked" and {"dom", "screenshot"} <= set(record.artifacts)
    assert summary.extraction.status is ExtractionStatus.blocked
    assert len(store.list_captures()) == 1


def test_login_wall_points_to_auth(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "login"))
    assert summary.status is CaptureStatus.login_required
    assert "citewatch auth perplexity" in summary.error
    assert len(store.list_captures()) == 1


def test_slow_answer_completes(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "slow"), timeout_s=60)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).answer_seconds >= 19


def test_broken_stream_is_incomplete_and_every_attempt_is_kept(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "broken"))
    assert summary.status is CaptureStatus.incomplete
    captures = store.list_captures()
    assert [c.attempt for c in captures] == [1, 2, 3]
    assert {c.status for c in captures} == {"incomplete"}
    for record in captures:  # the partial answer of each attempt is stored
        snapshot = store.load_snapshot(record.id)
        assert b"markdown-content-0" in snapshot.html_bytes()


def test_server_error_is_retried_then_answered(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "error500"))
    assert summary.status is CaptureStatus.answered
    assert [c.status for c in store.list_captures()] == ["error", "answered"]


def test_answer_without_sources(store, capture, replica) -> None:
    summary = capture(replica("perplexity", "no_sources"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations == [] and summary.extraction.sources == []
    assert summary.extraction.answer.text
    assert not [w for w in summary.extraction.warnings if w.startswith("engine_changed")]


def test_varying_sources_change_between_runs(store, capture, replica) -> None:
    server = replica("perplexity", "varying", seed=3)
    cited = []
    for _ in range(3):
        summary = capture(server)
        assert summary.status is CaptureStatus.answered
        cited.append(frozenset(c.canonical_url for c in summary.extraction.citations))
    assert len(set(cited)) > 1


def test_network_payload_is_json_events(store, capture, replica) -> None:
    summary = capture(replica("perplexity"))
    body = next(n.body for n in store.load_snapshot(summary.capture_id).network)
    events = [
        json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:") and line[5:].strip() != "{}"
    ]
    assert events[-1]["status"] == "COMPLETED"


def test_the_stored_screenshot_shows_the_answer_not_the_links_tab(store, capture, replica, monkeypatch) -> None:
    """The screenshot an analyst pastes is the answer view: at the moment the stored one was taken, the answer
    was on screen and the Links tab's panel was not (the Links tab, opened for the sources, hides the answer)."""
    from playwright.sync_api import Page

    from citewatch.scrapers.perplexity import SCRAPER

    taken: list[tuple[bytes, bool, bool]] = []
    screenshot = Page.screenshot

    def recording(self: Page, **kwargs: object) -> bytes:
        shot = screenshot(self, **kwargs)
        answer = self.locator(SCRAPER.answer).first.is_visible()
        links = self.locator('[role="tabpanel"][id$="-content-sources"]').first.is_visible()
        taken.append((shot, answer, links))
        return shot

    monkeypatch.setattr(Page, "screenshot", recording)
    summary = capture(replica("perplexity"))
    assert summary.status is CaptureStatus.answered, summary.error
    stored = store.artifact_bytes(store.get_capture(summary.capture_id).artifacts["screenshot"])
    states = [(answer, links) for shot, answer, links in taken if shot == stored]
    assert states == [(True, False)], f"the stored screenshot was taken with (answer, links) visible = {states}"
    # and the DOM kept is the one after the Links tab opened, so the sources are still extracted
    assert summary.extraction is not None and summary.extraction.sources
