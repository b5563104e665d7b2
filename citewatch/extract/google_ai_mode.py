"""Google AI Mode (`google.com/search?udm=50`): the answer, its citation buttons, the source cards.

Selectors follow engines.md §5.2 and the real saved page (shared/captures/google_ai_mode, Polish UI), so
nothing here matches visible text: the UI is localised. A follow-up question adds a turn
(`div[data-scope-id=turn]`); each turn is a separate answer, so the last one is read and the page says how
many there were.

Citation buttons carry only an id (`data-icl-uuid`). Which sources a button stands for is written in hidden
comment islands (`<!--Sv6Kpe[…]-->`, JSON, often HTML-escaped) under `div[data-crb-el]` elements of the
turn, in two shapes seen in the capture:
- links `[[uuid, "<src id>", flag, "<url>", "<favicon>", ""]]` (`QRfHcf`, engines.md §5.2, and `sfX1rc`,
  the same component: both are `jscontroller=m0LFHd`);
- cards `[[uuid, [title, snippet, favicon, origin, [site name], url, null, null, "<src id>", …]]]`
  (`Hrp5ac`, `IKOKE`: the carousel a list item's button opens).
The source id is the join key with the source cards `div[data-src-id]`. A button whose islands are not in
the snapshot is still reported, in reading order, with no URL.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from citewatch.extract import contracts
from citewatch.extract._google import google_wall
from citewatch.extract._html import (
    Anchor,
    Element,
    class_text,
    default_block_kind,
    display_order,
    first,
    inline_links,
    norm,
    parse,
    text_of,
    truncation_warning,
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
    ExtractionStatus,
    Mention,
    Snapshot,
    Source,
    SourceKind,
)

EXTRACTOR_VERSION = "google_ai_mode/1"


# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
# engines.md §5.2: one `div[data-scope-id=turn]` per conversational turn; the answer container inside it
# is `div[data-subtree=aimc]` and its answer column `div[data-container-id=main-col]`.
TURNS = etree.XPath("//div/@data-scope-id[. = 'turn']/parent::*")
ANSWER_CONTAINERS = etree.XPath("descendant::div/@data-subtree[. = 'aimc']/parent::*")
ANSWER_COLUMN = etree.XPath("descendant::div/@data-container-id[. = 'main-col']/parent::*")
# engines.md §5.2 "inline citation": button.rBl3me[data-icl-uuid] (`_is_citation`); "citation resolution":
# the comment islands under `div[data-crb-el]`; a card's own island repeats the card.
ISLANDS = etree.XPath("descendant::*/@data-crb-el/parent::*[not(@data-src-id)]/comment()")
# engines.md §5.2 right column: the preview list and the "Show all related links" dialog, both made of
# `div[data-src-id]` cards, and the "N sites" button (`data-xid=x92FHb`, localised aria-label).
_DIALOGS = "descendant::*/@role[. = 'dialog']/parent::*"
RHS_COLUMN = etree.XPath("descendant::div/@data-container-id[. = 'rhs-col']/parent::*")
PREVIEW_CARDS = etree.XPath("descendant::div/@data-src-id/parent::*[not(ancestor::*[@role='dialog'])]")
DIALOG_CARDS = etree.XPath(f"{_DIALOGS}/descendant::div/@data-src-id/parent::*")
SITES_BUTTONS = etree.XPath("descendant::button/@data-xid[. = 'x92FHb']/parent::*")
DIALOG_SITES_BUTTON = etree.XPath(f"{_DIALOGS}/descendant::button/@data-xid[. = 'x92FHb']/parent::*")
CARD_LINK = etree.XPath(".//a[@href][1]")
# engines.md §5.2 blocks: paragraphs `div.Y3BBE[data-sfc-cp]`, headings `[role=heading]`, lists `ul > li`.
PARAGRAPH_CLASS = "Y3BBE"
# The failure line an interrupted answer ends with: an ARIA alert in the answer container (the replica's
# contract; no capture of a failed AI Mode answer is saved yet).
ENGINE_ERROR = etree.XPath("descendant::*/@role[. = 'alert']/parent::*")
# Follow-up suggestion chips under the answer (`button[data-xid=UN5Mf]`, seen in the capture).
SUGGESTIONS = etree.XPath("descendant::button/@data-xid[. = 'UN5Mf']/parent::*")
# engines.md §7 "Cookie/consent": besides the interstitial (`_google.google_wall`), the consent dialog can sit
# over the results page with no form, only its buttons, whose ids are the same in every language (the
# capture: L2AGLb "Accept all", W0wltc "Reject all").
CONSENT_BUTTONS = etree.XPath("/descendant::button[@id = 'L2AGLb' or @id = 'W0wltc']")
# engines.md §5.2: place cards are `google.com/viewer/place?mid=…` links.
_PLACE_PATH = "/viewer/place"

# Widgets inside the answer column that are not prose: hidden data islands, tooltips, the disclaimer,
# share and feedback controls, suggestion chips (`data-xid`), and dialogs and button groups (roles).
_SKIP_ROLES = frozenset({"dialog", "group", "button", "status", "menu"})
_ISLAND_PREFIX = "Sv6Kpe"
# "24 lis 2025 — snippet": a card's snippet starts with the page's date when Google knows it.
_DATED_SNIPPET = re.compile(r"^(?P<date>[^—]{4,30}?\d[^—]{0,30}?)\s+—\s+(?P<snippet>.+)$", re.S)
_COUNT = re.compile(r"\d[\d\s.,\u00a0\u202f]*")


@dataclass(frozen=True, slots=True)
class _Linked:
    """One source a citation button stands for, as an island tells it."""

    src_id: str | None
    url: str
    title: str | None


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="google_ai_mode", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    turns = TURNS(tree)
    turn = turns[-1] if turns else tree
    container = first(ANSWER_CONTAINERS(turn))
    column = first(ANSWER_COLUMN(container)) if container is not None else None
    roots = [column if column is not None else container] if container is not None else []
    walked = walk_answer(roots, is_citation=_is_citation, block_kind=_block_kind, skip=_skip)
    result.answer = walked.answer
    alerts = [text_of(alert) for alert in ENGINE_ERROR(container)] if container is not None else []
    if not walked.answer.text.strip() and not walked.citations:
        # Walls replace the whole page, so they are looked for only where there is no answer.
        result.status = ExtractionStatus.error if alerts else _no_answer_status(tree, snapshot.url)
        result.warnings += [f"the engine reported an error: {alert}" for alert in alerts]
        return result
    result.status = ExtractionStatus.error if alerts else ExtractionStatus.answered
    result.warnings += [f"the engine stopped the answer with an error: {alert}" for alert in alerts]
    if len(turns) > 1:
        result.warnings.append(f"the page holds {len(turns)} turns; only the last one was read")
    if CONSENT_BUTTONS(tree):
        result.warnings.append("a consent dialog was open over the answer")
    cards = _cards(turn)
    by_id = {card_id: source for card_id, source in cards if card_id}
    result.citations = _citations(walked.citations, _islands(turn), by_id, result.warnings)
    result.citations += inline_links(walked.links, _link_target, start=len(result.citations) + 1)
    result.sources = _sources(cards, result.citations)
    result.mentions = _mentions(walked.mentions, result.answer.blocks)
    result.related_questions = (
        [q for q in (text_of(b) for b in SUGGESTIONS(container)) if q] if container is not None else []
    )
    result.warnings += _contracts(result, turn, walked.citations)
    return result


def _no_answer_status(tree: Element, url: str | None) -> ExtractionStatus:
    wall = google_wall(tree, url)
    if wall is not None:
        return wall
    return ExtractionStatus.consent_required if CONSENT_BUTTONS(tree) else ExtractionStatus.no_answer


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


# --- citation islands ------------------------------------------------------------------------------


def _islands(turn: Element) -> dict[str, list[_Linked]]:
    """Every source each citation uuid stands for, in the islands' document order, once per source."""
    linked: dict[str, list[_Linked]] = {}
    for comment in ISLANDS(turn):
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


