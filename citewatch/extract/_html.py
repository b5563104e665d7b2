"""Shared reading helpers: parse once, walk an answer into blocks, read the capture's visibility marks.

Every engine extractor parses the snapshot once (`parse`), finds its answer container with its own
selectors, and hands it to `walk_answer`, which turns the container into ordered blocks and remembers
where each citation element and each link sits in the text. The engine then turns those anchors into
`Citation` records; the walker knows nothing about any one engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree
from pydantic import TypeAdapter

from citewatch.extract._urls import UrlFields
from citewatch.models import Answer, BlockKind, Citation, CitationKind, ExtractionStatus, Mention
from citewatch.selectors import COMMON, Selectors

# Zero-width characters the engines put between chips and text: invisible to a reader.
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def _visible_text(text: str) -> str:
    for char in _INVISIBLE:  # a membership test per character is far cheaper than str.translate
        if char in text:
            text = text.replace(char, "")
    return text


_BLOCK_TAGS: dict[str, BlockKind] = {
    "p": BlockKind.paragraph,
    "h1": BlockKind.heading,
    "h2": BlockKind.heading,
    "h3": BlockKind.heading,
    "h4": BlockKind.heading,
    "h5": BlockKind.heading,
    "h6": BlockKind.heading,
    "li": BlockKind.list_item,
    "table": BlockKind.table,
    "pre": BlockKind.code,
    "blockquote": BlockKind.paragraph,
}
_SKIP_TAGS = frozenset({"script", "style", "svg", "button", "template", "noscript", "img", "math", "input"})
_EMPHASIS_TAGS = frozenset({"strong", "b", "em"})
_NO_SPACE_BEFORE = tuple(".,;:!?)]}%")
# A list item's leading name: the text before its ":" or spaced dash; a hyphen inside a word ("Pop-Up") is
# part of the name.
_LEAD_NAME = re.compile(r"^\s*((?:[^\n:–—-]|(?<=\S)-(?=\S)){2,60}?)\s*(?::|\s[–—-]\s)")
# Blocks whose <p> children are their own text: Perplexity, ChatGPT and Gemini wrap list items in <p>.
_HOLDS_PARAGRAPHS = frozenset({BlockKind.list_item, BlockKind.table})
# Enum members are looked up through their class on every use; the walk's hot paths read these instead.
_PARAGRAPH, _LIST_ITEM, _TABLE, _CODE = BlockKind.paragraph, BlockKind.list_item, BlockKind.table, BlockKind.code
# KaTeX renders each formula twice: MathML carrying the TeX source, and an aria-hidden visual twin whose
# text reads "x=2a−b±b2−4ac". The source is what the formula says.
_TEX_SOURCE = etree.XPath("string(descendant::*[local-name() = 'annotation'][@encoding = 'application/x-tex'])")

MIN_MENTION_CHARS = 2
MAX_MENTION_CHARS = 80
MAX_MENTION_WORDS = 8


# Snapshots are stored as UTF-8 (Playwright's page.content() is a str); say so instead of letting
# libxml2 guess Latin-1 for pages without a <meta charset>. Plain etree elements, not lxml.html's: its
# element classes are looked up in Python for every node touched, which costs more than the parse.
# No id table (collect_ids): extractors never look elements up by id, and building it is 6% of a parse.
# libxml2's default limits (256 levels of nesting, 10 MB in one text node) silently cut a page short, and an
# answer past the cut read as "no answer": `huge_tree` lifts them to 2048 levels and 1 GB, and a page that
# still hits one is refused with the reason (`parse`) rather than read in part.
_PARSER = etree.HTMLParser(encoding="utf-8", collect_ids=False, huge_tree=True)
# C0 control characters other than tab, newline and carriage return are no text (HTML calls them parse
# errors), lxml refuses them in any string it is given ("All strings must be XML compatible"), and an escape
# character in an answer reaches the terminal that prints it. They are taken out before the parse: those that
# Python's text folding reads as whitespace (vertical tab, form feed, the four separators) become a space, as
# they read before, the others go. Bytes below 0x80 never occur inside a UTF-8 sequence: safe per byte.
_SPACE_LIKE = bytes([0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F])
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1C), 0x7F])
_CONTROLS_TO_SPACE = bytes.maketrans(_SPACE_LIKE, b" " * len(_SPACE_LIKE))
# The same characters, and lone surrogates (JSON's "\ud800" decodes to one; no encoder accepts it), in text
# read from JSON rather than parsed.
_UNREADABLE_CHARS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SPACE_LIKE_CHARS = frozenset(_SPACE_LIKE.decode())

Element = etree._Element


class SnapshotUnreadable(ValueError):
    """The snapshot is not an HTML document (empty, binary, undecodable)."""


def parse(html: str | bytes) -> Element:
    """Parse a snapshot; raises `SnapshotUnreadable` with a one-line reason."""
    data = html.encode("utf-8", "surrogateescape") if isinstance(html, str) else html
    if not data or data.isspace():  # not `data.strip()`, which copies the whole page
        raise SnapshotUnreadable("empty snapshot")
    head = data[:4096]
    if b"\x00" in head or (head.count(b"<") == 0 and not _looks_textual(head)):
        raise SnapshotUnreadable("snapshot is not HTML (binary data)")
    # one pass in C (a twentieth of the parse); a regex search to skip clean pages costs five times more
    data = data.translate(_CONTROLS_TO_SPACE, _CONTROL_BYTES)
    try:
        tree = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise SnapshotUnreadable(f"snapshot could not be parsed: {exc}") from exc
    stopped = _PARSER.error_log.last_error
    if stopped is not None and stopped.level_name == "FATAL":  # libxml2 gave up: the rest of the page is lost
        limit = stopped.message.split(", use XML_PARSE_HUGE")[0].strip()  # the option is on already
        raise SnapshotUnreadable(
            f"snapshot could not be read whole: the parser stopped at line {stopped.line}: {limit}"
        )
    if tree is None:
        raise SnapshotUnreadable("snapshot has no HTML content")
    return tree


def clean_text(text: str) -> str:
    """Text read out of JSON, made storable and printable: control characters dropped (as `parse` does for the
    page) and each lone surrogate replaced by U+FFFD."""
    if not _UNREADABLE_CHARS.search(text):
        return text
    return _UNREADABLE_CHARS.sub(_replacement, text)


def _replacement(found: re.Match[str]) -> str:
    char = found.group()
    return "\ufffd" if char >= "\ud800" else " " if char in _SPACE_LIKE_CHARS else ""


def _looks_textual(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def truncation_warning(html: str | bytes) -> str | None:
    """A saved page that stops mid-tag or mid-text was cut off (killed capture, size limit)."""
    tail = html[-256:].rstrip()
    end = tail[-1:] if isinstance(tail, str) else tail[-1:].decode("latin-1")
    if end and end != ">":
        return "snapshot looks truncated: it does not end with a closing tag"
    return None


def _fold(text: str) -> str:
    """Whitespace runs to one space, keeping one at either end (text is not all whitespace)."""
    folded = " ".join(text.split())
    return (" " if text[0].isspace() else "") + folded + (" " if text[-1].isspace() else "")


def norm(text: str | None) -> str:
    """Collapse whitespace the way a reader sees it."""
    if not text:
        return ""
    if not text.isascii():  # the invisible characters are not ASCII
        text = _visible_text(text)
    return " ".join(text.split())  # str.split folds what `\s+` matches, faster


def text_of(el: Element | None) -> str:
    return norm(_string_value(el)) if el is not None else ""


def _string_value(el: Element) -> str:
    """All the text inside `el`. An element without children holds only its own text, which is read without
    the cost of a text iterator (ten times the read)."""
    return "".join(el.itertext()) if len(el) else el.text or ""


def first(elements: Iterable[Element]) -> Element | None:
    return next(iter(elements), None)


def visible_of(el: Element) -> bool | None:
    """The capture marks citation and source elements with `data-cw-visible`; absent on old snapshots."""
    mark = el.get("data-cw-visible")
    return None if mark is None else mark == "1"


def captured_group(el: Element) -> Sequence[tuple[str | None, str | None]] | None:
    """The sources a scraper saw behind a chip or dialog it opened (`data-cw-group-urls`, JSON list of
    `{"url", "title"}`) as (url, title) pairs; None when the element was not opened, [] when the mark is
    unreadable. Typed like the pairs callers fall back to when a chip was not opened."""
    raw = el.get("data-cw-group-urls")
    if raw is None:
        return None
    try:
        entries = json.loads(raw)
        return [
            (clean_text(str(e["url"])), clean_text(title) if isinstance(title := e.get("title"), str) else None)
            for e in entries
            if isinstance(e, dict) and e.get("url")
        ]
    except (ValueError, TypeError, RecursionError):  # RecursionError: JSON nested thousands deep
        return []


def display_order(elements: list[Element]) -> list[Element]:
    """Elements in on-screen order (top, then left) when the capture recorded boxes; else DOM order."""
    boxes = [el.get("data-cw-box") for el in elements]
    if not elements or any(box is None for box in boxes):
        return elements
    keyed = []
    for dom_index, (el, box) in enumerate(zip(elements, boxes, strict=True)):
        x, y, *_ = (float(v) for v in (box or "0,0").split(","))
        keyed.append(((round(y), round(x), dom_index), el))
    keyed.sort(key=lambda pair: pair[0])
    return [el for _, el in keyed]


# --- block walls shared by every engine --------------------------------------------------------------

# The bot-wall vocabulary is data, beside the scraper's (citewatch/selectors/_common.toml): Cloudflare's
# interstitial and challenge platform (engines.md §7 "Cloudflare / captcha"), captcha frames and widgets (crawlee
# RETRY_CSS_SELECTORS), Google's /sorry/ page (engines.md §4, §5, §7).
WALLS = Selectors(COMMON)
_CLASSES = etree.XPath("//@class", smart_strings=False)


def _captcha_widget(tree: Element) -> bool:
    """A reCAPTCHA or hCaptcha frame or widget. The class lists are read once and searched in Python: as an XPath
    predicate, `contains()` copies the value for each test (4.2 ms against 2.5 ms on a 2 MB results page). They are
    searched joined by a line break, which no class name holds, so a name is found only within one list."""
    if WALLS.xpath("captcha_frames")(tree):
        return True
    classes = "\n".join(_CLASSES(tree))
    return any(name in classes for name in WALLS.names("captcha_widget_classes"))


def _walls() -> tuple[tuple[ExtractionStatus, Callable[[Element], object]], ...]:
    return (
        (ExtractionStatus.captcha, WALLS.xpath("captcha_form")),
        (ExtractionStatus.blocked, WALLS.xpath("cloudflare")),
        (ExtractionStatus.captcha, _captcha_widget),
    )


# Every wall query above needs one of the `wall_markers` in the page source; most pages have none. Which test is
# cheaper depends on the page: the substring searches cost a scan of the source each, the queries a walk of
# the tree. A small page's source is searched first (its element-dense markup makes the queries 3-4x dearer);
# a big real page's scripts and styles are source the queries never walk, so they go first there.
_SEARCH_FIRST_BELOW = 128 * 1024  # bytes (or characters) of source


def detect_wall(tree: Element, html: str | bytes | None = None) -> ExtractionStatus | None:
    """`blocked` or `captcha` when the page is a bot wall instead of the engine's UI.

    `html`, the source `tree` was parsed from, clears a page whose source holds none of the wall markers.
    """
    markers = WALLS.names("wall_markers")
    if html is not None and len(html) < _SEARCH_FIRST_BELOW and not _has_wall_marker(html, markers):
        return None
    for status, found in _walls():
        if found(tree):
            return status if html is None or _has_wall_marker(html, markers) else None
    return None


def _has_wall_marker(html: str | bytes, markers: frozenset[str]) -> bool:
    if isinstance(html, bytes):
        return any(marker.encode() in html for marker in markers)
    return any(marker in html for marker in markers)


def has_class(name: str) -> str:
    """XPath predicate: the element's class list holds `name`. The plain substring test goes first because
    normalising long (Tailwind) class lists is what costs, and `and` stops at a false first operand."""
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


def with_class(name: str, step: str = "descendant::*") -> str:
    """XPath path: the elements `step` selects whose class list holds `name`.

    Like the extractors' other attribute tests it is an attribute step (`step/@class[...]/parent::*`), not a
    predicate on `step`: libxml2 then tries the test only on the elements that carry the attribute, not on
    every element `step` walks, 4-5x faster on a big page.
    """
    return f"{step}/@class[contains(., '{name}')]/parent::*[{has_class(name)}]"


# An element step with a predicate is written `/descendant::x[…]` (from a context element, `descendant::x[…]`),
# never `//x[…]`: libxml2 turns `//x` into one descendant walk only when no predicate follows, and otherwise
# runs a child step from every node of the page, 2-3x slower. Without a positional predicate the two select
# the same nodes.


# XPath's whitespace (what normalize-space folds), which separates the class tokens `has_class` tests.
_XPATH_SPACES = re.compile("[ \t\r\n]+")


def class_text(el: Element, tag: str, name: str) -> str:
    """`string(with_class(name, f"descendant::{tag}"))` without XPath: the text of the first `tag` below `el`
    whose class list holds `name`, else "". Source cards are read with a few of these each; on a card's few
    elements a tag-filtered walk costs less than an XPath call, which copies every class it tests."""
    for node in el.iterdescendants(tag):
        classes = node.get("class")
        if classes and name in classes and name in _XPATH_SPACES.split(classes):
            return _string_value(node)
    return ""


# --- answer walking ----------------------------------------------------------------------------------


# Not frozen: a frozen dataclass sets each field through `object.__setattr__`, which triples the cost of
# building one, and an anchor is built for every citation and link. Nothing changes an anchor once built.
@dataclass(slots=True)
class Anchor:
    """Where an element sits in the answer: its block and its offset in `Answer.text`."""

    element: Element
    block_index: int
    char_start: int


@dataclass(slots=True)
class WalkedAnswer:
    answer: Answer
    citations: list[Anchor] = field(default_factory=list)
    links: list[Anchor] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


def inline_links(
    anchors: Iterable[Anchor], target: Callable[[Element], UrlFields | None], *, start: int = 1
) -> list[Citation]:
    """The answer's inline links as citations, numbered from `start`.

    `target` reads a link's `(url, canonical_url, domain)`, or None to leave the link out (the engine's own
    pages, links without a web address).
    """
    links: list[Citation] = []
    for anchor in anchors:
        fields = target(anchor.element)
        if fields is None:
            continue
        title = anchor.element.get("title") or anchor.element.get("aria-label")
        links.append(
            anchor_citation(
                anchor, start + len(links), CitationKind.inline_link, text_of(anchor.element) or None, fields, title
            )
        )
    return links


def anchor_citation(
    anchor: Anchor,
    position: int,
    kind: CitationKind,
    label: str | None,
    fields: UrlFields,
    title: str | None,
    group: str | None = None,
) -> Citation:
    """One citation row for a mark the walk found in the answer: where it sits, whether it shows, what it points at."""
    raw, canonical, domain = fields
    return Citation(
        position=position,
        kind=kind,
        label=label,
        url=raw,
        canonical_url=canonical,
        domain=domain,
        title=title,
        block_index=anchor.block_index,
        char_start=anchor.char_start,
        group=group,
        visible=visible_of(anchor.element),
    )


@dataclass(slots=True)
class _Block:
    kind: BlockKind
    parts: list[str] = field(default_factory=list)
    length: int = 0
    citations: list[tuple[Element, int]] = field(default_factory=list)
    links: list[tuple[Element, int]] = field(default_factory=list)
    emphasis: list[tuple[Element, int]] = field(default_factory=list)
    list_rank: int | None = None

    def add(self, text: str | None, *, raw: bool = False) -> None:
        if not text:
            return
        if not text.isascii():  # the invisible characters are not ASCII
            text = _visible_text(text)
        if self.kind is not _CODE and not raw:
            parts = self.parts
            after_space = not parts or parts[-1].endswith((" ", "\n"))
            if text.isspace():  # the indentation between tags of a pretty-printed page: one space at most
                if not after_space:
                    parts.append(" ")
                    self.length += 1
                return
            if not text.isprintable() or "  " in text:  # only then is there a whitespace run to fold
                text = _fold(text)
            if after_space:
                text = text.lstrip(" ")
            if parts and text.startswith(_NO_SPACE_BEFORE) and parts[-1].endswith(" "):
                parts[-1] = parts[-1][:-1]
                self.length -= 1
        if text:
            self.parts.append(text)
            self.length += len(text)

    def trim_end(self) -> None:
        if self.parts and self.parts[-1].endswith(" "):
            kept = self.parts[-1].rstrip(" ")
            self.length -= len(self.parts[-1]) - len(kept)
            self.parts[-1] = kept

    def settle(self) -> tuple[str, int]:
        """The block's text as read, and how many leading characters that dropped (to shift offsets)."""
        joined = "".join(self.parts)
        text = joined.strip() if self.kind is not _CODE else joined.strip("\n")
        return text, len(joined) - len(joined.lstrip())


