"""Engines' parts built side by side in forked processes."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor

from citewatch.analysis.brands import BrandSet
from citewatch.analysis.report.groups import EnginePart, engine_part
from citewatch.analysis.report.results import Options
from citewatch.storage.queries import RunFilter
from citewatch.storage.repository import Store


def engine_parts(
    store: Store, where: RunFilter, brands: BrandSet | None, options: Options, runs_per_engine: Mapping[str, int]
) -> Iterator[EnginePart]:
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


def _forked_part(engine: str) -> EnginePart:
    store, where, brands, options = _inherited[-1]
    return engine_part(store, where, engine, brands, options)
