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
behind "Show all"), and may be split over several `<ul>`: every entry of the module is read, then
deduplicated by canonical URL.

Since November 2025 (engines.md §4.3) the module holds the AI Mode answer component instead
(`div[data-subtree=aimc]`, read by `_aimc`): citation buttons resolved through comment islands, source cards
`div[data-src-id]` and, on some pages, the old `li.LLtSOc` list beside them; both are sources, merged in
display order. Whether the overview is there, failed, unavailable or still generating is decided from what
the page displayed (`_google.shown`), never from a placeholder's presence: both layouts keep their
placeholders in the DOM, hidden.
"""

from __future__ import annotations

import re

from citewatch.extract import _aimc, contracts
from citewatch.extract._cards import cited_sources
from citewatch.extract._google import google_wall, hides, organic_results, origin_of, related_questions, shown
from citewatch.extract._html import (
    Anchor,
    Element,
    WalkedAnswer,
    captured_group,
    class_text,
    display_order,
    first,
    inline_links,
    norm,
    parse,
    truncation_warning,
    visible_of,
    walk_answer,
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
from citewatch.selectors import Selectors

EXTRACTOR_VERSION = "google_aio/2"


# engines.md §4.2, §4.3: every selector is data in citewatch/selectors/google_aio.toml (the answer component's,
# shared with AI Mode, in _google.toml), which users can override.
SEL = Selectors("google_aio")
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})  # headings may also come as h2-h6 or role=heading
# A source snippet starts with its page's date when Google knows it: "31 Dec 2024 — text…", "5 März 2024 — …"
# (any language: the year is what makes it a date, so "Step 1 — …" stays snippet).
_DATED = re.compile(r"^(?P<date>[^—]{0,30}?(?<!\d)(?:19|20)\d{2}(?!\d)[^—]{0,12}?)\s+—\s+(?P<rest>.+)$", re.S)

# What a module shows besides an answer, left out when judging whether it shows text no layout here reads:
# its label and headings, controls, and what hides itself.
_CHROME_TAGS = frozenset({"script", "style", "svg", "noscript", "template", "button", "h1", "h2", "h3", "h4"})
_CHROME_ROLES = frozenset({"heading", "button", "progressbar", "dialog", "menu"})
_STILL_GENERATING = "the AI Overview was still generating when the page was saved"


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
    module = first(SEL.xpath("module")(tree))
    if module is None:
        result.status = wall or ExtractionStatus.no_answer
        return result
    root = first(SEL.xpath("answer_root")(module))
    root = module if root is None else root
    base = origin_of(snapshot.url)
    component = _aimc.answer_container(root)
    if component is not None:
        broken = _read_component(result, module, component, wall, base)
    else:
        broken = _read_sentences(result, module, root, wall, base)
    if result.status is not ExtractionStatus.answered:
        return result
    if SEL.xpath("show_more")(module):
        result.warnings.append('the AI Overview was collapsed ("Show more" not opened): it may be cut short')
    result.warnings += contracts.check(result, expect_citations=True) + broken
    return result


def _read_sentences(
    result: Extraction, module: Element, root: Element, wall: ExtractionStatus | None, base: str
) -> list[str]:
    """The July 2025 layout (engines.md §4.2): sentences, citation clusters, the source list. Returns the
    layout's broken contracts."""
    sentences = SEL.xpath("sentences")(root)
    if not sentences:
        _without_overview(result, module, root, wall)
        return []
    result.status = ExtractionStatus.answered
    walked = _walk(root, sentences)
    result.answer = walked.answer
    result.mentions = walked.mentions
    result.citations = _citations(walked.citations, result.warnings)
    result.sources = _sources(module, result.citations, base)
    return _cluster_contracts(result, root, sentences)


def _read_component(
    result: Extraction, module: Element, component: Element, wall: ExtractionStatus | None, base: str
) -> list[str]:
    """The current layout (engines.md §4.3): the AI Mode answer component inside the module. Returns the
    layout's broken contracts."""
    walked = _aimc.walk(component)
    if not walked.answer.text.strip() and not walked.citations:
        _without_overview(result, module, component, wall)
        return []
    result.answer = walked.answer
    result.status = ExtractionStatus.answered
    if _generating(module):  # saved mid-stream: what arrived is kept, but it is not the whole overview
        result.status = ExtractionStatus.error
        result.warnings.append(_STILL_GENERATING)
    cards = _aimc.cards(module)
    by_id = {card_id: card for card_id, card in cards if card_id}
    result.citations = _aimc.citations(walked.citations, _aimc.islands(module), by_id, result.warnings)
    result.citations += inline_links(walked.links, _aimc.link_target, start=len(result.citations) + 1)
    shown_sources = [*(card for _, card in cards), *_listed(module, base), *cited_sources(result.citations)]
    result.sources = _aimc.merge_sources([*shown_sources, *_aimc.videos(component)], result.citations)
    result.mentions = _aimc.mentions(walked.mentions, result.answer.blocks)
    broken = _aimc.unresolved_contract(result, walked.citations)
    if walked.citations and not any(s.kind is not SourceKind.video for s in result.sources):
        broken.append(f"{contracts.ENGINE_CHANGED}: the overview cites but no source card or list was found")
    return broken


def _generating(module: Element) -> bool:
    return any(shown(el) for el in SEL.xpath("generating")(module))