def default_block_kind(el: Element) -> BlockKind | None:
    return _BLOCK_TAGS.get(el.tag) if isinstance(el.tag, str) else None


def _tex_source(span: Element) -> str | None:
    """The TeX source of a KaTeX formula (`span.katex`), when the page kept it."""
    classes = span.get("class")
    if not classes or "katex" not in classes or "katex" not in classes.split():
        return None
    return norm(_TEX_SOURCE(span)) or None


def _never(_el: Element) -> bool:
    return False


def walk_answer(
    containers: Iterable[Element],
    *,
    is_citation: Callable[[Element], bool],
    block_kind: Callable[[Element], BlockKind | None] = default_block_kind,
    skip: Callable[[Element], bool] = _never,
) -> WalkedAnswer:
    """Turn answer containers into blocks, recording citations, links and emphasised names.

    A citation element's own text (its label, "wikipedia+2") is left out of the answer text, as the
    reader does not read it as prose. Text outside any block element becomes a paragraph.
    """
    walker = _Walker(is_citation, block_kind, skip)
    for container in containers:
        walker.fill_container(container)
    return _assemble(walker.blocks)


class _Walker:
    """The state of one `walk_answer`.

    A class rather than nested functions: functions that call each other through their closures form a
    reference cycle, which kept every parsed page alive until the next garbage collection. The walk is the
    extraction's inner loop, so each element's tag is read once and handed down, and the default callbacks
    are replaced by what they compute (a dict lookup, nothing).
    """

    __slots__ = ("block_kind", "blocks", "is_citation", "kinds", "ranks", "skip", "skips")

    def __init__(
        self,
        is_citation: Callable[[Element], bool],
        block_kind: Callable[[Element], BlockKind | None],
        skip: Callable[[Element], bool],
    ) -> None:
        self.blocks: list[_Block] = []
        self.ranks: dict[Element, int] = {}
        self.is_citation = is_citation
        self.block_kind = block_kind
        self.kinds = _BLOCK_TAGS if block_kind is default_block_kind else None
        self.skip = skip
        self.skips = skip is not _never

    def kind_of(self, el: Element, tag: str) -> BlockKind | None:
        return self.kinds.get(tag) if self.kinds is not None else self.block_kind(el)

    def open_block(self, kind: BlockKind, el: Element | None) -> _Block:
        block = _Block(kind)
        if kind is _LIST_ITEM and el is not None:
            block.list_rank = _list_rank(el, self.ranks)
        self.blocks.append(block)
        return block

    def fill_container(self, container: Element) -> None:
        block: _Block | None = None
        if container.text and container.text.strip():
            block = self.visit(_text_holder(container.text), "span", None)
        for child in container:
            tag = child.tag
            block = self.visit(child, tag, block)
            if child.tail and child.tail.strip() and isinstance(tag, str):
                block = self.visit(_text_holder(child.tail), "span", block)

    def visit(self, el: Element, tag: object, block: _Block | None) -> _Block | None:
        """Append `el` (whose tag is `tag`) to `block`, opening blocks as needed; return the block after it."""
        if not isinstance(tag, str):  # comment or processing instruction: only its tail is prose
            return self.add_loose(el.tail, block)
        if self.is_citation(el):
            target = block or self.open_block(_PARAGRAPH, None)
            target.citations.append((el, target.length))
            return target
        if tag in _SKIP_TAGS or (self.skips and self.skip(el)):
            return block
        if tag == "span":
            tex = _tex_source(el)
            if tex is not None:
                block = block or self.open_block(_PARAGRAPH, None)
                block.add(tex)
                return block
        kind = self.kind_of(el, tag)
        if kind is not None:
            self.fill(el, self.open_block(kind, el))
            return None
        if tag == "br" and block is not None:
            block.add("\n" if block.kind is _CODE else " ")
            return block
        text = el.text
        link = tag == "a" and el.get("href")
        emphasis = tag in _EMPHASIS_TAGS
        if block is None and ((text and text.strip()) or ((link or emphasis) and _string_value(el).strip())):
            block = self.open_block(_PARAGRAPH, None)
        if block is not None:
            if link:
                block.links.append((el, block.length))
            elif emphasis:
                block.emphasis.append((el, block.length))
            if text:
                block.add(text)
        for child in el:
            child_tag = child.tag
            block = self.visit(child, child_tag, block)
            if isinstance(child_tag, str):
                tail = child.tail
                if tail:
                    block = self.add_loose(tail, block)
        return block

    def add_loose(self, text: str | None, block: _Block | None) -> _Block | None:
        if not text or (block is None and not text.strip()):
            return block
        block = block or self.open_block(_PARAGRAPH, None)
        block.add(text)
        return block

    def fill(self, el: Element, block: _Block) -> None:
        if block.kind is _TABLE:
            self.fill_table(el, block)
            return
        text = el.text
        if text:
            block.add(text)
        nested: list[Element] = []
        self.fill_children(el, block, nested)
        for child in nested:
            self.visit(child, child.tag, None)

    def inline(self, el: Element, tag: str, kind: BlockKind | None, block: _Block) -> None:
        """Append `el`, neither a citation nor a block of its own, to `block`; `kind` is its block kind."""
        if tag in _SKIP_TAGS or (self.skips and self.skip(el)):
            return
        if tag == "br":
            block.add("\n" if block.kind is _CODE else " ")
            return
        if tag == "span":
            tex = _tex_source(el)
            if tex is not None:
                block.add(tex)
                return
        if kind is not None:  # a paragraph held by its list item or cell: keep words apart
            block.add(" ")
        if tag == "a":
            if el.get("href"):
                block.links.append((el, block.length))
        elif tag in _EMPHASIS_TAGS:
            block.emphasis.append((el, block.length))
        text = el.text
        if text:
            block.add(text)
        self.fill_children(el, block, None)
        if kind is not None:
            block.add(" ")

    def fill_children(self, el: Element, block: _Block, nested: list[Element] | None) -> None:
        """Append `el`'s children to `block`. A child that is a block of its own is walked at once, or, when
        `nested` is given, kept there to walk after the block."""
        is_citation = self.is_citation
        kinds = self.kinds
        holds_paragraphs = block.kind in _HOLDS_PARAGRAPHS
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                if is_citation(child):
                    block.citations.append((child, block.length))
                else:
                    kind = kinds.get(tag) if kinds is not None else self.block_kind(child)
                    if kind is None or (holds_paragraphs and kind is _PARAGRAPH):
                        self.inline(child, tag, kind, block)
                    elif nested is not None:
                        nested.append(child)
                    else:
                        self.visit(child, tag, None)
            tail = child.tail
            if tail:
                block.add(tail)

    def fill_table(self, table: Element, block: _Block) -> None:
        for row_index, row in enumerate(table.iter("tr")):
            if row_index:
                block.trim_end()
                block.add("\n", raw=True)
            cells = 0
            for cell in row:
                tag = cell.tag
                if not isinstance(tag, str) or tag not in ("td", "th"):
                    continue
                if cells:
                    block.add(" | ")
                cells += 1
                if self.is_citation(cell):
                    block.citations.append((cell, block.length))
                else:
                    self.inline(cell, tag, self.kind_of(cell, tag), block)


