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
from citewatch.analysis.html_report import CSP, render_html
from citewatch.analysis.report import Options, build_report
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
