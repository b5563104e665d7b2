"""Both Google engines ask from the same language and country: one URL builder (`scrapers/_google.py`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from citewatch.scrapers.base import Target
from citewatch.scrapers.google_ai_mode import SCRAPER as AI_MODE
from citewatch.scrapers.google_aio import SCRAPER as AIO


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize(
    ("locale", "country", "hl", "gl"),
    [
        ("de-DE", None, "de", "DE"),  # the country comes from the locale's region
        ("en-GB", "us", "en", "US"),  # an explicit country wins, upper-cased as Google writes it
        ("pl", None, "pl", None),  # a bare language: no country is invented
    ],
)
def test_both_engines_send_the_same_language_and_country(
    locale: str, country: str | None, hl: str, gl: str | None
) -> None:
    target = Target(prompt="beste Kaffeemühle", base_url="https://www.google.de/", locale=locale, country=country)
    overview, ai_mode = params(AIO.start_url(target)), params(AI_MODE.start_url(target))
    assert overview["hl"] == ai_mode["hl"] == [hl]
    assert overview.get("gl") == ai_mode.get("gl") == ([gl] if gl else None)
    assert overview["q"] == ai_mode["q"] == ["beste Kaffeemühle"]
    assert ai_mode["udm"] == ["50"] and "udm" not in overview


def test_the_search_stays_on_the_targets_origin() -> None:
    target = Target(prompt="q", base_url="http://127.0.0.1:8123/some/path?x=1")
    assert AIO.start_url(target).startswith("http://127.0.0.1:8123/search?")
    assert AI_MODE.start_url(target).startswith("http://127.0.0.1:8123/search?")
