"""The scrapers meet real DOM: real saved pages (../shared/captures) through each scraper's after-answer steps.

Each row of `CAPTURES` is one real page served as it was saved, from 127.0.0.1, into real Chromium, and taken
through what `citewatch.scrapers.pipeline` does once the prompt is in: the open step's response check, the
consent and wall steps, `pipeline.read_answer` (the answer wait, citation marks, `expand_sources`, source
marks) and `pipeline.artifacts`. Nothing leaves the machine: requests to any other host are aborted, so the
pages' external scripts never load and a click that needs the engine's JavaScript does nothing (the steps must
then return cleanly). The page is loaded once per row; the tests below read what that one run recorded.

A row lists, by scraper attribute (or module constant), the selectors the saved page must match and how many
elements each matches (counts checked by hand with lxml, see ../shared/captures/README.md "Verified facts"),
and the signals nothing displayed may match. Saved pages are often fragments (a thread's outerHTML, a
server-rendered home page before hydration), so each row says only what that capture holds.

Adding a capture or an engine is one row. A known failure is a strict xfail on the tests it breaks (`known`):
the test flips to a failure the day the scraper is fixed, and the entry comes out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route
from playwright.sync_api import Error as PlaywrightError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route as HttpRoute

from citewatch.errors import CaptureError, TransientCaptureError
from citewatch.models import CaptureStatus
from citewatch.replicas import ReplicaServer
from citewatch.scrapers import pipeline, steps
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.scrapers.browser import BrowserOptions, BrowserSession
from citewatch.selectors import Selectors

pytestmark = [pytest.mark.browser, pytest.mark.captures]

BUDGET_S = 2.0  # the answer budget: a complete saved answer concludes well before it, an absent one times out
ACTION_TIMEOUT_S = 2.0  # the session's default for single actions: a click nothing can receive fails in 2 s, not 30
# How long each scraper gives the engine's script to open a popover, panel or dialog, or a control to take a
# click: on a saved page there is no script (nothing opens, a collapsed overview's fade stays over the controls
# it hides) and every such wait runs out, so they are shrunk (the steps take the same paths, sooner).
SCRIPT_WAITS_MS = {
    "perplexity": {"PANEL_WAIT_MS": 200},
    "gemini": {"DIALOG_WAIT_MS": 200},
    "google_aio": {"PANEL_WAIT_MS": 200, "CLICK_TIMEOUT_MS": 200},
}
SOURCES_LIMIT_S = 20.0  # opening sources on a page whose JavaScript is gone must return, not wait per element
MARKS = ("state_marks", "citation_marks", "source_marks")
_BOX = re.compile(r"-?\d+,-?\d+,\d+,\d+")
_MARKS_JS = """
(els) => els.map((el) => [el.getAttribute("data-cw-visible"), el.getAttribute("data-cw-box")])
"""
# Google's consent script removes its dialog once "Accept all" is clicked; the saved page has no script, so the
# test gives the real button that one behaviour and lets the pipeline's consent step click it.
_REMOVES_ITS_DIALOG_JS = """
(buttons) => buttons.forEach((button) => button.addEventListener("click", () => {
  (button.closest('[role="dialog"]') || button).remove();
}))
"""


@dataclass(frozen=True)
class Capture:
    """One real page and what the scraper must find and conclude on it."""

    engine: str
    path: str  # under the captures folder
    matches: Mapping[str, int]  # selector (scraper attribute, selectors-file key or module constant) -> its matches
    some: tuple[str, ...] = ()  # selectors that must match at least one element (count not pinned)
    hidden: tuple[str, ...] = ()  # selectors nothing displayed may match (generating, failure, walls)
    done: bool = True  # the answer wait concludes "done"; False: it gives up on the budget
    answer_error: type[CaptureError] | None = None  # what the wait raises when it does not conclude done
    wall: CaptureStatus | None = None  # the status the wall step ends the capture with (the pipeline stops there)
    consent: bool = False  # the page was saved with its consent dialog open
    status: int = 200  # the HTTP status the engine served the page with
    visible: Mapping[str, int] = field(default_factory=dict)  # marks selector -> elements marked displayed
    known: Mapping[str, str] = field(default_factory=dict)  # test name -> why it fails today (strict xfail)

    @property
    def id(self) -> str:
        return f"{self.engine}:{Path(self.path).stem}"


CAPTURES = (
    # A thread's outerHTML: three turns, one citation chip; the Sources tab was never opened, so its panel is
    # there (empty, inactive) and nothing in it can be marked.
    Capture(
        "perplexity",
        "perplexity/obsidian-ai-exporter_chat-simple.html",
        matches={"answer": 3, "done": 3, "input": 1, "citation_marks": 2, "chip": 1, "source_marks": 0},
        some=("sources_tab",),
        hidden=("generating", "failure", "login_wall"),
        visible={"citation_marks": 2, "source_marks": 0},
    ),
    # The report sits in div.prose of the default tab panel (one markdown-content area); 30 chips, 3 of them
    # grouped ("perplexity+1"): hovering them opens nothing without the page's script.
    Capture(
        "perplexity",
        "perplexity/obsidian-ai-exporter_deep-research.html",
        matches={"answer": 1, "done": 1, "input": 1, "citation_marks": 30, "chip": 30, "source_marks": 0},
        some=("sources_tab",),
        hidden=("generating", "failure", "login_wall"),
        visible={"citation_marks": 30, "source_marks": 0},
    ),
    # Logged in, Japanese UI: 6 assistant messages, 32 citation pills (each with its link: 64 marks), the
    # ProseMirror composer; no widget in this thread.
    Capture(
        "chatgpt",
        "chatgpt/obsidian-ai-exporter_chat-simple.html",
        matches={"answer": 6, "input": 1, "pill": 32, "citation_marks": 64, "source_marks": 0},
        hidden=("generating", "login_wall", "logged_in"),
        visible={"citation_marks": 64, "source_marks": 0},
    ),
    # The logged-out home as the server sent it: no conversation yet, so no answer within the budget. Its
    # composer is React's hidden fallback `textarea[name=prompt-textarea]` until hydration draws the
    # ProseMirror `div#prompt-textarea` the scraper types into (engines.md §2.2), hence no `input` here.
    Capture(
        "chatgpt",
        "chatgpt/seanbetts_chatgpt_anon_home_2025-11-27.html",
        matches={"answer": 0, "input": 0, "search_button": 1, "citation_marks": 0},
        hidden=("generating", "login_wall", "logged_in"),
        done=False,
        answer_error=TransientCaptureError,
    ),
    # The body /backend-anon/conversation/init answered with 403: a Cloudflare challenge, read as blocked.
    Capture(
        "chatgpt",
        "chatgpt/seanbetts_chatgpt_backend-anon_403_cloudflare.html",
        matches={"answer": 0, "input": 0},
        wall=CaptureStatus.blocked,
        status=403,
    ),
    # An answer without web citations; its (empty) sources-list is hidden, so there is no dialog to open.
    Capture(
        "gemini",
        "gemini/obsidian-ai-exporter_chat-simple.html",
        matches={"answer": 3, "input": 1, "citation_marks": 0, "sources_list": 1, "source_marks": 0},
        hidden=("generating", "failure", "login_wall"),
        visible={"citation_marks": 0, "source_marks": 0},
    ),
    # A Deep Research report (panel only, no composer): 63 footnotes, 63 source links, one collapsed list.
    # The footnotes' numbers are drawn by a stylesheet the fragment lacks (empty <sup>): marked, none displayed.
    Capture(
        "gemini",
        "gemini/obsidian-ai-exporter_deep-research.html",
        matches={"answer": 1, "input": 0, "citation_marks": 63, "source_marks": 63, "collapsed_list": 1},
        hidden=("generating", "failure", "login_wall"),
        visible={"citation_marks": 0, "source_marks": 37},
    ),
    # Polish UI, saved with its consent dialog open: 12 inline citations (4 on screen), 19 source cards
    # (3 beside the answer, 16 in the "N sites" dialog), the follow-up box that says the answer is complete.
    Capture(
        "google_ai_mode",
        "google_ai_mode/aiseo_job104_ai_mode_pl_best_italian_restaurants_rome.html",
        matches={
            "answer": 1,
            "input": 1,
            "done": 1,
            "citation_marks": 12,
            "source_marks": 19,
            "sites_button": 2,
            "dialog_cards": 16,
        },
        some=("consent_buttons",),
        hidden=("generating", "failure"),
        consent=True,
        visible={"citation_marks": 4, "source_marks": 3},
    ),
    # July 2025 overview: 29 sentences, 13 citation clusters, 38 source anchors (the list twice: collapsed and
    # expanded, 35 items in the full one); "Can't generate" and "not available" are in the DOM but hidden.
    # Without the page's script "Show more" expands nothing: its fade covers clusters 2-13, which stay unopened.
    Capture(
        "google_aio",
        "google_aio/testcheck_serp_with_aio_best_cars_in_india_for_family_2025-07.html",
        matches={
            "module": 2,
            "answer": 29,
            "input": 1,
            "state_marks": 2,
            "citation_marks": 13,
            "cluster_buttons": 13,
            "source_marks": 38,
            "full_list": 35,
            "show_more": 1,
            "show_all": 1,
            "panel": 1,
        },
        hidden=("generating", "failure", "unavailable"),
        visible={"state_marks": 0, "citation_marks": 13, "source_marks": 3},
    ),
    # An ordinary results page: no module, so the wait concludes at once and there is nothing to mark.
    Capture(
        "google_aio",
        "google_aio/testcheck_serp_no_aio_best_cars_under_20_lakhs_2025-07.html",
        matches={"module": 0, "answer": 0, "input": 1, "citation_marks": 0, "source_marks": 0},
        hidden=("generating", "failure", "unavailable"),
        visible={"citation_marks": 0, "source_marks": 0},
    ),
    # Nov 2025 layout (engines.md §4.3): the AI Mode component inside the old module (one answer column),
    # 11 citation buttons, 10 cards `div[data-src-id]` (7 of them in the "Show all related links" dialog) plus a
    # 7-item list; no July 2025 cluster; the two placeholders are hidden. Without the page's script the
    # dialog's opener takes no click (another element covers it): the step leaves it and returns.
    Capture(
        "google_aio",
        "google_aio/fra50_serp_with_aio_new_layout_how_to_boil_eggs_en-ES_2025-11.html",
        matches={
            "module": 2,
            "answer": 1,
            "input": 1,
            "state_marks": 2,
            "citation_marks": 11,
            "cluster_buttons": 0,
            "source_marks": 17,
            "full_list": 7,
            "show_more": 1,
            "cards_dialog_opener": 1,
            "dialog_cards": 7,
        },
        hidden=("generating", "failure", "unavailable"),
        # 6 buttons drawn (their 5 twins are not), the 3 cards beside the answer (the dialog stays closed, the
        # list is not drawn).
        visible={"state_marks": 0, "citation_marks": 6, "source_marks": 3},
    ),
)


@dataclass
class RealRun:
    """What one row's page showed and what each step concluded on it."""

    capture: Capture
    scraper: ChatScraper
    counts: dict[str, int]  # elements each listed selector matched, on the page as loaded
    shown: dict[str, int]  # displayed elements each `hidden` selector matched
    consent_dismissed: bool
    wall: CaptureError | None
    raised: Exception | None  # what `read_answer` raised (None: every step returned)
    timings: dict[str, float]  # the pipeline's step clock: "sources" is there only once the wait concluded
    marks: dict[str, list[tuple[str | None, str | None]]]  # marks selector -> (data-cw-visible, data-cw-box)
    html: str | None
    screenshot: bytes | None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test runs on every row; a row's known failure is a strict xfail of that test only."""
    if "run" not in metafunc.fixturenames:
        return
    test = metafunc.function.__name__
    metafunc.parametrize(
        "run",
        [
            pytest.param(
                capture,
                id=capture.id,
                marks=[pytest.mark.xfail(strict=True, reason=capture.known[test])] if test in capture.known else [],
            )
            for capture in CAPTURES
        ],
        indirect=True,
        scope="module",
    )


