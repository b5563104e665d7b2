"""`replay --render` draws a stored snapshot as it was seen: the page archive taken with the DOM gives the
offline render the capture's stylesheets and images. In real Chromium, against the Perplexity replica, whose
stylesheet makes the difference between a styled page and bare buttons in serif text."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import Page

from citewatch import replay
from citewatch.engines import get_engine
from citewatch.models import CaptureResult, CaptureStatus
from citewatch.scrapers import pipeline
from citewatch.scrapers.base import Target

pytestmark = pytest.mark.browser

ELEMENTS = ("body", "nav.sidebar", "button.btn-super", "button.btn-quiet", "a.sidebar-item")
STYLES = ("font-family", "font-size", "background-color", "color", "border-radius", "padding-left", "width")
_STYLES_JS = "(found, names) => found.map(e => { const s = getComputedStyle(e); return names.map(n => s[n]); })"
# Parts of the page the Links tab, opened after the screenshot and before the DOM is saved, leaves as they were:
# the top bar (logo, Sign In, Sign Up) and the sidebar. (x, y, width, height) in CSS pixels.
UNCHANGED = ((0, 0, 1280, 56), (0, 56, 74, 280))
_DIFFERENCE_JS = """async ([a, b, regions]) => {
  const load = src => new Promise((done, fail) => {
    const image = new Image();
    image.onload = () => done(image);
    image.onerror = fail;
    image.src = src;
  });
  const images = await Promise.all([load(a), load(b)]);
  const pixels = (image, [x, y, w, h]) => {
    const canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const context = canvas.getContext("2d");
    context.drawImage(image, -x, -y);
    return context.getImageData(0, 0, w, h).data;
  };
  let total = 0, count = 0;
  for (const region of regions) {
    const [p, q] = images.map(image => pixels(image, region));
    for (let k = 0; k < p.length; k += 4) {
      for (let c = 0; c < 3; c++) { total += Math.abs(p[k + c] - q[k + c]); count++; }
    }
  }
  return total / count / 255;
}"""


class StylesAtCapture:
    """The computed styles of the page the moment its DOM and archive were taken (the `artifacts` step)."""

    seen: list[list[str]] | None = None

    def opened(self, page: Page) -> None:
        pass

    def after(self, step: str, page: Page, error: Exception | None) -> None:
        if step == "artifacts":
            self.seen = _styles(page)


def _styles(page: Page) -> list[list[str]]:
    found: list[list[str]] = []
    for selector in ELEMENTS:
        found += page.locator(selector).first.evaluate_all(_STYLES_JS, list(STYLES))
    return found


def test_the_offline_render_is_styled_as_the_capture_was_seen(session, replica) -> None:
    server = replica("perplexity")
    observer = StylesAtCapture()
    target = Target(prompt="best CRM for SaaS startups", base_url=f"{server.url}/", timeout_s=30)
    result = pipeline.capture_once(session, get_engine("perplexity").scraper, target, observer=observer).result
    assert result.status is CaptureStatus.answered, result.error
    assert result.html and result.page_archive and result.screenshot and observer.seen
    assert result.page_archive.startswith(b"From: <Saved by Blink>")

    styled, styled_shot = _draw(session, result, with_archive=True)
    bare, bare_shot = _draw(session, result, with_archive=False)
    assert styled == observer.seen, "the offline render computes the styles the capture showed"
    fonts = {row[0] for row in bare}
    assert all(row[0] != seen[0] for row, seen in zip(bare, observer.seen, strict=True)), fonts
    # and looks like the capture's screenshot where the page did not change between the two
    with session.page() as page:
        near, far = _difference(page, result.screenshot, styled_shot), _difference(page, result.screenshot, bare_shot)
        assert near < 0.01 and far > 0.05, (near, far)


def _draw(session, result: CaptureResult, *, with_archive: bool) -> tuple[list[list[str]], bytes]:
    assert result.html is not None
    with session.page(javascript=False) as page:
        assert replay.draw(page, result.html, result.page_archive if with_archive else None) is with_archive
        return _styles(page), page.screenshot(full_page=True)


def _difference(page: Page, a: bytes, b: bytes) -> float:
    """Mean absolute difference of the two PNGs' colours over the unchanged regions, 0 (same) to 1."""
    urls = [f"data:image/png;base64,{base64.b64encode(png).decode()}" for png in (a, b)]
    return float(page.evaluate(_DIFFERENCE_JS, [*urls, [list(region) for region in UNCHANGED]]))
