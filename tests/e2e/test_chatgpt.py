"""ChatGPT end to end: every replica scenario through capture -> store -> extract, in real Chromium."""

from __future__ import annotations

import json
import re
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import etree

from citewatch.config import get_settings
from citewatch.extract.chatgpt import WEB_SEARCH_MARK
from citewatch.models import CaptureStatus, CitationKind, ExtractionStatus, SourceKind
from citewatch.replicas.chatgpt.app import SESSION_COOKIE
from citewatch.runner import RetryPolicy, capture_with_retries
from citewatch.scrapers.base import Target
from citewatch.scrapers.browser import BrowserOptions, BrowserSession
from citewatch.scrapers.chatgpt import save_auth

pytestmark = pytest.mark.browser

PROMPT = "What are the best budget noise-cancelling headphones?"  # the replica's stored headphones answer
NEWS_PROMPT = "Any news on the Riverside Bridge?"  # the replica's stored news answer, with a carousel
SEARCHED_NOT_RUN = "web search was asked for but did not run"
LOGIN_WAIT_S = 30.0  # bounds the wait for the login form's POST (it submits itself 0.3 s after loading)
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# The pages the headphones answer retrieved, in rank order (ref_index = position).
RTINGS = "https://www.rtings.com/headphones/reviews/best/by-price/budget-noise-cancelling"
WIRECUTTER = "https://www.nytimes.com/wirecutter/reviews/best-budget-noise-cancelling-headphones/"
VERGE = "https://www.theverge.com/23475498/best-noise-cancelling-headphones"
SOUNDGUYS = "https://www.soundguys.com/best-cheap-noise-cancelling-headphones-21014/"
REDDIT = "https://www.reddit.com/r/headphones/comments/1g7q2kx/best_anc_under_100/"
CONSUMER_REPORTS = "https://www.consumerreports.org/electronics/headphones/best-noise-canceling-headphones-a1156942823/"
AMAZON = "https://www.amazon.com/Best-Sellers-Noise-Cancelling-Headphones/zgbs/electronics/12097479011"
WHATHIFI = "https://www.whathifi.com/best-buys/headphones/best-cheap-headphones"


@pytest.fixture
def chatgpt(replica):
    """The ChatGPT replica, answering in 1 s unless a scenario needs its stream longer."""

    def start(scenario="normal", **options):
        return replica("chatgpt", scenario, **{"answer_seconds": 1.0, **options})

    return start


@pytest.fixture
def capture(store, session, fast_retries):
    """Capture one prompt from a replica server the way `citewatch capture --web-search` does."""

    def run(server, *, prompt=PROMPT, timeout_s=30, web_search=True, browser_session=None, policy=fast_retries):
        return capture_with_retries(
            store,
            browser_session or session,
            "chatgpt",
            Target(prompt=prompt, base_url=f"{server.url}/", timeout_s=timeout_s, web_search=web_search),
            run_id=store.start_run(kind="test"),
            policy=policy,
        )

    return run


def dom_of(store, capture_id):
    return etree.HTML(store.load_snapshot(capture_id).html_bytes())


def pills(extraction):
    return [c for c in extraction.citations if c.kind is CitationKind.chip]


def cited_chips(extraction):
    return [c.canonical_url for c in pills(extraction)]


def enter_once_submitted(server):
    """`save_auth`'s wait: Enter, pressed a moment after the login form went out (its POST is the second
    request for /auth/login). A logged-in page has ended the wait before, by its profile button."""

    def wait():
        deadline = time.monotonic() + LOGIN_WAIT_S
        while server.requests.count("/auth/login") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)

    return wait


def auto_login_url(server):
    """The replica's login page, submitting itself the way a person would after typing their password."""
    return f"{server.url}/auth/login?continue=/&auto=1"


