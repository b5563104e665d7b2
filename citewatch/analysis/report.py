"""The report: every metric of docs/metrics.md per prompt × engine (the window is the filter), rolled up per engine.

Reading is streamed. One query lists the answered runs (newest extraction of each answered capture) in
report order, one row per run: its cited URLs, domains, sources and organic results as stored with the
extraction (`run_lists`) or, with brands, gathered in SQL with where each citation sits, along with the
answer's text, blocks and highlighted names picked out of its stored record; each row becomes its
`RunValues` without validating the whole record. A prompt × engine group is summarised
as soon as its last run arrives; an engine roll-up keeps a few compact values per run (cited domains and
URLs, brands named), never ORM rows or whole extractions.

Roll-ups pool the runs of every prompt of an engine for rates and shares (runs citing a domain ÷ all runs of
the engine), and average the per-prompt repeatability values, since two runs of different prompts are not
reruns of each other. Bootstrap intervals of roll-ups resample prompts, not answers, for the same reason.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import multiprocessing
import os
import queue
import random
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, pairwise
from typing import Any, NamedTuple

from sqlalchemy import text

from citewatch.analysis import metrics
from citewatch.analysis.brands import BrandMention, BrandSet, Memo, mentions_in, named_brands
from citewatch.analysis.run_sets import Parts
from citewatch.analysis.runs import RunValues, run_values
from citewatch.models import Extraction
from citewatch.storage import run_lists
from citewatch.storage import tables as t
from citewatch.storage.queries import (
    RECORD,
    UNIT,
    RunFilter,
    answer_parts,
    answered_engines,
    cited_lists,
    prompt_texts,
    stored_lists,
)
from citewatch.storage.repository import Store

# Mean pairwise Jaccard costs C(n, 2) comparisons: above this many runs it is estimated on a seeded random
# sample of runs (the report says so), which keeps a year of hourly runs to a few milliseconds.
MAX_PAIRWISE_RUNS = 100
HEATMAP_RUNS = 40  # the newest runs of a group a heat map shows
HEATMAP_ITEMS = 10  # its most cited domains (at most the --top the section kept)
STREAM_BATCH = 5000

# --------------------------------------------------------------------------------------------- the values


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


# Consecutive runs' ordered lists come back again and again over a report's groups (the same few domains or
# brands in the same order), so their rank comparisons are kept rather than computed again.
_rank_biased_overlap = functools.lru_cache(maxsize=1 << 16)(metrics.rank_biased_overlap)
_kendall_tau_b = functools.lru_cache(maxsize=1 << 16)(metrics.kendall_tau_b)
# Item rows ask for the interval of the same few (k, n) over and over (n is a group's run count).
_wilson_interval = functools.lru_cache(maxsize=1 << 16)(metrics.wilson_interval)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def repeatability(
    lists: Sequence[Sequence[str]], days: Sequence[float], *, ranks: bool = True, pairwise_mean: bool = True
) -> Repeatability:
    """Every repeatability metric of one run sequence; `days` are the runs' times in days (any origin).

    `ranks` adds rank stability between consecutive runs' ordered lists (rank-biased overlap); `pairwise_mean`
    the mean pairwise Jaccard, over a seeded sample of MAX_PAIRWISE_RUNS runs when there are more.
    """
    sets = [frozenset(items) for items in lists]
    sample = sets
    if len(sets) > MAX_PAIRWISE_RUNS:
        sample = random.Random(0).sample(sets, MAX_PAIRWISE_RUNS)
    mean_pairwise = metrics.mean_pairwise_jaccard(sample) if pairwise_mean else None
    return Repeatability(
        mean_pairwise_jaccard=mean_pairwise,
        pairwise_runs=len(sample) if mean_pairwise is not None else 0,
        consecutive_jaccard=metrics.consecutive_overlap(sets),
        consecutive_overlap=metrics.consecutive_overlap(sets, metrics.overlap),
        change_rate=metrics.change_rate(sets),
        persistence_days=metrics.persistence(sets, days),
        exact_repeat_set=metrics.exact_repeat_probability(lists),
        exact_repeat_ordered=metrics.exact_repeat_probability(lists, ordered=True),
        rank_rbo=_mean(_rank_biased_overlap(tuple(a), tuple(b)) for a, b in pairwise(lists)) if ranks else None,
        rank_tau=None,
    )


def brand_repeatability(lists: Sequence[Sequence[str]], days: Sequence[float]) -> Repeatability:
    """`repeatability` of brand orders, with Kendall's τ_b between consecutive orders as well."""
    base = repeatability(lists, days)
    tau = _mean(_kendall_tau_b(tuple(a), tuple(b)) for a, b in pairwise(lists))
    return dataclasses.replace(base, rank_tau=tau)


