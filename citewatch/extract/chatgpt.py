"""ChatGPT: answers with citation pills, inline links and widgets, plus the conversation stream when recorded.

Selectors follow engines.md §2.2 and the real saved conversation (shared/captures/chatgpt). Every assistant
message `[data-message-author-role=assistant]` holds its answer in a `.markdown` div; pills
`span[data-testid=webpage-citation-pill] > a[href]` cite one source each, and a grouped pill shows only its
first source: the scraper pages through its hover popover (`1/N`) and writes every source onto the pill as
`data-cw-group-urls`. A citewatch capture asks one prompt, so its page has one assistant turn; pages saved by
other tools may hold a whole conversation, and then every turn is read (and the warnings say so).

The `/backend-api/conversation` event stream (engines.md §2.3), when the capture kept it, adds what the page
does not show: the fan-out search queries, the results retrieved but not cited, and the resolved
`content_references` (which also resolve grouped pills whose popover was not opened). The stream is a
sequence of JSON-patch deltas on one message object at a time; the parser below applies them tolerantly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from citewatch.extract import contracts
from citewatch.extract._cards import card_source, merge_shown, read_cards
from citewatch.extract._html import (
    Anchor,
    Element,
    SnapshotUnreadable,
    captured_group,
    detect_wall,
    inline_links,
    parse,
    text_of,
    truncation_warning,
    visible_of,
    walk_answer,
)
from citewatch.extract._urls import UrlFields, url_fields
from citewatch.models import (
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    NetworkRecord,
    Snapshot,
    Source,
    SourceKind,
)
from citewatch.selectors import Selectors

EXTRACTOR_VERSION = "chatgpt/2"


# engines.md §2, §7: every selector is data in citewatch/selectors/chatgpt.toml, which users can override.
SEL = Selectors("chatgpt")
# engines.md §2.2 "widgets in prose" and the news carousel `div[data-testid=nav-list-widget]` (a track of
# `snap-start` cards, each an `a[href][alt=<url>]` holding the site line, the headline and the date): blocks of
# cards inside the answer. Their cards are sources of the widget's kind, never citations, and their text is not
# prose. A widget is found by its data-testid (the known ones; any other `*widget*` testid takes its kind from the
# words in it), and, were the testids renamed, by its structure: a `div.not-prose` block of links (how ChatGPT
# sets its widgets apart from the markdown), or a track of two or more `snap-start` cards.
WIDGET_KINDS: dict[str, SourceKind] = {
    "nav-list-widget": SourceKind.carousel,
    "businesses-map-widget": SourceKind.place,
    "dil-widget-shell": SourceKind.card,  # weather
}
WIDGET_WORDS: tuple[tuple[str, SourceKind], ...] = (
    ("product", SourceKind.product),
    ("shopping", SourceKind.product),
    ("video", SourceKind.video),
    ("youtube", SourceKind.video),
    ("business", SourceKind.place),
    ("place", SourceKind.place),
    ("map", SourceKind.place),
    ("local", SourceKind.place),
    ("nav-list", SourceKind.carousel),
    ("carousel", SourceKind.carousel),
    ("news", SourceKind.carousel),
)
_MIN_TRACK_CARDS = 2
# engines.md §2.3: the stream's widget references (`type: nav_list`, marker `navlist<title>turn0news1,…`) list
# the cards of a carousel: shown sources, not citations of the prose.
WIDGET_REFERENCES: dict[str, SourceKind] = {"nav_list": SourceKind.carousel}
# The scraper's record of the optional web-search mode: "1" search ran, "0" asked for but did not run.
WEB_SEARCH_MARK = "data-cw-web-search"

# engines.md §2.3: the logged-in and the anonymous conversation calls, their `f/` variants, and the GET of a
# whole conversation; not `/conversation/init` or `/prepare`.
CONVERSATION_URL = re.compile(r"/backend-(?:api|anon)/(?:f/)?conversation(?:/[0-9a-fA-F-]{36})?/?(?:[?#]|$)")
BACKEND_URL = re.compile(r"/backend-(?:api|anon)/")
# engines.md §2.3: citation markers such as `\ue200cite\ue202turn0search3\ue201` in streamed text.
_MARKER = re.compile(r"\ue200[^\ue201]*\ue201")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_GROUP_LABEL = re.compile(r"\+(\d+)\s*$")
_INTERNAL_DOMAINS = frozenset({"chatgpt.com"})  # links back into the app (yoonbae81: judge by host)
_LISTED_URLS = 3  # URLs quoted in a disagreement warning


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="chatgpt", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    stream = read_stream(snapshot.network)
    result.warnings += stream.warnings
    messages = SEL.xpath("assistant")(tree)
    message_markdown = SEL.xpath("message_markdown")
    roots = [root for message in messages for root in (message_markdown(message) or [message])]
    for root in roots:
        _readable_math(root)
    widgets = _widgets(roots)
    walked = walk_answer(roots, is_citation=_pill_test(), skip=_skip_test(widgets))
    result.answer = walked.answer
    if not walked.answer.text.strip() and not walked.citations:
        result.status = _no_answer_status(tree, messages, stream, result.warnings)
        return result
    result.status = ExtractionStatus.answered
    result.warnings += _page_warnings(tree, messages)
    for notice in SEL.xpath("error_notice")(tree):
        result.status = ExtractionStatus.error
        result.warnings.append(f"the engine stopped the answer with an error: {text_of(notice)}")
    pills = _pill_citations(walked.citations, stream, result.warnings)
    links = inline_links(walked.links, _link_target)
    result.citations = [
        citation.model_copy(update={"position": position})
        for position, citation in enumerate(sorted([*pills, *links], key=_reading_order), start=1)
    ]
    result.warnings += _disagreements(pills, stream)
    result.sources = _sources(result.citations, widgets, stream, result.warnings)
    result.mentions = walked.mentions
    result.search_queries = stream.queries
    result.warnings += contracts.check(result, expect_citations=bool(stream.references))
    return result


# --- the page --------------------------------------------------------------------------------------------


# The tests below are asked of every element of the answer, so the names they compare are bound once a page.


def _pill_test() -> Callable[[Element], bool]:
    testid = SEL.name("pill_testid")

    def is_pill(el: Element) -> bool:
        return el.get("data-testid") == testid

    return is_pill


def _skip_test(widgets: dict[Element, SourceKind]) -> Callable[[Element], bool]:
    skip_classes = SEL.names("skip_classes")

    def skip(el: Element) -> bool:
        if el in widgets or not skip_classes.isdisjoint((el.get("class") or "").split()):
            return True
        # A code block's header strip (its language, "Copy code") sits beside the code inside the same <pre>.
        return (
            el.tag == "div" and next(el.iterancestors("pre"), None) is not None and next(el.iter("code"), None) is None
        )

    return skip


def _readable_math(root: Element) -> None:
    tex_source = SEL.xpath("tex_source")
    for formula in SEL.xpath("katex")(root):
        tex = tex_source(formula).strip()
        if tex:
            formula.clear(keep_tail=True)
            formula.text = tex


def _no_answer_status(
    tree: Element, messages: list[Element], stream: StreamData, warnings: list[str]
) -> ExtractionStatus:
    """Why there is no answer. Walls replace the whole page, so they are looked for only here."""
    wall = detect_wall(tree)
    if wall is not None:
        return wall
    if stream.blocked:
        warnings.append(f"a backend call was refused by a bot wall (HTTP 403 at {stream.blocked})")
        return ExtractionStatus.blocked
    if SEL.xpath("login_dialog")(tree):
        return ExtractionStatus.login_required
    if SEL.xpath("consent")(tree):
        return ExtractionStatus.consent_required
    notices = SEL.xpath("error_notice")(tree)
    if notices:
        warnings.append(f"the engine reported an error: {text_of(notices[0])}")
        return ExtractionStatus.error
    if messages and SEL.xpath("thinking")(messages[-1]):
        warnings.append("the answer never left the thinking state: nothing was written")
    return ExtractionStatus.no_answer


def _page_warnings(tree: Element, messages: list[Element]) -> list[str]:
    warnings: list[str] = []
    if len(messages) > 1:
        warnings.append(f"the page holds {len(messages)} assistant turns; all of them were read")
    last = messages[-1] if messages else None
    if last is not None and (last.get("data-message-id") or "").startswith(SEL.name("placeholder_prefix")):
        warnings.append("the last answer still had a placeholder id: it may not have been complete")
    if last is not None and SEL.xpath("streaming")(last):
        warnings.append("the last answer was still streaming when the page was saved")
    if SEL.xpath("logged_out")(tree) and not SEL.xpath("logged_in")(tree):
        warnings.append("the page is logged out: answers and sources may differ from a logged-in session")
    if tree.get(WEB_SEARCH_MARK) == "0":
        warnings.append("web search was asked for but did not run")
    return warnings


def _reading_order(citation: Citation) -> tuple[int, bool, int]:
    return (citation.char_start or 0, citation.kind is not CitationKind.chip, citation.position)


def _pill_site(citation: Citation) -> str | None:
    """A single pill's label names its site; a grouped pill's label names only the first of its sources."""
    return citation.label if citation.kind is CitationKind.chip and citation.group is None else None


def _pill_citations(anchors: list[Anchor], stream: StreamData, warnings: list[str]) -> list[Citation]:
    citations: list[Citation] = []
    unused = list(stream.references)
    pill_href, pill_alt = SEL.xpath("pill_href"), SEL.xpath("pill_alt")
    for number, anchor in enumerate(anchors, start=1):
        pill = anchor.element
        label = text_of(pill) or None
        href = pill_href(pill) or pill_alt(pill) or None
        hidden = _GROUP_LABEL.search(label or "")
        members = captured_group(pill)
        if members is None:
            members = _referenced_group(href, unused)
        elif not members:
            warnings.append(f"pill {label!r} carries an unreadable group mark; its first source is kept")
        if hidden and members is None:
            warnings.append(f"grouped pill {label!r} was not expanded: {hidden.group(1)} more source(s) are missing")
        if hidden and members and len(members) != int(hidden.group(1)) + 1:
            warnings.append(
                f"{contracts.ENGINE_CHANGED}: pill {label!r} should hide {int(hidden.group(1)) + 1} sources "
                f"but its popover listed {len(members)}"
            )
        entries: list[tuple[str | None, str | None]] = [*members] if members else [(href, None)]
        group = f"pill-{number}" if hidden or len(entries) > 1 else None
        for url, title in entries:
            raw, canonical, domain = url_fields(url)
            known = stream.results_by_url.get(canonical or "")
            citations.append(
                Citation(
                    position=len(citations) + 1,
                    kind=CitationKind.chip,
                    label=label,
                    url=raw,
                    canonical_url=canonical,
                    domain=domain,
                    title=title or (known.title if known else None),
                    block_index=anchor.block_index,
                    char_start=anchor.char_start,
                    group=group,
                    visible=visible_of(pill),
                )
            )
    return citations


def _referenced_group(href: str | None, unused: list[list[Result]]) -> list[tuple[str, str | None]] | None:
    """The sources the stream resolved for this pill, when it lists more than the one the pill shows."""
    canonical = url_fields(href)[1]
    for index, reference in enumerate(unused):
        if reference and reference[0].canonical_url == canonical:
            del unused[index]
            return [(r.url, r.title) for r in reference] if len(reference) > 1 else None
    return None


def _link_target(link: Element) -> UrlFields | None:
    """A link to a web page outside ChatGPT."""
    raw, canonical, domain = url_fields(link.get("href"))
    return None if canonical is None or domain in _INTERNAL_DOMAINS else (raw, canonical, domain)


def _widgets(roots: list[Element]) -> dict[Element, SourceKind]:
    """The answer's widgets (outermost ones, in document order) with the kind of their cards. A block that holds
    a citation pill is prose, whatever it looks like."""
    found: list[Element] = []
    testid_widgets, not_prose_widgets = SEL.xpath("testid_widgets"), SEL.xpath("not_prose_widgets")
    card_tracks, holds_pill = SEL.xpath("card_tracks"), SEL.xpath("holds_pill")
    for root in roots:
        found += testid_widgets(root) + not_prose_widgets(root)
        found += [track for track in card_tracks(root) if _is_track(track)]
    unique = {el: None for el in found if el not in roots and not holds_pill(el)}
    outermost = {el for el in unique if not any(parent in unique for parent in el.iterancestors())}
    in_order = [el for root in roots for el in root.iter() if el in outermost] if len(outermost) > 1 else outermost
    return {el: _widget_kind(el) for el in in_order}


def _is_track(el: Element) -> bool:
    card_class, card_link = SEL.name("track_card_class"), SEL.xpath("track_card_link")
    cards = [child for child in el if card_class in (child.get("class") or "").split() and card_link(child)]
    return len(cards) >= _MIN_TRACK_CARDS


def _widget_kind(widget: Element) -> SourceKind:
    """The kind its own testid (or the first inner one) names in its words; else a carousel when it holds a card
    track, else plain cards."""
    for testid in SEL.xpath("testids")(widget):
        kind = WIDGET_KINDS.get(testid) or next((k for word, k in WIDGET_WORDS if word in testid), None)
        if kind is not None:
            return kind
    tracks = [widget, *SEL.xpath("card_tracks")(widget)]
    return SourceKind.carousel if any(_is_track(track) for track in tracks) else SourceKind.card


def _sources(
    citations: list[Citation], widgets: dict[Element, SourceKind], stream: StreamData, warnings: list[str]
) -> list[Source]:
    """What the answer points at, in the order ChatGPT's sources panel lists it: cited sources first (in
    reading order), then the cards of its widgets, then the results the search retrieved but the answer did not
    cite. A cited URL that is also a widget card is one source of the card's kind."""
    cited = {c.canonical_url for c in citations if c.canonical_url}
    found: list[Source] = []
    for citation in citations:
        known = stream.results_by_url.get(citation.canonical_url or "")
        found.append(
            Source(
                position=0,
                kind=SourceKind.listed,
                url=citation.url,
                canonical_url=citation.canonical_url,
                domain=citation.domain,
                title=citation.title or (known.title if known else None),
                site_name=known.site if known else _pill_site(citation),
                snippet=known.snippet if known else None,
                published=known.published if known else None,
                cited=True,
                visible=citation.visible,
            )
        )
    for widget, kind in widgets.items():
        for card in read_cards(widget, _link_target, dated=kind is SourceKind.carousel):
            source = card_source(card, kind, cited)
            known = stream.results_by_url.get(card.canonical_url)
            if known is not None:
                source = source.model_copy(
                    update={
                        "title": source.title or known.title,
                        "site_name": source.site_name or known.site,
                        "snippet": known.snippet,
                        "published": known.published or source.published,  # the stream's is a full date
                    }
                )
            found.append(source)
    shown = set(widgets.values())
    for kind, items in stream.widgets:
        if kind not in shown:
            warnings.append(
                f"{contracts.ENGINE_CHANGED}: the stream shows a {kind} widget of {len(items)} card(s) "
                "that was not found in the page"
            )
        found += [_stream_source(item, kind, cited) for item in items]
    found += [_stream_source(result, SourceKind.retrieved, cited) for result in stream.results]
    return merge_shown(found)


