"""Google AI Overview: the overview on top of a classic results page, its citation clusters, its source list,
and the page's organic results.

Selectors follow engines.md §4.2 (capture-verified on shared/captures/google_aio). The overview is a module
`div[data-mcpr]` whose answer root is `#m-x-content`. Its text is a run of sentences `span[data-huuid]`;
blocks are the sentences' containers (list items, heading paragraphs, paragraphs). A citation cluster
`div.NPrrbc[data-cid][data-uuids]` sits after the sentences it supports (`data-uuids` names them). The
cluster is an icon button: which links it stands for is shown only in the "View related links" panel it
opens, so the scraper opens each one and writes what the panel listed onto the cluster as
`data-cw-group-urls`. Without that mark a cluster is reported with no URL, and every listed source counts
as cited (the list holds the overview's references).

The source list `li.LLtSOc a.KEVENd` is rendered twice (the short list beside the text, the full list
behind "Show all"), so it is deduplicated by canonical URL.
"""

from __future__ import annotations

import re

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._google import google_wall, organic_results, origin_of, related_questions
from citewatch.extract._html import (
    Anchor,
    Element,
    WalkedAnswer,
    captured_group,
    class_text,
    display_order,
    first,
    has_class,
    norm,
    parse,
    truncation_warning,
    visible_of,
    walk_answer,
    with_class,
)
from citewatch.extract._urls import url_fields
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

EXTRACTOR_VERSION = "google_aio/1"


# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
# engines.md §4.2: the module `div[data-mcpr]` (its outermost one; the mfc subtree inside carries the
# attribute too), then its answer root `#m-x-content`.
MODULE = etree.XPath(
    "//div/@data-mcpr/parent::*[not(ancestor::div[@data-mcpr])]"
    " | //@id[. = 'm-x-content']/parent::*[not(ancestor::div[@data-mcpr])]"
)
ANSWER_ROOT = etree.XPath("descendant-or-self::*/@id[. = 'm-x-content']/parent::*")
# engines.md §4.2 "text": one span per sentence.
SENTENCES = etree.XPath("descendant::span[@data-huuid]")
# engines.md §4.2 "citation cluster": span.pjBG2e[data-cid] > div.NPrrbc[data-cid][data-uuids].
CLUSTERS = etree.XPath("descendant::div[@data-cid][@data-uuids]")
# engines.md §4.2 "failure states": placeholders that are always in the module, shown by style when they apply.
NOT_AVAILABLE = etree.XPath("descendant::span[@jsname='lGsj1']")
CANNOT_GENERATE = etree.XPath("descendant::span[@jsname='L1sC6e']")
# engines.md §4.2: "Show more AI Overview" (jsname rPRdsc, trigger.OiPALb) with its expanded state.
SHOW_MORE = etree.XPath(
    "descendant::*/@aria-expanded[. = 'false']/parent::*[@jsname='rPRdsc' or @jsaction='trigger.OiPALb']"
)
# engines.md §4.2 "source list": li.LLtSOc[jsname=XAYRPc] > a.KEVENd[href][aria-label=<title>].
SOURCE_LINKS = etree.XPath(f"{with_class('LLtSOc', 'descendant::li')}/{with_class('KEVENd', 'descendant::a')}[@href]")
SOURCE_ITEM = etree.XPath(f"ancestor::li[{has_class('LLtSOc')}][1]")
# Block containers (capture-verified): a heading paragraph is `div.rPeykc.pyPiTc` (its CSS is the heading
# style: larger type, weight 500, 20px above); headings may also come as h2-h6 or role=heading.
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_HEADING_CLASS = "pyPiTc"
# A source snippet starts with its page's date when Google knows it: "31 Dec 2024 — text…", "5 März 2024 — …"
# (any language: the year is what makes it a date, so "Step 1 — …" stays snippet).
_DATED = re.compile(r"^(?P<date>[^—]{0,30}?(?<!\d)(?:19|20)\d{2}(?!\d)[^—]{0,12}?)\s+—\s+(?P<rest>.+)$", re.S)


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="google_aio", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    wall = google_wall(tree, snapshot.url, snapshot.html)
    if wall is not None and wall is not ExtractionStatus.consent_required:
        result.status = wall
        return result
    result.organic_results = organic_results(tree, snapshot.url)
    result.related_questions = related_questions(tree)
    module = first(MODULE(tree))
    if module is None:
        result.status = wall or ExtractionStatus.no_answer
        return result
    root = first(ANSWER_ROOT(module))
    root = module if root is None else root
    sentences = SENTENCES(root)
    if not sentences:
        result.status, reason = _without_overview(module, wall)
        if reason:
            result.warnings.append(reason)
        return result

    result.status = ExtractionStatus.answered
    walked = _walk(root, sentences)
    result.answer = walked.answer
    result.mentions = walked.mentions
    result.citations = _citations(walked.citations, result.warnings)
    result.sources = _sources(module, result.citations, origin_of(snapshot.url))
    if SHOW_MORE(module):
        result.warnings.append('the AI Overview was collapsed ("Show more" not opened): it may be cut short')
    result.warnings += _contracts(result, root, sentences)
    return result