def mean_repeatability(parts: Sequence[Repeatability]) -> Repeatability | None:
    """The roll-up: each value averaged over the prompts that define it (a prompt with one run defines none)."""
    if not parts:
        return None

    def avg(name: str) -> float | None:
        return _mean(getattr(p, name) for p in parts)

    return Repeatability(
        mean_pairwise_jaccard=avg("mean_pairwise_jaccard"),
        pairwise_runs=sum(p.pairwise_runs for p in parts),
        consecutive_jaccard=avg("consecutive_jaccard"),
        consecutive_overlap=avg("consecutive_overlap"),
        change_rate=avg("change_rate"),
        persistence_days=avg("persistence_days"),
        exact_repeat_set=avg("exact_repeat_set"),
        exact_repeat_ordered=avg("exact_repeat_ordered"),
        rank_rbo=avg("rank_rbo"),
        rank_tau=avg("rank_tau"),
    )


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


# ------------------------------------------------------------------------------------------ computations


@dataclass(slots=True)
class Run:
    """One run as a report keeps it: when, and its per-run values."""

    started_at: datetime
    values: RunValues
    url_domains: dict[str, str]  # cited URL -> its registrable domain
    bands: dict[str, str | None]  # with brands: the band of each brand's first mention (None: not named)


def _days(runs: Sequence[Run]) -> list[float]:
    if not runs:
        return []
    origin = runs[0].started_at
    return [(r.started_at - origin).total_seconds() / 86400 for r in runs]


def _items(
    lists: Sequence[Sequence[str]],
    *,
    pawc: dict[str, list[float]] | None = None,
    sources: Sequence[frozenset[str]] | None = None,
    resamples: int = 0,
    top: int | None = None,
    keep: int | None = None,
) -> tuple[list[ItemRow], int]:
    """Citation rate, share, GEO impression and retrieval of the `keep` most cited items (all when None), most
    cited first, and how many items were cited; bootstrap intervals for the `top` first when `resamples`.

    Counted in one pass: k = |{r : u ∈ X_r}| (each run lists an item once), rate = Wilson(k, n), share =
    k / Σ_r |X_r|; the same values as `metrics.rate` and `metrics.citation_share` on distinct lists, without
    their n × items scans. Retrieval (engines exposing retrieved sources): Wilson(|{r : u ∈ S_r}|, n) and
    `cited_given_retrieved` = |{r : u ∈ S_r ∩ X_r}| / |{r : u ∈ S_r}|.
    """
    n = len(lists)
    runs_citing: Counter[str] = Counter(chain.from_iterable(lists))  # each list holds an item once (U_r, D_r)
    total = sum(map(len, lists))
    listed: Counter[str] = Counter()
    listed_and_cited: Counter[str] = Counter()
    if sources is not None:
        listed = Counter(chain.from_iterable(sources))
        both = (shown.intersection(items) for items, shown in zip(lists, sources, strict=True))
        listed_and_cited = Counter(chain.from_iterable(both))
    ranked = sorted(runs_citing, key=lambda item: (-runs_citing[item], item))
    rows = []
    for index, item in enumerate(ranked[:keep]):
        share_ci = None
        if resamples and (top is None or index < top):
            share_ci = metrics.citation_share_interval(lists, item, resamples=resamples)
        geo = pawc.get(item) if pawc else None
        rows.append(
            ItemRow(
                item=item,
                rate=_wilson_interval(runs_citing[item], n),
                citations=runs_citing[item],
                citation_share=runs_citing[item] / total if total else 0.0,
                share_ci95=share_ci,
                pawc=sum(geo) / len(geo) if geo else None,
                retrieved=None if sources is None else _wilson_interval(listed[item], n),
                cited_given_retrieved=(
                    None if sources is None else _wilson_interval(listed_and_cited[item], listed[item])
                ),
            )
        )
    return rows, len(ranked)


