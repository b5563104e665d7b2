"""Reading Google's AI Mode answer component (`div[data-subtree=aimc]`), wherever Google renders it.

Google AI Mode pages (engines.md §5.2) are made of it, and since November 2025 so are AI Overviews
(engines.md §4.3: the component inside the old `div[data-mcpr]` module). Both extractors read it here:

- `answer_container(scope)` finds the component; `walk(container)` reads its answer column into blocks,
  citation buttons `button[data-icl-uuid]` and inline links (widgets such as embedded videos left out);
- `islands(scope)` reads which sources each button stands for, `citations(...)` turns the buttons into
  `Citation` records;
- `cards(scope)` reads the source cards `div[data-src-id]` (preview list, then the "Show all" dialog),
  `videos(column)` the embedded videos, and `merge_sources(...)` deduplicates them into `Source` records.

Citation buttons carry only an id (`data-icl-uuid`). Which sources a button stands for is written in hidden
comment islands (`<!--Sv6Kpe[…]-->`, JSON, often HTML-escaped) under `div[data-crb-el]` elements, in two
shapes seen in the captures:
- links `[[uuid, "<src id>", flag, "<url>", "<favicon>", ""]]` (`QRfHcf`, engines.md §5.2, and `sfX1rc`,
  the same component: both are `jscontroller=m0LFHd`);
- cards `[[uuid, [title, snippet, favicon, origin, [site name], url, null, null, "<src id>", …]]]`
  (`Hrp5ac`, `IKOKE`: the carousel a list item's button opens).
The source id is the join key with the source cards `div[data-src-id]`. A button whose islands are not in
the snapshot is still reported, in reading order, with no URL (a heading's button usually: its islands
are not in the saved page).
Nothing here matches visible text: the UI is localised.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._html import (
    Anchor,
    Element,
    WalkedAnswer,
    class_text,
    default_block_kind,
    display_order,
    first,
    norm,
    text_of,
    visible_of,
    walk_answer,
    with_class,
)
from citewatch.extract._urls import UrlFields, url_fields
from citewatch.models import (
    AnswerBlock,
    BlockKind,
    Citation,
    CitationKind,
    Extraction,
    Mention,
    Source,
    SourceKind,
)

# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
# engines.md §5.2 / §4.3: the answer container `div[data-subtree=aimc]` and its answer column
# `div[data-container-id=main-col]`.
ANSWER_CONTAINERS = etree.XPath("descendant-or-self::div/@data-subtree[. = 'aimc']/parent::*")
ANSWER_COLUMN = etree.XPath("descendant::div/@data-container-id[. = 'main-col']/parent::*")
# engines.md §5.2 "inline citation": button.rBl3me[data-icl-uuid] (`_is_citation`); "citation resolution":
# the comment islands under `div[data-crb-el]`; a card's own island repeats the card.
ISLANDS = etree.XPath("descendant::*/@data-crb-el/parent::*[not(@data-src-id)]/comment()")
# engines.md §5.2 right column: the preview list and the "Show all related links" dialog, both made of
# `div[data-src-id]` cards (§4.3: `data-crb-el=kXllB`, link `a.NDNGvf`), and the "N sites" button
# (`data-xid=x92FHb`, localised aria-label).
_DIALOGS = "descendant::*/@role[. = 'dialog']/parent::*"
RHS_COLUMN = etree.XPath("descendant::div/@data-container-id[. = 'rhs-col']/parent::*")
PREVIEW_CARDS = etree.XPath("descendant::div/@data-src-id/parent::*[not(ancestor::*[@role='dialog'])]")
DIALOG_CARDS = etree.XPath(f"{_DIALOGS}/descendant::div/@data-src-id/parent::*")
SITES_BUTTONS = etree.XPath("descendant::button/@data-xid[. = 'x92FHb']/parent::*")
DIALOG_SITES_BUTTON = etree.XPath(f"{_DIALOGS}/descendant::button/@data-xid[. = 'x92FHb']/parent::*")
CARD_LINKS = (etree.XPath(f"{with_class('NDNGvf', 'descendant::a')}[@href]"), etree.XPath(".//a[@href][1]"))
# engines.md §5.2 blocks: paragraphs `div.Y3BBE[data-sfc-cp]`, headings `[role=heading]`, lists `ul > li`.
PARAGRAPH_CLASS = "Y3BBE"
# engines.md §4.3: an embedded video in the answer (capture: `div[jscontroller=uDeH3]` holding a `<video>`
# and a thumbnail linking to YouTube) is a widget, not prose and not a source of the source list. It is
# found from its `<video>` or its link to a video host, then climbed up to the widget below its block.
VIDEO_HOOKS = etree.XPath(
    "descendant::video | descendant::a/@href[contains(., 'youtube.com/') or contains(., 'youtu.be/')]/parent::*"
)
VIDEO_LINK = etree.XPath(
    "descendant-or-self::a/@href[contains(., 'youtube.com/') or contains(., 'youtu.be/')]/parent::*"
)
# engines.md §5.2: place cards are `google.com/viewer/place?mid=…` links.
_PLACE_PATH = "/viewer/place"

# Widgets inside the answer column that are not prose: hidden data islands, tooltips, the disclaimer,
# share and feedback controls, suggestion chips (`data-xid`), and dialogs and button groups (roles).
_SKIP_ROLES = frozenset({"dialog", "group", "button", "status", "menu"})
_ISLAND_PREFIX = "Sv6Kpe"
# "24 lis 2025 — snippet": a card's snippet starts with the page's date when Google knows it.
_DATED_SNIPPET = re.compile(r"^(?P<date>[^—]{4,30}?\d[^—]{0,30}?)\s+—\s+(?P<snippet>.+)$", re.S)
_COUNT = re.compile(r"\d[\d\s.,\u00a0\u202f]*")

Card = tuple[str | None, Source]  # a card's `data-src-id` and what it shows


@dataclass(frozen=True, slots=True)
class _Linked:
    """One source a citation button stands for, as an island tells it."""

    src_id: str | None
    url: str
    title: str | None


def answer_container(scope: Element) -> Element | None:
    return first(ANSWER_CONTAINERS(scope))


def answer_column(container: Element) -> Element:
    """The answer column, or the whole container on pages that have no column."""
    column = first(ANSWER_COLUMN(container))
    return container if column is None else column


def walk(container: Element) -> WalkedAnswer:
    column = answer_column(container)
    widgets = set(_video_widgets(column))

    def skip(el: Element) -> bool:
        return _skip(el) or el in widgets

    return walk_answer([column], is_citation=_is_citation, block_kind=_block_kind, skip=skip)


def _is_citation(el: Element) -> bool:
    return el.tag == "button" and el.get("data-icl-uuid") is not None


def _block_kind(el: Element) -> BlockKind | None:
    if el.get("role") == "heading":
        return BlockKind.heading
    if el.tag == "div" and el.get("data-sfc-cp") is not None and PARAGRAPH_CLASS in (el.get("class") or "").split():
        return BlockKind.paragraph
    return default_block_kind(el)


def _skip(el: Element) -> bool:
    return el.get("data-crb-el") is not None or el.get("data-xid") is not None or el.get("role") in _SKIP_ROLES


# --- embedded videos ---------------------------------------------------------------------------------


def _video_widgets(column: Element) -> list[Element]:
    """The roots of the video widgets in the column, in reading order: from each hook up to the last element
    below its block. A plain link to a video in the prose (no thumbnail, no player) stays a link."""
    roots: list[Element] = []
    for hook in VIDEO_HOOKS(column):
        node = hook
        parent = node.getparent()
        while parent is not None and parent is not column and _block_kind(parent) is None:
            node, parent = parent, parent.getparent()
        if node not in roots and next(node.iter("img", "video"), None) is not None:
            roots.append(node)
    return roots


def videos(container: Element) -> list[Source]:
    """The videos embedded in the answer, as `video` sources (shown, not cited), in reading order."""
    column = answer_column(container)
    found: list[Source] = []
    for widget in _video_widgets(column):
        link = first(VIDEO_LINK(widget))
        url, canonical, domain = url_fields(link.get("href") if link is not None else None)
        if canonical is None or link is None:
            continue
        title = " ".join(norm(t) for t in link.itertext() if norm(t)) or None
        found.append(
            Source(
                position=0,
                kind=SourceKind.video,
                url=url,
                canonical_url=canonical,
                domain=domain,
                title=title,
                visible=visible_of(widget),
            )
        )
    return found


# --- citation islands ------------------------------------------------------------------------------


def islands(scope: Element) -> dict[str, list[_Linked]]:
    """Every source each citation uuid stands for, in the islands' document order, once per source."""
    linked: dict[str, list[_Linked]] = {}
    for comment in ISLANDS(scope):
        for uuid, entry in _island_rows(comment.text or ""):
            known = linked.setdefault(uuid, [])
            if all(entry.url != k.url and (entry.src_id is None or entry.src_id != k.src_id) for k in known):
                known.append(entry)
    return linked