def _stream_source(result: Result, kind: SourceKind, cited: set[str]) -> Source:
    return Source(
        position=0,
        kind=kind,
        url=result.url,
        canonical_url=result.canonical_url,
        domain=result.domain,
        title=result.title,
        site_name=result.site,
        snippet=result.snippet,
        published=result.published,
        cited=result.canonical_url in cited,
    )


def _disagreements(pills: list[Citation], stream: StreamData) -> list[str]:
    """Where the page and the stream disagree on what is cited (only when the stream cites anything)."""
    if not stream.references:
        return []
    in_page = {c.canonical_url: c.url or c.canonical_url for c in pills if c.canonical_url}
    in_stream = {r.canonical_url: r.url for ref in stream.references for r in ref}
    warnings: list[str] = []
    only_page = [url for key, url in in_page.items() if key not in in_stream]
    only_stream = [url for key, url in in_stream.items() if key not in in_page]
    if only_page:
        warnings.append(f"{len(only_page)} pill URL(s) are not in the stream's content_references: {_some(only_page)}")
    if only_stream:
        warnings.append(f"{len(only_stream)} URL(s) cited in the stream have no pill in the page: {_some(only_stream)}")
    return warnings


def _some(urls: list[str]) -> str:
    shown = ", ".join(str(u) for u in urls[:_LISTED_URLS])
    return shown + (f" and {len(urls) - _LISTED_URLS} more" if len(urls) > _LISTED_URLS else "")