Interval = tuple[float, float]


def _brand_rows(
    named: Sequence[tuple[str, ...]],
    cited: Sequence[frozenset[str]],
    bands: Sequence[Mapping[str, str | None]],
    brands: BrandSet,
    intervals: Callable[[str], tuple[Interval | None, Interval | None]] | None,
) -> list[BrandRow]:
    """Per brand: B_r are `named`, the brands whose own domain each run cites `cited`, the band of each
    brand's first mention `bands`; `intervals` gives the two share-of-voice bootstrap intervals, if asked."""
    named_sets = [set(b) for b in named]
    answers_naming_any = sum(map(bool, named_sets))
    rows = []
    for brand in brands.brand:
        name = brand.name
        sov = metrics.share_of_voice(named, name)
        rate = metrics.rate(named_sets, name)
        average = metrics.average_rank(named, name)
        by_mentions, by_answers = intervals(name) if intervals else (None, None)
        rows.append(
            BrandRow(
                brand=name,
                ours=brand.ours,
                mention_rate=rate,
                sov_mentions=sov.by_mentions,
                sov_answers=sov.by_answers,
                sov_mentions_ci95=by_mentions,
                sov_answers_ci95=by_answers,
                answers_naming_any=answers_naming_any,
                average_rank=average,
                position_weighted=metrics.position_weighted_visibility(rate.value, average),
                rank_histogram=metrics.rank_histogram(named, name),
                position_bands=metrics.position_bands([b.get(name) for b in bands]),
                cited_mentioned=metrics.cited_mentioned([name in s for s in named_sets], [name in c for c in cited]),
            )
        )
    return rows


def _runs_needed(section_rates: Iterable[metrics.Proportion], margin: float) -> int | None:
    """Runs for a ± margin Wilson interval at the shown rate nearest 0.5 (the widest); None without rates."""
    rates = [p.value for p in section_rates if p.n]
    if not rates:
        return None
    return metrics.runs_needed(margin, min(rates, key=lambda p: abs(p - 0.5)))


