"""The Perplexity replica over HTTP, scenario by scenario (no browser): pages, walls and the answer stream."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import lxml.html
import pytest
from starlette.testclient import TestClient

from citewatch.extract._html import detect_wall, parse
from citewatch.models import ExtractionStatus
from citewatch.replicas import ReplicaOptions, _stream
from citewatch.replicas.perplexity import REPLICA
from citewatch.replicas.perplexity.app import ASK_PATH, CONSENT_COOKIE

PROMPT = "best CRM for SaaS startups"
MARKER_RUN = re.compile(r"(?:\[\d+\])+")
MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """A client of a fresh replica server (so per-server state starts anew), streaming without pauses."""
    clients: list[TestClient] = []

    def make(scenario: str = "normal", seed: int = 0, answer_seconds: float = 0) -> TestClient:
        app = REPLICA.app(ReplicaOptions(scenario=scenario, seed=seed, answer_seconds=answer_seconds))
        client = TestClient(app).__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def events_of(body: str) -> list[tuple[str, Any]]:
    """(event name, parsed data) for each server-sent event."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def ask(client: TestClient, prompt: str = PROMPT) -> list[tuple[str, Any]]:
    response = client.post(
        ASK_PATH, json={"query_str": prompt, "frontend_uuid": "6f1c1b52-3a0e-4c7e-9d55-1f0e2b7a9c41"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return events_of(response.text)


def final_message(events: list[tuple[str, Any]]) -> dict[str, Any]:
    messages = [data for name, data in events if name == "message"]
    return messages[-1]


def cited_urls(message: dict[str, Any]) -> list[str]:
    results = message["web_results"]
    return [results[int(n) - 1]["url"] for n in re.findall(r"\[(\d+)\]", message["text"])]


def test_home_has_the_composer_the_scraper_types_into(make_client: MakeClient) -> None:
    client = make_client()
    response = client.get("/")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    (box,) = page.xpath('//div[@id="ask-input"]')  # perplexity-dom.md "Home"
    assert box.get("contenteditable") == "true"
    assert box.get("data-lexical-editor") == "true"
    assert box.get("aria-placeholder") == "Ask anything…"
    assert lxml.html.tostring(box[0]).startswith(b'<p dir="auto"><br>')
    (submit,) = page.xpath('//button[@aria-label="Submit"]')
    assert "pointer-events-none" in submit.get("class").split()
    assert [b.text_content().strip() for b in page.xpath("//header//button")].count("Sign In") == 1
    assert not page.xpath('//*[@id="cookie-consent"]')
    for asset in page.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        assert client.get(asset).status_code == 200


def test_normal_streams_a_growing_answer_then_completes(make_client: MakeClient) -> None:
    events = ask(make_client(answer_seconds=1.0))
    names = [name for name, _ in events]
    assert names == ["message"] * (len(names) - 1) + ["end_of_stream"]
    messages = [data for name, data in events if name == "message"]
    assert [m["status"] for m in messages] == ["PENDING"] * (len(messages) - 1) + ["COMPLETED"]
    assert len(messages) == 11  # 10 steps of 100 ms, then the complete answer
    for before, after in itertools.pairwise(messages):
        assert after["text"].startswith(before["text"])
    final = messages[-1]
    assert final["query_str"] == PROMPT
    assert final["thread_url_slug"].startswith("best-crm-for-saas-startups-")
    assert final["related_queries"] and not messages[0]["related_queries"]
    assert final["blocks"][0]["intended_usage"] == "ask_text"
    assert "## Comparison" in final["text"] and "| HubSpot |" in final["text"] and "**Pipedrive**" in final["text"]
    results = final["web_results"]
    assert 4 <= len(results) <= 8
    assert set(results[0]) == {"name", "url", "snippet", "meta_data"}
    assert results[0]["meta_data"] == {"client": "HubSpot", "citation_domain_name": "hubspot"}
    assert all(len(run) == 3 for run in MARKER_RUN.findall(final["text"]))  # one source per chip
    assert 1 < len(set(cited_urls(final))) < len(results)  # some sources listed but never cited


def test_grouped_has_several_plus_n_chips(make_client: MakeClient) -> None:
    final = final_message(ask(make_client("grouped")))
    runs = [run for run in MARKER_RUN.findall(final["text"]) if run.count("[") > 1]
    assert len(runs) >= 3
    assert "[1][2][6]" in runs  # a "+2" chip


def test_unknown_prompts_get_an_answer_about_them(make_client: MakeClient) -> None:
    final = final_message(ask(make_client(), "What is the history of jazz?"))
    assert final["text"].startswith("**The history of jazz**")
    assert final["web_results"][0]["url"] == "https://en.wikipedia.org/wiki/The_history_of_jazz"
    assert cited_urls(final)


def test_consent_overlay_until_a_choice_is_remembered(make_client: MakeClient) -> None:
    client = make_client("consent")
    page = lxml.html.fromstring(client.get("/").text)
    buttons = page.xpath('//div[@id="cookie-consent"]//button/text()')
    assert buttons == ["Necessary Only", "Accept All Cookies"]
    client.cookies.set(CONSENT_COOKIE, "all")
    assert not lxml.html.fromstring(client.get("/").text).xpath('//*[@id="cookie-consent"]')


def test_cloudflare_walls_the_home_page(make_client: MakeClient) -> None:
    client = make_client("cloudflare")
    response = client.get("/")
    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"
    page = lxml.html.fromstring(response.text)
    assert page.findtext(".//title") == "Just a moment..."
    assert page.xpath('//div[@id="challenge-stage"]')
    assert "Verify you are human" in page.text_content()
    (script,) = page.xpath('//script[contains(@src, "/cdn-cgi/challenge-platform/")]/@src')
    assert client.get(script).status_code == 200
    assert detect_wall(parse(response.text)) is ExtractionStatus.blocked
    assert client.post(ASK_PATH, json={"query_str": PROMPT}).status_code == 403


def test_login_refuses_to_answer(make_client: MakeClient) -> None:
    response = make_client("login").post(ASK_PATH, json={"query_str": PROMPT})
    assert response.status_code == 401


def test_slow_answers_over_twenty_seconds(make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(_stream, "sleep", record)
    events = ask(make_client("slow", answer_seconds=0.5))
    assert final_message(events)["status"] == "COMPLETED"
    assert sum(pauses) == pytest.approx(20.0)


def test_broken_stops_mid_answer_without_the_final_events(make_client: MakeClient) -> None:
    full = final_message(ask(make_client(answer_seconds=1.0)))["text"]
    events = ask(make_client("broken", answer_seconds=1.0))
    assert [name for name, _ in events] == ["message"] * len(events)
    last = final_message(events)
    assert last["status"] == "PENDING"
    assert 0 < len(last["text"]) < len(full) and full.startswith(last["text"])


def test_no_sources_has_neither_citations_nor_sources(make_client: MakeClient) -> None:
    events = ask(make_client("no_sources"))
    final = final_message(events)
    assert final["status"] == "COMPLETED"
    assert all(data["web_results"] == [] for name, data in events if name == "message")
    assert not re.search(r"\[\d+\]", final["text"])
    assert "](http" not in final["text"]
    assert "**HubSpot**" in final["text"]


def test_varying_cites_other_sources_each_time_reproducibly(make_client: MakeClient) -> None:
    def three_answers(seed: int) -> list[list[str]]:
        client = make_client("varying", seed=seed)
        return [cited_urls(final_message(ask(client))) for _ in range(3)]

    first = three_answers(seed=7)
    assert len({frozenset(cited) for cited in first}) > 1  # repeated captures see different cited sources
    assert three_answers(seed=7) == first  # and a new server with the same seed replays them
    assert three_answers(seed=8) != first


def test_error500_fails_the_first_ask_of_each_server_only(make_client: MakeClient) -> None:
    client = make_client("error500")
    assert client.post(ASK_PATH, json={"query_str": PROMPT}).status_code == 500
    assert final_message(ask(client))["status"] == "COMPLETED"
    assert make_client("error500").post(ASK_PATH, json={"query_str": PROMPT}).status_code == 500


def test_the_scenario_picked_by_the_page_url_applies_to_its_stream(make_client: MakeClient) -> None:
    client = make_client()
    assert client.get("/", params={"scenario": "no_sources"}).status_code == 200
    assert final_message(ask(client))["web_results"] == []


def test_answer_seconds_in_the_page_url_sets_the_stream_duration(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(_stream, "sleep", record)
    client = make_client(answer_seconds=3.0)
    client.get("/", params={"answer_seconds": "0.5"})
    ask(client)
    assert sum(pauses) == pytest.approx(0.5)


@pytest.mark.parametrize("body", [{}, {"query_str": "  "}, {"query_str": 3}, ["not", "an", "object"]])
def test_a_bad_ask_is_a_400(make_client: MakeClient, body: object) -> None:
    assert make_client().post(ASK_PATH, json=body).status_code == 400


def test_a_thread_url_reloads_the_app(make_client: MakeClient) -> None:
    response = make_client().get("/search/best-crm-for-saas-startups-AbCdEfGhIjKlMnOpQrStUv")
    assert response.status_code == 200 and 'id="ask-input"' in response.text
