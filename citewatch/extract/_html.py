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

from citewatch.extract._urls import UrlFields
from citewatch.models import Answer, AnswerBlock, BlockKind, Citation, CitationKind, ExtractionStatus, Mention

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
# KaTeX renders each formula twice: MathML carrying the TeX source, and an aria-hidden visual twin whose
# text reads "x=2a−b±b2−4ac". The source is what the formula says.
_TEX_SOURCE = etree.XPath("string(.//*[local-name() = 'annotation'][@encoding = 'application/x-tex'])")

MIN_MENTION_CHARS = 2
MAX_MENTION_CHARS = 80
MAX_MENTION_WORDS = 8


# Snapshots are stored as UTF-8 (Playwright's page.content() is a str); say so instead of letting
# libxml2 guess Latin-1 for pages without a <meta charset>. Plain etree elements, not lxml.html's: its
# element classes are looked up in Python for every node touched, which costs more than the parse.
# No id table (collect_ids): extractors never look elements up by id, and building it is 6% of a parse.
_PARSER = etree.HTMLParser(encoding="utf-8", collect_ids=False)

Element = etree._Element


class SnapshotUnreadable(ValueError):
    """The snapshot is not an HTML document (empty, binary, undecodable)."""


def parse(html: str | bytes) -> Element:
    """Parse a snapshot; raises `SnapshotUnreadable` with a one-line reason."""
    data = html.encode("utf-8", "surrogateescape") if isinstance(html, str) else html
    if not data.strip():
        raise SnapshotUnreadable("empty snapshot")
    head = data[:4096]
    if b"\x00" in head or (head.count(b"<") == 0 and not _looks_textual(head)):
        raise SnapshotUnreadable("snapshot is not HTML (binary data)")
    try:
        tree = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise SnapshotUnreadable(f"snapshot could not be parsed: {exc}") from exc
    if tree is None:
        raise SnapshotUnreadable("snapshot has no HTML content")
    return tree


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
    return " ".join(_visible_text(text or "").split())  # str.split folds what `\s+` matches, faster


def text_of(el: Element | None) -> str:
    return norm("".join(el.itertext())) if el is not None else ""


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
        return [(str(e["url"]), e.get("title")) for e in entries if isinstance(e, dict) and e.get("url")]
    except (ValueError, TypeError):
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

# Cloudflare's interstitial and challenge platform (engines.md §7 "Cloudflare / captcha"), captcha
# iframes (crawlee RETRY_CSS_SELECTORS), Google's /sorry/ page (engines.md §4, §5, §7).
_WALLS: tuple[tuple[ExtractionStatus, etree.XPath], ...] = (
    (
        ExtractionStatus.captcha,
        etree.XPath("//form[@id='captcha-form'] | //form[contains(@action,'/sorry/')]"),
    ),
    (
        ExtractionStatus.blocked,
        etree.XPath(
            "//script[contains(@src,'/cdn-cgi/challenge-platform/')] | //*[@id='challenge-form']"
            " | //*[@id='cf-wrapper'] | //*[@id='challenge-running'] | //*[@id='challenge-stage']"
            " | //iframe[contains(@src,'challenges.cloudflare.com')] | //*[@id='turnstile-wrapper']"
            " | //title[contains(.,'Just a moment')] | //title[contains(.,'Attention Required')]"
            # A challenge served to a fetch (ChatGPT's 403 on /backend-anon/*) carries no title and loads the
            # platform from an inline script: its `_cf_chl_opt` options and error line are what is left.
            " | //script[contains(., 'window._cf_chl_opt')] | //*[@id='challenge-error-text']"
        ),
    ),
    (
        ExtractionStatus.captcha,
        etree.XPath(
            "//iframe[contains(@src,'recaptcha') or contains(@src,'hcaptcha.com')]"
            " | //*[contains(@class,'g-recaptcha')] | //*[contains(@class,'h-captcha')]"
        ),
    ),
)


# Every wall query above needs one of these strings in the page source; most pages have none, and a substring
# search of the source is ~100x cheaper than the dozen whole-tree XPath walks (a third of a big page's extraction).
_WALL_MARKERS = (
    "challenge",
    "cf-wrapper",
    "turnstile",
    "_cf_chl_opt",
    "Just a moment",
    "Attention Required",
    "captcha",
)
_WALL_MARKER_BYTES = tuple(marker.encode() for marker in _WALL_MARKERS)


def detect_wall(tree: Element, html: str | bytes | None = None) -> ExtractionStatus | None:
    """`blocked` or `captcha` when the page is a bot wall instead of the engine's UI.

    `html`, the source `tree` was parsed from, lets a page that cannot be a wall skip the tree walks.
    """
    if isinstance(html, bytes) and not any(marker in html for marker in _WALL_MARKER_BYTES):
        return None
    if isinstance(html, str) and not any(marker in html for marker in _WALL_MARKERS):
        return None
    for status, xpath in _WALLS:
        if xpath(tree):
            return status
    return None


