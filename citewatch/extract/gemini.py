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
from functools import partial
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._html import (
    Anchor,
    Element,
    captured_group,
    default_block_kind,
    detect_wall,
    display_order,
    first,
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
    BlockKind,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Snapshot,
    Source,
    SourceKind,
)

EXTRACTOR_VERSION = "gemini/1"


# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
_MARKDOWN = has_class("markdown")
# engines.md §3 "DR panel": immersive-panel > deep-research-immersive-panel, body #extended-response-markdown-content.
# The id is found first and the panel checked among its ancestors: `//panel/descendant::*` merges the
# descendants of every panel, quadratic when panels nest (minutes on a page of nested panels).
DR_REPORT = etree.XPath(
    "//@id[. = 'extended-response-markdown-content']/parent::*[ancestor::deep-research-immersive-panel]"
)
# engines.md §3 "response": the last model-response -> message-content .markdown (not the whole
# model-response, whose text starts with "Gemini said" and holds the thoughts).
MODEL_RESPONSES = etree.XPath("//model-response")
RESPONSE_MARKDOWN = etree.XPath(
    f"descendant::message-content/{with_class('markdown', 'descendant::div')}[not(ancestor::div[{_MARKDOWN}])]"
)
MESSAGE_CONTENT = etree.XPath(".//message-content")
# engines.md §3 "inline citations (chat)": chips are buttons that open a source dialog.
CHIP_TAGS = frozenset({"source-inline-chip", "source-footnote"})
CAROUSEL_TAG = "sources-carousel-inline"
CHIPS_INSIDE = etree.XPath(".//source-inline-chip | .//source-footnote")
CHIP_BUTTON_LABEL = etree.XPath("string(.//button/@aria-label)")
# engines.md §3 "inline citations (Deep Research)": source-footnote sup.superscript[data-turn-source-index].
FOOTNOTE_INDEX = etree.XPath("string(descendant::sup[@data-turn-source-index]/@data-turn-source-index)")
# engines.md §3 "sources list (Deep Research)": used and unused lists of browse-web-item links. The capture's
# lists are `div.source-list.used-sources` / `.unused-sources` (the toggles point at #used-sources-list).
_ITEM = "a[@data-test-id='browse-web-item-link' or @data-test-id='browse-chip-link']"
_LISTS = "//deep-research-source-lists/descendant::*"


def _source_list(name: str) -> str:
    """The links of the source list `#<name>-list` or `.<name>`."""
    return (
        f"({_LISTS}/@id[. = '{name}-list']/parent::*"
        f" | {_LISTS}/@class[contains(., '{name}')]/parent::*[{has_class(name)}])//{_ITEM}"
    )


USED_SOURCES = etree.XPath(_source_list("used-sources"))
UNUSED_SOURCES = etree.XPath(_source_list("unused-sources"))
SOURCE_DOMAIN = etree.XPath("string(descendant::*/@data-test-id[. = 'domain-name']/parent::*)")
SOURCE_TITLE = etree.XPath("string(descendant::*/@data-test-id[. = 'sub-title' or . = 'title']/parent::*)")
# engines.md §3 "inline citations (chat)": the real links are `link-block > a` cards, one per block.
LINK_BLOCK_TAG = "link-block"
# The "Sources" button under a chat answer; the scraper records its dialog like a chip's.
SOURCES_LIST = etree.XPath(".//sources-list")
# KaTeX renders formulas as a deep span tree; the LaTeX source is the readable form.
MATH = etree.XPath(
    "descendant::*/@data-math/parent::*[contains(@class, 'math-block') or contains(@class, 'math-inline')]"
)
# engines.md §3 "logged in" / "logged out (input still present!)".
LOGGED_IN = etree.XPath(
    "//@data-test-id[. = 'new-chat-button']/parent::*"
    " | //a/@href[contains(., 'accounts.google.com/SignOutOptions')]/parent::*"
)
# Both button classes contain "signed-out-buttons", which picks out the few elements worth the exact test.
SIGNED_OUT = etree.XPath(
    "//@data-test-id[. = 'signed-out-highly-regulated-zero-state-disclaimer']/parent::*"
    " | //@class[contains(., 'signed-out-buttons')]/parent::*"
    f"[{has_class('signed-out-buttons')} or {has_class('mavatar-signed-out-buttons')}]"
    f" | /descendant::hallucination-disclaimer[{has_class('signed-out')}]"
)
# engines.md §7 "Cookie/consent": consent.google interstitial, "Accept all" (also localised), and the
# "Try Gemini" landing gate (engines.md §3 "consent").
CONSENT = etree.XPath(
    "/descendant::form[contains(@action, 'consent.google')]"
    " | /descendant::button[@aria-label='Accept all' or normalize-space() = 'Accept all'"
    " or normalize-space() = '全部接受' or normalize-space() = 'すべて同意' or normalize-space() = '모두 수락']"
    " | /descendant::a[normalize-space() = 'Try Gemini'] | /descendant::button[normalize-space() = 'Try Gemini']"
)
_CONSENT_HOSTS = ("consent.google.", "consent.youtube.")

