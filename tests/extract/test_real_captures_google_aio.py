"""The Google AI Overview extractor on real saved results pages (../shared/captures/google_aio; facts in its
README and engines.md §4.2 (July 2025 layout) and §4.3 (current layout), counts re-checked with lxml below)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from citewatch.extract import extract_html
from citewatch.extract._urls import canonical_url
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus, SourceKind

pytestmark = pytest.mark.captures

WITH_AIO = "testcheck_serp_with_aio_best_cars_in_india_for_family_2025-07.html"
NO_AIO = "testcheck_serp_no_aio_best_cars_under_20_lakhs_2025-07.html"


def page(captures_dir: Path, name: str) -> bytes:
    return (captures_dir / "google_aio" / name).read_bytes()


def read(captures_dir: Path, name: str) -> Extraction:
    return extract_html("google_aio", page(captures_dir, name))


def test_overview_text_is_its_29_sentences_in_16_blocks(captures_dir: Path) -> None:
    extraction = read(captures_dir, WITH_AIO)
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == [
        "13 of 13 citation clusters were not opened: the links behind them are not in the snapshot",
        'the AI Overview was collapsed ("Show more" not opened): it may be cut short',
    ]
    blocks = extraction.answer.blocks
    heading, item, para = BlockKind.heading, BlockKind.list_item, BlockKind.paragraph
    assert [b.kind for b in blocks] == [para, heading, *[item] * 5, heading, *[item] * 2, heading, *[item] * 5]
    assert [b.text for b in blocks if b.kind is heading] == [
        "Detailed Considerations:",
        "Other notable options:",
        "Factors to Consider When Choosing:",
    ]
    # Two sentences each: the paragraph, and every list item (its bold lead, then its description).
    assert blocks[0].text == (
        "For families in India, the best car choices often include the Maruti Suzuki Ertiga, Kia Carens, Toyota"
        " Innova Hycross, and Tata Nexon, depending on seating capacity and budget. These vehicles offer a balance"
        " of space, features, and reliability for family travel."
    )
    assert blocks[2].text.startswith("Maruti Suzuki Ertiga: A popular choice for its spacious 7-seater")
    assert blocks[-1].text == (
        "Safety Ratings: Look for cars with high safety ratings to ensure the well-being of your family."
    )
    # Nothing of the module's chrome: heading, placeholders, source list, disclaimer.
    text = extraction.answer.text
    for chrome in ("AI Overview", "not available", "Can't generate", "NorthFleet", "Show all", "may include mistakes"):
        assert chrome not in text
    tree = etree.fromstring(page(captures_dir, WITH_AIO), etree.HTMLParser(encoding="utf-8"))
    sentences = tree.xpath("//*[@id='m-x-content']//span[@data-huuid]")
    assert len(sentences) == 29
    assert all(" ".join("".join(s.itertext()).split()) in text for s in sentences)


def test_each_of_the_13_clusters_follows_the_sentences_it_supports(captures_dir: Path) -> None:
    extraction = read(captures_dir, WITH_AIO)
    clusters = extraction.citations
    assert len(clusters) == 13 and all(c.kind is CitationKind.chip for c in clusters)
    assert len({c.group for c in clusters}) == 13
    assert all(c.url is None and c.visible is None for c in clusters)  # panels not opened by that capture
    # Every block but the headings ends with one cluster, placed right after its last sentence.
    blocks = extraction.answer.blocks
    assert [c.block_index for c in clusters] == [b.index for b in blocks if b.kind is not BlockKind.heading]
    starts = {b.index: extraction.answer.text.index(b.text) for b in blocks}
    assert all(c.char_start == starts[c.block_index] + len(blocks[c.block_index].text) for c in clusters)
    first, last = clusters[0], clusters[-1]
    assert (first.group, first.block_index, first.char_start) == ("a222bbb9-ad25-41a1-a103-837c96544eb2", 0, 262)
    assert (last.group, blocks[last.block_index].text[:15]) == (
        "a33b18c8-e5f4-48fa-aed5-d0a3a6b15d6b",
        "Safety Ratings:",
    )


def test_the_source_list_rendered_twice_gives_35_sources(captures_dir: Path) -> None:
    extraction = read(captures_dir, WITH_AIO)
    tree = etree.fromstring(page(captures_dir, WITH_AIO), etree.HTMLParser(encoding="utf-8"))
    anchors = tree.xpath("//li[contains(@class, 'LLtSOc')]//a[contains(@class, 'KEVENd')]/@href")
    assert len(anchors) == 38
    distinct = list(dict.fromkeys(canonical_url(str(href)) for href in anchors))
    sources = extraction.sources
    assert [s.canonical_url for s in sources] == distinct and len(sources) == 35
    assert [s.position for s in sources] == list(range(1, 36))
    assert all(s.cited for s in sources)  # the list is the overview's references
    northfleet, cardekho, acko = sources[0], sources[1], sources[3]
    assert (northfleet.title, northfleet.site_name, northfleet.snippet, northfleet.published) == (
        "10 Best Family Cars In India 2025 | NorthFleet",
        "Used Cars In Kochi",
        None,
        None,
    )
    assert cardekho.url is not None and "#:~:text=" in cardekho.url
    assert cardekho.canonical_url == "https://www.cardekho.com/mostpopularcars"
    assert cardekho.site_name == "CarDekho" and cardekho.published is None
    assert (acko.domain, acko.published) == ("acko.com", "31 Dec 2024")
    assert acko.snippet is not None and acko.snippet.startswith("List of Top 20 and Best Family Cars in India in 2025")
    assert sources[15].published == "17 Sept 2024" and sources[15].domain == "instagram.com"
    assert sum(1 for s in sources if s.published) == 21  # the snippets that start "<date> — "


def test_list_leads_are_mentions_ranked_within_their_list(captures_dir: Path) -> None:
    extraction = read(captures_dir, WITH_AIO)
    ranked = [(m.text, m.list_rank) for m in extraction.mentions]
    assert ranked[:7] == [
        ("Maruti Suzuki Ertiga", 1),
        ("Kia Carens", 2),
        ("Toyota Innova Hycross", 3),
        ("Tata Nexon", 4),
        ("Mahindra XUV700", 5),
        ("Maruti Suzuki XL6", 1),
        ("Hyundai Creta", 2),
    ]
    assert len(ranked) == 12


def test_organic_results_beside_the_overview_leave_people_also_ask_out(captures_dir: Path) -> None:
    extraction = read(captures_dir, WITH_AIO)
    organic = extraction.organic_results
    assert len(organic) == 10 and [r.position for r in organic] == list(range(1, 11))
    assert (organic[0].url, organic[0].title) == (
        "https://www.cardekho.com/mostpopularcars",
        "Best Cars in India 2025 - Top 10 Cars with Prices & Images",
    )
    assert organic[-1].url == "https://www.carwale.com/new/best-cars-under-10-lakh/"
    assert organic[8].snippet is not None and organic[8].snippet.startswith("31 Dec 2024 — Top 20 Family Cars")
    assert "parkplus.io" not in {r.domain for r in organic}  # only linked from a "People also ask" answer
    # SERP overlap: 4 of the overview's 35 sources also rank on the first page.
    cited = {s.canonical_url for s in extraction.sources}
    assert [r.position for r in organic if r.canonical_url in cited] == [1, 4, 5, 9]
    assert extraction.related_questions == [
        "Which is the best car in India for families?",
        "Which is the no. 1 ranking car in India?",
        "Which car is best for family in budget?",
        "Which 7 seater car is best for family in India?",
    ]


def test_results_page_without_an_overview_is_no_answer_with_its_organic_results(captures_dir: Path) -> None:
    extraction = read(captures_dir, NO_AIO)
    assert extraction.status is ExtractionStatus.no_answer
    assert extraction.warnings == []
    assert extraction.answer.text == "" and extraction.citations == [] and extraction.sources == []
    organic = extraction.organic_results
    assert [r.domain for r in organic] == [
        "carwale.com",
        "cardekho.com",
        "cardekho.com",
        "carwale.com",
        "hindustantimes.com",
        "cartrade.com",
        "carwale.com",
        "zigwheels.com",
    ]
    assert organic[4].url == "https://auto.hindustantimes.com/new-cars/cars-under-20-lakhs"
    assert all(r.title and r.snippet for r in organic)
    assert len(extraction.related_questions) == 4


# --- the current layout (Nov 2025, engines.md §4.3) ---------------------------------------------------

NEW_LAYOUT = "fra50_serp_with_aio_new_layout_how_to_boil_eggs_en-ES_2025-11.html"


def _tree(captures_dir: Path, name: str) -> etree._Element:
    return etree.fromstring(page(captures_dir, name), etree.HTMLParser(encoding="utf-8"))


def _island_urls(tree: etree._Element) -> dict[str, list[str]]:
    """uuid -> URLs, read straight from the Sv6Kpe comment islands (link and card shapes)."""
    found: dict[str, list[str]] = {}
    for comment in tree.xpath("//*[@data-crb-el][not(@data-src-id)]/comment()"):
        text = comment.text or ""
        if not text.startswith("Sv6Kpe"):
            continue
        for row in json.loads(html.unescape(text[len("Sv6Kpe") :])):
            if not (isinstance(row, list) and len(row) > 1 and isinstance(row[0], str)):
                continue
            url = row[3] if isinstance(row[1], str) else row[1][5]
            known = found.setdefault(row[0], [])
            if canonical_url(url) not in known:
                known.append(canonical_url(url))
    return found


def test_new_layout_is_answered_with_its_text(captures_dir: Path) -> None:
    extraction = read(captures_dir, NEW_LAYOUT)
    assert extraction.status is ExtractionStatus.answered
    assert extraction.warnings == [
        "5 of 11 citation buttons have no source in the snapshot (their data islands were not loaded)",
        'the AI Overview was collapsed ("Show more" not opened): it may be cut short',
    ]
    text = extraction.answer.text
    assert text.startswith("To boil eggs, place them in a pot, cover with cold water by about an inch")
    assert text.endswith("peel it under cool running water or in the ice water.")
    blocks = extraction.answer.blocks
    assert [b.text for b in blocks if b.kind is BlockKind.heading] == [
        "Step 1: Prepare the eggs and water",
        "Step 2: Bring to a boil",
        "Step 3: Let the eggs stand",
        "Step 4: Cool the eggs",
        "Step 5: Peel the eggs",
    ]
    assert sum(1 for b in blocks if b.kind is BlockKind.list_item) == 12
    # The module's chrome and the embedded video's card are not prose; the hidden placeholders are not read.
    for chrome in ("AI Overview", "not available", "Can't generate", "may include mistakes", "YouTube", "Show all"):
        assert chrome not in text
    tree = _tree(captures_dir, NEW_LAYOUT)
    placeholders = tree.xpath("//span[@jsname='lGsj1' or @jsname='L1sC6e']")
    assert len(placeholders) == 2 and all("display:none" in (p.get("style") or "") for p in placeholders)
    assert tree.xpath("//span[@data-huuid]") == [] and tree.xpath("//div[contains(@class, 'NPrrbc')]") == []


def test_new_layout_reports_every_button_resolved_through_the_islands(captures_dir: Path) -> None:
    extraction = read(captures_dir, NEW_LAYOUT)
    tree = _tree(captures_dir, NEW_LAYOUT)
    uuids = tree.xpath("//div[@data-subtree='aimc']//button[@data-icl-uuid]/@data-icl-uuid")
    assert len(uuids) == 11
    islands = _island_urls(tree)
    resolved = [u for u in uuids if u in islands]
    assert len(resolved) == 6
    citations = extraction.citations
    assert all(c.kind is CitationKind.chip for c in citations)
    # One record per source behind a button, in reading order; a button of several sources is a group.
    anchors = list(dict.fromkeys((c.block_index, c.char_start) for c in citations))
    assert len(anchors) == 11
    by_button: dict[tuple[int | None, int | None], list[str | None]] = {}
    for c in citations:
        by_button.setdefault((c.block_index, c.char_start), []).append(c.canonical_url)
    assert [by_button[a] for a in anchors] == [islands.get(u, [None]) for u in uuids]
    assert len(citations) == sum(len(islands.get(u, [None])) for u in uuids) == 22
    # The five unresolved buttons are the headings': the page names them only on the button itself and in
    # the button's own island, which lists no source (`[null, null, uuid, …]`), also in its deferred copies.
    source = page(captures_dir, NEW_LAYOUT).decode("utf-8", "replace")
    for uuid in (u for u in uuids if u not in islands):
        before = [source[max(0, m.start() - 16) : m.start()] for m in re.finditer(uuid, source)]
        assert before and all(b.endswith(('data-icl-uuid="', "null,null,&quot;")) for b in before), before
    headings = {b.index for b in extraction.answer.blocks if b.kind is BlockKind.heading}
    assert {c.block_index for c in citations if c.url is None} == headings
    first = citations[0]
    assert (first.domain, first.title, first.group) == (
        "loveandlemons.com",
        "How to Make Hard Boiled Eggs Recipe - Love and Lemons",
        uuids[0],
    )


def test_new_layout_sources_are_every_card_and_list_entry_once(captures_dir: Path) -> None:
    extraction = read(captures_dir, NEW_LAYOUT)
    tree = _tree(captures_dir, NEW_LAYOUT)
    cards = tree.xpath("//div[@data-src-id][@data-crb-el='kXllB']/a[contains(@class, 'NDNGvf')]/@href")
    listed = tree.xpath("//li[contains(@class, 'LLtSOc')]//a[contains(@class, 'KEVENd')]/@href")
    assert len(cards) == 10 and len(listed) == 7
    preview = tree.xpath("//div[@data-src-id][not(ancestor::*[@role='dialog'])]/a[contains(@class, 'NDNGvf')]/@href")
    in_dialog = tree.xpath("//*[@role='dialog']//div[@data-src-id]/a[contains(@class, 'NDNGvf')]/@href")
    distinct = list(dict.fromkeys(canonical_url(str(h)) for h in [*preview, *in_dialog, *listed]))
    assert len(distinct) == 7
    assert {canonical_url(str(h)) for h in listed} == set(distinct)  # the list shows the same pages
    sources = extraction.sources
    pages = [s for s in sources if s.kind is not SourceKind.video]
    assert [s.canonical_url for s in pages] == distinct
    assert [s.position for s in sources] == list(range(1, len(sources) + 1))
    assert all(s.kind is SourceKind.card and s.title and s.site_name for s in pages)
    cited = {c.canonical_url for c in extraction.citations if c.canonical_url}
    assert all(s.cited == (s.canonical_url in cited) for s in pages) and len(cited) == 7
    bbc = next(s for s in pages if s.domain == "bbcgoodfood.com")
    assert bbc.url is not None and "#:~:text=" in bbc.url and bbc.canonical_url is not None
    assert "#" not in bbc.canonical_url
    # The embedded YouTube video is a shown video, neither a page of the source list nor a citation.
    videos = [s for s in sources if s.kind is SourceKind.video]
    assert [(v.canonical_url, v.cited) for v in videos] == [("https://www.youtube.com/shorts/umdCxoQ9dBU", False)]
    assert all(c.domain != "youtube.com" for c in extraction.citations)


def test_new_layout_keeps_its_results_page(captures_dir: Path) -> None:
    extraction = read(captures_dir, NEW_LAYOUT)
    assert len(extraction.organic_results) == 9
    assert extraction.related_questions[0] == "What is the correct way to boil an egg?"
