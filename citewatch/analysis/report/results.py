"""What a report is made of: its result types (sections, item and brand rows, repeatability, heat maps,
changes) and their JSON form. Plain data: no reading, no computing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citewatch.analysis import metrics
from citewatch.analysis.runs import RunValues

HEATMAP_ITEMS = 10  # its most cited domains (at most the --top the section kept)


@dataclass(frozen=True, slots=True)
class Options:
    """What a report computes beyond the defaults, and how much it keeps."""

    resamples: int = 0  # bootstrap resamples for share intervals; 0: none (they cost resamples × runs)
    margin: float = 0.10  # the ± half-width the runs-needed hint aims for
    top: int | None = 10  # domains and URLs kept per section (None: all)
    geo: bool = False  # GEO position-adjusted word counts: reads every answer's text

    heatmaps: bool = False  # keep, per group, which top domains each of its newest runs cited (HTML charts)
    workers: int | None = None  # processes building engines' parts side by side (None: one per core)
    parallel_from: int = 5000  # fewer runs than this are built in this process: forking would cost more

    @property
    def keep(self) -> int | None:
        return self.top


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _interval_json(interval: tuple[float, float] | None) -> list[float | None] | None:
    return None if interval is None else [_round(interval[0]), _round(interval[1])]


def _repeat_json(value: Repeatability | None) -> dict[str, Any] | None:
    return None if value is None else value.as_json()


def proportion_json(p: metrics.Proportion) -> dict[str, Any]:
    """k of n with its rate and interval; with n = 0 there is no rate (null), only the [0, 1] of knowing nothing."""
    return {"k": p.k, "n": p.n, "rate": _round(p.value) if p.n else None, "ci95": [_round(p.low), _round(p.high)]}


@dataclass(frozen=True, slots=True)
class Repeatability:
    """How much a sequence of runs (oldest first) repeats itself: X_r are cited domains or named brands.

    Every value compares runs with each other, so with one run there is nothing to compare: each is None
    (shown as "—", written as null beside the section's `runs`), never a perfect score.
    """

    mean_pairwise_jaccard: float | None  # None with one run, or where not computed (URL sets: C(n, 2) more)
    pairwise_runs: int  # runs the mean pairwise Jaccard was computed over (a sample above MAX_PAIRWISE_RUNS)
    consecutive_jaccard: float | None
    consecutive_overlap: float | None  # |X_{t−1} ∩ X_t| / |X_{t−1}|, the share of the earlier run's items kept
    change_rate: float | None
    persistence_days: float | None  # mean days a set lasted before it changed; None when it never changed
    exact_repeat_set: float | None
    exact_repeat_ordered: float | None
    rank_rbo: float | None  # mean rank-biased overlap (p = 0.9) of consecutive ordered lists
    rank_tau: float | None  # mean Kendall τ_b of consecutive ordered lists (None where undefined)

    def as_json(self) -> dict[str, Any]:
        return {
            "mean_pairwise_jaccard": _round(self.mean_pairwise_jaccard),
            "pairwise_runs": self.pairwise_runs,
            "consecutive_jaccard": _round(self.consecutive_jaccard),
            "consecutive_overlap": _round(self.consecutive_overlap),
            "change_rate": _round(self.change_rate),
            "persistence_days": _round(self.persistence_days),
            "exact_repeat_set": _round(self.exact_repeat_set),
            "exact_repeat_ordered": _round(self.exact_repeat_ordered),
            "rank_rbo": _round(self.rank_rbo),
            "rank_tau": _round(self.rank_tau),
        }


Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One cited domain or URL: how often runs cite it, its share of citations, what the engine retrieved."""

    item: str
    rate: metrics.Proportion  # runs citing it ÷ runs, Wilson 95 %
    citations: int  # runs citing it (each run counts an item once)
    citation_share: float  # citations ÷ all citations (Σ_r |X_r|)
    share_ci95: tuple[float, float] | None  # bootstrap, when asked for
    pawc: float | None  # mean GEO position-adjusted word count share over the runs citing it
    retrieved: metrics.Proportion | None  # runs listing it as a source ÷ runs (engines exposing retrieval)
    cited_given_retrieved: metrics.Proportion | None  # runs citing it ÷ runs listing it

    def as_json(self) -> dict[str, Any]:
        # Sections hold thousands of these: values that do not apply are left out rather than written as null.
        rate = self.rate
        row: dict[str, Any] = {
            "item": self.item,
            "k": rate.k,
            "n": rate.n,
            "rate": round(rate.k / rate.n, 4) if rate.n else 0.0,
            "ci95": [round(rate.low, 4), round(rate.high, 4)],
            "citation_share": round(self.citation_share, 4),
        }
        if self.share_ci95 is not None:
            row["citation_share_ci95"] = _interval_json(self.share_ci95)
        if self.pawc is not None:
            row["pawc"] = _round(self.pawc)
        if self.retrieved is not None:
            row["retrieved"] = proportion_json(self.retrieved)
        if self.cited_given_retrieved is not None:
            row["cited_given_retrieved"] = proportion_json(self.cited_given_retrieved)
        return row


@dataclass(frozen=True, slots=True)
class BrandRow:
    brand: str
    ours: bool
    mention_rate: metrics.Proportion
    # None when no answer names any tracked brand (0 / 0)
    sov_mentions: float | None  # labelled "share of voice (mentions)": mentions ÷ all tracked brands' mentions
    sov_answers: float | None  # labelled "share of voice (answers)": answers naming it ÷ answers naming any
    sov_mentions_ci95: tuple[float, float] | None
    sov_answers_ci95: tuple[float, float] | None
    answers_naming_any: int  # the n of share of voice by answers (its k is the mention rate's k)
    average_rank: float | None
    position_weighted: float
    rank_histogram: dict[str, int]
    position_bands: dict[str, int]
    cited_mentioned: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "ours": self.ours,
            "mention_rate": proportion_json(self.mention_rate),
            "sov_mentions": _round(self.sov_mentions),
            "sov_mentions_ci95": _interval_json(self.sov_mentions_ci95),
            "sov_answers": _round(self.sov_answers),
            "sov_answers_ci95": _interval_json(self.sov_answers_ci95),
            "average_rank": _round(self.average_rank, 2),
            "position_weighted_visibility": _round(self.position_weighted),
            "rank_histogram": self.rank_histogram,
            "position_bands": self.position_bands,
            "cited_mentioned": self.cited_mentioned,
        }


