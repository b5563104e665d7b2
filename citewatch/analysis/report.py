"""Citation stability per prompt and engine, read from the store in one streamed query.

For every (engine, prompt) the answered captures are the runs; each run's cited domains come from its
newest extraction. Rows arrive ordered, so one pass groups them without holding the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from citewatch.analysis import metrics
from citewatch.analysis.brands import BrandSet, match_mentions
from citewatch.models import Extraction
from citewatch.storage import tables as t
from citewatch.storage.queries import answered_runs
from citewatch.storage.repository import Store


@dataclass(frozen=True, slots=True)
class DomainRate:
    domain: str
    rate: metrics.Proportion


@dataclass(slots=True)
class PromptStability:
    """How one engine cited for one prompt over repeated runs."""

    engine: str
    prompt: str
    runs: list[frozenset[str]] = field(default_factory=list)  # cited domains per run, oldest first

    @property
    def n(self) -> int:
        return len(self.runs)

    def domains(self) -> list[DomainRate]:
        """Citation rate of every cited domain (runs citing it ÷ runs), most cited first."""
        seen = set().union(*self.runs) if self.runs else set()
        rates = [DomainRate(d, metrics.rate(self.runs, d)) for d in seen]
        return sorted(rates, key=lambda r: (-r.rate.k, r.domain))

    def summary(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "prompt": self.prompt,
            "runs": self.n,
            "mean_pairwise_jaccard": round(metrics.mean_pairwise_jaccard(self.runs), 4),
            "change_rate": round(metrics.change_rate(self.runs), 4),
            "exact_repeat_probability": round(metrics.exact_repeat_probability([sorted(r) for r in self.runs]), 4),
            "domains": [
                {
                    "domain": r.domain,
                    "runs": r.rate.k,
                    "rate": round(r.rate.value, 4),
                    "ci95": [round(r.rate.low, 4), round(r.rate.high, 4)],
                }
                for r in self.domains()
            ],
        }


def stability(
    store: Store, *, engine: str | None = None, prompt: str | None = None, since: datetime | None = None
) -> Iterator[PromptStability]:
    """One `PromptStability` per (engine, prompt) with answered captures, streamed from SQL."""
    query = answered_runs(t.CitationRow.domain, engine=engine, prompt=prompt, since=since).outerjoin(
        t.CitationRow, t.CitationRow.extraction_id == t.ExtractionRow.id
    )
    current: PromptStability | None = None
    run_id: int | None = None
    domains: set[str] = set()
    with store.engine.connect() as connection:
        for row_engine, row_prompt, capture_id, domain in connection.execution_options(yield_per=5000).execute(query):
            if current is None or (row_engine, row_prompt) != (current.engine, current.prompt):
                if current is not None:
                    current.runs.append(frozenset(domains))
                    yield current
                current, run_id, domains = PromptStability(row_engine, row_prompt), capture_id, set()
            elif capture_id != run_id:
                current.runs.append(frozenset(domains))
                run_id, domains = capture_id, set()
            if domain:
                domains.add(domain)
    if current is not None:
        current.runs.append(frozenset(domains))
        yield current


@dataclass(slots=True)
class BrandVisibility:
    """How one engine named the tracked brands for one prompt over repeated runs."""

    engine: str
    prompt: str
    runs: list[list[str]] = field(default_factory=list)  # brands named per run (one entry per mention), in order

    @property
    def n(self) -> int:
        return len(self.runs)

    def rows(self, brands: BrandSet) -> list[BrandRow]:
        rows = []
        for brand in brands.brand:
            sov = metrics.share_of_voice(self.runs, brand.name)
            rows.append(
                BrandRow(
                    engine=self.engine,
                    prompt=self.prompt,
                    brand=brand.name,
                    ours=brand.ours,
                    runs=self.n,
                    mention_rate=metrics.rate([set(run) for run in self.runs], brand.name),
                    sov_mentions=sov.by_mentions,
                    sov_answers=sov.by_answers,
                    average_rank=metrics.average_rank(self.runs, brand.name),
                )
            )
        return rows


@dataclass(frozen=True, slots=True)
class BrandRow:
    engine: str
    prompt: str
    brand: str
    ours: bool
    runs: int
    mention_rate: metrics.Proportion
    sov_mentions: float
    sov_answers: float
    average_rank: float | None

    def as_json(self) -> dict[str, object]:
        rate = self.mention_rate
        return {
            "engine": self.engine,
            "prompt": self.prompt,
            "brand": self.brand,
            "ours": self.ours,
            "runs": self.runs,
            "mention_rate": round(rate.value, 4),
            "ci95_low": round(rate.low, 4),
            "ci95_high": round(rate.high, 4),
            "sov_mentions": round(self.sov_mentions, 4),
            "sov_answers": round(self.sov_answers, 4),
            "average_rank": None if self.average_rank is None else round(self.average_rank, 2),
        }


def brand_visibility(
    store: Store,
    brands: BrandSet,
    *,
    engine: str | None = None,
    prompt: str | None = None,
    since: datetime | None = None,
) -> Iterator[BrandVisibility]:
    """Brands recomputed from each answered capture's newest stored extraction (no recapture needed)."""
    query = answered_runs(t.ExtractionRow.data, engine=engine, prompt=prompt, since=since)
    current: BrandVisibility | None = None
    with store.engine.connect() as connection:
        for row_engine, row_prompt, _capture_id, data in connection.execution_options(yield_per=500).execute(query):
            if current is None or (row_engine, row_prompt) != (current.engine, current.prompt):
                if current is not None:
                    yield current
                current = BrandVisibility(row_engine, row_prompt)
            mentions = match_mentions(Extraction.model_validate(data), brands)
            current.runs.append([m.brand for m in mentions if not m.negative])
    if current is not None:
        yield current