def _text_holder(text: str) -> Element:
    holder = etree.Element("span")
    holder.text = text
    return holder


def _list_rank(li: Element, ranks: dict[Element, int]) -> int:
    """The item's rank in its list. Every item of a list is ranked in one pass, the first time one of them is
    asked for, and kept in `ranks` (one walk's cache): ranking each item on its own walked the list again for
    every item, quadratic in a deeply nested list."""
    if li not in ranks:
        parent = li.getparent()
        if parent is None:
            return 1
        owner = next(li.iterancestors("ul", "ol"), None) if parent.tag not in ("ul", "ol") else None
        if owner is not None:
            _rank_wrapped_items(owner, ranks)
        else:
            items = [sibling for sibling in parent if sibling.tag == "li"]
            ranks.update(zip(items, range(1, len(items) + 1), strict=True))
    return ranks.get(li, 1)


def _rank_wrapped_items(owner: Element, ranks: dict[Element, int]) -> None:
    """Ranks of the items wrapped in a `<div>` inside `owner` (Google AI Overviews render late items in such
    wrappers): the list's own items are counted in document order, not those of lists nested in them."""
    rank = 0
    stack = list(reversed(owner))
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag in ("ul", "ol"):
            continue
        if tag == "li":
            rank += 1
            parent = el.getparent()
            if parent is not None and parent.tag not in ("ul", "ol"):  # items right in a list rank by siblings
                ranks[el] = rank
        stack.extend(reversed(el))