# --- answer walking ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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
        raw, canonical, domain = fields
        links.append(
            Citation(
                position=start + len(links),
                kind=CitationKind.inline_link,
                label=text_of(anchor.element) or None,
                url=raw,
                canonical_url=canonical,
                domain=domain,
                title=anchor.element.get("title") or anchor.element.get("aria-label"),
                block_index=anchor.block_index,
                char_start=anchor.char_start,
                visible=visible_of(anchor.element),
            )
        )
    return links


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
        if self.kind is not BlockKind.code and not raw:
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
        text = joined.strip() if self.kind is not BlockKind.code else joined.strip("\n")
        return text, len(joined) - len(joined.lstrip())


def default_block_kind(el: Element) -> BlockKind | None:
    return _BLOCK_TAGS.get(el.tag) if isinstance(el.tag, str) else None


def _opens_block(block: _Block, kind: BlockKind | None) -> bool:
    """Whether a block element inside `block` starts a block of its own (a list item's <p> does not)."""
    return kind is not None and not (kind is BlockKind.paragraph and block.kind in _HOLDS_PARAGRAPHS)


def _tex_source(el: Element, tag: str) -> str | None:
    """The TeX source of a KaTeX formula (`span.katex`), when the page kept it."""
    classes = el.get("class") if tag == "span" else None
    if not classes or "katex" not in classes or "katex" not in classes.split():
        return None
    return norm(_TEX_SOURCE(el)) or None


def walk_answer(
    containers: Iterable[Element],
    *,
    is_citation: Callable[[Element], bool],
    block_kind: Callable[[Element], BlockKind | None] = default_block_kind,
    skip: Callable[[Element], bool] = lambda _el: False,
) -> WalkedAnswer:
    """Turn answer containers into blocks, recording citations, links and emphasised names.

    A citation element's own text (its label, "wikipedia+2") is left out of the answer text, as the
    reader does not read it as prose. Text outside any block element becomes a paragraph.
    """
    blocks: list[_Block] = []

    def open_block(kind: BlockKind, el: Element | None) -> _Block:
        block = _Block(kind)
        if kind is BlockKind.list_item and el is not None:
            block.list_rank = _list_rank(el)
        blocks.append(block)
        return block

    def visit(el: Element, block: _Block | None) -> _Block | None:
        """Append `el`'s content to `block` (opening blocks as needed); return the block after it."""
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # comment or processing instruction: only its tail is prose
            return _add_loose(el.tail, block)
        if is_citation(el):
            target = block or open_block(BlockKind.paragraph, None)
            target.citations.append((el, target.length))
            return target
        if tag in _SKIP_TAGS or skip(el):
            return block
        tex = _tex_source(el, tag)
        if tex is not None:
            block = block or open_block(BlockKind.paragraph, None)
            block.add(tex)
            return block
        kind = block_kind(el)
        if kind is not None:
            inner = open_block(kind, el)
            _fill(el, inner)
            return None
        if tag == "br" and block is not None:
            block.add("\n" if block.kind is BlockKind.code else " ")
            return block
        marks = (tag == "a" and el.get("href")) or tag in _EMPHASIS_TAGS
        if block is None and ((el.text and el.text.strip()) or (marks and "".join(el.itertext()).strip())):
            block = open_block(BlockKind.paragraph, None)
        if block is not None:
            _mark(el, tag, block)
            block.add(el.text)
        for child in el:
            block = visit(child, block)
            if child.tail and isinstance(child.tag, str):
                block = _add_loose(child.tail, block)
        return block

    def _add_loose(text: str | None, block: _Block | None) -> _Block | None:
        if not text or (block is None and not text.strip()):
            return block
        block = block or open_block(BlockKind.paragraph, None)
        block.add(text)
        return block

    def _fill(el: Element, block: _Block) -> None:
        if block.kind is BlockKind.table:
            _fill_table(el, block)
            return
        block.add(el.text)
        nested: list[Element] = []
        for child in el:
            if isinstance(child.tag, str) and _opens_block(block, block_kind(child)) and not is_citation(child):
                nested.append(child)
            else:
                visit_inline(child, block)
            block.add(child.tail)
        for child in nested:
            visit(child, None)

    def visit_inline(el: Element, block: _Block) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:
            return
        if is_citation(el):
            block.citations.append((el, block.length))
            return
        if tag in _SKIP_TAGS or skip(el):
            return
        if tag == "br":
            block.add("\n" if block.kind is BlockKind.code else " ")
            return
        tex = _tex_source(el, tag)
        if tex is not None:
            block.add(tex)
            return
        paragraph = block_kind(el) is not None  # a paragraph held by its list item or cell: keep words apart
        if paragraph:
            block.add(" ")
        _mark(el, tag, block)
        block.add(el.text)
        for child in el:
            if isinstance(child.tag, str) and _opens_block(block, block_kind(child)) and not is_citation(child):
                visit(child, None)
            else:
                visit_inline(child, block)
            block.add(child.tail)
        if paragraph:
            block.add(" ")

    def _fill_table(table: Element, block: _Block) -> None:
        for row_index, row in enumerate(table.iter("tr")):
            if row_index:
                block.trim_end()
                block.add("\n", raw=True)
            for cell_index, cell in enumerate(c for c in row if c.tag in ("td", "th")):
                if cell_index:
                    block.add(" | ")
                visit_inline(cell, block)

    for container in containers:
        _fill_container(container, visit)

    return _assemble(blocks)


