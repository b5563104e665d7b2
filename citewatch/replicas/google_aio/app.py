"""The Google AI Overview replica's server side: the results page, the deferred overview and the scenarios.

`/search?q=…&hl=…&gl=…` serves a results page (organic results, "People also ask") whose AI Overview module
arrives empty, with Google's "generating" preview; the page's script (`static/google_aio.js`) fetches the
overview from `/async/folsrch` (engines.md §4.2 "Async/deferred AIO"), which answers after the visit's answer
time, then plays "Show more AI Overview", "Show all" and the dialog or panels that hold the sources. The
overview is drawn in the layout Google serves now (engines.md §4.3, `component`: the AI Mode answer component
with source cards, beside a hidden `li.LLtSOc` list); the `layout_2025_07` scenario draws the July 2025 one
(engines.md §4.2, `markup`: sentences, citation clusters and their "View related links" panel). The consent
interstitial and the `/sorry/` captcha are the same pages the AI Mode replica serves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from citewatch.replicas import (
    NORMAL,
    SLOW,
    VARYING,
    ReplicaOptions,
    Visit,
    html_response,
    replica_app,
    state_of,
    visit_of,
)
from citewatch.replicas._stream import answer_seconds
from citewatch.replicas.google_ai_mode.app import CONSENT_COOKIE, consent_page, consent_save, sorry
from citewatch.replicas.google_aio import component, markup
from citewatch.replicas.google_aio.corpus import Search, Source, search_for

LAYOUT_2025_07 = "layout_2025_07"  # the July 2025 overview: sentences, clusters, the li.LLtSOc list only
CARDS_ONLY = "cards_only"  # the current layout with source cards and no li.LLtSOc list (e.g. Spanish pages)
SPLIT_LIST = "split_list"  # preview cards only, and the list split over two <ul>: the second behind "Show all"
NO_OVERVIEW = "no_overview"  # a results page without an AI Overview (organic results only)
OVERVIEW_FAILED = "overview_failed"  # the module shows "Can't generate an AI overview right now"
CONSENT = "consent"  # the first search is sent to the consent interstitial until a choice is made
CAPTCHA = "captcha"  # every search is sent to the /sorry/ "unusual traffic" page
SCENARIOS = (
    NORMAL,
    LAYOUT_2025_07,
    CARDS_ONLY,
    SPLIT_LIST,
    NO_OVERVIEW,
    OVERVIEW_FAILED,
    CONSENT,
    CAPTCHA,
    SLOW,
    VARYING,
)
_LISTS: dict[str, component.Lists] = {CARDS_ONLY: "none", SPLIT_LIST: "split"}

FOLSRCH_PATH = "/async/folsrch"  # engines.md §4.2: where a deferred overview is fetched from
_HERE = Path(__file__).parent


def build_app(options: ReplicaOptions) -> Starlette:
    routes = [
        Route("/", search),
        Route("/search", search),
        Route(FOLSRCH_PATH, folsrch),
        Route("/sorry/index", sorry),
        Route("/consent/ml", consent_page),
        Route("/consent/save", consent_save, methods=["POST"]),
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
    query = " ".join(request.query_params.get("q", "").split())
    hl = _language(request)
    found = search_for(query)
    shows_overview = query and found.overview and visit.scenario != NO_OVERVIEW
    aio = markup.module(hl, state="loading") if shows_overview else ""
    gl = request.query_params.get("gl", "")
    page = markup.results_page(query, hl, gl, aio=aio, organic=found.organic, questions=found.questions)
    return html_response(page)


async def folsrch(request: Request) -> Response:
    """The deferred overview: after the visit's answer time, the module's body, or Google's failure state."""
    visit = visit_of(request)
    query = " ".join(request.query_params.get("q", "").split())
    hl = _language(request)
    await asyncio.sleep(answer_seconds(visit))
    found = search_for(query)
    if visit.scenario == OVERVIEW_FAILED or not found.overview:
        return JSONResponse({"status": "failed"}, headers={"cache-control": "no-store"})
    sources = _played(found, visit, request)
    if visit.scenario == LAYOUT_2025_07:
        body = markup.overview_body(markup.overview(found, key=query, hl=hl, sources=sources), sources, hl)
    else:
        lists, dialog = _LISTS.get(visit.scenario, "hidden"), visit.scenario != SPLIT_LIST
        body = component.body(found, key=query, hl=hl, sources=sources, lists=lists, dialog=dialog)
    payload = {"status": "ok", "html": body, "more": markup.show_more(hl)}
    return JSONResponse(payload, headers={"cache-control": "no-store"})


def _played(found: Search, visit: Visit, request: Request) -> Sequence[Source]:
    """The sources as this scenario shows them: the varying scenario's clusters point at other pages."""
    if visit.scenario == VARYING:
        return tuple(state_of(request).draw().sample(found.sources, len(found.sources)))
    return found.sources
