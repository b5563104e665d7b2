"""The replica framework: serving in a thread, per-browser scenarios, seeded draws, paced event streams."""

from __future__ import annotations

import itertools
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from citewatch.replicas import (
    BROKEN,
    NORMAL,
    SLOW,
    ReplicaOptions,
    ReplicaStartError,
    ReplicaState,
    Visit,
    _stream,
    growing_text,
    replica_app,
    serve,
    sse_event,
    sse_response,
    visit_of,
)

SCENARIOS = (NORMAL, SLOW, BROKEN)


async def _echo_visit(request: Request) -> JSONResponse:
    visit = visit_of(request)
    return JSONResponse({"scenario": visit.scenario, "answer_seconds": visit.answer_seconds})


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = replica_app(routes=[Route("/", _echo_visit)], options=ReplicaOptions(answer_seconds=3.0), scenarios=SCENARIOS)
    with TestClient(app) as test_client:
        yield test_client


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local http URL)
        return int(response.status)


def test_serve_listens_on_a_free_port_records_requests_and_stops() -> None:
    with serve("perplexity", answer_seconds=0) as server:
        host, port = server.url.removeprefix("http://").split(":")
        assert host == "127.0.0.1" and int(port) > 0
        assert _get(f"{server.url}/") == 200
        assert _get(f"{server.url}/static/perplexity.js") == 200
        assert server.requests == ["/", "/static/perplexity.js"]
    with pytest.raises(urllib.error.URLError):
        _get(f"{server.url}/")


def test_two_servers_get_two_ports() -> None:
    with serve("perplexity") as first, serve("perplexity") as second:
        assert first.url != second.url


def test_unknown_scenario_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'; valid: normal, grouped, .*error500"):
        serve("perplexity", scenario="nope")


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ReplicaStartError, match=f"could not start on 127.0.0.1:{port}"):
            serve("perplexity", port=port)


def test_the_server_options_apply_by_default(client: TestClient) -> None:
    assert client.get("/").json() == {"scenario": NORMAL, "answer_seconds": 3.0}


def test_a_url_picks_the_scenario_and_the_browser_keeps_it(client: TestClient) -> None:
    first = client.get("/", params={"scenario": SLOW, "answer_seconds": "0"})
    assert first.json() == {"scenario": SLOW, "answer_seconds": 0.0}
    assert client.cookies.get("cw_scenario") == SLOW
    assert client.get("/anything-else-is-404").status_code == 404
    assert client.get("/").json() == {"scenario": SLOW, "answer_seconds": 0.0}  # remembered by the cookies
    assert client.get("/", params={"scenario": NORMAL}).json()["scenario"] == NORMAL


def test_a_mistyped_override_fails_loudly(client: TestClient) -> None:
    unknown = client.get("/", params={"scenario": "slwo"})
    assert unknown.status_code == 400
    assert "valid: normal, slow, broken" in unknown.text
    assert client.get("/", params={"answer_seconds": "-1"}).status_code == 400
    assert client.get("/", params={"answer_seconds": "soon"}).status_code == 400


def test_a_stale_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set("cw_scenario", "retired-scenario")
    client.cookies.set("cw_answer_seconds", "nan")
    assert client.get("/").json() == {"scenario": NORMAL, "answer_seconds": 3.0}


def test_an_unknown_default_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="valid: normal, slow, broken"):
        replica_app(routes=[], options=ReplicaOptions(scenario="grouped"), scenarios=SCENARIOS)


def test_draws_are_reproducible_per_seed_and_differ_between_requests() -> None:
    def draws(seed: int) -> list[list[int]]:
        state = ReplicaState(seed)
        return [state.draw().sample(range(10), 10) for _ in range(3)]

    assert draws(7) == draws(7)
    assert len({tuple(order) for order in draws(7)}) == 3
    assert draws(7) != draws(8)


def test_first_time_is_true_once_per_key() -> None:
    state = ReplicaState(0)
    assert [state.first_time("a"), state.first_time("a"), state.first_time("b")] == [True, False, True]


def test_growing_text_grows_by_whole_words_to_the_full_text() -> None:
    text = "Heat pumps move heat.[1][2] They are efficient.[3] " * 8
    steps = growing_text(text, Visit(NORMAL, answer_seconds=2.0))
    assert len(steps) == 20  # one event per 100 ms
    assert steps[-1] == text
    for before, after in itertools.pairwise(steps):
        assert after.startswith(before) and len(after) > len(before)
        assert before[-1].isspace()  # markers glued to their word are never cut
    assert len(growing_text(text * 10, Visit(SLOW, answer_seconds=2.0))) == _stream.MAX_EVENTS
    assert growing_text("Yes.", Visit(NORMAL, answer_seconds=0)) == ["Yes."]


def _played(events: list[bytes], visit: Visit, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], float]:
    """What the stream sends and how long it pauses in total (recorded, not waited for)."""
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(_stream, "sleep", record)
    app = replica_app(
        routes=[Route("/", lambda request: sse_response(events, visit_of(request), final=1))],
        options=ReplicaOptions(scenario=visit.scenario, answer_seconds=visit.answer_seconds),
        scenarios=SCENARIOS,
    )
    with TestClient(app) as test_client:
        response = test_client.get("/")
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = [block + b"\n\n" for block in response.content.split(b"\n\n") if block]
    return sent, sum(pauses)


def test_a_stream_is_spread_over_the_answer_time(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [sse_event({"n": n}) for n in range(10)] + [sse_event({}, event="end")]
    sent, seconds = _played(events, Visit(NORMAL, answer_seconds=2.0), monkeypatch)
    assert sent == events
    assert seconds == pytest.approx(2.0)


def test_slow_takes_twenty_seconds_whatever_the_answer_time(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [sse_event({"n": n}) for n in range(5)]
    sent, seconds = _played(events, Visit(SLOW, answer_seconds=0.5), monkeypatch)
    assert sent == events
    assert seconds == pytest.approx(_stream.SLOW_ANSWER_S)


def test_broken_stops_half_way_without_the_final_events(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [sse_event({"n": n}) for n in range(10)] + [sse_event({}, event="end")]
    sent, _ = _played(events, Visit(BROKEN, answer_seconds=1.0), monkeypatch)
    assert sent == events[:5]