def _without_overview(module: Element, wall: ExtractionStatus | None) -> tuple[ExtractionStatus, str | None]:
    """Why the module has no text: a wall over it, Google's own placeholders, or an overview still loading."""
    if wall is not None:
        return wall, None
    if any(_shown(el, module) for el in CANNOT_GENERATE(module)):
        return ExtractionStatus.error, "the engine could not generate an AI Overview for this search"
    if any(_shown(el, module) for el in NOT_AVAILABLE(module)):
        return ExtractionStatus.no_answer, "the engine said an AI Overview is not available for this search"
    # The module is on the page but its text never arrived (deferred /async/folsrch overview, engines.md §4.2).
    return ExtractionStatus.error, "the AI Overview was still generating when the page was saved"


def _shown(el: Element, root: Element) -> bool:
    """Google keeps both placeholders in every module and hides the unused ones with `display:none`."""
    mark = visible_of(el)
    if mark is not None:
        return mark
    node: Element | None = el
    while node is not None:
        if "display:none" in (node.get("style") or "").replace(" ", ""):
            return False
        if node is root:
            return True
        node = node.getparent()
    return True


def _walk(root: Element, sentences: list[Element]) -> WalkedAnswer:
    blocks = _blocks(root, sentences)
    keep: set[Element] = set()
    for block in blocks:
        keep.update(block.iter())
        keep.update(block.iterancestors())

    def is_cluster(el: Element) -> bool:
        return el.get("data-cid") is not None and el.get("data-uuids") is not None

    return walk_answer(
        [root],
        is_citation=is_cluster,
        block_kind=blocks.get,
        skip=lambda el: el not in keep,
    )


def _blocks(root: Element, sentences: list[Element]) -> dict[Element, BlockKind]:
    """The overview's blocks: each sentence's list item, heading or table, else the sentence's own container."""
    blocks: dict[Element, BlockKind] = {}
    for sentence in sentences:
        block, kind = _block_of(sentence, root)
        if block not in blocks:
            blocks[block] = kind
    # A block inside another block (a paragraph inside a list item) is read as part of the outer one.
    return {block: kind for block, kind in blocks.items() if not any(a in blocks for a in block.iterancestors())}


def _block_of(sentence: Element, root: Element) -> tuple[Element, BlockKind]:
    parent = sentence.getparent()
    for node in sentence.iterancestors():
        if node is root:
            break
        if node.tag == "li":
            return node, BlockKind.list_item
        if node.tag == "table":
            return node, BlockKind.table
        if node.tag in _HEADING_TAGS or node.get("role") == "heading":
            return node, BlockKind.heading
    if parent is None or parent is root:
        return sentence, BlockKind.paragraph
    heading = _HEADING_CLASS in (parent.get("class") or "").split()
    return parent, BlockKind.heading if heading else BlockKind.paragraph


