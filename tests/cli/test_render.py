"""How records are printed: what the tables fill in for the reader."""

from __future__ import annotations

from citewatch.cli._render import citation_title
from citewatch.models import Citation, CitationKind, Extraction, ExtractionStatus, Source, SourceKind


def test_a_chip_without_a_title_takes_its_source_title() -> None:
    url = "https://www.example.com/crm-guide"
    chip = Citation(position=1, kind=CitationKind.chip, url=url, canonical_url=url, domain="example.com")
    titled = chip.model_copy(update={"position": 2, "title": "The chip's own"})
    extraction = Extraction(
        engine="perplexity",
        extractor_version="t/1",
        status=ExtractionStatus.answered,
        citations=[chip, titled],
        sources=[
            Source(
                position=1,
                kind=SourceKind.listed,
                url=url,
                canonical_url=url,
                domain="example.com",
                title="A CRM guide",
            )
        ],
    )
    assert citation_title(chip, extraction) == "A CRM guide"
    assert citation_title(titled, extraction) == "The chip's own"
    other = chip.model_copy(update={"url": "https://other.example/", "canonical_url": "https://other.example/"})
    assert citation_title(other, extraction) is None
