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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._html import (
    Anchor,
    Element,
    WalkedAnswer,
    anchor_citation,
    class_text,
    default_block_kind,
    display_order,
    first,
    norm,
    text_of,
    visible_of,
    walk_answer,
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
from citewatch.selectors import Selectors

# engines.md §5.2 / §4.3: every selector is data in citewatch/selectors/_google.toml, shared by both Google
# engines, which users can override.
SEL = Selectors("_google")
# engines.md §5.2: place cards are `google.com/viewer/place?mid=…` links.
_PLACE_PATH = "/viewer/place"

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
    return first(SEL.xpath("answer_containers")(scope))


def answer_column(container: Element) -> Element:
    """The answer column, or the whole container on pages that have no column."""
    column = first(SEL.xpath("answer_column")(container))
    return container if column is None else column


def walk(container: Element) -> WalkedAnswer:
    column = answer_column(container)
    block_kind = _block_kind_test()
    widgets = set(_video_widgets(column, block_kind))
    skip_attributes, skip_roles = SEL.names("skip_attributes"), SEL.names("skip_roles")

    def skip(el: Element) -> bool:
        return not skip_attributes.isdisjoint(el.keys()) or el.get("role") in skip_roles or el in widgets

    return walk_answer([column], is_citation=_citation_test(), block_kind=block_kind, skip=skip)


# The tests below are asked of every element of the answer, so the names they compare are bound once a page.


def _citation_test() -> Callable[[Element], bool]:
    tag, attribute = SEL.name("citation_tag"), SEL.name("citation_attribute")

    def is_citation(el: Element) -> bool:
        return el.tag == tag and el.get(attribute) is not None

    return is_citation


def _block_kind_test() -> Callable[[Element], BlockKind | None]:
    paragraph_class, paragraph_attribute = SEL.name("paragraph_class"), SEL.name("paragraph_attribute")

    def block_kind(el: Element) -> BlockKind | None:
        if el.get("role") == "heading":
            return BlockKind.heading
        if (
            el.tag == "div"
            and el.get(paragraph_attribute) is not None
            and paragraph_class in (el.get("class") or "").split()
        ):
            return BlockKind.paragraph
        return default_block_kind(el)

    return block_kind


# --- embedded videos ---------------------------------------------------------------------------------


def _video_widgets(column: Element, block_kind: Callable[[Element], BlockKind | None]) -> list[Element]:
    """The roots of the video widgets in the column, in reading order: from each hook up to the last element
    below its block. A plain link to a video in the prose (no thumbnail, no player) stays a link."""
    roots: list[Element] = []
    for hook in SEL.xpath("video_hooks")(column):
        node = hook
        parent = node.getparent()
        while parent is not None and parent is not column and block_kind(parent) is None:
            node, parent = parent, parent.getparent()
        if node not in roots and next(node.iter("img", "video"), None) is not None:
            roots.append(node)
    return roots


def videos(container: Element) -> list[Source]:
    """The videos embedded in the answer, as `video` sources (shown, not cited), in reading order."""
    column = answer_column(container)
    found: list[Source] = []
    video_link = SEL.xpath("video_link")
    for widget in _video_widgets(column, _block_kind_test()):
        link = first(video_link(widget))
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
    prefix = SEL.name("island_prefix")
    for comment in SEL.xpath("islands")(scope):
        for uuid, entry in _island_rows(comment.text or "", prefix):
            known = linked.setdefault(uuid, [])
            if all(entry.url != k.url and (entry.src_id is None or entry.src_id != k.src_id) for k in known):
                known.append(entry)
    return linked


def _island_rows(text: str, prefix: str) -> list[tuple[str, _Linked]]:
    if not text.startswith(prefix):
        return []
    raw = text[len(prefix) :]
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
    attribute = SEL.name("citation_attribute")
    for anchor in anchors:
        button = anchor.element
        uuid = button.get(attribute) or ""
        entries = linked.get(uuid, [])
        if not entries:
            unresolved += 1
        # One button standing for several sources (or for sources the snapshot does not hold) is a group.
        group = uuid if len(entries) != 1 else None
        targets: list[_Linked | None] = list(entries) or [None]
        label = text_of(button) or None
        for entry in targets:
            fields: UrlFields = (None, None, None)
            title = None
            if entry is not None:
                fields = url_fields(entry.url)
                card = cards.get(entry.src_id) if entry.src_id else None
                title = (card.title if card is not None else None) or entry.title
            found.append(anchor_citation(anchor, len(found) + 1, CitationKind.chip, label, fields, title, group))
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
    return first(SEL.xpath("rhs_column")(scope))


def cards(scope: Element | None) -> list[Card]:
    """The preview cards, then the dialog's, each list in on-screen order."""
    if scope is None:
        return []
    found: list[Card] = []
    previews, dialog = SEL.xpath("preview_cards")(scope), SEL.xpath("dialog_cards")(scope)
    links = (SEL.xpath("card_link"), SEL.xpath("card_any_link"))
    texts = tuple(SEL.name(key).split(".", 1) for key in ("card_title", "card_site", "card_snippet"))
    for element in [*display_order(previews), *display_order(dialog)]:
        source = _card(element, links, texts)
        if source is not None:
            found.append((element.get("data-src-id"), source))
    return found


def _card(element: Element, links: tuple[etree.XPath, ...], texts: tuple[list[str], ...]) -> Source | None:
    """A card's source; `links` finds its link, `texts` are the `[tag, class]` of its title, site and snippet."""
    link = next((found[0] for query in links if (found := query(element))), None)
    url, canonical, domain = url_fields(link.get("href") if link is not None else None)
    if canonical is None:
        return None
    (title_tag, title_class), (site_tag, site_class), (snippet_tag, snippet_class) = texts
    snippet = norm(class_text(element, snippet_tag, snippet_class)) or None
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
        title=norm(class_text(element, title_tag, title_class)) or None,
        site_name=norm(class_text(element, site_tag, site_class)) or None,
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
    dialog_button = first(SEL.xpath("dialog_sites_button")(scope)) if scope is not None else None
    if dialog_button is not None:
        return _count(dialog_button.get("aria-label"))
    preview = first(SEL.xpath("sites_buttons")(scope)) if scope is not None else None
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
