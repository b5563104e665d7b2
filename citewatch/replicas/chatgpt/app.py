"""The ChatGPT replica's server side: both page variants, the conversation stream and the scenarios.

The page itself (composer, streamed turns, pills and their hover cards, dialogs) is `static/chatgpt.js`; both
follow engines.md §2, as do the scraper and the extractor. Visitors get the logged-in page, except in the
scenarios about anonymous use; a session cookie (set by `/auth/login`, the stand-in of the real login
page) always gets the logged-in page.
"""

from __future__ import annotations

import html
import secrets
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from citewatch.replicas import (
    BROKEN,
    CLOUDFLARE,
    NORMAL,
    SLOW,
    VARYING,
    ReplicaOptions,
    Visit,
    cloudflare_wall,
    html_response,
    render,
    replica_app,
    sse_response,
    state_of,
    visit_of,
)
from citewatch.replicas.chatgpt.corpus import answer_for
from citewatch.replicas.chatgpt.stream import (
    FINAL_EVENTS,
    Played,
    conversation_events,
    play,
    stalled_response,
    thinking_events,
)

GROUPED = "grouped"  # citations that stand for several sources: pills with "+N" and a paged hover card
CONSENT = "consent"  # the cookie banner covers the composer until a choice is made
LOGIN = "login"  # logged out, and the prompt needs an account (web search): a dialog asks to log in
NO_SOURCES = "no_sources"  # no web search: an answer without pills or links
LOGGED_OUT_NO_SEARCH = "logged_out_no_search"  # the logged-out page, where web search is not offered
STALL_AFTER_THINKING = "stall_after_thinking"  # the answer starts "thinking" and never writes (engines.md §7)
SCENARIOS = (
    NORMAL,
    GROUPED,
    CONSENT,
    CLOUDFLARE,
    LOGIN,
    SLOW,
    BROKEN,
    NO_SOURCES,
    VARYING,
    LOGGED_OUT_NO_SEARCH,
    STALL_AFTER_THINKING,
)
LOGGED_OUT_SCENARIOS = frozenset({LOGIN, LOGGED_OUT_NO_SEARCH})

# engines.md §2.3: the logged-in and anonymous conversation calls, with their `f/` variants.
CONVERSATION_PATHS = (
    "/backend-api/f/conversation",
    "/backend-api/conversation",
    "/backend-anon/f/conversation",
    "/backend-anon/conversation",
)
SESSION_COOKIE = "next-auth.session-token"  # the name ChatGPT's auth uses over plain http
CONSENT_COOKIE = "oai-allow-ne"  # set by the page once a cookie choice is made
_HERE = Path(__file__).parent
_TEMPLATES = _HERE / "templates"
# The 2025 anonymous capture's composer button (div[data-testid=system-hint-search] > button).
_SEARCH_BUTTON = (
    '<div data-testid="system-hint-search"><button type="button" class="xs1d2f3" data-testid="composer-button-search"'
    ' aria-pressed="false" aria-label="Search">Search</button></div>'
)
_AUTO_SUBMIT = "<script>setTimeout(() => document.getElementById('login-form').submit(), 300);</script>"


def build_app(options: ReplicaOptions) -> Starlette:
    routes = [
        Route("/", home),
        Route("/c/{conversation:path}", home),  # a reload of an answered conversation gets the app back
        Route("/auth/login", login_page),
        Route("/auth/login", login, methods=["POST"]),
        *(Route(path, conversation, methods=["POST"]) for path in CONVERSATION_PATHS),
    ]
    return replica_app(routes=routes, options=options, scenarios=SCENARIOS, static_dir=_HERE / "static")


def logged_in(request: Request, visit: Visit) -> bool:
    return SESSION_COOKIE in request.cookies or visit.scenario not in LOGGED_OUT_SCENARIOS


async def home(request: Request) -> Response:
    visit = visit_of(request)
    banner = visit.scenario == CONSENT and CONSENT_COOKIE not in request.cookies
    consent = render(_TEMPLATES / "consent.html") if banner else ""
    if logged_in(request, visit):
        return html_response(render(_TEMPLATES / "home.html", consent=consent))
    search = "" if visit.scenario == LOGGED_OUT_NO_SEARCH else _SEARCH_BUTTON
    return html_response(render(_TEMPLATES / "anon.html", consent=consent, search_button=search))


async def login_page(request: Request) -> Response:
    target = request.query_params.get("continue") or "/"
    auto = _AUTO_SUBMIT if request.query_params.get("auto") == "1" else ""
    return html_response(render(_TEMPLATES / "login.html", continue_to=html.escape(_same_origin(target)), auto=auto))


async def login(request: Request) -> Response:
    """Any credentials start a session: the replica only needs the cookie a real login leaves behind."""
    # parsed by hand: Starlette's `request.form()` needs python-multipart, a dependency for one field
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    response = RedirectResponse(_same_origin(form.get("continue", ["/"])[0]), status_code=303)
    response.set_cookie(SESSION_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="lax")
    return response


def _same_origin(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def conversation(request: Request) -> Response:
    """The answer stream (`text/event-stream`), or the refusal the scenario asks for."""
    visit = visit_of(request)
    if visit.scenario == CLOUDFLARE:
        return cloudflare_wall(request)  # engines.md §2.3: the 403 Cloudflare body on the conversation call
    if visit.scenario == LOGIN and not logged_in(request, visit):
        return JSONResponse({"detail": {"code": "login_required", "message": "Log in to search the web."}}, 401)
    try:
        body = await request.json()
    except ValueError:
        body = None
    prompt = _prompt(body)
    if prompt is None:
        return JSONResponse({"detail": "messages[0].content.parts[0] is required"}, status_code=400)
    conversation_id = str(uuid.uuid4())
    if visit.scenario == STALL_AFTER_THINKING:
        return stalled_response(thinking_events(prompt, conversation_id=conversation_id))
    events = conversation_events(prompt, played(request, visit, prompt), visit, conversation_id=conversation_id)
    return sse_response(events, visit, final=FINAL_EVENTS)


def _prompt(body: Any) -> str | None:
    try:
        text = body["messages"][0]["content"]["parts"][0]
    except (KeyError, IndexError, TypeError):
        return None
    return text if isinstance(text, str) and text.strip() else None


def played(request: Request, visit: Visit, prompt: str) -> Played:
    """The answer as this scenario plays it: searched or not, grouped or not, with which sources."""
    answer = answer_for(prompt)
    search = visit.scenario not in (NO_SOURCES, LOGGED_OUT_NO_SEARCH)
    order = None
    if visit.scenario == VARYING:  # the same text, but its citations now point at other retrieved pages
        order = state_of(request).draw().sample(range(len(answer.pages)), len(answer.pages))
    return play(answer, search=search, grouped=visit.scenario == GROUPED, order=order)
