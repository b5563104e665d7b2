"""Perplexity: answer, citation chips (with "+N" groups), the Links/Sources panel, related questions.

Selectors follow engines.md §1.2 and the real saved threads (shared/captures/perplexity). A thread page
holds one turn per `-content-default` tab panel; each turn's answer is in its top-level `div.prose`
elements (the Feb-2026 DOM puts them in `markdown-content-N`; Research answers put the report body in a
`div.prose` beside it), so the answer is found by the panel first and by `markdown-content-*` second.
"""

from __future__ import annotations

import re

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._cards import VIDEO_DOMAINS, WIDGET_KINDS, merge_shown
from citewatch.extract._html import (
    Anchor,
    Element,
    captured_group,
    detect_wall,
    display_order,
    has_class,
    inline_links,
    norm,
    parse,
    text_of,
    truncation_warning,
    visible_of,
    walk_answer,
    with_class,
)
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

EXTRACTOR_VERSION = "perplexity/2"

# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
_PROSE = has_class("prose")
_PROSES = with_class("prose", "descendant::div")
# engines.md §1.2 (Radix tabs): one answer panel per turn; its hidden twin repeats only the tab buttons. A Research
# report's body is a div.prose in this panel beside markdown-content-0 (captures/README.md, verified facts), so the
# panel is the first route to the answer and markdown-content-* only the second.
TURN_PANELS = etree.XPath(
    "//div/@role[. = 'tabpanel']/parent::*[substring(@id, string-length(@id) - 15) = '-content-default']"
)
PANEL_PROSE = etree.XPath(f"{_PROSES}[not(ancestor::div[{_PROSE}])]")
# engines.md §1.2 answer container (Feb-2026 fixtures): markdown-content-0..N, one per answer step.
MARKDOWN_PROSE = etree.XPath(
    f"//div/@id[starts-with(., 'markdown-content-')]/parent::*/{_PROSES}[not(ancestor::div[{_PROSE}])]"
)
# engines.md §1.2, yoonbae81
LEGACY_PROSE = etree.XPath("//div/@class[contains(., 'prose')]/parent::*[@data-renderer='lm']")
# engines.md §1.2 sources panel: the Links tab's panel, then its external links (every list in it).
_EXTERNAL_LINK = "a[starts-with(@href, 'http')][not(contains(@href, 'perplexity.ai'))]"
SOURCE_LINKS = etree.XPath(
    "//div/@role[. = 'tabpanel']/parent::*[substring(@id, string-length(@id) - 15) = '-content-sources']"
    f"//{_EXTERNAL_LINK}"
)
# The saved threads (captures/perplexity) give every turn a panel per result tab beside Answer and Links:
# `-content-images`, `-videos`, `-shopping`, `-places`, `-hotels`, `-news`, `-jobs`, empty until the tab is opened.
# Their cards are sources of their kind, never citations.
CARD_PANELS: dict[str, SourceKind] = {
    "videos": SourceKind.video,
    "shopping": SourceKind.product,
    "places": SourceKind.place,
    "hotels": SourceKind.place,
    "images": SourceKind.card,
    "news": SourceKind.card,
    "jobs": SourceKind.card,
}
TAB_PANELS = etree.XPath("//div/@role[. = 'tabpanel']/parent::*[contains(@id, '-content-')]")
PANEL_LINKS = etree.XPath(f"descendant::{_EXTERNAL_LINK}")
SOURCE_SITE = etree.XPath("string(descendant::span/@class[contains(., 'line-clamp-1')]/parent::*)")
SOURCE_TITLE = etree.XPath("string(descendant::div/@class[contains(., 'font-medium')]/parent::*)")
SOURCE_SNIPPET = etree.XPath("string(descendant::div/@class[contains(., 'line-clamp-3')]/parent::*)")
# Not in any saved capture: the markup the replica shares with us (replicas/perplexity) for related questions,
# the sign-in dialog and the error line of a broken stream.
RELATED = etree.XPath(
    "/descendant::span[normalize-space() = 'Related']/parent::div/following-sibling::div[1]"
    "/div[contains(@class, 'cursor-pointer')]/div[1]"
)
LOGIN_DIALOG = etree.XPath(
    "//div/@role[. = 'dialog']/parent::*[@aria-modal='true']"
    "[descendant::button[starts-with(normalize-space(), 'Continue with')]]"
)
CONSENT = etree.XPath("//@id[. = 'cookie-consent']/parent::*")  # engines.md §7 cookie banner
ENGINE_ERROR = etree.XPath("//div/@role[. = 'alert']/parent::*")
CHIP_URL = etree.XPath("string(.//a[@href][1]/@href)")