_SKIP_TAGS = frozenset({"model-thoughts", "mat-icon", "sources-list"})
# Screen-reader headings ("Gemini said"), thoughts, and a code block's header strip (its language label).
_SKIP_CLASSES = frozenset({"cdk-visually-hidden", "thoughts-container", "code-block-decoration"})
# engines.md §3 "URLs": links back into the app itself, and Google's asset hosts, are not sources.
_INTERNAL_HOSTS = ("gemini.google.com",)
_INTERNAL_DOMAINS = frozenset({"gstatic.com", "googleusercontent.com"})


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="gemini", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    report = first(DR_REPORT(tree))
    responses = MODEL_RESPONSES(tree)
    response = responses[-1] if responses else None
    roots = [report] if report is not None else _answer_roots(response)
    for root in roots:
        _readable_math(root)
    walked = walk_answer(
        roots,
        is_citation=partial(_is_citation, deep_research=report is not None),
        block_kind=_block_kind,
        skip=_skip,
    )
    result.answer = walked.answer
    signed_out = bool(SIGNED_OUT(tree)) and not LOGGED_IN(tree)
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
        used_links = USED_SOURCES(tree)
        used = [_source(link, SourceKind.listed) for link in used_links]
        result.citations = _footnotes(walked.citations, used, result.warnings)
        result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
        result.sources = _report_sources(tree, used_links, used)
    else:
        result.citations = _chips(walked.citations, result.warnings)
        result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
        sources_list = first(SOURCES_LIST(response)) if response is not None else None
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
    roots: list[Element] = RESPONSE_MARKDOWN(response) or MESSAGE_CONTENT(response)[:1]
    return roots


def _no_answer_status(tree: Element, url: str | None, signed_out: bool) -> ExtractionStatus:
    wall = detect_wall(tree)
    if wall is not None:
        return wall
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:  # a malformed stored URL says nothing about the page
        host = ""
    if host.startswith(_CONSENT_HOSTS) or CONSENT(tree):
        return ExtractionStatus.consent_required
    if signed_out:
        return ExtractionStatus.login_required
    return ExtractionStatus.no_answer


def _is_citation(el: Element, *, deep_research: bool) -> bool:
    tag = el.tag
    if tag in CHIP_TAGS:
        return True
    # A bare carousel (no chip inside) the scraper opened is a chip of its own in a chat answer; in a
    # report the carousels only repeat the paragraph's footnotes.
    return (
        tag == CAROUSEL_TAG and not deep_research and el.get("data-cw-group-urls") is not None and not CHIPS_INSIDE(el)
    )


def _skip(el: Element) -> bool:
    # Gemini marks its own controls inside a message (table export, carousels) `hide-from-message-actions`.
    tag = el.tag
    if tag == CAROUSEL_TAG or el.get("hide-from-message-actions") is not None:
        return not CHIPS_INSIDE(el)
    if tag in _SKIP_TAGS:
        return True
    return not _SKIP_CLASSES.isdisjoint((el.get("class") or "").split())


def _block_kind(el: Element) -> BlockKind | None:
    if el.tag == LINK_BLOCK_TAG:
        return BlockKind.paragraph
    return default_block_kind(el)


def _readable_math(root: Element) -> None:
    """Replace KaTeX renderings by the LaTeX source Gemini keeps in `data-math`.

    This edits the tree parsed for this extraction only, before it is walked.
    """
    for math in MATH(root):
        latex = math.get("data-math") or ""
        for child in list(math):
            math.remove(child)
        math.text = f" {latex} " if "math-block" in (math.get("class") or "") else latex