def _citations(anchors: list[Anchor], warnings: list[str]) -> list[Citation]:
    citations: list[Citation] = []
    unopened = 0
    for anchor in anchors:
        cluster = anchor.element
        group = captured_group(cluster)
        if not group:  # not opened, or its mark unreadable
            unopened += 1
        members: list[tuple[str | None, str | None]] = [*group] if group else [(None, None)]
        for url, title in members:
            raw, canonical, domain = url_fields(url)
            citations.append(
                Citation(
                    position=len(citations) + 1,
                    kind=CitationKind.chip,
                    url=raw,
                    canonical_url=canonical,
                    domain=domain,
                    title=title,
                    block_index=anchor.block_index,
                    char_start=anchor.char_start,
                    group=cluster.get("data-cid"),
                    visible=visible_of(cluster),
                )
            )
    if unopened:
        warnings.append(
            f"{unopened} of {len(anchors)} citation clusters were not opened: "
            "the links behind them are not in the snapshot"
        )
    return citations


def _sources(module: Element, citations: list[Citation], base: str) -> list[Source]:
    """The source list, deduplicated, then any cluster link the list did not show ("Show all" not opened)."""
    clustered = {c.canonical_url for c in citations if c.canonical_url}
    all_opened = bool(citations) and all(c.url for c in citations)
    sources: list[Source] = []
    by_url: dict[str, Source] = {}
    for link in display_order(SOURCE_LINKS(module)):
        raw, canonical, domain = url_fields(link.get("href"), base)
        if canonical is None:
            continue
        seen = by_url.get(canonical)
        if seen is not None:  # the same entry in the other rendering of the list
            if visible_of(link) and not seen.visible:
                seen.visible = True
            continue
        title, site, text = _entry_texts(first(SOURCE_ITEM(link)))
        snippet, published = _snippet_and_date(text)
        source = Source(
            position=len(sources) + 1,
            kind=SourceKind.listed,
            url=raw,
            canonical_url=canonical,
            domain=domain,
            title=title or norm(link.get("aria-label")) or None,
            site_name=site or None,
            snippet=snippet,
            published=published,
            cited=canonical in clustered if all_opened else True,
            visible=visible_of(link),
        )
        by_url[canonical] = source
        sources.append(source)
    for citation in citations:
        if citation.canonical_url and citation.canonical_url not in by_url:
            source = Source(
                position=len(sources) + 1,
                kind=SourceKind.listed,
                url=citation.url,
                canonical_url=citation.canonical_url,
                domain=citation.domain,
                title=citation.title,
                cited=True,
            )
            by_url[citation.canonical_url] = source
            sources.append(source)
    return sources


def _entry_texts(item: Element | None) -> tuple[str, str, str]:
    """A source entry's title, site name and snippet (`div.mNme1d`, `div.R8BTeb`, `span.gxZfx`); "" when missing."""
    if item is None:
        return "", "", ""
    return (
        norm(class_text(item, "div", "mNme1d")),
        norm(class_text(item, "div", "R8BTeb")),
        norm(class_text(item, "span", "gxZfx")),
    )


def _snippet_and_date(text: str) -> tuple[str | None, str | None]:
    dated = _DATED.match(text)
    if dated:
        return norm(dated.group("rest")) or None, dated.group("date").strip()
    return text or None, None


def _contracts(result: Extraction, root: Element, sentences: list[Element]) -> list[str]:
    broken = contracts.check(result, expect_citations=True)
    known = {s.get("data-huuid") for s in sentences}
    clusters = CLUSTERS(root)
    dangling = {u for c in clusters for u in (c.get("data-uuids") or "").split(",") if u and u not in known}
    if dangling:
        broken.append(f"{contracts.ENGINE_CHANGED}: citation clusters name {len(dangling)} sentence(s) not on the page")
    if clusters and not result.sources:
        broken.append(f"{contracts.ENGINE_CHANGED}: the overview cites but no source list was found")
    return broken
