"""A page whose extraction overruns its budget is stopped and recorded as an `error` saying so."""

from __future__ import annotations

from pathlib import Path

from citewatch.extract_budget import BudgetedExtractor
from citewatch.models import ExtractionStatus, Snapshot

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def heavy_page() -> str:
    original = (FIXTURES / "perplexity" / "lists-and-mentions" / "page.html").read_text(encoding="utf-8")
    at = original.index("</li>")
    return original[:at] + "<ul>" + "<div><li>Item: text</li></div>" * 200000 + "</ul>" + original[at:]


def test_an_overrun_is_stopped_recorded_and_the_next_page_extracted() -> None:
    extractor = BudgetedExtractor()
    try:
        stopped = extractor.extract(Snapshot(engine="perplexity", html=heavy_page()), budget_s=0.5)
        assert stopped.status is ExtractionStatus.error
        assert stopped.extractor_version.startswith("perplexity/")
        assert stopped.warnings and "stopped after its 0.5 s budget" in stopped.warnings[0]
        page = (FIXTURES / "perplexity" / "lists-and-mentions" / "page.html").read_text(encoding="utf-8")
        read = extractor.extract(Snapshot(engine="perplexity", html=page), budget_s=60)
        assert read.status is ExtractionStatus.answered, "a new child took over"
    finally:
        extractor.close()
