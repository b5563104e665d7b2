"""The Google AI Mode extractor on the real saved page (../shared/captures/google_ai_mode; facts in its README).

The page is Polish (hl=pl): nothing is matched on visible text. Its facts were checked with lxml by hand:
one turn, 12 citation buttons, 19 source cards (3 in the right column, 16 in the opened dialog) over 15
distinct URLs, the dialog's button reading "15 witryn".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from citewatch.extract import extract_html
from citewatch.extract._urls import canonical_url
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus, SourceKind

pytestmark = pytest.mark.captures

PAGE = "aiseo_job104_ai_mode_pl_best_italian_restaurants_rome.html"


@pytest.fixture(scope="module")
def page(captures_dir: Path) -> bytes:
    return (captures_dir / "google_ai_mode" / PAGE).read_bytes()


@pytest.fixture(scope="module")
def extraction(page: bytes) -> Extraction:
    return extract_html("google_ai_mode", page)


def test_status_and_warnings(extraction: Extraction) -> None:
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == [
        "snapshot looks truncated: it does not end with a closing tag",  # the author cut it at 1,000,000 chars
        "a consent dialog was open over the answer",
        "5 of 12 citation buttons have no source in the snapshot (their data islands were not loaded)",
    ]


def test_answer_blocks_without_the_ui_around_them(extraction: Extraction) -> None:
    text = extraction.answer.text
    assert text.startswith("Wybór najlepszej restauracji w Rzymie w 2026 roku zależy od tego")
    assert text.endswith("zazwyczaj jest dobrej jakości i w bardzo przystępnej cenie.")
    kinds = Counter(b.kind for b in extraction.answer.blocks)
    assert kinds == {BlockKind.paragraph: 4, BlockKind.heading: 4, BlockKind.list_item: 15}
    headings = [b.text for b in extraction.answer.blocks if b.kind is BlockKind.heading]
    assert headings == [
        "Ikony Kuchni Rzymskiej",
        "Najlepsze na Zatybrzu (Trastevere) i Testaccio",
        "Ekskluzywne i Fine Dining (2026)",
        "Praktyczne wskazówki na 2026 rok",
    ]
    # The disclaimer, feedback, share controls and suggestion chips sit in the same column, but are not prose.
    for chrome in ("Odpowiedzi wygenerowane przez AI", "Pomocne", "Dziękujemy", "Tworzę link", "Any other trattorias"):
        assert chrome not in text


def test_every_citation_button_is_reported_in_reading_order(extraction: Extraction, page: bytes) -> None:
    tree = etree.fromstring(page, etree.HTMLParser(encoding="utf-8"))
    uuids = tree.xpath("//button[@data-icl-uuid]/@data-icl-uuid")
    assert len(uuids) == 12
    citations = extraction.citations
    assert all(c.kind is CitationKind.chip for c in citations)
    assert [c.position for c in citations] == list(range(1, len(citations) + 1))
    assert len(citations) == 30
    # One row per source a button stands for: seven buttons resolve (to 1, 3, 6, 1, 5, 5 and 4 sources).
    anchors = [(c.block_index, c.char_start) for c in citations]
    assert len(set(anchors)) == 12 and anchors == sorted(anchors)
    unresolved = [c for c in citations if c.url is None]
    assert len(unresolved) == 5 and all(c.group for c in unresolved)
    text = extraction.answer.text
    assert all(0 <= c.char_start <= len(text) for c in citations)


def test_citations_resolve_through_the_islands(extraction: Extraction) -> None:
    first = extraction.citations[0]  # engines.md §5.2: uuid c0c81015… -> src 29 -> the Tripadvisor pasta page
    assert first.group is None and first.block_index == 0
    assert first.url == "https://www.tripadvisor.com/Restaurants-g187791-zfd10678-Rome_Lazio-Pasta.html"
    assert first.title == "THE BEST Pasta in Rome (Updated January 2026) - Tripadvisor"
    assert extraction.answer.text[: first.char_start].endswith("podzielone na kategorie.")
    # engines.md §5.2: another uuid -> src 24 and 26 (a multi-source citation); its rows share a group.
    group = [c for c in extraction.citations if c.group == "3dc3390b-5e7b-4e9c-95a7-cd3a76921cdc"]
    urls = {c.url for c in group}
    assert "https://www.tripadvisor.com/Restaurants-g187791-zft10613-Rome_Lazio.html" in urls
    assert "https://www.theitalyedit.com/the-best-new-restaurants-in-rome-2026/" in urls
    assert len(group) == 3 and len({(c.block_index, c.char_start) for c in group}) == 1
    # The last list's button resolves through the sfX1rc link islands to two place cards and two Yelp pages.
    last = [c for c in extraction.citations if c.group == "3b87b0cc-ef12-4ce0-b53f-94186a11abe7"]
    assert [c.domain for c in last] == ["google.com", "yelp.com", "yelp.com", "google.com"]
    assert last[0].title == "Roscioli Salumeria con Cucina"


def test_sources_deduplicated_in_display_order(extraction: Extraction, page: bytes) -> None:
    tree = etree.fromstring(page, etree.HTMLParser(encoding="utf-8"))
    cards = tree.xpath("//div[@data-src-id]")
    assert len(cards) == 19
    card_urls = {canonical_url(card.xpath(".//a[@href]/@href")[0]) for card in cards}
    sources = extraction.sources
    assert len(sources) == 15 and len(card_urls) == 15
    assert {s.canonical_url for s in sources} == card_urls
    assert [s.position for s in sources] == list(range(1, 16))
    # The right column's three preview cards come first, then the dialog's new ones.
    assert [s.url for s in sources[:3]] == [
        "https://www.google.com/viewer/place?mid=/g/11bzt49h25",
        "https://www.trvbox.com/great-italian-restaurants-in-rome/",
        "https://luggageandlife.com/where-to-eat-in-the-testaccio-neighborhood-of-rome/",
    ]
    places = [s for s in sources if s.kind is SourceKind.place]
    assert [s.title for s in places] == [
        "Tonnarello | Paglia",
        "Roscioli Salumeria con Cucina",
        "Trattoria Vecchia Roma",
    ]
    assert all(s.domain == "google.com" and s.site_name == "Google" for s in places)
    assert all(s.kind is SourceKind.card for s in sources if s not in places)
    trvbox = sources[1]
    assert (trvbox.title, trvbox.site_name, trvbox.published) == (
        "Great Italian restaurants in Rome - Traveling outside the box",
        "Traveling outside the box",
        "24 lis 2025",
    )
    assert trvbox.snippet is not None and trvbox.snippet.startswith("Table of content hide")
    assert all(s.cited for s in sources)
    cited = {c.canonical_url for c in extraction.citations if c.canonical_url}
    assert len(cited) == 16  # the 15 listed, and one page only a citation's card names
    # The dialog's "15 witryn" matches what was read, so no engine_changed contract broke.
    assert not [w for w in extraction.warnings if w.startswith("engine_changed")]


def test_mentions_and_suggestions(extraction: Extraction) -> None:
    mentions = [(m.text, m.list_rank) for m in extraction.mentions]
    assert mentions[:4] == [
        ("Carbonara", None),
        ("Amatriciana", None),
        ("Cacio e Pepe", None),
        (
            "Roscioli Salumeria con Cucina",
            1,
        ),
    ]
    names = {m.text for m in extraction.mentions}
    assert {"Armando al Pantheon", "Tonnarello", "SantoPalato", "Casa Savoia", "vino della casa"} <= names
    assert "Ikony Kuchni Rzymskiej" not in names  # a bold heading is a section title, not a highlighted name
    assert len(extraction.mentions) == 25
    assert extraction.related_questions == [
        "Any other trattorias on Trastevere?",
        "What are Roman food specialties?",
        "How can I get to Testaccio?",
    ]
    assert extraction.search_queries == [] and extraction.organic_results == []
