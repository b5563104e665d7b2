"""Gemini: chat answers with source chips and link blocks, Deep Research reports with their source lists.

Selectors follow engines.md §3 (Angular custom elements; the attribute is `data-test-id`, with a hyphen) and
the real saved pages (shared/captures/gemini). A chat answer is the last `model-response`'s
`message-content .markdown`; a Deep Research report is the immersive panel's markdown, whose footnotes
`sup[data-turn-source-index=N]` point at the Nth entry of the "used sources" list (1-based: the capture's
37 used sources are cited by indexes 1..37, and the passages match the titles they point at).

Chat chips (`source-inline-chip`, `source-footnote`) are buttons: their URLs exist only in the dialog they
open. The scraper opens each one and writes what the dialog listed onto the element as
`data-cw-group-urls`; a chip without that mark is reported with its label and no URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._cards import cited_sources, merge_shown
from citewatch.extract._html import (
    Anchor,
    Element,
    anchor_citation,
    captured_group,
    default_block_kind,
    detect_wall,
    display_order,
    first,
    inline_links,
    norm,
    text_of,
    visible_of,
    walk_answer,
)
from citewatch.extract._skeleton import begin
from citewatch.extract._urls import UrlFields, url_fields
from citewatch.models import (
    BlockKind,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Snapshot,
    Source,
    SourceKind,
)
from citewatch.selectors import Selectors

EXTRACTOR_VERSION = "gemini/1"

# engines.md §3, §7: every selector is data in citewatch/selectors/gemini.toml, which users can override.
SEL = Selectors("gemini")
# engines.md §7 "Cookie/consent": the hosts of Google's consent interstitial.
_CONSENT_HOSTS = ("consent.google.", "consent.youtube.")

# engines.md §3 "URLs": links back into the app itself, and Google's asset hosts, are not sources.
_INTERNAL_HOSTS = ("gemini.google.com",)
_INTERNAL_DOMAINS = frozenset({"gstatic.com", "googleusercontent.com"})


def extract(snapshot: Snapshot) -> Extraction:
    tree, result = begin(snapshot, "gemini", EXTRACTOR_VERSION)
    report = first(SEL.xpath("dr_report")(tree))
    responses = SEL.xpath("model_responses")(tree)
    response = responses[-1] if responses else None
    roots = [report] if report is not None else _answer_roots(response)
    for root in roots:
        _readable_math(root)
    names = _Names.current()
    walked = walk_answer(
        roots,
        is_citation=partial(_is_citation, names, deep_research=report is not None),
        block_kind=partial(_block_kind, names),
        skip=partial(_skip, names),
    )
    result.answer = walked.answer
    signed_out = bool(SEL.xpath("signed_out")(tree)) and not SEL.xpath("logged_in")(tree)
    if not walked.answer.text.strip() and not walked.citations:
        # Walls replace the whole page, so they are looked for only where there is no answer.
        result.status = _no_answer_status(tree, snapshot.url, signed_out)
        return result
    result.status = ExtractionStatus.answered
    if signed_out:
        result.warnings.append("the page is signed out: answers and sources may differ from a signed-in session")
    if report is None and len(responses) > 1:
        result.warnings.append(f"the page holds {len(responses)} answer turns; only the last one was read")
    if report is not None:
        used_links = SEL.xpath("used_sources")(tree)
        used = [_source(link, SourceKind.listed) for link in used_links]
        result.citations = _footnotes(walked.citations, used, result.warnings)
        result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
        result.sources = _report_sources(tree, used_links, used)
    else:
        result.citations = _chips(walked.citations, names.footnote_tag, result.warnings)
        result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
        sources_list = first(SEL.xpath("sources_list")(response)) if response is not None else None
        recorded = captured_group(sources_list) if sources_list is not None else None
        result.sources = _chat_sources(recorded or [], result.citations)
    # A link back into the app ("ask me to plan another trip") names no one.
    internal = {(a.block_index, a.char_start) for a in walked.links if _link_target(a.element) is None}
    result.mentions = [m for m in walked.mentions if (m.block_index, m.char_start) not in internal]
    result.warnings += contracts.check(result, expect_citations=report is not None)
    return result


def _answer_roots(response: Element | None) -> list[Element]:
    if response is None:
        return []
    roots: list[Element] = SEL.xpath("response_markdown")(response) or SEL.xpath("message_content")(response)[:1]
    return roots


def _no_answer_status(tree: Element, url: str | None, signed_out: bool) -> ExtractionStatus:
    wall = detect_wall(tree)
    if wall is not None:
        return wall
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:  # a malformed stored URL says nothing about the page
        host = ""
    if host.startswith(_CONSENT_HOSTS) or SEL.xpath("consent")(tree):
        return ExtractionStatus.consent_required
    if signed_out:
        return ExtractionStatus.login_required
    return ExtractionStatus.no_answer


@dataclass(frozen=True, slots=True)
class _Names:
    """The names the walk compares on every element of the answer, read from the selectors once per page."""

    chip_tags: frozenset[str]
    footnote_tag: str
    carousel_tag: str
    link_block_tag: str
    message_control: str
    skip_tags: frozenset[str]
    skip_classes: frozenset[str]
    chips_inside: etree.XPath

    @classmethod
    def current(cls) -> _Names:
        return cls(
            chip_tags=SEL.names("chip_tags"),
            footnote_tag=SEL.name("footnote_tag"),
            carousel_tag=SEL.name("carousel_tag"),
            link_block_tag=SEL.name("link_block_tag"),
            message_control=SEL.name("message_control_attribute"),
            skip_tags=SEL.names("skip_tags"),
            skip_classes=SEL.names("skip_classes"),
            chips_inside=SEL.xpath("chips_inside"),
        )


def _is_citation(names: _Names, el: Element, *, deep_research: bool) -> bool:
    tag = el.tag
    if tag in names.chip_tags:
        return True
    # A bare carousel (no chip inside) the scraper opened is a chip of its own in a chat answer; in a
    # report the carousels only repeat the paragraph's footnotes.
    return (
        tag == names.carousel_tag
        and not deep_research
        and el.get("data-cw-group-urls") is not None
        and not names.chips_inside(el)
    )


def _skip(names: _Names, el: Element) -> bool:
    # Gemini marks its own controls inside a message (table export, carousels).
    tag = el.tag
    if tag == names.carousel_tag or el.get(names.message_control) is not None:
        return not names.chips_inside(el)
    if tag in names.skip_tags:
        return True
    return not names.skip_classes.isdisjoint((el.get("class") or "").split())


def _block_kind(names: _Names, el: Element) -> BlockKind | None:
    if el.tag == names.link_block_tag:
        return BlockKind.paragraph
    return default_block_kind(el)


def _readable_math(root: Element) -> None:
    """Replace KaTeX renderings by the LaTeX source Gemini keeps in `data-math`.

    This edits the tree parsed for this extraction only, before it is walked.
    """
    block = SEL.name("math_block_class")
    for math in SEL.xpath("math")(root):
        latex = math.get("data-math") or ""
        for child in list(math):
            math.remove(child)
        math.text = f" {latex} " if block in (math.get("class") or "") else latex


def _chips(anchors: list[Anchor], footnote_tag: str, warnings: list[str]) -> list[Citation]:
    """Chat chips: one citation per source the chip's dialog listed, sharing the chip's group."""
    citations: list[Citation] = []
    button_label = SEL.xpath("chip_button_label")
    for chip_number, anchor in enumerate(anchors, start=1):
        chip = anchor.element
        label = text_of(chip) or norm(button_label(chip)) or None
        kind = CitationKind.footnote if chip.tag == footnote_tag else CitationKind.chip
        members = captured_group(chip)
        if members is None:
            warnings.append(f"chip {label!r} was not opened: the sources behind it are not in the snapshot")
        elif not members:
            warnings.append(f"{contracts.ENGINE_CHANGED}: the dialog of chip {label!r} listed no readable source")
        entries = members or [(None, None)]
        # A group ties the URLs behind one chip together; an unopened chip's group stands for unknown URLs.
        group = f"chip-{chip_number}" if members is None or len(members) > 1 else None
        for url, title in entries:
            citations.append(anchor_citation(anchor, len(citations) + 1, kind, label, url_fields(url), title, group))
    return citations


def _footnotes(anchors: list[Anchor], used: list[Source], warnings: list[str]) -> list[Citation]:
    """Deep Research footnotes: index N is the Nth used source."""
    citations: list[Citation] = []
    out_of_range: list[str] = []
    footnote_index = SEL.xpath("footnote_index")
    for anchor in anchors:
        index = footnote_index(anchor.element).strip()
        source = used[int(index) - 1] if index.isdigit() and 0 < int(index) <= len(used) else None
        if source is None:
            out_of_range.append(index or "?")
        fields = (source.url, source.canonical_url, source.domain) if source else (None, None, None)
        title = source.title if source else None
        citations.append(
            anchor_citation(anchor, len(citations) + 1, CitationKind.footnote, index or None, fields, title)
        )
    if out_of_range:
        warnings.append(
            f"{contracts.ENGINE_CHANGED}: footnotes cite source numbers {', '.join(sorted(set(out_of_range)))} "
            f"but the used-sources list has {len(used)} entries"
        )
    return citations


def _without_gemini_tracking(href: str) -> str:
    """engines.md §3: link-block URLs carry `?utm_source=gemini`, which is Gemini's, not the page's."""
    parts = urlsplit(href)
    params = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in params if (k, v) != ("utm_source", "gemini")]
    return href if len(kept) == len(params) else urlunsplit(parts._replace(query=urlencode(kept)))


def _link_target(link: Element) -> UrlFields | None:
    """`url_fields` of a link that points at a web page outside Gemini, else None."""
    try:
        raw, canonical, domain = url_fields(_without_gemini_tracking(link.get("href") or ""))
    except ValueError:
        return None
    if canonical is None or domain in _INTERNAL_DOMAINS or urlsplit(canonical).hostname in _INTERNAL_HOSTS:
        return None
    return raw, canonical, domain


def _source(link: Element, kind: SourceKind) -> Source:
    raw, canonical, domain = url_fields(link.get("href"))
    return Source(
        position=0,
        kind=kind,
        url=raw,
        canonical_url=canonical,
        domain=domain,
        title=norm(SEL.xpath("source_title")(link)) or None,
        site_name=norm(SEL.xpath("source_domain")(link)) or None,
        cited=kind is SourceKind.listed,
        visible=visible_of(link),
    )


def _report_sources(tree: Element, used_links: list[Element], used: list[Source]) -> list[Source]:
    """The report's used sources (cited) then its unused ones, deduplicated, in display order.

    `used` are the sources already read from `used_links`, in the same order.
    """
    read = dict(zip(used_links, used, strict=True))
    found = [read[link] for link in display_order(used_links)]
    found += [_source(link, SourceKind.unused) for link in display_order(SEL.xpath("unused_sources")(tree))]
    return merge_shown(found)


def _chat_sources(recorded: Sequence[tuple[str | None, str | None]], citations: list[Citation]) -> list[Source]:
    """The answer's "Sources" dialog as the scraper recorded it, then any cited URL it did not list."""
    cited = {c.canonical_url for c in citations if c.canonical_url}
    listed = [
        Source(
            position=0,
            kind=SourceKind.listed,
            url=raw,
            canonical_url=canonical,
            domain=domain,
            title=title,
            cited=canonical in cited,
        )
        for url, title in recorded
        for raw, canonical, domain in [url_fields(url)]
    ]
    return merge_shown([*listed, *cited_sources(citations)])
