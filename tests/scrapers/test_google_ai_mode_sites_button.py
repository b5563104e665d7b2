"""AI Mode's "N sites" button: the page may hold more than one, only one of them shown; the shown one is clicked.

The real Polish capture (tests/scrapers/test_real_dom.py) holds two, the shown one first. Here the hidden one
comes first, as the page may as well order them: clicking `.first` would wait on the hidden button until the
session's timeout and fail the capture after its answer. The page is written here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from citewatch.scrapers import google_ai_mode

pytestmark = pytest.mark.browser

_PAGE = """
<div data-container-id="rhs-col">
  <button data-xid="x92FHb" style="display: none">15 sites</button>
  <button data-xid="x92FHb" aria-describedby="show-all">11 sites</button>
  %s
</div>
<script>
  document.querySelectorAll("button[data-xid=x92FHb]").forEach((button) => button.addEventListener("click", () => {
    const dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    dialog.innerHTML = '<div data-src-id="1"><a href="https://one.example/">one</a></div>';
    button.closest("[data-container-id]").append(dialog);
  }));
</script>
"""
_COVER = '<div style="position: fixed; inset: 0; background: white"></div>'  # something over every button


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    page.set_default_timeout(5000)  # a click waiting on the hidden button would fail the test, not hang it
    yield page
    page.close()


def test_the_shown_button_opens_the_dialog(page: Page) -> None:
    page.set_content(_PAGE % "")
    google_ai_mode.SCRAPER.expand_sources(page)
    assert page.locator(google_ai_mode.SCRAPER.dialog_cards).count() == 1


def test_a_covered_button_leaves_the_dialog_closed_and_returns(page: Page) -> None:
    page.set_content(_PAGE % _COVER)
    start = time.monotonic()
    google_ai_mode.SCRAPER.expand_sources(page)  # returns: the extractor reports the dialog unopened
    assert time.monotonic() - start < 4
    assert page.locator(google_ai_mode.SCRAPER.dialog_cards).count() == 0