def test_normal_answer_with_pills_queries_and_uncited_results(store, capture, chatgpt) -> None:
    summary = capture(chatgpt())
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.answered and extraction.warnings == []
    assert extraction.answer.text.startswith("For most people the best budget noise-cancelling headphones")
    assert "ChatGPT said" not in extraction.answer.text  # the screen-reader heading is not prose
    chips = pills(extraction)
    assert all(c.url and c.visible is True and c.group is None for c in chips)
    in_reading_order = [RTINGS, WIRECUTTER, RTINGS, WIRECUTTER, REDDIT, VERGE, CONSUMER_REPORTS, SOUNDGUYS]
    assert cited_chips(extraction) == in_reading_order  # a run like [1][3] shows its first source only
    # The raw href keeps ChatGPT's tag (as on the page); the canonical URL, what reports count, drops it.
    assert all(c.url.endswith("utm_source=chatgpt.com") for c in chips)
    assert not [c for c in extraction.citations if "utm_" in c.canonical_url]
    links = [c for c in extraction.citations if c.kind is CitationKind.inline_link]
    assert [c.canonical_url for c in links] == ["https://www.rtings.com/headphones/tools/table"]
    assert extraction.search_queries == [
        "best budget noise cancelling headphones 2025",
        "budget ANC headphones review under $150",
        "Sony WH-CH720N vs Soundcore Space Q45",
    ]
    uncited = [s for s in extraction.sources if not s.cited]
    assert [s.url for s in uncited] == [AMAZON, WHATHIFI]
    assert {s.kind for s in uncited} == {SourceKind.retrieved}
    cited = {s.canonical_url for s in extraction.sources if s.cited}
    assert cited == {*in_reading_order, links[0].canonical_url}
    wirecutter = next(s for s in extraction.sources if s.canonical_url == WIRECUTTER)
    assert wirecutter.site_name == "Wirecutter" and wirecutter.published  # details only the stream has
    # The stream cites with private-use markers; none of them may leak into the answer.
    network = store.load_snapshot(summary.capture_id).network
    stream = next(n for n in network if n.url.endswith("/backend-api/f/conversation"))
    assert stream.status == 200 and "message_stream_complete" in stream.body and "\ue200cite" in stream.body
    assert not PRIVATE_USE.search(extraction.answer.text)
    dom = dom_of(store, summary.capture_id)
    assert dom.get(WEB_SEARCH_MARK) == "1"
    # "/search " turned the Search pill on and left the prompt itself as it was typed.
    assert dom.xpath("string(//*[@data-message-author-role='user'])").strip() == PROMPT
    record = store.get_capture(summary.capture_id)
    assert set(record.artifacts) == {"dom", "screenshot", "network", "page_archive"}
    assert record.account == "anonymous"  # no saved session
    assert re.search(r"/c/[0-9a-f-]{36}$", record.url)  # the conversation's own URL
    assert store.latest_extraction(summary.capture_id) == extraction


def test_news_carousel_cards_are_sources_of_kind_carousel_not_citations(store, capture, chatgpt) -> None:
    """The cards of a news carousel (nav-list-widget) are shown sources; only the pills cite in the prose."""
    summary = capture(chatgpt(), prompt=NEWS_PROMPT)
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.status is ExtractionStatus.answered and extraction.warnings == []
    dom = dom_of(store, summary.capture_id)
    cards = dom.xpath("//*[@data-testid='nav-list-widget']//a[@href]")
    assert len(cards) == 4 and all(card.get("data-cw-visible") == "1" for card in cards)
    ap, bbc, reuters, video = (
        "https://apnews.com/article/riverside-bridge-reopens-after-repairs-4f1c2a",
        "https://www.bbc.co.uk/news/articles/riverside-bridge-cycle-lanes",
        "https://www.reuters.com/world/uk/riverside-bridge-repair-bill-rises-2025-11-21/",
        "https://www.youtube.com/watch?v=rB7qL2mXw0c",
    )
    council = "https://www.riversidecouncil.gov.uk/news/bridge-weight-limit"
    assert cited_chips(extraction) == [ap, bbc, council]
    links = [c.canonical_url for c in extraction.citations if c.kind is CitationKind.inline_link]
    assert links == ["https://www.riversidecouncil.gov.uk/roadworks"]  # no card link is a citation
    sources = {s.canonical_url: s for s in extraction.sources}
    assert [u for u, s in sources.items() if s.kind is SourceKind.carousel] == [ap, bbc, reuters]
    assert sources[video].kind is SourceKind.video
    # A card is cited only where a pill in the prose points at the same page.
    assert [sources[u].cited for u in (ap, bbc, reuters, video)] == [True, True, False, False]
    reuters_card = sources[reuters]
    assert (reuters_card.title, reuters_card.site_name) == (
        "Riverside Bridge repair bill rises to 48 million pounds",
        "Reuters",
    )
    assert reuters_card.visible is True and reuters_card.published
    assert "repair bill rises" not in extraction.answer.text  # a card's headline is not prose
    assert not PRIVATE_USE.search(extraction.answer.text)


