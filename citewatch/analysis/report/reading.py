"""Reading a report's runs from SQL: one row per run, streamed (on PostgreSQL with a read-ahead thread), each
row turned into its `RunValues` (U_r, D_r, S_r as `analysis.run_sets` defines them) without validating
the whole stored record unless GEO needs the answer's text.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import text

from citewatch.analysis.brands import BrandMention, BrandSet, Memo, mentions_in, named_brands
from citewatch.analysis.report.results import Run
from citewatch.analysis.run_sets import Parts
from citewatch.analysis.runs import RunValues, run_values
from citewatch.models import Extraction
from citewatch.storage import run_lists
from citewatch.storage import tables as t
from citewatch.storage.queries import RECORD, UNIT, RunFilter, answer_parts, cited_lists, prompt_texts, stored_lists
from citewatch.storage.repository import Store

STREAM_BATCH = 5000


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


def _bands(values: RunValues, brands: BrandSet) -> dict[str, str | None]:
    first = values.first_bands()
    return {brand.name: first.get(brand.name) for brand in brands.brand}