def _pawc(runs: Sequence[Run]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """GEO position-adjusted word count share of every cited URL and domain, per run that cites it."""
    by_url: dict[str, list[float]] = defaultdict(list)
    by_domain: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        if not run.values.cited_urls:
            continue
        scores = metrics.geo_impression(run.values.sentences, run.values.cited_urls)
        per_domain: dict[str, float] = defaultdict(float)
        for url, score in scores.items():
            by_url[url].append(score)
            if domain := run.url_domains.get(url):
                per_domain[domain] += score
        for domain, score in per_domain.items():
            by_domain[domain].append(score)
    return by_url, by_domain


def _retrieval(runs: Sequence[Run]) -> list[frozenset[str]] | None:
    """S_r of every run when the engine showed any source it did not cite (it exposes retrieval), else None."""
    if not any(r.values.sources - set(r.values.cited_urls) for r in runs):
        return None
    return [r.values.sources for r in runs]


def _bands(values: RunValues, brands: BrandSet) -> dict[str, str | None]:
    first = values.first_bands()
    return {brand.name: first.get(brand.name) for brand in brands.brand}


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


PawcScores = tuple[dict[str, list[float]], dict[str, list[float]]]


def summarise_group(
    engine: str,
    prompt: str,
    runs: Sequence[Run],
    brands: BrandSet | None = None,
    options: Options = Options(),
    pawc: PawcScores | None = None,
) -> Section:
    """Every metric of one prompt × engine over its runs (oldest first). Bootstrap intervals resample answers.
    `pawc` are the runs' GEO scores when already computed (with `options.geo`)."""
    resamples, top = options.resamples, options.top
    domains = [r.values.cited_domains for r in runs]
    urls = [r.values.cited_urls for r in runs]
    days = _days(runs)
    pawc_urls, pawc_domains = pawc or (_pawc(runs) if options.geo else ({}, {}))
    sources = _retrieval(runs)
    domain_rows, domains_cited = _items(domains, pawc=pawc_domains, resamples=resamples, top=top, keep=options.keep)
    url_rows, urls_cited = _items(
        urls, pawc=pawc_urls, sources=sources, resamples=resamples, top=top, keep=options.keep
    )
    serp = [metrics.serp_overlap(r.values.cited_urls, r.values.organic_urls) for r in runs if r.values.organic_urls]
    serp_n = sum(p.n for p in serp)  # cited URLs of the runs with organic results: 0 leaves the overlap undefined
    brand_rows = None
    if brands is not None:
        named = [r.values.brands for r in runs]

        def intervals(name: str) -> tuple[Interval | None, Interval | None]:
            return (
                metrics.share_of_voice_interval(named, name, by="mentions", resamples=resamples),
                metrics.share_of_voice_interval(named, name, by="answers", resamples=resamples),
            )

        brand_rows = _brand_rows(
            named,
            [r.values.cited_brands for r in runs],
            [r.bands for r in runs],
            brands,
            intervals if resamples else None,
        )
    shown = [d.rate for d in domain_rows[:top]] + [b.mention_rate for b in brand_rows or []]
    return Section(
        engine=engine,
        prompt=prompt,
        runs=len(runs),
        prompts=1,
        first=runs[0].started_at if runs else None,
        last=runs[-1].started_at if runs else None,
        domains=domain_rows,
        urls=url_rows,
        domains_cited=domains_cited,
        urls_cited=urls_cited,
        domain_repeatability=repeatability(domains, days),
        url_repeatability=repeatability(urls, days, ranks=False, pairwise_mean=False),
        retrieved_vs_cited=None if sources is None else metrics.cited_given_retrieved(sources, [set(u) for u in urls]),
        serp_overlap=metrics.wilson_interval(sum(p.k for p in serp), serp_n) if serp_n else None,
        serp_runs=len(serp),
        runs_needed=_runs_needed(shown, options.margin),
        margin=options.margin,
        brands=brand_rows,
        brand_repeatability=brand_repeatability([r.values.brands for r in runs], days) if brands is not None else None,
    )


@dataclass(slots=True)
class _Compact:
    """What an engine roll-up keeps of each run."""

    started_at: datetime
    domains: tuple[str, ...]
    urls: tuple[str, ...]
    sources: frozenset[str]
    brands: tuple[str, ...]
    cited_brands: frozenset[str]
    bands: dict[str, str | None]


def _sum_cell() -> list[float]:
    return [0.0, 0.0]


@dataclass(slots=True)
class _EngineRollup:
    """An engine's runs over all its prompts, gathered group by group."""

    engine: str
    runs: list[_Compact] = field(default_factory=list)
    groups: list[Section] = field(default_factory=list)
    pawc_urls: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    pawc_domains: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    serp_k: int = 0
    serp_n: int = 0
    serp_runs: int = 0
    retrieval: bool = False
    # mean consecutive Jaccard of cited domains by run index within its prompt, and by day (UTC)
    by_run_index: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(_sum_cell))
    by_day: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(_sum_cell))
    # each prompt's cited-domain lists and brand lists: bootstrap intervals of roll-ups resample prompts
    prompt_lists: list[tuple[list[tuple[str, ...]], list[tuple[str, ...]]]] = field(default_factory=list)

    def add(self, section: Section, runs: Sequence[Run], pawc: PawcScores | None) -> None:
        self.groups.append(section)
        self.retrieval = self.retrieval or section.retrieved_vs_cited is not None
        for index, run in enumerate(runs):
            v = run.values
            self.runs.append(
                _Compact(run.started_at, v.cited_domains, v.cited_urls, v.sources, v.brands, v.cited_brands, run.bands)
            )
            if index:
                similarity = metrics.jaccard(set(runs[index - 1].values.cited_domains), set(v.cited_domains))
                for cell in (self.by_run_index[index + 1], self.by_day[run.started_at.date().isoformat()]):
                    cell[0] += similarity
                    cell[1] += 1
        by_url, by_domain = pawc or ({}, {})
        for url, scores in by_url.items():
            self.pawc_urls[url] += scores
        for domain, scores in by_domain.items():
            self.pawc_domains[domain] += scores
        if section.serp_overlap is not None:
            self.serp_k += section.serp_overlap.k
            self.serp_n += section.serp_overlap.n
            self.serp_runs += section.serp_runs
        self.prompt_lists.append(([r.values.cited_domains for r in runs], [r.values.brands for r in runs]))

    def finish(self, brands: BrandSet | None, options: Options) -> Section:
        resamples, top, margin = options.resamples, options.top, options.margin
        runs = self.runs
        domains = [r.domains for r in runs]
        urls = [r.urls for r in runs]
        sources = [r.sources for r in runs] if self.retrieval else None
        domain_rows, domains_cited = _items(domains, pawc=self.pawc_domains, keep=options.keep)
        url_rows, urls_cited = _items(urls, pawc=self.pawc_urls, sources=sources, keep=options.keep)
        bootstrap = resamples > 0 and len(self.prompt_lists) > 1  # one prompt: nothing to resample
        if bootstrap:
            limit = len(domain_rows) if top is None else top
            domain_rows = [
                _with_share_ci(row, self._share_interval(row.item, resamples)) if i < limit else row
                for i, row in enumerate(domain_rows)
            ]
        brand_rows = None
        if brands is not None:
            brand_rows = _brand_rows(
                [r.brands for r in runs],
                [r.cited_brands for r in runs],
                [r.bands for r in runs],
                brands,
                functools.partial(self._sov_intervals, resamples=resamples) if bootstrap else None,
            )
        shown = [d.rate for d in domain_rows[:top]] + [b.mention_rate for b in brand_rows or []]

        def mean_of(name: str) -> Repeatability | None:
            return mean_repeatability([r for g in self.groups if (r := getattr(g, name)) is not None])

        return Section(
            engine=self.engine,
            prompt=None,
            runs=len(runs),
            prompts=len(self.groups),
            first=min((r.started_at for r in runs), default=None),
            last=max((r.started_at for r in runs), default=None),
            domains=domain_rows,
            urls=url_rows,
            domains_cited=domains_cited,
            urls_cited=urls_cited,
            domain_repeatability=mean_of("domain_repeatability"),
            url_repeatability=mean_of("url_repeatability"),
            retrieved_vs_cited=(
                None if sources is None else metrics.cited_given_retrieved(sources, [set(u) for u in urls])
            ),
            serp_overlap=metrics.wilson_interval(self.serp_k, self.serp_n) if self.serp_n else None,
            serp_runs=self.serp_runs,
            runs_needed=_runs_needed(shown, margin),
            margin=margin,
            brands=brand_rows,
            brand_repeatability=mean_of("brand_repeatability") if brands is not None else None,
        )

    def _share_interval(self, domain: str, resamples: int) -> Interval | None:
        """A domain's citation share over the engine, resampling prompts: Σ_prompt k / Σ_prompt Σ_r |D_r|."""
        numerators = [float(sum(domain in d for d in lists)) for lists, _ in self.prompt_lists]
        denominators = [float(sum(len(d) for d in lists)) for lists, _ in self.prompt_lists]
        return metrics.bootstrap_ratio(numerators, denominators, resamples=resamples)

    def _sov_intervals(self, name: str, resamples: int) -> tuple[Interval | None, Interval | None]:
        """Both share-of-voice variants over the engine, resampling prompts (per-prompt sums of each term)."""
        numerators = [float(sum(name in b for b in lists)) for _, lists in self.prompt_lists]
        mentions = [float(sum(len(set(b)) for b in lists)) for _, lists in self.prompt_lists]
        answers = [float(sum(bool(b) for b in lists)) for _, lists in self.prompt_lists]
        return (
            metrics.bootstrap_ratio(numerators, mentions, resamples=resamples),
            metrics.bootstrap_ratio(numerators, answers, resamples=resamples),
        )


