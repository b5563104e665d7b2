"""The report read from a real store (SQLite, and PostgreSQL when it is up): hand-computed values on a small set.

The set: prompt "crm" on perplexity, three answered runs a day apart (and one blocked capture, not a run):
  R1 "Acme is great. Bolt too."   cites a.com/x (after sentence 1) and b.com/y (after sentence 2); c.com/z listed
  R2 "Bolt leads. Acme follows."  cites b.com/y; a.com/x listed, not cited
  R3 "I couldn't find information about Acme."  cites nothing
plus prompt "shoes" on perplexity (one run citing d.com) and prompt "crm" on google_aio (one run with organic
results). Brands: Acme (ours, site a.com) and Bolt.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citewatch.analysis import metrics
from citewatch.analysis.brands import brands_from_table
from citewatch.analysis.report import (
    Options,
    Report,
    build_report,
    lean_values,
    repeatability,
    stored_values,
)
from citewatch.analysis.report import parallel as report_parallel
from citewatch.analysis.report.reading import _read_ahead
from citewatch.analysis.report.render_csv import write_csv
from citewatch.analysis.report.render_html import render_html
from citewatch.analysis.runs import run_values
from citewatch.cli.report import parse_since
from citewatch.errors import ConfigError
from citewatch.models import CaptureResult, CaptureStatus, Extraction
from citewatch.storage import Store
from citewatch.storage.export import spreadsheet_safe
from citewatch.storage.queries import RunFilter, answer_parts, cited_lists, stored_lists

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
BRANDS = brands_from_table(
    {"brand": [{"name": "Acme", "domains": ["a.com"], "ours": True}, {"name": "Bolt"}]}, origin="test"
)
A, B, C, D = "https://a.com/x", "https://b.com/y", "https://c.com/z", "https://d.com/"


def store_run(
    store: Store,
    extraction: Extraction,
    *,
    prompt: str = "crm",
    engine: str = "perplexity",
    day: float = 0,
    status: CaptureStatus = CaptureStatus.answered,
    campaign: str | None = None,
) -> None:
    run_id = store.start_run(kind="test", campaign=campaign)
    capture_id = store.start_capture(run_id=run_id, prompt=prompt, engine=engine)
    when = T0 + timedelta(days=day)
    result = CaptureResult(engine=engine, status=status, started_at=when, finished_at=when, html="<html></html>")
    store.finish_capture(capture_id, result)
    store.save_extraction(capture_id, extraction)


def fill(store: Store, build: Callable[..., Extraction]) -> None:
    store_run(
        store,
        build(
            ("paragraph", "Acme is great. Bolt too."),
            markers=[("Acme is great.", A), ("Bolt too.", B)],
            sources=[(A, True), (B, True), (C, False)],
        ),
        day=0,
        campaign="weekly",
    )
    store_run(
        store,
        build(
            ("paragraph", "Bolt leads. Acme follows."), markers=[("Bolt leads.", B)], sources=[(B, True), (A, False)]
        ),
        day=1,
        campaign="weekly",
    )
    store_run(store, build(("paragraph", "I couldn't find information about Acme.")), day=2, campaign="weekly")
    store_run(store, build(("paragraph", "Acme."), markers=[("Acme.", A)]), day=3, status=CaptureStatus.blocked)
    store_run(store, build(("paragraph", "Shoes."), markers=[("Shoes.", D)]), prompt="shoes", day=0)
    store_run(
        store,
        build(
            ("paragraph", "One. Two."),
            markers=[("One.", "https://x.com/1"), ("Two.", "https://y.com/2")],
            organic=["https://y.com/2", "https://z.com/3"],
        ),
        engine="google_aio",
        day=0,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, build: Callable[..., Extraction]) -> Store:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    opened = Store.open(url)
    request.addfinalizer(opened.close)
    fill(opened, build)
    return opened


def by_item(rows):
    return {row.item: row for row in rows}


def test_group_rows_by_hand(store: Store) -> None:
    report = build_report(store, RunFilter(), BRANDS, Options(geo=True))
    crm = next(g for g in report.groups if (g.engine, g.prompt) == ("perplexity", "crm"))
    assert (crm.runs, crm.domains_cited, crm.urls_cited) == (3, 2, 2)  # the blocked capture is not a run
    domains = by_item(crm.domains)
    assert [d.item for d in crm.domains] == ["b.com", "a.com"]  # most cited first
    assert (domains["b.com"].rate.k, domains["b.com"].rate.n) == (2, 3)
    assert domains["b.com"].rate == metrics.wilson_interval(2, 3)
    assert domains["b.com"].citation_share == pytest.approx(2 / 3)  # 2 of the 3 (run, domain) citations
    assert domains["a.com"].citation_share == pytest.approx(1 / 3)

    rep = crm.domain_repeatability
    assert rep is not None
    # {a,b}~{b} = 1/2, {a,b}~{} = 0, {b}~{} = 0
    assert rep.mean_pairwise_jaccard == pytest.approx(1 / 6)
    assert rep.consecutive_jaccard == pytest.approx(1 / 4)  # (1/2 + 0) / 2
    assert rep.consecutive_overlap == pytest.approx(1 / 4)  # kept 1 of 2, then 0 of 1
    assert rep.change_rate == 1.0
    assert rep.persistence_days == pytest.approx(1.0)  # changed after one day, twice
    assert rep.exact_repeat_set == 0.0
    # RBO([a, b], [b]) = 0.1/0.9 · (1/2 · 0.81) + (1/2) · 0.81 = 0.45; RBO([b], []) = 0
    assert rep.rank_rbo == pytest.approx(0.225)

    # retrieval: S1 = {a, b, c}, C1 = {a, b}; S2 = {a, b}, C2 = {b}; pooled 3 / 5
    assert (crm.retrieved_vs_cited.k, crm.retrieved_vs_cited.n) == (3, 5)
    url_a = by_item(crm.urls)[A]
    assert (url_a.retrieved.k, url_a.retrieved.n) == (2, 3)
    assert (url_a.cited_given_retrieved.k, url_a.cited_given_retrieved.n) == (1, 2)

    # GEO, R1: "Acme is great." 2 words at position weight 1, "Bolt too." 2 words at e^-1; R2: only b.com/y
    r1_a = 2 / (2 + 2 * 2.718281828459045**-1)
    assert url_a.pawc == pytest.approx(r1_a)
    assert by_item(crm.urls)[B].pawc == pytest.approx(((1 - r1_a) + 1.0) / 2)
    assert crm.serp_overlap is None

    assert crm.runs_needed == metrics.runs_needed(0.10, 2 / 3)  # rates 2/3, 1/3, 2/3, 2/3: nearest 0.5 is 2/3
    assert crm.enough is False


def test_brand_rows_by_hand(store: Store) -> None:
    report = build_report(store, RunFilter(prompt="crm", engine="perplexity"), BRANDS)
    (crm,) = report.groups
    acme, bolt = crm.brands or []
    assert (acme.mention_rate.k, acme.mention_rate.n) == (2, 3)  # R3's mention is an absence: left out
    assert acme.sov_mentions == pytest.approx(1 / 2)  # 2 of the 4 (answer, brand) mentions
    assert acme.sov_answers == pytest.approx(1.0)  # both answers naming a tracked brand name Acme
    assert acme.average_rank == 1.5 and bolt.average_rank == 1.5
    assert acme.rank_histogram == {"1": 1, "2": 1, "absent": 1}
    assert acme.position_bands == {"top": 1, "middle": 1, "bottom": 0, "absent": 1}  # offsets 0 and 12 of 25
    assert acme.cited_mentioned == {"cited_and_mentioned": 1, "cited_only": 0, "mentioned_only": 1, "invisible": 1}
    assert acme.position_weighted == pytest.approx((2 / 3) / 1.05)
    assert acme.sov_mentions_ci95 is None  # no bootstrap unless asked for
    brands = crm.brand_repeatability
    assert brands is not None
    assert brands.exact_repeat_set == pytest.approx(1 / 3)  # {Acme, Bolt} twice among 3 pairs
    assert brands.exact_repeat_ordered == 0.0
    assert brands.rank_tau == -1.0  # reversed order; τ with an empty order is undefined and left out
    with_intervals = build_report(store, RunFilter(prompt="crm", engine="perplexity"), BRANDS, Options(resamples=200))
    low, high = with_intervals.groups[0].brands[0].sov_mentions_ci95
    assert 0 <= low <= 0.5 <= high <= 1


def test_engine_rollup_and_serp(store: Store) -> None:
    report = build_report(store, RunFilter())
    perplexity = next(e for e in report.engines if e.engine == "perplexity")
    assert (perplexity.runs, perplexity.prompts) == (4, 2)
    b = by_item(perplexity.domains)["b.com"]
    assert (b.rate.k, b.rate.n) == (2, 4)
    assert b.citation_share == pytest.approx(2 / 4)  # citations: a, b, b, d
    # repeatability of a roll-up: the mean over the prompts that have it; "shoes" has one run, so none
    rollup = perplexity.domain_repeatability
    assert rollup.mean_pairwise_jaccard == pytest.approx(1 / 6)
    assert rollup.pairwise_runs == 3  # the three runs of "crm"; the lone "shoes" run compared with nothing
    assert rollup.change_rate == 1.0  # {a, b} -> {b} -> {}: both steps changed
    aio = next(e for e in report.engines if e.engine == "google_aio")
    assert (aio.serp_overlap.k, aio.serp_overlap.n) == (1, 2)  # y.com/2 is organic, x.com/1 is not
    assert report.by_run["perplexity"] == [(2, 0.5, 1), (3, 0.0, 1)]  # consecutive Jaccard by run number
    assert [day for day, _, _ in report.by_day["perplexity"]] == ["2026-11-02", "2026-11-03"]


def csv_text(report: Report) -> str:
    """The report as `citewatch report --format csv` writes it (spreadsheet-safe cells)."""
    buffer = io.StringIO()
    write_csv(report, buffer, cell=spreadsheet_safe)
    return buffer.getvalue()


REPEATABILITY = (
    "mean_pairwise_jaccard",
    "consecutive_jaccard",
    "consecutive_overlap",
    "change_rate",
    "persistence_days",
    "exact_repeat_set",
    "exact_repeat_ordered",
    "rank_rbo",
    "rank_tau",
)


def test_one_run_has_no_repeatability_in_any_format(store: Store) -> None:
    """A group of one run compares nothing with nothing: every between-runs value is absent, never 1.0 / 0 %."""
    report = build_report(store, RunFilter(), BRANDS)
    shoes = next(g for g in report.groups if g.prompt == "shoes")
    aio = next(e for e in report.engines if e.engine == "google_aio")  # a roll-up of one prompt of one run
    for section in (shoes, aio):
        assert section.runs == 1
        for rep in (section.domain_repeatability, section.url_repeatability, section.brand_repeatability):
            assert rep is not None
            assert {name: getattr(rep, name) for name in REPEATABILITY} == dict.fromkeys(REPEATABILITY)
            assert rep.pairwise_runs == 0
        # "Shoes." names no tracked brand: share of voice is 0 / 0, absent; the mention rate is a real 0 of 1
        assert [(b.sov_mentions, b.sov_answers) for b in section.brands or []] == [(None, None), (None, None)]
        assert [(b.mention_rate.k, b.mention_rate.n) for b in section.brands or []] == [(0, 1), (0, 1)]

    payload = json.loads(json.dumps(report.as_json()))
    group = next(g for g in payload["groups"] if g["prompt"] == "shoes")
    assert group["runs"] == 1  # beside the nulls: the reason they are null
    assert {k: group["repeatability"]["domains"][k] for k in REPEATABILITY} == dict.fromkeys(REPEATABILITY)
    assert group["brands"][0]["sov_mentions"] is None and group["brands"][0]["sov_answers"] is None

    rows = list(csv.DictReader(io.StringIO(csv_text(report))))
    summary = next(r for r in rows if r["prompt"] == "shoes" and r["kind"] == "summary")
    assert summary["runs"] == "1"
    assert all(summary[k] == "" for k in REPEATABILITY)
    crm = next(r for r in rows if r["prompt"] == "crm" and r["engine"] == "perplexity" and r["kind"] == "summary")
    assert crm["mean_pairwise_jaccard"] == "0.1667" and crm["change_rate"] == "1.0000"  # three runs: values

    html = render_html(report)
    shoes_row = next(row for row in re.findall("<tr>.*?</tr>", html) if ">shoes<" in row)  # Prompts × engines
    assert "1.00" not in shoes_row and "100%" not in shoes_row and "0%" not in shoes_row
    assert shoes_row.count("—") >= 5


def test_filters(store: Store) -> None:
    assert [g.prompt for g in build_report(store, RunFilter(campaign="weekly")).groups] == ["crm"]
    assert build_report(store, RunFilter(campaign="weekly")).groups[0].runs == 3
    assert build_report(store, RunFilter(campaign="nope")).groups == []
    since = build_report(store, RunFilter(engine="perplexity", prompt="crm", since=T0 + timedelta(hours=12)))
    assert since.groups[0].runs == 2
    assert {g.engine for g in build_report(store, RunFilter(engine="google_aio")).groups} == {"google_aio"}


def test_lean_and_stored_values_match_run_values(store: Store, build: Callable[..., Extraction]) -> None:
    """The SQL-aggregated path, the lists stored with each extraction and `run_values` on the stored record
    agree on every value they give."""
    with store.engine.connect() as connection:
        rows = connection.execute(cited_lists(RunFilter())).all()
        stored = {row[2]: stored_values(*row[4:]) for row in connection.execute(stored_lists(RunFilter()))}
    assert sorted(stored) == sorted(row[2] for row in rows)
    for row in rows:
        full = run_values(store.latest_extraction(row[2]))
        expected = (full.cited_urls, full.cited_domains, full.sources, full.organic_urls)
        for values in (lean_values(*row[4:7]), stored[row[2]]):
            assert (values.cited_urls, values.cited_domains, values.sources, values.organic_urls) == expected
    assert any(values.organic_urls for values in stored.values())  # the google_aio run
    assert any(len(values.sources) > len(values.cited_urls) for values in stored.values())  # sources not cited


def test_lean_brand_values_match_run_values(store: Store, build: Callable[..., Extraction]) -> None:
    """Brands matched in what SQL picked out of each run (text, blocks, highlights, placed citations) agree with
    `run_values` on the whole stored record, also for runs that share an answer (and so one scan of its text)
    but not its citations or highlights."""
    brands = brands_from_table(
        {
            "brand": [
                {"name": "Acme", "aliases": ["Acme Co"], "domains": ["a.com"], "ours": True},
                {"name": "Bolt", "domains": ["bolt.example"]},
                {"name": "Loop", "require_context": ["CRM"], "domains": ["loop.example"]},
            ]
        },
        origin="test",
    )
    blocks = (
        ("paragraph", "Bolt leads the field. I couldn't find information about Acme Co."),
        ("list_item", "Acme – simple."),
        ("list_item", "Loop – fast."),
        ("paragraph", "Loop is a CRM too. Stay in the loop with Loop."),
    )
    store_run(
        store,
        build(*blocks, markers=[("the field.", "https://bolt.example/")], highlights=[("Acme – simple", 2)]),
        prompt="again",
    )
    store_run(
        store,
        build(
            *blocks,
            links=[("Loop – fast", "https://loop.example/")],
            highlights=[("Loop – fast", None)],
            sources=[("https://a.com/x", True)],
        ),
        prompt="again",
        day=1,
    )
    memo = brands.memo()
    with store.engine.connect() as connection:
        rows = connection.execute(cited_lists(RunFilter(), placements=True, record=answer_parts())).all()
    loops = []
    for row in rows:
        lean = lean_values(*row[4:7], memo, row[7:])
        full = run_values(store.latest_extraction(row[2]), brands)
        assert (lean.brands, lean.mentions, lean.cited_brands) == (full.brands, full.mentions, full.cited_brands)
        assert lean.first_bands() == full.first_bands()
        if "Loop" in lean.brands:
            loops.append(([m.char_start for m in lean.mentions if m.brand == "Loop"], lean.cited_brands))
    # the second run highlights "Loop – fast" (so that mention counts) and links Loop, cites Acme; the first Bolt
    assert loops == [([95], {"Bolt"}), ([81, 95], {"Acme", "Loop"})]


def test_outputs_are_consistent(store: Store) -> None:
    report = build_report(store, RunFilter(), BRANDS, Options(top=1))
    payload = json.loads(json.dumps(report.as_json()))
    crm = next(g for g in payload["groups"] if g["prompt"] == "crm" and g["engine"] == "perplexity")
    assert crm["domains"] == [
        {"item": "b.com", "k": 2, "n": 3, "rate": 0.6667, "ci95": crm["domains"][0]["ci95"], "citation_share": 0.6667}
    ]
    assert crm["repeatability"]["domains"]["mean_pairwise_jaccard"] == round(1 / 6, 4)
    assert crm["brands"][0]["sov_mentions"] == 0.5
    lines = csv_text(report).splitlines()
    assert lines[0].startswith("level,engine,prompt,runs,kind,item,k,n,rate,ci95_low,ci95_high")
    assert "group,perplexity,crm,3,domain,b.com,2,3,0.6667," in "\n".join(lines)
    assert any(line.startswith("group,perplexity,crm,3,brand,Acme,2,3,0.6667") for line in lines)


def test_engines_built_in_forked_processes_give_the_same_report(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pools: list[int] = []

    class RecordingPool(report_parallel.ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: object) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_parallel, "ProcessPoolExecutor", RecordingPool)
    options = {"resamples": 50, "heatmaps": True, "geo": True}
    serial = build_report(store, RunFilter(), BRANDS, Options(workers=1, **options))
    assert pools == []
    forked = build_report(store, RunFilter(), BRANDS, Options(workers=2, parallel_from=0, **options))
    assert pools == [2]  # one process per engine, two engines
    assert [part.engine for part in forked.engines] == ["google_aio", "perplexity"]
    assert json.dumps(forked.as_json()) == json.dumps(serial.as_json())
    build_report(store, RunFilter(), BRANDS, Options(workers=2, **options))
    assert pools == [2]  # six runs: not worth a process


def test_read_ahead_keeps_order_raises_errors_and_stops_when_closed() -> None:
    assert list(_read_ahead(iter([[1, 2], [3], [], [4, 5]]))) == [1, 2, 3, 4, 5]

    def failing() -> Iterator[list[int]]:
        yield [1]
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        list(_read_ahead(failing()))

    fetched: list[int] = []

    def endless() -> Iterator[list[int]]:
        for i in itertools.count():
            fetched.append(i)
            yield [i]

    rows = _read_ahead(endless())
    assert next(rows) == 0
    rows.close()
    assert len(fetched) <= 4  # a batch or two ahead, no more
    assert not any(thread.name == "report-rows" for thread in threading.enumerate())


def test_repeatability_samples_long_windows() -> None:
    lists = [("a.com",) if i % 2 else ("b.com",) for i in range(150)]
    rep = repeatability(lists, [float(i) for i in range(150)])
    assert rep.pairwise_runs == 100  # C(150, 2) pairs would be 11,175 comparisons
    assert rep.change_rate == 1.0 and rep.persistence_days == 1.0


def test_since_accepts_durations_and_dates() -> None:
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None, now) is None
    with pytest.raises(ConfigError, match="--since takes"):
        parse_since("soon", now)
