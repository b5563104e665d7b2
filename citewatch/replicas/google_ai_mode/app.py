"""The Google AI Mode replica's server side: the results page, the answer stream and the scenarios.

`/search?udm=50&q=…&hl=…` serves the page; its script (`static/google_ai_mode.js`) streams the answer from
`/async/aim` as ready HTML (`markup`), shows the sources and the follow-up box when the answer is complete,
and opens the "Show all related links" dialog on request. A follow-up question adds a turn.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from citewatch.replicas import (
    BROKEN,
    NORMAL,
    SLOW,
    VARYING,
    ReplicaOptions,
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
from citewatch.replicas.google_ai_mode import markup
from citewatch.replicas.google_ai_mode.corpus import Answer, answer_for
from citewatch.replicas.perplexity.app import favicon

CONSENT = "consent"  # the first visit is sent to the consent interstitial until "Accept all" or "Reject all"
CAPTCHA = "captcha"  # every search is sent to the /sorry/ "unusual traffic" page
NO_SOURCES = "no_sources"  # an answer without citation buttons or source cards
SCENARIOS = (NORMAL, CONSENT, CAPTCHA, SLOW, BROKEN, NO_SOURCES, VARYING)

STREAM_PATH = "/async/aim"
CONSENT_COOKIE = "SOCS"  # the cookie Google sets once a consent choice is made (engines.md §7)
_HERE = Path(__file__).parent
_TEMPLATES = _HERE / "templates"


def build_app(options: ReplicaOptions) -> Starlette:
    routes = [
        Route("/", search),
        Route("/search", search),
        Route(STREAM_PATH, stream),
        Route("/sorry/index", sorry),
        Route("/consent/ml", consent_page),
        Route("/consent/save", consent_save, methods=["POST"]),
        Route("/favicons/{host}", favicon),
    ]
    return replica_app(routes=routes, options=options, scenarios=SCENARIOS, static_dir=_HERE / "static")


def _language(request: Request) -> str:
    return (request.query_params.get("hl") or "en").split("-")[0].lower() or "en"


async def search(request: Request) -> Response:
    visit = visit_of(request)
    here = str(request.url)
    if visit.scenario == CAPTCHA:
        return RedirectResponse(f"/sorry/index?{urlencode({'continue': here})}", status_code=302)
    if visit.scenario == CONSENT and CONSENT_COOKIE not in request.cookies:
        return RedirectResponse(f"/consent/ml?{urlencode({'continue': here})}", status_code=302)
    query = request.query_params.get("q", "").strip()
    hl = _language(request)
    text = markup.labels(hl)
    body = render(
        _TEMPLATES / "search.html",
        lang=html.escape(hl),
        title=html.escape(f"{query} - Google Search" if query else "Google Search"),
        query=html.escape(query),
        ask=html.escape(text["ask"]),
        error=html.escape(text["error"]),
        stream=STREAM_PATH,
    )
    return html_response(body)


async def stream(request: Request) -> Response:
    """The answer as server-sent events: the growing answer column, then the finished turn."""
    visit = visit_of(request)
    query = request.query_params.get("q", "").strip()
    hl = _language(request)
    turn = int(request.query_params.get("turn", "1") or 1)
    answer = _played(answer_for(query), visit, request)
    key = f"{query}/{turn}"

    def column(text: str) -> str:
        return markup.answer_html(text, answer.sources, key=key, hl=hl)

    events = [sse_event({"html": column(text)}) for text in growing_text(answer.markup, visit)]
    final = {
        "html": column(answer.markup) + markup.under_answer(answer.suggestions, query, hl),
        "rhs": markup.rhs_html(answer.sources, hl, turn) if answer.sources else "",
        "dialog": markup.dialog_html(answer.sources, hl, turn) if answer.sources else "",
        "done": True,
    }
    events += [sse_event(final), sse_event({}, event="end")]
    return sse_response(events, visit, final=2)


def _played(answer: Answer, visit: Visit, request: Request) -> Answer:
    """The answer as this scenario shows it."""
    if visit.scenario == NO_SOURCES:
        return Answer(markup=markup.strip_markers(answer.markup), sources=(), suggestions=answer.suggestions)
    if visit.scenario == VARYING:  # the same text, but its buttons now stand for other sources
        sources = tuple(state_of(request).draw().sample(answer.sources, len(answer.sources)))
        return Answer(markup=answer.markup, sources=sources, suggestions=answer.suggestions)
    return answer


async def sorry(request: Request) -> Response:
    """Google's "unusual traffic" page, with its reCAPTCHA form, served with 429 as Google does."""
    target = request.query_params.get("continue", "/search")
    body = render(
        _TEMPLATES / "sorry.html", target=html.escape(target), ip=request.client.host if request.client else ""
    )
    return html_response(body, status_code=429)


async def consent_page(request: Request) -> Response:
    target = request.query_params.get("continue", "/search")
    return html_response(render(_TEMPLATES / "consent.html", target=html.escape(target)))


async def consent_save(request: Request) -> Response:
    form = {key: values[-1] for key, values in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    target = form.get("continue") or "/search"
    if not target.startswith("/") and not target.startswith(str(request.base_url)):
        target = "/search"  # never an open redirect
    response = RedirectResponse(target, status_code=303)
    choice = "accepted" if form.get("set_eom") == "false" else "rejected"
    response.set_cookie(CONSENT_COOKIE, quote(choice), path="/", samesite="lax", max_age=31536000)
    return response