@pytest.fixture(scope="module")
def captures_server(captures_dir: Path) -> Iterator[ReplicaServer]:
    """The captures folder as it is, over HTTP on 127.0.0.1 (`?status=` gives the status the engine sent)."""
    root = captures_dir.resolve()

    async def saved_page(request: Request) -> Response:
        path = (root / request.path_params["path"]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return Response(status_code=404)  # the pages' relative assets were not saved with them
        return FileResponse(path, status_code=int(request.query_params.get("status", 200)), media_type="text/html")

    app = Starlette(routes=[HttpRoute("/{path:path}", saved_page)])
    with ReplicaServer(app, name="captures").start() as server:
        yield server


@pytest.fixture(scope="module")
def run(request: pytest.FixtureRequest, browser: Browser, captures_server: ReplicaServer) -> RealRun:
    """Load the row's page once and take it through the pipeline's steps, recording what each concluded."""
    capture: Capture = request.param
    scraper = _scraper(capture.engine)
    session = BrowserSession(BrowserOptions(timeout_s=ACTION_TIMEOUT_S), browser=browser)
    with pytest.MonkeyPatch.context() as patch, session.page() as page:
        for name, value in SCRIPT_WAITS_MS.get(capture.engine, {}).items():
            patch.setattr(import_module(type(scraper).__module__), name, value)
        page.route("**/*", _local_only(captures_server.url))
        response = page.goto(
            f"{captures_server.url}/{capture.path}?status={capture.status}", wait_until="domcontentloaded"
        )
        steps.check_response(response)  # a 403 is judged by the page it carries, in the wall step
        listed = (*capture.matches, *capture.some)
        counts = {name: page.locator(_selector(scraper, name)).count() for name in listed}
        shown = {name: _shown(page, _selector(scraper, name)) for name in capture.hidden}
        if capture.consent:
            page.locator(", ".join(scraper.consent_buttons)).evaluate_all(_REMOVES_ITS_DIALOG_JS)
        consent_dismissed = steps.dismiss_consent(page, scraper.consent_buttons)
        wall: CaptureError | None = None
        try:
            steps.check_walls(page, scraper.name, scraper.login_wall)
        except CaptureError as exc:
            wall = exc
        clock = pipeline.StepClock()
        raised: Exception | None = None
        if wall is None:  # the pipeline stops at a wall, keeping only the artifacts
            target = Target(prompt="saved page", base_url=captures_server.url, timeout_s=BUDGET_S)
            try:
                pipeline.read_answer(page, scraper, target, clock)
            except (CaptureError, PlaywrightError) as exc:  # what capture_once turns into a status
                raised = exc
        marks = {
            name: page.locator(getattr(scraper, name)).evaluate_all(_MARKS_JS)
            for name in MARKS
            if getattr(scraper, name)
        }
        html, screenshot = pipeline.artifacts(page)
    return RealRun(
        capture, scraper, counts, shown, consent_dismissed, wall, raised, clock.timings, marks, html, screenshot
    )


def test_selectors_match(run: RealRun) -> None:
    """Every selector the row lists finds what the real page holds: a renamed element fails here, not at night."""
    capture, counts = run.capture, run.counts
    wrong = [
        f"{name} = {_selector(run.scraper, name)!r} matched {counts[name]}, the page holds {expected}"
        for name, expected in capture.matches.items()
        if counts[name] != expected
    ]
    wrong += [
        f"{name} = {_selector(run.scraper, name)!r} matched nothing" for name in capture.some if counts[name] == 0
    ]
    assert not wrong, "\n".join(wrong)


def test_signals_not_shown(run: RealRun) -> None:
    """A complete page displays no generating, failure or wall signal, even where one sits hidden in its DOM."""
    shown = {name: count for name, count in run.shown.items() if count}
    assert not shown, f"displayed on a complete page: {shown}"


def test_consent_and_walls(run: RealRun) -> None:
    assert run.consent_dismissed is run.capture.consent
    if run.capture.wall is None:
        assert run.wall is None, f"a normal page read as a wall: {run.wall}"
    else:
        assert run.wall is not None, "the wall step let the page through"
        assert run.wall.status is run.capture.wall, f"read as {run.wall.status}: {run.wall}"


def test_answer_wait(run: RealRun) -> None:
    """The wait concludes "done" on a complete answer within the budget, and gives up where there is none."""
    capture = run.capture
    if capture.wall is not None:
        return  # never reached: the wall step stopped the capture
    if capture.done:
        # every wait raises once its budget is spent: reaching the sources step means it concluded done
        assert "sources" in run.timings, f"the wait did not conclude done: {run.raised!r}"
    else:
        assert "sources" not in run.timings
        assert capture.answer_error is not None and isinstance(run.raised, capture.answer_error), repr(run.raised)


def test_sources_step_returns(run: RealRun) -> None:
    """Opening sources on the real DOM returns cleanly, even where the page's script is gone."""
    if not run.capture.done or run.capture.wall is not None:
        return  # never reached
    assert run.raised is None, f"{type(run.raised).__name__}: {run.raised}"
    assert run.timings["sources"] < SOURCES_LIMIT_S


def test_marks_written(run: RealRun) -> None:
    """Every element the marks selectors name carries its visibility and on-screen box."""
    if not run.capture.done or run.capture.wall is not None:
        return  # the capture stopped before the marks
    for name, marks in run.marks.items():
        unmarked = [mark for mark in marks if mark[0] not in ("0", "1") or not _BOX.fullmatch(mark[1] or "")]
        assert not unmarked, f"{name}: {len(unmarked)} of {len(marks)} elements not marked"
        if name in run.capture.matches:
            assert len(marks) == run.capture.matches[name], name
        displayed = sum(mark[0] == "1" for mark in marks)
        assert displayed == run.capture.visible.get(name, displayed), f"{name}: {displayed} displayed"


def test_artifacts(run: RealRun) -> None:
    """The DOM and a screenshot are kept whatever the steps concluded, marks included."""
    assert run.html and len(run.html) > 1000
    assert run.screenshot and run.screenshot.startswith(b"\x89PNG")
    if any(mark[0] for marks in run.marks.values() for mark in marks):
        assert "data-cw-visible" in run.html and "data-cw-box" in run.html


def _scraper(engine: str) -> ChatScraper:
    scraper: ChatScraper = import_module(f"citewatch.scrapers.{engine}").SCRAPER
    return scraper


def _selector(scraper: ChatScraper, name: str) -> str:
    """A scraper's selector by attribute name, else a key of its selectors file; tuples are one alternation."""
    data = import_module(type(scraper).__module__).SEL
    assert isinstance(data, Selectors)
    value = getattr(scraper, name) if hasattr(scraper, name) else data.css_list(name)
    return ", ".join(value) if isinstance(value, tuple) else value


def _shown(page: Page, selector: str) -> int:
    return page.locator(selector).filter(visible=True).count()


def _local_only(origin: str) -> Callable[[Route], None]:
    """No request leaves the machine: the saved pages' own scripts, fonts and beacons are refused."""

    def handle(route: Route) -> None:
        if route.request.url.startswith(f"{origin}/"):
            route.continue_()
        else:
            route.abort()

    return handle
