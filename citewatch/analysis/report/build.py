"""The whole report: each engine's part, in engine order, with the chart series."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from citewatch.analysis.brands import BrandSet
from citewatch.analysis.report.parallel import engine_parts
from citewatch.analysis.report.results import Options, Report
from citewatch.storage.queries import RunFilter, answered_engines
from citewatch.storage.repository import Store


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
        parts = engine_parts(store, where, brands, options, runs_per_engine)
        for part in sorted(parts, key=lambda part: part.engine):
            report.groups += part.groups
            report.heatmaps += part.heatmaps
            report.engines.append(part.rollup)
            report.by_run[part.engine] = part.by_run
            report.by_day[part.engine] = part.by_day
            report.changes[part.engine] = part.change
    return report
