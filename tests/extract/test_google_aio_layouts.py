"""The AI Overview extractor on the variations real pages come in (engines.md §4.3): fragments instead of whole
pages, missing pieces, the scraper's visibility marks against the page's own styles, an unknown layout.

Each case is cut from a fixture page with lxml, so what it proves does not depend on a page written for it.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from citewatch.extract import contracts, extract_html
from citewatch.models import Extraction, ExtractionStatus, SourceKind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "google_aio"


def tree_of(case: str) -> etree._Element:
    return etree.fromstring((FIXTURES / case / "page.html").read_bytes(), etree.HTMLParser(encoding="utf-8"))


def read(node: etree._Element) -> Extraction:
    return extract_html("google_aio", etree.tostring(node, encoding="unicode", method="html"))


def engine_changed(extraction: Extraction) -> list[str]:
    return [w for w in extraction.warnings if w.startswith(contracts.ENGINE_CHANGED)]


def test_the_modules_outer_html_reads_like_the_whole_page() -> None:
    tree = tree_of("current-layout-cards-and-list")
    whole = read(tree)
    for fragment in (
        tree.xpath("//div[@data-mcpr][not(ancestor::div[@data-mcpr])]")[0],
        tree.xpath("//*[@id='m-x-content']")[0],
    ):
        alone = read(fragment)
        assert alone.status is ExtractionStatus.answered
        assert (alone.answer, alone.citations, alone.sources) == (whole.answer, whole.citations, whole.sources)
        assert alone.organic_results == []


def test_the_answer_component_alone_still_gives_its_cards() -> None:
    tree = tree_of("current-layout-cards-only-spanish")
    whole = read(tree)
    alone = read(tree.xpath("//div[@data-subtree='aimc']")[0])
    assert alone.status is ExtractionStatus.answered
    assert (alone.answer, alone.citations, alone.sources) == (whole.answer, whole.citations, whole.sources)
    assert {s.kind for s in alone.sources} == {SourceKind.card}


def test_buttons_with_no_island_card_or_list_are_an_engine_change() -> None:
    tree = tree_of("current-layout-cards-only-spanish")
    for node in tree.xpath("//*[@data-container-id='rhs-col'] | //*[@data-crb-el]"):
        node.getparent().remove(node)
    extraction = read(tree)
    assert extraction.status is ExtractionStatus.answered and len(extraction.citations) == 4
    assert extraction.sources == [] and all(c.url is None for c in extraction.citations)
    assert engine_changed(extraction) == [
        f"{contracts.ENGINE_CHANGED}: none of the 4 citation buttons resolved to a source",
        f"{contracts.ENGINE_CHANGED}: the overview cites but no source card or list was found",
    ]


def test_a_module_with_text_in_no_known_layout_is_an_engine_change() -> None:
    tree = tree_of("current-layout-hidden-placeholders")
    body = tree.xpath("//*[@id='m-x-content']//div[contains(@class, 'EyBRub')]")[0]
    for child in list(body):
        body.remove(child)
    paragraph = etree.SubElement(etree.SubElement(body, "div"), "p")
    paragraph.text = "A starter is ready when it doubles within a few hours of a feed."
    extraction = read(tree)
    assert extraction.status is ExtractionStatus.error
    assert engine_changed(extraction) == [
        f"{contracts.ENGINE_CHANGED}: the AI Overview module shows text in no known layout"
    ]
    assert extraction.organic_results  # the rest of the page is still read


def test_the_scrapers_marks_decide_over_the_pages_styles() -> None:
    # A "not available" placeholder the scraper saw hidden is not displayed, whatever its style says...
    tree = tree_of("current-layout-not-available")
    assert read(tree).status is ExtractionStatus.no_answer
    tree.xpath("//span[@jsname='lGsj1']")[0].set("data-cw-visible", "0")
    assert read(tree).warnings == ["the AI Overview was still generating when the page was saved"]
    # ...and a progress bar it saw hidden does not make a streamed overview "still generating".
    tree = tree_of("current-layout-generating")
    assert read(tree).status is ExtractionStatus.error
    container = tree.xpath("//div[@data-subtree='aimc']")[0]
    del container.attrib["aria-busy"]
    container.xpath(".//*[@role='progressbar']")[0].set("data-cw-visible", "0")
    extraction = read(tree)
    assert extraction.status is ExtractionStatus.answered and len(extraction.citations) == 2


def test_a_placeholder_shown_on_the_july_2025_layout_is_still_read() -> None:
    assert read(tree_of("overview-not-available")).status is ExtractionStatus.no_answer
    assert read(tree_of("overview-failed")).status is ExtractionStatus.error
