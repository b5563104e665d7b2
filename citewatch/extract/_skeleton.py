"""How every extractor starts: the parsed page and an empty record that already says when the page was cut off.

Written once so an engine module holds only what is its own (where the answer is, what a citation looks like).
"""

from __future__ import annotations

from citewatch.extract._html import Element, parse, truncation_warning
from citewatch.models import Extraction, ExtractionStatus, Snapshot


def begin(snapshot: Snapshot, engine: str, version: str) -> tuple[Element, Extraction]:
    """The page's tree and a `no_answer` record for it; raises `SnapshotUnreadable` when it is no page."""
    tree = parse(snapshot.html)
    result = Extraction(engine=engine, extractor_version=version, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    return tree, result
