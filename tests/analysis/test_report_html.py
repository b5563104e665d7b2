"""The HTML report in a real Chromium: it opens offline without console errors, its charts render, and text
that came from a capture (prompts, domains, brand names) is shown as text, never run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from citewatch.analysis.brands import brands_from_table
from citewatch.analysis.report import Options, build_report
from citewatch.analysis.report.render_html import CSP, render_html
from citewatch.models import CaptureResult, CaptureStatus, Citation, CitationKind, Extraction
from citewatch.storage import Store
from citewatch.storage.queries import RunFilter

T0 = datetime(2026, 11, 1, tzinfo=UTC)
EVIL_PROMPT = 'best crm <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
EVIL_DOMAIN = 'evil.example"><script>window.__pwned = 3</script>'
BRANDS = brands_from_table(
    {"brand": [{"name": "Acme", "ours": True}, {"name": "<img src=x onerror=window.__pwned=4>"}]}, origin="test"
)


def _report_file(tmp_path: Path, build: Callable[..., Extraction]) -> Path:
    with Store.open(f"sqlite:///{tmp_path / 'h.db'}") as store:
        for day in range(6):
            for engine in ("perplexity", "google_aio"):
                run_id = store.start_run(kind="test")
                capture_id = store.start_capture(run_id=run_id, prompt=EVIL_PROMPT, engine=engine)
                when = T0 + timedelta(days=day)
                store.finish_capture(
                    capture_id,
                    CaptureResult(engine=engine, status=CaptureStatus.answered, started_at=when, finished_at=when),
                )
                text = "Acme leads. <img src=x onerror=window.__pwned=4> follows. Acme again."
                extraction = build(("paragraph", text), markers=[("Acme leads.", "https://a.example/")])
                if day % 2:
                    extraction.citations.append(
                        Citation(position=9, kind=CitationKind.chip, url="https://x/", domain=EVIL_DOMAIN)
                    )
                store.save_extraction(capture_id, extraction)
        report = build_report(store, RunFilter(), BRANDS, Options(resamples=100, heatmaps=True, geo=True))
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def test_untrusted_text_is_escaped(tmp_path: Path, build: Callable[..., Extraction]) -> None:
    page = _report_file(tmp_path, build).read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert f'content="{escape(CSP)}"' in page and "default-src 'none'" in CSP


@pytest.mark.browser
def test_report_opens_renders_and_runs_nothing(page: Page, tmp_path: Path, build: Callable[..., Extraction]) -> None:
    path = _report_file(tmp_path, build)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request", lambda request: problems.append(f"request {request.url}") if request.url != path.as_uri() else None
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path.as_uri())

    expect(page.locator("h1")).to_have_text("citewatch report")
    charts = page.locator("svg.chart")
    assert charts.count() >= 5  # citation rates and share of voice per engine, two stability lines, heat maps
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20, index
    # 2 engines × (2 domain bars + 2 brands × 2 share-of-voice bars) + 2 heat maps × 2 domains × 6 runs
    assert page.locator("svg.chart rect").count() == 36
    assert page.locator("svg.chart polyline").count() == 4  # two engines × (over runs, over time)

    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    expect(page.get_by_text(EVIL_PROMPT).first).to_be_attached()  # shown as text, as captured
    page.screenshot(path="/tmp/report.png", full_page=True)
    assert problems == []


def _client_report(tmp_path: Path, build: Callable[..., Extraction]) -> Path:
    """Two prompts on two engines, four runs each a day apart; the newest run of "crm" drops b.example for
    c.example, so the summary has something that changed. Brands named in the answers."""
    with Store.open(f"sqlite:///{tmp_path / 'c.db'}") as store:
        for prompt in ("best crm for startups", "crm with the best email integration"):
            for engine in ("perplexity", "chatgpt"):
                for day in range(4):
                    run_id = store.start_run(kind="test")
                    capture_id = store.start_capture(run_id=run_id, prompt=prompt, engine=engine)
                    when = T0 + timedelta(days=day)
                    result = CaptureResult(
                        engine=engine, status=CaptureStatus.answered, started_at=when, finished_at=when
                    )
                    store.finish_capture(capture_id, result)
                    second = "https://c.example/" if day == 3 and prompt.startswith("best") else "https://b.example/"
                    extraction = build(
                        ("paragraph", "Acme leads. Bolt follows."),
                        markers=[("Acme leads.", "https://a.example/"), ("Bolt follows.", second)],
                    )
                    store.save_extraction(capture_id, extraction)
        brands = brands_from_table({"brand": [{"name": "Acme", "ours": True}, {"name": "Bolt"}]}, origin="test")
        report = build_report(store, RunFilter(), brands, Options(heatmaps=True))
    path = tmp_path / "client.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


@pytest.mark.browser
def test_the_client_page_summary_index_labels_and_pdf(
    page: Page, tmp_path: Path, build: Callable[..., Extraction]
) -> None:
    path = _client_report(tmp_path, build)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path.as_uri())

    # the summary comes first, one card per engine, with runs, share of voice with intervals, top domains
    headings = page.locator("h2").all_inner_texts()
    assert headings[0] == "Summary" and headings[1] == "Prompts"
    cards = page.locator(".summary .card")
    assert cards.count() == 2
    perplexity = cards.filter(has_text="perplexity")
    assert "8\nruns" in perplexity.inner_text() and "2\nprompts" in perplexity.inner_text()
    brand_row = perplexity.locator("tr", has_text="Acme")
    assert brand_row.inner_text().split("\t")[1:] == ["8/8 · 100% (68%–100%)", "50%", "100% (68%–100%)"]
    assert "a.example" in perplexity.locator("table").nth(1).inner_text()
    changed = perplexity.locator("p", has_text="What changed").inner_text()
    assert "2 prompts with two runs or more): 1 cited another set of domains" in changed
    assert "Newly cited: c.example" in changed and "No longer cited: b.example" in changed

    # every chart says its n
    charts = page.locator("svg.chart")
    assert charts.count() >= 6
    for index in range(charts.count()):
        assert "n = " in (charts.nth(index).get_attribute("aria-label") or ""), index
        assert "n = " in (charts.nth(index).text_content() or ""), index  # written on it, not only for readers
    # intervals are drawn: a whisker per domain bar and per share-of-voice bar
    assert page.locator("svg.chart line[stroke='#111827']").count() > 0

    # the index links to a section per prompt
    links = page.locator(".index a")
    assert links.count() == 2
    for index in range(links.count()):
        target = (links.nth(index).get_attribute("href") or "")[1:]
        section = page.locator(f"section#{target}")
        assert section.locator("h3").first.inner_text() == links.nth(index).inner_text()
    links.nth(1).click()
    assert page.evaluate("location.hash") == "#prompt-2"

    # printed to PDF: several A4 pages, and the screenshot a person would look at
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") >= 2
    (tmp_path / "client.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    assert page.locator(".top").first.is_hidden()  # back-to-index links are not printed