# --- the conversation stream -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    """A web page as the stream describes it (a search result, or an item of a content reference)."""

    url: str
    canonical_url: str
    domain: str | None
    title: str | None = None
    site: str | None = None
    snippet: str | None = None
    published: str | None = None


@dataclass(slots=True)
class StreamData:
    """What the recorded conversation stream(s) say about the answer."""

    found: bool = False
    queries: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)  # retrieved search results, in stream order
    references: list[list[Result]] = field(default_factory=list)  # one per cited place, in text order
    widgets: list[tuple[SourceKind, list[Result]]] = field(default_factory=list)  # cards of widget references
    results_by_url: dict[str, Result] = field(default_factory=dict)
    blocked: str | None = None  # the URL of a conversation call a bot wall refused
    warnings: list[str] = field(default_factory=list)


def read_stream(records: Iterable[NetworkRecord]) -> StreamData:
    """Read every recorded conversation call (SSE deltas, legacy full messages, or a conversation's JSON)."""
    data = StreamData()
    for record in records:
        if record.status == 403 and BACKEND_URL.search(record.url) and _is_wall(record.body):
            if data.blocked is None or CONVERSATION_URL.search(record.url):  # name the conversation call first
                data.blocked = record.url
            continue
        if not CONVERSATION_URL.search(record.url) or record.status != 200 or not record.body.strip():
            continue
        data.found = True
        messages = list(_messages(record.body))
        if not messages:
            data.warnings.append(f"the conversation stream at {record.url} held no readable message")
        for message in messages:
            _collect(message, data)
    listed = [*data.references, *(cards for _, cards in data.widgets)]
    for result in [*data.results, *(r for items in listed for r in items)]:
        data.results_by_url.setdefault(result.canonical_url, result)
    data.queries = list(dict.fromkeys(data.queries))
    return data