def _without_overview(result: Extraction, module: Element, root: Element, wall: ExtractionStatus | None) -> None:
    """Why the module has no text: a wall over it, Google's own placeholders (when displayed), an overview
    still loading, or a module whose text is in no layout known here."""
    if wall is not None:
        result.status = wall
    elif any(shown(el) for el in SEL.xpath("cannot_generate")(module)):
        result.status = ExtractionStatus.error
        result.warnings.append("the engine could not generate an AI Overview for this search")
    elif any(shown(el) for el in SEL.xpath("not_available")(module)):
        result.status = ExtractionStatus.no_answer
        result.warnings.append("the engine said an AI Overview is not available for this search")
    elif _generating(module) or not _shown_text(root).strip():
        # The module is on the page but its text never arrived (deferred /async/folsrch overview, engines.md §4.2).
        result.status = ExtractionStatus.error
        result.warnings.append(_STILL_GENERATING)
    else:
        result.status = ExtractionStatus.error
        result.warnings.append(f"{contracts.ENGINE_CHANGED}: the AI Overview module shows text in no known layout")


def _shown_text(el: Element) -> str:
    """The text a reader saw in `el`, leaving out what is hidden and the module's own chrome."""
    if el.tag in _CHROME_TAGS or el.get("role") in _CHROME_ROLES or hides(el) or visible_of(el) is False:
        return ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_shown_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _walk(root: Element, sentences: list[Element]) -> WalkedAnswer:
    blocks = _blocks(root, sentences)
    keep: set[Element] = set()
    for block in blocks:
        keep.update(block.iter())
        keep.update(block.iterancestors())

    cluster, supported = SEL.name("cluster_attribute"), SEL.name("cluster_sentences_attribute")

    def is_cluster(el: Element) -> bool:
        return el.get(cluster) is not None and el.get(supported) is not None

    return walk_answer(
        [root],
        is_citation=is_cluster,
        block_kind=blocks.get,
        skip=lambda el: el not in keep,
    )


def _blocks(root: Element, sentences: list[Element]) -> dict[Element, BlockKind]:
    """The overview's blocks: each sentence's list item, heading or table, else the sentence's own container."""
    blocks: dict[Element, BlockKind] = {}
    heading_class = SEL.name("heading_class")
    for sentence in sentences:
        block, kind = _block_of(sentence, root, heading_class)
        if block not in blocks:
            blocks[block] = kind
    # A block inside another block (a paragraph inside a list item) is read as part of the outer one.
    return {block: kind for block, kind in blocks.items() if not any(a in blocks for a in block.iterancestors())}


def _block_of(sentence: Element, root: Element, heading_class: str) -> tuple[Element, BlockKind]:
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
    heading = heading_class in (parent.get("class") or "").split()
    return parent, BlockKind.heading if heading else BlockKind.paragraph


def _citations(anchors: list[Anchor], warnings: list[str]) -> list[Citation]:
    citations: list[Citation] = []
    unopened = 0
    group_attribute = SEL.name("cluster_attribute")
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
                    group=cluster.get(group_attribute),
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
    """The source list, deduplicated, then any cluster link the list did not show ("Show all" not opened).
    Unless every cluster was opened, every listed source counts as cited (the list holds the references)."""
    all_opened = bool(citations) and all(c.url for c in citations)
    shown = [*_listed(module, base), *cited_sources(citations)]
    return _aimc.merge_sources(shown, citations, all_cited=not all_opened)


def _listed(module: Element, base: str) -> list[Source]:
    """Every entry of every source list of the module (`li.LLtSOc a.KEVENd`, in all its `<ul>`), in display
    order, not yet deduplicated."""
    entries: list[Source] = []
    source_item = SEL.xpath("source_item")
    texts = tuple(SEL.name(key).split(".", 1) for key in ("entry_title", "entry_site", "entry_snippet"))
    for link in display_order(SEL.xpath("source_links")(module)):
        raw, canonical, domain = url_fields(link.get("href"), base)
        if canonical is None:
            continue
        title, site, text = _entry_texts(first(source_item(link)), texts)
        snippet, published = _snippet_and_date(text)
        entries.append(
            Source(
                position=0,
                kind=SourceKind.listed,
                url=raw,
                canonical_url=canonical,
                domain=domain,
                title=title or norm(link.get("aria-label")) or None,
                site_name=site or None,
                snippet=snippet,
                published=published,
                visible=visible_of(link),
            )
        )
    return entries


def _entry_texts(item: Element | None, texts: tuple[list[str], ...]) -> tuple[str, str, str]:
    """A source entry's title, site name and snippet (`texts`: their `[tag, class]`); "" when missing."""
    if item is None:
        return "", "", ""
    (title_tag, title_class), (site_tag, site_class), (snippet_tag, snippet_class) = texts
    return (
        norm(class_text(item, title_tag, title_class)),
        norm(class_text(item, site_tag, site_class)),
        norm(class_text(item, snippet_tag, snippet_class)),
    )


def _snippet_and_date(text: str) -> tuple[str | None, str | None]:
    dated = _DATED.match(text)
    if dated:
        return norm(dated.group("rest")) or None, dated.group("date").strip()
    return text or None, None


def _cluster_contracts(result: Extraction, root: Element, sentences: list[Element]) -> list[str]:
    broken: list[str] = []
    sentence_attribute = SEL.name("sentence_attribute")
    known = {s.get(sentence_attribute) for s in sentences}
    clusters, supported = SEL.xpath("clusters")(root), SEL.name("cluster_sentences_attribute")
    dangling = {u for c in clusters for u in (c.get(supported) or "").split(",") if u and u not in known}
    if dangling:
        broken.append(f"{contracts.ENGINE_CHANGED}: citation clusters name {len(dangling)} sentence(s) not on the page")
    if clusters and not result.sources:
        broken.append(f"{contracts.ENGINE_CHANGED}: the overview cites but no source list was found")
    return broken