# The answer's blocks and mentions are gathered as field dicts and validated as one list each: one call into
# pydantic-core per list instead of one model __init__ per record, the same records.
_Fields = dict[str, object]
_MENTIONS = TypeAdapter(list[Mention])


def _assemble(blocks: list[_Block]) -> WalkedAnswer:
    texts: list[str] = []
    answer_blocks: list[_Fields] = []
    citations: list[Anchor] = []
    links: list[Anchor] = []
    mentions: list[_Fields] = []
    offset = 0
    previous: BlockKind | None = None
    for block in blocks:
        text, lead = block.settle()
        if not text and not block.citations:
            continue
        if texts:
            sep = "\n" if previous is _LIST_ITEM and block.kind is _LIST_ITEM else "\n\n"
            offset += len(sep)
            texts.append(sep)
        index = len(answer_blocks)
        answer_blocks.append({"index": index, "kind": block.kind, "text": text})
        size = len(text)
        citations += [Anchor(el, index, offset + min(max(pos - lead, 0), size)) for el, pos in block.citations]
        links += [Anchor(el, index, offset + min(max(pos - lead, 0), size)) for el, pos in block.links]
        if block.emphasis or block.links or block.kind is _LIST_ITEM:
            mentions += _mentions(block, text, index, offset, lead)
        texts.append(text)
        offset += size
        previous = block.kind
    citations.sort(key=lambda a: (a.char_start, a.block_index))
    answer = Answer.model_validate({"text": "".join(texts), "blocks": answer_blocks})
    return WalkedAnswer(answer, citations, links, _MENTIONS.validate_python(mentions))


def _mentions(block: _Block, text: str, index: int, offset: int, lead: int) -> list[_Fields]:
    """Names in `block` (the `index`th, whose `text` starts at `offset` in the answer after `lead` dropped
    characters): its emphasised and linked runs, and a list item's leading name, as `Mention` fields."""
    found: dict[int, _Fields] = {}
    rank = block.list_rank
    for el, pos in [*block.emphasis, *block.links]:
        name = _clean_name(text_of(el))
        start = min(max(pos - lead, 0), len(text))
        if name and start not in found:
            found[start] = {"text": name, "block_index": index, "char_start": offset + start, "list_rank": rank}
    if block.kind is _LIST_ITEM and 0 not in found:
        lead_name = _LEAD_NAME.match(text)
        name = _clean_name(lead_name.group(1)) if lead_name else None
        if name:
            found[0] = {"text": name, "block_index": index, "char_start": offset, "list_rank": rank}
    return [found[k] for k in sorted(found)]


def _clean_name(text: str) -> str | None:
    name = text.strip().strip(":;,.–—-").strip()
    if not (MIN_MENTION_CHARS <= len(name) <= MAX_MENTION_CHARS) or len(name.split()) > MAX_MENTION_WORDS:
        return None
    return name
