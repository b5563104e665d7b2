"""The report as CSV rows: one per invisible prompt, then per section summary, domain, URL and brand."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from citewatch.analysis.report.results import Report, Section

CSV_COLUMNS = (
    "level",  # engine (a roll-up) or group (a prompt × engine)
    "engine",
    "prompt",
    "runs",
    "kind",  # summary, domain, url or brand
    "item",
    "k",
    "n",
    "rate",
    "ci95_low",
    "ci95_high",
    "citation_share",
    "citation_share_ci95_low",
    "citation_share_ci95_high",
    "pawc",
    "retrieved_runs",
    "cited_given_retrieved",
    "sov_mentions",
    "sov_mentions_ci95_low",
    "sov_mentions_ci95_high",
    "sov_answers",
    "sov_answers_ci95_low",
    "sov_answers_ci95_high",
    "average_rank",
    "position_weighted_visibility",
    "mean_pairwise_jaccard",
    "consecutive_jaccard",
    "consecutive_overlap",
    "change_rate",
    "persistence_days",
    "exact_repeat_set",
    "exact_repeat_ordered",
    "rank_rbo",
    "rank_tau",
    "retrieved_vs_cited",
    "serp_overlap",
    "runs_needed",
)


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _section_rows(level: str, s: Section, top: int | None) -> Iterator[dict[str, Any]]:
    base = {"level": level, "engine": s.engine, "prompt": s.prompt or "", "runs": s.runs}
    rep = s.domain_repeatability
    summary = {**base, "kind": "summary", "runs_needed": s.runs_needed or ""}
    if rep is not None:
        summary.update(
            mean_pairwise_jaccard=_f(rep.mean_pairwise_jaccard),
            consecutive_jaccard=_f(rep.consecutive_jaccard),
            consecutive_overlap=_f(rep.consecutive_overlap),
            change_rate=_f(rep.change_rate),
            persistence_days=_f(rep.persistence_days),
            exact_repeat_set=_f(rep.exact_repeat_set),
            exact_repeat_ordered=_f(rep.exact_repeat_ordered),
            rank_rbo=_f(rep.rank_rbo),
        )
    summary["retrieved_vs_cited"] = _f(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else ""
    summary["serp_overlap"] = _f(s.serp_overlap.value) if s.serp_overlap else ""
    yield summary
    for kind, rows in (("domain", s.domains), ("url", s.urls)):
        for r in rows[:top]:
            yield {
                **base,
                "kind": kind,
                "item": r.item,
                "k": r.rate.k,
                "n": r.rate.n,
                "rate": _f(r.rate.value),
                "ci95_low": _f(r.rate.low),
                "ci95_high": _f(r.rate.high),
                "citation_share": _f(r.citation_share),
                "citation_share_ci95_low": _f(r.share_ci95[0]) if r.share_ci95 else "",
                "citation_share_ci95_high": _f(r.share_ci95[1]) if r.share_ci95 else "",
                "pawc": _f(r.pawc),
                "retrieved_runs": r.retrieved.k if r.retrieved else "",
                "cited_given_retrieved": _f(r.cited_given_retrieved.value) if r.cited_given_retrieved else "",
            }
    brand_rep = s.brand_repeatability
    for b in s.brands or []:
        rate = b.mention_rate
        yield {
            **base,
            "kind": "brand",
            "item": b.brand,
            "k": rate.k,
            "n": rate.n,
            "rate": _f(rate.value),
            "ci95_low": _f(rate.low),
            "ci95_high": _f(rate.high),
            "sov_mentions": _f(b.sov_mentions),
            "sov_mentions_ci95_low": _f(b.sov_mentions_ci95[0]) if b.sov_mentions_ci95 else "",
            "sov_mentions_ci95_high": _f(b.sov_mentions_ci95[1]) if b.sov_mentions_ci95 else "",
            "sov_answers": _f(b.sov_answers),
            "sov_answers_ci95_low": _f(b.sov_answers_ci95[0]) if b.sov_answers_ci95 else "",
            "sov_answers_ci95_high": _f(b.sov_answers_ci95[1]) if b.sov_answers_ci95 else "",
            "average_rank": _f(b.average_rank),
            "position_weighted_visibility": _f(b.position_weighted),
            # the brand list's repeatability, on every brand row of the section
            "mean_pairwise_jaccard": _f(brand_rep.mean_pairwise_jaccard) if brand_rep else "",
            "change_rate": _f(brand_rep.change_rate) if brand_rep else "",
            "exact_repeat_set": _f(brand_rep.exact_repeat_set) if brand_rep else "",
            "exact_repeat_ordered": _f(brand_rep.exact_repeat_ordered) if brand_rep else "",
            "rank_rbo": _f(brand_rep.rank_rbo) if brand_rep else "",
            "rank_tau": _f(brand_rep.rank_tau) if brand_rep else "",
        }


def csv_rows(result: Report) -> Iterator[dict[str, Any]]:
    """One row per prompt where our brand is invisible (kind `invisible`), then per section summary, domain, URL
    and brand: engine roll-ups first, then every group."""
    ours = next((b.brand for g in result.groups for b in g.brands or [] if b.ours), "")
    for prompt in result.invisible_prompts():
        yield {"level": "prompt", "prompt": prompt, "kind": "invisible", "item": ours}
    for s in result.engines:
        yield from _section_rows("engine", s, result.top)
    for s in result.groups:
        yield from _section_rows("group", s, result.top)


def write_csv(result: Report, stream: TextIO, *, cell: Callable[[Any], Any] | None = None) -> None:
    """The rows with a header; `cell` rewrites each value on its way out (spreadsheet-safe cells)."""
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="raise")
    writer.writeheader()
    rows = csv_rows(result)
    writer.writerows(rows if cell is None else ({k: cell(v) for k, v in row.items()} for row in rows))


def write_csv_splits(by: str, results: Sequence[tuple[str | None, Report]], stream: TextIO) -> None:
    """Reports split by a stored value (`--by`): its value in a first column of every row."""
    writer = csv.DictWriter(stream, fieldnames=(by, *CSV_COLUMNS), extrasaction="raise")
    writer.writeheader()
    for value, result in results:
        writer.writerows({by: value, **row} for row in csv_rows(result))
