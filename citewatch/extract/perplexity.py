"""Perplexity: answer, citation chips (with "+N" groups), the Links/Sources panel, related questions.

Selectors follow engines.md §1.2 and the real saved threads (shared/captures/perplexity). A thread page
holds one turn per `-content-default` tab panel; each turn's answer is in its top-level `div.prose`
elements (the Feb-2026 DOM puts them in `markdown-content-N`; Research answers put the report body in a
`div.prose` beside it), so the answer is found by the panel first and by `markdown-content-*` second.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._cards import VIDEO_DOMAINS, WIDGET_KINDS, cited_sources, merge_shown
from citewatch.extract._html import (
    Anchor,
    Element,
    anchor_citation,
    captured_group,
    detect_wall,
    display_order,
    inline_links,
    norm,
    text_of,
    visible_of,
    walk_answer,
)
from citewatch.extract._skeleton import begin
from citewatch.extract._urls import UrlFields, url_fields
from citewatch.models import (
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Snapshot,
    Source,
    SourceKind,
)
from citewatch.selectors import Selectors

EXTRACTOR_VERSION = "perplexity/2"

# engines.md §1.2: every selector is data in citewatch/selectors/perplexity.toml, which users can override.
SEL = Selectors("perplexity")
# The saved threads (captures/perplexity) give every turn a panel per result tab beside Answer and Links:
# `-content-images`, `-videos`, `-shopping`, `-places`, `-hotels`, `-news`, `-jobs`, empty until the tab is opened.
# Their cards are sources of their kind, never citations (the panels' names are read from their ids).
CARD_PANELS: dict[str, SourceKind] = {
    "videos": SourceKind.video,
    "shopping": SourceKind.product,
    "places": SourceKind.place,
    "hotels": SourceKind.place,
    "images": SourceKind.card,
    "news": SourceKind.card,
    "jobs": SourceKind.card,
}

_GROUP = re.compile(r"\+(\d+)$")


def _citation_test(tag: str, name: str) -> Callable[[Element], bool]:
    """Whether an element is a citation chip: asked of every element of the answer, so the names are bound once."""

    def is_citation(el: Element) -> bool:
        return el.tag == tag and name in (el.get("class") or "").split()

    return is_citation


def _answer_roots(tree: Element) -> tuple[list[Element], int]:
    """The answer's top-level prose elements in reading order, and how many turns the page holds."""
    panels = SEL.xpath("turn_panels")(tree)
    panel_prose = SEL.xpath("panel_prose")
    roots = [root for panel in panels for root in panel_prose(panel)]
    if roots:
        return roots, len(panels)
    roots = SEL.xpath("markdown_prose")(tree) or SEL.xpath("legacy_prose")(tree)
    return roots, 1 if roots else 0


def extract(snapshot: Snapshot) -> Extraction:
    tree, result = begin(snapshot, "perplexity", EXTRACTOR_VERSION)
    roots, turns = _answer_roots(tree)
    walked = walk_answer(roots, is_citation=_citation_test(SEL.name("citation_tag"), SEL.name("citation_class")))
    result.answer = walked.answer
    if not walked.answer.text.strip() and not walked.citations:
        # Walls replace the whole page, so they are looked for only where there is no answer.
        wall = detect_wall(tree)
        if wall is not None:
            result.status = wall
        elif SEL.xpath("login_dialog")(tree):
            result.status = ExtractionStatus.login_required
        elif SEL.xpath("consent")(tree):
            result.status = ExtractionStatus.consent_required
        elif errors := SEL.xpath("engine_error")(tree):
            result.status = ExtractionStatus.error
            result.warnings.append(f"the engine reported an error: {text_of(errors[0])}")
        return result
    result.status = ExtractionStatus.answered
    if turns > 1:
        result.warnings.append(f"the page holds {turns} answer turns; all of them were read")
    for alert in SEL.xpath("engine_error")(tree):
        result.status = ExtractionStatus.error
        result.warnings.append(f"the engine stopped the answer with an error: {text_of(alert)}")
    result.citations = _citations(walked.citations, result.warnings)
    result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
    result.sources = _sources(tree, result.citations, result.warnings)
    result.mentions = walked.mentions
    result.related_questions = [q for q in (text_of(el) for el in SEL.xpath("related")(tree)) if q]
    result.warnings += contracts.check(result)
    return result


