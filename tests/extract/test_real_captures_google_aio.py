"""The Google AI Overview extractor on real saved results pages (../shared/captures/google_aio; facts in its
README and engines.md §4.2, counts re-checked with lxml below)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from citewatch.extract import extract_html
from citewatch.extract._urls import canonical_url
from citewatch.models import BlockKind, CitationKind, Extraction, ExtractionStatus

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
