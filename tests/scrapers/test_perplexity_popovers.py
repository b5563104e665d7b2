"""Perplexity's "+N" chips whose popover does not close when the pointer leaves: the sources step returns.

The replica's popovers close as Radix hover cards do (the pointer leaves). A popover that waits for Escape, or
one that stays open whatever is done, must neither crash a capture that has its answer nor have the next
chip's sources read from the popover left open. The page is written here: two grouped chips, each opening a
popover that lists its own sources.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from citewatch.scrapers import perplexity

pytestmark = pytest.mark.browser

_PAGE = """
<div id="markdown-content-0">
  <p>First claim <span class="inline-flex"><span class="citation">alpha+1</span></span></p>
  <p>Second claim <span class="inline-flex"><span class="citation">beta+1</span></span></p>
</div>
<script>
  const CLOSES_ON = "%s";  // "escape": as a popover (not a hover card); "never": stays open
  const SOURCES = {
    alpha: ["https://alpha.example/one", "https://alpha.example/two"],
    beta: ["https://beta.example/one", "https://beta.example/two"],
  };
  document.querySelectorAll("span.inline-flex").forEach((chip) => chip.addEventListener("mouseover", () => {
    if (document.querySelector("[data-radix-popper-content-wrapper]")) return;  // one open at a time
    const popover = document.createElement("div");
    popover.setAttribute("data-radix-popper-content-wrapper", "");
    popover.style = "position: fixed; right: 0; bottom: 0";  // covers no chip
    const name = chip.textContent.replace(/\\+\\d+$/, "");
    popover.innerHTML = SOURCES[name].map((url) => `<a href="${url}"><span class="font-medium">${url}</span></a>`)
      .join("");
    document.body.append(popover);
  }));
  document.addEventListener("keydown", (event) => {
    if (CLOSES_ON === "escape" && event.key === "Escape") {
      document.querySelector("[data-radix-popper-content-wrapper]")?.remove();
    }
  });
</script>
"""


@pytest.fixture
def page(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Iterator[Page]:
    monkeypatch.setattr(perplexity, "PANEL_WAIT_MS", 300)
    page = browser.new_page()
    yield page
    page.close()


def _recorded(page: Page) -> list[list[str] | None]:
    marks = page.locator("span.citation").evaluate_all(
        "(els) => els.map((el) => el.getAttribute('data-cw-group-urls'))"
    )
    return [None if mark is None else [source["url"] for source in json.loads(mark)] for mark in marks]


def test_popover_closed_by_escape_each_chip_gets_its_own_sources(page: Page) -> None:
    page.set_content(_PAGE % "escape")
    perplexity.SCRAPER.expand_sources(page)
    assert _recorded(page) == [
        ["https://alpha.example/one", "https://alpha.example/two"],
        ["https://beta.example/one", "https://beta.example/two"],
    ]


def test_popover_that_stays_open_ends_the_step_without_misreading_the_next_chip(page: Page) -> None:
    page.set_content(_PAGE % "never")
    start = time.monotonic()
    perplexity.SCRAPER.expand_sources(page)  # returns: the answer is kept
    assert time.monotonic() - start < 5
    # The second chip's hover finds the first popover still open: nothing is written rather than its sources.
    assert _recorded(page) == [["https://alpha.example/one", "https://alpha.example/two"], None]
