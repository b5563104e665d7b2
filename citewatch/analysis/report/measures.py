"""The metrics of one set of runs as report rows: item rows, brand rows, repeatability, runs needed, GEO
scores, and `section`, the one place a `Section` is put together.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import chain, pairwise

from citewatch.analysis import metrics
from citewatch.analysis.brands import BrandSet
from citewatch.analysis.report.results import BrandRow, Interval, ItemRow, Options, Repeatability, Run, Section

# Mean pairwise Jaccard costs C(n, 2) comparisons: above this many runs it is estimated on a seeded random
# sample of runs (the report says so), which keeps a year of hourly runs to a few milliseconds.
MAX_PAIRWISE_RUNS = 100

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


def days_since_first(runs: Sequence[Run]) -> list[float]:
    if not runs:
        return []
    origin = runs[0].started_at
    return [(r.started_at - origin).total_seconds() / 86400 for r in runs]


def item_rows(
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


def brand_rows_of(
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


def runs_needed_for(section_rates: Iterable[metrics.Proportion], margin: float) -> int | None:
    """Runs for a ± margin Wilson interval at the shown rate nearest 0.5 (the widest); None without rates."""
    rates = [p.value for p in section_rates if p.n]
    if not rates:
        return None
    return metrics.runs_needed(margin, min(rates, key=lambda p: abs(p - 0.5)))


def pawc_scores(runs: Sequence[Run]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
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


def retrieved_sets(runs: Sequence[Run]) -> list[frozenset[str]] | None:
    """S_r of every run when the engine showed any source it did not cite (it exposes retrieval), else None."""
    if not any(r.values.sources - set(r.values.cited_urls) for r in runs):
        return None
    return [r.values.sources for r in runs]


PawcScores = tuple[dict[str, list[float]], dict[str, list[float]]]


def with_share_ci(row: ItemRow, interval: tuple[float, float] | None) -> ItemRow:
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


def section(
    engine: str,
    prompt: str | None,
    *,
    prompts: int,
    times: Sequence[datetime],
    items: tuple[list[ItemRow], int, list[ItemRow], int],
    cited_given: tuple[Sequence[frozenset[str]] | None, Sequence[Sequence[str]]],
    serp: tuple[int, int, int],
    repeats: tuple[Repeatability | None, Repeatability | None, Repeatability | None],
    brand_rows: list[BrandRow] | None,
    options: Options,
) -> Section:
    """The one place a `Section` is put together, for a group (`prompt`) or an engine roll-up (None).

    `items` are the domain rows, distinct domains, URL rows and distinct URLs; `cited_given` the runs' retrieved
    sets (None where the engine shows none) and cited URL lists; `serp` the pooled organic overlap (k, n) and the
    runs with organic results; `repeats` the repeatability of domains, URLs and brands."""
    domain_rows, domains_cited, url_rows, urls_cited = items
    sources, urls = cited_given
    serp_k, serp_n, serp_runs = serp
    shown = [d.rate for d in domain_rows[: options.top]] + [b.mention_rate for b in brand_rows or []]
    return Section(
        engine=engine,
        prompt=prompt,
        runs=len(times),
        prompts=prompts,
        first=min(times, default=None),
        last=max(times, default=None),
        domains=domain_rows,
        urls=url_rows,
        domains_cited=domains_cited,
        urls_cited=urls_cited,
        domain_repeatability=repeats[0],
        url_repeatability=repeats[1],
        retrieved_vs_cited=None if sources is None else metrics.cited_given_retrieved(sources, [set(u) for u in urls]),
        serp_overlap=metrics.wilson_interval(serp_k, serp_n) if serp_n else None,
        serp_runs=serp_runs,
        runs_needed=runs_needed_for(shown, options.margin),
        margin=options.margin,
        brands=brand_rows,
        brand_repeatability=repeats[2],
    )
