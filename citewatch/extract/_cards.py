"""Widget cards: the entries of a carousel, product, video or place widget, read as sources of their kind.

A citation is an occurrence in the prose; a widget of cards inside or beside an answer is a list of shown
sources. Each engine finds its widgets with its own selectors; this module reads what one card shows (its
headline, the site it comes from, the date on a news card) by structure: the label beside the favicon, the
clamped headline, the thumbnail's alt text. Never by the card's words, which are localised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from citewatch.extract._html import Element, display_order, text_of, visible_of
from citewatch.extract._urls import UrlFields, url_fields
from citewatch.models import Citation, Source, SourceKind

# The kinds of a widget's cards: a source shown as one of them keeps that kind even when a list or a citation
# also names it (the card is where the engine showed it as a source).
WIDGET_KINDS = frozenset({SourceKind.carousel, SourceKind.product, SourceKind.video, SourceKind.place, SourceKind.card})
# Video pages: a card pointing at one is a video card whatever widget holds it (a news carousel shows videos too).
VIDEO_DOMAINS = frozenset({"youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "tiktok.com"})
CARD_LINKS = etree.XPath("descendant::a[@href]")
# A headline clamped to a few lines (Tailwind `line-clamp-N`, ChatGPT's news cards), else an image's alt text.
CLAMPED = etree.XPath("descendant::*/@class[contains(., 'line-clamp')]/parent::*")
FAVICON = etree.XPath("descendant::img[contains(@src, 'favicon') or contains(@class, 'icon-')]")
THUMBNAIL_ALT = etree.XPath("string(descendant::img[@alt][not(contains(@src, 'favicon'))][1]/@alt)")
PLAYER = etree.XPath("boolean(descendant::video | descendant::iframe)")
TIME = etree.XPath("descendant::time")
_MAX_DATE_CHARS = 40  # a date line ("Dec 8, 2025", "3 days ago"), not a second headline


@dataclass(frozen=True, slots=True)
class Card:
    """One card of a widget: its link and what it shows."""

    link: Element
    url: str
    canonical_url: str
    domain: str | None
    title: str | None
    site_name: str | None
    published: str | None
    video: bool  # points at a video page, or plays one


def read_cards(widget: Element, target: Callable[[Element], UrlFields | None], *, dated: bool) -> list[Card]:
    """The widget's cards in display order, one per link `target` accepts (it returns the link's URL fields, or
    None for links that are no source: the engine's own pages, buttons). `dated`: news cards, whose line after
    the headline is its date (on a product card that line is the price)."""
    cards: list[Card] = []
    for link in display_order(CARD_LINKS(widget)):
        fields = target(link)
        if fields is None:
            continue
        raw, canonical, domain = fields
        if raw is None or canonical is None:
            continue
        card = _card_of(link, widget)
        title, published = _headline(card, link, dated=dated)
        cards.append(
            Card(
                link=link,
                url=raw,
                canonical_url=canonical,
                domain=domain,
                title=title,
                site_name=_site_name(card, title),
                published=published,
                video=domain in VIDEO_DOMAINS or bool(PLAYER(card)),
            )
        )
    return cards


def _card_of(link: Element, widget: Element) -> Element:
    """The largest part of the widget around `link` that holds no other link's URL: the card. A card's
    headline and site line may sit beside its link rather than inside it."""
    href = url_fields(link.get("href"))[1]
    card = link
    for parent in link.iterancestors():
        if parent is widget:
            break
        if any(url_fields(other.get("href"))[1] != href for other in CARD_LINKS(parent)):
            break
        card = parent
    return card


def _headline(card: Element, link: Element, *, dated: bool) -> tuple[str | None, str | None]:
    """The card's title and its date: a `<time>`, or on a news card the line that follows the headline."""
    clamped = CLAMPED(card)
    if clamped:
        title = text_of(clamped[0]) or None
        return title, _date_after(clamped[0], dated=dated)
    title = THUMBNAIL_ALT(card).strip() or link.get("aria-label") or link.get("title") or text_of(link) or None
    times = TIME(card)
    return title, (times[0].get("datetime") or text_of(times[0]) or None) if times else None


def _date_after(headline: Element, *, dated: bool) -> str | None:
    parent = headline.getparent()
    times = TIME(parent) if parent is not None else []
    if times:
        return times[0].get("datetime") or text_of(times[0]) or None
    following = headline.getnext() if dated else None
    text = text_of(following) if following is not None else ""
    return text if 0 < len(text) <= _MAX_DATE_CHARS else None


def _site_name(card: Element, title: str | None) -> str | None:
    """The label beside the card's favicon: the text of the favicon's nearest ancestor that has any."""
    for favicon in FAVICON(card):
        for holder in favicon.iterancestors():
            text = text_of(holder)
            if text:
                return text if text != title else None
            if holder is card:
                break
    return None


def card_source(card: Card, kind: SourceKind, cited: set[str]) -> Source:
    """A card as a source: `kind` is its widget's, unless the card is a video; `cited` holds the canonical URLs
    the prose cites."""
    return Source(
        position=0,
        kind=SourceKind.video if card.video else kind,
        url=card.url,
        canonical_url=card.canonical_url,
        domain=card.domain,
        title=card.title,
        site_name=card.site_name,
        published=card.published,
        cited=card.canonical_url in cited,
        visible=visible_of(card.link),
    )


def cited_sources(citations: Iterable[Citation]) -> list[Source]:
    """The pages citations point at, as cited sources, for `merge_shown` after what the page listed: they count
    when no list or card showed them."""
    return [
        Source(
            position=0,
            kind=SourceKind.listed,
            url=c.url,
            canonical_url=c.canonical_url,
            domain=c.domain,
            title=c.title,
            cited=True,
        )
        for c in citations
        if c.canonical_url
    ]


def merge_shown(sources: Iterable[Source]) -> list[Source]:
    """Sources in the order given, one per canonical URL, numbered from 1. A URL shown again as a widget card
    takes the card's kind and what the card shows (the first entry fills what it does not); `cited` holds if
    either is."""
    merged: dict[str, Source] = {}
    for source in sources:
        key = source.canonical_url
        if key is None:
            continue
        known = merged.get(key)
        if known is None:
            merged[key] = source
        elif source.kind in WIDGET_KINDS and known.kind not in WIDGET_KINDS:
            merged[key] = known.model_copy(
                update={
                    "kind": source.kind,
                    "title": source.title or known.title,
                    "site_name": source.site_name or known.site_name,
                    "snippet": source.snippet or known.snippet,
                    "published": source.published or known.published,
                    "cited": known.cited or source.cited,
                    "visible": source.visible if known.visible is None else known.visible,
                }
            )
    return [source.model_copy(update={"position": n}) for n, source in enumerate(merged.values(), start=1)]
