"""What a report reads of each run, worked out once when its extraction is stored (the `run_lists` table).

A report reads, per run, its cited URLs U_r, their domains D_r, the sources it showed S_r and the organic
results on its page (docs/metrics.md). Gathering them at report time from the citation, source and organic
tables costs three correlated subqueries and a sort per run: most of a 100,000-run report. Extractions are
never changed once stored (a replay adds a new one), so the lists are computed with them and never go stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

# The lists are stored as text, each item followed by the ASCII unit separator, which never occurs in a URL or
# a domain (both are parsed, percent-encoded strings). The trailing separator tells [] from [""].
UNIT = "\x1f"
RECORD = "\x1e"  # what SQL aggregates of these lists put between rows (`storage.queries`)

Target = tuple[str, str]  # (URL, registrable domain or ""), of a citation or a source the engine marks cited


class RunLists(NamedTuple):
    cited_urls: tuple[str, ...]  # U_r: distinct cited URLs (canonical where known), in order of first citation
    cited_domains: tuple[str, ...]  # D_r: their registrable domains, distinct, in the same order
    sources: tuple[str, ...]  # S_r: every URL shown as a source, cited or not, and every cited URL
    organic_urls: tuple[str, ...]  # organic results on the same page, in position order


def cited_targets(citations: Iterable[Target], sources: Iterable[tuple[str, str, bool]]) -> list[Target]:
    """Every citation with a URL in reading order, then every source marked cited, as `analysis.brands`
    defines them. `sources` are (URL, domain, cited) in display order; "" stands for a missing value."""
    targets = [(url, domain) for url, domain in citations if url]
    targets += [(url, domain) for url, domain, cited in sources if cited and url]
    return targets


def run_lists(targets: Sequence[Target], sources: Iterable[tuple[str, str, bool]], organic: Iterable[str]) -> RunLists:
    """The lists of one run from its `cited_targets`, its sources (as there) and its organic result URLs."""
    urls = tuple(dict.fromkeys([url for url, _ in targets]))
    return RunLists(
        cited_urls=urls,
        cited_domains=tuple(dict.fromkeys([domain for _, domain in targets if domain])),
        sources=tuple(dict.fromkeys([url for url, _, _ in sources if url] + list(urls))),
        organic_urls=tuple(organic),
    )


def from_json(data: dict[str, Any]) -> RunLists:
    """The lists of an extraction in its JSON form (`Extraction.model_dump(mode="json")`)."""

    def url(item: dict[str, Any]) -> str:
        return item.get("canonical_url") or item.get("url") or ""

    def by_position(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda item: item["position"])

    citations = [(url(c), c.get("domain") or "") for c in by_position(data["citations"])]
    sources = [(url(s), s.get("domain") or "", bool(s.get("cited"))) for s in by_position(data["sources"])]
    organic = [r["canonical_url"] for r in by_position(data["organic_results"])]
    return run_lists(cited_targets(citations, sources), sources, organic)


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


def row(extraction_id: int, lists: RunLists) -> dict[str, Any]:
    """The `run_lists` row of an extraction (column values)."""
    return {
        "extraction_id": extraction_id,
        "cited_urls": pack(lists.cited_urls),
        "cited_domains": pack(lists.cited_domains),
        "sources": pack(lists.sources),
        "organic_urls": pack(lists.organic_urls),
    }
