"""Extraction: pure functions from a stored snapshot to an `Extraction` record (no I/O, no clock).

Each engine has one module here with `EXTRACTOR_VERSION` and `extract(snapshot)`. This package's
entry points never raise on bad input: a malformed, empty, truncated or binary snapshot gives an
`Extraction` whose `status` and `warnings` say what is wrong.
"""

from __future__ import annotations

from typing import Protocol

from citewatch.engines import get_engine
from citewatch.extract._html import SnapshotUnreadable
from citewatch.models import Extraction, ExtractionStatus, Snapshot
from citewatch.selectors import SelectorError, provenance

__all__ = ["EngineExtractor", "extract_html", "extract_or_raise", "extract_snapshot", "failed_extraction"]


class EngineExtractor(Protocol):
    EXTRACTOR_VERSION: str

    def extract(self, snapshot: Snapshot) -> Extraction: ...


def extract_snapshot(snapshot: Snapshot) -> Extraction:
    """Run the engine's extractor; raises only `UnknownEngine` (and a broken selectors override)."""
    try:
        return extract_or_raise(snapshot)
    except SelectorError:
        raise  # a broken selectors override is the configuration's fault, not this snapshot's: say so once
    except RecursionError:  # the walk follows the page's nesting; thousands of levels exceed Python's stack
        reason = "the answer is nested too deeply to read (more levels than the extractor's recursion allows)"
    except Exception as exc:  # noqa: BLE001 - a crash is recorded as the extraction's status, never lost
        reason = f"extractor failed: {type(exc).__name__}: {exc}"
    return failed_extraction(snapshot, reason)


def extract_or_raise(snapshot: Snapshot) -> Extraction:
    """`extract_snapshot` without the safety net: an extractor's crash propagates (the quality gate must see it).

    A snapshot that cannot be read as a page is not a crash: it gives the same `error` record as in production.
    """
    extractor = get_engine(snapshot.engine).extractor
    try:
        extraction = _with_host_warning(extractor.extract(snapshot))
    except SnapshotUnreadable as exc:
        return failed_extraction(snapshot, str(exc))
    overridden = provenance(snapshot.engine)
    if overridden:  # a record made with mended selectors says so, since its extractor version does not
        extraction.warnings.append(overridden)
    return extraction


def failed_extraction(snapshot: Snapshot, reason: str) -> Extraction:
    """The record of an extraction that could not read `snapshot`: status `error`, and why."""
    return Extraction(
        engine=snapshot.engine,
        extractor_version=get_engine(snapshot.engine).extractor.EXTRACTOR_VERSION,
        status=ExtractionStatus.error,
        warnings=[reason],
    )


def _with_host_warning(extraction: Extraction) -> Extraction:
    """Say so when URLs were read whose host names no site (`_urls.valid_host`): they are kept, with no domain."""
    pairs = [(c.canonical_url, c.domain) for c in extraction.citations]
    pairs += [(s.canonical_url, s.domain) for s in extraction.sources]
    pairs += [(r.canonical_url, r.domain) for r in extraction.organic_results]
    invalid = sorted({url for url, domain in pairs if url and not domain})
    if invalid:
        extraction.warnings.append(
            f"{len(invalid)} URLs have a host that is not a valid host name, so no domain: {invalid[0]!r}"
            + (" and others" if len(invalid) > 1 else "")
        )
    return extraction


def extract_html(engine: str, html: str | bytes, *, url: str | None = None) -> Extraction:
    """Read one saved page of `engine`. Pure: the same input always gives the same record."""
    return extract_snapshot(Snapshot(engine=engine, html=html, url=url))
