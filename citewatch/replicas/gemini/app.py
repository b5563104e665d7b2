"""The Gemini replica's server side: the app shell, the consent and "Try Gemini" gates, the /sorry/ wall,
the answer stream and the scenarios.

The page itself (Quill input, send/stop container, streamed answer, chips and their dialogs, the Deep
Research panel) is `static/gemini.js`; both follow engines.md §3, as do the scraper and the extractor.
"""

from __future__ import annotations

import html
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from citewatch.replicas import (
    BROKEN,
    NORMAL,
    SLOW,
    VARYING,
    ReplicaOptions,
    ReplicaState,
    Visit,
    growing_text,
    html_response,
    render,
    replica_app,
    sse_event,
    sse_response,
    state_of,
    visit_of,
)
from citewatch.replicas.gemini.corpus import REPORT, ChatAnswer, Source, answer_for

CONSENT = "consent"  # Google's cookie consent page, then the "Try Gemini" landing gate
CAPTCHA = "captcha"  # Google's "unusual traffic" /sorry/ page instead of the app (engines.md §7)
LOGIN = "login"  # signed out, in a country where Gemini needs an account (engines.md §3 "logged out")
NO_SOURCES = "no_sources"  # an answer without chips, links or sources
DEEP_RESEARCH = "deep_research"  # the answer is a report in the immersive panel, with used/unused sources
ARIA_BUSY_STUCK = "aria_busy_stuck"  # `.markdown[aria-busy]` stays "true" after the answer is complete
SCENARIOS = (NORMAL, CONSENT, CAPTCHA, LOGIN, SLOW, BROKEN, NO_SOURCES, VARYING, DEEP_RESEARCH, ARIA_BUSY_STUCK)

# The app's answer stream (Gemini web's BardFrontendService; engines.md §3.1).
STREAM_PATH = "/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate"
CONSENT_COOKIE = "SOCS"  # Google's consent cookie (engines.md §7: a stored SOCS/CONSENT avoids the prompt)
GATE_COOKIE = "cw_gemini_gate"  # set once "Try Gemini" was clicked
_HERE = Path(__file__).parent
_TEMPLATES = _HERE / "templates"
_MARKER = re.compile(r"\[\d+\]")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_LINK_BLOCK = re.compile(r"^=> .*$\n?", re.MULTILINE)

_SIGNED_IN_NAV = (
    '<button mat-button data-test-id="new-chat-button" aria-label="New chat" class="mdc-button new-chat-button">'
    '<span class="mdc-button__label">New chat</span></button>'
    '<conversations-list data-test-id="all-conversations"><div class="title-container">'
    '<span class="gds-title-s">Recent</span></div></conversations-list>'
    '<sidenav-mavatar-footer><user-profile-picture><a class="profile-link" aria-label="Google Account: Replica User"'
    ' href="https://accounts.google.com/SignOutOptions?hl=en&amp;continue=https://gemini.google.com/app">R</a>'
    "</user-profile-picture></sidenav-mavatar-footer>"
)
# engines.md §3 "logged out": a reset button instead of new chat; the footer and picture exist signed out too.
_SIGNED_OUT_NAV = (
    '<button mat-button data-test-id="reset-button" aria-label="New chat" class="mdc-button new-chat-button">'
    '<span class="mdc-button__label">New chat</span></button>'
    '<sidenav-mavatar-footer><div class="mavatar-signed-out-buttons"><a class="mdc-button sign-in-button"'
    ' href="https://accounts.google.com/ServiceLogin?continue=https://gemini.google.com/app">Sign in</a></div>'
    "<user-profile-picture></user-profile-picture></sidenav-mavatar-footer>"
)
_SIGNED_OUT_TOP = (
    '<div class="signed-out-buttons"><a class="mdc-button sign-in-button"'
    ' href="https://accounts.google.com/ServiceLogin?continue=https://gemini.google.com/app">Sign in</a></div>'
)
_REGULATED = (
    '<div data-test-id="signed-out-highly-regulated-zero-state-disclaimer" class="signed-out-disclaimer">'
    "Sign in to use Gemini. It is not available without a Google Account in your country.</div>"
)


def build_app(options: ReplicaOptions) -> Starlette:
    routes = [
        Route("/", app_page),
        Route("/app", app_page),
        Route("/app/{conversation}", app_page),  # a reload of an answered chat gets the shell back
        Route("/consent/m", consent_page),  # consent.google.com/m
        Route("/consent/save", consent_save, methods=["POST"]),
        Route("/gate", gate_page),  # the gemini.google landing page with its "Try Gemini" button
        Route("/gate/try", gate_try),
        Route("/sorry/index", sorry_page),
        Route(STREAM_PATH, stream, methods=["POST"]),
    ]
    return replica_app(routes=routes, options=options, scenarios=SCENARIOS, static_dir=_HERE / "static")


def _continue_to(request: Request) -> str:
    """The app URL a gate sends the browser back to: same-origin paths only."""
    target = request.query_params.get("continue") or "/app"
    return target if target.startswith("/") and not target.startswith("//") else "/app"