@dataclass(frozen=True, slots=True)
class Section:
    """Everything measured over one set of runs: a prompt × engine group, or an engine roll-up."""

    engine: str
    prompt: str | None  # None for a roll-up
    runs: int
    prompts: int
    first: datetime | None
    last: datetime | None
    domains: list[ItemRow]  # the most cited first; perhaps only the first few (see domains_cited)
    urls: list[ItemRow]
    domains_cited: int  # distinct domains the runs cited
    urls_cited: int
    domain_repeatability: Repeatability | None
    url_repeatability: Repeatability | None
    retrieved_vs_cited: metrics.Proportion | None  # pooled Σ|S ∩ C| / Σ|S|, engines exposing retrieval only
    serp_overlap: metrics.Proportion | None  # pooled share of cited URLs in the organic top 10
    serp_runs: int
    runs_needed: int | None  # for ± margin at the shown rate nearest 0.5
    margin: float
    brands: list[BrandRow] | None
    brand_repeatability: Repeatability | None

    def as_json(self, top: int | None = None) -> dict[str, Any]:
        return {
            "engine": self.engine,
            **({"prompt": self.prompt} if self.prompt is not None else {"prompts": self.prompts}),
            "runs": self.runs,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "runs_needed": {"margin": self.margin, "runs": self.runs_needed, "enough": self.enough},
            "repeatability": {
                "domains": _repeat_json(self.domain_repeatability),
                "urls": _repeat_json(self.url_repeatability),
            },
            "retrieved_vs_cited": None if self.retrieved_vs_cited is None else proportion_json(self.retrieved_vs_cited),
            "serp_overlap": (
                None if self.serp_overlap is None else {**proportion_json(self.serp_overlap), "runs": self.serp_runs}
            ),
            "domains_cited": self.domains_cited,
            "urls_cited": self.urls_cited,
            "domains": [d.as_json() for d in self.domains[:top]],
            "urls": [u.as_json() for u in self.urls[:top]],
            **(
                {}
                if self.brands is None
                else {
                    "brands": [b.as_json() for b in self.brands],
                    "brand_repeatability": _repeat_json(self.brand_repeatability),
                }
            ),
        }

    @property
    def enough(self) -> bool | None:
        return None if self.runs_needed is None else self.runs >= self.runs_needed


