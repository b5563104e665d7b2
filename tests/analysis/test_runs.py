"""One extraction as the per-run values the metrics take, and metrics fed from them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from citewatch.analysis import metrics as m
from citewatch.analysis.brands import brands_from_table
from citewatch.analysis.runs import run_values
from citewatch.models import Extraction

BRANDS = brands_from_table(
    {"brand": [{"name": "Acme", "domains": ["acme.example"], "ours": True}, {"name": "Bolt"}, {"name": "Zeta"}]},
    origin="test",
)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_values_of_one_answer(build) -> None:
    extraction = build(
        ("paragraph", "I couldn't find information about Zeta. Bolt is a solid CRM for small teams."),
        ("list_item", "Acme – free for two seats."),
        ("list_item", "Bolt – strong reports."),
        markers=[
            ("small teams.", "https://reviews.example/crm?utm_source=x"),  # the same page, canonically
            ("two seats.", "https://acme.example/pricing"),
            ("strong reports.", "https://reviews.example/crm"),
        ],
        sources=[
            ("https://reviews.example/crm", True),
            ("https://acme.example/pricing", True),
            ("https://blog.example/unused", False),
        ],
        organic=["https://blog.example/unused", "https://reviews.example/crm"],
    )
    values = run_values(extraction, BRANDS)
    assert values.brands == ("Bolt", "Acme")  # Zeta only in an absence context
    assert run_values(extraction, BRANDS, include_negative=True).brands == ("Zeta", "Bolt", "Acme")
    assert [m.brand for m in values.mentions] == ["Zeta", "Bolt", "Acme", "Bolt"]
    assert values.cited_brands == {"Acme"}
    assert values.cited_urls == ("https://reviews.example/crm", "https://acme.example/pricing")
    assert values.cited_domains == ("reviews.example", "acme.example")
    assert values.sources == {
        "https://reviews.example/crm",
        "https://acme.example/pricing",
        "https://blog.example/unused",
    }
    # words > 2 characters: couldn't find information about Zeta = 5; Bolt solid CRM for small teams = 6;
    # Acme free for two seats = 5; Bolt strong reports = 3
    assert values.sentences == (
        (5, ()),
        (6, ("https://reviews.example/crm",)),
        (5, ("https://acme.example/pricing",)),
        (3, ("https://reviews.example/crm",)),
    )
    assert values.organic_urls == ("https://blog.example/unused", "https://reviews.example/crm")
    assert values.first_band("Bolt") == "middle" and values.first_band("Zeta") is None  # 40 / 127 = .31


def test_metrics_from_run_values(build) -> None:
    extraction = build(
        ("paragraph", "Acme leads. Bolt follows."),
        markers=[("leads.", "https://a.example/"), ("follows.", "https://b.example/")],
        sources=[("https://a.example/", True), ("https://b.example/", True), ("https://c.example/", False)],
        organic=["https://b.example/", "https://c.example/"],
    )
    values = run_values(extraction, BRANDS)
    # two sentences of 2 words each: a gets 2·exp(0), b gets 2·exp(−1) -> a = 1 / (1 + e⁻¹) = .7311
    pawc = m.geo_impression(values.sentences, values.cited_urls)
    assert pawc["https://a.example/"] == pytest.approx(1 / (1 + math.exp(-1)))
    assert (m.serp_overlap(values.cited_urls, values.organic_urls).k, len(values.cited_urls)) == (1, 2)
    retrieved = m.cited_given_retrieved([values.sources], [set(values.cited_urls)])
    assert (retrieved.k, retrieved.n) == (2, 3)


def test_values_without_brands_and_without_an_answer() -> None:
    blocked = Extraction(engine="perplexity", extractor_version="t/1", status="blocked")
    values = run_values(blocked)
    assert (values.brands, values.cited_urls, values.sentences, values.sources) == ((), (), (), frozenset())


def test_values_of_a_google_page_with_organic_results() -> None:
    path = FIXTURES / "google_aio" / "clusters-opened" / "expected.json"
    extraction = Extraction.model_validate(json.loads(path.read_text(encoding="utf-8")))
    values = run_values(extraction)
    assert values.organic_urls == tuple(
        r.canonical_url for r in sorted(extraction.organic_results, key=lambda r: r.position)
    )
    cited = {c.canonical_url for c in extraction.citations} | {s.canonical_url for s in extraction.sources if s.cited}
    assert set(values.cited_urls) == cited
    assert sum(len(urls) for _, urls in values.sentences) == len(extraction.citations)  # every marker placed
