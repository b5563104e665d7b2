"""Google AI Overviews end to end: every replica scenario through capture -> store -> extract, in real Chromium.

The replica serves the current layout (engines.md §4.3) by default and the July 2025 one (§4.2) as the
`layout_2025_07` scenario: both must end answered with the right citations and sources.
"""

from __future__ import annotations

import pytest
from lxml import etree

from citewatch.models import CaptureStatus, CitationKind, ExtractionStatus, SourceKind
from citewatch.runner import capture_with_retries
from citewatch.scrapers.base import Target

pytestmark = pytest.mark.browser

KETTLE = "best electric kettle"
KETTLE_ORGANIC = [
    "homeappliance-lab.com",
    "consumer-picks.com",
    "kitchenwise.co.uk",
    "brightmart.co.uk",
    "techreview-daily.com",
]


@pytest.fixture
def capture(store, session, fast_retries):
    """Capture one query from a replica server the way `citewatch capture` does."""

    def run(server, prompt=KETTLE, timeout_s=30, locale="en-GB"):
        return capture_with_retries(
            store,
            session,
            "google_aio",
            Target(prompt=prompt, base_url=f"{server.url}/", timeout_s=timeout_s, locale=locale),
            run_id=store.start_run(kind="test"),
            policy=fast_retries,
        )

    return run


KETTLE_SOURCES = [
    "homeappliance-lab.com",
    "kitchenwise.co.uk",
    "quietliving.net",
    "tea-lovers.org",
    "energysaver-hub.org",
    "brightmart.co.uk",
    "safety-standards.org",
    "cleaninghacks.net",
]
KETTLE_KINDS = ["paragraph", "heading", *["list_item"] * 4, "heading", "paragraph"]


def test_current_layout_is_expanded_and_every_button_resolved(store, capture, replica) -> None:
    summary = capture(replica("google_aio"))
    assert summary.status is CaptureStatus.answered, summary.error
    record = store.get_capture(summary.capture_id)
    assert "/search?q=best+electric+kettle&hl=en&gl=GB" in record.url
    extraction = summary.extraction
    assert extraction is not None and extraction.status is ExtractionStatus.answered
    assert extraction.warnings == []  # expanded, every button resolved, no contract broken
    assert [b.kind.value for b in extraction.answer.blocks] == KETTLE_KINDS
    assert extraction.answer.blocks[5].text.startswith("Safety: Automatic shut-off")
    # Seven buttons, three of them standing for two sources: ten citations, all resolved through the islands.
    citations = extraction.citations
    assert len(citations) == 10 and len({(c.block_index, c.char_start) for c in citations}) == 7
    assert all(c.kind is CitationKind.chip and c.url and c.visible is True for c in citations)
    assert [c.domain for c in citations[:2]] == ["homeappliance-lab.com", "kitchenwise.co.uk"]
    assert citations[0].group and citations[0].group == citations[1].group
    # The cards (preview, then the dialog the scraper opened) and the hidden list: eight sources, once each.
    sources = extraction.sources
    assert [s.domain for s in sources] == KETTLE_SOURCES
    assert all(s.kind is SourceKind.card and s.visible is True for s in sources)
    assert [s.domain for s in sources if not s.cited] == ["cleaninghacks.net"]
    assert {s.canonical_url for s in sources if s.cited} == {c.canonical_url for c in citations}
    assert sources[0].published == "14 Jan 2025" and sources[0].site_name == "Home Appliance Lab"
    assert [r.domain for r in extraction.organic_results] == KETTLE_ORGANIC
    assert {"Capacity", "Temperature control", "Noise", "Safety"} <= {m.text for m in extraction.mentions}
    dom = store.load_snapshot(summary.capture_id).html_bytes().decode()
    assert 'jsaction="trigger.OiPALb" aria-expanded="true"' in dom
    # The placeholders were marked as not displayed, the dialog's cards (the dialog was opened) as displayed.
    tree = etree.fromstring(dom.encode(), etree.HTMLParser(encoding="utf-8"))
    marks = tree.xpath("//span[@jsname='lGsj1' or @jsname='L1sC6e']/@data-cw-visible")
    assert marks == ["0", "0"]
    assert tree.xpath("//*[@role='dialog']//div[@data-src-id]/@data-cw-visible") == ["1"] * 8
    assert store.latest_extraction(summary.capture_id) == extraction


def test_spanish_page_with_cards_only(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "cards_only"), locale="es-ES")
    assert summary.status is CaptureStatus.answered, summary.error
    assert "hl=es&gl=ES" in store.get_capture(summary.capture_id).url
    dom = store.load_snapshot(summary.capture_id).html_bytes().decode()
    assert "Ver enlaces relacionados" in dom and "LLtSOc" not in dom  # Spanish labels, no list at all
    extraction = summary.extraction
    assert extraction.warnings == []
    assert [s.domain for s in extraction.sources] == KETTLE_SOURCES
    assert {s.kind for s in extraction.sources} == {SourceKind.card}
    assert len(extraction.citations) == 10 and all(c.url for c in extraction.citations)


def test_source_list_split_over_two_lists_is_read_whole(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "split_list"))
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.warnings == []
    sources = extraction.sources
    # Three preview cards, then the list: its first <ul> repeats them, its second (behind "Show all") adds five.
    assert [s.domain for s in sources] == KETTLE_SOURCES
    assert [s.kind for s in sources] == [SourceKind.card] * 3 + [SourceKind.listed] * 5
    assert all(s.visible is True for s in sources)  # "Show all" was opened
    assert [s.domain for s in sources if not s.cited] == ["cleaninghacks.net"]