def _with_share_ci(row: ItemRow, interval: tuple[float, float] | None) -> ItemRow:
    return ItemRow(
        item=row.item,
        rate=row.rate,
        citations=row.citations,
        citation_share=row.citation_share,
        share_ci95=interval,
        pawc=row.pawc,
        retrieved=row.retrieved,
        cited_given_retrieved=row.cited_given_retrieved,
    )


def _heatmap(engine: str, prompt: str, section: Section, runs: Sequence[Run]) -> Heatmap:
    newest = runs[-HEATMAP_RUNS:]
    domains = [d.item for d in section.domains[:HEATMAP_ITEMS]]  # as many as the section kept
    return Heatmap(
        engine=engine,
        prompt=prompt,
        runs=[r.started_at for r in newest],
        domains=domains,
        cells=[[d in r.values.cited_domains for d in domains] for r in newest],
    )


# --------------------------------------------------------------------------------------------- reading


def _position(row: list[str]) -> int:
    return int(row[0])


def _split(joined: str | None) -> list[list[str]]:
    """A list aggregated by `cited_lists`, back in position order."""
    if not joined:
        return []
    rows = [row.split(UNIT) for row in joined.split(RECORD)]
    if len(rows) > 1:
        rows.sort(key=_position)
    return rows


@dataclass(slots=True)
class _Block:  # not a NamedTuple: its `index` would shadow `tuple.index`
    index: int
    kind: str
    text: str