def _chip_label(chip: Element) -> str | None:
    return text_of(chip) or norm(CHIP_BUTTON_LABEL(chip)) or None


def _chips(anchors: list[Anchor], warnings: list[str]) -> list[Citation]:
    """Chat chips: one citation per source the chip's dialog listed, sharing the chip's group."""
    citations: list[Citation] = []
    for chip_number, anchor in enumerate(anchors, start=1):
        chip = anchor.element
        label = _chip_label(chip)
        kind = CitationKind.footnote if chip.tag == "source-footnote" else CitationKind.chip
        members = captured_group(chip)
        if members is None:
            warnings.append(f"chip {label!r} was not opened: the sources behind it are not in the snapshot")
        elif not members:
            warnings.append(f"{contracts.ENGINE_CHANGED}: the dialog of chip {label!r} listed no readable source")
        entries = members or [(None, None)]
        # A group ties the URLs behind one chip together; an unopened chip's group stands for unknown URLs.
        group = f"chip-{chip_number}" if members is None or len(members) > 1 else None
        for url, title in entries:
            raw, canonical, domain = url_fields(url)
            citations.append(
                Citation(
                    position=len(citations) + 1,
                    kind=kind,
                    label=label,
                    url=raw,
                    canonical_url=canonical,
                    domain=domain,
                    title=title,
                    block_index=anchor.block_index,
                    char_start=anchor.char_start,
                    group=group,
                    visible=visible_of(chip),
                )
            )
    return citations


def _footnotes(anchors: list[Anchor], used: list[Source], warnings: list[str]) -> list[Citation]:
    """Deep Research footnotes: index N is the Nth used source."""
    citations: list[Citation] = []
    out_of_range: list[str] = []
    for anchor in anchors:
        index = FOOTNOTE_INDEX(anchor.element).strip()
        source = used[int(index) - 1] if index.isdigit() and 0 < int(index) <= len(used) else None
        if source is None:
            out_of_range.append(index or "?")
        citations.append(
            Citation(
                position=len(citations) + 1,
                kind=CitationKind.footnote,
                label=index or None,
                url=source.url if source else None,
                canonical_url=source.canonical_url if source else None,
                domain=source.domain if source else None,
                title=source.title if source else None,
                block_index=anchor.block_index,
                char_start=anchor.char_start,
                visible=visible_of(anchor.element),
            )
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
        title=norm(SOURCE_TITLE(link)) or None,
        site_name=norm(SOURCE_DOMAIN(link)) or None,
        cited=kind is SourceKind.listed,
        visible=visible_of(link),
    )


def _report_sources(tree: Element, used_links: list[Element], used: list[Source]) -> list[Source]:
    """The report's used sources (cited) then its unused ones, deduplicated, in display order.

    `used` are the sources already read from `used_links`, in the same order.
    """
    read = dict(zip(used_links, used, strict=True))
    found = [read[link] for link in display_order(used_links)]
    found += [_source(link, SourceKind.unused) for link in display_order(UNUSED_SOURCES(tree))]
    sources: list[Source] = []
    seen: set[str] = set()
    for source in found:
        if source.canonical_url is None or source.canonical_url in seen:
            continue
        seen.add(source.canonical_url)
        sources.append(source.model_copy(update={"position": len(sources) + 1}))
    return sources


def _chat_sources(recorded: Sequence[tuple[str | None, str | None]], citations: list[Citation]) -> list[Source]:
    """The answer's "Sources" dialog as the scraper recorded it, then any cited URL it did not list."""
    cited = {c.canonical_url for c in citations if c.canonical_url}
    sources: list[Source] = []
    seen: set[str] = set()
    entries = [*recorded, *((c.url, c.title) for c in citations if c.url)]
    for url, title in entries:
        raw, canonical, domain = url_fields(url)
        if canonical is None or canonical in seen:
            continue
        seen.add(canonical)
        sources.append(
            Source(
                position=len(sources) + 1,
                kind=SourceKind.listed,
                url=raw,
                canonical_url=canonical,
                domain=domain,
                title=title,
                cited=canonical in cited,
            )
        )
    return sources