def test_july_2025_layout_is_expanded_and_every_cluster_opened(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "layout_2025_07"))
    assert summary.status is CaptureStatus.answered, summary.error
    record = store.get_capture(summary.capture_id)
    assert "/search?q=best+electric+kettle&hl=en&gl=GB" in record.url
    extraction = summary.extraction
    assert extraction is not None and extraction.status is ExtractionStatus.answered
    assert extraction.warnings == []  # expanded, every cluster opened, no contract broken
    assert [b.kind.value for b in extraction.answer.blocks] == KETTLE_KINDS
    # "Show more" was clicked: the list items Google renders late are in the saved DOM.
    assert extraction.answer.blocks[5].text.startswith("Safety: Automatic shut-off")
    citations = extraction.citations
    assert all(c.kind is CitationKind.chip and c.url and c.visible is True for c in citations)
    assert len({c.group for c in citations}) == 7 and len(citations) == 10
    assert [c.block_index for c in citations if c.group == citations[0].group] == [0, 0]  # one cluster, two links
    # "Show all" was opened: all eight sources, one of them behind no cluster.
    sources = extraction.sources
    assert len(sources) == 8 and all(s.visible is True for s in sources)
    assert [s.domain for s in sources if not s.cited] == ["cleaninghacks.net"]
    assert {s.canonical_url for s in sources if s.cited} == {c.canonical_url for c in citations}
    assert sources[0].published == "14 Jan 2025" and sources[0].site_name == "Home Appliance Lab"
    # The organic results beside the overview, and which of them the overview also cites.
    assert [r.domain for r in extraction.organic_results] == KETTLE_ORGANIC
    cited = {s.canonical_url for s in sources if s.cited}
    assert [r.position for r in extraction.organic_results if r.canonical_url in cited] == [1, 3]
    assert len(extraction.related_questions) == 3
    assert {"Capacity", "Temperature control", "Noise", "Safety"} <= {m.text for m in extraction.mentions}
    snapshot = store.load_snapshot(summary.capture_id)
    dom = snapshot.html_bytes().decode()
    assert dom.count("data-cw-group-urls") == 7 and 'jsaction="trigger.OiPALb" aria-expanded="true"' in dom
    assert [n.status for n in snapshot.network if "/async/folsrch" in n.url] == [200]
    assert record.answer_seconds and record.answer_seconds > 0
    assert store.latest_extraction(summary.capture_id) == extraction


@pytest.mark.parametrize("scenario", ["normal", "layout_2025_07"])
def test_localised_page_reads_the_same(store, capture, replica, scenario) -> None:
    server = replica("google_aio", scenario)
    english = capture(server).extraction
    german = capture(server, locale="de-DE")
    assert german.status is CaptureStatus.answered, german.error
    assert "hl=de&gl=DE" in store.get_capture(german.capture_id).url
    dom = store.load_snapshot(german.capture_id).html_bytes().decode()
    assert "Zugehörige Links ansehen" in dom and "View related links" not in dom  # every label is German
    assert german.extraction.answer == english.answer
    assert [c.url for c in german.extraction.citations] == [c.url for c in english.citations]
    assert [s.url for s in german.extraction.sources] == [s.url for s in english.sources]


def test_results_page_without_overview_is_no_answer_with_organic_results(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "no_overview"))
    assert summary.status is CaptureStatus.no_answer, summary.error
    assert summary.attempt == 1
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.no_answer and extraction.warnings == []
    assert extraction.citations == [] and extraction.sources == []
    assert [r.domain for r in extraction.organic_results] == KETTLE_ORGANIC
    assert store.get_capture(summary.capture_id).status == "no_answer"


def test_failed_overview_is_retried_and_every_attempt_is_kept(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "overview_failed"))
    assert summary.status is CaptureStatus.error
    assert "could not generate an AI Overview" in summary.error
    captures = store.list_captures()
    assert [c.attempt for c in captures] == [1, 2, 3] and {c.status for c in captures} == {"error"}
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.error
    assert extraction.warnings == ["the engine could not generate an AI Overview for this search"]
    assert [r.domain for r in extraction.organic_results] == KETTLE_ORGANIC  # the results page itself was fine
    # The wait ended on the failure it saw: the placeholders' display is recorded all the same.
    dom = store.load_snapshot(summary.capture_id).html_bytes()
    tree = etree.fromstring(dom, etree.HTMLParser(encoding="utf-8"))
    assert tree.xpath("//span[@jsname='L1sC6e']/@data-cw-visible") == ["1"]
    assert tree.xpath("//span[@jsname='lGsj1']/@data-cw-visible") == ["0"]


def test_consent_interstitial_is_passed(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "consent"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert summary.extraction.citations and summary.extraction.organic_results


def test_sorry_page_is_a_captcha_kept_and_not_retried(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "captcha"))
    assert summary.status is CaptureStatus.captcha
    assert summary.attempt == 1 and len(store.list_captures()) == 1
    record = store.get_capture(summary.capture_id)
    assert "/sorry/index" in record.url and {"dom", "screenshot"} <= set(record.artifacts)
    assert summary.extraction.status is ExtractionStatus.captcha


def test_slow_overview_is_waited_for(store, capture, replica) -> None:
    summary = capture(replica("google_aio", "slow"), timeout_s=60)
    assert summary.status is CaptureStatus.answered, summary.error
    assert len(summary.extraction.citations) == 10 and summary.extraction.warnings == []
    assert all(c.url for c in summary.extraction.citations)
    assert store.get_capture(summary.capture_id).answer_seconds >= 19  # the deferred overview took 20 s


def test_varying_sources_change_between_runs(store, capture, replica) -> None:
    server = replica("google_aio", "varying", seed=3)
    cited = []
    for _ in range(3):
        summary = capture(server)
        assert summary.status is CaptureStatus.answered, summary.error
        cited.append(tuple(c.canonical_url for c in summary.extraction.citations))
    assert len(set(cited)) > 1
