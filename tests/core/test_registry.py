"""Every registered engine has all four pieces, and unknown names fail helpfully."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from citewatch import selectors
from citewatch.engines import ENGINES, get_engine
from citewatch.errors import UnknownEngine
from citewatch.scrapers.base import ChatScraper

ROOT = Path(__file__).resolve().parents[2]
MIN_FIXTURES = 6
# Every engine reads its selectors from its data file (citewatch/selectors/<name>.toml).
SELECTORS_AS_DATA = sorted(ENGINES)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_engine_has_scraper_extractor_replica_and_fixtures(name: str) -> None:
    engine = get_engine(name)
    assert isinstance(engine.scraper, ChatScraper) and engine.scraper.name == name
    assert engine.extractor.EXTRACTOR_VERSION.startswith(f"{name}/")
    assert engine.replica.name == name and engine.replica.scenarios[0] == "normal"
    cases = [p for p in (ROOT / "fixtures" / name).glob("*/") if (p / "expected.json").is_file()]
    assert len(cases) >= MIN_FIXTURES, f"{name} has {len(cases)} fixture cases"
    assert engine.home_url.startswith("https://")


@pytest.mark.parametrize("name", SELECTORS_AS_DATA)
def test_engine_reads_its_selectors_from_its_data_file(name: str) -> None:
    assert name in selectors.shipped_engines()
    for package in ("scrapers", "extract"):
        module = importlib.import_module(f"citewatch.{package}.{name}")
        assert isinstance(module.SEL, selectors.Selectors) and module.SEL.engine == name
    assert selectors.load(name).xpath and selectors.load(name).css


def test_unknown_engine_lists_the_known_ones() -> None:
    with pytest.raises(UnknownEngine, match=r"unknown engine 'bing' \(known: .*perplexity\)"):
        get_engine("bing")
    with pytest.raises(UnknownEngine, match=r"unknown engine 'gemnii'; did you mean gemini\? \(known: chatgpt, "):
        get_engine("gemnii")
