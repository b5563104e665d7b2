"""Orchestration of one engine's part of a report: each prompt × engine group summarised as its last run
arrives, and the engine roll-up gathered from compact values per run.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from citewatch.analysis import metrics
from citewatch.analysis.brands import BrandSet
from citewatch.analysis.report.measures import (
    PawcScores,
    brand_repeatability,
    brand_rows_of,
    days_since_first,
    item_rows,
    mean_repeatability,
    pawc_scores,
    repeatability,
    retrieved_sets,
    section,
    with_share_ci,
)
from citewatch.analysis.report.reading import iter_runs
from citewatch.analysis.report.results import (
    HEATMAP_ITEMS,
    Change,
    Heatmap,
    Interval,
    Options,
    Repeatability,
    Run,
    Section,
)
from citewatch.storage.queries import RunFilter
from citewatch.storage.repository import Store

HEATMAP_RUNS = 40  # the newest runs of a group a heat map shows


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
    days = days_since_first(runs)
    pawc_urls, pawc_domains = pawc or (pawc_scores(runs) if options.geo else ({}, {}))
    sources = retrieved_sets(runs)
    domain_rows, domains_cited = item_rows(domains, pawc=pawc_domains, resamples=resamples, top=top, keep=options.keep)
    url_rows, urls_cited = item_rows(
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

        brand_rows = brand_rows_of(
            named,
            [r.values.cited_brands for r in runs],
            [r.bands for r in runs],
            brands,
            intervals if resamples else None,
        )
    return section(
        engine,
        prompt,
        prompts=1,
        times=[r.started_at for r in runs],
        items=(domain_rows, domains_cited, url_rows, urls_cited),
        cited_given=(sources, urls),
        serp=(sum(p.k for p in serp), serp_n, len(serp)),
        repeats=(
            repeatability(domains, days),
            repeatability(urls, days, ranks=False, pairwise_mean=False),
            brand_repeatability([r.values.brands for r in runs], days) if brands is not None else None,
        ),
        brand_rows=brand_rows,
        options=options,
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
        resamples, top = options.resamples, options.top
        runs = self.runs
        domains = [r.domains for r in runs]
        urls = [r.urls for r in runs]
        sources = [r.sources for r in runs] if self.retrieval else None
        domain_rows, domains_cited = item_rows(domains, pawc=self.pawc_domains, keep=options.keep)
        url_rows, urls_cited = item_rows(urls, pawc=self.pawc_urls, sources=sources, keep=options.keep)
        bootstrap = resamples > 0 and len(self.prompt_lists) > 1  # one prompt: nothing to resample
        if bootstrap:
            limit = len(domain_rows) if top is None else top
            domain_rows = [
                with_share_ci(row, self._share_interval(row.item, resamples)) if i < limit else row
                for i, row in enumerate(domain_rows)
            ]
        brand_rows = None
        if brands is not None:
            brand_rows = brand_rows_of(
                [r.brands for r in runs],
                [r.cited_brands for r in runs],
                [r.bands for r in runs],
                brands,
                functools.partial(self._sov_intervals, resamples=resamples) if bootstrap else None,
            )

        def mean_of(name: str) -> Repeatability | None:
            return mean_repeatability([r for g in self.groups if (r := getattr(g, name)) is not None])

        return section(
            self.engine,
            None,
            prompts=len(self.groups),
            times=[r.started_at for r in runs],
            items=(domain_rows, domains_cited, url_rows, urls_cited),
            cited_given=(sources, urls),
            serp=(self.serp_k, self.serp_n, self.serp_runs),
            repeats=(
                mean_of("domain_repeatability"),
                mean_of("url_repeatability"),
                mean_of("brand_repeatability") if brands is not None else None,
            ),
            brand_rows=brand_rows,
            options=options,
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


@dataclass(slots=True)
class EnginePart:
    """One engine's share of a report: its groups in report order, its roll-up and its stability series."""

    engine: str
    groups: list[Section]
    heatmaps: list[Heatmap]
    rollup: Section
    by_run: list[tuple[int, float, int]]
    by_day: list[tuple[str, float, int]]
    change: Change


def engine_part(store: Store, where: RunFilter, engine: str, brands: BrandSet | None, options: Options) -> EnginePart:
    """The part of the report about one engine: nothing in it depends on another engine's runs."""
    rollup = _EngineRollup(engine)
    groups: list[Section] = []
    heatmaps: list[Heatmap] = []
    change = Change()
    for _, prompt, runs in iter_runs(store, dataclasses.replace(where, engine=engine), brands, geo=options.geo):
        pawc = pawc_scores(runs) if options.geo else None
        section = summarise_group(engine, prompt, runs, brands, options, pawc)
        groups.append(section)
        if options.heatmaps:
            heatmaps.append(_heatmap(engine, prompt, section, runs))
        rollup.add(section, runs, pawc)
        change.add(runs)
    return EnginePart(
        engine=engine,
        groups=groups,
        heatmaps=heatmaps,
        rollup=rollup.finish(brands, options),
        by_run=[(i, s / n, int(n)) for i, (s, n) in sorted(rollup.by_run_index.items())],
        by_day=[(d, s / n, int(n)) for d, (s, n) in sorted(rollup.by_day.items())],
        change=change,
    )
