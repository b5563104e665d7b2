"""The stability line of `demo` and `capture --repeat` gives the numbers `citewatch report` gives for the same
stored runs: both read D_r from `analysis.run_sets` (a source the engine marks cited counts, as in the report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from citewatch.analysis.report import build_report
from citewatch.cli._render import stability_line
from citewatch.models import (
    CaptureResult,
    CaptureStatus,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Source,
    SourceKind,
)
from citewatch.storage import Store
from citewatch.storage.queries import RunFilter

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _answer(cited: list[str], cited_sources: list[str]) -> Extraction:
    return Extraction(
        engine="perplexity",
        extractor_version="t/1",
        status=ExtractionStatus.answered,
        citations=[
            Citation(position=i, kind=CitationKind.chip, url=f"https://{d}/", domain=d) for i, d in enumerate(cited, 1)
        ],
        sources=[
            Source(position=i, kind=SourceKind.listed, url=f"https://{d}/page", domain=d, cited=True)
            for i, d in enumerate(cited_sources, 1)
        ],
    )


def test_same_store_same_prompt_same_numbers(tmp_path) -> None:
    # D_r = {a, s}, {a}, {b, s}: the cited-source domain s is part of D_r, which the old line left out
    answers = [_answer(["a.com"], ["s.com"]), _answer(["a.com"], []), _answer(["b.com"], ["s.com"])]
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for day, extraction in enumerate(answers):
            run_id = store.start_run(kind="test")
            capture_id = store.start_capture(run_id=run_id, prompt="crm", engine="perplexity")
            when = T0 + timedelta(days=day)
            result = CaptureResult(
                engine="perplexity", status=CaptureStatus.answered, started_at=when, finished_at=when, html="<p></p>"
            )
            store.finish_capture(capture_id, result)
            store.save_extraction(capture_id, extraction)
        stored = [store.latest_extraction(capture_id) for capture_id in range(1, 4)]
        report = build_report(store, RunFilter(prompt="crm"))
    (group,) = report.groups
    domains = group.domain_repeatability
    assert domains is not None and domains.mean_pairwise_jaccard is not None and domains.change_rate is not None
    # by hand: Jaccard pairs 1/2, 0, 1/3 -> 0.28; every step changes -> 1.00; no domain in all 3 of {a, b, s}
    assert (round(domains.mean_pairwise_jaccard, 2), domains.change_rate) == (0.28, 1.0)
    line = stability_line([e for e in stored if e is not None])
    assert f"mean pairwise Jaccard of cited domains {domains.mean_pairwise_jaccard:.2f}" in line
    assert f"change rate between consecutive runs {domains.change_rate:.2f}" in line
    assert "0 of 3 domains cited in every run" in line
