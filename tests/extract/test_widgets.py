"""Widgets are sources, not citations: the routes that find them when ChatGPT renames or drops a hook.

The golden cases (fixtures/chatgpt/news-carousel, product-carousel, widgets-and-math) prove the pages as written;
these tests change one hook at a time on the news-carousel page and check the cards are still read as carousel
sources, never as citations, or that a missing widget is reported rather than silently lost.
"""

from __future__ import annotations

from pathlib import Path

from citewatch.extract import extract_snapshot
from citewatch.extract.contracts import ENGINE_CHANGED
from citewatch.models import CitationKind, Extraction, SourceKind
from citewatch.quality.gate import load_case

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "chatgpt" / "news-carousel"
CAROUSEL_CARDS = {
    "https://www.northbaydaily.com/news/2026/11/harbour-tram-line-opening-date-set",
    "https://civictransitreview.org/articles/harbour-line-signalling-delays",
    "https://www.lakesideherald.com/local/tram-depot-neighbours-noise-complaints",
    "https://www.northbaydaily.com/news/2026/11/tram-fares-explained",
}
VIDEO = "https://www.youtube.com/watch?v=hTr4mLine01"
TIMETABLE = "https://www.harbourcity.gov/transport/harbour-line/timetable"


def extract(edit: tuple[str, str] | None = None, *, stream: bool = True) -> Extraction:
    snapshot = load_case(CASE)
    html = snapshot.html if isinstance(snapshot.html, str) else snapshot.html.decode()
    if edit is not None:
        assert edit[0] in html
        html = html.replace(*edit)
    return extract_snapshot(snapshot.model_copy(update={"html": html, "network": snapshot.network if stream else []}))


def by_kind(extraction: Extraction, kind: SourceKind) -> set[str]:
    return {s.canonical_url for s in extraction.sources if s.kind is kind and s.canonical_url}


def test_the_cards_are_sources_of_their_kind_and_never_citations() -> None:
    extraction = extract()
    assert by_kind(extraction, SourceKind.carousel) == CAROUSEL_CARDS
    assert by_kind(extraction, SourceKind.video) == {VIDEO}
    # The prose cites three pills and one link; no card link is an inline citation.
    assert [c.kind for c in extraction.citations] == [CitationKind.chip] * 3 + [CitationKind.inline_link]
    assert extraction.citations[-1].canonical_url == TIMETABLE
    # A card is cited only when a pill in the prose points at the same page.
    cited = {s.canonical_url for s in extraction.sources if s.cited} & (CAROUSEL_CARDS | {VIDEO})
    assert cited == {c.canonical_url for c in extraction.citations} & CAROUSEL_CARDS
    assert "Depot neighbours" not in extraction.answer.text  # a card's headline is not prose


def test_a_renamed_carousel_testid_is_found_by_its_card_track() -> None:
    extraction = extract(('data-testid="nav-list-widget"', 'data-testid="rich-list-v2"'), stream=False)
    assert by_kind(extraction, SourceKind.carousel) == CAROUSEL_CARDS
    assert by_kind(extraction, SourceKind.video) == {VIDEO}
    assert [c.kind for c in extraction.citations].count(CitationKind.inline_link) == 1
    assert extraction.warnings == []


def test_a_carousel_the_stream_lists_but_the_page_lacks_is_reported_and_kept() -> None:
    # Without its testid and its card track (both renamed), the carousel is prose again: the stream's
    # nav_list reference still names its cards, and the change is reported.
    snapshot = load_case(CASE)
    html = snapshot.html if isinstance(snapshot.html, str) else snapshot.html.decode()
    html = html.replace('data-testid="nav-list-widget"', "").replace("snap-start", "shrink-0")
    extraction = extract_snapshot(snapshot.model_copy(update={"html": html}))
    assert any(w.startswith(f"{ENGINE_CHANGED}: the stream shows a carousel widget") for w in extraction.warnings)
    assert {s.canonical_url for s in extraction.sources} >= CAROUSEL_CARDS
