"""The conversation stream in ChatGPT's real event shape (engines.md §2.3), built from a corpus answer.

`POST /backend-api/f/conversation` answers `text/event-stream`: a `delta_encoding` event (`"v1"`), then
`delta` events that each add a whole message (`{"p": "", "o": "add", "v": {"message": ...}}`) or patch the
current one (`{"p": "/message/content/parts/0", "o": "append", "v": "text"}`, a bare `{"v": "text"}`
continuing the last path, `"o": "patch"` batching several), then `message_stream_complete` and `[DONE]`.
A searched answer has three messages: the assistant's search call (`metadata.search_model_queries`), the
tool's results (`metadata.search_result_groups`, filled by `append` patches) and the answer, whose text
cites results with private-use markers (`\\ue200cite\\ue202turn0search3\\ue201`) resolved at the end by
`metadata.content_references`. A news carousel is a marker of its own, on a line of its own
(`\\ue200navlist\\ue202<title>\\ue202turn0search1,turn0search2\\ue201`), resolved by a `nav_list` reference whose
items are its cards.
"""

from __future__ import annotations

import json
import re
import uuid
from asyncio import sleep
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import StreamingResponse

from citewatch.replicas import Visit, growing_text, sse_event
from citewatch.replicas.chatgpt.corpus import Answer, Page

CITE_START, CITE_SEPARATOR, CITE_END = "\ue200", "\ue202", "\ue201"
FINAL_EVENTS = 3  # the closing patch, message_stream_complete and [DONE]: what "broken" never sends
STALL_S = 600.0  # a stalled stream sends nothing more for this long (the client gives up first)
MODEL_SLUG = "gpt-5-2"
_MARKER_RUN = re.compile(r"(?:\[\d+\])+")
# The corpus's carousel line `{navlist <title>|1,4,5}` (pages by their [n] numbers).
_NAVLIST = re.compile(r"\{navlist (?P<title>[^|}]+)\|(?P<pages>\d+(?:,\d+)*)\}")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_DONE = b"data: [DONE]\n\n"


def with_utm(url: str) -> str:
    """ChatGPT appends `utm_source=chatgpt.com` to every link it shows (engines.md §2.2)."""
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("utm_source", "chatgpt.com")])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def marker(ref_indexes: Sequence[int]) -> str:
    refs = "".join(f"{CITE_SEPARATOR}turn0search{index}" for index in ref_indexes)
    return f"{CITE_START}cite{refs}{CITE_END}"


def navlist_marker(title: str, ref_indexes: Sequence[int]) -> str:
    refs = ",".join(f"turn0search{index}" for index in ref_indexes)
    return f"{CITE_START}navlist{CITE_SEPARATOR}{title}{CITE_SEPARATOR}{refs}{CITE_END}"


@dataclass(frozen=True)
class Played:
    """An answer as one scenario plays it: the text ChatGPT streams, and what the search found and cited."""

    text: str  # with citation markers
    queries: tuple[str, ...]
    pages: tuple[Page, ...]  # retrieved, in rank order (ref_index = position)
    references: tuple[dict[str, Any], ...]  # content_references, in text order