async def app_page(request: Request) -> Response:
    visit = visit_of(request)
    here = quote(request.url.path, safe="/")
    if visit.scenario == CAPTCHA:
        return RedirectResponse(f"/sorry/index?continue={here}", status_code=302)
    if visit.scenario == CONSENT and CONSENT_COOKIE not in request.cookies:
        return RedirectResponse(f"/consent/m?continue={here}", status_code=302)
    if visit.scenario == CONSENT and GATE_COOKIE not in request.cookies:
        return RedirectResponse(f"/gate?continue={here}", status_code=302)
    signed_out = visit.scenario == LOGIN
    page = render(
        _TEMPLATES / "app.html",
        sidenav=_SIGNED_OUT_NAV if signed_out else _SIGNED_IN_NAV,
        topbar=_SIGNED_OUT_TOP if signed_out else "",
        regulated=_REGULATED if signed_out else "",
        disclaimer_class="signed-out" if signed_out else "",
    )
    return html_response(page)


async def consent_page(request: Request) -> Response:
    return html_response(render(_TEMPLATES / "consent.html", continue_to=html.escape(_continue_to(request))))


async def consent_save(request: Request) -> Response:
    # An urlencoded form read by hand: Starlette's form parser needs python-multipart, not worth a dependency.
    form = {key: values[-1] for key, values in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    target = form.get("continue") or "/app"
    target = target if target.startswith("/") and not target.startswith("//") else "/app"
    response = RedirectResponse(target, status_code=303)
    choice = "reject" if form.get("set_eom") == "true" else "accept"
    response.set_cookie(CONSENT_COOKIE, f"CAESHAgBEhJnd3NfMjAyNjExMjJfMF9SQzEaAmVuIAEaBgiA_{choice}", samesite="lax")
    return response


async def gate_page(request: Request) -> Response:
    return html_response(render(_TEMPLATES / "gate.html", continue_to=quote(_continue_to(request), safe="/")))


async def gate_try(request: Request) -> Response:
    response = RedirectResponse(_continue_to(request), status_code=303)
    response.set_cookie(GATE_COOKIE, "1", samesite="lax")
    return response


async def sorry_page(request: Request) -> Response:
    """Google answers a suspected bot with HTTP 429 and this captcha page (engines.md §7)."""
    target = html.escape(urlsplit(_continue_to(request)).path)
    body = render(_TEMPLATES / "sorry.html", continue_to=target, token=secrets.token_urlsafe(24))
    return html_response(body, status_code=429)


async def stream(request: Request) -> Response:
    """The answer stream (`text/event-stream`), or the refusal the scenario asks for."""
    visit = visit_of(request)
    if visit.scenario == CAPTCHA:
        return JSONResponse({"error": "unusual traffic"}, status_code=429)
    if visit.scenario == LOGIN:
        return JSONResponse({"error": "sign in to use Gemini"}, status_code=401)
    try:
        body = await request.json()
    except ValueError:
        body = None
    prompt = body.get("prompt") if isinstance(body, dict) else None
    if not isinstance(prompt, str) or not prompt.strip():
        return JSONResponse({"error": "prompt is required"}, status_code=400)
    conversation = secrets.token_hex(8)
    if visit.scenario == DEEP_RESEARCH:
        return sse_response(report_events(conversation, visit), visit, final=1)
    markdown, sources = played(answer_for(prompt), visit, state_of(request))
    return sse_response(chat_events(conversation, markdown, sources, visit), visit, final=1)


def played(answer: ChatAnswer, visit: Visit, state: ReplicaState) -> tuple[str, tuple[Source, ...]]:
    """The answer's markdown and sources as this scenario shows them."""
    if visit.scenario == NO_SOURCES:
        text = _INLINE_LINK.sub(r"\1", _LINK_BLOCK.sub("", _MARKER.sub("", answer.markdown)))
        return text, ()
    sources = answer.sources
    if visit.scenario == VARYING:  # the same text, but its markers now point at other sources
        sources = tuple(state.draw().sample(sources, len(sources)))
    return answer.markdown, sources


def chat_events(conversation: str, markdown: str, sources: tuple[Source, ...], visit: Visit) -> list[bytes]:
    common: dict[str, Any] = {
        "conversation": conversation,
        "sources": [s.payload() for s in sources],
        "keep_busy": visit.scenario == ARIA_BUSY_STUCK,
    }
    events = [sse_event({**common, "text": text, "done": False}) for text in growing_text(markdown, visit)]
    events.append(sse_event({**common, "text": markdown, "done": True}))
    return events


def report_events(conversation: str, visit: Visit) -> list[bytes]:
    """The report grows in the immersive panel; its source lists arrive with the final event."""
    common: dict[str, Any] = {
        "conversation": conversation,
        "mode": "deep_research",
        "title": REPORT.title,
        "text": REPORT.intro,
        "keep_busy": False,
    }
    events = [sse_event({**common, "report": text, "done": False}) for text in growing_text(REPORT.markdown, visit)]
    events.append(
        sse_event(
            {
                **common,
                "report": REPORT.markdown,
                "used": [s.payload() for s in REPORT.used],
                "unused": [s.payload() for s in REPORT.unused],
                "done": True,
            }
        )
    )
    return events