def _island_rows(text: str) -> list[tuple[str, _Linked]]:
    if not text.startswith(_ISLAND_PREFIX):
        return []
    raw = text[len(_ISLAND_PREFIX) :]
    if "&quot;" in raw:  # the islands are served entity-escaped, and comments are never unescaped
        raw = _unescape(raw)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return []
    rows: list[tuple[str, _Linked]] = []
    for row in data if isinstance(data, list) else []:
        entry = _island_entry(row)
        if entry is not None:
            rows.append(entry)
    return rows


def _unescape(raw: str) -> str:
    """`html.unescape`, by plain replacement when the only entities are the islands' own `&quot;` and `&#39;`:
    `html.unescape` calls back into Python for every entity, and a big page's islands hold over a thousand."""
    if raw.count("&") != raw.count("&quot;") + raw.count("&#39;"):
        return html.unescape(raw)
    return raw.replace("&quot;", '"').replace("&#39;", "'")


def _island_entry(row: object) -> tuple[str, _Linked] | None:
    if not isinstance(row, list) or len(row) < 2 or not isinstance(row[0], str):
        return None
    uuid, payload = row[0], row[1]
    # Link shape: [uuid, "<src id>", flag, "<url>", …]
    if isinstance(payload, str) and len(row) >= 4 and isinstance(row[3], str) and row[3].startswith("http"):
        return uuid, _Linked(src_id=payload, url=row[3], title=None)
    # Card shape: [uuid, [title, snippet, favicon, origin, [site name], url, null, null, "<src id>", …]]
    if isinstance(payload, list) and len(payload) >= 6 and isinstance(payload[5], str):
        if not payload[5].startswith("http"):
            return None
        src_id = payload[8] if len(payload) > 8 and isinstance(payload[8], str) else None
        title = payload[0] if isinstance(payload[0], str) else None
        return uuid, _Linked(src_id=src_id, url=payload[5], title=norm(title) or None)
    return None


