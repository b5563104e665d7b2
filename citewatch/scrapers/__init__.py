"""Scrapers drive an engine's public web UI in a real browser and save what the user saw.

`browser` finds Chromium and opens contexts; `steps` holds the steps every engine shares; `pipeline`
runs one capture attempt in a fixed order; `<engine>.py` modules hold each engine's selectors and the
steps that differ (`SCRAPER`).
"""

from citewatch.scrapers.base import ChatScraper as EngineScraper
from citewatch.scrapers.base import Target

__all__ = ["EngineScraper", "Target"]