def play(answer: Answer, *, search: bool, grouped: bool, order: Sequence[int] | None = None) -> Played:
    """Turn `[n]` runs into markers (only the first of a run unless `grouped`); `order` remaps which page the
    nth citation points at (the varying scenario). Without search the answer cites nothing."""
    if not search:  # without a search there is nothing to cite and no news to show
        plain = _INLINE_LINK.sub(r"\1", _MARKER_RUN.sub("", _NAVLIST.sub("", answer.markdown)))
        return Played(text=re.sub(r"\n{3,}", "\n\n", plain), queries=(), pages=(), references=())
    pages = answer.pages
    remap = list(order) if order is not None else list(range(len(pages)))
    pieces: list[str] = []
    references: list[dict[str, Any]] = []
    cursor = 0
    for run in re.finditer(f"{_MARKER_RUN.pattern}|{_NAVLIST.pattern}", answer.markdown):
        pieces.append(answer.markdown[cursor : run.start()])
        cursor = run.end()
        start = sum(len(piece) for piece in pieces)
        if run.group("title"):
            indexes = [remap[int(n) - 1] for n in run.group("pages").split(",")]
            matched = navlist_marker(run.group("title"), indexes)
            references.append(_navlist_reference(matched, start, run.group("title"), [(i, pages[i]) for i in indexes]))
        else:
            indexes = [remap[int(n) - 1] for n in re.findall(r"\d+", run.group())]
            indexes = list(dict.fromkeys(indexes if grouped else indexes[:1]))
            matched = marker(indexes)
            references.append(_reference(matched, start, [(i, pages[i]) for i in indexes]))
        pieces.append(matched)
    pieces.append(answer.markdown[cursor:])
    text = "".join(pieces)
    cited = list(dict.fromkeys(item["url"] for ref in references for item in ref["items"] if ref["type"] != "nav_list"))
    footnote = {
        "matched_text": " ",
        "start_idx": len(text),
        "end_idx": len(text),
        "type": "sources_footnote",
        "sources": [{"url": url} for url in cited],
        "has_images": False,
    }
    return Played(text=text, queries=answer.queries, pages=pages, references=(*references, footnote))


def _reference(matched: str, start: int, cited: list[tuple[int, Page]]) -> dict[str, Any]:
    first = cited[0][1]
    return {
        "matched_text": matched,
        "start_idx": start,
        "end_idx": start + len(matched),
        "alt": f"([{first.label}]({with_utm(first.url)}))",
        "type": "grouped_webpages",
        "items": [
            {
                "title": page.title,
                "url": with_utm(page.url),
                "pub_date": _epoch(page.published),
                "snippet": page.snippet,
                "attribution": page.site,
                "supporting_websites": [],
                "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": index}],
            }
            for index, page in cited
        ],
        "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": index} for index, _ in cited],
        "prompt_text": matched,
    }


def _navlist_reference(matched: str, start: int, title: str, cards: list[tuple[int, Page]]) -> dict[str, Any]:
    """A carousel's reference (engines.md §2.3 `type: nav_list`): its cards, which the prose does not cite."""
    return {
        "matched_text": matched,
        "start_idx": start,
        "end_idx": start + len(matched),
        "alt": "\n".join(f"- [{page.site}]({with_utm(page.url)})" for _, page in cards),
        "type": "nav_list",
        "title": title,
        "items": [
            {
                "title": page.title,
                "url": with_utm(page.url),
                "pub_date": _epoch(page.published),
                "attribution": page.site,
                "thumbnail_url": None,
            }
            for _, page in cards
        ],
        "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": index} for index, _ in cards],
        "prompt_text": matched,
    }


def _epoch(day: str | None) -> float | None:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() if day else None


def search_result_groups(pages: Sequence[Page]) -> list[dict[str, Any]]:
    """The retrieved pages grouped by site, as the tool message lists them."""
    groups: dict[str, dict[str, Any]] = {}
    for index, page in enumerate(pages):
        group = groups.setdefault(page.domain, {"type": "search_result_group", "domain": page.domain, "entries": []})
        group["entries"].append(
            {
                "type": "search_result",
                "url": page.url,
                "title": page.title,
                "snippet": page.snippet,
                "ref_id": {"turn_index": 0, "ref_type": "search", "ref_index": index},
                "pub_date": _epoch(page.published),
                "attribution": page.site,
            }
        )
    return list(groups.values())


