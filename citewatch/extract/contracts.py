"""Live contracts: what a real answer must have, checked on every extraction.

Golden fixtures prove the extractor reads the pages we wrote; contracts catch the morning an engine
ships a new page: a snapshot that looks like an answer but breaks a contract gets the warning
`engine_changed: …`, so a report says "the page changed" instead of "0 citations".
"""

from __future__ import annotations

from citewatch.models import Extraction, ExtractionStatus

ENGINE_CHANGED = "engine_changed"


def check(
    extraction: Extraction,
    *,
    displayed_sources: int | None = None,
    expect_citations: bool = False,
) -> list[str]:
    """The broken contracts of an `answered` extraction, as `engine_changed: …` warnings.

    `displayed_sources` is the count the page itself shows ("+2", "11 sites"), when it shows one;
    `expect_citations` is set by engines whose answers, when answered with sources, always cite inline.
    """
    if extraction.status is not ExtractionStatus.answered:
        return []
    broken: list[str] = []
    if not extraction.answer.text.strip():
        broken.append("the page looks answered but no answer text was found")
    missing = [c for c in extraction.citations if not c.url and not c.group]
    if missing:
        broken.append(f"{len(missing)} of {len(extraction.citations)} citations have no URL")
    if displayed_sources is not None and displayed_sources != len(extraction.sources):
        broken.append(f"the page shows {displayed_sources} sources but {len(extraction.sources)} were read")
    if expect_citations and extraction.sources and not extraction.citations:
        broken.append("sources are listed but no inline citation was found")
    return [f"{ENGINE_CHANGED}: {reason}" for reason in broken]