_GROUP = re.compile(r"\+(\d+)$")


def _is_citation(el: Element) -> bool:
    return el.tag == "span" and "citation" in (el.get("class") or "").split()


def _answer_roots(tree: Element) -> tuple[list[Element], int]:
    """The answer's top-level prose elements in reading order, and how many turns the page holds."""
    panels = TURN_PANELS(tree)
    roots = [root for panel in panels for root in PANEL_PROSE(panel)]
    if roots:
        return roots, len(panels)
    roots = MARKDOWN_PROSE(tree) or LEGACY_PROSE(tree)
    return roots, 1 if roots else 0


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="perplexity", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    roots, turns = _answer_roots(tree)
    walked = walk_answer(roots, is_citation=_is_citation)
    result.answer = walked.answer
    if not walked.answer.text.strip() and not walked.citations:
        # Walls replace the whole page, so they are looked for only where there is no answer.
        wall = detect_wall(tree)
        if wall is not None:
            result.status = wall
        elif LOGIN_DIALOG(tree):
            result.status = ExtractionStatus.login_required
        elif CONSENT(tree):
            result.status = ExtractionStatus.consent_required
        elif ENGINE_ERROR(tree):
            result.status = ExtractionStatus.error
            result.warnings.append(f"the engine reported an error: {text_of(ENGINE_ERROR(tree)[0])}")
        return result
    result.status = ExtractionStatus.answered
    if turns > 1:
        result.warnings.append(f"the page holds {turns} answer turns; all of them were read")
    for alert in ENGINE_ERROR(tree):
        result.status = ExtractionStatus.error
        result.warnings.append(f"the engine stopped the answer with an error: {text_of(alert)}")
    result.citations = _citations(walked.citations, result.warnings)
    result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
    result.sources = _sources(tree, result.citations, result.warnings)
    result.mentions = walked.mentions
    result.related_questions = [q for q in (text_of(el) for el in RELATED(tree)) if q]
    result.warnings += contracts.check(result)
    return result


def _citations(anchors: list[Anchor], warnings: list[str]) -> list[Citation]:
    citations: list[Citation] = []
    for chip_number, anchor in enumerate(anchors, start=1):
        chip = anchor.element
        label = text_of(chip)
        wrapper = chip.getparent()
        title = wrapper.get("aria-label") if wrapper is not None else None
        href = chip.get("data-pplx-citation-url") or CHIP_URL(chip) or None
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
            raw, canonical, domain = url_fields(url)
            citations.append(
                Citation(
                    position=len(citations) + 1,
                    kind=CitationKind.chip,
                    label=label,
                    url=raw,
                    canonical_url=canonical,
                    domain=domain,
                    title=member_title or title,
                    block_index=anchor.block_index,
                    char_start=anchor.char_start,
                    group=group,
                    visible=visible_of(chip),
                )
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
    listed = [_link_source(link, SourceKind.listed, cited) for link in display_order(SOURCE_LINKS(tree))]
    cards = [
        _link_source(link, kind, cited)
        for panel in TAB_PANELS(tree)
        if (kind := CARD_PANELS.get((panel.get("id") or "").rpartition("-content-")[2])) is not None
        for link in display_order(PANEL_LINKS(panel))
    ]
    derived: list[Source] = []
    if not any(s.canonical_url for s in listed) and cited:
        warnings.append("sources panel not captured; sources derived from the citations")
        derived = [
            Source(
                position=0,
                kind=SourceKind.listed,
                url=citation.url,
                canonical_url=citation.canonical_url,
                domain=citation.domain,
                title=citation.title,
                cited=True,
            )
            for citation in citations
            if citation.canonical_url
        ]
    return merge_shown([*listed, *derived, *cards])


def _link_source(link: Element, kind: SourceKind, cited: set[str]) -> Source:
    raw, canonical, domain = url_fields(link.get("href"))
    return Source(
        position=0,
        kind=SourceKind.video if kind in WIDGET_KINDS and domain in VIDEO_DOMAINS else kind,
        url=raw,
        canonical_url=canonical,
        domain=domain,
        title=norm(SOURCE_TITLE(link)) or None,
        site_name=norm(SOURCE_SITE(link)) or None,
        snippet=norm(SOURCE_SNIPPET(link)) or None,
        cited=canonical in cited,
        visible=visible_of(link),
    )