def test_grouped_pills_are_paged_through_to_every_source(store, capture, chatgpt) -> None:
    """A "+1" pill shows one site; the rest are only in its hover card, paged 1/2 -> 2/2."""
    summary = capture(chatgpt("grouped"))
    assert summary.status is CaptureStatus.answered, summary.error
    marked = dom_of(store, summary.capture_id).xpath("//*[@data-cw-group-urls]")
    assert [len(json.loads(el.get("data-cw-group-urls"))) for el in marked] == [2, 2, 2]
    assert all(el.get("data-testid") == "webpage-citation-pill" for el in marked)
    groups: dict[str, list[str]] = {}
    for citation in pills(summary.extraction):
        if citation.group:
            groups.setdefault(citation.group, []).append(citation.canonical_url)
    assert list(groups.values()) == [[RTINGS, VERGE], [RTINGS, SOUNDGUYS], [VERGE, CONSUMER_REPORTS]]
    assert summary.extraction.warnings == []  # nothing "not expanded", no page/stream disagreement


def test_cookie_banner_is_accepted(store, capture, chatgpt) -> None:
    summary = capture(chatgpt("consent"))
    assert summary.status is CaptureStatus.answered, summary.error
    assert pills(summary.extraction)
    assert not dom_of(store, summary.capture_id).xpath("//*[@data-testid='cookie-banner']")


@pytest.mark.timeout(30)  # about 2 s: a hang fails this test, not the run
def test_cloudflare_refusal_is_blocked_kept_and_not_retried(store, capture, chatgpt) -> None:
    """The page loads; it is the conversation call that Cloudflare answers with 403."""
    summary = capture(chatgpt("cloudflare"))
    assert summary.status is CaptureStatus.blocked
    assert "HTTP 403" in summary.error and "/conversation" in summary.error
    assert summary.attempt == 1 and len(store.list_captures()) == 1
    record = store.get_capture(summary.capture_id)
    assert record.status == "blocked" and {"dom", "screenshot"} <= set(record.artifacts)


def test_login_dialog_points_to_auth(store, capture, chatgpt) -> None:
    """Logged out, searching needs an account: the conversation call answers 401 and a dialog asks to log in."""
    summary = capture(chatgpt("login"))
    assert summary.status is CaptureStatus.login_required
    assert "citewatch auth chatgpt" in summary.error
    assert summary.extraction.status is ExtractionStatus.login_required
    assert len(store.list_captures()) == 1


def test_slow_answer_completes(store, capture, chatgpt) -> None:
    summary = capture(chatgpt("slow"), timeout_s=60)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).answer_seconds >= 19
    assert cited_chips(summary.extraction)[:2] == [RTINGS, WIRECUTTER]


def test_broken_stream_is_incomplete_and_every_attempt_is_kept(store, capture, chatgpt) -> None:
    summary = capture(chatgpt("broken", answer_seconds=3.0))  # long enough that half the stream holds text
    assert summary.status is CaptureStatus.incomplete
    assert "half-way" in summary.error
    captures = store.list_captures()
    assert [c.attempt for c in captures] == [1, 2, 3] and {c.status for c in captures} == {"incomplete"}
    for record in captures:  # the partial answer of each attempt is stored, with ChatGPT's error line
        html = store.load_snapshot(record.id).html_bytes()
        assert b"For most people" in html and b"regenerate-thread-error-button" in html
    assert summary.extraction.status is ExtractionStatus.error
    assert any(w.startswith("the engine stopped the answer with an error") for w in summary.extraction.warnings)


def test_answer_without_sources(store, capture, chatgpt) -> None:
    """Web search not asked for, none run: nothing to cite and nothing to warn about."""
    summary = capture(chatgpt("no_sources"), web_search=False)
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.citations == [] and extraction.sources == [] and extraction.search_queries == []
    assert extraction.answer.text.startswith("For most people") and extraction.warnings == []
    assert dom_of(store, summary.capture_id).get(WEB_SEARCH_MARK) is None


