"""The Perplexity replica's server side: the home page, the answer stream and the scenarios.

The page itself (composer, streamed answer, chips, tabs, popovers) is `static/perplexity.js`; both follow
the page contract shared with the scraper and the extractor (perplexity-dom.md, after engines.md §1).
"""

from __future__ import annotations

import re
import secrets
import string
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from citewatch.extract._urls import registrable_domain
from citewatch.replicas import (
    BROKEN,
    CLOUDFLARE,
    NORMAL,
    SLOW,
    VARYING,
    ReplicaOptions,
    ReplicaState,
    Visit,
    cloudflare_wall,
    growing_text,
    html_response,
    render,
    replica_app,
    sse_event,
    sse_response,
    state_of,
    visit_of,
)
from citewatch.replicas.perplexity.corpus import Answer, Source, answer_for

GROUPED = "grouped"  # several "+N" chips
CONSENT = "consent"  # a cookie overlay covers the page until accepted
LOGIN = "login"  # asking opens the sign-in dialog instead of answering
NO_SOURCES = "no_sources"  # an answer without citations, and an empty Links panel
ERROR500 = "error500"  # the first ask of each server fails with HTTP 500, later ones work (retries)
SCENARIOS = (NORMAL, GROUPED, CONSENT, CLOUDFLARE, LOGIN, SLOW, BROKEN, NO_SOURCES, VARYING, ERROR500)

ASK_PATH = "/rest/sse/perplexity_ask"  # engines.md §1.3
CONSENT_COOKIE = "pplx_cookie_consent"  # set by the page when a consent button is clicked
_HERE = Path(__file__).parent
_HOME = _HERE / "templates" / "home.html"
_CONSENT = _HERE / "templates" / "consent.html"
_MARKER_RUN = re.compile(r"(?:\[\d+\])+")  # `[1][6]`: the sources behind one chip
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_THREAD_ID = string.ascii_letters + string.digits


def build_app(options: ReplicaOptions) -> Starlette:
    routes = [
        Route("/", home),
        Route("/search/{thread:path}", home),  # a reload of an answered thread gets the app shell back
        Route(ASK_PATH, ask, methods=["POST"]),
        Route("/favicons/{host}", favicon),
    ]
    return replica_app(routes=routes, options=options, scenarios=SCENARIOS, static_dir=_HERE / "static")


async def home(request: Request) -> Response:
    visit = visit_of(request)
    if visit.scenario == CLOUDFLARE:
        return cloudflare_wall(request)
    overlay = visit.scenario == CONSENT and CONSENT_COOKIE not in request.cookies
    return html_response(render(_HOME, consent=render(_CONSENT) if overlay else ""))


async def ask(request: Request) -> Response:
    """The answer stream (`text/event-stream`), or the failure the scenario asks for."""
    visit = visit_of(request)
    if visit.scenario == CLOUDFLARE:
        return cloudflare_wall(request)
    if visit.scenario == LOGIN:
        return JSONResponse({"error_code": "AUTH_REQUIRED", "message": "Sign in to continue."}, status_code=401)
    if visit.scenario == ERROR500 and state_of(request).first_time(ERROR500):
        return JSONResponse({"error_code": "INTERNAL_SERVER_ERROR"}, status_code=500)
    try:
        body = await request.json()
    except ValueError:
        body = None
    query = body.get("query_str") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return JSONResponse({"error_code": "BAD_REQUEST", "message": "query_str is required"}, status_code=400)
    frontend_uuid = str(body.get("frontend_uuid") or "")
    answer = answer_for(query)
    markdown, sources = played(answer, visit, state_of(request))
    events = answer_events(query, frontend_uuid, markdown, sources, answer.related, visit)
    return sse_response(events, visit, final=2)


def played(answer: Answer, visit: Visit, state: ReplicaState) -> tuple[str, tuple[Source, ...]]:
    """The answer's markdown and sources as this scenario shows them."""
    if visit.scenario == NO_SOURCES:
        return _INLINE_LINK.sub(r"\1", _MARKER_RUN.sub("", answer.markdown)), ()
    markdown = answer.markdown
    if visit.scenario != GROUPED:  # one source per chip: keep the first marker of each run
        markdown = _MARKER_RUN.sub(lambda run: run.group().split("]")[0] + "]", markdown)
    sources = answer.sources
    if visit.scenario == VARYING:  # the same text, but its markers now point at other sources
        sources = tuple(state.draw().sample(sources, len(sources)))
    return markdown, sources


def answer_events(
    query: str, frontend_uuid: str, markdown: str, sources: tuple[Source, ...], related: tuple[str, ...], visit: Visit
) -> list[bytes]:
    """PENDING events with the growing text, the COMPLETED one, then `end_of_stream` (perplexity-dom.md)."""
    common = {
        "backend_uuid": secrets.token_hex(16),
        "frontend_uuid": frontend_uuid,
        "query_str": query,
        "thread_url_slug": thread_slug(query),
        "web_results": [source.web_result() for source in sources],
    }

    def message(status: str, text: str, chunk: str, related_queries: tuple[str, ...] = ()) -> bytes:
        # `text` is the whole answer so far; the block carries only what this event adds.
        progress = "DONE" if status == "COMPLETED" else "IN_PROGRESS"
        block = {"intended_usage": "ask_text", "markdown_block": {"progress": progress, "chunks": [chunk]}}
        return sse_event(
            {**common, "status": status, "text": text, "blocks": [block], "related_queries": list(related_queries)}
        )

    texts = growing_text(markdown, visit)
    events = [message("PENDING", text, text[len(before) :]) for before, text in zip(["", *texts], texts, strict=False)]
    events.append(message("COMPLETED", markdown, "", related))
    events.append(sse_event({}, event="end_of_stream"))
    return events


def thread_slug(query: str) -> str:
    """`/search/<slug>-<id>` as on the real site: the question, shortened, and a random thread id."""
    words = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:60].rstrip("-") or "thread"
    return f"{words}-{''.join(secrets.choice(_THREAD_ID) for _ in range(22))}"


async def favicon(request: Request) -> Response:
    """A letter in a coloured disc: source favicons without the internet."""
    site = registrable_domain(f"https://{request.path_params['host']}/") or "?"
    hue = sum(site.encode()) * 37 % 360
    letter = site[:1].upper()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<circle cx="16" cy="16" r="16" fill="hsl({hue} 45% 42%)"/>'
        '<text x="16" y="21.5" font-family="Arial,sans-serif" font-size="16" font-weight="700" fill="#fff" '
        f'text-anchor="middle">{letter if letter.isalnum() else "?"}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})
