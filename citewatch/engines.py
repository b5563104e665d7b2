"""The one place engines are registered.

An engine is four pieces found by its name: `citewatch.scrapers.<name>` (drives the UI),
`citewatch.extract.<name>` (reads a snapshot), `citewatch.replicas.<name>` (a local stand-in of the UI)
and `fixtures/<name>/` (golden cases). Adding an engine adds those four and one line in `ENGINES`.
Modules are imported on first use, so reading snapshots never loads Playwright or the replica server.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, cast

from citewatch.errors import UnknownEngine

if TYPE_CHECKING:
    from citewatch.extract import EngineExtractor
    from citewatch.replicas import EngineReplica
    from citewatch.scrapers import EngineScraper


@dataclass(frozen=True, slots=True)
class Engine:
    name: str  # CLI choice, database value, fixtures/<name>/, module name
    label: str  # for people
    home_url: str  # the real site; tests and the demo pass a replica's URL instead

    def _module(self, package: str) -> ModuleType:
        return importlib.import_module(f"citewatch.{package}.{self.name}")

    @property
    def extractor(self) -> EngineExtractor:
        return cast("EngineExtractor", self._module("extract"))

    @property
    def scraper(self) -> EngineScraper:
        return cast("EngineScraper", self._module("scrapers").SCRAPER)

    @property
    def replica(self) -> EngineReplica:
        return cast("EngineReplica", self._module("replicas").REPLICA)


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine("perplexity", "Perplexity", "https://www.perplexity.ai/"),
        Engine("chatgpt", "ChatGPT", "https://chatgpt.com/"),
        Engine("gemini", "Gemini", "https://gemini.google.com/app"),
        Engine("google_aio", "Google AI Overviews", "https://www.google.com/"),
        Engine("google_ai_mode", "Google AI Mode", "https://www.google.com/"),
    )
}


def get_engine(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        raise UnknownEngine(unknown_engine_message(name)) from None


def unknown_engine_message(name: str) -> str:
    """`unknown engine 'perplexty'; did you mean perplexity? (known: ...)`, for every place that names engines."""
    return unknown_choice("engine", name, sorted(ENGINES))


def unknown_choice(what: str, name: str, known: list[str]) -> str:
    """One line naming what exists, with the closest spelling first when there is one."""
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    listed = ", ".join(known) if known else "none"
    return f"unknown {what} {name!r}{hint} (known: {listed})"