def _citations(anchors: list[Anchor], warnings: list[str]) -> list[Citation]:
    citations: list[Citation] = []
    url_attribute, chip_url = SEL.name("chip_url_attribute"), SEL.xpath("chip_url")
    for chip_number, anchor in enumerate(anchors, start=1):
        chip = anchor.element
        label = text_of(chip)
        wrapper = chip.getparent()
        title = wrapper.get("aria-label") if wrapper is not None else None
        href = chip.get(url_attribute) or chip_url(chip) or None
        grouped = _GROUP.search(label)
        group = f"chip-{chip_number}" if grouped else None
        members = captured_group(chip)
        if grouped and members is None:
            hidden = int(grouped.group(1))
            warnings.append(f"grouped chip {label!r} was not expanded: {hidden} more source(s) are not in the snapshot")
        if grouped and members is not None and len(members) != int(grouped.group(1)) + 1:
            warnings.append(
                f"{contracts.ENGINE_CHANGED}: chip {label!r} should hide {int(grouped.group(1)) + 1} sources "
                f"but its popover listed {len(members)}"
            )
        for url, member_title in members or [(href, title)]:
            fields, shown_title = url_fields(url), member_title or title
            citations.append(
                anchor_citation(anchor, len(citations) + 1, CitationKind.chip, label, fields, shown_title, group)
            )
    return citations


def _link_target(link: Element) -> UrlFields | None:
    """A link to a web page other than Perplexity's own."""
    raw, canonical, domain = url_fields(link.get("href"))
    return None if canonical is None or domain == "perplexity.ai" else (raw, canonical, domain)


def _sources(tree: Element, citations: list[Citation], warnings: list[str]) -> list[Source]:
    """The Links panel's entries, then the cards of every other result tab the page holds, one per canonical
    URL in display order (a page shown as a video or product card takes that kind)."""
    cited = {c.canonical_url for c in citations if c.canonical_url}
    fields = _CardFields(SEL.xpath("source_title"), SEL.xpath("source_site"), SEL.xpath("source_snippet"))
    listed = [
        _link_source(link, SourceKind.listed, cited, fields) for link in display_order(SEL.xpath("source_links")(tree))
    ]
    panel_links = SEL.xpath("panel_links")
    cards = [
        _link_source(link, kind, cited, fields)
        for panel in SEL.xpath("tab_panels")(tree)
        if (kind := CARD_PANELS.get((panel.get("id") or "").rpartition("-content-")[2])) is not None
        for link in display_order(panel_links(panel))
    ]
    derived: list[Source] = []
    if not any(s.canonical_url for s in listed) and cited:
        warnings.append("sources panel not captured; sources derived from the citations")
        derived = cited_sources(citations)
    return merge_shown([*listed, *derived, *cards])


class _CardFields(NamedTuple):
    title: etree.XPath
    site: etree.XPath
    snippet: etree.XPath


def _link_source(link: Element, kind: SourceKind, cited: set[str], fields: _CardFields) -> Source:
    raw, canonical, domain = url_fields(link.get("href"))
    return Source(
        position=0,
        kind=SourceKind.video if kind in WIDGET_KINDS and domain in VIDEO_DOMAINS else kind,
        url=raw,
        canonical_url=canonical,
        domain=domain,
        title=norm(fields.title(link)) or None,
        site_name=norm(fields.site(link)) or None,
        snippet=norm(fields.snippet(link)) or None,
        cited=canonical in cited,
        visible=visible_of(link),
    )