def citations(
    anchors: list[Anchor], linked: dict[str, list[_Linked]], cards: dict[str, Source], warnings: list[str]
) -> list[Citation]:
    """One record per source each button stands for, in reading order; a button of several sources is a group."""
    found: list[Citation] = []
    unresolved = 0
    for anchor in anchors:
        button = anchor.element
        uuid = button.get("data-icl-uuid") or ""
        entries = linked.get(uuid, [])
        if not entries:
            unresolved += 1
        # One button standing for several sources (or for sources the snapshot does not hold) is a group.
        group = uuid if len(entries) != 1 else None
        targets: list[_Linked | None] = list(entries) or [None]
        label, visible = text_of(button) or None, visible_of(button)
        for entry in targets:
            url = canonical = domain = title = None
            if entry is not None:
                url, canonical, domain = url_fields(entry.url)
                card = cards.get(entry.src_id) if entry.src_id else None
                title = (card.title if card is not None else None) or entry.title
            found.append(
                Citation(
                    position=len(found) + 1,
                    kind=CitationKind.chip,
                    label=label,
                    url=url,
                    canonical_url=canonical,
                    domain=domain,
                    title=title,
                    block_index=anchor.block_index,
                    char_start=anchor.char_start,
                    group=group,
                    visible=visible,
                )
            )
    if unresolved:
        warnings.append(
            f"{unresolved} of {len(anchors)} citation buttons have no source in the snapshot "
            "(their data islands were not loaded)"
        )
    return found


def link_target(link: Element) -> UrlFields | None:
    """A link to a web page, not to another Google search."""
    raw, canonical, domain = url_fields(link.get("href"))
    return None if canonical is None or _is_google_search(canonical) else (raw, canonical, domain)