def _citations(
    anchors: list[Anchor], linked: dict[str, list[_Linked]], cards: dict[str, Source], warnings: list[str]
) -> list[Citation]:
    citations: list[Citation] = []
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
            citations.append(
                Citation(
                    position=len(citations) + 1,
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
    return citations


def _link_target(link: Element) -> UrlFields | None:
    """A link to a web page, not to another Google search."""
    raw, canonical, domain = url_fields(link.get("href"))
    return None if canonical is None or _is_google_search(canonical) else (raw, canonical, domain)


def _is_google_search(url: str) -> bool:
    """A link back into Google's own pages (search, support), except a place card."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (host == "google.com" or host.endswith(".google.com")) and not parts.path.startswith(_PLACE_PATH)


# --- source cards ----------------------------------------------------------------------------------


def _cards(turn: Element) -> list[tuple[str | None, Source]]:
    """The right column's preview cards, then the dialog's, each list in on-screen order."""
    column = first(RHS_COLUMN(turn))
    if column is None:
        return []
    cards: list[tuple[str | None, Source]] = []
    for element in [*display_order(PREVIEW_CARDS(column)), *display_order(DIALOG_CARDS(column))]:
        source = _card(element)
        if source is not None:
            cards.append((element.get("data-src-id"), source))
    return cards


def _card(element: Element) -> Source | None:
    link = first(CARD_LINK(element))
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


def _sources(cards: list[tuple[str | None, Source]], citations: list[Citation]) -> list[Source]:
    cited = {c.canonical_url for c in citations if c.canonical_url}
    sources: list[Source] = []
    seen: set[str] = set()
    for _, card in cards:
        if card.canonical_url is None or card.canonical_url in seen:
            continue
        seen.add(card.canonical_url)
        sources.append(card.model_copy(update={"position": len(sources) + 1, "cited": card.canonical_url in cited}))
    return sources


# --- mentions and contracts ------------------------------------------------------------------------


def _mentions(mentions: list[Mention], blocks: list[AnswerBlock]) -> list[Mention]:
    """Emphasised names, except a heading set in bold as a whole (a section title, not a highlight)."""
    headings = {b.index: b.text for b in blocks if b.kind is BlockKind.heading}
    return [m for m in mentions if headings.get(m.block_index) != m.text]


def _count(label: str | None) -> int | None:
    """The number in a localised "11 sites" / "11 witryn" label."""
    match = _COUNT.search(label or "")
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits else None


def _contracts(result: Extraction, turn: Element, buttons: list[Anchor]) -> list[str]:
    warnings: list[str] = []
    column = first(RHS_COLUMN(turn))
    dialog_button = first(DIALOG_SITES_BUTTON(column)) if column is not None else None
    displayed = _count(dialog_button.get("aria-label")) if dialog_button is not None else None
    if dialog_button is None and column is not None:
        preview = first(SITES_BUTTONS(column))
        shown = _count(preview.get("aria-label")) if preview is not None else None
        if shown is not None and shown > len(result.sources):
            warnings.append(
                f"the sources dialog was not opened: the page shows {shown} sites, {len(result.sources)} were read"
            )
    if buttons and all(c.url is None for c in result.citations if c.kind is CitationKind.chip):
        warnings.append(f"{contracts.ENGINE_CHANGED}: none of the {len(buttons)} citation buttons resolved to a source")
    return warnings + contracts.check(result, displayed_sources=displayed, expect_citations=True)