class _Marker(NamedTuple):
    """A citation as `cited_lists` gives it: its URL is already the canonical one where there is one."""

    kind: str
    char_start: int | None
    url: str
    canonical_url: str
    domain: str


class _Highlight(NamedTuple):
    text: str
    block_index: int
    char_start: int
    list_rank: int | None


def lean_values(
    citations: str | None,
    sources: str | None,
    organic: str | None,
    memo: Memo | None = None,
    answer: Sequence[Any] = (),
) -> RunValues:
    """The RunValues of one run from its lists aggregated in SQL (`cited_lists`): U_r, D_r, S_r and the organic
    results as `run_sets` defines them; no GEO sentences. With a brand set's `memo`, `answer` is what
    `answer_parts` read (text, blocks, highlighted names), the citation lists carry their placements, and B_r and
    the mentions are `match_mentions` of the same parts, without validating the whole stored record."""
    citation_rows = _split(citations)
    shown = [(row[1], row[2], row[3] == "1") for row in _split(sources)]
    parts = Parts([(row[1], row[2]) for row in citation_rows], shown, [row[1] for row in _split(organic)])
    targets, lists = parts.targets(), parts.sets()
    mentions: list[BrandMention] = []
    cited: frozenset[str] = frozenset()
    if memo is not None:
        text, blocks, highlights = answer
        cited = memo.cited(targets)
        mentions = mentions_in(
            text,
            [_Block(b["index"], b["kind"], b["text"]) for b in blocks or ()],
            [_Marker(row[3], int(row[4]) if row[4] else None, row[1], row[1], row[2]) for row in citation_rows],
            [_Highlight(m["text"], m["block_index"], m["char_start"], m.get("list_rank")) for m in highlights or ()],
            cited,
            memo,
        )
    return RunValues(
        brands=tuple(named_brands(mentions)),
        mentions=tuple(mentions),
        cited_brands=cited,
        cited_urls=lists.cited_urls,
        cited_domains=lists.cited_domains,
        sources=frozenset(lists.sources),
        sentences=(),
        organic_urls=lists.organic_urls,
    )


_NOTHING: frozenset[str] = frozenset()


def stored_values(urls: str, domains: str, sources: str, organic: str) -> RunValues:
    """The RunValues of one run from its stored `run_lists` row (no brands, no GEO sentences)."""
    unpack = run_lists.unpack
    return RunValues(
        brands=(),
        mentions=(),
        cited_brands=_NOTHING,
        cited_urls=tuple(unpack(urls)),
        cited_domains=tuple(unpack(domains)),
        sources=frozenset(unpack(sources)),
        sentences=(),
        organic_urls=tuple(unpack(organic)),
    )


