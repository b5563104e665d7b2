"""How records look in a terminal: tables a person can paste into a report."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from citewatch.analysis import metrics
from citewatch.analysis.run_sets import extraction_sets
from citewatch.models import Citation, Extraction

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


# What a page's text must never send to a terminal: C0 controls but tab and newline (ESC starts colour,
# cursor and OSC 8 hyperlink sequences), DEL and the C1 controls (0x9b is a one-byte CSI on some terminals).
# Lone surrogates cannot be encoded for any terminal: U+FFFD in text, a \u escape in JSON.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff]")


def terminal_safe(text: str) -> str:
    """Page-derived text, safe to print: control characters removed, lone surrogates replaced."""
    if not _TERMINAL_UNSAFE.search(text):
        return text
    return _TERMINAL_UNSAFE.sub(lambda found: "\ufffd" if found.group() >= "\ud800" else "", text)


def markup_safe(text: str) -> str:
    """Page-derived text to put inside a rich markup string: control characters removed, `[...]` escaped (a
    title like `[link=http://x]` would otherwise become a hyperlink)."""
    return escape(terminal_safe(text))


def cell(text: str | None) -> Text:
    """A table cell of page-derived text: shown as written, never read as markup."""
    return Text(terminal_safe(text or ""))


def terminal_json(payload: Any) -> str:
    """JSON for a terminal: the encoder escapes C0 controls itself; DEL, C1 controls and lone surrogates are
    escaped too (still valid JSON, the same value)."""
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def progress_bar(*, transient: bool = False) -> Progress:
    """The one progress bar style of every long command."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=transient)


def _visible(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def citation_title(citation: Citation, extraction: Extraction) -> str | None:
    """The citation's title, or, for a chip that shows none, the title of the source it points to."""
    if citation.title:
        return citation.title
    for source in extraction.sources:
        if source.title and citation.url and citation.url in (source.url, source.canonical_url):
            return source.title
        if source.title and citation.canonical_url and citation.canonical_url == source.canonical_url:
            return source.title
    return None


def citations_table(extraction: Extraction, *, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("#", "label", "domain", "title", "visible"):
        table.add_column(column, overflow="fold")
    for citation in extraction.citations:
        table.add_row(
            str(citation.position),
            cell(citation.label),
            cell(citation.domain),
            cell(citation_title(citation, extraction)),
            _visible(citation.visible),
        )
    return table


def sources_table(extraction: Extraction) -> Table:
    table = Table(title="Sources", title_justify="left")
    for column in ("#", "domain", "title", "cited", "url"):
        table.add_column(column, overflow="fold")
    for source in extraction.sources:
        table.add_row(
            str(source.position),
            cell(source.domain),
            cell(source.title),
            "yes" if source.cited else "no",
            cell(source.url),
        )
    return table


def answer_with_markers(extraction: Extraction) -> str:
    """The answer as the reader saw it, with [n] where each citation sits."""
    text = extraction.answer.text
    by_offset: dict[int, list[int]] = defaultdict(list)
    for citation in extraction.citations:
        if citation.char_start is not None:
            by_offset[citation.char_start].append(citation.position)
    pieces, last = [], 0
    for offset in sorted(by_offset):
        pieces.append(text[last:offset])
        pieces.append("".join(f"[{n}]" for n in by_offset[offset]))
        last = offset
    pieces.append(text[last:])
    return terminal_safe("".join(pieces))


def domain_frequency_table(extractions: Sequence[Extraction]) -> Table:
    """For each cited domain: in how many runs it appeared, at which positions, with which titles."""
    runs: dict[str, set[int]] = defaultdict(set)
    positions: dict[str, list[int]] = defaultdict(list)
    titles: dict[str, set[str]] = defaultdict(set)
    for run, extraction in enumerate(extractions):
        for citation in extraction.citations:
            if not citation.domain:
                continue
            runs[citation.domain].add(run)
            positions[citation.domain].append(citation.position)
            if found := citation_title(citation, extraction):
                titles[citation.domain].add(found)
    table = Table(title=f"Cited domains over {len(extractions)} runs", title_justify="left")
    for column in ("domain", "runs", "positions", "titles"):
        table.add_column(column, overflow="fold")
    for domain in sorted(runs, key=lambda d: (-len(runs[d]), d)):
        table.add_row(
            domain,
            f"{len(runs[domain])}/{len(extractions)}",
            ", ".join(str(p) for p in sorted(positions[domain])),
            "; ".join(sorted(titles[domain]))[:200],
        )
    return table


def stability_line(extractions: list[Extraction]) -> str:
    """How alike the cited domains D_r were across repeated runs of one prompt: the numbers `citewatch report`
    gives for the same runs (mean pairwise Jaccard, change rate)."""
    domains = [frozenset(extraction_sets(e).cited_domains) for e in extractions]
    pairwise, change = metrics.mean_pairwise_jaccard(domains), metrics.change_rate(domains)
    if pairwise is None or change is None:
        return f"Stability: {len(domains)} answered run(s), at least two are needed to compare runs"
    always = set.intersection(*map(set, domains))
    return (
        f"Stability over {len(domains)} runs: mean pairwise Jaccard of cited domains "
        f"{pairwise:.2f} (1.00 = the same domains every run), "
        f"change rate between consecutive runs {change:.2f}, "
        f"{len(always)} of {len(set().union(*domains))} domains cited in every run"
    )