def _is_wall(body: str) -> bool:
    try:
        return detect_wall(parse(body)) is not None
    except SnapshotUnreadable:
        return False


def _messages(body: str) -> Iterator[dict[str, Any]]:
    """The messages of one response body: a conversation JSON (`mapping`) or an event stream."""
    try:
        whole = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("mapping"), dict):
        for node in whole["mapping"].values():
            if isinstance(node, dict) and isinstance(node.get("message"), dict):
                yield node["message"]
        return
    yield from _Patcher().run(_events(body))


def _events(body: str) -> Iterator[Any]:
    """The JSON payloads of an event stream; `[DONE]`, comments and broken events are skipped."""
    for block in re.split(r"\r?\n\r?\n", body):
        data = "\n".join(line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:"))
        if not data.strip() or data.strip() == "[DONE]":
            continue
        try:
            yield json.loads(data)
        except (ValueError, RecursionError):
            continue


class _Patcher:
    """Rebuilds messages from ChatGPT's delta encoding: `{"p": path, "o": op, "v": value}` operations on the
    current message document, `{"v": ...}` alone continuing the last path, `"o": "patch"` batching several."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] | None = None
        self.path = ""
        self.op = "append"

    def run(self, events: Iterable[Any]) -> Iterator[dict[str, Any]]:
        for event in events:
            if isinstance(event, dict):
                self._event(event)
        for document in self.documents.values():
            message = document.get("message")
            if isinstance(message, dict):
                yield message

    def _event(self, event: dict[str, Any]) -> None:
        if isinstance(event.get("message"), dict):  # the older encoding: the whole message every time
            self._start(event)
            return
        if "v" not in event and "o" not in event:
            return  # bookkeeping events: message_stream_complete, title_generation, server_ste_metadata...
        value = event.get("v")
        if "p" not in event and "o" not in event:
            if isinstance(value, dict) and isinstance(value.get("message"), dict):
                self._start(value)
            else:
                self._apply(self.path, self.op, value)
            return
        self._operation(event)

    def _operation(self, event: dict[str, Any]) -> None:
        path, op, value = str(event.get("p") or ""), str(event.get("o") or "append"), event.get("v")
        if op == "patch" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    self._operation(item)
            return
        if not path and isinstance(value, dict) and isinstance(value.get("message"), dict):
            self._start(value)
            return
        self.path, self.op = path, op
        self._apply(path, op, value)

    def _start(self, document: dict[str, Any]) -> None:
        message = document["message"]
        key = str(message.get("id") or len(self.documents))
        self.documents[key] = document
        self.current = document

    def _apply(self, path: str, op: str, value: Any) -> None:
        if self.current is None or not path:
            return
        keys = [k.replace("~1", "/").replace("~0", "~") for k in path.split("/")[1:]]
        try:
            _patch(self.current, keys, op, value)
        except (KeyError, IndexError, TypeError, ValueError):
            return  # a delta on a part this parser never saw: the rest of the stream still reads


def _patch(document: Any, keys: list[str], op: str, value: Any) -> None:
    parent = document
    for key in keys[:-1]:
        parent = _child(parent, key, create=op != "remove")
    if isinstance(parent, list):
        slot = len(parent) if keys[-1] == "-" else int(keys[-1])
        current = parent[slot] if slot < len(parent) else None
        if op == "remove":
            del parent[slot]
        elif slot == len(parent):
            parent.append(_updated(current, op, value))
        else:
            parent[slot] = _updated(current, op, value)
    elif op == "remove":
        del parent[keys[-1]]
    else:
        parent[keys[-1]] = _updated(parent.get(keys[-1]), op, value)


def _updated(current: Any, op: str, value: Any) -> Any:
    """`append` concatenates text, extends lists and merges objects; `truncate` cuts; others replace."""
    if op == "append":
        if isinstance(current, str) and isinstance(value, str):
            return current + value
        if isinstance(current, list):
            return current + (value if isinstance(value, list) else [value])
        if isinstance(current, dict) and isinstance(value, dict):
            return {**current, **value}
    if op == "truncate" and isinstance(value, int) and isinstance(current, str | list):
        return current[:value]
    return value


def _child(parent: Any, key: str, *, create: bool) -> Any:
    if isinstance(parent, list):
        return parent[int(key)]
    if key not in parent and create:
        parent[key] = {}
    return parent[key]


def _collect(message: dict[str, Any], data: StreamData) -> None:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        return
    data.queries += _queries(metadata.get("search_model_queries")) + _queries(metadata.get("search_queries"))
    for group in _dicts(metadata.get("search_result_groups")):
        data.results += [r for r in map(_result, _dicts(group.get("entries"))) if r is not None]
    references = sorted(_dicts(metadata.get("content_references")), key=_start_index)
    for reference in references:
        widget = WIDGET_REFERENCES.get(str(reference.get("type")))
        if widget is not None:
            cards = [r for r in map(_result, _dicts(reference.get("items"))) if r is not None]
            if cards:
                data.widgets.append((widget, cards))
            continue
        items = [r for r in map(_result, _reference_items(reference)) if r is not None]
        if items:
            data.references.append(items)


def _queries(value: Any) -> list[str]:
    entries = value.get("queries") if isinstance(value, dict) else value
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        query = _clean(entry.get("q") or entry.get("query") if isinstance(entry, dict) else entry)
        if query:
            found.append(query)
    return found


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _start_index(reference: dict[str, Any]) -> int:
    start = reference.get("start_idx")
    return start if isinstance(start, int) else 0


def _reference_items(reference: dict[str, Any]) -> list[dict[str, Any]]:
    """The pages one cited place stands for: a grouped reference's items (and the sites supporting them), or
    the single page of a plain one; footnote lists and hidden references cite nothing inline."""
    items = _dicts(reference.get("items"))
    if items:
        return [page for item in items for page in (item, *_dicts(item.get("supporting_websites")))]
    return [reference] if reference.get("type") in ("webpage", "webpage_extended") else []


def _result(entry: dict[str, Any]) -> Result | None:
    raw, canonical, domain = url_fields(entry.get("url") if isinstance(entry.get("url"), str) else None)
    if raw is None or canonical is None:
        return None
    return Result(
        url=raw,
        canonical_url=canonical,
        domain=domain,
        title=_clean(entry.get("title")),
        site=_clean(entry.get("attribution")),
        snippet=_clean(entry.get("snippet")),
        published=_published(entry.get("pub_date")),
    )


def _clean(value: Any) -> str | None:
    """Stream text without its private-use citation markers, whitespace folded; None when nothing is left."""
    if not isinstance(value, str):
        return None
    text = " ".join(_PRIVATE_USE.sub("", _MARKER.sub("", value)).split())
    return text or None


def _published(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return _clean(value)