def _url_domains(citations: str | None, sources: str | None) -> dict[str, str]:
    return {row[1]: row[2] for joined in (sources, citations) for row in _split(joined) if row[1] and row[2]}


def _rows(store: Store, query: Any) -> Iterator[Any]:
    with store.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            # SQLite's cursor already steps through the result row by row: buffering it again only costs time.
            yield from connection.execute(query)
            return
        # The planner prices a brand report's correlated list subqueries at millions, so PostgreSQL would
        # JIT-compile the query: compiling costs more than the whole scan (0.7 s of 1.6 s on 100,000 runs).
        connection.execute(text("SET LOCAL jit = off"))
        streamed = connection.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(query)
        yield from _read_ahead(streamed.partitions())


def _read_ahead(batches: Iterator[Sequence[Any]]) -> Iterator[Any]:
    """The rows of `batches`, fetched by a helper thread a batch or two ahead of the caller. PostgreSQL runs a
    batch's correlated subqueries as it is fetched, so the server works on the next rows (on another core)
    while the report summarises these; the thread waits on the network without holding the GIL."""
    ready: queue.Queue[Sequence[Any] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: Sequence[Any] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
            put(exc)

    thread = threading.Thread(target=fetch, name="report-rows", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()  # the reader stopped early (an error, or the caller closed it): the thread must not wait on it
        thread.join()


def iter_runs(
    store: Store, where: RunFilter, brands: BrandSet | None = None, *, geo: bool = False
) -> Iterator[tuple[str, str, list[Run]]]:
    """(engine, prompt, runs oldest first) per prompt × engine, streamed from SQL.

    A run is one row: its `run_lists`, stored with its extraction (`stored_values`). Brands need where each
    citation sits: then its citations, sources and organic results are gathered in SQL with the answer's text,
    blocks and highlighted names (`lean_values`). GEO reads the whole answer: then each run's stored record is
    validated and goes through `run_values`, which costs far more per run.
    """
    with store.engine.connect() as connection:
        prompts: dict[int, str] = {row[0]: row[1] for row in connection.execute(prompt_texts(where))}
    run: Callable[[Any], Run]
    if geo:
        query, run = cited_lists(where, record=(t.ExtractionRow.data,)), functools.partial(_geo_run, brands)
    elif brands is not None:
        query = cited_lists(where, placements=True, record=answer_parts())
        run = functools.partial(_brand_run, brands, brands.memo())
    else:
        query, run = stored_lists(where), _stored_run
    key: tuple[str, int] | None = None
    group: list[Run] = []
    for row in _rows(store, query):
        if (row[0], row[1]) != key:
            if key is not None:
                yield key[0], prompts.get(key[1], ""), group
            key, group = (row[0], row[1]), []
        group.append(run(row))
    if key is not None:
        yield key[0], prompts.get(key[1], ""), group


def _stored_run(row: Any) -> Run:
    _engine, _prompt_id, _capture_id, started_at, urls, domains, sources, organic = row
    return Run(started_at, stored_values(urls, domains, sources, organic), {}, {})


def _brand_run(brands: BrandSet, memo: Memo, row: Any) -> Run:
    _engine, _prompt_id, _capture_id, started_at, citations, sources, organic, *answer = row
    values = lean_values(citations, sources, organic, memo, answer)
    return Run(started_at, values, {}, _bands(values, brands))


def _geo_run(brands: BrandSet | None, row: Any) -> Run:
    _engine, _prompt_id, _capture_id, started_at, citations, sources, _organic, record = row
    values = run_values(Extraction.model_validate(record), brands)
    bands = _bands(values, brands) if brands is not None else {}
    return Run(started_at, values, _url_domains(citations, sources), bands)


@contextmanager
def gc_paused() -> Iterator[None]:
    """A report allocates a few small objects per run and frees none until the end, which makes the cyclic
    garbage collector rescan a growing heap again and again (a third of the time on 100,000 runs). Nothing
    in a report makes reference cycles, so collection is paused while one is built and written."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def build_report(
    store: Store, where: RunFilter, brands: BrandSet | None = None, options: Options = Options()
) -> Report:
    """The whole report: one section per prompt × engine, one roll-up per engine, chart series."""
    report = Report(
        filters=where.labels,
        brands=[b.name for b in brands.brand] if brands else None,
        top=options.top,
        geo=options.geo,
        resamples=options.resamples,
    )
    with gc_paused():
        with store.engine.connect() as connection:
            runs_per_engine: dict[str, int] = dict(connection.execute(answered_engines(where)).all())
        parts = _engine_parts(store, where, brands, options, runs_per_engine)
        for part in sorted(parts, key=lambda part: part.engine):
            report.groups += part.groups
            report.heatmaps += part.heatmaps
            report.engines.append(part.rollup)
            report.by_run[part.engine] = part.by_run
            report.by_day[part.engine] = part.by_day
            report.changes[part.engine] = part.change
    return report


@dataclass(slots=True)
class _EnginePart:
    """One engine's share of a report: its groups in report order, its roll-up and its stability series."""

    engine: str
    groups: list[Section]
    heatmaps: list[Heatmap]
    rollup: Section
    by_run: list[tuple[int, float, int]]
    by_day: list[tuple[str, float, int]]
    change: Change


def engine_part(store: Store, where: RunFilter, engine: str, brands: BrandSet | None, options: Options) -> _EnginePart:
    """The part of the report about one engine: nothing in it depends on another engine's runs."""
    rollup = _EngineRollup(engine)
    groups: list[Section] = []
    heatmaps: list[Heatmap] = []
    change = Change()
    for _, prompt, runs in iter_runs(store, dataclasses.replace(where, engine=engine), brands, geo=options.geo):
        pawc = _pawc(runs) if options.geo else None
        section = summarise_group(engine, prompt, runs, brands, options, pawc)
        groups.append(section)
        if options.heatmaps:
            heatmaps.append(_heatmap(engine, prompt, section, runs))
        rollup.add(section, runs, pawc)
        change.add(runs)
    return _EnginePart(
        engine=engine,
        groups=groups,
        heatmaps=heatmaps,
        rollup=rollup.finish(brands, options),
        by_run=[(i, s / n, int(n)) for i, (s, n) in sorted(rollup.by_run_index.items())],
        by_day=[(d, s / n, int(n)) for d, (s, n) in sorted(rollup.by_day.items())],
        change=change,
    )


def _engine_parts(
    store: Store, where: RunFilter, brands: BrandSet | None, options: Options, runs_per_engine: Mapping[str, int]
) -> Iterator[_EnginePart]:
    """Each engine's part, built side by side in forked processes when there are several engines, several cores
    and enough runs to be worth a process.

    Fork, because a child then starts with the store, the brand set and every import in place: it only opens
    its own connections (a pooled one must not be shared across processes). Elsewhere (macOS, Windows, where
    fork is unsafe or missing) and with one worker, the parts are built here one after the other; the report
    is the same either way.
    """
    engines = list(runs_per_engine)  # the most runs first: the pool then balances the rest
    workers = min(len(engines), options.workers or os.cpu_count() or 1)
    if workers < 2 or sys.platform != "linux" or sum(runs_per_engine.values()) < options.parallel_from:
        for engine in engines:
            yield engine_part(store, where, engine, brands, options)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_inherit, initargs=(store, where, brands, options)
    ) as pool:
        yield from pool.map(_forked_part, engines)


# What a forked worker inherits from the report that forked it, set once per worker by `_inherit`: a pool's
# per-worker state lives in the worker's globals.
_inherited: list[tuple[Store, RunFilter, BrandSet | None, Options]] = []


def _inherit(store: Store, where: RunFilter, brands: BrandSet | None, options: Options) -> None:
    store.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    _inherited.append((store, where, brands, options))


def _forked_part(engine: str) -> _EnginePart:
    store, where, brands, options = _inherited[-1]
    return engine_part(store, where, engine, brands, options)
