"""Answers written by hand for the analysis tests: blocks, markers, links and highlighted names at known offsets."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from citewatch.extract._urls import url_fields
from citewatch.models import (
    Answer,
    AnswerBlock,
    BlockKind,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Mention,
    OrganicResult,
    Source,
    SourceKind,
)

Build = Callable[..., Extraction]


def _block_at(starts: Sequence[int], offset: int) -> int:
    return max(i for i, start in enumerate(starts) if start <= offset)


def _citation(position: int, kind: CitationKind, url: str, block_index: int, char_start: int) -> Citation:
    href, canonical, domain = url_fields(url)
    return Citation(
        position=position,
        kind=kind,
        url=href,
        canonical_url=canonical,
        domain=domain,
        block_index=block_index,
        char_start=char_start,
    )


def build_extraction(
    *blocks: tuple[str, str],
    markers: Sequence[tuple[str, str]] = (),
    links: Sequence[tuple[str, str]] = (),
    highlights: Sequence[tuple[str, int | None]] = (),
    sources: Sequence[tuple[str, bool]] = (),
    organic: Sequence[str] = (),
) -> Extraction:
    """An extraction laid out as `walk_answer` lays one out (list items joined by one newline, other blocks by a
    blank line). A marker sits right after the first occurrence of its text, a link and a highlighted name at
    the first occurrence of theirs."""
    parts: list[str] = []
    answer_blocks: list[AnswerBlock] = []
    starts: list[int] = []
    for index, (kind, block_text) in enumerate(blocks):
        if parts:
            both_items = kind == "list_item" and answer_blocks[-1].kind is BlockKind.list_item
            parts.append("\n" if both_items else "\n\n")
        starts.append(sum(map(len, parts)))
        parts.append(block_text)
        answer_blocks.append(AnswerBlock(index=index, kind=BlockKind(kind), text=block_text))
    text = "".join(parts)
    placed = [(text.index(after) + len(after), CitationKind.footnote, url) for after, url in markers]
    placed += [(text.index(at), CitationKind.inline_link, url) for at, url in links]
    placed.sort()
    return Extraction(
        engine="perplexity",
        extractor_version="test/1",
        status=ExtractionStatus.answered,
        answer=Answer(text=text, blocks=answer_blocks),
        citations=[
            _citation(i, kind, url, _block_at(starts, start), start)
            for i, (start, kind, url) in enumerate(placed, start=1)
        ],
        mentions=[
            Mention(
                text=name,
                block_index=_block_at(starts, text.index(name)),
                char_start=text.index(name),
                list_rank=rank,
            )
            for name, rank in highlights
        ],
        sources=[
            Source(position=i, kind=SourceKind.listed, url=u, canonical_url=u, domain=url_fields(u)[2], cited=c)
            for i, (u, c) in enumerate(sources, start=1)
        ],
        organic_results=[
            OrganicResult(position=i, url=u, canonical_url=u, domain=url_fields(u)[2])
            for i, u in enumerate(organic, start=1)
        ],
    )


@pytest.fixture
def build() -> Build:
    return build_extraction
