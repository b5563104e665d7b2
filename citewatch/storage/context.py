"""What a capture's run says about it beyond its own row: the campaign's prompt tags and its locales'
countries, read from the run's `meta` (`citewatch run` stores the campaign there; `capture --country` its
country). Exports add them as columns; reports filter and split by them.

A campaign job's key names its locale (`campaign|slot|engine|locale|prompt|rN#attempt`), so a capture's
country is its locale's, in the campaign its run stored. Captures of runs that stored no campaign (older
runs, `capture` without `--country`) have no tags and no country.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, tuple_

from citewatch.storage import tables as t
from citewatch.storage.repository import Store

LOCALE_PART = 3  # the locale name's place in a job key


@dataclass(frozen=True, slots=True)
class RunContext:
    campaign: str | None = None
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # prompt text -> its tags
    countries: dict[str, str | None] = field(default_factory=dict)  # campaign locale name -> its country
    country: str | None = None  # a `capture --country` run's

    def country_of(self, job_key: str | None) -> str | None:
        if job_key is None:
            return self.country
        parts = job_key.split("|")
        return self.countries.get(parts[LOCALE_PART]) if len(parts) > LOCALE_PART else None

    def tags_of(self, prompt: str) -> tuple[str, ...]:
        return self.tags.get(prompt, ())


def _context(campaign: str | None, meta: dict[str, Any]) -> RunContext:
    spec = meta.get("campaign") or {}
    return RunContext(
        campaign=campaign,
        tags={p["text"]: tuple(p.get("tags") or ()) for p in spec.get("prompts", [])},
        countries={loc["name"]: loc.get("country") for loc in spec.get("locales", [])},
        country=meta.get("country"),
    )


def run_contexts(store: Store) -> dict[int, RunContext]:
    """Every run's context, by run id (one query; runs are few next to their captures)."""
    with store.engine.connect() as connection:
        rows = connection.execute(select(t.Run.id, t.Run.campaign, t.Run.meta))
        return {run_id: _context(campaign, meta or {}) for run_id, campaign, meta in rows}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_locales(pairs: Iterable[tuple[str, str]]) -> list[ColumnElement[bool]]:
    """Captures of these (campaign, locale name) jobs, by their job keys."""
    return [
        t.Capture.job_key.like(f"{_like(campaign)}|%|%|{_like(name)}|%", escape="\\")
        for campaign, name in sorted(set(pairs))
    ]


def scope(
    contexts: dict[int, RunContext], *, tag: str | None, country: str | None, locale: str | None
) -> ColumnElement[bool] | None:
    """The SQL condition on captures (joined with their prompt and run) for these filters; None for none.
    A locale is a browser locale (`de-DE`, the capture's own column) or a campaign locale's name (`de`)."""
    conditions: list[ColumnElement[bool]] = []
    if tag is not None:
        pairs = {(c.campaign, text) for c in contexts.values() for text, tags in c.tags.items() if tag in tags}
        conditions.append(tuple_(t.Run.campaign, t.Prompt.text).in_(sorted(pairs)) if pairs else false())
    if country is not None:
        wanted = country.casefold()
        located = {
            (c.campaign, name)
            for c in contexts.values()
            if c.campaign
            for name, found in c.countries.items()
            if (found or "").casefold() == wanted
        }
        runs = [run_id for run_id, c in contexts.items() if (c.country or "").casefold() == wanted]
        conditions.append(or_(false(), *_in_locales(located), t.Capture.run_id.in_(runs)))
    if locale is not None:
        named = {(c.campaign, name) for c in contexts.values() if c.campaign for name in c.countries if name == locale}
        conditions.append(or_(t.Capture.locale == locale, *_in_locales(named)))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def split_values(contexts: dict[int, RunContext], by: str, locales: Iterable[str]) -> list[str]:
    """The values a report can be split into `by` (tag, country or locale), as stored."""
    if by == "tag":
        return sorted({tag for c in contexts.values() for tags in c.tags.values() for tag in tags})
    if by == "country":
        found = {country for c in contexts.values() for country in (*c.countries.values(), c.country) if country}
        return sorted(found, key=str.casefold)
    return sorted(set(locales))


def campaign_brands(store: Store, campaign: str) -> dict[str, Any] | None:
    """The brand table the campaign's newest run resolved (its `[brands]`, file read), if it had one."""
    query = select(t.Run.meta).where(t.Run.campaign == campaign).order_by(t.Run.id.desc())
    with store.engine.connect() as connection:
        for (meta,) in connection.execute(query):
            if meta and "brands" in meta:
                return dict(meta["brands"])
    return None


def stored_locales(store: Store, contexts: dict[int, RunContext]) -> list[str]:
    """Browser locales of the stored captures and the names of the campaigns' locales."""
    with store.engine.connect() as connection:
        browser = {value for (value,) in connection.execute(select(t.Capture.locale).distinct()) if value}
    return sorted(browser | {name for c in contexts.values() for name in c.countries})