def test_varying_sources_change_between_runs(store, capture, chatgpt) -> None:
    server = chatgpt("varying", seed=3)
    first, second = capture(server), capture(server)
    assert first.status is second.status is CaptureStatus.answered
    assert first.extraction.answer.text == second.extraction.answer.text
    assert cited_chips(first.extraction) != cited_chips(second.extraction)
    assert not first.extraction.warnings and not second.extraction.warnings


def test_logged_out_page_without_search_says_search_did_not_run(store, capture, chatgpt) -> None:
    """No Search button logged out: `/search` is tried, taken back out of the prompt, and the gap reported."""
    summary = capture(chatgpt("logged_out_no_search"))
    assert summary.status is CaptureStatus.answered, summary.error
    extraction = summary.extraction
    assert extraction.citations == [] and extraction.search_queries == []
    assert SEARCHED_NOT_RUN in extraction.warnings
    assert any(w.startswith("the page is logged out") for w in extraction.warnings)
    dom = dom_of(store, summary.capture_id)
    assert dom.get(WEB_SEARCH_MARK) == "0"
    assert dom.xpath("string(//*[@data-message-author-role='user'])").strip() == PROMPT
    network = store.load_snapshot(summary.capture_id).network
    assert [n.url.split("/", 3)[3] for n in network] == ["backend-anon/f/conversation"]


@pytest.mark.timeout(30)  # about 4 s: a hang fails this test, not the run
def test_stall_after_thinking_is_incomplete(store, capture, chatgpt) -> None:
    """The answer thinks and never writes: the attempt ends at its timeout and says why (retries: see broken)."""
    summary = capture(chatgpt("stall_after_thinking"), timeout_s=2, policy=RetryPolicy(max_attempts=1))
    assert summary.status is CaptureStatus.incomplete
    assert "stalled while thinking" in summary.error
    assert [c.status for c in store.list_captures()] == ["incomplete"]
    assert summary.extraction.status is ExtractionStatus.no_answer
    assert "the answer never left the thinking state: nothing was written" in summary.extraction.warnings


def test_save_auth_keeps_the_login_privately_and_the_next_capture_uses_it(store, capture, chatgpt, browser) -> None:
    """The login scenario refuses anonymous searches: only the session cookie save_auth kept gets the answer."""
    server = chatgpt("login")
    # Its own browser, in its own thread: the sync API refuses to start inside pytest-playwright's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        wait = enter_once_submitted(server)
        saving = pool.submit(save_auth, base_url=auto_login_url(server), wait=wait, headless=True)
        path = saving.result(timeout=120)
    assert path == get_settings().auth_dir / "chatgpt.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SESSION_COOKIE in {c["name"] for c in json.loads(path.read_text())["cookies"]}
    logged_in = BrowserSession(BrowserOptions(timeout_s=15, storage_state=path), browser=browser)
    summary = capture(server, browser_session=logged_in)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).account == "logged_in"
    assert pills(summary.extraction) and summary.extraction.warnings == []  # the logged-in page, searched
    assert dom_of(store, summary.capture_id).xpath("//*[@data-testid='accounts-profile-button']")


def test_auth_command_saves_privately_never_prints_and_capture_reuses(store, capture, chatgpt, cli, browser) -> None:
    """`citewatch auth chatgpt` keeps the browser's cookies; the next capture sends them back.

    The replica plays "normal" (searched answers) unless a cookie picks another scenario: a logged-out answer
    without search can only come from the cookie the saved session carried.
    """
    server = chatgpt()
    start = f"{server.url}/?scenario=logged_out_no_search"
    done = cli("auth", "chatgpt", "--headless", "--base-url", start, stdin="\n")
    assert done.returncode == 0, done.stderr
    path = get_settings().auth_dir / "chatgpt.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "session saved to" in done.stdout
    cookies = {c["name"]: c["value"] for c in json.loads(path.read_text())["cookies"]}
    assert cookies.get("cw_scenario") == "logged_out_no_search"
    assert not [value for value in cookies.values() if value in done.stdout + done.stderr]  # never printed
    reusing = BrowserSession(BrowserOptions(timeout_s=15, storage_state=path), browser=browser)
    summary = capture(server, browser_session=reusing)
    assert summary.status is CaptureStatus.answered, summary.error
    assert store.get_capture(summary.capture_id).account == "logged_in"  # what the session was saved as
    assert SEARCHED_NOT_RUN in summary.extraction.warnings and summary.extraction.citations == []
