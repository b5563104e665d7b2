"""What a report reads of each run, worked out once when its extraction is stored (the `run_lists` table).

A report reads, per run, its cited URLs U_r, their domains D_r, the sources it showed S_r and the organic
results on its page, as `analysis.run_sets` defines them. Gathering them at report time from the citation,
source and organic tables costs three correlated subqueries and a sort per run: most of a 100,000-run report.
Extractions are never changed once stored (a replay adds a new one), so the lists are computed with them and
never go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from citewatch.analysis.run_sets import RunSets

# The lists are stored as text, each item followed by the ASCII unit separator, which never occurs in a URL or
# a domain (both are parsed, percent-encoded strings). The trailing separator tells [] from [""].
UNIT = "\x1f"
RECORD = "\x1e"  # what SQL aggregates of these lists put between rows (`storage.queries`)


def pack(items: Iterable[str]) -> str:
    return "".join([separator_free(item) + UNIT for item in items])


def separator_free(value: str) -> str:
    """A URL or domain with the separators percent-encoded (as a browser would send them), so that no stored
    value can split a list: canonical URLs never hold them, this guards what an extractor stored raw."""
    if UNIT not in value and RECORD not in value:
        return value
    return value.replace(UNIT, "%1F").replace(RECORD, "%1E")


def unpack(packed: str) -> list[str]:
    return packed.split(UNIT)[:-1]


def row(extraction_id: int, lists: RunSets) -> dict[str, Any]:
    """The `run_lists` row of an extraction (column values)."""
    return {
        "extraction_id": extraction_id,
        "cited_urls": pack(lists.cited_urls),
        "cited_domains": pack(lists.cited_domains),
        "sources": pack(lists.sources),
        "organic_urls": pack(lists.organic_urls),
    }
