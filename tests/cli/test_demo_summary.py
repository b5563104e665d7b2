"""The demo's stability line: honest about a prompt answered only once."""

from __future__ import annotations

from citewatch.cli._render import stability_line
from citewatch.models import Citation, CitationKind, Extraction, ExtractionStatus


def _answer(*domains: str) -> Extraction:
    citations = [
        Citation(position=i, kind=CitationKind.chip, url=f"https://{d}/", domain=d) for i, d in enumerate(domains, 1)
    ]
    return Extraction(
        engine="perplexity", extractor_version="t/1", status=ExtractionStatus.answered, citations=citations
    )


def test_one_run_has_nothing_to_compare() -> None:
    line = stability_line([_answer("a.com", "b.com")])
    assert line == "Stability: 1 answered run(s), at least two are needed to compare runs"
    assert "1.00" not in line


def test_repeated_runs_by_hand() -> None:
    # {a, b}, {a}, {a}: Jaccard pairs 1/2, 1/2, 1 -> 0.67; changes: 1 of 2 steps; a in every run of 2 domains
    line = stability_line([_answer("a.com", "b.com"), _answer("a.com"), _answer("a.com")])
    assert "mean pairwise Jaccard of cited domains 0.67" in line
    assert "change rate between consecutive runs 0.50" in line
    assert "1 of 2 domains cited in every run" in line
