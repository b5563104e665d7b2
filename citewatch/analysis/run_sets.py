"""The one definition of a run's sets U_r, D_r and S_r (docs/metrics.md), and of its organic result list.

Every reader goes through here: storage's stored lists (`storage.run_lists`), the report's three read paths
(stored lists, lists gathered in SQL, whole records), `analysis.runs`, the demo's and `capture --repeat`'s
stability line. A reader brings its own form of the run (an `Extraction`, its JSON form, SQL rows) as plain
tuples; what counts as cited, in which order and how items are made distinct is decided only in this module.
Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from citewatch.models import Extraction

Target = tuple[str, str]  # (URL, registrable domain or ""), of a citation or a source the engine marks cited
Shown = tuple[str, str, bool]  # (URL, domain, cited) of a source, "" for a missing value


class RunSets(NamedTuple):
    cited_urls: tuple[str, ...]  # U_r: distinct cited URLs (canonical where known), in order of first citation
    cited_domains: tuple[str, ...]  # D_r: their registrable domains, distinct, in the same order
    sources: tuple[str, ...]  # S_r: every URL shown as a source, cited or not, and every cited URL
    organic_urls: tuple[str, ...]  # organic results on the same page, in position order


def cited_targets(citations: Iterable[Target], sources: Iterable[Shown]) -> list[Target]:
    """Every citation with a URL in reading order, then every source marked cited: what the answer cites.
    Both come in display order."""
    targets = [(url, domain) for url, domain in citations if url]
    targets += [(url, domain) for url, domain, cited in sources if cited and url]
    return targets


def run_sets(targets: Sequence[Target], sources: Iterable[Shown], organic: Iterable[str]) -> RunSets:
    """The sets of one run from its `cited_targets`, its sources (as there) and its organic result URLs."""
    urls = tuple(dict.fromkeys([url for url, _ in targets]))
    return RunSets(
        cited_urls=urls,
        cited_domains=tuple(dict.fromkeys([domain for _, domain in targets if domain])),
        sources=tuple(dict.fromkeys([url for url, _, _ in sources if url] + list(urls))),
        organic_urls=tuple(organic),
    )


class Parts(NamedTuple):
    """A run read as plain tuples, in display order: what `cited_targets` and `run_sets` take."""

    citations: list[Target]
    sources: list[Shown]
    organic: list[str]

    def targets(self) -> list[Target]:
        return cited_targets(self.citations, self.sources)

    def sets(self) -> RunSets:
        return run_sets(self.targets(), self.sources, self.organic)


def extraction_parts(extraction: Extraction) -> Parts:
    """The parts of a stored `Extraction` (canonical URLs where known)."""

    def by_position(items: Iterable[Any]) -> list[Any]:
        return sorted(items, key=lambda item: item.position)

    return Parts(
        citations=[(c.canonical_url or c.url or "", c.domain or "") for c in by_position(extraction.citations)],
        sources=[(s.canonical_url or s.url or "", s.domain or "", s.cited) for s in by_position(extraction.sources)],
        organic=[r.canonical_url for r in by_position(extraction.organic_results)],
    )


def json_parts(data: dict[str, Any]) -> Parts:
    """The parts of an extraction in its JSON form (`Extraction.model_dump(mode="json")`), unvalidated."""

    def url(item: dict[str, Any]) -> str:
        return item.get("canonical_url") or item.get("url") or ""

    def by_position(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda item: item["position"])

    return Parts(
        citations=[(url(c), c.get("domain") or "") for c in by_position(data["citations"])],
        sources=[(url(s), s.get("domain") or "", bool(s.get("cited"))) for s in by_position(data["sources"])],
        organic=[r["canonical_url"] for r in by_position(data["organic_results"])],
    )


def extraction_sets(extraction: Extraction) -> RunSets:
    return extraction_parts(extraction).sets()