class _Conversation:
    """Message documents of one conversation, encoded as the events the real client receives."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self.parent = str(uuid.uuid4())

    def message(self, role: str, content: dict[str, Any], metadata: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message_id = str(uuid.uuid4())
        message = {
            "id": message_id,
            "author": {"role": role, "name": extra.pop("name", None), "metadata": {}},
            "create_time": None,
            "content": content,
            "status": extra.pop("status", "finished_successfully"),
            "end_turn": extra.pop("end_turn", None),
            "weight": 1.0,
            "metadata": {"parent_id": self.parent, "model_slug": MODEL_SLUG, **metadata},
            "recipient": extra.pop("recipient", "all"),
        }
        self.parent = message_id
        return {"message": message, "conversation_id": self.conversation_id, "error": None}

    def add(self, document: dict[str, Any]) -> bytes:
        return sse_event({"p": "", "o": "add", "v": document, "c": 0}, event="delta")


def conversation_events(prompt: str, played: Played, visit: Visit, *, conversation_id: str) -> list[bytes]:
    """Every event of one answer, in order; the last `FINAL_EVENTS` close it."""
    chat = _Conversation(conversation_id)
    events = opening_events(prompt, chat)
    if played.queries:
        call = chat.message(
            "assistant",
            {"content_type": "code", "language": "unknown", "text": json.dumps({"search_query": played.queries})},
            {"search_model_queries": {"type": "search_model_queries", "queries": list(played.queries)}},
            recipient="web.run",
        )
        events.append(chat.add(call))
        tool = chat.message(
            "tool", {"content_type": "text", "parts": [""]}, {"search_result_groups": []}, name="web.run"
        )
        events.append(chat.add(tool))
        for index, group in enumerate(search_result_groups(played.pages)):
            entries = group["entries"]
            events.append(
                _delta("/message/metadata/search_result_groups", "append", [{**group, "entries": entries[:1]}])
            )
            if entries[1:]:
                path = f"/message/metadata/search_result_groups/{index}/entries"
                events.append(_delta(path, "append", entries[1:]))
    answer = chat.message(
        "assistant",
        {"content_type": "text", "parts": [""]},
        {"citations": [], "content_references": [], "search_result_groups": []},
        status="in_progress",
    )
    events.append(chat.add(answer))
    texts = growing_text(played.text, visit)
    chunks = [text[len(before) :] for before, text in zip(["", *texts], texts, strict=False)]
    last = chunks.pop() if len(chunks) > 1 else ""
    for index, chunk in enumerate(chunks):
        events.append(sse_event({"v": chunk} if index else _op("/message/content/parts/0", "append", chunk), "delta"))
    closing = [
        _op("/message/content/parts/0", "append", last),
        _op("/message/metadata/content_references", "replace", list(played.references)),
        _op("/message/status", "replace", "finished_successfully"),
        _op("/message/end_turn", "replace", True),
    ]
    events.append(sse_event({"p": "", "o": "patch", "v": closing}, event="delta"))
    events.append(sse_event({"type": "message_stream_complete", "conversation_id": conversation_id}))
    events.append(_DONE)
    return events


def opening_events(prompt: str, chat: _Conversation) -> list[bytes]:
    user = chat.message("user", {"content_type": "text", "parts": [prompt]}, {})
    return [
        sse_event("v1", event="delta_encoding"),
        sse_event({"type": "input_message", "input_message": user["message"], "conversation_id": chat.conversation_id}),
    ]


def thinking_events(prompt: str, *, conversation_id: str) -> list[bytes]:
    """The start of an answer that thinks and then never writes (engines.md §7: the "empty result-thinking"
    service stall): the assistant message arrives with empty thoughts, and nothing follows."""
    chat = _Conversation(conversation_id)
    thoughts = chat.message(
        "assistant",
        {"content_type": "thoughts", "thoughts": [], "source_analysis_msg_id": None},
        {},
        status="in_progress",
    )
    return [*opening_events(prompt, chat), chat.add(thoughts)]


def stalled_response(events: Sequence[bytes]) -> StreamingResponse:
    """Send `events`, then keep the connection open without another byte."""

    async def body() -> AsyncIterator[bytes]:
        for event in events:
            yield event
        await sleep(STALL_S)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"cache-control": "no-cache"})


def _op(path: str, op: str, value: Any) -> dict[str, Any]:
    return {"p": path, "o": op, "v": value}


def _delta(path: str, op: str, value: Any) -> bytes:
    return sse_event(_op(path, op, value), event="delta")