def _is_google_search(url: str) -> bool:
    """A link back into Google's own pages (search, support), except a place card."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (host == "google.com" or host.endswith(".google.com")) and not parts.path.startswith(_PLACE_PATH)


# --- source cards ----------------------------------------------------------------------------------


def rhs_column(scope: Element) -> Element | None:
    return first(RHS_COLUMN(scope))


def cards(scope: Element | None) -> list[Card]:
    """The preview cards, then the dialog's, each list in on-screen order."""
    if scope is None:
        return []
    found: list[Card] = []
    for element in [*display_order(PREVIEW_CARDS(scope)), *display_order(DIALOG_CARDS(scope))]:
        source = _card(element)
        if source is not None:
            found.append((element.get("data-src-id"), source))
    return found


def _card(element: Element) -> Source | None:
    link = next((found[0] for query in CARD_LINKS if (found := query(element))), None)
    url, canonical, domain = url_fields(link.get("href") if link is not None else None)
    if canonical is None:
        return None
    snippet = norm(class_text(element, "span", "vhJ6Pe")) or None
    published = None
    dated = _DATED_SNIPPET.match(snippet or "")
    if dated:
        published, snippet = dated.group("date").strip(), dated.group("snippet").strip()
    place = urlsplit(canonical).path.startswith(_PLACE_PATH) and domain == "google.com"
    return Source(
        position=0,
        kind=SourceKind.place if place else SourceKind.card,
        url=url,
        canonical_url=canonical,
        domain=domain,
        title=norm(class_text(element, "div", "Nn35F")) or None,
        site_name=norm(class_text(element, "span", "R0r5R")) or None,
        snippet=snippet,
        published=published,
        visible=visible_of(element),
    )


def merge_sources(shown: Iterable[Source], citations: list[Citation], *, all_cited: bool = False) -> list[Source]:
    """Every shown source once (by canonical URL, first showing kept), numbered, saying whether a citation
    points at it (`all_cited`: the citations could not be resolved, and the sources are their references).
    A source shown twice is visible when either showing was. Videos are shown, never cited."""
    cited = {c.canonical_url for c in citations if c.canonical_url}
    sources: list[Source] = []
    by_url: dict[str, Source] = {}
    for source in shown:
        canonical = source.canonical_url
        if canonical is None:
            continue
        seen = by_url.get(canonical)
        if seen is not None:
            if source.visible and not seen.visible:
                seen.visible = True
            continue
        is_cited = (all_cited or canonical in cited) and source.kind is not SourceKind.video
        kept = source.model_copy(update={"position": len(sources) + 1, "cited": is_cited})
        by_url[canonical] = kept
        sources.append(kept)
    return sources


# --- mentions and contracts ------------------------------------------------------------------------


def mentions(found: list[Mention], blocks: list[AnswerBlock]) -> list[Mention]:
    """Emphasised names, except a heading set in bold as a whole (a section title, not a highlight)."""
    headings = {b.index: b.text for b in blocks if b.kind is BlockKind.heading}
    return [m for m in found if headings.get(m.block_index) != m.text]


def _count(label: str | None) -> int | None:
    """The number in a localised "11 sites" / "11 witryn" label."""
    match = _COUNT.search(label or "")
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits else None


def displayed_sources(result: Extraction, scope: Element | None, warnings: list[str]) -> int | None:
    """The source count the opened dialog shows ("11 sites"); warns when only the preview was saved."""
    dialog_button = first(DIALOG_SITES_BUTTON(scope)) if scope is not None else None
    if dialog_button is not None:
        return _count(dialog_button.get("aria-label"))
    preview = first(SITES_BUTTONS(scope)) if scope is not None else None
    shown = _count(preview.get("aria-label")) if preview is not None else None
    if shown is not None and shown > len(result.sources):
        warnings.append(
            f"the sources dialog was not opened: the page shows {shown} sites, {len(result.sources)} were read"
        )
    return None


def unresolved_contract(result: Extraction, buttons: list[Anchor]) -> list[str]:
    """Buttons that all resolve to nothing mean the islands' shape changed, not that nothing was cited."""
    if buttons and all(c.url is None for c in result.citations if c.kind is CitationKind.chip):
        return [f"{contracts.ENGINE_CHANGED}: none of the {len(buttons)} citation buttons resolved to a source"]
    return []