@dataclass(slots=True)
class Change:
    """What changed between each prompt's newest run and the run before it, over an engine's prompts.

    Only prompts with two runs or more are compared; `gained` counts, per domain, the prompts whose newest run
    cites it and whose previous run did not, `lost` the other way round."""

    compared: int = 0  # prompts with two runs or more
    changed: int = 0  # of those, prompts whose newest run cites another set of domains than the run before
    gained: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)

    def add(self, runs: Sequence[Run]) -> None:
        if len(runs) < 2:
            return
        before, newest = set(runs[-2].values.cited_domains), set(runs[-1].values.cited_domains)
        self.compared += 1
        self.changed += before != newest
        self.gained.update(newest - before)
        self.lost.update(before - newest)


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Which of a group's most cited domains each of its newest runs cited."""

    engine: str
    prompt: str
    runs: list[datetime]
    domains: list[str]
    cells: list[list[bool]]  # cells[run][domain]


@dataclass(slots=True)
class Report:
    filters: dict[str, Any]
    brands: list[str] | None
    top: int | None = 10  # items per section in outputs
    geo: bool = False
    resamples: int = 0
    groups: list[Section] = field(default_factory=list)
    engines: list[Section] = field(default_factory=list)
    # (engine, run index or ISO day, mean consecutive Jaccard of cited domains, pairs): stability charts
    by_run: dict[str, list[tuple[int, float, int]]] = field(default_factory=dict)
    by_day: dict[str, list[tuple[str, float, int]]] = field(default_factory=dict)
    heatmaps: list[Heatmap] = field(default_factory=list)
    changes: dict[str, Change] = field(default_factory=dict)  # per engine, for the HTML summary

    def invisible_prompts(self) -> list[str]:
        """The prompts on which our brand (`ours = true`) is named by no engine, in report order: what a client
        asks about first. Empty without a brand file that marks one of its brands as ours."""
        named: dict[str, bool] = {}
        for group in self.groups:
            ours = [b for b in group.brands or [] if b.ours]
            if ours and group.prompt is not None:
                named[group.prompt] = named.get(group.prompt, False) or any(b.mention_rate.k for b in ours)
        return [prompt for prompt, seen in named.items() if not seen]

    def as_json(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "brands": self.brands,
            "invisible_prompts": self.invisible_prompts(),
            "options": {"top": self.top, "geo": self.geo, "bootstrap_resamples": self.resamples},
            "engines": [s.as_json(self.top) for s in self.engines],
            "groups": [s.as_json(self.top) for s in self.groups],
            "stability": {
                engine: {
                    "by_run": [
                        {"run": i, "consecutive_jaccard": _round(v), "pairs": n} for i, v, n in self.by_run[engine]
                    ],
                    "by_day": [
                        {"day": d, "consecutive_jaccard": _round(v), "pairs": n} for d, v, n in self.by_day[engine]
                    ],
                }
                for engine in self.by_run
            },
        }


@dataclass(slots=True)
class Run:
    """One run as a report keeps it: when, and its per-run values."""

    started_at: datetime
    values: RunValues
    url_domains: dict[str, str]  # cited URL -> its registrable domain
    bands: dict[str, str | None]  # with brands: the band of each brand's first mention (None: not named)
