"""Streaming an answer as server-sent events, the way answer engines do, with the slow and broken faults.

An engine turns its answer into an ordered list of encoded events (the growing text, then its final
events) and hands them to `sse_response`, which plays them over the visit's answer time.
"""

from __future__ import annotations

import json
import re
from asyncio import sleep
from collections.abc import AsyncIterator, Sequence

from starlette.responses import StreamingResponse

from citewatch.replicas._app import BROKEN, SLOW, Visit

SLOW_ANSWER_S = 20.0  # issue 2 §5: the slow scenario finishes after 20 s
TICK_S = 0.1  # one event per ~100 ms reads as typing
MAX_EVENTS = 60  # longer answers get longer pauses, not more events: each event carries the whole text so far
_TOKEN = re.compile(r"\S+\s*|\s+")


def sse_event(data: object, event: str = "message") -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def answer_seconds(visit: Visit) -> float:
    return SLOW_ANSWER_S if visit.scenario == SLOW else visit.answer_seconds


def growing_text(text: str, visit: Visit) -> list[str]:
    """Prefixes of `text` that grow word by word to the whole text, one per event of the visit's answer time.

    Cuts fall after whitespace only, so a citation marker glued to its word (`word.[2]`) is never split.
    """
    tokens = _TOKEN.findall(text)
    steps = max(1, min(len(tokens), MAX_EVENTS, round(answer_seconds(visit) / TICK_S)))
    ends = [round(len(tokens) * (step + 1) / steps) for step in range(steps)]
    return ["".join(tokens[:end]) for end in ends]


def sse_response(events: Sequence[bytes], visit: Visit, *, final: int) -> StreamingResponse:
    """Play `events` over the visit's answer time; the last `final` of them close a complete answer.

    "broken" sends only the first half of the others and ends the stream there: the client sees the
    connection close without the events that say the answer is complete.
    """
    if visit.scenario == BROKEN:
        events = events[: max(1, (len(events) - final) // 2)]
    return StreamingResponse(
        _paced(events, answer_seconds(visit)),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _paced(events: Sequence[bytes], seconds: float) -> AsyncIterator[bytes]:
    """The first event at once (the page shows it is answering), the rest spread over `seconds`."""
    pause = seconds / max(1, len(events) - 1)
    for index, event in enumerate(events):
        if index:
            await sleep(pause)
        yield event