def _mark(el: Element, tag: str, block: _Block) -> None:
    if tag == "a" and el.get("href"):
        block.links.append((el, block.length))
    if tag in _EMPHASIS_TAGS:
        block.emphasis.append((el, block.length))


def _fill_container(container: Element, visit: Callable[[Element, _Block | None], _Block | None]) -> None:
    block: _Block | None = None
    if container.text and container.text.strip():
        block = visit(_text_holder(container.text), None)
    for child in container:
        block = visit(child, block)
        if child.tail and child.tail.strip() and isinstance(child.tag, str):
            block = visit(_text_holder(child.tail), block)


def _text_holder(text: str) -> Element:
    holder = etree.Element("span")
    holder.text = text
    return holder


def _list_rank(li: Element) -> int:
    parent = li.getparent()
    if parent is None:
        return 1
    owner = next(li.iterancestors("ul", "ol"), None) if parent.tag not in ("ul", "ol") else None
    if owner is not None:
        return _wrapped_list_rank(li, owner)
    rank = 0
    for sibling in parent:
        if sibling.tag == "li":
            rank += 1
        if sibling is li:
            return rank
    return rank or 1


def _wrapped_list_rank(li: Element, owner: Element) -> int:
    """Rank of an item wrapped in a `<div>` inside its list (Google AI Overviews render late items in such
    wrappers): count the list's own items, not those of lists nested in them."""
    rank = 0
    for item in owner.iter("li"):
        if next(item.iterancestors("ul", "ol"), None) is owner:
            rank += 1
        if item is li:
            return rank
    return rank or 1


def _assemble(blocks: list[_Block]) -> WalkedAnswer:
    texts: list[str] = []
    answer_blocks: list[AnswerBlock] = []
    walked = WalkedAnswer(Answer())
    offset = 0
    previous: BlockKind | None = None
    for block in blocks:
        text, lead = block.settle()
        if not text and not block.citations:
            continue
        if texts:
            sep = "\n" if previous is BlockKind.list_item and block.kind is BlockKind.list_item else "\n\n"
            offset += len(sep)
            texts.append(sep)
        index = len(answer_blocks)
        answer_blocks.append(AnswerBlock(index=index, kind=block.kind, text=text))

        def at(raw: int, text: str = text, lead: int = lead) -> int:
            return min(max(raw - lead, 0), len(text))

        walked.citations += [Anchor(el, index, offset + at(pos)) for el, pos in block.citations]
        walked.links += [Anchor(el, index, offset + at(pos)) for el, pos in block.links]
        if block.emphasis or block.links or block.kind is BlockKind.list_item:
            walked.mentions += _mentions(block, text, index, offset, at)
        texts.append(text)
        offset += len(text)
        previous = block.kind
    walked.answer = Answer(text="".join(texts), blocks=answer_blocks)
    walked.citations.sort(key=lambda a: (a.char_start, a.block_index))
    return walked


def _mentions(block: _Block, text: str, index: int, offset: int, at: Callable[[int], int]) -> list[Mention]:
    found: dict[int, Mention] = {}
    for el, pos in [*block.emphasis, *block.links]:
        name = _clean_name(text_of(el))
        start = at(pos)
        if name and start not in found:
            found[start] = Mention(text=name, block_index=index, char_start=offset + start, list_rank=block.list_rank)
    if block.kind is BlockKind.list_item and 0 not in found:
        lead = _LEAD_NAME.match(text)
        name = _clean_name(lead.group(1)) if lead else None
        if name:
            found[0] = Mention(text=name, block_index=index, char_start=offset, list_rank=block.list_rank)
    return [found[k] for k in sorted(found)]


def _clean_name(text: str) -> str | None:
    name = text.strip().strip(":;,.–—-").strip()
    if not (MIN_MENTION_CHARS <= len(name) <= MAX_MENTION_CHARS) or len(name.split()) > MAX_MENTION_WORDS:
        return None
    return name
