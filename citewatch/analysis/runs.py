"""One answered capture as the plain values the metrics take (the notation of docs/metrics.md).

`run_values` reads a stored `Extraction` (and a brand set, when brands are tracked), so every metric can be
recomputed from stored extractions when the brand file or a definition changes, without recapturing. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from citewatch.analysis.brands import (
    Band,
    BrandMention,
    BrandSet,
    cited_brands,
    match_mentions,
    named_brands,
)
from citewatch.analysis.run_sets import extraction_parts
from citewatch.analysis.sentences import citations_by_sentence, sentence_spans, word_count
from citewatch.models import Extraction


@dataclass(frozen=True, slots=True)
class RunValues:
    brands: tuple[str, ...]  # B_r: tracked brands named, in order of first mention, absence contexts left out
    mentions: tuple[BrandMention, ...]  # every mention, negative ones included (flagged)
    cited_brands: frozenset[str]  # brands whose own domains the answer cites (the "cited" of the cross-tab)
    cited_urls: tuple[str, ...]  # U_r, D_r, S_r and the organic results as `run_sets` defines them
    cited_domains: tuple[str, ...]
    sources: frozenset[str]
    sentences: tuple[tuple[int, tuple[str, ...]], ...]  # GEO input: (words, cited URLs) per sentence
    organic_urls: tuple[str, ...]

    def first_band(self, brand: str) -> Band | None:
        """Band of the brand's first mention outside absence contexts (Scrunch's position), None if not named."""
        return self.first_bands().get(brand)

    def first_bands(self) -> dict[str, Band]:
        """`first_band` of every brand the answer names, in one pass over the mentions."""
        bands: dict[str, Band] = {}
        for mention in self.mentions:
            if not mention.negative:
                bands.setdefault(mention.brand, mention.band)
        return bands


def _geo_sentences(extraction: Extraction) -> tuple[tuple[int, tuple[str, ...]], ...]:
    text = extraction.answer.text
    spans = sentence_spans(text)
    by_sentence = citations_by_sentence([start for start, _ in spans], extraction.citations)
    return tuple(
        (
            word_count(text[start:end]),
            tuple(url for c in by_sentence.get(index, []) if (url := c.canonical_url or c.url)),
        )
        for index, (start, end) in enumerate(spans)
    )


def run_values(extraction: Extraction, brands: BrandSet | None = None, *, include_negative: bool = False) -> RunValues:
    """The per-run values of one extraction. `include_negative` counts absence-context mentions in B_r too."""
    mentions = match_mentions(extraction, brands) if brands is not None else []
    parts = extraction_parts(extraction)
    cited, sets = parts.targets(), parts.sets()
    return RunValues(
        brands=tuple(named_brands(mentions, include_negative=include_negative)),
        mentions=tuple(mentions),
        cited_brands=cited_brands(cited, brands) if brands is not None else frozenset(),
        cited_urls=sets.cited_urls,
        cited_domains=sets.cited_domains,
        sources=frozenset(sets.sources),
        sentences=_geo_sentences(extraction),
        organic_urls=sets.organic_urls,
    )
